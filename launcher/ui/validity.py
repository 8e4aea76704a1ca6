"""The validity chooser: preset durations plus "Custom…" with a spin box in seconds."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from launcher.appstream.validation import VALIDITY_MAX_SECONDS, VALIDITY_MIN_SECONDS
from launcher.settings import DEFAULT_VALIDITY_SECONDS
from launcher.ui.durations import format_duration

VALIDITY_PRESETS: tuple[tuple[int, str], ...] = (
    (60, "1 min"),
    (300, "5 min"),
    (3600, "1 h"),
    (28800, "8 h"),
    (86400, "1 day"),
    (604800, "7 days"),
)
CUSTOM_LABEL = "Custom…"
# Item data of the "Custom…" entry. The presets carry their number of seconds instead.
CUSTOM_DATA = -1


class ValidityPicker(QWidget):
    """How long the streaming URL stays valid, in seconds (1 to 604800).

    `changed(seconds)` is emitted on every change, whether a preset or the spin box changed.
    """

    changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("validityPicker")

        self.combo = QComboBox(self)
        self.combo.setObjectName("validityCombo")
        self.combo.setAccessibleName("Validity")
        self.combo.setToolTip("How long the streaming URL can be used to start a session")
        for seconds, label in VALIDITY_PRESETS:
            self.combo.addItem(label, seconds)
        self.combo.addItem(CUSTOM_LABEL, CUSTOM_DATA)

        self.seconds_label = QLabel("Seco&nds:", self)
        self.seconds_label.setObjectName("validitySecondsLabel")
        self.spin = QSpinBox(self)
        self.spin.setObjectName("validitySpin")
        self.spin.setAccessibleName("Custom validity in seconds")
        self.spin.setRange(VALIDITY_MIN_SECONDS, VALIDITY_MAX_SECONDS)
        self.spin.setSuffix(" s")
        self.spin.setValue(DEFAULT_VALIDITY_SECONDS)
        self.spin.setToolTip(f"{VALIDITY_MIN_SECONDS} to {VALIDITY_MAX_SECONDS} seconds (7 days)")
        self.seconds_label.setBuddy(self.spin)
        self.duration_label = QLabel(self)
        self.duration_label.setObjectName("validityDurationLabel")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addWidget(self.seconds_label)
        layout.addWidget(self.spin)
        layout.addWidget(self.duration_label)
        layout.addStretch(1)

        self._preset_seconds: int | None = None
        self.combo.currentIndexChanged.connect(self._on_preset_changed)
        self.spin.valueChanged.connect(self._on_spin_changed)
        self.set_seconds(DEFAULT_VALIDITY_SECONDS)

    def is_custom(self) -> bool:
        return self.combo.currentData() == CUSTOM_DATA

    def seconds(self) -> int:
        if self.is_custom():
            return self.spin.value()
        return int(self.combo.currentData())

    def set_seconds(self, seconds: int) -> None:
        """Select the preset for `seconds`, or "Custom…" with the spin box set to it."""
        if not VALIDITY_MIN_SECONDS <= seconds <= VALIDITY_MAX_SECONDS:
            seconds = DEFAULT_VALIDITY_SECONDS
        index = self.combo.findData(seconds)
        if index < 0:
            self.spin.setValue(seconds)
            index = self.combo.findData(CUSTOM_DATA)
            self._preset_seconds = None
        self.combo.setCurrentIndex(index)
        self._preset_seconds = None if self.is_custom() else seconds
        self._update_custom_controls()

    def _update_custom_controls(self) -> None:
        custom = self.is_custom()
        self.seconds_label.setVisible(custom)
        self.spin.setVisible(custom)
        self.duration_label.setVisible(custom)
        self.duration_label.setText(f"= {format_duration(self.spin.value())}")

    def _on_preset_changed(self, _index: int) -> None:
        if self.is_custom() and self._preset_seconds is not None:
            # Switching from a preset to Custom… keeps its duration as the starting value.
            self.spin.blockSignals(True)
            self.spin.setValue(self._preset_seconds)
            self.spin.blockSignals(False)
        self._preset_seconds = None if self.is_custom() else int(self.combo.currentData())
        self._update_custom_controls()
        self.changed.emit(self.seconds())

    def _on_spin_changed(self, _value: int) -> None:
        self._update_custom_controls()
        if self.is_custom():
            self.changed.emit(self.seconds())
