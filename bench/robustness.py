"""python -m bench.robustness --count 1000 --model-dir site/models/digits  — accuracy on page-like drawings.

The first `count` MNIST test digits are re-drawn as a person would on the page (training/drawing.py, one
random generator with a fixed seed, so the first 1,000 canvases of a 10,000 run are the 1,000 of a quick
run), segmented by the page's own site/js/preprocess.js in Node, and the characters are predicted by TF.js
(Node, wasm backend) with each model. A canvas counts as correct when the page finds exactly one character
on it and the model names the label. Every model sees the same canvases; the segmentation is computed once
and cached in bench/.cache/, keyed by the code that produces it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.files import atomic_path

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / "bench" / ".cache"
SEED = 20260101
CHUNK = 500  # Canvases drawn and segmented at a time: 500 x 280 x 280 x 4 bytes is about 160 MB.
# The segmentation depends on these files; a change to any of them invalidates the cache.
SOURCES = ("training/drawing.py", "training/preprocess.py", "site/js/preprocess.js", "tools/preprocess_cli.mjs", "tools/canvases.mjs")


@dataclass(frozen=True)
class Segmented:
    """The page's view of the canvases: characters found per canvas, and the input of each single one."""

    labels: np.ndarray  # (count,) the digit drawn on each canvas
    characters: np.ndarray  # (count,) how many characters preprocess.js found on each canvas
    inputs: np.ndarray  # (single, 784) float32, for the canvases where exactly one character was found


def cache_path(count: int, seed: int, metadata: Path | None = None, cache_dir: Path = CACHE_DIR, spec=None) -> Path:
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update((ROOT / name).read_bytes())
    if spec is not None:  # Another simulation than DrawSpec's defaults (e.g. skeleton-only re-drawing).
        digest.update(repr(spec).encode())
    if metadata is not None:  # Its "preprocess" section configures preprocess.js.
        digest.update(json.dumps(json.loads(Path(metadata).read_text()).get("preprocess"), sort_keys=True).encode())
    return cache_dir / f"robustness-{count}-seed{seed}-{digest.hexdigest()[:12]}.npz"


def segment_drawings(count: int, seed: int = SEED, metadata: Path | None = None, cache_dir: Path = CACHE_DIR, spec=None) -> Segmented:
    """Draw the first `count` test digits on canvases and segment them with preprocess.js (cached).

    `spec`: a training.drawing.DrawSpec other than the default, or None for the default.
    """
    path = cache_path(count, seed, metadata, cache_dir, spec)
    if path.is_file():
        with np.load(path) as saved:
            return Segmented(saved["labels"], saved["characters"], saved["inputs"])
    from training.data import load_mnist
    from training.drawing import DrawSpec, draw_on_canvas
    from training.webruntime import run_js_segment

    test = load_mnist("test")
    if not 0 < count <= len(test.labels):
        raise ValueError(f"--count {count}: choose 1 to {len(test.labels):,} (the MNIST test set)")
    started = time.time()
    rng = np.random.default_rng(seed)  # One generator across chunks: the canvases do not depend on CHUNK.
    characters, inputs = [], []
    for start in range(0, count, CHUNK):
        images = test.images[start : min(count, start + CHUNK)]
        canvases = np.stack([draw_on_canvas(image, rng, spec or DrawSpec()) for image in images])
        for found in run_js_segment(canvases, metadata):
            characters.append(len(found))
            if len(found) == 1:
                inputs.append(found[0][1])
        print(f"  drew and segmented {min(count, start + CHUNK):,}/{count:,} canvases ({time.time() - started:.0f} s)", flush=True)
    result = Segmented(test.labels[:count].copy(), np.asarray(characters, np.int32), np.asarray(inputs, np.float32).reshape(-1, 784))
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:
        np.savez_compressed(temporary, labels=result.labels, characters=result.characters, inputs=result.inputs)
    return result


def correct_per_canvas(segmented: Segmented, model_dir: Path) -> np.ndarray:
    """Boolean (count,): exactly one character found and TF.js (Node, wasm) predicts the drawn digit."""
    from training.webruntime import run_tfjs

    single = segmented.characters == 1
    correct = np.zeros(len(segmented.labels), dtype=bool)
    if single.any():
        probabilities, _ = run_tfjs(model_dir, segmented.inputs.reshape(-1, 28, 28, 1), backend="wasm")
        correct[single] = probabilities.argmax(axis=1) == segmented.labels[single]
    return correct


def summarise(segmented: Segmented, correct: np.ndarray) -> dict:
    count = len(segmented.labels)
    return {
        "accuracy": float(correct.mean()),
        "correct": int(correct.sum()),
        "canvases": count,
        "single_character": int(np.sum(segmented.characters == 1)),
        "no_character": int(np.sum(segmented.characters == 0)),
        "several_characters": int(np.sum(segmented.characters > 1)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Accuracy of a converted model on page-like drawings of MNIST test digits.")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--model-dir", type=Path, default=CACHE_DIR / "default" / "uint8")
    parser.add_argument("--blob-factor", type=float, default=None, help="training/drawing.py's DrawSpec.blob_factor; 0 re-draws along the skeleton only (the simulation before blobs were kept)")
    args = parser.parse_args(argv)
    from training.drawing import DrawSpec
    from training.webruntime import WebRuntimeError

    spec = None if args.blob_factor is None else DrawSpec(blob_factor=args.blob_factor)
    try:
        segmented = segment_drawings(args.count, args.seed, spec=spec)
        print(summarise(segmented, correct_per_canvas(segmented, args.model_dir)))
    except (ValueError, WebRuntimeError) as error:
        print(f"error: {error}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
