"""python -m training.strokes --out strokes.png  — draw pen strokes exactly as the page's pad draws them.

The page keeps a drawing as strokes (lists of points) and renders them onto the recognition canvas with a
round pen (site/js/pad.js, `traceStroke` and `drawStrokes`). This module is that renderer in Python, so
training, tests and benchmarks can replay any strokes — a real writer's pen, a stroke font, a synthetic
template — and get the canvas the page would give the model:

- a stroke of one point is a dot: a disc of the pen's diameter;
- a stroke of two or more points is traced as pad.js traces it: from the first point, a quadratic curve
  to the midpoint of each next pair of samples with the sample between them as control point, then a
  straight line to the last point;
- the path is stroked with a round pen (round caps and joins) of `pen_width` pixels, anti-aliased over
  one pixel as the canvas 2D context does: a pixel whose centre lies at distance d from the path gets ink
  clip(pen_width / 2 + 0.5 - d, 0, 1);
- overlapping strokes do not add up: the darker ink wins;
- the recognition pen thins with small writing (`recognition_pens`, pad.js `recognitionPens`): a line of writing
  at least fullPenHeight of the canvas tall gets the page's whole penWidth, a smaller one a pen in proportion
  to its height, never thinner than thinnestPen of penWidth. A 5-digit number written across the pad has
  digits about 45 px tall; at 16 px the pen filled their loops.

Coordinates are canvas pixels, x to the right and y down, (0, 0) the top-left corner of the top-left pixel
(a pixel's centre is at index + 0.5). `tests/test_strokes.py` draws the same strokes with pad.js in Chromium.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from training.files import atomic_path
from training.preprocess import ROW_SHARE, lines

Stroke = np.ndarray  # float (n, 2): x, y in canvas pixels, n >= 1

# The recognition pen's rule (metadata.json's drawing.fullPenHeight and drawing.thinnestPen; convert.py writes
# them from here), chosen on the validation writers only: with the shipped model every pair of fullPenHeight
# 0.4 / 0.5 / 0.6 and thinnestPen 0.15 / 0.25 / 0.35 read 98.0 % of 200 validation numbers exactly (one pen:
# 86.0 %), so the middle of that plateau is kept. See `recognition_pens`. Numbers written close (0.1-0.3 of their
# height apart) ask for a thinner pen, which bridges less paper between digits, and single digits for a bolder
# one: docs/EXPERIMENTS.md, "Numbers written close: two remedies refused" (0.7 was chosen on validation and
# refused at its one test look).
FULL_PEN_HEIGHT = 0.5  # a drawing this fraction of the canvas tall, or taller, gets the whole pen
THINNEST_PEN = 0.25  # the pen never gets thinner than this fraction of penWidth (a task may set its own: tasks.py)


def page_drawing(thinnest_pen: float = THINNEST_PEN) -> dict:
    """The page's drawing settings, as metadata.json's `drawing` block (convert.py writes this with the task's
    thinnest pen)."""
    from training.drawing import DrawSpec

    return {"canvasSize": DrawSpec.canvas_size, "penWidth": DrawSpec.page_pen, "fullPenHeight": FULL_PEN_HEIGHT, "thinnestPen": thinnest_pen}


def merged_boxes(boxes: list[tuple[float, float, float, float]]) -> tuple[list[tuple[float, float, float, float]], list[list[int]]]:
    """Strokes' (top, bottom, left, right) boxes, any two that overlap (in height, or nearly: a tenth of the taller)
    merged into one until none do: roughly the characters, as an 8 drawn as two loops is one. Also, per merged box,
    the indices of the boxes in it."""
    boxes = list(boxes)
    members = [[index] for index in range(len(boxes))]
    merged = True
    while merged:
        merged = False
        for i, j in ((i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes))):
            (top, bottom, left, right), (t, b, l, r) = boxes[i], boxes[j]
            near = 0.1 * max(bottom - top, b - t)  # an 8's loops, drawn apart, nearly touch
            if t <= bottom + near and top <= b + near and l <= right and left <= r:
                boxes[i] = (min(top, t), max(bottom, b), min(left, l), max(right, r))
                members[i] += members.pop(j)
                del boxes[j]
                merged = True
                break
    return boxes, members


def stroke_groups(strokes: list[Stroke]) -> list[tuple[float, float, float, float]]:
    """The strokes' merged boxes (`merged_boxes`: roughly the characters as the pen drew them), (top, bottom, left,
    right) in canvas pixels, by their left edge: where the ink of two digits written close touches, their strokes
    still lie apart (training/joined.py `stroke_cut`). Twin: pad.js `strokeGroups`."""
    points = [np.asarray(stroke, dtype=np.float64).reshape(-1, 2) for stroke in strokes]
    boxes, _ = merged_boxes([(float(p[:, 1].min()), float(p[:, 1].max()), float(p[:, 0].min()), float(p[:, 0].max())) for p in points if len(p)])
    return sorted(boxes, key=lambda box: box[2])


# A stroke under or over the answer, or round it (`left_out`): "straight" within this share of its chord; a line within
# LINE_SLANT of level, the groups it spans each LINE_CLEAR x the tallest other group's height above it (or below);
# a loop turning LOOP_TURN round the centre of a group at least LOOP_HOLDS of its height tall, not one straight
# stroke slanting more than UPRIGHT from vertical (a 0's slash). Chosen: docs/EXPERIMENTS.md, "A line under or a loop
# round the answer: left out by its strokes".
STRAIGHT = 0.1
LINE_SLANT = 15.0
LINE_CLEAR = 0.25
LOOP_TURN = 300.0
LOOP_HOLDS = 0.3
UPRIGHT = 20.0


def straight(stroke: np.ndarray) -> float | None:
    """The slant of a stroke whose every point lies within STRAIGHT x its chord of it, in degrees from level (0 to
    90), or None (a curve, or a dot)."""
    (x0, y0), (x1, y1) = stroke[0], stroke[-1]
    chord = np.hypot(x1 - x0, y1 - y0)
    if len(stroke) < 2 or chord == 0 or np.abs((stroke[:, 0] - x0) * (y1 - y0) - (stroke[:, 1] - y0) * (x1 - x0)).max() > STRAIGHT * chord * chord:
        return None
    return float(np.degrees(np.arctan2(abs(y1 - y0), abs(x1 - x0))))


def turning(stroke: np.ndarray, x: float, y: float) -> float:
    """How far a stroke's polyline turns round the point (x, y), in degrees (signed: the sum of its steps)."""
    angles = np.arctan2(stroke[:, 1] - y, stroke[:, 0] - x)
    steps = np.diff(angles)
    return float(np.degrees(((steps + np.pi) % (2 * np.pi) - np.pi).sum()))


