"""python -m training.drawing --count 16 --out drawings.png  — show MNIST test digits re-drawn as on the page.

Simulates what a person's drawing looks like to the page, so that training, tests and benchmarks see
canvas-like digits: an MNIST digit is enlarged to the size someone draws (50-250 px tall on a 280x280
canvas), reduced to its skeleton (the path of the pen) and re-drawn with a round pen thinner or bolder than
the original stroke (keeping the blobs the writer filled in), placed off-centre, sometimes with stray
specks. The result is RGBA, dark ink on white, exactly what `site/js/preprocess.js` receives from the page.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage
from skimage.morphology import skeletonize

from training.files import atomic_path
from training.preprocess import PreprocessConfig, preprocess


@dataclass(frozen=True)
class DrawSpec:
    """How people draw on the page: a 280x280 canvas, digits 50-250 px tall, pens of 8-24 px."""

    canvas_size: int = 280
    min_height: int = 50
    max_height: int = 250
    page_pen: float = 16.0  # The page's own pen (site/js/pad.js, via metadata.json): the middle of these.
    min_pen: float = 8.0
    max_pen: float = 24.0
    max_pen_fraction: float = 0.3  # A pen wider than this fraction of the digit's height makes a blot.
    speck_probability: float = 0.3
    max_specks: int = 3
    speck_clearance: float = 0.25  # Specks stay this fraction of the digit's height away from its box.
    blob_factor: float = 1.6  # See `redraw`; 0 re-draws every digit along its skeleton only.


def enlarge(image: np.ndarray, height: int) -> np.ndarray:
    """A 28x28 MNIST digit (uint8) cropped to its ink and enlarged (bilinear) to `height` pixels tall; float64, 0-255."""
    rows, cols = np.nonzero(image > 0.3 * image.max())
    crop = image[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].astype(np.float64)
    return ndimage.zoom(crop, height / crop.shape[0], order=1, grid_mode=True, mode="nearest")


def redraw(image: np.ndarray, height: int, pen_width: float, blob_factor: float = DrawSpec.blob_factor) -> np.ndarray:
    """Re-draw a 28x28 digit `height` pixels tall along its skeleton with a round pen; ink float64 in [0, 1].

    Blobs stay blobs: where the writer's ink is more than `blob_factor` times as wide as their usual stroke
    and wider than the new pen (a loop they filled in, an overdrawn corner), the skeleton is a single line
    through the blob, not what they drew, and a filled 9 re-drawn that way reads as a 7. There the blob is
    kept, scaled with the digit, as the union of its inscribed discs. 0 turns this off (skeleton only).
    """
    large = enlarge(image, height)
    shape = large > 0.5 * large.max()
    skeleton = skeletonize(shape)
    if not skeleton.any():
        skeleton = shape
    # On the skeleton: half the writer's local stroke width (padded, so the crop's edge counts as paper).
    radius = ndimage.distance_transform_edt(np.pad(shape, 1))[1:-1, 1:-1]
    pad = int(np.ceil(pen_width / 2)) + 2  # Blobs need none: each disc lies inside the writer's ink.
    skeleton, radius = np.pad(skeleton, pad), np.pad(radius, pad)
    distance = ndimage.distance_transform_edt(~skeleton)
    # A round pen of this width, anti-aliased over one pixel like the canvas 2D context.
    ink = np.clip(pen_width / 2 + 0.5 - distance, 0.0, 1.0)
    if blob_factor > 0:
        typical = np.median(radius[skeleton])
        blob = skeleton & (radius > blob_factor * typical) & (radius > pen_width / 2)
        for disc_radius in np.unique(np.round(2 * radius[blob]) / 2):  # Discs grouped by radius, 0.5 px apart.
            centres = blob & (np.abs(radius - disc_radius) <= 0.25)
            disc = np.clip(disc_radius + 0.5 - ndimage.distance_transform_edt(~centres), 0.0, 1.0)
            np.maximum(ink, disc, out=ink)
    return ink


def to_rgba(ink: np.ndarray) -> np.ndarray:
    """Ink in [0, 1] -> RGBA uint8, black ink on an opaque white page."""
    grey = np.round(255 * (1 - np.clip(ink, 0, 1))).astype(np.uint8)
    return np.dstack([grey, grey, grey, np.full_like(grey, 255)])


def paste(canvas: np.ndarray, ink: np.ndarray, top: int, left: int) -> None:
    """Draw `ink` onto the canvas ink at (top, left), as overlapping strokes do (the darker wins)."""
    region = canvas[top : top + ink.shape[0], left : left + ink.shape[1]]
    np.maximum(region, ink[: region.shape[0], : region.shape[1]], out=region)


def add_specks(canvas: np.ndarray, box: tuple[int, int, int, int], count: int, clearance: float, rng: np.random.Generator) -> int:
    """Add up to `count` dots of 2-6 px radius at least `clearance` px from `box` (top, left, bottom, right)."""
    size = canvas.shape[0]
    top, left, bottom, right = box
    added = 0
    for _ in range(50 * count):
        if added == count:
            break
        radius = rng.uniform(2, 6)
        y, x = rng.uniform(radius, size - radius, size=2)
        gap = max(top - y, y - bottom, left - x, x - right) - radius
        if gap < clearance:
            continue
        yy, xx = np.mgrid[0:size, 0:size]
        dot = np.clip(radius + 0.5 - np.hypot(yy - y, xx - x), 0, 1)
        np.maximum(canvas, dot, out=canvas)
        added += 1
    return added


def draw_on_canvas(image: np.ndarray, rng: np.random.Generator, spec: DrawSpec = DrawSpec(), specks: bool = True) -> np.ndarray:
    """One MNIST digit as someone might draw it on the page: RGBA uint8 (canvas, canvas, 4)."""
    height = int(rng.integers(spec.min_height, spec.max_height + 1))
    pen = min(rng.uniform(spec.min_pen, spec.max_pen), spec.max_pen_fraction * height)
    ink = redraw(image, height, pen, spec.blob_factor)
    ink = ink[: spec.canvas_size, : spec.canvas_size]
    canvas = np.zeros((spec.canvas_size, spec.canvas_size))
    top = int(rng.integers(0, spec.canvas_size - ink.shape[0] + 1))
    left = int(rng.integers(0, spec.canvas_size - ink.shape[1] + 1))
    paste(canvas, ink, top, left)
    if specks and rng.random() < spec.speck_probability:
        rows, cols = np.nonzero(canvas > 0.2)
        box = (rows.min(), cols.min(), rows.max(), cols.max())
        add_specks(canvas, box, int(rng.integers(1, spec.max_specks + 1)), spec.speck_clearance * height, rng)
    return to_rgba(canvas)


def training_redraws(images: np.ndarray, seed: int, spec: DrawSpec = DrawSpec(), config: PreprocessConfig = PreprocessConfig()) -> np.ndarray:
    """Each digit re-drawn with a random pen and preprocessed as the page does: uint8 (N, 28, 28).

    Drawn at 48-96 px tall with the pen scaled to keep the page's pen-to-height ratios: the ratio is what
    changes how a digit looks after preprocessing, and the smaller canvas is ~10x faster to make.
    """
    rng = np.random.default_rng(seed)
    out = np.zeros((len(images), config.imageSize, config.imageSize), dtype=np.uint8)
    for index, image in enumerate(images):
        page_height = rng.integers(spec.min_height, spec.max_height + 1)
        ratio = min(rng.uniform(spec.min_pen, spec.max_pen), spec.max_pen_fraction * page_height) / page_height
        height = int(rng.integers(48, 97))
        ink = redraw(image, height, ratio * height, spec.blob_factor)
        result = preprocess(to_rgba(np.pad(ink, 4)), config)
        if result is not None:
            out[index] = np.round(255 * result.reshape(config.imageSize, config.imageSize)).astype(np.uint8)
    return out


# How compose_number renders each digit: enlarged as its writer wrote it, or re-drawn along its skeleton with
# one pen for the whole number (as on the page, where the pen is one width whatever the size of the writing).
STYLES = ("as written", "re-drawn")


def compose_number(images: list[np.ndarray], rng: np.random.Generator, spec: DrawSpec = DrawSpec(), width: int = 800, style: str = "re-drawn") -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Digits written side by side at varied sizes, spacing and baselines, not touching, in one of STYLES.

    The same generator state gives the same digits, sizes and places in either style. Returns the RGBA canvas
    (spec.canvas_size tall, `width` wide or wider) and each digit's column range.
    """
    if style not in STYLES:
        raise ValueError(f"style {style!r}: choose one of {', '.join(map(repr, STYLES))}")
    base_height = int(rng.integers(60, 140))
    # Drawn in either style (unused as written), so both styles take the same numbers from the generator.
    pen = min(rng.uniform(spec.min_pen, spec.max_pen), spec.max_pen_fraction * base_height * 0.8)
    heights = [int(base_height * rng.uniform(0.8, 1.2)) for _ in images]
    if style == "as written":
        drawn = [np.pad(enlarge(image, height) / 255, 2) for image, height in zip(images, heights)]
    else:
        drawn = [redraw(image, height, pen, spec.blob_factor) for image, height in zip(images, heights)]
    # Spaces between digits: 8-40 % of the height, as people leave when writing a number (not touching).
    gaps = [int(base_height * rng.uniform(0.08, 0.4)) for _ in drawn]
    total = sum(ink.shape[1] for ink in drawn) + sum(gaps[1:]) + 40
    canvas = np.zeros((spec.canvas_size, max(width, total)))
    left = int(rng.integers(10, max(11, canvas.shape[1] - total + 10)))
    baseline = int(rng.integers(base_height + 30, spec.canvas_size - 20))
    columns = []
    for ink, gap in zip(drawn, [0] + gaps[1:]):
        left += gap
        top = int(np.clip(baseline - ink.shape[0] + rng.integers(-12, 13), 0, spec.canvas_size - ink.shape[0]))
        paste(canvas, ink, top, left)
        columns.append((left, left + ink.shape[1] - 1))
        left += ink.shape[1]
    return to_rgba(canvas), columns


