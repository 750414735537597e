"""The Teams app package: `python -m bot.channels.teams.package --domain HOST --website URL`.

Teams installs an app from a zip holding `manifest.json` and its two icons at the top level. The manifest in
`teams/` names its deployment-specific values as `${{NAME}}` (the Teams Toolkit convention); this command
fills them in (the bot's Microsoft app id, the host of the messaging endpoint, the school's web pages),
refuses to package while any is missing, and draws the icons Teams asks for if they are not there yet:
`color.png`, 192x192 in full colour, and `outline.png`, 32x32, white on transparent.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.errors import PolicybotError
from bot.paths import home

COLOR_SIZE, OUTLINE_SIZE = 192, 32
ACCENT = (0x1F, 0x5C, 0x99)
_PLACEHOLDER = re.compile(r"\$\{\{([A-Z_]+)\}\}")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")

Pixel = tuple[int, int, int, int]


def app_dir() -> Path:
    return home() / "teams"


# -- icons --------------------------------------------------------------------------------------------


def png(size: int, pixel: Callable[[float, float], Pixel]) -> bytes:
    """A square RGBA PNG whose pixel at (x, y), both in 0..1, is `pixel(x, y)` (standard library only)."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel((x + 0.5) / size, (y + 0.5) / size)) for x in range(size))
                    for y in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise PolicybotError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _in_shield(x: float, y: float, *, inset: float = 0.0) -> bool:
    """A shield: straight sides down to the middle, then curving to a point at the bottom."""
    left, right, top, bottom = 0.22 + inset, 0.78 - inset, 0.18 + inset, 0.84 - inset
    if not (left <= x <= right and top <= y <= bottom):
        return False
    middle = (top + bottom) / 2
    if y <= middle:
        return True
    half = (right - left) / 2 * (1 - ((y - middle) / (bottom - middle)) ** 2) ** 0.5
    return abs(x - (left + right) / 2) <= half


def _tick(x: float, y: float, width: float) -> bool:
    """A check mark inside the shield."""
    def near(ax: float, ay: float, bx: float, by: float) -> bool:
        t = max(0.0, min(1.0, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)))
        return ((x - ax - t * (bx - ax)) ** 2 + (y - ay - t * (by - ay)) ** 2) ** 0.5 <= width

    return near(0.36, 0.50, 0.47, 0.61) or near(0.47, 0.61, 0.66, 0.38)


def color_icon(x: float, y: float) -> Pixel:
    """White shield with an accent-coloured tick, on the accent colour (full bleed, as Teams crops it)."""
    if _in_shield(x, y) and not _tick(x, y, 0.045):
        return (255, 255, 255, 255)
    return (*ACCENT, 255)


def outline_icon(x: float, y: float) -> Pixel:
    """The shield's outline and tick in white on transparent, as Teams requires of the outline icon."""
    edge = _in_shield(x, y) and not _in_shield(x, y, inset=0.09)
    return (255, 255, 255, 255) if edge or _tick(x, y, 0.05) else (0, 0, 0, 0)


def write_icons(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "color.png").write_bytes(png(COLOR_SIZE, color_icon))
    (folder / "outline.png").write_bytes(png(OUTLINE_SIZE, outline_icon))


# -- the package --------------------------------------------------------------------------------------


def fill_manifest(template: str, values: dict[str, str]) -> dict:
    """The manifest with every `${{NAME}}` replaced; a missing value is an error naming the option to pass."""
    missing = sorted({name for name in _PLACEHOLDER.findall(template) if not values.get(name)})
    if missing:
        raise PolicybotError(f"teams/manifest.json needs {', '.join(missing)} - pass them as options "
                             "(see `python -m bot.channels.teams.package --help`)")
    app_id = values.get("MICROSOFT_APP_ID", "")
    if app_id and not _GUID.match(app_id):
        raise PolicybotError(f"MICROSOFT_APP_ID {app_id!r} is not an app id: copy the Application (client) ID "
                             "of the bot's Azure registration (a GUID)")
    filled = _PLACEHOLDER.sub(lambda m: values[m.group(1)].replace("\\", "\\\\").replace('"', '\\"'), template)
    return json.loads(filled)


def build_package(out: Path, *, values: dict[str, str], folder: Path | None = None) -> Path:
    """Zip the filled manifest and its icons into `out` (drawing the icons first if they are missing)."""
    folder = folder or app_dir()
    manifest = fill_manifest((folder / "manifest.json").read_text(encoding="utf-8"), values)
    if not (folder / "color.png").exists() or not (folder / "outline.png").exists():
        write_icons(folder)
    for name, size in (("color.png", COLOR_SIZE), ("outline.png", OUTLINE_SIZE)):
        found = png_size((folder / name).read_bytes())
        if found != (size, size):
            raise PolicybotError(f"teams/{name} is {found[0]}x{found[1]}; Teams needs {size}x{size} - delete it "
                                 "and run this command again to redraw it")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        package.write(folder / "color.png", "color.png")
        package.write(folder / "outline.png", "outline.png")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.channels.teams.package", description=__doc__.splitlines()[0])
    parser.add_argument("--app-id", default=os.environ.get("MICROSOFT_APP_ID", ""),
                        help="the bot's Microsoft app id (default: $MICROSOFT_APP_ID)")
    parser.add_argument("--domain", default="", help="host of the messaging endpoint, e.g. policybot.example.org")
    parser.add_argument("--website", default="", help="the school's website (https://...)")
    parser.add_argument("--privacy", default="", help="the school's privacy notice (default: WEBSITE/privacy)")
    parser.add_argument("--terms", default="", help="terms of use (default: WEBSITE/terms)")
    parser.add_argument("--out", default=str(Path("dist") / "policybot-teams.zip"), help="the zip to write")
    parser.add_argument("--icons", action="store_true", help="redraw teams/color.png and teams/outline.png only")
    args = parser.parse_args(argv)
    if args.icons:
        write_icons(app_dir())
        print(f"drew {app_dir() / 'color.png'} and {app_dir() / 'outline.png'}")
        return 0
    website = args.website.rstrip("/")
    values = {"MICROSOFT_APP_ID": args.app_id.strip(), "BOT_DOMAIN": args.domain.strip(), "WEBSITE_URL": website,
              "PRIVACY_URL": args.privacy or (f"{website}/privacy" if website else ""),
              "TERMS_URL": args.terms or (f"{website}/terms" if website else "")}
    try:
        out = build_package(Path(args.out), values=values)
    except PolicybotError as exc:
        print(f"policybot: {exc}", file=sys.stderr)
        return 2
    print(f"{out}: upload it in Teams (Apps > Manage your apps > Upload an app) or the Teams admin centre")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
