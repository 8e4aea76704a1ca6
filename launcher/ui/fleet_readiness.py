"""The line below the fleet dropdown: state and capacity, and Start fleet for a stopped fleet.

Start fleet shows a confirmation, calls StartFleet, then polls DescribeFleets on a timer
until the fleet is RUNNING. The wait ends when the fleet is RUNNING, when the user presses
Stop waiting or chooses another fleet, after repeated errors, or after `max_wait_seconds`.
Ending the wait never stops the fleet: AppStream keeps starting it.
"""

from __future__ import annotations

import logging
import time
from functools import partial

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QProgressBar, QPushButton, QSizePolicy, QWidget

from launcher.appstream.clients import Target
from launcher.appstream.errors import AppStreamError
from launcher.appstream.fleet_control import (
    FLEET_STATE_STARTING,
    FLEET_STATE_STOPPED,
    FleetControl,
    FleetStatus,
    ReadinessLevel,
    fleet_readiness,
)
from launcher.appstream.models import Fleet
from launcher.ui.durations import format_duration
from launcher.ui.style import TONE_ERROR, TONE_INFO, TONE_PLAIN, TONE_SUCCESS, TONE_WARNING, set_tone
from launcher.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

CHANNEL_START = "fleet-start"
CHANNEL_POLL = "fleet-poll"
POLL_INTERVAL_MS = 5000
# NOTE: a guess at an upper bound. AWS documents no maximum start time, and large fleets take longer.
MAX_WAIT_SECONDS = 30 * 60
# Consecutive failed DescribeFleets calls that end the wait. A single failure is retried.
MAX_POLL_FAILURES = 3
# Polls that may still see STOPPED right after StartFleet before the wait ends as failed.
# NOTE: AWS does not document whether DescribeFleets can show STOPPED briefly after StartFleet.
MAX_STOPPED_POLLS = 3

_LEVEL_TONES = {
    ReadinessLevel.READY: TONE_SUCCESS,
    ReadinessLevel.LIMITED: TONE_WARNING,
    ReadinessLevel.CHANGING: TONE_INFO,
    ReadinessLevel.NOT_READY: TONE_WARNING,
}


class _Wait:
    """The fleet being waited for after StartFleet."""

    def __init__(self, target: Target, fleet_name: str) -> None:
        self.target = target
        self.fleet_name = fleet_name
        self.started = time.monotonic()
        self.failures = 0
        self.stopped_polls = 0

    def elapsed_seconds(self) -> int:
        return int(time.monotonic() - self.started)


