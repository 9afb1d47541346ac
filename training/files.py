"""Files written whole: a reader (or the next run) sees the old file or the new one, never half of one.

Each output is written to a temporary file beside it and renamed into place; on any error, Ctrl-C included,
the temporary file is removed and the old file is left as it was. The new file gets the mode a plain write
would have given it (the old file's, or what the umask allows), not the owner-only mode of a temporary file.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def _plain_write_mode(path: Path) -> int:
    umask = os.umask(0)
    os.umask(umask)
    return path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~umask


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
