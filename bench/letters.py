"""python -m bench.letters [--run models/letters] [--quick]  — the letters model measured as the page uses it.

Writes bench/letters.md and bench/letters.json. Every figure is on data never used for training or choices:
- **held-out font families** (training/fonts.py split "test"): each glyph drawn as on the page 3 times, and
  as the font renders it; by Keras and by TF.js (the model exported as uint8 and float32 into a temporary
  directory, run in Node with the wasm backend through the page's own site/js/model.js);
- **A-J** of the same, among 26 classes and among A-J only (notMNIST's task; seed 003's figure);
- **letters drawn with a mouse** (training/handwriting.py templates, every style of every letter replayed
  `--repeats` times), each alone on the page's 280 px canvas, upper and lower case;
- **words** of 3-6 letters written left to right, exact (every letter read, none missing or extra).
Drawn letters and words are read twice: training/preprocess.py + Keras, and the page's site/js/preprocess.js
+ TF.js (uint8) in Node, both with the letters task's preprocessing parameters (training/letters.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import tempfile
from pathlib import Path

import numpy as np

from training.drawing import stack_canvases
from training.letters import LABELS, PREPROCESS, letter_set
from training.preprocess import segment

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


def read_python(model, canvases: np.ndarray) -> tuple[list[str], list[int]]:
    """Each canvas read by training/preprocess.py `segment` + Keras: the letters, and how many were found."""
    characters = [segment(canvas, PREPROCESS) for canvas in canvases]
    inputs = [character.input for found in characters for character in found]
    predictions = model.predict(np.stack(inputs).reshape(-1, 28, 28, 1), batch_size=1000, verbose=0).argmax(axis=1) if inputs else []
    return split_reading(predictions, [len(found) for found in characters])


def read_javascript(export: Path, canvases: np.ndarray) -> tuple[list[str], list[int]]:
    """Each canvas read by site/js/preprocess.js + TF.js (Node, wasm), as the page reads it."""
    from training.webruntime import run_js_segment, run_tfjs

    found, counts = [], []
    for start in range(0, len(canvases), 200):  # 200 canvases of 280 x ~1000 px at a time: ~220 MB.
        for characters in run_js_segment(canvases[start : start + 200], export / "metadata.json"):
            found.extend(model_input for _, model_input in characters)
            counts.append(len(characters))
    probabilities, _ = run_tfjs(export, np.stack(found).reshape(-1, 28, 28, 1), "wasm") if found else (np.zeros((0, 26)), None)
    return split_reading(probabilities.argmax(axis=1), counts)


def split_reading(predictions, counts: list[int]) -> tuple[list[str], list[int]]:
    read, position = [], 0
    for count in counts:
        read.append("".join(LABELS[index] for index in predictions[position : position + count]))
        position += count
    return read, counts


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


def measure(run_dir: Path, repeats: int, words_per_length: int, javascript: bool = True) -> dict:
    from training.evaluate import load_run_model
    from training.handwriting import drawn_letters, drawn_words

    model = load_run_model(run_dir)
    rng = np.random.default_rng(SEED)
    letter_canvases, glyphs = drawn_letters(repeats, rng)
    word_canvases, truths = drawn_words(words_per_length, rng)
    letter_canvases, word_canvases = np.stack(letter_canvases), stack_canvases(word_canvases)
    results = {"run": str(run_dir), "preprocess": dataclasses.asdict(PREPROCESS)}
    with tempfile.TemporaryDirectory() as scratch:
        export = export_tfjs(model, run_dir, Path(scratch) / "uint8", "uint8") if javascript else None
        results["held_out"] = held_out(model, export)
        readers = {"python": lambda canvases: read_python(model, canvases)}
        if export is not None:
            readers["javascript"] = lambda canvases: read_javascript(export, canvases)
            results["uint8_weight_bytes"] = json.loads((export / "metadata.json").read_text())["weightBytes"]
        for name, reader in readers.items():
            read, _ = reader(letter_canvases)
            results[f"drawn_letters_{name}"] = letters_summary(read, glyphs)
            read, counts = reader(word_canvases)
            results[f"words_{name}"] = words_summary(read, truths, counts)
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
    for name in ("javascript", "python"):
        if f"drawn_letters_{name}" not in results:
            continue
        letters, words = results[f"drawn_letters_{name}"], results[f"words_{name}"]
        how = "preprocess.js + TF.js uint8" if name == "javascript" else "preprocess.py + Keras"
        lines.append(f"| letters drawn with a mouse ({letters['count']:,}; {how}) | **{100 * letters['accuracy']:.2f} %** (±{100 * letters['interval95']:.2f}); upper {100 * letters['upper_case']:.2f} %, lower {100 * letters['lower_case']:.2f} %; {letters['not_one_character']} not one character |")
        by_length = " / ".join(f"{100 * value:.1f}" for value in words["by_length"].values())
        lines.append(f"| words of 3-6 letters, exact ({words['words']:,}; {how}) | **{100 * words['exact']:.2f} %** (±{100 * words['interval95']:.2f}); by length 3-6: {by_length} %; {words['mis_segmented']} mis-segmented; letters {100 * words['letter_accuracy']:.2f} % |")
    if "drawn_letters_javascript" in results:
        letters = results["drawn_letters_javascript"]
        lines += ["", "Drawn letters by letter (%, JavaScript): " + ", ".join(f"{k} {100 * v:.0f}" for k, v in letters["by_letter"].items()), "", "Most frequent confusions (drawn glyph -> read): " + ", ".join(f"{k} ×{v}" for k, v in letters["confusions"].items()), "", "Words misread (first 30): " + ", ".join(results["words_javascript"]["misread"])]
    lines += ["", "Held-out families (drawn, Keras): " + ", ".join(f"{k} {100 * v:.1f} %" for k, v in sorted(held["per_family_accuracy"].items(), key=lambda item: item[1])), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure the letters model on held-out fonts, drawn letters and words.")
    # The shipped model's Keras source (its uint8 weights, as the page runs them) unless a run is named.
    parser.add_argument("--run", type=Path, default=ROOT / "models" / "letters")
    parser.add_argument("--repeats", type=int, default=10, help="replays of every style of every letter")
    parser.add_argument("--words", type=int, default=250, help="words of each length 3-6")
    parser.add_argument("--quick", action="store_true", help="2 replays, 25 words of each length")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "letters")
    args = parser.parse_args(argv)
    repeats, words = (2, 25) if args.quick else (args.repeats, args.words)
    results = measure(args.run, repeats, words)
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    args.out.with_suffix(".md").write_text(report(results))
    print(report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
