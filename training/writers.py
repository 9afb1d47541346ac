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
from training.files import atomic_path
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


# How a person writes a number across the pad (compose_writer_number), as fractions of the digits' height
# or of the canvas. The digits keep the sizes their writer gave them on the tablet.
NUMBER_GAP = (0.3, 0.7)  # paper between neighbouring digits' strokes, x the number's median digit height
CLOSE_GAP = (0.1, 0.3)  # written close, as many people write numbers: the pen may bridge the paper
BASELINE_JITTER = 0.06  # standard deviation of each digit's baseline, x the median digit height
NUMBER_WIDTH = (0.75, 0.92)  # the number spans this much of the pad's width...
NUMBER_HEIGHT = (0.45, 0.7)  # ...unless that would make it taller than this much of its height
DIGIT_HEIGHT = (100, 220)  # a single digit drawn alone on the pad: its height in canvas pixels
LENGTHS = (2, 3, 4, 5)
SEED = 2613


def compose_writer_number(samples: list[Sample], digits: str, rng: np.random.Generator, canvas_size: int = 280, gap: tuple[float, float] = NUMBER_GAP) -> list[np.ndarray]:
    """The strokes (canvas pixels) of `digits` written by one writer across the pad: each digit one of
    their samples of it (chosen by `rng`), side by side with `gap` of paper between their strokes, the
    baselines jittered, the whole scaled to span NUMBER_WIDTH of the pad (or NUMBER_HEIGHT, whichever is
    reached first) and placed at random on it."""
    return [stroke for digit in compose_by_digit(samples, digits, rng, canvas_size, gap) for stroke in digit]


def compose_by_digit(samples: list[Sample], digits: str, rng: np.random.Generator, canvas_size: int = 280, gap: tuple[float, float] = NUMBER_GAP) -> list[list[np.ndarray]]:
    """compose_writer_number's strokes, grouped by the digit they write (the same strokes for the same `rng`)."""
    writers_seen = {sample.writer for sample in samples}
    if len(writers_seen) != 1:
        raise ValueError(f"a number is written by one writer; got samples of {len(writers_seen)} writers")
    by_label = {label: [sample for sample in samples if sample.label == label] for label in range(10)}
    chosen = []
    for character in digits:
        if not character.isdigit() or not by_label[int(character)]:
            raise ValueError(f"{digits!r}: writer {writers_seen.pop()} has no sample of {character!r}")
        options = by_label[int(character)]
        chosen.append(options[int(rng.integers(len(options)))])
    heights = [max(np.ptp(np.concatenate(sample.strokes)[:, 1]), 1.0) for sample in chosen]
    unit = float(np.median(heights))
    by_digit, cursor = [], 0.0
    for sample in chosen:
        points = np.concatenate(sample.strokes)
        low, high = points.min(axis=0), points.max(axis=0)
        baseline = rng.normal(0.0, BASELINE_JITTER * unit)
        by_digit.append([stroke - (low[0], high[1]) + (cursor, baseline) for stroke in sample.strokes])
        cursor += high[0] - low[0] + rng.uniform(*gap) * unit
    points = np.concatenate([stroke for digit in by_digit for stroke in digit])
    low, extent = points.min(axis=0), np.maximum(np.ptp(points, axis=0), 1.0)
    scale = min(rng.uniform(*NUMBER_WIDTH) * canvas_size / extent[0], rng.uniform(*NUMBER_HEIGHT) * canvas_size / extent[1])
    size = extent * scale
    corner = rng.uniform(0.0, 1.0, size=2) * (canvas_size - size)
    return [[(stroke - low) * scale + corner for stroke in digit] for digit in by_digit]


def samples_by_writer(split: str, path: Path = DATA_FILE) -> dict[int, list[Sample]]:
    """The samples of `split`, by writer (each writer's in the file's order): what a number is composed from."""
    by_writer: dict[int, list[Sample]] = {}
    for sample in split_samples(split, path):
        by_writer.setdefault(sample.writer, []).append(sample)
    return by_writer


