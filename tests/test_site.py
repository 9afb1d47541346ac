"""The page in headless Chromium, end to end: digits drawn with real mouse, touch and pen input are read back
in #prediction; numbers are split; Clear and Undo work by button and key; the page works offline after one
visit, never leaves its origin, logs no errors, and says so visibly when the model is corrupt or missing.

Digits are drawn as a person would: polylines in a unit box (x right, y down), placed on the pad.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

import site_version
from tests.browser import serve
from tests.model_faults import FAULTS
from training.tasks import shipped_tasks

pytestmark = pytest.mark.browser

SITE = Path(__file__).resolve().parent.parent / "site"
READY_TIMEOUT_MS = 60_000  # loading TF.js and benchmarking three backends takes a few seconds on CI
# The page has settled: the model is ready, or it said why not. Not body[data-ready]: that matches 'loading'.
SETTLED = "body[data-ready='true'], body[data-ready='false']"

# Strokes of (x, y) in a unit box. Digits are about 0.6 as wide as tall, as people write them.
ONE = [[(0.55, 0.0), (0.45, 1.0)]]
SEVEN = [[(0.05, 0.05), (0.95, 0.05), (0.4, 1.0)]]
FOUR = [[(0.55, 0.0), (0.05, 0.65), (0.95, 0.65)], [(0.72, 0.3), (0.72, 1.0)]]
ZERO = [[(0.5 + 0.45 * math.sin(2 * math.pi * t / 24), 0.5 - 0.5 * math.cos(2 * math.pi * t / 24)) for t in range(25)]]
FIVE = [  # the down stroke and belly first, the top bar last, as many people write it
    [(0.2, 0.02), (0.15, 0.45), (0.4, 0.38), (0.7, 0.42), (0.9, 0.6), (0.85, 0.85), (0.6, 0.98), (0.3, 0.97), (0.1, 0.85)],
    [(0.2, 0.02), (0.9, 0.02)],
]
TWO = [[(0.1, 0.25), (0.3, 0.03), (0.6, 0.0), (0.85, 0.15), (0.85, 0.4), (0.5, 0.7), (0.05, 1.0), (0.95, 1.0)]]
SIX = [[(0.8, 0.0), (0.45, 0.15), (0.2, 0.45), (0.1, 0.75), (0.3, 0.98), (0.65, 0.98), (0.85, 0.75), (0.65, 0.55), (0.3, 0.58), (0.12, 0.75)]]
DIGIT_WIDTH = 0.6
# Issue 13's styles MNIST lacks, as a person draws them with the mouse (designed by hand for this test, not
# taken from training/digit_styles.py's templates): a continental 1 with its up-stroke flag, with and
# without a base; a 7 crossed in the middle; and an open-top 9, a round left open at the top right, then
# the stem.
CONTINENTAL_ONE = [[(0.1, 0.3), (0.6, 0.0), (0.6, 1.0)]]
CONTINENTAL_ONE_WITH_BASE = [[(0.15, 0.3), (0.6, 0.0), (0.6, 1.0)], [(0.2, 1.0), (1.0, 1.0)]]
CROSSED_SEVEN = [[(0.05, 0.05), (0.95, 0.05), (0.4, 1.0)], [(0.3, 0.5), (0.9, 0.5)]]
OPEN_TOP_NINE = [[(0.45 + 0.42 * math.cos(math.radians(a)), 0.3 + 0.3 * math.sin(math.radians(a))) for a in range(-110, -361, -15)] + [(0.9, 0.02), (0.88, 1.0)]]


def open_page(page, url: str) -> None:
    """Load the page and wait until the model is verified and a backend chosen."""
    page.goto(url)
    page.wait_for_selector("body[data-ready='true']", timeout=READY_TIMEOUT_MS)


def assert_ready(page) -> None:
    """Wait until the page has settled, and fail at once with its message if the model did not load."""
    page.wait_for_selector(SETTLED, timeout=READY_TIMEOUT_MS)
    if page.get_attribute("body", "data-ready") != "true":
        raise AssertionError(f"the page did not start: {page.text_content('#error')}")


def wait_for_value(page, script: str, expected, timeout_ms: int = READY_TIMEOUT_MS):
    """Evaluate `script` until it gives `expected` (an async function's result is awaited), else fail.

    Not page.wait_for_function: it takes a Promise for a truthy value and passes at once, whatever the
    Promise resolves to.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while (value := page.evaluate(script)) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"{script} gave {value!r}, not {expected!r}, for {timeout_ms} ms")
        page.wait_for_timeout(100)


# The service worker controls the page (its install finished). Polled with wait_for_value: page.wait_for_function
# evaluates its predicate with eval, which the page's CSP refuses (a CI run failed on it).
CONTROLLED = "navigator.serviceWorker.controller !== null"


def wait_until(condition, what: str, timeout_s: float = READY_TIMEOUT_MS / 1000) -> None:
    """Poll a condition on the test's side (the server's log, say), else fail naming it."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.05)


# The service worker's install, waited out: 'activated' (installed, now serving), 'redundant' (install
# failed) or 'none' (a first install failed: no worker left). An update that is waiting stays 'installed'.
WORKER_SETTLED = """async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    const worker = registration && (registration.installing || registration.waiting || registration.active);
    if (!worker) return 'none';
    const hasActive = () => registration.active && registration.active !== worker;
    while (worker.state === 'installing' || worker.state === 'activating' || (worker.state === 'installed' && !hasActive())) {
        await new Promise((resolve) => worker.addEventListener('statechange', resolve, { once: true }));
    }
    return worker.state;
}"""


def pad_box(page) -> dict:
    box = page.locator("#pad").bounding_box()
    assert box and box["width"] > 0, "the pad is not visible"
    return box


def to_page(page, strokes, left: float, top: float, height: float) -> list[list[tuple[float, float]]]:
    """Place unit strokes on the pad: left/top/height as fractions of the pad's side, width DIGIT_WIDTH * height."""
    box = pad_box(page)
    return [
        [(box["x"] + (left + x * DIGIT_WIDTH * height) * box["width"], box["y"] + (top + y * height) * box["height"]) for x, y in stroke]
        for stroke in strokes
    ]


def mouse_strokes(page, strokes, release_last: bool = True) -> None:
    """Draw with the real mouse: press, move through every point in small steps, release."""
    for index, stroke in enumerate(strokes):
        page.mouse.move(*stroke[0])
        page.mouse.down()
        for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
            page.mouse.move(x1, y1, steps=max(2, int(math.hypot(x1 - x0, y1 - y0) / 10)))
        if release_last or index < len(strokes) - 1:
            page.mouse.up()


def draw(page, strokes, left: float = 0.3, top: float = 0.2, height: float = 0.6) -> None:
    mouse_strokes(page, to_page(page, strokes, left, top, height))


def assert_clean(page, url: str) -> None:
    """No console errors or uncaught exceptions, and no request outside the page's own origin."""
    assert page.console_errors == []
    assert [request for request in page.requests if not request.startswith(url)] == []


def test_no_browser_wait_evaluates_a_string():
    """page.wait_for_function polls with eval, which the page's CSP forbids: such a wait fails whenever its
    condition is not already true (CI saw it), and on a Promise it passes at once. wait_for_value instead."""
    root = SITE.parent
    call = ".wait_for" + "_function("
    offenders = [str(path.relative_to(root)) for folder in ("tests", "bench") for path in sorted((root / folder).glob("*.py"))
                 if call in path.read_text()]
    assert offenders == []


def test_empty_canvas_prompts_and_predicts_nothing(page, site_url):
    open_page(page, site_url)
    expect(page.locator("#prediction")).to_have_text("")
    expect(page.locator("#prompt")).to_be_visible()
    expect(page.locator("#prompt")).to_contain_text("Draw a digit here")
    expect(page.locator("#clear")).to_be_disabled()
    expect(page.locator("#backend")).to_have_text(re.compile(r"read in \d+\.\d ms on this device \((webgl|wasm|cpu)\)"))
    # The footer in a reader's words: which model, how often it is right and on what.
    expect(page.locator("#model-info")).to_have_text(re.compile(r"^Digits model \S+ · \d\d\.\d% right on the MNIST test set · [\d,]+ parameters$"))
    assert page.get_attribute("#answer", "aria-live") == "polite"
    expect(page.locator("#bars button")).to_have_count(10)
    for bar in page.locator("#bars button").all():  # nothing drawn, nothing to teach: no dead tab stops
        expect(bar).to_be_disabled()
    assert_clean(page, site_url)


def test_a_tap_is_too_small_to_read(page, site_url):
    # A stray tap on the pad, scaled up to fill the model's input, reads as some digit with confidence: the
    # page says it is too small instead, and reads nothing.
    open_page(page, site_url)
    box = pad_box(page)
    page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.5 * box["height"])
    page.mouse.down()  # every stroke starts as a dot: nothing is said until the pen lifts
    expect(page.locator("#answer")).to_have_attribute("aria-busy", "true")
    expect(page.locator("#verdict")).to_have_text("The answer appears here as you draw.")
    page.mouse.up()
    expect(page.locator("#verdict")).to_have_text("Too small to read: draw the digit bigger")
    expect(page.locator("#prediction")).to_have_text("")
    expect(page.locator("#characters canvas")).to_have_count(0)
    expect(page.locator("#clear")).to_be_enabled()
    page.click("#undo")
    expect(page.locator("#verdict")).to_have_text("The answer appears here as you draw.")
    draw(page, SEVEN, height=0.15)  # small, yet a digit (42 recognition pixels tall): read
    expect(page.locator("#characters canvas")).to_have_count(1)
    expect(page.locator("#verdict")).not_to_contain_text("Too small")
    assert_clean(page, site_url)


@pytest.mark.parametrize(
    ("label", "strokes"), [("1", ONE), ("7", SEVEN), ("4", FOUR), ("0", ZERO), ("5", FIVE), ("2", TWO), ("6", SIX)],
)
def test_single_digit_drawn_with_the_mouse(page, site_url, label, strokes):
    open_page(page, site_url)
    draw(page, strokes)
    expect(page.locator("#prediction")).to_have_text(label)
    expect(page.locator("#prompt")).to_be_hidden()
    expect(page.locator("#characters canvas")).to_have_count(1)  # the 28 x 28 image the model sees
    expect(page.locator("#bars li.top")).to_have_attribute("data-label", label)
    expect(page.locator("#verdict")).to_have_text(re.compile(r"\d+% sure|not sure — maybe \d or \d"))
    assert_clean(page, site_url)


@pytest.mark.parametrize(
    ("label", "strokes"),
    [
        ("1", CONTINENTAL_ONE),
        ("1", CONTINENTAL_ONE_WITH_BASE),
        ("7", CROSSED_SEVEN),
        # Strict: the day a model reads it, this turns red until the mark goes (issue 13's "done when").
        pytest.param("9", OPEN_TOP_NINE, marks=pytest.mark.xfail(strict=True, reason="issue 13: the shipped digits model reads an open-top 9 as 4")),
    ],
    ids=["continental-one", "continental-one-with-base", "crossed-seven", "open-top-nine"],
)
def test_styles_mnist_lacks_drawn_with_the_mouse(page, site_url, label, strokes):
    # Issue 13's "done when": a flagged continental 1, a crossed 7 and an open-top 9 drawn with the mouse.
    open_page(page, site_url)
    draw(page, strokes)
    expect(page.locator("#characters canvas")).to_have_count(1)
    expect(page.locator("#prediction")).to_have_text(label, timeout=5_000)


def open_top_nine(bowl_height: float = 0.3, stem_x: float = 0.88) -> list:
    """OPEN_TOP_NINE drawn otherwise: another bowl, another stem (a person never draws a digit twice the same)."""
    bowl = [(0.45 + 0.42 * math.cos(math.radians(a)), bowl_height * (1 + math.sin(math.radians(a)))) for a in range(-110, -361, -15)]
    return [bowl + [(stem_x + 0.02, 0.02), (stem_x, 1.0)]]


TAUGHT = "localStorage.getItem('inkwell.taught.digits')"


def test_in_a_number_the_note_names_the_character_taught(page, site_url):
    # The bars belong to the character selected above them (the last, unless another is chosen): what was
    # taught names it, so a correction that went to another character than meant is seen.
    open_page(page, site_url)
    draw(page, ONE, left=0.15)
    draw(page, SEVEN, left=0.55)
    expect(page.locator("#prediction")).to_have_text("17")
    page.locator("#characters .character").first.click()
    page.click("#bars li[data-label='1'] button")
    expect(page.locator("#teach-note")).to_have_text("Taught: digit 1 of 2 is 1. Not that? Tap the right one.")
    page.click("#forget")
    expect(page.locator("#forget")).to_be_hidden()


