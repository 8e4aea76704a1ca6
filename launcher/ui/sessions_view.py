"""The sessions that follow a streaming URL: a table that refreshes itself, and Expire session.

`watch` starts following one user on one stack and fleet. The table refreshes every
`fast_interval_ms` while no session is ACTIVE, then every `slow_interval_ms` while a session is
live (PENDING or ACTIVE). It stops by itself when no session is live and the streaming URL can
no longer start one: the URL has expired, or a session of it has already ended.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import partial

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from launcher.appstream.clients import Target
from launcher.appstream.errors import AppStreamError
from launcher.appstream.sessions import Session, SessionsAPI
from launcher.ui.durations import format_utc_time
from launcher.ui.style import TONE_ERROR, TONE_INFO, TONE_PLAIN, TONE_SUCCESS, TONE_WARNING, set_tone
from launcher.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

CHANNEL_SESSIONS = "sessions"
CHANNEL_EXPIRE = "session-expire"
FAST_INTERVAL_MS = 3000
SLOW_INTERVAL_MS = 30000
# A session can appear a little after the URL's expiry when the URL was opened just before it.
EXPIRY_GRACE = timedelta(seconds=30)
COLUMNS = ("Session ID", "State", "Connection", "Started", "Instance")


@dataclass(frozen=True)
class WatchScope:
    """Whose sessions are shown: one user on one stack and fleet, through one target."""

    target: Target
    stack_name: str
    fleet_name: str
    user_id: str
    # Until then a new session can still start from the streaming URL.
    url_expires: datetime

    def describe(self) -> str:
        return f"user {self.user_id} on stack {self.stack_name}, fleet {self.fleet_name}"


class SessionsView(QWidget):
    """Table of the watched user's sessions with Refresh and Expire session.

    `status_message(text, tone)` reports outcomes for the window's status line, and
    `summary_changed(text, tone)` carries a one-line summary for places that show no table.
    """

    status_message = Signal(str, str)
    summary_changed = Signal(str, str)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionsPage")
        self._runner = runner
        self._scope: WatchScope | None = None
        self._sessions: list[Session] = []
        self._seen_live = False
        self._closed = False
        self.fast_interval_ms = FAST_INTERVAL_MS
        self.slow_interval_ms = SLOW_INTERVAL_MS

        self.heading_label = QLabel("Open a streaming URL to follow its session here.", self)
        self.heading_label.setObjectName("sessionsHeadingLabel")
        self.heading_label.setWordWrap(True)

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("sessionsView")
        self.table.setAccessibleName("Streaming sessions")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

        self.state_label = QLabel(self)
        self.state_label.setObjectName("sessionsStateLabel")
        self.state_label.setWordWrap(True)

        self.refresh_button = QPushButton("&Refresh", self)
        self.refresh_button.setObjectName("refreshSessionsButton")
        self.refresh_button.setAccessibleName("Refresh the session list")
        self.expire_button = QPushButton("&Expire session…", self)
        self.expire_button.setObjectName("expireSessionButton")
        self.expire_button.setAccessibleName("Expire the selected session")
        self.expire_button.setToolTip("End the selected session with ExpireSession; its user is disconnected")

        buttons = QHBoxLayout()
        buttons.addWidget(self.state_label, 1)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.expire_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.refresh)
        self.refresh_button.clicked.connect(self.refresh)
        self.expire_button.clicked.connect(self.confirm_expire)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self._update_buttons()

    # Watching ----------------------------------------------------------------------------

    @property
    def scope(self) -> WatchScope | None:
        return self._scope

    @property
    def sessions(self) -> list[Session]:
        return list(self._sessions)

    def is_polling(self) -> bool:
        return self._timer.isActive() or self._runner.is_pending(CHANNEL_SESSIONS)

    def watch(self, scope: WatchScope) -> None:
        """Follow the sessions of `scope`, replacing what was shown, and refresh now."""
        if self._closed:
            return
        if scope != self._scope:
            self._scope = scope
            self._sessions = []
            self._seen_live = False
            self._fill_table()
        self.heading_label.setText(f"Sessions of {scope.describe()} ({scope.target.region}), newest first.")
        self.refresh()

    def refresh(self) -> None:
        """Load the sessions now. Automatic refreshes continue after this one while they are needed."""
        scope = self._scope
        if scope is None or self._closed:
            return
        self._timer.stop()
        api = SessionsAPI(scope.target)
        self._runner.submit(
            CHANNEL_SESSIONS,
            partial(api.list_sessions, scope.stack_name, scope.fleet_name, scope.user_id),
            partial(self._on_loaded, scope),
            partial(self._on_failed, scope),
        )
        self._set_state("Refreshing…", TONE_INFO)
        self._update_buttons()

    def _on_loaded(self, scope: WatchScope, sessions: list[Session]) -> None:
        if scope != self._scope:
            return
        self._sessions = sessions
        self._fill_table()
        live = [session for session in sessions if session.is_live]
        if live:
            self._seen_live = True
        now = datetime.now(timezone.utc)
        checked = f"Checked at {format_utc_time(now, now)}."

        if any(session.is_active for session in live):
            self._schedule(self.slow_interval_ms)
            self._set_state(f"{checked} Refreshing every {self._seconds(self.slow_interval_ms)} while the session runs.", TONE_PLAIN)
        elif live:
            self._schedule(self.fast_interval_ms)
            self._set_state(f"{checked} Refreshing every {self._seconds(self.fast_interval_ms)} until the session is ACTIVE.", TONE_PLAIN)
        elif not self._seen_live and now < scope.url_expires + EXPIRY_GRACE:
            self._schedule(self.fast_interval_ms)
            self._set_state(f"{checked} Waiting for a session; refreshing every {self._seconds(self.fast_interval_ms)}.", TONE_PLAIN)
        else:
            self._set_state(f"{checked} No session is running, so automatic refresh stopped. Press Refresh to check again.", TONE_PLAIN)
        self._emit_summary()
        self._update_buttons()

    def _on_failed(self, scope: WatchScope, error: AppStreamError) -> None:
        if scope != self._scope:
            return
        # A failure stops the automatic refresh, so a denied DescribeSessions is not retried forever.
        self._set_state(f"The sessions could not be loaded. {error.message}", TONE_ERROR)
        self.summary_changed.emit(f"The sessions of user {scope.user_id} could not be loaded.", TONE_ERROR)
        self._update_buttons()

    def _schedule(self, interval_ms: int) -> None:
        if not self._closed:
            self._timer.start(interval_ms)

    @staticmethod
    def _seconds(interval_ms: int) -> str:
        return f"{interval_ms / 1000:g} s"

    def _emit_summary(self) -> None:
        scope = self._scope
        if scope is None:
            return
        latest = self._sessions[0] if self._sessions else None
        if latest is None:
            waiting = self._timer.isActive()
            text = f"Waiting for a session of user {scope.user_id}…" if waiting else f"No session of user {scope.user_id}."
            self.summary_changed.emit(text, TONE_PLAIN)
            return
        started = ""
        if latest.start_time is not None:
            now = datetime.now(timezone.utc)
            started = f", started {format_utc_time(latest.start_time, now)}"
        tone = {"ACTIVE": TONE_SUCCESS, "PENDING": TONE_INFO}.get(latest.state, TONE_PLAIN)
        connection = f", {latest.connection_state}" if latest.connection_state else ""
        self.summary_changed.emit(f"Session of {latest.user_id}: {latest.state}{connection}{started}.", tone)

    # Table -------------------------------------------------------------------------------

    def _fill_table(self) -> None:
        selected = self.selected_session()
        selected_id = selected.session_id if selected else None
        now = datetime.now(timezone.utc)
        self.table.setRowCount(len(self._sessions))
        for row, session in enumerate(self._sessions):
            started = format_utc_time(session.start_time, now) if session.start_time else ""
            values = (session.session_id, session.state, session.connection_state, started, session.instance_id)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, session.session_id)
                self.table.setItem(row, column, item)
            if session.session_id == selected_id:
                self.table.selectRow(row)
        if len(self._sessions) == 1 and selected_id is None:
            self.table.selectRow(0)

    def selected_session(self) -> Session | None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if len(rows) != 1:
            return None
        item = self.table.item(rows.pop(), 0)
        session_id = item.data(Qt.ItemDataRole.UserRole) if item else None
        return next((session for session in self._sessions if session.session_id == session_id), None)

    def _set_state(self, text: str, tone: str) -> None:
        self.state_label.setText(text)
        set_tone(self.state_label, tone)

    def _update_buttons(self) -> None:
        session = self.selected_session()
        expiring = self._runner.is_pending(CHANNEL_EXPIRE)
        self.refresh_button.setEnabled(self._scope is not None)
        self.expire_button.setEnabled(session is not None and session.is_live and not expiring)

    # Expire ------------------------------------------------------------------------------

    def confirm_expire(self) -> None:
        """Ask whether to expire the selected session, and expire it when the user agrees."""
        session, scope = self.selected_session(), self._scope
        if session is None or scope is None:
            return
        box = QMessageBox(self)
        box.setObjectName("expireSessionConfirm")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Expire session")
        box.setText(f"Expire session {session.session_id} of user {session.user_id}?")
        box.setInformativeText(
            "AppStream ends the session at once and disconnects the user. Work that is not saved "
            "to the home folder or another storage is lost."
        )
        expire_button = box.addButton("Expire session", QMessageBox.ButtonRole.DestructiveRole)
        cancel_button = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel_button)
        box.setEscapeButton(cancel_button)

        def on_finished(_result: int) -> None:
            confirmed = box.clickedButton() is expire_button
            box.deleteLater()
            if confirmed and not self._closed:
                self.expire(session, scope)

        box.finished.connect(on_finished)
        box.open()

    def expire(self, session: Session, scope: WatchScope) -> None:
        """Call ExpireSession without asking, then refresh."""
        api = SessionsAPI(scope.target)
        self._runner.submit(
            CHANNEL_EXPIRE,
            partial(api.expire_session, session),
            lambda _result: self._on_expired(session),
            partial(self._on_expire_failed, session),
        )
        self._set_state(f"Expiring session {session.session_id}…", TONE_INFO)
        self._update_buttons()

    def _on_expired(self, session: Session) -> None:
        self.status_message.emit(f"Session {session.session_id} of user {session.user_id} expired.", TONE_SUCCESS)
        self.refresh()

    def _on_expire_failed(self, session: Session, error: AppStreamError) -> None:
        self._set_state(f"Session {session.session_id} was not expired.", TONE_WARNING)
        self.status_message.emit(f"Session {session.session_id} was not expired. {error.message}", TONE_ERROR)
        self._update_buttons()

    # Lifetime ----------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop automatic refreshes and drop pending results (the window is closing)."""
        self._closed = True
        self._timer.stop()
        self._runner.cancel(CHANNEL_SESSIONS)
        self._runner.cancel(CHANNEL_EXPIRE)
