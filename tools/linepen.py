"""nice -n 10 .venv/bin/python -m tools.linepen {pens,letters,digits}  — the recognition pen when lines reach into each other.

A measurement (branch linepen; candidate 3 shipped, docs/linepen.md): training/strokes.py `recognition_pens` (pad.js `recognitionPens`)
gives the whole drawing one pen, from its union height, when one line reaches up into the line above; two lines of
letters whose descenders reach past the next line's ascenders get one thick pen and their letters fuse. Candidates
(criteria: docs/criteria-linepen.md, written before measuring):
  0 today;
  1 no reaches-up exception for pens: each line found its own pen (the every-line-one-box rule stays);
  2 reaches-up: one pen for all, from the tallest single line's height (not the union);
  3 reaches-up exception only when the lower line holds a single box (a stroke dropped under its number), else 1.
  4 3, and when the merged boxes make one line but the strokes' own boxes make 2+ lines of which fewer than half
    the merged boxes hold strokes of two (a descender merged with the ascender under it; an 88's loops all span),
    the strokes' own lines, each its pen (3's exception on them).
Sets: validation only (the Hershey validation families' two-line words; the validation UJI writers), and
training/joined.py's fit numbers (train writers, pens only: a change means the judge would be refitted).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

from training import strokes as strokes_module
from training.preprocess import lines
from training.strokes import merged_boxes

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "runs" / "linepen"
CANDIDATES = tuple(int(c) for c in os.environ.get("LINEPEN_CANDIDATES", "0,1,2,3,4").split(","))
SPLIT = os.environ.get("LINEPEN_SPLIT", "validation")  # the letters' Hershey families: "test" once, for the figure


def pens(strokes, drawing: dict, candidate: int) -> list[float]:
    """strokes.py `recognition_pens` (candidate 0, line for line) and the candidates' changes to its exception."""
    points = [np.asarray(stroke, dtype=np.float64).reshape(-1, 2) for stroke in strokes]
    drawn = [index for index, stroke in enumerate(points) if len(stroke)]
    boxes, members = merged_boxes([(*(float(f(points[index][:, 1])) for f in (np.min, np.max)), *(float(f(points[index][:, 0])) for f in (np.min, np.max))) for index in drawn])
    found = lines(boxes)
    if candidate == 4 and len(found) == 1 and len(drawn) > 1:
        # One line of merged boxes: is it two lines a merged box spans (a descender over the ascender under it)?
        raw = [(float(points[i][:, 1].min()), float(points[i][:, 1].max()), float(points[i][:, 0].min()), float(points[i][:, 0].max())) for i in drawn]
        raw_lines = lines(raw)
        if len(raw_lines) > 1:
            line_of = {stroke: number for number, line in enumerate(raw_lines) for stroke in line}
            spanning = sum(len({line_of[m] for m in group}) > 1 for group in members)
            if 2 * spanning < len(members):
                return pens_of_lines(points, drawn, raw, [[i] for i in range(len(raw))], raw_lines, drawing, 3)
    return pens_of_lines(points, drawn, boxes, members, found, drawing, 3 if candidate == 4 else candidate)


def pens_of_lines(points, drawn, boxes, members, found, drawing: dict, candidate: int) -> list[float]:
    """The pens of these lines of boxes, the exceptions as `candidate` has them."""

    def edge(line, side):
        return (max if side else min)((boxes[index][side] for index in line), default=0.0)

    single = all(len(line) == 1 for line in found)
    reaching = [(above, line) for above, line in zip(found, found[1:]) if edge(line, 0) <= edge(above, 1)]
    height_of = None
    if single:
        found = [list(range(len(boxes)))]
    elif reaching:
        if candidate == 0 or (candidate == 3 and any(len(line) == 1 for _, line in reaching)):
            found = [list(range(len(boxes)))]
        elif candidate == 2:
            height_of = max(edge(line, 1) - edge(line, 0) for line in found)
            found = [list(range(len(boxes)))]
    result = [drawing["penWidth"]] * len(points)
    for line in found:
        height = edge(line, 1) - edge(line, 0) if height_of is None else height_of
        share = height / (drawing["fullPenHeight"] * drawing["canvasSize"])
        for index in line:
            for member in members[index]:
                result[drawn[member]] = drawing["penWidth"] * min(max(share, drawing["thinnestPen"]), 1.0)
    return result


