"""Open in browser, end to end: QDesktopServices.openUrl → xdg-open → $BROWSER → headless Chromium.

Qt's offscreen platform (PySide6 6.11 and 6.12) cannot open URLs: QDesktopServices.openUrl
returns False and warns "This plugin does not support QPlatformServices::openUrl()". So the
window runs in a child process on the xcb platform under Xvfb. There Qt starts xdg-open, which runs in its generic
mode because no desktop session is set, and so uses $BROWSER. $BROWSER is a wrapper script
that makes headless Chromium load the URL and write the page's DOM to a file, and the test
checks that the emulator's demo session page shows the chosen stack and user.

Run as a script, this file is that child process: it drives the window and clicks Open.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
STACK = "office-hq"
STACK_LABEL = "Office – Head office (office-hq)"
FLEET = "office-always-on"
USER = "browser-user"
# Covers Xvfb start-up, the window's first requests, Chromium start-up and the page load.
BROWSER_TIMEOUT_MS = 90000
CHILD_TIMEOUT_MS = 60000


def _browser_wrapper(directory: Path) -> Path:
    """Write the $BROWSER script: headless Chromium dumps the page's DOM, renamed into place when complete."""
    profile = directory / "chromium-profile"
    partial = directory / "dom.partial"
    dom = directory / "dom.html"
    script = directory / "browser.sh"
    script.write_text(
        "#!/bin/sh\n"
        f"{CHROMIUM} --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
        "--disable-background-networking --disable-component-update --disable-sync "
        f'--user-data-dir="{profile}" --dump-dom "$1" > "{partial}" 2> "{directory / "chromium.log"}"\n'
        f'status=$?\nmv "{partial}" "{dom}"\nexit $status\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def _child_environment(directory: Path, browser: Path) -> dict[str, str]:
    """Return an environment in which xdg-open has no desktop and no default handler, so it uses $BROWSER."""
    environment = dict(os.environ)
    for name in (
        "XDG_CURRENT_DESKTOP",
        "XDG_SESSION_DESKTOP",
        "DESKTOP_SESSION",
        "KDE_FULL_SESSION",
        "GNOME_DESKTOP_SESSION_ID",
        "WAYLAND_DISPLAY",
        "DBUS_SESSION_BUS_ADDRESS",
        "DISPLAY",
    ):
        environment.pop(name, None)
    # Empty XDG folders hide the system's x-scheme-handler/http association (such as
    # chromium.desktop), which xdg-open would otherwise try before $BROWSER.
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CONFIG_DIRS", "XDG_DATA_DIRS"):
        folder = directory / "xdg" / name.lower()
        folder.mkdir(parents=True)
        environment[name] = str(folder)
    environment["BROWSER"] = str(browser)
    environment["QT_QPA_PLATFORM"] = "xcb"
    environment["APPSTREAM_LAUNCHER_CONFIG_DIR"] = str(directory / "config")
    return environment


def test_open_button_shows_page_in_default_browser(tmp_path, qtbot, emulator):
    for tool in (CHROMIUM, "xdg-open", "xvfb-run"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed; the default-browser path needs chromium, xdg-utils and xvfb")

    browser = _browser_wrapper(tmp_path)
    environment = _child_environment(tmp_path, browser)
    child = subprocess.run(
        ["xvfb-run", "-a", sys.executable, str(Path(__file__).resolve()), emulator.endpoint_url],
        env=environment,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_MS / 1000 + 30,
    )
    assert child.returncode == 0, f"the window process failed:\n{child.stdout}\n{child.stderr}"
    assert "CreateStreamingURL" in emulator.calls

    dom_file = tmp_path / "dom.html"
    qtbot.waitUntil(dom_file.exists, timeout=BROWSER_TIMEOUT_MS)
    dom = dom_file.read_text(encoding="utf-8")

    assert f"Demo session: {STACK}" in dom
    assert STACK_LABEL in dom
    assert FLEET in dom
    assert USER in dom


def _run_child(endpoint_url: str) -> int:
    """Generate a URL for STACK and USER in a real window, click Open and return the exit code."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from launcher.settings import SettingsStore, config_dir
    from launcher.ui.app import demo_source
    from launcher.ui.main_window import MainWindow
    from launcher.ui.picker import PickerState

    app = QApplication(sys.argv[:1])
    window = MainWindow(
        sources=[demo_source()],
        store=SettingsStore(config_dir() / "settings.json"),
        endpoint_url=endpoint_url,
        region="us-east-1",
    )
    window.show()
    progress = {"step": "stacks", "code": 1}

    def advance() -> None:
        step = progress["step"]
        if step == "stacks" and window.stack_picker.state is PickerState.READY:
            window.stack_picker.select_key(STACK)
            progress["step"] = "applications"
        elif step == "applications" and window.application_picker.state is PickerState.READY:
            window.user_id_edit.setText(USER)
            window.generate_button.click()
            progress["step"] = "url"
        elif step == "url" and window.url_edit.text():
            window.open_button.click()
            print(window.status_label.text(), flush=True)
            progress["code"] = 0 if "sent to the default web browser" in window.status_label.text() else 1
            progress["step"] = "done"
            app.quit()

    timer = QTimer()
    timer.timeout.connect(advance)
    timer.start(50)
    QTimer.singleShot(CHILD_TIMEOUT_MS, app.quit)
    app.exec()

    if progress["step"] != "done":
        print(f"stopped at step {progress['step']}: {window.status_label.text()}", file=sys.stderr)
    window.close()
    window.shutdown(1000)
    return progress["code"]


if __name__ == "__main__":
    raise SystemExit(_run_child(sys.argv[1]))
