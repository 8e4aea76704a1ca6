#!/usr/bin/env python3
"""Render resources/icon.svg into the PNG, ICO and ICNS files that packaging uses.

Outputs, all relative to the repository root:

* resources/icons/hicolor/<N>x<N>/apps/appstream-launcher.png for every N in PNG_SIZES
  (the freedesktop hicolor theme layout that scripts/install-linux.sh copies)
* resources/appstream-launcher.ico (Windows, PNG-compressed entries)
* resources/appstream-launcher.icns (macOS, PNG-encoded entries)
* launcher/resources/appstream-launcher.svg and appstream-launcher-256.png
  (package data that the running app loads as its window icon)

The generated files are kept in the repository, so builds do not need this script.
Run it again after editing the SVG. Files whose content is unchanged are not rewritten.

Rendering uses QtSvg from PySide6 on the offscreen platform, so no display is needed.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE_SVG = REPO_ROOT / "resources" / "icon.svg"
RESOURCES_DIR = REPO_ROOT / "resources"
PACKAGE_RESOURCES_DIR = REPO_ROOT / "launcher" / "resources"

ICON_NAME = "appstream-launcher"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)

# The ICO directory stores width and height in one byte each, with 0 meaning 256,
# so 256 px is the largest size an ICO entry can declare.
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)

# ICNS element types that may contain a PNG, with the pixel size of each. The ic11..ic14
# and ic10 types are the @2x (HiDPI) images for 16, 32, 128, 256 and 512 pt. macOS reads
# all of them since Mac OS X 10.7. Source: image/icns.ksy in kaitai-io/kaitai_struct_formats.
ICNS_TYPES = (
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic07", 128),
    (b"ic13", 256),
    (b"ic08", 256),
    (b"ic14", 512),
    (b"ic09", 512),
    (b"ic10", 1024),
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def hicolor_png_path(root: Path, size: int) -> Path:
    """Return the hicolor theme path of the PNG icon of `size` px under `root`."""
    return root / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"


class SvgRasterizer:
    """QtSvg renderer of one SVG file to square PNG images."""

    def __init__(self, svg_path: Path) -> None:
        # Rendering needs no display, and the offscreen platform plugin lets
        # QGuiApplication start on build machines that have none.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"

        from PySide6.QtGui import QGuiApplication
        from PySide6.QtSvg import QSvgRenderer

        self._app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
        self._renderer = QSvgRenderer(str(svg_path))
        if not self._renderer.isValid():
            raise ValueError(f"{svg_path} is not a valid SVG file that QtSvg can render")

    def render_png(self, size: int) -> bytes:
        """Render the SVG at `size` x `size` px and return the image encoded as PNG."""
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
        from PySide6.QtGui import QImage, QPainter

        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)

        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self._renderer.render(painter)
        painter.end()

        # PNG stores straight (non-premultiplied) alpha.
        image = image.convertToFormat(QImage.Format.Format_ARGB32)

        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buffer, "PNG"):
            raise RuntimeError(f"Qt failed to encode the {size} px icon as PNG")
        buffer.close()
        return bytes(data.data())


def build_ico(png_by_size: dict[int, bytes]) -> bytes:
    """Build a Windows ICO file whose entries are the given PNG images, smallest first.

    Layout: a 6-byte ICONDIR header, one 16-byte ICONDIRENTRY per image, then the
    PNG data. Windows Vista and later read PNG-compressed entries.
    """
    sizes = sorted(png_by_size)
    header = struct.pack("<HHH", 0, 1, len(sizes))  # reserved, type 1 = icon, image count

    entries = b""
    offset = len(header) + 16 * len(sizes)
    for size in sizes:
        if not 1 <= size <= 256:
            raise ValueError(f"ICO entries must be 1 to 256 px wide, got {size} px")
        png = png_by_size[size]
        dimension_byte = 0 if size == 256 else size
        entries += struct.pack(
            "<BBBBHHII",
            dimension_byte,  # width
            dimension_byte,  # height
            0,  # palette colour count, 0 = no palette
            0,  # reserved
            1,  # colour planes
            32,  # bits per pixel
            len(png),
            offset,
        )
        offset += len(png)

    return header + entries + b"".join(png_by_size[size] for size in sizes)


def build_icns(png_by_type: list[tuple[bytes, bytes]]) -> bytes:
    """Build a macOS ICNS file from (4-byte type, PNG data) pairs.

    Layout: the magic b"icns" and the total file length as big-endian uint32, then one
    element per image: its type, its length including this 8-byte element header,
    and the PNG data.
    """
    elements = b""
    for icon_type, png in png_by_type:
        if len(icon_type) != 4:
            raise ValueError(f"ICNS element types are 4 bytes long, got {icon_type!r}")
        elements += icon_type + struct.pack(">I", 8 + len(png)) + png
    return b"icns" + struct.pack(">I", 8 + len(elements)) + elements


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` to `path` unless the file already has exactly that content.

    Returns whether the file was written.
    """
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def generate_icons(svg_path: Path) -> list[Path]:
    """Render every output file from `svg_path` and return the paths that changed."""
    rasterizer = SvgRasterizer(svg_path)
    needed_sizes = set(PNG_SIZES) | set(ICO_SIZES) | {size for _, size in ICNS_TYPES}
    png_by_size = {size: rasterizer.render_png(size) for size in sorted(needed_sizes)}

    outputs: dict[Path, bytes] = {}
    for size in PNG_SIZES:
        outputs[hicolor_png_path(RESOURCES_DIR, size)] = png_by_size[size]

    outputs[RESOURCES_DIR / f"{ICON_NAME}.ico"] = build_ico(
        {size: png_by_size[size] for size in ICO_SIZES}
    )
    outputs[RESOURCES_DIR / f"{ICON_NAME}.icns"] = build_icns(
        [(icon_type, png_by_size[size]) for icon_type, size in ICNS_TYPES]
    )

    outputs[PACKAGE_RESOURCES_DIR / f"{ICON_NAME}.svg"] = svg_path.read_bytes()
    outputs[PACKAGE_RESOURCES_DIR / f"{ICON_NAME}-256.png"] = png_by_size[256]

    return [path for path, data in outputs.items() if write_if_changed(path, data)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--svg",
        type=Path,
        default=SOURCE_SVG,
        help=f"source SVG to render (default: {SOURCE_SVG.relative_to(REPO_ROOT)})",
    )
    args = parser.parse_args(argv)

    if not args.svg.is_file():
        parser.error(f"source SVG not found: {args.svg}")

    changed = generate_icons(args.svg)
    for path in changed:
        print(f"wrote {path.relative_to(REPO_ROOT)}")
    if not changed:
        print("all icon files are up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
