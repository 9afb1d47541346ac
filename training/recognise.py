"""python -m training.recognise --choose  — from the model's probabilities to the text, as site/js/recognise.js.

The page reads each character as its most probable label, with one exception a task may ask for in its
metadata.json ("caseByHeight"): two labels the model cannot tell apart by shape, because they are the same
glyph in two cases. In the letters task a bare vertical bar is a capital I or a lowercase l (class L); alone,
the model gives each about half (on validation words: 0.42-0.53 each). In a word the bar's height says which:
beside capitals it is as tall as the shortest of them (an I); beside lowercase letters it towers over the
x-height ones (an l).

The rule, implemented twice on purpose (here and in site/js/recognise.js; tests/test_recognise.py feeds the
same characters to both):
- A character is a *lookalike* when the model gives both labels of the pair at least `minProbability`.
- In a drawing with at least one other character that is not a lookalike, each lookalike becomes `tall` when
  its box is at least `tallRatio` times as tall as the shortest such character, else `short`. Its confidence
  is the pair's probability together (the model is sure it is the bar; the height says which case). The page
  marks it unsure (maybe the other case) when its height is over tallRatio / unsureBelow (1.1) and under
  tallRatio * unsureAbove (1.15) times that reference: near the line a hand's capitals vary as much (review 4:
  an A written a little short made MARIA read MARLA, shown sure). On validation words that flags 29 of 1,266
  words read right and 3 of the 5 read wrong on a bar (fonts' proportions), 22 of 1,828 and 3 of 6 with
  handwriting proportions (gaps 12 and 20 %).
- Otherwise (a lone bar, or only bars) the model's reading stands.
- Lookalikes are judged on the model's own probabilities, before what the user taught (`blend`): a bar taught
  alone as an I is still an l in "milk", since only its height tells them apart; a lone bar takes what was taught.
Box heights, not tops, are compared: a word written on a slope keeps its heights. Known misreadings: a
lowercase word whose other letters all rise above the x-height ("hill": h and a dotted i) reads its l as I,
and a capitalised word beginning with I ("Ink") reads it as L.

A second rule ("shortLetters", applied before the first): a letter written at x-height is no letter that never is.
In a drawing of two characters or more, a character at most `shortRatio` (0.75) times as tall as the tallest
is short, an x-height letter; when its label is in `notShort` ("BDFGHJKLPQY": every capital is full height,
and each of these letters rises above the x-height or descends below the baseline in lower case too), it
takes the most probable label not in `notShort`, if that one has at least `minProbability` (0.1). Review 4's
strokes: a lower-case a read as Q ("cat" -> CQT, "jam" -> JQM), a final n read as H (JACKSOH), each beside
a letter plainly taller. Heights only again: a sloping line changes nothing. It was chosen on the words of
training/hands.py, review 4's stroke model (adult and child hands, lower case and capitalised; 720 words:
51.39 % exact without the rule, 58.75 % with it), with the validation families' words as constraints (fonts'
proportions 99.32 %, handwriting proportions 93.40 -> 93.44 %, `--choose`'s words 97.69 -> 97.76 %, the
hands' capitals unchanged at 74.17 %).
A word with no taller letter ("same", "OQO") tells nothing, and the rule says nothing.

`--choose` measures both rules on validation words (training/handwriting.py `family_words`: the
validation font families, never the test ones) for a grid of their parameters.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CaseByHeight:
    """metadata.json "caseByHeight": the two labels of one glyph in two cases, and when height decides."""

    short: str  # the label of the case as tall as capitals ("I")
    tall: str  # the label of the case taller than the x-height letters beside it ("L", for l)
    minProbability: float = 0.2
    tallRatio: float = 1.15
    # The page shows a lookalike unsure when its height ratio lies between tallRatio / unsureBelow and
    # tallRatio * unsureAbove (the text read is the same): near the line a hand's capitals vary as much.
    unsureBelow: float = 1.1
    unsureAbove: float = 1.15


@dataclass(frozen=True)
class ShortLetters:
    """metadata.json "shortLetters": the labels no letter written at x-height has, and what counts as that short."""

    notShort: str  # "BDFGHJKLPQY"
    shortRatio: float = 0.75  # short: at most this many times as tall as the drawing's tallest character
    minProbability: float = 0.1  # the label taken instead must have at least this probability


def short_letters(heights: list[int], probabilities: np.ndarray, chosen: list[int], labels: tuple[str, ...] | list[str], rule: ShortLetters) -> list[int]:
    """`chosen` (label indices) with each short character's label in rule.notShort replaced as the module says."""
    if len(heights) < 2:
        return chosen
    tallest = max(heights)
    barred = [labels.index(label) for label in rule.notShort]
    result = []
    for height, row, index in zip(heights, np.asarray(probabilities, dtype=np.float64), chosen):
        if height > rule.shortRatio * tallest or index not in barred:
            result.append(index)
            continue
        allowed = row.copy()
        allowed[barred] = -1.0
        best = int(allowed.argmax())
        result.append(best if allowed[best] >= rule.minProbability else index)
    return result


