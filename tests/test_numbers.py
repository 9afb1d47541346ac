"""Whole numbers: canvases of 2-6 MNIST test digits read back exactly, through both implementations.

Python: training/preprocess.py + the Keras source model (model/model.h5).
JavaScript: site/js/preprocess.js + the shipped TF.js model (site/model/), in Node.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.numbers import LENGTHS, read_numbers, segment_in_javascript
from training.drawing import compose_numbers, redraw, stack_canvases, to_rgba
from training.evaluate import load_run_model
from training.preprocess import segment

ROOT = Path(__file__).resolve().parent.parent
NUMBERS_PER_LENGTH = 60
# The target is 97 % exact numbers. The shipped model reads 96.3 % (Python and JavaScript alike):
# 11 of the 300 have a misread digit (none is mis-segmented), and a number needs all of its digits.
# Until the model gets there, the target is recorded as an expected failure (strict: it turns red when
# reached, so the floor gets raised) and the floor guards against regressions (300 numbers: ±1.1 points;
# `python -m bench.numbers` reads 3,000 the same way: 96.3 %, ±0.68).
TARGET = 0.97
FLOOR = 0.94


@pytest.fixture(scope="module")
def numbers(mnist_test):
    """Canvases of non-touching digits at varied sizes, spacing and baselines, with their true numbers."""
    lengths = [length for length in LENGTHS for _ in range(NUMBERS_PER_LENGTH)]
    canvases, truths = compose_numbers(mnist_test.images, mnist_test.labels, lengths, np.random.default_rng(2026))
    return stack_canvases(canvases), truths


def exact_rate_by_length(read: list[str], truths: list[str]) -> dict[int, float]:
    return {length: np.mean([r == t for r, t in zip(read, truths) if len(t) == length]) for length in LENGTHS}


@pytest.fixture(scope="module")
def python_reading(numbers):
    """Each canvas read by training/preprocess.py + the Keras source model."""
    canvases, truths = numbers
    model = load_run_model(ROOT / "model")
    read = []
    for canvas in canvases:
        characters = segment(canvas)
        if not characters:
            read.append("")
            continue
        inputs = np.stack([c.input for c in characters]).reshape(-1, 28, 28, 1)
        read.append("".join(str(d) for d in model.predict(inputs, verbose=0).argmax(axis=1)))
    return read


@pytest.fixture(scope="module")
def javascript_reading(numbers):
    """Each canvas read by site/js/preprocess.js + the shipped TF.js model, in Node (as bench/numbers.py does)."""
    return read_numbers(segment_in_javascript(numbers[0]), ROOT / "site" / "model")


@pytest.mark.slow
@pytest.mark.parametrize("reading", ["python_reading", "javascript_reading"])
def test_numbers_read_back_above_the_floor(request, numbers, reading):
    read, truths = request.getfixturevalue(reading), numbers[1]
    rates = exact_rate_by_length(read, truths)
    print(f"{reading}: exact numbers by length", {k: round(float(v), 4) for k, v in rates.items()})
    assert np.mean([r == t for r, t in zip(read, truths)]) >= FLOOR, rates


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="target 97 % not reached yet: the shipped model reads 96.3 % of these numbers")
def test_numbers_read_back_at_the_target(numbers, javascript_reading):
    assert np.mean([r == t for r, t in zip(javascript_reading, numbers[1])]) >= TARGET


@pytest.mark.slow
def test_python_and_javascript_read_the_same_numbers(numbers, python_reading, javascript_reading):
    # Same segmentation and near-identical models (float32 Keras vs uint8 TF.js): nearly every number agrees.
    assert np.mean([p == j for p, j in zip(python_reading, javascript_reading)]) >= 0.99


def break_strokes(ink: np.ndarray, rng: np.random.Generator, cuts: int, radius: float) -> np.ndarray:
    """Lift the pen: erase `cuts` small disks on the stroke so one digit becomes several pieces."""
    ink = ink.copy()
    rows, cols = np.nonzero(ink > 0.5)
    yy, xx = np.mgrid[0 : ink.shape[0], 0 : ink.shape[1]]
    for index in rng.choice(len(rows), size=cuts, replace=False):
        ink[np.hypot(yy - rows[index], xx - cols[index]) <= radius] = 0
    return ink


def test_single_digits_drawn_in_several_strokes_are_not_split(mnist_test):
    # 4s, 5s and 7s re-drawn and broken into pieces by 1-2 pen lifts, each leaving a gap of 4-8 px in
    # the stroke at a random place: segmentation must keep each digit whole. (Measured: 2.7 % of the first
    # 600 are split; unbroken, 0.3 %.)
    rng = np.random.default_rng(5)
    indices = np.flatnonzero(np.isin(mnist_test.labels, [4, 5, 7]))[:300]
    splits = 0
    for index in indices:
        height = int(rng.integers(80, 200))
        pen = float(rng.uniform(8, 16))
        ink = break_strokes(redraw(mnist_test.images[index], height, pen), rng, int(rng.integers(1, 3)), pen / 2 + rng.uniform(2, 4))
        splits += len(segment(to_rgba(np.pad(ink, 30)))) != 1
    assert splits / len(indices) <= 0.03, f"{splits} of {len(indices)} multi-stroke digits split"
