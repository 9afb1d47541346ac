"""python -m training.handwriting --out handwriting.png  — letters and words drawn with a mouse, for measuring only.

Hand-made stroke templates of every letter, upper and lower case, two or three styles each, as a person
draws them with a mouse on the page (an "a" as a round with a stem or with a hook, an "l" as a bar or with a
tail, an "E" in one or four strokes...). They are the test of drawn letters and words: **never used for
training or for any choice** (the segmentation's parameters were chosen on words written with the
validation font families' strokes, and the I/l height rule on those and on words set in the validation
outline fonts: `family_words`).

A template is replayed as a mouse would draw it (`replay`): slanted, turned, stretched a little, each
stroke placed with a small error (joins may miss or overshoot), sampled at a mouse's uneven pace with a
hand's tremor, then rendered exactly as the page's pad renders strokes (training/strokes.py) with the page's
16 px pen on its 280 px recognition canvas. Words are letters written left to right at one size and
baseline (lower case smaller than capitals, descenders below), not touching.

Template coordinates: capitals and ascenders 0-10 (y down, baseline 10), lower case from the x-height 4 to
10, descenders to 14. Commands: `M x y` starts a stroke, `L x y` draws a line, `A cx cy rx ry a0 a1` an arc
(screen angles in degrees: 0 right, 90 down) and `D x y` a dot.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np

from training.drawing import DrawSpec, to_rgba
from training.files import atomic_path
from training.strokes import draw_strokes

TEMPLATES = {
    "A": ("M0 10 L3.2 0 L6.4 10 M1.3 6.5 L5.1 6.5", "M0.5 10 L3.5 0 L6 10 M0 6 L7 6"),
    "B": ("M0 0 L0 10 M0 0 L3 0 A3 2.5 2.5 2.5 -90 90 L0 5 M0 5 L3.3 5 A3.3 7.5 2.7 2.5 -90 90 L0 10", "M0 10 L0 0 L3 0 A3 2.5 2.5 2.5 -90 90 L1 5 L3.3 5 A3.3 7.5 2.7 2.5 -90 90 L0 10"),
    "C": ("A4 5 4 5 -40 -320", "A3.5 5 3.5 5 -60 -300"),
    "D": ("M0 0 L0 10 M0 0 L2 0 A2 5 4 5 -90 90 L0 10", "M0 10 L0 0 A0 5 5 5 -90 90"),
    "E": ("M5 0 L0 0 L0 10 L5 10 M0 5 L4 5", "M0 0 L0 10 M0 0 L5 0 M0 5 L4 5 M0 10 L5 10"),
    "F": ("M5 0 L0 0 L0 10 M0 5 L4 5", "M0 0 L0 10 M0 0 L5 0 M0 5 L3.5 5"),
    "G": ("A4 5 4 5 -45 -360 L4.5 5", "A4 5 4 5 -45 -340 L8 5.5 L5 5.5"),
    "H": ("M0 0 L0 10 M6 0 L6 10 M0 5 L6 5", "M0.3 0 L0 10 M0 5.8 L6.2 5.4 M6 0 L6.3 10"),
    "I": ("M0 0 L0 10", "M2 0 L2 10 M0 0 L4 0 M0 10 L4 10"),
    "J": ("M5 0 L5 7.5 A2.5 7.5 2.5 2.5 0 180", "M1.5 0 L6.5 0 M5 0 L5 7.5 A2.5 7.5 2.5 2.5 0 160"),
    "K": ("M0 0 L0 10 M5 0 L0 5.5 L5 10", "M0 0 L0 10 M5 0 L0.3 6 M1.8 4.8 L5.5 10"),
    "L": ("M0 0 L0 10 L5 10", "M0 0 L0 10 M0 10 L4.5 10"),
    "M": ("M0 10 L0.5 0 L4 7 L7.5 0 L8 10", "M0 10 L0 0 L4 8 L8 0 L8 10"),
    "N": ("M0 10 L0 0 L6 10 L6 0", "M0 10 L0 0 M0 0 L6 10 M6 10 L6 0"),
    "O": ("A3.5 5 3.5 5 -90 -450", "A3.5 5 3.5 5 -100 260"),
    "P": ("M0 10 L0 0 L3 0 A3 2.75 2.75 2.75 -90 90 L0 5.5", "M0 0 L0 10 M0 0 L3 0 A3 2.75 2.75 2.75 -90 90 L0 5.5"),
    "Q": ("A4 5 4 5 -90 -450 M5 7.5 L8 10.5", "A4 5 4 5 -90 -450 M4.5 8 L8.5 10"),
    "R": ("M0 10 L0 0 L3 0 A3 2.75 2.75 2.75 -90 90 L0 5.5 M2.5 5.5 L6 10", "M0 0 L0 10 M0 0 L3 0 A3 2.75 2.75 2.75 -90 90 L0 5.5 L6 10"),
    "S": ("A3 2.5 2.8 2.5 -20 -270 A3 7.5 3 2.5 -90 160", "A3.2 2.6 3 2.6 -10 -270 A3.2 7.4 3.2 2.6 -90 170"),
    "T": ("M0 0 L7 0 M3.5 0 L3.5 10", "M3.5 0 L3.5 10 M0 0.3 L7 0"),
    "U": ("M0 0 L0 6.5 A3 6.5 3 3.5 180 0 L6 0", "M0 0 L0.5 7 A3.25 7 2.75 3 180 0 L6.5 0"),
    "V": ("M0 0 L3 10 L6 0", "M0 0 L3.5 10 M3.5 10 L7 0"),
    "W": ("M0 0 L2 10 L4 2 L6 10 L8 0", "M0 0 L2.5 10 L4 4 L5.5 10 L8 0"),
    "X": ("M0 0 L6 10 M6 0 L0 10", "M0.5 0 L5.5 10 M5.5 0 L0 10"),
    "Y": ("M0 0 L3 5 L6 0 M3 5 L3 10", "M0 0 L3 5 M6 0 L0.5 10"),
    "Z": ("M0 0 L6 0 L0 10 L6 10", "M0 0 L6 0 L0 10 L6 10 M1.5 5 L4.5 5"),
    "a": ("A3 7 3 3 -20 -360 L6 4 L6 10", "M0.6 4.6 A3 5.5 2.5 1.5 -150 0 L5.5 10 M5.5 7.2 L2.8 7.2 A2.8 8.6 2.3 1.4 -90 -330"),
    "b": ("M0 0 L0 10 M0.4 5.5 A3 7 3 3 -150 180", "M0 0 L0 10 A3 7 3 3 150 -180"),
    "c": ("A3 7 3 3 -35 -325", "A2.8 7 2.8 3 -50 -310"),
    "d": ("A3 7 3 3 -20 -360 M6 0 L6 10", "A3 7 3 3 -20 -360 L6 0 L6 10"),
    "e": ("M0.3 7 L6 7 A3 7 3 3 0 -320", "M0.5 7.2 L5.8 6.6 A3 7 3 3 -10 -330"),
    "f": ("A5 2 2 2 -30 -180 L3 10 M1 4.5 L5 4.5", "M6 1 A4.5 2.2 1.5 1.5 -60 -180 L3 10 M1.5 4.8 L4.5 4.8"),
    "g": ("A3 7 3 3 -20 -360 L6 4 L6 12 A3 12 3 2 0 160", "A3 6.8 2.8 2.8 -20 -360 L6 4 L6 13 L1 13.5"),
    "h": ("M0 0 L0 10 M0 6.5 A3 6.5 3 2.5 -180 0 L6 10", "M0 0 L0 10 L0 7 A3 6.5 3 2.5 -180 0 L6 10"),
    "i": ("M0 4 L0 10 D0 1.8", "M0 4 L0 10 M-0.3 1.5 L0.4 2"),
    "j": ("M3 4 L3 12 A1.5 12 1.5 2 0 160 D3 1.8", "M3 4 L3 13 L0.5 13.5 D3 1.5"),
    "k": ("M0 0 L0 10 M4.5 4 L0 7.5 L5 10", "M0 0 L0 10 M4.5 4 L0.3 7.5 M1.8 6.5 L5 10"),
    "l": ("M0 0 L0 10", "M0 0 L0 8.5 A1.5 8.5 1.5 1.5 180 30"),
    "m": ("M0 4 L0 10 M0 6 A1.8 6 1.8 2 -180 0 L3.6 10 M3.6 6 A5.4 6 1.8 2 -180 0 L7.2 10", "M0 4 L0 10 L0 6 A1.8 6 1.8 2 -180 0 L3.6 10 L3.6 6 A5.4 6 1.8 2 -180 0 L7.2 10"),
    "n": ("M0 4 L0 10 M0 6.5 A2.8 6.5 2.8 2.5 -180 0 L5.6 10", "M0 4 L0 10 L0 6.5 A2.8 6.5 2.8 2.5 -180 0 L5.6 10"),
    "o": ("A3 7 3 3 -90 -450", "A3 7 3 3 -80 270"),
    "p": ("M0 4 L0 14 M0.4 5.5 A3 7 3 3 -150 180", "M0 4 L0 14 L0 8 A3 7 3 3 150 -180"),
    "q": ("A3 7 3 3 -20 -360 M6 4 L6 14", "A3 7 3 3 -20 -360 L6 4 L6 14 L7.5 13"),
    "r": ("M0 4 L0 10 M0 6.5 A2.5 6.5 2.5 2.5 -180 -60", "M0 4 L0 10 L0 6.5 A2.5 6.5 2.5 2.5 -180 -40"),
    "s": ("A2.5 5.5 2.3 1.5 -20 -270 A2.5 8.5 2.5 1.5 -90 160", "A2.6 5.6 2.4 1.6 -10 -270 A2.6 8.4 2.6 1.6 -90 170"),
    "t": ("M2 1 L2 10 M0 4 L4.5 4", "M2 1 L2 8.5 A3.5 8.5 1.5 1.5 180 60 M0 4 L4.5 4"),
    "u": ("M0 4 L0 7.5 A2.8 7.5 2.8 2.5 180 0 L5.6 4 L5.6 10", "M0 4 L0 7.5 A2.8 7.5 2.8 2.5 180 0 M5.6 4 L5.6 10"),
    "v": ("M0 4 L2.8 10 L5.6 4", "M0 4 L3 10 M3 10 L6 4"),
    "w": ("M0 4 L1.8 10 L3.6 5 L5.4 10 L7.2 4", "M0 4 L2 10 L3.6 6 L5.2 10 L7.2 4"),
    "x": ("M0 4 L5 10 M5 4 L0 10", "M0.3 4 L4.7 10 M5 4.2 L0 9.8"),
    "y": ("M0 4 L3 10 M6 4 L2 14", "M0 4 L0 7.5 A2.8 7.5 2.8 2.5 180 0 M5.6 4 L5.6 12 A2.8 12 2.8 2 0 160"),
    "z": ("M0 4 L5 4 L0 10 L5 10", "M0 4.3 L5 4 L0.3 10 L5.5 10"),
}
CAP_HEIGHT = 10.0  # Template units from the top of a capital to the baseline.
# Words of 3-6 letters, common English, covering every letter; written in lower case, capitals or capitalised.
WORDS = (
    "cat dog sun red big cup hat box fox jam zip yes win van quiz jump lazy "
    "hello world apple bread chair house light night river water table green black white plant "
    "happy quick zebra mouse horse sheep field stone music sound paper pencil letter window garden "
    "friend school summer winter yellow purple orange silver monkey rabbit turtle kitten "
    "jelly juice joke king kite knot milk moon nest note open over pink quiet queen rain road "
    "salt ship star tree wave wolf year young zone zero fizzy buzz jazz oxen taxi next fix six "
    "mix wax flag frog gift glue half hill ink iron lamp leaf lion map nose owl pig pot "
    "rug sock tent toy vase vest web wing yard yolk dove duck egg fern goat gold harp heart"
).split()
LENGTHS = (3, 4, 5, 6)


def parse_template(template: str) -> list[np.ndarray]:
    """A template string -> strokes, float (n, 2) arrays of x, y in template units."""
    tokens = re.findall(r"[A-Z]|-?\d+(?:\.\d+)?", template)
    strokes: list[list[tuple[float, float]]] = []
    index = 0
    while index < len(tokens):
        command = tokens[index]
        if command in ("M", "D"):
            strokes.append([(float(tokens[index + 1]), float(tokens[index + 2]))])
            index += 3
            if command == "D":
                strokes.append([])  # A dot is a stroke of its own: nothing may continue it.
        elif command == "L":
            strokes[-1].append((float(tokens[index + 1]), float(tokens[index + 2])))
            index += 3
        elif command == "A":
            cx, cy, rx, ry, start, end = (float(value) for value in tokens[index + 1 : index + 7])
            angles = np.deg2rad(np.linspace(start, end, max(2, int(abs(end - start) / 10) + 1)))
            arc = [(cx + rx * np.cos(angle), cy + ry * np.sin(angle)) for angle in angles]
            if not strokes or not strokes[-1]:
                strokes.append([])
            strokes[-1].extend(arc)
            index += 7
        else:
            raise ValueError(f"template {template!r}: unknown command {command!r}")
    return [np.array(stroke, dtype=np.float64) for stroke in strokes if stroke]


def replay(strokes: list[np.ndarray], scale: float, rng: np.random.Generator, pace: float = 1.0) -> list[np.ndarray]:
    """Strokes in template units -> the samples a mouse would give the page, in canvas pixels (y down).

    One hand, one letter: a slant of -8 to +20 degrees, a turn of +-4 degrees, a width of 85-115 %; each
    stroke placed with an error of ~1.5 % of the capital height; samples every 3-9 px (a mouse's pace; times
    `pace`) with a smooth tremor of ~0.6 px."""
    slant = np.tan(np.deg2rad(rng.uniform(-8, 20)))
    turn = np.deg2rad(rng.uniform(-4, 4))
    stretch = rng.uniform(0.85, 1.15)
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    result = []
    for stroke in strokes:
        points = stroke + rng.normal(0, 0.15, size=2)  # Where the pen lands, not quite where it should.
        points = np.column_stack([(points[:, 0] - slant * (points[:, 1] - CAP_HEIGHT)) * stretch, points[:, 1]]) @ rotation.T * scale
        if len(points) == 1:
            result.append(points + rng.normal(0, 0.5, size=2))
            continue
        # Resample along the path at the mouse's pace (a new step every sample), then add tremor.
        lengths = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(points, axis=0).T))])
        positions = [0.0]
        while positions[-1] < lengths[-1]:
            positions.append(min(lengths[-1], positions[-1] + rng.uniform(3, 9) * pace))
        samples = np.column_stack([np.interp(positions, lengths, points[:, axis]) for axis in (0, 1)])
        tremor = np.cumsum(rng.normal(0, 0.35, size=samples.shape), axis=0)
        tremor -= np.linspace(0, 1, len(samples))[:, None] * tremor[-1]  # A random walk pinned at both ends.
        result.append(samples + np.clip(tremor, -2, 2))
    return result


def strokes_box(strokes: list[np.ndarray]) -> tuple[float, float, float, float]:
    points = np.concatenate(strokes)
    return points[:, 0].min(), points[:, 1].min(), points[:, 0].max(), points[:, 1].max()


def draw_letter(character: str, style: int, rng: np.random.Generator, spec: DrawSpec = DrawSpec()) -> np.ndarray:
    """One letter drawn alone on the page's canvas (280 x 280), 60-220 px tall, somewhere on it: RGBA uint8."""
    strokes = parse_template(TEMPLATES[character][style])
    size = spec.canvas_size
    _, top, _, bottom = strokes_box(strokes)
    height = rng.uniform(60, 220)
    drawn = replay(strokes, height / (bottom - top), rng)
    left, top, right, bottom = strokes_box(drawn)
    margin = spec.page_pen / 2 + 2
    if right - left > size - 2 * margin:  # A wide letter drawn tall: the person draws it smaller.
        shrink = (size - 2 * margin) / (right - left)
        drawn = [stroke * shrink for stroke in drawn]
        left, top, right, bottom = strokes_box(drawn)
    x = rng.uniform(margin, max(margin, size - margin - (right - left))) - left
    y = rng.uniform(margin, max(margin, size - margin - (bottom - top))) - top
    ink = draw_strokes([stroke + (x, y) for stroke in drawn], size, size, pen_width=spec.page_pen)
    return to_rgba(ink)


