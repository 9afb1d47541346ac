"""python -m bench.finger [--runs N] [--site DIR]  — writing with a finger on a slow phone (review 10), printed.

An 11-digit number written on a phone-sized touch screen as real touch input, 120 samples a second, by the wasm
build with the CPU slowed 6× and by the CPU build (?backend=cpu) slowed 4×: from the last pen-up to the final
answer painted, the readings made while writing, and the frame intervals (requestAnimationFrame) from the first
pen-down to that answer. `python -m bench.slow_device` runs it as its last section (3 runs a build, 1 with
--quick) and writes it into bench/slow_device.md; run alone, it prints that section and writes nothing (--site:
another copy of the page, e.g. the one before a change, for a comparison on the same machine state).
"""

from __future__ import annotations

import argparse
import asyncio
import re
from pathlib import Path

import numpy as np

from bench.report import percentile
from bench.slow_device import READY_TIMEOUT_MS, SITE, listed

# Writing with a finger (review 10): an 11-digit number on a phone-sized touch screen, the wasm build slowed 6× and
# the CPU build (no WebAssembly: Lockdown Mode, a proxy that blocks `.wasm`) slowed 4×.
TOUCH_NUMBER = "06123456789"
# Real strokes, in the order they were written: writer 9 of the test split (writers the model never trained on)
# writes the number as bench/writers.md's numbers are composed (training/writers.py compose_by_digit, this seed).
# Chosen as one the page reads right, unthrottled: this section times the page, it does not grade it.
TOUCH_WRITER = 9
TOUCH_SEED = 11
TOUCH_BUILDS = (("wasm", "", 6), ("cpu", "?backend=cpu", 4))  # build, query string, CPU throttle
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
TOUCH_SAMPLES_PER_SECOND = 120  # a phone's touch screen
FINGER_SPEED = 300.0  # CSS px a second along the stroke: each digit (20-40 px tall on a phone's pad) takes 0.2-0.3 s
LIFT_SECONDS = (0.12, 0.22)  # the finger off the glass between two strokes of a digit, and between two digits
QUIET_MS = 2000  # the answer is final once nothing has been shown for this long after the last pen-up
# On the page's clock: pen-downs and pen-ups on the pad, every frame (requestAnimationFrame) from the first
# pen-down, every answer shown (#prediction or #backend changed: #backend's timing is rewritten for every reading
# with characters, live or final) with the first frame painted after it, and the page's own measure of each final
# reading ('inkwell: recognise', made at the pen-ups; live readings while the pen moves are not measured).
TOUCH_INSTRUMENT_JS = """
window.inkwellTouch = { downs: [], ups: [], frames: [], shown: [], readings: [] };
addEventListener('pointerdown', (event) => {
  if (event.target.id !== 'pad') return;
  if (!window.inkwellTouch.downs.length) requestAnimationFrame(function frame(time) {
    window.inkwellTouch.frames.push(time);
    requestAnimationFrame(frame);
  });
  window.inkwellTouch.downs.push({ time: event.timeStamp, handled: performance.now(), pointerType: event.pointerType });
}, true);
addEventListener('pointerup', (event) => {
  if (event.target.id !== 'pad') return;
  const up = { time: event.timeStamp, handled: performance.now() };
  window.inkwellTouch.ups.push(up);
  requestAnimationFrame(() => setTimeout(() => { up.painted = performance.now(); }, 0));
}, true);
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.name === 'inkwell: recognise') window.inkwellTouch.readings.push({ start: entry.startTime, duration: entry.duration });
  }
}).observe({ type: 'measure' });
addEventListener('DOMContentLoaded', () => {
  const observer = new MutationObserver((records) => {
    const shown = { time: performance.now(), text: document.getElementById('prediction').textContent,
                    reading: records.some((record) => record.target.id === 'backend') };
    window.inkwellTouch.shown.push(shown);
    requestAnimationFrame(() => setTimeout(() => { shown.painted = performance.now(); }, 0));
  });
  for (const id of ['prediction', 'backend']) observer.observe(document.getElementById(id), { childList: true, characterData: true, subtree: true });
});
"""


