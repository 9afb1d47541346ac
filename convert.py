"""python convert.py --task digits  — a trained Keras model -> the site's model folder, released in one step.

Writes a TensorFlow.js *layers* model (model.json + one weight shard) with the `tensorflowjs` converter into
site/models/<task>/, and beside it metadata.json: everything the page needs to use the model (the task's
labels and words, input convention, preprocessing and drawing parameters, SHA-256 of every file, and the
test accuracy measured in TF.js itself). The Keras source (model.h5, config, report) goes to models/<task>/
when the model goes to site/models/<task>/; a model converted elsewhere (--out, to try it) writes none
unless --source-out names a folder for it.

The model is converted in a staging area, loaded and measured in the real TF.js runtime (Node,
tools/tfjs_predict.mjs, through the page's own loader), refused if it is below the task's accuracy floor,
and only then released: the model folder, the Keras source, site/models/index.json, the service worker's
version (sw.js) and, when it changes, TF.js rebuilt for the shipped models, in one step that either happens or
does not. training/release.py makes the release, completes one that was interrupted (`convert.py --finish`),
and replaces only folders convert.py wrote: anything else given as --out or --source-out is refused with one
line and left untouched.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import shutil
import sys
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from training.files import os_reason, write_atomic  # noqa: E402
from training.quiet import import_tensorflow  # noqa: E402
from training.release import RELEASE_DIR, ConversionError, check_destinations, file_entry, finish_release, release, site_of  # noqa: E402
from training.release import staged_site_files, staging_area, write_source_marker  # noqa: E402
from training.tasks import TASKS, Task, get_task  # noqa: E402

ROOT = Path(__file__).resolve().parent
SITE = ROOT / "site"
# The Keras source copied beside the web model; fonts.json (the letters task: SHA-256 of every font file the
# run was drawn from) says which fonts the shipped letters model saw.
SOURCE_FILES = ("model.h5", "config.json", "metrics.json", "history.json", "report.md", "curves.png", "confusion.png", "misclassified.png", "fonts.json", "joined.json", "other.json")
QUANTIZATIONS = ("float32", "float16", "uint8")
METADATA_SCHEMA = 2  # 2: one folder per task; "task" and "accuracy.test" replace 1's MNIST-only fields.
CONFIDENCE_THRESHOLD = 0.7  # Below this the page says "not sure" and names the runner-up.


def tfjs_version() -> str:
    package = ROOT / "node_modules" / "@tensorflow" / "tfjs" / "package.json"
    try:
        return json.loads(package.read_text())["version"]
    except (OSError, KeyError, json.JSONDecodeError) as error:
        raise ConversionError(f"{package}: TF.js is not installed ({error}); run `make setup`") from error


def tfjs_converter_version() -> str:
    from importlib.metadata import version

    return version("tensorflowjs")


def load_keras_model(run_dir: Path):
    """The run's tf_keras model (training.evaluate's loader), or a one-line ConversionError."""
    from training.evaluate import load_run_model

    path = Path(run_dir) / "model.h5"
    if not path.is_file() and (Path(run_dir) / "model.keras").is_file():
        raise ConversionError(f"{Path(run_dir) / 'model.keras'}: a Keras 3 file; TF.js 4.22 reads tf_keras (Keras 2) models: build it with `import tf_keras as keras` and save model.h5")
    keras_version = saved_keras_version(path)
    if keras_version.startswith("3"):
        raise ConversionError(f"{path}: saved by Keras {keras_version}; TF.js 4.22 reads tf_keras (Keras 2) models: build it with `import tf_keras as keras` (README, \"The model\")")
    try:
        return load_run_model(run_dir)
    except FileNotFoundError as error:
        raise ConversionError(f"{path}: no trained model; train one with `make train` or pass --run DIR") from error
    except Exception as error:  # h5py and Keras raise many types for an unreadable file.
        reason = " ".join(f"{type(error).__name__}: {error}".split())  # one line, whatever the library wrote
        raise ConversionError(f"{path}: cannot be read as a Keras model ({reason}); retrain it") from error


def saved_keras_version(path: Path) -> str:
    """The Keras version an HDF5 model file records ("" when it is not one, or records none)."""
    import h5py

    try:
        with h5py.File(path, "r") as file:
            version = file.attrs.get("keras_version", "")
    except OSError:
        return ""
    return version.decode() if isinstance(version, bytes) else str(version)


# Keras layer settings that only training reads: model.json leaves them out (TF.js takes its defaults, and the
# initializers, which loading runs, stay), and is written without spaces. 0.3 KB of a first visit with both models.
TRAINING_ONLY = frozenset({"trainable", "module", "registered_name"} | {f"{weights}_{kind}" for weights in ("kernel", "bias", "activity", "beta", "gamma", "depthwise", "pointwise") for kind in ("regularizer", "constraint")})


def without_training_settings(value):
    """A Keras config (model.json's topology) without TRAINING_ONLY keys, at any depth."""
    if isinstance(value, dict):
        return {key: without_training_settings(item) for key, item in value.items() if key not in TRAINING_ONLY}
    return [without_training_settings(item) for item in value] if isinstance(value, list) else value


def write_tfjs_files(model, directory: Path, quantization: str) -> None:
    """model.json + weight shards in `directory` (one shard: the page verifies and fetches it once); model.json
    without the settings only training reads (`without_training_settings`), compact."""
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    # tensorflowjs imports tensorflow_decision_forests, which prints a greeting, or, when stdout is not a
    # terminal (pytest, a pipe), tries to show it as HTML through IPython and dies without it.
    os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")
    import tensorflowjs as tfjs

    dtype_map = None if quantization == "float32" else {quantization: True}
    tfjs.converters.save_keras_model(model, str(directory), quantization_dtype_map=dtype_map, weight_shard_size_bytes=1 << 30)
    model_json = json.loads((directory / "model.json").read_text())
    model_json["modelTopology"] = without_training_settings(model_json["modelTopology"])
    write_atomic(directory / "model.json", json.dumps(model_json, separators=(",", ":")).encode())


def dequantised(model, quantization: str):
    """A copy of `model` whose weights are what its `quantization` export carries: each tensor quantised as
    write_tfjs_files quantises it, then dequantised as TF.js does when it loads the model. Exporting the copy
    again at `quantization` gives the same quantised values, so its TF.js model computes what it computes."""
    import tf_keras as keras

    copy = keras.models.clone_model(model)
    if quantization == "float32":
        copy.set_weights(model.get_weights())
        return copy
    os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")  # as in write_tfjs_files
    from tensorflowjs.quantization import QUANTIZATION_OPTION_TO_DTYPES, dequantize_weights, quantize_weights

    dtype = QUANTIZATION_OPTION_TO_DTYPES[quantization]
    copy.set_weights([dequantize_weights(*quantize_weights(weights, dtype)) for weights in model.get_weights()])
    return copy


def file_entries(directory: Path) -> list[dict]:
    """model.json first, then the weight shards it lists: path, bytes and SHA-256 of each."""
    manifest = json.loads((directory / "model.json").read_text())["weightsManifest"]
    return [file_entry(directory, path) for path in ["model.json"] + [path for group in manifest for path in group["paths"]]]


def read_train_config(run_dir: Path) -> dict:
    """The run's config.json (what made the model; {} when it has none), or a one-line ConversionError."""
    from training.evaluate import run_config

    try:
        return run_config(run_dir)
    except ValueError as error:  # training.files.JsonFileError: the file named, and the remedy
        raise ConversionError(str(error)) from None


def fitted_judge(model, run_dir: Path, task: Task, kind: str):
    """The task's judge `kind` fitted to this very model: "joined", two characters joined by ink
    (training/joined.py), or "other", ink that is none of the labels (training/other.py); the run's
    <kind>.json, or fitted now and written there. None for a task without one."""
    from importlib import import_module

    if not getattr(task, kind):
        return None
    try:
        return import_module(f"training.{kind}").judge_for(model, run_dir / "model.h5", task.load_preprocess(), task.drawing())
    except ValueError as error:  # training.files.JsonFileError: the judge's file named, and the remedy
        raise ConversionError(str(error)) from None
    except OSError as error:
        raise ConversionError(f"{run_dir}: cannot write the judge {kind}.json there ({os_reason(error)}); convert a copy of the run in a folder you can write") from None


def build_metadata(model, run_dir: Path, quantization: str, directory: Path, accuracy: dict, task: Task = TASKS["digits"]) -> dict:
    run_dir = Path(run_dir).resolve()
    judges = {kind: fitted_judge(model, run_dir, task, kind) for kind in ("joined", "other")}
    train_config = read_train_config(run_dir)
    files = file_entries(directory)
    relative_run = run_dir.relative_to(ROOT) if run_dir.is_relative_to(ROOT) else run_dir
    return {
        "schema": METADATA_SCHEMA,
        "task": task.metadata(),
        "name": train_config.get("model", model.name),
        "version": run_dir.name,
        "labels": list(task.labels),
        "input": {"shape": [int(n) for n in model.input_shape[1:]], "dtype": "float32", "paper": 0, "ink": 1, "layout": "NHWC"},
        "preprocess": dataclasses.asdict(task.load_preprocess()),  # the task's own (letters segment words their way)
        "drawing": task.drawing(),
        "display": {"confidenceThreshold": CONFIDENCE_THRESHOLD, **({"touchingAspect": task.touching_aspect} if task.touching_aspect else {})},
        # Only the rules a task has: the page reads a missing key as "no such rule".
        **task.rules.metadata(),
        "corrections": dataclasses.asdict(task.corrections),
        **{kind: judge.metadata() for kind, judge in judges.items() if judge},
        "files": files,
        "weightBytes": sum(entry["bytes"] for entry in files if entry["path"] != "model.json"),
        "quantization": quantization,
        "parameters": int(model.count_params()),
        "accuracy": accuracy,
        # The run only: its training settings are models/<task>/config.json, which the page need not download.
        "source": {"run": str(relative_run)},
        "tfjsVersion": tfjs_version(),
        "converter": "tensorflowjs " + tfjs_converter_version(),
        "converted": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


# --- Checking the model against its task -----------------------------------------------------------------


def model_inputs(test) -> np.ndarray:
    """The test images as the model takes them: float32, one grey channel, 0 = paper, 1 = ink."""
    return test.images.astype(np.float32)[..., None] / 255.0


def checked_model_and_test_set(run_dir: Path, task_spec: Task, data_dir: str | None):
    """The run's Keras model and the task's test set, once the model fits the task: as many outputs as the task
    has labels, the input shape the task feeds, and outputs that are probabilities. Else a one-line ConversionError."""
    from training.data import DataError

    task = task_spec.name
    model = load_keras_model(run_dir)
    if model.output_shape[-1] != len(task_spec.labels):
        raise ConversionError(f"{Path(run_dir) / 'model.h5'}: {model.output_shape[-1]} outputs, the {task} task has {len(task_spec.labels)} labels; pass the right --task")
    try:
        test = task_spec.load_test(data_dir)
    except DataError as error:
        raise ConversionError(str(error)) from error
    inputs = model_inputs(test)
    if tuple(model.input_shape[1:]) != inputs.shape[1:]:
        shape = " x ".join(str(side) for side in model.input_shape[1:])
        raise ConversionError(
            f"{Path(run_dir) / 'model.h5'}: takes input {shape}, the {task} task feeds {' x '.join(map(str, inputs.shape[1:]))} "
            "(one grey channel, 0 = paper, 1 = ink); give the model that Input shape"
        )
    # The page shows the outputs as probabilities ("98% sure") and blends what was taught into them: they must be.
    sums = model.predict(inputs[:100], verbose=0).astype(np.float64).sum(axis=1)
    if not np.allclose(sums, 1.0, atol=1e-3):
        raise ConversionError(
            f"{Path(run_dir) / 'model.h5'}: its outputs are not probabilities (they sum to {sums.min():.3g} to {sums.max():.3g}); "
            "end the model with a Dense layer with activation='softmax'"
        )
    return model, test


def keras_accuracy_of(model, test) -> float:
    """The model's test accuracy in Keras, to set beside the one measured in TF.js."""
    return float(np.mean(model.predict(model_inputs(test), batch_size=1000, verbose=0).argmax(axis=1) == test.labels))


# --- Conversion -----------------------------------------------------------------------------------------


def measure(model, run_dir: Path, task: Task, directory: Path, quantization: str, test) -> float:
    """Write the model in `directory` at `quantization` and return its test accuracy in TF.js (Node, wasm)."""
    from training.webruntime import WebRuntimeError, run_tfjs

    write_tfjs_files(model, directory, quantization)
    # The loader checks SHA-256 against metadata.json, so write a provisional one before measuring.
    provisional = build_metadata(model, run_dir, quantization, directory, {}, task)
    (directory / "metadata.json").write_text(json.dumps(provisional))
    inputs = model_inputs(test)
    try:
        probabilities, _ = run_tfjs(directory, inputs, backend="wasm")
    except WebRuntimeError as error:
        unknown = re.search(r"Unknown layer: (\w+)", str(error))
        if unknown:  # the staging folder in the message is gone by the time anyone reads it: name the model
            raise ConversionError(
                f"{Path(run_dir) / 'model.h5'}: TF.js cannot run its {unknown[1]} layer "
                f"({'a Lambda layer holds Python code' if unknown[1] == 'Lambda' else 'TF.js has no such layer'}); replace it with a built-in Keras layer"
            ) from error
        raise ConversionError(f"{run_dir}: {error}") from error
    accuracy = float(np.mean(probabilities.argmax(axis=1) == test.labels))
    print(f"{quantization:>8}: {provisional['weightBytes']:>9,} weight bytes, TF.js test accuracy {100 * accuracy:.2f}%")
    return accuracy


def measure_and_choose(model, run_dir: Path, task_spec: Task, release_dir: Path, quantize: str, tolerance: float, test) -> tuple[dict[str, float], str]:
    """Each candidate quantisation written in the staging area and measured in TF.js, and the one to ship: the one
    asked for, or with auto the smallest whose accuracy is within `tolerance` points of float32's."""
    candidates = list(QUANTIZATIONS) if quantize == "auto" else [quantize]
    measured = {q: measure(model, run_dir, task_spec, release_dir / q, q, test) for q in candidates}
    reference = measured.get("float32", measured[candidates[0]])
    within = [q for q in ("uint8", "float16", "float32") if q in measured and 100 * (reference - measured[q]) <= tolerance]
    return measured, within[0] if quantize == "auto" else quantize


def check_accuracy_floor(run_dir: Path, task_spec: Task, accuracy: float, min_accuracy: float | None, force: bool) -> None:
    """Refuse a model whose TF.js accuracy is below the task's floor (or --min-accuracy), unless --force."""
    floor = task_spec.accuracy_floor if min_accuracy is None else min_accuracy
    if accuracy < floor and not force:
        raise ConversionError(
            f"{run_dir}: TF.js test accuracy {100 * accuracy:.2f}% is below the {task_spec.name} floor of {100 * floor:.2f}%; "
            "train it longer, or pass --force (make convert FORCE=1) or --min-accuracy to ship it anyway"
        )


def accuracy_record(task_spec: Task, test, measured: dict[str, float], chosen: str, keras_accuracy: float, trained_accuracy: float | None) -> dict:
    """metadata.json's accuracy: TF.js's on the test set, and Keras's beside it. `trained_accuracy` is the run's
    own model's when the Keras source is the shipped weights (dequantised), else None."""
    accuracy = {
        "test": measured[chosen],
        "testSet": task_spec.test_set,
        "examples": len(test.labels),
        "measuredIn": f"TensorFlow.js {tfjs_version()} in Node, wasm backend",
        "keras": keras_accuracy,
        "float32Tfjs": measured.get("float32"),
    }
    if trained_accuracy is not None:
        # models/<task>/model.h5 holds the shipped weights; the run's own, as trained, read this in Keras.
        accuracy["kerasSource"] = "shipped weights (quantised, then dequantised)"
        accuracy["kerasTrained"] = trained_accuracy
    return accuracy


# --- Staging what the release puts in place --------------------------------------------------------------


def stage_source(run_dir: Path, release_dir: Path, shipped_model, run: str) -> Path:
    """The Keras source staged in release_dir/source: the run's SOURCE_FILES, with model.h5 written from
    `shipped_model` when the task commits the weights the page runs (else it is None), and source.json."""
    staged = release_dir / "source"
    staged.mkdir()
    for name in SOURCE_FILES:
        if (Path(run_dir) / name).is_file():
            shutil.copy2(Path(run_dir) / name, staged / name)
    if shipped_model is not None:
        shipped_model.save(staged / "model.h5", include_optimizer=False)
    write_source_marker(staged, run)
    return staged


def print_summary(out_dir: Path, source_dir: Path | None, metadata: dict) -> None:
    """What was released, in two lines: the model, its size and accuracy, and where the Keras source went."""
    accuracy = metadata["accuracy"]
    print(
        f"wrote {out_dir}: {metadata['name']} ({metadata['parameters']:,} parameters), {metadata['quantization']} weights "
        f"{metadata['weightBytes']:,} bytes, TF.js test accuracy {100 * accuracy['test']:.2f}% "
        f"(Keras {100 * accuracy['keras']:.2f}%)"
    )
    print(f"Keras source: {source_dir}" if source_dir is not None else "no Keras source written (pass --source-out DIR to keep one)")


# --- The whole conversion --------------------------------------------------------------------------------


def convert(
    run_dir: Path,
    out_dir: Path | None = None,
    quantize: str = "auto",
    tolerance: float = 0.05,
    data_dir: str | None = None,
    source_dir: Path | None = None,
    task: str = "digits",
    min_accuracy: float | None = None,
    force: bool = False,
    keep_source: bool = True,
) -> dict:
    """Convert a run into out_dir (default site/models/<task>) and release it; returns the metadata written.

    The Keras source goes to source_dir; without one, to models/<task> only when out_dir is the task's own
    site/models/<task> (a model tried elsewhere leaves the committed source alone, and none is written).
    keep_source=False writes no Keras source (the bench's conversions).
    """
    task_spec = get_task(task)
    if quantize not in QUANTIZATIONS + ("auto",):
        raise ConversionError(f"--quantize {quantize!r}: choose one of auto, {', '.join(QUANTIZATIONS)}")
    out_dir = Path(out_dir or task_spec.web_dir).absolute()
    if source_dir is None and out_dir.resolve() != Path(task_spec.web_dir).resolve():
        keep_source = False
    source_dir = Path(source_dir or task_spec.source_dir).absolute() if keep_source else None
    check_destinations(out_dir, source_dir, Path(run_dir))
    read_train_config(Path(run_dir))  # metadata.json is built from it at the end: a broken one stops us here
    with staging_area(out_dir) as release_dir:
        return convert_and_release(run_dir, out_dir, source_dir, release_dir, task_spec, quantize, tolerance, data_dir, min_accuracy, force)


def convert_and_release(run_dir, out_dir, source_dir, release_dir, task_spec, quantize, tolerance, data_dir, min_accuracy, force) -> dict:
    """The body of `convert`, in its staging area under the release lock: nothing is published before `release`."""
    model, test = checked_model_and_test_set(run_dir, task_spec, data_dir)
    keras_accuracy = trained_accuracy = keras_accuracy_of(model, test)
    quantize = task_spec.quantization if quantize == "auto" else quantize
    shipped_source = task_spec.keras_source == "shipped"
    if shipped_source:  # quantize is fixed then (training/tasks.py Task refuses "shipped" with "auto")
        # The task commits the weights the page runs: measure the model that carries them, once.
        model = dequantised(model, quantize)
        keras_accuracy = keras_accuracy_of(model, test)
    measured, chosen = measure_and_choose(model, run_dir, task_spec, release_dir, quantize, tolerance, test)
    check_accuracy_floor(run_dir, task_spec, measured[chosen], min_accuracy, force)
    accuracy = accuracy_record(task_spec, test, measured, chosen, keras_accuracy, trained_accuracy if shipped_source else None)
    metadata = build_metadata(model, run_dir, chosen, release_dir / chosen, accuracy, task_spec)
    # Compact: every first visit downloads it (indented, 0.1-0.2 KB more of gzip each; `python -m json.tool` shows it so).
    (release_dir / chosen / "metadata.json").write_text(json.dumps(metadata, separators=(",", ":")) + "\n")
    staged = {release_dir / chosen: out_dir}  # staged path -> published path, moved in this order
    if source_dir is not None:
        staged[stage_source(run_dir, release_dir, model if shipped_source else None, metadata["source"]["run"])] = source_dir
    site = site_of(out_dir)
    if site is not None:
        staged.update(staged_site_files(site, task_spec.name, release_dir / chosen, release_dir))
    release(staged, site, release_dir)
    print_summary(out_dir, source_dir, metadata)
    return metadata


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Convert a trained run into the site's TF.js model for a task.")
    parser.add_argument("--task", default="digits", choices=list(TASKS), help="what the model reads (default digits)")
    parser.add_argument("--run", type=Path, default=None, help="run directory (default runs/<the task's model>/latest)")
    parser.add_argument("--out", type=Path, default=None, help="model folder (default site/models/<task>)")
    parser.add_argument("--source-out", type=Path, default=None, help="where to copy the Keras source (default models/<task> when --out is site/models/<task>, else none)")
    parser.add_argument("--quantize", default="auto", help="auto (default), float32, float16 or uint8")
    parser.add_argument("--tolerance", type=float, default=0.05, help="accuracy points auto may lose to float32")
    parser.add_argument("--data-dir", default=None, help="directory of the test set's IDX files (default: the task's own)")
    parser.add_argument("--min-accuracy", type=float, default=None, help="refuse a model below this test accuracy (default: the task's floor)")
    parser.add_argument("--force", action="store_true", help="ship the model even below the accuracy floor")
    parser.add_argument("--finish", action="store_true", help="only complete an interrupted release of site/, then exit")
    args = parser.parse_args(argv)
    import_tensorflow()  # first, so that its load-time lines on stderr are dropped (training/quiet.py)
    # tf_keras advises .keras over HDF5 each time a model is saved (the converter saves one too): the page's
    # path is HDF5, on purpose (README, "The model"), so the advice is noise in a one-line tool.
    warnings.filterwarnings("ignore", message="You are saving your model as an HDF5 file", category=UserWarning)
    try:
        if args.finish:
            finish_release(SITE.parent / RELEASE_DIR)
            return 0
        run = args.run or ROOT / "runs" / get_task(args.task).model / "latest"
        convert(
            run, args.out, quantize=args.quantize, tolerance=args.tolerance, data_dir=args.data_dir, source_dir=args.source_out,
            task=args.task, min_accuracy=args.min_accuracy, force=args.force,
        )
    except ConversionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
