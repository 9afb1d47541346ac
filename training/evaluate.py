"""python -m training.evaluate runs/default/latest  — test-set report for a trained run.

Writes into the run directory: metrics.json (updated with test accuracy, per-class accuracy, confusion
matrix and page-drawing robustness), curves.png (training/validation accuracy and loss), confusion.png,
misclassified.png (test digits the model gets wrong, with true and predicted labels) and report.md.
The MNIST test set is used here only, for reporting, never for choices.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from training.data import DataError, load_mnist  # noqa: E402
from training.files import atomic_path, final_name, read_json, write_atomic  # noqa: E402
from training.fonts import FontError  # noqa: E402
from training.quiet import import_tensorflow  # noqa: E402

ROBUSTNESS_DIGITS = 2000
ROBUSTNESS_SEED = 20261121
# What to do about a run's JSON file that cannot be read (training/files.py read_json), by file.
REMEDY = {
    "metrics.json": "restore it, or train the run again (it holds the training's figures: best epoch, validation accuracy)",
    "history.json": "restore it, or train the run again (it holds the accuracy and loss of each epoch)",
    "config.json": "restore it, or train the run again (it is the TrainConfig that made the model)",
    "fonts.json": "restore it, or train the run again (it records the fonts the run saw)",
}


def read_run_json(run_dir: Path | str, name: str) -> dict:
    """A run's JSON file `name` (a key of REMEDY), or {} when the run has none; one line if it is unreadable."""
    return read_json(Path(run_dir) / name, REMEDY[name], default={})


def read_run_files(run_dir: Path | str) -> tuple[dict, dict, dict]:
    """A run's metrics.json, history.json and config.json, as read_run_json reads each. An evaluation reads
    them first: one that cannot be read then stops it before it has written anything."""
    return tuple(read_run_json(run_dir, name) for name in ("metrics.json", "history.json", "config.json"))


def load_run_model(run_dir: Path):
    """Load a run's model.h5 for inference (tf_keras; the training loss is not needed)."""
    import tf_keras as keras

    path = Path(run_dir) / "model.h5"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no trained model here; train one with `make train`")
    return keras.models.load_model(path, compile=False)


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, classes: int = 10) -> np.ndarray:
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (labels, predictions), 1)
    return matrix


def canvas_robustness(model, images: np.ndarray, labels: np.ndarray, count: int = ROBUSTNESS_DIGITS, seed: int = ROBUSTNESS_SEED) -> float:
    """Accuracy on test digits re-drawn as on the page (training/drawing.py) and preprocessed in Python."""
    from training.drawing import draw_on_canvas
    from training.preprocess import preprocess

    rng = np.random.default_rng(seed)
    inputs = np.stack([preprocess(draw_on_canvas(image, rng)) for image in images[:count]])
    predictions = model.predict(inputs.reshape(-1, 28, 28, 1), batch_size=500, verbose=0).argmax(axis=1)
    return float(np.mean(predictions == labels[:count]))


