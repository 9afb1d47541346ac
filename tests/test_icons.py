"""tools/make_icons.py reproduces the committed icons byte for byte, and they stay small palette PNGs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "site" / "icons"


def load_make_icons():
    spec = importlib.util.spec_from_file_location("make_icons", ROOT / "tools" / "make_icons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_icons_reproduces_the_committed_files(tmp_path):
    make_icons = load_make_icons()
    written = make_icons.write_icons(tmp_path)
    assert [path.name for path in written] == [name for name, _, _ in make_icons.ICON_SPECS]
    for path in written:
        assert path.read_bytes() == (ICONS / path.name).read_bytes(), f"site/icons/{path.name} is not what tools/make_icons.py draws: run it"


def test_icons_are_palette_images_of_their_size():
    make_icons = load_make_icons()
    for name, size, _ in make_icons.ICON_SPECS:
        with Image.open(ICONS / name) as image:
            assert image.mode == "P" and image.size == (size, size), f"{name}: {image.mode} {image.size}"
    total = sum((ICONS / name).stat().st_size for name, _, _ in make_icons.ICON_SPECS)
    assert total < 12_000, f"the PNG icons weigh {total:,} bytes"
