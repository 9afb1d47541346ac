"""python -m training.preprocess IMAGE.png  — print the 28x28 input the model would see for a drawing.

Preprocessing, specified once and implemented twice on purpose: here (to simulate drawings for training,
tests and benchmarks) and in `site/js/preprocess.js` (in the page). `tests/test_preprocess.py` feeds
the same canvases to both. Keep the two in step; the parameters come from each task's `site/models/<task>/metadata.json`.

Spec (as MNIST was made: "size-normalised to fit a 20x20 box preserving the aspect ratio, anti-aliased,
then centred in 28x28 by the centre of mass"):

1. Ink. The input is RGBA (H, W, 4) uint8, dark ink on a light background. For each pixel
   ink = (1 - (0.299 R + 0.587 G + 0.114 B) / 255) * A / 255, so transparent pixels are paper.
2. Components. mask = ink > inkThreshold; label its 8-connected components in raster order.
3. Specks. reference = the longer bounding-box side of the component with most pixels (ties: first in
   raster order); with marks on (markHeight > 0, step 4), of those that are not a bar (at least barAspect times as
   wide as tall: a line under the digits would make them specks) unless all are. A component whose longer side
   is >= speckSize * reference is a stroke. A smaller one is kept when its box is within speckGap * reference
   of a stroke's box (the larger of the horizontal and vertical gaps between the boxes), otherwise it is a speck
   and ignored. (The page counts the specks at least 0.08 of the canvas's width, bigger than a tap's dot, to say a
   mark was not read: `segment`'s `ignored` in preprocess.js, not twinned here.) Before this, with marks on, a circle
   drawn round an answer is left out (`is_circle`): a component whose box holds another component more than
   CIRCLE_MARGIN x its height from each of its sides, at least CIRCLE_HEIGHT x its height tall, not a straight line
   rising to the right (step 4's moments at CIRCLE_STRAIGHT: a 0 slashed inside stays a 0), with the circle's own
   ink in that one's centre column above and below it and in its centre row left and right of it (a line touching
   one digit under others is no circle). The page counts it in `marks`.
4. Characters (`segment` only). First the lines (`lines`): a component at least ROW_SHARE x the tallest one's
   height is tall; unit = the median tall height (the lower of the middle two). A component at least TOUCH_SPAN x
   unit tall is two lines whose ink touches when another tall component lies wholly above its thinnest row (the
   first row, in the middle third of its height, with the fewest of its own pixels) and another wholly below,
   each inside its row range: it is cut there, the pixels under that row a component of their own
   (`cut_touching_lines`; `preprocess` cuts too, but a lone character has nothing beside it). Taken by the centres of their row
   ranges, top to bottom, a tall component begins a new line when its centre lies more than LINE_PITCH x unit
   below the one before, unless it reaches up into the line so far (its top at or above the line's bottom) while
   less than LINE_UNDER of its width stands under it; otherwise it joins that line. So lines whose tails and
   loops reach into each other stay apart, and a number drifting downhill (each digit beside the ones above it)
   stays one line. Each other component (the dot of an i, a bar) joins the nearest line (the smallest gap between
   its row range and the line's; ties: the upper). Within each line alone: strokes (the reference is the line's)
   are sorted by left edge, each its own group. While two groups' column ranges overlap by >= mergeOverlap * the
   narrower group's width, or are at most mergeGap * the taller group's height apart (a pen lift, not a
   space), or the shorter is under pieceHeight * the taller's height and its box is at most pieceGap * that
   height from the taller's box (the bar of a 5 or a 7 drawn apart) — these two only while the merged box is
   at most maxAspect times as wide as it is tall, so neighbouring digits written close together stay apart,
   unless that shorter group is one stroke whose column range overlaps the taller's (the bar of a 5 slanting
   up past its body) — the first such pair in order is merged. The pen-lift rule (mergeGap) does not merge two groups that are each at least apartHeight * the merged
   box's height: two full-height characters written close, whose ink may touch a column or two (0 turns
   this off).
   Then each group that is one stroke at least barAspect times as wide as tall (a bar: the bar of a 5 drawn
   apart often reaches past its body, too wide for the rules above; the arm of an E), taken left to right,
   joins the nearest group that is not such a bar (ties: the earlier) if it is under barHeight * that
   group's height (a wide 0, 2 or 5 is no bar) and at most barGap * that height from it. Each kept small
   component then joins the group of its nearest stroke (ties: the earlier group). "Nearest" and "from" here
   measure the distance from a piece's box to a stroke's box as the larger of the horizontal gap and
   verticalGapWeight times the vertical gap: in a line of writing, letters stand side by side, so a weight
   under 1 gives the dot of an i to the stem under it rather than to a taller neighbour beside it (1 = the
   plain box gap). Groups are returned left to right, line by line; when every line holds one group, all the
   kept ink is grouped as one line (a character the pen lifted from across its height, a 7's stem cut; a column
   of single digits is read as one line too). (`preprocess` treats all kept ink as one character.)
   Marks (markHeight > 0; 0 turns this off): first a slash (06/12, 1/2) is left out, neither a character nor a
   piece: a stroke whose ink lies along one straight line rising to the right (for its n pixels at columns x and rows
   y, a = n Sum x^2 - (Sum x)^2, b the same of y, c = n Sum xy - Sum x Sum y: c < 0 and (a - b)^2 + 4c^2 >=
   SLASH_STRAIGHT (a + b)^2), at least 0.3 times as wide as tall, with strokes less than its height away from its
   columns on both sides, none of them taller or sharing a column with it (a real 1, as slanted, is no taller than
   the digits beside it). Then a bar beside a group's columns (none in common) with its centre in
   the middle half of the group's rows (a minus beside a digit; a 5's or 7's bar, or a 1's base, is over it or at
   its top or foot) does not join it; a component under markHeight x a stroke's height and in no other stroke's
   columns, whose centre lies right of that stroke's columns and in its lowest quarter, starting at or above its
   foot (a decimal point or comma after a digit), or which is flat (barAspect) with its centre left of them and in
   their middle half (a minus or dash before a digit), is a group of its own, neither merged nor a piece, and so is a
   flat stroke over at least mergeOverlap of the width of two strokes that have no column in common, are not flat and
   are each over 1 / barHeight x its height (a line under or over digits, which would otherwise merge them all into
   one character); then in each
   line a group under markHeight x the line's median group height (the upper of the middle two) is a mark and
   left out. (The page counts what is left out, and the specks step 3 dropped under 0.08 of the canvas's width
   with kept ink on both sides, to say a point, dash or sign was not read: `segment`'s `marks`.)
5. Crop. A character's box is the union of its components' boxes. Inside it, a pixel keeps its ink if it
   belongs to one of the character's components or to no component (the faint anti-aliased fringe);
   pixels of other components are paper.
6. Fit. scale = boxSize / max(h, w); the crop is resampled to round(h * scale) x round(w * scale) (at least
   1) by area averaging: each output pixel is the mean of the source area it covers (a box filter, the
   anti-aliasing). The result is divided by its maximum, so the darkest pixel is 1 as in MNIST.
7. Centre. The centre of mass (cy, cx) of the fitted box, pixel centres at index + 0.5, is moved to
   (imageSize / 2, imageSize / 2): offset = floor(imageSize / 2 - c + 0.5), clamped so the box stays inside.
8. Output: float32 (imageSize * imageSize,), row-major, 0 = paper, 1 = ink; None for an empty canvas.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy import ndimage

DEFAULT_METADATA = Path(__file__).resolve().parent.parent / "site" / "models" / "digits" / "metadata.json"


@dataclass(frozen=True)
class PreprocessConfig:
    """The parameters written to metadata.json under "preprocess" (same names as in the JS)."""

    imageSize: int = 28
    boxSize: int = 20
    inkThreshold: float = 0.2
    speckSize: float = 0.3
    speckGap: float = 0.15
    mergeOverlap: float = 0.5
    mergeGap: float = 0.04
    pieceHeight: float = 0.6
    pieceGap: float = 0.35
    maxAspect: float = 1.1
    barAspect: float = 2.0
    # Added for words (each task's metadata.json has its own values); these defaults keep the digits'
    # segmentation exactly as it was (bars under pieceHeight at pieceGap, distances the plain box gap).
    barHeight: float = 0.6
    barGap: float = 0.35
    verticalGapWeight: float = 1.0
    # Added for numbers written close (0 = off, the segmentation before it). Letters keep it off: on their
    # validation words (`training.recognise`'s), 0.7 read 97.45 % exactly against 97.76 % without.
    apartHeight: float = 0.7
    # Added for points, dashes and signs written among digits (review 11: 3.14 read 314, -5 read 5, sure): a
    # minus beside a digit is not its bar, and a group under markHeight x its line's median group height is a
    # mark, left out; the page says so. 0 = off (letters: marks are left as they were).
    markHeight: float = 0.4


@dataclass(frozen=True)
class Character:
    """One segmented character: its box in canvas pixels (inclusive) and the model input."""

    top: int
    left: int
    bottom: int
    right: int
    input: np.ndarray  # float32 (imageSize * imageSize,), 0 = paper, 1 = ink
    row: int = 0  # its line of writing, 0 = the top one (see `lines`)


def ink_from_rgba(rgba: np.ndarray) -> np.ndarray:
    """Step 1: RGBA uint8 (H, W, 4), dark on light -> ink float64 (H, W) in [0, 1]."""
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"image of shape {rgba.shape}: expected (height, width, 4) RGBA")
    r, g, b, a = (rgba[..., channel].astype(np.float64) for channel in range(4))
    luminance = 0.299 * r + 0.587 * g + 0.114 * b
    return (1 - luminance / 255) * (a / 255)


def find_components(ink: np.ndarray, config: PreprocessConfig) -> tuple[np.ndarray, list[dict]]:
    """Step 2: label 8-connected ink components; return the label image and each component's box and size."""
    labels, count = ndimage.label(ink > config.inkThreshold, structure=np.ones((3, 3), dtype=bool))
    components = []
    for index, box in enumerate(ndimage.find_objects(labels), start=1):
        rows, cols = box
        ys, xs = np.nonzero(labels[box] == index)
        components.append(
            {
                "label": index,
                "top": rows.start,
                "bottom": rows.stop - 1,
                "left": cols.start,
                "right": cols.stop - 1,
                "pixels": len(xs),
                "slash": is_straight_rising(xs + cols.start, ys + rows.start),
                "line": is_straight_rising(xs + cols.start, ys + rows.start, CIRCLE_STRAIGHT),
            }
        )
    return labels, components


