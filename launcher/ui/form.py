"""Form-building helpers: labelled rows with mnemonics and inline messages below a field."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from launcher.ui.style import TONE_ERROR, set_tone


def message_label(name: str, parent: QWidget) -> QLabel:
    """Return a hidden, word-wrapped label for the error message of one field."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setVisible(False)
    set_tone(label, TONE_ERROR)
    return label


def show_message(label: QLabel, text: str | None) -> None:
    """Show `text` in `label`, or hide the label when there is no text."""
    label.setText(text or "")
    label.setVisible(bool(text))


def stacked(field: QWidget, message: QLabel) -> QWidget:
    """Return a widget with `field` above its inline `message` label."""
    container = QWidget(field.parentWidget())
    layout = QVBoxLayout(container)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(field)
    layout.addWidget(message)
    return container


def form_layout(parent: QWidget) -> QFormLayout:
    """Return a form layout on `parent` whose fields take the spare width."""
    form = QFormLayout(parent)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return form


def add_row(form: QFormLayout, text: str, field: QWidget, buddy: QWidget | None = None) -> QLabel:
    """Add `field` with a label whose mnemonic in `text` focuses `buddy` (by default the field)."""
    label = QLabel(text, field.parentWidget())
    label.setBuddy(buddy or field)
    form.addRow(label, field)
    return label
