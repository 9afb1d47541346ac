"""python -m bench.report bench/results.json  — rewrite bench/results.md and the plot from saved results.

Pure helpers of the benchmark (percentiles, gzip sizes, the paired significance test, the verdict, the
Markdown tables; the plot is bench/plot.py). Every report is written whole (training.files.write_atomic).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
from pathlib import Path

from training.files import write_atomic

ALPHA = 0.05  # A difference is called significant when the paired test's p-value is below this.


def percentile(values, q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between ranks, as numpy's default."""
    ordered = sorted(float(value) for value in values)
    if not ordered:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q}: choose 0 to 100")
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def gzip_size(body: bytes) -> int:
    """Bytes of `body` gzipped at level 9 (mtime 0, so the size never depends on the clock)."""
    return len(gzip.compress(body, compresslevel=9, mtime=0))


def paired_p_value(only_first: int, only_second: int) -> float:
    """Exact two-sided sign test (McNemar) on discordant pairs: items only the first / only the second got right."""
    total = only_first + only_second
    if total == 0:
        return 1.0
    smaller = min(only_first, only_second)
    # log-space terms: 0.5 ** total underflows for a few thousand discordant items.
    log_terms = [math.lgamma(total + 1) - math.lgamma(k + 1) - math.lgamma(total - k + 1) - total * math.log(2) for k in range(smaller + 1)]
    return min(1.0, 2 * sum(math.exp(term) for term in log_terms))


def compare(name: str, measure: str, ours: float, theirs: float, higher_is_better: bool, p_value: float | None = None) -> dict:
    """One verdict line: is the shipped model ahead of `name` on `measure`?"""
    ahead = ours > theirs if higher_is_better else ours < theirs
    return {"seed": name, "measure": measure, "default": ours, "seed_value": theirs, "ahead": bool(ahead), "p_value": p_value}


def verdict(models: dict, paired: dict) -> list[dict]:
    """Default vs each seed on TF.js test accuracy (uint8), robustness, and uint8 weight bytes."""
    ours = models.get("default", {})
    lines = []
    for name, theirs in models.items():
        if name == "default":
            continue
        if ours.get("status") != "ok" or theirs.get("status") != "ok":
            note = theirs.get("note") if theirs.get("status") != "ok" else ours.get("note")
            lines.append({"seed": name, "measure": "all", "missing": True, "note": note})
            continue
        comparisons = paired.get(name, {})
        accuracy = [entry["tfjs_test_accuracy"]["uint8"] for entry in (ours, theirs)]
        seed_lines = [compare(name, "TF.js MNIST test accuracy (uint8)", *accuracy, True, comparisons.get("mnist_test", {}).get("p_value"))]
        if "robustness" in ours and "robustness" in theirs:
            drawn = [entry["robustness"]["accuracy"] for entry in (ours, theirs)]
            seed_lines.append(compare(name, "robustness on page drawings", *drawn, True, comparisons.get("robustness", {}).get("p_value")))
        line = compare(name, "uint8 weight bytes", ours["weight_bytes"]["uint8"], theirs["weight_bytes"]["uint8"], False)
        line["why"] = f"{ours['parameters']:,} vs {theirs['parameters']:,} parameters; uint8 stores one byte per parameter"
        seed_lines.append(line)
        for line in seed_lines:
            line["matches_defaults"] = bool(theirs.get("matches_defaults") and ours.get("matches_defaults"))
        lines += seed_lines
    return lines


def verdict_text(lines: list[dict]) -> list[str]:
    """The verdict as Markdown bullets, with every place the shipped model is not ahead spelt out."""
    text, behind = [], []
    for line in lines:
        if line.get("missing"):
            text.append(f"- **{line['seed']}: not compared** — {line['note']}.")
            behind.append(f"{line['seed']} (not measured)")
            continue
        if "bytes" in line["measure"]:
            ratio = line["seed_value"] / line["default"]
            shown = f"{line['default']:,} vs {line['seed_value']:,} bytes ({ratio:.2f}× the shipped model's)"
        else:
            shown = f"{100 * line['default']:.2f} % vs {100 * line['seed_value']:.2f} % ({100 * (line['default'] - line['seed_value']):+.2f} points)"
        significance = ""
        if line.get("p_value") is not None:
            shown_p = "< 1e-300" if line["p_value"] < 1e-300 else f"= {line['p_value']:.3g}"  # exp() underflows below
            significance = f"; paired test p {shown_p}" + ("" if line["p_value"] < ALPHA else ", not significant at this sample size")
        state = "ahead" if line["ahead"] else "**NOT ahead**"
        why = f" — {line['why']}" if not line["ahead"] and line.get("why") else ""
        caveat = "" if line.get("matches_defaults", True) else " (a run not trained with the TrainConfig defaults: indicative only)"
        text.append(f"- vs **{line['seed']}**, {line['measure']}: {state}: {shown}{significance}{why}{caveat}.")
        if not line["ahead"]:
            behind.append(f"{line['seed']} on {line['measure']}")
    if not lines:
        summary = "No seed design was measured: nothing to compare."
    elif not behind:
        summary = "The shipped model is ahead of every seed design on every measure."
    else:
        summary = "The shipped model is not ahead on: " + "; ".join(behind) + "."
    return [summary, ""] + text


