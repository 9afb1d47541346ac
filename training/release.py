"""python convert.py --finish  — complete an interrupted release; convert.py makes every release through this module.

A release is one step that either happens or does not: the new model folder, the Keras source,
site/models/index.json and the service worker's version (sw.js) are staged first, a journal naming every move is
written, then the moves are made. A failure or kill after the journal is written is rolled forward by the next
`convert.py` run (`make convert` runs `convert.py --finish` first); one before it leaves the published files as
they were. TF.js, built for the shipped models' layers and kernels (tools/build_tfjs.mjs), is rebuilt in the
staging area and released with the model when it changes. The staging area is .inkwell-release/ beside site/,
never inside it, so a Pages deploy never publishes a half-made release. One release at a time per site: a second
convert.py is refused instead of mixing two releases.

convert.py replaces only folders it wrote: a model folder holding metadata.json and files that metadata.json
lists (some may be missing: make deletes model.json when a `make convert` is interrupted), or a source folder
holding exactly the files its source.json lists, unchanged (convert.py writes source.json at each release;
file names alone do not tell a run's folder or a user's report.md from ours). Anything else given as --out or
--source-out is refused with one line and left untouched, and so are an --out and a --source-out that are one
folder or nested, and a --source-out that is the run or lies inside it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Iterator

from training.files import write_atomic
from training.tasks import TASKS, shipped_tasks

ROOT = Path(__file__).resolve().parent.parent
# Written into the source folder at each release: the run its files came from and each file's SHA-256. Only a
# folder whose files are exactly these, unchanged, is replaced by the next release.
SOURCE_MARKER = "source.json"
RELEASE_DIR = ".inkwell-release"  # beside site/ (or beside --out outside a site); ours alone
JOURNAL = "journal.json"


# Defined here, beside the release that refuses with it too; convert.py imports it, so that convert.main and the
# benchmarks catch one exception for every refusal, whichever step made it.
class ConversionError(Exception):
    """Conversion cannot go on; the message is one line naming the file or value and the remedy."""


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def file_entry(directory: Path, path: str) -> dict:
    """What metadata.json and source.json record of a file: its path, bytes and SHA-256."""
    return {"path": path, "bytes": (directory / path).stat().st_size, "sha256": sha256_file(directory / path)}


# --- What may be replaced --------------------------------------------------------------------------------


def check_destinations(out_dir: Path, source_dir: Path | None, run_dir: Path) -> None:
    """Refuse, before any work, an --out or --source-out that a release may not replace (see the docstring)."""
    check_writable(out_dir)
    check_model_folder(out_dir)
    if source_dir is not None:
        check_source_apart(source_dir, out_dir, run_dir)
        check_source_folder(source_dir)


def few(names) -> str:
    """The first four of `names`, sorted, for a one-line message."""
    names = sorted(names)
    return ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")


def listing(directory: Path) -> str:
    return few(path.name for path in directory.iterdir())


def check_model_folder(out_dir: Path) -> None:
    """--out must be new, empty, or a model folder convert.py wrote: metadata.json and files it lists. A listed
    file may be missing (replacing the folder loses nothing of the user's): make deletes its target,
    model.json, when a `make convert` is interrupted after the release, and the next one must repair that."""
    if not out_dir.exists() and not out_dir.is_symlink():
        return
    refuse = f"--out {out_dir}: {{}}; refusing to replace it: pass a model folder convert.py wrote (site/models/<task>) or a new directory"
    if out_dir.is_symlink() or not out_dir.is_dir():
        raise ConversionError(refuse.format("not a directory"))
    names = {path.name for path in out_dir.iterdir()}
    if not names:
        return
    try:
        listed = {entry["path"] for entry in json.loads((out_dir / "metadata.json").read_text())["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        raise ConversionError(refuse.format(f"holds {listing(out_dir)} but no metadata.json of a converted model")) from None
    unlisted = names - listed - {"metadata.json"}
    if unlisted:
        raise ConversionError(refuse.format(f"holds files its metadata.json does not list ({few(unlisted)})"))


def source_marker(directory: Path, run: str) -> dict:
    """source.json for a source folder: the run its files came from (as metadata.json's source.run names it)
    and the bytes and SHA-256 of each file in it."""
    names = sorted(path.name for path in directory.iterdir() if path.name != SOURCE_MARKER)
    return {"run": run, "files": [file_entry(directory, name) for name in names]}


def write_source_marker(directory: Path, run: str) -> None:
    """Mark `directory` as a source folder convert.py wrote (at each release, and once for the folders committed
    before source.json existed)."""
    write_atomic(directory / SOURCE_MARKER, (json.dumps(source_marker(directory, run), indent=2) + "\n").encode())


def check_source_folder(source_dir: Path) -> None:
    """--source-out must be new, empty, or a source folder convert.py wrote: its source.json and exactly the
    files that lists, each with the SHA-256 it lists. A run's folder or a user's holds the same names
    (model.h5, report.md, ...), so names alone prove nothing; a file changed since the release is the user's."""
    if not source_dir.exists() and not source_dir.is_symlink():
        return
    refuse = f"--source-out {source_dir}: {{}}; refusing to replace it: pass a source folder convert.py wrote (models/<task>, unchanged) or a new directory"
    if source_dir.is_symlink() or not source_dir.is_dir():
        raise ConversionError(refuse.format("not a directory"))
    names = {path.name for path in source_dir.iterdir()}
    if not names:
        return
    try:
        listed = {entry["path"]: entry["sha256"] for entry in json.loads((source_dir / SOURCE_MARKER).read_text())["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        raise ConversionError(refuse.format(f"holds {listing(source_dir)} but no {SOURCE_MARKER} of a source folder convert.py wrote")) from None
    unlisted, missing = names - set(listed) - {SOURCE_MARKER}, set(listed) - names
    if unlisted:
        left = f" (left by an earlier release after git put the folder back? remove them: git clean -f {source_dir})"
        raise ConversionError(refuse.format(f"holds files its {SOURCE_MARKER} does not list ({few(unlisted)}){left}"))
    if missing:
        raise ConversionError(refuse.format(f"lacks files its {SOURCE_MARKER} lists ({few(missing)})"))

    def unchanged(name: str) -> bool:
        path = source_dir / name
        try:
            return path.is_file() and not path.is_symlink() and sha256_file(path) == listed[name]
        except OSError:
            return False

    changed = [name for name in listed if not unchanged(name)]
    if changed:
        raise ConversionError(refuse.format(f"files changed since convert.py wrote them ({few(changed)})"))


def overlaps(a: Path, b: Path) -> bool:
    """Whether two folders are one, or one lies inside the other (symlinks followed)."""
    a, b = Path(a).resolve(), Path(b).resolve()
    return a == b or a in b.parents or b in a.parents


def check_source_apart(source_dir: Path, out_dir: Path, run_dir: Path) -> None:
    """The release moves each folder into place whole, so the source folder must be apart from the web model
    (the second move would throw the first away) and from the run it is copied from (which it would delete)."""
    if overlaps(source_dir, out_dir):
        raise ConversionError(f"--source-out {source_dir}: the same folder as --out {out_dir}, or nested with it; pass two separate folders (models/<task> and site/models/<task>)")
    if overlaps(source_dir, run_dir):
        raise ConversionError(f"--source-out {source_dir}: the same folder as --run {run_dir}, or nested with it; pass a --source-out outside the run (models/<task>)")


def check_writable(out_dir: Path) -> None:
    parent = out_dir.parent
    if not parent.is_dir():
        raise ConversionError(f"{parent}: output's parent directory does not exist; create it or pass another --out")
    if not os.access(parent, os.W_OK) or (out_dir.exists() and not os.access(out_dir, os.W_OK)):
        raise ConversionError(f"{out_dir}: not writable; fix its permissions or pass another --out")


# --- What a release into a site carries besides the model --------------------------------------------------


def site_of(out_dir: Path) -> Path | None:
    """The site a model folder belongs to (<site>/models/<task>, with <site>/sw.js), or None."""
    site = out_dir.parent.parent
    return site if out_dir.parent.name == "models" and (site / "sw.js").is_file() else None


def models_index(site: Path, adding: str) -> dict:
    """site/models/index.json: the tasks whose models the site ships, in TASKS order (the first is the default)."""
    already = shipped_tasks(site)
    shipped = [task for name, task in TASKS.items() if name == adding or name in already]
    return {"tasks": [{"name": task.name, "title": task.title} for task in shipped]}


def staged_site_files(site: Path, task: str, staged_model: Path, release_dir: Path) -> dict[Path, Path]:
    """The site's own files a release of `task` changes, staged (staged path -> published path): models/index.json
    naming the task, and the TF.js files that change (staged_tfjs)."""
    (release_dir / "index.json").write_text(json.dumps(models_index(site, task), indent=2) + "\n")
    return {release_dir / "index.json": site / "models" / "index.json", **staged_tfjs(site, task, staged_model, release_dir)}


def staged_tfjs(site: Path, task: str, staged_model: Path, release_dir: Path) -> dict[Path, Path]:
    """TF.js built for the models the site will ship (tools/build_tfjs.mjs holds only their layers and
    kernels), staged beside the model: the files that differ from site/vendor/ join the release."""
    from training.webruntime import WebRuntimeError, run_node

    models = [staged_model] + [site / "models" / other for other in TASKS if other != task and (site / "models" / other / "model.json").is_file()]
    out = release_dir / "vendor"
    out.mkdir()
    arguments = ["--out", str(out)] + [item for model in models for item in ("--model", str(model))]
    try:
        run_node(ROOT / "tools" / "build_tfjs.mjs", arguments, "tools/build_tfjs.mjs cannot build TF.js for the shipped models")
    except WebRuntimeError as error:
        raise ConversionError(f"{error}; run `make setup` (npm ci brings esbuild)") from error
    return {built: site / "vendor" / built.name for built in sorted(out.iterdir()) if not (site / "vendor" / built.name).is_file() or built.read_bytes() != (site / "vendor" / built.name).read_bytes()}


def stamp_site(site_dir: Path) -> None:
    """Give the service worker a new version so visitors' caches pick up the new model."""
    sys.path.insert(0, str(ROOT))
    import site_version

    site_version.stamp(site_dir)


# --- The release: staged, journalled, then moved in --------------------------------------------------------


def release_dir_for(out_dir: Path) -> Path:
    site = site_of(out_dir)
    return (site.parent if site else out_dir.parent) / RELEASE_DIR


@contextlib.contextmanager
def staging_area(out_dir: Path) -> Iterator[Path]:
    """The release's staging area for `out_dir`, made new under the release lock once any interrupted release
    there is completed. It is removed afterwards unless its journal was written: then nothing was released, and
    the published files are as they were."""
    release_dir = release_dir_for(out_dir)
    with release_lock(release_dir):
        if finish_interrupted(release_dir):
            print(f"completed an interrupted release ({release_dir})")
        try:
            release_dir.mkdir()
        except OSError as error:
            raise ConversionError(f"{out_dir}: cannot stage a release beside it in {release_dir} ({error.strerror}); fix permissions or pass another --out") from error
        try:
            yield release_dir
        finally:
            if not (release_dir / JOURNAL).exists():
                shutil.rmtree(release_dir, ignore_errors=True)  # nothing was released: the published files are as they were


def finish_release(release_dir: Path) -> None:
    """`convert.py --finish`: complete an interrupted release in `release_dir`, if there is one, under the lock."""
    with release_lock(release_dir):
        if finish_interrupted(release_dir):
            print(f"completed an interrupted release ({release_dir})")


def apply_release(release_dir: Path) -> None:
    """Carry out the journalled moves, stamp sw.js, then clean up. Each step can be repeated after a kill."""
    plan = json.loads((release_dir / JOURNAL).read_text())
    for staged, target in plan["moves"]:
        staged, target = Path(staged), Path(target)
        backup = staged.with_name(staged.name + ".old")
        if staged.exists():  # not moved in yet
            if target.exists() or target.is_symlink():
                if backup.exists():
                    raise ConversionError(f"{target}: reappeared during an interrupted release; move it away and run `convert.py --finish`")
                target.rename(backup)
            staged.rename(target)
    if plan["site"]:
        stamp_site(Path(plan["site"]))
    (release_dir / JOURNAL).unlink()  # released: from here on there is only cleaning up
    shutil.rmtree(release_dir, ignore_errors=True)


def finish_interrupted(release_dir: Path) -> bool:
    """Roll an interrupted release forward, or drop the staging of one that never reached its journal.

    Returns True when a release was completed."""
    if (release_dir / JOURNAL).is_file():
        apply_release(release_dir)
        return True
    if release_dir.is_dir():
        shutil.rmtree(release_dir)
    return False


def same_device(a: Path, b: Path) -> bool:
    existing = lambda path: next(p for p in [path, *path.parents] if p.exists())  # noqa: E731
    return os.stat(existing(a)).st_dev == os.stat(existing(b)).st_dev


@contextlib.contextmanager
def release_lock(release_dir: Path):
    """One release at a time per site: a second convert.py is refused instead of mixing two releases."""
    descriptor = os.open(release_dir.parent, os.O_RDONLY)  # the folder that holds the staging area
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConversionError(f"{release_dir}: another convert.py is releasing here; wait for it to finish") from None
        yield
    finally:
        os.close(descriptor)


def release(staged: dict[Path, Path], site: Path | None, release_dir: Path) -> None:
    """Write the journal of moves (staged path -> published path), then apply it."""
    for source, target in staged.items():
        if not same_device(source, target.parent):
            raise ConversionError(f"{target}: on another file system than {release_dir}; pass an --out/--source-out beside the site")
        target.parent.mkdir(parents=True, exist_ok=True)
    journal = {"moves": [[str(source), str(target)] for source, target in staged.items()], "site": str(site) if site else None}
    temporary = release_dir / (JOURNAL + ".tmp")
    temporary.write_text(json.dumps(journal, indent=2) + "\n")
    os.replace(temporary, release_dir / JOURNAL)  # the release happens from this rename on
    apply_release(release_dir)
