"""python -m training.evaluate_writers --model-dir site/models/digits --split validation  — real writers, read as on the page.

Real people's digits (training/writers.py: UJI Pen Characters, split by writer) are replayed stroke by stroke
onto the recognition canvas exactly as site/js/pad.js draws them (training/strokes.py, with the page's pen
and its rule for small writing from metadata.json's `drawing`), then read as the page reads a drawing:
segmented and preprocessed by site/js/preprocess.js (in Node) and classified by the model (`read_drawings`).
Three measures:

- single digits: every sample of the split drawn alone on the pad; right when the page reads exactly that
  digit (a digit split in two, or lost, is wrong);
- numbers: 2-5 digits written across the pad by one writer (`writer_numbers`), spaced (0.3-0.7 of their
  height of paper between digits) and written close (0.1-0.3: the pen may bridge it, as it does for many
  people); right when every digit is read and none is missing or extra.
- numbers wrapped under themselves: two 4-digit numbers of one writer, the second under the first
  (`writer_wrapped_numbers`), 0.3-0.8 of their height apart, and just under (0.2, 0.1), with a model folder only;
  right when both lines are read, line by line.

Figures on the test writers are final figures: choose anything (the pen rule's parameters, a model) on the
validation writers.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Callable

import numpy as np

from training.drawing import to_rgba
from training.files import write_atomic
from training.strokes import digits_page, page_drawing
from training.writers import CLOSE_GAP, LENGTHS, LINE_GAP, NUMBER_GAP, SEED, writer_digits, writer_numbers, writer_wrapped_numbers

# Result key: what the reports call it, and the paper between digits (x their height).
SPACINGS = {"numbers": ("spaced", NUMBER_GAP), "numbers_close": ("written close", CLOSE_GAP)}
# Result key: two 4-digit numbers, one under the other (writers.writer_wrapped_numbers): what the reports call it, the
# paper between the lines (x the taller line's height) and rounds over the writers.
WRAPPINGS = {"numbers_wrapped": ("0.3-0.8 apart", LINE_GAP, 20), "numbers_wrapped_0.2": ("0.2 apart", (0.2, 0.2), 10), "numbers_wrapped_0.1": ("0.1 apart", (0.1, 0.1), 10)}

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 200  # Canvases segmented at a time (280 x 280 x 4 bytes each).

Predict = Callable[[np.ndarray], np.ndarray]  # float32 (n, 28, 28, 1) -> probabilities (n, 10)


def without_pen_rule(drawing: dict | None = None) -> dict:
    """The drawing settings with one pen whatever the drawing's size (the page before the pen rule)."""
    return {**(page_drawing() if drawing is None else drawing), "thinnestPen": 1.0}


def segment_in_javascript(canvases: np.ndarray) -> list[list[np.ndarray]]:
    """Each canvas's characters, left to right, as site/js/preprocess.js (Node) gives them to the model."""
    from training.webruntime import run_js_segment

    return [[model_input for _, model_input in found] for found in run_js_segment(canvases)]


def read_characters(characters: list[list[np.ndarray]], predict) -> list[str]:
    """Each canvas's characters (model inputs, left to right) read as digits by `predict` (float32
    (n, 28, 28, 1) -> probabilities (n, 10)), all canvases in one batch."""
    inputs = [model_input for canvas in characters for model_input in canvas]
    if not inputs:
        return [""] * len(characters)
    digits = predict(np.stack(inputs).reshape(-1, 28, 28, 1).astype(np.float32)).argmax(axis=1)
    read, position = [], 0
    for canvas in characters:
        read.append("".join(str(digit) for digit in digits[position : position + len(canvas)]))
        position += len(canvas)
    return read


def read_drawings(drawings: list[list[np.ndarray]], predict: Predict | Path, drawing: dict | None = None) -> list[str]:
    """What the page reads in each drawing (strokes in canvas pixels): drawn as the digits page's pad draws them
    (training/strokes.py `digits_page`: a line under or a loop round the answer left out, lines stacked as a number
    wrapped under itself drawn apart), then, with a model folder, read by the page's own code in TF.js (recognise.js:
    preprocess.js's segmentation, the model, two digits joined by ink cut apart where the model's metadata.json has a
    judge, given the strokes' groups as the pad gives them); with a function, the whole canvas segmented by
    preprocess.js and each character classified by it, left to right."""
    from training.webruntime import run_page_read

    read, characters = [], []
    for start in range(0, len(drawings), CHUNK):
        pages = [digits_page(strokes, drawing) for strokes in drawings[start : start + CHUNK]]  # as the digits page draws them
        canvases = np.stack([to_rgba(whole) for (whole, _), _ in pages])
        if callable(predict):  # the whole canvas: one line of writing
            characters += segment_in_javascript(canvases)
        else:
            read += run_page_read(Path(predict), canvases, groups=[groups for (_, groups), _ in pages], lines=[lines and [to_rgba(ink) for ink, _ in lines] for _, lines in pages])
    return read_characters(characters, predict) if callable(predict) else read


