"""Words written by two stroke-model hands, an adult's and a child's: validation data for the page's height rules.

Review 4 wrote words on the page with this model of a hand (glyph skeletons -> Catmull-Rom curves -> jitter,
wobble and slant), and the page misread them in ways our font words never showed: a lower-case a written by
hand read as Q, a final n as H. Handwriting proportions matter here (x-height about 0.55 of the capital
height; descenders to 1.4), so the model keeps them, and its words are replayed exactly as pad.js draws them
(training/strokes.py `draw_page`). It is kept as the reviewer wrote it, so its words are the ones the rule
was chosen on.

Glyph coordinates: y = 0 the capital / ascender line, y = 1 the baseline, x-height at y = 0.45, descenders to
1.4; x in the same unit; each glyph its advance width and its strokes' control points. No w, x or X: words are
drawn from training/handwriting.py's WORDS spelled without them. Never a test set: tests and benchmarks that
report figures use the held-out font families and the mouse templates.
"""

from __future__ import annotations

import math
import random

import numpy as np


def arc(cx, cy, rx, ry, a0, a1, n=10):
    return [(cx + rx * math.cos(math.radians(a0 + (a1 - a0) * i / n)), cy + ry * math.sin(math.radians(a0 + (a1 - a0) * i / n))) for i in range(n + 1)]


