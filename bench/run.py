"""python -m bench.run [--quick]  — compare Inkwell's default design with the seed designs, in one run.

For each model (default, seed001, seed000, seed003), trained with the same data and schedule (the
TrainConfig defaults; bench/models.py reuses runs/<model>/latest or trains): the designs compared, not the
shipped digits model (an average of fine-tunes, README), which is measured by `make convert` and bench/writers.py. It measures: parameters;
weight bytes as float32 and as the shipped uint8; MNIST test accuracy in Keras and in TF.js (both dtypes);
accuracy on page-like drawings through the page's preprocess.js (bench/robustness.py); real writers' single
digits and numbers on the held-out writers, read as on the page (bench/writers.py); latency in headless
Chromium per backend (bench/latency.py). Writes bench/results.json, bench/results.md and
bench/accuracy_vs_bytes.png. What a visit downloads and how soon a slow device answers are their own
reports (bench/transfer.py, bench/slow_device.py), which `make bench` runs too.

`--quick` never trains (a model without a run is reported as missing), draws 1,000 canvases instead of
10,000 and takes fewer latency samples: minutes, not an hour.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from bench import latency, models, report, robustness, writers  # noqa: E402
from bench.plot import plot  # noqa: E402
from training.files import write_atomic  # noqa: E402
from training.quiet import import_tensorflow  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench"
RESULTS_SCHEMA = 1


@dataclass(frozen=True)
class BenchSettings:
    """How much to measure; the full run's defaults, `quick()` for --quick."""

    robustness_canvases: int = 10_000
    robustness_seed: int = robustness.SEED
    latency_samples: int = 200
    latency_rounds: int = 4
    latency_warmup: int = latency.WARMUP
    writers_numbers_per_length: int = writers.NUMBERS_PER_LENGTH

    @staticmethod
    def quick() -> "BenchSettings":
        return BenchSettings(robustness_canvases=1_000, latency_samples=40, latency_rounds=2, writers_numbers_per_length=writers.QUICK_NUMBERS_PER_LENGTH)


def machine() -> dict:
    """CPU model, cores, RAM and load: what the absolute numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    ram_gb = 0.0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = int(line.split()[1]) / 1024**2
    except OSError:
        pass  # Not Linux: the platform module's answer stands.
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": ram_gb, "load_average": load, "platform": platform.platform()}


def versions() -> dict:
    from importlib.metadata import version

    import tensorflow as tf

    from convert import tfjs_version

    try:
        node = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        node = "not installed"
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "tf_keras": version("tf_keras"),
        "tensorflowjs": version("tensorflowjs"),
        "tfjs": tfjs_version(),
        "node": node,
    }


def relative(path) -> str:
    path = Path(path)
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def describe_all(names: list[str], runs_dir: Path, allow_training: bool) -> dict:
    """Run, conversion, bytes and test accuracy of every model; a model that fails is reported, not fatal."""
    from convert import ConversionError
    from training.data import DataError
    from training.webruntime import WebRuntimeError

    described = {}
    for name in names:
        print(f"[models] {name}", flush=True)
        choice = models.choose_run(name, runs_dir, allow_training)
        try:
            described[name] = models.describe_model(choice)
        except (ConversionError, DataError, WebRuntimeError, OSError, ValueError) as error:
            described[name] = {"model": name, "status": "error", "note": f"{type(error).__name__}: {error}"}
        print(f"[models] {name}: {described[name]['status']} — {described[name]['note']}", flush=True)
    return described


def shipped_check(default_dir: Path | None) -> dict:
    """Is the benchmarked default the model the site ships? Compares site/models/digits' files by SHA-256."""
    shipped = ROOT / "site" / "models" / "digits" / "metadata.json"
    if not shipped.is_file():
        return {"site_model": "missing", "same_files": False}
    metadata = json.loads(shipped.read_text())
    same = False
    if default_dir is not None and (default_dir / "metadata.json").is_file():
        ours = json.loads((default_dir / "metadata.json").read_text())
        same = {(f["path"], f["sha256"]) for f in ours["files"]} == {(f["path"], f["sha256"]) for f in metadata["files"]}
    return {"site_model": metadata.get("source", {}).get("run", "?"), "quantization": metadata.get("quantization"), "same_files": same}


def mnist_correct(model_dir: Path) -> np.ndarray:
    """Per test digit: does TF.js (Node, wasm) get it right? For the paired comparison between models."""
    from training.data import load_mnist
    from training.webruntime import run_tfjs

    test = load_mnist("test")
    probabilities, _ = run_tfjs(model_dir, test.images.astype(np.float32)[..., None] / 255.0, backend="wasm")
    return probabilities.argmax(axis=1) == test.labels


def paired(correct: dict[str, np.ndarray], reference: str = "default") -> dict:
    """Discordant counts and the sign test's p-value, reference vs every other model, on the same items."""
    if reference not in correct:
        return {}
    out = {}
    for name, values in correct.items():
        if name == reference:
            continue
        only_reference = int(np.sum(correct[reference] & ~values))
        only_other = int(np.sum(values & ~correct[reference]))
        out[name] = {"only_default": only_reference, "only_seed": only_other, "p_value": report.paired_p_value(only_reference, only_other)}
    return out


