"""python -m training.joined --fit --run runs/default/latest  — two digits joined by ink: judged from what the model sees, then cut apart.

People write numbers close, and where the pen bridges the paper two digits become one piece of ink: the
segmentation (training/preprocess.py) keeps them as one character, and the model reads one digit. Reading every
wide character whole or in pieces was refused (docs/EXPERIMENTS.md, "Numbers written close"): the model is as sure
of half a digit as of a whole one. What it lacked is a judge of "one digit, or two joined?". Here it is a logistic
regression on what the page computes for every character anyway: the features the model's last layer reads, its
top probability, and the box's width over its height. It is fitted on the training writers' numbers written
apart, close and touching; a segmented character is "joined" when it covers most of the width of two written digits.

A character judged joined (P above `threshold`) is cut at the column of least ink in the middle of its width
(`cutFrom` to `cutTo`), and each part is read and judged again, `depth` cuts deep. The cut stands when the parts
score higher than the whole, a character scoring log(its top probability) + log(1 - P(joined)).

The page also knows the strokes: a character holding two stroke groups that lie apart (strokes.stroke_groups, each
at least GROUP_HEIGHT of its height, no group running across between them) is cut midway between them whatever the
judge says (`stroke_cut`), and kept cut on the same terms.

A release (convert.py) fits the judge to the digits model it ships, unless the run's joined.json was fitted to it.

  python -m training.joined --fit --run runs/default/latest   # fit it again to a run's model -> <run>/joined.json
  python -m training.joined --choose --run models/digits        # validation writers' numbers and MNIST digits, per candidate
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import math
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from training.files import read_json, write_atomic

ROOT = Path(__file__).resolve().parent.parent
JUDGE_FILE = "joined.json"
# The gaps the judge is fitted on, x the digits' median height: the pen's ink joins the first often, the last never.
FIT_GAPS = {"touching": (-0.3, 0.1), "close": (0.1, 0.3), "spaced": (0.3, 0.7)}
FIT_NUMBERS_PER_GAP = 1500
FIT_SEED = 11
FIT_L2 = 100.0  # the penalty on the standardised weights (chosen on validation, with the threshold: --choose)
JOINED_LEVELS = 999  # the weights' integers run from -999 to 999 (`quantised`)

# The strokes' cut (`stroke_cut`): a stroke group shorter than this x the character's height is no digit to cut at
# (chosen on validation among 0.4, 0.5, 0.6: docs/EXPERIMENTS.md). Twin: site/js/joined.js.
GROUP_HEIGHT = 0.4
# A mark glued to a digit (`glued_marks`) is under this x the digit's stroke group's height (chosen on validation
# among 0.3, 0.4: docs/EXPERIMENTS.md). Twin: site/js/joined.js.
MARK_HEIGHT = 0.3

FIT_CHUNK = 250  # numbers drawn by one process at a time
CACHE_DIR = ROOT / "runs" / "cache"

# crops -> (features (n, d), probabilities (n, labels)): the model run on each crop as the page would.
Look = Callable[[list[np.ndarray]], tuple[np.ndarray, np.ndarray]]
# model inputs (n, 28, 28) -> the same
Features = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Judge:
    """A logistic regression on what the page computes for a character: P = 1 / (1 + exp(-scale * (weights .
    [features, log top probability, log width/height] + bias))), weights and bias integers (`quantised`: fewer
    bytes for the page). Its metadata.json block, this judge's and training/other.py's."""

    weights: tuple[float, ...]
    bias: float
    scale: float = 1.0

    @classmethod
    def from_metadata(cls, block: dict):
        return cls(**{**block, "weights": tuple(block["weights"])})

    def metadata(self) -> dict:
        return {**asdict(self), "weights": list(self.weights)}


@dataclass(frozen=True)
class Joined(Judge):
    """metadata.json "joined": P(joined), and where and how deep a character judged joined is cut."""

    threshold: float = 0.9
    depth: int = 2
    cutFrom: float = 0.25
    cutTo: float = 0.75


def design(features: np.ndarray, probabilities: np.ndarray, aspects: np.ndarray) -> np.ndarray:
    """The judge's inputs, one row per character: its features, log top probability, log width/height."""
    top = probabilities.max(axis=1).astype(np.float64)  # as the page computes it: in doubles
    return np.column_stack([np.asarray(features, dtype=np.float64), np.log(top + 1e-7), np.log(np.asarray(aspects, dtype=np.float64))])


