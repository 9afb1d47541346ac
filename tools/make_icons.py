"""python tools/make_icons.py  — draw Inkwell's app icons into site/icons/ (PNG 192, 512 and maskable 512).

The design matches site/icons/icon.svg: a handwritten "7" in pale ink on a deep ink-blue tile. Drawn at 4x
and downsampled for smooth edges. The maskable icon fills the whole square and keeps the glyph inside the
central 80% safe zone, as launchers crop it to circles and squircles.

Each icon is then reduced to a palette of PALETTE_COLOURS (Pillow's fast octree, no dithering; alpha kept),
which takes the three PNGs from 43.9 KB to about 8.9 KB with no visible change: the design has three flat
colours and their anti-aliased edges. Reproducible: the same Pillow (requirements.txt) writes the same bytes,
which tests/test_icons.py checks against the committed files. `--out DIR` writes elsewhere.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parent.parent / "site" / "icons"
TILE = (31, 58, 95)
INK = (246, 244, 239)
DROP = (122, 162, 255)
PALETTE_COLOURS = 16
ICON_SPECS = (("icon-192.png", 192, False), ("icon-512.png", 512, False), ("icon-maskable-512.png", 512, True))


def draw_icon(size: int, maskable: bool) -> Image.Image:
    scale = 4
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=TILE)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.22, fill=TILE)
    # The glyph lives in a unit square, shrunk into the safe zone for the maskable icon.
    inset = 0.2 if maskable else 0.08
    unit = lambda x, y: (big * (inset + x * (1 - 2 * inset)), big * (inset + y * (1 - 2 * inset)))  # noqa: E731
    pen = big * (0.1 if not maskable else 0.08)
    stroke = [unit(0.28, 0.3), unit(0.72, 0.3), unit(0.45, 0.78)]
    draw.line(stroke, fill=INK, width=round(pen), joint="curve")
    for x, y in (stroke[0], stroke[-1]):
        draw.ellipse((x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2), fill=INK)
    drop_x, drop_y = unit(0.7, 0.72)
    radius = pen * 0.55
    draw.ellipse((drop_x - radius, drop_y - radius, drop_x + radius, drop_y + radius), fill=DROP)
    return image.resize((size, size), Image.LANCZOS)


def quantise(image: Image.Image) -> Image.Image:
    """The icon as a PALETTE_COLOURS-colour palette image (alpha kept in the palette), not dithered."""
    return image.quantize(colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)


def write_icons(directory: Path) -> list[Path]:
    """Draw every icon into `directory` (each through a temporary file and a rename); the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, size, maskable in ICON_SPECS:
        target = directory / name
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
        try:
            with os.fdopen(handle, "wb") as stream:
                quantise(draw_icon(size, maskable)).save(stream, format="PNG", optimize=True)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ICONS, help="where the PNGs go (default site/icons/)")
    args = parser.parse_args(argv)
    for path in write_icons(args.out):
        print(path, path.stat().st_size, "bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