def compose_numbers(images: np.ndarray, labels: np.ndarray, lengths: list[int], rng: np.random.Generator, width: int = 1100, style: str = "re-drawn") -> tuple[list[np.ndarray], list[str]]:
    """One number per entry of `lengths`, made of distinct random digits from `images` by `compose_number`.

    Returns the RGBA canvases and the numbers they show, e.g. "2026".
    """
    canvases, truths = [], []
    for length in lengths:
        indices = rng.choice(len(images), size=length, replace=False)
        canvas, _ = compose_number([images[i] for i in indices], rng, width=width, style=style)
        canvases.append(canvas)
        truths.append("".join(str(labels[i]) for i in indices))
    return canvases, truths


def stack_canvases(canvases: list[np.ndarray]) -> np.ndarray:
    """Canvases of one height but varied widths (compose_number's) as one batch, widened with white paper."""
    width = max(canvas.shape[1] for canvas in canvases)
    return np.stack([np.pad(canvas, ((0, 0), (0, width - canvas.shape[1]), (0, 0)), constant_values=255) for canvas in canvases])


def main(argv: list[str] | None = None) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from training.data import DataError, load_mnist

    parser = argparse.ArgumentParser(description="Save a sheet of MNIST test digits re-drawn as on the page.")
    parser.add_argument("--count", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("drawings.png"))
    args = parser.parse_args(argv)
    try:
        test = load_mnist("test")
    except (DataError, ValueError) as error:
        print(f"error: {error}")
        return 1
    rng = np.random.default_rng(args.seed)
    columns = 4
    rows = -(-args.count // columns)
    figure, axes = plt.subplots(rows, 2 * columns, figsize=(2 * columns * 1.6, rows * 1.7))
    for index, axis_pair in enumerate(np.asarray(axes).reshape(rows, columns, 2).reshape(-1, 2)):
        for axis in axis_pair:
            axis.axis("off")
        if index >= args.count:
            continue
        canvas = draw_on_canvas(test.images[index], rng)
        axis_pair[0].imshow(canvas)
        axis_pair[0].set_title(f"label {test.labels[index]}", fontsize=8)
        model_input = preprocess(canvas)
        axis_pair[1].imshow(np.zeros((28, 28)) if model_input is None else model_input.reshape(28, 28), cmap="gray_r")
        axis_pair[1].set_title("model sees", fontsize=8)
    figure.tight_layout()
    with atomic_path(args.out) as temporary:
        figure.savefig(temporary, dpi=110)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