def judge(rule: Joined, features: np.ndarray, probabilities: np.ndarray, aspects: np.ndarray) -> np.ndarray:
    """P(joined) of each character (or P(no label), for training/other.py's judge of the same form)."""
    return 1 / (1 + np.exp(-rule.scale * (design(features, probabilities, aspects) @ np.asarray(rule.weights, dtype=np.float64) + rule.bias)))


def score(probabilities: np.ndarray, joined: float) -> float:
    """log(top probability) + log(1 - P(joined)), in doubles as the page computes it."""
    return math.log(float(probabilities.max()) + 1e-7) + math.log(1 - joined + 1e-7)


def trimmed(crop: np.ndarray, ink_threshold: float) -> tuple[int, int, np.ndarray] | None:
    """The crop cut to its ink (values above ink_threshold): (rows dropped above, columns dropped left, crop)."""
    rows = np.flatnonzero((crop > ink_threshold).any(axis=1))
    columns = np.flatnonzero((crop > ink_threshold).any(axis=0))
    if len(rows) == 0 or len(columns) == 0:
        return None
    return int(rows[0]), int(columns[0]), crop[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]


def cut(crop: np.ndarray, rule: Joined, ink_threshold: float, column: int | None = None) -> list[tuple[int, int, np.ndarray]] | None:
    """The crop's two parts at `column`, or else at the column of least ink between cutFrom and cutTo of its width
    (the leftmost of equals), each trimmed to its ink with its offset in the crop; None when a part holds no ink."""
    if column is None:
        width = crop.shape[1]
        low, high = int(width * rule.cutFrom), int(np.ceil(width * rule.cutTo))
        column = low + int(np.argmin(crop[:, low:high].sum(axis=0)))
    left, right = trimmed(crop[:, :column], ink_threshold), trimmed(crop[:, column:], ink_threshold)
    if left is None or right is None:
        return None
    return [left, (right[0], right[1] + column, right[2])]


def groups_in(box: tuple[int, int, int, int], groups: list[tuple[float, float, float, float]]) -> tuple[list, list]:
    """The stroke groups (strokes.stroke_groups) centred in the box, and those of them at least GROUP_HEIGHT of its
    height (a dash, a point, a 5's flag is none)."""
    top, left, bottom, right = box
    inside = [g for g in groups if top <= (g[0] + g[1]) / 2 <= bottom and left <= (g[2] + g[3]) / 2 <= right]
    return inside, [g for g in inside if g[1] - g[0] >= GROUP_HEIGHT * (bottom - top + 1)]


def stroke_cut(box: tuple[int, int, int, int], width: int, groups: list[tuple[float, float, float, float]]) -> int | None:
    """Where the strokes say a character of `width` columns holds two digits: the crop's column midway between two
    tall stroke groups (`groups_in`) that lie apart, not where a stroke group centred in the box runs across (an
    underline touching the digits); of several, the one nearest the middle; None when none lies at least 2 columns
    inside the crop."""
    inside, tall = groups_in(box, groups)
    middles = [(a[3] + b[2]) / 2 for a, b in zip(tall, tall[1:]) if a[3] < b[2]]
    columns = [math.floor(m) - box[1] for m in middles if not any(g[2] < m < g[3] for g in inside)]  # no stroke runs on there
    return min((c for c in columns if 2 <= c <= width - 3), key=lambda c: abs(c - width / 2), default=None)


def glued_marks(boxes: list[tuple[int, int, int, int]], groups: list[tuple[float, float, float, float]]) -> int:
    """How many marks the pen joined to a digit lie in these characters' boxes (top, left, bottom, right): stroke
    groups under MARK_HEIGHT x the tallest group's height (the digit's), centred below the box's top third (a 5's
    flag drawn apart sits on top) and beside every tall group (`groups_in`), not over it. The page reads them with
    the digit and says that a mark was not read. Twin: site/js/joined.js `gluedMarks`."""
    count = 0
    for box in boxes:
        inside, tall = groups_in(box, groups)
        if not tall:
            continue
        digit = max(g[1] - g[0] for g in tall)
        count += sum(g[1] - g[0] < MARK_HEIGHT * digit and (g[0] + g[1]) / 2 > box[0] + (box[2] - box[0] + 1) / 3 and all(g[3] < t[2] or g[2] > t[3] for t in tall) for g in inside)
    return count


