"""Two digits joined by ink (training/joined.py): the judge, the cut, and the reading that keeps a cut only when it scores higher."""

import json

import numpy as np
import pytest

from training import joined, other, writers
from training.preprocess import PreprocessConfig

CONFIG = PreprocessConfig()


def test_a_cut_falls_at_the_column_of_least_ink_in_the_middle_and_trims_each_part():
    crop = np.zeros((10, 20))
    crop[2:8, 1:9] = 1.0  # a left digit
    crop[1:9, 11:19] = 1.0  # a right digit
    crop[4, 9:11] = 0.5  # the pen's bridge between them
    parts = joined.cut(crop, joined.Joined(weights=(), bias=0.0), CONFIG.inkThreshold)
    (left_top, left_left, left), (right_top, right_left, right) = parts
    assert (left_top, left_left, left.shape) == (2, 1, (6, 8))
    assert (right_top, right_left, right.shape) == (1, 9, (8, 10))  # the column cut at (the bridge's first) begins the right part
    # Ink only at the edges: no middle column to cut at without leaving one part empty.
    edge = np.zeros((10, 20))
    edge[:, 0] = 1.0
    assert joined.cut(edge, joined.Joined(weights=(), bias=0.0), CONFIG.inkThreshold) is None


def fake_look(crops):
    """A stand-in model: 'digit' 1 for a narrow crop, 8 for a wide one, sure of either; features: its width/height."""
    aspects = np.array([crop.shape[1] / crop.shape[0] for crop in crops])
    probabilities = np.full((len(crops), 10), 0.01)
    probabilities[np.arange(len(crops)), np.where(aspects > 1.2, 8, 1)] = 0.91
    return aspects[:, None], probabilities


@pytest.mark.parametrize("bias, read", [(-50.0, "8"), (-30.0, "11")])
def test_a_character_judged_joined_is_read_as_its_parts_only_when_they_score_higher(bias, read):
    crop = np.zeros((10, 20))
    crop[:, 1:9] = 1.0
    crop[:, 11:19] = 1.0
    crop[4, 9:11] = 1.0
    # The judge's inputs: the stand-in's one feature (the aspect: 2 whole, 0.8 and 1 for the parts), log top
    # probability, log aspect. At bias -30 the whole is judged joined and the parts not; at -50 nothing is.
    rule = joined.Joined(weights=(20.0, 0.0, 0.0), bias=bias, threshold=0.9, depth=1)
    characters = joined.read_crops([((5, 50, 14, 69), crop)], fake_look, rule, CONFIG.inkThreshold)
    assert "".join(str(int(probabilities.argmax())) for _, probabilities, _ in characters) == read
    if read == "11":  # each part's box in canvas pixels
        assert [box for box, _, _ in characters] == [(5, 51, 14, 58), (5, 59, 14, 68)]


def test_parts_that_score_lower_than_the_whole_leave_it_whole():
    crop = np.zeros((10, 20))
    crop[:, 1:19] = 1.0
    rule = joined.Joined(weights=(0.0, 0.0, 0.0), bias=2.3, threshold=0.9, depth=1)  # P(joined) 0.909: judged joined

    def unsure_of_parts(crops):
        features, probabilities = fake_look(crops)
        if len(crops) == 2:
            probabilities[:] = 0.1  # the parts read as anything
        return features, probabilities

    characters = joined.read_crops([((0, 0, 9, 19), crop)], unsure_of_parts, rule, CONFIG.inkThreshold)
    assert len(characters) == 1


