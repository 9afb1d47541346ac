"""Real writers through the page's code: floors a regression turns red, and a whole number drawn on a phone.

The shipped model (site/models/digits, TF.js) reads the 10 held-out test writers' digits and numbers as the
page does (training/evaluate_writers.py: pad.js's pen and pen rule, preprocess.js's segmentation). The floors
sit just under what the shipped model measures (bench/writers.md); without the pen rule the numbers fall far
below theirs (5-digit numbers are then blobs), and without apartHeight the numbers written close do.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.test_site import mouse_strokes, open_page, pad_box
from training.evaluate_writers import measure_writers
from training.writers import CLOSE_GAP, NUMBER_GAP, compose_writer_number, split_samples, wrap_lines, writer_circled_numbers, writer_dashed_numbers, writer_lined_numbers, writer_pointed_numbers, writer_wrapped_numbers

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "site" / "models" / "digits"
NUMBERS_PER_LENGTH = 50  # 200 numbers: a 95 % interval of about ±2 points at 96 %
SINGLE_DIGIT_FLOOR = 0.965
NUMBERS_FLOOR = 0.93
FIVE_DIGIT_FLOOR = 0.86
CLOSE_FLOOR = 0.92  # written close: 97.5 % of these 200 (84.5 % before the strokes' cut, 74.5 % before joined digits were cut, 61.0 % before apartHeight)
# Two 4-digit lines, one under the other (evaluate_writers.WRAPPINGS), 0 % before lines were found: 0.3-0.8 of their
# height apart 94.0 % of these 200, 0.2 apart 93.0 % of 100, 0.1 apart 92.0 % of 100 (81.0 % before the lines the
# strokes make were read apart, 73.0 % before touching lines were cut).
WRAPPED_FLOORS = {"numbers_wrapped": 0.88, "numbers_wrapped_0.2": 0.85, "numbers_wrapped_0.1": 0.85}


@pytest.fixture(scope="module")
def measured():
    metadata = json.loads((SHIPPED / "metadata.json").read_text())
    return measure_writers(SHIPPED, "test", NUMBERS_PER_LENGTH, drawing=metadata["drawing"])


@pytest.mark.slow
def test_held_out_writers_single_digits_are_read(measured):
    digits = measured["digits"]
    print("single digits by digit:", {digit: round(rate, 3) for digit, rate in digits["by_digit"].items()})
    assert digits["accuracy"] >= SINGLE_DIGIT_FLOOR, digits["errors"]


@pytest.mark.slow
def test_held_out_writers_numbers_are_read_exactly(measured):
    numbers = measured["numbers"]
    print("numbers by length:", numbers["by_length"])
    assert numbers["exact"] >= NUMBERS_FLOOR, numbers
    assert numbers["by_length"]["5"] >= FIVE_DIGIT_FLOOR, numbers


@pytest.mark.slow
def test_held_out_writers_numbers_written_close_are_read_exactly(measured):
    # The same writers and digits 0.1-0.3 of their height apart (the pen may bridge it): CLOSE_FLOOR.
    numbers = measured["numbers_close"]
    print("written close:", numbers["exact"], "by length:", numbers["by_length"])
    assert numbers["exact"] >= CLOSE_FLOOR, numbers


@pytest.mark.slow
@pytest.mark.parametrize("key", WRAPPED_FLOORS)
def test_held_out_writers_numbers_wrapped_under_themselves_are_read_line_by_line(measured, key):
    assert measured[key]["exact"] >= WRAPPED_FLOORS[key], measured[key]


# One test writer's 5-digit number, written across a phone's pad with the mouse: the strokes of
# compose_writer_number on the 280-px recognition canvas, scaled to the pad's CSS size. Picked among a few
# numbers the page read before the pen rule misread (with one 16-px pen it read this one as "622": the
# loops filled and neighbours merged); the floors above carry the statistical claim, this the end-to-end one.
# Written close, another writer's: the page read it "6041" before segmentation kept full-height digits whose
# inked columns touch apart (preprocess apartHeight); picked among the test writers' numbers it then fixed.
PHONE = {"width": 390, "height": 844}
NUMBER = "67041"


@contextmanager
def written_on_a_phone(chromium, site_url: str, strokes: list[np.ndarray]):
    """The page on a phone-sized screen, `strokes` (recognition-canvas pixels) written on it with the mouse."""
    context = chromium.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        open_page(page, site_url)
        box = pad_box(page)
        assert box["width"] < 380, "the pad is not phone-sized"
        scale = box["width"] / 280
        mouse_strokes(page, [[(box["x"] + x * scale, box["y"] + y * scale) for x, y in stroke] for stroke in strokes])
        yield page
    finally:
        context.close()


def writers_number(split: str, writer: int, number: str, seed: int, gap: tuple[float, float]) -> list[np.ndarray]:
    samples = [sample for sample in split_samples(split) if sample.writer == writer]
    return compose_writer_number(samples, number, np.random.default_rng(seed), gap=gap)


@pytest.mark.browser
@pytest.mark.parametrize(("writer", "seed", "gap"), [(7, 2, NUMBER_GAP), (19, 1, CLOSE_GAP)], ids=["spaced", "written-close"])
def test_a_five_digit_number_written_across_a_phone_pad_is_read_back(chromium, site_url, writer, seed, gap):
    with written_on_a_phone(chromium, site_url, writers_number("test", writer, NUMBER, seed, gap)) as page:
        expect(page.locator("#prediction")).to_have_text(NUMBER)


# Two validation writers' numbers written close, whose digits the pen joined: without the judge of joined digits
# (metadata.json "joined", training/joined.py) the page read the first 6741 and the second 899.
@pytest.mark.browser
@pytest.mark.parametrize(("writer", "seed", "number"), [(5, 2, "67041"), (15, 0, "1999")])
def test_digits_the_pen_joined_are_read_as_two(chromium, site_url, writer, seed, number):
    with written_on_a_phone(chromium, site_url, writers_number("validation", writer, number, seed, CLOSE_GAP)) as page:
        expect(page.locator("#prediction")).to_have_text(number)


# Two validation writers' numbers written close, read 5548 and 72?87 until the page cut where the strokes say one
# digit ends (pad.js strokeGroups, joined.js strokeCut): the ink of neighbours touches, their strokes lie apart.
@pytest.mark.browser
@pytest.mark.parametrize(("writer", "seed", "number"), [(27, 0, "55148"), (15, 4, "7200")])
def test_digits_whose_strokes_lie_apart_are_read_apart_though_their_ink_touches(chromium, site_url, writer, seed, number):
    with written_on_a_phone(chromium, site_url, writers_number("validation", writer, number, seed, CLOSE_GAP)) as page:
        expect(page.locator("#prediction")).to_have_text(number)


def read_and_said(chromium, site_url: str, numbers, index: int, number: str) -> None:
    """A validation writer's number with a mark (`numbers`: a writers.writer_*_numbers generator, 40 drawn), written on
    a phone: read as its digits, and the mark said."""
    strokes, digits, _ = numbers("validation", 40)[index]
    assert digits == number
    with written_on_a_phone(chromium, site_url, strokes) as page:
        expect(page.locator("#prediction")).to_have_text(number)
        expect(page.locator("#verdict")).to_contain_text("a dot, dash or sign was not read: digits only")


# A point and a dash whose ink the pen joined to a validation writer's digit: read with it, and nothing was said until
# the page counted stroke groups short beside a digit (joined.js gluedMarks).
@pytest.mark.browser
@pytest.mark.parametrize(("numbers", "index", "number"), [(writer_pointed_numbers, 22, "218"), (writer_dashed_numbers, 9, "921")], ids=["point", "dash"])
def test_a_mark_the_pen_joined_to_a_digit_is_said(chromium, site_url, numbers, index, number):
    read_and_said(chromium, site_url, numbers, index, number)


# An answer underlined, the line touching a digit, and an answer circled tight (validation writers): one component with
# the digits, read 5?6 and 6 until the pad left the line and the loop out by their strokes (pad.js leftOut).
@pytest.mark.browser
@pytest.mark.parametrize(("numbers", "index", "number"), [(writer_lined_numbers, 1, "406"), (writer_circled_numbers, 7, "0362")], ids=["underlined", "circled"])
def test_a_line_under_or_a_loop_round_the_answer_is_left_out_by_its_strokes(chromium, site_url, numbers, index, number):
    read_and_said(chromium, site_url, numbers, index, number)


# Review 8: a child who runs out of room on a phone writes the rest of the number under the first line, in the same
# columns; the page read 0612 over 3456 as 883 (each column merged into one character). Review 9: written just under
# it (0.15 of the line's height apart, stroke to stroke), the lines were still merged.
@pytest.mark.browser
@pytest.mark.parametrize("gap", [0.5, 0.15])
def test_a_number_wrapped_under_itself_on_a_phone_is_read_line_by_line(chromium, site_url, gap):
    lines = [writers_number("validation", 5, number, 3, NUMBER_GAP) for number in ("0612", "3456")]
    with written_on_a_phone(chromium, site_url, wrap_lines(lines, gap=gap)) as page:
        expect(page.locator("#prediction")).to_have_js_property("textContent", "0612\n3456")


# Two 4-digit numbers of a validation writer, the second written 0.1 of their height under the first, one line's ink
# touching the other's: read 381 and 486 / 4805 until the pad drew lines stacked as a number wrapped under itself
# apart (pad.js linesApart) and the page read each alone.
@pytest.mark.browser
@pytest.mark.parametrize(("index", "number"), [(19, "1781\n6501"), (13, "4386\n4005")])
def test_lines_written_just_under_each_other_are_read_apart_though_their_ink_touches(chromium, site_url, index, number):
    strokes, digits = writer_wrapped_numbers("validation", 10, gap=(0.1, 0.1))[index]
    assert digits == number
    with written_on_a_phone(chromium, site_url, strokes) as page:
        expect(page.locator("#prediction")).to_have_js_property("textContent", number)
