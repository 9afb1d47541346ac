"""Real writers' digits (training/writers.py): the split is by writer, fixed, and the samples replay as drawn."""

import json

import numpy as np
import pytest

from training import writers


def test_the_split_is_by_writer_disjoint_and_fixed():
    samples = writers.load_samples()
    split = writers.writer_split([sample.writer for sample in samples])
    assert {name: len(ids) for name, ids in split.items()} == writers.SPLIT_SIZES
    assert set(split["train"]).isdisjoint(split["validation"]) and set(split["train"]).isdisjoint(split["test"])
    assert set(split["validation"]).isdisjoint(split["test"])
    # Fixed: a change of seed or order would move writers between the training and test sides.
    assert split["test"] == [7, 8, 9, 11, 19, 21, 25, 26, 28, 29]
    test = writers.split_samples("test")
    assert len(test) == 200 and {sample.writer for sample in test} == set(split["test"])
    assert sorted(np.bincount([sample.label for sample in test])) == [20] * 10


def test_the_attribution_travels_with_the_data():
    document = json.loads(writers.DATA_FILE.read_text())
    assert "UJI Pen Characters" in document["source"] and "CC BY 4.0" in document["license"]


def test_a_sample_is_drawn_at_the_height_asked(tmp_path):
    sample = writers.split_samples("validation")[0]
    ink = writers.draw_sample(sample, height=100, pen_width=10)
    rows = np.nonzero(ink.max(axis=1) > 0.5)[0]
    assert 100 <= rows.max() - rows.min() + 1 <= 112  # the height plus up to a pen width of round caps


def test_a_missing_or_broken_file_is_one_line_naming_it(tmp_path):
    with pytest.raises(ValueError, match="missing.json: not found"):
        writers.load_samples(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ValueError, match="broken.json: cannot be read"):
        writers.load_samples(broken)
