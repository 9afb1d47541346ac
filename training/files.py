"""Files written whole: a reader (or the next run) sees the old file or the new one, never half of one.

Each output is written to a temporary file beside it and renamed into place; on any error, Ctrl-C included,
the temporary file is removed and the old file is left as it was. The new file gets the mode a plain write
would have given it (the old file's, or what the umask allows), not the owner-only mode of a temporary file.

A folder of files (a training run) is built the same way: in a staging folder beside it that this process
made (`staging_folder`), removed if the building fails (`removed_on_failure`) and renamed into place when
complete (`move_into_place`). And a run's JSON files are read through `read_json`, whose error names the
file and the remedy in one line.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

STAGING_SUFFIX = ".partial"  # A staging folder is `.<name>.<random>.partial`: hidden, and plainly unfinished.


class JsonFileError(ValueError):
    """A JSON file cannot be read, or holds no JSON object; the message is one line naming it and the remedy."""


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _plain_write_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()


@contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside `path` to write to (it ends in the same suffix, so np.save, np.savez and
    PIL keep it as given); when the block ends without error it is renamed to `path`, else removed. Unique per
    call, so two processes filling the same cache entry at once do not write into one file."""
    path = Path(path)
    handle, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, _plain_write_mode(path))
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_atomic(path: Path | str, data: bytes) -> None:
    """Write `data` to `path` whole (see the module's docstring)."""
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)


def staging_folder(target: Path | str) -> Path:
    """A new, empty folder beside `target` to build it in, named `.<target's name>.<random>.partial`.

    Made by this call, so it is this process's own to fill and to remove on failure: two processes building
    the same target each get their own, and neither deletes the other's. Its mode is a plain mkdir's (what
    the umask allows), since it becomes the target. The target's parent folders are made if missing; an
    OSError (a parent that is a file, or not writable) comes before any work is done for the folder."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=STAGING_SUFFIX, dir=target.parent))
    os.chmod(staging, 0o777 & ~_umask())
    return staging


@contextmanager
def removed_on_failure(staging: Path) -> Iterator[Path]:
    """Yield `staging`, and remove it if the block raises (Ctrl-C included), then re-raise: a failure leaves no
    half-built folder, and the target is never touched. Give it only what staging_folder returned, the one
    folder this process may delete; one not named as staging folders are (the target itself, say) is refused
    with a ValueError before the block runs."""
    if not _is_staging_name(staging.name):
        raise ValueError(f"{staging}: not a staging folder (files.staging_folder); it is not this process's to remove")
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _is_staging_name(name: str) -> bool:
    return name.startswith(".") and name.endswith(STAGING_SUFFIX)


def final_name(folder: Path | str) -> str:
    """The name `folder` has once in place: `run` for a staging folder `.run.k2x9q1ab.partial` (or the older
    `.run.partial`), else its own name. Reports written while a run is staged name the run by this."""
    name = Path(folder).name
    if not _is_staging_name(name):
        return name
    stem = name[1:].removesuffix(STAGING_SUFFIX)
    head, dot, _ = stem.rpartition(".")
    return head if dot and head else stem


def move_into_place(staging: Path, target: Path) -> None:
    """Rename a complete staging folder to `target`. FileExistsError if `target` appeared meanwhile (another
    process made it): a rename would silently replace an empty folder, and this one is not ours to replace.
    The staging folder is then left as it is, complete, for the caller to name."""
    if target.exists() or target.is_symlink():
        raise FileExistsError(target)
    os.rename(staging, target)


def os_reason(error: OSError) -> str:
    """Why an OSError happened, in one line for a message: its errno's text ("No space left on device") when it
    has one, else its text with the line breaks collapsed (h5py's errors span lines and embed the errno's)."""
    found = re.search(r"\berrno = (\d+)", str(error))
    number = error.errno or (int(found.group(1)) if found else 0)
    if number:
        return os.strerror(number)
    return " ".join(str(error).split()) or type(error).__name__


def read_json(path: Path | str, remedy: str, default: dict | None = None) -> dict:
    """The JSON object in `path`, or `default` when it is given and there is no such file. A file that cannot
    be read, is not JSON or holds something else than an object is a JsonFileError, `<path>: cannot be read
    as JSON (<why>); <remedy>`: one line, never a bare decoder message that names no file."""
    path = Path(path)
    if default is not None and not path.exists():
        return default
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise JsonFileError(f"{path}: cannot be read as JSON ({error.strerror or error}); {remedy}") from None
    except ValueError as error:  # JSONDecodeError, and UnicodeDecodeError for bytes that are not UTF-8
        raise JsonFileError(f"{path}: cannot be read as JSON ({str(error).splitlines()[0]}); {remedy}") from None
    if not isinstance(data, dict):
        raise JsonFileError(f"{path}: cannot be read as JSON (it holds a {type(data).__name__}, not an object); {remedy}")
    return data
