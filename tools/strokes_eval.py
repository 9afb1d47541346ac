"""nice -n 10 .venv/bin/python -m tools.strokes_eval {cut,marks,leave,apart} [--split test]  — the page's rules that read the strokes, measured.

The pad knows the strokes, not only the pixels (pad.js `strokeGroups`, training/strokes.py `stroke_groups`). Four rules
read them (training/joined.py and strokes.py, twins in site/js/joined.js and pad.js), each chosen on the validation writers with its criteria
written first (docs/criteria-strokecut.md, docs/criteria-glued.md, docs/criteria-leftout.md, docs/criteria-apart.md; the runs: docs/EXPERIMENTS.md):

  cut    the strokes' cut (`stroke_cut`): each set read without the stroke groups (the page before) and with them at
         GROUP_HEIGHT 0.4 (shipped), 0.5 and 0.6: texts right, and how many moved wrong -> right and right -> wrong;
  leave  a line under or over the answer and a loop round it, left out by their strokes (strokes.py `left_out`, pad.js
         `leftOut`): each set read as drawn and without the strokes left out: texts right before and after, drawings
         where a stroke is left out (on sets without lines or loops every one a false alarm), gained and lost;
  apart  lines of strokes stacked as a number wrapped under itself, drawn and read apart (strokes.py `lines_apart`,
         joined.py `read_strokes`): each set read on the whole canvas (lines and loops round the answer left out, as
         before) and as the page reads it now: texts right before and after, drawings where lines are read apart,
         gained and lost;
  marks  a mark the pen joined to a digit (`glued_marks`): drawings where the page says no mark today, and where the
         rule fires, at MARK_HEIGHT 0.3 (shipped) and 0.4 (on the sets without marks every firing is a false alarm).

Read with the Python twin (training/joined.py `read_text`, the shipped Keras model and judges: tests/test_joined.py
holds it equal to the page's code in TF.js). Validation: every set of tools/linepen.py `digit_sets(True)` and the
circled numbers (about 8 minutes on two cores); --split test: the test writers' sets (the final figure: once).
Writes runs/strokes_eval/<rule>-<split>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "runs" / "strokes_eval"
GROUP_HEIGHTS = (0.4, 0.5, 0.6)
MARK_HEIGHTS = (0.3, 0.4)


def cached_look(model, config):
    """joined.keras_look, each distinct model input read once (the rules' variants read the same crops again)."""
    import tensorflow as tf
    import tf_keras as keras

    from training.preprocess import fit_and_centre

    both = keras.Model(model.inputs, [model.layers[-1].input, model.output])
    call = tf.function(lambda x: both(x, training=False))
    memo = {}

    def look(crops):
        inputs = [fit_and_centre(crop, config).astype(np.float32).reshape(28, 28) for crop in crops]
        keys = [hashlib.sha1(model_input.tobytes()).digest() for model_input in inputs]
        new = {key: model_input for key, model_input in zip(keys, inputs) if key not in memo}
        if new:
            batch = np.stack(list(new.values()))[..., None]
            padded = 1 << (len(batch) - 1).bit_length()  # a few shapes only: tf.function traces each once
            features, probabilities = (array.numpy() for array in call(tf.constant(np.concatenate([batch, np.zeros((padded - len(batch), 28, 28, 1), np.float32)]))))
            for index, key in enumerate(new):
                memo[key] = (features[index].reshape(-1), probabilities[index])
        return np.stack([memo[key][0] for key in keys]), np.stack([memo[key][1] for key in keys])

    return look


def writer_sets(split: str) -> dict[str, list[tuple[list, str]]]:
    """The sets measured: (strokes, digits as written) per drawing."""
    from training import writers
    from training.evaluate_writers import SPACINGS, WRAPPINGS

    def marked(name: str) -> list[tuple[list, str]]:
        return [(item[0], item[1]) for item in getattr(writers, f"writer_{name}_numbers")(split, 200)]

    if split == "validation":  # digit_sets holds the other sets with marks
        from tools.linepen import digit_sets

        return {**digit_sets(True), "circled numbers": marked("circled")}
    sets = {"single digits": [(strokes, str(label)) for strokes, label in writers.writer_digits(split, writers.SEED)]}
    for name, gap in SPACINGS.values():
        sets[f"numbers {name}"] = writers.writer_numbers(split, writers.LENGTHS, 100, writers.SEED, gap=gap)
    for name, gap, rounds in WRAPPINGS.values():
        sets[f"wrapped {name}"] = writers.writer_wrapped_numbers(split, rounds, gap=gap)
    return sets | {f"{name} numbers": marked(name) for name in ("marked", "pointed", "dashed", "lined", "slashed", "circled")}


def marks_today(rgba: np.ndarray, config) -> int:
    """The marks preprocess.js `segment` counts (its `marks`: left out, said), in Python."""
    from training import preprocess

    ink = preprocess.ink_from_rgba(rgba)
    labels, found = preprocess.find_components(ink, config)
    circles = [c for c in found if config.markHeight and preprocess.is_circle(c, found, labels)]
    components = [c for c in found if all(c is not circle for circle in circles)]
    kept = preprocess.drop_specks(components, config)
    amid = [c for c in components if all(c is not k for k in kept) and config.markHeight and preprocess.side(c) < 0.08 * rgba.shape[1]
            and any(k["left"] < c["left"] for k in kept) and any(k["right"] > c["right"] for k in kept)]
    kept = preprocess.cut_touching_lines(labels, kept)
    grouped = preprocess.character_lines(kept, config)
    return len(amid) + len(circles) + len(kept) - sum(len(group) for line in grouped for group in line)


def measure(rule_name: str, split: str) -> dict:
    from training.quiet import import_tensorflow

    import_tensorflow()
    import tf_keras as keras

    from training import joined, other
    from training.drawing import to_rgba
    from training.strokes import draw_page, kept, left_out, lines_apart, stroke_groups
    from training.tasks import TASKS

    drawing, config = TASKS["digits"].drawing(), TASKS["digits"].load_preprocess()
    path = ROOT / "models" / "digits" / "model.h5"
    look, rule, refusal = cached_look(keras.models.load_model(path, compile=False), config), joined.load_for(path), other.load_for(path)
    shipped = (joined.GROUP_HEIGHT, joined.MARK_HEIGHT)
    result = {}
    try:
        for name, items in writer_sets(split).items():
            row = {"count": len(items)}
            for position, (strokes, truth) in enumerate(items):
                rgba, groups = to_rgba(draw_page(strokes, drawing)), stroke_groups(strokes)
                if rule_name == "cut":
                    before = joined.read_text(rgba, look, rule, config, refusal) == truth
                    row["without groups"] = row.get("without groups", 0) + before
                    for height in GROUP_HEIGHTS:
                        joined.GROUP_HEIGHT = height
                        after = joined.read_text(rgba, look, rule, config, refusal, groups) == truth
                        right, gained, lost = row.get(f"G {height}", (0, 0, 0))
                        row[f"G {height}"] = (right + after, gained + (after and not before), lost + (before and not after))
                    joined.GROUP_HEIGHT = shipped[0]
                elif rule_name == "leave":
                    before = joined.read_text(rgba, look, rule, config, refusal, groups) == truth
                    left = left_out(strokes)
                    kept = [stroke for index, stroke in enumerate(strokes) if index not in left]
                    after = before if not left else joined.read_text(to_rgba(draw_page(kept, drawing)), look, rule, config, refusal, stroke_groups(kept)) == truth
                    counts = row.get("before, after, fired, gained, lost", (0, 0, 0, 0, 0))
                    row["before, after, fired, gained, lost"] = tuple(a + b for a, b in zip(counts, (before, after, bool(left), after and not before, before and not after)))
                    if left and (before != after or name not in ("lined numbers", "circled numbers")):
                        row.setdefault("moved or fired", []).append({"index": position, "truth": truth, "left": left, "before": before, "after": after})
                elif rule_name == "apart":
                    page = kept(strokes)
                    before = joined.read_text(to_rgba(draw_page(page, drawing)), look, rule, config, refusal, stroke_groups(page)) == truth
                    fired = lines_apart(page) is not None
                    after = joined.read_strokes(strokes, look, rule, config, drawing, refusal) == truth if fired else before
                    counts = row.get("before, after, fired, gained, lost", (0, 0, 0, 0, 0))
                    row["before, after, fired, gained, lost"] = tuple(a + b for a, b in zip(counts, (before, after, fired, after and not before, before and not after)))
                    if before != after:
                        row.setdefault("moved", []).append({"index": position, "truth": truth, "before": before, "after": after})
                else:
                    silent = marks_today(rgba, config) == 0
                    row["silent today"] = row.get("silent today", 0) + silent
                    boxes = [box for crops in joined.segmented(rgba, config) for box, _, _ in joined.read_crops(crops, look, rule, config.inkThreshold, groups)]
                    for height in MARK_HEIGHTS:
                        joined.MARK_HEIGHT = height
                        fires = joined.glued_marks(boxes, groups) > 0
                        firing, said = row.get(f"S {height}", (0, 0))
                        row[f"S {height}"] = (firing + fires, said + (fires and silent))
                    joined.MARK_HEIGHT = shipped[1]
            result[name] = row
            print(name, row, flush=True)
    finally:
        joined.GROUP_HEIGHT, joined.MARK_HEIGHT = shipped
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rule", choices=["cut", "marks", "leave", "apart"])
    parser.add_argument("--split", choices=["validation", "test"], default="validation")
    args = parser.parse_args(argv)
    result = measure(args.rule, args.split)
    from training.files import write_atomic

    out = OUT / f"{args.rule}-{args.split}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, (json.dumps(result, indent=1) + "\n").encode())
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