GLYPHS = {
    "A": (0.75, [[(0.0, 1.0), (0.2, 0.5), (0.38, 0.0), (0.56, 0.5), (0.76, 1.0)], [(0.18, 0.62), (0.58, 0.62)]]),
    "D": (0.65, [[(0.08, 0.0), (0.08, 1.0)], [(0.08, 0.02), (0.4, 0.05), (0.62, 0.35), (0.6, 0.7), (0.38, 0.98), (0.08, 1.0)]]),
    "E": (0.55, [[(0.55, 0.0), (0.08, 0.0), (0.07, 0.5), (0.06, 1.0), (0.58, 1.0)], [(0.07, 0.5), (0.45, 0.5)]]),
    "G": (0.7, [[(0.62, 0.12), (0.4, 0.0), (0.12, 0.15), (0.03, 0.5), (0.15, 0.88), (0.42, 1.0), (0.65, 0.85), (0.66, 0.58), (0.42, 0.58)]]),
    "H": (0.65, [[(0.05, 0.0), (0.05, 1.0)], [(0.6, 0.0), (0.6, 1.0)], [(0.05, 0.5), (0.6, 0.5)]]),
    "I": (0.3, [[(0.15, 0.0), (0.14, 1.0)]]),
    "J": (0.55, [[(0.45, 0.0), (0.46, 0.7), (0.35, 0.97), (0.15, 0.98), (0.02, 0.8)]]),
    "L": (0.5, [[(0.06, 0.0), (0.06, 1.0), (0.5, 1.0)]]),
    "M": (0.85, [[(0.02, 1.0), (0.05, 0.0), (0.42, 0.7), (0.78, 0.0), (0.82, 1.0)]]),
    "O": (0.75, [arc(0.38, 0.5, 0.36, 0.5, -95, 275, 14)]),
    "P": (0.55, [[(0.08, 1.0), (0.08, 0.0), (0.35, 0.0), (0.55, 0.15), (0.5, 0.42), (0.08, 0.5)]]),
    "Q": (0.78, [arc(0.38, 0.48, 0.36, 0.48, -95, 275, 14), [(0.45, 0.72), (0.76, 1.02)]]),
    "U": (0.65, [[(0.05, 0.0), (0.05, 0.7), (0.2, 0.97), (0.45, 0.97), (0.6, 0.7), (0.6, 0.0)]]),
    "Z": (0.6, [[(0.02, 0.02), (0.58, 0.0), (0.02, 1.0), (0.6, 0.98)]]),
    "W": (0.95, [[(0.0, 0.0), (0.2, 1.0), (0.45, 0.3), (0.7, 1.0), (0.92, 0.0)]]),
    "R": (0.6, [[(0.08, 1.0), (0.08, 0.0), (0.35, 0.0), (0.55, 0.15), (0.5, 0.42), (0.08, 0.5), (0.55, 1.0)]]),
    "a": (0.5, [arc(0.24, 0.72, 0.22, 0.27, -20, 340, 12) + [(0.46, 0.45), (0.46, 0.95), (0.5, 1.0)]]),
    "d": (0.52, [arc(0.24, 0.72, 0.22, 0.27, -20, 340, 12) + [(0.46, 0.45), (0.46, 0.0), (0.46, 0.95), (0.52, 1.0)]]),
    "e": (0.48, [[(0.05, 0.72), (0.45, 0.7), (0.38, 0.5), (0.22, 0.45), (0.05, 0.58), (0.04, 0.85), (0.22, 1.0), (0.45, 0.92)]]),
    "g": (0.5, [arc(0.24, 0.7, 0.22, 0.25, -20, 340, 12) + [(0.46, 0.45), (0.46, 1.2), (0.35, 1.38), (0.15, 1.38), (0.03, 1.25)]]),
    "h": (0.5, [[(0.06, 0.0), (0.06, 1.0)], [(0.06, 0.65), (0.2, 0.47), (0.38, 0.47), (0.45, 0.6), (0.46, 1.0)]]),
    "i": (0.15, [[(0.07, 0.45), (0.07, 1.0)], [(0.07, 0.24), (0.075, 0.25)]]),  # stroke 2 = dot
    "j": (0.35, [[(0.27, 0.45), (0.27, 1.15), (0.2, 1.35), (0.08, 1.38), (0.0, 1.28)], [(0.27, 0.24), (0.275, 0.25)]]),
    "l": (0.15, [[(0.07, 0.0), (0.07, 1.0)]]),
    "m": (0.8, [[(0.04, 0.45), (0.04, 1.0), (0.04, 0.62), (0.15, 0.46), (0.3, 0.47), (0.38, 0.6), (0.39, 1.0), (0.39, 0.62), (0.5, 0.46), (0.66, 0.47), (0.74, 0.6), (0.75, 1.0)]]),
    "o": (0.5, [arc(0.25, 0.725, 0.23, 0.275, -95, 275, 12)]),
    "p": (0.5, [[(0.06, 0.45), (0.06, 1.4)], [(0.06, 0.55), (0.25, 0.45), (0.45, 0.58), (0.45, 0.85), (0.25, 1.0), (0.06, 0.9)]]),
    "q": (0.5, [arc(0.24, 0.72, 0.22, 0.27, -20, 340, 12) + [(0.46, 0.45), (0.46, 1.4), (0.55, 1.3)]]),
    "u": (0.5, [[(0.04, 0.45), (0.04, 0.85), (0.15, 1.0), (0.33, 0.98), (0.45, 0.8), (0.45, 0.45), (0.45, 0.95), (0.5, 1.0)]]),
    "z": (0.45, [[(0.02, 0.46), (0.43, 0.45), (0.02, 1.0), (0.45, 0.98)]]),
    "t": (0.4, [[(0.15, 0.12), (0.15, 0.9), (0.22, 1.0), (0.38, 0.95)], [(0.0, 0.45), (0.35, 0.44)]]),  # stroke 2 = bar
    "c": (0.45, [arc(0.25, 0.72, 0.22, 0.27, -40, -320, 10)]),
    "r": (0.38, [[(0.05, 0.45), (0.05, 1.0), (0.05, 0.65), (0.18, 0.48), (0.36, 0.47)]]),
    "n": (0.5, [[(0.05, 0.45), (0.05, 1.0), (0.05, 0.62), (0.2, 0.46), (0.38, 0.48), (0.45, 0.62), (0.46, 1.0)]]),
    "y": (0.5, [[(0.02, 0.45), (0.25, 0.98)], [(0.48, 0.45), (0.25, 1.0), (0.12, 1.38)]]),
    "b": (0.5, [[(0.06, 0.0), (0.06, 1.0), (0.06, 0.65), (0.25, 0.46), (0.45, 0.6), (0.45, 0.88), (0.25, 1.0), (0.06, 0.92)]]),
    "k": (0.46, [[(0.06, 0.0), (0.06, 1.0)], [(0.42, 0.45), (0.08, 0.75), (0.44, 1.0)]]),
    "s": (0.45, [[(0.4, 0.5), (0.25, 0.45), (0.06, 0.52), (0.08, 0.66), (0.25, 0.72), (0.4, 0.8), (0.42, 0.92), (0.25, 1.0), (0.03, 0.95)]]),
    "v": (0.46, [[(0.02, 0.45), (0.22, 1.0), (0.44, 0.45)]]),
    "f": (0.4, [[(0.38, 0.05), (0.25, 0.0), (0.15, 0.1), (0.15, 1.0)], [(0.0, 0.45), (0.35, 0.45)]]),
    "B": (0.6, [[(0.08, 0.0), (0.08, 1.0)], [(0.08, 0.0), (0.4, 0.02), (0.52, 0.14), (0.45, 0.42), (0.08, 0.48), (0.48, 0.55), (0.58, 0.78), (0.45, 0.97), (0.08, 1.0)]]),
    "N": (0.66, [[(0.06, 1.0), (0.06, 0.0), (0.6, 1.0), (0.6, 0.0)]]),
    "S": (0.6, [[(0.55, 0.1), (0.3, 0.0), (0.06, 0.12), (0.1, 0.35), (0.32, 0.48), (0.52, 0.62), (0.55, 0.85), (0.3, 1.0), (0.03, 0.9)]]),
    "C": (0.7, [arc(0.38, 0.5, 0.36, 0.5, -40, -320, 12)]),
    "T": (0.6, [[(0.0, 0.0), (0.6, 0.0)], [(0.3, 0.0), (0.3, 1.0)]]),
    "K": (0.6, [[(0.08, 0.0), (0.08, 1.0)], [(0.55, 0.0), (0.1, 0.55), (0.58, 1.0)]]),
    "V": (0.62, [[(0.0, 0.0), (0.3, 1.0), (0.6, 0.0)]]),
    "F": (0.55, [[(0.55, 0.0), (0.08, 0.0), (0.07, 1.0)], [(0.07, 0.5), (0.42, 0.5)]]),
    "Y": (0.62, [[(0.0, 0.0), (0.3, 0.5)], [(0.6, 0.0), (0.3, 0.5), (0.3, 1.0)]]),
}


