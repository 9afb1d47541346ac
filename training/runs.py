"""A training run's folder: its files written, the folder put in place, runs/<model>/latest pointed at it.

training/train.py's train() builds a run in a staging folder of its own (training/files.py) and fills it with
write_run: model.h5 (tf_keras, without its optimizer), config.json (the resolved TrainConfig), history.json,
metrics.json, and fonts.json for letters on fonts. put_in_place renames the complete run to its --out;
main() then links runs/<model>/latest to it (link_latest), after check_latest has refused, before any
training, a `latest` that is not the link training keeps there. Each failure is a RunError, one line naming
the folder and the remedy.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from training.files import move_into_place
from training.quiet import import_tensorflow

tf = import_tensorflow()

if TYPE_CHECKING:
    from training.fitting import ProgressAndBest
    from training.train import TrainConfig


class RunError(Exception):
    """The run cannot be written where asked, or put in place; the message is one line naming the folder and
    the remedy."""


class EvaluationError(RunError):
    """The run trained and is in place (`run_dir`), but its evaluation failed; the message says how to
    evaluate it once the cause is mended."""

    def __init__(self, message: str, run_dir: Path):
        super().__init__(message)
        self.run_dir = run_dir


def evaluate_command(run_dir: Path, config: TrainConfig) -> str:
    """The command that evaluates `run_dir` as train() would have."""
    return f"python -m training.evaluate {run_dir}" + (f" --data-dir {config.data_dir}" if config.data_dir else "")


def write_run(staging: Path, config: TrainConfig, model, history, progress: ProgressAndBest, minutes: float, manifest: dict | None) -> None:
    """Write the trained run's files into its staging folder: model.h5, config.json, history.json, fonts.json
    (letters on fonts, `manifest`) and metrics.json."""
    metrics = {
        "model": config.model,
        "parameters": int(model.count_params()),
        "best_epoch": config.epochs if config.refit else progress.best_epoch,
        "validation_accuracy": None if config.refit else float(progress.best_accuracy),
        "training_minutes": round(minutes, 2),
        "tensorflow": tf.__version__,
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    model.save(staging / "model.h5", include_optimizer=False)
    (staging / "config.json").write_text(json.dumps(dataclasses.asdict(config), indent=2) + "\n")
    (staging / "history.json").write_text(
        json.dumps({key: [float(v) for v in values] for key, values in history.history.items()}, indent=2) + "\n"
    )
    if manifest is not None:
        (staging / "fonts.json").write_text(json.dumps(manifest, indent=2) + "\n")
        metrics["font_manifest_digest"] = manifest["digest"]
    (staging / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")


def put_in_place(staging: Path, out_dir: Path) -> None:
    """Rename the complete run into place; if `out_dir` appeared during the training (another run given the
    same --out), leave both as they are and name the staging folder that holds this run."""
    try:
        move_into_place(staging, out_dir)
    except OSError:
        raise RunError(f"{out_dir}: appeared while this run trained; this run is kept complete in {staging}: rename it to a free name") from None


def check_latest(model_runs: Path) -> None:
    """Refuse, before training, a runs/<model>/latest that link_latest could not replace: a real folder or
    file, not the link training keeps there (a user's copy of a run, say)."""
    latest = model_runs / "latest"
    if latest.exists() and not latest.is_symlink():
        kind = "folder" if latest.is_dir() else "file"
        raise RunError(f"{latest}: a real {kind}, not the link to the newest run that training keeps there; move it away, or pass --out to train without linking it")


def link_latest(run_dir: Path) -> None:
    """Point runs/<model>/latest at `run_dir` (replacing the link atomically, through a link of a name of its
    own, so that two trainings finishing at once do not remove each other's)."""
    latest = run_dir.parent / "latest"
    temporary = run_dir.parent / f".latest.{uuid.uuid4().hex[:12]}.tmp"
    temporary.symlink_to(run_dir.name)
    try:
        temporary.replace(latest)
    except OSError as error:
        temporary.unlink()
        raise RunError(f"{latest}: cannot point it at {run_dir.name} ({error.strerror or error}); the run is complete in {run_dir}: move {latest} away and link it yourself") from None
