"""python -m bench.slow_device [--quick]  — how soon a slow device answers: Chromium with its CPU throttled 4× (6× to write with a finger).

Each run opens the page in a fresh headless Chromium profile (empty cache, no service worker) whose CPU the
DevTools protocol slows 4× (Emulation.setCPUThrottlingRate; the network is the local one, unthrottled), and
measures on the page's own clock:
- model ready: from the start of navigation until the page can answer (body[data-ready="true"], set once
  TF.js has started, the model is verified and loaded and the backend warmed up); then again on a second
  visit in the same profile, served by the service worker;
- pointer-up → answer: digits drawn with the mouse, as real input events; from the last pointer-up of each
  digit (the event's timestamp) to the first frame after the page has shown its answer (a
  requestAnimationFrame callback, then a task: that frame has been painted); p50 and p95 of all digits.
- switching to Letters (when the page has the task): from the click on the switch to the letters model
  ready, fetched on first use (the first visit's service worker may have precached it meanwhile);
- a third visit with as many taught digits as a task keeps (site/js/corrections.js TAUGHT_LIMIT, put in its
  localStorage): the page reads them all before it is ready, the slowest start a user who teaches it can have;
- where that time goes, from the browser's Event Timing entry of each of those pointer-ups (entries of 16 ms
  or more): input delay (the event waited for the main thread: a live recognition still running, say),
  processing (the page's handlers: the final recognition), presentation (from the handlers' end to the next
  frame painted). (Chromium gives no Event Timing for pointer-moves, continuous events: live recognition
  while drawing shows as the pointer-ups' input delay.)
- writing with a finger (review 10; the current page only; bench/finger.py): an 11-digit number written on a
  phone-sized touch screen as real touch input, 120 samples a second, by the wasm build with the CPU slowed 6× and
  by the CPU build (?backend=cpu) slowed 4×: from the last pen-up to the final answer painted, the readings made
  while writing, and the frame intervals (requestAnimationFrame) from the first pen-down to that answer; 3 runs a
  build (1 with --quick).
The page before it built its own TF.js (tf.min.js, from git: bench/transfer.py's OLD_COMMIT) is measured
the same way (not with --new-only). Writes bench/slow_device.md and bench/slow_device.json. These are figures, not assertions: the
machine is shared and one run is one run.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from pathlib import Path

from bench.report import percentile
from bench.transfer import OLD_COMMIT, old_site
from training.files import write_atomic

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
OUT_DIR = ROOT / "bench"
THROTTLE = 4
READY_TIMEOUT_MS = 120_000
READY_TARGET_MS = 1500
ANSWER_P95_TARGET_MS = 100
# Installed before the page's own scripts: each time the page became ready, and each pointer-up's time to the
# painted answer, with the answer shown.
INSTRUMENT_JS = """
window.inkwellTimings = { answers: [], readyTimes: [] };
new MutationObserver(() => {
  const ready = Boolean(document.body && document.body.dataset.ready === 'true');
  // Every time the page becomes ready: the first, then a task switched to, its model loaded on first use.
  if (ready && !window.inkwellTimings.wasReady) window.inkwellTimings.readyTimes.push(performance.now());
  window.inkwellTimings.wasReady = ready;
}).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-ready'] });
addEventListener('pointerup', (event) => {
  const start = event.timeStamp;
  requestAnimationFrame(() => setTimeout(() => {
    const shown = document.getElementById('prediction');
    window.inkwellTimings.answers.push({ start, milliseconds: performance.now() - start, text: shown ? shown.textContent : '' });
  }, 0));
}, true);
window.inkwellTimings.events = [];
if (typeof PerformanceObserver === 'function' && PerformanceObserver.supportedEntryTypes.includes('event')) {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.name !== 'pointerup' && entry.name !== 'pointermove') continue;
      window.inkwellTimings.events.push({
        name: entry.name, start: entry.startTime, duration: entry.duration,
        inputDelay: entry.processingStart - entry.startTime,
        processing: entry.processingEnd - entry.processingStart,
        presentation: Math.max(0, entry.startTime + entry.duration - entry.processingEnd),
      });
    }
  }).observe({ type: 'event', durationThreshold: 16, buffered: true });
}
"""


def digits_to_draw() -> list[tuple[str, list]]:
    """The digits the browser tests draw, as a person would, with their labels."""
    from tests import test_site

    return [("1", test_site.ONE), ("7", test_site.SEVEN), ("4", test_site.FOUR), ("0", test_site.ZERO), ("5", test_site.FIVE), ("2", test_site.TWO), ("6", test_site.SIX)]


def wait_until_true(page, script: str) -> None:
    """Poll `script` until it is true (not page.wait_for_function: the page's CSP forbids its eval)."""
    from tests.test_site import wait_for_value

    wait_for_value(page, script, True, READY_TIMEOUT_MS)


def throttled_page(context):
    page = context.new_page()
    page.add_init_script(INSTRUMENT_JS)
    context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
    return page


def open_and_wait(page, url: str) -> float | None:
    """Navigate; milliseconds from navigation start to ready, or None when the page reported an error."""
    page.goto(url)
    page.wait_for_selector("body[data-ready='true'], body[data-ready='false']", timeout=READY_TIMEOUT_MS)
    if page.get_attribute("body", "data-ready") != "true":
        return None
    wait_until_true(page, "window.inkwellTimings.readyTimes.length > 0")
    return page.evaluate("window.inkwellTimings.readyTimes[0]")


def draw_and_time(page, rounds: int) -> list[dict]:
    """Each digit `rounds` times, cleared in between; the time from its last pointer-up to its painted answer."""
    from tests.test_site import mouse_strokes, to_page

    answers = []
    for _ in range(rounds):
        for label, strokes in digits_to_draw():
            page.keyboard.press("Escape")
            before = page.evaluate("window.inkwellTimings.answers.length")
            mouse_strokes(page, to_page(page, strokes, 0.3, 0.2, 0.6))
            expected = before + len(strokes)  # one pointer-up per stroke; the last is the digit's
            wait_until_true(page, f"window.inkwellTimings.answers.length >= {expected}")
            answer = page.evaluate(f"window.inkwellTimings.answers[{expected - 1}]")
            answers.append({"label": label, "start": answer["start"], "milliseconds": answer["milliseconds"], "read": answer["text"]})
    page.wait_for_timeout(500)  # the last Event Timing entries arrive after their frame
    events = page.evaluate("window.inkwellTimings.events")
    timing = {event["start"]: event for event in events if event["name"] == "pointerup"}
    for answer in answers:
        answer["event"] = timing.get(answer["start"])  # None: under 16 ms, or no Event Timing
    return answers, [event for event in events if event["name"] == "pointermove"]


def switch_and_time(page, title: str) -> float | None:
    """Milliseconds from a click on the task switch's `title` to that task's model ready (fetched on first
    use, loaded and verified), or None when the page has no such task (one task shows no switch)."""
    button = page.locator("#tasks button", has_text=title)
    if not button.count() or not button.is_visible():
        return None
    count = page.evaluate("window.inkwellTimings.readyTimes.length")
    started = page.evaluate("performance.now()")
    button.click()
    wait_until_true(page, f"window.inkwellTimings.readyTimes.length > {count}")
    return page.evaluate(f"window.inkwellTimings.readyTimes[{count}]") - started


def taught_limit(site: Path = SITE) -> int | None:
    """How many taught drawings a task keeps (site/js/corrections.js TAUGHT_LIMIT); None for a page without teaching."""
    source = site / "js" / "corrections.js"
    match = re.search(r"^export const TAUGHT_LIMIT = (\d+);", source.read_text(), re.MULTILINE) if source.exists() else None
    return int(match.group(1)) if match else None


# `count` taught digits (one drawing, as corrections.js keeps it: base64 of one byte a pixel), labels 0-9 in turn.
FILL_TAUGHT_JS = """(count) => {
  const input = btoa(String.fromCharCode(...Array.from({ length: 784 }, (_, index) => (index * 37) % 256)));
  const items = Array.from({ length: count }, (_, index) => ({ label: String(index % 10), input }));
  localStorage.setItem('inkwell.taught.digits', JSON.stringify(items));
}"""


def measure_page(browser, url: str, runs: int, rounds: int, taught: int | None = None) -> dict:
    """`runs` fresh profiles: ready on the first and second visit, and pointer-up → answer on the first; with
    `taught`, ready again on a third visit with that many taught digits."""
    ready, second_ready, answers, errors, moves, letters_ready, taught_ready = [], [], [], [], [], [], []
    backend = None
    for _ in range(runs):
        context = browser.new_context(service_workers="allow")
        try:
            page = throttled_page(context)
            milliseconds = open_and_wait(page, url)
            if milliseconds is None:
                errors.append(page.text_content("#error") or "the page reported an error")
                continue
            ready.append(milliseconds)
            backend = page.get_attribute("#backend", "data-backend")
            drawn, slow_moves = draw_and_time(page, rounds)
            answers += drawn
            moves += slow_moves
            switched = switch_and_time(page, "Letters")
            if switched is not None:
                letters_ready.append(switched)
            wait_until_true(page, "navigator.serviceWorker.controller !== null")
            page.close()
            second = throttled_page(context)
            again = open_and_wait(second, url)
            if again is not None:
                second_ready.append(again)
            if taught:
                second.evaluate(FILL_TAUGHT_JS, taught)
                second.close()
                with_taught = open_and_wait(throttled_page(context), url)
                if with_taught is not None:
                    taught_ready.append(with_taught)
        finally:
            context.close()
    times = [answer["milliseconds"] for answer in answers]
    summary = {"backend": backend, "runs": runs, "errors": errors, "ready_ms": ready, "second_visit_ready_ms": second_ready, "answers": answers, "letters_ready_ms": letters_ready}
    if taught:
        summary.update(taught=taught, taught_ready_ms=taught_ready, taught_ready_median_ms=percentile(taught_ready, 50) if taught_ready else None)
    if ready and times:
        summary.update(
            ready_median_ms=percentile(ready, 50),
            second_visit_ready_median_ms=percentile(second_ready, 50) if second_ready else None,
            answer_p50_ms=percentile(times, 50),
            answer_p95_ms=percentile(times, 95),
            read_correctly=sum(answer["read"] == answer["label"] for answer in answers),
            letters_ready_median_ms=percentile(letters_ready, 50) if letters_ready else None,
            breakdown=breakdown(answers, moves),
        )
    return summary


def breakdown(answers: list[dict], moves: list[dict]) -> dict:
    """p50/p95 of the pointer-ups' Event Timing parts, and the pointer-moves of 16 ms or more."""
    timed = [answer["event"] for answer in answers if answer.get("event")]
    parts = {"timed": len(timed), "slow_moves": len(moves), "slowest_move_ms": max((move["duration"] for move in moves), default=0.0)}
    for part in ("inputDelay", "processing", "presentation", "duration"):
        values = [event[part] for event in timed]
        parts[part] = {"p50": percentile(values, 50), "p95": percentile(values, 95)} if values else None
    return parts


def measure_slow_device(runs: int, rounds: int, old_commit: str = OLD_COMMIT, new_only: bool = False) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.browser import launch_chromium, serve

    result = {"throttle": THROTTLE, "old_commit": old_commit}
    with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="inkwell-old-site-") as scratch:
        browser = launch_chromium(playwright)
        try:
            result["chromium"] = browser.version
            for label, directory in (("new", SITE), ("old", None if new_only else old_site(Path(scratch), old_commit))):
                if directory is None:
                    result[label] = None
                    continue
                with serve(directory) as url:
                    result[label] = measure_page(browser, url, runs, rounds, taught_limit(directory))
                print(f"[slow device] {label}: {describe(result[label])}", flush=True)
        finally:
            browser.close()
    return result