SLASH_STRAIGHT = 0.9  # ((a - b)^2 + 4c^2) / (a + b)^2 of the ink's second moments at least this: one straight line
CIRCLE_STRAIGHT = 0.75  # as straight, rising right, drawn with a thick pen: a slash inside a 0, not a circled digit


def is_straight_rising(xs: np.ndarray, ys: np.ndarray, straight: float = SLASH_STRAIGHT) -> bool:
    """Whether a component's pixels (columns, rows) lie along one straight line rising to the right, as a slash's do:
    from n times its central second moments (exact integers, then the page's float arithmetic)."""
    n, sx, sy = len(xs), int(xs.sum()), int(ys.sum())
    a = float(n * int((xs * xs).sum()) - sx * sx)
    b = float(n * int((ys * ys).sum()) - sy * sy)
    c = float(n * int((xs * ys).sum()) - sx * sy)
    return c < 0 and (a - b) * (a - b) + 4 * c * c >= straight * (a + b) * (a + b)


def side(component: dict) -> int:
    return max(component["bottom"] - component["top"] + 1, component["right"] - component["left"] + 1)


def box_gap(a: dict, b: dict) -> int:
    """The larger of the horizontal and vertical gaps between two boxes (0 when they overlap)."""
    dy = max(0, max(a["top"], b["top"]) - min(a["bottom"], b["bottom"]) - 1)
    dx = max(0, max(a["left"], b["left"]) - min(a["right"], b["right"]) - 1)
    return max(dx, dy)


