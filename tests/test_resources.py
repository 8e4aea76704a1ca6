"""Tests for the packaging resources: icons, desktop entry, metainfo, resource lookup, installer."""

from __future__ import annotations

import configparser
import os
import shutil
import struct
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ElementTree
import zlib
from pathlib import Path
from typing import NamedTuple

import pytest

import launcher
from launcher import resource_paths
from launcher.resource_paths import APP_ID, app_icon_path, resource_path

REPO_ROOT = Path(__file__).resolve().parent.parent
RESOURCES_DIR = REPO_ROOT / "resources"
PACKAGE_RESOURCES_DIR = REPO_ROOT / "launcher" / "resources"
DESKTOP_FILE = RESOURCES_DIR / f"{APP_ID}.desktop"
METAINFO_FILE = RESOURCES_DIR / f"{APP_ID}.metainfo.xml"
INSTALL_SCRIPT = REPO_ROOT / "scripts" / "install-linux.sh"
MAKE_ICONS_SCRIPT = REPO_ROOT / "scripts" / "make_icons.py"

ICON_NAME = "appstream-launcher"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZE_BY_TYPE = {
    b"ic07": 128,
    b"ic08": 256,
    b"ic09": 512,
    b"ic10": 1024,
    b"ic11": 32,
    b"ic12": 64,
    b"ic13": 256,
    b"ic14": 512,
}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_CHANNELS_BY_COLOUR_TYPE = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


class PngInfo(NamedTuple):
    width: int
    height: int
    colour_type: int