def test_the_strokes_cut_a_character_midway_between_two_tall_groups_lying_apart():
    box, width = (10, 100, 60, 159), 60  # (top, left, bottom, right), a crop 51 x 60
    two = [(12.0, 58.0, 101.0, 126.0), (14.0, 57.0, 132.0, 157.0)]  # (top, bottom, left, right): two digits
    assert joined.stroke_cut(box, width, two) == 29  # midway between 126 and 132, in the crop's columns
    # A dash, a point or a 5's flag is no digit: under 0.4 of the character's height.
    assert joined.stroke_cut(box, width, [two[0], (30.0, 33.0, 132.0, 150.0)]) is None
    # Not where a stroke runs on: an underline touching both digits.
    assert joined.stroke_cut(box, width, [*two, (56.0, 59.0, 100.0, 158.0)]) is None
    # Not at the crop's edge, nor for groups centred outside the box.
    assert joined.stroke_cut(box, width, [(12.0, 58.0, 101.0, 100.5), (14.0, 57.0, 102.0, 157.0)]) is None
    assert joined.stroke_cut(box, width, [two[0], (14.0, 57.0, 162.0, 190.0)]) is None
    # Of three digits, the cut nearest the middle.
    three = [(12.0, 58.0, 101.0, 115.0), (12.0, 58.0, 120.0, 140.0), (12.0, 58.0, 145.0, 158.0)]
    assert joined.stroke_cut(box, width, three) == 42


def test_the_page_s_stroke_rules_have_python_s_settings():
    import re

    script = (joined.ROOT / "site" / "js" / "joined.js").read_text()
    assert float(re.search(r"const GROUP_HEIGHT = ([\d.]+);", script).group(1)) == joined.GROUP_HEIGHT
    assert float(re.search(r"const MARK_HEIGHT = ([\d.]+);", script).group(1)) == joined.MARK_HEIGHT


def test_a_short_stroke_group_beside_a_digit_below_its_top_third_is_a_glued_mark():
    box = (10, 100, 60, 140)  # (top, left, bottom, right)
    digit = (12.0, 58.0, 101.0, 126.0)  # (top, bottom, left, right): 46 tall
    assert joined.glued_marks([box], [digit, (55.0, 57.0, 131.0, 133.0)]) == 1  # a point on its foot
    assert joined.glued_marks([box], [digit, (34.0, 36.0, 128.0, 138.0)]) == 1  # a dash at its middle
    assert joined.glued_marks([box], [digit, (13.0, 15.0, 128.0, 138.0)]) == 0  # a 5's flag drawn apart, on top
    assert joined.glued_marks([box], [digit, (34.0, 36.0, 110.0, 130.0)]) == 0  # a bar across it
    assert joined.glued_marks([box], [digit, (30.0, 45.0, 128.0, 138.0)]) == 0  # 15 tall: a third of the digit
    assert joined.glued_marks([box], [(55.0, 57.0, 131.0, 133.0)]) == 0  # no digit in the box
    assert joined.glued_marks([box, (10, 150, 60, 190)], [digit, (55.0, 57.0, 131.0, 133.0), (20.0, 58.0, 151.0, 170.0), (40.0, 42.0, 175.0, 185.0)]) == 2


def test_the_page_counts_glued_marks_as_python_does(tmp_path):
    # joined.js gluedMarks and its twin on the validation writers' numbers with a point, comma or dash (the
    # characters' boxes as preprocess finds them, the strokes' groups): the same counts, and many of them not 0.
    import subprocess

    from training.drawing import to_rgba
    from training.strokes import draw_page, stroke_groups

    drawings = [item[0] for function in (writers.writer_pointed_numbers, writers.writer_dashed_numbers) for item in function("validation", 40)]
    cases = []
    for strokes in drawings:
        boxes = [box for line in joined.segmented(to_rgba(draw_page(strokes)), CONFIG) for box, _ in line]
        cases.append((boxes, stroke_groups(strokes)))
    (tmp_path / "cases.json").write_text(json.dumps([[[dict(zip(("top", "left", "bottom", "right"), box)) for box in boxes], groups] for boxes, groups in cases]))
    script = "import('./site/js/joined.js').then((j) => console.log(JSON.stringify(JSON.parse(require('fs').readFileSync(process.argv[1])).map(([boxes, groups]) => j.gluedMarks(boxes, groups)))))"
    theirs = json.loads(subprocess.run(["node", "-e", script, str(tmp_path / "cases.json")], cwd=joined.ROOT, capture_output=True, text=True, check=True).stdout)
    ours = [joined.glued_marks(boxes, groups) for boxes, groups in cases]
    assert theirs == ours
    assert sum(count > 0 for count in ours) >= 10, ours