def is_stroke(component: dict, reference: int, config: PreprocessConfig) -> bool:
    return side(component) >= config.speckSize * reference


def reference_side(components: list[dict], config: PreprocessConfig) -> int:
    """The longer box side of the component with most pixels (ties: first in raster order); with marks on, of those
    that are not a bar (a line under the digits would make them specks) unless all are."""
    upright = [c for c in components if not (config.markHeight and is_bar([c], config))]
    return side(max(upright or components, key=lambda component: (component["pixels"], -component["label"])))


def drop_specks(components: list[dict], config: PreprocessConfig) -> list[dict]:
    """Step 3: keep strokes and the small components near them; drop specks."""
    if not components:
        return []
    reference = reference_side(components, config)
    strokes = [component for component in components if is_stroke(component, reference, config)]
    return [
        component
        for component in components
        if component in strokes or any(box_gap(component, stroke) <= config.speckGap * reference for stroke in strokes)
    ]


def extent(group: list[dict]) -> tuple[int, int, int, int]:
    """Left, right, top and bottom of a group of components."""
    return (
        min(c["left"] for c in group),
        max(c["right"] for c in group),
        min(c["top"] for c in group),
        max(c["bottom"] for c in group),
    )


def should_merge(first: list[dict], second: list[dict], config: PreprocessConfig) -> bool:
    left_a, right_a, top_a, bottom_a = extent(first)
    left_b, right_b, top_b, bottom_b = extent(second)
    overlap = min(right_a, right_b) - max(left_a, left_b) + 1
    narrower = min(right_a - left_a + 1, right_b - left_b + 1)
    height_a, height_b = bottom_a - top_a + 1, bottom_b - top_b + 1
    taller, shorter = max(height_a, height_b), min(height_a, height_b)
    row_gap = max(0, max(top_a, top_b) - min(bottom_a, bottom_b) - 1)
    box_distance = max(row_gap, -overlap)
    merged_width = max(right_a, right_b) - min(left_a, left_b) + 1
    merged_height = max(bottom_a, bottom_b) - min(top_a, top_b) + 1
    one_character_wide = merged_width <= config.maxAspect * merged_height
    piece = shorter < config.pieceHeight * taller and box_distance <= config.pieceGap * taller
    # A one-stroke piece over part of the taller group's columns is its bar, however far it reaches out.
    bar_over_body = overlap > 0 and len(first if height_a < height_b else second) == 1
    side_by_side = config.apartHeight > 0 and shorter >= config.apartHeight * merged_height
    pen_lift = -overlap <= config.mergeGap * taller and not side_by_side
    return overlap >= config.mergeOverlap * narrower or (piece and bar_over_body) or (one_character_wide and (pen_lift or piece))


