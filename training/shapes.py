"""python -m training.shapes --sheet shapes.png --split train --count 48  — hand-drawn ink that is not a digit.

The digits page reads any ink as a confident digit: a smiley as a 0, a scribble as a 7, a struck-out 5 as an 8.
A judge of "not a digit" needs examples of such ink drawn as a person draws on the pad, so this module draws
doodles as pen strokes (`training.strokes.Stroke`: float (n, 2) points, x right and y down, in pixels of the
page's 280x280 recognition canvas), ready for `draw_page`:

- each kind in KINDS makes one drawing from a template (a slash, a smiley, a star, ...) and `on_pad` draws it as
  a hand would: turned a little, stretched a little, sized as people draw on the pad, wobbled smoothly, placed
  at random with its whole ink on the canvas, and sampled every few pixels as a pointer samples;
- `struck` is a real writer's digit (training/writers.py, the split's writers only) with a line or a scratch
  drawn across it: ink a person means to cancel, not a digit to read;
- no kind is a digit or a near lookalike a person would mean as one (no plain ring = 0, bar = 1, dash, dot).

`shape_drawings(split, count, seed)` cycles through KINDS in their fixed order; the split changes the random
stream (and picks the writers struck through), so train, validation and test doodles differ.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable

import numpy as np

from training.files import atomic_path
from training.strokes import Stroke, draw_page, fit_strokes, page_drawing
from training.writers import DIGIT_HEIGHT, SPLIT_SIZES, Sample, samples_by_writer

SIZE = (60.0, 230.0)  # a doodle's larger extent on the pad (canvas pixels), as people draw
TURN = 15.0  # a drawing is turned up to this many degrees either way...
STRETCH = 0.15  # ...and made up to this fraction wider or narrower than its template
WOBBLE = (0.01, 0.02)  # a hand's smooth drift off the template, x the drawing's size
SPACING = (2.0, 6.0)  # a pointer's samples lie this many pixels apart along the stroke
SCRAWL = (100.0, 240.0)  # a scribble covers an area: drawn small, the pen fills it in
SLASH_SLANT = (40.0, 70.0)  # degrees from the horizontal; steeper, a lone stroke is a slanted 1 to many writers
SPLIT_STREAMS = {"train": 101, "validation": 202, "test": 303}  # mixed with the seed: each split its own doodles
SHEET_COLUMNS = 8


def _margin() -> float:
    """Paper kept around a drawing: half the page's pen, whose ink reaches past the path, and 2 px more."""
    return page_drawing()["penWidth"] / 2 + 2


def _arc(centre_x: float, centre_y: float, radius_x: float, radius_y: float, start: float, end: float, count: int = 48) -> np.ndarray:
    """Points on an ellipse from angle `start` to `end` (radians; y is down, so angles grow clockwise on screen)."""
    angle = np.linspace(start, end, count)
    return np.c_[centre_x + radius_x * np.cos(angle), centre_y + radius_y * np.sin(angle)]


def _rotate(points: np.ndarray, angle: float) -> np.ndarray:
    """Points turned by `angle` radians about the origin (clockwise on screen)."""
    cosine, sine = np.cos(angle), np.sin(angle)
    return points @ np.array([[cosine, sine], [-sine, cosine]])


def _arc_lengths(points: np.ndarray) -> np.ndarray:
    return np.r_[0.0, np.cumsum(np.hypot(*np.diff(points, axis=0).T))]


def densify(points: np.ndarray, step: float = 1.0) -> np.ndarray:
    """The polyline through `points` with a point at least every `step` pixels, its corners kept: a template's
    few vertices become a path the hand's wobble can bend."""
    if len(points) < 2:
        return points
    pieces = [points[:1]]
    for start, end in zip(points[:-1], points[1:]):
        count = max(1, int(np.ceil(np.hypot(*(end - start)) / step)))
        pieces.append(start + (np.arange(1, count + 1) / count)[:, None] * (end - start))
    return np.concatenate(pieces)