def measure_writers(predict: Predict | Path, split: str, numbers_per_length: int = 50, seed: int = SEED, drawing: dict | None = None, lengths: tuple[int, ...] = LENGTHS, spacings: tuple[str, ...] = (*SPACINGS, *WRAPPINGS)) -> dict:
    """Single-digit accuracy by digit and exact-number accuracy by length, numbers spaced ("numbers") and
    written close ("numbers_close", the same writers and digits), on the writers of `split`, and two-line numbers
    (WRAPPINGS: exact when both lines are read, line by line); `spacings`: which of these to measure.

    `predict`: a model folder (read with TF.js by the page's own code, joined digits cut as the page does) or a
    function from inputs to probabilities (each segmented character classified alone).
    `drawing`: metadata.json's drawing block (default: the page's, with its pen rule).
    """
    singles = writer_digits(split, seed)
    if callable(predict) and set(spacings) & set(WRAPPINGS):
        raise ValueError("two-line numbers are read line by line by the page's code only: give a model folder")
    numbers = {key: writer_numbers(split, lengths, numbers_per_length, seed, gap=SPACINGS[key][1]) for key in spacings if key in SPACINGS}
    numbers |= {key: writer_wrapped_numbers(split, WRAPPINGS[key][2], gap=WRAPPINGS[key][1]) for key in spacings if key in WRAPPINGS}
    drawings = [strokes for strokes, _ in singles] + [strokes for spaced in numbers.values() for strokes, _ in spaced]
    read = read_drawings(drawings, predict, drawing)
    single_right = np.array([r == str(label) for r, (_, label) in zip(read, singles)])
    labels = np.array([label for _, label in singles])
    result = {
        "split": split,
        "drawing": page_drawing() if drawing is None else drawing,
        "digits": {
            "count": len(singles),
            "accuracy": float(single_right.mean()),
            "by_digit": {str(digit): float(single_right[labels == digit].mean()) for digit in range(10)},
            "errors": [{"label": int(label), "read": r} for r, (_, label), ok in zip(read, singles, single_right) if not ok],
        },
    }
    position = len(singles)
    for key, spaced in numbers.items():
        result[key] = number_figures(read[position : position + len(spaced)], [digits for _, digits in spaced], () if key in WRAPPINGS else lengths)
        position += len(spaced)
    return result


def number_figures(read: list[str], truths: list[str], lengths: tuple[int, ...]) -> dict:
    """Exact-number accuracy, by length, and how many numbers were cut into too many or too few characters."""
    exact = np.array([r == t for r, t in zip(read, truths)])
    return {
        "count": len(truths),
        "exact": float(exact.mean()),
        "by_length": {str(length): float(np.mean([e for e, t in zip(exact, truths) if len(t) == length])) for length in lengths},
        "mis_segmented": int(sum(len(r) != len(t) for r, t in zip(read, truths))),
    }


def sentence(result: dict) -> str:
    """One line: single digits and numbers, by length."""
    digits = result["digits"]
    said = [f"{result['split']} writers: single digits {100 * digits['accuracy']:.1f} % of {digits['count']}"]
    for key, (name, _) in SPACINGS.items():
        if key not in result:
            continue
        numbers = result[key]
        by_length = ", ".join(f"{length}: {100 * rate:.1f}" for length, rate in numbers["by_length"].items())
        said.append(f"numbers {name} {100 * numbers['exact']:.1f} % exact of {numbers['count']} ({by_length} %; {numbers['mis_segmented']} mis-segmented)")
    for key, (name, _, _) in WRAPPINGS.items():
        if key in result:
            said.append(f"two 4-digit lines one under the other, {name}, {100 * result[key]['exact']:.1f} % exact of {result[key]['count']}")
    return "; ".join(said)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=ROOT / "site" / "models" / "digits")
    parser.add_argument("--split", choices=["validation", "test"], default="validation")
    parser.add_argument("--numbers", type=int, default=50, help="numbers of each length (2-5)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--no-pen-rule", action="store_true", help="draw with one pen whatever the size (the page before the rule)")
    parser.add_argument("--json", type=Path, help="also write the full result here")
    args = parser.parse_args(argv)
    from training.webruntime import WebRuntimeError

    try:
        metadata = json.loads((args.model_dir / "metadata.json").read_text())
        drawing = without_pen_rule(metadata["drawing"]) if args.no_pen_rule else {**page_drawing(), **metadata["drawing"]}
        result = measure_writers(args.model_dir, args.split, args.numbers, args.seed, drawing)
    except (OSError, KeyError, ValueError, WebRuntimeError) as error:
        print(f"error: {error}")
        return 1
    print(sentence(result))
    print("by digit:", ", ".join(f"{digit}: {100 * rate:.1f}" for digit, rate in result["digits"]["by_digit"].items()))
    if args.json:
        write_atomic(args.json, json.dumps(result, indent=2).encode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