def is_bar(group: list[dict], config: PreprocessConfig) -> bool:
    left, right, top, bottom = extent(group)
    return len(group) == 1 and right - left + 1 >= config.barAspect * (bottom - top + 1)


def piece_gap(piece: dict, stroke: dict, config: PreprocessConfig) -> float:
    """The distance from a piece's box to a stroke's box: the larger of the horizontal gap and
    verticalGapWeight times the vertical gap (the box gap when the weight is 1)."""
    dy = max(0, max(piece["top"], stroke["top"]) - min(piece["bottom"], stroke["bottom"]) - 1)
    dx = max(0, max(piece["left"], stroke["left"]) - min(piece["right"], stroke["right"]) - 1)
    return max(dx, config.verticalGapWeight * dy)


def group_gap(piece: dict, group: list[dict], config: PreprocessConfig) -> float:
    return min(piece_gap(piece, stroke, config) for stroke in group)


def nearest_group(piece: dict, groups: list[list[dict]], config: PreprocessConfig) -> int:
    """Index of the group nearest to `piece` (piece_gap; ties: the earlier group)."""
    return min(range(len(groups)), key=lambda index: (group_gap(piece, groups[index], config), index))


def minus_beside(bar: dict, group: list[dict], config: PreprocessConfig) -> bool:
    """With marks on, whether `bar` lies beside `group`'s columns at its middle height: a minus, not its bar."""
    left, right, top, bottom = extent(group)
    middle = (bar["top"] + bar["bottom"]) / 2
    beside = bar["right"] < left or bar["left"] > right
    return bool(config.markHeight) and beside and top + (bottom - top) / 4 < middle < bottom - (bottom - top) / 4


