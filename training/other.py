"""python -m training.other --fit --run models/digits  — ink that is no digit, said so instead of read as a sure digit.

The digits model has ten outputs, so it reads any ink as a digit, and as surely as a real one: an "A" 4 at 94 %,
a smiley 0 at 90 %, a scribble 7 at 87 %, a 5 struck through 8 at 95 % (review 11). No threshold on its
confidence tells them apart. What does is a judge of "none of the labels", built as the judge of joined digits
(training/joined.py, whose `design` and `fit_logistic` it uses): a logistic regression on what the page computes
for every character anyway, the features the model's last layer reads, its top probability and the box's width
over its height. It is fitted on ink that is no digit -- letters of the training font families that look like
no digit (LOOKALIKES stay out: a person writing O, I, S, Z, B, G or q among digits means 0, 1, 5, 2, 8, 6, 9),
and the doodles of training/shapes.py -- against digits: the training writers' digits alone and in numbers, and
MNIST's training digits drawn as on the page. A character judged other (P above `threshold`) is shown as `label`.

  python -m training.other --fit --run models/digits      # fit it to a run's model -> <run>/other.json
  python -m training.other --choose --run models/digits   # validation sets, per candidate (l2, threshold)
  python -m training.other --measure --run models/digits  # the test sets, for the held-out figures (once)
"""

from __future__ import annotations

import hashlib
import inspect
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.joined import CACHE_DIR, FIT_NUMBERS_PER_GAP, Features, design, fit_characters, fit_logistic, keras_features, quantised, segmented
from training.joined import FIT_SEED as JOINED_SEED
from training.joined import judge as joined_judge
from training.joined import Judge, judge_arguments, keep, kept, load_run

ROOT = Path(__file__).resolve().parent.parent
JUDGE_FILE = "other.json"
# Letters that are digits to many eyes when written among digits (0 1 5 2 8 6 9): never taught as "other".
LOOKALIKES = "OoDIliSsZzBGbgq"
# How many examples of each kind a fit draws (the training splits), and from which random stream.
FIT_COUNTS = {"letters": 8000, "shapes": 6000, "mnist": 12000}
FIT_SEED = 17
# Chosen on validation (--choose; README, "Ink that is no digit"): the most non-digits judged other with at most
# 0.1 % of MNIST's validation digits drawn as on the page, none of the validation writers' 120 digits and none of
# their numbers' 2,105 single characters.
FIT_L2 = 1000.0
FIT_THRESHOLD = 0.95
# Integers up to 127 (`quantised`): 0.2 KB less than five-digit decimals; no validation digit's verdict moves, and
# the doodles judged other go from 1,524 to 1,518 of 5,999 (the letters stay 756 of 1,998).
OTHER_LEVELS = 127
SHAPE_CHUNK = 250  # drawings segmented by one process at a time


@dataclass(frozen=True)
class Other(Judge):
    """metadata.json "other": P(no label), a judge of joined.py's form; above `threshold` the character is shown
    as `label`."""

    threshold: float = FIT_THRESHOLD
    label: str = "?"


def judge(rule: Other, features: np.ndarray, probabilities: np.ndarray, aspects: np.ndarray) -> np.ndarray:
    """P(no label) of each character."""
    return joined_judge(rule, features, probabilities, aspects)


def ink_aspects(inputs: np.ndarray, ink_threshold: float) -> np.ndarray:
    """Width over height of each model input's ink (the page's crop, scaled whole into the input's box)."""
    aspects = np.ones(len(inputs))
    for index, image in enumerate(inputs):
        rows, columns = np.flatnonzero((image > ink_threshold).any(axis=1)), np.flatnonzero((image > ink_threshold).any(axis=0))
        if len(rows) and len(columns):
            aspects[index] = (columns[-1] - columns[0] + 1) / (rows[-1] - rows[0] + 1)
    return aspects