def left_out(strokes: list[Stroke]) -> list[int]:
    """The strokes the page leaves out of a digits drawing (pad.js `leftOut`): a line under or over the answer and a
    loop round it, whose ink, touching a digit, no rule over components can part (training/preprocess.py reads
    components). A line: straight, within LINE_SLANT of level, spanning the x-centres of two or more of the other
    strokes' groups (`merged_boxes`), each LINE_CLEAR x the tallest's height above it, or each below it. A loop: 3+
    points turning LOOP_TURN or more round the centre of another group at least LOOP_HOLDS of its height tall, not a
    single straight stroke more than UPRIGHT from vertical. Indices, ascending."""
    points = [np.asarray(stroke, dtype=np.float64).reshape(-1, 2) for stroke in strokes]
    found = []
    for index, stroke in enumerate(points):
        others = [i for i in range(len(points)) if i != index and len(points[i])]
        if not len(stroke) or not others:
            continue
        boxes, members = merged_boxes([(points[i][:, 1].min(), points[i][:, 1].max(), points[i][:, 0].min(), points[i][:, 0].max()) for i in others])
        tallest = max(bottom - top for top, bottom, _, _ in boxes)
        slant = straight(stroke)
        if slant is not None and slant <= LINE_SLANT:
            y = (stroke[0, 1] + stroke[-1, 1]) / 2
            row = sorted((box for box in boxes if stroke[:, 0].min() <= (box[2] + box[3]) / 2 <= stroke[:, 0].max()), key=lambda box: box[2])
            spanned = [(top + bottom) / 2 - y for top, bottom, _, _ in row]
            one_row = len(row) >= 2 and all(a[3] < b[2] for a, b in zip(row, row[1:])) and max(box[0] for box in row) < min(box[1] for box in row)
            if one_row and (max(spanned) <= -LINE_CLEAR * tallest or min(spanned) >= LINE_CLEAR * tallest):
                found.append(index)
                continue
        height = np.ptp(stroke[:, 1])
        for (top, bottom, left, right), member in zip(boxes, members):
            lone = straight(points[others[member[0]]]) if len(member) == 1 else None
            (x0, y0), (x1, y1), slack = stroke.min(axis=0), stroke.max(axis=0), height / 20
            inside = y0 - slack <= top and bottom <= y1 + slack and x0 - slack <= left and right <= x1 + slack
            if len(stroke) >= 3 and inside and bottom - top >= LOOP_HOLDS * height and (lone is None or lone >= 90 - UPRIGHT) and abs(turning(stroke, (left + right) / 2, (top + bottom) / 2)) >= LOOP_TURN:
                found.append(index)
                break
    return found


