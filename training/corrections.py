"""python -m training.corrections --choose  — what "teach the page your hand" gains: chosen on validation, measured once on test.

When the page misreads a character the user taps the right label; the page keeps that drawing's features (the
input of the model's last layer) and later drawings alike lean towards the taught label (training/recognise.py
`Corrections` and `blend`, the page's site/js/recognise.js `blend`). The protocol, for any set where each
"user" draws each item several times (`taught_once`): the user draws each item once (drawing 0), teaches
every one the model misreads (its features and true label), then draws the items again (drawings 1..V-1),
read with the blend. Right before (the model alone) and after (with the blend), fixed and broken items.

- `--choose` (validation only: how the rule was chosen): the similarity x weight grid on the 13 validation font
  families read by runs/letters/b-fonts (a model that never saw them; each family one user), and the digit
  template check with models/digits: one open-top 9 (training/digit_styles.py template (9, 2), seed 0) taught
  as 9, then the flagged templates' 20 drawings each and MNIST's validation digits read with it.
- `--measure` (the final figures; `--split test` is the default, `--split validation` tries the code path):
  the held-out font families with the shipped models/letters, the same protocol; and the UJI writers
  (training/writers.py) with the shipped models/digits, each writer one user: their first sample of each
  digit drawn alone on the pad (`writer_digits`: pad.js's pen, training/strokes.py), segmented by
  training/preprocess.py (the Python twin of preprocess.js) and read; the misread ones taught; their second
  samples read with the blend. A sample the page would not read as one character is wrong, never taught.
  (`--split validation` only tries the code path: the shipped letters model was refit on the validation
  families, and the UJI validation writers are where the page's pen rule was chosen.)

Models are read in Keras (float32), the shipped models' twins of what TF.js runs.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

from training.quiet import import_tensorflow
from training.recognise import Corrections, blend

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parent.parent
SIMILARITIES = (0.6, 0.7, 0.8, 0.85, 0.9)
WEIGHTS = (0.5, 1.0, 2.0, 4.0)
CHOOSE_LETTERS_MODEL = ROOT / "runs" / "letters" / "b-fonts"  # Trained without the validation families.
TAUGHT_TEMPLATE = (9, 2, 0)  # The open-top 9 (label, template, seed) the digit check teaches.
NINES = ("open-top 9", "open-top 9, hooked", "open-top 9, stem apart")
COUNTS = ("read", "right_before", "right_after", "fixed", "broke", "taught")


def features_and_probabilities(model, images: np.ndarray, batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """What the page reads of each image: the input of the model's last layer (features, (N, d)) and its
    probabilities (N, labels). images (N, 28, 28): uint8 0-255 (divided by 255) or float in [0, 1] (as is)."""
    import tf_keras as keras

    images = np.asarray(images)
    inputs = images.astype(np.float32) / 255.0 if images.dtype == np.uint8 else images.astype(np.float32)
    both = keras.Model(model.inputs, [model.layers[-1].input, model.output])
    features, probabilities = both.predict(inputs.reshape(-1, 28, 28, 1), batch_size=batch_size, verbose=0)
    return features.reshape(len(images), -1), probabilities


def taught_once(*, features: np.ndarray, probabilities: np.ndarray, labels, groups, rule: Corrections, whole: np.ndarray | None = None) -> dict:
    """The protocol: features (N, V, d) and probabilities (N, V, labels) of N items drawn V times each; labels
    (N,) true label indices; groups (N,) who drew each (a font family, a writer). Per group, drawing 0 of its
    items is read and each misread one taught (its features, its true label); drawings 1..V-1 are read by the
    model alone (before) and with `blend` (after). `whole` (N, V) bool, default all: False for a drawing the
    page does not read as one character (wrong before and after, never taught).

    Returns the counts over drawings 1..V-1 (COUNTS: read, right_before, right_after, fixed, broke; taught the
    drawings taught) in total and under "groups", per group."""
    features, probabilities = np.asarray(features), np.asarray(probabilities)
    labels, groups = np.asarray(labels), np.asarray(groups)
    if features.ndim != 3 or probabilities.ndim != 3 or features.shape[:2] != probabilities.shape[:2]:
        raise ValueError(f"features {features.shape} and probabilities {probabilities.shape}: expected (N, V, d) and (N, V, labels)")
    if labels.shape != groups.shape or labels.shape != features.shape[:1] or features.shape[1] < 2:
        raise ValueError(f"labels {labels.shape}, groups {groups.shape}: expected ({features.shape[0]},) each, and V >= 2 drawings")
    whole = np.ones(features.shape[:2], dtype=bool) if whole is None else np.asarray(whole, dtype=bool)
    result = {name: 0 for name in COUNTS} | {"groups": {}}
    for group in dict.fromkeys(groups.tolist()):
        rows = np.flatnonzero(groups == group)
        wrong = rows[(probabilities[rows, 0].argmax(axis=1) != labels[rows]) & whole[rows, 0]]
        counts = {name: 0 for name in COUNTS} | {"taught": len(wrong)}
        for drawing in range(1, features.shape[1]):
            before = (probabilities[rows, drawing].argmax(axis=1) == labels[rows]) & whole[rows, drawing]
            blended = blend(probabilities[rows, drawing], features[rows, drawing], features[wrong, 0], labels[wrong], rule)
            after = (blended.argmax(axis=1) == labels[rows]) & whole[rows, drawing]
            counts["read"] += len(rows)
            counts["right_before"] += int(before.sum())
            counts["right_after"] += int(after.sum())
            counts["fixed"] += int((after & ~before).sum())
            counts["broke"] += int((before & ~after).sum())
        result["groups"][group] = counts
        for name in COUNTS:
            result[name] += counts[name]
    return result


def letters_readings(model, split: str) -> dict:
    """The font families of `split` (training/letters.py), each glyph's page drawings read by `model`."""
    from training.letters import letter_set

    letters = letter_set(split)
    count, drawings = letters.drawn.shape[:2]
    features, probabilities = features_and_probabilities(model, letters.drawn.reshape(-1, 28, 28))
    return {
        "features": features.reshape(count, drawings, -1),
        "probabilities": probabilities.reshape(count, drawings, -1),
        "labels": letters.labels.astype(int),
        "groups": letters.family,
    }


