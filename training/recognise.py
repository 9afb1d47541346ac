"""python -m training.recognise --choose  — from the model's probabilities to the text, as site/js/recognise.js.

The page reads each character as its most probable label, then applies the rules its task's metadata.json
asks for (`Rules`): "shortLetters", "caseByHeight" and "byDescent", in that order. Each says what a letter's place
in its line tells, which the model cannot see: it reads every letter alone, scaled into a box.

"caseByHeight": two labels the model cannot tell apart by shape, because they are the same glyph in two cases.
In the letters task a bare vertical bar is a capital I or a lowercase l (class L); alone, the model gives each
about half (on validation words: 0.42-0.53 each). In a word the bar's height says which:
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
and a capitalised word beginning with I ("Ink", "In", "Ivy": review 6 saw half of such words by its adult hand
read so) reads it as L; the page marks a tall bar that begins a word unsure ("maybe I"), the text unchanged.

"shortLetters" (applied first): a letter written at x-height is no letter that never is.
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

"byDescent" (applied last): a dotted i and a j, which the model reads alone and often mixes up (in
training/hands.py's words an adult's dotted i read as J in 26 of 240), are told apart by where they end: a j
descends below the baseline, an i sits on it. In a drawing of three characters or more, a character read I or J
that the model gives both at least `minProbability` (0.1) is J if its bottom lies at least `depth` (0.3) times the
others' median height below the baseline at its place, else I. The baseline is the least-squares line of the
bottoms of the other characters not read as a letter that descends ("GJPQY"), against their centres, so a
sloping word keeps it (at least two such characters, else no rule). Chosen on the same hand words (58.75 ->
63.19 % exact with the two rules above), the same constraints met. Known misreadings (review 6): a baseline
that bends (an arched word: "Benji" -> BENJJ) and a capital J written on the line by a child ("RAJ" -> RAI); the
page shows such a letter as sure as the model is of it (not the pair's probability together, as for a bar).

`--choose` measures the rules on validation words (training/handwriting.py `family_words`: the
validation font families, never the test ones; and training/hands.py's) for a grid of their parameters.
"""

from __future__ import annotations

import argparse
import dataclasses
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


@dataclass(frozen=True)
class ByDescent:
    """metadata.json "byDescent": two labels told apart by whether the character descends below the baseline."""

    sits: str  # "I": a dotted i sits on the baseline
    descends: str  # "J": a j descends below it
    descenders: str = "GJPQY"  # characters read as these are left out of the baseline
    minProbability: float = 0.1
    depth: float = 0.3  # below the baseline by at least this many times the others' median height: descends


def by_descent(boxes: list[Box], probabilities: np.ndarray, chosen: list[int], labels: tuple[str, ...] | list[str], rule: ByDescent) -> list[int]:
    """`chosen` (label indices) with each character read rule.sits or rule.descends relabelled as the module says;
    probabilities: the model's own (characters, labels)."""
    sits, descends = labels.index(rule.sits), labels.index(rule.descends)
    descenders = {labels.index(label) for label in rule.descenders}
    result = list(chosen)
    if len(boxes) < 3:
        return result
    for position, (box, row) in enumerate(zip(boxes, np.asarray(probabilities, dtype=np.float64))):
        if chosen[position] not in (sits, descends) or min(row[sits], row[descends]) < rule.minProbability:
            continue
        others = [other for index, other in enumerate(boxes) if index != position and chosen[index] not in descenders]
        if len(others) < 2:
            continue
        centres = np.array([(left + right) / 2 for _, left, _, right in others])
        bottoms = np.array([bottom for _, _, bottom, _ in others], dtype=np.float64)
        spread = float(np.sum((centres - centres.mean()) ** 2))
        slope = float(np.sum((centres - centres.mean()) * (bottoms - bottoms.mean()))) / spread if spread > 0 else 0.0
        baseline = bottoms.mean() + slope * ((box[1] + box[3]) / 2 - centres.mean())
        height = float(np.median([bottom - top + 1 for top, _, bottom, _ in others]))
        result[position] = descends if box[2] - baseline >= rule.depth * height else sits
    return result


@dataclass(frozen=True)
class Rules:
    """A task's rules from the model's probabilities to the text, applied in this order (None: absent)."""

    short: ShortLetters | None = None  # metadata.json "shortLetters"
    case: CaseByHeight | None = None  # "caseByHeight"
    descent: ByDescent | None = None  # "byDescent"

    def metadata(self) -> dict:
        """The metadata.json entries of the rules present (the page reads a missing key as "no such rule")."""
        return {key: dataclasses.asdict(getattr(self, name)) for name, (key, _) in RULE_KEYS.items() if getattr(self, name) is not None}

    @classmethod
    def from_metadata(cls, metadata: dict) -> Rules:
        """The rules a metadata.json carries, as the page reads them."""
        return cls(**{name: kind(**metadata[key]) for name, (key, kind) in RULE_KEYS.items() if key in metadata})


RULE_KEYS = {"short": ("shortLetters", ShortLetters), "case": ("caseByHeight", CaseByHeight), "descent": ("byDescent", ByDescent)}


def read(boxes: list[Box], probabilities: np.ndarray, labels: tuple[str, ...] | list[str], rules: Rules, blended: np.ndarray | None = None) -> list[int]:
    """The label index of each character of one drawing, left to right.

    boxes: each character's (top, left, bottom, right) in canvas pixels; probabilities: float (characters,
    labels), the model's; blended: the same after `blend` (what was taught), if anything was. Each character is
    its most probable label after the blend, then `rules` apply as the module says; lookalikes (caseByHeight,
    byDescent) are judged on the model's own probabilities: in a word, a bar's height decides even when a bar
    was taught alone."""
    heights = [bottom - top + 1 for top, _, bottom, _ in boxes]
    probabilities = np.asarray(probabilities)
    ranked = probabilities if blended is None else np.asarray(blended)
    chosen = [int(index) for index in ranked.argmax(axis=1)] if len(ranked) else []
    if rules.short is not None:
        chosen = short_letters(heights, ranked, chosen, labels, rules.short)
    if rules.case is not None:
        chosen = case_by_height(heights, probabilities, chosen, labels, rules.case)
    if rules.descent is not None:
        chosen = by_descent(boxes, probabilities, chosen, labels, rules.descent)
    return chosen