def compose_word(characters: list[tuple[str, list[np.ndarray]]], rng: np.random.Generator, spec: DrawSpec = DrawSpec(), cap_height: float | None = None) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Letters (each its strokes in template units, capital height CAP_HEIGHT) written left to right at
    one size and baseline, 70-120 px capitals, 12-45 % of the x-height apart, not touching. Returns the
    RGBA uint8 canvas, 280 px tall and as wide as the word needs, and each letter's column range."""
    cap_height = rng.uniform(70, 120) if cap_height is None else cap_height
    scale = cap_height / CAP_HEIGHT
    inks, tops = [], []
    for _, strokes in characters:
        drawn = replay(strokes, scale * rng.uniform(0.92, 1.08), rng)
        left, top, right, bottom = strokes_box(drawn)
        pad = spec.page_pen / 2 + 2
        shifted = [stroke - (left - pad, top - pad) for stroke in drawn]
        inks.append(draw_strokes(shifted, int(np.ceil(bottom - top + 2 * pad)), int(np.ceil(right - left + 2 * pad)), pen_width=spec.page_pen))
        tops.append(top - pad + rng.normal(0, 0.02 * cap_height))  # Where its box starts, against the baseline.
    return place_letters(inks, tops, cap_height, rng, spec)


def place_letters(inks: list[np.ndarray], tops: list[float], cap_height: float, rng: np.random.Generator, spec: DrawSpec = DrawSpec()) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Each letter's ink (float, its own box) set left to right on the page's canvas: its top `tops` pixels
    from the common baseline (negative above it), 12-45 % of the x-height after the previous letter's ink."""
    gaps = [0.0] + [rng.uniform(0.12, 0.45) * 0.6 * cap_height for _ in inks[1:]]
    width = int(sum(ink.shape[1] for ink in inks) + sum(gaps) + 40)
    canvas = np.zeros((spec.canvas_size, width))
    baseline_offset = (spec.canvas_size - 1.4 * cap_height) / 2 - min(tops)
    x = 20.0
    columns = []
    for ink, top, gap in zip(inks, tops, gaps):
        x += gap
        # Letters do not touch: each starts after the previous one's ink (its box, which the ink fills).
        row = int(np.clip(round(top + baseline_offset), 0, spec.canvas_size - ink.shape[0]))
        column = int(round(x))
        region = canvas[row : row + ink.shape[0], column : column + ink.shape[1]]
        np.maximum(region, ink[: region.shape[0], : region.shape[1]], out=region)
        columns.append((column, column + ink.shape[1] - 1))
        x = column + ink.shape[1]
    return to_rgba(canvas), columns


