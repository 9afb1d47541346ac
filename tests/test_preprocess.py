"""Preprocessing (training/preprocess.py) and its twin site/js/preprocess.js: behaviour and parity."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from training.drawing import compose_number, draw_on_canvas, redraw, stack_canvases, to_rgba
from training.preprocess import PreprocessConfig, lines, preprocess, segment
from training.webruntime import run_js_segment

CONFIG = PreprocessConfig()


def blank(height=280, width=280):
    return np.zeros((height, width))


def stroke_canvas(boxes, height=280, width=280):
    """Ink rectangles (top, left, bottom, right), inclusive, on a blank canvas -> RGBA."""
    ink = blank(height, width)
    for top, left, bottom, right in boxes:
        ink[top : bottom + 1, left : right + 1] = 1.0
    return to_rgba(ink)


def centre_of_mass(image):
    image = image.reshape(28, 28)
    rows, cols = np.mgrid[0:28, 0:28] + 0.5
    return (image * rows).sum() / image.sum(), (image * cols).sum() / image.sum()


def test_empty_and_transparent_canvases_give_nothing():
    assert preprocess(to_rgba(blank())) is None
    assert segment(to_rgba(blank())) == []
    transparent_black = np.zeros((280, 280, 4), np.uint8)  # RGB black but alpha 0: paper.
    assert preprocess(transparent_black) is None


def test_a_digit_in_a_corner_is_fitted_to_20_pixels_and_centred_by_mass():
    # A bar 120 px tall, 30 px wide, in the top-left corner.
    result = preprocess(stroke_canvas([(5, 5, 124, 34)])).reshape(28, 28)
    rows, cols = np.nonzero(result > 0)
    assert rows.max() - rows.min() + 1 == 20 and cols.max() - cols.min() + 1 == 5
    centre_y, centre_x = centre_of_mass(result)
    assert abs(centre_y - 14) <= 0.5 and abs(centre_x - 14) <= 0.5
    assert result.max() == pytest.approx(1.0)


def test_small_and_large_drawings_of_the_same_shape_look_the_same(mnist_test):
    small = to_rgba(np.pad(redraw(mnist_test.images[0], 60, 6), 20))
    large = to_rgba(np.pad(redraw(mnist_test.images[0], 240, 24), 20))
    assert np.abs(preprocess(small) - preprocess(large)).mean() < 0.05


def test_stray_specks_away_from_the_digit_are_ignored():
    digit = [(100, 120, 219, 139)]
    clean = preprocess(stroke_canvas(digit))
    with_specks = preprocess(stroke_canvas(digit + [(10, 10, 14, 14), (260, 250, 264, 254)]))
    np.testing.assert_array_equal(clean, with_specks)


def test_a_small_piece_close_to_the_digit_is_kept():
    digit = [(100, 120, 219, 139)]
    near = preprocess(stroke_canvas(digit + [(100, 145, 104, 149)]))  # 5 px to the right of the bar.
    assert not np.array_equal(preprocess(stroke_canvas(digit)), near)


def test_segment_orders_characters_left_to_right_with_their_boxes():
    characters = segment(stroke_canvas([(50, 300, 150, 320), (60, 40, 170, 60)], width=400))
    assert [(c.left, c.right) for c in characters] == [(40, 60), (300, 320)]
    assert all(c.input.shape == (784,) and c.input.dtype == np.float32 for c in characters)


@pytest.mark.parametrize(
    "strokes",
    [
        # A 5: the body, and the separate bar on top starting at the stem and reaching right.
        [(80, 100, 90, 104), (90, 100, 130, 108), (125, 100, 200, 160), (70, 104, 80, 170)],
        # An open 4: an L-shaped stroke, and the vertical stroke crossing its foot without touching.
        [(60, 90, 140, 98), (140, 90, 148, 170), (70, 140, 230, 148)],
        # A 7 whose crossbar does not touch the stem.
        [(60, 80, 70, 180), (70, 160, 220, 170), (140, 120, 146, 165)],
    ],
    ids=["five-with-bar", "open-four", "crossed-seven"],
)
def test_multi_stroke_single_digits_are_never_split(strokes):
    assert len(segment(stroke_canvas(strokes))) == 1


def test_neighbouring_digits_written_close_together_stay_apart():
    # Two digit-sized shapes (60 x 100 px) 4 px apart: too wide together to be one character.
    assert len(segment(stroke_canvas([(80, 40, 179, 99), (80, 104, 179, 163)]))) == 2


# A 1, then a 5 whose bar, drawn apart, reaches well past its body: together the 5 and its bar are too wide
# for the merge rules, so the bar is attached as a bar. Canvas 400 px wide.
ONE_THEN_FIVE_WITH_LONG_BAR = [(60, 40, 200, 52), (90, 120, 130, 128), (125, 120, 200, 175), (70, 160, 80, 290)]


def test_the_bar_of_a_five_drawn_apart_joins_its_body_not_its_neighbour():
    characters = segment(stroke_canvas(ONE_THEN_FIVE_WITH_LONG_BAR, width=400))
    assert [(c.left, c.right) for c in characters] == [(40, 52), (120, 290)]


# A 5 with a wide body (100 x 80 px) and its bar drawn apart, slanting up and to the right from over the
# body: the bar (57 px tall, 112 wide) is too steep to count as a flat bar, and with the body too wide to
# pass as one character (172 x 146 px), yet it is the 5's. Canvas 400 px wide.
FIVE_BODY = [(100, 100, 140, 110), (135, 100, 145, 170), (140, 165, 190, 179), (185, 100, 199, 179)]
SLANTED_BAR = [(103 - 7 * step, 160 + 14 * step, 110 - 7 * step, 173 + 14 * step) for step in range(8)]


def test_the_slanted_bar_of_a_five_joins_its_body():
    characters = segment(stroke_canvas([(60, 40, 200, 52)] + FIVE_BODY + SLANTED_BAR, width=400))
    assert [(c.left, c.right) for c in characters] == [(40, 52), (100, 271)]


# A 1 (91 px tall), then 17 px away a 0 written flat (61 x 151 px): as flat as a bar, but too tall to be one.
ONE_THEN_WIDE_ZERO = [(60, 40, 150, 52), (90, 70, 95, 220), (90, 70, 150, 75), (145, 70, 150, 220), (90, 215, 150, 220)]


def test_a_wide_zero_next_to_a_digit_is_not_taken_for_its_bar():
    characters = segment(stroke_canvas(ONE_THEN_WIDE_ZERO, width=400))
    assert [(c.left, c.right) for c in characters] == [(40, 52), (70, 220)]


def test_a_dash_far_from_every_digit_is_not_its_bar():
    # Not close enough to any digit to be its bar (more than pieceGap * its height away): with marks on (digits)
    # it is a mark, left out; off (letters), a character of its own.
    canvas = stroke_canvas([(60, 40, 200, 52), (20, 250, 30, 330)], width=400)
    assert [(c.left, c.right) for c in segment(canvas)] == [(40, 52)]
    assert [(c.left, c.right) for c in segment(canvas, dataclasses.replace(CONFIG, markHeight=0))] == [(40, 52), (250, 330)]


# A 1 (141 px tall), then a 0 (137 px) one column of paper to its right, as people write numbers close: the
# two boxes fit one character's width and touch, which the pen-lift rule (mergeGap) alone would merge.
ONE_CLOSE_TO_ZERO = [(60, 40, 200, 52), (62, 54, 68, 110), (192, 54, 198, 110), (62, 54, 198, 60), (62, 104, 198, 110)]


def test_two_full_height_digits_written_close_stay_apart():
    canvas = stroke_canvas(ONE_CLOSE_TO_ZERO)
    assert [(c.left, c.right) for c in segment(canvas)] == [(40, 52), (54, 110)]
    # The rule that keeps them apart is apartHeight's: off, they merge.
    assert len(segment(canvas, dataclasses.replace(CONFIG, apartHeight=0.0))) == 1


def test_a_pen_lift_gap_inside_a_digit_does_not_split_it():
    # A 1 drawn in two strokes that stop 3 px short of each other.
    assert len(segment(stroke_canvas([(60, 130, 119, 141), (123, 130, 200, 141)]))) == 1


# Two lines of three strokes, the second under the first and in the same columns; an i-like dot over line 2's
# first stroke.
TWO_LINES = [(20, 40, 100, 52), (20, 120, 100, 132), (20, 200, 100, 212), (150, 40, 230, 52), (150, 120, 230, 132), (130, 44, 138, 50)]


# Two lines of three bars, the last bar of line 1 touching the one under it through a thin stroke (a 1's foot on
# the digit below): one component spanning both lines.
TOUCHING_LINES = [(20, 40, 100, 60), (20, 100, 100, 120), (20, 220, 100, 240), (120, 40, 200, 60), (120, 100, 200, 120), (120, 220, 200, 240), (100, 229, 120, 231)]


def test_two_lines_whose_ink_touches_are_cut_apart():
    # A component at least TOUCH_SPAN x the lines' unit tall, with ink wholly above and wholly below its thinnest
    # row, is cut there: before, the spanning pair joined line 1 (read as 4 characters over 2).
    characters = segment(stroke_canvas(TOUCHING_LINES))
    assert [sum(c.row == row for c in characters) for row in (0, 1)] == [3, 3]
    assert [(c.top, c.bottom) for c in characters if c.left == 220] == [(20, 101), (102, 200)]
    # A single tall stroke, or a tall one beside short ones on one line (an l in "hello"), is not cut.
    assert len(segment(stroke_canvas([(20, 100, 220, 120)]))) == 1
    assert [(c.top, c.bottom) for c in segment(stroke_canvas([(20, 40, 200, 60), (120, 100, 200, 140), (120, 160, 200, 200)]))][0] == (20, 200)


def test_python_and_javascript_cut_real_touching_lines_the_same_way(monkeypatch):
    # Validation writers' two-line numbers written touching or 0.05 of their height apart.
    import training.preprocess as preprocess_module
    from training.strokes import draw_page
    from training.writers import writer_wrapped_numbers

    canvases = np.stack([to_rgba(draw_page(strokes)) for strokes, _ in writer_wrapped_numbers("validation", 3, gap=(0.0, 0.05))])
    assert_python_and_javascript_agree(canvases)
    right = lambda: sum([sum(c.row == row for c in segment(canvas)) for row in (0, 1)] == [4, 4] for canvas in canvases)  # noqa: E731
    cut = right()
    monkeypatch.setattr(preprocess_module, "cut_touching_lines", lambda labels, kept: kept)
    assert cut > right()


def test_a_minus_before_a_writers_digits_is_left_out():
    # Review 11: -5 read 5, sure, the minus glued to the 5 as its bar. Validation writers' digits with a point, dash
    # or colon between the first two, or a minus before: the page's JS cuts them as Python does, and with marks on
    # (digits) a minus or a dash is no part of the digit beside it: the characters are the digits alone, as without it
    # (a dash close before a digit, in its middle half, stands alone: 0 of these 6 dashes did before).
    from training.writers import writer_marked_numbers

    assert_marks_left_out(writer_marked_numbers("validation", 24), {"minus": 6, "dash": 6})


def marks_left_out(numbers, canvases, config, kinds):
    """How many numbers of each kind of mark segment into their digits alone, as without the mark (its last stroke)."""
    from training.strokes import draw_page

    alone = dict.fromkeys(kinds, 0)
    for canvas, (strokes, digits, kind) in zip(canvases, numbers):
        if kind in alone:
            without = segment(to_rgba(draw_page(strokes[:-1])), config)
            found = segment(canvas, config)
            alone[kind] += len(found) == len(digits) == len(without) and all(abs(a.left - b.left) <= 3 and abs(a.right - b.right) <= 3 for a, b in zip(found, without))
    return alone


def assert_marks_left_out(numbers, expected):
    """The numbers drawn as the page draws them: the page's JS cuts them as Python does, and with marks on (digits)
    `expected` of each kind of mark are left out (marks_left_out), none with marks off."""
    from training.strokes import draw_page

    canvases = np.stack([to_rgba(draw_page(strokes)) for strokes, _, _ in numbers])
    assert_python_and_javascript_agree(canvases)
    assert marks_left_out(numbers, canvases, CONFIG, list(expected)) == expected
    assert marks_left_out(numbers, canvases, dataclasses.replace(CONFIG, markHeight=0), list(expected)) == dict.fromkeys(expected, 0)


def test_a_point_comma_minus_or_dash_close_to_a_writers_digit_is_left_out():
    # Review 11: 3.14 read 314, "each at least 90% sure", the point glued to the 3; -12 read 0712, the minus merged
    # into the 1. Validation writers' numbers with a point or comma written close after the first digit, or a minus
    # close before it or a dash after it: the page's JS cuts them as Python does, and with marks on (digits) the
    # characters are the digits alone, as without the mark (measured: 11 of 12 points, 7 of 12 commas, 12 of 12
    # minus, 8 of 12 dashes; before these rules 0, 0, 7, 1; the rest touch the digit, one ink with it, or, a point,
    # lie nearer the next digit, left of it, as a 5's broken tail does).
    from training.writers import writer_dashed_numbers, writer_pointed_numbers

    numbers = writer_pointed_numbers("validation", 24) + writer_dashed_numbers("validation", 24)
    assert_marks_left_out(numbers, {"point": 11, "comma": 7, "minus": 12, "dash": 8})


def test_a_line_under_or_over_a_writers_digits_is_left_out():
    # Review 12: 2026 underlined read 225 or 236, "digits touching?": the line merged every digit over it into one
    # character. Validation writers' numbers with a line under or over them: the page's JS cuts them as Python does,
    # and with marks on (digits) the characters are the digits alone, as without the line, where its ink does not
    # touch theirs (the others stay one component with it: a rule of groups cannot part them).
    from training.writers import writer_lined_numbers

    assert_marks_left_out(writer_lined_numbers("validation", 24), {"under": 4, "over": 4})


def test_a_slash_between_a_writers_digits_is_left_out():
    # Review 12: 06/12 read 06112, "each at least 96% sure": a slash is as tall as the digits, so it was a character,
    # read as 1. Validation writers' fractions and dates with one slash (1/2, 06/12): the page's JS cuts them as Python
    # does, and with marks on (digits) the characters are the digits alone, as without the slash (all 24; 0 before).
    from training.writers import writer_slashed_numbers

    numbers = [number for number in writer_slashed_numbers("validation", 36) if number[2] != "25/12/2026"]
    assert_marks_left_out(numbers, {"1/2": 12, "06/12": 12})


def test_a_circle_round_a_writers_digits_is_left_out():
    # Review 12: a circled 8 read 0 "77% sure": the circle enclosed the digit and should_merge made them one character.
    # Validation writers' digits with a loop drawn round them: the page's JS cuts them as Python does, and with marks
    # on (digits) the characters are the digits alone, as without the loop (16 of 21; 0 before), unless it touches one (0 of the 3 tight ones).
    from training.strokes import draw_page, draw_strokes, recognition_pens
    from training.writers import writer_circled_numbers

    numbers = writer_circled_numbers("validation", 24)
    canvases = np.stack([to_rgba(draw_page(strokes)) for strokes, _, _ in numbers])
    assert_python_and_javascript_agree(canvases)

    def left_out(config):
        alone = dict.fromkeys(["1", "2", "3", "4", "tight"], 0)
        for canvas, (strokes, digits, kind) in zip(canvases, numbers):
            # The digits as the page drew them beside the loop (its pen follows the drawing's height), the loop erased.
            without = segment(to_rgba(draw_strokes(strokes[:-1], 280, pen_width=recognition_pens(strokes)[:-1])), config)
            found = segment(canvas, config)
            alone[kind] += len(found) == len(digits) == len(without) and all(abs(a.left - b.left) <= 3 and abs(a.right - b.right) <= 3 for a, b in zip(found, without))
        return alone

    assert left_out(CONFIG) == {"1": 4, "2": 6, "3": 4, "4": 2, "tight": 0}
    assert left_out(dataclasses.replace(CONFIG, markHeight=0)) == dict.fromkeys(["1", "2", "3", "4", "tight"], 0)


def ring(centre_x, centre_y, radius_x, radius_y, start=0.0, turn=360.0):
    """A hand's loop as one stroke of canvas points."""
    angles = np.radians(start + np.linspace(0.0, turn, 73))
    return np.stack([centre_x + radius_x * np.cos(angles), centre_y + radius_y * np.sin(angles)], axis=1)