def _cached(name: str, key: bytes, make) -> dict[str, np.ndarray]:
    """make() -> arrays, kept in runs/cache/ under a key over the code and settings that drew them."""
    from training.files import atomic_path

    target = CACHE_DIR / f"other-{name}-{hashlib.sha256(key).hexdigest()[:12]}.npz"
    if target.is_file():
        return dict(np.load(target))
    arrays = make()
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as temporary:
        np.savez(temporary, **arrays)
    return arrays


def _code(*names: str) -> bytes:
    return b"".join((ROOT / "training" / name).read_bytes() for name in names)


def single_characters(drawings: list[list[np.ndarray]], config, drawing: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each drawing (its strokes) drawn as pad.js draws it and segmented as the page does: the model input and
    aspect of those the segmentation finds as one character, and which drawings those are. (The page may then cut
    a wide one as two joined digits: the judge sees those parts, not this whole.)"""
    from training.drawing import to_rgba
    from training.preprocess import fit_and_centre
    from training.strokes import draw_page

    inputs, aspects, kept = [], [], []
    for index, strokes in enumerate(drawings):
        characters = [character for line in segmented(to_rgba(draw_page(strokes, drawing)), config) for character in line]
        if len(characters) == 1:
            crop = characters[0][1]
            inputs.append(fit_and_centre(crop, config))
            aspects.append(crop.shape[1] / crop.shape[0])
            kept.append(index)
    size = config.imageSize
    return np.array(inputs, dtype=np.float32).reshape(-1, size, size), np.array(aspects), np.array(kept, dtype=int)


def shape_examples(split: str, count: int, seed: int, config, drawing: dict) -> dict[str, np.ndarray]:
    """training/shapes.py's doodles that the segmentation finds as one character: inputs, aspects, kinds."""
    from training.parallel import parallel_map
    from training.shapes import shape_drawings

    def make():
        drawn = shape_drawings(split, count, seed)
        chunks = [[strokes for _, strokes in drawn[start : start + SHAPE_CHUNK]] for start in range(0, len(drawn), SHAPE_CHUNK)]
        parts = parallel_map(single_characters, chunks, [config] * len(chunks), [drawing] * len(chunks))
        kinds = np.array([kind for kind, _ in drawn])
        kept = np.concatenate([part[2] + start * SHAPE_CHUNK for start, part in enumerate(parts)])
        return {"inputs": np.concatenate([part[0] for part in parts]), "aspects": np.concatenate([part[1] for part in parts]), "kinds": kinds[kept]}

    key = _code("shapes.py", "strokes.py", "preprocess.py", "writers.py") + inspect.getsource(single_characters).encode()
    return _cached(f"shapes-{split}", key + json.dumps([split, count, seed, config.__dict__, drawing], sort_keys=True).encode(), make)


def letter_examples(split: str, count: int, seed: int, config) -> dict[str, np.ndarray]:
    """Letters of `split`'s font families, drawn as on the page (training/letters.py), lookalikes left out."""
    from training.letters import letter_set

    letters = letter_set(split)
    rows = np.flatnonzero(~np.isin(letters.glyphs, list(LOOKALIKES)))
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(rows) * letters.drawn.shape[1], size=min(count, len(rows) * letters.drawn.shape[1]), replace=False)
    glyph, variant = rows[picked // letters.drawn.shape[1]], picked % letters.drawn.shape[1]
    inputs = letters.drawn[glyph, variant].astype(np.float32) / 255.0
    return {"inputs": inputs, "aspects": ink_aspects(inputs, config.inkThreshold), "kinds": letters.glyphs[glyph]}


def mnist_examples(split: str, count: int, seed: int, config) -> dict[str, np.ndarray]:
    """MNIST's training digits (validation: the last 5,000, never trained on; test: its test set) re-drawn with a
    page-like pen."""
    from training.data import load_mnist
    from training.drawing import training_redraws
    from training.parallel import parallel_map

    def make():
        mnist = load_mnist("test" if split == "test" else "train")
        images, labels = {"train": (mnist.images[:-5000], mnist.labels[:-5000]), "validation": (mnist.images[-5000:], mnist.labels[-5000:])}.get(split, (mnist.images, mnist.labels))
        rows = np.sort(np.random.default_rng(seed).choice(len(images), size=min(count, len(images)), replace=False))
        chunks = [rows[start : start + 1000] for start in range(0, len(rows), 1000)]
        drawn = parallel_map(training_redraws, [images[chunk] for chunk in chunks], [seed + index for index in range(len(chunks))], workers=None)
        inputs = np.concatenate(drawn).astype(np.float32) / 255.0
        return {"inputs": inputs, "aspects": ink_aspects(inputs, config.inkThreshold), "kinds": labels[rows].astype(str)}

    return _cached(f"mnist-{split}", _code("drawing.py", "preprocess.py") + json.dumps([split, count, seed, config.__dict__], sort_keys=True).encode(), make)


def writer_examples(split: str, config, drawing: dict) -> dict[str, np.ndarray]:
    """The writers' digits of `split` alone on the pad, every sample."""
    from training.writers import SEED, writer_digits

    digits = writer_digits(split, SEED)
    inputs, aspects, kept = single_characters([strokes for strokes, _ in digits], config, drawing)
    return {"inputs": inputs, "aspects": aspects, "kinds": np.array([str(digits[index][1]) for index in kept])}


def example_sets(split: str, config, drawing: dict) -> dict[str, dict[str, np.ndarray]]:
    """Every set of `split`, by name; "other" in the name marks ink that is no digit."""
    seed = FIT_SEED + (0 if split == "train" else 1000)
    # Characters of two digits joined by ink left out: the judge of joined digits cuts them, and one left whole is
    # misread whatever this judge says (taught as digits, they made it pass letters such as m and w as digits).
    inputs, aspects, joined = fit_characters(split, config, drawing, FIT_NUMBERS_PER_GAP if split == "train" else 300, seed=JOINED_SEED)
    alone = joined == 0
    return {
        "writers' digits": writer_examples(split, config, drawing),
        "writers' numbers' characters": {"inputs": inputs[alone], "aspects": aspects[alone], "kinds": np.full(int(alone.sum()), "number")},
        "MNIST digits drawn": mnist_examples(split, FIT_COUNTS["mnist"], seed, config),
        "other: letters": letter_examples(split, FIT_COUNTS["letters"], seed, config),
        "other: shapes": shape_examples(split, FIT_COUNTS["shapes"], seed, config, drawing),
    }


def rows_of(sets: dict[str, dict[str, np.ndarray]], features_of: Features) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each set seen by the model: (design rows, kinds)."""
    seen = {}
    for name, examples in sets.items():
        features, probabilities = features_of(examples["inputs"])
        seen[name] = design(features, probabilities, examples["aspects"]), examples["kinds"]
    return seen


def fit(seen: dict[str, tuple[np.ndarray, np.ndarray]], l2: float) -> tuple[np.ndarray, float]:
    x = np.concatenate([rows for rows, _ in seen.values()])
    y = np.concatenate([np.full(len(rows), float(name.startswith("other"))) for name, (rows, _) in seen.items()])
    return fit_logistic(x, y, l2)


def fitted(features_of: Features, config, drawing: dict, l2: float = FIT_L2, threshold: float = FIT_THRESHOLD) -> Other:
    weights, bias = fit(rows_of(example_sets("train", config, drawing), features_of), l2)
    return Other(*quantised(weights, bias, OTHER_LEVELS), threshold=threshold)


def fit_and_keep(model, model_path: Path, config, drawing: dict) -> Other:
    """A judge fitted to `model` (loaded from `model_path`), written beside it as other.json."""
    rule = fitted(keras_features(model), config, drawing)
    keep(rule, model_path, JUDGE_FILE, {"split": "train", "counts": FIT_COUNTS, "seed": FIT_SEED, "l2": FIT_L2, "lookalikes": LOOKALIKES})
    return rule


def judge_for(model, model_path: Path, config, drawing: dict) -> Other:
    """The judge beside `model_path` if it was fitted to that model (load_for), else one fitted now and kept."""
    rule = load_for(model_path)
    if rule is None:
        print(f"fitting the judge of ink that is no digit to {model_path} (drawing its examples takes minutes the first time on a machine)", flush=True)
        rule = fit_and_keep(model, model_path, config, drawing)
    return rule


def load_for(model_path: Path) -> Other | None:
    """The judge beside a Keras model (other.json), if it was fitted to that model's weights; else None."""
    return kept(model_path, JUDGE_FILE, Other, "training.other")


def rejected(rows: np.ndarray, weights: np.ndarray, bias: float, threshold: float, scale: float = 1.0) -> np.ndarray:
    return 1 / (1 + np.exp(-scale * (rows @ np.asarray(weights, dtype=np.float64) + bias))) > threshold


def choose(model, config, drawing: dict, l2s: tuple[float, ...], thresholds: tuple[float, ...]) -> list[str]:
    """Fitted on the training sets, per l2; per threshold, the share of each validation set judged other."""
    features_of = keras_features(model)
    train = rows_of(example_sets("train", config, drawing), features_of)
    validation = rows_of(example_sets("validation", config, drawing), features_of)
    lines = []
    for l2 in l2s:
        weights, bias = fit(train, l2)
        for threshold in thresholds:
            shares = {name: rejected(rows, weights, bias, threshold) for name, (rows, _) in validation.items()}
            lines.append(f"l2 {l2:g}, threshold {threshold:g}: " + ", ".join(f"{name} {int(share.sum())}/{len(share)}" for name, share in shares.items()))
            print(lines[-1], flush=True)
        by_kind = {}
        for name, (rows, kinds) in validation.items():
            if name.startswith("other"):
                hits = rejected(rows, weights, bias, FIT_THRESHOLD)
                for kind in np.unique(kinds):
                    by_kind[str(kind)] = f"{int(hits[kinds == kind].sum())}/{int((kinds == kind).sum())}"
        print(f"  l2 {l2:g}, threshold {FIT_THRESHOLD:g}, by kind: " + ", ".join(f"{kind} {share}" for kind, share in by_kind.items()), flush=True)
    return lines


def measure(model, rule: Other, config, drawing: dict, split: str = "test") -> list[str]:
    """The share of each set of `split` the judge calls other: for the held-out figures, looked at once."""
    lines = []
    for name, (rows, kinds) in rows_of(example_sets(split, config, drawing), keras_features(model)).items():
        hits = rejected(rows, rule.weights, rule.bias, rule.threshold, rule.scale)
        by_kind = ", ".join(f"{kind} {int(hits[kinds == kind].sum())}/{int((kinds == kind).sum())}" for kind in np.unique(kinds)) if name.startswith("other") else ""
        lines.append(f"{split} {name}: {int(hits.sum())}/{len(hits)} judged other ({100 * hits.mean():.2f} %)" + (f"; by kind: {by_kind}" if by_kind else ""))
        print(lines[-1], flush=True)
    return lines


def main(argv: list[str] | None = None) -> int:
    args = judge_arguments(__doc__.split("\n\n")[0], JUDGE_FILE, argv, ("--measure", f"the share of each test set the run's {JUDGE_FILE} judges other (held out: once)"))
    loaded = load_run(args.run)
    if loaded is None:
        return 1
    model, config, drawing = loaded
    if args.choose:
        choose(model, config, drawing, (10.0, 100.0, 300.0, 1000.0, 3000.0), (0.9, 0.93, 0.95, 0.97, 0.98))
        return 0
    if args.measure:
        rule = load_for(args.run / "model.h5")
        if rule is None:
            print(f"error: {args.run / JUDGE_FILE}: no judge fitted to this model.h5; python -m training.other --fit --run {args.run}", file=sys.stderr)
            return 1
        measure(model, rule, config, drawing)
        return 0
    fit_and_keep(model, args.run / "model.h5", config, drawing)
    print(f"wrote {args.run / JUDGE_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