def run_bench(settings: BenchSettings, names: list[str], runs_dir: Path, allow_training: bool, mode: str) -> dict:
    """Every measurement of the module docstring, in order; returns what results.json holds."""
    timings = {}
    started = time.time()
    results = {
        "schema": RESULTS_SCHEMA,
        "mode": mode,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": dataclasses.asdict(settings),
    }
    described = describe_all(names, runs_dir, allow_training)
    results["versions"] = versions()
    timings["models_s"] = time.time() - started
    ready = {name: Path(entry["directories"]["uint8"]) for name, entry in described.items() if entry["status"] == "ok"}

    results["shipped"] = shipped_check(ready.get("default"))
    print(f"[mnist] paired per-digit correctness of the uint8 models in TF.js ({len(ready)} models)", flush=True)
    phase = time.time()
    test_correct = {name: mnist_correct(directory) for name, directory in ready.items()}
    for name, values in test_correct.items():
        described[name]["tfjs_uint8_recomputed"] = float(values.mean())
    timings["mnist_paired_s"] = time.time() - phase

    print(f"[robustness] {settings.robustness_canvases:,} page-like drawings", flush=True)
    phase = time.time()
    drawn_correct = {}
    if ready:
        metadata = next(iter(ready.values())) / "metadata.json"
        segmented = robustness.segment_drawings(settings.robustness_canvases, settings.robustness_seed, metadata)
        for name, directory in ready.items():
            drawn_correct[name] = robustness.correct_per_canvas(segmented, directory)
            described[name]["robustness"] = robustness.summarise(segmented, drawn_correct[name])
            print(f"[robustness] {name}: {100 * described[name]['robustness']['accuracy']:.2f} %", flush=True)
    timings["robustness_s"] = time.time() - phase

    print("[writers] real writers' digits and numbers, test writers, the page's pen rule", flush=True)
    phase = time.time()
    for name, directory in ready.items():
        described[name]["real_writers"] = writers.real_writers_column(directory, settings.writers_numbers_per_length)
        print(f"[writers] {name}: digits {100 * described[name]['real_writers']['digits']:.1f} %, numbers {100 * described[name]['real_writers']['numbers']:.1f} %", flush=True)
    timings["writers_s"] = time.time() - phase
    comparisons = {}
    for key, correct in (("mnist_test", test_correct), ("robustness", drawn_correct)):
        for name, values in paired(correct).items():
            comparisons.setdefault(name, {})[key] = values

    print("[latency] headless Chromium, interleaved rounds", flush=True)
    phase = time.time()
    measured = latency.measure_latency(ready, settings.latency_samples, settings.latency_rounds) if ready else {"backends": {}}
    timings["latency_s"] = time.time() - phase
    results["versions"]["chromium"] = measured.get("chromium", "?")

    for entry in described.values():
        entry["directories"] = {dtype: relative(path) for dtype, path in entry.get("directories", {}).items()}
    results.update(
        models=described,
        paired=comparisons,
        latency=measured,
        latency_ratios=latency.ratios(measured),
        verdict=report.verdict(described, comparisons),
    )
    timings["total_s"] = time.time() - started
    results["timings"] = {key: round(value, 1) for key, value in timings.items()}
    return results


def write_results(results: dict, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(out_dir / "results.json", (json.dumps(results, indent=2) + "\n").encode())
    write_atomic(out_dir / "results.md", report.markdown(results).encode())
    plot(results["models"], out_dir / "accuracy_vs_bytes.png")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the shipped default model against the seed designs.")
    parser.add_argument("--quick", action="store_true", help="never train, 1,000 drawings, fewer latency samples")
    parser.add_argument("--no-train", action="store_true", help="full measurements, but never train (use what exists)")
    parser.add_argument("--models", default=",".join(models.MODELS), help="comma-separated (default: %(default)s)")
    parser.add_argument("--runs", type=Path, default=models.RUNS_DIR, help="runs directory (default runs/)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where results.{json,md} and the plot go (default bench/)")
    args = parser.parse_args(argv)
    import_tensorflow()  # first, so that its load-time lines on stderr are dropped (training/quiet.py)
    names = [name.strip() for name in args.models.split(",") if name.strip()]
    unknown = [name for name in names if name not in models.MODELS]
    if unknown or "default" not in names:
        print(f"error: --models {args.models}: choose from {', '.join(models.MODELS)}, including default (every ratio is against it)")
        return 1
    settings = BenchSettings.quick() if args.quick else BenchSettings()
    mode = "quick" if args.quick else ("full, no training" if args.no_train else "full")
    from playwright.sync_api import Error as BrowserError

    from training.data import DataError
    from training.webruntime import WebRuntimeError

    try:
        results = run_bench(settings, names, args.runs, allow_training=not (args.quick or args.no_train), mode=mode)
    except (BrowserError, DataError, WebRuntimeError, OSError, ValueError) as error:
        # Chromium, Node, the data or a run failed: one line naming it, not a traceback.
        print(f"error: {type(error).__name__}: {(str(error).splitlines() or [''])[0]}", file=sys.stderr)
        return 1
    write_results(results, args.out)
    print("\n".join(report.model_table(results["models"])))
    print("\n".join(report.verdict_text(results["verdict"])))
    print(f"wrote {relative(args.out / 'results.md')}, results.json and accuracy_vs_bytes.png in {results['timings']['total_s'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