def read_png(data: bytes) -> PngInfo:
    """Validate a complete, non-interlaced PNG image and return its IHDR values.

    Checks the signature, every chunk CRC, IHDR first and IEND last, and that the
    IDAT data inflates to exactly one filter byte plus one row of pixels per line.
    Raises ValueError naming the first problem.
    """
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("missing PNG signature")

    chunk_types: list[bytes] = []
    compressed = b""
    header = b""
    position = len(PNG_SIGNATURE)
    while position < len(data):
        if position + 12 > len(data):
            raise ValueError(f"truncated chunk header at byte {position}")
        length, chunk_type = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        crc_bytes = data[position + 8 + length : position + 12 + length]
        if len(body) != length or len(crc_bytes) != 4:
            raise ValueError(f"truncated {chunk_type!r} chunk at byte {position}")
        if zlib.crc32(chunk_type + body) != struct.unpack(">I", crc_bytes)[0]:
            raise ValueError(f"CRC mismatch in {chunk_type!r} chunk at byte {position}")

        chunk_types.append(chunk_type)
        if chunk_type == b"IHDR":
            header = body
        elif chunk_type == b"IDAT":
            compressed += body
        position += 12 + length

    if not chunk_types or chunk_types[0] != b"IHDR" or len(header) != 13:
        raise ValueError(f"first chunk is not a 13-byte IHDR: {chunk_types[:1]}")
    if chunk_types[-1] != b"IEND":
        raise ValueError(f"last chunk is not IEND: {chunk_types[-1]!r}")

    width, height, bit_depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if interlace != 0:
        raise ValueError("interlaced PNG images are not expected")
    if colour_type not in PNG_CHANNELS_BY_COLOUR_TYPE:
        raise ValueError(f"invalid PNG colour type {colour_type}")

    row_bytes = -(-width * PNG_CHANNELS_BY_COLOUR_TYPE[colour_type] * bit_depth // 8)
    pixels = zlib.decompress(compressed)
    if len(pixels) != height * (1 + row_bytes):
        raise ValueError(f"IDAT inflates to {len(pixels)} bytes, expected {height * (1 + row_bytes)}")

    return PngInfo(width, height, colour_type)


def read_desktop_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # desktop entry keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def unescape_desktop_string(value: str) -> str:
    """Undo the escapes of a desktop entry string value: \\s, \\n, \\t, \\r and \\\\."""
    unescaped = ""
    index = 0
    while index < len(value):
        if value[index] == "\\" and index + 1 < len(value):
            unescaped += {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}.get(
                value[index + 1], "\\" + value[index + 1]
            )
            index += 2
        else:
            unescaped += value[index]
            index += 1
    return unescaped


def parse_desktop_exec(value: str) -> list[str]:
    """Split a desktop entry Exec value into arguments (Desktop Entry Specification 1.4).

    First the string-value escapes are undone, then quoted arguments are unquoted.
    Field codes are not expanded.
    """
    unescaped = unescape_desktop_string(value)
    arguments: list[str] = []
    current = None
    quoted = False
    index = 0
    while index < len(unescaped):
        character = unescaped[index]
        if quoted:
            if character == "\\" and unescaped[index + 1] in '"`$\\':
                current += unescaped[index + 1]
                index += 1
            elif character == '"':
                quoted = False
            else:
                current += character
        elif character == '"':
            quoted = True
            current = current or ""
        elif character == " ":
            if current is not None:
                arguments.append(current)
            current = None
        else:
            current = (current or "") + character
        index += 1
    if quoted:
        raise ValueError(f"unterminated quote in Exec value {value!r}")
    if current is not None:
        arguments.append(current)
    return [argument.replace("%%", "%") for argument in arguments]


# --- Desktop entry and AppStream metainfo -------------------------------------------------


def test_desktop_file_passes_validator():
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        pytest.skip("desktop-file-validate is not installed (Debian package desktop-file-utils)")

    result = subprocess.run([validator, str(DESKTOP_FILE)], capture_output=True, text=True)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == "", "validator printed errors, warnings or hints"


def test_desktop_file_keys():
    entry = read_desktop_entry(DESKTOP_FILE)

    assert entry["Type"] == "Application"
    assert entry["Name"] == "AppStream Launcher"
    assert entry["Exec"] == "appstream-launcher"
    assert entry["Icon"] == ICON_NAME
    assert entry["Terminal"] == "false"
    # Qt on X11 takes the WM_CLASS class from the application name, which app.py sets to the title.
    assert entry["StartupWMClass"] == "AppStream Launcher"
    for key in ("GenericName", "Comment", "Categories", "Keywords"):
        assert entry.get(key), f"{key} is missing or empty"


def test_metainfo_passes_validator():
    appstreamcli = shutil.which("appstreamcli")
    if appstreamcli is None:
        pytest.skip("appstreamcli is not installed (Debian package appstream)")

    result = subprocess.run(
        [appstreamcli, "validate", "--no-net", str(METAINFO_FILE)],
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr

    assert result.returncode == 0, output
    issue_lines = [line for line in output.splitlines() if line.startswith(("E:", "W:"))]
    assert issue_lines == [], output


def test_metainfo_matches_app():
    component = ElementTree.parse(METAINFO_FILE).getroot()

    assert component.get("type") == "desktop-application"
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable[@type='desktop-id']") == DESKTOP_FILE.name
    assert component.findtext("project_license") == "MIT"
    assert component.findtext("name") == "AppStream Launcher"
    assert component.findtext("provides/binary") == "appstream-launcher"
    assert component.find("content_rating") is not None
    release_versions = [release.get("version") for release in component.iterfind("releases/release")]
    assert launcher.__version__ in release_versions


# --- Generated icons ----------------------------------------------------------------------


@pytest.mark.parametrize("size", PNG_SIZES)
def test_hicolor_png_has_size(size):
    path = RESOURCES_DIR / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"

    info = read_png(path.read_bytes())

    assert (info.width, info.height) == (size, size)
    assert info.colour_type == 6, "expected RGBA so the rounded corners stay transparent"


def test_ico_entries_are_pngs():
    data = (RESOURCES_DIR / f"{ICON_NAME}.ico").read_bytes()

    reserved, image_type, count = struct.unpack("<HHH", data[:6])
    assert reserved == 0
    assert image_type == 1, "ICONDIR type 1 marks an icon, 2 a cursor"
    assert count == len(ICO_SIZES)

    sizes = []
    end_of_data = 6 + 16 * count
    for index in range(count):
        entry = data[6 + 16 * index : 6 + 16 * (index + 1)]
        width, height, palette, reserved, planes, bit_count, length, offset = struct.unpack(
            "<BBBBHHII", entry
        )
        size = width or 256
        assert (height or 256) == size, f"entry {index} is not square"
        assert palette == 0
        assert reserved == 0
        assert planes == 1
        assert bit_count == 32
        assert offset >= end_of_data, f"entry {index} overlaps the directory or an earlier image"
        assert offset + length <= len(data), f"entry {index} runs past the end of the file"

        info = read_png(data[offset : offset + length])
        assert (info.width, info.height) == (size, size), f"entry {index}"
        sizes.append(size)
        end_of_data = offset + length

    assert end_of_data == len(data), "trailing bytes after the last image"
    assert sizes == list(ICO_SIZES)


def test_icns_entries_are_pngs():
    data = (RESOURCES_DIR / f"{ICON_NAME}.icns").read_bytes()

    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)

    found_types = []
    position = 8
    while position < len(data):
        element_type = data[position : position + 4]
        element_length = struct.unpack(">I", data[position + 4 : position + 8])[0]
        assert element_length > 8, f"{element_type!r} element is empty"
        assert position + element_length <= len(data), f"{element_type!r} runs past the end"
        assert element_type in ICNS_SIZE_BY_TYPE, f"unexpected element type {element_type!r}"

        expected_size = ICNS_SIZE_BY_TYPE[element_type]
        info = read_png(data[position + 8 : position + element_length])
        assert (info.width, info.height) == (expected_size, expected_size), element_type
        found_types.append(element_type)
        position += element_length

    assert position == len(data)
    assert sorted(found_types) == sorted(ICNS_SIZE_BY_TYPE)


def test_package_icons_match_sources():
    svg_copy = PACKAGE_RESOURCES_DIR / f"{ICON_NAME}.svg"
    png_copy = PACKAGE_RESOURCES_DIR / f"{ICON_NAME}-256.png"
    png_source = RESOURCES_DIR / "icons" / "hicolor" / "256x256" / "apps" / f"{ICON_NAME}.png"

    assert svg_copy.read_bytes() == (RESOURCES_DIR / "icon.svg").read_bytes(), (
        "run scripts/make_icons.py after editing resources/icon.svg"
    )
    assert png_copy.read_bytes() == png_source.read_bytes()


def test_svg_renders_with_qtsvg():
    # A subprocess keeps the QGuiApplication that the renderer creates out of this
    # test session, where pytest-qt may need a QApplication.
    program = textwrap.dedent(
        f"""
        import importlib.util, sys
        spec = importlib.util.spec_from_file_location("make_icons", {str(MAKE_ICONS_SCRIPT)!r})
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        png = module.SvgRasterizer(module.SOURCE_SVG).render_png(24)
        sys.stdout.buffer.write(png)
        """
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, timeout=120)

    assert result.returncode == 0, result.stderr.decode(errors="replace")
    info = read_png(result.stdout)
    assert (info.width, info.height) == (24, 24)


# --- resource_path ------------------------------------------------------------------------


def test_resource_path_in_source_tree():
    path = resource_path(f"{ICON_NAME}.svg")

    assert path == PACKAGE_RESOURCES_DIR / f"{ICON_NAME}.svg"
    assert path.is_absolute()
    assert path.is_file()


def test_app_icon_path_is_256_png():
    path = app_icon_path()

    info = read_png(path.read_bytes())
    assert (info.width, info.height) == (256, 256)


def test_resource_path_missing_names_path():
    with pytest.raises(FileNotFoundError) as raised:
        resource_path("no-such-file.png")

    assert str(PACKAGE_RESOURCES_DIR / "no-such-file.png") in str(raised.value)


@pytest.mark.parametrize("name", ["", "/etc/passwd", "../pyproject.toml", "icons/../../x", "a\\b"])
def test_resource_path_rejects_invalid_name(name):
    with pytest.raises(ValueError, match="invalid resource name"):
        resource_path(name)


def test_resource_path_frozen_uses_meipass(tmp_path, monkeypatch):
    bundle_dir = tmp_path / "AppStream Launcher" / "_internal"
    bundled_icon = bundle_dir / "launcher" / "resources" / resource_paths.APP_ICON_FILE
    bundled_icon.parent.mkdir(parents=True)
    bundled_icon.write_bytes(b"icon")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle_dir), raising=False)

    assert app_icon_path() == bundled_icon
    assert resource_path(resource_paths.APP_ICON_FILE) == bundled_icon


