"""Teaching the page a hand: training/recognise.py `blend` (and the page's site/js/recognise.js, compared),
the protocol that measures it (training/corrections.py `taught_once`), what the model's features are, and
the rule each task's metadata.json carries."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from training.corrections import features_and_probabilities, taught_once
from training.recognise import Corrections, Rules, blend, read
from training.tasks import TASKS
from training.webruntime import run_js_read

ROOT = Path(__file__).resolve().parent.parent
DIGITS_METADATA = ROOT / "site" / "models" / "digits" / "metadata.json"
LETTERS_METADATA = ROOT / "site" / "models" / "letters" / "metadata.json"
RULE = Corrections(similarity=0.9, weight=2.0)


def sure_of(label: int, labels: int = 10, confidence: float = 0.9) -> np.ndarray:
    row = np.full(labels, (1 - confidence) / (labels - 1))
    row[label] = confidence
    return row


def at_cosine(direction: np.ndarray, cosine: float) -> np.ndarray:
    """A vector of the same length as `direction` at exactly `cosine` to it (in the plane of axes 0 and 1)."""
    unit = direction / np.linalg.norm(direction)
    other = np.zeros_like(unit)
    other[np.argmin(np.abs(unit))] = 1.0
    other -= (other @ unit) * unit
    other /= np.linalg.norm(other)
    return np.linalg.norm(direction) * (cosine * unit + np.sqrt(1 - cosine**2) * other)


def test_a_drawing_taught_and_drawn_again_gains_the_weight_and_wins():
    features = np.array([[0.3, 1.2, 0.0, 2.5]])
    probabilities = sure_of(3)[None]
    blended = blend(probabilities, 2 * features, features, [5], RULE)  # the same drawing, its features scaled
    expected = probabilities.copy()
    expected[0, 5] += RULE.weight
    np.testing.assert_allclose(blended, expected / expected.sum(), rtol=1e-12)
    assert blended.argmax() == 5


def test_halfway_between_the_similarity_and_the_same_drawing_gains_half_the_weight():
    taught = np.array([[1.0, 2.0, 0.5, 0.0]])
    cosine = (1 + RULE.similarity) / 2
    blended = blend(sure_of(3)[None], at_cosine(taught[0], cosine)[None], taught, [5], RULE)
    expected = sure_of(3)
    expected[5] += RULE.weight / 2
    np.testing.assert_allclose(blended[0], expected / expected.sum(), rtol=1e-9)


def test_below_the_similarity_nothing_changes():
    taught = np.array([[1.0, 2.0, 0.5, 0.0]])
    probabilities = np.stack([sure_of(3), sure_of(7, confidence=0.5)])
    features = np.stack([at_cosine(taught[0], RULE.similarity - 0.01), at_cosine(taught[0], 0.2)])
    np.testing.assert_allclose(blend(probabilities, features, taught, [5], RULE), probabilities, rtol=1e-12)


def test_rows_sum_to_one_and_nothing_taught_changes_nothing():
    rng = np.random.default_rng(3)
    probabilities = rng.dirichlet(np.ones(10), size=50)
    taught = rng.normal(size=(4, 6))
    features = taught[rng.integers(0, 4, size=50)] + rng.normal(scale=0.1, size=(50, 6))
    blended = blend(probabilities, features, taught, [1, 2, 3, 4], RULE)
    np.testing.assert_allclose(blended.sum(axis=1), 1.0, rtol=1e-12)
    assert (blended.argmax(axis=1) != probabilities.argmax(axis=1)).sum() > 10, "too few readings moved to prove anything"
    np.testing.assert_array_equal(blend(probabilities, features, np.zeros((0, 6)), [], RULE), probabilities)


def test_the_protocol_teaches_each_users_misreads_and_counts_what_the_second_drawings_gain_and_lose():
    # Two users (groups), three items each, drawn three times (V = 3). Features: each item its own axis, so
    # only an item's own taught drawing is alike, except where noted.
    eye = np.eye(8)
    labels = np.array([0, 1, 2, 0, 1, 2])
    groups = np.array(["ann", "ann", "ann", "bob", "bob", "bob"])
    features = np.stack([np.stack([eye[item]] * 3) for item in range(6)])
    probabilities = np.stack([np.stack([sure_of(label, labels=3)] * 3) for label in labels])
    # Ann's item 0 is read as 1 every time: taught at drawing 0, fixed at drawings 1 and 2.
    probabilities[0, :] = sure_of(1, labels=3)
    # Ann's item 1, read right, has at drawing 2 features like item 0's: it leans to 0 and breaks.
    features[1, 2] = eye[0]
    # Bob's item 3 (label 0) is read as 2 at drawing 0 only: taught, nothing to fix. Ann's teaching is not his:
    # his item 4 at drawing 1 looks like Ann's item 0 and is not moved.
    probabilities[3, 0] = sure_of(2, labels=3)
    features[4, 1] = eye[0]
    # Bob's item 5 is split in two at drawing 2 (not one character): wrong before and after. His item 4 is
    # split at drawing 0: misread, but there is no one character to teach.
    whole = np.ones((6, 3), dtype=bool)
    whole[5, 2] = False
    whole[4, 0] = False
    probabilities[4, 0] = sure_of(0, labels=3)
    counts = taught_once(features=features, probabilities=probabilities, labels=labels, groups=groups, rule=RULE, whole=whole)
    assert counts["groups"]["ann"] == {"read": 6, "right_before": 4, "right_after": 5, "fixed": 2, "broke": 1, "taught": 1}
    assert counts["groups"]["bob"] == {"read": 6, "right_before": 5, "right_after": 5, "fixed": 0, "broke": 0, "taught": 1}
    assert {name: counts[name] for name in ("read", "right_before", "right_after", "fixed", "broke", "taught")} == {
        "read": 12, "right_before": 9, "right_after": 10, "fixed": 2, "broke": 1, "taught": 2,
    }
    with pytest.raises(ValueError, match="expected"):
        taught_once(features=features[:, :1], probabilities=probabilities[:, :1], labels=labels, groups=groups, rule=RULE)


def test_python_and_javascript_blend_alike(tmp_path):
    # The same characters (float32 probabilities and features) and the same taught drawings through
    # training/recognise.py `blend` and the page's site/js/recognise.js `name` with the shipped digits
    # metadata.json: the same labels, character for character. The features are taught rows plus noise of
    # several sizes, so that many fall on each side of the similarity threshold and many just over it (a partial
    # gain, where a change of the weight or the similarity by 5 % changes some labels). Made-up features are no
    # model's: the judge of ink that is no digit ("other", 96 features) is left out of this copy of the metadata.
    rng = np.random.default_rng(11)
    size, count = 16, 300
    taught_features = rng.normal(size=(6, size)).astype(np.float32)
    taught_labels = rng.integers(0, 10, size=6)
    near = taught_features[rng.integers(0, 6, size=count)]
    noise = rng.choice([0.05, 0.3, 0.4, 0.45, 0.5, 0.55, 2.0], size=(count, 1)) * rng.normal(size=(count, size))
    features = (near + noise * np.linalg.norm(near, axis=1, keepdims=True) / np.sqrt(size)).astype(np.float32)
    probabilities = rng.dirichlet(np.full(10, 0.3), size=count).astype(np.float32)
    drawings = [([(0, 30 * i, 40, 30 * i + 20) for i in range(len(rows))], probabilities[rows]) for rows in np.array_split(np.arange(count), 60)]
    per_drawing = [features[rows] for rows in np.array_split(np.arange(count), 60)]
    labels = json.loads(DIGITS_METADATA.read_text())["labels"]
    rule = Corrections(**json.loads(DIGITS_METADATA.read_text())["corrections"])
    python_read = blend(probabilities, features, taught_features, taught_labels, rule).argmax(axis=1)
    python = ["".join(labels[i] for i in python_read[rows]) for rows in np.array_split(np.arange(count), 60)]
    metadata = json.loads(DIGITS_METADATA.read_text())
    del metadata["other"]
    (tmp_path / "metadata.json").write_text(json.dumps(metadata))
    javascript = run_js_read(drawings, tmp_path / "metadata.json", features=per_drawing, taught=(taught_features, taught_labels))
    assert javascript == python
    cosine = (features / np.linalg.norm(features, axis=1, keepdims=True)) @ (taught_features / np.linalg.norm(taught_features, axis=1, keepdims=True)).T
    crossing = (cosine > rule.similarity).any(axis=1)
    assert 60 < crossing.sum() < count - 60, "too few characters on one side of the threshold"
    assert (python_read != probabilities.argmax(axis=1)).sum() > 30, "the blend changed too few readings to prove anything"


def test_a_bar_taught_alone_leaves_words_to_the_height_rule():
    # The letters task's I/l: a bare bar, the model half I and half L. Taught alone as an I (its features the
    # taught drawing's), a lone bar reads I; but in a word, whose other letters say how tall a capital is, the
    # height rule decides on the model's own probabilities, in Python (`read`) and on the page (`name`) alike:
    # as tall as the capitals, an I; towering over x-height letters, an l.
    metadata = json.loads(LETTERS_METADATA.read_text())
    labels, rule = metadata["labels"], Corrections(**metadata["corrections"])
    rules = Rules.from_metadata(metadata)
    bar_features, other_features = np.eye(8, dtype=np.float32)[:2]
    bar = np.full(26, 0.05 / 24, dtype=np.float32)
    bar[labels.index("I")], bar[labels.index("L")] = 0.47, 0.48
    taught = (bar_features[None], np.array([labels.index("I")]))

    def letter(label: str) -> np.ndarray:
        return sure_of(labels.index(label), labels=26).astype(np.float32)

    drawings = {  # heights, probabilities, features; what both must read
        "lone bar": ([100], [bar], [bar_features], "I"),
        "m and a towering bar": ([60, 100], [letter("M"), bar], [other_features, bar_features], "ML"),
        "M and a bar as tall": ([100, 100], [letter("M"), bar], [other_features, bar_features], "MI"),
    }
    python, boxes = [], []
    for heights, probabilities, features, _ in drawings.values():
        probabilities, features = np.array(probabilities), np.array(features)
        blended = blend(probabilities, features, *taught, rule)
        drawing_boxes = [(0, 30 * i, height - 1, 30 * i + 20) for i, height in enumerate(heights)]
        python.append("".join(labels[index] for index in read(drawing_boxes, probabilities, labels, rules, blended)))
        boxes.append((drawing_boxes, probabilities))
    javascript = run_js_read(boxes, LETTERS_METADATA, features=[np.array(f) for _, _, f, _ in drawings.values()], taught=taught)
    assert python == javascript == [expected for *_, expected in drawings.values()]


@pytest.mark.parametrize("task", sorted(TASKS))
def test_each_tasks_metadata_carries_its_corrections_rule(task):
    metadata = json.loads((ROOT / "site" / "models" / task / "metadata.json").read_text())
    assert metadata["corrections"] == dataclasses.asdict(TASKS[task].corrections)


def test_the_features_are_what_the_last_layer_reads():
    import tf_keras as keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(5, activation="relu"), keras.layers.Dense(3, activation="softmax")])
    images = np.random.default_rng(0).integers(0, 256, size=(4, 28, 28)).astype(np.uint8)
    features, probabilities = features_and_probabilities(model, images)
    weights, bias = model.layers[-1].get_weights()
    hidden = np.maximum(images.reshape(4, -1) / 255.0 @ model.layers[-2].get_weights()[0] + model.layers[-2].get_weights()[1], 0)
    np.testing.assert_allclose(features, hidden, rtol=1e-4, atol=1e-5)
    logits = features @ weights + bias
    np.testing.assert_allclose(probabilities, np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True), rtol=1e-4)
    float_features, _ = features_and_probabilities(model, images / 255.0)  # float in [0, 1]: taken as is
    np.testing.assert_allclose(float_features, features, rtol=1e-5, atol=1e-6)


# site/js/corrections.js in Node, with a Map standing in for localStorage: what is kept is read back (one byte a
# pixel), what does not fit the model (an unknown label, another size, not base64, not JSON) is left out rather
# than failing the page, and a storage that refuses says so.
KEEP_AND_READ = """
const { loadTaught, saveTaught, TAUGHT_LIMIT } = await import('./site/js/corrections.js');
const map = new Map();
const storage = { getItem: (key) => map.get(key) ?? null, setItem: (key, value) => map.set(key, String(value)), removeItem: (key) => map.delete(key) };
const metadata = { labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], input: { shape: [28, 28, 1] } };
const input = Float32Array.from({ length: 784 }, (_, index) => (index * 37 % 1000) / 1000);
const result = {};
result.saved = saveTaught(storage, 'digits', [{ label: '9', input }, { label: '4', input: new Float32Array(784) }]);
const back = loadTaught(storage, 'digits', metadata);
result.labels = back.map((item) => item.label);
result.largestError = Math.max(...back[0].input.map((value, index) => Math.abs(value - input[index])));
result.otherTask = loadTaught(storage, 'letters', metadata).length;
const stored = JSON.parse(map.get('inkwell.taught.digits'));
map.set('inkwell.taught.digits', JSON.stringify([...stored, { label: 'A', input: stored[0].input }, { label: '1', input: 'AAAA' }, { label: '2', input: '%%' }, { label: '3' }, 7]));
result.filtered = loadTaught(storage, 'digits', metadata).map((item) => item.label);
map.set('inkwell.taught.digits', JSON.stringify(Array.from({ length: TAUGHT_LIMIT + 10 }, (_, index) => ({ label: String(index % 10), input: stored[0].input }))));
result.kept = loadTaught(storage, 'digits', metadata).map((item) => item.label).join('');
result.limit = TAUGHT_LIMIT;
map.set('inkwell.taught.digits', '{not json');
result.notJson = loadTaught(storage, 'digits', metadata).length;
result.forgot = saveTaught(storage, 'digits', []) && !map.has('inkwell.taught.digits');
result.refused = saveTaught({ setItem() { throw new Error('QuotaExceededError'); } }, 'digits', [{ label: '9', input }]);
result.noStorage = loadTaught(null, 'digits', metadata).length;
console.log(JSON.stringify(result));
"""


def test_taught_drawings_are_kept_read_back_and_never_break_the_page():
    result = subprocess.run(["node", "--input-type=module", "-e", KEEP_AND_READ], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["saved"] is True and outcome["labels"] == ["9", "4"]
    assert outcome["largestError"] <= 0.5 / 255 + 1e-6  # one byte a pixel, rounded
    assert outcome["otherTask"] == 0
    assert outcome["filtered"] == ["9", "4"]
    # At most TAUGHT_LIMIT (each costs start-up time: about 6 ms at 4x CPU throttle), the last ones taught.
    assert outcome["limit"] == 50 and outcome["kept"] == "".join(str(index % 10) for index in range(10, 60))
    assert outcome["notJson"] == 0 and outcome["noStorage"] == 0
    assert outcome["forgot"] is True and outcome["refused"] is False