def plot_curves(history: dict, path: Path) -> None:
    """Error rate on a log scale (the last tenths of a per cent stay visible) and loss, per epoch: whole epochs on
    the axis, and a marker on each (a 1-epoch run is one point, which a line alone would not show)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    epochs = np.arange(1, len(history.get("loss", [])) + 1)
    style = {"marker": "o", "markersize": 3} if len(epochs) <= 40 else {}
    for key, label in (("accuracy", "training"), ("val_accuracy", "validation")):
        if key in history:
            left.plot(epochs, 100 * (1 - np.asarray(history[key])), label=label, **style)
    left.set(title="Error rate (augmented training set; validation)", xlabel="epoch", ylabel="% wrong", yscale="log")
    if left.lines:  # an empty history (a run stopped before its first epoch) has nothing to name
        left.legend()
    left.grid(alpha=0.3, which="both")
    for key, label in (("loss", "training"), ("val_loss", "validation")):
        if key in history:
            right.plot(epochs, history[key], label=label, **style)
    later = [value for key in ("loss", "val_loss") for value in history.get(key, [])[1:]]
    title = "Loss (with label smoothing)"
    first = [history[key][0] for key in ("loss", "val_loss") if history.get(key)]
    if len(epochs) >= 4:  # The first epoch's loss would flatten the rest: it is left above the scale, and said so.
        right.set_ylim(min(later) * 0.95, max(later) * 1.05)
        title += ", epoch 1 above the scale" if max(first) > max(later) * 1.05 else ""
    right.set(title=title, xlabel="epoch")
    if right.lines:
        right.legend()
    right.grid(alpha=0.3)
    for axis in (left, right):
        axis.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        axis.set_xlim(0.5, max(len(epochs), 1) + 0.5)
    left.yaxis.set_minor_locator(LogLocator(subs=(2, 3, 5)))  # labelled 0.2, 0.3, 0.5, 1, 2 ...: not 5 x 10^-1
    for ticks in (left.yaxis.set_major_formatter, left.yaxis.set_minor_formatter):
        ticks(FuncFormatter(lambda value, _: f"{value:g}"))
    figure.tight_layout()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=110)
    plt.close(figure)


def plot_confusion(matrix: np.ndarray, path: Path, names: list[str] | None = None, title: str = "Confusion matrix (MNIST test)") -> None:
    names = names or [str(digit) for digit in range(10)]
    size = 6 if len(names) <= 10 else 10
    figure, axis = plt.subplots(figsize=(size, size * 0.87))
    shown = np.log1p(matrix)
    axis.imshow(shown, cmap="Blues")
    for (row, col), value in np.ndenumerate(matrix):
        if value:
            axis.text(col, row, str(value), ha="center", va="center", fontsize=7 if len(names) <= 10 else 5, color="white" if shown[row, col] > shown.max() / 2 else "black")
    axis.set(xticks=range(len(names)), yticks=range(len(names)), xticklabels=names, yticklabels=names, xlabel="predicted", ylabel="true", title=title)
    figure.tight_layout()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=110)
    plt.close(figure)


def plot_misclassified(images: np.ndarray, labels: np.ndarray, predictions: np.ndarray, confidence: np.ndarray, path: Path, limit: int = 60, names: list[str] | None = None, what: str = "MNIST test digits") -> None:
    names = names or [str(digit) for digit in range(10)]
    wrong = np.flatnonzero(labels != predictions)[:limit]
    columns = 10
    rows = max(1, -(-len(wrong) // columns))
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 1.2, rows * 1.45))
    for axis in np.asarray(axes).reshape(-1):
        axis.axis("off")
    for axis, index in zip(np.asarray(axes).reshape(-1), wrong):
        axis.imshow(images[index], cmap="gray_r")
        axis.set_title(f"true {names[labels[index]]} → {names[predictions[index]]}\n{100 * confidence[index]:.0f}%", fontsize=7)
    figure.suptitle(f"Misclassified {what} ({int(np.sum(labels != predictions))} in all, first {len(wrong)} shown)", fontsize=9)
    figure.tight_layout()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=110)
    plt.close(figure)


def evaluate(run_dir: Path, model=None, data_dir: str | None = None, robustness_digits: int = ROBUSTNESS_DIGITS) -> dict:
    """Evaluate a run on the MNIST test set, write plots, metrics.json and report.md; return the metrics."""
    run_dir = Path(run_dir)
    model = model or load_run_model(run_dir)
    if model.name == "letters":  # The letters task has its own test sets and report.
        from training.evaluate_letters import evaluate_letters

        return evaluate_letters(run_dir, model, data_dir)
    metrics, history, config = read_run_files(run_dir)  # Before anything is written: see read_run_files.
    test = load_mnist("test", data_dir)
    inputs = test.images.astype(np.float32)[..., None] / 255.0
    probabilities = model.predict(inputs, batch_size=1000, verbose=0)
    predictions = probabilities.argmax(axis=1)
    matrix = confusion_matrix(test.labels, predictions)
    per_class = (np.diag(matrix) / matrix.sum(axis=1)).tolist()
    metrics_path = run_dir / "metrics.json"
    metrics.update(
        {
            "parameters": int(model.count_params()),
            "test_accuracy": float(np.mean(predictions == test.labels)),
            "test_errors": int(np.sum(predictions != test.labels)),
            "per_class_accuracy": {str(digit): round(value, 5) for digit, value in enumerate(per_class)},
            "confusion_matrix": matrix.tolist(),
            "canvas_robustness": canvas_robustness(model, test.images, test.labels, robustness_digits),
            "canvas_robustness_digits": robustness_digits,
        }
    )
    write_atomic(metrics_path, (json.dumps(metrics, indent=2) + "\n").encode())
    plot_curves(history, run_dir / "curves.png")
    plot_confusion(matrix, run_dir / "confusion.png")
    plot_misclassified(test.images, test.labels, predictions, probabilities.max(axis=1), run_dir / "misclassified.png")
    write_report(run_dir, metrics, config)
    print(
        f"{metrics.get('model', final_name(run_dir))}: test accuracy {100 * metrics['test_accuracy']:.2f}% "
        f"({metrics['test_errors']} errors), page drawings {100 * metrics['canvas_robustness']:.2f}%, "
        f"{metrics['parameters']:,} parameters"
    )
    return metrics


def origin_rows(metrics: dict, config: dict) -> list[str]:
    """The report's rows on where the model comes from: a weight average of two runs, or a training (the best
    epoch by validation, or the last of a refit) and how long it took."""
    if "average_of" in config:  # A weight average (training/validate_candidates.py --average) has no epochs.
        parts = " + ".join(f"{part['weight']:g} × {part['run']}" for part in config["average_of"])
        return [f"| weight average of | {parts} |"]
    if metrics.get("validation_accuracy") is None and "best_epoch" in metrics:
        epoch = f"| epoch kept | {metrics['best_epoch']} (the last: refit on the training and validation families) |"
    else:
        epoch = f"| best epoch (validation accuracy) | {metrics.get('best_epoch', '?')} ({100 * metrics.get('validation_accuracy', 0):.2f} %) |"
    return [epoch, f"| training time | {metrics.get('training_minutes', '?')} min |"]


def run_config(run_dir: Path | str) -> dict:
    """A run directory's config.json (what made the model), or {} when it has none."""
    return read_run_json(run_dir, "config.json")