def test_resource_path_frozen_missing_file(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)

    with pytest.raises(FileNotFoundError) as raised:
        resource_path("missing.svg")

    message = str(raised.value)
    assert str(tmp_path / "launcher" / "resources" / "missing.svg") in message
    assert "PyInstaller" in message


def test_resource_path_frozen_without_meipass(tmp_path, monkeypatch):
    executable = tmp_path / "app" / "appstream-launcher"
    data_file = tmp_path / "app" / "launcher" / "resources" / "x.txt"
    data_file.parent.mkdir(parents=True)
    data_file.write_text("x")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    monkeypatch.setattr(sys, "executable", str(executable))

    assert resource_path("x.txt") == data_file


def test_resource_paths_imports_no_qt():
    program = (
        "import sys, launcher.resource_paths; "
        "print(sorted(name for name in sys.modules if name.startswith(('PySide6', 'shiboken6'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=REPO_ROOT
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --- install-linux.sh ---------------------------------------------------------------------

requires_linux_bash = pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("bash") is None,
    reason="install-linux.sh needs Linux and bash",
)

# Cache files that update-desktop-database and gtk-update-icon-cache may leave behind.
# They index whatever is installed, so uninstalling does not delete them.
CACHE_FILE_NAMES = {"mimeinfo.cache", "icon-theme.cache"}


