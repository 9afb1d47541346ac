"""python -m bench.models --quick  — find (or train) each benchmarked model's run and convert it for TF.js.

A run counts as comparable when its config.json equals the TrainConfig defaults for its model: the same
data and schedule for every design. The full benchmark trains a model whose latest run is missing or was
trained differently; quick mode never trains (a missing model is reported as missing). Each run is
converted twice, float32 and uint8 (the shipped quantisation), into bench/.cache/<model>/<dtype>/, and a
conversion is reused while the run's model.h5 is unchanged.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from training.files import write_atomic

ROOT = Path(__file__).resolve().parent.parent
RUNS_DIR = ROOT / "runs"
CACHE_DIR = ROOT / "bench" / ".cache"
MODELS = ("default", "seed001", "seed000", "seed003")  # The shipped model first: every ratio is against it.
DTYPES = ("float32", "uint8")
STAMP = "bench-source.json"  # <dtype>.bench-source.json beside a conversion: which model.h5 it came from.


@dataclass(frozen=True)
class RunChoice:
    """Which run a model is measured from, and whether it was trained on the default schedule."""

    model: str
    run_dir: Path | None  # None: no run to measure (quick mode, or --no-train).
    matches_defaults: bool
    trained_here: bool
    note: str


def default_config(model: str) -> dict:
    from training.train import TrainConfig

    return dataclasses.asdict(TrainConfig(model=model))


def read_config(run_dir: Path) -> dict | None:
    path = run_dir / "config.json"
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def config_differences(config: dict | None, defaults: dict) -> str:
    """'canvas_fraction 0.5 (default 0.6), ...': how a run's config.json differs from the defaults."""
    if config is None:
        return "no readable config.json"
    missing = object()
    parts = []
    for key in sorted(set(config) | set(defaults)):
        # A field added to TrainConfig after a run defaults to the behaviour runs had before it existed
        # (TrainConfig's rule), so a config.json without it is read as having the default.
        theirs = defaults.get(key, missing)
        ours = config.get(key, theirs)
        if ours != theirs:
            parts.append(f"{key} {json.dumps(ours)} (default {'absent' if theirs is missing else json.dumps(theirs)})")
    return ", ".join(parts)


def choose_run(model: str, runs_dir: Path = RUNS_DIR, allow_training: bool = True) -> RunChoice:
    """Reuse runs/<model>/latest when it was trained with the defaults; otherwise train (if allowed)."""
    latest = runs_dir / model / "latest"
    has_run = (latest / "model.h5").is_file()
    differences = config_differences(read_config(latest), default_config(model)) if has_run else ""
    matches = has_run and not differences
    if matches:
        return RunChoice(model, latest.resolve(), True, False, "reused: config.json equals the TrainConfig defaults")
    if not allow_training:
        if has_run:
            return RunChoice(model, latest.resolve(), False, False, f"reused, but NOT trained with the TrainConfig defaults: {differences}")
        shown = latest.relative_to(ROOT) if latest.is_relative_to(ROOT) else latest
        return RunChoice(model, None, False, False, f"missing: no {shown}/model.h5 (this mode never trains)")
    from training.runs import link_latest
    from training.train import TrainConfig, train

    reason = f"its latest run differs from the defaults: {differences}" if has_run else "it has no run"
    print(f"training {model} with the TrainConfig defaults ({reason}); this takes a while")
    out_dir = runs_dir / model / datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    run_dir = train(TrainConfig(model=model), out_dir)
    link_latest(run_dir)
    return RunChoice(model, run_dir.resolve(), True, True, f"trained here ({reason})")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_stamp(stamp: Path) -> dict | None:
    """A conversion's stamp, or None when it is missing or unreadable (cut short by a kill): stale, convert again."""
    try:
        return json.loads(stamp.read_text())
    except (OSError, ValueError):
        return None


def converted(run_dir: Path, model: str, dtype: str, cache_dir: Path = CACHE_DIR) -> tuple[Path, dict]:
    """bench/.cache/<model>/<dtype>/ converted from run_dir (reused while model.h5 is unchanged) and its metadata."""
    from convert import convert

    out_dir = cache_dir / model / dtype
    # The conversion also depends on the converter (convert.py, and training/release.py, which records each file's
    # bytes and SHA-256 in metadata.json) and the preprocessing parameters it writes to metadata.
    code = hashlib.sha256(b"".join((ROOT / name).read_bytes() for name in ("convert.py", "training/release.py", "training/preprocess.py"))).hexdigest()
    source = {"run": str(run_dir), "model_sha256": sha256_file(run_dir / "model.h5"), "code_sha256": code}
    stamp = out_dir.parent / f"{dtype}.{STAMP}"  # beside, not inside: convert.py replaces only its own folders
    if (out_dir / "metadata.json").is_file() and read_stamp(stamp) == source:
        return out_dir, json.loads((out_dir / "metadata.json").read_text())
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # keep_source=False: never touch the committed models/ directory; out_dir is ours alone. The seed designs
    # are benchmarked whatever their accuracy (min_accuracy=0), as they were published.
    metadata = convert(run_dir, out_dir, quantize=dtype, keep_source=False, min_accuracy=0.0)
    write_atomic(stamp, (json.dumps(source, indent=2) + "\n").encode())
    return out_dir, metadata


def gzip_file_bytes(directory: Path, metadata: dict) -> int:
    """Bytes of the weight files gzipped at level 9, as a gzip-serving host would send them."""
    from bench.report import gzip_size

    return sum(gzip_size((directory / entry["path"]).read_bytes()) for entry in metadata["files"] if entry["path"] != "model.json")


def describe_model(choice: RunChoice, cache_dir: Path = CACHE_DIR) -> dict:
    """Everything known about one model without a browser: run, parameters, bytes and test accuracy."""
    entry = {"model": choice.model, "status": "missing" if choice.run_dir is None else "ok", "note": choice.note}
    if choice.run_dir is None:
        return entry
    run_dir = choice.run_dir
    metrics_path = run_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    entry.update(
        run=str(run_dir.relative_to(ROOT) if run_dir.is_relative_to(ROOT) else run_dir),
        matches_defaults=choice.matches_defaults,
        trained_here=choice.trained_here,
        training_minutes=metrics.get("training_minutes"),
        run_test_accuracy=metrics.get("test_accuracy"),
        directories={},
        weight_bytes={},
        weight_gzip_bytes={},
        tfjs_test_accuracy={},
    )
    for dtype in DTYPES:
        directory, metadata = converted(run_dir, choice.model, dtype, cache_dir)
        entry["directories"][dtype] = str(directory)
        entry["parameters"] = metadata["parameters"]
        entry["keras_test_accuracy"] = metadata["accuracy"]["keras"]
        entry["weight_bytes"][dtype] = metadata["weightBytes"]
        entry["weight_gzip_bytes"][dtype] = gzip_file_bytes(directory, metadata)
        entry["tfjs_test_accuracy"][dtype] = metadata["accuracy"]["test"]
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Find or train each model's run and convert it (float32, uint8).")
    parser.add_argument("--quick", action="store_true", help="never train; report models without a run as missing")
    parser.add_argument("--runs", type=Path, default=RUNS_DIR, help="runs directory (default runs/)")
    args = parser.parse_args(argv)
    for model in MODELS:
        print(json.dumps(describe_model(choose_run(model, args.runs, allow_training=not args.quick))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