def touch_number_strokes(number: str = TOUCH_NUMBER, writer: int = TOUCH_WRITER, seed: int = TOUCH_SEED) -> list[list]:
    """The number's strokes in 280-px recognition-canvas coordinates, grouped by digit, in writing order."""
    from training.writers import compose_by_digit, samples_by_writer

    by_writer = samples_by_writer("test")
    if writer not in by_writer:
        raise ValueError(f"writer {writer} is not a test writer; choose one of {sorted(by_writer)}")
    return compose_by_digit(by_writer[writer], number, np.random.default_rng(seed))


def touch_schedule(digits: list[list], box: dict, canvas_size: int = 280) -> list[tuple[float, str, tuple[float, float] | None]]:
    """CDP touch events `(seconds from the first, type, page point)` that write `digits` on the pad at `box`:
    each stroke resampled along its length every FINGER_SPEED / TOUCH_SAMPLES_PER_SECOND px, one sample per
    1/TOUCH_SAMPLES_PER_SECOND s, the finger lifted LIFT_SECONDS between strokes and between digits."""
    scale = box["width"] / canvas_size
    step, interval = FINGER_SPEED / TOUCH_SAMPLES_PER_SECOND, 1 / TOUCH_SAMPLES_PER_SECOND
    events, clock = [], 0.0
    for digit in digits:
        for stroke_index, stroke in enumerate(digit):
            if events:
                clock += LIFT_SECONDS[stroke_index == 0]
            points = np.asarray(stroke, dtype=np.float64) * scale + (box["x"], box["y"])
            along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(points, axis=0).T))])
            count = max(2, int(np.ceil(along[-1] / step)) + 1)
            distances = np.linspace(0.0, along[-1], count)
            samples = np.column_stack([np.interp(distances, along, points[:, axis]) for axis in (0, 1)])
            events.append((clock, "touchStart", tuple(samples[0])))
            for sample in samples[1:]:
                clock += interval
                events.append((clock, "touchMove", tuple(sample)))
            events.append((clock + interval / 2, "touchEnd", None))
    return events


async def write_with_finger(session, schedule) -> None:
    """Send the schedule's touch events on time, not waiting for each to be handled: a finger goes on moving
    while the page is busy, and Chromium coalesces what queued (pad.js reads getCoalescedEvents)."""
    loop = asyncio.get_running_loop()
    start, sent = loop.time(), []
    for seconds, kind, point in schedule:
        await asyncio.sleep(max(0.0, start + seconds - loop.time()))
        touches = [] if point is None else [{"x": point[0], "y": point[1], "id": 0}]
        sent.append(asyncio.ensure_future(session.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touches})))
    await asyncio.gather(*sent)


def page_rest_ms(site: Path = SITE) -> int:
    """How long the CPU build waits for the pen to rest before it reads (site/js/main.js REST_MS)."""
    match = re.search(r"^const REST_MS = (\d+);", (site / "js" / "main.js").read_text(), re.MULTILINE)
    if not match:
        raise ValueError(f"{site / 'js' / 'main.js'} has no `const REST_MS = <ms>;`: the bench cannot count the pen's rests")
    return int(match.group(1))