def attach_bars(groups: list[list[dict]], config: PreprocessConfig) -> list[list[dict]]:
    """A lone flat stroke joins the nearest character close enough to own it (see the spec, step 4)."""
    characters = [group for group in groups if not is_bar(group, config)]
    for bar in [group for group in groups if is_bar(group, config)]:
        if characters:
            nearest = nearest_group(bar[0], characters, config)
            _, _, top, bottom = extent(characters[nearest])
            height = bottom - top + 1
            bar_height = bar[0]["bottom"] - bar[0]["top"] + 1
            close = group_gap(bar[0], characters[nearest], config) <= config.barGap * height
            if bar_height < config.barHeight * height and close and not minus_beside(bar[0], characters[nearest], config):
                characters[nearest] = characters[nearest] + bar
                continue
        characters.append(bar)
    return sorted(characters, key=lambda group: extent(group)[0])


def group_characters(components: list[dict], config: PreprocessConfig) -> list[list[dict]]:
    """Step 4: merge strokes into characters, attach small pieces to their nearest stroke; left to right."""
    if not components:
        return []
    reference = reference_side(components, config)
    strokes = [c for c in components if is_stroke(c, reference, config)]
    # Marks on: under markHeight x a stroke's height and in no stroke's columns, a point or comma after it (centre
    # right of its columns, on its foot) or a flat dash before it (centre left of them, in its middle half) stands
    # alone: neither merged nor a piece.
    flat = lambda c: is_bar([c], config)  # noqa: E731

    def is_point(c: dict) -> bool:
        middle, centre, tall = (c["left"] + c["right"]) / 2, (c["top"] + c["bottom"]) / 2, c["bottom"] - c["top"] + 1

        def beside(s: dict) -> bool:
            height = s["bottom"] - s["top"] + 1
            after = middle > s["right"] and c["top"] <= s["bottom"] and centre > s["bottom"] - height / 4
            before = flat(c) and middle < s["left"] and s["top"] + height / 4 < centre < s["bottom"] - height / 4
            return tall < config.markHeight * height and (after or before)

        return any(beside(s) for s in strokes) and not any(s is not c and s["left"] <= middle <= s["right"] for s in strokes)

    def lines_up(c: dict) -> bool:
        """A line under or over digits: a flat stroke over half the width of two strokes apart, each not flat and over
        1 / barHeight x its height."""
        over = lambda s: min(c["right"], s["right"]) - max(c["left"], s["left"]) + 1 >= config.mergeOverlap * (s["right"] - s["left"] + 1)  # noqa: E731
        spanned = [s for s in strokes if not flat(s) and over(s) and c["bottom"] - c["top"] + 1 < config.barHeight * (s["bottom"] - s["top"] + 1)]
        return flat(c) and len(spanned) > 1 and min(s["right"] for s in spanned) < max(s["left"] for s in spanned)

    def is_slash(c: dict) -> bool:
        """A slash between digits (06/12): a straight stroke rising to the right, at least 0.3 times as wide as tall,
        sharing no column with the strokes less than its height away, as tall as each of them, some on each side."""
        tall = c["bottom"] - c["top"] + 1
        near = [s for s in strokes if s is not c and s["left"] - tall <= c["right"] and c["left"] - tall <= s["right"]]
        beside = all((s["right"] < c["left"] or s["left"] > c["right"]) and s["bottom"] - s["top"] < tall for s in near)
        sides = any(s["right"] < c["left"] for s in near) and any(s["left"] > c["right"] for s in near)
        return c.get("slash", False) and c["right"] - c["left"] + 1 >= 0.3 * tall and beside and sides

    # Marks on, a slash is left out (neither a character nor a piece), as a mark too small to read is.
    slashes = [c for c in strokes if config.markHeight and is_slash(c)]
    components, strokes = [c for c in components if c not in slashes], [c for c in strokes if c not in slashes]
    points = [c for c in components if is_point(c) or (config.markHeight and lines_up(c))]
    strokes = [c for c in strokes if c not in points]
    groups = [[component] for component in sorted(strokes, key=lambda component: (component["left"], component["label"]))]
    merged = True
    while merged:
        merged = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                if should_merge(groups[i], groups[j], config):
                    groups[i] = groups[i] + groups[j]
                    del groups[j]
                    merged = True
                    break
            if merged:
                break
    groups = attach_bars(groups, config)
    for piece in sorted((c for c in components if c not in strokes and c not in points), key=lambda component: component["label"]):
        nearest = nearest_group(piece, groups, config)
        groups[nearest] = groups[nearest] + [piece]
    groups += [[point] for point in points]
    return sorted(groups, key=lambda group: extent(group)[0])


