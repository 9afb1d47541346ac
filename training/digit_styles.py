"""python -m training.digit_styles --count 200 --out styles.png  — digits in the styles MNIST lacks, for training.

MNIST was written by American Census employees and schoolchildren: it has almost no continental "1" (a long
up-stroke flag, often a base), crossed 7, open-top 9 or slashed 0, and models trained on it read those as
other digits. This module draws digits from pen strokes, exactly as the page draws them (training/strokes.py,
the page's pad path and round pen) and preprocesses them as the page does (training/preprocess.py with the
digits' metadata.json), from three sources:

- **writers**: the real strokes of the TRAINING writers of data/uji-digits-30-writers.json only
  (training/writers.py `writer_split`); the validation and test writers are never read here;
- **templates**: hand-made stroke templates (training/handwriting.py's notation, 0-10 high, y down) of the
  styles MNIST lacks — continental 1 with a long flag, with and without base; crossed 7; open 4; open-top 9;
  slashed 0; looped 2 — and the plain forms of every digit;
- **hershey**: the digits of several Hershey single-stroke fonts (PyPI hershey-fonts; their nine files hold four
  designs of digits: `futural`, `rowmans` and `cursive` share theirs, as do `futuram` and `rowmand`, and `timesi`,
  `scripts` and `scriptc`).

Each drawing is augmented at the stroke level (`augment_strokes`): an affine map (turn, slant, width), a
misplaced pen landing and a smooth wobble per stroke, a random sampling pace (a mouse's speed), sometimes a
stroke broken by a pen lift; then it is drawn at a page-like size with a pen whose width keeps the page's
pen-to-height ratios (training/letters.py `page_pen`). The set is cached in runs/cache/ under a key over the
code, the data and the settings; chunks are drawn in parallel, each from its own seed, so the result does
not depend on the number of processes.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import inspect
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.drawing import DrawSpec
from training.files import atomic_path
from training.fonts import hershey_font_bytes, hershey_strokes
from training.handwriting import parse_template
from training.letters import as_input, page_pen
from training.parallel import parallel_map
from training.preprocess import PreprocessConfig, load_config
from training.strokes import draw_strokes, fit_strokes
from training.writers import DATA_FILE, load_samples, writer_split

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / "runs" / "cache"
SOURCES = ("writers", "templates", "hershey")
# Share of each source in a set: real writers most, the hand-made styles next, the fonts' cleaner forms least.
SHARES = {"writers": 0.45, "templates": 0.35, "hershey": 0.20}
HERSHEY_FONTS = ("futural", "futuram", "rowmans", "rowmand", "timesr", "timesi", "scripts", "scriptc", "cursive")
# The templates of the styles MNIST lacks (indices into TEMPLATES), for a pool of those alone (`style_set`'s
# `styles`): continental 1s, crossed 7s and open-top 9s, and the open 4s an open-top 9 must stay apart from.
MISSING_STYLES: dict[int, tuple[int, ...]] = {1: (2, 3, 4, 5), 4: (1, 2, 3), 7: (1, 2, 3), 9: (2, 3, 4)}
# Templates added after pools "all" and "missing" trained shipped or documented models: a pool of their own
# draws them, "all" does not, so those recipes still give the same drawings.
LATER_TEMPLATES: dict[int, tuple[int, ...]] = {4: (4, 5, 6, 7)}
POOLS = {  # TrainConfig.handwriting_pool's names.
    "all": None,
    "missing": MISSING_STYLES,
    "missing-round-4": {**MISSING_STYLES, 4: MISSING_STYLES[4] + LATER_TEMPLATES[4]},  # and the rounded open 4s
}
CHUNK = 250  # Drawings per chunk: each chunk has its own seed, so any number of processes gives the same set.

# Template notation (training/handwriting.py parse_template): M x y starts a stroke, L x y a line,
# A cx cy rx ry a0 a1 an arc (screen angles, degrees: 0 right, 90 down). Height 0-10, y down.
TEMPLATES: dict[int, tuple[str, ...]] = {
    0: (
        "A3 5 3 5 -90 -450",  # plain, anticlockwise
        "A3 5 3 5 -100 270",  # plain, clockwise
        "A3 5 3 5 -90 -450 M5.6 0.6 L0.4 9.4",  # slashed
        "A3 5 3 5 -90 -450 M6.2 -0.4 L-0.2 10.4",  # slashed through the outline
    ),
    1: (
        "M2 0 L2 10",  # a bar
        "M1 1.2 L2.2 0 L2.2 10",  # short serif flag
        "M0 4.5 L3 0 L3 10",  # continental: long up-stroke flag
        "M0 5.5 L3 0 L3 10",  # continental: longer flag
        "M0 4.5 L3 0 L3 10 M0.8 10 L5.2 10",  # continental with a base
        "M0.5 4 L3 0 L3 10 L0.8 10 M3 10 L5.2 10",  # with a base, drawn on from the stem
        "M1.2 1.2 L2.6 0 L2.6 10 M0.6 10 L4.6 10",  # short flag with a base
    ),
    2: (
        "A3 3 3 3 -170 30 L0 10 L6 10",  # plain
        "A3 3 2.8 3 -160 20 L1.6 8.6 A1.1 9.2 0.8 0.8 -45 200 L6 10",  # looped at the base
        "A3 3 3 3 -170 20 L1.2 8.4 A1.2 9.1 0.9 0.9 -90 250 L6 9.6",  # looped, rounder
        "A3 3 3 3 -180 40 L0.2 10 L6.2 9.6",  # wider arch, no loop
    ),
    3: (
        "A3 2.5 2.7 2.5 -160 90 A3 7.5 3 2.5 -90 160",  # round
        "M0.5 0 L5.5 0 L2.5 4 A3 7 3 3 -90 160",  # flat top (like a z into a round)
    ),
    4: (
        "M4.5 10 L4.5 0 L0 7 L6 7",  # closed
        "M1 0 L0 6 L6 6 M4.5 2 L4.5 10",  # open top
        "M1.5 0 L0.2 6.3 L6 6.3 M4.3 0.5 L4.6 10",  # open, stem from the top
        "M0.5 0 L0.5 5.5 L6 5.5 M4.5 0 L4.5 10",  # open, square
        # Open with a rounded arm, as a third of real writers draw it (an open-top 9 must stay apart from these):
        "A2.2 3.4 2 3.1 -120 -270 L6.4 6.5 M4.8 0.6 L4.6 10",  # a "C" arm run on into the bar
        "M0.6 0 L0.6 3.2 A3 3.2 2.4 2.7 180 90 L6.2 5.9 M4.8 0 L4.6 10",  # a "Ч": the arm bends into the bar
        "M0.5 0 L0.6 3.4 A3.1 3.4 2.5 2.6 180 0 L5.6 0 L5.4 10",  # a "u" run up into the stem and down it
        "M0.5 0.2 L0.6 3.4 A3.1 3.4 2.5 2.6 180 0 L5.6 0.6 M5.6 0 L5.4 10",  # a "u", the stem apart
    ),
    5: (
        "M5.5 0 L1 0 L0.7 4.5 A3 7 3 3 -130 150",  # flag first
        "M1 0 L0.7 4.5 A3 7 3 3 -130 150 M1 0 L5.5 0",  # body first, flag after
    ),
    6: (
        "M4.5 0 L0.5 6.5 A3 7.5 2.7 2.5 180 540",  # straight back
        "A5.5 6 5 6 -100 -175 A3 7.5 2.7 2.5 180 530",  # curved back
    ),
    7: (
        "M0 0 L6 0 L2 10",  # plain
        "M0 0 L6 0 L2 10 M1.5 5 L5.5 5",  # crossed
        "M0 1.5 L0 0 L6 0 L2 10 M1.8 5.3 L5.6 5.1",  # crossed, hooked start
        "M0 0 L6 0 L3.5 5 L3 10 M1.5 5 L5.5 5",  # crossed, bent stem
        "M0 1.5 L0 0 L6 0 L2.5 10",  # hooked start
    ),
    8: (
        "A3 2.5 2.4 2.5 90 450 A3 7.5 2.9 2.5 -90 270",  # two loops
        "A3 2.5 2.5 2.5 -20 -270 A3 7.5 2.9 2.5 -90 270 L5.5 0.8",  # an S, back up
    ),
    9: (
        "A3 3 3 3 0 -360 L6 10",  # plain, stem straight
        "A3 3 3 3 0 -360 L5.5 10",  # plain, stem slanting in
        "A3 2.9 2.8 2.7 -105 -360 L5.8 0.2 L5.5 10",  # open top: the round starts in from the left
        "M2.2 0.6 A3 3.2 2.8 2.8 -135 -360 L5.8 0.4 L5.4 10",  # open top, a hook in at the start
        "A3 2.9 2.8 2.7 -125 -370 M5.9 0 L5.5 10",  # open top, stem apart
        "A3 3 2.8 3 -60 -360 L5.8 6 L5.4 10",  # nearly open top
    ),
}


@dataclass(frozen=True)
class StyleSet:
    """Drawings uint8 (N, 28, 28) as the page's preprocessing outputs them (255 = ink); labels uint8 (N,);
    source (N,) an index into SOURCES; writer (N,) the UJI writer drawn, -1 for templates and fonts."""

    images: np.ndarray
    labels: np.ndarray
    source: np.ndarray
    writer: np.ndarray


def training_samples(path: Path = DATA_FILE) -> list:
    """The samples of the TRAINING writers only (the only real strokes this module ever draws)."""
    samples = load_samples(path)
    train = set(writer_split([sample.writer for sample in samples])["train"])
    return [sample for sample in samples if sample.writer in train]


def _resample(points: np.ndarray, step: float) -> np.ndarray:
    """Points every `step` along the polyline (the ends kept)."""
    if len(points) < 2:
        return points
    lengths = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(points, axis=0).T))])
    if lengths[-1] == 0:
        return points[:1]
    positions = np.append(np.arange(0.0, lengths[-1], step), lengths[-1])
    return np.column_stack([np.interp(positions, lengths, points[:, axis]) for axis in (0, 1)])


def augment_strokes(strokes: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """One way a hand might have drawn these strokes; in units of the drawing's height (about 0-1).

    Affine (turn +-10 degrees, slant -0.2..+0.35, width 75-125 %), a pen landing misplaced by ~1.5 % of the
    height per stroke, a sampling pace of 1.5-7 % of the height (slow tablet to fast mouse), a smooth
    wobble of ~1 % pinned at the stroke's ends, and with probability 0.2 one long stroke broken in two by a
    pen lift (the second part landing a little off)."""
    points = np.concatenate(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    size = max(high[1] - low[1], (high[0] - low[0]) * 0.5, 1e-9)
    turn = np.deg2rad(rng.uniform(-10, 10))
    slant = rng.uniform(-0.2, 0.35)
    width = rng.uniform(0.75, 1.25)
    matrix = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]]) @ np.array([[width, -slant], [0.0, 1.0]])
    pace = rng.uniform(0.015, 0.07)
    wobble = rng.uniform(0.003, 0.012)
    result = []
    for stroke in strokes:
        unit = (np.asarray(stroke, dtype=np.float64) - low) / size
        unit = unit @ matrix.T + rng.normal(0, 0.015, size=2)
        samples = _resample(unit, pace * rng.uniform(0.7, 1.3))
        if len(samples) > 2:
            walk = np.cumsum(rng.normal(0, wobble, size=samples.shape), axis=0)
            walk -= np.linspace(0, 1, len(samples))[:, None] * walk[-1]
            samples = samples + np.clip(walk, -0.04, 0.04)
        result.append(samples)
    long_strokes = [index for index, stroke in enumerate(result) if len(stroke) >= 6]
    if long_strokes and rng.random() < 0.2:
        index = long_strokes[rng.integers(len(long_strokes))]
        stroke = result[index]
        cut = int(rng.integers(2, len(stroke) - 2))
        second = stroke[cut:] + rng.normal(0, 0.012, size=2)
        result[index : index + 1] = [stroke[: cut + 1], second]
    return result


def draw_digit(strokes: list[np.ndarray], rng: np.random.Generator, config: PreprocessConfig, spec: DrawSpec = DrawSpec()) -> np.ndarray:
    """Strokes augmented, drawn at a page-like size and pen, preprocessed as the page does: uint8 (28, 28)."""
    augmented = augment_strokes(strokes, rng)
    height, pen = page_pen(rng, spec)
    margin = pen / 2 + 2
    fitted = fit_strokes(augmented, height, margin, margin)
    right = max(float(stroke[:, 0].max()) for stroke in fitted)
    bottom = max(float(stroke[:, 1].max()) for stroke in fitted)
    ink = draw_strokes(fitted, int(np.ceil(bottom + margin)), int(np.ceil(right + margin)), pen_width=pen)
    return as_input(ink, config)


@functools.lru_cache(maxsize=2)  # Once per process: loading the fonts takes ~1.5 s.
def _sources(path: Path) -> dict[str, list[tuple[int, int, list[np.ndarray]]]]:
    """Every source's strokes as (label, writer, strokes); writer -1 when no writer drew them."""
    return {
        "writers": [(sample.label, sample.writer, list(sample.strokes)) for sample in training_samples(path)],
        "templates": [
            (label, -1, parse_template(template))
            for label, templates in TEMPLATES.items()
            for index, template in enumerate(templates)
            if index not in LATER_TEMPLATES.get(label, ())
        ],
        "hershey": [(label, -1, hershey_strokes(font, str(label))) for font in HERSHEY_FONTS for label in range(10)],
    }