def read_crops(crops: list[tuple[tuple[int, int, int, int], np.ndarray]], look: Look, rule: Joined, ink_threshold: float, groups: list | None = None) -> list[tuple[tuple[int, int, int, int], np.ndarray, np.ndarray]]:
    """Each character (box, crop), left to right, read whole or, where judged joined (or cut where the strokes'
    `groups` say two digits lie apart: `stroke_cut`) and the parts score higher, as its parts: [(box,
    probabilities, features)], boxes in canvas pixels (inclusive)."""

    def read(box, crop, features, probabilities, depth):
        aspect = np.array([crop.shape[1] / crop.shape[0]])
        joined = float(judge(rule, features[None], probabilities[None], aspect)[0])
        whole = [(box, probabilities, features)], score(probabilities, joined)
        column = stroke_cut(box, crop.shape[1], groups) if groups and depth > 0 else None
        parts = cut(crop, rule, ink_threshold, column) if depth > 0 and (column is not None or (joined > rule.threshold and crop.shape[1] >= 8)) else None
        if parts is None:
            return whole
        part_features, part_probabilities = look([part for _, _, part in parts])
        read_parts, total = [], 0.0
        for (top, left, part), part_feature, part_probability in zip(parts, part_features, part_probabilities):
            part_box = (box[0] + top, box[1] + left, box[0] + top + part.shape[0] - 1, box[1] + left + part.shape[1] - 1)
            characters, part_score = read(part_box, part, part_feature, part_probability, depth - 1)
            read_parts += characters
            total += part_score
        return (read_parts, total) if total > whole[1] else whole

    if not crops:
        return []
    features, probabilities = look([crop for _, crop in crops])
    characters = []
    for (box, crop), feature, probability in zip(crops, features, probabilities):
        characters += read(box, crop, feature, probability, rule.depth)[0]
    return characters


def segmented(rgba: np.ndarray, config) -> list[list[tuple[tuple[int, int, int, int], np.ndarray]]]:
    """The page's characters of a drawing, per line of writing and left to right: (box, crop) as
    training.preprocess.segment finds them."""
    from training.preprocess import character_crop, character_lines, kept_components

    ink, labels, kept = kept_components(rgba, config)
    return [[character_crop(ink, labels, group) for group in line] for line in character_lines(kept, config)]


def keras_features(model) -> Features:
    """The Keras model's features (its last layer's input) and probabilities for model inputs."""
    import tf_keras as keras

    both = keras.Model(model.inputs, [model.layers[-1].input, model.output])

    def features_of(inputs):
        features, probabilities = both.predict(np.asarray(inputs).reshape(-1, 28, 28, 1), batch_size=512, verbose=0)
        return features.reshape(len(inputs), -1), probabilities

    return features_of


def keras_look(model, config) -> Look:
    """keras_features for crops, preprocessed as the page does."""
    from training.preprocess import fit_and_centre

    features_of = keras_features(model)
    return lambda crops: features_of(np.stack([fit_and_centre(crop, config) for crop in crops]))


def read_text(rgba: np.ndarray, look: Look, rule: Joined | None, config, other=None, groups: list | None = None) -> str:
    """The digits the page reads in a drawing, a line break between lines, with the judge's cuts (rule None:
    without) and, given the drawing's stroke `groups` (strokes.stroke_groups), the strokes' cuts; with `other`
    (training/other.py's judge), ink it judges no digit is its label, "?"."""

    def label(box, probabilities, features):
        aspect = np.array([(box[3] - box[1] + 1) / (box[2] - box[0] + 1)])
        if other is not None and float(judge(other, features[None], probabilities[None], aspect)[0]) > other.threshold:
            return other.label
        return str(int(probabilities.argmax()))

    def line_text(crops):
        if rule is None:
            features, probabilities = look([crop for _, crop in crops])
            return "".join(label(box, p, f) for (box, _), p, f in zip(crops, probabilities, features))
        return "".join(label(*character) for character in read_crops(crops, look, rule, config.inkThreshold, groups))

    return "\n".join(line_text(crops) for crops in segmented(rgba, config))