def percent(value) -> str:
    return "—" if value is None else f"{100 * value:.2f} %"


def number(value) -> str:
    return "—" if value is None else f"{value:,}"


def model_table(models: dict) -> list[str]:
    header = "| model | parameters | float32 bytes | uint8 bytes | uint8 gzip bytes | Keras test | TF.js test float32 | TF.js test uint8 | page drawings (uint8) | real writers: digits / numbers (uint8) | run |"
    rows = [header, "|" + " --- |" * (header.count("|") - 1)]
    for name, entry in models.items():
        if entry.get("status") != "ok":
            rows.append(f"| {name} | {entry.get('note', entry.get('status'))} |" + " |" * 9)
            continue
        robustness = entry.get("robustness", {}).get("accuracy")
        writers = entry.get("real_writers", {})
        real = f"{percent(writers.get('digits'))} / {percent(writers.get('numbers'))}" if writers else "—"
        schedule = "" if entry.get("matches_defaults") else " (not default schedule)"
        rows.append(
            f"| {name} | {number(entry['parameters'])} | {number(entry['weight_bytes']['float32'])} | {number(entry['weight_bytes']['uint8'])} "
            f"| {number(entry['weight_gzip_bytes']['uint8'])} | {percent(entry['keras_test_accuracy'])} | {percent(entry['tfjs_test_accuracy']['float32'])} "
            f"| {percent(entry['tfjs_test_accuracy']['uint8'])} | {percent(robustness)} | {real} | `{entry['run']}`{schedule} |"
        )
    return rows


