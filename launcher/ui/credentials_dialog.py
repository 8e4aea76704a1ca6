"""The Saved credentials dialog: add, edit, rename, remove and test named credentials.

Secrets are typed into masked fields and never shown again: when an entry is edited, the
secret fields stay empty, and leaving them empty keeps the stored values. Keyring calls and
the STS test run on worker threads (launcher.ui.tasks), so a keyring unlock prompt or a slow
network never freezes the window.

Typical use from the main window:

    dialog = CredentialsDialog(repository, region=current_region, endpoint_url=endpoint_url, parent=self)
    dialog.credentialsChanged.connect(self.reload_credential_sources)
    dialog.open()
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from launcher.appstream.errors import AppStreamError
from launcher.credentials.errors import InvalidCredentialsInput
from launcher.credentials.repository import CredentialsRepository, SavedCredentials
from launcher.ui.style import TONE_ERROR, TONE_INFO, TONE_PLAIN, TONE_SUCCESS, WINDOW_STYLE_SHEET, set_invalid, set_tone
from launcher.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

# Shown before any region list loads; any well-formed region can be typed.
COMMON_REGIONS = ("", "us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-southeast-2")
KEEP_SECRET_PLACEHOLDER = "Stored in keyring; leave empty to keep"
NEW_SECRET_PLACEHOLDER = "Required"
NEW_TOKEN_PLACEHOLDER = "Optional, for temporary keys"
CHANNEL_KEYRING = "credentials-keyring"
CHANNEL_TEST = "credentials-test"
CHANNEL_CHECK = "credentials-check"


@dataclass(frozen=True)
class _SaveRequest:
    entry: SavedCredentials
    secret_access_key: str | None
    session_token: str | None
    clear_session_token: bool
    original_name: str | None


class CredentialsDialog(QDialog):
    """Manages saved credentials.

    Every signal is emitted on the GUI thread once the change is in the keyring and the
    settings file. `credentialsChanged()` follows any add, edit, rename or remove, so the window
    can rebuild its credential list. `credentialsSaved(name)`, `credentialsRenamed(old, new)`
    and `credentialsRemoved(name)` name the specific change.

    `region` and `endpoint_url` are used by Test: the entry's own default region wins over
    `region`, and `endpoint_url` (the emulator in demo mode) receives the STS calls.
    """

    credentialsChanged = Signal()
    credentialsSaved = Signal(str)
    credentialsRenamed = Signal(str, str)
    credentialsRemoved = Signal(str)

    def __init__(
        self,
        repository: CredentialsRepository | None = None,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("credentialsDialog")
        self.setWindowTitle("Saved credentials")
        self.setStyleSheet(WINDOW_STYLE_SHEET)
        self.repository = repository or CredentialsRepository()
        self.region = region or ""
        self.endpoint_url = endpoint_url
        self.tasks = TaskRunner(self)
        self._editing: SavedCredentials | None = None
        self._busy = False

        self._build_widgets()
        self._build_layout()
        self._connect_signals()
        self.reload()
        self.new_entry()
        self._check_keyring()

    # Construction ------------------------------------------------------------------------

    def _line_edit(self, name: str, accessible: str, placeholder: str = "", *, secret: bool = False) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setPlaceholderText(placeholder)
        edit.setClearButtonEnabled(not secret)
        if secret:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        return edit

    def _build_widgets(self) -> None:
        self.list_widget = QListWidget(self)
        self.list_widget.setObjectName("credentialsList")
        self.list_widget.setAccessibleName("Saved credentials")
        self.new_button = QPushButton("Ne&w", self)
        self.new_button.setObjectName("newButton")

        self.name_edit = self._line_edit("nameEdit", "Name", "Such as prod-admin")
        self.name_edit.setToolTip("Changing the name of a saved entry renames it, with its keyring entries")
        self.access_key_id_edit = self._line_edit("accessKeyIdEdit", "Access key ID", "Such as AKIAIOSFODNN7EXAMPLE")
        self.secret_access_key_edit = self._line_edit("secretAccessKeyEdit", "Secret access key", secret=True)
        self.session_token_edit = self._line_edit("sessionTokenEdit", "Session token", secret=True)
        self.clear_session_token_check = QCheckBox("Delete the stored session token", self)
        self.clear_session_token_check.setObjectName("clearSessionTokenCheck")
        self.mfa_serial_edit = self._line_edit("mfaSerialEdit", "MFA device ARN", "Optional: arn:aws:iam::123456789012:mfa/NAME")
        self.role_arn_edit = self._line_edit("roleArnEdit", "Role ARN", "Optional: arn:aws:iam::123456789012:role/NAME")
        self.external_id_edit = self._line_edit("externalIdEdit", "External ID", "Optional, with a role ARN")
        self.role_session_name_edit = self._line_edit(
            "roleSessionNameEdit", "Role session name", "Optional, default appstream-launcher"
        )
        self.region_combo = QComboBox(self)
        self.region_combo.setObjectName("credentialsRegionCombo")
        self.region_combo.setAccessibleName("Default region")
        self.region_combo.setEditable(True)
        self.region_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.region_combo.addItems(COMMON_REGIONS)
        self.region_combo.lineEdit().setPlaceholderText("Optional, such as us-east-1")
        self.region_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        self._field_widgets = {
            "name": self.name_edit,
            "access_key_id": self.access_key_id_edit,
            "secret_access_key": self.secret_access_key_edit,
            "session_token": self.session_token_edit,
            "mfa_serial": self.mfa_serial_edit,
            "role_arn": self.role_arn_edit,
            "external_id": self.external_id_edit,
            "role_session_name": self.role_session_name_edit,
            "region": self.region_combo,
        }

        self.keyring_note = QLabel("Secrets are stored in the OS keyring and are never shown again.", self)
        self.keyring_note.setObjectName("keyringNote")
        self.keyring_note.setWordWrap(True)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("credentialsStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_result_label = QLabel(self)
        self.test_result_label.setObjectName("credentialsTestResult")
        self.test_result_label.setWordWrap(True)
        self.test_result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.save_button = QPushButton("&Save", self)
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        self.remove_button = QPushButton("&Remove", self)
        self.remove_button.setObjectName("removeButton")
        self.test_button = QPushButton("&Test", self)
        self.test_button.setObjectName("testButton")
        self.test_button.setToolTip("Call STS GetCallerIdentity with the saved credentials")
        self.close_buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.close_buttons.setObjectName("closeButtons")

    def _build_layout(self) -> None:
        left = QVBoxLayout()
        left.addWidget(self.list_widget)
        left.addWidget(self.new_button)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow("&Name:", self.name_edit)
        form.addRow("&Access key ID:", self.access_key_id_edit)
        form.addRow("Secret access &key:", self.secret_access_key_edit)
        form.addRow("Session t&oken:", self.session_token_edit)
        form.addRow("", self.clear_session_token_check)
        form.addRow("&MFA device ARN:", self.mfa_serial_edit)
        form.addRow("Ro&le ARN:", self.role_arn_edit)
        form.addRow("E&xternal ID:", self.external_id_edit)
        form.addRow("Role session nam&e:", self.role_session_name_edit)
        form.addRow("Default re&gion:", self.region_combo)

        actions = QHBoxLayout()
        actions.addWidget(self.save_button)
        actions.addWidget(self.remove_button)
        actions.addWidget(self.test_button)
        actions.addStretch(1)

        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(self.keyring_note)
        right.addLayout(actions)
        right.addWidget(self.test_result_label)
        right.addWidget(self.status_label)
        right.addStretch(1)

        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 2)

        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(self.close_buttons)
        self.resize(760, 440)

    def _connect_signals(self) -> None:
        self.list_widget.currentItemChanged.connect(self._on_current_item_changed)
        self.new_button.clicked.connect(self.new_entry)
        self.save_button.clicked.connect(self.save)
        self.remove_button.clicked.connect(self.remove)
        self.test_button.clicked.connect(self.test)
        self.close_buttons.rejected.connect(self.reject)
        for widget in self._field_widgets.values():
            if isinstance(widget, QLineEdit):
                widget.textEdited.connect(lambda _text, edit=widget: set_invalid(edit, None))
        self.region_combo.editTextChanged.connect(lambda _text: set_invalid(self.region_combo, None))

    # List and form -----------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        """Fill the list from the settings file (no keyring access) and select `select` if given."""
        self.list_widget.blockSignals(True)
        try:
            self.list_widget.clear()
            for entry in self.repository.list():
                item = QListWidgetItem(entry.name, self.list_widget)
                item.setData(Qt.ItemDataRole.UserRole, entry.name)
                item.setToolTip(f"Access key ID {entry.access_key_id}")
        finally:
            self.list_widget.blockSignals(False)
        if select is not None:
            self.select(select)

    def names(self) -> list[str]:
        return [self.list_widget.item(row).text() for row in range(self.list_widget.count())]

    def select(self, name: str) -> bool:
        """Select the entry `name` and show it in the form; return False when there is none."""
        matches = self.list_widget.findItems(name, Qt.MatchFlag.MatchExactly)
        if not matches:
            return False
        self.list_widget.setCurrentItem(matches[0])
        self._show_entry(self.repository.find(name))
        return True

    def new_entry(self) -> None:
        """Clear the selection and the form for a new entry."""
        self.list_widget.blockSignals(True)
        self.list_widget.setCurrentItem(None)
        self.list_widget.clearSelection()
        self.list_widget.blockSignals(False)
        self._show_entry(None)
        self.name_edit.setFocus()

    def _on_current_item_changed(self, current: QListWidgetItem | None, _previous) -> None:
        name = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        self._show_entry(self.repository.find(name) if name else None)

    def _show_entry(self, entry: SavedCredentials | None) -> None:
        # A test result belongs to the entry it was started for.
        self.tasks.cancel(CHANNEL_TEST)
        self._editing = entry
        for widget in self._field_widgets.values():
            set_invalid(widget, None)
        self.name_edit.setText(entry.name if entry else "")
        self.access_key_id_edit.setText(entry.access_key_id if entry else "")
        self.secret_access_key_edit.clear()
        self.session_token_edit.clear()
        self.secret_access_key_edit.setPlaceholderText(KEEP_SECRET_PLACEHOLDER if entry else NEW_SECRET_PLACEHOLDER)
        has_token = bool(entry and entry.has_session_token)
        self.session_token_edit.setPlaceholderText(KEEP_SECRET_PLACEHOLDER if has_token else NEW_TOKEN_PLACEHOLDER)
        self.clear_session_token_check.setChecked(False)
        self.clear_session_token_check.setVisible(has_token)
        self.mfa_serial_edit.setText(entry.mfa_serial if entry else "")
        self.role_arn_edit.setText(entry.role_arn if entry else "")
        self.external_id_edit.setText(entry.external_id if entry else "")
        self.role_session_name_edit.setText(entry.role_session_name if entry else "")
        self.region_combo.setEditText(entry.region if entry else "")
        for widget in self._field_widgets.values():
            if isinstance(widget, QLineEdit):
                widget.setCursorPosition(0)
        self.test_result_label.clear()
        set_tone(self.test_result_label, TONE_PLAIN)
        self._update_buttons()

    def _update_buttons(self) -> None:
        editing = self._editing is not None
        self.save_button.setEnabled(not self._busy)
        self.remove_button.setEnabled(editing and not self._busy)
        self.test_button.setEnabled(editing and not self._busy)
        self.new_button.setEnabled(not self._busy)
        self.list_widget.setEnabled(not self._busy)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_buttons()

    def show_status(self, text: str, tone: str = TONE_PLAIN) -> None:
        self.status_label.setText(text)
        set_tone(self.status_label, tone)

    def _show_error(self, error: AppStreamError) -> None:
        self.show_status(error.message, TONE_ERROR)
        if isinstance(error, InvalidCredentialsInput):
            widget = self._field_widgets.get(error.field)
            if widget is not None:
                set_invalid(widget, error.message)
                widget.setFocus()

    # Keyring check -----------------------------------------------------------------------

    def _check_keyring(self) -> None:
        """Show at once, before anything is typed, when the keyring cannot be used."""
        self.tasks.submit(CHANNEL_CHECK, self.repository.secret_store.check, lambda _name: None, self._on_keyring_problem)

    def _on_keyring_problem(self, error: AppStreamError) -> None:
        if not self.status_label.text():
            self.show_status(error.message, TONE_ERROR)

    # Save and remove ---------------------------------------------------------------------

    def _form_request(self) -> _SaveRequest:
        entry = SavedCredentials(
            name=self.name_edit.text(),
            access_key_id=self.access_key_id_edit.text(),
            region=self.region_combo.currentText(),
            mfa_serial=self.mfa_serial_edit.text(),
            role_arn=self.role_arn_edit.text(),
            external_id=self.external_id_edit.text(),
            role_session_name=self.role_session_name_edit.text(),
        )
        return _SaveRequest(
            entry=entry,
            secret_access_key=self.secret_access_key_edit.text() or None,
            session_token=self.session_token_edit.text() or None,
            clear_session_token=bool(self._editing and self._editing.has_session_token and self.clear_session_token_check.isChecked()),
            original_name=self._editing.name if self._editing else None,
        )

    def save(self) -> None:
        """Save the form on a worker: a new entry, or the edited one (renamed if the name changed)."""
        request = self._form_request()
        for widget in self._field_widgets.values():
            set_invalid(widget, None)
        self.show_status("Saving to the OS keyring…", TONE_INFO)
        self._set_busy(True)

        def run() -> SavedCredentials:
            return self.repository.save(
                request.entry,
                secret_access_key=request.secret_access_key,
                session_token=request.session_token,
                clear_session_token=request.clear_session_token,
                original_name=request.original_name,
            )

        self.tasks.submit(
            CHANNEL_KEYRING, run, lambda saved: self._on_saved(saved, request.original_name), self._on_change_failed
        )

    def _on_saved(self, saved: SavedCredentials, original_name: str | None) -> None:
        self._set_busy(False)
        self.secret_access_key_edit.clear()
        self.session_token_edit.clear()
        self.reload(select=saved.name)
        if original_name is not None and original_name != saved.name:
            self.show_status(f"Renamed '{original_name}' to '{saved.name}' and saved it.", TONE_SUCCESS)
            self.credentialsRenamed.emit(original_name, saved.name)
        else:
            self.show_status(f"Saved '{saved.name}'.", TONE_SUCCESS)
            self.credentialsSaved.emit(saved.name)
        self.credentialsChanged.emit()

    def _on_change_failed(self, error: AppStreamError) -> None:
        self._set_busy(False)
        self._show_error(error)

    def confirm_remove(self, name: str) -> bool:
        """Return whether the user confirms removing `name`. Tests replace this method to skip the message box."""
        answer = QMessageBox.question(
            self,
            "Remove saved credentials",
            f"Remove '{name}' and delete its secrets from the OS keyring?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def remove(self) -> None:
        """Remove the selected entry on a worker, after confirmation."""
        if self._editing is None:
            return
        name = self._editing.name
        if not self.confirm_remove(name):
            return
        self.show_status(f"Removing '{name}'…", TONE_INFO)
        self._set_busy(True)
        self.tasks.submit(CHANNEL_KEYRING, lambda: self.repository.remove(name), lambda _none: self._on_removed(name), self._on_change_failed)

    def _on_removed(self, name: str) -> None:
        self._set_busy(False)
        self.reload()
        self.new_entry()
        self.show_status(f"Removed '{name}' and its keyring entries.", TONE_SUCCESS)
        self.credentialsRemoved.emit(name)
        self.credentialsChanged.emit()

    # Test --------------------------------------------------------------------------------

    def test(self) -> None:
        """Call STS GetCallerIdentity with the stored version of the selected entry and show the result inline."""
        if self._editing is None:
            return
        from launcher.appstream.clients import Target
        from launcher.credentials.sessions import FALLBACK_REGION

        entry = self._editing
        target = Target(source=entry.source, region=entry.region or self.region or FALLBACK_REGION, endpoint_url=self.endpoint_url)
        self.test_result_label.setText(f"Testing the saved credentials '{entry.name}'…")
        set_tone(self.test_result_label, TONE_INFO)
        self.test_button.setEnabled(False)

        def run():
            from launcher.credentials.identity import get_caller_identity

            return get_caller_identity(target)

        self.tasks.submit(CHANNEL_TEST, run, self._on_tested, self._on_test_failed)

    def _on_tested(self, identity) -> None:
        self._update_buttons()
        self.test_result_label.setText(f"Works: {identity.describe()}")
        set_tone(self.test_result_label, TONE_SUCCESS)

    def _on_test_failed(self, error: AppStreamError) -> None:
        self._update_buttons()
        self.test_result_label.setText(f"Test failed: {error.message}")
        set_tone(self.test_result_label, TONE_ERROR)