def exception_fires(strokes) -> bool:
    """Today's reaches-up exception decides the pen (not the one-box-per-line rule)."""
    points = [np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in strokes]
    boxes, _ = merged_boxes([(p[:, 1].min(), p[:, 1].max(), p[:, 0].min(), p[:, 0].max()) for p in points if len(p)])
    found = lines(boxes)
    if all(len(line) == 1 for line in found):
        return False
    edge = lambda line, side: (max if side else min)(boxes[i][side] for i in line)  # noqa: E731
    return any(edge(line, 0) <= edge(above, 1) for above, line in zip(found, found[1:]))


def draw(strokes, drawing: dict, candidate: int) -> np.ndarray:
    from training.drawing import to_rgba

    return to_rgba(strokes_module.draw_strokes(strokes, drawing["canvasSize"], pen_width=pens(strokes, drawing, candidate)))


# ---------------------------------------------------------------- letters: two lines of Hershey words

CAPS = (40, 50, 60, 70, 80)
PITCHES = (1.0, 1.15, 1.3, 1.45, 1.6)  # baseline to baseline, x the capital height


def placed_word(letters, cap_height: float, rng) -> tuple[list[np.ndarray], float]:
    """handwriting.word_strokes without its placement: the word's strokes from x = 0 and its baseline's y (the
    median bottom of its letters that do not descend)."""
    from training.handwriting import CAP_HEIGHT, DrawSpec, replay, strokes_box

    scale = cap_height / CAP_HEIGHT
    pace = min(max(cap_height / 70, 1 / 3), 1.0)
    drawn_letters, right, bottoms = [], 0.0, []
    for index, (character, strokes) in enumerate(letters):
        drawn = replay(strokes, scale * rng.uniform(0.92, 1.08), rng, pace)
        x = right + (rng.uniform(0.12, 0.45) * 0.6 + DrawSpec.page_pen / 95) * cap_height if index else 0.0
        shift = np.array([x - strokes_box(drawn)[0], rng.normal(0, 0.02 * cap_height)])
        moved = [stroke + shift for stroke in drawn]
        if character not in "gjpqy":
            bottoms.append(strokes_box(moved)[3])
        drawn_letters += moved
        right = strokes_box(drawn_letters)[2]
    return drawn_letters, float(np.median(bottoms)) if bottoms else strokes_box(drawn_letters)[3]


def two_line_words(per_cell: int, seed: int = 20261207, canvas_size: int = 280, tails: bool = False):
    """(capital, pitch, strokes, "LINE1\\nLINE2"): two 3-4 letter words of a validation Hershey family, the second's
    baseline `pitch` capitals under the first's, squeezed to the canvas as word_strokes does, centred. `tails`:
    line 1 a lower-case word with a descender (g j p q y), line 2 one with an ascender (b d f h k l t) or capitals
    (the case the exception catches: "gay" over "owl")."""
    from training.handwriting import TEMPLATES, WORDS, hershey_files, hershey_letter, parse_template, strokes_box, word_case

    rng = np.random.default_rng(seed + tails)
    choices = [w for w in WORDS if len(w) in (3, 4)]
    firsts = [w for w in choices if set(w) & set("gjpqy")]
    seconds = [w for w in choices if set(w) & set("bdfhklt")]
    items = []
    if SPLIT == "test":  # the test: the hand-made templates, a random style for each letter (as bench.letters' words)
        sources = [lambda c: parse_template(TEMPLATES[c][int(rng.integers(len(TEMPLATES[c])))])]
    else:
        sources = [lambda c, file=file: hershey_letter(file, c) for file in hershey_files(SPLIT)]
    for source in sources:
        for cap in CAPS:
            for pitch in PITCHES:
                for _ in range(per_cell):
                    if tails:
                        words = [firsts[int(rng.integers(len(firsts)))].lower(), word_case(seconds[int(rng.integers(len(seconds)))], rng)]
                    else:
                        words = [word_case(choices[int(rng.integers(len(choices)))], rng) for _ in range(2)]
                    placed = [placed_word([(c, source(c)) for c in word], cap, rng) for word in words]
                    all_strokes = []
                    for line, (strokes, baseline) in enumerate(placed):
                        all_strokes += [s + (0.0, line * pitch * cap - baseline) for s in strokes]
                    left, top, right, bottom = strokes_box(all_strokes)
                    margin = 20.0
                    squeeze = min(1.0, (canvas_size - 2 * margin) / max(right - left, 1.0))
                    tall = min(1.0, (canvas_size - 2 * 6.0) / max(bottom - top, 1.0))  # never off the pad
                    middle = (top + bottom) / 2
                    drawn = [np.column_stack([margin + (s[:, 0] - left) * squeeze, canvas_size / 2 + (s[:, 1] - middle) * tall]) for s in all_strokes]
                    items.append((cap, pitch, drawn, "\n".join(w.upper() for w in words)))
    return items