def writer_numbers(split: str, lengths: tuple[int, ...] = LENGTHS, count: int = 50, seed: int = SEED, path: Path = DATA_FILE, gap: tuple[float, float] = NUMBER_GAP) -> list[tuple[list[np.ndarray], str]]:
    """`count` numbers of each length, each written by one writer of `split` (drawn at random) with `gap`
    between digits: their strokes on the pad (compose_writer_number) and the digits they spell. The same for
    the same seed (and the same writers and digits whatever the gap)."""
    by_writer = samples_by_writer(split, path)
    writers = sorted(by_writer)
    rng = np.random.default_rng(seed)
    numbers = []
    for length in lengths:
        for _ in range(count):
            writer = writers[int(rng.integers(len(writers)))]
            digits = "".join(str(digit) for digit in rng.integers(0, 10, size=length))
            numbers.append((compose_writer_number(by_writer[writer], digits, rng, gap=gap), digits))
    return numbers


WRAPPED_SEED = 16  # two-line numbers: the seed of the figures in README ("Lines written under each other")
LINE_BAND = (238.0, 80.0)  # each line of a wrapped number fitted into this width and height (canvas pixels)
LINE_GAP = (0.3, 0.8)  # paper between the two lines, x the taller line's height (stroke to stroke)


def wrap_lines(lines: list[list[np.ndarray]], gap: float, left: float = 20.0, top: float = 20.0) -> list[np.ndarray]:
    """Lines of writing (each a number's strokes) one under another, left-aligned: each fitted into LINE_BAND,
    `gap` x the taller line's height of paper between them."""
    fitted = []
    for strokes in lines:
        points = np.concatenate(strokes)
        low, extent = points.min(axis=0), np.maximum(np.ptp(points, axis=0), 1.0)
        scale = min(LINE_BAND[0] / extent[0], LINE_BAND[1] / extent[1])
        fitted.append(([(stroke - low) * scale for stroke in strokes], extent[1] * scale))
    step = gap * max(height for _, height in fitted)
    wrapped = []
    for strokes, height in fitted:
        wrapped += [stroke + (left, top) for stroke in strokes]
        top += height + step
    return wrapped


def writer_wrapped_numbers(split: str, per_writer: int = 20, seed: int = WRAPPED_SEED, path: Path = DATA_FILE, gap: tuple[float, float] = LINE_GAP) -> list[tuple[list[np.ndarray], str]]:
    """`per_writer` rounds over the writers of `split`: each writes two 4-digit numbers, the second under the first
    (a phone number wrapped on a phone), spaced as `writer_numbers`' and `gap` apart (x the taller line's height, drawn
    uniformly from the range). Strokes and text ("0612\\n3456")."""
    by_writer = samples_by_writer(split, path)
    rng = np.random.default_rng(seed)
    numbers = []
    for _ in range(per_writer):
        for writer in sorted(by_writer):
            first, second = ("".join(str(digit) for digit in rng.integers(0, 10, 4)) for _ in range(2))
            lines = [compose_writer_number(by_writer[writer], digits, rng) for digits in (first, second)]
            numbers.append((wrap_lines(lines, rng.uniform(*gap)), f"{first}\n{second}"))
    return numbers


MARKS = ("point", "dash", "colon", "minus")
MARKED_SEED = 11


def three_digit_numbers(split: str, count: int, seed: int, kinds: tuple[str, ...], gap: tuple[float, float], path: Path = DATA_FILE):
    """What a number with a mark is made of, `count` times: its kind of mark (`kinds` in turn), three digits of one
    writer of `split` composed `gap` of their height apart, their strokes by digit, each digit's points, their
    median height, and the generator that goes on to place the mark."""
    by_writer = samples_by_writer(split, path)
    writers = sorted(by_writer)
    rng = np.random.default_rng(seed)
    for index in range(count):
        writer = writers[int(rng.integers(len(writers)))]
        digits = "".join(str(digit) for digit in rng.integers(0, 10, 3))
        by_digit = compose_by_digit(by_writer[writer], digits, rng, gap=gap)
        boxes = [np.concatenate(digit) for digit in by_digit]
        yield kinds[index % len(kinds)], digits, by_digit, boxes, float(np.median([np.ptp(points[:, 1]) for points in boxes])), rng


