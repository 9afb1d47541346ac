"""Digits in the styles MNIST lacks (training/digit_styles.py): shapes, labels, determinism, and only the
training writers' strokes."""

import json

import numpy as np
import pytest

from training import digit_styles, writers


def test_a_set_has_page_shaped_drawings_of_every_digit_and_source():
    styles = digit_styles.style_set(80, seed=3, cache=False, workers=1)
    assert styles.images.shape == (80, 28, 28) and styles.images.dtype == np.uint8
    assert styles.labels.shape == styles.source.shape == styles.writer.shape == (80,)
    assert set(styles.labels) <= set(range(10)) and len(set(styles.labels)) >= 8
    assert set(styles.source) == set(range(len(digit_styles.SOURCES)))
    # Every drawing has ink, the darkest pixel at full ink (the page's preprocessing normalises so).
    assert np.all(styles.images.reshape(80, -1).max(axis=1) == 255)
    # As the page centres them: the box 20 px on its long side inside 28 x 28.
    rows = (styles.images > 50).any(axis=2).sum(axis=1)
    cols = (styles.images > 50).any(axis=1).sum(axis=1)
    assert np.all(np.maximum(rows, cols) >= 18) and np.all(np.maximum(rows, cols) <= 22)
    # Templates and fonts have no writer; real strokes do.
    names = np.array(digit_styles.SOURCES)[styles.source]
    assert np.all(styles.writer[names != "writers"] == -1) and np.all(styles.writer[names == "writers"] >= 0)


def test_a_set_of_chosen_styles_draws_only_those_templates(monkeypatch):
    styles = digit_styles.style_set(60, seed=3, cache=False, workers=1, styles=digit_styles.MISSING_STYLES)
    assert set(styles.labels) == set(digit_styles.MISSING_STYLES)
    assert np.all(styles.source == digit_styles.SOURCES.index("templates")) and np.all(styles.writer == -1)
    # Each drawing is one of the chosen templates: with one template a digit, every 1 is that template's drawing.
    drawn = []
    monkeypatch.setattr(digit_styles, "draw_digit", lambda strokes, rng, config: drawn.append(strokes) or np.zeros((28, 28), np.uint8))
    digit_styles.style_set(20, seed=3, cache=False, workers=1, styles={1: (4,)})
    expected = digit_styles.parse_template(digit_styles.TEMPLATES[1][4])
    assert len(drawn) == 20 and all(len(d) == len(expected) and all(np.array_equal(a, b) for a, b in zip(d, expected)) for d in drawn)
    # The cache key tells a chosen set from a set of every source.
    config = digit_styles.load_config()
    assert digit_styles.cache_key(60, 3, writers.DATA_FILE, config) != digit_styles.cache_key(60, 3, writers.DATA_FILE, config, digit_styles.MISSING_STYLES)


def test_templates_added_later_are_drawn_only_by_a_pool_that_names_them(monkeypatch):
    later = digit_styles.LATER_TEMPLATES
    assert all(set(indices) <= set(digit_styles.POOLS["missing-round-4"][label]) for label, indices in later.items())
    assert not any(set(indices) & set(digit_styles.MISSING_STYLES.get(label, ())) for label, indices in later.items())
    # Pool "all" draws what it drew before they were added: the same set as with them taken out of TEMPLATES.
    digit_styles._sources.cache_clear()
    now = digit_styles.style_set(80, seed=4, cache=False, workers=1)
    before = {label: tuple(t for i, t in enumerate(templates) if i not in later.get(label, ())) for label, templates in digit_styles.TEMPLATES.items()}
    monkeypatch.setattr(digit_styles, "TEMPLATES", before)
    monkeypatch.setattr(digit_styles, "LATER_TEMPLATES", {})
    digit_styles._sources.cache_clear()
    try:
        assert np.array_equal(digit_styles.style_set(80, seed=4, cache=False, workers=1).images, now.images)
    finally:
        digit_styles._sources.cache_clear()


def test_the_same_seed_gives_the_same_set_whatever_the_processes(monkeypatch):
    monkeypatch.setattr(digit_styles, "CHUNK", 15)  # several chunks from few drawings
    one = digit_styles.style_set(30, seed=5, cache=False, workers=1)
    two = digit_styles.style_set(30, seed=5, cache=False, workers=2)
    assert np.array_equal(one.images, two.images) and np.array_equal(one.labels, two.labels)
    other = digit_styles.style_set(30, seed=6, cache=False, workers=1)
    assert not np.array_equal(one.images, other.images)


def changed_copy(tmp_path, writer_ids, name):
    """The data file with the strokes of `writer_ids` mirrored (so any drawing of them would differ)."""
    document = json.loads(writers.DATA_FILE.read_text())
    for writer in document["writers"]:
        if writer["writer"] in writer_ids:
            for sample in writer["samples"]:
                sample["strokes"] = [[[-x, y * 0.5] for x, y in np.asarray(stroke).reshape(-1, 2).tolist()] for stroke in sample["strokes"]]
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def test_only_the_training_writers_strokes_are_drawn(tmp_path):
    split = writers.writer_split([sample.writer for sample in writers.load_samples()])
    original = digit_styles.style_set(60, seed=7, cache=False, workers=1)
    assert set(original.writer[original.writer >= 0]) <= set(split["train"])
    assert (original.writer >= 0).sum() > 10
    assert {sample.writer for sample in digit_styles.training_samples()} == set(split["train"])
    # Changing every validation and test writer's strokes changes nothing...
    held_out = changed_copy(tmp_path, set(split["validation"]) | set(split["test"]), "held-out-changed.json")
    assert np.array_equal(digit_styles.style_set(60, seed=7, path=held_out, cache=False, workers=1).images, original.images)
    # ...while changing the training writers' strokes does (so the check above can fail).
    trained = changed_copy(tmp_path, set(split["train"]), "train-changed.json")
    assert not np.array_equal(digit_styles.style_set(60, seed=7, path=trained, cache=False, workers=1).images, original.images)


@pytest.mark.parametrize("label", range(10))
def test_every_template_draws_a_digit(label):
    assert digit_styles.TEMPLATES[label]
    for index in range(len(digit_styles.TEMPLATES[label])):
        image = digit_styles.template_drawing(label, index, seed=index)
        assert image.shape == (28, 28) and image.max() == 255 and (image > 50).sum() > 20


def test_the_set_is_cached_under_a_key_of_code_data_and_settings(tmp_path, monkeypatch):
    monkeypatch.setattr(digit_styles, "CACHE_DIR", tmp_path)
    first = digit_styles.style_set(12, seed=2, workers=1)
    assert len(list(tmp_path.glob("digit-styles-*.npz"))) == 1
    again = digit_styles.style_set(12, seed=2, workers=1)
    assert np.array_equal(first.images, again.images)
    digit_styles.style_set(12, seed=3, workers=1)
    assert len(list(tmp_path.glob("digit-styles-*.npz"))) == 2
    assert not list(tmp_path.glob("*.tmp*"))
