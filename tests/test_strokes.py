"""Stroke replay (training/strokes.py) against the page's own pad (site/js/pad.js) in Chromium.

The same strokes — real writers' digits and whole numbers — are given to a pad made by pad.js's createPad (as
pointer events) and to Python's `draw_page`; the recognition canvases must agree, pen rule included.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_site import READY_TIMEOUT_MS, wait_for_value
from training.strokes import draw_page, draw_strokes, left_out, lines_apart, page_drawing, recognition_pens, stroke_groups
from training.writers import writer_digits, writer_numbers

pytestmark = pytest.mark.browser

# A 280-CSS-px pad at device pixel ratio 1: stroke coordinates are recognition pixels. Each stroke is sent as
# pointer events with fractional coordinates (no rounding), then the pad's toImageData is read back.
PAD_CANVASES = """async (drawings) => {
    const { createPad } = await import('./js/pad.js');
    const canvas = document.createElement('canvas');
    canvas.style.width = canvas.style.height = '280px';
    canvas.style.position = 'absolute';
    canvas.style.left = canvas.style.top = '0px';
    document.body.append(canvas);
    let resized;
    const ready = new Promise((resolve) => { resized = resolve; });
    const pad = createPad(canvas, { onChange: (reason) => reason === 'resize' && resized() });
    await ready;
    const rect = canvas.getBoundingClientRect();
    const send = (type, [x, y]) => canvas.dispatchEvent(new PointerEvent(type, {
        pointerId: 1, isPrimary: true, button: 0, clientX: rect.left + x, clientY: rect.top + y, bubbles: true,
    }));
    const canvases = [];
    for (const strokes of drawings) {
        pad.clear();
        for (const stroke of strokes) {
            send('pointerdown', stroke[0]);
            for (const point of stroke.slice(1)) send('pointermove', point);
            send('pointerup', stroke[stroke.length - 1]);
        }
        const { data } = pad.toImageData();
        const ink = [];
        for (let i = 0; i < data.length; i += 4) ink.push(1 - data[i] / 255);
        canvases.push(ink);
    }
    canvas.remove();
    return canvases;
}"""


def pad_canvases(page, site_url, drawings) -> np.ndarray:
    page.goto(site_url)
    wait_for_value(page, "document.readyState", "complete", READY_TIMEOUT_MS)
    strokes = [[stroke.round(3).tolist() for stroke in drawing] for drawing in drawings]
    return np.array(page.evaluate(PAD_CANVASES, strokes)).reshape(-1, 280, 280)


@pytest.fixture(scope="module")
def drawings():
    """Single digits and 5-digit numbers of validation writers, as their strokes on the pad."""
    singles = [strokes for strokes, _ in writer_digits("validation")[::30]]
    numbers = [strokes for strokes, _ in writer_numbers("validation", lengths=(3, 5), count=2, seed=4)]
    return singles + numbers + [stacked(numbers[0], numbers[-1]), stacked(numbers[0], numbers[-1], (40, 100))]


def stacked(first: list[np.ndarray], second: list[np.ndarray], heights: tuple[float, float] = (100, 100)) -> list[np.ndarray]:
    """Two numbers' strokes written one under the other, each fitted into a band of the pad `heights` tall, 30
    pixels of paper between the bands."""

    def fitted(strokes, top, height):
        points = np.concatenate(strokes)
        low, scale = points.min(axis=0), height / max(np.ptp(points[:, 1]), np.ptp(points[:, 0]) / 2.4)
        return [(stroke - low) * scale + (20, top) for stroke in strokes]

    return fitted(first, 20, heights[0]) + fitted(second, 50 + heights[0], heights[1])


@pytest.mark.parametrize("heights", [(100, 100), (40, 100), (100, 40)])
def test_each_line_is_drawn_with_its_own_pen(heights):
    # Review 8: the pen followed the whole drawing's height, so line 1 thickened the moment line 2 began; review
    # 9: then it followed the tallest line, so a bigger line 2 still thickened line 1.
    number = writer_numbers("validation", lengths=(5,), count=1, seed=4)[0][0]
    both = stacked(number, number, heights)
    first, second = both[: len(number)], both[len(number) :]
    assert recognition_pens(both) == recognition_pens(first) + recognition_pens(second)
    assert len(set(recognition_pens(both))) == (1 if heights[0] == heights[1] else 2)
    if heights[1] >= heights[0]:  # line 2 begun (a smaller line's first stroke joins line 1 until it is a line)
        assert recognition_pens(both[: len(number) + 1])[: len(number)] == recognition_pens(first)


def test_a_line_of_words_reaching_up_keeps_its_own_pen_and_a_dropped_stroke_joins_its_line():
    # Two lines of letters written close: "gay" over "owl", the g's and y's tails below the top of the l and the
    # w. Each line is drawn with its own pen (one pen from both lines' height fused their letters); a lone stroke
    # reaching up into the line above (a stroke dropped under its number) still takes that line's pen.
    def bar(left, top, bottom):
        return np.array([[left, top], [left + 12.0, (top + bottom) / 2], [left, bottom]])

    upper = [bar(20, 40, 110), bar(60, 40, 80), bar(100, 40, 110)]  # g, a, y: the g's and y's tails down to 110
    lower = [bar(40, 100, 150), bar(60, 120, 150), bar(80, 95, 150)]  # o, w, l under them: the l reaching up to 95
    both = upper + lower
    assert recognition_pens(both) == recognition_pens(upper) + recognition_pens(lower)
    assert len(set(recognition_pens(both))) == 2
    dropped = upper + [bar(60, 100, 130)]  # one stroke under the a, its top above the tails' ends
    assert len(set(recognition_pens(dropped))) == 1 and recognition_pens(dropped)[0] > recognition_pens(upper)[0]


def test_python_and_javascript_give_each_stroke_the_same_pen_and_the_same_groups(tmp_path):
    # pad.js recognitionPens and strokeGroups and their twins, on 300 random drawings of 1-12 strokes (many of them
    # several lines), the groups at a scale of 2 as from a 140-px pad.
    import json
    import subprocess

    from training.webruntime import ROOT

    rng = np.random.default_rng(5)

    def stroke():
        top, left, height, width = rng.uniform(0, 230), rng.uniform(0, 230), rng.uniform(2, 90), rng.uniform(2, 60)
        count = rng.integers(1, 6)
        return np.column_stack([left + width * rng.random(count), top + height * rng.random(count)]).round(2)

    cases = [[stroke() for _ in range(rng.integers(1, 13))] for _ in range(300)]
    points = [[[{"x": x, "y": y} for x, y in s.tolist()] for s in strokes] for strokes in cases]
    (tmp_path / "strokes.json").write_text(json.dumps(points))
    script = "import('./site/js/pad.js').then((p) => console.log(JSON.stringify(JSON.parse(require('fs').readFileSync(process.argv[1])).map((s) => [p.recognitionPens(s, 1, p.DEFAULT_DRAWING), p.strokeGroups(s.map((t) => t.map(({ x, y }) => ({ x: x / 2, y: y / 2 }))), 2)]))))"
    output = subprocess.run(["node", "-e", script, str(tmp_path / "strokes.json")], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    theirs = json.loads(output)
    assert all(np.allclose(recognition_pens(strokes), pens, rtol=0, atol=1e-9) for strokes, (pens, _) in zip(cases, theirs))
    assert sum(len(set(pens)) > 1 for pens, _ in theirs) > 30  # drawings whose lines got pens of their own
    assert all(np.allclose(stroke_groups(strokes), groups, rtol=0, atol=1e-9) for strokes, (_, groups) in zip(cases, theirs))
    assert sum(1 < len(groups) < len(strokes) for strokes, (_, groups) in zip(cases, theirs)) > 30  # strokes merged, groups apart


def test_python_and_javascript_leave_out_the_same_lines_and_loops_and_read_the_same_lines_apart(tmp_path):
    # pad.js leftOut and strokes.py left_out on validation writers' numbers with a line under or over them, with a loop
    # round them, and without either (close, wrapped just under, sloping: strokes level or round that are digits'); and
    # pad.js linesApart and strokes.py lines_apart on the same drawings.
    import json
    import subprocess

    from tools.linepen import sloped
    from training.webruntime import ROOT
    from training.writers import CLOSE_GAP, writer_circled_numbers, writer_lined_numbers, writer_wrapped_numbers

    marked = [item[0] for item in writer_lined_numbers("validation", 60) + writer_circled_numbers("validation", 60)]
    plain = [strokes for strokes, _ in writer_numbers("validation", (3, 5), 30, 3, gap=CLOSE_GAP) + writer_wrapped_numbers("validation", 5, gap=(0.1, 0.1))]
    cases = marked + plain + [sloped(strokes, angle) for strokes in marked[:30] + plain[-20:] for angle in (20, 35)]
    points = [[[{"x": float(x), "y": float(y)} for x, y in np.asarray(s).reshape(-1, 2).tolist()] for s in strokes] for strokes in cases]
    (tmp_path / "strokes.json").write_text(json.dumps(points))
    script = "import('./site/js/pad.js').then((p) => console.log(JSON.stringify(JSON.parse(require('fs').readFileSync(process.argv[1])).map((s) => [p.leftOut(s), p.linesApart(s) || null]))))"
    theirs = json.loads(subprocess.run(["node", "-e", script, str(tmp_path / "strokes.json")], cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    ours = [left_out(strokes) for strokes in cases]
    assert ours == [out for out, _ in theirs]
    apart = [lines_apart(strokes) for strokes in cases]
    assert [found and [sorted(line) for line in found] for found in apart] == [found and [sorted(line) for line in found] for _, found in theirs]
    assert sum(found is not None for found in apart) >= 20  # the wrapped numbers; sloping ones make lines that are not stacked
    assert sum(found == [len(strokes) - 1] for strokes, found in zip(marked, ours)) >= 100  # the line or loop, alone
    assert not any(ours[len(marked) : len(marked) + len(plain)])


def test_on_the_page_a_bigger_second_line_leaves_the_first_lines_ink_alone(page, site_url):
    number = writer_numbers("validation", lengths=(5,), count=1, seed=4)[0][0]
    both = stacked(number, number, (40, 100))  # line 1 on rows 20-60, line 2's ink from row 84
    alone, drawn = pad_canvases(page, site_url, [both[: len(number)], both])
    assert alone[:75].sum() > 0 and np.array_equal(alone[:75], drawn[:75])


def test_python_replays_strokes_as_the_page_draws_them(page, site_url, drawings):
    javascript = pad_canvases(page, site_url, drawings)
    for strokes, theirs in zip(drawings, javascript):
        ours = draw_page(strokes)
        inked = (ours > 0) | (theirs > 0)
        # Python and the canvas 2D context agree on the inked pixels to a mean of 0.025 (anti-aliasing and
        # curve flattening differ by a fraction of a pixel along the edges).
        assert np.abs(ours - theirs)[inked].mean() <= 0.025, f"pens {set(recognition_pens(strokes))} px"
        # And the pen is the rule's: drawn with the page's full pen, small writing is clearly bolder.
        if max(recognition_pens(strokes)) < page_drawing()["penWidth"] - 4:
            full = draw_strokes(strokes, 280, pen_width=page_drawing()["penWidth"])
            assert full.sum() > 1.3 * theirs.sum()