def font_word(path: Path | str, word: str, rng: np.random.Generator, spec: DrawSpec = DrawSpec()) -> np.ndarray:
    """A word set in an outline font, each glyph re-drawn along its skeleton with the page's pen (as the
    letters training draws glyphs), at one size and baseline like `compose_word`: RGBA uint8."""
    from training.drawing import redraw
    from training.fonts import render_on_baseline

    size = 100  # Rendering size; the letters are then scaled to 70-120 px capitals.
    cap_height = rng.uniform(70, 120)
    scale = cap_height / render_on_baseline(path, "H", size)[0].shape[0]
    pad = int(np.ceil(spec.page_pen / 2)) + 2  # redraw's margin around the skeleton.
    inks, tops = [], []
    for character in word:
        glyph, top = render_on_baseline(path, character, size)
        size_error = rng.uniform(0.92, 1.08)  # One letter a little larger or smaller, on the same baseline.
        height = max(8, int(round(glyph.shape[0] * scale * size_error)))
        inks.append(redraw(glyph.astype(np.float64), height, spec.page_pen, blob_factor=0))
        tops.append(top * scale * size_error - pad + rng.normal(0, 0.02 * cap_height))
    return place_letters(inks, tops, cap_height, rng, spec)[0]


def word_case(word: str, rng: np.random.Generator) -> str:
    """The word in lower case, in capitals or capitalised, one chance in three each."""
    return (word.lower(), word.upper(), word.capitalize())[int(rng.integers(3))]