def kept(strokes: list[Stroke]) -> list[Stroke]:
    """The strokes a digits drawing's recognition canvas is drawn from: all but those `left_out` (pad.js toImageData
    with the digits' drawing)."""
    out = left_out(strokes)
    return [stroke for index, stroke in enumerate(strokes) if index not in out]


def stroke_lines(strokes: list[Stroke]) -> list[list[int]]:
    """The lines of writing the strokes make, as the pen rule finds them (`recognition_pens`): per line, top to bottom,
    its strokes' indices (`training.preprocess.lines` of the strokes' merged boxes). The lines are one when every line
    holds one box (an 8's two loops, a 7 whose stem a pen lift cut) or when a line of one box reaches up into the line
    above it (a stroke dropped below its number); a line of several boxes reaching up (a word's ascenders under the
    descenders of the word above) stays a line of its own. Strokes without points belong to none. Twin: pad.js
    `strokeLines`."""
    points = [np.asarray(stroke, dtype=np.float64).reshape(-1, 2) for stroke in strokes]
    drawn = [index for index, stroke in enumerate(points) if len(stroke)]
    boxes, members = merged_boxes([(*(float(f(points[index][:, 1])) for f in (np.min, np.max)), *(float(f(points[index][:, 0])) for f in (np.min, np.max))) for index in drawn])

    def edge(line, side):  # a line's top (side 0) or bottom (side 1)
        return (max if side else min)((boxes[index][side] for index in line), default=0.0)

    found = lines(boxes)
    if all(len(line) == 1 for line in found) or any(len(line) < 2 and edge(line, 0) <= edge(above, 1) for above, line in zip(found, found[1:])):
        found = [list(range(len(boxes)))]
    return [sorted(drawn[member] for index in line for member in members[index]) for line in found if line]


def stroke_box(strokes: list[Stroke]) -> tuple[float, float, float, float]:
    """The (top, bottom, left, right) of these strokes' points."""
    points = np.concatenate([np.asarray(stroke, dtype=np.float64).reshape(-1, 2) for stroke in strokes])
    return float(points[:, 1].min()), float(points[:, 1].max()), float(points[:, 0].min()), float(points[:, 0].max())


def recognition_pens(strokes: list[Stroke], drawing: dict | None = None) -> list[float]:
    """The pen width pad.js draws each of these strokes (canvas pixels) with on the recognition canvas.

    penWidth x clamp(lineHeight / (fullPenHeight x canvasSize), thinnestPen, 1), lineHeight the vertical extent of
    the stroke's line (`stroke_lines`): a line is drawn as if it were written alone, so a line written under
    another, of any size, leaves the first one's pen alone. A drawing with thinnestPen 1 keeps one pen whatever its
    size.
    """
    drawing = page_drawing() if drawing is None else drawing
    pens = [drawing["penWidth"]] * len(strokes)
    for line in stroke_lines(strokes):
        top, bottom, _, _ = stroke_box([strokes[index] for index in line])
        share = (bottom - top) / (drawing["fullPenHeight"] * drawing["canvasSize"])
        for index in line:
            pens[index] = drawing["penWidth"] * min(max(share, drawing["thinnestPen"]), 1.0)
    return pens