class FleetReadinessPanel(QWidget):
    """Readiness line, Start fleet button and start progress for the selected fleet.

    `status_message(text, tone)` reports outcomes for the window's status line, and
    `fleet_running(name)` is emitted when a fleet that this panel started is RUNNING.
    """

    status_message = Signal(str, str)
    fleet_running = Signal(str)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fleetReadinessPanel")
        self._runner = runner
        self._fleet: Fleet | None = None
        self._target: Target | None = None
        self._wait: _Wait | None = None
        self._starting = False
        self._closed = False
        self.poll_interval_ms = POLL_INTERVAL_MS
        self.max_wait_seconds = MAX_WAIT_SECONDS

        self.label = QLabel(self)
        self.label.setObjectName("fleetReadinessLabel")
        self.label.setAccessibleName("Fleet readiness")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

        # No mnemonic: every letter of "Start fleet" is taken by another control of the form.
        self.start_button = QPushButton("Start fleet…", self)
        self.start_button.setObjectName("startFleetButton")
        self.start_button.setAccessibleName("Start the fleet")
        self.start_button.setToolTip("Call StartFleet and wait until the fleet is RUNNING")

        self.progress = QProgressBar(self)
        self.progress.setObjectName("fleetStartProgress")
        self.progress.setAccessibleName("Fleet start progress")
        # A busy indicator: AppStream reports no percentage while a fleet starts.
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(120)

        self.cancel_button = QPushButton("Stop waiting", self)
        self.cancel_button.setObjectName("cancelFleetStartButton")
        self.cancel_button.setAccessibleName("Stop waiting for the fleet to start")
        self.cancel_button.setToolTip("Stop checking the fleet's state; the fleet keeps starting")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.start_button)
        layout.addWidget(self.cancel_button)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._poll)
        self.start_button.clicked.connect(self.confirm_start)
        self.cancel_button.clicked.connect(self.cancel_wait)
        self._update()

    # State shown -------------------------------------------------------------------------

    @property
    def is_waiting(self) -> bool:
        """True from StartFleet until the wait for RUNNING ends."""
        return self._starting or self._wait is not None

    def show_fleet(self, fleet: Fleet | None, target: Target | None) -> None:
        """Show the readiness of the selected fleet, which is None while no fleet is selected or the list loads.

        Choosing another fleet or target ends a running wait. A None fleet keeps it, because the
        fleet list reloads on Refresh.
        """
        wait = self._wait
        if wait is not None and (
            target is None or target.cache_key != wait.target.cache_key or (fleet is not None and fleet.name != wait.fleet_name)
        ):
            self._end_wait()
            self.status_message.emit(
                f"Stopped waiting for fleet {wait.fleet_name}: another fleet is selected. The fleet keeps starting.",
                TONE_PLAIN,
            )
        self._fleet = fleet
        self._target = target
        self._update()

    def _update(self) -> None:
        waiting = self._wait is not None
        self.progress.setVisible(self.is_waiting)
        self.cancel_button.setVisible(waiting)
        if self.is_waiting:
            self.start_button.setVisible(False)
            return
        fleet = self._fleet
        if fleet is None:
            self.label.setText("")
            set_tone(self.label, TONE_PLAIN)
            self.start_button.setVisible(False)
            self.setVisible(False)
            return
        readiness = fleet_readiness(fleet)
        self.setVisible(True)
        self.label.setText(readiness.text)
        set_tone(self.label, _LEVEL_TONES[readiness.level])
        self.start_button.setVisible(readiness.can_start and self._target is not None)

    def _show_waiting(self, text: str) -> None:
        self.setVisible(True)
        self.label.setText(text)
        set_tone(self.label, TONE_INFO)
        self._update()

    # Starting ----------------------------------------------------------------------------

    def confirm_start(self) -> None:
        """Ask whether to start the selected fleet, and start it when the user agrees."""
        fleet, target = self._fleet, self._target
        if fleet is None or target is None or self.is_waiting:
            return
        box = QMessageBox(self)
        box.setObjectName("startFleetConfirm")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Start fleet")
        box.setText(f"Start fleet {fleet.name} in {target.region}?")
        box.setInformativeText(
            "AWS charges for the fleet's instances while the fleet runs, also when nobody streams. "
            "Stop the fleet in the AppStream console when you are done testing.\n\n"
            "A fleet usually takes several minutes to reach RUNNING."
        )
        start_button = box.addButton("Start fleet", QMessageBox.ButtonRole.AcceptRole)
        cancel_button = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel_button)
        box.setEscapeButton(cancel_button)

        def on_finished(_result: int) -> None:
            confirmed = box.clickedButton() is start_button
            box.deleteLater()
            if confirmed and not self._closed:
                self.start(fleet.name, target)

        box.finished.connect(on_finished)
        box.open()

    def start(self, fleet_name: str, target: Target) -> None:
        """Call StartFleet without asking, then wait for RUNNING."""
        if self.is_waiting or self._closed:
            return
        self._starting = True
        self._show_waiting(f"Starting fleet {fleet_name}…")
        control = FleetControl(target)
        self._runner.submit(
            CHANNEL_START,
            partial(control.start_fleet, fleet_name),
            lambda _result: self._on_started(target, fleet_name),
            partial(self._on_start_failed, fleet_name),
        )

    def _on_started(self, target: Target, fleet_name: str) -> None:
        self._starting = False
        self._wait = _Wait(target, fleet_name)
        self.status_message.emit(f"StartFleet accepted for fleet {fleet_name}. Waiting until it is RUNNING…", TONE_INFO)
        self._show_waiting(f"Fleet {fleet_name} is starting. Checking its state every {self._interval_text()}…")
        self._timer.start(self.poll_interval_ms)

    def _on_start_failed(self, fleet_name: str, error: AppStreamError) -> None:
        self._starting = False
        self._update()
        self.status_message.emit(f"Fleet {fleet_name} was not started. {error.message}", TONE_ERROR)

    # Waiting -----------------------------------------------------------------------------

    def _interval_text(self) -> str:
        seconds = self.poll_interval_ms / 1000
        return format_duration(int(seconds)) if seconds >= 1 else f"{seconds:g} s"

    def _poll(self) -> None:
        wait = self._wait
        if wait is None or self._closed:
            return
        if wait.elapsed_seconds() > self.max_wait_seconds:
            self._end_wait()
            self.status_message.emit(
                f"Fleet {wait.fleet_name} is not RUNNING after {format_duration(self.max_wait_seconds)}. "
                "Stopped waiting; press Refresh (F5) later to see its state.",
                TONE_WARNING,
            )
            return
        control = FleetControl(wait.target)
        self._runner.submit(
            CHANNEL_POLL,
            partial(control.fleet_status, wait.fleet_name),
            partial(self._on_polled, wait),
            partial(self._on_poll_failed, wait),
        )

    def _on_polled(self, wait: _Wait, status: FleetStatus) -> None:
        if wait is not self._wait:
            return
        wait.failures = 0
        fleet = status.fleet
        elapsed = format_duration(wait.elapsed_seconds())
        if fleet.is_running:
            self._end_wait()
            self._fleet = fleet
            self._update()
            self.status_message.emit(f"Fleet {fleet.name} is RUNNING after {elapsed}.", TONE_SUCCESS)
            self.fleet_running.emit(fleet.name)
            return
        if fleet.state == FLEET_STATE_STOPPED:
            wait.stopped_polls += 1
            if status.errors or wait.stopped_polls >= MAX_STOPPED_POLLS:
                self._end_wait()
                self._fleet = fleet
                self._update()
                reason = "; ".join(status.errors) if status.errors else "AWS reported no fleet error"
                self.status_message.emit(f"Fleet {fleet.name} did not start and is STOPPED: {reason}.", TONE_ERROR)
                return
        elif fleet.state != FLEET_STATE_STARTING:
            self._end_wait()
            self._fleet = fleet
            self._update()
            self.status_message.emit(
                f"Stopped waiting for fleet {fleet.name}: its state changed to {fleet.state}.", TONE_WARNING
            )
            return
        self._show_waiting(f"Fleet {fleet.name} is {fleet.state} ({elapsed} so far). Checking every {self._interval_text()}…")
        self._timer.start(self.poll_interval_ms)

    def _on_poll_failed(self, wait: _Wait, error: AppStreamError) -> None:
        if wait is not self._wait:
            return
        wait.failures += 1
        log.warning("Checking fleet %s failed (%d in a row): %s", wait.fleet_name, wait.failures, error.message)
        if wait.failures >= MAX_POLL_FAILURES:
            self._end_wait()
            self._update()
            self.status_message.emit(
                f"Stopped waiting for fleet {wait.fleet_name} after {wait.failures} failed checks. {error.message}",
                TONE_ERROR,
            )
            return
        self._show_waiting(f"Checking fleet {wait.fleet_name} failed; trying again in {self._interval_text()}. {error.message}")
        self._timer.start(self.poll_interval_ms)

    def cancel_wait(self) -> None:
        """Stop polling. The fleet keeps starting in AppStream."""
        wait = self._wait
        if wait is None:
            return
        self._end_wait()
        self._update()
        self.status_message.emit(
            f"Stopped waiting for fleet {wait.fleet_name}. It keeps starting; press Refresh (F5) to see its state.",
            TONE_PLAIN,
        )

    def _end_wait(self) -> None:
        self._timer.stop()
        self._runner.cancel(CHANNEL_POLL)
        self._wait = None

    def stop(self) -> None:
        """Stop every timer and pending request (the window is closing)."""
        self._closed = True
        self._end_wait()
        self._runner.cancel(CHANNEL_START)
        self._starting = False