def case_by_height(heights: list[int], probabilities: np.ndarray, chosen: list[int], labels: tuple[str, ...] | list[str], rule: CaseByHeight) -> list[int]:
    """`chosen` (label indices) with each lookalike of rule's pair labelled by its height, as the module says."""
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


def text(drawing: tuple[list[Box], np.ndarray], labels: tuple[str, ...] | list[str], rules: Rules) -> str:
    """One classified drawing's text, as the page shows it."""
    boxes, probabilities = drawing
    return "".join(labels[index] for index in read(boxes, probabilities, labels, rules))


def exact(drawings, truths: list[str], labels, rules: Rules) -> float:
    """The share of drawings whose text is the truth (in capitals, as the page shows letters)."""
    return float(np.mean([text(drawing, labels, rules) == truth.upper() for drawing, truth in zip(drawings, truths)]))


def choose(model, words_per_length: int, seed: int) -> list[tuple[float, float, float]]:
    """Exact-word accuracy on validation words for a grid of (minProbability, tallRatio); and without the rule."""
    from training.handwriting import family_words
    from training.letters import LABELS, PREPROCESS

    canvases, truths = family_words(words_per_length, np.random.default_rng(seed))
    drawings = classify(model, canvases, PREPROCESS)
    results = [(float("nan"), float("nan"), exact(drawings, truths, LABELS, Rules()))]
    for min_probability in (0.1, 0.2, 0.3):
        for tall_ratio in (1.05, 1.1, 1.15, 1.2, 1.25):
            results.append((min_probability, tall_ratio, exact(drawings, truths, LABELS, Rules(case=CaseByHeight("I", "L", min_probability, tall_ratio)))))
    return results


def choose_word_rules(model, words_per_length: int, seed: int, grids: list[list[tuple[float, float, Rules]]]) -> list[list[tuple[float, float, float, float, float]]]:
    """Exact-word accuracy for each (a, b, rules) of each grid: on training/hands.py's words (lower case and
    capitalised: the target; capitals), and on the validation families' words (`choose`'s)."""
    from training.hands import hand_words
    from training.handwriting import family_words
    from training.letters import LABELS, PREPROCESS

    canvases, truths = hand_words()
    hands = classify(model, canvases, PREPROCESS)
    font_canvases, font_truths = family_words(words_per_length, np.random.default_rng(seed))
    fonts = classify(model, font_canvases, PREPROCESS)
    mixed = [(drawing, truth) for drawing, (truth, _hand, case) in zip(hands, truths) if case != "upper"]
    capitals = [(drawing, truth) for drawing, (truth, _hand, case) in zip(hands, truths) if case == "upper"]
    return [[(a, b, exact(*zip(*mixed), LABELS, rules), exact(*zip(*capitals), LABELS, rules), exact(fonts, font_truths, LABELS, rules)) for a, b, rules in grid] for grid in grids]


def short_grid(case_rule: CaseByHeight) -> list[tuple[float, float, Rules]]:
    """The short-letter rule's grid (shortRatio, minProbability; first: no rule), each with `case_rule`."""
    none = float("nan")
    return [(none, none, Rules(case=case_rule))] + [
        (ratio, least, Rules(short=ShortLetters("BDFGHJKLPQY", ratio, least), case=case_rule)) for ratio in (0.55, 0.6, 0.65, 0.7, 0.75) for least in (0.02, 0.1)
    ]


def descent_grid(rules: Rules) -> list[tuple[float, float, Rules]]:
    """The descent rule's grid (minProbability, depth; first: no rule), each after `rules`' other two."""
    none = float("nan")
    return [(none, none, dataclasses.replace(rules, descent=None))] + [
        (least, depth, dataclasses.replace(rules, descent=ByDescent("I", "J", "GJPQY", least, depth))) for least in (0.1, 0.2, 0.3) for depth in (0.1, 0.2, 0.3)
    ]


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
    print("The I/l rule (caseByHeight) alone:\n\n| minProbability | tallRatio | validation words exact |\n| --- | --- | --- |")
    for min_probability, tall_ratio, accuracy in results:
        names = ("no rule", "") if np.isnan(min_probability) else (f"{min_probability:g}", f"{tall_ratio:g}")
        print(f"| {names[0]} | {names[1]} | {100 * accuracy:.2f} % |")
    rules = TASKS["letters"].rules
    grids = (
        ("The short-letter rule (shortLetters), with the I/l rule", ("shortRatio", "minProbability"), short_grid(rules.case)),
        ("The descent rule (byDescent), after the letters task's other two", ("minProbability", "depth"), descent_grid(rules)),
    )
    measured = choose_word_rules(model, args.words_per_length, args.seed, [grid for *_, grid in grids])
    for (title, (first, second), _), rows in zip(grids, measured):
        print(f"\n{title}:\n\n| {first} | {second} | hand words (training/hands.py) | hand capitals | validation words |\n| --- | --- | --- | --- | --- |")
        for a, b, *accuracies in rows:
            names = ("no rule", "") if np.isnan(a) else (f"{a:g}", f"{b:g}")
            print(f"| {names[0]} | {names[1]} | " + " | ".join(f"{100 * accuracy:.2f} %" for accuracy in accuracies) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