def drawn_words(count_per_length: int, rng: np.random.Generator) -> tuple[list[np.ndarray], list[str]]:
    """Words of every length in LENGTHS written with the templates (a random style for each letter)."""
    canvases, truths = [], []
    for length in LENGTHS:
        choices = [word for word in WORDS if len(word) == length]
        for _ in range(count_per_length):
            word = word_case(choices[int(rng.integers(len(choices)))], rng)
            letters = [(c, parse_template(TEMPLATES[c][int(rng.integers(len(TEMPLATES[c])))])) for c in word]
            canvases.append(compose_word(letters, rng)[0])
            truths.append(word.upper())
    return canvases, truths


def drawn_letters(repeats: int, rng: np.random.Generator) -> tuple[list[np.ndarray], list[str]]:
    """Every style of every letter drawn `repeats` times alone on the canvas; returns canvases and glyphs."""
    canvases, glyphs = [], []
    for character, styles in TEMPLATES.items():
        for style in range(len(styles)):
            for _ in range(repeats):
                canvases.append(draw_letter(character, style, rng))
                glyphs.append(character)
    return canvases, glyphs


def family_words(count_per_length: int, rng: np.random.Generator, split: str = "validation") -> tuple[list[np.ndarray], list[str]]:
    """Words written with the font families of a split (training/fonts.py): each Hershey font's strokes
    replayed like the templates, each outline font's glyphs re-drawn with the page's pen (`font_word`);
    `count_per_length` words of each length per font file. The validation families' words are what the
    segmentation's parameters and the I/l height rule (training/recognise.py) are chosen on, so the templates
    stay a test."""
    from training.fonts import FAMILIES, HERSHEY_PACKAGE, font_path

    canvases, truths = [], []
    for family in (family for family in FAMILIES if family.split == split):
        for file in family.files:
            for length in LENGTHS:
                choices = [word for word in WORDS if len(word) == length]
                for _ in range(count_per_length):
                    word = word_case(choices[int(rng.integers(len(choices)))], rng)
                    if family.package == HERSHEY_PACKAGE:
                        letters = [(c, hershey_letter(file, c)) for c in word]
                        canvases.append(compose_word(letters, rng)[0])
                    else:
                        canvases.append(font_word(font_path(family, file), word, rng))
                    truths.append(word.upper())
    return canvases, truths


