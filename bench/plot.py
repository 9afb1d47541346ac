"""python -m bench.report bench/results.json  — redraws this plot (and results.md) from saved results.

Accuracy against weight bytes on a log scale, float32 and uint8 for each model: MNIST test accuracy in
TF.js on the left, accuracy on page-like drawings (uint8, the shipped quantisation) on the right.
"""

from __future__ import annotations

import io
from pathlib import Path

from training.files import write_atomic


def plot(models: dict, path: Path) -> None:
    """TF.js test accuracy and page-drawing robustness against weight bytes (log scale), both dtypes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, entry in models.items():
        if entry.get("status") != "ok":
            continue
        sizes = [entry["weight_bytes"][dtype] for dtype in ("float32", "uint8")]
        accuracy = [100 * entry["tfjs_test_accuracy"][dtype] for dtype in ("float32", "uint8")]
        (line,) = left.plot(sizes, accuracy, "-", alpha=0.5)
        left.plot(sizes[0], accuracy[0], "o", color=line.get_color(), label=f"{name} float32")
        left.plot(sizes[1], accuracy[1], "s", color=line.get_color(), label=f"{name} uint8")
        left.annotate(name, (sizes[1], accuracy[1]), textcoords="offset points", xytext=(5, 4), fontsize=8)
        if "robustness" in entry:
            right.plot(sizes[1], 100 * entry["robustness"]["accuracy"], "s", color=line.get_color(), label=f"{name} uint8")
            right.annotate(name, (sizes[1], 100 * entry["robustness"]["accuracy"]), textcoords="offset points", xytext=(5, 4), fontsize=8)
    left.set(xscale="log", xlabel="weight bytes (log scale)", ylabel="%", title="MNIST test accuracy in TF.js")
    right.set(xscale="log", xlabel="uint8 weight bytes (log scale)", ylabel="%", title="Page drawings, uint8 in TF.js")
    for axis in (left, right):
        axis.grid(alpha=0.3, which="both")
        axis.legend(fontsize=7)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    write_atomic(path, buffer.getvalue())

