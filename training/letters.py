"""python -m training.letters --split validation --sheet letters.png  — the letters data set, drawn as on the page.

The task is EMNIST's "letters": 26 classes, upper and lower case of a letter are one class, named by its
capital (the page shows the capital). Two sources:

- **Fonts** (the default, nothing to download): the 52 glyphs A-Z, a-z of every font of training/fonts.py,
  split by family into train / validation / test. Each glyph is drawn the way a person draws on the page:
  an outline glyph is reduced to its skeleton and re-drawn with a round pen (training/drawing.py `redraw`),
  a Hershey glyph's strokes are replayed as the page's pad draws them (training/strokes.py); sizes and pens
  vary as in the digits' simulation (DrawSpec). Every drawing then goes through the page's preprocessing
  (training/preprocess.py) with the letters task's parameters (`PREPROCESS`). Besides the drawings, each
  glyph is also kept as rendered ("plain", filled as fonts are, like notMNIST), preprocessed the same way.
  Arrays are cached in runs/cache/ under a key over the font files' SHA-256, the code and the settings.
- **EMNIST letters** (`--data-dir DIR`, as the official files: emnist-letters-{train,test}-{images-idx3,
  labels-idx1}-ubyte[.gz] and emnist-letters-mapping.txt; labels 1-26). Read by training/data.py, shifted to
  0-25, re-fitted by the page's preprocessing and re-drawn like MNIST digits.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import inspect
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.drawing import DrawSpec, redraw, to_rgba
from training.files import atomic_path, write_atomic
from training.fonts import FAMILIES, GLYPHS, HERSHEY_PACKAGE, SPLITS, UPPER, Family, check_fonts, font_manifest, font_path, hershey_strokes, render_outline
from training.parallel import parallel_map
from training.preprocess import PreprocessConfig, preprocess
from training.strokes import draw_strokes, fine_pen_glyph, fit_strokes

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / "runs" / "cache"
LABELS = list(UPPER)
MODELS = ("letters",)  # Models of this task (training/model.py); the others read digits.
# The letters task's preprocessing (metadata.json "preprocess"): single characters as for digits, except that
# the dot of an i or a j lies further from its stem than a digit's pieces (speckGap); the segmentation of a
# word (step 4) joins dots, bars and arms to the letter under or beside them, not to a taller neighbour.
# Words written with ordinary spacing and a slant keep their letters apart: a lower-case letter is no "piece"
# of a taller neighbour unless it is under 0.4 of its height (people write the x-height at about half the
# ascender's), and two letters merge as a pen lift only when their columns meet (mergeGap 0). Chosen on the
# validation families' words with handwriting proportions (README, "Words written as people write"): at gaps of
# 12-20 % of the letter height they read 94.0 % exactly against 92.4 % with pieceHeight 0.6 and mergeGap 0.04;
# the validation glyphs drawn alone read the same (98.93 %).
PREPROCESS = PreprocessConfig(speckGap=0.6, mergeGap=0.0, pieceHeight=0.4, pieceGap=0.1, verticalGapWeight=0.3, apartHeight=0.0, markHeight=0.0)
# The fields single-character preprocessing (steps 1-3, 5-8) reads: drawings are cached under these only.
SINGLE_CHARACTER_FIELDS = ("imageSize", "boxSize", "inkThreshold", "speckSize", "speckGap")
# Drawings of each glyph kept per split: training draws one of them at random each time it uses a glyph.
VARIANTS = {"train": 8, "validation": 2, "test": 3}
SEEDS = {"train": 1, "validation": 1001, "test": 2001}
EMNIST_PREFIX = "emnist-letters"
# TrainConfig values of the letters task where they differ from the digits' (training/train.py applies them
# unless given on the command line). canvas_variants: drawings kept of each glyph, and how many times each
# glyph is used an epoch (~54,000 images, as many as MNIST's); canvas_fraction: share of drawn images.
TRAIN_DEFAULTS = {"canvas_variants": 8, "canvas_fraction": 0.8}
# On fonts (no --data-dir), also the shipped model's settings: chosen on the validation families, then refit
# on the training and validation families (README, "Letters"), so that `make train MODEL=letters` trains
# the model `make convert TASK=letters` ships.
FONT_TRAIN_DEFAULTS = {"epochs": 20, "weight_decay": 3e-4, "seed": 2, "handwriting_font_weight": 2, "refit": True}


@dataclass(frozen=True)
class LetterSet:
    """Glyphs of one split: plain uint8 (N, 28, 28) as rendered; drawn uint8 (N, V, 28, 28) as on the page;
    labels uint8 (N,) 0-25 (A-Z); glyphs (N,) the character drawn ("a" or "A"); family (N,) its family name."""

    plain: np.ndarray
    drawn: np.ndarray
    labels: np.ndarray
    glyphs: np.ndarray
    family: np.ndarray


def label_of(character: str) -> int:
    return UPPER.index(character.upper())


def page_pen(rng: np.random.Generator, spec: DrawSpec) -> tuple[int, float]:
    """A drawing height (48-96 px) and pen width keeping a page's pen-to-height ratio (as training_redraws)."""
    page_height = rng.integers(spec.min_height, spec.max_height + 1)
    ratio = min(rng.uniform(spec.min_pen, spec.max_pen), spec.max_pen_fraction * page_height) / page_height
    height = int(rng.integers(48, 97))
    return height, ratio * height