def test_a_character_the_strokes_say_is_two_is_cut_though_not_judged_joined():
    crop = np.zeros((10, 20))
    crop[:, 1:9] = 1.0
    crop[:, 11:19] = 1.0
    crop[4, 9:11] = 1.0
    rule = joined.Joined(weights=(0.0, 0.0, 0.0), bias=-50.0, threshold=0.9, depth=1)  # P(joined) 0: never judged joined

    def unsure_of_wholes(crops):  # sure of a narrow crop's 1, unsure of a wide crop's 8
        features, probabilities = fake_look(crops)
        probabilities[features[:, 0] > 1.2] = 0.1
        return features, probabilities

    box = (5, 50, 14, 69)
    groups = [(5.0, 14.0, 51.0, 58.0), (5.0, 14.0, 61.0, 68.0)]
    read = lambda groups: "".join(str(int(p.argmax())) for _, p, _ in joined.read_crops([(box, crop)], unsure_of_wholes, rule, CONFIG.inkThreshold, groups))
    assert read(None) == "0"  # whole: the unsure 8's probabilities are all 0.1, argmax 0
    assert read(groups) == "11"
    assert read(groups[:1]) == "0"


def test_the_logistic_fit_separates_what_it_can_and_folds_in_its_standardisation():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3)) * [1.0, 10.0, 0.1] + [0.0, 50.0, 0.0]
    y = (x[:, 0] + (x[:, 1] - 50.0) / 10.0 > 0).astype(float)
    weights, bias = joined.fit_logistic(x, y, l2=1.0)
    predicted = 1 / (1 + np.exp(-(x @ weights + bias)))  # on the raw inputs: the standardisation is folded in
    assert ((predicted > 0.5) == y).mean() > 0.97


def test_a_segment_covering_two_written_digits_is_labelled_joined():
    spans = [(10.0, 40.0), (45.0, 75.0)]
    assert joined.covers_two((0, 12, 50, 73), spans)
    assert not joined.covers_two((0, 12, 50, 41), spans)


def test_compose_by_digit_writes_the_same_strokes_as_a_number():
    samples = [sample for sample in writers.split_samples("validation") if sample.writer == writers.split_samples("validation")[0].writer]
    number = writers.compose_writer_number(samples, "407", np.random.default_rng(3))
    by_digit = writers.compose_by_digit(samples, "407", np.random.default_rng(3))
    assert len(by_digit) == 3
    assert all(np.array_equal(a, b) for a, b in zip(number, [stroke for digit in by_digit for stroke in digit]))


def test_the_judge_is_used_only_with_the_model_it_was_fitted_to(tmp_path):
    model = tmp_path / "model.h5"
    model.write_bytes(b"weights")
    rule = joined.Joined(weights=(1.0, 2.0), bias=-1.0)
    (tmp_path / joined.JUDGE_FILE).write_text(json.dumps({"judge": rule.metadata(), "model_sha256": joined.sha256_of(model)}))
    assert joined.load_for(model) == rule
    model.write_bytes(b"other weights")
    assert joined.load_for(model) is None


def test_the_committed_judge_was_fitted_to_the_committed_digits_model_and_ships_with_it():
    judge = joined.load_for(joined.ROOT / "models" / "digits" / "model.h5")
    assert judge is not None
    metadata = json.loads((joined.ROOT / "site" / "models" / "digits" / "metadata.json").read_text())
    assert joined.Joined.from_metadata(metadata["joined"]) == judge


