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


def test_a_number_is_one_writers_digits_side_by_side_not_touching_and_on_the_pad():
    numbers = writers.writer_numbers("validation", lengths=(2, 5), count=20, seed=1)
    assert len(numbers) == 40 and [len(digits) for _, digits in numbers] == [2] * 20 + [5] * 20
    for strokes, digits in numbers:
        points = np.concatenate(strokes)
        assert points.min() >= 0 and points.max() <= 280, "the number leaves the pad"
    with pytest.raises(ValueError, match="one writer"):
        writers.compose_writer_number(writers.split_samples("validation")[:40], "12", np.random.default_rng(0))


@pytest.mark.parametrize("gap", [writers.NUMBER_GAP, writers.CLOSE_GAP], ids=["spaced", "written-close"])
def test_digits_of_a_number_keep_the_gap_asked(gap):
    # Each digit's strokes, shifted into place, keep between gap[0] and gap[1] of the median height of paper
    # from the last digit's (the pen, drawn around them, may still bridge a close one).
    rng = np.random.default_rng(7)
    split = writers.split_samples("test")
    writer = split[0].writer
    # One sample of each digit, so which sample drew each digit (and its strokes) is known.
    samples = [next(sample for sample in split if sample.writer == writer and sample.label == label) for label in range(10)]
    for _ in range(20):
        digits = "".join(str(d) for d in rng.integers(0, 10, size=5))
        strokes = writers.compose_writer_number(samples, digits, rng, gap=gap)
        # Stroke groups follow the digits in writing order; each digit's strokes start right of the last's end.
        boxes, index = [], 0
        for digit in digits:
            count = len(next(s for s in samples if s.label == int(digit)).strokes)
            boxes.append(np.concatenate(strokes[index : index + count]))
            index += count
        assert index == len(strokes)
        heights = [np.ptp(box[:, 1]) for box in boxes]
        for left, right in zip(boxes, boxes[1:]):
            paper = right[:, 0].min() - left[:, 0].max()
            assert gap[0] * np.median(heights) - 1e-6 <= paper <= gap[1] * np.median(heights) + 1e-6


def test_numbers_written_close_are_the_same_writers_and_digits():
    spaced = writers.writer_numbers("validation", lengths=(3,), count=10, seed=4)
    close = writers.writer_numbers("validation", lengths=(3,), count=10, seed=4, gap=writers.CLOSE_GAP)
    assert [digits for _, digits in close] == [digits for _, digits in spaced]
    assert [len(strokes) for strokes, _ in close] == [len(strokes) for strokes, _ in spaced]


def test_single_digits_fit_the_pad_at_a_height_people_draw():
    drawn = writers.writer_digits("validation")
    assert len(drawn) == 120
    for strokes, _ in drawn:
        points = np.concatenate(strokes)
        assert points.min() >= -1e-9 and points.max() <= 280 + 1e-9
        assert np.ptp(points[:, 1]) <= writers.DIGIT_HEIGHT[1] + 1e-9


def test_the_recognition_pen_thins_with_small_writing():
    from training.strokes import page_drawing, recognition_pens

    def recognition_pen(strokes, drawing=page_drawing()):
        return recognition_pens(strokes, drawing)[0]

    drawing = page_drawing()
    tall = [np.array([[100.0, 20.0], [100.0, 20.0 + drawing["fullPenHeight"] * 280]])]
    assert recognition_pen(tall) == drawing["penWidth"]
    half = [np.array([[100.0, 20.0], [100.0, 20.0 + drawing["fullPenHeight"] * 140]])]
    assert recognition_pen(half) == drawing["penWidth"] / 2
    assert recognition_pen([np.array([[5.0, 5.0]])]) == drawing["thinnestPen"] * drawing["penWidth"]
    assert recognition_pen(half, {**drawing, "thinnestPen": 1.0}) == drawing["penWidth"]