def resample(points: np.ndarray, step: float) -> np.ndarray:
    """Points every `step` pixels of arc length along the polyline, first and last kept, as a pointer samples a
    pen moving at an even pace. The samples lie on the polyline, so the pad's path through them stays inside it."""
    lengths = _arc_lengths(points)
    if len(points) < 2 or lengths[-1] == 0:
        return points[:1]  # a dot
    at = np.r_[np.arange(0.0, lengths[-1], step), lengths[-1]]
    return np.c_[np.interp(at, lengths, points[:, 0]), np.interp(at, lengths, points[:, 1])]


def wobble(rng: np.random.Generator, points: np.ndarray, amplitude: float, size: float) -> np.ndarray:
    """Points moved by a smooth random drift of about `amplitude` pixels: three slow sines of the arc length per
    axis, so the line bends as a hand bends it instead of jittering point by point."""
    lengths = _arc_lengths(points)[:, None]
    drift = np.zeros_like(points)
    for _ in range(3):
        wavelength = rng.uniform(0.3, 1.2) * size
        drift += rng.uniform(-0.45, 0.45, size=2) * amplitude * np.sin(2 * np.pi * lengths / wavelength + rng.uniform(0, 2 * np.pi, size=2))
    return points + drift


def on_pad(rng: np.random.Generator, template: list[np.ndarray], size: tuple[float, float] = SIZE, turn: float = TURN, stretch: float = STRETCH) -> list[Stroke]:
    """A template's strokes (any units, y down) drawn as a person draws them on the pad: stretched and turned a
    little, their larger extent `size` pixels, each stroke wobbled and nudged, placed at random with the whole ink
    at least `_margin()` inside the canvas, and sampled 2-6 px apart."""
    canvas, margin = page_drawing()["canvasSize"], _margin()
    factor = np.array([1.0 + rng.uniform(-stretch, stretch), 1.0])
    angle = np.radians(rng.uniform(-turn, turn))
    strokes = [_rotate(np.asarray(stroke, dtype=np.float64).reshape(-1, 2) * factor, angle) for stroke in template]
    points = np.concatenate(strokes)
    low, extent = points.min(axis=0), np.ptp(points, axis=0)
    target = rng.uniform(*size)
    scale = target / max(float(extent.max()), 1e-9)
    amplitude = rng.uniform(*WOBBLE) * target
    strokes = [wobble(rng, densify((stroke - low) * scale), amplitude, target) + rng.normal(0.0, 0.006 * target, size=2) for stroke in strokes]
    points = np.concatenate(strokes)
    low, extent = points.min(axis=0), np.ptp(points, axis=0)
    room = canvas - 2 * margin
    shrink = min(1.0, room / max(float(extent.max()), 1e-9))  # the wobble may have pushed a large one past the pad
    corner = margin + rng.uniform(0.0, 1.0, size=2) * (room - extent * shrink)
    step = rng.uniform(*SPACING)
    return [resample((stroke - low) * shrink + corner, step) for stroke in strokes]


def slash(rng: np.random.Generator, mirrored: bool = False) -> list[Stroke]:
    """A / slanted SLASH_SLANT from the horizontal, slightly bowed; not turned further, so the slant holds."""
    slant = np.radians(rng.uniform(*SLASH_SLANT))
    end = np.array([np.cos(slant) * (-1 if mirrored else 1), -np.sin(slant)])
    bow = rng.uniform(-0.04, 0.04) * np.array([-end[1], end[0]])
    return on_pad(rng, [np.array([end, end / 2 + bow, [0.0, 0.0]])], turn=0.0, stretch=0.0)  # drawn from the top down


def backslash(rng: np.random.Generator) -> list[Stroke]:
    """A \\ slanted SLASH_SLANT from the horizontal."""
    return slash(rng, mirrored=True)


