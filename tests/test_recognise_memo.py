"""What the page remembers between readings (site/js/recognise.js `remember`): in Node, only inputs not read
before reach the model and each gets its own read; in headless Chromium, while a number is written a character
already read never goes through the model again, and a reading that remembers gives exactly what one that does
not gives.

Review 10: the page reads the whole drawing every 80 ms while the pen moves and at every pen-up; writing the 11th
digit of a phone number, the 10 before it went through the model again each time (a phone slowed 6x spent about
130 ms a reading in the model, 75 % of the reading).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.test_site import FOUR, ONE, SEVEN, TWO, ZERO, assert_clean, draw, open_page

ROOT = Path(__file__).resolve().parent.parent

# model.js as served, with a line that records every input predictWithFeatures is given (its values, as text).
COUNTED = "export function predictWithFeatures(tf, model, inputs, shape) {\n"
COUNTING = "  (globalThis.inkwellModelInputs ??= []).push(...inputs.map((input) => Array.from(input).join()));\n"
# How many inputs went through the model, and how many of them were different.
MODEL_INPUTS = "(() => { const inputs = globalThis.inkwellModelInputs ?? []; return [inputs.length, new Set(inputs).size]; })()"


def count_model_inputs(route) -> None:
    """Serve model.js with predictWithFeatures counting its inputs; fail loudly if it no longer matches."""
    body = route.fetch().text()
    if COUNTED not in body:
        raise AssertionError("model.js predictWithFeatures changed its signature: update COUNTED")
    route.fulfill(body=body.replace(COUNTED, COUNTED + COUNTING), content_type="text/javascript")


# remember in Node, with a stand-in model that counts what it is given: which inputs reach it, and what each is
# answered (a read names the input it was given, so a read handed to the wrong input shows).
REMEMBER = """
const { remember } = await import('./site/js/recognise.js');
const memo = new Map();
const given = [];
const look = remember(memo, (inputs) => {
  given.push(inputs.length);
  return inputs.map((input) => ({ first: input[0], last: input[783] }));
});
const input = (first, last = 0) => Object.assign(new Float32Array(784), { 0: first, 783: last });
const named = (reads) => reads.map(({ first, last }) => `${Object.is(first, -0) ? '-0' : first}/${last}`);
const steps = {
  first: named(look([input(1), input(2), input(1)])),
  again: named(look([input(2), input(1), input(3)])),
  signedZero: named(look([input(-0), input(0)])),
  lastValue: named(look([input(1, 1)])),
};
for (let index = 0; index < 300; index++) look([input(10 + index)]);
console.log(JSON.stringify({ steps, given: given.slice(0, 4), size: memo.size }));
"""


def test_remember_sends_the_model_only_inputs_it_has_not_read_and_hands_each_its_own_read():
    result = subprocess.run(["node", "--input-type=module", "-e", REMEMBER], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["steps"] == {
        "first": ["1/0", "2/0", "1/0"],
        "again": ["2/0", "1/0", "3/0"],
        "signedZero": ["-0/0", "0/0"],  # equal as numbers, not in bits: each its own read
        "lastValue": ["1/1"],  # differs from input(1) in its last value only
    }
    # The first batch went to the model whole (a repeat within it too); then only the new input; -0 and 0 both.
    assert outcome["given"] == [3, 1, 2, 1]
    assert outcome["size"] <= 201  # bounded: emptied past 200 inputs


@pytest.mark.browser
def test_a_digit_already_read_is_not_read_again_while_the_next_is_written(page, site_url):
    page.route("**/js/model.js", count_model_inputs)
    open_page(page, site_url)
    for index, strokes in enumerate([ONE, ZERO, FOUR, SEVEN]):
        draw(page, strokes, left=0.04 + index * 0.24, top=0.32, height=0.28)
    expect(page.locator("#prediction")).to_have_text("1047")
    total, different = page.evaluate(MODEL_INPUTS)
    # Every reading, live or at a pen-up, reads the whole drawing; each digit went through the model once a form.
    # Before the memo, each digit went through the model again at every reading after it (one run: 86 inputs, 34
    # different).
    assert total > 0
    assert total == different, f"{total - different} of {total} model inputs had been read before"
    assert_clean(page, site_url)


# In the page, with the page's own TF.js (its backend started) and model: a number written stroke by stroke, each
# drawing read by classify with one memo kept across the readings, and with none, both with a taught drawing
# (corrections.js: blend comes after the model). Returns what differed (empty: nothing), how many readings and
# characters were compared, and how many inputs the memo holds.
READ_BOTH_WAYS = """async (numbers) => {
    const url = (path) => new URL(path, location.href).href;
    // The build the page runs (main.js TENSORFLOW): two copies of TF.js would not share its started backend.
    const cpu = document.getElementById('backend').dataset.backend === 'cpu';
    const tf = await import(url(cpu ? 'vendor/tfjs-cpu.js' : 'vendor/tfjs.js'));
    const { loadModel } = await import(url('js/model.js'));
    const { classify, split } = await import(url('js/recognise.js'));
    const { model, metadata } = await loadModel(tf, url('models/digits/'));
    const canvas = new OffscreenCanvas(280, 280);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    context.fillStyle = 'white';
    context.fillRect(0, 0, 280, 280);
    Object.assign(context, { strokeStyle: 'black', lineWidth: 9, lineCap: 'round', lineJoin: 'round' });
    const memo = new Map();
    const differences = [];
    const taught = []; // after the first reading, its first character taught as a 7: blend moves every reading
    let [readings, characters] = [0, 0];
    const reads = (image) => {
        const prepared = split(metadata, image);
        const both = [classify(tf, model, metadata, prepared, taught, memo), classify(tf, model, metadata, prepared, taught)];
        readings++;
        characters += both[0].characters.length;
        if (taught.length === 0 && characters > 0) taught.push({ label: 7, features: both[0].characters[0].features });
        return both;
    };
    for (const strokes of numbers) {
        for (const stroke of strokes) {
            // Each stroke drawn in three pieces, as live readings see it grow.
            for (const third of [1, 2, 3]) {
                const end = Math.max(2, Math.ceil((stroke.length * third) / 3));
                context.beginPath();
                stroke.slice(0, end).forEach(([x, y], index) => (index ? context.lineTo(x, y) : context.moveTo(x, y)));
                context.stroke();
                const [remembered, unremembered] = reads(context.getImageData(0, 0, 280, 280));
                const same = (a, b) => a.length === b.length && a.every((value, index) => Object.is(value, b[index]));
                if (remembered.text !== unremembered.text) differences.push(`text ${remembered.text} != ${unremembered.text}`);
                remembered.characters.forEach((character, index) => {
                    const other = unremembered.characters[index];
                    for (const key of ['probabilities', 'modelProbabilities', 'features']) {
                        if (!other || !same(character[key], other[key])) differences.push(`${unremembered.text}: character ${index} ${key}`);
                    }
                    if (other && (character.label !== other.label || character.confidence !== other.confidence)) {
                        differences.push(`${unremembered.text}: character ${index} label`);
                    }
                });
            }
        }
    }
    return { differences, readings, characters, remembered: memo.size, text: reads(context.getImageData(0, 0, 280, 280))[0].text };
}"""


def number_strokes(digits, left: float = 20, top: float = 110, height: float = 60, gap: float = 50) -> list:
    """Unit strokes placed side by side on a 280-px canvas, digit after digit, as [x, y] lists."""
    return [[[[left + index * gap + x * 0.6 * height, top + y * height] for x, y in stroke] for stroke in strokes]
            for index, strokes in enumerate(digits)]


@pytest.mark.browser
@pytest.mark.parametrize("query", ["", "?backend=cpu"])
def test_a_reading_that_remembers_gives_exactly_what_one_that_does_not_gives(page, site_url, query):
    open_page(page, site_url + query)
    assert page.get_attribute("#backend", "data-backend") == ("cpu" if query else "wasm")
    # 2014 and 7, each stroke in pieces: characters grow and are added, on both builds (wasm and CPU kernels).
    result = page.evaluate(READ_BOTH_WAYS, number_strokes([TWO, ZERO, ONE, FOUR, SEVEN]))
    assert result["differences"] == []
    # Most characters read had been read before (a memo that missed every time would prove nothing here).
    assert result["readings"] > 10 and 0 < result["remembered"] < result["characters"] / 2, result
    assert result["text"] == "20147"
    assert_clean(page, site_url)