def as_input(ink: np.ndarray, config: PreprocessConfig) -> np.ndarray:
    """Ink in [0, 1] -> the page's preprocessing -> uint8 (28, 28), 255 = ink."""
    result = preprocess(to_rgba(np.pad(ink, 4)), config)
    if result is None:
        return np.zeros((config.imageSize, config.imageSize), np.uint8)
    return np.round(255 * result.reshape(config.imageSize, config.imageSize)).astype(np.uint8)


def draw_outline_glyph(bitmap: np.ndarray, rng: np.random.Generator, spec: DrawSpec = DrawSpec()) -> np.ndarray:
    """An outline glyph re-drawn along its skeleton with a round pen, at a page-like size; ink float64.

    Fonts vary the stroke width on purpose (thick and thin strokes, serifs); a pen does not, so every glyph
    is re-drawn along its skeleton only (no blobs kept, unlike handwritten digits)."""
    height, pen = page_pen(rng, spec)
    return redraw(bitmap, height, pen, blob_factor=0)


def draw_stroke_glyph(strokes: list[np.ndarray], rng: np.random.Generator, spec: DrawSpec = DrawSpec()) -> np.ndarray:
    """A Hershey glyph's strokes replayed as the page's pad draws them, at a page-like size; ink float64."""
    height, pen = page_pen(rng, spec)
    margin = pen / 2 + 2
    fitted = fit_strokes(strokes, height, margin, margin)
    right = max(float(stroke[:, 0].max()) for stroke in fitted)
    bottom = max(float(stroke[:, 1].max()) for stroke in fitted)
    return draw_strokes(fitted, int(np.ceil(bottom + margin)), int(np.ceil(right + margin)), pen_width=pen)


def render_font(family: Family, file: str, variants: int, seed: int, config: PreprocessConfig) -> tuple[np.ndarray, np.ndarray]:
    """All 52 glyphs of one font: plain uint8 (52, 28, 28) and drawn uint8 (52, variants, 28, 28).

    The generator is seeded by (seed, font file), so a font's drawings do not depend on the order fonts are
    drawn in or on which process draws them."""
    rng = np.random.default_rng([seed, int(hashlib.sha256(file.encode()).hexdigest()[:8], 16)])
    size = config.imageSize
    plain = np.zeros((len(GLYPHS), size, size), np.uint8)
    drawn = np.zeros((len(GLYPHS), variants, size, size), np.uint8)
    stroke_font = family.package == HERSHEY_PACKAGE
    for index, character in enumerate(GLYPHS):
        if stroke_font:
            strokes = hershey_strokes(file, character)
            # "Plain" for a stroke font: its strokes with a fine pen, as a font renders them.
            plain[index] = as_input(fine_pen_glyph(strokes), config)
            for variant in range(variants):
                drawn[index, variant] = as_input(draw_stroke_glyph(strokes, rng), config)
        else:
            bitmap = render_outline(font_path(family, file), character)
            plain[index] = as_input(bitmap / 255.0, config)
            for variant in range(variants):
                drawn[index, variant] = as_input(draw_outline_glyph(bitmap, rng), config)
    return plain, drawn


def _render_task(task: tuple) -> tuple[np.ndarray, np.ndarray]:
    return render_font(*task)


def split_families(split: str, families: tuple[Family, ...] | None = None) -> tuple[Family, ...]:
    """The families of one split (of training/fonts.py's catalogue unless `families` is given)."""
    if split not in SPLITS:
        raise ValueError(f"split {split!r}: expected one of {', '.join(SPLITS)}")
    return tuple(family for family in (FAMILIES if families is None else families) if family.split == split)