def write_report(run_dir: Path, metrics: dict, config: dict) -> None:
    """report.md for a digits run: `metrics` as measured, `config` its config.json (read_run_files)."""
    per_class = " | ".join(f"{100 * value:.2f}" for value in metrics["per_class_accuracy"].values())
    lines = [
        f"# {metrics.get('model', final_name(run_dir))} — run {final_name(run_dir)}",  # Not the staging folder's name.
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| parameters | {metrics['parameters']:,} |",
        f"| MNIST test accuracy (10,000 digits) | **{100 * metrics['test_accuracy']:.2f} %** ({metrics['test_errors']} errors) |",
        f"| page drawings ({metrics['canvas_robustness_digits']:,} test digits re-drawn, Python preprocessing) | {100 * metrics['canvas_robustness']:.2f} % |",
        *origin_rows(metrics, config),
        "",
        "Per-class test accuracy (%), digits 0–9:",
        "",
        "| " + " | ".join(str(digit) for digit in range(10)) + " |",
        "| " + " | ".join("---" for _ in range(10)) + " |",
        f"| {per_class} |",
        "",
        "![training curves](curves.png)",
        "",
        "![confusion matrix](confusion.png)",
        "",
        "![misclassified test digits](misclassified.png)",
        "",
        "Configuration: `" + json.dumps(config) + "`",
        "",
    ]
    write_atomic(run_dir / "report.md", "\n".join(lines).encode())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the test-set report of a trained run.")
    parser.add_argument("run", type=Path, help="run directory, e.g. runs/default/latest")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    import_tensorflow()  # first, so that its load-time lines on stderr are dropped (training/quiet.py)
    try:
        evaluate(args.run, data_dir=args.data_dir)
    except (DataError, FontError, ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
