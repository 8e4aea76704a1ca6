"""Derive and New buttons beside the user ID field.

Derive turns the name or e-mail address typed into the field into a valid user ID, and New
puts a fresh test ID such as "test-k3v9q2xa" there. Both replace the text as one edit, so
Ctrl+Z brings the old text back.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

from launcher.appstream.errors import ValidationError
from launcher.appstream.user_ids import derive_user_id, new_test_user_id
from launcher.ui.style import TONE_ERROR, TONE_INFO


class UserIdTools(QWidget):
    """The user ID field with its Derive and New buttons in one row.

    `status_message(text, tone)` reports what a button did or why it did nothing.
    """

    status_message = Signal(str, str)

    def __init__(self, edit: QLineEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("userIdRow")
        self.edit = edit

        self.derive_button = QPushButton("&Derive", self)
        self.derive_button.setObjectName("deriveUserIdButton")
        self.derive_button.setAccessibleName("Derive a valid user ID from the name or e-mail address in the field")
        self.derive_button.setToolTip(
            "Turn the name or e-mail address in the field into a valid user ID: accents removed, "
            "lower case, at most 32 characters"
        )
        self.new_button = QPushButton("Ne&w", self)
        self.new_button.setObjectName("newUserIdButton")
        self.new_button.setAccessibleName("Use a new test user ID")
        self.new_button.setToolTip(
            "Use a fresh ID such as test-k3v9q2xa. AppStream keeps home folders and settings per user ID, "
            "so a fresh ID starts with none."
        )

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(edit, 1)
        layout.addWidget(self.derive_button)
        layout.addWidget(self.new_button)

        self.derive_button.clicked.connect(self.derive)
        self.new_button.clicked.connect(self.new_id)

    def derive(self) -> None:
        text = self.edit.text()
        if not text.strip():
            self.status_message.emit("Type a name or an e-mail address into User ID, then press Derive.", TONE_INFO)
            return
        try:
            user_id = derive_user_id(text)
        except ValidationError as error:
            self.status_message.emit(error.message, TONE_ERROR)
            return
        if user_id == text:
            self.status_message.emit(f"User ID {user_id} is already valid.", TONE_INFO)
            return
        self._replace(user_id)
        self.status_message.emit(f"User ID {user_id} derived from {text.strip()!r}. Ctrl+Z in the field undoes it.", TONE_INFO)

    def new_id(self) -> None:
        user_id = new_test_user_id()
        self._replace(user_id)
        self.status_message.emit(
            f"New test user ID {user_id}. No earlier session used it, so it starts without saved files or settings.",
            TONE_INFO,
        )

    def _replace(self, text: str) -> None:
        # selectAll + insert keeps the undo history, where setText would clear it.
        self.edit.selectAll()
        self.edit.insert(text)
        self.edit.setFocus()
