"""A short training run on a few hundred digits: the loss falls and the run directory is complete."""

import json

import numpy as np
import pytest

from training.evaluate import evaluate
from training.augment import augment_batch
from training.train import TrainConfig, train


@pytest.mark.slow
def test_short_training_run_learns_and_writes_a_complete_run(tmp_path):
    config = TrainConfig(model="seed001", epochs=3, batch_size=32, train_limit=800, learning_rate=3e-3, seed=3)
    run_dir = train(config, tmp_path / "run", evaluate_after=False)
    history = json.loads((run_dir / "history.json").read_text())
    assert history["loss"][-1] < history["loss"][0]
    assert json.loads((run_dir / "config.json").read_text()) == {**config.__dict__}
    metrics = evaluate(run_dir, robustness_digits=100)
    # 640 digits and 3 epochs is far from a good model, but far better than chance (10 %).
    assert metrics["test_accuracy"] > 0.5
    for name in ("model.h5", "config.json", "history.json", "metrics.json", "report.md", "curves.png", "confusion.png", "misclassified.png"):
        assert (run_dir / name).is_file(), name
    assert not list(tmp_path.glob(".*partial"))
    assert np.array(metrics["confusion_matrix"]).sum() == 10_000


def test_existing_run_directory_is_refused(tmp_path):
    (tmp_path / "run").mkdir()
    with pytest.raises(FileExistsError, match="already exists"):
        train(TrainConfig(epochs=1, train_limit=100), tmp_path / "run")


def test_augmentation_keeps_shape_range_and_ink():
    images = np.zeros((8, 28, 28, 1), np.float32)
    images[:, 8:20, 12:16] = 1.0
    augmented = augment_batch(images, TrainConfig()).numpy()
    assert augmented.shape == images.shape
    assert augmented.min() >= 0 and augmented.max() <= 1
    assert np.all(augmented.sum(axis=(1, 2, 3)) > 0.3 * images.sum(axis=(1, 2, 3)))
    assert not np.allclose(augmented, images)