def area_matrix(source: int, target: int) -> np.ndarray:
    """(target, source) weights: output pixel i averages source interval [i, i+1) * source / target."""
    step = source / target
    starts = np.arange(target)[:, None] * step
    ends = starts + step
    cells = np.arange(source)[None, :]
    overlap = np.clip(np.minimum(ends, cells + 1) - np.maximum(starts, cells), 0, None)
    return overlap / step


def fit_and_centre(crop: np.ndarray, config: PreprocessConfig) -> np.ndarray:
    """Steps 6-8: area-resample the crop into the box, normalise, centre by mass in imageSize x imageSize."""
    height, width = crop.shape
    scale = config.boxSize / max(height, width)
    new_height = min(config.boxSize, max(1, int(np.floor(height * scale + 0.5))))
    new_width = min(config.boxSize, max(1, int(np.floor(width * scale + 0.5))))
    fitted = area_matrix(height, new_height) @ crop @ area_matrix(width, new_width).T
    peak = fitted.max()
    if peak > 0:
        fitted = fitted / peak
    total = fitted.sum()
    rows = np.arange(new_height) + 0.5
    cols = np.arange(new_width) + 0.5
    centre_y = (fitted.sum(axis=1) @ rows) / total if total > 0 else new_height / 2
    centre_x = (fitted.sum(axis=0) @ cols) / total if total > 0 else new_width / 2
    half = config.imageSize / 2
    top = int(min(max(np.floor(half - centre_y + 0.5), 0), config.imageSize - new_height))
    left = int(min(max(np.floor(half - centre_x + 0.5), 0), config.imageSize - new_width))
    out = np.zeros((config.imageSize, config.imageSize), dtype=np.float64)
    out[top : top + new_height, left : left + new_width] = fitted
    return out.astype(np.float32).reshape(-1)


def character_crop(ink: np.ndarray, labels: np.ndarray, group: list[dict]) -> tuple[tuple[int, int, int, int], np.ndarray]:
    """Step 5: one character's box (top, left, bottom, right, inclusive) and its ink there, other components blanked."""
    top = min(c["top"] for c in group)
    bottom = max(c["bottom"] for c in group)
    left = min(c["left"] for c in group)
    right = max(c["right"] for c in group)
    crop_labels = labels[top : bottom + 1, left : right + 1]
    own = np.isin(crop_labels, [c["label"] for c in group]) | (crop_labels == 0)
    return (top, left, bottom, right), np.where(own, ink[top : bottom + 1, left : right + 1], 0.0)


def character_input(ink: np.ndarray, labels: np.ndarray, group: list[dict], config: PreprocessConfig) -> Character:
    """Step 5 and on: crop one character's ink (other components blanked) and make its model input."""
    (top, left, bottom, right), crop = character_crop(ink, labels, group)
    return Character(top=top, left=left, bottom=bottom, right=right, input=fit_and_centre(crop, config))


ROW_SHARE = 0.4  # a box this fraction of the tallest one's height, or more, is tall: tall boxes find the lines (step 4)
LINE_PITCH = 0.5  # a tall box whose centre lies more than this x the median tall height below the last one's...
LINE_UNDER = 0.5  # ...begins a new line, unless it reaches up into the line so far with less of its width under it