def describe(measured: dict | None) -> str:
    if not measured or "ready_median_ms" not in measured:
        return "not measured" if not measured else "failed: " + "; ".join(measured["errors"])
    return (
        f"ready {measured['ready_median_ms']:.0f} ms (second visit {measured['second_visit_ready_median_ms'] or float('nan'):.0f} ms), "
        f"pointer-up → answer p50 {measured['answer_p50_ms']:.0f} ms, p95 {measured['answer_p95_ms']:.0f} ms"
    )


def listed(milliseconds: list[float]) -> str:
    return ", ".join(f"{value:.0f}" for value in milliseconds)


def markdown(result: dict) -> str:
    lines = [
        f"# Time to the first answer on a slow device (Chromium, CPU throttled {result['throttle']}×)",
        "",
        f"Written by `python -m bench.slow_device` (make bench). Headless Chromium {result['chromium']}, a fresh profile per run, "
        f"CPU slowed {result['throttle']}× by the DevTools protocol (Emulation.setCPUThrottlingRate), local network. Model ready: from "
        "the start of navigation until the page can answer (TF.js started, model verified and loaded, backend warmed up), then the same "
        "on a second visit served by the service worker. Pointer-up → answer: from the last pointer-up of each digit drawn with the "
        "mouse to the first frame painted after the answer is shown. Before: the page at commit "
        f"`{result['old_commit'][:10]}` (tf.min.js, backends webgl/wasm/cpu timed in turn). One run on a shared machine: figures, not assertions.",
        "",
        f"| page | backend | runs | model ready, median ms (target ≤ {READY_TARGET_MS:,}) | second visit ready, median ms | "
        f"pointer-up → answer p50 ms | p95 ms (target ≤ {ANSWER_P95_TARGET_MS}) | digits read right |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, key in (("now", "new"), ("before (tf.min.js)", "old")):
        measured = result.get(key)
        if not measured or "ready_median_ms" not in measured:
            lines.append(f"| {label} | {describe(measured)} | | | | | | |")
            continue
        second = measured["second_visit_ready_median_ms"]
        lines.append(
            f"| {label} | {measured['backend']} | {measured['runs']} | **{measured['ready_median_ms']:,.0f}** | "
            f"{'—' if second is None else f'{second:,.0f}'} | {measured['answer_p50_ms']:.0f} | **{measured['answer_p95_ms']:.0f}** | "
            f"{measured['read_correctly']} of {len(measured['answers'])} |"
        )
    lines += [
        "",
        "Where the pointer-up → answer time goes (Event Timing entries of the digits' last pointer-ups; the browser reports only "
        "those of 16 ms or more, rounded to 8 ms): input delay = waiting for the main thread, processing = the page's handlers "
        "(the final recognition), presentation = until the next frame is painted.",
        "",
        "| page | pointer-ups timed | input delay p50 / p95 ms | processing p50 / p95 ms | presentation p50 / p95 ms | "
        "duration p50 / p95 ms |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for label, key in (("now", "new"), ("before (tf.min.js)", "old")):
        parts = (result.get(key) or {}).get("breakdown")
        if not parts:
            continue
        cells = ["—" if parts[part] is None else f"{parts[part]['p50']:.0f} / {parts[part]['p95']:.0f}"
                 for part in ("inputDelay", "processing", "presentation", "duration")]
        lines.append(f"| {label} | {parts['timed']} of {len(result[key]['answers'])} | {' | '.join(cells)} |")
    for label, key in (("now", "new"), ("before (tf.min.js)", "old")):
        measured = result.get(key) or {}
        if measured.get("letters_ready_median_ms") is not None:
            lines += ["", f"Switching to Letters after the digits (first visit, {label}): the letters model fetched on first use, loaded "
                      f"and verified, from the click to ready: median **{measured['letters_ready_median_ms']:,.0f} ms** "
                      f"(runs: {listed(measured['letters_ready_ms'])})."]
        if measured.get("taught_ready_median_ms") is not None:
            lines += ["", f"A visit with {measured['taught']} taught digits ({label}; the most a task keeps, all read before the page is ready): "
                      f"median **{measured['taught_ready_median_ms']:,.0f} ms** to ready (target ≤ {READY_TARGET_MS:,}; runs: "
                      f"{listed(measured['taught_ready_ms'])}), against the second visit's above."]
    lines += ["", "Every model-ready time, ms: " + "; ".join(
        f"{label}: first visits {listed(result[key]['ready_ms'])}, second visits {listed(result[key]['second_visit_ready_ms'])}"
        for label, key in (("now", "new"), ("before", "old")) if result.get(key)
    ), ""]
    if result.get("touch"):
        from bench.finger import touch_markdown  # here, not at the top: bench.finger imports this module's settings

        lines += touch_markdown(result["touch"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 runs of 7 digits and one finger-written number a build, instead of 5 runs of 14 and 3")
    parser.add_argument("--new-only", action="store_true", help="measure the current page only, not the tf.min.js one")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where slow_device.{md,json} go (default bench/)")
    args = parser.parse_args(argv)
    runs, rounds, touch_runs = (2, 1, 1) if args.quick else (5, 2, 3)
    result = measure_slow_device(runs, rounds, new_only=args.new_only)
    from bench.finger import measure_touch

    result["touch"] = measure_touch(touch_runs)
    args.out.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out / "slow_device.json", (json.dumps(result, indent=2) + "\n").encode())
    write_atomic(args.out / "slow_device.md", markdown(result).encode())
    print(f"wrote {args.out / 'slow_device.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
