"""Whole numbers: canvases of 2-6 MNIST test digits read back exactly, through both implementations of the
page's reading (segmentation, the model, and the judge of joined digits, which cuts a character judged two
digits in two).

Python: training/joined.py `read_text` (training/preprocess.py's segmentation) with the Keras source model
(models/digits/model.h5, its weights as the shipped uint8 model carries them: convert.dequantised) and its committed
judges (models/digits/joined.json, and other.json: ink that is no digit; with the float weights Python judged a 0
of one of these numbers a digit, near the threshold, where the page judged it other).
JavaScript: the page's own code in Node (recognise.js with preprocess.js and joined.js, training/webruntime.py
`run_page_read`) with the shipped TF.js model (site/models/digits/).
Two styles of the same numbers (training.drawing.STYLES): the digits enlarged as written, and re-drawn with
one pen for the whole number as on the page.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bench.numbers import LENGTHS
from convert import dequantised
from training import joined, other
from training.drawing import STYLES, compose_numbers, redraw, stack_canvases, to_rgba
from training.evaluate import load_run_model
from training.preprocess import load_config, segment
from training.webruntime import run_page_read

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "models" / "digits"
SHIPPED = ROOT / "site" / "models" / "digits"
NUMBERS_PER_LENGTH = 60
# The target: 97 % of numbers read exactly, the digits composed as written. Re-drawn with one pen for
# the whole number (8-24 px on digits 48-168 px tall), they are harder: a bold pen on small writing closes
# loops and gaps. There the page reads 95.3 % (96.3 % before it judged ink that is no digit: it calls a digit of 3
# of these numbers "?", and of 1 written as is, a 0; 96.7 % before it judged joined digits: these digits never
# touch, and its judge changes 2 of the 300 numbers of each style, as written fixing one and breaking one,
# re-drawn breaking one), so the target is an expected failure (strict: it turns red when reached, so the floor gets
# raised) and a floor guards against regressions (300 numbers: ±1.1 points; `python -m bench.numbers` reads
# 3,000 of each style the same way).
TARGET = 0.97
REDRAWN_FLOOR = 0.94
REQUIRED = {"as written": TARGET, "re-drawn": REDRAWN_FLOOR}


@pytest.fixture(scope="module", params=STYLES)
def numbers(request, mnist_test):
    """Canvases of non-touching digits at varied sizes, spacing and baselines, with their true numbers.

    Both styles draw the same digits at the same sizes and places (the same generator seed)."""
    lengths = [length for length in LENGTHS for _ in range(NUMBERS_PER_LENGTH)]
    canvases, truths = compose_numbers(mnist_test.images, mnist_test.labels, lengths, np.random.default_rng(2026), style=request.param)
    return request.param, stack_canvases(canvases), truths


def exact_rate_by_length(read: list[str], truths: list[str]) -> dict[int, float]:
    return {length: np.mean([r == t for r, t in zip(read, truths) if len(t) == length]) for length in LENGTHS}


@pytest.fixture(scope="module")
def python_reader():
    """training/joined.py's reading of one canvas, with the Keras source model, with its judge or without (and
    training/other.py's judge of ink that is no digit, as the page has it)."""
    rule, refusal = joined.load_for(SOURCE / "model.h5"), other.load_for(SOURCE / "model.h5")
    for judge, module in ((rule, joined), (refusal, other)):
        if judge is None:
            raise ValueError(f"{SOURCE / module.JUDGE_FILE}: no judge fitted to this model.h5; python -m {module.__name__} --fit --run {SOURCE}")
    config = load_config(SHIPPED / "metadata.json")
    metadata = json.loads((SHIPPED / "metadata.json").read_text())
    look = joined.keras_look(dequantised(load_run_model(SOURCE), metadata["quantization"]), config)
    return lambda canvas, judged=True: joined.read_text(canvas, look, rule if judged else None, config, refusal)


@pytest.fixture(scope="module")
def python_reading(numbers, python_reader):
    """Each canvas read by training/joined.py as the page reads it, joined digits cut by the judge."""
    return [python_reader(canvas) for canvas in numbers[1]]


@pytest.fixture(scope="module")
def javascript_reading(numbers):
    """Each canvas read by the page's own code with the shipped TF.js model, in Node (as bench/numbers.py does)."""
    return run_page_read(SHIPPED, numbers[1])


@pytest.mark.slow
@pytest.mark.parametrize("reading", ["python_reading", "javascript_reading"])
def test_numbers_are_read_back(request, numbers, reading):
    style, _, truths = numbers
    read = request.getfixturevalue(reading)
    rates = exact_rate_by_length(read, truths)
    print(f"{style}, {reading}: exact numbers by length", {k: round(float(v), 4) for k, v in rates.items()})
    assert np.mean([r == t for r, t in zip(read, truths)]) >= REQUIRED[style], rates


@pytest.mark.slow
@pytest.mark.parametrize("numbers", ["re-drawn"], indirect=True)
@pytest.mark.xfail(strict=True, reason="target 97 % not reached on re-drawn digits: the page reads 95.3 % of them")
def test_redrawn_numbers_are_read_back_at_the_target(numbers, javascript_reading):
    _, _, truths = numbers
    assert np.mean([r == t for r, t in zip(javascript_reading, truths)]) >= TARGET


@pytest.mark.slow
def test_python_and_javascript_read_the_same_numbers(numbers, python_reader, python_reading, javascript_reading):
    # The same reading (segmentation, model, judge) and near-identical models (float32 Keras vs uint8 TF.js):
    # nearly every number agrees (measured: all 300 of each style).
    assert np.mean([p == j for p, j in zip(python_reading, javascript_reading)]) >= 0.99
    # The judge changes too few of these numbers for that tolerance to see a side without it (2 of 300 in each
    # style), so those are compared one by one: both sides must cut them alike.
    changed = [index for index, canvas in enumerate(numbers[1]) if python_reader(canvas, judged=False) != python_reading[index]]
    assert changed, "Python reads these numbers alike with and without the judge: it does not judge, or they no longer test it"
    assert [python_reading[index] for index in changed] == [javascript_reading[index] for index in changed]


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
    # the stroke at a random place: segmentation must keep each digit whole. (Measured: 8 of the first 600,
    # 1.3 %, are split; unbroken, 1 of 600. These 300: 7, 5 before lines were found: a 4 whose stem the cut leaves
    # below its arms reads as two lines, the arms and stem top over the stem's foot; one a line is one line.)
    rng = np.random.default_rng(5)
    indices = np.flatnonzero(np.isin(mnist_test.labels, [4, 5, 7]))[:300]
    splits = 0
    for index in indices:
        height = int(rng.integers(80, 200))
        pen = float(rng.uniform(8, 16))
        ink = break_strokes(redraw(mnist_test.images[index], height, pen), rng, int(rng.integers(1, 3)), pen / 2 + rng.uniform(2, 4))
        splits += len(segment(to_rgba(np.pad(ink, 30)))) != 1
    assert splits / len(indices) <= 0.03, f"{splits} of {len(indices)} multi-stroke digits split"
