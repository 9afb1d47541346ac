"""python convert.py --task digits  — a trained Keras model -> the site's model folder, released in one step.

Writes a TensorFlow.js *layers* model (model.json + one weight shard) with the `tensorflowjs` converter into
site/models/<task>/, and beside it metadata.json: everything the page needs to use the model (the task's
labels and words, input convention, preprocessing and drawing parameters, SHA-256 of every file, and the
test accuracy measured in TF.js itself). The Keras source (model.h5, config, report) goes to models/<task>/
when the model goes to site/models/<task>/; a model converted elsewhere (--out, to try it) writes none
unless --source-out names a folder for it.

The model is converted in a staging area, loaded and measured in the real TF.js runtime (Node,
tools/tfjs_predict.mjs, through the page's own loader), refused if it is below the task's accuracy floor,
and only then released. A release is one step that either happens or does not: the new model folder, the
Keras source, site/models/index.json and the service worker's version (sw.js) are staged first, a journal
naming every move is written, then the moves are made. A failure or kill after the journal is written is
rolled forward by the next `convert.py` run (`make convert` runs `convert.py --finish` first); one before
it leaves the published files as they were. TF.js, built for the shipped models' layers and kernels
(tools/build_tfjs.mjs), is rebuilt in the staging area and released with the model when it changes. The staging area is .inkwell-release/ beside site/, never
inside it, so a Pages deploy never publishes a half-made release.

convert.py replaces only folders it wrote: a model folder holding metadata.json and files that metadata.json
lists (some may be missing: make deletes model.json when a `make convert` is interrupted), or a source folder
holding exactly the files its source.json lists, unchanged (convert.py writes source.json at each release;
file names alone do not tell a run's folder or a user's report.md from ours). Anything else given as --out or
--source-out is refused with one line and left untouched, and so are an --out and a --source-out that are one
folder or nested, and a --source-out that is the run or lies inside it.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import hashlib
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

from training.files import write_atomic  # noqa: E402
from training.quiet import import_tensorflow  # noqa: E402
from training.tasks import TASKS, Task, get_task, shipped_tasks  # noqa: E402

ROOT = Path(__file__).resolve().parent
SITE = ROOT / "site"
# The Keras source copied beside the web model; fonts.json (the letters task: SHA-256 of every font file the
# run was drawn from) says which fonts the shipped letters model saw.
SOURCE_FILES = ("model.h5", "config.json", "metrics.json", "history.json", "report.md", "curves.png", "confusion.png", "misclassified.png", "fonts.json")
# Written into the source folder at each release: the run its files came from and each file's SHA-256. Only a
# folder whose files are exactly these, unchanged, is replaced by the next release.
SOURCE_MARKER = "source.json"
QUANTIZATIONS = ("float32", "float16", "uint8")
METADATA_SCHEMA = 2  # 2: one folder per task; "task" and "accuracy.test" replace 1's MNIST-only fields.
CONFIDENCE_THRESHOLD = 0.7  # Below this the page says "not sure" and names the runner-up.
RELEASE_DIR = ".inkwell-release"  # beside site/ (or beside --out outside a site); ours alone
JOURNAL = "journal.json"


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


def file_entry(directory: Path, path: str) -> dict:
    """What metadata.json and source.json record of a file: its path, bytes and SHA-256."""
    return {"path": path, "bytes": (directory / path).stat().st_size, "sha256": sha256_file(directory / path)}


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


def build_metadata(model, run_dir: Path, quantization: str, directory: Path, accuracy: dict, task: Task = TASKS["digits"]) -> dict:
    from training.strokes import page_drawing

    run_dir = Path(run_dir).resolve()
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
        "drawing": page_drawing(),
        "display": {"confidenceThreshold": CONFIDENCE_THRESHOLD, **({"touchingAspect": task.touching_aspect} if task.touching_aspect else {})},
        # Only the rules a task has: the page reads a missing key as "no such rule".
        **task.rules.metadata(),
        "corrections": dataclasses.asdict(task.corrections),
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


# --- What may be replaced --------------------------------------------------------------------------------


def few(names) -> str:
    """The first four of `names`, sorted, for a one-line message."""
    names = sorted(names)
    return ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")


def listing(directory: Path) -> str:
    return few(path.name for path in directory.iterdir())


def check_model_folder(out_dir: Path) -> None:
    """--out must be new, empty, or a model folder convert.py wrote: metadata.json and files it lists. A listed
    file may be missing (replacing the folder loses nothing of the user's): make deletes its target,
    model.json, when a `make convert` is interrupted after the release, and the next one must repair that."""
    if not out_dir.exists() and not out_dir.is_symlink():
        return
    refuse = f"--out {out_dir}: {{}}; refusing to replace it: pass a model folder convert.py wrote (site/models/<task>) or a new directory"
    if out_dir.is_symlink() or not out_dir.is_dir():
        raise ConversionError(refuse.format("not a directory"))
    names = {path.name for path in out_dir.iterdir()}
    if not names:
        return
    try:
        listed = {entry["path"] for entry in json.loads((out_dir / "metadata.json").read_text())["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        raise ConversionError(refuse.format(f"holds {listing(out_dir)} but no metadata.json of a converted model")) from None
    unlisted = names - listed - {"metadata.json"}
    if unlisted:
        raise ConversionError(refuse.format(f"holds files its metadata.json does not list ({few(unlisted)})"))


def source_marker(directory: Path, run: str) -> dict:
    """source.json for a source folder: the run its files came from (as metadata.json's source.run names it)
    and the bytes and SHA-256 of each file in it."""
    names = sorted(path.name for path in directory.iterdir() if path.name != SOURCE_MARKER)
    return {"run": run, "files": [file_entry(directory, name) for name in names]}


def write_source_marker(directory: Path, run: str) -> None:
    """Mark `directory` as a source folder convert.py wrote (at each release, and once for the folders committed
    before source.json existed)."""
    write_atomic(directory / SOURCE_MARKER, (json.dumps(source_marker(directory, run), indent=2) + "\n").encode())


def check_source_folder(source_dir: Path) -> None:
    """--source-out must be new, empty, or a source folder convert.py wrote: its source.json and exactly the
    files that lists, each with the SHA-256 it lists. A run's folder or a user's holds the same names
    (model.h5, report.md, ...), so names alone prove nothing; a file changed since the release is the user's."""
    if not source_dir.exists() and not source_dir.is_symlink():
        return
    refuse = f"--source-out {source_dir}: {{}}; refusing to replace it: pass a source folder convert.py wrote (models/<task>, unchanged) or a new directory"
    if source_dir.is_symlink() or not source_dir.is_dir():
        raise ConversionError(refuse.format("not a directory"))
    names = {path.name for path in source_dir.iterdir()}
    if not names:
        return
    try:
        listed = {entry["path"]: entry["sha256"] for entry in json.loads((source_dir / SOURCE_MARKER).read_text())["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        raise ConversionError(refuse.format(f"holds {listing(source_dir)} but no {SOURCE_MARKER} of a source folder convert.py wrote")) from None
    unlisted, missing = names - set(listed) - {SOURCE_MARKER}, set(listed) - names
    if unlisted:
        raise ConversionError(refuse.format(f"holds files its {SOURCE_MARKER} does not list ({few(unlisted)})"))
    if missing:
        raise ConversionError(refuse.format(f"lacks files its {SOURCE_MARKER} lists ({few(missing)})"))

    def unchanged(name: str) -> bool:
        path = source_dir / name
        try:
            return path.is_file() and not path.is_symlink() and sha256_file(path) == listed[name]
        except OSError:
            return False

    changed = [name for name in listed if not unchanged(name)]
    if changed:
        raise ConversionError(refuse.format(f"files changed since convert.py wrote them ({few(changed)})"))


def overlaps(a: Path, b: Path) -> bool:
    """Whether two folders are one, or one lies inside the other (symlinks followed)."""
    a, b = Path(a).resolve(), Path(b).resolve()
    return a == b or a in b.parents or b in a.parents


def check_source_apart(source_dir: Path, out_dir: Path, run_dir: Path) -> None:
    """The release moves each folder into place whole, so the source folder must be apart from the web model
    (the second move would throw the first away) and from the run it is copied from (which it would delete)."""
    if overlaps(source_dir, out_dir):
        raise ConversionError(f"--source-out {source_dir}: the same folder as --out {out_dir}, or nested with it; pass two separate folders (models/<task> and site/models/<task>)")
    if overlaps(source_dir, run_dir):
        raise ConversionError(f"--source-out {source_dir}: the same folder as --run {run_dir}, or nested with it; pass a --source-out outside the run (models/<task>)")


def check_writable(out_dir: Path) -> None:
    parent = out_dir.parent
    if not parent.is_dir():
        raise ConversionError(f"{parent}: output's parent directory does not exist; create it or pass another --out")
    if not os.access(parent, os.W_OK) or (out_dir.exists() and not os.access(out_dir, os.W_OK)):
        raise ConversionError(f"{out_dir}: not writable; fix its permissions or pass another --out")


def site_of(out_dir: Path) -> Path | None:
    """The site a model folder belongs to (<site>/models/<task>, with <site>/sw.js), or None."""
    site = out_dir.parent.parent
    return site if out_dir.parent.name == "models" and (site / "sw.js").is_file() else None


def models_index(site: Path, adding: str) -> dict:
    """site/models/index.json: the tasks whose models the site ships, in TASKS order (the first is the default)."""
    already = shipped_tasks(site)
    shipped = [task for name, task in TASKS.items() if name == adding or name in already]
    return {"tasks": [{"name": task.name, "title": task.title} for task in shipped]}


# --- The release: staged, journalled, then moved in --------------------------------------------------------


def release_dir_for(out_dir: Path) -> Path:
    site = site_of(out_dir)
    return (site.parent if site else out_dir.parent) / RELEASE_DIR


def apply_release(release_dir: Path) -> None:
    """Carry out the journalled moves, stamp sw.js, then clean up. Each step can be repeated after a kill."""
    plan = json.loads((release_dir / JOURNAL).read_text())
    for staged, target in plan["moves"]:
        staged, target = Path(staged), Path(target)
        backup = staged.with_name(staged.name + ".old")
        if staged.exists():  # not moved in yet
            if target.exists() or target.is_symlink():
                if backup.exists():
                    raise ConversionError(f"{target}: reappeared during an interrupted release; move it away and run `convert.py --finish`")
                target.rename(backup)
            staged.rename(target)
    if plan["site"]:
        stamp_site(Path(plan["site"]))
    (release_dir / JOURNAL).unlink()  # released: from here on there is only cleaning up
    shutil.rmtree(release_dir, ignore_errors=True)


def finish_interrupted(release_dir: Path) -> bool:
    """Roll an interrupted release forward, or drop the staging of one that never reached its journal.

    Returns True when a release was completed."""
    if (release_dir / JOURNAL).is_file():
        apply_release(release_dir)
        return True
    if release_dir.is_dir():
        shutil.rmtree(release_dir)
    return False


def same_device(a: Path, b: Path) -> bool:
    existing = lambda path: next(p for p in [path, *path.parents] if p.exists())  # noqa: E731
    return os.stat(existing(a)).st_dev == os.stat(existing(b)).st_dev


@contextlib.contextmanager
def release_lock(release_dir: Path):
    """One release at a time per site: a second convert.py is refused instead of mixing two releases."""
    descriptor = os.open(release_dir.parent, os.O_RDONLY)  # the folder that holds the staging area
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConversionError(f"{release_dir}: another convert.py is releasing here; wait for it to finish") from None
        yield
    finally:
        os.close(descriptor)


def release(staged: dict[Path, Path], site: Path | None, release_dir: Path) -> None:
    """Write the journal of moves (staged path -> published path), then apply it."""
    for source, target in staged.items():
        if not same_device(source, target.parent):
            raise ConversionError(f"{target}: on another file system than {release_dir}; pass an --out/--source-out beside the site")
        target.parent.mkdir(parents=True, exist_ok=True)
    journal = {"moves": [[str(source), str(target)] for source, target in staged.items()], "site": str(site) if site else None}
    temporary = release_dir / (JOURNAL + ".tmp")
    temporary.write_text(json.dumps(journal, indent=2) + "\n")
    os.replace(temporary, release_dir / JOURNAL)  # the release happens from this rename on
    apply_release(release_dir)


def staged_tfjs(site: Path, task: str, staged_model: Path, release_dir: Path) -> dict[Path, Path]:
    """TF.js built for the models the site will ship (tools/build_tfjs.mjs holds only their layers and
    kernels), staged beside the model: the files that differ from site/vendor/ join the release."""
    from training.webruntime import WebRuntimeError, run_node

    models = [staged_model] + [site / "models" / other for other in TASKS if other != task and (site / "models" / other / "model.json").is_file()]
    out = release_dir / "vendor"
    out.mkdir()
    arguments = ["--out", str(out)] + [item for model in models for item in ("--model", str(model))]
    try:
        run_node(ROOT / "tools" / "build_tfjs.mjs", arguments, "tools/build_tfjs.mjs cannot build TF.js for the shipped models")
    except WebRuntimeError as error:
        raise ConversionError(f"{error}; run `make setup` (npm ci brings esbuild)") from error
    return {built: site / "vendor" / built.name for built in sorted(out.iterdir()) if not (site / "vendor" / built.name).is_file() or built.read_bytes() != (site / "vendor" / built.name).read_bytes()}


def stamp_site(site_dir: Path) -> None:
    """Give the service worker a new version so visitors' caches pick up the new model."""
    sys.path.insert(0, str(ROOT))
    import site_version

    site_version.stamp(site_dir)


# --- Conversion -----------------------------------------------------------------------------------------


def measure(model, run_dir: Path, task: Task, directory: Path, quantization: str, test) -> float:
    """Write the model in `directory` at `quantization` and return its test accuracy in TF.js (Node, wasm)."""
    from training.webruntime import WebRuntimeError, run_tfjs

    write_tfjs_files(model, directory, quantization)
    # The loader checks SHA-256 against metadata.json, so write a provisional one before measuring.
    provisional = build_metadata(model, run_dir, quantization, directory, {}, task)
    (directory / "metadata.json").write_text(json.dumps(provisional))
    inputs = test.images.astype(np.float32)[..., None] / 255.0
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
    check_writable(out_dir)
    check_model_folder(out_dir)
    if source_dir is not None:
        check_source_apart(source_dir, out_dir, Path(run_dir))
        check_source_folder(source_dir)
    read_train_config(Path(run_dir))  # metadata.json is built from it at the end: a broken one stops us here
    release_dir = release_dir_for(out_dir)
    with release_lock(release_dir):
        if finish_interrupted(release_dir):
            print(f"completed an interrupted release ({release_dir})")
        try:
            release_dir.mkdir()
        except OSError as error:
            raise ConversionError(f"{out_dir}: cannot stage a release beside it in {release_dir} ({error.strerror}); fix permissions or pass another --out") from error
        try:
            return convert_and_release(run_dir, out_dir, source_dir, release_dir, task_spec, quantize, tolerance, data_dir, min_accuracy, force)
        finally:
            if not (release_dir / JOURNAL).exists():
                shutil.rmtree(release_dir, ignore_errors=True)  # nothing was released: the published files are as they were


def convert_and_release(run_dir, out_dir, source_dir, release_dir, task_spec, quantize, tolerance, data_dir, min_accuracy, force) -> dict:
    """The body of `convert`, under the release lock."""
    from training.data import DataError

    task = task_spec.name
    model = load_keras_model(run_dir)
    if model.output_shape[-1] != len(task_spec.labels):
        raise ConversionError(f"{Path(run_dir) / 'model.h5'}: {model.output_shape[-1]} outputs, the {task} task has {len(task_spec.labels)} labels; pass the right --task")
    try:
        test = task_spec.load_test(data_dir)
    except DataError as error:
        raise ConversionError(str(error)) from error
    inputs = test.images.astype(np.float32)[..., None] / 255.0
    if tuple(model.input_shape[1:]) != inputs.shape[1:]:
        shape = " x ".join(str(side) for side in model.input_shape[1:])
        raise ConversionError(
            f"{Path(run_dir) / 'model.h5'}: takes input {shape}, the {task} task feeds {' x '.join(map(str, inputs.shape[1:]))} "
            "(one grey channel, 0 = paper, 1 = ink); give the model that Input shape"
        )

    def keras_accuracy_of(keras_model) -> float:
        return float(np.mean(keras_model.predict(inputs, batch_size=1000, verbose=0).argmax(axis=1) == test.labels))

    # The page shows the outputs as probabilities ("98% sure") and blends what was taught into them: they must be.
    sums = model.predict(inputs[:100], verbose=0).astype(np.float64).sum(axis=1)
    if not np.allclose(sums, 1.0, atol=1e-3):
        raise ConversionError(
            f"{Path(run_dir) / 'model.h5'}: its outputs are not probabilities (they sum to {sums.min():.3g} to {sums.max():.3g}); "
            "end the model with a Dense layer with activation='softmax'"
        )
    keras_accuracy = trained_accuracy = keras_accuracy_of(model)
    quantize = task_spec.quantization if quantize == "auto" else quantize
    candidates = list(QUANTIZATIONS) if quantize == "auto" else [quantize]
    shipped_source = task_spec.keras_source == "shipped"
    if shipped_source:  # quantize is fixed then (training/tasks.py Task refuses "shipped" with "auto")
        # The task commits the weights the page runs: measure the model that carries them, once.
        model = dequantised(model, quantize)
        keras_accuracy = keras_accuracy_of(model)
    measured = {q: measure(model, run_dir, task_spec, release_dir / q, q, test) for q in candidates}
    reference = measured.get("float32", measured[candidates[0]])
    within = [q for q in ("uint8", "float16", "float32") if q in measured and 100 * (reference - measured[q]) <= tolerance]
    chosen = within[0] if quantize == "auto" else quantize
    floor = task_spec.accuracy_floor if min_accuracy is None else min_accuracy
    if measured[chosen] < floor and not force:
        raise ConversionError(
            f"{run_dir}: TF.js test accuracy {100 * measured[chosen]:.2f}% is below the {task} floor of {100 * floor:.2f}%; "
            "train it longer, or pass --force (or --min-accuracy) to ship it anyway"
        )
    accuracy = {
        "test": measured[chosen],
        "testSet": task_spec.test_set,
        "examples": len(test.labels),
        "measuredIn": f"TensorFlow.js {tfjs_version()} in Node, wasm backend",
        "keras": keras_accuracy,
        "float32Tfjs": measured.get("float32"),
    }
    if shipped_source:
        # models/<task>/model.h5 holds the shipped weights; the run's own, as trained, read this in Keras.
        accuracy["kerasSource"] = "shipped weights (quantised, then dequantised)"
        accuracy["kerasTrained"] = trained_accuracy
    metadata = build_metadata(model, run_dir, chosen, release_dir / chosen, accuracy, task_spec)
    (release_dir / chosen / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    staged = {release_dir / chosen: out_dir}
    if source_dir is not None:
        (release_dir / "source").mkdir()
        for name in SOURCE_FILES:
            if (Path(run_dir) / name).is_file():
                shutil.copy2(Path(run_dir) / name, release_dir / "source" / name)
        if shipped_source:
            model.save(release_dir / "source" / "model.h5", include_optimizer=False)
        write_source_marker(release_dir / "source", metadata["source"]["run"])
        staged[release_dir / "source"] = source_dir
    site = site_of(out_dir)
    if site is not None:
        (release_dir / "index.json").write_text(json.dumps(models_index(site, task), indent=2) + "\n")
        staged[release_dir / "index.json"] = site / "models" / "index.json"
        staged.update(staged_tfjs(site, task, release_dir / chosen, release_dir))
    release(staged, site, release_dir)
    print(
        f"wrote {out_dir}: {metadata['name']} ({metadata['parameters']:,} parameters), {chosen} weights "
        f"{metadata['weightBytes']:,} bytes, TF.js test accuracy {100 * accuracy['test']:.2f}% "
        f"(Keras {100 * keras_accuracy:.2f}%)"
    )
    print(f"Keras source: {source_dir}" if source_dir is not None else "no Keras source written (pass --source-out DIR to keep one)")
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
            with release_lock(SITE.parent / RELEASE_DIR):
                if finish_interrupted(SITE.parent / RELEASE_DIR):
                    print(f"completed an interrupted release ({SITE.parent / RELEASE_DIR})")
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