# Capital heights, in recognition pixels, that words are written small at (`small_words`): 14-25 px are 5-9 % of
# the pad, where review 12's "cat" read W at 98 %; at 34 and 50 px the pen rule no longer thins (a control).
SMALL_CAPS = (14, 20, 25, 34, 50)


def hershey_files(split: str) -> list[str]:
    """The Hershey stroke fonts of a split (training/fonts.py FAMILIES)."""
    from training.fonts import FAMILIES, HERSHEY_PACKAGE

    return [file for family in FAMILIES if family.split == split and family.package == HERSHEY_PACKAGE for file in family.files]


def hershey_letter(file: str, character: str) -> list[np.ndarray]:
    """A Hershey glyph's strokes in template units: capitals from y = -12 to the baseline at 9 (21 units) scaled
    to CAP_HEIGHT."""
    from training.fonts import hershey_strokes

    return [(stroke + (0, 12)) * (CAP_HEIGHT / 21.0) for stroke in hershey_strokes(file, character)]


def word_strokes(characters: list[tuple[str, list[np.ndarray]]], cap_height: float, rng: np.random.Generator, canvas_size: int = 280) -> list[np.ndarray]:
    """Letters (each its strokes in template units, capital height CAP_HEIGHT) written left to right as the
    strokes a mouse gives the page, before any pen: `compose_word`'s words at a 95 px capital (the middle of its
    70-120), as a hand writes them smaller: one size and baseline, each letter 92-108 % of it, 12-45 % of the
    x-height plus the page's pen (16 px at 95) apart, the word's box centred on the canvas, 20 px from its left
    edge. Small letters are written slower: samples as close as a third of the mouse's pace at 70 px. A word too
    wide for the canvas is written narrower, as a person squeezes near the edge."""
    scale = cap_height / CAP_HEIGHT
    pace = min(max(cap_height / 70, 1 / 3), 1.0)
    letters, right = [], 0.0
    for index, (_, strokes) in enumerate(characters):
        drawn = replay(strokes, scale * rng.uniform(0.92, 1.08), rng, pace)
        x = right + (rng.uniform(0.12, 0.45) * 0.6 + DrawSpec.page_pen / 95) * cap_height if index else 0.0
        shift = np.array([x - strokes_box(drawn)[0], rng.normal(0, 0.02 * cap_height)])
        letters += [stroke + shift for stroke in drawn]
        right = strokes_box(letters)[2]
    left, top, right, bottom = strokes_box(letters)
    margin = 20.0
    squeeze = min(1.0, (canvas_size - 2 * margin) / max(right - left, 1.0))
    middle = (top + bottom) / 2
    return [np.column_stack([margin + (stroke[:, 0] - left) * squeeze, canvas_size / 2 + stroke[:, 1] - middle]) for stroke in letters]