def on_pad(strokes: list[np.ndarray]) -> list[np.ndarray]:
    """Strokes moved to 10 px from the pad's top-left corner and, when wider or taller than 260 px, shrunk to fit."""
    points = np.concatenate(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    scale = min(1.0, 260 / max(high - low))
    return [(stroke - low) * scale + 10 for stroke in strokes]


def writer_marked_numbers(split: str, count: int = 40, seed: int = MARKED_SEED, path: Path = DATA_FILE) -> list[tuple[list[np.ndarray], str, str]]:
    """Numbers with what people write among digits (review 11: 3.14, 12:30, 06-12, -5), each of one writer of
    `split`: three digits composed with room between them (0.7-1.0 of their height), then, in turn, a point, a dash
    or a colon between the first two, or the first digit replaced by a minus. Strokes, the digits they spell and the
    kind of mark (MARKS); the mark's strokes come last."""
    numbers = []
    for kind, digits, by_digit, boxes, height, rng in three_digit_numbers(split, count, seed, MARKS, (0.7, 1.0), path):
        (left, top), (right, bottom) = boxes[0].min(axis=0), boxes[0].max(axis=0)
        strokes = [stroke for digit in by_digit for stroke in digit]
        low = max(bottom, boxes[1][:, 1].max())
        x = (right + boxes[1][:, 0].min()) / 2
        dot = lambda y: np.array([[x, y], [x + 1.0, y]])  # noqa: E731 - a pen's dot
        if kind == "minus":
            y = (top + bottom) / 2 + rng.normal(0.0, 0.05 * height)
            middle = (left + right) / 2
            strokes = [stroke for digit in by_digit[1:] for stroke in digit] + [np.array([[middle - 0.2 * height, y], [middle + 0.2 * height, y]])]
            digits = digits[1:]
        elif kind == "dash":
            strokes.append(np.array([[x - 0.15 * height, low - 0.5 * height], [x + 0.15 * height, low - 0.5 * height]]))
        else:
            strokes += [dot(low - 0.05 * height)] if kind == "point" else [dot(low - 0.2 * height), dot(low - 0.7 * height)]
        numbers.append((strokes, digits, kind))
    return numbers


def writer_pointed_numbers(split: str, count: int = 40, seed: int = MARKED_SEED, path: Path = DATA_FILE) -> list[tuple[list[np.ndarray], str, str]]:
    """Numbers written as people write 3.14 or 3,5: three digits of one writer of `split` (0.35-0.6 of their height
    apart), a point or, in turn, a comma close after the first (0.1-0.25 of the height past it, on its baseline).
    Strokes (the mark's last), the digits they spell and the kind of mark ("point" or "comma")."""
    numbers = []
    for kind, digits, by_digit, boxes, height, rng in three_digit_numbers(split, count, seed, ("point", "comma"), (0.35, 0.6), path):
        x = boxes[0][:, 0].max() + rng.uniform(0.1, 0.25) * height
        y = boxes[0][:, 1].max() - rng.uniform(0.0, 0.1) * height
        mark = [[x, y], [x + 1.0, y]] if kind == "point" else [[x, y - 0.08 * height], [x - 0.02 * height, y + 0.05 * height], [x - 0.07 * height, y + 0.15 * height]]
        numbers.append(([stroke for digit in by_digit for stroke in digit] + [np.array(mark)], digits, kind))
    return numbers


def writer_dashed_numbers(split: str, count: int = 40, seed: int = 13, path: Path = DATA_FILE) -> list[tuple[list[np.ndarray], str, str]]:
    """Numbers written as people write -12 or 06-12: three digits of one writer of `split` (0.5-0.8 of their height
    apart) and a minus 0.1-0.3 of the height before the first or, in turn, a dash between the first two, 0.3-0.5 of
    the height long, at the first digit's middle height; all scaled to stay on the pad. Strokes (the mark's last),
    the digits they spell and the kind of mark ("minus" or "dash")."""
    numbers = []
    for kind, digits, by_digit, boxes, height, rng in three_digit_numbers(split, count, seed, ("minus", "dash"), (0.5, 0.8), path):
        length = rng.uniform(0.3, 0.5) * height
        (left, top), (right, bottom) = boxes[0].min(axis=0), boxes[0].max(axis=0)
        if kind == "minus":
            end = left - rng.uniform(0.1, 0.3) * height
            y = (top + bottom) / 2 + rng.normal(0.0, 0.05 * height)
            mark = np.array([[end - length, y], [end, y]])
        else:
            after = boxes[1][:, 0].min()
            x, half = (right + after) / 2, min(length / 2, 0.4 * (after - right))
            y = (top + bottom) / 2 + rng.normal(0.0, 0.05 * height)
            mark = np.array([[x - half, y], [x + half, y]])
        strokes = [stroke for digit in by_digit for stroke in digit] + [mark]
        numbers.append((on_pad(strokes), digits, kind))
    return numbers


def writer_lined_numbers(split: str, count: int = 40, seed: int = 17, path: Path = DATA_FILE) -> list[tuple[list[np.ndarray], str, str]]:
    """Numbers with a line drawn under them (an answer underlined) or, in turn, over them: three digits of one writer
    of `split` (0.3-0.7 of their height apart) and a line 0.05-0.3 of the height below or above them, tilted up to 3
    degrees, reaching 0-0.15 of the height past each end. Strokes (the line's last), the digits they spell and the
    kind ("under" or "over")."""
    numbers = []
    for kind, digits, by_digit, boxes, height, rng in three_digit_numbers(split, count, seed, ("under", "over"), NUMBER_GAP, path):
        points = np.concatenate(boxes)
        (left, top), (right, bottom) = points.min(axis=0), points.max(axis=0)
        start, end = left - rng.uniform(0.0, 0.15) * height, right + rng.uniform(0.0, 0.15) * height
        y = bottom + rng.uniform(0.05, 0.3) * height if kind == "under" else top - rng.uniform(0.05, 0.3) * height
        rise = np.tan(np.radians(rng.uniform(-3.0, 3.0))) * (end - start) / 2
        strokes = [stroke for digit in by_digit for stroke in digit] + [np.array([[start, y - rise], [end, y + rise]])]
        numbers.append((on_pad(strokes), digits, kind))
    return numbers


SLASHED = ("1/2", "06/12", "25/12/2026")  # the kinds of writer_slashed_numbers, in turn: digits each side of each slash


def writer_slashed_numbers(split: str, count: int = 40, seed: int = 19, path: Path = DATA_FILE) -> list[tuple[list[np.ndarray], str, str]]:
    """Dates and fractions as people write 1/2, 06/12 or 25/12/2026 (review 12: read 06112, sure): one writer of
    `split`'s digits (each a sample of theirs, as `compose_by_digit` spaces them) with, in turn (SLASHED), a slash
    after the first digit, after the second, or after the second and the fourth. A slash is one straight stroke slanted
    50-75 degrees from horizontal, reaching 0-0.25 of the digits' median height above and below its neighbours (every
    third just their height), 0.3-0.7 of that height of paper between its box and each neighbour's; all scaled to stay
    on the pad. Strokes (the slashes' last), the digits they spell and the kind (SLASHED)."""
    by_writer = samples_by_writer(split, path)
    writers = sorted(by_writer)
    rng = np.random.default_rng(seed)
    numbers, drawn = [], 0
    for index in range(count):
        kind = SLASHED[index % len(SLASHED)]
        writer = writers[int(rng.integers(len(writers)))]
        parts = [len(part) for part in kind.split("/")]
        digits = "".join(str(digit) for digit in rng.integers(0, 10, sum(parts)))
        by_digit = compose_by_digit(by_writer[writer], digits, rng)
        height = float(np.median([np.ptp(np.concatenate(digit)[:, 1]) for digit in by_digit]))
        slashes = []
        for cut in np.cumsum(parts)[:-1]:
            before, after = np.concatenate(by_digit[cut - 1]), np.concatenate(by_digit[cut])
            top, bottom = min(before[:, 1].min(), after[:, 1].min()), max(before[:, 1].max(), after[:, 1].max())
            above, below = (0.0, 0.0) if drawn % 3 == 2 else rng.uniform(0.0, 0.25, 2) * height
            drawn += 1
            wide = (bottom - top + above + below) / np.tan(np.radians(rng.uniform(50.0, 75.0)))
            start = before[:, 0].max() + rng.uniform(*NUMBER_GAP) * height
            slashes.append(np.array([[start, bottom + below], [start + wide, top - above]]))
            shift = start + wide + rng.uniform(*NUMBER_GAP) * height - after[:, 0].min()
            by_digit[cut:] = [[stroke + (shift, 0.0) for stroke in digit] for digit in by_digit[cut:]]
        strokes = [stroke for digit in by_digit for stroke in digit] + slashes
        numbers.append((on_pad(strokes), digits, kind))
    return numbers


CIRCLED = (1, 2, 3, 4)  # the kinds of writer_circled_numbers, in turn: how many digits the circle holds


def hand_loop(centre: np.ndarray, radii: np.ndarray, rng: np.random.Generator, count: int = 72) -> np.ndarray:
    """One pen stroke round an ellipse as a hand draws it: begun at a random angle, going round once and then on past
    its start by up to 40 degrees or stopping up to 25 short of it, its radius wobbling a few percent and drifting in
    or out as it goes, the whole tilted up to 8 degrees. Points (count + 1, 2), x right and y down."""
    start = rng.uniform(0.0, 2 * np.pi)
    turn = np.linspace(0.0, 1.0, count + 1)
    angles = start + turn * np.radians(360.0 + rng.uniform(-25.0, 40.0))
    phases = rng.uniform(0.0, 2 * np.pi, 2)
    wobble = 1 + rng.uniform(0.0, 0.04) * np.sin(2 * angles + phases[0]) + rng.uniform(0.0, 0.03) * np.sin(3 * angles + phases[1])
    scale = wobble * (1 + rng.uniform(-0.08, 0.08) * turn)
    points = np.stack([radii[0] * scale * np.cos(angles), radii[1] * scale * np.sin(angles)], axis=1)
    tilt = np.radians(rng.uniform(-8.0, 8.0))
    rotation = np.array([[np.cos(tilt), -np.sin(tilt)], [np.sin(tilt), np.cos(tilt)]])
    return points @ rotation.T + centre


def writer_circled_numbers(split: str, count: int = 40, seed: int = 23, path: Path = DATA_FILE) -> list[tuple[list[np.ndarray], str, str]]:
    """Answers circled as a student circles them (review 12: a circled 8 read 0, sure): 1-4 digits (CIRCLED, in turn)
    of one writer of `split`, spaced as `compose_by_digit` spaces them, and a loop drawn round them (`hand_loop`) whose
    ellipse passes 0.1-0.5 of the digits' median height outside their box's corners; every eighth drawn tight, its
    ellipse through the box's corners, so that it may touch a digit. All scaled to stay on the pad. Strokes (the
    loop's last), the digits they spell and the kind ("1" to "4" digits, "tight" for the tight ones)."""
    by_writer = samples_by_writer(split, path)
    writers = sorted(by_writer)
    rng = np.random.default_rng(seed)
    numbers = []
    for index in range(count):
        length = CIRCLED[index % len(CIRCLED)]
        writer = writers[int(rng.integers(len(writers)))]
        digits = "".join(str(digit) for digit in rng.integers(0, 10, length))
        by_digit = compose_by_digit(by_writer[writer], digits, rng)
        height = float(np.median([np.ptp(np.concatenate(digit)[:, 1]) for digit in by_digit]))
        points = np.concatenate([stroke for digit in by_digit for stroke in digit])
        low, high = points.min(axis=0), points.max(axis=0)
        tight = index % 8 == 7
        margin = 0.0 if tight else rng.uniform(0.1, 0.5) * height
        # An ellipse through the corners of a box of half-sides h has radii sqrt(2) x h.
        radii = np.sqrt(2) * ((high - low) / 2 + margin / np.sqrt(2))
        loop = hand_loop((low + high) / 2 + rng.normal(0.0, 0.03 * height, 2), radii, rng)
        strokes = [stroke for digit in by_digit for stroke in digit] + [loop]
        numbers.append((on_pad(strokes), digits, "tight" if tight else str(length)))
    return numbers


def writer_digits(split: str, seed: int = SEED, canvas_size: int = 280, path: Path = DATA_FILE) -> list[tuple[list[np.ndarray], int]]:
    """Every sample of `split` drawn alone on the pad: DIGIT_HEIGHT pixels tall, placed at random; its
    strokes (canvas pixels) and label."""
    rng = np.random.default_rng(seed)
    drawn = []
    for sample in split_samples(split, path):
        points = np.concatenate(sample.strokes)
        extent = np.ptp(points, axis=0)
        aspect = extent[0] / extent[1] if extent[1] > 0 else 1.0
        height = min(rng.uniform(*DIGIT_HEIGHT), 0.95 * canvas_size / max(aspect, 1e-9))  # a wide digit still fits
        width = height * aspect
        top, left = rng.uniform(0.0, 1.0, size=2) * (canvas_size - np.array([height, width]))
        drawn.append((fit_strokes(list(sample.strokes), height, top, left), sample.label))
    return drawn


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
    with atomic_path(args.out) as temporary:
        Image.fromarray(np.concatenate(rows)).save(temporary, format="PNG")
    print(f"{len(samples)} samples of the {args.split} writers; the first {len(rows) * 10} drawn in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
