"""python -m bench.numbers --count 3000 --model-dir site/models/digits  — whole numbers read back exactly, at scale.

Writes bench/numbers.md (`make bench` runs it after the comparison of models).

tests/test_numbers.py reads 300 numbers (a 95 % interval of about ±2 points); this reads as many as asked, the
same way. Each number is 2-6 MNIST test digits (the lengths in turn) written side by side on one canvas by
training/drawing.py (varied sizes, spacing and baselines, not touching), then read as the page reads a drawing,
by its own code in Node (training/webruntime.py `run_page_read`: recognise.js, that is preprocess.js's
segmentation, the model in TF.js wasm, and joined.js's judge of joined digits, which cuts a character judged two
digits in two). A number counts when every digit is read and none is missing or extra; it is mis-segmented when
the page reads more or fewer digits than were written (the page gives only its text, so this counts characters
after any cut). Each style draws the same digits at the same sizes and places: "as written" enlarges each digit
with its writer's own strokes (the issue's test); "re-drawn" re-draws them along their skeletons with one pen of
8-24 px for the whole number, as the page's fixed pen would, which is harder: a bold pen on small writing closes
loops and gaps.
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
CHUNK = 200  # Canvases read at a time: 200 x 280 x 1100 x 4 bytes is about 250 MB.


def summarise(read: list[str], truths: list[str]) -> dict:
    """Exact-number accuracy (with a 95 % normal interval), by length; mis-segmented numbers (as many digits
    read as written, or not); digit accuracy, compared only on the numbers read with as many digits as written.
    """
    count = len(truths)
    exact = np.array([r == t for r, t in zip(read, truths)])
    rate = float(exact.mean())
    segmented = [len(r) == len(t) for r, t in zip(read, truths)]
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
    from training.webruntime import run_page_read

    if count < 1:
        raise ValueError(f"--count {count}: choose at least 1 number")
    if not (model_dir / "model.json").is_file():
        raise ValueError(f"{model_dir}: no model.json; run make convert, or pass --model-dir site/models/digits")
    test = load_mnist("test")
    rng = np.random.default_rng(seed)  # One generator across chunks: the numbers do not depend on CHUNK.
    lengths = [LENGTHS[k % len(LENGTHS)] for k in range(count)]
    started = time.time()
    read, truths = [], []
    for start in range(0, count, CHUNK):
        canvases, chunk_truths = compose_numbers(test.images, test.labels, lengths[start : start + CHUNK], rng, style=style)
        read += run_page_read(model_dir, stack_canvases(canvases))
        truths += chunk_truths
        print(f"  {style}: wrote and read {len(truths):,}/{count:,} numbers ({time.time() - started:.0f} s)", flush=True)
    return summarise(read, truths)


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