def writer_readings(model, split: str, metadata: Path = ROOT / "site" / "models" / "digits" / "metadata.json") -> dict:
    """The UJI writers of `split`: each writer's two samples of each digit (file order), drawn alone on the pad
    as the page draws them (writer_digits, the page's pen rule), segmented by training/preprocess.py with the
    digits metadata.json's parameters, read by `model`. An item is a (writer, digit); `whole` False where
    the drawing is not one character."""
    from training.drawing import to_rgba
    from training.preprocess import load_config, segment
    from training.strokes import draw_page, page_drawing
    from training.writers import split_samples, writer_digits

    drawing = {**page_drawing(), **json.loads(Path(metadata).read_text())["drawing"]}
    config = load_config(metadata)
    samples = split_samples(split)
    items: dict[tuple[int, int], list] = {}
    for sample, (strokes, label) in zip(samples, writer_digits(split)):
        characters = segment(to_rgba(draw_page(strokes, drawing)), config)
        model_input = characters[0].input if len(characters) == 1 else np.zeros(28 * 28, np.float32)
        items.setdefault((sample.writer, label), []).append((model_input.reshape(28, 28), len(characters) == 1))
    if any(len(drawn) != 2 for drawn in items.values()):
        raise ValueError(f"writers {split}: expected two samples of each digit by each writer")
    keys = sorted(items)
    images = np.stack([image for key in keys for image, _ in items[key]])
    features, probabilities = features_and_probabilities(model, images)
    return {
        "features": features.reshape(len(keys), 2, -1),
        "probabilities": probabilities.reshape(len(keys), 2, -1),
        "labels": np.array([label for _, label in keys]),
        "groups": np.array([writer for writer, _ in keys]),
        "whole": np.array([[whole for _, whole in items[key]] for key in keys]),
    }


def percent(count: int, total: int) -> str:
    return f"{100 * count / total:.2f} %"