def letters_text(model, canvases: np.ndarray) -> list[str]:
    """The page's Python twin: training/preprocess.py segment, the Keras model, recognise.read per line (the
    letters task's rules), lines joined by a newline as the page shows them."""
    from training import recognise
    from training.letters import LABELS, PREPROCESS
    from training.preprocess import segment
    from training.tasks import TASKS

    rules = TASKS["letters"].rules
    found = [segment(canvas, PREPROCESS) for canvas in canvases]
    inputs = [c.input for f in found for c in f]
    size = PREPROCESS.imageSize
    probabilities = model.predict(np.stack(inputs).reshape(-1, size, size, 1), batch_size=1000, verbose=0) if inputs else None
    texts, position = [], 0
    for characters in found:
        p = probabilities[position : position + len(characters)] if characters else np.zeros((0, len(LABELS)))
        position += len(characters)
        rows = sorted({c.row for c in characters})
        parts = []
        for row in rows:
            index = [i for i, c in enumerate(characters) if c.row == row]
            boxes = [(characters[i].top, characters[i].left, characters[i].bottom, characters[i].right) for i in index]
            parts.append("".join(LABELS[k] for k in recognise.read(boxes, p[index], LABELS, rules)))
        texts.append("\n".join(parts))
    return texts


def run_letters(per_cell: int, tails: bool = False) -> dict:
    import tf_keras as keras

    from training.tasks import TASKS

    drawing = TASKS["letters"].drawing()
    items = two_line_words(per_cell, tails=tails)
    model = keras.models.load_model(ROOT / "models" / "letters" / "model.h5", compile=False)
    base_pens = [pens(s, drawing, 0) for _, _, s, _ in items]
    read = {0: []}
    for start in range(0, len(items), 200):
        read[0] += letters_text(model, np.stack([draw(s, drawing, 0) for _, _, s, _ in items[start : start + 200]]))
    fires = [exception_fires(s) for _, _, s, _ in items]
    result = {"count": len(items), "fires": int(sum(fires)), "candidates": {}}
    for candidate in CANDIDATES:
        changed = [i for i, (_, _, s, _) in enumerate(items) if candidate and not np.allclose(pens(s, drawing, candidate), base_pens[i])]
        texts = list(read[0])
        if changed:
            new = []
            for start in range(0, len(changed), 200):
                new += letters_text(model, np.stack([draw(items[i][2], drawing, candidate) for i in changed[start : start + 200]]))
            for i, t in zip(changed, new):
                texts[i] = t
        exact = [t == truth for t, (_, _, _, truth) in zip(texts, items)]
        by = {}
        for (cap, pitch, _, _), e, f in zip(items, exact, fires):
            for key in (f"cap {cap}", f"pitch {pitch}"):
                by.setdefault(key, [0, 0])
                by[key][0] += e
                by[key][1] += 1
        result["candidates"][candidate] = {
            "exact": int(sum(exact)),
            "exact_where_fires": int(sum(e for e, f in zip(exact, fires) if f)),
            "pens_changed": len(changed),
            "moved": int(sum(t != r for t, r in zip(texts, read[0]))),
            "moved_to_exact": int(sum(t != r and e for t, r, e in zip(texts, read[0], exact))),
            "moved_from_exact": int(sum(t != r and r == truth for t, r, (_, _, _, truth) in zip(texts, read[0], items))),
            "by": by,
            "examples": [(read[0][i], texts[i], items[i][3], items[i][0], items[i][1]) for i in changed[:12]],
        }
    return result


