"""python -m training.augment --out augmented.png  — show MNIST digits as the training pipeline augments them.

On-the-fly augmentation for a batch of (28, 28, 1) images in TensorFlow ops, the way people's drawings
vary: rotation, scale, shear and shift (one affine map), elastic distortion (Simard et al. 2003), all
applied in a single bilinear resampling, then stroke thickness (a 2x2 max or min filter). The ranges are
fields of training.train.TrainConfig.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402

from training.files import atomic_path  # noqa: E402

if TYPE_CHECKING:
    from training.train import TrainConfig

def gaussian_kernel(sigma: float) -> np.ndarray:
    radius = int(np.ceil(3 * sigma))
    x = np.arange(-radius, radius + 1, dtype=np.float32)
    kernel = np.exp(-(x**2) / (2 * sigma**2))
    return kernel / kernel.sum()


def bilinear_sample(images: tf.Tensor, rows: tf.Tensor, cols: tf.Tensor) -> tf.Tensor:
    """Sample images (B, H, W, 1) at float coordinates (B, H, W); outside the image is paper (0)."""
    size = tf.shape(images)[1]
    padded = tf.pad(images[..., 0], [[0, 0], [1, 1], [1, 1]])
    rows = tf.clip_by_value(rows + 1.0, 0.0, tf.cast(size, tf.float32) + 1.0)
    cols = tf.clip_by_value(cols + 1.0, 0.0, tf.cast(size, tf.float32) + 1.0)
    row0 = tf.floor(rows)
    col0 = tf.floor(cols)
    weight_row = rows - row0
    weight_col = cols - col0
    limit = size + 1
    row0 = tf.clip_by_value(tf.cast(row0, tf.int32), 0, limit)
    col0 = tf.clip_by_value(tf.cast(col0, tf.int32), 0, limit)
    row1 = tf.minimum(row0 + 1, limit)
    col1 = tf.minimum(col0 + 1, limit)

    def at(r, c):
        return tf.gather_nd(padded, tf.stack([r, c], axis=-1), batch_dims=1)

    top = at(row0, col0) * (1 - weight_col) + at(row0, col1) * weight_col
    bottom = at(row1, col0) * (1 - weight_col) + at(row1, col1) * weight_col
    return (top * (1 - weight_row) + bottom * weight_row)[..., None]


def augment_batch(images: tf.Tensor, config: TrainConfig) -> tf.Tensor:
    """Random affine + elastic warp (one resampling) and stroke thickness, for a batch (B, 28, 28, 1)."""
    batch = tf.shape(images)[0]
    size = images.shape[1]
    centre = (size - 1) / 2.0
    angle = tf.random.uniform([batch], -1.0, 1.0) * np.deg2rad(config.rotation_degrees)
    scale = 1.0 + tf.random.uniform([batch], -1.0, 1.0) * config.scale_range
    shear = tf.random.uniform([batch], -1.0, 1.0) * config.shear
    shift = tf.random.uniform([batch, 2], -1.0, 1.0) * config.shift_pixels
    # Inverse map: for each output pixel, where to read in the input.
    grid_rows, grid_cols = tf.meshgrid(tf.range(size, dtype=tf.float32), tf.range(size, dtype=tf.float32), indexing="ij")
    y = grid_rows[None] - centre - shift[:, 0, None, None]
    x = grid_cols[None] - centre - shift[:, 1, None, None]
    cos, sin = tf.cos(angle)[:, None, None], tf.sin(angle)[:, None, None]
    inverse_scale = (1.0 / scale)[:, None, None]
    source_x = (cos * x + sin * y) * inverse_scale
    source_y = (-sin * x + cos * y) * inverse_scale
    source_x = source_x - shear[:, None, None] * source_y
    # Elastic distortion: a smoothed random displacement field (Simard et al. 2003), on half the batch.
    kernel = gaussian_kernel(config.elastic_sigma)
    noise = tf.random.uniform([batch, size, size, 2], -1.0, 1.0)
    horizontal = tf.constant(kernel.reshape(1, -1, 1, 1) * np.ones((1, 1, 2, 1), np.float32))
    vertical = tf.constant(kernel.reshape(-1, 1, 1, 1) * np.ones((1, 1, 2, 1), np.float32))
    field = tf.nn.depthwise_conv2d(noise, horizontal, [1, 1, 1, 1], "SAME")
    field = tf.nn.depthwise_conv2d(field, vertical, [1, 1, 1, 1], "SAME")
    field = field / (tf.reduce_max(tf.abs(field), axis=[1, 2, 3], keepdims=True) + 1e-6) * config.elastic_alpha
    use_elastic = tf.cast(tf.random.uniform([batch, 1, 1, 1]) < config.elastic_probability, tf.float32)
    field = field * use_elastic
    warped = bilinear_sample(images, source_y + centre + field[..., 0], source_x + centre + field[..., 1])
    # Stroke thickness: a 2x2 max (bolder) or min (thinner) filter, averaged back with the original.
    dilated = tf.nn.max_pool2d(warped, 2, 1, "SAME")
    eroded = -tf.nn.max_pool2d(-warped, 2, 1, "SAME")
    choice = tf.random.uniform([batch, 1, 1, 1])
    half = config.thickness_probability / 2
    warped = tf.where(choice < half, dilated, tf.where(choice < 2 * half, eroded, warped))
    return tf.clip_by_value(warped, 0.0, 1.0)


def main(argv: list[str] | None = None) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from training.data import DataError, load_mnist
    from training.train import TrainConfig

    parser = argparse.ArgumentParser(description="Save a sheet of MNIST digits and augmented copies.")
    parser.add_argument("--count", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("augmented.png"))
    args = parser.parse_args(argv)
    try:
        images = load_mnist("train").images[: args.count]
    except (DataError, ValueError) as error:
        print(f"error: {error}")
        return 1
    tf.random.set_seed(args.seed)
    augmented = augment_batch(tf.constant(images[..., None] / 255.0, tf.float32), TrainConfig()).numpy()
    figure, axes = plt.subplots(2, args.count, figsize=(args.count, 2.2))
    for index in range(args.count):
        axes[0, index].imshow(images[index], cmap="gray_r")
        axes[1, index].imshow(augmented[index, ..., 0], cmap="gray_r")
        axes[0, index].axis("off")
        axes[1, index].axis("off")
    figure.tight_layout()
    with atomic_path(args.out) as temporary:
        figure.savefig(temporary, dpi=90)
    print(f"wrote {args.out} (top: as published; bottom: augmented)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
