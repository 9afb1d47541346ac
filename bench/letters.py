"""python -m bench.letters [--run models/letters] [--quick]  — the letters model measured as the page uses it.

Writes bench/letters.md and bench/letters.json. Every figure is on data never used for training or choices:
- **held-out font families** (training/fonts.py split "test"): each glyph drawn as on the page 3 times, and
  as the font renders it; by Keras and by TF.js (the model exported as uint8 and float32 into a temporary
  directory, run in Node with the wasm backend through the page's own site/js/model.js);
- **A-J** of the same, among 26 classes and among A-J only (notMNIST's task; seed 003's figure);
- **letters drawn with a mouse** (training/handwriting.py templates, every style of every letter replayed
  `--repeats` times), each alone on the page's 280 px canvas, upper and lower case;
- **words** of 3-6 letters written left to right, exact (every letter read, none missing or extra): drawn
  with the templates, and set in the held-out font families (training/handwriting.py `family_words`
  with split "test": glyphs re-drawn with the page's pen on one baseline);
- **words written small** (training/handwriting.py `small_words`: the template words as strokes at capitals of
  14-50 px on the 280 px canvas, drawn by the page's pen rule): exact words by capital height, with the letters'
  pen and with the digits' (which the letters used before they had their own thinnestPen).
`--choose-pen` prints what the letters' thinnestPen was chosen on instead: the validation families' stroke words
and letters written small (training/tasks.py).
Drawn letters and words are read twice: training/preprocess.py + Keras + training/recognise.py, and the page's
site/js/preprocess.js + TF.js (uint8) + site/js/recognise.js in Node, with the letters task's preprocessing
parameters (training/letters.py) and its rules of where letters sit in a line (metadata.json shortLetters,
caseByHeight, byDescent); and once more in Python without those rules, to show what they do.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import tempfile
from pathlib import Path

import numpy as np

from training import recognise
from training.drawing import stack_canvases
from training.files import write_atomic
from training.letters import LABELS, PREPROCESS, letter_set
from training.recognise import Rules
from training.tasks import TASKS

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261202
A_TO_J = 10


def export_tfjs(model, run_dir: Path, directory: Path, quantization: str) -> Path:
    """The letters model as a TF.js layers model with a metadata.json the page's loader accepts."""
    from convert import build_metadata, write_tfjs_files
    from training.tasks import TASKS

    write_tfjs_files(model, directory, quantization)
    # The labels and preprocessing as convert.py ships them: the letters task's own.
    metadata = build_metadata(model, run_dir, quantization, directory, {}, TASKS["letters"])
    (directory / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    return directory


def interval(rate: float, count: int) -> float:
    return 1.96 * math.sqrt(max(rate * (1 - rate), 0.0) / max(count, 1))


def classify_javascript(export: Path, canvases: np.ndarray) -> list[tuple[list[recognise.Box], np.ndarray]]:
    """Each canvas segmented by site/js/preprocess.js and classified by TF.js (Node, wasm), as the page does."""
    from training.webruntime import run_js_segment, run_tfjs

    found, boxes = [], []
    for start in range(0, len(canvases), 200):  # 200 canvases of 280 x ~1000 px at a time: ~220 MB.
        for characters in run_js_segment(canvases[start : start + 200], export / "metadata.json"):
            found.extend(model_input for _, model_input in characters)
            boxes.append([box for box, _ in characters])
    probabilities, _ = run_tfjs(export, np.stack(found).reshape(-1, 28, 28, 1), "wasm") if found else (np.zeros((0, len(LABELS))), None)
    return recognise.by_drawing(boxes, probabilities)


def text_python(drawings, rules: Rules) -> tuple[list[str], list[int]]:
    """Each drawing's text by training/recognise.py (with the task's rules, or none), and its length."""
    return [recognise.text(drawing, LABELS, rules) for drawing in drawings], [len(boxes) for boxes, _ in drawings]


def text_javascript(drawings, export: Path) -> tuple[list[str], list[int]]:
    """Each drawing's text by site/js/recognise.js with the exported metadata.json's rules, as the page."""
    from training.webruntime import run_js_read

    return run_js_read(drawings, export / "metadata.json"), [len(boxes) for boxes, _ in drawings]


def letters_summary(read: list[str], glyphs: list[str]) -> dict:
    hits = np.array([r == g.upper() for r, g in zip(read, glyphs)])
    upper = np.array([g.isupper() for g in glyphs])
    by_letter = {letter: float(np.mean(hits[[g.upper() == letter for g in glyphs]])) for letter in LABELS}
    wrong = {}
    for r, g in zip(read, glyphs):
        if r != g.upper():
            wrong[f"{g}->{r or '(none)'}"] = wrong.get(f"{g}->{r or '(none)'}", 0) + 1
    return {
        "count": len(glyphs),
        "accuracy": float(hits.mean()),
        "interval95": interval(float(hits.mean()), len(glyphs)),
        "upper_case": float(hits[upper].mean()),
        "lower_case": float(hits[~upper].mean()),
        "not_one_character": int(sum(len(r) != 1 for r in read)),
        "by_letter": by_letter,
        "confusions": dict(sorted(wrong.items(), key=lambda item: -item[1])[:20]),
    }


def words_summary(read: list[str], truths: list[str], counts: list[int]) -> dict:
    exact = np.array([r == t for r, t in zip(read, truths)])
    segmented = [n == len(t) for n, t in zip(counts, truths)]
    letters = [a == b for r, t, ok in zip(read, truths, segmented) if ok for a, b in zip(r, t)]
    return {
        "words": len(truths),
        "exact": float(exact.mean()),
        "interval95": interval(float(exact.mean()), len(truths)),
        "by_length": {length: float(np.mean([e for e, t in zip(exact, truths) if len(t) == length])) for length in sorted({len(t) for t in truths})},
        "mis_segmented": len(truths) - int(np.sum(segmented)),
        "letter_accuracy": float(np.mean(letters)) if letters else 0.0,
        "misread": [f"{t}->{r}" for r, t in zip(read, truths) if r != t][:30],
    }


def held_out(model, export: Path | None) -> dict:
    """The held-out families: Keras (drawn, plain, A-J) and, with an export, TF.js on the drawn glyphs."""
    from training.evaluate_letters import letter_metrics

    test = letter_set("test")
    metrics, plots = letter_metrics(model, test)
    result = {key: metrics[key] for key in ("test_accuracy", "test_examples", "test_plain_accuracy", "upper_case_accuracy", "lower_case_accuracy", "a_to_j_accuracy", "a_to_j_among_ten_accuracy", "a_to_j_examples", "per_family_accuracy")}
    if export is not None:
        from training.webruntime import run_tfjs

        probabilities, _ = run_tfjs(export, plots["images"].astype(np.float32)[..., None] / 255.0, "wasm")
        result["tfjs_test_accuracy"] = float(np.mean(probabilities.argmax(axis=1) == plots["labels"]))
        a_to_j = plots["labels"] < A_TO_J
        result["tfjs_a_to_j_among_ten_accuracy"] = float(np.mean(probabilities[a_to_j][:, :A_TO_J].argmax(axis=1) == plots["labels"][a_to_j]))
        result["tfjs_agreement"] = float(np.mean(probabilities.argmax(axis=1) == plots["predictions"]))
    return result


def small_canvases(items: list[tuple[float, list, str]], drawing: dict) -> np.ndarray:
    """(capital height, strokes, truth) drawn as the page's pad draws them with `drawing`: RGBA uint8."""
    from training.drawing import to_rgba
    from training.strokes import draw_page

    return np.stack([to_rgba(draw_page(strokes, drawing)) for _, strokes, _ in items])


def by_height(items: list[tuple[float, list, str]], read: list[str]) -> dict[str, list[int]]:
    """Read exactly, and in all, by capital height (px)."""
    counts: dict[str, list[int]] = {}
    for (height, _, truth), text in zip(items, read):
        count = counts.setdefault(f"{height:g}", [0, 0])
        count[0] += text == truth
        count[1] += 1
    return counts


def choose_pen(model, words_per_length: int, pens: tuple[float, ...]) -> list[str]:
    """The letters' thinnestPen measured on the validation families' Hershey strokes (the templates stay a test):
    words and single letters written small, read by the page's Python twin; one line per pen and set."""
    from training.handwriting import small_letters, small_words
    from training.strokes import page_drawing

    sets = {"words": small_words(words_per_length, np.random.default_rng(SEED + 3), "validation"), "letters": small_letters(2, np.random.default_rng(SEED + 4), "validation")}
    rules, lines = TASKS["letters"].rules, []
    for pen in pens:
        for name, items in sets.items():
            read = [recognise.text(drawing, LABELS, rules) for drawing in recognise.classify(model, small_canvases(items, page_drawing(pen)), PREPROCESS)]
            lines.append(f"thinnestPen {pen:g}, {name}: " + ", ".join(f"{height} px {hit}/{count}" for height, (hit, count) in by_height(items, read).items()))
    return lines


def measure(run_dir: Path, repeats: int, words_per_length: int, font_words_per_length: int, small_per_length: int, javascript: bool = True) -> dict:
    from training.evaluate import load_run_model
    from training.handwriting import drawn_letters, drawn_words, family_words, small_words
    from training.strokes import page_drawing

    model = load_run_model(run_dir)
    rng = np.random.default_rng(SEED)
    letter_canvases, glyphs = drawn_letters(repeats, rng)
    word_canvases, truths = drawn_words(words_per_length, rng)
    # Words set in the held-out families (the model's test fonts), as family_words sets the validation ones for training/recognise.py.
    font_canvases, font_truths = family_words(font_words_per_length, np.random.default_rng(SEED + 1), split="test")
    canvases = {"drawn_letters": np.stack(letter_canvases), "words": stack_canvases(word_canvases), "font_words": stack_canvases(font_canvases)}
    rules = TASKS["letters"].rules
    shown = run_dir.resolve().relative_to(ROOT) if run_dir.resolve().is_relative_to(ROOT) else run_dir
    results = {"run": str(shown), "preprocess": dataclasses.asdict(PREPROCESS), "rules": rules.metadata()}
    with tempfile.TemporaryDirectory() as scratch:
        export = export_tfjs(model, run_dir, Path(scratch) / "uint8", "uint8") if javascript else None
        results["held_out"] = held_out(model, export)
        # Segmented and classified once by each implementation; then read with the rule, and (Python) without.
        classified = {"python": {kind: recognise.classify(model, batch, PREPROCESS) for kind, batch in canvases.items()}}
        readers = {"python": ("python", lambda drawings: text_python(drawings, rules)), "python_no_rule": ("python", lambda drawings: text_python(drawings, Rules()))}
        if export is not None:
            classified["javascript"] = {kind: classify_javascript(export, batch) for kind, batch in canvases.items()}
            readers["javascript"] = ("javascript", lambda drawings: text_javascript(drawings, export))
            results["uint8_weight_bytes"] = json.loads((export / "metadata.json").read_text())["weightBytes"]
        for name, (implementation, reader) in readers.items():
            read, _ = reader(classified[implementation]["drawn_letters"])
            results[f"drawn_letters_{name}"] = letters_summary(read, glyphs)
            for kind, kind_truths in (("words", truths), ("font_words", font_truths)):
                read, counts = reader(classified[implementation][kind])
                results[f"{kind}_{name}"] = words_summary(read, kind_truths, counts)
        # Words written small, with the letters' own pen and with the digits' one (the letters' before 2026-12-07).
        small = small_words(small_per_length, np.random.default_rng(SEED + 2))
        for pen, drawing in (("letters_pen", TASKS["letters"].drawing()), ("digits_pen", page_drawing())):
            batch = small_canvases(small, drawing)
            results[f"small_words_{pen}_python"] = by_height(small, text_python(recognise.classify(model, batch, PREPROCESS), rules)[0])
            if export is not None and pen == "letters_pen":
                results[f"small_words_{pen}_javascript"] = by_height(small, text_javascript(classify_javascript(export, batch), export)[0])
    results["parameters"] = int(model.count_params())
    return results


def report(results: dict) -> str:
    held = results["held_out"]
    lines = [
        "# Letters, measured",
        "",
        f"Model `{results['run']}` ({results['parameters']:,} parameters). `python -m bench.letters` reproduces this.",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| held-out font families, drawn as on the page ({held['test_examples']:,}), Keras | **{100 * held['test_accuracy']:.2f} %** |",
    ]
    if "tfjs_test_accuracy" in held:
        lines.append(f"| the same in TF.js (uint8, Node wasm) | **{100 * held['tfjs_test_accuracy']:.2f} %** (argmax agreement with Keras {100 * held['tfjs_agreement']:.2f} %) |")
    lines += [
        f"| held-out families as rendered (filled glyphs), Keras | {100 * held['test_plain_accuracy']:.2f} % |",
        f"| held-out, upper / lower case (drawn), Keras | {100 * held['upper_case_accuracy']:.2f} % / {100 * held['lower_case_accuracy']:.2f} % |",
        f"| A-J ({held['a_to_j_examples']:,} drawn): among 26 / among A-J (notMNIST's task) | {100 * held['a_to_j_accuracy']:.2f} % / {100 * held['a_to_j_among_ten_accuracy']:.2f} % |",
    ]
    what = {"words": "words of 3-6 letters drawn with a mouse", "font_words": "words of 3-6 letters set in the held-out families"}
    for name in ("javascript", "python", "python_no_rule"):
        if f"drawn_letters_{name}" not in results:
            continue
        how = {"javascript": "preprocess.js + TF.js uint8 + recognise.js", "python": "preprocess.py + Keras + recognise.py", "python_no_rule": "the same without the line rules"}[name]
        if name != "python_no_rule":
            letters = results[f"drawn_letters_{name}"]
            lines.append(f"| letters drawn with a mouse ({letters['count']:,}; {how}) | **{100 * letters['accuracy']:.2f} %** (±{100 * letters['interval95']:.2f}); upper {100 * letters['upper_case']:.2f} %, lower {100 * letters['lower_case']:.2f} %; {letters['not_one_character']} not one character |")
        for kind in what:
            words = results[f"{kind}_{name}"]
            by_length = " / ".join(f"{100 * value:.1f}" for value in words["by_length"].values())
            lines.append(f"| {what[kind]}, exact ({words['words']:,}; {how}) | **{100 * words['exact']:.2f} %** (±{100 * words['interval95']:.2f}); by length 3-6: {by_length} %; {words['mis_segmented']} mis-segmented; letters {100 * words['letter_accuracy']:.2f} % |")
    if "drawn_letters_javascript" in results:
        letters = results["drawn_letters_javascript"]
        lines += ["", "Drawn letters by letter (%, JavaScript): " + ", ".join(f"{k} {100 * v:.0f}" for k, v in letters["by_letter"].items()), "", "Most frequent confusions (drawn glyph -> read): " + ", ".join(f"{k} ×{v}" for k, v in letters["confusions"].items())]
        for kind in what:
            lines += ["", f"{what[kind].capitalize()}, misread (JavaScript, first 30): " + ", ".join(results[f"{kind}_javascript"]["misread"])]
    if "small_words_letters_pen_python" in results:
        pens = (("letters_pen_javascript", "letters' pen, JavaScript"), ("letters_pen_python", "letters' pen, Python"), ("digits_pen_python", "digits' pen, Python"))
        shown = [(key, name) for key, name in pens if f"small_words_{key}" in results]
        heights = list(results["small_words_letters_pen_python"])
        lines += ["", f"Words written small (the template words as strokes, drawn by the page's pen rule; {results['small_words_letters_pen_python'][heights[0]][1]} words at each capital height; exact):", "", "| capital height (of a 280 px pad) | " + " | ".join(name for _, name in shown) + " |", "| --- |" + " --- |" * len(shown)]
        for height in heights:
            cells = [results[f"small_words_{key}"][height] for key, _ in shown]
            lines.append(f"| {height} px ({100 * float(height) / 280:.0f} %) | " + " | ".join(f"{100 * hit / count:.1f} %" for hit, count in cells) + " |")
    rule = results["rules"]["caseByHeight"]
    lines += ["", f"The I/l height rule (metadata.json caseByHeight, training/recognise.py): a character the model gives both {rule['short']} and {rule['tall']} at least {rule['minProbability']:g} is {rule['tall']} when {rule['tallRatio']:g}× as tall as the shortest other character, else {rule['short']}; chosen on the validation families' words (`python -m training.recognise --choose`)."]
    short = results["rules"]["shortLetters"]
    lines += ["", f"The short-letter rule (metadata.json shortLetters): in a word, a character at most {short['shortRatio']:g}× as tall as the tallest cannot be {', '.join(short['notShort'])} (no such letter is written at x-height) and takes the likeliest other label with at least {short['minProbability']:g}; chosen on training/hands.py's words (`python -m training.recognise --choose`)."]
    descent = results["rules"]["byDescent"]
    lines += ["", f"The descent rule (metadata.json byDescent): in a word of 3 or more, a character read {descent['sits']} or {descent['descends']} that the model gives both at least {descent['minProbability']:g} is {descent['descends']} when it ends {descent['depth']:g}× the others' median height below their baseline (a least-squares line), else {descent['sits']}; chosen on training/hands.py's words (`python -m training.recognise --choose`)."]
    lines += ["", "Held-out families (drawn, Keras): " + ", ".join(f"{k} {100 * v:.1f} %" for k, v in sorted(held["per_family_accuracy"].items(), key=lambda item: item[1])), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure the letters model on held-out fonts, drawn letters and words.")
    # The shipped model's Keras source (its uint8 weights, as the page runs them) unless a run is named.
    parser.add_argument("--run", type=Path, default=ROOT / "models" / "letters")
    parser.add_argument("--repeats", type=int, default=10, help="replays of every style of every letter")
    parser.add_argument("--words", type=int, default=250, help="words of each length 3-6")
    parser.add_argument("--font-words", type=int, default=4, help="words of each length 3-6 per held-out font file")
    parser.add_argument("--small-words", type=int, default=50, help="words of each length 3-6 written small, at each height")
    parser.add_argument("--quick", action="store_true", help="2 replays, 25 words of each length, 1 of each per font file, 5 small")
    parser.add_argument("--choose-pen", action="store_true", help="print the validation words and letters written small for several thinnestPen")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "letters")
    args = parser.parse_args(argv)
    if args.choose_pen:
        from training.evaluate import load_run_model

        print("\n".join(choose_pen(load_run_model(args.run), 25, (0.25, 0.2, 0.15, 0.1))))
        return 0
    repeats, words, font_words, small = (2, 25, 1, 5) if args.quick else (args.repeats, args.words, args.font_words, args.small_words)
    results = measure(args.run, repeats, words, font_words, small)
    write_atomic(args.out.with_suffix(".json"), (json.dumps(results, indent=2) + "\n").encode())
    write_atomic(args.out.with_suffix(".md"), report(results).encode())
    print(report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