def read_strokes(strokes: list, look: Look, rule: Joined | None, config, drawing: dict, other=None) -> str:
    """What the digits page reads in a drawing of strokes (canvas pixels): the canvas its pad gives recognition
    (training/strokes.py `digits_page`: lines and loops round the answer left out), or its lines drawn apart, each read
    by `read_text` with the whole drawing's stroke groups, top to bottom (recognise.js split)."""
    from training.drawing import to_rgba
    from training.strokes import digits_page

    (whole, groups), lines = digits_page(strokes, drawing)
    if lines is None:
        return read_text(to_rgba(whole), look, rule, config, other, groups)
    return "\n".join(text for text in (read_text(to_rgba(ink), look, rule, config, other, groups) for ink, _ in lines) if text)


def covers_two(box: tuple[int, int, int, int], spans: list[tuple[float, float]]) -> bool:
    """True when the box covers more than half the width of two or more written digits."""
    covered = 0
    for low, high in spans:
        overlap = max(0.0, min(box[3], high) - max(box[1], low))
        covered += overlap / max(high - low, 1.0) > 0.5
    return covered >= 2


def fit_characters(split: str, config, drawing: dict, numbers_per_gap: int, seed: int, cache: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every character the page finds in numbers of 2-5 digits by the writers of `split`, written with each of
    FIT_GAPS: its model input (n, 28, 28), its box's width over height, and whether it is joined (1) or not (0).

    They depend on the writers, the drawing and the segmentation, not on the model: drawn once (a minute or two,
    one process a core) and cached in runs/cache/ under a key over the code, the strokes and the settings."""
    from training.files import atomic_path
    from training.parallel import parallel_map
    from training.writers import DATA_FILE, compose_by_digit, samples_by_writer

    code = b"".join((ROOT / "training" / name).read_bytes() for name in ("writers.py", "strokes.py", "preprocess.py", "drawing.py"))
    code += "".join(inspect.getsource(function) for function in (fit_characters, characters_of, segmented, covers_two)).encode()
    settings = json.dumps([split, numbers_per_gap, seed, FIT_GAPS, config.__dict__, drawing], sort_keys=True).encode()
    target = CACHE_DIR / f"joined-{split}-{hashlib.sha256(code + DATA_FILE.read_bytes() + settings).hexdigest()[:12]}.npz"
    if cache and target.is_file():
        arrays = np.load(target)
        return arrays["inputs"], arrays["aspects"], arrays["joined"]
    by_writer = samples_by_writer(split)
    writers = sorted(by_writer)
    rng = np.random.default_rng(seed)
    numbers = []  # (each digit's strokes), composed in one generator's order: the set does not depend on the cores
    for gap in FIT_GAPS.values():
        for _ in range(numbers_per_gap):
            writer = writers[int(rng.integers(len(writers)))]
            digits = "".join(str(digit) for digit in rng.integers(0, 10, size=int(rng.integers(2, 6))))
            numbers.append(compose_by_digit(by_writer[writer], digits, rng, gap=gap))
    chunks = [numbers[start : start + FIT_CHUNK] for start in range(0, len(numbers), FIT_CHUNK)]
    drawn = parallel_map(characters_of, chunks, [config] * len(chunks), [drawing] * len(chunks))
    inputs, aspects, joined = (np.concatenate([part[k] for part in drawn]) for k in range(3))
    if cache:
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as temporary:  # Two processes may draw the same set at once.
            np.savez(temporary, inputs=inputs, aspects=aspects, joined=joined)
    return inputs, aspects, joined


def characters_of(numbers: list[list[list[np.ndarray]]], config, drawing: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """fit_characters' arrays for some numbers (each a list of its digits' strokes), drawn as pad.js draws them."""
    from training.drawing import to_rgba
    from training.preprocess import fit_and_centre
    from training.strokes import draw_page

    inputs, aspects, joined = [], [], []
    for by_digit in numbers:
        spans = [(min(s[:, 0].min() for s in digit), max(s[:, 0].max() for s in digit)) for digit in by_digit]
        drawn = to_rgba(draw_page([s for digit in by_digit for s in digit], drawing))
        for box, crop in [character for line in segmented(drawn, config) for character in line]:
            inputs.append(fit_and_centre(crop, config))
            aspects.append(crop.shape[1] / crop.shape[0])
            joined.append(covers_two(box, spans))
    return np.array(inputs, dtype=np.float32).reshape(-1, 28, 28), np.array(aspects), np.array(joined, dtype=float)


def examples(split: str, features_of: Features, config, drawing: dict, numbers_per_gap: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The judge's training rows and labels (1 = joined): fit_characters seen by the model."""
    inputs, aspects, joined = fit_characters(split, config, drawing, numbers_per_gap, seed)
    features, probabilities = features_of(inputs)
    return design(features, probabilities, aspects), joined


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float, steps: int = 30) -> tuple[np.ndarray, float]:
    """Weights and bias by Newton's method, the L2 penalty on the standardised inputs' weights; returned for the
    raw inputs (the standardisation folded in)."""
    mean, deviation = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = np.column_stack([(x - mean) / deviation, np.ones(len(x))])
    w = np.zeros(z.shape[1])
    penalty = np.eye(z.shape[1]) * l2
    penalty[-1, -1] = 0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-z @ w))
        hessian = (z * (p * (1 - p))[:, None]).T @ z + penalty
        w -= np.linalg.solve(hessian, z.T @ (p - y) + penalty @ w)
    weights = w[:-1] / deviation
    return weights, float(w[-1] - weights @ mean)


