"""python -m training.evaluate runs/letters/latest  — test-set report of a letters run (training/evaluate.py calls this).

The test set is the held-out font families (training/fonts.py, split "test"), never used for choices:
- **drawn**: every glyph drawn as on the page 3 times (skeleton + pen, or strokes replayed), the headline;
- **plain**: every glyph as the font renders it (filled), as notMNIST's glyphs are;
- **A-J**: the glyphs of A-J (upper and lower case), read among all 26 classes and, to compare with
  notMNIST's 10 classes (seed 003), among A-J only (the most probable of those ten).
With `--data-dir` (EMNIST letters), the EMNIST test set: as published (re-fitted by the page's preprocessing)
and re-drawn once. Writes metrics.json, curves.png, confusion.png (drawn), misclassified.png and report.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from training.evaluate import REMEDY, confusion_matrix, origin_rows, plot_confusion, plot_curves, plot_misclassified, read_run_files, read_run_json
from training.files import JsonFileError, final_name, write_atomic
from training.letters import LABELS, LetterSet, emnist_letter_set, letter_set

A_TO_J = 10  # notMNIST's classes: A-J.


def predict(model, images: np.ndarray) -> np.ndarray:
    """Probabilities (M, 26) for uint8 images (M, 28, 28)."""
    return model.predict(images.astype(np.float32)[..., None] / 255.0, batch_size=1000, verbose=0)


def rate(hits: np.ndarray) -> float:
    return float(np.mean(hits)) if len(hits) else float("nan")


def letter_metrics(model, letters: LetterSet) -> tuple[dict, dict]:
    """Accuracy on a LetterSet's drawings and plain glyphs, by case, letter, family and on A-J; and the
    arrays for plots (drawn images, labels, predictions, confidences)."""
    variants = letters.drawn.shape[1]
    drawn_images = letters.drawn.reshape(-1, *letters.drawn.shape[2:])
    drawn_labels = np.repeat(letters.labels, variants)
    glyphs = np.repeat(letters.glyphs, variants)
    families = np.repeat(letters.family, variants)
    drawn_probabilities = predict(model, drawn_images)
    drawn_predictions = drawn_probabilities.argmax(axis=1)
    plain_predictions = predict(model, letters.plain).argmax(axis=1)
    hits = drawn_predictions == drawn_labels
    upper = np.char.isupper(glyphs.astype(str))
    a_to_j = drawn_labels < A_TO_J
    # notMNIST's task: the same A-J glyphs, but the answer is the most probable of A-J only.
    among_ten = drawn_probabilities[a_to_j][:, :A_TO_J].argmax(axis=1) == drawn_labels[a_to_j]
    matrix = confusion_matrix(drawn_labels, drawn_predictions, classes=len(LABELS))
    metrics = {
        "test_accuracy": rate(hits),
        "test_examples": int(len(hits)),
        "test_errors": int(np.sum(~hits)),
        "test_plain_accuracy": rate(plain_predictions == letters.labels),
        "test_plain_examples": int(len(letters.labels)),
        "upper_case_accuracy": rate(hits[upper]),
        "lower_case_accuracy": rate(hits[~upper]),
        "a_to_j_accuracy": rate(hits[a_to_j]),
        "a_to_j_among_ten_accuracy": rate(among_ten),
        "a_to_j_examples": int(np.sum(a_to_j)),
        "per_class_accuracy": {name: round(float(matrix[index, index] / max(1, matrix[index].sum())), 5) for index, name in enumerate(LABELS)},
        "per_family_accuracy": {name: round(rate(hits[families == name]), 5) for name in dict.fromkeys(letters.family)},
        "confusion_matrix": matrix.tolist(),
    }
    plots = {"images": drawn_images, "labels": drawn_labels, "predictions": drawn_predictions, "confidence": drawn_probabilities.max(axis=1)}
    return metrics, plots


def evaluate_letters(run_dir: Path, model, data_dir: str | None = None) -> dict:
    """Evaluate a letters run on its test set; write plots, metrics.json and report.md; return the metrics."""
    run_dir = Path(run_dir)
    metrics, history, config = read_run_files(run_dir)  # Before anything is written: see read_run_files.
    digest = None  # A run that recorded no fonts gets none made up.
    if not data_dir and (run_dir / "fonts.json").exists():
        digest = read_run_json(run_dir, "fonts.json").get("digest")
        if not isinstance(digest, str):
            raise JsonFileError(f"{run_dir / 'fonts.json'}: holds no digest; {REMEDY['fonts.json']}")
    if data_dir:
        test, source = emnist_letter_set(data_dir, "test", variants=1, seed=3001), "EMNIST letters test set"
    else:
        test, source = letter_set("test"), "held-out font families"
    metrics_path = run_dir / "metrics.json"
    results, plots = letter_metrics(model, test)
    metrics.update(results, parameters=int(model.count_params()), test_source=source)
    if digest is not None:
        metrics["font_manifest_digest"] = digest
    write_atomic(metrics_path, (json.dumps(metrics, indent=2) + "\n").encode())
    plot_curves(history, run_dir / "curves.png")
    plot_confusion(np.array(metrics["confusion_matrix"]), run_dir / "confusion.png", LABELS, f"Confusion matrix ({source}, drawn as on the page)")
    plot_misclassified(plots["images"], plots["labels"], plots["predictions"], plots["confidence"], run_dir / "misclassified.png", names=LABELS, what=f"letters ({source}, drawn)")
    write_letters_report(run_dir, metrics, source, config)
    print(
        f"{metrics.get('model', final_name(run_dir))}: {source}, drawn {100 * metrics['test_accuracy']:.2f}% "
        f"({metrics['test_errors']} errors of {metrics['test_examples']:,}), plain {100 * metrics['test_plain_accuracy']:.2f}%, "
        f"A-J {100 * metrics['a_to_j_accuracy']:.2f}% (among A-J {100 * metrics['a_to_j_among_ten_accuracy']:.2f}%), {metrics['parameters']:,} parameters"
    )
    return metrics


def write_letters_report(run_dir: Path, metrics: dict, source: str, config: dict) -> None:
    per_class = metrics["per_class_accuracy"]
    families = sorted(metrics["per_family_accuracy"].items(), key=lambda item: item[1])
    lines = [
        f"# {metrics.get('model', final_name(run_dir))} — run {final_name(run_dir)}",  # Not the staging folder's name.
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| parameters | {metrics['parameters']:,} |",
        f"| {source}, drawn as on the page ({metrics['test_examples']:,}) | **{100 * metrics['test_accuracy']:.2f} %** ({metrics['test_errors']} errors) |",
        f"| {source}, as published/rendered ({metrics['test_plain_examples']:,}) | {100 * metrics['test_plain_accuracy']:.2f} % |",
        f"| upper case / lower case (drawn) | {100 * metrics['upper_case_accuracy']:.2f} % / {100 * metrics['lower_case_accuracy']:.2f} % |",
        f"| A-J (drawn, {metrics['a_to_j_examples']:,}): among 26 / among A-J only (notMNIST's task) | {100 * metrics['a_to_j_accuracy']:.2f} % / {100 * metrics['a_to_j_among_ten_accuracy']:.2f} % |",
        *origin_rows(metrics, config),
        "",
        "Per-letter accuracy (%, drawn):",
        "",
        "| " + " | ".join(per_class) + " |",
        "| " + " | ".join("---" for _ in per_class) + " |",
        "| " + " | ".join(f"{100 * value:.1f}" for value in per_class.values()) + " |",
        "",
        "Per family (%, drawn), hardest first: " + ", ".join(f"{name} {100 * value:.1f}" for name, value in families),
        "",
        "![training curves](curves.png)",
        "",
        "![confusion matrix](confusion.png)",
        "",
        "![misclassified letters](misclassified.png)",
        "",
        "Configuration: `" + json.dumps(config) + "`",
        "",
    ]
    if "font_manifest_digest" in metrics:
        lines[-3:-3] = [f"Fonts: `fonts.json` (SHA-256 of every font file; digest {metrics['font_manifest_digest']}).", ""]
    elif "EMNIST" not in source:
        lines[-3:-3] = ["Fonts: this run recorded none (no `fonts.json`); the test families are today's catalogue's.", ""]
    write_atomic(run_dir / "report.md", "\n".join(lines).encode())
