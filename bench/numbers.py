"""python -m bench.numbers --count 3000 --model-dir site/models/digits  — whole numbers read back exactly, at scale.

Writes bench/numbers.md (`make bench` runs it after the comparison of models).

tests/test_numbers.py reads 300 numbers (a 95 % interval of about ±2 points); this reads as many as asked, the
same way. Each number is 2-6 MNIST test digits (the lengths in turn) written side by side on one canvas by
training/drawing.py (varied sizes, spacing and baselines, not touching), segmented by the page's
site/js/preprocess.js in Node, and read by TF.js (Node, wasm) in one batch. A number counts when every digit
is read and none is missing or extra. Each style draws the same digits at the same sizes and places: "as
written" enlarges each digit with its writer's own strokes (the issue's test); "re-drawn" re-draws them along
their skeletons with one pen of 8-24 px for the whole number, as the page's fixed pen would, which is harder:
a bold pen on small writing closes loops and gaps.
"""

from __future__ import annotations

import argparse
import math
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from training.drawing import STYLES, compose_numbers, stack_canvases

ROOT = Path(__file__).resolve().parent.parent
LENGTHS = (2, 3, 4, 5, 6)
METHOD = __doc__.split("\n\n")[2].strip()  # The paragraph above on how numbers are written and read.
SEED = 20261122
CHUNK = 200  # Canvases segmented at a time: 200 x 280 x 1100 x 4 bytes is about 250 MB.


def segment_in_javascript(canvases: np.ndarray) -> list[list[np.ndarray]]:
    """Each canvas's characters, left to right, as site/js/preprocess.js (Node) gives them to the model."""
    from training.webruntime import run_js_segment

    return [[model_input for _, model_input in found] for found in run_js_segment(canvases)]


def read_numbers(characters: list[list[np.ndarray]], model_dir: Path) -> list[str]:
    """What TF.js (Node, wasm) reads in each canvas: its characters' digits, left to right, in one batch."""
    from training.evaluate_writers import tfjs_predict

    return read_characters(characters, tfjs_predict(model_dir))


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


def summarise(read: list[str], truths: list[str], found: list[int]) -> dict:
    """Exact-number accuracy (with a 95 % normal interval), by length; mis-segmented numbers; digit accuracy.

    `found`: how many characters the segmentation found on each canvas. Digits are compared only on canvases
    where it found as many as were written.
    """
    count = len(truths)
    exact = np.array([r == t for r, t in zip(read, truths)])
    rate = float(exact.mean())
    segmented = [n == len(t) for n, t in zip(found, truths)]
    digits = [a == b for r, t, ok in zip(read, truths, segmented) if ok for a, b in zip(r, t)]
    return {
        "numbers": count,
        "exact": rate,
        "interval95": 1.96 * math.sqrt(rate * (1 - rate) / count),
        "by_length": {length: float(np.mean([e for e, t in zip(exact, truths) if len(t) == length])) for length in sorted({len(t) for t in truths})},
        "mis_segmented": count - int(np.sum(segmented)),
        "digit_accuracy": float(np.mean(digits)) if digits else 0.0,
    }


def measure(count: int, model_dir: Path, seed: int = SEED, style: str = "re-drawn") -> dict:
    from training.data import load_mnist

    if count < 1:
        raise ValueError(f"--count {count}: choose at least 1 number")
    if not (model_dir / "model.json").is_file():
        raise ValueError(f"{model_dir}: no model.json; run make convert, or pass --model-dir site/models/digits")
    test = load_mnist("test")
    rng = np.random.default_rng(seed)  # One generator across chunks: the numbers do not depend on CHUNK.
    lengths = [LENGTHS[k % len(LENGTHS)] for k in range(count)]
    started = time.time()
    characters, truths = [], []
    for start in range(0, count, CHUNK):
        canvases, chunk_truths = compose_numbers(test.images, test.labels, lengths[start : start + CHUNK], rng, style=style)
        characters += segment_in_javascript(stack_canvases(canvases))
        truths += chunk_truths
        print(f"  {style}: wrote and segmented {len(truths):,}/{count:,} numbers ({time.time() - started:.0f} s)", flush=True)
    return summarise(read_numbers(characters, model_dir), truths, [len(canvas) for canvas in characters])


def sentence(result: dict, style: str) -> str:
    by_length = " / ".join(f"{100 * rate:.1f}" for rate in result["by_length"].values())
    return (
        f"{style}: {100 * result['exact']:.2f} % of {result['numbers']:,} numbers read exactly "
        f"(95 % interval ±{100 * result['interval95']:.2f}); by length {'-'.join(map(str, result['by_length']))}: "
        f"{by_length} %; {result['mis_segmented']} mis-segmented; digits {100 * result['digit_accuracy']:.2f} %"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Exact-number accuracy on whole numbers made of MNIST test digits.")
    parser.add_argument("--count", type=int, default=3000, help="numbers to write (lengths 2-6 in turn)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--model-dir", type=Path, default=ROOT / "site" / "models" / "digits")
    parser.add_argument("--style", choices=STYLES, action="append", help="how digits are drawn (default: each style)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "numbers.md")
    args = parser.parse_args(argv)
    from training.files import write_atomic
    from training.webruntime import WebRuntimeError

    lines = []
    try:
        for style in args.style or STYLES:
            lines.append(sentence(measure(args.count, args.model_dir, args.seed, style), style))
            print(lines[-1])
    except (ValueError, WebRuntimeError) as error:
        print(f"error: {error}")
        return 1
    resolved = args.model_dir.resolve()
    shown = resolved.relative_to(ROOT) if resolved.is_relative_to(ROOT) else resolved
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    report = [
        f"# Whole numbers, read back exactly ({stamp})",
        "",
        f"`python -m bench.numbers --count {args.count} --seed {args.seed}`, model `{shown}`: {METHOD}",
        "",
        *(f"- {line}" for line in lines),
        "",
    ]
    write_atomic(args.out, "\n".join(report).encode())
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