def fitted(features_of: Features, config, drawing: dict, l2: float = FIT_L2, threshold: float = 0.9, numbers_per_gap: int = FIT_NUMBERS_PER_GAP, seed: int = FIT_SEED) -> Joined:
    x, y = examples("train", features_of, config, drawing, numbers_per_gap, seed)
    return Joined(*quantised(*fit_logistic(x, y, l2), JOINED_LEVELS), threshold=threshold)


def fit_and_keep(model, model_path: Path, config, drawing: dict) -> Joined:
    """A judge fitted to `model` (loaded from `model_path`), written beside it as joined.json."""
    rule = fitted(keras_features(model), config, drawing)
    keep(rule, model_path, JUDGE_FILE, {"writers": "train", "numbers_per_gap": FIT_NUMBERS_PER_GAP, "gaps": FIT_GAPS, "seed": FIT_SEED, "l2": FIT_L2})
    return rule


def keep(rule, model_path: Path, judge_file: str, how: dict) -> None:
    """A judge (this module's or training/other.py's) written beside the model it was fitted to, named by the
    model's SHA-256, with how it was fitted."""
    record = {"judge": rule.metadata(), "model_sha256": sha256_of(model_path), "fitted": how}
    write_atomic(Path(model_path).parent / judge_file, (json.dumps(record, indent=1) + "\n").encode())


def kept(model_path: Path, judge_file: str, kind, module: str):
    """The judge `kind` kept beside a Keras model (`keep`), if it was fitted to that model's weights; else None."""
    path = Path(model_path).parent / judge_file
    if not path.is_file():
        return None
    saved = read_json(path, f"fit it again: python -m {module} --fit --run {path.parent}")
    return kind.from_metadata(saved["judge"]) if saved.get("model_sha256") == sha256_of(model_path) else None


def judge_for(model, model_path: Path, config, drawing: dict) -> Joined:
    """The judge beside `model_path` if it was fitted to that model (load_for), else one fitted now and kept."""
    rule = load_for(model_path)
    if rule is None:
        print(f"fitting the judge of joined digits to {model_path} (drawing its examples takes a minute or two the first time on a machine)", flush=True)
        rule = fit_and_keep(model, model_path, config, drawing)
    return rule


def quantised(weights: np.ndarray, bias: float, levels: int) -> tuple[tuple[int, ...], int, float]:
    """A judge's weights and bias as integers up to `levels` and their scale (five significant digits): in
    metadata.json they take half the bytes of five-digit decimals, and the page and Python judge with the same
    numbers. On the validation writers' 2,467 characters no decision of the judge of joined digits moves at 999
    levels (log(1 - P) by at most 0.012)."""
    every = np.append(np.asarray(weights, dtype=np.float64), bias)
    scale = float(f"{np.abs(every).max() / levels:.5g}")
    whole = [int(value) for value in np.round(every / scale)]
    return tuple(whole[:-1]), whole[-1], scale


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_for(model_path: Path) -> Joined | None:
    """The judge beside a Keras model (joined.json), if it was fitted to that model's weights; else None."""
    return kept(model_path, JUDGE_FILE, Joined, "training.joined")