def read(
    heights: list[int],
    probabilities: np.ndarray,
    labels: tuple[str, ...] | list[str],
    rule: CaseByHeight | None,
    blended: np.ndarray | None = None,
    short_rule: ShortLetters | None = None,
) -> list[int]:
    """The label index of each character of one drawing, left to right.

    heights: each character's box height in canvas pixels; probabilities: float (characters, labels), the
    model's; blended: the same after `blend` (what was taught), if anything was. Each character is its most
    probable label after the blend (then `short_rule`'s, if given), but lookalikes are judged on the model's own
    probabilities: in a word, a bar's height decides even when a bar was taught alone."""
    probabilities = np.asarray(probabilities)
    ranked = probabilities if blended is None else np.asarray(blended)
    chosen = [int(index) for index in ranked.argmax(axis=1)] if len(ranked) else []
    if short_rule is not None:
        chosen = short_letters(heights, ranked, chosen, labels, short_rule)
    if rule is None:
        return chosen
    short, tall = labels.index(rule.short), labels.index(rule.tall)
    lookalike = [bool(min(row[short], row[tall]) >= rule.minProbability) for row in probabilities]
    others = [height for height, alike in zip(heights, lookalike) if not alike]
    if not others:
        return chosen
    reference = min(others)
    return [(tall if height >= rule.tallRatio * reference else short) if alike else index for index, height, alike in zip(chosen, heights, lookalike)]


@dataclass(frozen=True)
class Corrections:
    """metadata.json "corrections": how much what a user taught the page (a drawing and its right label,
    kept on their device) moves the reading of a new drawing that looks like it.

    For every taught drawing j, the new drawing's label y_j gains weight * max(0, (s - similarity) / (1 -
    similarity)), where s is the cosine similarity of the two drawings' features (the input of the model's last
    layer); the probabilities are then normalised to sum 1. A drawing taught and drawn again the same gains
    `weight` (2: it wins over any reading), one merely alike gains nothing. Chosen on the validation font
    families and digit templates (`python -m training.corrections --choose`)."""

    similarity: float = 0.9
    weight: float = 2.0