def test_a_zero_with_a_slash_or_a_dot_inside_is_no_circle():
    # A circle is left out only round a character: a 0 slashed inside (a straight stroke rising to the right, apart
    # from its ring) or with a dot inside stays one character with its ring, in Python and in the page's JS; a loop
    # round an 8 (a ring and a 3 drawn in another stroke inside a box round them) is left out.
    from training.strokes import draw_page

    zero = ring(140, 140, 45, 75)
    slashed = [zero, np.array([[125.0, 180.0], [155.0, 100.0]])]
    dotted = [zero, np.array([[140.0, 140.0], [141.0, 140.0]])]
    eight = [ring(140, 110, 22, 28), ring(140, 168, 26, 30)]
    circled = eight + [ring(140, 140, 80, 110, start=200, turn=385)]
    canvases = np.stack([to_rgba(draw_page(strokes)) for strokes in (slashed, dotted, eight, circled)])
    assert_python_and_javascript_agree(canvases)
    boxes = lambda canvas, config=CONFIG: [(c.top, c.left, c.bottom, c.right) for c in segment(canvas, config)]  # noqa: E731
    for zero_with in canvases[:2]:
        assert len(boxes(zero_with)) == 1
        assert boxes(zero_with) == boxes(zero_with, dataclasses.replace(CONFIG, markHeight=0))
    eight_box = boxes(canvases[2])
    assert len(eight_box) == 1
    # (Drawn with the loop the drawing is taller, and the page's pen a pixel wider.)
    assert len(boxes(canvases[3])) == 1 and np.abs(np.subtract(boxes(canvases[3]), eight_box)).max() <= 2
    # Marks off (letters), the loop and the 8 are one character, as before.
    assert len(segment(canvases[3], dataclasses.replace(CONFIG, markHeight=0))) == 1
    assert segment(canvases[3], dataclasses.replace(CONFIG, markHeight=0))[0].top < eight_box[0][0]