def test_a_digit_taught_once_is_read_so_from_then_on(page, site_url):
    # Teaching (issue 13's open-top 9 for a user whose 9s are open): the shipped model reads it as a 4; a tap
    # on the 9's bar says it is a 9, and the page reads it so at once, and then this user's other open-top 9s
    # too, drawn otherwise; a 4 stays a 4. Kept on the device (a reload keeps it) until Forget.
    open_page(page, site_url)
    expect(page.locator("#forget")).to_be_hidden()
    draw(page, OPEN_TOP_NINE)
    expect(page.locator("#prediction")).to_have_text("4")  # what this test is about; test_styles_mnist_lacks... xfails it
    nine_top = "document.querySelector(\"#bars li[data-label='9']\").getBoundingClientRect().top + scrollY"
    nine = page.evaluate(nine_top)
    page.click("#bars li[data-label='8'] button")  # a slip onto the 9's neighbour...
    expect(page.locator("#teach-note")).to_have_text("Taught: this digit is 8. Not that? Tap the right one.")
    assert page.evaluate(nine_top) == nine  # the bars did not move under the finger (what changes is below them)
    page.click("#bars li[data-label='9'] button")  # ...mended by a tap on the right one: the drawing is taught once
    expect(page.locator("#prediction")).to_have_text("9")
    expect(page.locator("#teach-note")).to_have_text("Taught: this digit is 9. Not that? Tap the right one.")
    expect(page.locator("#forget")).to_have_text("Forget what I taught (1)")
    wait_for_value(page, f"{TAUGHT} !== null", True)
    stored = json.loads(page.evaluate(TAUGHT))
    assert [item["label"] for item in stored] == ["9"] and len(base64.b64decode(stored[0]["input"])) == 28 * 28
    for strokes, left, top, height in ((open_top_nine(bowl_height=0.25), 0.2, 0.1, 0.7), (open_top_nine(stem_x=0.75), 0.45, 0.35, 0.4)):
        page.click("#clear")
        expect(page.locator("#teach-note")).to_have_text("")  # a new drawing: nothing said of what was taught
        draw(page, strokes, left=left, top=top, height=height)
        expect(page.locator("#prediction")).to_have_text("9")
    page.click("#clear")
    draw(page, FOUR)
    expect(page.locator("#prediction")).to_have_text("4")
    # Each task keeps its own: Letters has nothing taught.
    page.locator("#tasks button", has_text="Letters").click()
    assert_ready(page)
    expect(page.locator("#forget")).to_be_hidden()
    page.locator("#tasks button", has_text="Digits").click()
    page.reload()
    assert_ready(page)
    draw(page, open_top_nine(bowl_height=0.25))
    expect(page.locator("#prediction")).to_have_text("9")
    page.click("#forget")
    expect(page.locator("#prediction")).to_have_text("4")
    expect(page.locator("#forget")).to_be_hidden()
    assert page.evaluate(TAUGHT) is None
    assert_clean(page, site_url)


STORAGE_REFUSED = {
    # A private window that is full, or storage turned off: writing throws.
    "full": "Storage.prototype.setItem = () => { throw new DOMException('full', 'QuotaExceededError'); };",
    # "Block sites from saving data" (Chromium), cookies off (Firefox), a sandboxed school frame: reading
    # localStorage itself throws. The page read it as it started, and stayed on "Loading…" with a dead pad.
    "blocked": "Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('Access is denied', 'SecurityError'); } });",
}


@pytest.mark.parametrize("refusal", STORAGE_REFUSED)
def test_a_browser_that_keeps_nothing_is_taught_for_the_visit(chromium, site_url, refusal):
    # Teaching still works until the page is left, and the page says it is not kept.
    context = chromium.new_context()
    context.add_init_script(STORAGE_REFUSED[refusal])
    page = context.new_page()
    try:
        open_page(page, site_url)
        draw(page, OPEN_TOP_NINE)
        expect(page.locator("#prediction")).to_have_text("4")
        page.click("#bars li[data-label='9'] button")
        expect(page.locator("#prediction")).to_have_text("9")
        expect(page.locator("#teach-note")).to_contain_text("would not keep it")
        page.reload()
        assert_ready(page)
        draw(page, OPEN_TOP_NINE)
        expect(page.locator("#prediction")).to_have_text("4")
    finally:
        context.close()


@pytest.mark.parametrize(
    ("left", "top", "height", "dot"),
    [
        (0.05, 0.05, 0.2, None),  # small, in the top-left corner
        (0.2, 0.04, 0.92, None),  # as large as the pad
        (0.6, 0.55, 0.4, None),  # off-centre, bottom right
        (0.3, 0.2, 0.6, (0.05, 0.93)),  # with a stray dot far from the digit
    ],
    ids=["small", "large", "off-centre", "stray-dot"],
)
def test_seven_at_any_size_and_place(page, site_url, left, top, height, dot):
    open_page(page, site_url)
    draw(page, SEVEN, left=left, top=top, height=height)
    if dot:
        box = pad_box(page)
        page.mouse.click(box["x"] + dot[0] * box["width"], box["y"] + dot[1] * box["height"])
    expect(page.locator("#prediction")).to_have_text("7")
    assert_clean(page, site_url)


def test_prediction_updates_while_the_stroke_is_drawn(page, site_url):
    open_page(page, site_url)
    mouse_strokes(page, to_page(page, ONE, 0.3, 0.2, 0.6), release_last=False)
    # The button is still held: only live recognition can have filled #prediction.
    expect(page.locator("#prediction")).to_have_text("1")
    assert page.get_attribute("#answer", "aria-busy") == "true"
    page.mouse.up()
    expect(page.locator("#answer")).to_have_attribute("aria-busy", "false")


def test_a_number_written_stroke_after_stroke_is_announced_once(page, site_url):
    # The answer is a polite live region: a screen reader announced it at every pen lift, six times for 40719,
    # beginning with a wrong "6" for the first stroke of its 4. It now waits for a second's pause.
    open_page(page, site_url)
    page.evaluate("""() => {
        window.announced = 0;
        new MutationObserver(() => { if (document.getElementById('answer').getAttribute('aria-busy') === 'false') window.announced++; })
            .observe(document.getElementById('answer'), { attributes: true, attributeFilter: ['aria-busy'] });
    }""")
    mouse_strokes(page, to_page(page, FOUR, 0.3, 0.2, 0.6))  # two strokes, the second at once
    expect(page.locator("#prediction")).to_have_text("4")
    wait_for_value(page, "document.getElementById('answer').getAttribute('aria-busy')", "false")
    assert page.evaluate("window.announced") == 1


