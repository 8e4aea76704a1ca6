"""The File > Recent launches menu: one entry per recent launch, newest first."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from launcher.appstream.recent import RecentLaunch
from launcher.ui.durations import format_duration
from launcher.ui.items import CATALOG_LABEL

EMPTY_TEXT = "No recent launches"


def launch_text(launch: RecentLaunch) -> str:
    """Return the menu text of a launch, such as "test-user — office-hq / office-always-on / excel (us-east-1, 5 min)"."""
    application = launch.application or "catalog"
    return (
        f"{launch.user_id} — {launch.stack} / {launch.fleet} / {application} "
        f"({launch.region}, {format_duration(launch.validity_seconds)})"
    )


def launch_tooltip(launch: RecentLaunch, source_label: str) -> str:
    application = launch.application or CATALOG_LABEL
    return (
        f"Credentials: {source_label}\nRegion: {launch.region}\nStack: {launch.stack}\nFleet: {launch.fleet}\n"
        f"Application: {application}\nUser ID: {launch.user_id}\nValidity: {format_duration(launch.validity_seconds)}"
    )


class RecentLaunchesMenu(QMenu):
    """Lists recent launches. `launch_chosen(launch)` is emitted when the user picks one.

    The checkable "Generate after restoring" action emits `generate_toggled(checked)`, and
    "Clear recent launches" emits `clear_requested()`.
    """

    launch_chosen = Signal(object)
    generate_toggled = Signal(bool)
    clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Recent &launches", parent)
        self.setObjectName("recentLaunchesMenu")
        self.setToolTipsVisible(True)

        self.generate_action = QAction("&Generate after restoring", self)
        self.generate_action.setObjectName("relaunchGeneratesAction")
        self.generate_action.setCheckable(True)
        self.generate_action.setToolTip("Generate the streaming URL as soon as the lists have loaded the restored choices")
        self.generate_action.toggled.connect(self.generate_toggled)

        self.clear_action = QAction("&Clear recent launches", self)
        self.clear_action.setObjectName("clearRecentLaunchesAction")
        self.clear_action.triggered.connect(self.clear_requested)

        self.empty_action = QAction(EMPTY_TEXT, self)
        self.empty_action.setEnabled(False)
        self.separator = QAction(self)
        self.separator.setSeparator(True)
        self.addActions([self.empty_action, self.separator, self.generate_action, self.clear_action])
        self.launch_actions: list[QAction] = []
        self.set_launches([], lambda key: key)

    def set_launches(self, launches: Sequence[RecentLaunch], source_label: Callable[[str], str]) -> None:
        """Replace the entries. `source_label(key)` returns the text for a credential source key."""
        for action in self.launch_actions:
            self.removeAction(action)
            action.deleteLater()
        self.launch_actions = []
        for number, launch in enumerate(launches, start=1):
            # Digits 1 to 9 and 0 select the first ten entries from the keyboard.
            prefix = f"&{number % 10} " if number <= 10 else ""
            action = QAction(prefix + launch_text(launch).replace("&", "&&"), self)
            action.setObjectName(f"recentLaunchAction{number}")
            action.setToolTip(launch_tooltip(launch, source_label(launch.source)))
            action.triggered.connect(lambda _checked=False, chosen=launch: self.launch_chosen.emit(chosen))
            self.insertAction(self.empty_action, action)
            self.launch_actions.append(action)
        self.empty_action.setVisible(not launches)
        self.clear_action.setEnabled(bool(launches))
