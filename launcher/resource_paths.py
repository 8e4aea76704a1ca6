"""Locate the data files in launcher/resources/ in source, installed and frozen runs.

This module imports no Qt, so the CLI can use it without loading PySide6.
"""

from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath

# Reverse-DNS application id. It names the freedesktop desktop entry and AppStream
# metainfo files in resources/, and suits QGuiApplication.setDesktopFileName().
APP_ID = "io.github.appstream_launcher.AppStreamLauncher"

APP_ICON_FILE = "appstream-launcher-256.png"

# Folder of the resources inside a PyInstaller bundle, relative to sys._MEIPASS. The spec
# must bundle them there, as collect_data_files("launcher", includes=["resources/*"]) does.
FROZEN_RESOURCES_SUBDIR = Path("launcher", "resources")


def _resources_dir() -> Path:
    if getattr(sys, "frozen", False):
        # PyInstaller sets sys._MEIPASS to the folder that contains the bundled data.
        # In a one-folder build that is the _internal/ folder next to the executable,
        # and in a one-file build it is the temporary folder the archive unpacks into.
        bundle_dir = getattr(sys, "_MEIPASS", None)
        if bundle_dir is None:
            # NOTE: only PyInstaller layouts are supported. Other freezers (cx_Freeze,
            # py2app) set sys.frozen but not sys._MEIPASS, so the executable's folder
            # is a guess for them.
            bundle_dir = Path(sys.executable).resolve().parent
        return Path(bundle_dir) / FROZEN_RESOURCES_SUBDIR

    return Path(__file__).resolve().parent / "resources"


def resource_path(name: str) -> Path:
    """Return the absolute path of the data file `name` in launcher/resources/.

    `name` is relative to that folder and uses "/" as separator, e.g. "icons/x.png".
    Raises ValueError if `name` is empty, absolute, or contains ".." or a backslash, and
    FileNotFoundError if the file does not exist.
    """
    relative = PurePosixPath(name)
    if not name or relative.is_absolute() or ".." in relative.parts or "\\" in name:
        raise ValueError(
            f"invalid resource name {name!r}: expected a relative path inside "
            "launcher/resources/ with '/' separators and no '..'"
        )

    resources_dir = _resources_dir()
    path = resources_dir.joinpath(*relative.parts)
    if path.is_file():
        return path

    if getattr(sys, "frozen", False):
        hint = (
            "the frozen build does not bundle it. Add it to datas in the PyInstaller spec, "
            "e.g. with collect_data_files('launcher', includes=['resources/*'])"
        )
    else:
        hint = (
            "reinstall the package, or run scripts/make_icons.py if it is a generated icon"
        )
    raise FileNotFoundError(f"resource file not found: {path} ({hint})")


def app_icon_path() -> Path:
    """Return the path of the 256 px PNG application icon, for QIcon and window icons.

    The PNG loads without Qt's SVG image-format plugin, which frozen builds may omit.
    Raises FileNotFoundError if the file is missing.
    """
    return resource_path(APP_ICON_FILE)