@pytest.mark.slow
def test_the_page_reads_joined_digits_as_python_does():
    # The same 100 validation writers' numbers written close, read by the page's code in Node (TF.js, the shipped
    # uint8 model, recognise.js with joined.js, given the strokes' groups as pad.js gives them, and without) and
    # by training/joined.py (Keras, the same weights dequantised): the same texts, and the judge's cuts and the
    # strokes' cuts each change many of them (a page that never cut would fail here).
    import tf_keras as keras

    from convert import dequantised
    from training.drawing import to_rgba
    from training.preprocess import load_config
    from training.strokes import draw_page, stroke_groups
    from training.webruntime import run_page_read

    web = joined.ROOT / "site" / "models" / "digits"
    metadata = json.loads((web / "metadata.json").read_text())
    rule, config = joined.Joined.from_metadata(metadata["joined"]), load_config(web / "metadata.json")
    refusal = other.Other.from_metadata(metadata["other"])  # the page's judge of ink that is no digit, as it reads
    numbers = writers.writer_numbers("validation", count=25, seed=writers.SEED, gap=writers.CLOSE_GAP)
    canvases = np.stack([to_rgba(draw_page(strokes, metadata["drawing"])) for strokes, _ in numbers])
    model = dequantised(keras.models.load_model(joined.ROOT / "models" / "digits" / "model.h5", compile=False), metadata["quantization"])
    look = joined.keras_look(model, config)
    groups = [stroke_groups(strokes) for strokes, _ in numbers]
    page = run_page_read(web, canvases, groups=groups)
    python = [joined.read_text(canvas, look, rule, config, refusal, strokes) for canvas, strokes in zip(canvases, groups)]
    by_ink = [joined.read_text(canvas, look, rule, config, refusal) for canvas in canvases]
    uncut = [joined.read_text(canvas, look, None, config, refusal) for canvas in canvases]
    print("cut by the judge:", sum(a != b for a, b in zip(by_ink, uncut)), "by the strokes:", sum(a != b for a, b in zip(python, by_ink)), "of", len(numbers))
    assert page == python
    assert run_page_read(web, canvases) == by_ink
    assert sum(a != b for a, b in zip(by_ink, uncut)) >= 5  # 7 of these 100: the judge's cuts
    assert sum(a != b for a, b in zip(python, by_ink)) >= 3  # 7 of these 100: the strokes' cuts
    right = lambda texts: sum(text == digits for text, (_, digits) in zip(texts, numbers))
    assert right(page) > right(by_ink) > right(uncut)


@pytest.mark.slow
@pytest.mark.parametrize("module", [joined, other], ids=["joined", "other"])
def test_the_committed_judge_is_what_the_pipeline_fits_to_the_committed_model(tmp_path, module):
    # The fit, from the training writers' strokes (and, for the judge of ink that is no digit, the fonts' letters,
    # the doodles and MNIST's digits) to the integer weights: the committed joined.json and other.json (their examples
    # are drawn once a machine, minutes, and cached in runs/cache/). Byte for byte on the machines they were made on,
    # but TensorFlow's float sums follow the CPU's instruction set: on an AMD EPYC without AVX-512 the same examples
    # gave features that moved 5 of the 98 weights by one in their 5th significant digit (0.062746 vs 0.062747), which
    # may move an integer weight by one. So the same judge to within one; another fit moves them far more.
    import shutil

    import tf_keras as keras

    from training.strokes import page_drawing

    source = joined.ROOT / "models" / "digits"
    shutil.copy(source / "model.h5", tmp_path / "model.h5")
    model = keras.models.load_model(tmp_path / "model.h5", compile=False)
    module.fit_and_keep(model, tmp_path / "model.h5", PreprocessConfig(), page_drawing())
    fitted, committed = (json.loads((folder / module.JUDGE_FILE).read_text()) for folder in (tmp_path, source))
    numbers = lambda judge: np.array(judge["weights"] + [judge["bias"]])  # noqa: E731
    np.testing.assert_allclose(numbers(fitted["judge"]), numbers(committed["judge"]), rtol=0, atol=1)
    np.testing.assert_allclose(fitted["judge"]["scale"], committed["judge"]["scale"], rtol=2e-4)
    for record in (fitted, committed):
        del record["judge"]["weights"], record["judge"]["bias"], record["judge"]["scale"]
    assert fitted == committed