async def touch_run(browser, url: str, throttle: int, digits: list[list], rest_ms: int) -> dict:
    """One fresh phone profile (service worker blocked: its precache must not compete with the writing): write
    the number and return what the page measured, from the last pen-up to the final answer painted."""
    context = await browser.new_context(service_workers="block", **PHONE)
    try:
        page = await context.new_page()
        await page.add_init_script(TOUCH_INSTRUMENT_JS)
        session = await context.new_cdp_session(page)
        await session.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        await page.goto(url)
        await page.wait_for_selector("body[data-ready='true'], body[data-ready='false']", timeout=READY_TIMEOUT_MS)
        if await page.get_attribute("body", "data-ready") != "true":
            return {"error": await page.text_content("#error") or "the page reported an error"}
        backend = await page.get_attribute("#backend", "data-backend")
        box = await page.locator("#pad").bounding_box()
        schedule = touch_schedule(digits, box)
        await write_with_finger(session, schedule)
        written = await page.evaluate("performance.now()")
        quiet = f"""(() => {{ const t = window.inkwellTouch, last = Math.max({written}, t.ups.at(-1)?.time ?? 0, t.shown.at(-1)?.time ?? 0);
            return performance.now() - last > {QUIET_MS} && t.shown.every((s) => s.painted) && t.ups.every((u) => u.painted); }})()"""
        for _ in range(READY_TIMEOUT_MS // 100):
            if await page.evaluate(quiet):
                break
            await page.wait_for_timeout(100)
        measured = await page.evaluate("window.inkwellTouch")
    finally:
        await context.close()
    if not measured["downs"] or not measured["ups"]:
        return {"error": f"no stroke reached the pad ({len(measured['downs'])} pen-downs, {len(measured['ups'])} pen-ups)"}
    run = summarise_touch(measured, backend, sum(kind == "touchStart" for _, kind, _ in schedule),
                          sum(kind != "touchEnd" for _, kind, _ in schedule), schedule[-1][0], rest_ms)
    return {**run, "pad_css_px": box["width"]}


def summarise_touch(measured: dict, backend: str, strokes: int, samples: int, seconds: float, rest_ms: int) -> dict:
    """One run's figures from the page's records: pen-up → final answer painted (the first frame after the pen-up
    when no later answer came: the live one stood), readings, the frame intervals from the first pen-down to
    that answer, and the pen's rests: the pen-ups after which no pen-down was handled for `rest_ms` on the page's
    clock (the last pen-up included), the most readings the CPU build may make however late the events came."""
    first_down, last_up = measured["downs"][0]["time"], measured["ups"][-1]
    shown = [answer for answer in measured["shown"] if answer["time"] >= first_down]  # not the page's start
    after = [answer for answer in shown if answer["time"] >= last_up["time"]]
    final = after[-1]["painted"] if after else last_up["painted"]
    frames = [time for time in measured["frames"] if time <= final]
    intervals = [later - earlier for earlier, later in zip(frames, frames[1:])]
    return {
        "backend": backend, "strokes": strokes, "samples": samples, "writing_seconds": round(seconds, 3),
        "pen_downs": len(measured["downs"]), "pointer_types": sorted({down["pointerType"] for down in measured["downs"]}),
        "read": shown[-1]["text"] if shown else "",
        "answer_ms": final - last_up["time"],
        # Where it went: the pen-up waiting for the main thread (a live reading running), then the final reading.
        "pen_up_delay_ms": last_up["handled"] - last_up["time"],
        "final_reading_ms": next((reading["duration"] for reading in reversed(measured["readings"]) if reading["start"] >= last_up["time"]), None),
        "final_readings": sum(reading["start"] >= first_down for reading in measured["readings"]),
        "pen_rests": 1 + sum(down["handled"] - up["handled"] >= rest_ms for up, down in zip(measured["ups"], measured["downs"][1:])),
        "readings_shown": sum(answer["reading"] for answer in shown),
        "frame_p95_ms": percentile(intervals, 95) if intervals else None,
        "worst_frame_ms": max(intervals, default=None),
    }


def measure_touch(runs: int, number: str = TOUCH_NUMBER, builds: tuple = TOUCH_BUILDS, site: Path = SITE) -> dict:
    """`runs` fresh profiles per build (`builds`: name, query string, CPU throttle), each writing `number` with a finger
    on `site` served."""
    from playwright.async_api import async_playwright

    from tests.browser import launch_chromium, serve

    digits, rest_ms = touch_number_strokes(number), page_rest_ms(site)

    async def measure_builds(url: str) -> dict:
        async with async_playwright() as playwright:
            browser = await launch_chromium(playwright)
            try:
                measured_builds = {}
                for build, query, throttle in builds:
                    measured = [await touch_run(browser, url + query, throttle, digits, rest_ms) for _ in range(runs)]
                    measured_builds[build] = {"throttle": throttle, "runs": measured, **touch_medians(measured, number)}
                    print(f"[slow device] writing with a finger, {build} build at {throttle}×: {describe_touch(measured_builds[build])}", flush=True)
                return measured_builds
            finally:
                await browser.close()

    with serve(site) as url:
        measured_builds = asyncio.run(measure_builds(url))
    return {"number": number, "writer": TOUCH_WRITER, "seed": TOUCH_SEED, "viewport": PHONE["viewport"], "device_scale_factor": PHONE["device_scale_factor"],
            "samples_per_second": TOUCH_SAMPLES_PER_SECOND, "finger_speed_px_s": FINGER_SPEED, "builds": measured_builds}


def touch_medians(runs: list[dict], number: str) -> dict:
    done = [run for run in runs if "error" not in run]
    medians = {}
    for key in ("answer_ms", "final_readings", "readings_shown", "frame_p95_ms", "worst_frame_ms"):
        values = [run[key] for run in done if run[key] is not None]
        medians[f"{key}_median"] = percentile(values, 50) if values else None
    return {**medians, "read_right": sum(run.get("read") == number for run in runs)}


def describe_touch(build: dict) -> str:
    runs = [run for run in build["runs"] if "error" not in run]
    if not runs:
        return "failed: " + "; ".join(run["error"] for run in build["runs"])
    return (f"pen-up → answer {listed([run['answer_ms'] for run in runs])} ms, final readings {listed([run['final_readings'] for run in runs])}, "
            f"frames p95 {listed([run['frame_p95_ms'] for run in runs])} ms, worst {listed([run['worst_frame_ms'] for run in runs])} ms, "
            f"read {', '.join(repr(run['read']) for run in runs)}")


def touch_markdown(touch: dict) -> list[str]:
    """The "writing with a finger" section: every run's figures, and their medians."""
    viewport = touch["viewport"]
    lines = [
        "",
        f"## Writing with a finger: an {len(touch['number'])}-digit number on a phone (review 10)",
        "",
        f"A fresh profile per run, {viewport['width']}×{viewport['height']} CSS px at {touch['device_scale_factor']}× with touch (a phone), "
        "the service worker blocked (its precache would compete with the writing); the wasm build with the CPU slowed "
        + " and the CPU build (`?backend=cpu`: no WebAssembly) ".join(f"{build['throttle']}×" for build in touch["builds"].values())
        + f". `{touch['number']}` written as real touch input (DevTools protocol Input.dispatchTouchEvent, sent on time "
        f"without waiting for the page, so Chromium coalesces what queues while it is busy): writer {touch['writer']} of the test "
        f"writers' strokes (UJI Pen Characters, training/writers.py compose_by_digit, seed {touch['seed']}) on the pad, "
        f"{touch['samples_per_second']} samples a second at {touch['finger_speed_px_s']:.0f} CSS px/s, the finger lifted "
        f"{LIFT_SECONDS[0] * 1000:.0f} ms between a digit's strokes and {LIFT_SECONDS[1] * 1000:.0f} ms between digits. On the page's clock: "
        "pen-up → answer from the last pen-up (its event's time) to the first frame painted after the final answer (the pen-up's own "
        "frame when the live answer stood), of which the pen-up waited for the main thread (a live reading running) and the final "
        "reading took (its measure); final readings = the page's 'inkwell: recognise' measures (the readings at pen-ups; the CPU "
        "build reads once the pen has rested 300 ms); answers shown = every reading shown while writing, live ones included; "
        "frames = requestAnimationFrame intervals from the first pen-down to that answer. Figures, not assertions.",
        "",
        "| build | CPU throttle | runs | pen-up → answer ms, each run | median ms | of which the pen-up waited, ms | "
        "the final reading, ms | final readings | answers shown | frames p95 ms | worst frame ms | strokes | read right |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for build, measured in touch["builds"].items():
        runs = [run for run in measured["runs"] if "error" not in run]
        if not runs:
            lines.append(f"| {build} | {measured['throttle']}× | {describe_touch(measured)} | | | | | | | | | | |")
            continue
        each = lambda key: " / ".join("—" if run[key] is None else f"{run[key]:.0f}" for run in runs)  # noqa: E731 - one row's cells
        lines.append(
            f"| {build} | {measured['throttle']}× | {len(measured['runs'])} | {each('answer_ms')} | **{measured['answer_ms_median']:,.0f}** | "
            f"{each('pen_up_delay_ms')} | {each('final_reading_ms')} | {each('final_readings')} | {each('readings_shown')} | {each('frame_p95_ms')} | {each('worst_frame_ms')} | "
            f"{each('strokes')} | {measured['read_right']} of {len(measured['runs'])} |"
        )
    wrong = [f"{build}: {run['read']!r}" for build, measured in touch["builds"].items() for run in measured["runs"] if run.get("read", touch["number"]) != touch["number"]]
    lines += ["", f"Read: `{touch['number']}` in every run." if not wrong else f"Read wrong ({touch['number']} written): " + "; ".join(wrong) + ".", ""]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh profiles a build (default %(default)s)")
    parser.add_argument("--site", type=Path, default=SITE, help="the page to serve (default site/)")
    args = parser.parse_args(argv)
    print("\n".join(touch_markdown(measure_touch(args.runs, site=args.site))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