def validation_sets(drawing: dict) -> dict[str, list[tuple[np.ndarray, str]]]:
    """What --choose reads: the validation writers' single digits, their numbers spaced and written close (as
    bench.writers draws them, 100 a length), and MNIST's first 2,000 validation digits drawn as on the page."""
    from training.data import load_mnist
    from training.drawing import draw_on_canvas, to_rgba
    from training.evaluate_writers import SPACINGS
    from training.strokes import draw_page
    from training.writers import SEED, writer_digits, writer_numbers

    sets = {"writers' digits": [(to_rgba(draw_page(strokes, drawing)), str(label)) for strokes, label in writer_digits("validation", SEED)]}
    for name, gap in SPACINGS.values():
        sets[f"numbers {name}"] = [(to_rgba(draw_page(strokes, drawing)), digits) for strokes, digits in writer_numbers("validation", count=100, seed=SEED, gap=gap)]
    mnist = load_mnist("train")
    rng = np.random.default_rng(5)
    sets["MNIST validation digits"] = [(draw_on_canvas(image, rng), str(label)) for image, label in zip(mnist.images[-5000:][:2000], mnist.labels[-5000:][:2000])]
    return sets


def choose(model, config, drawing: dict, grid: list[tuple[float, float]]) -> list[str]:
    """One line per candidate (l2, threshold), and the page without the judge first: what each reads right."""
    sets = validation_sets(drawing)
    look = keras_look(model, config)
    x, y = examples("train", keras_features(model), config, drawing, FIT_NUMBERS_PER_GAP, FIT_SEED)
    lines = []
    for l2, threshold in [(None, None), *grid]:
        rule = None
        if l2 is not None:
            weights, bias = fit_logistic(x, y, l2)
            rule = Joined(weights=tuple(weights), bias=bias, threshold=threshold)
        right = {name: sum(read_text(rgba, look, rule, config) == truth for rgba, truth in items) for name, items in sets.items()}
        name = "without the judge" if rule is None else f"l2 {l2:g}, threshold {threshold:g}"
        lines.append(f"{name}: " + ", ".join(f"{key} {count}/{len(sets[key])}" for key, count in right.items()))
        print(lines[-1], flush=True)
    return lines


def judge_arguments(description: str, judge_file: str, argv: list[str] | None, *actions: tuple[str, str]) -> argparse.Namespace:
    """A judge's command line (this module's, training/other.py's): --fit, --choose or another of `actions`
    (flag, help), and --run."""
    parser = argparse.ArgumentParser(description=description)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--fit", action="store_true", help=f"fit the judge to the run's model.h5 and write {judge_file} beside it (make convert ships it)")
    for flag, text in (("--choose", "judge the validation sets with each candidate"), *actions):
        action.add_argument(flag, action="store_true", help=text)
    parser.add_argument("--run", type=Path, default=ROOT / "runs" / "default" / "latest", help="a digits run folder (default: runs/default/latest)")
    return parser.parse_args(argv)


def load_run(run: Path):
    """A digits run's Keras model with the digits' preprocessing and the page's drawing; None, said on stderr, when
    the run has no model."""
    model_path = run / "model.h5"
    if not model_path.is_file():
        print(f"error: {model_path}: no trained model; train one with make train, or pass --run DIR", file=sys.stderr)
        return None

    from training.quiet import import_tensorflow

    import_tensorflow()  # first, so that its load-time lines on stderr are dropped (training/quiet.py)
    import tf_keras as keras

    from training.strokes import page_drawing
    from training.tasks import TASKS

    return keras.models.load_model(model_path, compile=False), TASKS["digits"].load_preprocess(), page_drawing()


def main(argv: list[str] | None = None) -> int:
    args = judge_arguments(__doc__.split("\n\n")[0], JUDGE_FILE, argv)
    loaded = load_run(args.run)
    if loaded is None:
        return 1
    model, config, drawing = loaded
    if args.choose:
        choose(model, config, drawing, [(l2, threshold) for l2 in (10.0, 100.0) for threshold in (0.9, 0.95)])
        return 0
    fit_and_keep(model, args.run / "model.h5", config, drawing)
    print(f"wrote {args.run / JUDGE_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