@pytest.fixture
def fake_build(tmp_path) -> Path:
    """A stand-in for a PyInstaller one-folder build whose executable prints a marker."""
    build_dir = tmp_path / "dist" / "AppStream Launcher"
    (build_dir / "_internal" / "launcher" / "resources").mkdir(parents=True)
    (build_dir / "_internal" / "launcher" / "resources" / "data.txt").write_text("bundled\n")
    executable = build_dir / "AppStream Launcher"
    executable.write_text("#!/bin/sh\necho fake-appstream-launcher \"$@\"\n")
    executable.chmod(0o755)
    return build_dir


def run_installer(home: Path, *arguments: str, data_home: Path | None = None):
    environment = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
    }
    if data_home is not None:
        environment["XDG_DATA_HOME"] = str(data_home)
    return subprocess.run(
        ["bash", str(INSTALL_SCRIPT), *arguments],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file() or path.is_symlink())


@requires_linux_bash
@pytest.mark.parametrize("custom_data_home", [False, True], ids=["default-data-home", "xdg-data-home"])
def test_install_then_uninstall(tmp_path, fake_build, custom_data_home):
    # Spaces, "$", "`", a double quote and a backslash in HOME exercise the Exec quoting.
    home = tmp_path / 'home dir $x `q` "q" back\\slash'
    home.mkdir()
    data_home = tmp_path / "xdg data" if custom_data_home else None
    expected_data_home = data_home or home / ".local" / "share"

    result = run_installer(home, str(fake_build), data_home=data_home)
    assert result.returncode == 0, result.stderr

    lib_dir = home / ".local" / "lib" / "appstream-launcher"
    executable = lib_dir / "AppStream Launcher"
    assert executable.is_file()
    assert (lib_dir / "_internal" / "launcher" / "resources" / "data.txt").read_text() == "bundled\n"

    bin_link = home / ".local" / "bin" / "appstream-launcher"
    assert bin_link.is_symlink()
    assert bin_link.resolve() == executable.resolve()
    launched = subprocess.run([str(bin_link), "--version"], capture_output=True, text=True)
    assert launched.stdout.strip() == "fake-appstream-launcher --version"

    icon_dir = expected_data_home / "icons" / "hicolor"
    for size in PNG_SIZES:
        installed_icon = icon_dir / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"
        source_icon = RESOURCES_DIR / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"
        assert installed_icon.read_bytes() == source_icon.read_bytes(), f"{size} px icon"
    scalable_icon = icon_dir / "scalable" / "apps" / f"{ICON_NAME}.svg"
    assert scalable_icon.read_bytes() == (RESOURCES_DIR / "icon.svg").read_bytes()

    installed_metainfo = expected_data_home / "metainfo" / METAINFO_FILE.name
    assert installed_metainfo.read_bytes() == METAINFO_FILE.read_bytes()

    installed_desktop = expected_data_home / "applications" / DESKTOP_FILE.name
    entry = read_desktop_entry(installed_desktop)
    assert parse_desktop_exec(entry["Exec"]) == [str(executable)]
    assert unescape_desktop_string(entry["TryExec"]) == str(executable)
    assert entry["Icon"] == ICON_NAME
    validator = shutil.which("desktop-file-validate")
    if validator is not None:
        validation = subprocess.run([validator, str(installed_desktop)], capture_output=True, text=True)
        assert validation.returncode == 0, validation.stdout + validation.stderr
        assert validation.stdout + validation.stderr == ""

    result = run_installer(home, "--uninstall", data_home=data_home)
    assert result.returncode == 0, result.stderr

    left_over = [path for path in files_under(tmp_path) if path.name not in CACHE_FILE_NAMES]
    left_over = [path for path in left_over if fake_build not in path.parents]
    assert left_over == []


