"""python -m bench.teaching [--split test]  — what teaching the page its user's hand gains: bench/teaching.md.

The figures of training/corrections.py `--measure`, written as a report: the shipped models and their
metadata.json "corrections" rule, on the held-out font families (each family one user) and the UJI test
writers (each writer one user). Each user draws every item once, teaches the page what it misread, and
draws the items again; the report counts what the second drawings gain and lose. The rule was chosen on
validation data (`python -m training.corrections --choose`); this is the test-set figure.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from pathlib import Path

from training.files import write_atomic

OUT = Path(__file__).resolve().parent / "teaching.md"


def report(lines: list[str]) -> str:
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return f"# Teaching the page your hand ({when})\n\n`python -m bench.teaching` (make bench-teaching). " + __doc__.split("\n\n", 1)[1].replace("\n", " ").strip() + "\n\n" + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["validation", "test"], default="test")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    from training.corrections import measure

    write_atomic(args.out, report(measure(args.split)).encode())
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
