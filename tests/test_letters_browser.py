"""Letters and a word drawn with real mouse moves in Chromium, on the page's own pad (site/js/pad.js), are
segmented by the page's site/js/preprocess.js with the letters task's parameters as the Python twin
segments the same pixels: one character per letter, the word's letters apart, dots and bars kept.

The strokes are the hand-made templates (training/handwriting.py) placed on a 280 px pad, the page's
recognition size, so CSS pixels are recognition pixels.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from tests.browser import serve
from training.handwriting import TEMPLATES, parse_template
from training.letters import PREPROCESS
from training.preprocess import segment
from training.tasks import TASKS
from training.webruntime import link_site

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><meta charset="utf-8"><title>pad</title><link rel="icon" href="data:,">
<style>body { margin: 0 } #pad { width: 280px; height: 280px; display: block; color: #000; touch-action: none }</style>
<canvas id="pad"></canvas>
<script type="module">
import { createPad } from './js/pad.js';
import { segment } from './js/preprocess.js';
const pad = createPad(document.querySelector('#pad'), { onChange: () => {} });
window.readPad = (config, drawing) => {
  pad.setDrawing(drawing);
  const image = pad.toImageData();
  const characters = segment(image, config).map(({ box }) => [box.top, box.left, box.bottom, box.right]);
  return { characters, pixels: Array.from(image.data) };
};
window.clearPad = () => pad.clear();
document.body.dataset.ready = 'true';
</script>
"""


@pytest.fixture(scope="module")
def pad_url(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pad")
    link_site(directory, {})
    (directory / "index.html").write_text(PAGE)
    with serve(directory) as url:
        yield url


def template_strokes(text: str, cap_height: float, left: float, top: float, spacing: float, pitch: float = 1.8) -> list[list[tuple[float, float]]]:
    """The letters' template strokes in pad pixels, written left to right `spacing` px apart; a line break
    begins a line under the last, `pitch` cap heights lower."""
    scale = cap_height / 10
    strokes, x = [], left
    for character in text:
        if character == "\n":
            x, top = left, top + pitch * cap_height
            continue
        parsed = parse_template(TEMPLATES[character][0])
        low = min(float(stroke[:, 0].min()) for stroke in parsed)
        high = max(float(stroke[:, 0].max()) for stroke in parsed)
        strokes += [[(x + (px - low) * scale, top + py * scale) for px, py in stroke] for stroke in parsed]
        x += (high - low) * scale + spacing
    return strokes


def draw_with_mouse(page, strokes) -> None:
    box = page.locator("#pad").bounding_box()
    for stroke in strokes:
        page.mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x, box["y"] + y, steps=2)
        page.mouse.up()


@pytest.mark.parametrize(
    "text, cap_height, expected",
    [("A", 180, 1), ("g", 150, 1), ("R", 180, 1), ("E", 170, 1), ("i", 160, 1), ("t", 160, 1), ("cat", 70, 3), ("Hi", 80, 2), ("CAT\nSAM", 60, 6), ("hi\nji", 50, 4)],
)
def test_letters_drawn_with_the_mouse_are_segmented_as_in_python(page, pad_url, text, cap_height, expected, pitch=1.8):
    page.goto(pad_url)
    page.wait_for_selector("body[data-ready='true']")
    draw_with_mouse(page, template_strokes(text, cap_height, left=30, top=40, spacing=0.25 * cap_height, pitch=pitch))
    # The letters' canvas and pen, as the page sets them from their metadata.json (a drawing without the pen's rule
    # drew every stroke 1 px wide).
    result = page.evaluate("([config, drawing]) => window.readPad(config, drawing)", [dataclasses.asdict(PREPROCESS), TASKS["letters"].drawing()])
    assert len(result["characters"]) == expected, result["characters"]
    # The same pixels through training/preprocess.py: the same characters, box for box.
    rgba = np.array(result["pixels"], dtype=np.uint8).reshape(280, 280, 4)
    characters = segment(rgba, PREPROCESS)
    assert [[c.top, c.left, c.bottom, c.right] for c in characters] == result["characters"]
    # Written on two lines (review 8: CAT over SAM read SXI), each line's letters apart, line by line.
    assert [c.row for c in characters] == [line for line, word in enumerate(text.split("\n")) for _ in word]
    assert page.console_errors == []


@pytest.mark.xfail(strict=True, reason="drawn with the page's pen, the two lines fuse: the y's tail box merges with the l's "
                   "below it, so pad.js draws both lines as one, with one 12 px pen, and letters touch; with a pen per line "
                   "(7 px) the tail's ink still touches the l. Found when this test got the page's pen (it drew 1 px strokes "
                   "before); README, 'Not handled yet'")
def test_two_lines_whose_tails_reach_into_each_other_are_two_lines(page, pad_url):
    # Review 9: "gap" over "hit", the tails of g and p reaching down past the tops of h and t, read as one "M". Here
    # the tails of g and y reach down past the top of the l (the lines overlap by 12 px), not touching it.
    test_letters_drawn_with_the_mouse_are_segmented_as_in_python(page, pad_url, "gay\nowl", 60, 6, pitch=1.2)