def lines(boxes: list[tuple[float, float, float, float]]) -> list[list[int]]:
    """The lines of writing (spec step 4) of these (top, bottom, left, right) boxes: per line, top to bottom, the
    boxes' indices. pad.js's pen and its twin `training.strokes.recognition_pens` use it on strokes, `segment` on
    components."""
    if not boxes:
        return []
    tallest = max(bottom - top for top, bottom, _, _ in boxes)
    tall = [index for index, (top, bottom, _, _) in enumerate(boxes) if bottom - top >= ROW_SHARE * tallest]
    unit = sorted(boxes[index][1] - boxes[index][0] for index in tall)[(len(tall) - 1) // 2]
    found: list[list] = []  # [top, bottom, left, right, indices]
    last = 0.0
    for index in sorted(tall, key=lambda index: (boxes[index][0] + boxes[index][1], index)):
        top, bottom, left, right = boxes[index]
        centre = (top + bottom) / 2
        line = found[-1] if found else None
        beside = top <= line[1] and min(right, line[3]) - max(left, line[2]) < LINE_UNDER * (right - left) if line else False
        if line and (centre - last <= LINE_PITCH * unit or beside):
            line[:] = [min(line[0], top), max(line[1], bottom), min(line[2], left), max(line[3], right), line[4] + [index]]
        else:
            found.append([top, bottom, left, right, [index]])
        last = centre
    for index in sorted(set(range(len(boxes))) - set(tall)):
        top, bottom = boxes[index][:2]
        nearest = min(range(len(found)), key=lambda line: (max(0, top - found[line][1], found[line][0] - bottom), line))
        found[nearest][4].append(index)
    return [line[4] for line in found]


TOUCH_SPAN = 1.6  # a component this x the lines' unit tall, or taller, may be two lines whose ink touches (step 4)


def cut_touching_lines(labels: np.ndarray, kept: list[dict]) -> list[dict]:
    """Step 4's first part: each component at least TOUCH_SPAN x the unit tall (as `lines` measures it) with another
    tall component wholly above its thinnest row (its own ink, in the middle third of its height; the first) and
    another wholly below, both within its height, is two lines whose ink touches: cut there (`labels` in place)."""
    heights = [c["bottom"] - c["top"] for c in kept]
    tall = sorted(height for height in heights if height >= ROW_SHARE * max(heights, default=0))
    unit = tall[(len(tall) - 1) // 2] if tall else 0
    cut = []
    for c, height in zip(kept, heights):
        others = [o for o, h in zip(kept, heights) if o is not c and h >= ROW_SHARE * tall[-1]]
        if height < TOUCH_SPAN * unit or not others:
            cut.append(c)
            continue
        own = labels[c["top"] : c["bottom"] + 1, c["left"] : c["right"] + 1] == c["label"]
        low, high = height // 3, height - height // 3
        row = c["top"] + low + int(np.argmin(own.sum(axis=1)[low : high + 1]))
        above = any(c["top"] < o["bottom"] < row for o in others)
        below = any(row < o["top"] < c["bottom"] for o in others)
        if not (above and below):
            cut.append(c)
            continue
        lower = np.zeros_like(own)
        lower[row + 1 - c["top"] :] = own[row + 1 - c["top"] :]
        label = int(labels.max()) + 1
        labels[c["top"] : c["bottom"] + 1, c["left"] : c["right"] + 1][lower] = label
        for part, mask in ((c["label"], own & ~lower), (label, lower)):
            rows, cols = np.nonzero(mask)
            cut.append({"label": part, "top": c["top"] + int(rows.min()), "bottom": c["top"] + int(rows.max()), "left": c["left"] + int(cols.min()), "right": c["left"] + int(cols.max()), "pixels": len(rows)})
    return cut


CIRCLE_MARGIN = 0.02  # a circle's box holds a character at least this x its height from each of its sides...
CIRCLE_HEIGHT = 0.45  # ...and at least this x its height tall (step 3)


def is_circle(c: dict, components: list[dict], labels: np.ndarray) -> bool:
    """Marks on (step 3): a loop drawn round other ink, such as a circled answer: a component whose box holds another,
    CIRCLE_MARGIN x its height clear of each side, at least CIRCLE_HEIGHT x its height tall and no straight line rising
    to the right (CIRCLE_STRAIGHT: a 0 slashed inside), with its own ink above, below, left and right of that one's
    centre (in its row and column)."""
    height = c["bottom"] - c["top"] + 1
    margin = CIRCLE_MARGIN * height

    def ringed(o: dict) -> bool:
        x, y = (o["left"] + o["right"]) // 2, (o["top"] + o["bottom"]) // 2
        column, row = labels[:, x] == c["label"], labels[y] == c["label"]
        sides = [column[c["top"] : o["top"]], column[o["bottom"] : c["bottom"] + 1], row[c["left"] : o["left"]], row[o["right"] : c["right"] + 1]]
        return all(side.any() for side in sides)

    return any(
        min(o["left"] - c["left"], c["right"] - o["right"], o["top"] - c["top"], c["bottom"] - o["bottom"]) > margin
        and o["bottom"] - o["top"] + 1 >= CIRCLE_HEIGHT * height and not o["line"] and ringed(o)
        for o in components
    )


def kept_components(rgba: np.ndarray, config: PreprocessConfig) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Steps 1-3, and step 4's cut of touching lines: ink, the component label image and the components that are
    not specks (nor, marks on, circles)."""
    ink = ink_from_rgba(rgba)
    labels, components = find_components(ink, config)
    components = [c for c in components if not (config.markHeight and is_circle(c, components, labels))]
    return ink, labels, cut_touching_lines(labels, drop_specks(components, config))


def segment(rgba: np.ndarray, config: PreprocessConfig = PreprocessConfig()) -> list[Character]:
    """Split a drawing into characters, line by line and left to right, each preprocessed like a single digit."""
    ink, labels, kept = kept_components(rgba, config)
    found = character_lines(kept, config)
    return [replace(character_input(ink, labels, group, config), row=row) for row, line in enumerate(found) for group in line]


def character_lines(kept: list[dict], config: PreprocessConfig) -> list[list[list[dict]]]:
    """Step 4: the kept components grouped into characters, per line (`lines`), top to bottom, and left to right."""
    boxes = [(c["top"], c["bottom"], c["left"], c["right"]) for c in kept]
    grouped = [group_characters([kept[index] for index in line], config) for line in lines(boxes)]
    # One character a line: one character, the pen lifted across it (a 7's stem).
    if len(grouped) > 1 and all(len(line) == 1 for line in grouped):
        grouped = [group_characters(kept, config)]
    return [without_marks(line, config) for line in grouped]


def without_marks(line: list[list[dict]], config: PreprocessConfig) -> list[list[dict]]:
    """A group under markHeight x its line's median group height (the upper of the middle two) is a mark: left out."""
    heights = [extent(group)[3] - extent(group)[2] for group in line]
    median = sorted(heights)[len(line) // 2] if line else 0
    return [group for group, height in zip(line, heights) if height >= config.markHeight * median]


def preprocess(rgba: np.ndarray, config: PreprocessConfig = PreprocessConfig()) -> np.ndarray | None:
    """A drawing of one digit -> float32 (784,) model input, 0 = paper, 1 = ink; None when nothing is drawn."""
    ink, labels, kept = kept_components(rgba, config)
    if not kept:
        return None
    return character_input(ink, labels, kept, config).input


def load_config(metadata_path: Path | str = DEFAULT_METADATA) -> PreprocessConfig:
    """Read the preprocessing parameters from a metadata.json (the page reads the same file)."""
    try:
        values = json.loads(Path(metadata_path).read_text())["preprocess"]
        return PreprocessConfig(**{name: values[name] for name in PreprocessConfig.__dataclass_fields__})
    except (OSError, KeyError, TypeError, json.JSONDecodeError) as error:
        raise ValueError(f"{metadata_path}: cannot read preprocessing parameters ({error}); run `make convert`") from error


def main(argv: list[str] | None = None) -> int:
    from PIL import Image

    parser = argparse.ArgumentParser(description="Show the 28x28 input(s) the model sees for a drawing.")
    parser.add_argument("image", type=Path, help="a PNG of dark ink on a light background")
    args = parser.parse_args(argv)
    try:
        rgba = np.asarray(Image.open(args.image).convert("RGBA"))
    except OSError as error:
        print(f"error: {args.image}: cannot read image ({error})")
        return 1
    characters = segment(rgba)
    if not characters:
        print("empty drawing: nothing to recognise")
    for character in characters:
        print(f"character at rows {character.top}-{character.bottom}, columns {character.left}-{character.right}:")
        for row in character.input.reshape(28, 28):
            print("".join(" .:-=+*#%@"[min(9, int(value * 10))] for value in row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