def test_pointer_up_keeps_the_live_answer_of_the_same_drawing(page, site_url):
    # Lifting the pen adds no ink: when the live answer has read this very drawing, it stands, and the
    # pointer-up does not read it again ('inkwell: recognise' is measured by each immediate recognition).
    open_page(page, site_url)
    mouse_strokes(page, to_page(page, ONE, 0.3, 0.2, 0.6), release_last=False)
    expect(page.locator("#prediction")).to_have_text("1")
    page.wait_for_timeout(1000)  # the pen held still: live recognition catches up with the last move
    count = "performance.getEntriesByName('inkwell: recognise').length"
    before = page.evaluate(count)
    page.mouse.up()
    expect(page.locator("#answer")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#prediction")).to_have_text("1")
    assert page.evaluate(count) == before
    page.keyboard.press("Escape")  # a change is read at once
    expect(page.locator("#prediction")).to_have_text("")
    assert page.evaluate(count) == before + 1


RECOGNITIONS = "performance.getEntriesByName('inkwell: recognise').length"


def test_a_pen_down_reads_nothing(page, site_url):
    # Review 10: every pen-down read the whole drawing at once (plus a dot), so a 14-stroke number was read 28
    # times; on a phone slowed 6x the answer came 378 ms after the pen lifted (131 ms without those reads).
    open_page(page, site_url)
    strokes = to_page(page, FOUR, 0.1, 0.2, 0.5) + to_page(page, ONE, 0.5, 0.2, 0.5)
    for stroke in strokes:
        page.mouse.move(*stroke[0])
        before = page.evaluate(RECOGNITIONS)
        page.mouse.down()
        assert page.evaluate(RECOGNITIONS) == before  # the pointerdown handler has run; no reading in it
        for x, y in stroke[1:]:
            page.mouse.move(x, y, steps=8)
        page.mouse.up()
    expect(page.locator("#prediction")).to_have_text("41")


def test_the_cpu_build_reads_when_the_pen_rests_not_while_it_moves(page, site_url):
    # Review 10: on the CPU build (no WebAssembly) a reading takes ~0.4 s on a slow phone; reading while the pen
    # moved froze the page for seconds, and the answer came 8 s after the pen lifted.
    open_page(page, site_url + "?backend=cpu")
    mouse_strokes(page, to_page(page, ONE, 0.3, 0.2, 0.6), release_last=False)
    page.wait_for_timeout(600)  # time enough for several live readings (80 ms apart) had there been any
    expect(page.locator("#prediction")).to_have_text("")
    page.mouse.up()
    expect(page.locator("#prediction")).to_have_text("1")


def test_the_boxes_are_painted_when_the_pen_lifts_not_while_it_moves(page, site_url):
    # Review 10: the boxes were painted again for every live answer, the costliest function on a slow phone.
    page.add_init_script("""
        window.boxesPainted = 0;
        const strokeRect = CanvasRenderingContext2D.prototype.strokeRect;
        CanvasRenderingContext2D.prototype.strokeRect = function (...args) {
            if (this.canvas.id === 'overlay') window.boxesPainted++;
            return strokeRect.apply(this, args);
        };
    """)
    open_page(page, site_url)
    draw(page, FOUR, 0.05, 0.2, 0.5)
    draw(page, ONE, 0.4, 0.2, 0.5)
    expect(page.locator("#prediction")).to_have_text("41")
    assert page.evaluate("window.boxesPainted") > 0
    painted = page.evaluate("window.boxesPainted")
    mouse_strokes(page, to_page(page, SEVEN, 0.65, 0.2, 0.5), release_last=False)
    expect(page.locator("#prediction")).to_have_text("417")  # read live, the pen still down
    assert page.evaluate("window.boxesPainted") == painted
    page.mouse.up()
    expect(page.locator("#answer")).to_have_attribute("aria-busy", "false")
    assert page.evaluate("window.boxesPainted") >= painted + 3  # the three boxes, once the pen lifted


def test_the_pad_does_not_move_or_invite_ink_it_would_lose_while_the_page_loads(page, site_url):
    # Review 10: the pad said "Draw a digit here" before its listeners existed (ink drawn then was lost without a
    # word), and it jumped 62 px down when the task switch appeared, under a pen already writing.
    held = []
    page.route("**/js/main.js", lambda route: held.append(route))
    page.route("**/models/index.json", lambda route: held.append(route))
    page.goto(site_url, wait_until="commit")
    wait_for_value(page, "document.getElementById('prompt')?.textContent ?? ''", "Getting the pad ready…")
    wait_for_value(page, "getComputedStyle(document.getElementById('tasks')).visibility", "hidden")  # styled
    main, = held
    top = pad_box(page)["y"]
    main.continue_()
    wait_for_value(page, "document.getElementById('prompt').firstChild.textContent", "Draw here")
    assert pad_box(page)["y"] == top
    wait_for_value(page, "document.querySelectorAll('#tasks button').length", 1)  # the stand-in, while index.json waits
    held[1].continue_()
    assert_ready(page)
    expect(page.locator("#tasks button")).to_have_count(2)
    expect(page.locator("#prompt")).to_contain_text("Draw a digit here")
    assert pad_box(page)["y"] == top


def test_esc_clears_from_the_drawing_not_from_the_answer_or_the_task_switch(page, site_url):
    # Review 8: Esc cleared the drawing wherever the focus was; screen-reader users press it to leave a mode.
    open_page(page, site_url)
    draw(page, SEVEN)
    expect(page.locator("#prediction")).to_have_text("7")
    page.locator("#bars button").first.focus()
    page.keyboard.press("Escape")
    page.locator("#tasks button").first.focus()
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    expect(page.locator("#prediction")).to_have_text("7")
    page.locator("#undo").focus()
    page.keyboard.press("Escape")
    expect(page.locator("#prediction")).to_have_text("")


def test_the_answer_is_one_live_region_and_a_bar_says_it_teaches(page, site_url):
    # Review 8: the <output> inside the answer was a live region of its own (an output's role is status), not
    # marked busy while a number is written: a screen reader could read every passing reading of it.
    open_page(page, site_url)
    draw(page, SEVEN)
    expect(page.locator("#prediction")).to_have_text("7")
    cdp = page.context.new_cdp_session(page)
    live = []
    for node in cdp.send("Accessibility.getFullAXTree")["nodes"]:
        properties = {p["name"]: p["value"].get("value") for p in node.get("properties", [])}
        if properties.get("live") not in (None, "off") and "backendDOMNodeId" in node:
            handle = cdp.send("DOM.resolveNode", {"backendNodeId": node["backendDOMNodeId"]})["object"]["objectId"]
            live.append(cdp.send("Runtime.callFunctionOn", {"objectId": handle, "functionDeclaration": "function () { return this.id; }", "returnByValue": True})["result"]["value"])
    assert "answer" in live and "prediction" not in live
    # What a bar's tap does is in its accessible description, not only in a tooltip.
    assert page.locator("#bars button").first.get_attribute("aria-describedby") == "teach-hint"
    assert "Tap the right bar" in page.locator("#teach-hint").inner_text()


@pytest.mark.parametrize(("number", "digits"), [("1047", [ONE, ZERO, FOUR, SEVEN]), ("2026", [TWO, ZERO, TWO, SIX])])
def test_whole_number_is_split_and_read(page, site_url, number, digits):
    open_page(page, site_url)
    # Four digits 78 px tall with a clear space (about 9 px of paper) between them, as people write numbers.
    for index, strokes in enumerate(digits):
        draw(page, strokes, left=0.04 + index * 0.24, top=0.32, height=0.28)
    expect(page.locator("#prediction")).to_have_text(number)
    expect(page.locator("#characters .character")).to_have_count(4)
    expect(page.locator("#characters .character-confidence").first).to_have_text(re.compile(r"\d+%"))
    # The split is drawn over the pad: the overlay has ink.
    assert page.evaluate("""() => {
        const overlay = document.getElementById('overlay');
        const pixels = overlay.getContext('2d').getImageData(0, 0, overlay.width, overlay.height).data;
        return pixels.some((value, index) => index % 4 === 3 && value > 0);
    }""")
    # Selecting a digit shows its probabilities.
    page.locator("#characters .character").nth(2).click()
    expect(page.locator("#bars li.top")).to_have_attribute("data-label", number[2])
    expect(page.locator("#bars-heading")).to_contain_text("digit 3 of 4")
    assert_clean(page, site_url)


def test_digits_written_touching_are_told_to_leave_a_little_space(page, site_url):
    # Three 0s whose rounds overlap are one character about 1.5 times as wide as tall (metadata.json's
    # display.touchingAspect is 1.3): the page cannot read three digits in it, and says why.
    open_page(page, site_url)
    verdict = page.locator("#verdict")
    for left in (0.1, 0.26):
        draw(page, ZERO, left=left, top=0.3, height=0.35)
    # Said once the pen lifts, not while a stroke is drawn (a 7's bar, say, is wide until its stem comes).
    mouse_strokes(page, to_page(page, ZERO, 0.42, 0.3, 0.35), release_last=False)
    expect(page.locator("#answer")).to_have_attribute("aria-busy", "true")
    expect(page.locator("#characters .character")).to_have_count(1)
    expect(verdict).not_to_contain_text("touching")
    page.mouse.up()
    expect(verdict).to_contain_text("digits touching? Leave a little space")
    # Drawn apart, the same three are read, and nothing is said of touching.
    page.click("#clear")
    for left in (0.05, 0.35, 0.65):
        draw(page, ZERO, left=left, top=0.3, height=0.35)
    expect(page.locator("#prediction")).to_have_text("000")
    expect(verdict).to_contain_text("3 digits")
    expect(verdict).not_to_contain_text("touching")
    assert_clean(page, site_url)


def test_undo_and_clear_by_button_and_key(page, site_url):
    open_page(page, site_url)
    prediction = page.locator("#prediction")
    draw(page, ONE, left=0.15)
    draw(page, SEVEN, left=0.55)
    expect(prediction).to_have_text("17")
    page.click("#undo")
    expect(prediction).to_have_text("1")
    page.keyboard.press("Control+z")
    expect(prediction).to_have_text("")
    expect(page.locator("#prompt")).to_be_visible()
    draw(page, SEVEN)
    expect(prediction).to_have_text("7")
    page.keyboard.press("Meta+z")
    expect(prediction).to_have_text("")
    draw(page, SEVEN)
    expect(prediction).to_have_text("7")
    page.keyboard.press("Escape")
    expect(prediction).to_have_text("")
    draw(page, FOUR)
    expect(prediction).to_have_text("4")
    page.click("#clear")
    expect(prediction).to_have_text("")
    expect(page.locator("#prompt")).to_be_visible()
    expect(page.locator("#verdict")).not_to_contain_text("sure")
    # Clear can be taken back (review 8: it sat beside Undo, looked the same, and was final), until a new stroke.
    page.click("#undo")
    expect(prediction).to_have_text("4")
    page.click("#clear")
    draw(page, ONE)
    expect(prediction).to_have_text("1")
    page.keyboard.press("Control+z")
    expect(prediction).to_have_text("")
    expect(page.locator("#undo")).to_be_disabled()
    # From the keyboard: a button that disables itself hands the focus to the pad, not to the page's start.
    for button in ("#undo", "#clear"):
        draw(page, SEVEN)
        page.focus(button)
        page.keyboard.press("Enter")
        expect(prediction).to_have_text("")
        expect(page.locator("#pad")).to_be_focused()
    assert_clean(page, site_url)


def record_pointer_types(page) -> None:
    page.evaluate("""() => {
        window.pointerTypes = [];
        document.getElementById('pad').addEventListener('pointerdown', (event) => window.pointerTypes.push(event.pointerType));
    }""")


def test_touch_drawing_on_a_phone(chromium, site_url):
    context = chromium.new_context(has_touch=True, viewport={"width": 360, "height": 740}, device_scale_factor=2)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        open_page(page, site_url)
        record_pointer_types(page)
        session = context.new_cdp_session(page)
        for stroke in to_page(page, SEVEN, 0.3, 0.2, 0.6):
            points = [stroke[0]]
            for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
                steps = max(2, int(math.hypot(x1 - x0, y1 - y0) / 6))
                points += [(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps) for i in range(1, steps + 1)]
            session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]})
            for x, y in points[1:]:
                session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
            session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        expect(page.locator("#prediction")).to_have_text("7")
        assert page.evaluate("window.pointerTypes") == ["touch"]
        assert page.evaluate("window.scrollY") == 0, "drawing scrolled the page"
        assert errors == []
    finally:
        context.close()


def test_a_phone_upright_and_on_its_side(chromium, site_url):
    # Targets a finger can hit (a bar's tap teaches, so a miss must not land on its neighbour), Letters' 26 bars
    # in two columns so they end sooner below the pad, and on its side the pad and its buttons fit the screen.
    context = chromium.new_context(has_touch=True, is_mobile=True, viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    try:
        open_page(page, site_url)
        assert all(button.bounding_box()["height"] >= 44 for button in page.locator("#tasks button").all())
        assert all(bar.bounding_box()["height"] >= 34 for bar in page.locator("#bars button").all())
        page.locator("#tasks button", has_text="Letters").tap()
        expect(page.locator("body")).to_have_attribute("data-task", "letters")
        assert_ready(page)
        a, n = (page.locator(f"#bars li[data-label='{label}']").bounding_box() for label in "AN")
        assert abs(a["y"] - n["y"]) < 1 and n["x"] >= a["x"] + a["width"], (a, n)
        # The new-version notice spans the phone, not half of it (it wrapped onto four lines over the answer).
        page.evaluate("document.getElementById('update').hidden = false")
        notice = page.locator("#update").bounding_box()
        assert notice["width"] >= 0.8 * 390 and notice["height"] <= 60, notice
        assert page.locator("#update-reload").bounding_box()["height"] >= 44
        page.evaluate("document.getElementById('update').hidden = true")
        for width, height in ((844, 390), (667, 375)):  # and on a smaller phone: the answer beside the pad
            page.set_viewport_size({"width": width, "height": height})
            expect(page.locator("#clear")).to_be_in_viewport(ratio=1)
            box = pad_box(page)
            assert box["y"] + box["height"] <= height and box["width"] >= 200, box
            expect(page.locator("#verdict")).to_be_in_viewport(ratio=1)
    finally:
        context.close()


def test_a_phone_number_is_shown_on_one_line_on_a_phone(chromium, site_url):
    # Review 8: a child's 10-digit phone number wrapped in the big answer, 06123556 over 78: two numbers, it looked.
    context = chromium.new_context(has_touch=True, is_mobile=True, viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    try:
        open_page(page, site_url)
        for index in range(12):
            draw(page, ONE, left=-0.03 + 0.08 * index, top=0.3, height=0.3)
        prediction = page.locator("#prediction")
        expect(prediction).to_have_text("1" * 12)
        line = float(prediction.evaluate("(element) => parseFloat(getComputedStyle(element).lineHeight)"))
        assert prediction.bounding_box()["height"] < 1.5 * line
        page.click("#clear")
        draw(page, SEVEN)
        expect(prediction).to_have_text("7")
        assert prediction.bounding_box()["height"] >= 55  # a single digit keeps its size (3.5rem and up)
    finally:
        context.close()


@pytest.mark.parametrize("width, height", [(360, 560), (375, 548), (375, 667)])
def test_on_a_short_phone_the_answer_is_on_screen_after_writing_and_a_strip_beside_the_pad_scrolls(chromium, site_url, width, height):
    # Review 8: on a 360x640 Android with its URL bar (360x560) the answer to a 42 began at 579 px, below the
    # screen, and at 375x667 its verdict was below it; the pad spanned all but 26 px of the width, so a finger
    # scrolling on it drew instead. 375x548 is an iPhone SE in Safari with its bars shown.
    context = chromium.new_context(has_touch=True, is_mobile=True, viewport={"width": width, "height": height}, device_scale_factor=3)
    page = context.new_page()
    try:
        open_page(page, site_url)
        draw(page, FOUR, left=0.15, top=0.25, height=0.45)
        draw(page, TWO, left=0.5, top=0.25, height=0.45)
        expect(page.locator("#prediction")).to_have_text("42")
        assert page.evaluate("window.scrollY") == 0
        for answer in ("#prediction", "#verdict"):
            box = page.locator(answer).bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= height, (answer, box)
        pad = pad_box(page)
        assert pad["width"] >= 280, pad  # a child's 10-digit phone number still fits across it
        assert pad["x"] >= 24 and width - (pad["x"] + pad["width"]) >= 24, pad  # a finger's strip each side
    finally:
        context.close()


@pytest.mark.parametrize("width, height", [(360, 560), (375, 548)])
def test_on_a_short_phone_a_number_on_two_lines_and_its_verdict_are_on_screen(chromium, site_url, width, height):
    # Review 9: at 360x560, 061234 over 5678 was read right but shown at a one-line answer's size: the second line
    # was cut at the bottom of the screen (the answer spanned 454-577 px) and the verdict (580-604) below it.
    context = chromium.new_context(has_touch=True, is_mobile=True, viewport={"width": width, "height": height}, device_scale_factor=3)
    page = context.new_page()
    try:
        open_page(page, site_url)
        for row, digits in ((0.1, (ZERO, SIX, ONE, TWO, FOUR, SEVEN)), (0.55, (FIVE, SIX, SEVEN, FOUR))):
            for column, digit in enumerate(digits):
                draw(page, digit, left=0.01 + 0.165 * column, top=row, height=0.25)
        expect(page.locator("#prediction")).to_have_js_property("textContent", "061247\n5674")
        assert page.evaluate("window.scrollY") == 0
        for answer in ("#prediction", "#verdict"):
            box = page.locator(answer).bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= height, (answer, box)
    finally:
        context.close()


def test_a_desktop_keeps_its_pad_beside_the_answer(page, site_url):
    # The phone layout above must not reach the desktop: 1280x800 keeps the pad it had (488 px, set by its column).
    page.set_viewport_size({"width": 1280, "height": 800})
    open_page(page, site_url)
    draw(page, SEVEN)
    expect(page.locator("#prediction")).to_have_text("7")
    pad = pad_box(page)
    assert abs(pad["width"] - 488.3) < 1 and abs(pad["x"] - 153) < 1, pad
    expect(page.locator("#prediction")).to_be_in_viewport(ratio=1)
    expect(page.locator("#clear")).to_be_in_viewport(ratio=1)


def test_a_projector_zoomed_to_150_percent_shows_the_answer_beside_the_pad(page, site_url):
    # 1024x768 at 150 % zoom is a 683x512 CSS viewport: one column put the answer below the screen.
    page.set_viewport_size({"width": 683, "height": 512})
    open_page(page, site_url)
    draw(page, SEVEN)
    expect(page.locator("#prediction")).to_have_text("7")
    expect(page.locator("#prediction")).to_be_in_viewport(ratio=1)
    assert page.locator(".result").bounding_box()["x"] >= pad_box(page)["x"] + pad_box(page)["width"]


@pytest.mark.parametrize("width, height", [(3840, 2160), (1920, 1080)])
def test_a_whiteboard_gets_a_pad_and_an_answer_the_class_can_see(page, site_url, width, height):
    # A 4K interactive whiteboard at 100 % scaling: the page was a 1,040 px strip, its pad 488 px (13 % of the width).
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, site_url)
    draw(page, SEVEN)
    expect(page.locator("#prediction")).to_have_text("7")
    expect(page.locator("#prediction")).to_be_in_viewport(ratio=1)
    verdict_px = float(page.locator("#verdict").evaluate("(element) => parseFloat(getComputedStyle(element).fontSize)"))
    if width >= 3840:
        assert pad_box(page)["width"] >= 0.22 * width and verdict_px >= 24
    else:  # a full-HD screen keeps the layout it had
        assert 480 <= pad_box(page)["width"] <= 560 and verdict_px <= 20


def pen_strokes(session, strokes) -> None:
    """Draw page-coordinate strokes with a pen (DevTools protocol), 20 moves per segment."""
    event = {"button": "left", "pointerType": "pen", "clickCount": 1, "force": 0.5}
    for stroke in strokes:
        session.send("Input.dispatchMouseEvent", {**event, "type": "mousePressed", "x": stroke[0][0], "y": stroke[0][1]})
        for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
            for i in range(1, 21):
                x, y = x0 + (x1 - x0) * i / 20, y0 + (y1 - y0) * i / 20
                session.send("Input.dispatchMouseEvent", {**event, "type": "mouseMoved", "buttons": 1, "x": x, "y": y})
        session.send("Input.dispatchMouseEvent", {**event, "type": "mouseReleased", "x": stroke[-1][0], "y": stroke[-1][1]})


def test_pen_drawing(page, site_url):
    open_page(page, site_url)
    record_pointer_types(page)
    session = page.context.new_cdp_session(page)
    pen_strokes(session, to_page(page, FOUR, 0.3, 0.2, 0.6))
    expect(page.locator("#prediction")).to_have_text("4")
    assert page.evaluate("window.pointerTypes") == ["pen", "pen"]
    assert_clean(page, site_url)


def test_a_pen_wins_over_a_palm_that_touched_first(chromium, site_url):
    # On a tablet the palm often lands before the pen: one pointer at a time took the palm and dropped the pen.
    context = chromium.new_context(has_touch=True, viewport={"width": 820, "height": 1180})
    page = context.new_page()
    try:
        open_page(page, site_url)
        session = context.new_cdp_session(page)
        box = pad_box(page)
        palm = {"x": box["x"] + box["width"] * 0.9, "y": box["y"] + box["height"] * 0.9, "radiusX": 30, "radiusY": 30}
        session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [palm]})
        pen_strokes(session, to_page(page, FOUR, 0.3, 0.2, 0.6))
        session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        expect(page.locator("#prediction")).to_have_text("4")
        expect(page.locator("#verdict")).to_contain_text("sure")
    finally:
        context.close()


