"""python tools/font_licences.py --out data/FONTS.md  — the letters data set's fonts and their licences.

One row per family of training/fonts.py's catalogue: its split, kind, Debian package (or hershey-fonts) and
the licence of its font files, read from the package's /usr/share/doc/<package>/copyright. Machine-readable
copyright files (DEP-5) are read stanza by stanza: the last `Files:` stanza that matches a font file gives its
licence, as the format says (a pattern with folders matches when its folder names the file's folder, e.g.
app/qml/fonts/modern-hermit/* for truetype/hermit/). The few packages whose copyright file is free text are
in FREE_TEXT, read by hand from those files. Only the fonts' own rendered glyphs are used, never shipped:
the page ships a model trained on them, not the fonts.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from training.files import write_atomic  # noqa: E402
from training.fonts import FAMILIES, HERSHEY_PACKAGE, Family  # noqa: E402

DOC_ROOT = Path("/usr/share/doc")
# Copyright files in free text (not DEP-5), as read in each package's /usr/share/doc/<package>/copyright.
FREE_TEXT = {
    "fonts-century-catalogue": "OFL-1.0",
    "fonts-dustin": "GPL-2",
    "fonts-gfs-neohellenic": "OFL-1.1",
    "fonts-inconsolata": "OFL-1.0",
    "fonts-jura": "OFL-1.1 (Kayah Li glyphs, not used: GPL-3 or OFL-1.1)",
    "fonts-liberation": "GPL-2 with font exception",
    "fonts-mph-2b-damase": "public domain",
    "fonts-oldstandard": "OFL-1.0",
    "fonts-sjfonts": "GPL-2 with font exception",
    "fonts-tomsontalks": "OFL-1.1",
}
# Short names some copyright files spell their own way, written as SPDX does. "SIL Open Font License"
# (fonts-averia-*) is version 1.1 by the licence text that follows it.
ALIASES = {"SIL-1.1": "OFL-1.1", "SIL-OFL-1.1": "OFL-1.1", "SIL_Open_Font_License_1.1": "OFL-1.1", "SIL Open Font License": "OFL-1.1"}
# What the stanza a file matches does not say alone.
NOTES = {"fonts-dkg-handwriting": "the font's source, dkg-handwriting.sfd: OFL-1.1"}
HERSHEY_LICENCE = "MIT (PyPI hershey-fonts 2.1.0, © 2020 apshu)"


def copyright_stanzas(text: str) -> list[tuple[list[str], str]]:
    """(Files patterns, License short name) of each DEP-5 files stanza, in order."""
    stanzas = []
    for block in re.split(r"\n\s*\n", text):
        fields = {}
        for match in re.finditer(r"^(Files|License):[ \t]*(.*(?:\n[ \t]+.*)*)", block, re.MULTILINE):
            fields.setdefault(match.group(1), match.group(2))
        if "Files" in fields and "License" in fields:
            stanzas.append((fields["Files"].split(), fields["License"].splitlines()[0].strip()))
    return stanzas


def pattern_matches(pattern: str, file: str) -> bool:
    """A DEP-5 pattern against an installed font file (a path under /usr/share/fonts)."""
    *folders, name = pattern.split("/")
    if not fnmatch.fnmatch(os.path.basename(file), name):
        return False
    installed = os.path.basename(os.path.dirname(file)).lower()
    return not folders or installed in folders[-1].lower()


def file_licence(package: str, file: str) -> str:
    if package in FREE_TEXT:
        return FREE_TEXT[package]
    text = (DOC_ROOT / package / "copyright").read_text(errors="replace")
    found = None
    for patterns, licence in copyright_stanzas(text):
        if not all(pattern.startswith("debian/") for pattern in patterns) and any(pattern_matches(p, file) for p in patterns):
            found = licence
    if found is None:
        raise SystemExit(f"{DOC_ROOT / package / 'copyright'}: no Files stanza matches {file}; add the package to FREE_TEXT")
    return found


def family_licence(family: Family) -> str:
    if family.package == HERSHEY_PACKAGE:
        return HERSHEY_LICENCE
    licence = ", ".join(sorted({ALIASES.get(found, found) for found in (file_licence(family.package, file) for file in family.files)}))
    return f"{licence} ({NOTES[family.package]})" if family.package in NOTES else licence


def table(families: tuple[Family, ...] = FAMILIES) -> str:
    order = {"train": 0, "validation": 1, "test": 2}
    rows = sorted(families, key=lambda family: (order[family.split], family.kind, family.name))
    counts = {split: sum(family.split == split for family in families) for split in order}
    lines = [
        "# The letters data set's fonts",
        "",
        f"{len(families)} families ({', '.join(f'{count} {split}' for split, count in counts.items())}), split by family "
        "(training/fonts.py). Licences as each Debian package's `/usr/share/doc/<package>/copyright` states them "
        "for the font files used (`python tools/font_licences.py --out data/FONTS.md` rewrites this file); the "
        "Hershey fonts come from PyPI `hershey-fonts`. The fonts are drawn into training and test images only: "
        "neither the site nor the repository ships a font file. `fonts.json` beside a run (and beside the shipped "
        "model, models/letters/) records the SHA-256 of every file.",
        "",
        "| split | kind | family | package | licence |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {f.split} | {f.kind} | {f.name} | {f.package} | {family_licence(f)} |" for f in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the fonts' licence table (Markdown).")
    parser.add_argument("--out", type=Path, default=None, help="write here (default: print)")
    args = parser.parse_args(argv)
    text = table()
    if args.out is None:
        print(text, end="")
        return 0
    try:  # Whole or not at all, through a temporary file of its own (a fixed name could be the user's file).
        write_atomic(args.out, text.encode())
    except OSError as error:
        print(f"error: --out {args.out}: cannot write it ({error.strerror or error}); choose a file in a folder that exists and you can write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
