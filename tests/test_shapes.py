"""Hand-drawn doodles that are not digits (training/shapes.py): on the pad, sized and sampled as drawn, repeatable
per split and seed, and the struck-out digits come from that split's writers only."""

import numpy as np
import pytest

from training import shapes, writers
from training.strokes import draw_page, page_drawing

ASKED = {"slash", "backslash", "scribble", "smiley", "star", "cross", "plus", "heart", "hash", "arrow", "tick", "triangle", "square", "spiral", "wave", "struck"}


def test_every_kind_asked_for_is_there_and_none_is_a_digit_lookalike():
    names = {shapes.kind_name(kind) for kind in shapes.KINDS}
    assert ASKED <= names and len(names) == len(shapes.KINDS)
    assert not names & {"circle", "ellipse", "bar", "minus", "dot"}


def test_every_kind_draws_its_whole_ink_inside_the_canvas():
    # Three of each kind, rendered as the page renders them: ink there, and none within 2 px of an edge.
    for name, strokes in shapes.shape_drawings("train", count=3 * len(shapes.KINDS), seed=5):
        ink = draw_page(strokes)
        assert ink.max() > 0.9, f"{name}: no ink"
        border = np.r_[ink[:2].ravel(), ink[-2:].ravel(), ink[:, :2].ravel(), ink[:, -2:].ravel()]
        assert border.max() == 0, f"{name}: ink reaches the edge of the canvas"


def test_doodles_are_sized_placed_and_sampled_as_a_person_draws():
    canvas, margin = page_drawing()["canvasSize"], page_drawing()["penWidth"] / 2 + 2
    for name, strokes in shapes.shape_drawings("validation", count=6 * len(shapes.KINDS), seed=9):
        points = np.concatenate(strokes)
        assert points.min() >= margin and points.max() <= canvas - margin, f"{name}: a point within the pen's reach of the edge"
        extent = np.ptp(points, axis=0)
        assert 50 <= extent.max() <= canvas - 2 * margin, f"{name}: {extent.max():.0f} px across"
        if name != "struck":  # a struck digit keeps its writer's own samples
            steps = np.concatenate([np.hypot(*np.diff(stroke, axis=0).T)[:-1] for stroke in strokes])  # the last may be short
            assert steps.size == 0 or 1.9 <= np.median(steps) <= 6.1, f"{name}: samples {np.median(steps):.1f} px apart"


def test_a_slash_keeps_its_slant_and_a_smiley_keeps_its_features_inside_its_face():
    drawings = shapes.shape_drawings("test", count=8 * len(shapes.KINDS), seed=2)
    for name, strokes in drawings:
        if name in ("slash", "backslash"):
            (x0, y0), (x1, y1) = strokes[0][0], strokes[0][-1]
            slant = np.degrees(np.arctan2(abs(y1 - y0), abs(x1 - x0)))
            assert 35 <= slant <= 75, f"{name} at {slant:.0f} degrees"  # 40-70, give or take the hand's wobble
            assert (x1 - x0 < 0) == (name == "slash"), f"{name} leans the wrong way"  # drawn from the top down
        if name == "smiley":
            face, *features = strokes
            low, high = face.min(axis=0), face.max(axis=0)
            for feature in features:
                assert (feature >= low).all() and (feature <= high).all(), "an eye or the mouth outside the face"


def test_the_same_split_and_seed_draw_the_same_strokes_and_another_split_others():
    count = 2 * len(shapes.KINDS)
    first, again = shapes.shape_drawings("train", count, seed=4), shapes.shape_drawings("train", count, seed=4)
    assert [name for name, _ in first] == [shapes.kind_name(shapes.KINDS[i % len(shapes.KINDS)]) for i in range(count)]
    for (name, strokes), (_, same) in zip(first, again):
        assert len(strokes) == len(same) and all(np.array_equal(a, b) for a, b in zip(strokes, same)), name
    for other in (shapes.shape_drawings("validation", count, seed=4), shapes.shape_drawings("train", count, seed=5)):
        for (name, strokes), (_, different) in zip(first, other):
            assert len(strokes) != len(different) or any(a.shape != b.shape or not np.allclose(a, b) for a, b in zip(strokes, different)), name


def _normalised(strokes) -> list[np.ndarray]:
    """Strokes moved to the origin and scaled to unit height, as fit_strokes' placing is undone."""
    points = np.concatenate(strokes)
    return [(stroke - points.min(axis=0)) / np.ptp(points[:, 1]) for stroke in strokes]


def _writer_of(digit, samples) -> set[int]:
    shape = [len(stroke) for stroke in digit]
    wanted = _normalised(digit)
    return {
        sample.writer
        for sample in samples
        if [len(stroke) for stroke in sample.strokes] == shape and all(np.allclose(a, b, atol=1e-9) for a, b in zip(_normalised(sample.strokes), wanted))
    }


@pytest.mark.parametrize("split", ["validation", "test"])
def test_a_struck_digit_is_one_of_that_splits_writers_samples(split):
    # The strokes before the strike are a sample of the file, placed on the pad; find whose it is among all 600.
    samples = writers.load_samples()
    chosen = set(writers.writer_split([sample.writer for sample in samples])[split])
    struck = [strokes for name, strokes in shapes.shape_drawings(split, count=8 * len(shapes.KINDS), seed=1) if name == "struck"]
    assert len(struck) == 8
    for strokes in struck:
        found = _writer_of(strokes[:-1], samples)
        assert found and found <= chosen, f"a {split} doodle strikes out a digit of writers {sorted(found)}, not of {sorted(chosen)}"


def test_the_sheet_is_written_whole_and_a_bad_split_is_one_line_naming_it(tmp_path, capsys):
    from PIL import Image

    sheet = tmp_path / "sheet.png"
    assert shapes.main(["--sheet", str(sheet), "--split", "validation", "--count", "10"]) == 0
    with Image.open(sheet) as image:
        assert image.size == (shapes.SHEET_COLUMNS * 282, 2 * 282)
    assert [path.name for path in tmp_path.iterdir()] == ["sheet.png"], "a temporary file was left behind"
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit:
        shapes.main(["--sheet", str(tmp_path / "bad.png"), "--split", "training"])
    assert exit.value.code == 2
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert "'training'" in message and all(name in message for name in ("train", "validation", "test"))
    assert not (tmp_path / "bad.png").exists()
    with pytest.raises(ValueError, match="split 'training': choose one of train, validation, test"):
        shapes.shape_drawings("training", count=1, seed=0)