def cache_key(families: tuple[Family, ...], variants: int, seed: int, config: PreprocessConfig) -> str:
    """Over the font files' SHA-256 and the code and settings that draw them (a change to any redraws)."""
    code = b"".join((ROOT / "training" / name).read_bytes() for name in ("fonts.py", "drawing.py", "strokes.py", "preprocess.py"))
    code += "".join(inspect.getsource(function) for function in (page_pen, as_input, draw_outline_glyph, draw_stroke_glyph, render_font)).encode()
    single = {name: getattr(config, name) for name in SINGLE_CHARACTER_FIELDS}
    settings = json.dumps([font_manifest(families)["digest"], variants, seed, single], sort_keys=True).encode()
    return hashlib.sha256(code + settings).hexdigest()[:12]


def letter_set(split: str, families: tuple[Family, ...] | None = None, variants: int | None = None, seed: int | None = None, config: PreprocessConfig = PREPROCESS, workers: int | None = None) -> LetterSet:
    """The glyphs of one split's families, plain and drawn as on the page (cached in runs/cache/)."""
    chosen = split_families(split, families)
    check_fonts(chosen)
    variants = VARIANTS[split] if variants is None else variants
    seed = SEEDS[split] if seed is None else seed
    fonts = [(family, file) for family in chosen for file in family.files]
    path = CACHE_DIR / f"letters-{split}-{cache_key(chosen, variants, seed, config)}.npz"
    if path.is_file():
        arrays = np.load(path)
        plain, drawn = arrays["plain"], arrays["drawn"]
    else:
        started = time.time()
        tasks = [(family, file, variants, seed, config) for family, file in fonts]
        results = parallel_map(_render_task, tasks, workers=workers)
        plain = np.concatenate([result[0] for result in results])
        drawn = np.concatenate([result[1] for result in results])
        path.parent.mkdir(parents=True, exist_ok=True)
        # Beside the arrays, the fonts they were drawn from (SHA-256 of each file): written first, so arrays
        # in the cache always have theirs.
        write_atomic(path.with_suffix(".fonts.json"), (json.dumps(font_manifest(chosen), indent=2) + "\n").encode())
        with atomic_path(path) as temporary:
            np.savez(temporary, plain=plain, drawn=drawn)
        print(f"drew the {split} letters of {len(fonts)} fonts ({len(plain):,} glyphs, {variants} drawings each) in {time.time() - started:.0f} s")
    glyphs = np.array([character for _ in fonts for character in GLYPHS])
    return LetterSet(
        plain=plain,
        drawn=drawn,
        labels=np.array([label_of(character) for character in glyphs], np.uint8),
        glyphs=glyphs,
        family=np.array([family.name for family, _ in fonts for _ in GLYPHS]),
    )


def load_emnist_letters(directory: Path | str, split: str):
    """EMNIST letters `train` or `test`: (Split with labels 0-25, labels A-Z). Refuses other class sets."""
    from training.data import load_emnist

    data, names = load_emnist(directory, EMNIST_PREFIX, split)
    if [name.upper() for name in names] != LABELS:
        raise ValueError(f"{Path(directory) / (EMNIST_PREFIX + '-mapping.txt')}: classes {''.join(names)}, expected A-Z (EMNIST letters)")
    return data, LABELS


def emnist_letter_set(directory: Path | str, split: str, variants: int, seed: int, config: PreprocessConfig = PREPROCESS) -> LetterSet:
    """EMNIST letters as a LetterSet: re-fitted by the page's preprocessing (plain) and re-drawn (drawn)."""
    from training.drawing import training_redraws

    data, _ = load_emnist_letters(directory, split)
    plain = np.stack([as_input(image / 255.0, config) for image in data.images]) if len(data.images) else data.images
    # The cache key covers the images and the code and parameters that draw and preprocess them.
    code = b"".join((ROOT / "training" / name).read_bytes() for name in ("drawing.py", "preprocess.py"))
    digest = hashlib.sha256(data.images.tobytes() + code + json.dumps(config.__dict__, sort_keys=True).encode()).hexdigest()[:12]
    drawn = []
    for variant in range(variants):
        path = CACHE_DIR / f"emnist-letters-{split}-{digest}-seed{seed + variant}.npy"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as temporary:
                np.save(temporary, training_redraws(data.images, seed + variant, config=config))
        drawn.append(np.load(path))
    drawn = np.stack(drawn, axis=1) if drawn else plain[:, None]
    glyphs = np.array([LABELS[label] for label in data.labels])
    return LetterSet(plain=plain, drawn=drawn, labels=data.labels.astype(np.uint8), glyphs=glyphs, family=np.full(len(glyphs), "EMNIST"))