def test_lines_written_under_each_other_are_read_line_by_line():
    characters = segment(stroke_canvas(TWO_LINES))
    assert [(c.row, c.left) for c in characters] == [(0, 40), (0, 120), (0, 200), (1, 40), (1, 120)]
    # The dot is no line of its own: it joins the stroke under it, in line 2.
    assert (characters[3].top, characters[3].bottom) == (130, 230)
    # One character on each line is one line: a 1 the pen left across its height, or digits written in a column.
    assert [(c.row, c.top, c.bottom) for c in segment(stroke_canvas([(20, 130, 100, 142), (150, 130, 230, 142)]))] == [(0, 20, 230)]
    assert [c.row for c in segment(stroke_canvas([(20, 40, 100, 52), (20, 200, 100, 212), (150, 120, 230, 132)]))] == [0, 0, 1]


def test_a_line_begins_where_the_writing_steps_down_under_the_line_so_far():
    # Boxes (top, bottom, left, right). Two lines, the second under the first: apart, touching, or reaching into each
    # other (a g's tail in line 1 down to an h's top in line 2).
    assert lines([(0, 80, 0, 50), (0, 80, 60, 110), (130, 210, 0, 50)]) == [[0, 1], [2]]
    assert lines([(0, 80, 0, 50), (0, 80, 60, 110), (81, 161, 0, 50)]) == [[0, 1], [2]]
    assert lines([(0, 60, 0, 50), (0, 100, 60, 110), (90, 150, 20, 70), (80, 150, 80, 130)]) == [[0, 1], [3, 2]]
    # A number drifting downhill: each digit steps down beside the ones above, not under them.
    assert lines([(0, 80, 0, 50), (50, 130, 60, 110), (100, 180, 120, 170)]) == [[0, 1, 2]]
    # A step under half the median tall height is the same line (a digit written lower, a descender).
    assert lines([(0, 80, 0, 50), (39, 119, 10, 60)]) == [[0, 1]] and lines([(0, 80, 0, 50), (41, 121, 10, 60)]) == [[0], [1]]
    # Boxes under ROW_SHARE of the tallest join the nearest line (ties: the upper); at ROW_SHARE they are tall.
    assert lines([(0, 100, 0, 50), (110, 120, 0, 50), (200, 300, 0, 50)]) == [[0, 1], [2]]
    assert lines([(0, 100, 0, 50), (160, 170, 0, 50), (200, 300, 0, 50)]) == [[0], [2, 1]]
    assert lines([(0, 100, 0, 50), (125, 135, 0, 50), (160, 260, 0, 50)]) == [[0, 1], [2]]
    assert lines([]) == []


