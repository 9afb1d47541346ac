"""What model.fit is given: the loss, metric, schedule and callback, and the weights a run starts from or learns from.

training/train.py's fit() compiles the model with smoothed_crossentropy (label smoothing) and a WarmupCosine
schedule, trains it with ProgressAndBest (one line an epoch, the best epoch's weights kept) and, with
--teacher, maps each batch's labels to teacher_targets (distillation), read by label_accuracy. --init-from
and --teacher name model.h5 files or run directories (init_weights_path); check_init_from refuses weights
of another model, and validate() checks --trainable-from against layer_names, before any data is prepared.
None of these is saved in a model.h5 (runs.write_run saves it without its optimizer or compile settings),
so a run's model loads without this module.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from training.quiet import import_tensorflow

tf = import_tensorflow()
import tf_keras as keras  # noqa: E402

from training.model import build_model  # noqa: E402

if TYPE_CHECKING:
    from training.train import TrainConfig


def is_target(labels, probabilities) -> bool:
    """Whether a batch's labels are probability targets (training with --teacher), not integer labels."""
    return labels.shape.rank == 2 and labels.shape[-1] == probabilities.shape[-1] != 1


def smoothed_crossentropy(smoothing: float):
    """Cross-entropy against integer labels with label smoothing (the pipeline keeps integer labels), or
    against the targets `teacher_targets` makes, which are already probabilities (training with --teacher)."""

    def loss(labels, probabilities):
        if is_target(labels, probabilities):
            return keras.losses.categorical_crossentropy(labels, probabilities)
        one_hot = tf.one_hot(tf.cast(tf.reshape(labels, [-1]), tf.int32), probabilities.shape[-1])
        return keras.losses.categorical_crossentropy(one_hot, probabilities, label_smoothing=smoothing)

    return loss


def label_accuracy(labels, probabilities):
    """Accuracy that reads integer labels or probability targets (their most probable label): with
    --teacher, training batches carry targets and validation batches labels."""
    if is_target(labels, probabilities):
        labels = tf.argmax(labels, axis=-1)
    labels = tf.cast(tf.reshape(labels, [-1]), tf.int64)
    return tf.cast(tf.equal(labels, tf.argmax(probabilities, axis=-1)), tf.float32)


label_accuracy.__name__ = "accuracy"  # The logs keep their names: accuracy, val_accuracy.


def teacher_targets(config: TrainConfig):
    """A tf.data map from (images, labels) to (images, targets): the smoothed labels mixed with the teachers'
    averaged probabilities on those very (augmented) images. The teachers are built as config.model and load
    their weights, so they must be runs of the same model; they never train."""
    teachers = []
    for part in config.teacher.split(","):
        teacher = build_model(config.model)
        teacher.load_weights(init_weights_path(part))
        teacher.trainable = False
        teachers.append(teacher)
    classes = int(teachers[0].output_shape[-1])

    def targets(images, labels):
        taught = tf.add_n([teacher(images, training=False) for teacher in teachers]) / len(teachers)
        smoothed = tf.one_hot(labels, classes) * (1 - config.label_smoothing) + config.label_smoothing / classes
        weight = tf.constant(config.distill_weight, tf.float32)
        if config.distill_agreeing:
            agree = tf.equal(tf.argmax(taught, axis=-1, output_type=tf.int32), tf.cast(labels, tf.int32))
            weight = tf.where(agree, weight, 0.0)[:, None]
        return images, (1 - weight) * smoothed + weight * taught

    return targets


class WarmupCosine(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up to the peak rate, then cosine decay to zero by the last step."""

    def __init__(self, peak: float, warmup_steps: int, total_steps: int):
        self.peak, self.warmup_steps, self.total_steps = peak, warmup_steps, total_steps

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        warmup = self.peak * (step + 1) / max(1, self.warmup_steps)
        progress = (step - self.warmup_steps) / max(1, self.total_steps - self.warmup_steps)
        cosine = 0.5 * self.peak * (1 + tf.cos(np.pi * tf.clip_by_value(progress, 0.0, 1.0)))
        return tf.where(step < self.warmup_steps, warmup, cosine)

    def get_config(self):
        return {"peak": self.peak, "warmup_steps": self.warmup_steps, "total_steps": self.total_steps}


class ProgressAndBest(keras.callbacks.Callback):
    """One readable line per epoch; keeps the weights of the best epoch by validation accuracy, unless told
    not to (a refit keeps its last epoch: its validation fonts are training fonts)."""

    def __init__(self, epochs: int, keep_best: bool = True):
        super().__init__()
        self.epochs = epochs
        self.keep_best = keep_best
        self.best_accuracy = -1.0
        self.best_epoch = 0
        self.best_weights = None
        self.started = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.time()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        accuracy = logs.get("val_accuracy", 0.0)
        marker = ""
        if self.keep_best and accuracy > self.best_accuracy:
            self.best_accuracy, self.best_epoch = accuracy, epoch + 1
            self.best_weights = self.model.get_weights()
            marker = "  *best"
        rate = float(keras.backend.get_value(self.model.optimizer.learning_rate))
        print(
            f"epoch {epoch + 1:>3}/{self.epochs}  loss {logs.get('loss', 0):.4f}  accuracy {100 * logs.get('accuracy', 0):6.2f}%"
            f"  val_loss {logs.get('val_loss', 0):.4f}  val_accuracy {100 * accuracy:6.2f}%  lr {rate:.1e}"
            f"  {time.time() - self.started:4.0f} s{marker}",
            flush=True,
        )


def layer_names(model: str) -> list[str]:
    """The names of the model's layers, in order (a throwaway model; the caller seeds generators after)."""
    names = [layer.name for layer in build_model(model).layers]
    keras.backend.clear_session()
    return names


def init_weights_path(init_from: str) -> Path:
    """The model.h5 that --init-from names: the file itself, or the one in the run directory it names."""
    path = Path(init_from)
    return path / "model.h5" if path.is_dir() else path


def check_init_from(config: TrainConfig) -> None:
    """Refuse an --init-from file that is not weights of config.model, in one line naming the file and the
    remedy, before any data is prepared (which takes minutes). Builds a throwaway model and then clears the
    Keras session; train() seeds every generator afterwards, so the run's random stream is unchanged."""
    path = init_weights_path(config.init_from)
    try:
        build_model(config.model).load_weights(path)
    except (ValueError, OSError) as error:
        raise ValueError(
            f"--init-from {config.init_from}: {path} is not weights of a {config.model!r} model ({str(error).splitlines()[0]}); "
            f"pass a run directory or model.h5 trained with --model {config.model}"
        ) from None
    finally:
        keras.backend.clear_session()
