"""Finding the launcher's main window among Qt's top-level widgets, for tests that run run_window."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from launcher.ui.main_window import MainWindow


def find_main_window() -> MainWindow | None:
    """Return the visible MainWindow, or None while there is none."""
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow) and widget.isVisible():
            return widget
    return None
