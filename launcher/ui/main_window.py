"""The main window: pick credentials, region, stack, fleet, application and user, then generate a URL."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from launcher import __version__
from launcher.appstream.api import AppStreamAPI
from launcher.appstream.clients import Target
from launcher.appstream.errors import AppStreamError
from launcher.appstream.models import Fleet, StreamingRequest, StreamingURL
from launcher.appstream.regions import COMMON_REGIONS, FALLBACK_REGION, appstream_regions
from launcher.appstream.validation import check_streaming_request
from launcher.credentials.sources import KIND_SAVED, KIND_STATIC, CredentialSource, default_region
from launcher.settings import SettingsStore
from launcher.ui.cascade import ResourceCascade
from launcher.ui.form import add_row, form_layout, message_label, show_message, stacked
from launcher.ui.items import CATALOG_KEY
from launcher.ui.picker import PickerState, ResourcePicker
from launcher.ui.region_input import RegionCombo, region_problem
from launcher.ui.result_panel import ResultPanel
from launcher.ui.style import (
    TONE_ERROR,
    TONE_INFO,
    TONE_PLAIN,
    TONE_SUCCESS,
    TONE_WARNING,
    WINDOW_STYLE_SHEET,
    set_invalid,
    set_tone,
)
from launcher.ui.tasks import TaskRunner
from launcher.ui.validity import ValidityPicker

log = logging.getLogger(__name__)

APP_TITLE = "AppStream Launcher"
CHANNEL_REGIONS = "regions"
CHANNEL_GENERATE = "generate"
# Settings are written this long after the last change, so typing does not write on every key.
SETTINGS_SAVE_DELAY_MS = 500
# The Settings fields this window replaces on save. It merges source_regions and leaves every other field as stored.
WINDOW_SETTINGS = (
    "credential_source",
    "region",
    "stack",
    "fleet",
    "application",
    "user_id",
    "validity_seconds",
    "open_after_generate",
)
# Fields in the order the form shows them. The hint next to Generate names the first problem in this order.
FIELD_ORDER = ("region", "stack", "fleet", "application", "user_id", "validity", "session_context")


class MainWindow(QMainWindow):
    """The launcher window.

    `sources` are the credential sources offered (at least one). `endpoint_url` overrides the
    AppStream endpoint for every request (the emulator in demo mode). `source_key` and `region`
    take precedence over the stored settings for the first selection.
    """

    def __init__(
        self,
        *,
        sources: Sequence[CredentialSource],
        store: SettingsStore,
        endpoint_url: str | None = None,
        source_key: str | None = None,
        region: str | None = None,
        title: str = APP_TITLE,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if not sources:
            raise ValueError("MainWindow needs at least one credential source")
        self.setObjectName("mainWindow")
        self.setWindowTitle(title)
        self.setStyleSheet(WINDOW_STYLE_SHEET)
        icon = load_app_icon()
        if icon is not None:
            self.setWindowIcon(icon)

        self._sources = list(sources)
        self._store = store
        self._settings = store.load()
        self._endpoint_url = endpoint_url
        self._region = ""
        self._generating = False
        self._user_id_edited = False
        self._closing = False

        self.tasks = TaskRunner(self)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SETTINGS_SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save_settings)
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.timeout.connect(self._grow_to_fit)

        self._build_widgets()
        self._build_layout()
        self._build_menus()
        self._set_tab_order()
        self.cascade = ResourceCascade(
            self.tasks, self.target, self.stack_picker, self.fleet_picker, self.application_picker, self
        )
        self._restore_settings(source_key, region)
        self._connect_signals()

        if store.warning:
            self.set_status(store.warning, TONE_WARNING)
        self._load_regions()
        self.cascade.load_stacks()
        self._revalidate()

    # Construction ------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.credential_combo = QComboBox(self)
        self.credential_combo.setObjectName("credentialCombo")
        self.credential_combo.setAccessibleName("Credential source")
        self.credential_combo.setToolTip("Where the AWS credentials come from: the default chain or an AWS profile")
        self.credential_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        for source in self._sources:
            self.credential_combo.addItem(source.label, source.key)
        self.manage_credentials_button = QPushButton("&Manage…", self)
        self.manage_credentials_button.setObjectName("manageCredentialsButton")
        self.manage_credentials_button.setAccessibleName("Manage saved credentials")
        self.manage_credentials_button.setToolTip("Add, edit, remove and test credentials saved in the OS keyring")

        self.region_combo = RegionCombo(self)
        self.region_combo.setToolTip("AWS region of the stacks; pick one or type a region name")
        self.region_message_label = message_label("regionMessageLabel", self)

        self.stack_picker = ResourcePicker("stack", "Stack", self)
        self.fleet_picker = ResourcePicker("fleet", "Fleet", self)
        self.application_picker = ResourcePicker("application", "Application", self)

        self.user_id_edit = QLineEdit(self)
        self.user_id_edit.setObjectName("userIdEdit")
        self.user_id_edit.setAccessibleName("User ID")
        self.user_id_edit.setPlaceholderText("2 to 32 characters, such as test-user")
        self.user_id_edit.setMaxLength(256)
        self.user_id_message_label = message_label("userIdMessageLabel", self)

        self.validity_picker = ValidityPicker(self)

        self.session_context_edit = QLineEdit(self)
        self.session_context_edit.setObjectName("sessionContextEdit")
        self.session_context_edit.setAccessibleName("Session context")
        self.session_context_edit.setPlaceholderText("Optional: text passed to the session scripts of the instance")
        self.session_context_message_label = message_label("sessionContextMessageLabel", self)

        self.open_after_check = QCheckBox("Open in &browser after generating", self)
        self.open_after_check.setObjectName("openAfterCheck")
        self.open_after_check.setAccessibleName("Open in browser after generating")

        self.generate_button = QPushButton("&Generate", self)
        self.generate_button.setObjectName("generateButton")
        self.generate_button.setAccessibleName("Generate streaming URL")
        self.generate_button.setToolTip("Generate a streaming URL (Ctrl+Return)")
        self.generate_hint_label = QLabel(self)
        self.generate_hint_label.setObjectName("generateHintLabel")
        self.generate_hint_label.setWordWrap(True)

        self.result_panel = ResultPanel(self)
        self.url_edit = self.result_panel.url_edit
        self.expiry_label = self.result_panel.expiry_label
        self.copy_button = self.result_panel.copy_button
        self.open_button = self.result_panel.open_button

        self.status_label = QLabel(self)
        self.status_label.setObjectName("statusLabel")
        self.status_label.setAccessibleName("Status")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def _build_layout(self) -> None:
        account = QGroupBox("AWS account", self)
        account_form = form_layout(account)
        credential_row = QWidget(account)
        credential_layout = QHBoxLayout(credential_row)
        credential_layout.setContentsMargins(0, 0, 0, 0)
        credential_layout.addWidget(self.credential_combo, 1)
        credential_layout.addWidget(self.manage_credentials_button)
        add_row(account_form, "&Credentials:", credential_row, self.credential_combo)
        add_row(account_form, "&Region:", stacked(self.region_combo, self.region_message_label), self.region_combo)

        session = QGroupBox("Streaming session", self)
        session_form = form_layout(session)
        add_row(session_form, "&Stack:", self.stack_picker, self.stack_picker.combo)
        add_row(session_form, "Fl&eet:", self.fleet_picker, self.fleet_picker.combo)
        add_row(session_form, "&Application:", self.application_picker, self.application_picker.combo)
        add_row(session_form, "&User ID:", stacked(self.user_id_edit, self.user_id_message_label), self.user_id_edit)
        add_row(session_form, "&Validity:", self.validity_picker, self.validity_picker.combo)
        add_row(
            session_form,
            "Session conte&xt:",
            stacked(self.session_context_edit, self.session_context_message_label),
            self.session_context_edit,
        )
        session_form.addRow("", self.open_after_check)

        actions = QHBoxLayout()
        actions.addWidget(self.generate_button)
        actions.addWidget(self.generate_hint_label, 1)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addWidget(account)
        layout.addWidget(session)
        layout.addLayout(actions)
        layout.addWidget(self.result_panel)
        layout.addWidget(self.status_label)
        layout.addStretch(1)
        self.setCentralWidget(central)
        self.setMinimumWidth(560)
        self.resize(800, self.sizeHint().height())

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.refresh_action = QAction("&Refresh lists", self)
        self.refresh_action.setObjectName("refreshAction")
        self.refresh_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        if self.refresh_action.shortcut() != QKeySequence(Qt.Key.Key_F5):
            self.refresh_action.setShortcuts([self.refresh_action.shortcut(), QKeySequence(Qt.Key.Key_F5)])
        self.refresh_action.triggered.connect(self.refresh)
        file_menu.addAction(self.refresh_action)
        self.credentials_action = QAction("Saved &credentials…", self)
        self.credentials_action.setObjectName("credentialsAction")
        self.credentials_action.triggered.connect(self.open_credentials_dialog)
        file_menu.addAction(self.credentials_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setObjectName("quitAction")
        quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        help_menu = self.menuBar().addMenu("&Help")
        about_action = QAction("&About AppStream Launcher", self)
        about_action.setObjectName("aboutAction")
        about_action.setMenuRole(QAction.MenuRole.AboutRole)
        about_action.triggered.connect(self._show_about)
        help_menu.addAction(about_action)

        for sequence in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.activated.connect(self.generate)

    def _set_tab_order(self) -> None:
        chain = [
            self.credential_combo,
            self.region_combo,
            self.stack_picker.combo,
            self.stack_picker.retry_button,
            self.fleet_picker.combo,
            self.fleet_picker.retry_button,
            self.application_picker.combo,
            self.application_picker.retry_button,
            self.user_id_edit,
            self.validity_picker.combo,
            self.validity_picker.spin,
            self.session_context_edit,
            self.open_after_check,
            self.generate_button,
            self.url_edit,
            self.copy_button,
            self.open_button,
        ]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _connect_signals(self) -> None:
        self.credential_combo.currentIndexChanged.connect(self._on_source_changed)
        self.region_combo.editTextChanged.connect(self._on_region_edited)
        self.region_combo.activated.connect(lambda _index: self._commit_region(self.region_combo.currentText()))
        self.region_combo.lineEdit().editingFinished.connect(lambda: self._commit_region(self.region_combo.currentText()))

        self.cascade.changed.connect(self._revalidate)
        for picker in (self.stack_picker, self.fleet_picker, self.application_picker):
            picker.text_edited.connect(self._revalidate)
        self.cascade.preferred_changed.connect(self._schedule_save)
        self.user_id_edit.textChanged.connect(self._on_user_id_edited)
        self.validity_picker.changed.connect(self._on_input_changed)
        self.session_context_edit.textChanged.connect(self._revalidate)
        self.open_after_check.toggled.connect(self._schedule_save)
        self.generate_button.clicked.connect(self.generate)
        self.manage_credentials_button.clicked.connect(self.open_credentials_dialog)
        self.result_panel.status_message.connect(self.set_status)

    def _restore_settings(self, source_key: str | None, region: str | None) -> None:
        settings = self._settings
        index = self.credential_combo.findData(source_key or settings.credential_source)
        self.credential_combo.setCurrentIndex(max(index, 0))
        source = self.current_source()

        same_source = settings.credential_source == source.key
        initial_region = (
            region
            or settings.source_regions.get(source.key)
            or (settings.region if same_source else "")
            or self._default_region(source)
        )
        self.region_combo.set_regions(COMMON_REGIONS)
        self.region_combo.set_region(initial_region)
        self._region = initial_region if region_problem(initial_region) is None else ""

        self.user_id_edit.setText(settings.user_id)
        self.validity_picker.set_seconds(settings.validity_seconds)
        self.open_after_check.setChecked(settings.open_after_generate)
        self.result_panel.clipboard_clear_seconds = max(settings.clipboard_clear_seconds, 0)
        self.cascade.set_preferred(settings.stack, settings.fleet, settings.application)

    # Credential sources --------------------------------------------------------------------

    def open_credentials_dialog(self) -> None:
        """Open the saved-credentials dialog; the source list follows every change made there."""
        from launcher.credentials.repository import CredentialsRepository, active_repository
        from launcher.ui.credentials_dialog import CredentialsDialog

        repository = active_repository() or CredentialsRepository(self._store)
        dialog = CredentialsDialog(repository, region=self._region or None, endpoint_url=self._endpoint_url, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.credentialsChanged.connect(lambda: self.set_saved_credential_names(repository.names()))
        self._credentials_dialog = dialog
        dialog.open()

    def set_saved_credential_names(self, names: Sequence[str]) -> None:
        """Replace the saved-credential entries of the source list, keeping the current choice if it remains."""
        kept = [source for source in self._sources if source.kind != KIND_SAVED]
        sources = kept + [CredentialSource(KIND_SAVED, name) for name in names]
        current_key = self.current_source().key
        self._settings = self._store.load()
        self._sources = sources
        self.credential_combo.blockSignals(True)
        self.credential_combo.clear()
        for source in sources:
            self.credential_combo.addItem(source.label, source.key)
        index = self.credential_combo.findData(current_key)
        self.credential_combo.setCurrentIndex(max(index, 0))
        self.credential_combo.blockSignals(False)
        if index < 0:
            self._on_source_changed(0)

    # Target --------------------------------------------------------------------------------

    def current_source(self) -> CredentialSource:
        return self._sources[max(self.credential_combo.currentIndex(), 0)]

    def current_region(self) -> str:
        """Return the region the lists were loaded for ("" while the typed region is invalid)."""
        return self._region

    def target(self) -> Target | None:
        """Return where requests go now, or None while no valid region is set."""
        if not self._region:
            return None
        return Target(self.current_source(), self._region, self._endpoint_url)

    @staticmethod
    def _default_region(source: CredentialSource) -> str:
        if source.kind == KIND_STATIC:
            return FALLBACK_REGION
        return default_region(source) or FALLBACK_REGION

    def _on_source_changed(self, _index: int) -> None:
        source = self.current_source()
        region = self._settings.source_regions.get(source.key) or self._default_region(source)
        self.region_combo.set_region(region)
        self._region = region if region_problem(region) is None else ""
        self._remember_region()
        self._schedule_save()
        self.cascade.load_stacks()
        self._revalidate()

    def _on_region_edited(self, text: str) -> None:
        if region_problem(text) is None and text in self.region_combo.regions():
            self._commit_region(text)
        else:
            self._revalidate()

    def _commit_region(self, text: str) -> None:
        text = text.strip()
        if region_problem(text) is not None or text == self._region:
            self._revalidate()
            return
        self._region = text
        self._remember_region()
        self._schedule_save()
        self.cascade.load_stacks()
        self._revalidate()

    def _remember_region(self) -> None:
        if self._region:
            self._settings.source_regions[self.current_source().key] = self._region
            self._settings.region = self._region

    def _load_regions(self) -> None:
        self.tasks.submit(CHANNEL_REGIONS, appstream_regions, self._on_regions_loaded, self._on_regions_failed)

    def _on_regions_loaded(self, regions: tuple[str, ...]) -> None:
        self.region_combo.set_regions((*regions, *COMMON_REGIONS))

    def _on_regions_failed(self, error: AppStreamError) -> None:
        log.warning("Could not load the region list, keeping the common regions: %s", error.message)

    # Refresh -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the stack, fleet and application lists, keeping the current selections."""
        self.cascade.keep_current_as_preferred()
        self.cascade.load_stacks()

    # Validation --------------------------------------------------------------------------

    def build_request(self) -> StreamingRequest:
        """Return the CreateStreamingURL request that the inputs describe (it may be invalid)."""
        application = self.application_picker.selected_key()
        session_context = self.session_context_edit.text()
        return StreamingRequest(
            stack_name=self.stack_picker.selected_key() or "",
            fleet_name=self.fleet_picker.selected_key() or "",
            user_id=self.user_id_edit.text(),
            application_id=None if application in (None, CATALOG_KEY) else application,
            validity_seconds=self.validity_picker.seconds(),
            session_context=session_context if session_context else None,
        )

    def problems(self) -> dict[str, str]:
        """Return why Generate is not possible now, keyed by field in form order (empty when it is possible)."""
        found = check_streaming_request(self.build_request())
        region_text = self.region_combo.currentText().strip()
        region_message = region_problem(region_text)
        if region_message is None and region_text != self._region:
            region_message = f"Press Enter to load the stacks of region {region_text}."
        if region_message:
            found["region"] = region_message
        for field, picker, plural in (
            ("stack", self.stack_picker, "stacks"),
            ("fleet", self.fleet_picker, "fleets"),
            ("application", self.application_picker, "applications"),
        ):
            message = _picker_problem(picker, field, plural)
            if message:
                found[field] = message
        return {field: found[field] for field in FIELD_ORDER if field in found}

    def _on_user_id_edited(self, _text: str) -> None:
        self._user_id_edited = True
        self._on_input_changed()

    def _on_input_changed(self, *_args: object) -> None:
        self._schedule_save()
        self._revalidate()

    def _revalidate(self) -> None:
        if self._closing:
            return
        problems = self.problems()

        set_invalid(self.region_combo, problems.get("region"))
        show_message(self.region_message_label, problems.get("region"))
        pickers = (("stack", self.stack_picker), ("fleet", self.fleet_picker), ("application", self.application_picker))
        for field, picker in pickers:
            # An empty dropdown is not an error yet; typed text that matches nothing is.
            set_invalid(picker.combo, problems.get(field) if picker.unmatched_text() else None)

        user_problem = problems.get("user_id")
        if not (self._user_id_edited or self.user_id_edit.text()):
            user_problem = None
        set_invalid(self.user_id_edit, user_problem)
        show_message(self.user_id_message_label, user_problem)

        set_invalid(self.validity_picker.spin, problems.get("validity"))
        set_invalid(self.session_context_edit, problems.get("session_context"))
        show_message(self.session_context_message_label, problems.get("session_context"))

        self.generate_button.setEnabled(not problems and not self._generating)
        # Problems already explained below their field are not repeated next to Generate.
        shown_inline = {"region", "session_context"} | ({"user_id"} if user_problem else set())
        unexplained = [message for field, message in problems.items() if field not in shown_inline]
        if self._generating:
            hint = "Generating…"
        elif unexplained:
            hint = unexplained[0]
        elif problems:
            hint = "Correct the fields marked in red to generate."
        else:
            hint = "Ready. Ctrl+Return also generates."
        self.generate_hint_label.setText(hint)
        self.generate_button.setToolTip(
            "Generate a streaming URL (Ctrl+Return)" if not problems else "\n".join(problems.values())
        )
        self._fit_timer.start()

    # Generate ----------------------------------------------------------------------------

    def generate(self) -> None:
        """Generate a streaming URL for the current inputs, after confirming a fleet that is not RUNNING."""
        if self._generating or self.problems():
            return
        request = self.build_request()
        fleet = self.fleet_picker.selected_value()
        if isinstance(fleet, Fleet) and not fleet.is_running:
            self._confirm_fleet_state(fleet, request)
            return
        self._start_generate(request)

    def _confirm_fleet_state(self, fleet: Fleet, request: StreamingRequest) -> None:
        box = QMessageBox(self)
        box.setObjectName("fleetStateConfirm")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Fleet is not running")
        box.setText(f"Fleet {fleet.name} is {fleet.state}.")
        box.setInformativeText(
            "A streaming URL starts a session only while its fleet is RUNNING. AppStream may reject "
            "the request, or the session may fail to start. Start the fleet in the AppStream console "
            "and wait until its state is RUNNING.\n\nGenerate the URL anyway?"
        )
        generate_button = box.addButton("Generate anyway", QMessageBox.ButtonRole.AcceptRole)
        cancel_button = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel_button)
        box.setEscapeButton(cancel_button)

        def on_finished(_result: int) -> None:
            confirmed = box.clickedButton() is generate_button
            box.deleteLater()
            if confirmed and not self._closing:
                self._start_generate(request)
            elif not confirmed:
                self.set_status(f"Not generated: fleet {fleet.name} is {fleet.state}.", TONE_PLAIN)

        box.finished.connect(on_finished)
        box.open()

    def _start_generate(self, request: StreamingRequest) -> None:
        target = self.target()
        if target is None:
            return
        self._generating = True
        self.set_status(f"Generating a streaming URL for user {request.user_id}…", TONE_INFO)
        self._revalidate()
        api = AppStreamAPI(target)
        log.info("Generating a streaming URL for user %s on %s/%s", request.user_id, request.stack_name, request.fleet_name)
        self.tasks.submit(
            CHANNEL_GENERATE,
            lambda: api.create_streaming_url(request),
            lambda result: self._on_generated(request, result),
            self._on_generate_failed,
        )

    def _on_generated(self, request: StreamingRequest, result: StreamingURL) -> None:
        self._generating = False
        self.result_panel.show_result(result)
        description = f"stack {request.stack_name}, fleet {request.fleet_name}"
        if request.application_id:
            description += f", application {request.application_id}"
        self.set_status(f"Streaming URL generated for user {request.user_id} ({description}).", TONE_SUCCESS)
        self._revalidate()
        if self.open_after_check.isChecked():
            self.result_panel.open_url()

    def _on_generate_failed(self, error: AppStreamError) -> None:
        self._generating = False
        self.set_status(error.message, TONE_ERROR)
        self._revalidate()

    # Status, settings, lifetime ------------------------------------------------------------

    def set_status(self, text: str, tone: str = TONE_PLAIN) -> None:
        self.status_label.setText(text)
        set_tone(self.status_label, tone)
        self._fit_timer.start()

    def _grow_to_fit(self) -> None:
        """Make the window tall enough for its wrapped messages.

        Qt sizes a top-level window from its layout's minimum size, which ignores the extra
        lines of word-wrapped labels, so a long message would otherwise be clipped.
        """
        central = self.centralWidget()
        layout = central.layout()
        if layout is None or self.isMaximized() or self.isFullScreen():
            return
        if layout.hasHeightForWidth():
            content_height = layout.totalHeightForWidth(central.width())
        else:
            content_height = layout.totalSizeHint().height()
        needed = content_height + self.height() - central.height()
        screen = self.screen()
        if screen is not None:
            needed = min(needed, screen.availableGeometry().height())
        if needed > self.height():
            self.resize(self.width(), needed)

    def _schedule_save(self, *_args: object) -> None:
        if not self._closing:
            self._save_timer.start()

    def save_settings(self) -> None:
        """Write the current choices to the settings file. Streaming URLs are never stored."""
        self._save_timer.stop()
        settings = self._settings
        source = self.current_source()
        if source.kind != KIND_STATIC:
            settings.credential_source = source.key
        self._remember_region()
        self.cascade.keep_current_as_preferred()
        settings.stack = self.cascade.preferred["stack"]
        settings.fleet = self.cascade.preferred["fleet"]
        settings.application = self.cascade.preferred["application"]
        settings.user_id = self.user_id_edit.text()
        settings.validity_seconds = self.validity_picker.seconds()
        settings.open_after_generate = self.open_after_check.isChecked()

        # Other parts of the app (saved credentials, the command line) write the same file, so
        # only the fields the window owns replace what is stored now.
        stored = self._store.load()
        for name in WINDOW_SETTINGS:
            setattr(stored, name, getattr(settings, name))
        stored.source_regions = {**stored.source_regions, **settings.source_regions}
        try:
            self._store.save(stored)
        except OSError as error:
            log.warning("Could not save the settings to %s: %s", self._store.path, error)
            self.set_status(f"The settings could not be saved to {self._store.path}: {error}", TONE_WARNING)

    def shutdown(self, timeout_ms: int = 0) -> bool:
        """Save the settings, drop every pending request and wait up to `timeout_ms` for workers.

        Returns True when no worker is still running. Closing the window calls this with no wait.
        """
        if not self._closing:
            self._closing = True
            self.save_settings()
            self.result_panel.stop()
        return self.tasks.shutdown(timeout_ms)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown(0)
        super().closeEvent(event)

    def _show_about(self) -> None:
        QMessageBox.about(
            self,
            "About AppStream Launcher",
            f"<b>AppStream Launcher</b> {__version__}<br><br>"
            "Generates streaming URLs for Amazon WorkSpaces Applications (formerly AppStream 2.0) "
            "and opens them in the web browser.",
        )


def load_app_icon() -> QIcon | None:
    """Return the application icon, or None when the resource module or file is missing."""
    try:
        from launcher.resource_paths import app_icon_path

        path = app_icon_path()
    except (ImportError, OSError, ValueError) as error:
        log.debug("No application icon: %s", error)
        return None
    icon = QIcon(str(path))
    return None if icon.isNull() else icon


def _picker_problem(picker: ResourcePicker, field: str, plural: str) -> str | None:
    """Return why the picker has no usable selection, or None when it has one."""
    if picker.selected_item() is not None:
        return None
    state = picker.state
    if state is PickerState.LOADING:
        return f"The {plural} are still loading."
    if state is PickerState.ERROR:
        return f"The {plural} could not be loaded. Press Retry."
    if state is PickerState.EMPTY:
        return f"{picker.placeholder}."
    if state is PickerState.IDLE:
        return f"{picker.placeholder}." if picker.placeholder else f"Choose a {field}."
    text = picker.unmatched_text()
    if text:
        return f"No {field} is named {text!r}. Choose one from the list."
    return f"Choose a {field}."