def _draw_chunk(task: tuple) -> tuple[np.ndarray, ...]:
    """Chunk `index` of a set: its own generator from (seed, index), so the order of work does not matter."""
    seed, index, count, path, config, styles = task
    sources = _sources(path)
    rng = np.random.default_rng([seed, index])
    images = np.zeros((count, config.imageSize, config.imageSize), np.uint8)
    labels, source, writer = (np.zeros(count, dtype) for dtype in (np.uint8, np.uint8, np.int16))
    for row in range(count):
        if styles is not None:  # Only the chosen templates: a digit, then one of its templates.
            digit = sorted(styles)[rng.integers(len(styles))]
            template = styles[digit][rng.integers(len(styles[digit]))]
            source[row], labels[row], writer[row] = SOURCES.index("templates"), digit, -1
            images[row] = draw_digit(parse_template(TEMPLATES[digit][template]), rng, config)
            continue
        source[row] = rng.choice(len(SOURCES), p=[SHARES[name] for name in SOURCES])
        entries = sources[SOURCES[source[row]]]
        if SOURCES[source[row]] == "writers":
            label, who, strokes = entries[rng.integers(len(entries))]
        else:  # Classes balanced: a digit, then one of its templates or fonts.
            digit = rng.integers(10)
            label, who, strokes = (options := [entry for entry in entries if entry[0] == digit])[rng.integers(len(options))]
        labels[row], writer[row] = label, who
        images[row] = draw_digit(strokes, rng, config)
    return images, labels, source, writer