# Lines of strokes read apart (`lines_apart`): stacked, each two consecutive ones overlapping in x by at least
# APART_OVERLAP of the narrower's width, their centres at least APART_PITCH x the unit (the lower median height of the
# merged stroke boxes at least ROW_SHARE of the tallest, as `lines`) apart. Chosen: docs/EXPERIMENTS.md, "Lines the
# strokes say, read apart".
APART_OVERLAP = 0.5
APART_PITCH = 0.8


def lines_apart(strokes: list[Stroke]) -> list[list[int]] | None:
    """The digits page's lines of strokes, each drawn on a recognition canvas of its own and read alone (pad.js
    toImageData's `lines`), so lines whose ink touches are not one component: `stroke_lines` when there are two or
    more and they are stacked as a number wrapped under itself (APART_OVERLAP, APART_PITCH), else None."""
    found = stroke_lines(strokes)
    if len(found) < 2:
        return None
    heights = [bottom - top for top, bottom, _, _ in merged_boxes([stroke_box([stroke]) for stroke in strokes if len(stroke)])[0]]
    tall = sorted(height for height in heights if height >= ROW_SHARE * max(heights))
    unit = tall[(len(tall) - 1) // 2]
    boxes = [stroke_box([strokes[index] for index in line]) for line in found]
    for (top, bottom, left, right), (t, b, l, r) in zip(boxes, boxes[1:]):
        if (t + b) / 2 - (top + bottom) / 2 < APART_PITCH * unit or min(right, r) - max(left, l) < APART_OVERLAP * min(right - left, r - l):
            return None
    return found


def digits_page(strokes: list[Stroke], drawing: dict | None = None) -> tuple[tuple[np.ndarray, list], list[tuple[np.ndarray, list]] | None]:
    """What the digits page's pad gives recognition for these strokes (pad.js toImageData, the digits' drawing): the
    recognition canvas (ink in [0, 1]) and stroke groups of the strokes it keeps (`kept`), and, where `lines_apart`
    finds lines, each line's canvas and groups (the line's strokes alone, with the pens they get in the whole), else
    None. recognise.js reads those lines apart, each with the whole drawing's groups."""
    drawing = page_drawing() if drawing is None else drawing
    strokes = kept(strokes)
    pens = recognition_pens(strokes, drawing)

    def image(line):
        some = [strokes[index] for index in line]
        return draw_strokes(some, drawing["canvasSize"], pen_width=[pens[index] for index in line]), stroke_groups(some)

    found = lines_apart(strokes)
    return image(range(len(strokes))), None if found is None else [image(line) for line in found]


def draw_page(strokes: list[Stroke], drawing: dict | None = None) -> np.ndarray:
    """The recognition canvas pad.js gives the model for these strokes (canvas pixels); ink float64 in [0, 1]."""
    drawing = page_drawing() if drawing is None else drawing
    return draw_strokes(strokes, drawing["canvasSize"], pen_width=recognition_pens(strokes, drawing))


def trace(stroke: Stroke, step: float = 1.0) -> np.ndarray:
    """The path pad.js traces through a stroke's samples, flattened to a polyline; float (m, 2).

    Each quadratic curve is cut into pieces about `step` pixels long (at most 0.02 px from the curve for
    the curvature of handwriting).
    """
    points = np.asarray(stroke, dtype=np.float64).reshape(-1, 2)
    if len(points) < 3:
        return points
    path = [points[:1]]
    start = points[0]
    for index in range(1, len(points) - 1):
        control = points[index]
        end = (points[index] + points[index + 1]) / 2
        length = np.hypot(*(control - start)) + np.hypot(*(end - control))
        pieces = max(1, int(np.ceil(length / step)))
        t = (np.arange(1, pieces + 1) / pieces)[:, None]
        path.append((1 - t) ** 2 * start + 2 * (1 - t) * t * control + t**2 * end)
        start = end
    path.append(points[-1:])
    return np.concatenate(path)


def _segment_distance(px: np.ndarray, py: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from points (px, py) to the segment a-b."""
    d = b - a
    length_squared = float(d @ d)
    if length_squared == 0:
        return np.hypot(px - a[0], py - a[1])
    t = np.clip(((px - a[0]) * d[0] + (py - a[1]) * d[1]) / length_squared, 0.0, 1.0)
    return np.hypot(px - (a[0] + t * d[0]), py - (a[1] + t * d[1]))


def draw_strokes(strokes: list[Stroke], height: int, width: int | None = None, pen_width: float | list[float] = 16.0, ink: np.ndarray | None = None) -> np.ndarray:
    """Render strokes with a round pen as pad.js does; ink float64 (height, width) in [0, 1].

    `pen_width` is one width for every stroke or a list of each stroke's. Given `ink`, the strokes are drawn onto
    it (in place) and it is returned.
    """
    width = height if width is None else width
    canvas = np.zeros((height, width)) if ink is None else ink
    pens = pen_width if isinstance(pen_width, list) else [pen_width] * len(strokes)
    for stroke, pen in zip(strokes, pens):
        reach = pen / 2 + 0.5  # beyond this distance from the path a pixel gets no ink
        path = trace(stroke)
        if len(path) == 0:
            continue
        segments = [(path[0], path[0])] if len(path) == 1 else list(zip(path[:-1], path[1:]))
        for a, b in segments:
            left = max(0, int(np.floor(min(a[0], b[0]) - reach)))
            right = min(width, int(np.ceil(max(a[0], b[0]) + reach)) + 1)
            top = max(0, int(np.floor(min(a[1], b[1]) - reach)))
            bottom = min(height, int(np.ceil(max(a[1], b[1]) + reach)) + 1)
            if left >= right or top >= bottom:
                continue
            py, px = np.mgrid[top:bottom, left:right] + 0.5
            coverage = np.clip(reach - _segment_distance(px, py, a, b), 0.0, 1.0)
            window = canvas[top:bottom, left:right]
            np.maximum(window, coverage, out=window)
    return canvas


def fit_strokes(strokes: list[Stroke], height: float, top: float, left: float) -> list[Stroke]:
    """Scale strokes uniformly so their points span `height` pixels vertically, with the top-left of their
    bounding box at (left, top). A stroke set with no height (a dash) is scaled by its width instead."""
    points = np.concatenate([np.asarray(stroke, dtype=np.float64).reshape(-1, 2) for stroke in strokes])
    low, high = points.min(axis=0), points.max(axis=0)
    extent = high[1] - low[1] if high[1] > low[1] else max(high[0] - low[0], 1e-9)
    scale = height / extent
    return [(np.asarray(stroke, dtype=np.float64).reshape(-1, 2) - low) * scale + (left, top) for stroke in strokes]


def fine_pen_glyph(strokes: list[Stroke], height: int = 64, margin: int = 4, pen_width: float = 4.0) -> np.ndarray:
    """A stroke font's glyph as a font renders it: its strokes `height` pixels tall with a fine pen, `margin`
    pixels of paper around them. Float (height + 2 * margin, as wide as the glyph), 1 = ink."""
    fitted = fit_strokes(strokes, height, margin, margin)
    right = max(float(stroke[:, 0].max()) for stroke in fitted)
    return draw_strokes(fitted, height + 2 * margin, int(np.ceil(right)) + margin + 1, pen_width=pen_width)


def main(argv: list[str] | None = None) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description="Draw a few strokes as the page's pad would and save them.")
    parser.add_argument("--out", type=Path, default=Path("strokes.png"))
    parser.add_argument("--pen-width", type=float, default=16.0)
    args = parser.parse_args(argv)
    angle = np.linspace(0, 2 * np.pi, 40)
    examples = {
        "zero": [np.c_[140 + 60 * np.sin(angle), 140 - 100 * np.cos(angle)]],
        "seven": [np.array([[70, 50], [210, 50], [120, 240]]), np.array([[110, 145], [190, 145]])],
        "dot": [np.array([[140, 140]])],
    }
    figure, axes = plt.subplots(1, len(examples), figsize=(3 * len(examples), 3))
    for axis, (name, strokes) in zip(axes, examples.items()):
        axis.imshow(draw_strokes(strokes, 280, pen_width=args.pen_width), cmap="gray_r", vmin=0, vmax=1)
        axis.set_title(name)
        axis.axis("off")
    figure.tight_layout()
    with atomic_path(args.out) as temporary:
        figure.savefig(temporary, dpi=80)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
