"""A dropdown for a list that loads in the background: stacks, fleets or applications.

`ResourcePicker` is an editable combo box that filters as you type, with an inline message
and a Retry button beside it, and optionally a Refresh tool button. It shows one of five
states: idle (waiting for a choice above it), loading, ready (items), empty (the list loaded
but has nothing) and error.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from launcher.ui.style import TONE_ERROR, TONE_INFO, TONE_PLAIN, set_tone

log = logging.getLogger(__name__)


class PickerState(enum.Enum):
    IDLE = "idle"
    LOADING = "loading"
    READY = "ready"
    EMPTY = "empty"
    ERROR = "error"


@dataclass(frozen=True)
class PickerItem:
    """One entry of a picker: `key` is what is sent and stored, `label` what is shown."""

    key: str
    label: str
    value: object = None
    tooltip: str = ""


class ResourcePicker(QWidget):
    """Editable, filtering combo box with loading, empty and error states.

    The selection follows the text in the box: it is the item whose label equals the text, or
    None while the text matches no item. `selection_changed(item, by_user)` reports every
    change, with `by_user` False for changes made by the set_* methods.
    """

    selection_changed = Signal(object, bool)
    # Emitted after every edit of the text by the user, also when the selection stays the same.
    text_edited = Signal(str)
    retry_requested = Signal()
    # Emitted when the user presses the Refresh tool button (see `show_refresh_button`).
    refresh_requested = Signal()

    def __init__(self, name: str, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}Picker")
        self._state = PickerState.IDLE
        self._items: list[PickerItem] = []
        self._selected: PickerItem | None = None
        self._programmatic = 0

        self.combo = QComboBox(self)
        self.combo.setObjectName(f"{name}Combo")
        self.combo.setAccessibleName(accessible_name)
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.setMaxVisibleItems(20)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(24)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        completer = QCompleter(self.combo.model(), self.combo)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.combo.setCompleter(completer)
        # Rows of one height let the list views skip measuring every row, which keeps a keystroke
        # under 16 ms with 1,000 stacks (benchmarks/large_account.py, see docs/benchmarks.md).
        for view in (completer.popup(), self.combo.view()):
            if isinstance(view, QListView):
                view.setUniformItemSizes(True)

        self.retry_button = QPushButton("Retry", self)
        self.retry_button.setObjectName(f"{name}RetryButton")
        self.retry_button.setAccessibleName(f"Retry loading the {accessible_name.lower()} list")
        self.retry_button.setVisible(False)
        self.retry_button.clicked.connect(self.retry_requested)

        self.refresh_button = QToolButton(self)
        self.refresh_button.setObjectName(f"{name}RefreshButton")
        self.refresh_button.setAutoRaise(True)
        self.refresh_button.setVisible(False)
        self.refresh_button.clicked.connect(self.refresh_requested)

        self.message_label = QLabel(self)
        self.message_label.setObjectName(f"{name}MessageLabel")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.setVisible(False)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.combo, 1)
        row.addWidget(self.retry_button)
        row.addWidget(self.refresh_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(row)
        column.addWidget(self.message_label)

        self.combo.editTextChanged.connect(self._on_text_changed)
        self.combo.currentIndexChanged.connect(self._on_index_changed)
        self.combo.lineEdit().editingFinished.connect(self._on_editing_finished)

        self.set_idle("")

    def show_refresh_button(self, tooltip: str, accessible_name: str) -> None:
        """Show the Refresh tool button beside the box. The button stays enabled in every state."""
        # The text shows only where the style has no reload icon.
        self.refresh_button.setText("Refresh")
        self.refresh_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
        self.refresh_button.setToolTip(tooltip)
        self.refresh_button.setAccessibleName(accessible_name)
        self.refresh_button.setVisible(True)

    # State -----------------------------------------------------------------------------

    @property
    def state(self) -> PickerState:
        return self._state

    @property
    def items(self) -> list[PickerItem]:
        return list(self._items)

    @property
    def placeholder(self) -> str:
        """The text shown in the empty box: the loading, empty-state or idle message."""
        return self.combo.lineEdit().placeholderText()

    @property
    def message(self) -> str:
        """The inline message below the box (an error or a note), or "" when none is shown."""
        return self.message_label.text() if self.message_label.isVisibleTo(self) else ""

    def selected_item(self) -> PickerItem | None:
        return self._selected

    def selected_key(self) -> str | None:
        return self._selected.key if self._selected else None

    def selected_value(self) -> object:
        return self._selected.value if self._selected else None

    def unmatched_text(self) -> str:
        """Return the typed text when it matches no item, else ""."""
        text = self.combo.currentText()
        if self._selected is None and text.strip():
            return text
        return ""

    def set_idle(self, hint: str) -> None:
        """Show an empty, disabled box with `hint`, such as "Choose a stack first"."""
        self._reset(PickerState.IDLE, hint)

    def set_loading(self, text: str) -> None:
        self._reset(PickerState.LOADING, text)

    def set_empty(self, text: str) -> None:
        """Show that the list loaded but has no items, such as "No stacks in us-east-1"."""
        self._reset(PickerState.EMPTY, text)

    def set_error(self, message: str, fallback_items: Sequence[PickerItem] = (), preferred_key: str | None = None) -> None:
        """Show `message` with a Retry button. `fallback_items` (such as the catalog) stay selectable."""
        if fallback_items:
            self._fill(list(fallback_items), preferred_key, PickerState.ERROR, placeholder="")
        else:
            self._reset(PickerState.ERROR, "Not loaded")
        self._show_message(message, TONE_ERROR)
        self.retry_button.setVisible(True)

    def set_items(self, items: Sequence[PickerItem], preferred_key: str | None = None, placeholder: str = "") -> None:
        """Fill the box and select the item whose key is `preferred_key`, if there is one.

        After `set_provisional_items`, the item the user chose meanwhile, or the text they are
        typing, is kept instead.
        """
        self._fill(list(items), preferred_key, PickerState.READY, placeholder, keep_choice=self.is_provisional)
        self._show_message("", TONE_PLAIN)
        self.retry_button.setVisible(False)

    def set_provisional_items(
        self, items: Sequence[PickerItem], preferred_key: str | None, note: str, placeholder: str = ""
    ) -> None:
        """Show items that may still change, such as the pages loaded so far, while the state stays LOADING.

        The items can be chosen at once. A later call, or `set_items`, keeps the item the user
        chose or the text they are typing. `note` shows below the box, such as "Loading more…", and
        `placeholder` in the empty box.
        """
        self._fill(list(items), preferred_key, PickerState.LOADING, placeholder, keep_choice=self.is_provisional)
        self._show_message(note, TONE_INFO)
        self.retry_button.setVisible(False)

    @property
    def is_provisional(self) -> bool:
        """True while the box shows items from `set_provisional_items`."""
        return self._state is PickerState.LOADING and bool(self._items)

    def set_note(self, text: str, tone: str = TONE_PLAIN) -> None:
        """Show a note below the box (for example a fleet state warning), or hide it with ""."""
        if self._state is PickerState.ERROR:
            return
        self._show_message(text, tone)

    def select_key(self, key: str | None) -> bool:
        """Select the item with `key`, as if the user had picked it. Returns False if there is none."""
        index = self._index_of(key)
        if index < 0:
            return False
        self.combo.setCurrentIndex(index)
        self.combo.setEditText(self._items[index].label)
        self._show_text_start()
        self._update_selection(by_user=True)
        return True

    # Internals -------------------------------------------------------------------------

    def _index_of(self, key: str | None) -> int:
        if key is None:
            return -1
        for index, item in enumerate(self._items):
            if item.key == key:
                return index
        return -1

    def _reset(self, state: PickerState, placeholder: str) -> None:
        self._programmatic += 1
        try:
            self._state = state
            self._items = []
            self.combo.clear()
            self.combo.setEditText("")
            self.combo.lineEdit().setPlaceholderText(placeholder)
            self.combo.setEnabled(False)
            self.retry_button.setVisible(False)
            self._show_message("", TONE_PLAIN)
        finally:
            self._programmatic -= 1
        self._update_selection(by_user=False)

    def _fill(
        self, items: list[PickerItem], preferred_key: str | None, state: PickerState, placeholder: str, keep_choice: bool = False
    ) -> None:
        """Replace the items; with `keep_choice`, the current item or the unmatched typed text stays."""
        typed = ""
        if keep_choice:
            if self._selected is not None:
                preferred_key = self._selected.key
            else:
                typed = self.combo.currentText()
        self._programmatic += 1
        try:
            self._state = state
            self._items = items
            self.combo.clear()
            for index, item in enumerate(items):
                self.combo.addItem(item.label, item.key)
                if item.tooltip:
                    self.combo.setItemData(index, item.tooltip, Qt.ItemDataRole.ToolTipRole)
            index = -1 if typed else self._index_of(preferred_key)
            self.combo.setCurrentIndex(index)
            if typed:
                # The user is typing: the text stays where it is, cursor included.
                self.combo.setEditText(typed)
            else:
                self.combo.setEditText(items[index].label if index >= 0 else "")
                self._show_text_start()
            self.combo.lineEdit().setPlaceholderText(placeholder)
            self.combo.setEnabled(True)
        finally:
            self._programmatic -= 1
        self._update_selection(by_user=False)

    def _show_text_start(self) -> None:
        # A label longer than the box shows its beginning (the name), not its end.
        self.combo.lineEdit().setCursorPosition(0)

    def _show_message(self, text: str, tone: str) -> None:
        self.message_label.setText(text)
        set_tone(self.message_label, tone)
        self.message_label.setVisible(bool(text))

    def _match(self, text: str) -> PickerItem | None:
        current = self.combo.currentIndex()
        if 0 <= current < len(self._items) and self._items[current].label == text:
            return self._items[current]
        for item in self._items:
            if item.label == text:
                return item
        return None

    def _update_selection(self, by_user: bool) -> None:
        item = self._match(self.combo.currentText())
        if item == self._selected:
            return
        self._selected = item
        self.selection_changed.emit(item, by_user)

    def _on_text_changed(self, text: str) -> None:
        # The set_* methods update the selection once when they are done.
        if not self._programmatic:
            self._update_selection(by_user=True)
            self.text_edited.emit(text)

    def _on_index_changed(self, _index: int) -> None:
        if not self._programmatic:
            self._show_text_start()
            self._update_selection(by_user=True)

    def _on_editing_finished(self) -> None:
        """Complete the text to an item on Enter or focus-out when exactly one item contains it."""
        if self._selected is not None or self._programmatic:
            return
        text = self.combo.currentText().strip().lower()
        if not text:
            return
        matches = [item for item in self._items if item.label.lower() == text]
        if not matches:
            matches = [item for item in self._items if text in item.label.lower()]
        if len(matches) == 1:
            self.select_key(matches[0].key)
