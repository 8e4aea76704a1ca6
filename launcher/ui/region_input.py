"""The editable region dropdown: known regions to pick from, or any well-formed region name."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QCompleter, QWidget

from launcher.appstream.regions import REGION_PATTERN, region_problem  # noqa: F401 - re-exported for the window

class RegionCombo(QComboBox):
    """Editable combo box of region names that filters as you type."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("regionCombo")
        self.setAccessibleName("Region")
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(20)
        completer = QCompleter(self.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)

    def regions(self) -> list[str]:
        return [self.itemText(index) for index in range(self.count())]

    def set_regions(self, regions: Iterable[str]) -> None:
        """Replace the list, keeping the typed text and the cursor where they are."""
        text = self.currentText()
        cursor = self.lineEdit().cursorPosition()
        names = sorted(set(regions) | ({text} if region_problem(text) is None else set()))
        self.blockSignals(True)
        try:
            self.clear()
            self.addItems(names)
            self.setCurrentIndex(self.findText(text))
            self.setEditText(text)
            self.lineEdit().setCursorPosition(cursor)
        finally:
            self.blockSignals(False)

    def set_region(self, region: str) -> None:
        """Show `region`, adding it to the list if it is well formed and missing."""
        self.blockSignals(True)
        try:
            if region_problem(region) is None and self.findText(region) < 0:
                names = sorted({*self.regions(), region})
                self.clear()
                self.addItems(names)
            self.setCurrentIndex(self.findText(region))
            self.setEditText(region)
        finally:
            self.blockSignals(False)