def small_words(count_per_length: int, rng: np.random.Generator, split: str | None = None, cap_heights: tuple[float, ...] = SMALL_CAPS) -> list[tuple[float, list[np.ndarray], str]]:
    """Words of every length in LENGTHS written as strokes (`word_strokes`) at each capital height, the same words
    at every height: with the templates (split None, the test, a random style for each letter, as `drawn_words`)
    or with a split's Hershey stroke fonts, `count_per_length` of each length per font (as `family_words`; the
    outline fonts have no strokes). Returns (capital height, strokes, the word in capitals)."""
    if split is None:
        sources = [lambda c: parse_template(TEMPLATES[c][int(rng.integers(len(TEMPLATES[c])))])]
    else:
        sources = [lambda c, file=file: hershey_letter(file, c) for file in hershey_files(split)]
    words = []
    for source in sources:
        for length in LENGTHS:
            choices = [word for word in WORDS if len(word) == length]
            for _ in range(count_per_length):
                word = word_case(choices[int(rng.integers(len(choices)))], rng)
                letters = [(c, source(c)) for c in word]
                words += [(cap, word_strokes(letters, cap, rng), word.upper()) for cap in cap_heights]
    return words


def small_letters(repeats: int, rng: np.random.Generator, split: str, cap_heights: tuple[float, ...] = SMALL_CAPS[:3]) -> list[tuple[float, list[np.ndarray], str]]:
    """Every letter, upper and lower case, of a split's Hershey stroke fonts written alone as strokes at each
    capital height, `repeats` times: (capital height, strokes, the letter in capitals)."""
    letters = [(c, hershey_letter(file, c)) for file in hershey_files(split) for c in TEMPLATES]
    return [(cap, word_strokes([letter], cap, rng), letter[0].upper()) for letter in letters for cap in cap_heights for _ in range(repeats)]


def main(argv: list[str] | None = None) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description="Save a sheet of the drawn-letter templates and a few words.")
    parser.add_argument("--out", type=Path, default=Path("handwriting.png"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    letters, glyphs = drawn_letters(1, rng)
    words, truths = drawn_words(1, rng)
    columns = 13
    rows = -(-len(letters) // columns)
    figure = plt.figure(figsize=(columns * 1.1, rows * 1.1 + 2.4 * len(words)))
    grid = figure.add_gridspec(rows + 2 * len(words), columns)
    for index, (canvas, glyph) in enumerate(zip(letters, glyphs)):
        axis = figure.add_subplot(grid[index // columns, index % columns])
        axis.imshow(canvas)
        axis.set_title(glyph, fontsize=7)
        axis.axis("off")
    for index, (canvas, truth) in enumerate(zip(words, truths)):
        axis = figure.add_subplot(grid[rows + 2 * index : rows + 2 * index + 2, :])
        axis.imshow(canvas)
        axis.set_title(truth, fontsize=8)
        axis.axis("off")
    figure.tight_layout()
    with atomic_path(args.out) as temporary:
        figure.savefig(temporary, dpi=80)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
