"""The benchmark's pure parts: percentiles, gzip accounting, the paired test, the verdict, the tables, atomic
writes and run selection. Nothing here trains or converts, and nothing is timed; one test, marked browser, writes
bench.finger's number written with a finger in headless Chromium (unthrottled) and checks it is read."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import gzip
import json
import math
import time

import numpy as np
import pytest

from bench import finger, latency, models, numbers, report, slow_device, teaching, transfer
from bench.run import BenchSettings, paired


def model_entry(name, parameters, accuracy, drawn, matches=True):
    return {
        "model": name,
        "status": "ok",
        "note": "reused",
        "run": f"runs/{name}/20260101-000000",
        "matches_defaults": matches,
        "parameters": parameters,
        "weight_bytes": {"float32": 4 * parameters, "uint8": parameters},
        "weight_gzip_bytes": {"float32": 4 * parameters - 10, "uint8": parameters - 10},
        "keras_test_accuracy": accuracy,
        "tfjs_test_accuracy": {"float32": accuracy, "uint8": accuracy - 0.0001},
        "robustness": {"accuracy": drawn, "correct": int(1000 * drawn), "canvases": 1000, "single_character": 990, "no_character": 2, "several_characters": 8},
    }


@pytest.mark.parametrize("q", [0, 5, 50, 95, 99, 100])
def test_percentile_matches_numpy_linear_interpolation(q):
    values = np.random.default_rng(0).exponential(3.0, size=137)
    # Our pure percentile and numpy's default ("linear") agree to float precision.
    assert report.percentile(values.tolist(), q) == pytest.approx(float(np.percentile(values, q)), abs=1e-12)


def test_percentile_rejects_nonsense():
    assert report.percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError, match="no values"):
        report.percentile([], 50)
    with pytest.raises(ValueError, match="0 to 100"):
        report.percentile([1.0, 2.0], 101)


def test_gzip_size_is_level_9_and_independent_of_the_clock():
    body = b"the same line of JavaScript, again and again;\n" * 500
    assert report.gzip_size(body) == len(gzip.compress(body, compresslevel=9, mtime=0))
    assert report.gzip_size(body) < len(body) / 20  # repetitive text compresses a lot
    random_bytes = np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes()
    assert report.gzip_size(random_bytes) > len(random_bytes)  # and noise does not (gzip adds a header)


def test_paired_p_value_is_the_exact_two_sided_sign_test():
    assert report.paired_p_value(0, 0) == 1.0
    assert report.paired_p_value(5, 0) == pytest.approx(2 * 0.5**5)
    assert report.paired_p_value(3, 7) == report.paired_p_value(7, 3)
    assert report.paired_p_value(10, 10) == 1.0
    # Against scipy's exact binomial test, including counts where 0.5 ** n underflows a float.
    from scipy.stats import binomtest

    for first, second in [(12, 30), (40, 60), (700, 820), (2000, 2300)]:
        expected = binomtest(min(first, second), first + second, 0.5).pvalue
        assert report.paired_p_value(first, second) == pytest.approx(expected, rel=1e-6, abs=1e-300)


def test_paired_counts_discordant_items_against_default():
    correct = {"default": np.array([1, 1, 0, 1, 0], bool), "seed001": np.array([1, 0, 1, 0, 0], bool)}
    result = paired(correct)
    assert result["seed001"]["only_default"] == 2 and result["seed001"]["only_seed"] == 1
    assert paired({"seed001": correct["seed001"]}) == {}


def test_verdict_names_every_measure_where_default_is_not_ahead_and_why():
    described = {
        "default": model_entry("default", 79_906, 0.995, 0.97),
        "seed001": model_entry("seed001", 65_788, 0.990, 0.90),
        "seed000": model_entry("seed000", 2_374_506, 0.996, 0.95),
        "seed003": {"model": "seed003", "status": "missing", "note": "missing: no runs/seed003/latest/model.h5"},
    }
    lines = report.verdict(described, {"seed001": {"mnist_test": {"p_value": 0.01}, "robustness": {"p_value": 0.0}}, "seed000": {"mnist_test": {"p_value": 0.3}}})
    by_key = {(line["seed"], line["measure"]): line for line in lines}
    assert by_key[("seed001", "uint8 weight bytes")]["ahead"] is False  # fewer parameters, fewer bytes
    assert by_key[("seed001", "TF.js MNIST test accuracy (uint8)")]["ahead"] is True
    assert by_key[("seed000", "TF.js MNIST test accuracy (uint8)")]["ahead"] is False
    assert by_key[("seed000", "uint8 weight bytes")]["ahead"] is True
    assert by_key[("seed003", "all")]["missing"] is True
    text = "\n".join(report.verdict_text(lines))
    assert text.startswith("The shipped model is not ahead on: ")
    assert "seed001 on uint8 weight bytes" in text and "seed000 on TF.js MNIST test accuracy (uint8)" in text
    assert "79,906 vs 65,788 parameters" in text  # the reason, spelt out
    assert "seed003 (not measured)" in text
    assert "p = 0.01" in text and "p < 1e-300" in text and "p = 0.3, not significant at this sample size" in text


def test_verdict_says_so_when_default_wins_everywhere():
    described = {"default": model_entry("default", 79_906, 0.995, 0.97), "seed003": model_entry("seed003", 3_274_634, 0.99, 0.9)}
    text = report.verdict_text(report.verdict(described, {}))
    assert text[0] == "The shipped model is ahead of every seed design on every measure."


def test_model_table_has_one_row_per_model_and_equal_columns():
    described = {"default": model_entry("default", 79_906, 0.995, 0.97, matches=False), "seed000": {"status": "missing", "note": "no run"}}
    described["default"]["real_writers"] = {"digits": 0.985, "numbers": 0.9575, "numbers_per_length": 100}
    rows = report.model_table(described)
    assert len(rows) == 4
    assert len({row.count("|") for row in rows}) == 1, rows
    assert "| 79,906 | 319,624 | 79,906 |" in rows[2] and "99.50 %" in rows[2] and "(not default schedule)" in rows[2]
    # The real writers' column: single digits / exact numbers of the held-out writers.
    assert "real writers" in rows[0] and "| 98.50 % / 95.75 % |" in rows[2]


def results_fixture():
    described = {"default": model_entry("default", 79_906, 0.995, 0.97), "seed001": model_entry("seed001", 65_788, 0.99, 0.9)}
    measured = {
        "backends": {
            "wasm": {"available": True, "details": {"simd": True}, "models": {
                name: {"load_ms": 40.0, "first_prediction_ms": 20.0, "p50_ms": p50, "p95_ms": 2 * p50, "samples": 200, "rounds": 4}
                for name, p50 in (("default", 2.0), ("seed001", 0.5))
            }},
            "webgl": {"available": False, "error": "tf.setBackend('webgl') failed"},
        },
        "samples_per_model": 200,
        "rounds": 4,
    }
    return {
        "mode": "quick",
        "date": "2026-01-01T00:00:00+00:00",
        "machine": {"cpu": "Test CPU", "cores": 2, "ram_gb": 8.0, "load_average": "0.1, 0.1, 0.1"},
        "versions": {"python": "3.11", "tensorflow": "2.18.0", "tf_keras": "2.18.0", "tensorflowjs": "4.22.0", "tfjs": "4.22.0", "node": "v20", "chromium": "1"},
        "settings": dataclasses.asdict(BenchSettings.quick()),
        "models": described,
        "latency": measured,
        "latency_ratios": latency.ratios(measured),
        "verdict": report.verdict(described, {}),
    }


def test_markdown_has_every_section_and_the_latency_ratio():
    text = report.markdown(results_fixture())
    for heading in ("## Models", "## Verdict", "## Latency in the browser", "## Transfer and a slow device"):
        assert heading in text
    assert "Every model trained on the same data with the same schedule" in text
    assert "Test CPU, 2 cores, 8.0 GB RAM" in text and "TF.js 4.22.0" in text and "Chromium 1" in text
    assert "| default | 40.0 | 20.0 | 2.00 | 4.00 | 1 (reference) |" in text
    assert "| seed001 | 40.0 | 20.0 | 0.50 | 1.00 | 4.00 |" in text  # the shipped model is 4x slower here
    assert "**webgl**: unavailable in this browser (tf.setBackend('webgl') failed)." in text
    assert "[transfer.md](transfer.md)" in text and "[slow_device.md](slow_device.md)" in text
    assert "the shipped model's p50 is wasm 4.00× seed001's" in text
    assert "exactly one character on 990 of the 1,000 drawings (none on 2, several on 8)" in text


def test_latency_summarise_pools_rounds():
    rounds = [
        {"loadMs": 10.0, "firstMs": 30.0, "backendMs": 1.0, "times": [1.0, 2.0, 3.0]},
        {"loadMs": 20.0, "firstMs": 50.0, "backendMs": 3.0, "times": [4.0, 5.0]},
    ]
    summary = latency.summarise(rounds)
    assert summary["samples"] == 5 and summary["rounds"] == 2
    assert summary["p50_ms"] == 3.0 and summary["load_ms"] == 15.0 and summary["first_prediction_ms"] == 40.0


def test_gzip_equivalent_compresses_text_and_webassembly_but_sends_images_and_octet_streams_as_they_are():
    text = b"const answer = 42;\n" * 200
    assert transfer.gzip_equivalent(text, "text/javascript") == len(gzip.compress(text, compresslevel=9, mtime=0)) < len(text)
    assert transfer.gzip_equivalent(text, "application/wasm") < len(text)
    assert transfer.gzip_equivalent(text, "application/octet-stream") == len(text)  # the model's .bin
    assert transfer.gzip_equivalent(text, "image/png") == len(text)
    assert transfer.gzip_equivalent(b"", "text/html") == 0


def test_counting_server_logs_what_it_sends_per_response(tmp_path):
    # Counted at the server: a full response, a 304 revalidation (headers only) and a 404, in order.
    import urllib.error
    import urllib.request

    body = b"<!doctype html><title>x</title>" + b" " * 1000
    (tmp_path / "index.html").write_bytes(body)
    with transfer.counting_server(tmp_path) as (server, url):
        with urllib.request.urlopen(url + "index.html") as response:
            last_modified = response.headers["Last-Modified"]
            assert response.read() == body
        request = urllib.request.Request(url + "index.html", headers={"If-Modified-Since": last_modified})
        with pytest.raises(urllib.error.HTTPError) as not_modified:
            urllib.request.urlopen(request)
        assert not_modified.value.code == 304
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(url + "missing.js")
        # The server logs a response once it has sent it, which may be just after the client has it.
        responses = []
        for _ in range(100):
            responses += server.take()
            if len(responses) == 3:
                break
            time.sleep(0.05)
        responses.sort(key=lambda response: response["sequence"])
    assert [(r["path"], r["status"], r["conditional"]) for r in responses] == [
        ("/index.html", 200, False), ("/index.html", 304, True), ("/missing.js", 404, False),
    ]
    full, revalidated, _ = responses
    assert full["bytes"] == len(body) and full["gzip_bytes"] == transfer.gzip_equivalent(body, "text/html")
    assert full["content_type"] == "text/html" and full["header_bytes"] > 0
    assert revalidated["bytes"] == revalidated["gzip_bytes"] == 0 and revalidated["header_bytes"] > 0
    assert server.take() == []


def transfer_result(first_gzip_bytes):
    def site(first, second):
        return {
            "chromium": "1",
            "first": {"ready": True, "ready_ms": 900.0, "backend": "wasm", "errors": [], "responses": first, "totals": transfer.totals(first)},
            "second": {"ready": True, "ready_ms": 500.0, "backend": "wasm", "errors": [], "responses": second, "totals": transfer.totals(second)},
        }

    def response(path, status, raw, gzipped):
        return {"path": path, "status": status, "dest": "script", "conditional": status == 304, "header_bytes": 100, "bytes": raw, "gzip_bytes": gzipped, "content_type": "text/javascript"}

    new = site([response("/vendor/tfjs.js", 200, 400_000, first_gzip_bytes)], [response("/sw.js", 200, 3_000, 1_500)])
    old = site([response("/vendor/tf.min.js", 200, 1_470_000, 366_000), response("/vendor/tf.min.js", 304, 0, 0)], [])
    return {"new": new, "old": old, "old_commit": "1b51178a97aee7e3d85c9d185e9555c808a7f5de"}


def test_transfer_report_sets_old_and_new_side_by_side_and_checks_the_budgets():
    text = transfer.markdown(transfer_result(first_gzip_bytes=360_000))
    assert "| first | before (tf.min.js) | 2 | 1,470.0 | **366.0** | 0.2 | wasm | 900 ms |" in text
    assert "| first | now | 1 | 400.0 | **360.0** | 0.1 | wasm | 900 ms |" in text
    assert "| second | now | 1 | 3.0 | **1.5** |" in text
    assert "digits model only: **360.0 KB** of 450.0 KB (within)" in text
    assert "**450.0 KB** of 450.0 KB (within)" in text  # with a stand-in letters model of 90 KB: exactly the budget
    assert "a stand-in of 90.0 KB" in text
    assert "| 2 | `/vendor/tf.min.js` | 304 | script, conditional | 0 | 0 | 100 |" in text
    assert "(over)" in transfer.markdown(transfer_result(first_gzip_bytes=450_001))


def test_transfer_counts_the_letters_model_measured_else_from_disk_else_from_a_run_else_a_stand_in(tmp_path):
    site, runs = tmp_path / "site", tmp_path / "runs"
    (site / "models" / "digits").mkdir(parents=True)
    (site / "models" / "digits" / "model.json").write_text("{}" * 500)
    (site / "models" / "digits" / "metadata.json").write_text("{}" * 500)
    digits_json = sum(transfer.gzip_equivalent(b"{}" * 500, "application/json") for _ in range(2))
    assert transfer.letters_model([], site, runs)["source"] == "stand-in"
    assert transfer.letters_model([], site, runs)["gzip_bytes"] == transfer.SECOND_MODEL_BYTES

    (runs / "letters" / ".20261204-2.partial").mkdir(parents=True)  # a run still training
    (runs / "letters" / ".20261204-2.partial" / "metrics.json").write_text(json.dumps({"parameters": 1}))
    assert transfer.letters_model([], site, runs)["source"] == "stand-in"
    (runs / "letters" / "l30-20261204").mkdir()  # a finished run trained with --out: no latest link
    (runs / "letters" / "l30-20261204" / "metrics.json").write_text(json.dumps({"parameters": 81_000}))
    from_run = transfer.letters_model([], site, runs)
    assert from_run["source"] == "run" and from_run["gzip_bytes"] == 81_000 + digits_json and "l30-20261204" in from_run["detail"]
    (runs / "letters" / "20261204-1").mkdir()
    (runs / "letters" / "20261204-1" / "metrics.json").write_text(json.dumps({"parameters": 70_000}))
    (runs / "letters" / "latest").symlink_to("20261204-1")
    from_run = transfer.letters_model([], site, runs)
    assert from_run["source"] == "run" and from_run["gzip_bytes"] == 70_000 + digits_json and "20261204-1" in from_run["detail"]

    (site / "models" / "letters").mkdir()
    (site / "models" / "letters" / "group1-shard1of1.bin").write_bytes(bytes(60_000))
    (site / "models" / "letters" / "model.json").write_text("{}" * 500)
    from_disk = transfer.letters_model([], site, runs)
    assert from_disk["source"] == "disk" and from_disk["gzip_bytes"] == 60_000 + digits_json // 2

    def response(path, gzipped):
        return {"path": path, "status": 200, "dest": "empty", "conditional": False, "header_bytes": 100, "bytes": gzipped, "gzip_bytes": gzipped}

    responses = [response("/vendor/tfjs.js", 100_000), response("/models/letters/model.json", 2_000), response("/models/letters/group1-shard1of1.bin", 61_000)]
    measured = transfer.letters_model(responses, site, runs)
    assert measured["source"] == "measured" and measured["gzip_bytes"] == 63_000

    result = transfer_result(first_gzip_bytes=400_000)
    result["new"]["first"]["responses"] += responses[1:]
    result["new"]["first"]["totals"] = transfer.totals(result["new"]["first"]["responses"])
    result["letters"] = measured
    text = transfer.markdown(result)
    assert "digits model only: **400.0 KB** of 450.0 KB (within)" in text
    assert "**463.0 KB** of 450.0 KB (over)" in text and "measured: 2 responses" in text


def test_slow_device_report_gives_medians_percentiles_and_targets():
    answers = [{"label": "7", "milliseconds": float(ms), "read": "7" if ms < 90 else "1"} for ms in range(10, 101, 10)]
    measured = {
        "backend": "wasm", "runs": 2, "errors": [], "ready_ms": [1000.0, 1400.0], "second_visit_ready_ms": [700.0, 900.0], "answers": answers,
        "ready_median_ms": 1200.0, "second_visit_ready_median_ms": 800.0, "answer_p50_ms": 55.0, "answer_p95_ms": 95.5, "read_correctly": 8,
        "letters_ready_ms": [300.0, 500.0], "letters_ready_median_ms": 400.0,
        "taught": 50, "taught_ready_ms": [900.0, 1100.0], "taught_ready_median_ms": 1000.0,
    }
    text = slow_device.markdown({"throttle": 4, "old_commit": "1b51178a97aee7e3d85c9d185e9555c808a7f5de", "chromium": "1", "new": measured, "old": None})
    assert "| now | wasm | 2 | **1,200** | 800 | 55 | **96** | 8 of 10 |" in text
    assert "| before (tf.min.js) | not measured |" in text
    assert "target ≤ 1,500" in text and "target ≤ 100" in text
    assert "from the click to ready: median **400 ms** (runs: 300, 500)" in text
    assert "A visit with 50 taught digits (now; the most a task keeps, all read before the page is ready): median **1,000 ms**" in text
    assert "(target ≤ 1,500; runs: 900, 1100)" in text


def touch_run_figures(answer_ms, read="06123456789"):
    return {"backend": "wasm", "strokes": 14, "samples": 315, "writing_seconds": 5.0, "pen_downs": 14, "pointer_types": ["touch"], "read": read,
            "answer_ms": answer_ms, "pen_up_delay_ms": 30.0, "final_reading_ms": None, "final_readings": 14, "readings_shown": 20, "frame_p95_ms": 33.4, "worst_frame_ms": 120.0}


def test_slow_device_report_has_the_finger_section_with_every_run_and_what_was_read():
    wasm_runs = [touch_run_figures(120.0), touch_run_figures(150.0), touch_run_figures(130.0, read="06123456788")]
    cpu_runs = [{"error": "the page did not start"}]
    touch = {"number": "06123456789", "writer": 9, "seed": 11, "viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
             "samples_per_second": 120, "finger_speed_px_s": 300.0, "builds": {
                 "wasm": {"throttle": 6, "runs": wasm_runs, **finger.touch_medians(wasm_runs, "06123456789")},
                 "cpu": {"throttle": 4, "runs": cpu_runs, **finger.touch_medians(cpu_runs, "06123456789")}}}
    text = slow_device.markdown({"throttle": 4, "old_commit": "1b51178a97", "chromium": "1", "new": None, "old": None, "touch": touch})
    assert "## Writing with a finger: an 11-digit number on a phone (review 10)" in text
    assert "the wasm build with the CPU slowed 6× and the CPU build (`?backend=cpu`: no WebAssembly) 4×" in text
    # Every run's value, then the median (130 of 120, 150, 130).
    assert "| wasm | 6× | 3 | 120 / 150 / 130 | **130** | 30 / 30 / 30 | — / — / — | 14 / 14 / 14 | 20 / 20 / 20 | 33 / 33 / 33 | 120 / 120 / 120 | 14 / 14 / 14 | 2 of 3 |" in text
    assert "| cpu | 4× | failed: the page did not start |" in text
    # The misread is named; the failed run read nothing, so it misread nothing.
    assert "Read wrong (06123456789 written): wasm: '06123456788'." in text


def test_finger_schedule_samples_each_stroke_120_times_a_second_in_writing_order():
    digits = finger.touch_number_strokes()
    assert len(digits) == 11 and sum(len(digit) for digit in digits) == 14  # writer 9 writes the number in 14 strokes
    box = {"x": 15.0, "y": 200.0, "width": 360.0, "height": 360.0}
    schedule = finger.touch_schedule(digits, box)
    kinds = [kind for _, kind, _ in schedule]
    assert kinds.count("touchStart") == kinds.count("touchEnd") == 14
    assert kinds[0] == "touchStart" and kinds[-1] == "touchEnd"
    times = [seconds for seconds, _, _ in schedule]
    assert times == sorted(times)
    moves = [(seconds, point) for seconds, kind, point in schedule if kind == "touchMove"]
    gaps = {round(later[0] - earlier[0], 6) for earlier, later in zip(moves, moves[1:])}
    assert round(1 / 120, 6) in gaps and min(gaps) == round(1 / 120, 6)  # 120 samples a second, the lifts longer
    points = [point for _, _, point in schedule if point is not None]
    assert all(box["x"] <= x <= box["x"] + box["width"] and box["y"] <= y <= box["y"] + box["height"] for x, y in points)
    # The digits come left to right: each digit's first pen-down is right of the one before's.
    starts = [point[0] for _, kind, point in schedule if kind == "touchStart"]
    firsts = [starts[sum(len(digit) for digit in digits[:index])] for index in range(11)]
    assert firsts == sorted(firsts)


def test_finger_run_times_the_final_answer_from_the_last_pen_up_and_ignores_the_page_start():
    measured = {
        "downs": [{"time": 1000.0, "handled": 1000.5, "pointerType": "touch"}, {"time": 2000.0, "handled": 2000.5, "pointerType": "touch"}],
        "ups": [{"time": 1500.0, "handled": 1501.0, "painted": 1510.0}, {"time": 2500.0, "handled": 2504.0, "painted": 2517.0}],
        "frames": [1000.0 + 16.7 * index for index in range(120)],
        "shown": [{"time": 400.0, "text": "", "reading": True, "painted": 410.0},  # the page's start: not the writing
                  {"time": 1200.0, "text": "0", "reading": True, "painted": 1216.0},
                  {"time": 2600.0, "text": "0", "reading": False, "painted": 2617.0},  # the page said something first
                  {"time": 2900.0, "text": "06", "reading": True, "painted": 2917.0}],
        "readings": [{"start": 390.0, "duration": 5.0}, {"start": 2800.0, "duration": 90.0}],
    }
    run = finger.summarise_touch(measured, "cpu", strokes=2, samples=40, seconds=1.6, rest_ms=300)
    assert run["answer_ms"] == pytest.approx(417.0) and run["read"] == "06"
    assert run["pen_up_delay_ms"] == pytest.approx(4.0) and run["final_reading_ms"] == pytest.approx(90.0)
    assert run["final_readings"] == 1 and run["readings_shown"] == 2 and run["pen_downs"] == 2
    assert run["worst_frame_ms"] == pytest.approx(16.7) and run["pointer_types"] == ["touch"]
    # No answer after the pen-up (the live one stood): the pen-up's own painted frame.
    del measured["shown"][-2:]
    assert finger.summarise_touch(measured, "wasm", strokes=2, samples=40, seconds=1.6, rest_ms=300)["answer_ms"] == pytest.approx(17.0)
    # The pen rested after each pen-up: 499.5 ms off the glass (handled to handled), then the end.
    assert run["pen_rests"] == 2
    assert finger.summarise_touch(measured, "cpu", strokes=2, samples=40, seconds=1.6, rest_ms=500)["pen_rests"] == 1
    assert finger.page_rest_ms() == 300


@pytest.mark.browser
def test_a_number_written_with_a_finger_is_read_on_both_builds():
    # Unthrottled, so quick: the section writes what it claims (touch pointers, every stroke) and the page reads it.
    # In a thread of its own: the bench's asyncio.run fails in a thread where the browser tests' sync Playwright runs.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        touch = pool.submit(finger.measure_touch, runs=1, builds=(("wasm", "", 1), ("cpu", "?backend=cpu", 1))).result()
    for build in ("wasm", "cpu"):
        run, = touch["builds"][build]["runs"]
        assert "error" not in run, f"{build}: {run['error']}"
        assert run["read"] == "06123456789", f"{build}: {run}"
        assert run["backend"] == build and run["pointer_types"] == ["touch"] and run["pen_downs"] == run["strokes"] == 14, f"{build}: {run}"
        assert run["answer_ms"] > 0 and run["frame_p95_ms"] > 0, f"{build}: {run}"
    # The CPU build reads only once the pen has rested (not at each pen-up): once at the end, and once more at most
    # for each lift the page handled as a rest (a loaded machine delays touch events, so a lift can grow to one).
    cpu, = touch["builds"]["cpu"]["runs"]
    assert 1 <= cpu["final_readings"] <= cpu["pen_rests"], cpu
    assert "| wasm | 1× | 1 |" in "\n".join(finger.touch_markdown(touch))


def test_slow_device_fills_as_many_taught_drawings_as_the_page_keeps(tmp_path):
    # The bench reads the limit from the page itself, so a new limit is measured without a second copy of it.
    assert slow_device.taught_limit() == 50
    (tmp_path / "js").mkdir()
    assert slow_device.taught_limit(tmp_path) is None  # the tf.min.js page had no teaching


def test_teaching_report_writes_what_the_measurement_gives(tmp_path, monkeypatch):
    # bench.teaching is a report of training/corrections.py's measure on the split asked for: its table, as
    # given, under a title that says what was measured, written in one step.
    import training.corrections

    asked = []
    monkeypatch.setattr(training.corrections, "measure", lambda split: asked.append(split) or ["| set | users |", "| --- | --- |", "| letters | 15 |"])
    out = tmp_path / "teaching.md"
    assert teaching.main(["--out", str(out), "--split", "validation"]) == 0
    text = out.read_text()
    assert asked == ["validation"]
    assert text.startswith("# Teaching the page your hand (") and "held-out font families" in text
    assert text.endswith("| set | users |\n| --- | --- |\n| letters | 15 |\n")
    assert [path.name for path in tmp_path.iterdir()] == ["teaching.md"]


def make_run(runs_dir, model, config):
    run = runs_dir / model / "20260101-000000"
    run.mkdir(parents=True)
    (run / "model.h5").write_bytes(b"not really a model")
    (run / "config.json").write_text(json.dumps(config))
    (runs_dir / model / "latest").symlink_to(run.name)
    return run


def test_choose_run_reuses_only_runs_trained_with_the_defaults(tmp_path):
    defaults = models.default_config("seed001")
    run = make_run(tmp_path, "seed001", defaults)
    choice = models.choose_run("seed001", tmp_path, allow_training=False)
    assert choice.run_dir == run.resolve() and choice.matches_defaults and not choice.trained_here

    make_run(tmp_path, "default", {**models.default_config("default"), "epochs": 1})
    choice = models.choose_run("default", tmp_path, allow_training=False)
    assert choice.run_dir is not None and not choice.matches_defaults and "NOT trained with the TrainConfig defaults" in choice.note

    choice = models.choose_run("seed000", tmp_path, allow_training=False)
    assert choice.run_dir is None and choice.note.startswith("missing")
    assert models.describe_model(choice)["status"] == "missing"


def test_a_conversion_stamp_cut_short_is_stale_and_the_model_is_converted_again(tmp_path, monkeypatch):
    # A kill while the stamp was written left half of it: the next bench converts again instead of a traceback.
    import convert

    run = make_run(tmp_path / "runs", "seed001", {})
    conversions = []

    def fake_convert(run_dir, out_dir, **options):
        conversions.append(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "metadata.json").write_text('{"quantization": "uint8"}')
        return {"quantization": "uint8"}

    monkeypatch.setattr(convert, "convert", fake_convert)
    cache = tmp_path / "cache"
    models.converted(run, "seed001", "uint8", cache)
    stamp = cache / "seed001" / f"uint8.{models.STAMP}"
    assert models.converted(run, "seed001", "uint8", cache) == (cache / "seed001" / "uint8", {"quantization": "uint8"})
    assert len(conversions) == 1  # reused while the stamp says the same model.h5
    stamp.write_text(stamp.read_text()[:20])
    models.converted(run, "seed001", "uint8", cache)
    assert len(conversions) == 2 and json.loads(stamp.read_text())["run"] == str(run)
    assert sorted(path.name for path in (cache / "seed001").iterdir()) == ["uint8", stamp.name]  # no temporary left


def test_quick_settings_measure_less_than_the_full_run():
    quick, full = BenchSettings.quick(), BenchSettings()
    assert full.robustness_canvases == 10_000 and quick.robustness_canvases == 1_000
    assert quick.latency_samples < full.latency_samples == 200
    assert quick.robustness_seed == full.robustness_seed  # the quick canvases are the first of the full run's
    assert math.isclose(full.latency_samples / full.latency_rounds, 50)


def test_config_differences_name_each_field():
    defaults = {"epochs": 30, "canvas_fraction": 0.6, "canvas_variants": 2}
    assert models.config_differences(dict(defaults), defaults) == ""
    # canvas_variants is absent: a run from before the field existed, read as having the default.
    assert models.config_differences({"epochs": 30, "canvas_fraction": 0.5}, defaults) == "canvas_fraction 0.5 (default 0.6)"
    assert models.config_differences({**defaults, "retired_field": 1}, defaults) == "retired_field 1 (default absent)"
    assert models.config_differences(None, defaults) == "no readable config.json"


def test_verdict_marks_only_the_seed_whose_run_is_off_schedule():
    seed001 = model_entry("seed001", 65_788, 0.99, 0.9)
    del seed001["robustness"]  # robustness not measured: two lines for this seed, not three
    described = {"default": model_entry("default", 79_906, 0.995, 0.97), "seed000": model_entry("seed000", 2_374_506, 0.99, 0.9, matches=False), "seed001": seed001}
    lines = report.verdict(described, {})
    assert [line["matches_defaults"] for line in lines if line["seed"] == "seed000"] == [False, False, False]
    assert [line["matches_defaults"] for line in lines if line["seed"] == "seed001"] == [True, True]


def test_plot_writes_a_png_and_skips_missing_models(tmp_path):
    from bench.plot import plot

    models_measured = results_fixture()["models"] | {"seed003": {"status": "missing", "note": "no run"}}
    plot(models_measured, tmp_path / "accuracy_vs_bytes.png")
    assert (tmp_path / "accuracy_vs_bytes.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert [entry.name for entry in tmp_path.iterdir()] == ["accuracy_vs_bytes.png"]


def test_verdict_with_no_seed_claims_nothing():
    assert report.verdict_text(report.verdict({"default": model_entry("default", 79_906, 0.995, 0.97)}, {}))[0] == (
        "No seed design was measured: nothing to compare."
    )


def test_markdown_says_which_runs_are_off_schedule_and_how():
    results = results_fixture()
    results["models"]["default"].update(matches_defaults=False, note="reused, but NOT trained with the TrainConfig defaults: canvas_fraction 0.5 (default 0.6)")
    assert "compare with care** (default: canvas_fraction 0.5 (default 0.6))." in report.markdown(results)


def test_numbers_summary_counts_exact_numbers_mis_segmentation_and_digits():
    read, truths = ["12", "345", "78", "9"], ["12", "346", "789", "90"]
    result = numbers.summarise(read, truths)
    assert result["exact"] == 0.25 and result["numbers"] == 4
    assert result["by_length"] == {2: 0.5, 3: 0.0}
    assert result["mis_segmented"] == 2  # "789" and "90": fewer digits read than written
    assert result["digit_accuracy"] == 4 / 5  # only where the count is right: "12" and "345" against "346"
    assert result["interval95"] == pytest.approx(1.96 * (0.25 * 0.75 / 4) ** 0.5)


def test_numbers_bench_reports_a_bad_count_in_one_line(capsys, tmp_path):
    assert numbers.main(["--count", "0", "--out", str(tmp_path / "numbers.md")]) == 1
    assert capsys.readouterr().out == "error: --count 0: choose at least 1 number\n"
    assert not (tmp_path / "numbers.md").exists()


def writers_result(digits: float, numbers: float, close: float) -> dict:
    def spaced(exact: float, mis_segmented: int) -> dict:
        return {"count": 400, "exact": exact, "by_length": {"2": 0.99, "3": 0.97, "4": 0.95, "5": exact}, "mis_segmented": mis_segmented}

    return {
        "digits": {"count": 200, "accuracy": digits, "by_digit": {str(d): digits for d in range(10)}, "errors": [{"label": 1, "read": "7"}]},
        "numbers": spaced(numbers, 3),
        "numbers_close": spaced(close, 40),
        "numbers_wrapped": {"count": 200, "exact": numbers - 0.02, "by_length": {}, "mis_segmented": 2},
        "numbers_wrapped_0.2": {"count": 100, "exact": numbers - 0.03, "by_length": {}, "mis_segmented": 3},
        "numbers_wrapped_0.1": {"count": 100, "exact": numbers - 0.2, "by_length": {}, "mis_segmented": 8},
    }


def test_writers_report_has_both_splits_with_and_without_the_pen_rule_spaced_and_close():
    from bench import writers

    results = {split: {"pen rule": writers_result(0.98, 0.955, 0.77), "one pen (no rule)": writers_result(0.98, 0.76, 0.5)} for split in writers.SPLITS}
    text = writers.markdown(results, "python -m bench.writers", "site/models/digits", "2026-01-01T00:00:00+00:00")
    assert "## Test writers (200 single digits, 400 numbers each spaced and written close)" in text and "## Validation writers" in text
    assert "| pen rule | spaced | **95.5 %** | 99.0 % | 97.0 % | 95.0 % | 95.5 % | 3 |" in text
    assert "| pen rule | written close | **77.0 %** | 99.0 % | 97.0 % | 95.0 % | 77.0 % | 40 |" in text
    assert "| one pen (no rule) | spaced | **76.0 %** |" in text and "| one pen (no rule) | written close | **50.0 %** |" in text
    assert "true→read): 1→7." in text
    assert "- 0.3-0.8 apart (200): pen rule **93.5 %** (2 mis-segmented), one pen (no rule) **74.0 %** (2 mis-segmented)" in text
    assert "- 0.1 apart (100): pen rule **75.5 %** (8 mis-segmented), one pen (no rule) **56.0 %** (8 mis-segmented)" in text


def test_writers_bench_without_a_model_is_one_line(tmp_path, capsys):
    from bench import writers

    assert writers.main(["--model-dir", str(tmp_path), "--out", str(tmp_path / "w.md")]) == 1
    assert capsys.readouterr().out.startswith("error: ") and not (tmp_path / "w.md").exists()