def unit(features: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (a row of zeros stays zeros)."""
    features = np.asarray(features, dtype=np.float64)
    norms = np.linalg.norm(features, axis=-1, keepdims=True)
    return features / np.where(norms > 0, norms, 1.0)


def blend(probabilities: np.ndarray, features: np.ndarray, taught_features: np.ndarray, taught_labels, rule: Corrections) -> np.ndarray:
    """The model's probabilities (characters, labels) moved towards what was taught, as site/js/recognise.js
    `blend` does: features (characters, d) of the drawings read; taught_features (m, d) and taught_labels
    (m,) label indices, of the drawings taught. Returns float (characters, labels), each row summing to 1."""
    probabilities = np.array(probabilities, dtype=np.float64)
    taught_labels = np.asarray(taught_labels, dtype=int)
    if len(taught_labels) == 0 or len(probabilities) == 0:
        return probabilities
    similarity = unit(features) @ unit(taught_features).T
    gain = rule.weight * np.clip((similarity - rule.similarity) / (1.0 - rule.similarity), 0.0, None)
    for column, label in enumerate(taught_labels):
        probabilities[:, label] += gain[:, column]
    return probabilities / probabilities.sum(axis=1, keepdims=True)


Box = tuple[int, int, int, int]  # top, left, bottom, right: canvas pixels, inclusive


def by_drawing(boxes: list[list[Box]], probabilities: np.ndarray) -> list[tuple[list[Box], np.ndarray]]:
    """Probabilities of every character of every drawing (one batch), split back into drawings."""
    drawings, position = [], 0
    for found in boxes:
        drawings.append((found, probabilities[position : position + len(found)]))
        position += len(found)
    return drawings


def classify(model, canvases, config) -> list[tuple[list[Box], np.ndarray]]:
    """Each RGBA canvas segmented by training/preprocess.py (`config`: the task's PreprocessConfig) and its
    characters classified by the Keras model in one batch: per drawing, the boxes and probabilities."""
    from training.preprocess import segment

    characters = [segment(canvas, config) for canvas in canvases]
    inputs = [character.input for found in characters for character in found]
    size = config.imageSize
    probabilities = model.predict(np.stack(inputs).reshape(-1, size, size, 1), batch_size=1000, verbose=0) if inputs else np.zeros((0, model.output_shape[-1]))
    return by_drawing([[(c.top, c.left, c.bottom, c.right) for c in found] for found in characters], probabilities)


def text(drawing: tuple[list[Box], np.ndarray], labels: tuple[str, ...] | list[str], rule: CaseByHeight | None, short_rule: ShortLetters | None = None) -> str:
    """One classified drawing's text, as the page shows it."""
    boxes, probabilities = drawing
    return "".join(labels[index] for index in read([box[2] - box[0] + 1 for box in boxes], probabilities, labels, rule, short_rule=short_rule))


def choose(model, words_per_length: int, seed: int) -> list[tuple[float, float, float]]:
    """Exact-word accuracy on validation words for a grid of (minProbability, tallRatio); and without the rule."""
    from training.handwriting import family_words
    from training.letters import LABELS, PREPROCESS

    canvases, truths = family_words(words_per_length, np.random.default_rng(seed))
    drawings = classify(model, canvases, PREPROCESS)

    def exact(rule):
        return float(np.mean([text(drawing, LABELS, rule) == truth for drawing, truth in zip(drawings, truths)]))

    results = [(float("nan"), float("nan"), exact(None))]
    for min_probability in (0.1, 0.2, 0.3):
        for tall_ratio in (1.05, 1.1, 1.15, 1.2, 1.25):
            results.append((min_probability, tall_ratio, exact(CaseByHeight("I", "L", min_probability, tall_ratio))))
    return results


def choose_short(model, words_per_length: int, seed: int, case_rule: CaseByHeight) -> list[tuple[float, float, float, float, float]]:
    """Exact-word accuracy for a grid of the short-letter rule (shortRatio, minProbability; first row: no rule),
    each with `case_rule`: on training/hands.py's words (lower case and capitalised: the target; capitals), and
    on the validation families' words (`choose`'s)."""
    from training.hands import hand_words
    from training.handwriting import family_words
    from training.letters import LABELS, PREPROCESS

    canvases, truths = hand_words()
    hands = classify(model, canvases, PREPROCESS)
    font_canvases, font_truths = family_words(words_per_length, np.random.default_rng(seed))
    fonts = classify(model, font_canvases, PREPROCESS)

    def exact(drawings, written, short_rule):
        return float(np.mean([text(drawing, LABELS, case_rule, short_rule) == truth.upper() for drawing, truth in zip(drawings, written)]))

    mixed = [(drawing, truth) for drawing, (truth, _hand, case) in zip(hands, truths) if case != "upper"]
    capitals = [(drawing, truth) for drawing, (truth, _hand, case) in zip(hands, truths) if case == "upper"]
    grid = [(float("nan"), float("nan"), None)] + [(ratio, least, ShortLetters("BDFGHJKLPQY", ratio, least)) for ratio in (0.55, 0.6, 0.65, 0.7, 0.75) for least in (0.02, 0.1)]
    return [(ratio, least, exact(*zip(*mixed), rule), exact(*zip(*capitals), rule), exact(fonts, font_truths, rule)) for ratio, least, rule in grid]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure the letters' height rules on validation words.")
    parser.add_argument("--choose", action="store_true", help="print exact-word accuracy for a grid of the rules' parameters")
    parser.add_argument("--run", default="models/letters", help="a letters run or model folder (default: the shipped one)")
    parser.add_argument("--words-per-length", type=int, default=12, help="validation words of each length 3-6 per font file")
    parser.add_argument("--seed", type=int, default=777)
    args = parser.parse_args(argv)
    if not args.choose:
        parser.print_help()
        return 0
    from training.evaluate import load_run_model

    from training.tasks import TASKS

    model = load_run_model(args.run)
    results = choose(model, args.words_per_length, args.seed)
    print("The I/l rule (caseByHeight), no short-letter rule:\n\n| minProbability | tallRatio | validation words exact |\n| --- | --- | --- |")
    for min_probability, tall_ratio, accuracy in results:
        names = ("no rule", "") if np.isnan(min_probability) else (f"{min_probability:g}", f"{tall_ratio:g}")
        print(f"| {names[0]} | {names[1]} | {100 * accuracy:.2f} % |")
    print("\nThe short-letter rule (shortLetters), with the letters task's I/l rule:\n")
    print("| shortRatio | minProbability | hand words (training/hands.py) | hand capitals | validation words |\n| --- | --- | --- | --- | --- |")
    for ratio, least, *accuracies in choose_short(model, args.words_per_length, args.seed, TASKS["letters"].case_by_height):
        names = ("no rule", "") if np.isnan(ratio) else (f"{ratio:g}", f"{least:g}")
        print(f"| {names[0]} | {names[1]} | " + " | ".join(f"{100 * accuracy:.2f} %" for accuracy in accuracies) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