@requires_linux_bash
def test_install_twice_replaces_files(tmp_path, fake_build):
    home = tmp_path / "home"
    home.mkdir()

    assert run_installer(home, str(fake_build)).returncode == 0
    (fake_build / "_internal" / "launcher" / "resources" / "data.txt").write_text("second\n")
    (fake_build / "new-file.txt").write_text("new\n")
    result = run_installer(home, str(fake_build))

    assert result.returncode == 0, result.stderr
    lib_dir = home / ".local" / "lib" / "appstream-launcher"
    assert (lib_dir / "_internal" / "launcher" / "resources" / "data.txt").read_text() == "second\n"
    assert (lib_dir / "new-file.txt").is_file()
    assert not any(path.name.startswith("appstream-launcher.new") for path in lib_dir.parent.iterdir())


@requires_linux_bash
def test_install_missing_build_folder(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    missing = tmp_path / "dist" / "AppStream Launcher"

    result = run_installer(home, str(missing))

    assert result.returncode != 0
    assert f"build folder not found: {missing}" in result.stderr
    assert "PyInstaller" in result.stderr
    assert files_under(home) == []


@requires_linux_bash
def test_install_build_without_executable(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    build_dir = tmp_path / "dist" / "AppStream Launcher"
    build_dir.mkdir(parents=True)

    result = run_installer(home, str(build_dir))

    assert result.returncode != 0
    assert f"no executable found in {build_dir}" in result.stderr
    assert files_under(home) == []


@requires_linux_bash
def test_install_keeps_foreign_command(tmp_path, fake_build):
    home = tmp_path / "home"
    foreign_command = home / ".local" / "bin" / "appstream-launcher"
    foreign_command.parent.mkdir(parents=True)
    foreign_command.write_text("#!/bin/sh\necho pip entry point\n")

    install = run_installer(home, str(fake_build))
    uninstall = run_installer(home, "--uninstall")

    assert install.returncode != 0
    assert f"{foreign_command} already exists" in install.stderr
    assert uninstall.returncode == 0
    assert "left" in uninstall.stderr
    assert foreign_command.read_text() == "#!/bin/sh\necho pip entry point\n"


@requires_linux_bash
def test_install_rejects_unknown_option(tmp_path):
    home = tmp_path / "home"
    home.mkdir()

    result = run_installer(home, "--frobnicate")

    assert result.returncode != 0
    assert "unknown option: --frobnicate" in result.stderr