def test_python_and_javascript_find_the_same_lines():
    import json
    import subprocess

    from training.webruntime import ROOT

    rng = np.random.default_rng(3)
    box = lambda top, left: (float(top), float(top + rng.integers(0, 90)), float(left), float(left + rng.integers(0, 90)))  # noqa: E731
    cases = [[box(top, rng.integers(0, 250)) for top in rng.integers(0, 250, size=rng.integers(1, 9))] for _ in range(300)]
    script = f"import('./site/js/preprocess.js').then((p) => console.log(JSON.stringify({json.dumps(cases)}.map(p.lines))))"
    output = subprocess.run(["node", "-e", script], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert json.loads(output) == [lines(spans) for spans in cases]
    assert sum(len(lines(spans)) > 1 for spans in cases) > 50


def test_parameters_are_the_same_in_python_javascript_and_metadata():
    import json
    import subprocess

    from training.webruntime import ROOT

    from training.strokes import page_drawing

    # pad.js only exports its defaults at the top level, so it imports in Node without a DOM.
    script = (
        "Promise.all([import('./site/js/preprocess.js'), import('./site/js/pad.js')])"
        ".then(([p, d]) => console.log(JSON.stringify([p.DEFAULT_CONFIG, d.DEFAULT_DRAWING])))"
    )
    output = subprocess.run(["node", "-e", script], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    javascript_preprocess, javascript_drawing = json.loads(output)
    metadata = json.loads((ROOT / "site" / "models" / "digits" / "metadata.json").read_text())
    assert javascript_preprocess == dataclasses.asdict(CONFIG) == metadata["preprocess"]
    # The canvas, pen and pen rule the page draws with are the ones convert.py writes (training.strokes).
    assert javascript_drawing == page_drawing() == metadata["drawing"]


def parity_canvases(mnist_test, count=24):
    """Page-like drawings: single digits (with specks), numbers, and hand-made edge cases."""
    rng = np.random.default_rng(7)
    canvases = [draw_on_canvas(image, rng) for image in mnist_test.images[:count]]
    canvases += [stroke_canvas([(5, 5, 124, 34)]), stroke_canvas([(100, 120, 219, 139), (10, 10, 14, 14)])]
    canvases += [to_rgba(blank()), stroke_canvas([(0, 0, 279, 279)]), stroke_canvas([(140, 140, 140, 140)])]
    canvases += [stroke_canvas(ONE_THEN_FIVE_WITH_LONG_BAR, width=400)[:, :280]]
    canvases += [stroke_canvas([(60, 40, 200, 52)] + FIVE_BODY + SLANTED_BAR, width=400)[:, :280]]
    canvases += [stroke_canvas(ONE_THEN_WIDE_ZERO, width=400)[:, :280], stroke_canvas(ONE_CLOSE_TO_ZERO), stroke_canvas(TWO_LINES)]
    canvases += [stroke_canvas(TOUCHING_LINES)]
    canvases += [stroke_canvas([(20, 130, 100, 142), (150, 130, 230, 142)])]
    return np.stack(canvases)


def assert_python_and_javascript_agree(canvases):
    # The same canvases through training/preprocess.py and site/js/preprocess.js (Node): identical boxes,
    # model inputs within 0.02 per pixel.
    javascript = run_js_segment(canvases)
    for canvas, js_characters in zip(canvases, javascript):
        python_characters = segment(canvas)
        assert [(c.top, c.left, c.bottom, c.right) for c in python_characters] == [box for box, _ in js_characters]
        for python_character, (_, js_input) in zip(python_characters, js_characters):
            assert np.abs(python_character.input - js_input).max() <= 0.02


def test_python_and_javascript_preprocessing_agree_on_single_digits(mnist_test):
    assert_python_and_javascript_agree(parity_canvases(mnist_test))


def test_python_and_javascript_segment_numbers_the_same_way(mnist_test):
    rng = np.random.default_rng(11)
    canvases = []
    for length in (2, 3, 4, 5, 6):
        indices = rng.choice(len(mnist_test.images), size=length, replace=False)
        canvas, _ = compose_number([mnist_test.images[i] for i in indices], rng, width=1000)
        canvases.append(canvas)
    assert_python_and_javascript_agree(stack_canvases(canvases))
