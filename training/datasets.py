"""The input pipelines of a training run: which examples it sees each epoch, and in what order.

training/train.py's fit() takes its tf.data pipelines from make_datasets(config). Digits: MNIST's training
digits minus a validation split (the last `validation_size`, never trained on), mixed with the same digits
re-drawn as on the page (training/drawing.py, cached in runs/cache/ by canvas_redraws) and, with
--handwriting-fraction, digits in the styles MNIST lacks (training/digit_styles.py). Letters: the arrays
training/letters.py prepares. pipelines() turns either into shuffled, augmented batches (training/augment.py);
every random draw is seeded from the config, so a run's batches are the same each time it is trained.
check_test_data reads, before any training, the test set the run's evaluation will need.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from training.quiet import import_tensorflow

tf = import_tensorflow()

from training.augment import augment_batch  # noqa: E402
from training.data import check_mnist_files, load_mnist  # noqa: E402
from training.drawing import training_redraws  # noqa: E402
from training.files import atomic_path  # noqa: E402
from training.parallel import parallel_map  # noqa: E402

if TYPE_CHECKING:
    from training.train import TrainConfig

HANDWRITING_COUNT = 20_000  # Drawings in the pool handwriting_fraction draws from (training/digit_styles.py).
MISSING_COUNT = 5_000  # Drawings in the smaller pool of the missing styles alone (handwriting_pool "missing").
LETTER_MODELS = ("letters",)  # Models of the letters task (training/letters.py); the others read digits.

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / "runs" / "cache"


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


def pool_names() -> list[str]:
    """The handwriting pools (training/digit_styles.py POOLS), imported only when a pool is named."""
    from training.digit_styles import POOLS

    return list(POOLS)


def check_test_data(config: TrainConfig) -> None:
    """Refuse, before any training, a run whose evaluation could not read its test set: the MNIST t10k files
    (or EMNIST letters' test files) in --data-dir or the npm package. They are read and checked here (a
    fraction of a second) and thrown away; the test set still decides nothing about the training. (Letters on
    fonts need no check here: train() takes the font manifest first, which checks every family's files, the
    test families' included.)"""
    if config.model not in LETTER_MODELS:
        check_mnist_files(config.data_dir or None)  # the training files too: every missing file named at once
        load_mnist("test", config.data_dir or None)
    elif config.data_dir:
        from training.data import EMNIST_REMEDY, emnist_files, require_files
        from training.letters import EMNIST_PREFIX, load_emnist_letters

        require_files(Path(config.data_dir), emnist_files(EMNIST_PREFIX), EMNIST_REMEDY)
        load_emnist_letters(config.data_dir, "test")
