"""The main window: pick credentials, region, stack, fleet, application and user, then generate a URL.

Besides the form, the window starts stopped fleets and follows the session that an opened URL
starts (the Sessions tab). It opens URLs in the AppStream client or shows them as a QR code,
keeps endpoint options per credential source, and lists recent launches for a quick relaunch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from functools import partial

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from launcher import __version__
from launcher.appstream.api import AppStreamAPI, redact_url
from launcher.appstream.clients import Target
from launcher.appstream.endpoints import EndpointOptions, apply_streaming_domain, options_for_source, store_options
from launcher.appstream.errors import AppStreamError
from launcher.appstream.models import Fleet, Stack, StreamingRequest, StreamingURL
from launcher.appstream.name_cache import NameCache
from launcher.appstream.native_client import client_link
from launcher.appstream.recent import RecentLaunch, load_recent_launches, remember_launch
from launcher.appstream.regions import COMMON_REGIONS, FALLBACK_REGION, appstream_regions
from launcher.appstream.validation import check_streaming_request
from launcher.credentials.sources import KIND_SAVED, KIND_STATIC, CredentialSource, default_region, environment_region
from launcher.settings import Settings, SettingsStore
from launcher.ui.cascade import ResourceCascade
from launcher.ui.endpoint_dialog import EndpointOptionsDialog
from launcher.ui.fleet_readiness import FleetReadinessPanel
from launcher.ui.form import add_row, form_layout, message_label, show_message, stacked
from launcher.ui.items import CATALOG_KEY
from launcher.ui.picker import PickerState, ResourcePicker
from launcher.ui.qr_dialog import QRCodeDialog
from launcher.ui.recent_menu import RecentLaunchesMenu, launch_text
from launcher.ui.region_input import RegionCombo, region_problem
from launcher.ui.relaunch import RestoreStep, restore_progress
from launcher.ui.result_panel import ResultPanel
from launcher.ui.sessions_view import SessionsView, WatchScope
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
from launcher.ui.user_id_tools import UserIdTools
from launcher.ui.validity import ValidityPicker

log = logging.getLogger(__name__)

APP_TITLE = "AppStream Launcher"
CHANNEL_REGIONS = "regions"
CHANNEL_GENERATE = "generate"
CHANNEL_FIPS_REGIONS = "fips-regions"
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
    "recent_launches",
    "endpoint_options",
    "relaunch_generates",
    "clipboard_clear_seconds",
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
        name_cache: NameCache | None = None,
    ) -> None:
        """`name_cache`, when given, shows the stack names saved at the last listing while the stacks load."""
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
        self._result_stale = False
        # Endpoint options per credential source key, as stored in Settings.endpoint_options.
        self._endpoint_options: dict[str, dict] = dict(self._settings.endpoint_options)
        self._recent_launches: list[RecentLaunch] = load_recent_launches(self._settings.recent_launches)
        # A recent launch being restored, and whether to generate once its choices are selected.
        self._pending_launch: tuple[RecentLaunch, bool] | None = None
        # The target and request of the URL shown in the result panel, for the session watch.
        self._generated: tuple[Target, StreamingRequest] | None = None
        self._fips_regions: frozenset[str] | None = None
        self._endpoint_dialog: EndpointOptionsDialog | None = None

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
            self.tasks,
            self.target,
            self.stack_picker,
            self.fleet_picker,
            self.application_picker,
            self,
            name_cache=name_cache,
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
        self.user_id_tools = UserIdTools(self.user_id_edit, self)
        self.derive_user_id_button = self.user_id_tools.derive_button
        self.new_user_id_button = self.user_id_tools.new_button

        self.access_endpoint_label = message_label("accessEndpointLabel", self)
        set_tone(self.access_endpoint_label, TONE_WARNING)
        self.fleet_readiness = FleetReadinessPanel(self.tasks, self)
        self.readiness_label = self.fleet_readiness.label
        self.start_fleet_button = self.fleet_readiness.start_button

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

        self.open_in_client_button = QPushButton("Open &in AppStream client", self)
        self.open_in_client_button.setObjectName("openInClientButton")
        self.open_in_client_button.setAccessibleName("Open the streaming URL in the AppStream client")
        self.open_in_client_button.setToolTip(
            "Open the URL in the installed AppStream client (an amazonappstream: link); "
            "without the client it opens in the browser"
        )
        self.qr_button = QPushButton("&QR code…", self)
        self.qr_button.setObjectName("qrButton")
        self.qr_button.setAccessibleName("Show the streaming URL as a QR code")
        self.qr_button.setToolTip("Show the URL as a QR code, to open it on a tablet or phone")
        self.session_summary_label = QLabel(self)
        self.session_summary_label.setObjectName("sessionSummaryLabel")
        self.session_summary_label.setAccessibleName("Session of the opened streaming URL")
        self.session_summary_label.setWordWrap(True)

        self.sessions_view = SessionsView(self.tasks, self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("mainTabs")

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
        add_row(session_form, "&Stack:", stacked(self.stack_picker, self.access_endpoint_label), self.stack_picker.combo)
        add_row(session_form, "Fl&eet:", stacked(self.fleet_picker, self.fleet_readiness), self.fleet_picker.combo)
        add_row(session_form, "&Application:", self.application_picker, self.application_picker.combo)
        add_row(session_form, "&User ID:", stacked(self.user_id_tools, self.user_id_message_label), self.user_id_edit)
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

        self._add_result_actions()

        launch_page = QWidget(self.tabs)
        launch_page.setObjectName("launchPage")
        launch_layout = QVBoxLayout(launch_page)
        launch_layout.addWidget(account)
        launch_layout.addWidget(session)
        launch_layout.addLayout(actions)
        launch_layout.addWidget(self.result_panel)
        launch_layout.addStretch(1)
        self.tabs.addTab(launch_page, "Launch")
        self.tabs.addTab(self.sessions_view, "Sessions")
        self.tabs.setTabToolTip(1, "The sessions of the last opened streaming URL")

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addWidget(self.tabs)
        layout.addWidget(self.status_label)
        layout.addStretch(1)
        self.setCentralWidget(central)
        self.setMinimumWidth(560)
        self.resize(800, self.sizeHint().height())

    def _add_result_actions(self) -> None:
        """Add the client, QR code and session summary row to the bottom of the result panel."""
        row = QHBoxLayout()
        row.addWidget(self.session_summary_label, 1)
        row.addWidget(self.open_in_client_button)
        row.addWidget(self.qr_button)
        grid = self.result_panel.layout()
        if isinstance(grid, QGridLayout):
            grid.addLayout(row, grid.rowCount(), 1)
        else:
            # NOTE: ResultPanel used a QGridLayout when this was written. Any other layout gets the row appended.
            grid.addItem(row)

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
        self.endpoint_options_action = QAction("&Endpoint options…", self)
        self.endpoint_options_action.setObjectName("endpointOptionsAction")
        self.endpoint_options_action.setToolTip("FIPS endpoints and a custom streaming domain for the current credential source")
        self.endpoint_options_action.triggered.connect(self.open_endpoint_options)
        file_menu.addAction(self.endpoint_options_action)
        self.recent_menu = RecentLaunchesMenu(self)
        file_menu.addMenu(self.recent_menu)
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
            self.manage_credentials_button,
            self.region_combo,
            self.stack_picker.combo,
            self.stack_picker.retry_button,
            self.fleet_picker.combo,
            self.fleet_picker.retry_button,
            self.start_fleet_button,
            self.fleet_readiness.cancel_button,
            self.application_picker.combo,
            self.application_picker.retry_button,
            self.user_id_edit,
            self.derive_user_id_button,
            self.new_user_id_button,
            self.validity_picker.combo,
            self.validity_picker.spin,
            self.session_context_edit,
            self.open_after_check,
            self.generate_button,
            self.url_edit,
            self.copy_button,
            self.open_button,
            self.open_in_client_button,
            self.qr_button,
        ]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _connect_signals(self) -> None:
        self.credential_combo.currentIndexChanged.connect(self._on_source_changed)
        self.region_combo.editTextChanged.connect(self._on_region_edited)
        self.region_combo.activated.connect(lambda _index: self._commit_region(self.region_combo.currentText()))
        self.region_combo.lineEdit().editingFinished.connect(lambda: self._commit_region(self.region_combo.currentText()))

        self.cascade.changed.connect(self._revalidate)
        self.cascade.changed.connect(self._on_lists_changed)
        for picker in (self.stack_picker, self.fleet_picker, self.application_picker):
            picker.text_edited.connect(self._revalidate)
        self.cascade.preferred_changed.connect(self._schedule_save)
        self.cascade.preferred_changed.connect(self._cancel_pending_launch)
        self.user_id_edit.textChanged.connect(self._on_user_id_edited)
        self.validity_picker.changed.connect(self._on_input_changed)
        self.session_context_edit.textChanged.connect(self._revalidate)
        self.open_after_check.toggled.connect(self._schedule_save)
        self.generate_button.clicked.connect(self.generate)
        self.manage_credentials_button.clicked.connect(self.open_credentials_dialog)
        self.result_panel.status_message.connect(self.set_status)
        self.result_panel.clipboard_clear_changed.connect(self._schedule_save)

        self.fleet_readiness.status_message.connect(self.set_status)
        self.fleet_readiness.fleet_running.connect(self._on_fleet_running)
        self.user_id_tools.status_message.connect(self.set_status)
        self.sessions_view.status_message.connect(self.set_status)
        self.sessions_view.summary_changed.connect(self._show_session_summary)
        # Connected after ResultPanel's own slot, so the URL has been handed to the browser by then.
        self.open_button.clicked.connect(self._on_opened_in_browser)
        self.open_in_client_button.clicked.connect(self.open_in_client)
        self.qr_button.clicked.connect(self.show_qr_code)
        # The client and QR code buttons follow Open in browser, which ResultPanel disables on expiry.
        self.open_button.installEventFilter(self)
        self.recent_menu.launch_chosen.connect(self.restore_launch)
        self.recent_menu.generate_toggled.connect(self._schedule_save)
        self.recent_menu.clear_requested.connect(self.clear_recent_launches)

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
        self.recent_menu.generate_action.setChecked(settings.relaunch_generates)
        self._show_recent_launches()
        self._sync_result_buttons()

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
        source = self.current_source()
        return Target(source, self._region, self._endpoint_url, use_fips=self.endpoint_options(source).use_fips)

    def endpoint_options(self, source: CredentialSource | None = None) -> EndpointOptions:
        """Return the endpoint options of `source` (by default the current credential source)."""
        return options_for_source(self._endpoint_options, (source or self.current_source()).key)

    def _default_region(self, source: CredentialSource) -> str:
        if source.kind == KIND_STATIC:
            return FALLBACK_REGION
        if source.kind == KIND_SAVED:
            entry = self._store.load().saved_credentials.get(source.name, {})
            saved_region = entry.get("region") if isinstance(entry, dict) else None
            # The same order as the command line: AWS_REGION, then the entry's own region.
            if isinstance(saved_region, str) and saved_region:
                return environment_region() or saved_region
        return default_region(source) or FALLBACK_REGION

    def _on_source_changed(self, _index: int) -> None:
        self._cancel_pending_launch()
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
        self._cancel_pending_launch()
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
            user_id=self.user_id_edit.text().strip(),
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
        self._check_result_matches_choices()
        problems = self.problems()

        set_invalid(self.region_combo, problems.get("region"))
        show_message(self.region_message_label, problems.get("region"))
        pickers = (("stack", self.stack_picker), ("fleet", self.fleet_picker), ("application", self.application_picker))
        for field, picker in pickers:
            # An empty dropdown is not an error yet, but typed text that matches nothing is. While the
            # list loads, the text is not marked, because it may match an entry still to arrive.
            flagged = picker.unmatched_text() and picker.state is not PickerState.LOADING
            set_invalid(picker.combo, problems.get(field) if flagged else None)

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
            "the request, or the session may fail to start. Start the fleet (Start fleet below the "
            "fleet list, or the AppStream console) and wait until its state is RUNNING.\n\n"
            "Generate the URL anyway?"
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
        domain = self.endpoint_options(target.source).streaming_domain
        log.info("Generating a streaming URL for user %s on %s/%s", request.user_id, request.stack_name, request.fleet_name)
        self.tasks.submit(
            CHANNEL_GENERATE,
            lambda: apply_streaming_domain(api.create_streaming_url(request), domain),
            partial(self._on_generated, target, request, domain),
            self._on_generate_failed,
        )

    def _on_generated(self, target: Target, request: StreamingRequest, domain: str, result: StreamingURL) -> None:
        self._generating = False
        self._generated = (target, request)
        self._result_stale = False
        self.result_panel.show_result(result)
        self._sync_result_buttons()
        description = f"stack {request.stack_name}, fleet {request.fleet_name}"
        if request.application_id:
            description += f", application {request.application_id}"
        if domain:
            description += f", host {domain}"
        self.set_status(f"Streaming URL generated for user {request.user_id} ({description}).", TONE_SUCCESS)
        self._remember_launch(target, request)
        self._revalidate()
        if self.open_after_check.isChecked() and self.result_panel.open_url():
            self._watch_sessions()

    def _check_result_matches_choices(self) -> None:
        """Warn once when the shown URL no longer matches the chosen source, stack, fleet or user."""
        generated = getattr(self, "_generated", None)
        if generated is None or self.result_panel.result is None:
            return
        try:
            current = (self.target(), self.build_request())
        except Exception:  # noqa: BLE001 - an incomplete form simply does not match
            current = None
        stale = current != generated
        if stale and not self._result_stale:
            _target, request = generated
            self.set_status(
                f"The URL shown was generated for stack {request.stack_name}, fleet {request.fleet_name}, "
                f"user {request.user_id}. Generate again for the current choices.",
                TONE_WARNING,
            )
        self._result_stale = stale

    def _on_generate_failed(self, error: AppStreamError) -> None:
        self._generating = False
        self.set_status(error.message, TONE_ERROR)
        self._revalidate()

    # Stack and fleet notes ---------------------------------------------------------------

    def _on_lists_changed(self) -> None:
        if self._closing:
            return
        self._show_access_endpoint_note()
        fleet = self.fleet_picker.selected_value()
        self.fleet_readiness.show_fleet(fleet if isinstance(fleet, Fleet) else None, self.target())
        self._continue_pending_launch()

    def _show_access_endpoint_note(self) -> None:
        stack = self.stack_picker.selected_value()
        note = None
        if isinstance(stack, Stack) and stack.access_endpoints:
            endpoints = ", ".join(
                f"{endpoint.vpce_id} ({endpoint.endpoint_type})" if endpoint.vpce_id else endpoint.endpoint_type
                for endpoint in stack.access_endpoints
            )
            note = (
                f"⚠ Stack {stack.name} streams only through the interface VPC endpoint {endpoints}. Its URLs work "
                "only from networks that reach that endpoint, not from the internet."
            )
        show_message(self.access_endpoint_label, note)

    def _on_fleet_running(self, fleet_name: str) -> None:
        """Reload the lists after a start, so the fleet list, its note and Generate see the RUNNING state."""
        if self.fleet_picker.selected_key() == fleet_name:
            self.refresh()

    # Opening the URL and its session -------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.open_button and event.type() == QEvent.Type.EnabledChange:
            self._sync_result_buttons()
        return super().eventFilter(watched, event)

    def _sync_result_buttons(self) -> None:
        usable = self.open_button.isEnabled() and self.result_panel.result is not None
        self.open_in_client_button.setEnabled(usable)
        self.qr_button.setEnabled(usable)

    def _usable_result(self) -> StreamingURL | None:
        """Return the shown URL while it can still start a session, else show why in the status line and return None."""
        result = self.result_panel.result
        if result is None:
            return None
        if self.result_panel.is_expired():
            self.set_status("This streaming URL has expired. Generate a new one.", TONE_WARNING)
            return None
        return result

    def _on_opened_in_browser(self) -> None:
        if self.result_panel.result is not None and not self.result_panel.is_expired():
            self._watch_sessions()

    def open_in_client(self) -> None:
        """Open the URL in the AppStream client, or in the browser when no application handles the link."""
        result = self._usable_result()
        if result is None:
            return
        link = client_link(result.url)
        log.info("Opening streaming URL %s in the AppStream client", redact_url(result.url))
        if QDesktopServices.openUrl(QUrl.fromEncoded(link.encode("ascii"), QUrl.ParsingMode.StrictMode)):
            self.set_status("Streaming URL handed to the AppStream client.", TONE_INFO)
        else:
            # NOTE: on Linux, xdg-open may report success for a scheme that nothing handles,
            # so this fallback runs only where the desktop reports the failure.
            log.info("No application handles amazonappstream: links; opening streaming URL %s in the browser", redact_url(result.url))
            if not self.result_panel.open_url():
                return
            self.set_status(
                "The AppStream client is not installed or does not handle amazonappstream: links, "
                "so the streaming URL was sent to the web browser instead.",
                TONE_WARNING,
            )
        self._watch_sessions()

    def show_qr_code(self) -> None:
        """Show the URL as a QR code in a dialog."""
        result = self._usable_result()
        if result is None or self._generated is None:
            return
        dialog = QRCodeDialog(result, self._generated[1].user_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        log.info("Showing streaming URL %s as a QR code", redact_url(result.url))
        self._watch_sessions()

    def _watch_sessions(self) -> None:
        """Follow the sessions of the user, stack and fleet of the URL just handed out."""
        result = self.result_panel.result
        if self._generated is None or result is None or self._closing:
            return
        target, request = self._generated
        self.sessions_view.watch(WatchScope(target, request.stack_name, request.fleet_name, request.user_id, result.expires))

    def _show_session_summary(self, text: str, tone: str) -> None:
        self.session_summary_label.setText(text)
        set_tone(self.session_summary_label, tone)
        live = sum(1 for session in self.sessions_view.sessions if session.is_live)
        self.tabs.setTabText(self.tabs.indexOf(self.sessions_view), f"Sessions ({live})" if live else "Sessions")

    # Endpoint options ----------------------------------------------------------------------

    def open_endpoint_options(self) -> None:
        """Open the Endpoint options dialog for the current credential source."""
        source = self.current_source()
        dialog = EndpointOptionsDialog(
            source.label,
            self.endpoint_options(source),
            region=self._region,
            fips_regions=self._fips_regions,
            endpoint_url=self._endpoint_url,
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._apply_endpoint_options(source, dialog.options()))
        dialog.destroyed.connect(lambda: setattr(self, "_endpoint_dialog", None))
        self._endpoint_dialog = dialog
        if self._fips_regions is None:
            from launcher.appstream.endpoints import fips_regions

            self.tasks.submit(CHANNEL_FIPS_REGIONS, fips_regions, self._on_fips_regions_loaded, self._on_fips_regions_failed)
        dialog.open()

    def _on_fips_regions_loaded(self, regions: frozenset[str]) -> None:
        self._fips_regions = regions
        if self._endpoint_dialog is not None:
            self._endpoint_dialog.set_fips_regions(regions)

    def _on_fips_regions_failed(self, error: AppStreamError) -> None:
        log.warning("Could not read the FIPS endpoint regions from botocore: %s", error.message)

    def _apply_endpoint_options(self, source: CredentialSource, options: EndpointOptions) -> None:
        previous = self.endpoint_options(source)
        self._endpoint_options = store_options(self._endpoint_options, source.key, options)
        self._schedule_save()
        parts = ["FIPS endpoints " + ("on" if options.use_fips else "off")]
        parts.append(f"streaming domain {options.streaming_domain}" if options.streaming_domain else "no custom streaming domain")
        self.set_status(f"Endpoint options of {source.label}: {', '.join(parts)}.", TONE_SUCCESS)
        if options.use_fips != previous.use_fips and source.key == self.current_source().key:
            # The target, and so every cached client and list, depends on the FIPS option.
            self.refresh()

    # Recent launches -----------------------------------------------------------------------

    def _source_label(self, key: str) -> str:
        source = next((source for source in self._sources if source.key == key), None)
        return source.label if source else key

    def _show_recent_launches(self) -> None:
        self.recent_menu.set_launches(self._recent_launches, self._source_label)

    def _remember_launch(self, target: Target, request: StreamingRequest) -> None:
        launch = RecentLaunch(
            source=target.source.key,
            region=target.region,
            stack=request.stack_name,
            fleet=request.fleet_name,
            application=request.application_id or "",
            user_id=request.user_id,
            validity_seconds=request.validity_seconds,
        )
        self._recent_launches = remember_launch(self._recent_launches, launch)
        self._show_recent_launches()
        self._schedule_save()

    def clear_recent_launches(self) -> None:
        self._recent_launches = []
        self._show_recent_launches()
        self._schedule_save()
        self.set_status("Recent launches cleared.", TONE_PLAIN)

    def restore_launch(self, launch: RecentLaunch, generate: bool | None = None) -> None:
        """Select the choices of a recent launch and reload the lists, then generate when `generate` is true.

        `generate` None follows the "Generate after restoring" menu option.
        """
        if generate is None:
            generate = self.recent_menu.generate_action.isChecked()
        index = self.credential_combo.findData(launch.source)
        if index < 0:
            self.set_status(
                f"The credential source {launch.source} of this launch is no longer available. Choose another source.",
                TONE_WARNING,
            )
            return
        problem = region_problem(launch.region)
        if problem is not None:
            self.set_status(problem, TONE_WARNING)
            return

        self.credential_combo.blockSignals(True)
        self.credential_combo.setCurrentIndex(index)
        self.credential_combo.blockSignals(False)
        self._region = launch.region
        self.region_combo.set_region(launch.region)
        self._remember_region()
        self.cascade.set_preferred(launch.stack, launch.fleet, launch.application or CATALOG_KEY)
        self.user_id_edit.setText(launch.user_id)
        self.validity_picker.set_seconds(launch.validity_seconds)
        self._pending_launch = (launch, generate)
        self.set_status(f"Restoring {launch_text(launch)}…", TONE_INFO)
        self.cascade.load_stacks()
        self._schedule_save()
        self._revalidate()

    def _continue_pending_launch(self) -> None:
        if self._pending_launch is None:
            return
        launch, generate = self._pending_launch
        step, message = restore_progress(launch, self.stack_picker, self.fleet_picker, self.application_picker)
        if step is RestoreStep.WAITING:
            return
        self._pending_launch = None
        if step is RestoreStep.FAILED:
            self.set_status(message, TONE_WARNING)
            return
        self.set_status(f"Restored {launch_text(launch)}.", TONE_SUCCESS)
        if generate:
            # Deferred, so the lists finish their own updates for this change first.
            QTimer.singleShot(0, self.generate)

    def _cancel_pending_launch(self) -> None:
        self._pending_launch = None

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
        settings.recent_launches = [launch.to_dict() for launch in self._recent_launches]
        settings.endpoint_options = dict(self._endpoint_options)
        settings.relaunch_generates = self.recent_menu.generate_action.isChecked()
        settings.clipboard_clear_seconds = self.result_panel.clipboard_clear_seconds

        # Other parts of the app (saved credentials, the command line) write the same file, so
        # only the fields the window owns replace what is stored now, under the file's lock.
        def change(stored: Settings) -> None:
            for name in WINDOW_SETTINGS:
                setattr(stored, name, getattr(settings, name))
            stored.source_regions = {**stored.source_regions, **settings.source_regions}

        try:
            self._store.update(change)
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
            self.fleet_readiness.stop()
            self.sessions_view.stop()
        return self.tasks.shutdown(timeout_ms)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown(0)
        super().closeEvent(event)

    def _show_about(self) -> None:
        from launcher.ui.about_dialog import show_about

        show_about(self)


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
        if picker.items:
            # Entries shown while the list loads can be chosen already.
            return f"Choose a {field}. The {plural} are still loading."
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
