"""Visual states shared by the window's widgets: invalid input and message tones.

Widgets carry dynamic properties ("invalid", "tone") and one style sheet on the window maps
them to colours, so the state is visible to tests and to style sheets alike.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

TONE_PLAIN = "plain"
TONE_INFO = "info"
TONE_SUCCESS = "success"
TONE_WARNING = "warning"
TONE_ERROR = "error"

INVALID_BORDER_COLOR = "#c62828"

WINDOW_STYLE_SHEET = f"""
QLineEdit[invalid="true"], QComboBox[invalid="true"], QSpinBox[invalid="true"] {{
    border: 1px solid {INVALID_BORDER_COLOR};
    border-radius: 3px;
    padding: 2px 4px;
}}
QLabel[tone="success"] {{ color: #1b5e20; }}
QLabel[tone="warning"] {{ color: #8a4b00; }}
QLabel[tone="error"] {{ color: #b71c1c; }}
"""


def _repolish(widget: QWidget) -> None:
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def set_invalid(widget: QWidget, reason: str | None) -> None:
    """Mark `widget` invalid with `reason` as its tooltip, or clear the mark when reason is None."""
    invalid = reason is not None
    if widget.property("invalid") == invalid and (widget.toolTip() == (reason or "")):
        return
    widget.setProperty("invalid", invalid)
    widget.setToolTip(reason or "")
    _repolish(widget)


def is_invalid(widget: QWidget) -> bool:
    return bool(widget.property("invalid"))


def set_tone(widget: QWidget, tone: str) -> None:
    """Set the colour role of a message label: plain, info, success, warning or error."""
    if widget.property("tone") == tone:
        return
    widget.setProperty("tone", tone)
    _repolish(widget)
