"""python -m bench.latency --model default=bench/.cache/default/uint8 --samples 40  — in-browser latency.

Each converted model runs in headless Chromium through the page's own site/js/model.js and TF.js 4.22.0 as
the page gets it (tools/build_tfjs.mjs: vendor/tfjs.js for wasm, vendor/tfjs-cpu.js for cpu), built here for
the benchmarked models (the page's own build holds the shipped models' layers and kernels only), on both
backends the page has (one that cannot start is reported as unavailable). A fresh page measures: model load (fetch, SHA-256 checks, weights onto the
backend), the first prediction (shader compilation, WASM warm-up) and, after warm-up, single predictions.

Shared machines drift, so the models are interleaved: each round visits every model once per backend, in
an order rotated each round, and the samples of all rounds are pooled. Compare models by the ratios of
their medians measured in the same run, never by absolute milliseconds across runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.report import percentile

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("wasm", "cpu")
WASM_BINARIES = ("tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm")
WARMUP = 10

# Runs inside the page: pick the backend, load the model as the page does, time predictions of one digit.
MEASURE_JS = """
async ({ backend, modelUrl, samples, warmup }) => {
  let started = performance.now();
  const tf = await import(new URL(backend === 'wasm' ? 'vendor/tfjs.js' : 'vendor/tfjs-cpu.js', location.href).href);
  const importMs = performance.now() - started;
  tf.enableProdMode();
  if (backend === 'wasm') tf.setWasmPaths(new URL('vendor/', location.href).href);
  started = performance.now();
  try {
    if (!(await tf.setBackend(backend))) return { available: false, error: `tf.setBackend('${backend}') failed` };
    await tf.ready();
  } catch (error) {
    return { available: false, error: String(error.message || error).split('\\n')[0] };
  }
  if (tf.getBackend() !== backend) return { available: false, error: `TF.js fell back to ${tf.getBackend()}` };
  const backendMs = performance.now() - started;
  // What "wasm" means here: SIMD, threads.
  let details = {};
  if (backend === 'wasm') {
    details = { simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), threads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') };
  }
  const { loadModel, predictBatch } = await import(new URL('js/model.js', location.href).href);
  started = performance.now();
  const { model, metadata } = await loadModel(tf, modelUrl);
  const loadMs = performance.now() - started;
  const shape = metadata.input.shape;
  // A plausible digit rather than a blank: a vertical bar of ink, a "1".
  const input = new Float32Array(shape[0] * shape[1] * shape[2]);
  for (let row = 4; row < 24; row++) for (let col = 12; col < 16; col++) input[row * shape[1] + col] = 1;
  started = performance.now();
  predictBatch(tf, model, input, shape);
  const firstMs = performance.now() - started;
  for (let i = 0; i < warmup; i++) predictBatch(tf, model, input, shape);
  const times = [];
  for (let i = 0; i < samples; i++) {
    started = performance.now();
    predictBatch(tf, model, input, shape);
    times.push(performance.now() - started);
  }
  return { available: true, details, importMs, backendMs, loadMs, firstMs, times };
}
"""


def bench_site(scratch: Path, model_dirs: dict[str, Path]) -> None:
    """A served directory with the page's js/, TF.js built for these models in vendor/, one model per
    models/<name>/, and a blank page."""
    (scratch / "js").symlink_to((ROOT / "site" / "js").resolve(), target_is_directory=True)
    for name, directory in model_dirs.items():
        (scratch / "models").mkdir(exist_ok=True)
        (scratch / "models" / name).symlink_to(Path(directory).resolve(), target_is_directory=True)
    vendor = scratch / "vendor"
    vendor.mkdir()
    arguments = [argument for directory in model_dirs.values() for argument in ("--model", str(directory))]
    result = subprocess.run(["node", str(ROOT / "tools" / "build_tfjs.mjs"), "--out", str(vendor), *arguments], capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise ValueError(f"tools/build_tfjs.mjs: {(result.stderr.strip().splitlines() or ['failed'])[-1]}")
    for name in WASM_BINARIES:
        shutil.copyfile(ROOT / "site" / "vendor" / name, vendor / name)
    (scratch / "bench.html").write_text("<!doctype html><meta charset='utf-8'><title>Inkwell latency</title>\n")


def measure_once(browser, base_url: str, model: str, backend: str, samples: int) -> dict:
    """One fresh page: load TF.js, start `backend`, load `model`, time `samples` predictions."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(base_url + "bench.html")
        arguments = {"backend": backend, "modelUrl": f"{base_url}models/{model}/", "samples": samples, "warmup": WARMUP}
        return page.evaluate(MEASURE_JS, arguments)
    finally:
        context.close()


