"""python -m training.writers --split test --out writers.png  — real writers' digits, split by writer.

`data/uji-digits-30-writers.json` holds 600 digits (2 of each digit by each of 30 writers) as the pen strokes
people wrote on a tablet: UJI Pen Characters v2, CC BY 4.0 (the attribution is inside the file and travels
with it). Figures on real handwriting mean something only on writers a model never trained on, so the
writers, never the samples, are split: 14 to train on, 6 to choose with (validation), 10 for the final
figure (test). The split is a fixed permutation of the writer ids, the same on every machine.

A sample is replayed as the page would draw it: its strokes scaled to a height on the 280-px recognition
canvas and rendered by `training.strokes` (pad.js's path and round pen).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.drawing import to_rgba
from training.strokes import draw_strokes, fit_strokes

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "uji-digits-30-writers.json"
SPLIT_SIZES = {"train": 14, "validation": 6, "test": 10}
SPLIT_SEED = 13  # Fixed: changing it moves writers between the training and test sides.


@dataclass(frozen=True)
class Sample:
    """One digit as a writer wrote it: strokes of float (n, 2) points, x right and y down, in 1/100 mm."""

    writer: int
    label: int
    strokes: tuple[np.ndarray, ...]


def load_samples(path: Path = DATA_FILE) -> list[Sample]:
    """Every sample in the file, in file order."""
    path = Path(path)
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise ValueError(f"{path}: not found; it is committed with the project (git checkout -- {path.name})") from None
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: cannot be read ({error}); restore it with git checkout -- data/{path.name}") from None
    samples = []
    for writer in document["writers"]:
        for sample in writer["samples"]:
            strokes = tuple(np.asarray(stroke, dtype=np.float64).reshape(-1, 2) for stroke in sample["strokes"] if len(stroke))
            if not strokes:
                raise ValueError(f"{path}: writer {writer['writer']}, a '{sample['label']}' without strokes")
            samples.append(Sample(int(writer["writer"]), int(sample["label"]), strokes))
    return samples


def writer_split(writers: list[int], seed: int = SPLIT_SEED) -> dict[str, list[int]]:
    """The writers of each split (SPLIT_SIZES, in order), from a fixed permutation of the sorted ids."""
    ids = sorted(set(writers))
    if len(ids) != sum(SPLIT_SIZES.values()):
        raise ValueError(f"{len(ids)} writers: the split needs {sum(SPLIT_SIZES.values())}")
    order = [ids[i] for i in np.random.default_rng(seed).permutation(len(ids))]
    split, start = {}, 0
    for name, size in SPLIT_SIZES.items():
        split[name] = sorted(order[start : start + size])
        start += size
    return split


def split_samples(name: str, path: Path = DATA_FILE) -> list[Sample]:
    """The samples of the writers in split `name` (train, validation or test)."""
    if name not in SPLIT_SIZES:
        raise ValueError(f"split {name!r}: choose one of {', '.join(SPLIT_SIZES)}")
    samples = load_samples(path)
    chosen = set(writer_split([sample.writer for sample in samples])[name])
    return [sample for sample in samples if sample.writer in chosen]


def draw_sample(sample: Sample, height: float, pen_width: float, canvas_size: int = 280, top: float | None = None, left: float | None = None) -> np.ndarray:
    """The sample `height` px tall on a canvas_size square, as pad.js draws it; ink float64 in [0, 1].

    Placed at (left, top) or, by default, centred.
    """
    points = np.concatenate(sample.strokes)
    extent = np.ptp(points, axis=0)
    width = height * extent[0] / extent[1] if extent[1] > 0 else height
    top = (canvas_size - height) / 2 if top is None else top
    left = (canvas_size - width) / 2 if left is None else left
    return draw_strokes(fit_strokes(list(sample.strokes), height, top, left), canvas_size, pen_width=pen_width)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=list(SPLIT_SIZES), default="test")
    parser.add_argument("--pen-width", type=float, default=16.0)
    parser.add_argument("--out", type=Path, default=Path("writers.png"))
    args = parser.parse_args(argv)
    from PIL import Image

    samples = split_samples(args.split)
    for name, writers in writer_split([sample.writer for sample in load_samples()]).items():
        print(f"{name}: writers {writers}")
    tiles = [to_rgba(draw_sample(sample, 200, args.pen_width))[..., 0] for sample in samples[:40]]
    rows = [np.concatenate(tiles[i : i + 10], axis=1) for i in range(0, len(tiles) - len(tiles) % 10, 10)]
    Image.fromarray(np.concatenate(rows)).save(args.out)
    print(f"{len(samples)} samples of the {args.split} writers; the first {len(rows) * 10} drawn in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