def test_two_fingers_on_the_pad_draw_nothing(chromium, site_url):
    # A pinch or a two-finger swipe (to zoom or scroll) drew a line, read as "1, 97% sure".
    context = chromium.new_context(has_touch=True, is_mobile=True, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        open_page(page, site_url)
        session = context.new_cdp_session(page)
        box = pad_box(page)
        x, y = box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.2
        for step in range(0, 21):
            fingers = [{"x": x, "y": y + 10 * step, "id": 0}, {"x": x + 60, "y": y + 10 * step, "id": 1}]
            session.send("Input.dispatchTouchEvent", {"type": "touchStart" if step == 0 else "touchMove", "touchPoints": fingers})
        session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        expect(page.locator("#prompt")).to_be_visible()
        expect(page.locator("#prediction")).to_have_text("")
        draw_by_touch = [{"x": x, "y": y, "id": 0}]  # one finger still writes
        session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": draw_by_touch})
        for step in range(1, 21):
            session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y + 10 * step, "id": 0}]})
        session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        expect(page.locator("#prediction")).to_have_text("1")
    finally:
        context.close()


def test_narrow_dark_screen(chromium, site_url):
    # 320 px wide, dark theme: no sideways scrolling, a square pad, and recognition still sees black on white.
    context = chromium.new_context(viewport={"width": 320, "height": 640}, color_scheme="dark")
    page = context.new_page()
    try:
        open_page(page, site_url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        box = pad_box(page)
        assert abs(box["width"] - box["height"]) < 1 and box["width"] >= 280
        assert page.evaluate("getComputedStyle(document.getElementById('pad')).touchAction") == "none"
        draw(page, SEVEN)
        expect(page.locator("#prediction")).to_have_text("7")
        expect(page.locator("#clear")).to_be_in_viewport()
    finally:
        context.close()


@pytest.mark.parametrize("backend", ["wasm", "cpu"])
def test_each_backend_reads_the_same_digit(page, site_url, backend):
    page.goto(f"{site_url}?backend={backend}")
    page.wait_for_selector("body[data-ready='true']", timeout=READY_TIMEOUT_MS)
    expect(page.locator("#backend")).to_have_attribute("data-backend", backend)
    draw(page, SEVEN)
    expect(page.locator("#prediction")).to_have_text("7")
    expect(page.locator("#backend")).to_have_text(re.compile(rf"read in \d+\.\d ms on this device \({backend}\)"))


def test_writing_that_runs_off_the_pad_is_said(page, site_url):
    # A word that reaches the pad's right edge: the part past it is not read ("sunset" came back as SUN, each at
    # least 91 % sure, with nothing said). The same 7 inside the pad says nothing of the kind.
    open_page(page, site_url)
    draw(page, SEVEN)
    expect(page.locator("#verdict")).to_have_text(re.compile(r"^\d+% sure$"))
    page.click("#clear")
    draw(page, SEVEN, left=0.8)  # its bar ends past the right edge
    expect(page.locator("#verdict")).to_contain_text("part of it ran off the pad: write smaller")
    page.click("#undo")
    draw(page, SEVEN)
    expect(page.locator("#verdict")).not_to_contain_text("ran off")
    # A stroke begun beside the pad and moved onto it (a number's last digit begun past the edge) is drawn from where
    # it came in, and said to have run off: it was lost without a word (review 8, "2026" read 202).
    page.click("#clear")
    draw(page, SEVEN, left=0.1)
    box = pad_box(page)
    at = lambda x, y: (box["x"] + x * box["width"], box["y"] + y * box["height"])  # noqa: E731
    mouse_strokes(page, [[at(1.05, 0.3), at(0.75, 0.8)]])
    expect(page.locator("#prediction")).to_have_text(re.compile(r"^7\S$"))
    expect(page.locator("#verdict")).to_contain_text("part of it ran off the pad: write smaller")


def test_a_small_mark_far_from_the_writing_is_said_not_read(page, site_url):
    # Review 8: a child's last digit written at a third of the size, a gap apart, was dropped as a speck without a
    # word ("10" read 1, 70 % sure).
    open_page(page, site_url)
    draw(page, ONE, left=0.2, top=0.1, height=0.8)
    draw(page, ZERO, left=0.75, top=0.7, height=0.12)
    expect(page.locator("#prediction")).to_have_text("1")
    expect(page.locator("#verdict")).to_contain_text("a small mark was not read: write it bigger")
    # A tap's dot is no mark.
    page.click("#undo")
    box = pad_box(page)
    page.mouse.click(box["x"] + 0.8 * box["width"], box["y"] + 0.8 * box["height"])
    expect(page.locator("#verdict")).to_have_text(re.compile(r"^\d+% sure$"))


def test_a_minus_before_digits_is_said_not_read(page, site_url):
    # Review 11: -5 read 5, "96% sure" with nothing said (the minus glued to the 5 as its bar even said "digits
    # touching?"), and -12 read 0712. Only digits are read, and the page says what it left out; a minus written close
    # before a digit too (-47: it was glued to the 4).
    open_page(page, site_url)
    for index, (minus, digits, read) in enumerate((([0.08, 0.28], [FIVE], "5"), ([0.05, 0.2], [ONE, TWO], "12"), ([0.24, 0.37], [FOUR, SEVEN], "47"))):
        if index:
            page.click("#clear")
        box = pad_box(page)  # where the pad is now: the answer above it may have grown
        mouse_strokes(page, [[(box["x"] + x * box["width"], box["y"] + 0.46 * box["height"]) for x in minus]])
        for column, digit in enumerate(digits):
            draw(page, digit, left=0.4 + 0.3 * column, top=0.2, height=0.5)
        expect(page.locator("#prediction")).to_have_text(read)
        expect(page.locator("#verdict")).to_contain_text("sure · a dot, dash or sign was not read: digits only")
        expect(page.locator("#verdict")).not_to_contain_text("touching")
    # The same digits without it: nothing said.
    page.click("#clear")
    draw(page, ONE, left=0.4, top=0.2, height=0.5)
    draw(page, TWO, left=0.7, top=0.2, height=0.5)
    expect(page.locator("#verdict")).to_have_text(re.compile(r"^2 digits, each at least \d+% sure$"))


def test_a_point_or_comma_after_a_digit_is_said_not_read(page, site_url):
    # Review 11: 3.14 read 314, "each at least 90% sure": the point glued to the 3, nothing said. 7.4 and 1,5 written
    # close, as people write them: the digits are read, and the page says what it left out.
    open_page(page, site_url)
    for first, mark, second, read in ((SEVEN, [(0.375, 0.68), (0.38, 0.68)], FOUR, "74"), (ONE, [(0.3, 0.66), (0.29, 0.71), (0.27, 0.77)], FIVE, "15")):
        if read == "15":
            page.click("#clear")
        draw(page, first, left=0.08, top=0.25, height=0.45)
        box = pad_box(page)  # where the pad is now: the answer above it may have grown
        mouse_strokes(page, [[(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in mark]])
        draw(page, second, left=0.45, top=0.25, height=0.45)
        expect(page.locator("#prediction")).to_have_text(read)
        expect(page.locator("#verdict")).to_contain_text("sure · a dot, dash or sign was not read: digits only")


def test_a_line_under_a_number_is_said_not_read(page, site_url):
    # Review 12: 2026 underlined read 225, 236 or "?", "digits touching?": the line merged every digit over it into one
    # character. The digits are read, and the page says what it left out; over smaller digits (under a third of the
    # line's length: they were specks of it) too, and a line over them.
    open_page(page, site_url)
    for index, (y, top, height) in enumerate(((0.72, 0.3, 0.3), (0.72, 0.4, 0.2), (0.3, 0.4, 0.2))):
        if index:
            page.click("#clear")
        for column, digit in enumerate((TWO, ZERO, TWO, SIX)):
            draw(page, digit, left=0.06 + 0.23 * column, top=top, height=height)
        box = pad_box(page)  # where the pad is now: the answer above it may have grown
        mouse_strokes(page, [[(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x in (0.03, 0.5, 0.97)]])
        expect(page.locator("#prediction")).to_have_text("2026")
        expect(page.locator("#verdict")).to_contain_text("sure · a dot, dash or sign was not read: digits only")
        expect(page.locator("#verdict")).not_to_contain_text("touching")


def test_a_slash_in_a_date_is_said_not_read(page, site_url):
    # Review 12: 06/12 read 06112 "each at least 96% sure": the slash was a character, read 1. A straight stroke rising
    # to the right, as tall as the digits beside it and apart from them, is left out and said, as a dash is.
    open_page(page, site_url)
    top, height = 0.35, 0.25
    for left, digit in ((0.04, ZERO), (0.23, SIX), (0.6, ONE), (0.78, TWO)):
        draw(page, digit, left=left, top=top, height=height)
    box = pad_box(page)  # where the pad is now: the answer above it may have grown
    mouse_strokes(page, [[(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in ((0.44, top + height + 0.03), (0.48, top + height / 2), (0.52, top - 0.03))]])
    expect(page.locator("#prediction")).to_have_text("0612")
    expect(page.locator("#verdict")).to_contain_text("sure · a dot, dash or sign was not read: digits only")


def test_a_circled_answer_is_said_not_read(page, site_url):
    # Review 12: a circled 8 read 0 "77% sure": the circle enclosed the digit and the two were merged into one
    # character, read as a 0. A loop drawn round other ink is left out and said, as a dash is; what it holds is read.
    open_page(page, site_url)
    draw(page, FOUR, left=0.3, top=0.35, height=0.3)
    draw(page, TWO, left=0.52, top=0.35, height=0.3)
    box = pad_box(page)  # where the pad is now: the answer above it may have grown
    loop = [(0.5 + 0.36 * math.cos(a), 0.5 + 0.28 * math.sin(a)) for a in (math.radians(200 + 15 * step) for step in range(27))]
    mouse_strokes(page, [[(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in loop]])
    expect(page.locator("#prediction")).to_have_text("42")
    expect(page.locator("#verdict")).to_contain_text("sure · a dot, dash or sign was not read: digits only")


def test_a_number_written_on_two_lines_is_read_line_by_line(page, site_url):
    # Two lines used to be read as one, left to right (a child's word wrapped under itself read IX, X, ZS); each
    # line is now read alone and shown as a line of the answer.
    open_page(page, site_url)
    for column, digit in enumerate((SEVEN, FOUR)):
        draw(page, digit, left=0.1 + 0.3 * column, top=0.05, height=0.35)
    draw(page, ONE, left=0.5, top=0.55, height=0.35)
    expect(page.locator("#prediction")).to_have_js_property("textContent", "74\n1")
    expect(page.locator("#verdict")).to_have_text(re.compile(r"^3 digits, each at least \d+% sure$"))
    # One digit on each line is one line, as a digit whose stroke the pen left across its height (a 7's stem cut);
    # side by side, and a number drifting downhill (each digit overlapping the next in height), too.
    page.click("#clear")
    draw(page, SEVEN, left=0.1, top=0.05, height=0.35)
    draw(page, FOUR, left=0.5, top=0.55, height=0.35)
    expect(page.locator("#prediction")).to_have_js_property("textContent", "74")
    page.click("#clear")
    draw(page, SEVEN, left=0.1, top=0.2, height=0.4)
    draw(page, FOUR, left=0.5, top=0.45, height=0.4)
    expect(page.locator("#prediction")).to_have_js_property("textContent", "74")


def test_a_number_wrapped_under_itself_is_read_line_by_line_and_an_i_is_one_line(page, site_url):
    # Review 8: a child who runs out of room writes the rest of the number under the first line, digits in the same
    # columns. The segmentation merged each column into one character: 0612 over 3456 read 883, with no hint.
    open_page(page, site_url)
    for row, digits in ((0.05, (ZERO, SIX, ONE, TWO)), (0.55, (FOUR, FIVE, SIX, SEVEN))):
        for column, digit in enumerate(digits):
            draw(page, digit, left=0.04 + 0.24 * column, top=row, height=0.35)
    expect(page.locator("#prediction")).to_have_js_property("textContent", "0612\n4567")
    expect(page.locator("#verdict")).not_to_contain_text("touching")
    # A screen reader hears which line a character stands on (review 9).
    expect(page.locator("#characters button").nth(4)).to_have_attribute("aria-label", re.compile(r"^Digit 5, line 2: 4, \d+% sure"))
    expect(page.locator("#characters button").nth(3)).to_have_attribute("aria-label", re.compile(r"^Digit 4, line 1: 2, "))
    # Shown as two lines, each at the size of a 4-digit answer: the answer is twice as tall as one line.
    lines = page.locator("#prediction").evaluate("(element) => element.getBoundingClientRect().height / parseFloat(getComputedStyle(element).lineHeight)")
    assert round(lines) == 2
    # An i's dot stands above its stem, apart: a row far shorter than the stem's is no line of its own.
    switch_to_letters(page)
    page.click("#clear")
    draw(page, [[(0.5, 0.0), (0.52, 0.03)]], left=0.4, top=0.1, height=0.1)
    draw(page, ONE, left=0.4, top=0.3, height=0.5)
    expect(page.locator("#prediction")).to_have_js_property("textContent", "I")


def test_a_bar_whose_height_is_near_the_i_l_line_is_marked_unsure(page, site_url):
    # Review 4: MARIA read MARLA, AMELIA AMELLA, "each at least 80% sure": an A written a little short puts the I
    # over 1.15 x the shortest other letter. Near that line the page now says it is not sure (I or L).
    open_page(page, site_url)
    result = page.evaluate("""async () => {
        const { caseByHeight } = await import('./js/recognise.js');
        const metadata = await (await fetch('./models/letters/metadata.json')).json();
        const probabilities = (hot) => metadata.labels.map((label) => (label === hot ? 0.95 : 0.002));
        const bar = metadata.labels.map((label) => (label === 'I' ? 0.47 : label === 'L' ? 0.48 : 0.002));
        const letter = (label, height) => ({ label, confidence: 0.95, runnerUp: 'X', unsure: false, probabilities: probabilities(label),
                                            box: { top: 100 - height, left: 0, bottom: 99, right: 40 } });
        const word = (heights) => caseByHeight([letter('M', heights[0]), letter('A', heights[1]), letter('R', heights[2]),
            { ...letter('I', heights[3]), probabilities: bar }, letter('A', heights[4])], metadata)[3];
        const first = (heights) => caseByHeight([{ ...letter('I', heights[0]), probabilities: bar }, letter('N', heights[1])], metadata)[0];
        return { even: word([100, 100, 100, 100, 100]), shortA: word([100, 85, 100, 100, 100]),
                 lowA: word([100, 92, 100, 100, 100]), lower: word([50, 50, 50, 100, 50]),
                 firstTall: first([100, 55]), firstEven: first([100, 100]) };
    }""")
    assert (result["even"]["label"], result["even"]["unsure"]) == ("I", False)  # capitals of one height: sure
    assert (result["lowA"]["label"], result["lowA"]["unsure"]) == ("I", True)  # 1.09 x: an I, but near the line
    assert (result["shortA"]["label"], result["shortA"]["unsure"], result["shortA"]["runnerUp"]) == ("L", True, "I")
    assert (result["lower"]["label"], result["lower"]["unsure"]) == ("L", False)  # an l over x-height letters: sure
    # Review 6: "In", "Is", "Ivy" read LN, LS, LVY, shown sure. A tall bar that begins a word is an l as often as a
    # capital I: the text stays, the doubt is said. A first bar as tall as the capitals after it is a sure I.
    assert (result["firstTall"]["label"], result["firstTall"]["unsure"], result["firstTall"]["runnerUp"]) == ("L", True, "I")
    assert (result["firstEven"]["label"], result["firstEven"]["unsure"]) == ("I", False)


def test_an_i_or_j_told_by_the_baseline_is_as_sure_as_the_model_is(page, site_url):
    # Review 6: a baseline that bends, or a capital J on the line, fools the descent rule ("Benji" read BENJJ,
    # "RAJ" RAI), and the page showed it sure with the pair's probability together (0.88-0.98). Now the chosen
    # letter's own: an i read J 0.6 / I 0.35 on the line is an I, and not sure.
    open_page(page, site_url)
    result = page.evaluate("""async () => {
        const { byDescent } = await import('./js/recognise.js');
        const metadata = await (await fetch('./models/letters/metadata.json')).json();
        const probabilities = (given) => Float32Array.from(metadata.labels, (label) => given[label] ?? 0.002);
        const character = (label, given, top, bottom, left) => ({ label, confidence: 0.95, runnerUp: 'X', unsure: false,
            probabilities: probabilities(given), box: { top, left, bottom, right: left + 20 } });
        const word = (iBottom) => byDescent([character('S', { S: 0.95 }, 150, 199, 0), character('H', { H: 0.95 }, 100, 199, 40),
            character('J', { J: 0.6, I: 0.35 }, 124, iBottom, 80), character('P', { P: 0.95 }, 150, 240, 100)], metadata)[2];
        return { sits: word(200), descends: word(240) };
    }""")
    assert (result["sits"]["label"], result["sits"]["unsure"], result["sits"]["runnerUp"]) == ("I", True, "J")
    assert abs(result["sits"]["confidence"] - 0.35) < 1e-6
    assert (result["descends"]["label"], result["descends"]["unsure"]) == ("J", True)  # J 0.6: under the 0.7 threshold


def test_low_confidence_is_said_and_names_the_top_two(page, site_url):
    open_page(page, site_url)
    result = page.evaluate("""async () => {
        const { describe } = await import('./js/ui.js');
        const { rank } = await import('./js/recognise.js');
        const metadata = await (await fetch('./models/digits/metadata.json')).json();
        const threshold = metadata.display.confidenceThreshold;
        const probabilities = new Float32Array(metadata.labels.length);
        probabilities[4] = threshold - 0.05;
        probabilities[9] = 1 - probabilities[4];
        const box = (width) => ({ top: 0, left: 0, bottom: 99, right: width - 1 });
        const doubtful = { ...rank(probabilities, metadata.labels, threshold), probabilities, box: box(60) };
        const sure = { label: '1', runnerUp: '7', confidence: 0.98, unsure: false, box: box(60) };
        return {
            single: describe([doubtful]), number: describe([sure, doubtful, sure]), both: describe([doubtful, doubtful]),
            label: doubtful.label, unsure: doubtful.unsure,
            wide: describe([{ ...sure, box: box(130) }], 'digit', 1.3),
            narrow: describe([{ ...sure, box: box(129) }, { ...sure, box: box(60) }], 'digit', 1.3),
            letters: describe([{ ...sure, box: box(200) }], 'letter'),
        };
    }""")
    assert result["label"] == "4" and result["unsure"]
    assert result["single"] == "not sure — maybe 4 or 9"
    assert result["number"] == "not sure about the 2nd — maybe 4 or 9"
    assert result["both"] == "not sure about 2 of 2 digits (marked ?)"
    # A character at least display.touchingAspect times as wide as tall may be two touching; a task without
    # one (letters) never says so.
    assert result["wide"] == "98% sure · digits touching? Leave a little space"
    assert result["narrow"] == "2 digits, each at least 98% sure"
    assert result["letters"] == "98% sure"


def test_ink_judged_no_digit_is_a_question_mark_and_said_so(page, site_url):
    # Review 11: anything drawn was a sure digit (an A 4 at 94 %, a smiley 0 at 90 %). metadata.json "other"
    # (training/other.py) judges each character on the model's own read: over its threshold it is "?", unsure,
    # and the verdict says which; what the user taught outranks the judge; letters have no such judge.
    open_page(page, site_url)
    result = page.evaluate("""async () => {
        const { describe } = await import('./js/ui.js');
        const { name } = await import('./js/recognise.js');
        const digits = await (await fetch('./models/digits/metadata.json')).json();
        const letters = await (await fetch('./models/letters/metadata.json')).json();
        const { weights, scale } = digits.other;
        const n = weights.length - 2;
        const norm = weights.slice(0, n).reduce((total, w) => total + w * w, 0);
        const along = (z) => Float32Array.from(weights.slice(0, n), (w) => (z * w) / (scale * norm)); // scale * w . features = z
        const probabilities = new Float32Array(10);
        [probabilities[4], probabilities[9]] = [0.94, 0.06];
        const box = { top: 0, left: 0, bottom: 99, right: 59 };
        const read = (z, taught = []) => name([{ box, probabilities, features: along(z) }], digits, taught)[0];
        const [doodle, digit] = [read(50), read(-50)];
        const taught = read(50, [{ label: 4, features: along(50) }]);
        const sure = { label: '1', runnerUp: '7', confidence: 0.98, unsure: false, box };
        const letterProbabilities = new Float32Array(26);
        letterProbabilities[0] = 1;
        const letter = name([{ box, probabilities: letterProbabilities, features: along(50) }], letters)[0];
        return {
            doodle: [doodle.label, doodle.unsure, doodle.other, doodle.runnerUp], digit: [digit.label, Boolean(digit.other)],
            taught: [taught.label, Boolean(taught.other)], letter: [letter.label, Boolean(letter.other)],
            alone: describe([doodle]), number: describe([sure, doodle, sure]), two: describe([doodle, sure, doodle]),
            wide: describe([{ ...doodle, box: { ...box, right: 299 } }], 'digit', 1.3),
        };
    }""")
    assert result["doodle"] == ["?", True, True, "4"]  # a screen reader hears "?, maybe 4"
    assert result["digit"] == ["4", False]
    assert result["taught"] == ["4", False]
    assert result["letter"] == ["A", False]
    assert result["alone"] == result["number"] == result["two"] == "? = does not look like a digit"
    # Two digits the pen joined and the judge of joined digits left whole may look like no digit: the hint stays.
    assert result["wide"] == "? = does not look like a digit · digits touching? Leave a little space"


def test_a_doodle_on_the_digits_pad_is_a_question_mark_and_a_digit_after_it_is_read(page, site_url):
    # Review 11: a doodle was a sure digit. A tick and a scribble as training/shapes.py draws them for validation (no
    # fit saw them), drawn with the mouse: "?" (not "??": the mark of an unsure character) and the verdict says why; a
    # 7 drawn after them on a clear pad is a 7.
    from training.shapes import shape_drawings

    drawings = shape_drawings("validation", 76, 1)
    open_page(page, site_url)
    for index in (29, 40):  # a tick, a scribble
        box, side = pad_box(page), 280  # the recognition canvas, which training/shapes.py draws on
        mouse_strokes(page, [[(box["x"] + x / side * box["width"], box["y"] + y / side * box["height"]) for x, y in stroke] for stroke in drawings[index][1]])
        expect(page.locator("#prediction")).to_have_text("?")
        # (the wide scribble adds "digits touching?": two digits the pen joined are judged so too)
        expect(page.locator("#verdict")).to_have_text(re.compile(r"^\? = does not look like a digit"))
        expect(page.locator(".character-label")).to_have_text(["?"])
        page.click("#clear")
    draw(page, SEVEN)
    expect(page.locator("#prediction")).to_have_text("7")
    expect(page.locator("#verdict")).to_have_text(re.compile(r"^\d+% sure$"))


def test_works_offline_after_one_visit(page):
    with serve(SITE) as url:
        open_page(page, url)
        wait_for_value(page, CONTROLLED, True)
    # The server is gone and the network is off: only the service worker's cache is left.
    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("body[data-ready='true']", timeout=READY_TIMEOUT_MS)
    draw(page, SEVEN)
    expect(page.locator("#prediction")).to_have_text("7")
    assert [request for request in page.requests if not request.startswith(url)] == []


def cached_paths(page, base_url: str) -> list[str]:
    """Paths in the service worker's cache, relative to the site, sorted (the site itself, ./, as index.html)."""
    urls = page.evaluate("caches.keys().then(async ([name]) => (await (await caches.open(name)).keys()).map((request) => request.url))")
    return sorted(url.removeprefix(base_url) or "index.html" for url in urls)


RUNTIME_FILES = {"vendor/tfjs-backend-wasm-simd.wasm", "vendor/tfjs-backend-wasm.wasm", "vendor/tfjs-cpu.js"}


def test_service_worker_precaches_the_one_runtime_this_browser_runs(page, site_url):
    # Chromium validates WebAssembly SIMD: the SIMD binary alone, which is the one TF.js fetched.
    fetched = []
    page.on("request", lambda request: fetched.append(request.url.removeprefix(site_url)))
    open_page(page, site_url)
    wait_for_value(page, CONTROLLED, True)
    cached = cached_paths(page, site_url)
    assert RUNTIME_FILES & set(cached) == {"vendor/tfjs-backend-wasm-simd.wasm"}
    assert "vendor/tfjs-backend-wasm-simd.wasm" in fetched and "vendor/tfjs-backend-wasm.wasm" not in fetched
    assert set(site_version.precached_files(SITE)) - RUNTIME_FILES == set(cached) - RUNTIME_FILES


def test_without_webassembly_the_cpu_build_runs_and_works_offline(chromium):
    # V8 without its JIT has no WebAssembly, as in Lockdown Mode on Apple devices: the page and its service
    # worker take TF.js's CPU build instead, never a .wasm binary, and the page still reads a 7 offline.
    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    browser = chromium.browser_type.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--js-flags=--jitless"])
    try:
        context = browser.new_context()
        page = context.new_page()
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        with serve(SITE) as url:
            open_page(page, url)
            expect(page.locator("#backend")).to_have_attribute("data-backend", "cpu")
            wait_for_value(page, CONTROLLED, True)
            assert RUNTIME_FILES & set(cached_paths(page, url)) == {"vendor/tfjs-cpu.js"}
        context.set_offline(True)
        page.reload()
        page.wait_for_selector("body[data-ready='true']", timeout=READY_TIMEOUT_MS)
        draw(page, SEVEN)
        expect(page.locator("#prediction")).to_have_text("7", timeout=READY_TIMEOUT_MS)
        assert not [request for request in requests if request.endswith(".wasm")]
    finally:
        browser.close()


def deploy_a_new_version(site: Path, name: str) -> str:
    """Release a new version into a served copy of site/, as `make convert` and a deploy would: a new
    metadata.json (its version named `name`), a model.json of new bytes (the same model, re-serialised), a
    changed stylesheet, and sw.js stamped. Old metadata.json with the new model.json fails its SHA-256.
    Returns the new service-worker version."""
    model_dir = site / "models" / "digits"
    model_json = json.dumps(json.loads((model_dir / "model.json").read_text()), indent=1).encode()
    (model_dir / "model.json").write_bytes(model_json)
    metadata = json.loads((model_dir / "metadata.json").read_text())
    metadata["version"] = name
    entry = next(file for file in metadata["files"] if file["path"] == "model.json")
    entry.update(sha256=hashlib.sha256(model_json).hexdigest(), bytes=len(model_json))
    (model_dir / "metadata.json").write_text(json.dumps(metadata, indent=2))
    stylesheet = site / "css" / "style.css"
    stylesheet.write_text(stylesheet.read_text() + f"\n/* release {name} */\n")
    return site_version.stamp(site)


def site_to_release_into(tmp_path: Path) -> tuple[Path, str]:
    """A copy of site/ to release new versions into, and the version of its digits model."""
    copy = tmp_path / "site"
    shutil.copytree(SITE, copy)
    return copy, json.loads((copy / "models" / "digits" / "metadata.json").read_text())["version"]


SLOW_REQUEST_S = 3  # a request the old version still has in flight when the page switches
CHECK_FOR_UPDATES = "navigator.serviceWorker.getRegistration().then((registration) => registration.update())"


def test_a_new_version_is_offered_and_taken_at_the_next_reload(page, tmp_path):
    copy, old_model = site_to_release_into(tmp_path)
    with serve(copy) as url:
        open_page(page, url)
        wait_for_value(page, CONTROLLED, True)
        wait_for_value(page, "caches.keys()", [f"inkwell-{site_version.current_version(copy)}"])
        expect(page.locator("#update")).to_be_hidden()
        new_version = deploy_a_new_version(copy, "next-release")
        page.evaluate(CHECK_FOR_UPDATES)
        # The page says so, and meanwhile keeps working with the model it loaded.
        expect(page.locator("#update")).to_be_visible(timeout=READY_TIMEOUT_MS)
        expect(page.locator("#update")).to_contain_text("A new version of Inkwell is ready")
        draw(page, SEVEN)
        expect(page.locator("#prediction")).to_have_text("7")
        expect(page.locator("#model-info")).to_contain_text(old_model)
        # One reload takes it: metadata, model and page all of the new version, and the old cache is gone.
        page.reload()
        assert_ready(page)
        expect(page.locator("#model-info")).to_contain_text("next-release")
        expect(page.locator("#update")).to_be_hidden()
        wait_for_value(page, "caches.keys()", [f"inkwell-{new_version}"])
        draw(page, SEVEN)
        expect(page.locator("#prediction")).to_have_text("7")
        assert_clean(page, url)


def test_the_switch_waits_until_the_old_version_has_finished_its_requests(page, tmp_path):
    # Chromium lets a new version take over only when the old worker has no request in flight. Here the page
    # being left has one (the server answers it after 3 s): the reload must still end in the new version,
    # through one stand-in page. A stand-in that refreshed at once sent navigation after navigation into the
    # old worker meanwhile, each one keeping it busy, and now and then never stopped (issue 15).
    copy = tmp_path / "site"
    shutil.copytree(SITE, copy)

    def answer_slowly(request):
        if request.path.endswith("?slow"):
            time.sleep(SLOW_REQUEST_S)
        return None

    navigations = []
    page.on("request", lambda request: request.is_navigation_request() and navigations.append(request.url))
    with serve(copy, fault=answer_slowly) as url:
        open_page(page, url)
        wait_for_value(page, CONTROLLED, True)
        new_version = deploy_a_new_version(copy, "next-release")
        page.evaluate(CHECK_FOR_UPDATES)
        expect(page.locator("#update")).to_be_visible(timeout=READY_TIMEOUT_MS)
        page.evaluate("fetch('css/style.css?slow'), 0")  # not precached (a query): the worker asks the server
        navigations.clear()
        page.reload()
        expect(page.locator("#model-info")).to_contain_text("next-release", timeout=READY_TIMEOUT_MS)
        assert_ready(page)
        wait_for_value(page, "caches.keys()", [f"inkwell-{new_version}"])
        assert len(navigations) == 2, f"the switch took {len(navigations)} page loads, not the reload and one more"
        assert page.console_errors == []  # the stand-in's script ran: the CSP took its hash


def test_the_notice_switches_every_tab_to_the_new_version(chromium, tmp_path):
    copy, old_model = site_to_release_into(tmp_path)
    context = chromium.new_context()
    try:
        first, second = context.new_page(), context.new_page()
        with serve(copy) as url:
            open_page(first, url)
            wait_for_value(first, CONTROLLED, True)
            open_page(second, url)
            new_version = deploy_a_new_version(copy, "next-release")
            first.evaluate(CHECK_FOR_UPDATES)
            for tab in (first, second):
                expect(tab.locator("#update")).to_be_visible(timeout=READY_TIMEOUT_MS)
            # With another tab open, a reload stays on the old version, so the two tabs never mix versions.
            second.reload()
            assert_ready(second)
            expect(second.locator("#model-info")).to_contain_text(old_model)
            expect(second.locator("#update")).to_be_visible(timeout=READY_TIMEOUT_MS)
            # The button switches: this tab reloads into the new version; the other is told, and still works.
            first.click("#update-reload")
            expect(first.locator("#model-info")).to_contain_text("next-release", timeout=READY_TIMEOUT_MS)
            assert_ready(first)
            expect(second.locator("#update")).to_be_visible()
            draw(second, SEVEN)
            expect(second.locator("#prediction")).to_have_text("7")
            second.click("#update-reload")
            expect(second.locator("#model-info")).to_contain_text("next-release", timeout=READY_TIMEOUT_MS)
            wait_for_value(second, "caches.keys()", [f"inkwell-{new_version}"])
    finally:
        context.close()


def test_a_new_tab_leaves_the_open_one_on_its_version(chromium, tmp_path):
    # A new tab's navigation sees one page open, as a reload of a lone tab does. It used to switch versions
    # then, under the open tab, which ran its old code on the new version's files (review 3, finding 11).
    copy, old_model = site_to_release_into(tmp_path)
    context = chromium.new_context()
    try:
        first = context.new_page()
        with serve(copy) as url:
            open_page(first, url)
            wait_for_value(first, CONTROLLED, True)
            new_version = deploy_a_new_version(copy, "next-release")
            first.evaluate(CHECK_FOR_UPDATES)
            expect(first.locator("#update")).to_be_visible(timeout=READY_TIMEOUT_MS)
            second = context.new_page()
            open_page(second, url)
            expect(second.locator("#model-info")).to_contain_text(old_model)
            expect(second.locator("#update")).to_be_visible(timeout=READY_TIMEOUT_MS)
            assert first.evaluate("navigator.serviceWorker.getRegistration().then((registration) => Boolean(registration.waiting))")
            draw(first, SEVEN)
            expect(first.locator("#prediction")).to_have_text("7")
            # Once the new tab is closed, a reload of the one left is the switch.
            second.close()
            first.reload()
            expect(first.locator("#model-info")).to_contain_text("next-release", timeout=READY_TIMEOUT_MS)
            assert_ready(first)
            wait_for_value(first, "caches.keys()", [f"inkwell-{new_version}"])
    finally:
        context.close()


class DeployInProgress:
    """A server mid-deploy (a CDN, say): one file comes truncated, with the real file's headers.

    `file` is the path in the site (default: the digits model's weights). `to` picks who gets the truncated
    copy: "worker" (the service worker's precache: its requests carry sw.js as referrer) or "anyone";
    `once` serves it once, else until `finish()` (`begin()` starts again). `truncated` records who got one.
    """

    def __init__(self, site: Path, to: str, once: bool, file: str | None = None):
        if file is None:
            metadata = json.loads((site / "models" / "digits" / "metadata.json").read_text())
            file = "models/digits/" + next(entry["path"] for entry in metadata["files"] if entry["path"].endswith(".bin"))
        self.site, self.file = site, file
        self.to, self.once = to, once
        self.truncated: list[str] = []
        self.finished = False
        self.lock = threading.Lock()

    def begin(self) -> None:
        self.finished = False

    def finish(self) -> None:
        self.finished = True

    def __call__(self, request) -> bytes | None:
        who = "worker" if request.headers.get("Referer", "").endswith("/sw.js") else "page"
        with self.lock:
            if request.path != f"/{self.file}" or self.finished or (self.to == "worker" and who != "worker"):
                return None
            self.truncated.append(who)
            self.finished = self.once
        data = (self.site / self.file).read_bytes()
        return data[: len(data) // 2]


def test_a_weight_file_truncated_once_is_never_cached(chromium, tmp_path):
    # The page's own copy is whole, so it works; the service worker's is truncated. Cached, it would be
    # served for good: every later visit would say "corrupt". Checked, it is fetched again before caching.
    copy = tmp_path / "site"
    shutil.copytree(SITE, copy)
    deploy = DeployInProgress(copy, to="worker", once=True)
    context = chromium.new_context()
    try:
        page = context.new_page()
        with serve(copy, fault=deploy) as url:
            open_page(page, url)
            wait_until(lambda: deploy.truncated == ["worker"], "the service worker got the truncated file")
            assert page.evaluate(WORKER_SETTLED) == "activated"
            page.reload()
            assert_ready(page)
        # The server is gone: what the worker cached is whole, in this tab and in a new one.
        context.set_offline(True)
        page.reload()
        new_tab = context.new_page()
        new_tab.goto(url)
        for tab in (page, new_tab):
            assert_ready(tab)
            draw(tab, SEVEN)
            expect(tab.locator("#prediction")).to_have_text("7")
    finally:
        context.close()


def test_a_reload_recovers_once_the_server_is_right(chromium, tmp_path):
    # Every request gets the truncated file until the deploy finishes: the page says "corrupt" and keeps
    # nothing; once the server is right, one reload works, online and then offline. The browser's HTTP
    # cache still holds the truncated copy under the file's real Last-Modified; the page fetches past it.
    copy = tmp_path / "site"
    shutil.copytree(SITE, copy)
    deploy = DeployInProgress(copy, to="anyone", once=False)
    context = chromium.new_context()
    try:
        page = context.new_page()
        with serve(copy, fault=deploy) as url:
            page.goto(url)
            expect(page.get_by_role("alert")).to_contain_text("is corrupt", timeout=READY_TIMEOUT_MS)
            wait_until(lambda: "worker" in deploy.truncated, "the service worker got the truncated file")
            assert page.evaluate(WORKER_SETTLED) in ("none", "redundant"), "a version with a corrupt file was installed"
            deploy.finish()
            page.reload()
            assert_ready(page)
            wait_for_value(page, CONTROLLED, True)
        context.set_offline(True)
        page.reload()
        assert_ready(page)
        draw(page, SEVEN)
        expect(page.locator("#prediction")).to_have_text("7")
    finally:
        context.close()


def broken_site(tmp_path: Path, damage) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(SITE, copy)
    damage(copy / "models" / "digits")
    return copy


# Each mismatch Node checks in tests/test_model_loading.py, here as the page shows it; and a missing model.
BROKEN = {name: FAULTS[name] for name in ("corrupt-weights", "old-metadata", "image-size", "empty-model-json", "labels-short")}
BROKEN["missing-model"] = (lambda model_dir: shutil.rmtree(model_dir), "cannot fetch")


@pytest.mark.parametrize(("damage", "message"), BROKEN.values(), ids=BROKEN.keys())
def test_broken_model_is_reported_and_drawing_still_works(page, tmp_path, damage, message):
    with serve(broken_site(tmp_path, damage)) as url:
        page.goto(url)
        alert = page.get_by_role("alert")
        expect(alert).to_be_visible(timeout=READY_TIMEOUT_MS)
        expect(alert).to_contain_text(message)
        # "Reload" only where loading again may help (a file that did not arrive whole); a model the page cannot
        # use says how to rebuild it, and nothing else (review 5: every error said "reload to try again").
        retry = damage in (BROKEN["corrupt-weights"][0], BROKEN["missing-model"][0])
        expect(alert).to_have_text(re.compile(r"You can still draw; reload to try again\.$" if retry else r"make convert\. You can still draw\.$"))
        expect(page.locator("body")).to_have_attribute("data-ready", "false")
        draw(page, SEVEN)
        expect(page.locator("#prompt")).to_be_hidden()
        expect(page.locator("#clear")).to_be_enabled()
        expect(page.locator("#prediction")).to_have_text("")
        expect(page.locator("#verdict")).to_have_text("")  # no "The answer appears here as you draw." without a model
        assert page.evaluate("""() => {
            const pad = document.getElementById('pad');
            const pixels = pad.getContext('2d').getImageData(0, 0, pad.width, pad.height).data;
            return pixels.some((value, index) => index % 4 === 3 && value > 0);
        }"""), "the stroke was not drawn"
        # One message, nothing thrown: the only console errors are the browser's own reports of failed fetches.
        expect(page.get_by_role("alert")).to_have_count(1)
        assert [error for error in page.console_errors if "Failed to load resource" not in error] == []


def test_a_release_that_arrives_truncated_waits_for_the_next_load(page, tmp_path):
    # A new release whose model.json the server sends truncated until its deploy finishes: it is not
    # installed (its cache is not kept), the page stays wholly on the old version, and once the server is
    # right the next page load finds the release, offers it, and the one after takes it.
    copy, old_model = site_to_release_into(tmp_path)
    deploy = DeployInProgress(copy, to="anyone", once=False, file="models/digits/model.json")
    deploy.finish()  # the first version is served whole
    with serve(copy, fault=deploy) as url:
        open_page(page, url)
        wait_for_value(page, CONTROLLED, True)
        old_cache = f"inkwell-{site_version.current_version(copy)}"
        new_version = deploy_a_new_version(copy, "next-release")
        deploy.begin()
        page.evaluate(CHECK_FOR_UPDATES)
        wait_until(lambda: "worker" in deploy.truncated, "the new worker got the truncated model.json")
        wait_for_value(page, "caches.keys()", [old_cache])
        expect(page.locator("#update")).to_be_hidden()
        page.reload()
        assert_ready(page)
        expect(page.locator("#model-info")).to_contain_text(old_model)
        deploy.finish()
        page.reload()
        assert_ready(page)
        expect(page.locator("#update")).to_be_visible(timeout=READY_TIMEOUT_MS)
        page.reload()
        assert_ready(page)
        expect(page.locator("#model-info")).to_contain_text("next-release")
        wait_for_value(page, "caches.keys()", [f"inkwell-{new_version}"])


def site_with_a_second_task(tmp_path: Path) -> Path:
    """site/ plus a second task, "other", whose folder holds the digits model under other words."""
    copy = tmp_path / "site"
    shutil.copytree(SITE, copy)
    other = copy / "models" / "other"
    shutil.copytree(copy / "models" / "digits", other)
    metadata = json.loads((other / "metadata.json").read_text())
    metadata["task"] = {"name": "other", "title": "Other", "noun": "thing", "prompt": "Draw a thing here", "hint": "or several"}
    (other / "metadata.json").write_text(json.dumps(metadata))
    index = json.loads((copy / "models" / "index.json").read_text())
    (copy / "models" / "index.json").write_text(json.dumps({"tasks": index["tasks"] + [{"name": "other", "title": "Other"}]}))
    site_version.stamp(copy)
    return copy


def test_the_task_switch_loads_each_model_on_first_use_and_is_remembered(page, tmp_path):
    with serve(site_with_a_second_task(tmp_path)) as url:
        open_page(page, url)
        switch = page.locator("#tasks")
        expect(switch).to_be_visible()
        expect(switch.locator("button")).to_have_text([task.title for task in shipped_tasks(SITE).values()] + ["Other"])
        expect(switch.locator("button[aria-pressed='true']")).to_have_text("Digits")
        assert not [request for request in page.requests if "models/other/model.json" in request], "loaded before it was chosen"
        draw(page, SEVEN)
        expect(page.locator("#prediction")).to_have_text("7")
        switch.locator("button", has_text="Other").click()
        # What is drawn stays, read by the new task's model (here the same digits model); the page speaks of it.
        expect(page.locator("body")).to_have_attribute("data-task", "other")
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        expect(page.locator("#prediction")).to_have_text("7")
        expect(page.locator("#tagline")).to_have_text("Draw a thing — or several — and see it read as you write.")
        expect(page).to_have_title("Inkwell — draw things")
        assert [request for request in page.requests if request.endswith("models/other/model.json")]
        page.click("#clear")
        expect(page.locator("#prompt")).to_contain_text("Draw a thing here")
        draw(page, ONE, left=0.15)
        draw(page, SEVEN, left=0.55)
        expect(page.locator("#prediction")).to_have_text("17")
        expect(page.locator("#verdict")).to_contain_text("2 things")
        # Kept across visits; ?task= overrides it.
        page.reload()
        page.wait_for_selector("body[data-ready='true']", timeout=READY_TIMEOUT_MS)
        expect(page.locator("body")).to_have_attribute("data-task", "other")
        expect(switch.locator("button[aria-pressed='true']")).to_have_text("Other")
        page.goto(url + "?task=digits")
        page.wait_for_selector("body[data-ready='true']", timeout=READY_TIMEOUT_MS)
        expect(page.locator("body")).to_have_attribute("data-task", "digits")
        assert_clean(page, url)


def test_a_task_whose_model_could_not_load_is_not_remembered(chromium, tmp_path):
    # Its download failed (no service worker yet to serve it): the page went dead on an error, Letters chosen
    # with the digits' words, and every later visit opened into the failure.
    context = chromium.new_context(service_workers="block")
    page = context.new_page()
    try:
        with serve(site_with_a_second_task(tmp_path)) as url:
            page.route("**/models/other/**", lambda route: route.abort())
            open_page(page, url)
            draw(page, SEVEN)
            page.locator("#tasks button", has_text="Other").click()
            # The task on screen stays: its model reads the drawing, the switch shows it, a line says why.
            expect(page.locator("#status")).to_contain_text("Other could not load; Digits still works.")
            expect(page.locator("#status")).to_contain_text("(cannot fetch ./models/other/")
            expect(page.locator("#error")).to_be_hidden()
            expect(page.locator("body")).to_have_attribute("data-task", "digits")
            expect(page.locator("#tasks button[aria-pressed='true']")).to_have_text("Digits")
            expect(page.locator("#prediction")).to_have_text("7")
            page.reload()
            assert_ready(page)
            expect(page.locator("body")).to_have_attribute("data-task", "digits")
    finally:
        context.close()


def test_a_wasm_file_that_does_not_load_falls_back_to_the_cpu_build(chromium, site_url):
    # A proxy that blocks .wasm downloads: WebAssembly itself runs, so the page picks wasm, whose file never comes.
    context = chromium.new_context(service_workers="block")
    page = context.new_page()
    try:
        page.route("**/*.wasm", lambda route: route.abort())
        page.goto(site_url)
        expect(page.locator("#backend")).to_have_attribute("data-backend", "cpu", timeout=READY_TIMEOUT_MS)
        assert "backend=cpu" in page.url
        expect(page.locator("#error")).to_be_hidden()
        draw(page, SEVEN)
        expect(page.locator("#prediction")).to_have_text("7")
        # Asked for wasm by name, the page says what failed instead, and does not blame the device.
        page.goto(f"{site_url}?backend=wasm")
        expect(page.locator("#error")).to_contain_text("could not start its wasm backend (a file it needs did not load, or this browser blocks it)")
        expect(page.locator("#error")).not_to_contain_text("device")
    finally:
        context.close()


def test_a_blocked_wasm_file_is_remembered_and_the_cpu_build_works_offline(chromium, site_url):
    # A proxy that blocks .wasm for the page and its service worker alike. The first visit falls back (a reload
    # onto the CPU build), and its worker installs with the CPU build instead of failing; the next visit goes
    # to the CPU build at once, in one navigation, and works offline.
    context = chromium.new_context()
    page = context.new_page()
    try:
        context.route("**/*.wasm", lambda route: route.abort())
        navigations = []
        page.on("framenavigated", lambda frame: frame == page.main_frame and navigations.append(frame.url))
        page.goto(site_url)
        expect(page.locator("#backend")).to_have_attribute("data-backend", "cpu", timeout=READY_TIMEOUT_MS)
        wait_for_value(page, CONTROLLED, True)
        assert page.evaluate(WORKER_SETTLED) == "activated"
        assert RUNTIME_FILES & set(cached_paths(page, site_url)) == {"vendor/tfjs-cpu.js"}
        navigations.clear()
        page.goto(site_url)
        expect(page.locator("#backend")).to_have_attribute("data-backend", "cpu", timeout=READY_TIMEOUT_MS)
        assert navigations == [site_url]
        context.set_offline(True)
        page.reload()
        assert_ready(page)
        draw(page, SEVEN)
        expect(page.locator("#prediction")).to_have_text("7")
    finally:
        context.close()


# The page's own WebAssembly compile of TF.js's binary fails (as on a phone short of memory), while the empty
# module main.js probes with still compiles: the page falls back to the CPU build with a .wasm that loads.
WASM_COMPILE_FAILS = """
const failing = () => Promise.reject(new RangeError('WebAssembly.instantiate(): Out of memory'));
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = (source, ...rest) => (source.byteLength > 100 ? failing() : instantiate(source, ...rest));
WebAssembly.instantiateStreaming = failing;
"""


@pytest.mark.parametrize("when", ["first visit", "later visit", "after an update"])
def test_a_page_that_turned_to_the_cpu_build_works_offline(chromium, tmp_path, when):
    # Review 10's gap: the page's .wasm failed once, but not the worker's, which cached the .wasm alone; the page
    # keeps to the CPU build for a week, and offline it could not load it. On the first visit the worker
    # precaches the CPU build too (the page is at ?backend=cpu); on a later one it keeps it as the page loads it;
    # a version released meanwhile precaches it as the version before had it (and may take over offline).
    copy, _ = site_to_release_into(tmp_path)
    context = chromium.new_context()
    try:
        with serve(copy) as url:
            page = context.new_page()
            if when == "first visit":
                page.add_init_script(WASM_COMPILE_FAILS)
            page.goto(url)
            expect(page.locator("#backend")).to_have_attribute("data-backend", "cpu" if when == "first visit" else "wasm", timeout=READY_TIMEOUT_MS)
            wait_for_value(page, CONTROLLED, True)
            assert page.evaluate(WORKER_SETTLED) == "activated"
            if when != "first visit":
                page.close()
                page = context.new_page()
                page.add_init_script(WASM_COMPILE_FAILS)
                page.goto(url)
                expect(page.locator("#backend")).to_have_attribute("data-backend", "cpu", timeout=READY_TIMEOUT_MS)
            if when == "after an update":
                page.goto(url)  # the week's CPU build, at the page's own address: nothing there says cpu
                assert_ready(page)
                new_version = deploy_a_new_version(copy, "next-release")
                page.evaluate(CHECK_FOR_UPDATES)
                expect(page.locator("#update")).to_be_visible(timeout=READY_TIMEOUT_MS)
                waiting = page.evaluate(f"caches.open('inkwell-{new_version}').then(async (cache) => (await cache.keys()).map((request) => request.url))")
                assert f"{url}vendor/tfjs-cpu.js" in waiting
                context.set_offline(True)
                page.reload()  # the new version takes over offline
                assert_ready(page)
                expect(page.locator("#model-info")).to_contain_text("next-release")
                wait_for_value(page, "caches.keys()", [f"inkwell-{new_version}"])
            assert RUNTIME_FILES & set(cached_paths(page, url)) == {"vendor/tfjs-backend-wasm-simd.wasm", "vendor/tfjs-cpu.js"}
            context.set_offline(True)
            page.goto(url)
            expect(page.locator("#backend")).to_have_attribute("data-backend", "cpu", timeout=READY_TIMEOUT_MS)
            draw(page, SEVEN)
            expect(page.locator("#prediction")).to_have_text("7")
    finally:
        context.close()


def test_the_model_downloads_while_the_wasm_file_is_held_back(page, site_url):
    # The first model's files do not wait for TF.js: its weights are asked for while the .wasm has not come.
    held = []
    page.route("**/*.wasm", lambda route: held.append(route))
    with page.expect_request("**/models/digits/group1-shard1of1.bin", timeout=READY_TIMEOUT_MS):
        page.goto(site_url)
    assert [route.request.url.removeprefix(site_url) for route in held] == ["vendor/tfjs-backend-wasm-simd.wasm"]
    held[0].continue_()
    assert_ready(page)
    draw(page, SEVEN)
    expect(page.locator("#prediction")).to_have_text("7")
    assert_clean(page, site_url)


def test_one_task_shows_no_switch(page, tmp_path):
    # site/ with its models index cut to the digits alone.
    copy = tmp_path / "site"
    shutil.copytree(SITE, copy)
    (copy / "models" / "index.json").write_text(json.dumps({"tasks": [{"name": "digits", "title": "Digits"}]}))
    site_version.stamp(copy)
    with serve(copy) as url:
        open_page(page, url)
        expect(page.locator("#tasks")).to_be_hidden()


def switch_to_letters(page) -> None:
    """Tap the task switch's Letters and wait until its model is ready."""
    page.locator("#tasks button", has_text="Letters").click()
    expect(page.locator("body")).to_have_attribute("data-task", "letters")
    assert_ready(page)


def template_word(page, text: str, cap_height: float, left: float, top: float) -> list[list[tuple[float, float]]]:
    """The hand-made letter templates (training/handwriting.py), style 0, written left to right on the pad:
    cap_height, left and top as fractions of the pad's side, letters a quarter of cap_height apart."""
    from training.handwriting import TEMPLATES, parse_template

    box = pad_box(page)
    scale = cap_height * box["width"] / 10  # template capitals are 10 units tall
    strokes, x = [], box["x"] + left * box["width"]
    for character in text:
        parsed = parse_template(TEMPLATES[character][0])
        low = min(float(stroke[:, 0].min()) for stroke in parsed)
        high = max(float(stroke[:, 0].max()) for stroke in parsed)
        strokes += [[(x + (px - low) * scale, box["y"] + top * box["height"] + py * scale) for px, py in stroke] for stroke in parsed]
        x += (high - low) * scale + 0.25 * cap_height * box["width"]
    return strokes


@pytest.mark.skipif("letters" not in shipped_tasks(SITE), reason="site/models/letters is not shipped yet")
def test_letters_are_read_in_their_own_mode_online_and_offline(page):
    # The real second task: the switch names it, its model is fetched only when chosen, it reads a word drawn
    # with the mouse (the page shows capitals), and after one online visit it works offline too.
    with serve(SITE) as url:
        open_page(page, url)
        expect(page.locator("#tasks")).to_be_visible()
        wait_for_value(page, CONTROLLED, True)
        assert not [request for request in page.requests if "models/letters/model.json" in request], "loaded before it was chosen"
    page.context.set_offline(True)
    page.reload()
    assert_ready(page)
    switch_to_letters(page)
    expect(page.locator("#prompt")).to_contain_text("Draw a letter here")
    expect(page.locator("#tagline")).to_have_text("Draw a letter — or a word, like cat (read as CAT) — and see it read as you write.")
    expect(page).to_have_title("Inkwell — draw letters")
    mouse_strokes(page, template_word(page, "cat", cap_height=0.25, left=0.1, top=0.3))
    expect(page.locator("#prediction")).to_have_text("CAT")
    expect(page.locator("#verdict")).to_contain_text("3 letters")
    # Issue 14's "done when": an A, a g, an R and the word HELLO, each drawn alone with the mouse.
    for text, cap_height, left in (("A", 0.5, 0.3), ("g", 0.4, 0.35), ("R", 0.5, 0.3), ("HELLO", 0.2, 0.05)):
        page.click("#clear")
        mouse_strokes(page, template_word(page, text, cap_height=cap_height, left=left, top=0.25))
        expect(page.locator("#prediction")).to_have_text(text.upper())
    # A bare bar is an I among capitals and an l among lower case: the model gives each about half; the
    # page's height rule (metadata.json caseByHeight) reads both words right, the I and the l not "?".
    for word in ("MILK", "milk"):
        page.click("#clear")
        mouse_strokes(page, template_word(page, word, cap_height=0.22, left=0.1, top=0.3))
        expect(page.locator("#prediction")).to_have_text("MILK")
        expect(page.locator("#verdict")).not_to_contain_text("not sure")
    assert [request for request in page.requests if not request.startswith(url)] == []


def hand_word(page, word: str, hand: str, seed: int) -> list[list[tuple[float, float]]]:
    """A word in one of training/hands.py's hands, placed on the page's pad as review 4 wrote it."""
    from training.hands import write

    size = 280  # the hand writes on a pad of this many pixels; placed on the page's pad in proportion
    box = pad_box(page)
    return [[(box["x"] + x / size * box["width"], box["y"] + y / size * box["height"]) for x, y in stroke] for stroke in write(word, hand, seed, size)]


@pytest.mark.skipif("letters" not in shipped_tasks(SITE), reason="site/models/letters is not shipped yet")
@pytest.mark.parametrize(
    "word, hand, seed, said",
    [("jam", "child", 10, "not sure about the 2nd — maybe A or"), ("Sam", "child", 22, "not sure about the 2nd — maybe A or"), ("kite", "adult", 2, ""), ("milk", "adult", 9, "")],
)
def test_a_word_is_read_by_where_its_letters_sit_in_the_line(page, site_url, word, hand, seed, said):
    # training/hands.py's hands, as review 4 wrote words. A child's "jam" read JQM: its a is plainly shorter than
    # the j, and no q (it descends) or Q (full height) is that short, so the page takes the likeliest letter that
    # can be and says it is not sure of it (metadata.json shortLetters). An adult's dotted i, slanted a little,
    # read J (KJTE, MJLK: J 0.77, I 0.14): a j would descend below the others' baseline, this one sits on it
    # (byDescent).
    open_page(page, site_url)
    switch_to_letters(page)
    mouse_strokes(page, hand_word(page, word, hand, seed))
    expect(page.locator("#prediction")).to_have_text(word.upper())
    expect(page.locator("#verdict")).to_contain_text(said)


@pytest.mark.skipif("letters" not in shipped_tasks(SITE), reason="site/models/letters is not shipped yet")
@pytest.mark.parametrize("word, cap_height", [("cat", 0.07), ("Tom", 0.07), ("hello", 0.07), ("cat", 0.05), ("Tom", 0.05)])
def test_a_word_written_small_is_read(page, site_url, word, cap_height):
    # Review 12: "cat" with capitals 7 % of the pad read W "98% sure": under the digits' thinnest pen (4 of 280 px)
    # letters a quarter of their height apart fuse into one. Letters thin their pen further (metadata.json drawing).
    open_page(page, site_url)
    switch_to_letters(page)
    mouse_strokes(page, template_word(page, word, cap_height=cap_height, left=0.3, top=0.45))
    expect(page.locator("#prediction")).to_have_text(word.upper())


@pytest.mark.skipif("letters" not in shipped_tasks(SITE), reason="site/models/letters is not shipped yet")
@pytest.mark.parametrize("word", ["HELLO", "hello"])
def test_a_word_written_across_a_phone_pad_is_read(chromium, site_url, word):
    # A phone-sized pad (as tests/test_writers_page.py's 5-digit number): five letters across it, each about
    # 50 px wide, in capitals and in lower case (whose l is a bare bar, like an I: the page must say L).
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        open_page(page, site_url)
        assert pad_box(page)["width"] < 380, "the pad is not phone-sized"
        switch_to_letters(page)
        mouse_strokes(page, template_word(page, word, cap_height=0.17, left=0.04, top=0.35))
        expect(page.locator("#prediction")).to_have_text("HELLO")
    finally:
        context.close()
