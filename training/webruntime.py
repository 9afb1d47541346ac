"""python -m training.webruntime site/models/digits  — run the page's JavaScript from Python, in Node.

Four bridges, used by convert.py, the parity tests and the benchmarks, so that what is measured is what
the page computes:
- `run_tfjs`: the converted model in TensorFlow.js 4.22.0 (cpu or wasm backend), loaded through the
  page's own site/js/model.js (tools/tfjs_predict.mjs), either in the npm package (any model) or in the very
  bundle the page imports (site/vendor/, built for the shipped models);
- `run_js_segment`: the page's site/js/preprocess.js on RGBA canvases (tools/preprocess_cli.mjs);
- `run_js_read`: the page's site/js/recognise.js from boxes and probabilities to labels (tools/read_cli.mjs);
- `run_page_read`: the page's whole reading of drawings, from RGBA canvases to texts (tools/tfjs_predict.mjs).
And `link_site`, for the browser measurements: the page's own code served beside another model.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TFJS_PREDICT = ROOT / "tools" / "tfjs_predict.mjs"
PREPROCESS_CLI = ROOT / "tools" / "preprocess_cli.mjs"
READ_CLI = ROOT / "tools" / "read_cli.mjs"


def link_site(directory: Path, models: dict[str, Path]) -> None:
    """Make `directory` servable like site/: js/ and vendor/ linked from site/ (nothing copied), and each
    model directory linked at its path, e.g. {"model": float32_export} or {"models/seed001": ...}."""
    for name, target in {"js": ROOT / "site" / "js", "vendor": ROOT / "site" / "vendor", **models}.items():
        link = Path(directory) / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(Path(target).resolve(), target_is_directory=True)


class WebRuntimeError(Exception):
    """The JavaScript side failed; the message is its one-line error."""


def run_node(script: Path, arguments: list[str], what: str) -> str:
    """Run a Node script from the repository root; return its last stdout line or raise its one-line error."""
    try:
        result = subprocess.run(["node", str(script), *arguments], capture_output=True, text=True, cwd=ROOT, timeout=3600)
    except FileNotFoundError as error:
        raise WebRuntimeError("node is not installed; the TF.js side needs Node.js 20 (make setup)") from error
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["no output"])[-1].removeprefix("error: ")
        raise WebRuntimeError(f"{what}: {message}")
    return result.stdout.strip().splitlines()[-1]


def run_tfjs(model_dir: Path, inputs: np.ndarray | None = None, backend: str = "wasm", runtime: str = "npm") -> tuple[np.ndarray | None, dict]:
    """Predict float32 inputs (n, 28, 28[, 1]) with TF.js in Node; returns (probabilities (n, 10), summary).

    runtime "npm" is @tensorflow/tfjs from node_modules (every layer and kernel); "page" is what the page
    imports, site/vendor/tfjs.js (wasm) or tfjs-cpu.js (cpu), which runs the shipped models only.
    """
    with tempfile.TemporaryDirectory() as scratch:
        arguments = ["--model", f"{model_dir}/", "--backend", backend, "--runtime", runtime]
        if inputs is not None:
            inputs_path = Path(scratch) / "inputs.f32"
            np.ascontiguousarray(inputs, dtype="<f4").tofile(inputs_path)
            arguments += ["--inputs", str(inputs_path), "--out", str(Path(scratch) / "outputs.f32")]
        summary = json.loads(run_node(TFJS_PREDICT, arguments, f"TF.js cannot run {model_dir}"))
        outputs = None
        if inputs is not None:
            outputs = np.fromfile(Path(scratch) / "outputs.f32", dtype="<f4").reshape(len(inputs), -1)
    return outputs, summary


def canvas_arguments(canvases: np.ndarray, scratch: Path) -> list[str]:
    """RGBA canvases (n, H, W, 4) uint8 written raw into `scratch` for tools/canvases.mjs, and the arguments naming them."""
    canvases = np.ascontiguousarray(canvases, dtype=np.uint8)
    _, height, width, _ = canvases.shape
    canvases.tofile(scratch / "canvases.rgba")
    return ["--canvases", str(scratch / "canvases.rgba"), "--width", str(width), "--height", str(height)]


def run_page_read(model_dir: Path, canvases: np.ndarray, backend: str = "wasm", groups: list | None = None, lines: list | None = None) -> list[str]:
    """What the page reads in each RGBA canvas (n, H, W, 4) uint8: site/js/recognise.js's split and classify
    (segmentation, the model in TF.js, joined digits cut, the line rules), with the model of `model_dir`; `groups`:
    each canvas's stroke groups (training/strokes.py `stroke_groups`), as the pad gives them, where strokes drew it;
    `lines`: each canvas's lines drawn apart (RGBA canvases, strokes.py `digits_page`), or None."""
    if lines is not None:
        extra = [line for found in lines for line in found or ()]
        at = iter(range(len(canvases), len(canvases) + len(extra)))
        indices = [None if found is None else [next(at) for _ in found] for found in lines]
        canvases = np.concatenate([np.asarray(canvases), np.asarray(extra).reshape(-1, *np.shape(canvases)[1:])]) if extra else canvases
        groups = None if groups is None else list(groups) + [[]] * len(extra)
    with tempfile.TemporaryDirectory() as scratch:
        arguments = ["--model", f"{model_dir}/", "--backend", backend, *canvas_arguments(canvases, Path(scratch))]
        if lines is not None:
            (Path(scratch) / "lines.json").write_text(json.dumps(indices))
            arguments += ["--lines", str(Path(scratch) / "lines.json")]
        if groups is not None:
            (Path(scratch) / "groups.json").write_text(json.dumps([[list(box) for box in canvas] for canvas in groups]))
            arguments += ["--groups", str(Path(scratch) / "groups.json")]
        arguments += ["--out", str(Path(scratch) / "texts.json")]
        run_node(TFJS_PREDICT, arguments, f"the page cannot read with {model_dir}")
        return json.loads((Path(scratch) / "texts.json").read_text())