def summarise(rounds: list[dict]) -> dict:
    """Pool one model's rounds on one backend: median load and first prediction, p50/p95 of all samples."""
    times = [time for measured in rounds for time in measured["times"]]
    return {
        "load_ms": percentile([measured["loadMs"] for measured in rounds], 50),
        "first_prediction_ms": percentile([measured["firstMs"] for measured in rounds], 50),
        "backend_start_ms": percentile([measured["backendMs"] for measured in rounds], 50),
        "p50_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
        "samples": len(times),
        "rounds": len(rounds),
    }


def measure_latency(model_dirs: dict[str, Path], samples: int = 200, rounds: int = 4, backends=BACKENDS) -> dict:
    """Latency per backend and model, interleaved by rounds; see the module docstring."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch_chromium, serve

    names = list(model_dirs)
    per_round = max(1, samples // rounds)
    raw: dict[str, dict[str, list[dict]]] = {backend: {name: [] for name in names} for backend in backends}
    unavailable: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="inkwell-latency-") as scratch, sync_playwright() as playwright:
        bench_site(Path(scratch), model_dirs)
        browser = launch_chromium(playwright)
        chromium_version = browser.version
        try:
            with serve(Path(scratch)) as base_url:
                for round_index in range(rounds):
                    order = names[round_index % len(names) :] + names[: round_index % len(names)]
                    for name in order:
                        for backend in backends:
                            if backend in unavailable:
                                continue
                            measured = measure_once(browser, base_url, name, backend, per_round)
                            if not measured["available"]:
                                unavailable[backend] = measured["error"]
                                continue
                            raw[backend][name].append(measured)
                    print(f"  latency round {round_index + 1}/{rounds} done", flush=True)
        finally:
            browser.close()
    results = {}
    for backend in backends:
        if backend in unavailable:
            results[backend] = {"available": False, "error": unavailable[backend]}
        else:
            first = next(rounds_of[0] for rounds_of in raw[backend].values() if rounds_of)
            results[backend] = {"available": True, "details": first["details"], "models": {name: summarise(raw[backend][name]) for name in names}}
    return {"chromium": chromium_version, "backends": results, "samples_per_model": per_round * rounds, "rounds": rounds}


def ratios(latency: dict, reference: str = "default") -> dict:
    """p50 of the reference model over each other model's p50, per available backend (< 1: reference faster)."""
    out = {}
    for backend, measured in latency["backends"].items():
        if not measured["available"] or reference not in measured["models"]:
            continue
        base = measured["models"][reference]["p50_ms"]
        out[backend] = {
            name: (base / values["p50_ms"] if values["p50_ms"] > 0 else None)
            for name, values in measured["models"].items()
            if name != reference
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Latency of converted models in headless Chromium, per backend.")
    parser.add_argument("--model", action="append", required=True, help="NAME=DIRECTORY of a converted model (repeat)")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args(argv)
    model_dirs = {}
    for item in args.model:
        name, _, directory = item.partition("=")
        if not (Path(directory) / "metadata.json").is_file():
            print(f"error: --model {item}: expected NAME=DIRECTORY with a converted model (metadata.json)")
            return 1
        model_dirs[name] = Path(directory)
    print(json.dumps(measure_latency(model_dirs, args.samples, args.rounds), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