def catmull(points, per=8):
    """A Catmull-Rom curve through the control points, `per` samples between each two."""
    if len(points) < 3:
        (x0, y0), (x1, y1) = points[0], points[-1]
        n = per * 2
        return [(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(n + 1)]
    p = [points[0]] + list(points) + [points[-1]]
    out = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        for k in range(per):
            t = k / per
            t2, t3 = t * t, t * t * t
            out.append(tuple(0.5 * ((2 * p1[j]) + (-p0[j] + p2[j]) * t + (2 * p0[j] - 5 * p1[j] + 4 * p2[j] - p3[j]) * t2 + (-p0[j] + 3 * p1[j] - 3 * p2[j] + p3[j]) * t3) for j in (0, 1)))
    out.append(points[-1])
    return out


def length(path):
    return sum(math.hypot(b[0] - a[0], b[1] - a[1]) for a, b in zip(path, path[1:]))


class Hand:
    """An adult writer: letter height (pixels), slant, wobble and jitter (shares of the height)."""

    def __init__(self, seed=1, height=120, slant=0.12, wobble=0.018, jitter=0.04):
        self.rng = random.Random(seed)
        self.height, self.slant, self.wobble, self.jitter = height, slant, wobble, jitter

    def glyph(self, key, x0, baseline, scale=1.0):
        """(strokes in pixels, advance width in pixels) of one glyph whose baseline is at y = baseline."""
        w, strokes = GLYPHS[key]
        h = self.height * scale
        r = self.rng
        out = []
        for s in strokes:
            pts = [(px + r.gauss(0, self.jitter) * 0.5, py + r.gauss(0, self.jitter) * 0.5) for px, py in s]
            if len(s) == 2 and math.hypot(s[1][0] - s[0][0], s[1][1] - s[0][1]) < 0.05:  # a dot stays a dot
                pts = s
            dense = catmull(pts)
            phase, frequency = r.uniform(0, 6.28), r.uniform(2, 4)  # wobble: slow noise across the stroke
            total = length(dense) or 1
            along = 0
            wobbled = []
            for i, (x, y) in enumerate(dense):
                if i:
                    along += math.hypot(x - dense[i - 1][0], y - dense[i - 1][1])
                d = self.wobble * math.sin(phase + frequency * 6.28 * along / max(total, 0.3)) * (1 if total > 0.1 else 0)
                wobbled.append((x + d, y + d * 0.7))
            out.append([(x0 + (x + (1 - y) * self.slant) * h, baseline - (1 - y) * h) for x, y in wobbled])
        return out, w * h

    def word(self, text, left, baseline, gap=0.3):
        """The strokes of a word, letter after letter, `gap` x the height apart (+-30 %)."""
        x = left
        strokes = []
        for ch in text:
            g, advance = self.glyph(ch, x, baseline + self.rng.gauss(0, 0.015) * self.height)
            strokes += g
            x += advance + gap * self.height * self.rng.uniform(0.7, 1.3)
        return strokes


class Child(Hand):
    """A 7-10-year-old: big, upright, wobbly; with `size_var` / `base_var`, letters of uneven size and baseline."""

    def __init__(self, seed=1, height=160, wobble=0.045, size_var=0.0, base_var=0.0, slant=0.0, jitter=0.06):
        super().__init__(seed=seed, height=height, slant=slant, wobble=wobble, jitter=jitter)
        self.size_var, self.base_var = size_var, base_var

    def word(self, text, left, baseline, gap=0.4):
        x = left
        strokes = []
        r = self.rng
        for ch in text:
            scale = 1 + r.uniform(-self.size_var, self.size_var)
            g, advance = self.glyph(ch, x, baseline + r.uniform(-self.base_var, self.base_var) * self.height, scale)
            strokes += g
            x += advance + gap * self.height * r.uniform(0.8, 1.25)
        return strokes


HANDS = ("adult", "child", "child-uneven")  # the child's uneven hand: size +-25 %, baseline +-12 % of the height
CASES = ("lower", "capitalised", "upper")


def write(written: str, hand: str, seed: int, size: int = 280) -> list[list[tuple[float, float]]]:
    """The strokes of a word in one of HANDS by the writer `seed`, as review 4 placed words on a pad of size x
    size pixels: from 5 % of its side, the baseline at 62 %, letters as tall as fit (at most 0.42 of the side)."""
    gap = 0.3 if hand == "adult" else 0.4
    height = min(size * 0.42, size * 0.86 / (sum(GLYPHS[c][0] for c in written) + gap * (len(written) - 1)))
    if hand == "adult":
        return Hand(seed=seed, height=height).word(written, size * 0.05, size * 0.62, gap=gap)
    uneven = dict(size_var=0.25, base_var=0.12) if hand == "child-uneven" else {}
    return Child(seed=seed, height=height, **uneven).word(written, size * 0.05, size * 0.62, gap=gap)


def hand_words(per_group: int = 40, seed: int = 7, size: int = 280) -> tuple[list[np.ndarray], list[tuple[str, str, str]]]:
    """Words of WORDS (those spelled with these glyphs) in each hand and case, three draws of `per_group` each,
    every word by a writer of its own, as the page draws them on its size x size recognition canvas. Returns
    RGBA canvases and (text written, hand, case)."""
    from training.drawing import to_rgba
    from training.handwriting import WORDS
    from training.strokes import draw_page

    words = [w for w in WORDS if all(c in GLYPHS and c.upper() in GLYPHS for c in w)]
    rng = random.Random(seed)
    canvases, truths = [], []
    for hand in HANDS:
        for case in CASES:
            for _draw in range(3):
                for word in rng.sample(words, per_group):
                    written = word if case == "lower" else word.capitalize() if case == "capitalised" else word.upper()
                    strokes = write(written, hand, rng.randrange(10**6), size)
                    canvases.append(to_rgba(draw_page([np.asarray(stroke, dtype=np.float64).reshape(-1, 2) for stroke in strokes])))
                    truths.append((written, hand, case))
    return canvases, truths