def choose_letters(model_dir: Path = CHOOSE_LETTERS_MODEL) -> list[str]:
    """The grid on the validation families: a markdown table, one row per (similarity, weight)."""
    from training.evaluate import load_run_model

    readings = letters_readings(load_run_model(model_dir), "validation")
    lines = [
        f"Letters, validation families ({len(set(readings['groups']))}), model {model_dir.relative_to(ROOT) if model_dir.is_relative_to(ROOT) else model_dir}:",
        "",
        "| similarity | weight | taught | before | after | fixed | broke | of |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for similarity in SIMILARITIES:
        for weight in WEIGHTS:
            counts = taught_once(**readings, rule=Corrections(similarity=similarity, weight=weight))
            read = counts["read"]
            lines.append(
                f"| {similarity} | {weight:g} | {counts['taught']} | {percent(counts['right_before'], read)} | "
                f"{percent(counts['right_after'], read)} | {counts['fixed']} | {counts['broke']} | {read:,} |"
            )
    return lines


def choose_digits(model_dir: Path = ROOT / "models" / "digits") -> list[str]:
    """One open-top 9 taught as 9: the flagged templates' drawings and MNIST's validation digits, per rule."""
    from training.digit_styles import template_drawing
    from training.evaluate import load_run_model
    from training.validate_candidates import DRAWINGS, FLAGGED, mnist_published_validation

    model = load_run_model(model_dir)
    label, template, seed = TAUGHT_TEMPLATE
    taught_features, _ = features_and_probabilities(model, template_drawing(label, template, seed=seed)[None])
    drawings = np.stack([template_drawing(digit, index, seed=s) for digit, index in FLAGGED.values() for s in range(DRAWINGS)])
    features, probabilities = (array.reshape(len(FLAGGED), DRAWINGS, -1) for array in features_and_probabilities(model, drawings))
    templates = {name: (features[row], probabilities[row], digit) for row, (name, (digit, _)) in enumerate(FLAGGED.items())}
    images, labels = mnist_published_validation()
    mnist = features_and_probabilities(model, images) + (labels.astype(int),)
    fours = [name for name in FLAGGED if name.startswith("open 4")]
    others = [name for name in FLAGGED if name not in NINES and name not in fours]

    def right(readings, rule):
        features, probabilities, truth = readings
        read = probabilities.argmax(axis=1) if rule is None else blend(probabilities, features, taught_features, [label], rule).argmax(axis=1)
        return read == truth

    lines = [
        f"Digits, model {model_dir.relative_to(ROOT) if model_dir.is_relative_to(ROOT) else model_dir}: one open-top 9 (template {label}/{template}, seed {seed}) taught as 9; "
        f"templates right of {DRAWINGS} drawings (the taught one among the open-top 9s); the {len(fours)} open 4s together, of {DRAWINGS * len(fours)}, "
        f"the other {len(others)} flagged templates (continental 1s, crossed 7), of {DRAWINGS * len(others)}; "
        f"MNIST validation ({len(labels):,}, published) if every digit were read with the correction.",
        "",
        "| similarity | weight | " + " | ".join(NINES) + " | open 4s | other templates | MNIST validation | fixed | broke |",
        "| --- | --- | " + "--- | " * len(NINES) + "--- | --- | --- | --- | --- |",
    ]
    rules = [(None, None)] + [(s, w) for s in SIMILARITIES for w in WEIGHTS]
    for similarity, weight in rules:
        rule = None if similarity is None else Corrections(similarity=similarity, weight=weight)
        nines = " | ".join(str(int(right(templates[name], rule).sum())) for name in NINES)
        four, other = (sum(int(right(templates[name], rule).sum()) for name in names) for names in (fours, others))
        before, after = right(mnist, None), right(mnist, rule)
        head = "none | —" if rule is None else f"{similarity} | {weight:g}"
        lines.append(f"| {head} | {nines} | {four} | {other} | {int(after.sum())} | {int((after & ~before).sum())} | {int((before & ~after).sum())} |")
    return lines


def measure(split: str = "test", rule: Corrections | None = None) -> list[str]:
    """The shipped models with the shipped rule (or `rule`), the protocol on the held-out font families and
    the UJI writers of `split`: a markdown table."""
    from training.evaluate import load_run_model
    from training.tasks import TASKS

    rows, by_user = [], ["", "By user, those whose first drawing was misread at least once, the least read first:", "",
                         "| set | user | taught | read after | right before | right after | fixed | broke |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for task, name, read_set in (("letters", f"letters, {split} font families", letters_readings), ("digits", f"digits, UJI {split} writers", writer_readings)):
        task_rule = TASKS[task].corrections if rule is None else rule
        readings = read_set(load_run_model(ROOT / "models" / task), split)
        counts = taught_once(**readings, rule=task_rule)
        read = counts["read"]
        rows.append(
            f"| {name} | {len(counts['groups'])} | {counts['taught']} | {read:,} | {percent(counts['right_before'], read)} | "
            f"{percent(counts['right_after'], read)} | {counts['fixed']} | {counts['broke']} | {task_rule.similarity} / {task_rule.weight:g} |"
        )
        taught = sorted((item for item in counts["groups"].items() if item[1]["taught"]), key=lambda item: item[1]["right_before"] / item[1]["read"])
        by_user += [
            f"| {task} | {group} | {user['taught']} | {user['read']} | {percent(user['right_before'], user['read'])} | "
            f"{percent(user['right_after'], user['read'])} | {user['fixed']} | {user['broke']} |"
            for group, user in taught
        ]
    return [
        f"Each user draws every item once, teaches what is misread, draws again (models/letters, models/digits; Keras). Split: {split}.",
        "",
        "| set | users | taught | read after | right before | right after | fixed | broke | similarity / weight |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        *by_user,
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--choose", action="store_true", help="the similarity x weight grid, on validation data (letters, digit templates)")
    action.add_argument("--measure", action="store_true", help="the final figures with the shipped models and rule")
    parser.add_argument("--split", choices=["validation", "test"], default="test", help="--measure's split (validation: try the code path)")
    parser.add_argument("--letters-model", type=Path, default=CHOOSE_LETTERS_MODEL, help="--choose's letters model")
    args = parser.parse_args(argv)
    import_tensorflow()  # first, so that its load-time lines on stderr are dropped (training/quiet.py)
    try:
        lines = choose_letters(args.letters_model) + [""] + choose_digits() if args.choose else measure(args.split)
    except (OSError, ValueError) as error:
        print(f"error: {error}")
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