def run_js_segment(canvases: np.ndarray, metadata: Path | None = None) -> list[list[tuple[tuple[int, int, int, int], np.ndarray]]]:
    """site/js/preprocess.js `segment` on RGBA canvases (n, H, W, 4) uint8.

    Returns, per canvas, its characters left to right as ((top, left, bottom, right), input float32 (784,)).
    """
    with tempfile.TemporaryDirectory() as scratch:
        arguments = canvas_arguments(canvases, Path(scratch))
        arguments += ["--out", str(Path(scratch) / "inputs.f32")] + (["--metadata", str(metadata)] if metadata else [])
        boxes = json.loads(run_node(PREPROCESS_CLI, arguments, "preprocess.js failed"))
        inputs = np.fromfile(Path(scratch) / "inputs.f32", dtype="<f4").reshape(-1, 784)
    results, position = [], 0
    for canvas_boxes in boxes:
        results.append([(tuple(box), inputs[position + index]) for index, box in enumerate(canvas_boxes)])
        position += len(canvas_boxes)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load a converted model in TF.js (Node) and report how it went.")
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--backend", default="wasm", choices=["cpu", "wasm"])
    parser.add_argument("--runtime", default="npm", choices=["npm", "page"], help="npm: @tensorflow/tfjs; page: site/vendor/")
    args = parser.parse_args(argv)
    try:
        _, summary = run_tfjs(args.model_dir, None, args.backend, args.runtime)
    except WebRuntimeError as error:
        print(f"error: {error}")
        return 1
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def run_js_read(
    drawings: list[tuple[list[tuple[int, int, int, int]], np.ndarray]],
    metadata: Path,
    features: list[np.ndarray] | None = None,
    taught: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[str]:
    """site/js/recognise.js's labelling (metadata.json's shortLetters, caseByHeight and corrections included) of drawings
    already segmented and classified: each drawing its boxes (top, left, bottom, right) and probabilities
    (characters, labels); with `taught` (features (m, d) and label indices (m,) of drawings the user taught),
    also each drawing's features (characters, d). Returns each drawing's text."""
    payload = [
        [
            {
                "box": dict(zip(("top", "left", "bottom", "right"), map(int, box))),
                "probabilities": [float(p) for p in row],
                **({"features": [float(f) for f in features[index][position]]} if features is not None else {}),
            }
            for position, (box, row) in enumerate(zip(boxes, probabilities))
        ]
        for index, (boxes, probabilities) in enumerate(drawings)
    ]
    taught_payload = [] if taught is None else [{"label": int(label), "features": [float(f) for f in row]} for row, label in zip(*taught)]
    with tempfile.TemporaryDirectory() as scratch:
        path, taught_path = Path(scratch) / "drawings.json", Path(scratch) / "taught.json"
        path.write_text(json.dumps(payload))
        taught_path.write_text(json.dumps(taught_payload))
        arguments = ["--drawings", str(path), "--metadata", str(metadata), "--taught", str(taught_path)]
        return ["".join(labels) for labels in json.loads(run_node(READ_CLI, arguments, "recognise.js failed"))]