# ---------------------------------------------------------------- digits: pens, and reads of what changed

def digit_sets(extended: bool = False) -> dict[str, list[tuple[list, str]]]:
    from training.evaluate_writers import SPACINGS, WRAPPINGS
    from training.writers import LENGTHS, SEED, writer_digits, writer_numbers, writer_wrapped_numbers

    sets = {"single digits": [(s, str(label)) for s, label in writer_digits("validation", SEED)]}
    for key, (name, gap) in SPACINGS.items():
        sets[f"numbers {name}"] = writer_numbers("validation", LENGTHS, 50, SEED, gap=gap)
    for key, (name, gap, rounds) in WRAPPINGS.items():
        sets[f"wrapped {name}"] = writer_wrapped_numbers("validation", rounds, gap=gap)
    if extended:  # more of the same validation writers (other seeds), and the one-line sets with marks
        from training.writers import writer_dashed_numbers, writer_lined_numbers, writer_marked_numbers, writer_pointed_numbers, writer_slashed_numbers

        for key, (name, gap) in SPACINGS.items():
            sets[f"x5 numbers {name}"] = writer_numbers("validation", LENGTHS, 250, SEED + 1, gap=gap)
        for key, (name, gap, rounds) in WRAPPINGS.items():
            sets[f"x5 wrapped {name}"] = writer_wrapped_numbers("validation", 5 * rounds, seed=101, gap=gap)
        for name, function in (("marked", writer_marked_numbers), ("pointed", writer_pointed_numbers), ("dashed", writer_dashed_numbers), ("lined", writer_lined_numbers), ("slashed", writer_slashed_numbers)):
            sets[f"{name} numbers"] = [(item[0], item[1]) for item in function("validation", 200)]
        for angle in (20, 35):  # numbers written on a slope, rising to the right (the refused "real overlap" split them)
            for key, (name, gap) in SPACINGS.items():
                sets[f"sloping {angle} deg {name}"] = [(sloped(strokes, angle), digits) for strokes, digits in writer_numbers("validation", LENGTHS, 50, SEED + angle, gap=gap)]
    return sets


def sloped(strokes, angle: float, canvas_size: int = 280, margin: float = 10.0) -> list[np.ndarray]:
    """The strokes turned `angle` degrees about their middle (rising to the right), shrunk to fit the pad if need be."""
    points = np.concatenate(strokes)
    middle = (points.min(axis=0) + points.max(axis=0)) / 2
    turn = np.deg2rad(angle)
    rotation = np.array([[np.cos(turn), np.sin(turn)], [-np.sin(turn), np.cos(turn)]])  # y down: +angle rises to the right
    turned = [(s - middle) @ rotation.T for s in strokes]
    extent = np.ptp(np.concatenate(turned), axis=0)
    scale = min(1.0, (canvas_size - 2 * margin) / max(extent.max(), 1.0))
    return [s * scale + canvas_size / 2 for s in turned]