def cache_key(count: int, seed: int, path: Path, config: PreprocessConfig, styles: dict | None = None) -> str:
    """Over the code that draws, the real strokes and fonts drawn, and the settings."""
    code = b"".join((ROOT / "training" / name).read_bytes() for name in ("digit_styles.py", "strokes.py", "preprocess.py", "writers.py", "handwriting.py"))
    code += "".join(inspect.getsource(function) for function in (page_pen, as_input)).encode()
    data = Path(path).read_bytes() + b"".join(hershey_font_bytes(font) for font in HERSHEY_FONTS)
    settings = json.dumps([count, seed, CHUNK, config.__dict__] + ([] if styles is None else [sorted(styles.items())]), sort_keys=True).encode()
    return hashlib.sha256(code + data + settings).hexdigest()[:12]


def style_set(
    count: int, seed: int, path: Path = DATA_FILE, config: PreprocessConfig | None = None, workers: int | None = None, cache: bool = True, styles: dict | None = None
) -> StyleSet:
    """`count` drawings of the three sources (SHARES), cached in runs/cache/ unless cache=False; with
    `styles` ({digit: template indices}, e.g. MISSING_STYLES), only those templates, digits balanced."""
    config = load_config() if config is None else config
    target = CACHE_DIR / f"digit-styles-{cache_key(count, seed, path, config, styles)}.npz"
    if cache and target.is_file():
        arrays = np.load(target)
        return StyleSet(arrays["images"], arrays["labels"], arrays["source"], arrays["writer"])
    started = time.time()
    tasks = [(seed, index, min(CHUNK, count - start), Path(path), config, styles) for index, start in enumerate(range(0, count, CHUNK))]
    results = parallel_map(_draw_chunk, tasks, workers=workers)
    images, labels, source, writer = (np.concatenate([result[part] for result in results]) for part in range(4))
    if cache:
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as temporary:  # Two processes may draw the same set at once.
            np.savez(temporary, images=images, labels=labels, source=source, writer=writer)
        print(f"drew {count:,} digits in the styles MNIST lacks in {time.time() - started:.0f} s (cached in runs/cache/)")
    return StyleSet(images, labels, source, writer)


def template_drawing(label: int, template: int, seed: int = 0, config: PreprocessConfig | None = None) -> np.ndarray:
    """One template drawn as on the page (for checks by eye and by model): uint8 (28, 28)."""
    config = load_config() if config is None else config
    return draw_digit(parse_template(TEMPLATES[label][template]), np.random.default_rng(seed), config)


def main(argv: list[str] | None = None) -> int:
    from PIL import Image

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("styles.png"))
    args = parser.parse_args(argv)
    if args.count < 10:
        parser.error("--count: at least 10")
    styles = style_set(args.count, args.seed, cache=False)
    order = np.argsort(styles.labels, kind="stable")
    tiles = 255 - styles.images[order][: (len(order) // 20) * 20 or len(order)]
    columns = 20 if len(tiles) >= 20 else len(tiles)
    rows = [np.concatenate(list(tiles[start : start + columns]), axis=1) for start in range(0, len(tiles) - columns + 1, columns)]
    with atomic_path(args.out) as temporary:
        Image.fromarray(np.concatenate(rows)).save(temporary, format="PNG")
    counts = {name: int((styles.source == index).sum()) for index, name in enumerate(SOURCES)}
    print(f"{args.count} drawings ({counts}); labels sorted, 20 a row, in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
