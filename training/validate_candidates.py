"""python -m training.validate_candidates models/digits runs/default/RUN ...  — compare models on validation data only.

For choosing a model without looking at a test set. Each model (a run directory or models/<task> holding
model.h5) is read in Keras (float32). A digits model on:

- MNIST's validation split (the last 5,000 training digits, which training holds out), as published and
  re-drawn as on the page (the re-drawings a seed-`--seed` training validates on, runs/cache/);
- the VALIDATION writers of UJI Pen Characters (training/evaluate_writers.py: single digits and numbers,
  replayed as pad.js draws them and segmented by preprocess.js) and the TRAINING writers' single digits
  (held out from every model trained without the styles pool's "writers" source);
- the hand-made templates of the styles MNIST lacks (training/digit_styles.py), 20 augmented drawings each:
  how many are read as their digit, and what the others are read as.

With `--task letters`, a letters model on the 13 VALIDATION font families (training/fonts.py's split): every
glyph as rendered and as drawn on the page (`all`, what training validates on), and the drawings alone
(`drawn`).

Every model after the first is also compared with the first item by item on those validation sets: how many
it gets wrong that the first reads right, how many the other way, and the exact two-sided sign test (McNemar)
of that split — whether the two differ by more than which items each happens to miss.

`--average A B --weight W --out DIR` writes a model whose every weight is W * A + (1 - W) * B (A and B of the
same architecture, e.g. a fine-tune and the model it started from) to DIR/model.h5, to compare like the rest.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from training.quiet import import_tensorflow

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# The templates of the flagged styles (training/digit_styles.py TEMPLATES indices) and what they are.
FLAGGED = {
    "continental 1, long flag": (1, 2),
    "continental 1, longer flag": (1, 3),
    "continental 1 with base": (1, 4),
    "crossed 7": (7, 1),
    "open 4": (4, 1),
    "open 4, C arm": (4, 4),
    "open 4, Ч": (4, 5),
    "open 4, u into stem": (4, 6),
    "open 4, u, stem apart": (4, 7),
    "open-top 9": (9, 2),
    "open-top 9, hooked": (9, 3),
    "open-top 9, stem apart": (9, 4),
}
DRAWINGS = 20  # Augmented drawings of each template (seeds 0-19, as digit_styles.template_drawing draws them).
# How the keys of a task's validation sets begin in a result: PREFIX_NAME_errors, _of (items), _wrong (the
# indices of the items read wrong) and _misread (each of those as "label>read", e.g. "4>9").
PREFIX = {"digits": "mnist_validation", "letters": "letters_validation"}


def sign_test(worse: int, better: int) -> float:
    """The exact two-sided sign test of `worse` against `better` discordant pairs (McNemar's exact test): the
    chance, if each such digit were equally likely to fall either way, of a split at least this uneven."""
    total = worse + better
    if total == 0:
        return 1.0
    tail = sum(math.comb(total, k) for k in range(min(worse, better) + 1)) / 2**total
    return min(1.0, 2 * tail)


def set_names(result: dict, prefix: str) -> list[str]:
    """The validation sets a result holds (keys `prefix`_NAME_wrong), in the order they were read."""
    return [key.removeprefix(f"{prefix}_").removesuffix("_wrong") for key in result if key.startswith(f"{prefix}_") and key.endswith("_wrong")]


def paired(result: dict, reference: dict, prefix: str = PREFIX["digits"]) -> dict[str, dict]:
    """Item by item against `reference` on each validation set (keys `prefix`_NAME_wrong): `worse` wrong here
    and right there, `better` the other way, and their sign test."""
    comparison = {}
    for name in set_names(result, prefix):
        here, there = set(result[f"{prefix}_{name}_wrong"]), set(reference[f"{prefix}_{name}_wrong"])
        worse, better = len(here - there), len(there - here)
        comparison[name] = {"worse": worse, "better": better, "p": sign_test(worse, better)}
        if f"{prefix}_{name}_misread" in result:  # What the newly wrong items are, most frequent first.
            misread = dict(zip(result[f"{prefix}_{name}_wrong"], result[f"{prefix}_{name}_misread"]))
            comparison[name]["newly_wrong"] = dict(Counter(misread[index] for index in sorted(here - there)).most_common())
    return comparison


def keras_predict(model):
    return lambda inputs: model.predict(inputs, batch_size=512, verbose=0)


def mnist_published_validation() -> tuple[np.ndarray, np.ndarray]:
    """The validation split as published: the last TrainConfig.validation_size training digits, and their labels."""
    from training.data import load_mnist
    from training.train import TrainConfig

    train = load_mnist("train")
    size = TrainConfig.validation_size
    return train.images[-size:], train.labels[-size:]


def mnist_validation(seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The validation split as published and re-drawn as a seed-`seed` training validates on it."""
    from training.datasets import canvas_redraws

    images, labels = mnist_published_validation()
    redrawn = canvas_redraws(images, [seed + 1000], "val-full")[0]
    return {"published": (images, labels), "redrawn": (redrawn, labels)}


def letters_validation() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The validation families: every glyph as rendered and drawn (what training validates on), and drawn alone."""
    from training.letters import as_examples, letter_set

    letters = letter_set("validation")
    return {"all": as_examples(letters), "drawn": as_examples(letters, drawn_only=True)}


def template_readings(predict) -> dict[str, dict]:
    from training.digit_styles import template_drawing

    result = {}
    for name, (label, index) in FLAGGED.items():
        drawings = np.stack([template_drawing(label, index, seed=seed) for seed in range(DRAWINGS)])
        read = predict(drawings.astype(np.float32)[..., None] / 255.0).argmax(axis=1)
        result[name] = {"right": int((read == label).sum()), "of": DRAWINGS, "others": dict(Counter(str(r) for r in read if r != label))}
    return result


def validate_model(model_dir: Path, sets: dict, writers: bool = True, task: str = "digits") -> dict:
    from training.evaluate import load_run_model
    from training.tasks import TASKS

    model = load_run_model(model_dir)
    predict = keras_predict(model)
    names = TASKS[task].labels
    result = {"model": str(model_dir), "task": task}
    for name, (images, labels) in sets.items():
        read = predict(images.astype(np.float32)[..., None] / 255.0).argmax(axis=1)
        wrong = np.flatnonzero(read != labels)
        result[f"{PREFIX[task]}_{name}_errors"] = len(wrong)
        result[f"{PREFIX[task]}_{name}_of"] = len(labels)
        result[f"{PREFIX[task]}_{name}_wrong"] = wrong.tolist()
        result[f"{PREFIX[task]}_{name}_misread"] = [f"{names[labels[index]]}>{names[read[index]]}" for index in wrong]
    if task == "letters":
        return result

    from training.evaluate_writers import measure_writers, read_drawings
    from training.writers import writer_digits

    result["templates"] = template_readings(predict)
    if writers:
        measured = measure_writers(predict, "validation", spacings=("numbers",))
        result["validation_writers"] = {"digits": measured["digits"]["accuracy"], "numbers": measured["numbers"]["exact"], "digit_errors": measured["digits"]["errors"]}
        singles = writer_digits("train")
        read = read_drawings([strokes for strokes, _ in singles], predict)
        errors = [{"label": label, "read": r} for r, (_, label) in zip(read, singles) if r != str(label)]
        result["training_writers"] = {"digits": 1 - len(errors) / len(singles), "count": len(singles), "digit_errors": errors}
    return result


def newly_wrong(comparison: dict) -> str:
    """", 4>9 x2, 9>8": what a comparison's newly wrong items were read as (empty when not recorded)."""
    return "".join(f", {kind}" + (f" x{count}" if count > 1 else "") for kind, count in comparison.get("newly_wrong", {}).items())


def line(result: dict) -> str:
    prefix = PREFIX[result.get("task", "digits")]
    if prefix == PREFIX["letters"]:
        counts = [(name, result[f"{prefix}_{name}_errors"], result[f"{prefix}_{name}_of"]) for name in set_names(result, prefix)]
        rates = [f"{name} {100 - 100 * errors / total:.2f} % ({errors} wrong of {total:,})" for name, errors, total in counts]
        text = f"{result['model']}: validation families: {', '.join(rates)}"
    else:
        templates = " ".join(f"{value['right']}" for value in result["templates"].values())
        text = f"{result['model']}: MNIST val errors {result['mnist_validation_published_errors']} / 5000 published, {result['mnist_validation_redrawn_errors']} / 5000 re-drawn; templates right {templates} (of {DRAWINGS}: {', '.join(FLAGGED)})"
    if "validation_writers" in result:
        v, t = result["validation_writers"], result["training_writers"]
        text += f"; validation writers {100 * v['digits']:.1f} % digits / {100 * v['numbers']:.1f} % numbers; training writers' digits {100 * t['digits']:.1f} % of {t['count']}"
    if "against" in result:
        parts = [f"{name} +{c['worse']} -{c['better']} (sign test p {c['p']:.2f}{newly_wrong(c)})" for name, c in result["against"][prefix].items()]
        text += f"; against {result['against']['model']}: {', '.join(parts)}"
    return text


def average(a: Path, b: Path, weight: float, out: Path) -> None:
    """Write the weight average W * a + (1 - W) * b to `out` (model.h5, config.json, metrics.json), built in a
    staging folder of its own beside it and renamed into place whole. Every problem is one line: a run that
    is missing (FileNotFoundError), two models of different architectures or an --out that cannot be written
    (ValueError)."""
    from training.evaluate import load_run_model, run_config
    from training.files import move_into_place, removed_on_failure, staging_folder

    # config.json says what the model is: which two models, in what proportion (metadata.json quotes it).
    parts = [{"weight": weight, "run": str(a), "train": run_config(a)}, {"weight": round(1 - weight, 6), "run": str(b), "train": run_config(b)}]
    first, second = load_run_model(a), load_run_model(b)
    shapes = [[tuple(array.shape) for array in model.get_weights()] for model in (first, second)]
    if shapes[0] != shapes[1]:  # zip would pair what it can, and numpy broadcast some of the rest, silently.
        differ = f"{len(shapes[0])} weight arrays against {len(shapes[1])}" if len(shapes[0]) != len(shapes[1]) else "weight arrays of other shapes"
        raise ValueError(f"--average {a} {b}: not one architecture (a {first.name!r} and a {second.name!r} model, {differ}); average two runs of the same --model")
    first.set_weights([weight * x + (1 - weight) * y for x, y in zip(first.get_weights(), second.get_weights())])
    try:
        staging = staging_folder(out)
    except OSError as error:
        raise ValueError(f"--out {out}: cannot make the folder there ({error.strerror or error}); choose an --out in a folder you can write") from None
    try:
        with removed_on_failure(staging):
            first.save(staging / "model.h5", include_optimizer=False)
            (staging / "config.json").write_text(json.dumps({"model": first.name, "average_of": parts}, indent=2) + "\n")
            (staging / "metrics.json").write_text(json.dumps({"model": first.name, "parameters": int(first.count_params()), "average_of": [str(a), str(b)]}, indent=2) + "\n")
    except OSError as error:
        raise ValueError(f"--out {out}: cannot write the average ({error.strerror or error}); free some space or choose another --out") from None
    try:
        move_into_place(staging, out)
    except OSError:
        raise ValueError(f"--out {out}: appeared meanwhile; the average is kept in {staging}: rename it to a free name") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", type=Path)
    parser.add_argument("--task", choices=sorted(PREFIX), default="digits")
    parser.add_argument("--seed", type=int, default=2, help="the training seed whose validation re-drawings to use")
    parser.add_argument("--no-writers", action="store_true")
    parser.add_argument("--average", nargs=2, type=Path, metavar=("A", "B"))
    parser.add_argument("--weight", type=float, default=0.5)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--json", type=Path, help="append each result as a JSON line here")
    args = parser.parse_args(argv)
    import_tensorflow()  # first, so that its load-time lines on stderr are dropped (training/quiet.py)
    if args.average and (args.out is None or args.out.exists()):
        parser.error("--average needs an --out directory that does not exist yet")
    from training.data import DataError
    from training.fonts import FontError

    try:
        if args.average:
            average(*args.average, args.weight, args.out)
            print(f"wrote {args.out}/model.h5 = {args.weight} * {args.average[0]} + {1 - args.weight:g} * {args.average[1]}")
        sets = {} if not args.models else mnist_validation(args.seed) if args.task == "digits" else letters_validation()
        reference = None
        for model_dir in args.models:
            result = validate_model(model_dir, sets, writers=not args.no_writers, task=args.task)
            if reference is None:
                reference = result
            else:
                result["against"] = {"model": reference["model"], PREFIX[args.task]: paired(result, reference, PREFIX[args.task])}
            print(line(result), flush=True)
            if args.json:
                with args.json.open("a") as handle:
                    handle.write(json.dumps(result) + "\n")
    except (DataError, FontError, ValueError, FileNotFoundError) as error:  # A missing run: load_run_model's one line.
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