def scribble(rng: np.random.Generator) -> list[Stroke]:
    """A scrawl over an area with 4-12 turns: a zigzag back and forth, a row of loops, or a random tangle."""
    turns = int(rng.integers(4, 13))
    style = rng.integers(3)
    if style == 0:  # zigzag, drifting down the area as it goes
        x = np.where(np.arange(turns + 1) % 2, 1.0, 0.0) + rng.uniform(-0.12, 0.12, turns + 1)
        y = np.linspace(0.0, rng.uniform(0.6, 1.2), turns + 1) + rng.uniform(-0.06, 0.06, turns + 1)
        return on_pad(rng, [np.c_[x, y]], size=SCRAWL, turn=180.0 * (rng.random() < 0.3))
    if style == 1:  # loops like a run of cursive e's
        t = np.linspace(0.0, 2 * np.pi * max(turns // 2, 3), 40 * turns)
        radius = rng.uniform(0.8, 1.4)
        return on_pad(rng, [np.c_[t * rng.uniform(0.25, 0.45) + radius * np.cos(t), radius * np.sin(t) + 0.15 * t]], size=SCRAWL)
    corners = rng.uniform(0.0, 1.0, size=(turns + 2, 2)) * (1.0, rng.uniform(0.5, 1.0))
    return on_pad(rng, [_smooth(corners)], size=SCRAWL)


def _smooth(corners: np.ndarray, per_piece: int = 16) -> np.ndarray:
    """A curve through `corners` (Catmull-Rom), as a hand rounds the turns of a scrawl."""
    padded = np.concatenate([corners[:1], corners, corners[-1:]])
    t = np.linspace(0.0, 1.0, per_piece, endpoint=False)[:, None]
    pieces = []
    for p0, p1, p2, p3 in zip(padded, padded[1:], padded[2:], padded[3:]):
        pieces.append(0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2 + (3 * p1 - p0 - 3 * p2 + p3) * t**3))
    return np.concatenate(pieces + [corners[-1:]])


def smiley(rng: np.random.Generator) -> list[Stroke]:
    """A face: a ring drawn in one go (overshooting a little), two eyes (dots or short strokes), a smiling mouth."""
    start = rng.uniform(0.0, 2 * np.pi)
    face = _arc(0.0, 0.0, 1.0, rng.uniform(0.9, 1.1), start, start + 2 * np.pi * rng.uniform(1.0, 1.08), 72)
    spread, height = rng.uniform(0.28, 0.42), rng.uniform(-0.45, -0.2)
    if rng.random() < 0.5:
        eyes = [np.array([[side * spread, height]]) for side in (-1, 1)]
    else:
        eyes = [np.array([[side * spread, height - 0.1], [side * spread, height + 0.1]]) for side in (-1, 1)]
    width = rng.uniform(0.35, 0.6)
    mouth = _arc(0.0, rng.uniform(-0.05, 0.15), width, rng.uniform(0.2, 0.4), np.radians(rng.uniform(10, 35)), np.radians(rng.uniform(145, 170)), 24)
    return on_pad(rng, [face, *eyes, mouth], size=(80.0, 230.0))


def star(rng: np.random.Generator) -> list[Stroke]:
    """A five-pointed star in one stroke: the points visited every second one, back to the first."""
    tips = _arc(0.0, 0.0, 1.0, 1.0, -np.pi / 2, 1.5 * np.pi, 6)[:5] + rng.normal(0.0, 0.04, size=(5, 2))
    first = int(rng.integers(5))
    order = [(first + 2 * step) % 5 for step in range(6)]
    return on_pad(rng, [tips[order]])


def cross(rng: np.random.Generator) -> list[Stroke]:
    """An x of two strokes."""
    width = rng.uniform(0.7, 1.3)
    return on_pad(rng, [np.array([[0.0, 0.0], [width, 1.0]]), np.array([[width, 0.0], [0.0, 1.0]])])


def plus(rng: np.random.Generator) -> list[Stroke]:
    """A + whose bars cross near their middles."""
    across, down = rng.uniform(0.35, 0.65, size=2)
    width = rng.uniform(0.8, 1.2)
    return on_pad(rng, [np.array([[across * width, 0.0], [across * width, 1.0]]), np.array([[0.0, down], [width, down]])])


def heart(rng: np.random.Generator) -> list[Stroke]:
    """A heart: the classic curve in one stroke from the dip, or its two halves drawn from the dip to the tip."""
    t = np.linspace(0.0, 2 * np.pi, 96)
    x, y = 16 * np.sin(t) ** 3, -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    curve = np.c_[x * rng.uniform(0.85, 1.15), y]
    if rng.random() < 0.5:
        return on_pad(rng, [curve])
    return on_pad(rng, [curve[:49], curve[48:][::-1]])


def hash_sign(rng: np.random.Generator) -> list[Stroke]:
    """A # of two leaning uprights and two crossbars."""
    lean, gap = rng.uniform(0.0, 0.25), rng.uniform(0.3, 0.45)
    uprights = [np.array([[x + lean, 0.0], [x, 1.0]]) for x in (0.5 - gap / 2 + 0.1, 0.5 + gap / 2 + 0.1)]
    bars = [np.array([[0.0, y], [1.1, y + rng.uniform(-0.05, 0.05)]]) for y in (0.5 - gap / 2, 0.5 + gap / 2)]
    return on_pad(rng, uprights + bars)


def arrow(rng: np.random.Generator) -> list[Stroke]:
    """An arrow pointing any way: a shaft and a head of two barbs, as separate strokes or one stroke."""
    head, spread = rng.uniform(0.2, 0.4), np.radians(rng.uniform(25, 45))
    tip = np.array([1.0, 0.0])
    barbs = [tip - head * np.array([np.cos(spread), side * np.sin(spread)]) for side in (-1, 1)]
    heading = rng.uniform(0.0, 2 * np.pi)
    if rng.random() < 0.5:
        strokes = [np.array([[0.0, 0.0], tip]), np.array([barbs[0], tip, barbs[1]])]
    else:
        strokes = [np.array([[0.0, 0.0], tip, barbs[0]]), np.array([tip, barbs[1]])]
    return on_pad(rng, [_rotate(stroke, heading) for stroke in strokes], turn=0.0)


def tick(rng: np.random.Generator) -> list[Stroke]:
    """A check mark: a short stroke down, then a long one up and to the right."""
    corner = np.array([rng.uniform(0.25, 0.4), 1.0])
    return on_pad(rng, [np.array([[0.0, rng.uniform(0.45, 0.7)], corner, [1.0, rng.uniform(-0.3, 0.0)]])])


def triangle(rng: np.random.Generator) -> list[Stroke]:
    """A triangle, point up or down, in one closing stroke or three."""
    corners = np.array([[rng.uniform(0.2, 0.8), 0.0], [1.0, 1.0], [0.0, 1.0]]) + rng.normal(0.0, 0.03, size=(3, 2))
    if rng.random() < 0.3:
        corners[:, 1] = 1.0 - corners[:, 1]
    if rng.random() < 0.6:
        return on_pad(rng, [np.concatenate([corners, corners[:1] + rng.normal(0.0, 0.03, size=2)])])
    return on_pad(rng, [corners[[0, 1]], corners[[1, 2]], corners[[2, 0]]])


def square(rng: np.random.Generator) -> list[Stroke]:
    """A rectangle in one stroke, in two (two L's), or in four."""
    width = rng.uniform(0.6, 1.6)
    corners = np.array([[0.0, 0.0], [width, 0.0], [width, 1.0], [0.0, 1.0]]) + rng.normal(0.0, 0.03, size=(4, 2))
    strokes = int(rng.integers(3))
    if strokes == 0:
        return on_pad(rng, [corners[[0, 1, 2, 3, 0]]])
    if strokes == 1:
        return on_pad(rng, [corners[[3, 0, 1]], corners[[1, 2, 3]]])
    return on_pad(rng, [corners[[0, 1]], corners[[1, 2]], corners[[2, 3]], corners[[3, 0]]])


def spiral(rng: np.random.Generator) -> list[Stroke]:
    """A spiral of 2-3.5 turns from the centre out, either way round."""
    turns = rng.uniform(2.0, 3.5)
    t = np.linspace(0.0, 2 * np.pi * turns, int(60 * turns))
    radius = 0.08 + t
    side = 1 if rng.random() < 0.5 else -1
    return on_pad(rng, [np.c_[radius * np.cos(side * t), radius * np.sin(side * t)]])


def wave(rng: np.random.Generator) -> list[Stroke]:
    """A ~ of 2-4 humps, much wider than tall."""
    humps = int(rng.integers(2, 5))
    x = np.linspace(0.0, humps * np.pi, 30 * humps)
    return on_pad(rng, [np.c_[x, -np.sin(x) * humps * np.pi / rng.uniform(2.5, 4.0) / 2]], size=(110.0, 260.0))


def cloud(rng: np.random.Generator) -> list[Stroke]:
    """A cloud: 6-9 bumps round a flattish ellipse, in one closing stroke."""
    bumps = int(rng.integers(6, 10))
    angles = np.sort(rng.uniform(0, 2 * np.pi / bumps, size=1) + np.arange(bumps) * 2 * np.pi / bumps + rng.normal(0.0, 0.1, bumps))
    rim = np.c_[1.4 * np.cos(angles), 0.8 * np.sin(angles)]
    pieces = []
    for start, end in zip(rim, np.roll(rim, -1, axis=0)):
        middle, half = (start + end) / 2, (end - start) / 2
        facing = np.arctan2(half[1], half[0])
        pieces.append(middle + _rotate(_arc(0.0, 0.0, np.hypot(*half), rng.uniform(0.5, 0.8) * np.hypot(*half), np.pi, 2 * np.pi, 16), facing))  # bulging outwards
    return on_pad(rng, [np.concatenate(pieces)], size=(90.0, 230.0))


def flower(rng: np.random.Generator) -> list[Stroke]:
    """A flower: a small heart, 5-8 petals drawn as one stroke of loops round it, and a stem."""
    petals = int(rng.integers(5, 9))
    t = np.linspace(0.0, 2 * np.pi, 40 * petals)
    reach = 0.35 + np.abs(np.sin(petals * t / 2))
    bloom = np.c_[reach * np.cos(t), reach * np.sin(t)]
    middle = _arc(0.0, 0.0, 0.3, 0.3, 0.0, 2 * np.pi * 1.05, 30)
    stem = np.array([[0.0, 1.4], [rng.uniform(-0.2, 0.2), 2.2], [rng.uniform(-0.1, 0.1), 3.0]])
    return on_pad(rng, [bloom, middle, stem] if rng.random() < 0.7 else [bloom, middle], size=(130.0, 240.0))  # smaller, the pen fills the petals


def sun(rng: np.random.Generator) -> list[Stroke]:
    """A sun: a ring and 6-10 short rays round it."""
    rays = int(rng.integers(6, 11))
    ring = _arc(0.0, 0.0, 1.0, 1.0, 0.0, 2 * np.pi * 1.04, 60)
    angles = rng.uniform(0, 2 * np.pi) + np.arange(rays) * 2 * np.pi / rays
    length = rng.uniform(0.4, 0.8)
    strokes = [np.outer([1.3, 1.3 + length], [np.cos(angle), np.sin(angle)]) for angle in angles]
    return on_pad(rng, [ring, *strokes], size=(100.0, 240.0))


def struck(rng: np.random.Generator, split: str = "train", by_writer: dict[int, list[Sample]] | None = None) -> list[Stroke]:
    """A digit of one of `split`'s writers, placed as writers.writer_digits places it (DIGIT_HEIGHT tall, at
    random, inside the margin), then struck out: one line across it or a zigzag scratch over it (the last stroke).
    The digit keeps its writer's own samples; only the strike is made here."""
    by_writer = samples_by_writer(split) if by_writer is None else by_writer
    writers = sorted(by_writer)
    samples = by_writer[writers[int(rng.integers(len(writers)))]]
    sample = samples[int(rng.integers(len(samples)))]
    canvas, margin = page_drawing()["canvasSize"], _margin()
    room = canvas - 2 * margin
    extent = np.ptp(np.concatenate(sample.strokes), axis=0)
    aspect = extent[0] / extent[1] if extent[1] > 0 else 1.0
    height = min(rng.uniform(*DIGIT_HEIGHT), 0.95 * room / max(aspect, 1e-9), 0.95 * room)
    top, left = margin + rng.uniform(0.0, 1.0, size=2) * (room - np.array([height, height * aspect]))
    digit = fit_strokes(list(sample.strokes), height, top, left)
    points = np.concatenate(digit)
    low, high = points.min(axis=0), points.max(axis=0)
    centre, size = (low + high) / 2 + rng.normal(0.0, 0.08, size=2) * (high - low), float(max(high - low))
    if rng.random() < 0.65:  # one line across: near level, or corner to corner
        angle = np.radians(rng.uniform(-25, 25) if rng.random() < 0.5 else rng.choice([-1, 1]) * rng.uniform(35, 65))
        direction = np.array([np.cos(angle), np.sin(angle)])
        along = (points - centre) @ direction
        # past the digit's ink and at least most of its size: a short bar across a 1 or a 7 is a crossed 7
        half = max((along.max() - along.min()) * rng.uniform(1.05, 1.3), rng.uniform(0.8, 1.1) * size) / 2
        middle = (along.max() + along.min()) / 2
        strike = np.array([centre + (middle - half) * direction, centre + (middle + half) * direction])
    else:  # a scratch back and forth over the middle of the digit
        passes = int(rng.integers(3, 8))
        span = rng.uniform(0.3, 0.7) * (high[1] - low[1])
        x = np.where(np.arange(passes + 1) % 2, high[0], low[0]) + rng.uniform(-0.1, 0.1, passes + 1) * (high[0] - low[0])
        strike = np.c_[x, centre[1] - span / 2 + np.linspace(0.0, span, passes + 1)]
    strike = wobble(rng, densify(strike), rng.uniform(*WOBBLE) * size, size)
    strike = np.clip(strike, margin, canvas - margin)  # the box is convex: clipped points keep the path on the pad
    return digit + [resample(strike, rng.uniform(*SPACING))]


KINDS: tuple[Callable[..., list[Stroke]], ...] = (slash, backslash, scribble, smiley, star, cross, plus, heart, hash_sign, arrow, tick, triangle, square, spiral, wave, struck, cloud, flower, sun)


def kind_name(kind: Callable[..., list[Stroke]]) -> str:
    """A kind's name as drawings are labelled: its function's name ("hash" for hash_sign)."""
    return kind.__name__.removesuffix("_sign")


def shape_drawings(split: str, count: int, seed: int) -> list[tuple[str, list[Stroke]]]:
    """`count` doodles cycling through KINDS in order, each its kind's name and strokes: the same for the same split
    and seed; another split gives others (its own random stream, its own writers for `struck`)."""
    if split not in SPLIT_STREAMS:
        raise ValueError(f"split {split!r}: choose one of {', '.join(SPLIT_STREAMS)}")
    rng = np.random.default_rng([seed, SPLIT_STREAMS[split]])
    by_writer = samples_by_writer(split) if count > KINDS.index(struck) else {}
    drawings = []
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        strokes = kind(rng, split, by_writer) if kind is struck else kind(rng)
        drawings.append((kind_name(kind), strokes))
    return drawings


def contact_sheet(drawings: list[tuple[str, list[Stroke]]], columns: int = SHEET_COLUMNS) -> np.ndarray:
    """The drawings as the page's recognition canvas shows them, tiled `columns` a row on a grey grid, each with
    its kind's name in the corner; uint8 grey, 255 = paper."""
    from PIL import Image, ImageDraw

    canvas = page_drawing()["canvasSize"]
    rows = -(-len(drawings) // columns)
    sheet = Image.new("L", (columns * (canvas + 2), rows * (canvas + 2)), 160)
    pen = ImageDraw.Draw(sheet)
    for index, (name, strokes) in enumerate(drawings):
        left, top = (index % columns) * (canvas + 2), (index // columns) * (canvas + 2)
        tile = np.round(255 * (1 - np.clip(draw_page(strokes), 0, 1))).astype(np.uint8)
        sheet.paste(Image.fromarray(tile), (left, top))
        pen.text((left + 4, top + 2), name, fill=120)
    return np.asarray(sheet)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheet", type=Path, required=True, help="the contact sheet PNG to write")
    parser.add_argument("--split", choices=list(SPLIT_SIZES), default="train")
    parser.add_argument("--count", type=int, default=48)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error(f"--count {args.count}: draw at least one")
    from PIL import Image

    sheet = contact_sheet(shape_drawings(args.split, args.count, args.seed))
    with atomic_path(args.sheet) as temporary:
        Image.fromarray(sheet).save(temporary, format="PNG")
    print(f"{args.count} {args.split} doodles drawn in {args.sheet}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
