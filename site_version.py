"""python site_version.py [--check] [--site DIR]  — stamp site/sw.js with a hash of everything it precaches.

The service worker caches the site for offline use under a versioned name (`inkwell-<VERSION>`). Browsers
install a new worker only when sw.js changes byte for byte, so VERSION must change whenever any precached
file does: a new model, a new stylesheet, a new TF.js. This computes a SHA-256 over the files the worker may
precache (sw.js's APP_FILES, every one of its RUNTIME_FILES — each browser takes one —, models/index.json,
and for each task it lists models/<task>/metadata.json and the files that metadata.json lists), takes 12 hex
digits and rewrites the one line `const VERSION = '...';` in sw.js (through a temporary file and a rename, so
sw.js is never half-written). `--check` changes nothing and exits 1 when the line is stale.

Standard library only: GitHub Actions and `make convert` run it without the virtual environment.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

SITE = Path(__file__).resolve().parent / "site"
VERSION_LINE = re.compile(r"^const VERSION = '([0-9a-f]*)';$", re.MULTILINE)
APP_FILES = re.compile(r"^const APP_FILES = \[(.*?)\];$", re.MULTILINE | re.DOTALL)
RUNTIME_FILES = re.compile(r"^const RUNTIME_FILES = \{(.*?)\};$", re.MULTILINE | re.DOTALL)
MODELS_INDEX = "models/index.json"
# Files in site/ deliberately not precached: the worker itself (browsers always fetch it afresh to look for
# updates), GitHub Pages' marker that turns Jekyll off, and the 512-px icons, which only the manifest names
# (a browser fetches them online, when it installs the app to a home screen; the page never loads them).
# The licences of what TF.js bundles (tools/build_tfjs.mjs): published with the site, never downloaded by the page.
LICENCE_FILES = frozenset({"vendor/tfjs.js.LEGAL.txt", "vendor/tfjs-cpu.js.LEGAL.txt"})
NOT_PRECACHED = frozenset({"sw.js", ".nojekyll", "icons/icon-512.png", "icons/icon-maskable-512.png"}) | LICENCE_FILES


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: cannot be read ({error}); rebuild it with `make convert`") from error


def model_files(site_dir: Path = SITE) -> list[str]:
    """models/index.json, then for each task it lists: its metadata.json and the files that lists."""
    if not (site_dir / MODELS_INDEX).exists():
        return []
    paths = [MODELS_INDEX]
    try:
        for task in read_json(site_dir / MODELS_INDEX)["tasks"]:
            folder = f"models/{task['name']}/"
            paths.append(folder + "metadata.json")
            paths += [folder + file["path"] for file in read_json(site_dir / folder / "metadata.json")["files"]]
    except (KeyError, TypeError) as error:
        raise ValueError(f"{site_dir / MODELS_INDEX}: a task or its metadata.json lacks {error}; rebuild with `make convert`") from error
    return paths


def precached_files(site_dir: Path = SITE) -> list[str]:
    """Paths relative to site_dir that sw.js may precache, sorted: APP_FILES, RUNTIME_FILES and every task's model files."""
    source = (site_dir / "sw.js").read_text(encoding="utf-8")
    paths = set(model_files(site_dir))
    for pattern, declaration in ((APP_FILES, "const APP_FILES = [...];"), (RUNTIME_FILES, "const RUNTIME_FILES = {...};")):
        match = pattern.search(source)
        if match is None:
            raise ValueError(f"{site_dir / 'sw.js'}: no `{declaration}` list")
        # './' is the site's index.html, precached under the address a visitor opens. Comments are left out first: an
        # apostrophe in one would open a string.
        listed = re.sub(r"//[^\n]*", "", match.group(1))
        paths.update("index.html" if path == "./" else path for path in re.findall(r"'([^']+)'", listed))
    return sorted(paths)


def compute_version(site_dir: Path = SITE) -> str:
    """12 hex digits of a SHA-256 over every precached file's path and contents."""
    digest = hashlib.sha256()
    for path in precached_files(site_dir):
        file = site_dir / path
        if not file.is_file():
            raise ValueError(f"{file}: precached by sw.js but missing")
        digest.update(f"{path}\0{hashlib.sha256(file.read_bytes()).hexdigest()}\n".encode())
    return digest.hexdigest()[:12]


def current_version(site_dir: Path = SITE) -> str:
    """The VERSION written in sw.js now."""
    match = VERSION_LINE.search((site_dir / "sw.js").read_text(encoding="utf-8"))
    if match is None:
        raise ValueError(f"{site_dir / 'sw.js'}: no line `const VERSION = '<hex>';`")
    return match.group(1)


def stamp(site_dir: Path = SITE) -> str:
    """Rewrite sw.js's VERSION line if it is stale; returns the version."""
    version = compute_version(site_dir)
    if current_version(site_dir) != version:
        sw = site_dir / "sw.js"
        temporary = sw.with_name(".sw.js.tmp")
        temporary.write_text(VERSION_LINE.sub(f"const VERSION = '{version}';", sw.read_text(encoding="utf-8"), count=1), encoding="utf-8")
        temporary.replace(sw)
    return version


def check(site_dir: Path = SITE) -> bool:
    """True when sw.js's VERSION matches the precached files."""
    return current_version(site_dir) == compute_version(site_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if sw.js's VERSION is stale; change nothing")
    parser.add_argument("--site", type=Path, default=SITE, help="the site directory (default: site/)")
    args = parser.parse_args(argv)
    if not (args.site / "sw.js").is_file():  # A mistyped --site, named with its remedy rather than as Errno 2.
        problem = "no such directory" if not args.site.exists() else "not a directory" if not args.site.is_dir() else "no sw.js in it"
        print(f"site_version.py: --site {args.site}: {problem}; pass the site directory, which holds sw.js (default: site/)", file=sys.stderr)
        return 2
    try:
        return run(args.site, args.check)
    except (OSError, ValueError) as error:
        print(f"site_version.py: {error}", file=sys.stderr)
        return 2


def run(site_dir: Path, check_only: bool) -> int:
    if check_only:
        if check(site_dir):
            print(f"sw.js VERSION {current_version(site_dir)} is current")
            return 0
        print(f"sw.js VERSION {current_version(site_dir)} is stale: run `python site_version.py`", file=sys.stderr)
        return 1
    print(f"sw.js VERSION {stamp(site_dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