@pytest.mark.slow
def test_a_release_of_a_digits_model_fits_the_judge_to_it_and_ships_it(tmp_path, capsys):
    # A retrained digits model has no judge: the release fits one to it and keeps it in the run (the Keras source
    # folder gets it with the model), so the page still cuts joined digits. The next release finds it there.
    import tf_keras as keras

    import convert

    run = tmp_path / "runs" / "small" / "20260101-000000"
    run.mkdir(parents=True)
    keras.utils.set_random_seed(0)
    layers = keras.layers
    model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(4, 5, strides=2, activation="relu"), layers.Flatten(), layers.Dense(10, activation="softmax")], name="small")
    model.save(run / "model.h5")
    metadata = convert.convert(run, tmp_path / "web", quantize="float32", source_dir=tmp_path / "source", min_accuracy=0, force=True)
    judge = joined.load_for(run / "model.h5")
    assert judge is not None and len(judge.weights) == 12 * 12 * 4 + 2
    assert joined.Joined.from_metadata(metadata["joined"]) == judge
    assert joined.load_for(tmp_path / "source" / "model.h5") == judge
    assert "fitting the judge" in capsys.readouterr().out
    convert.convert(run, tmp_path / "web", quantize="float32", min_accuracy=0, force=True)
    assert "fitting the judge" not in capsys.readouterr().out


@pytest.mark.slow
def test_the_page_reads_lines_drawn_apart_as_python_does():
    # Validation writers' numbers wrapped under themselves 0.1 of their height apart, where one line's ink often touches
    # the other's: read by the page's code in Node given each line drawn apart (strokes.digits_page, as pad.js
    # toImageData draws them) and by training/joined.py read_strokes: the same texts; and many of them other than
    # what the whole canvas reads (a page that ignored the lines would fail here).
    import tf_keras as keras

    from convert import dequantised
    from training.drawing import to_rgba
    from training.preprocess import load_config
    from training.strokes import digits_page
    from training.webruntime import run_page_read

    web = joined.ROOT / "site" / "models" / "digits"
    metadata = json.loads((web / "metadata.json").read_text())
    rule, config = joined.Joined.from_metadata(metadata["joined"]), load_config(web / "metadata.json")
    refusal = other.Other.from_metadata(metadata["other"])
    numbers = writers.writer_wrapped_numbers("validation", 10, seed=101, gap=(0.1, 0.1))
    pages = [digits_page(strokes, metadata["drawing"]) for strokes, _ in numbers]
    assert all(lines is not None for _, lines in pages)
    canvases = np.stack([to_rgba(whole) for (whole, _), _ in pages])
    groups = [groups for (_, groups), _ in pages]
    page = run_page_read(web, canvases, groups=groups, lines=[[to_rgba(ink) for ink, _ in lines] for _, lines in pages])
    model = dequantised(keras.models.load_model(joined.ROOT / "models" / "digits" / "model.h5", compile=False), metadata["quantization"])
    look = joined.keras_look(model, config)
    python = [joined.read_strokes(strokes, look, rule, config, metadata["drawing"], refusal) for strokes, _ in numbers]
    whole = run_page_read(web, canvases, groups=groups)
    print("read otherwise than the whole canvas:", sum(a != b for a, b in zip(page, whole)), "of", len(numbers))
    assert page == python
    assert sum(a != b for a, b in zip(page, whole)) >= 3