def latency_tables(latency: dict, ratios: dict) -> list[str]:
    lines = []
    for backend, measured in latency.get("backends", {}).items():
        if not measured["available"]:
            lines += [f"**{backend}**: unavailable in this browser ({measured['error']}).", ""]
            continue
        details = ", ".join(f"{key} {value}" for key, value in measured.get("details", {}).items())
        lines += [
            f"**{backend}**" + (f" ({details})" if details else ""),
            "",
            "| model | model load ms | first prediction ms | p50 ms | p95 ms | default p50 ÷ this p50 (> 1: the shipped model is slower) |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for name, values in measured["models"].items():
            ratio = ratios.get(backend, {}).get(name)
            shown = "1 (reference)" if name == "default" else ("—" if ratio is None else f"{ratio:.2f}")
            lines.append(
                f"| {name} | {values['load_ms']:.1f} | {values['first_prediction_ms']:.1f} | {values['p50_ms']:.2f} | {values['p95_ms']:.2f} | {shown} |"
            )
        lines.append("")
    return lines


def latency_summary(ratios: dict) -> list[str]:
    """One line per seed: how the shipped model's median prediction time compares, per backend."""
    seeds = sorted({name for per_backend in ratios.values() for name in per_backend})
    lines = []
    for name in seeds:
        parts = [f"{backend} {per_backend[name]:.2f}×" for backend, per_backend in ratios.items() if per_backend.get(name)]
        if parts:
            lines.append(f"- Speed vs {name} (information, not a criterion): the shipped model's p50 is " + ", ".join(parts) + f" {name}'s.")
    return lines


def transfer_lines() -> list[str]:
    """Transfer and slow-device figures have their own reports; results.md points to them."""
    return [
        "Counted at the server, first and second visit, before and after the page built its own TF.js: "
        "[transfer.md](transfer.md) (`python -m bench.transfer`); time to the first answer at 4× CPU throttle: "
        "[slow_device.md](slow_device.md) (`python -m bench.slow_device`).",
        "",
    ]


def shipped_sentence(shipped: dict) -> str:
    if shipped.get("site_model") in (None, "missing"):
        return "site/models/digits/ holds no model: the shipped model could not be compared with the benchmarked default."
    if shipped.get("same_files"):
        return f"The benchmarked default is byte for byte the shipped site/models/digits/ ({shipped['quantization']}, from `{shipped['site_model']}`)."
    return f"**The benchmarked default differs from the shipped site/models/digits/** (converted from `{shipped['site_model']}`): reconvert one or the other."


def segmentation_sentence(models: dict) -> str:
    """How the page's segmentation did on the drawings: the same for every model, so said once."""
    drawn = next((entry["robustness"] for entry in models.values() if "robustness" in entry), None)
    if drawn is None:
        return ""
    return (
        f" preprocess.js found exactly one character on {drawn['single_character']:,} of the {drawn['canvases']:,} drawings "
        f"(none on {drawn['no_character']:,}, several on {drawn['several_characters']:,}); those count as wrong for every model."
    )


def schedule_sentence(models: dict) -> str:
    measured = [entry for entry in models.values() if entry.get("status") == "ok"]
    if measured and all(entry.get("matches_defaults") for entry in measured):
        return "Every model trained on the same data with the same schedule (the TrainConfig defaults)."
    off = "; ".join(f"{entry['model']}: {entry['note'].rpartition('defaults: ')[2]}" for entry in measured if not entry.get("matches_defaults"))
    return f"**Not every run here was trained with the TrainConfig defaults, so compare with care** ({off})."


def markdown(results: dict) -> str:
    machine, versions = results["machine"], results["versions"]
    settings = results["settings"]
    lines = [
        f"# Inkwell benchmark ({results['mode']} run, {results['date']})",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['ram_gb']:.1f} GB RAM, load average {machine['load_average']} at start. "
        f"Versions: Python {versions['python']}, TensorFlow {versions['tensorflow']}, tf_keras {versions['tf_keras']}, "
        f"tensorflowjs {versions['tensorflowjs']}, TF.js {versions['tfjs']}, Node {versions['node']}, Chromium {versions.get('chromium', '?')}.",
        "",
        "## Models",
        "",
        schedule_sentence(results["models"]) + " Accuracy on the 10,000 MNIST test digits; "
        f"page drawings: {settings['robustness_canvases']:,} test digits re-drawn on 280×280 canvases (seed {settings['robustness_seed']}), "
        "segmented by site/js/preprocess.js; correct when exactly one character is found and TF.js (Node, wasm, uint8) names it. "
        f"Real writers: the 10 held-out writers' 200 single digits and {4 * settings.get('writers_numbers_per_length', 0)} numbers of 2-5 of one writer's digits, "
        "replayed as pad.js draws them (with its pen rule) and read by the page's code; numbers count when exact (bench/writers.py, bench/writers.md).",
        "",
        *model_table(results["models"]),
        "",
        shipped_sentence(results.get("shipped", {})) + segmentation_sentence(results["models"]),
        "",
        "## Verdict",
        "",
        *verdict_text(results["verdict"]),
        *latency_summary(results["latency_ratios"]),
        "",
        "## Latency in the browser (headless Chromium, uint8 models)",
        "",
        f"{results['latency'].get('samples_per_model', 0)} single predictions per model and backend after {results['settings']['latency_warmup']} warm-up ones, "
        f"interleaved over {results['latency'].get('rounds', 0)} rounds; model load and first prediction are medians over the rounds' fresh pages. "
        "Compare the ratios; absolute times depend on the (shared) machine, and the page's clock ticks in 0.1 ms (it is not cross-origin isolated).",
        "",
        *latency_tables(results["latency"], results["latency_ratios"]),
        "## Transfer and a slow device",
        "",
        *transfer_lines(),
        "![accuracy against bytes](accuracy_vs_bytes.png)",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rewrite results.md and the plot from a saved results.json.")
    parser.add_argument("results", type=Path, nargs="?", default=Path(__file__).resolve().parent / "results.json")
    args = parser.parse_args(argv)
    try:
        results = json.loads(args.results.read_text())
    except (OSError, json.JSONDecodeError) as error:
        print(f"error: {args.results}: cannot read benchmark results ({error}); run `make bench` first")
        return 1
    write_atomic(args.results.with_name("results.md"), markdown(results).encode())
    from bench.plot import plot

    plot(results["models"], args.results.with_name("accuracy_vs_bytes.png"))
    print(f"wrote {args.results.with_name('results.md')} and {args.results.with_name('accuracy_vs_bytes.png')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