def training_arrays(config) -> tuple:
    """What training/datasets.py's `pipelines` takes for the letters task (`config` a TrainConfig): plain
    glyphs, their drawings, labels, validation images and labels, and how many times an epoch uses each glyph
    (an int, or per glyph when config.handwriting_font_weight is not 1).

    Fonts by default: the training families, validated on the validation families' glyphs as rendered and
    drawn. With `data_dir`, EMNIST letters: the last `validation_size` training images validate."""
    if config.data_dir:
        train = emnist_letter_set(config.data_dir, "train", config.canvas_variants, config.seed)
        if config.train_limit:
            train = subset(train, slice(0, config.train_limit))
        validation_size = min(config.validation_size, len(train.labels) // 5)
        fit, validation = subset(train, slice(0, -validation_size)), subset(train, slice(-validation_size, None))
        repeats = 1
    else:
        fit = letter_set("train", variants=config.canvas_variants, seed=config.seed)
        if config.refit:  # The final fit: the validation families' glyphs train too, drawn as many times.
            fit = concatenate(fit, letter_set("validation", variants=config.canvas_variants, seed=config.seed))
        if config.train_limit:
            fit = subset(fit, slice(0, config.train_limit))
        validation = letter_set("validation")
        repeats = config.canvas_variants
        weight = config.handwriting_font_weight
        if weight != 1:
            handwriting = np.isin(fit.family, [family.name for family in FAMILIES if family.kind == "handwriting"])
            repeats = np.where(handwriting, weight * repeats, repeats)
    images, labels = as_examples(validation)
    return fit.plain, fit.drawn, fit.labels, images, labels, repeats


def load_test(data_dir: str | None = None):
    """The letters task's test set as a training.data.Split (training/tasks.py): the held-out families'
    glyphs, each drawn as on the page 3 times (labels 0-25), or with `data_dir` the EMNIST letters test set
    as published (re-fitted by the page's preprocessing)."""
    from training.data import Split

    if data_dir:
        test = emnist_letter_set(data_dir, "test", variants=0, seed=0)
        return Split(images=test.plain, labels=test.labels)
    images, labels = as_examples(letter_set("test"), drawn_only=True)
    return Split(images=images, labels=labels)


def columns(letters: LetterSet) -> list[np.ndarray]:
    """LetterSet's arrays in field order (every one N long), so that a field added needs no other change here."""
    return [getattr(letters, field.name) for field in dataclasses.fields(letters)]


def concatenate(*sets: LetterSet) -> LetterSet:
    return LetterSet(*(np.concatenate(arrays) for arrays in zip(*(columns(s) for s in sets))))


def subset(letters: LetterSet, rows) -> LetterSet:
    return LetterSet(*(array[rows] for array in columns(letters)))


def as_examples(letters: LetterSet, drawn_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Images (M, 28, 28) and labels (M,): each glyph as rendered (unless `drawn_only`) and every drawing."""
    variants = letters.drawn.shape[1]
    images = [letters.drawn.reshape(-1, *letters.drawn.shape[2:])]
    labels = [np.repeat(letters.labels, variants)]
    if not drawn_only:
        images.insert(0, letters.plain)
        labels.insert(0, letters.labels)
    return np.concatenate(images), np.concatenate(labels)


def sheet(letters: LetterSet, path: Path, count: int = 52) -> None:
    """Save the first `count` glyphs: as rendered, then each of their drawings, as the model sees them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = 1 + letters.drawn.shape[1]
    figure, axes = plt.subplots(count // 4 + (count % 4 > 0), 4 * columns, figsize=(4 * columns * 0.9, (count // 4 + 1) * 1.0))
    for axis in axes.reshape(-1):
        axis.axis("off")
    for index in range(min(count, len(letters.labels))):
        row, column = divmod(index, 4)
        images = [letters.plain[index], *letters.drawn[index]]
        for offset, image in enumerate(images):
            axes[row, column * columns + offset].imshow(image, cmap="gray_r")
        axes[row, column * columns].set_title(f"{letters.glyphs[index]} {letters.family[index][:12]}", fontsize=6)
    figure.tight_layout()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=90)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    from training.data import DataError
    from training.fonts import FontError

    parser = argparse.ArgumentParser(description="Draw the letters of one split (cached) and save a sheet of them.")
    parser.add_argument("--split", default="validation", choices=SPLITS)
    parser.add_argument("--sheet", type=Path, default=Path("letters.png"))
    parser.add_argument("--start", type=int, default=0, help="first glyph shown (52 per font)")
    args = parser.parse_args(argv)
    try:
        letters = letter_set(args.split)
    except (FontError, DataError, ValueError) as error:
        print(f"error: {error}")
        return 1
    sheet(subset(letters, slice(args.start, args.start + 52)), args.sheet)
    print(f"{args.split}: {len(letters.labels):,} glyphs of {len(set(letters.family))} families; wrote {args.sheet}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
