"""python -m bench.writers [--quick] [--model-dir site/models/digits]  — real writers' digits and numbers, read as on the page.

Writes bench/writers.md and bench/writers.json (`make bench` runs it).

What is measured is training/evaluate_writers.py's: real people's pen strokes (UJI Pen Characters, split by writer) replayed as
site/js/pad.js draws them on the digits page (lines stacked as a number wrapped under itself drawn apart), read by the page's own code in TF.js (site/js/recognise.js: preprocess.js's segmentation, the
model, two digits joined by ink cut apart where the model has a judge, training/joined.py). Single digits: every sample of
the split drawn alone on the pad. Numbers: 2-5 digits of one writer written across the pad, spaced (0.3-0.7
of their height of paper between digits) and written close (0.1-0.3, where the pen may bridge the paper: the
same writers and digits); exact when every digit is read and none is missing or extra. Wrapped: two 4-digit numbers of one
writer, the second under the first (0.3-0.8 of their height apart, or just under: 0.2 and 0.1), exact when both lines are read, line by line. Each on the test writers (the final figure) and
the validation writers (where the pen rule was chosen), with the page's pen rule (the recognition pen thins
with small writing, metadata.json's drawing.fullPenHeight / thinnestPen) and without it (one 16-px pen).
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
METHOD = " ".join(__doc__.split("\n\n")[2].split())
NUMBERS_PER_LENGTH = 100
QUICK_NUMBERS_PER_LENGTH = 25
SPLITS = ("test", "validation")
RULES = {"pen rule": False, "one pen (no rule)": True}


def measure_all(model_dir: Path, numbers_per_length: int) -> dict:
    """{split: {rule: measure_writers result}} for the shipped model folder."""
    from training.evaluate_writers import SPACINGS, WRAPPINGS, measure_writers, without_pen_rule
    from training.strokes import page_drawing

    metadata = json.loads((model_dir / "metadata.json").read_text())
    drawing = {**page_drawing(), **metadata["drawing"]}
    results = {}
    for split in SPLITS:
        for rule, off in RULES.items():
            started = time.time()
            result = measure_writers(Path(model_dir), split, numbers_per_length, drawing=without_pen_rule(drawing) if off else drawing)
            result.pop("drawing")
            results.setdefault(split, {})[rule] = result
            numbers = ", ".join(f"{name} {100 * result[key]['exact']:.1f} %" for key, (name, _) in SPACINGS.items())
            numbers += ", wrapped " + ", ".join(f"{name} {100 * result[key]['exact']:.1f} %" for key, (name, _, _) in WRAPPINGS.items())
            print(f"  {split}, {rule}: digits {100 * result['digits']['accuracy']:.1f} %, numbers {numbers} ({time.time() - started:.0f} s)", flush=True)
    return results


def real_writers_column(model_dir: Path, numbers_per_length: int = QUICK_NUMBERS_PER_LENGTH) -> dict:
    """The bench table's "real writers" cell of one model: test writers, with the page's pen rule."""
    from training.evaluate_writers import measure_writers

    result = measure_writers(Path(model_dir), "test", numbers_per_length, spacings=("numbers",))
    return {"digits": result["digits"]["accuracy"], "numbers": result["numbers"]["exact"], "numbers_per_length": numbers_per_length}


def markdown(results: dict, command: str, model: str, stamp: str) -> str:
    from training.evaluate_writers import SPACINGS, WRAPPINGS

    lines = [f"# Real writers' digits and numbers ({stamp})", "", f"`{command}`, model `{model}`. {METHOD}", ""]
    for split, by_rule in results.items():
        first = next(iter(by_rule.values()))
        lines += [f"## {split.capitalize()} writers ({first['digits']['count']} single digits, {first['numbers']['count']} numbers each spaced and written close)", ""]
        lines += ["| drawing | single digits | " + " | ".join(f"digit {d}" for d in range(10)) + " |", "|" + " --- |" * 12]
        for rule, result in by_rule.items():
            by_digit = " | ".join(f"{100 * rate:.1f}" for rate in result["digits"]["by_digit"].values())
            lines.append(f"| {rule} | **{100 * result['digits']['accuracy']:.1f} %** | {by_digit} |")
        lengths = list(first["numbers"]["by_length"])
        lines += ["", "| drawing | numbers | exact | " + " | ".join(f"{length} digits" for length in lengths) + " | mis-segmented |", "|" + " --- |" * (len(lengths) + 4)]
        for key, (spacing, _) in SPACINGS.items():
            for rule, result in by_rule.items():
                numbers = result[key]
                by_length = " | ".join(f"{100 * rate:.1f} %" for rate in numbers["by_length"].values())
                lines.append(f"| {rule} | {spacing} | **{100 * numbers['exact']:.1f} %** | {by_length} | {numbers['mis_segmented']} |")
        lines += ["", "Two 4-digit numbers, the second written under the first, read line by line:", ""]
        for key, (name, _, _) in WRAPPINGS.items():
            wrapped = ", ".join(f"{rule} **{100 * result[key]['exact']:.1f} %** ({result[key]['mis_segmented']} mis-segmented)" for rule, result in by_rule.items())
            lines.append(f"- {name} ({first[key]['count']}): {wrapped}")
        errors = by_rule["pen rule"]["digits"]["errors"]
        shown = ", ".join(f"{error['label']}→{error['read'] or '(nothing)'}" for error in errors)
        lines += ["", f"Single digits misread with the pen rule (true→read): {shown or 'none'}.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_NUMBERS_PER_LENGTH} numbers of each length instead of {NUMBERS_PER_LENGTH}")
    parser.add_argument("--model-dir", type=Path, default=ROOT / "site" / "models" / "digits")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "writers.md", help="the report; the .json goes beside it")
    args = parser.parse_args(argv)
    from training.files import write_atomic
    from training.webruntime import WebRuntimeError

    count = QUICK_NUMBERS_PER_LENGTH if args.quick else NUMBERS_PER_LENGTH
    try:
        results = measure_all(args.model_dir, count)
    except (OSError, KeyError, ValueError, WebRuntimeError) as error:
        print(f"error: {error}")
        return 1
    resolved = args.model_dir.resolve()
    model = resolved.relative_to(ROOT) if resolved.is_relative_to(ROOT) else resolved
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    command = "python -m bench.writers" + (" --quick" if args.quick else "")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out.with_suffix(".json"), (json.dumps({"date": stamp, "model": str(model), "numbers_per_length": count, "results": results}, indent=2) + "\n").encode())
    write_atomic(args.out, markdown(results, command, str(model), stamp).encode())
    print(f"wrote {args.out} and {args.out.with_suffix('.json').name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