def fit_numbers() -> list[list[np.ndarray]]:
    """training/joined.py fit_characters' numbers (train writers, FIT_GAPS x FIT_NUMBERS_PER_GAP, FIT_SEED), composed in
    its generator's order."""
    from training.joined import FIT_GAPS, FIT_NUMBERS_PER_GAP, FIT_SEED
    from training.writers import compose_by_digit, samples_by_writer

    by_writer = samples_by_writer("train")
    writers = sorted(by_writer)
    rng = np.random.default_rng(FIT_SEED)
    numbers = []
    for gap in FIT_GAPS.values():
        for _ in range(FIT_NUMBERS_PER_GAP):
            writer = writers[int(rng.integers(len(writers)))]
            digits = "".join(str(d) for d in rng.integers(0, 10, size=int(rng.integers(2, 6))))
            numbers.append([s for digit in compose_by_digit(by_writer[writer], digits, rng, gap=gap) for s in digit])
    return numbers


def run_pens() -> dict:
    from training.tasks import TASKS

    drawing = TASKS["digits"].drawing()
    sets = {name: [s for s, _ in items] for name, items in digit_sets(True).items()}
    sets["joined.py fit numbers (train)"] = fit_numbers()
    result = {}
    for name, drawings in sets.items():
        base = [pens(s, drawing, 0) for s in drawings]
        row = {"count": len(drawings), "fires": int(sum(exception_fires(s) for s in drawings))}
        for candidate in CANDIDATES[1:]:
            row[candidate] = [i for i, s in enumerate(drawings) if not np.allclose(pens(s, drawing, candidate), base[i])]
        result[name] = row
        print(name, {k: (len(v) if isinstance(v, list) else v) for k, v in row.items()}, flush=True)
    return result


def run_digits(changed: dict) -> dict:
    """Reads (Python twin: training/joined.py read_text with the shipped judges) of the validation drawings whose
    pens a candidate changes, today and under it; everything else reads the same by construction."""
    import tf_keras as keras

    from training import joined, other
    from training.tasks import TASKS

    drawing = TASKS["digits"].drawing()
    config = TASKS["digits"].load_preprocess()
    path = ROOT / "models" / "digits" / "model.h5"
    model = keras.models.load_model(path, compile=False)
    look, rule, other_rule = joined.keras_look(model, config), joined.load_for(path), other.load_for(path)
    print("judges:", rule is not None, other_rule is not None, flush=True)
    sets = digit_sets(True)
    result = {}
    for name, items in sets.items():
        row = {}
        for candidate in CANDIDATES[1:]:
            indices = changed[name][str(candidate)] if str(candidate) in changed[name] else changed[name][candidate]
            moved, to_exact, from_exact, examples = 0, 0, 0, []
            for i in indices:
                strokes, truth = items[i]
                before = joined.read_text(draw(strokes, drawing, 0), look, rule, config, other_rule)
                after = joined.read_text(draw(strokes, drawing, candidate), look, rule, config, other_rule)
                if before != after:
                    moved += 1
                    to_exact += after == truth
                    from_exact += before == truth
                    examples.append((before, after, truth))
            row[candidate] = {"pens_changed": len(indices), "moved": moved, "to_exact": to_exact, "from_exact": from_exact, "examples": examples[:10]}
        result[name] = row
        print(name, {c: {k: v for k, v in r.items() if k != "examples"} for c, r in row.items()}, flush=True)
    return result


def main(argv: list[str]) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    what = argv[0]
    if what == "pens":
        (OUT / f"pens{os.environ.get('LINEPEN_SUFFIX', '')}.json").write_text(json.dumps(run_pens()))
    elif what in ("letters", "tails"):
        result = run_letters(int(argv[1]) if len(argv) > 1 else 20, what == "tails")
        (OUT / f"{what}{os.environ.get('LINEPEN_SUFFIX', '')}.json").write_text(json.dumps(result, indent=1))
        for c, r in result["candidates"].items():
            print(c, {k: v for k, v in r.items() if k not in ("by", "examples")})
    elif what == "digits":
        changed = json.loads((OUT / f"pens{os.environ.get('LINEPEN_SUFFIX', '')}.json").read_text())
        (OUT / f"digits{os.environ.get('LINEPEN_SUFFIX', '')}.json").write_text(json.dumps(run_digits(changed), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
