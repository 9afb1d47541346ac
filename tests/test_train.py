"""A short training run on a few hundred digits: the loss falls and the run directory is complete."""

import errno
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from training.evaluate import evaluate
from training.augment import augment_batch
from training import datasets, fitting, runs
from training import train as train_module
from training.train import TrainConfig, train, validate


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


@pytest.mark.slow
def test_init_from_starts_from_the_given_weights(tmp_path):
    from training.model import build_model

    start = build_model("seed001")
    start.save(tmp_path / "model.h5", include_optimizer=False)
    # A learning rate too small to move a weight: the trained kernels are the ones it started from.
    config = TrainConfig(model="seed001", epochs=1, train_limit=100, learning_rate=1e-12, weight_decay=0, seed=5, init_from=str(tmp_path))
    run_dir = train(config, tmp_path / "run", evaluate_after=False)
    import tf_keras as keras

    trained = keras.models.load_model(run_dir / "model.h5", compile=False)
    pairs = [(before, after) for before, after in zip(start.layers, trained.layers) if "conv" in before.name or "dense" in before.name]
    assert len(pairs) == 6
    for before, after in pairs:
        np.testing.assert_allclose(after.get_weights()[0], before.get_weights()[0], atol=1e-6, err_msg=before.name)
    with pytest.raises(ValueError, match="--init-from .*not weights of a 'default' model"):
        train(TrainConfig(model="default", epochs=1, train_limit=100, init_from=str(tmp_path)), tmp_path / "other")


@pytest.mark.parametrize("kind", ["not a weights file", "another model's weights"])
def test_init_from_that_is_not_the_models_weights_is_one_line_before_any_data_is_prepared(tmp_path, capsys, no_data_preparation, kind):
    from training.model import build_model

    weights = tmp_path / "start" / "model.h5"
    weights.parent.mkdir()
    if kind == "not a weights file":
        weights.write_text("not weights")
    else:
        build_model("seed001").save(weights, include_optimizer=False)
    assert train_module.main(["--model", "default", "--init-from", str(weights.parent), "--out", str(tmp_path / "run")]) == 1
    error = capsys.readouterr().err
    assert len(error.splitlines()) == 1, error
    assert error.startswith(f"error: --init-from {weights.parent}: {weights} is not weights of a 'default' model ("), error
    assert error.rstrip().endswith("; pass a run directory or model.h5 trained with --model default"), error
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_checking_init_from_up_front_leaves_the_runs_random_stream_as_it_was(tmp_path, monkeypatch):
    from training.model import build_model

    build_model("seed001").save(tmp_path / "model.h5", include_optimizer=False)
    # A real learning rate, dropout and augmentation: every random draw of the run shows in the weights.
    config = TrainConfig(model="seed001", epochs=1, batch_size=32, train_limit=100, seed=5, init_from=str(tmp_path))
    checked = train(config, tmp_path / "checked", evaluate_after=False)
    monkeypatch.setattr(train_module, "check_init_from", lambda config: None)
    unchecked = train(config, tmp_path / "unchecked", evaluate_after=False)
    import tf_keras as keras

    before, after = (keras.models.load_model(run / "model.h5", compile=False).get_weights() for run in (unchecked, checked))
    assert not np.array_equal(before[0], keras.models.load_model(tmp_path / "model.h5", compile=False).get_weights()[0])
    for one, other in zip(before, after):
        np.testing.assert_array_equal(one, other)


@pytest.mark.slow
def test_trainable_from_keeps_every_layer_before_it_as_it_started(tmp_path):
    from training.model import build_model
    import tf_keras as keras

    start = build_model("default")
    start.save(tmp_path / "model.h5", include_optimizer=False)
    config = TrainConfig(model="default", epochs=1, batch_size=32, train_limit=100, seed=5, init_from=str(tmp_path), trainable_from="block3a_conv")
    trained = keras.models.load_model(train(config, tmp_path / "run", evaluate_after=False) / "model.h5", compile=False)
    names = [layer.name for layer in start.layers]
    for before, after in zip(start.layers, trained.layers):
        same = all(np.array_equal(x, y) for x, y in zip(before.get_weights(), after.get_weights()))
        # Before block3a: unchanged, batch-norm statistics included; block3a and the classifier: trained.
        assert same == (names.index(before.name) < names.index("block3a_conv") or not before.get_weights()), before.name


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


# Each bad value as a user would type it, and the words its one line must hold.
BAD_ARGUMENTS = [
    (["--batch-size", "0"], "--batch-size 0: must be at least 1"),
    (["--validation-size", "0"], "--validation-size 0: must be at least 1"),
    (["--epochs", "0"], "--epochs 0: must be at least 1"),
    (["--learning-rate", "-0.1"], "--learning-rate -0.1: must be above 0"),
    (["--learning-rate", "nan"], "--learning-rate nan: must be a finite number"),
    (["--warmup-epochs", "5", "--epochs", "2"], "--warmup-epochs 5.0: must be between 0 and --epochs"),
    (["--label-smoothing", "1"], "--label-smoothing 1.0: must be at least 0 and below 1"),
    (["--train-limit", "3"], "--train-limit 3: must be 0 (all digits) or at least 5"),
    (["--canvas-fraction", "1.5"], "--canvas-fraction 1.5: must be between 0 and 1"),
    (["--canvas-variants", "0"], "--canvas-variants 0: must be at least 1"),
    (["--handwriting-fraction", "1.5"], "--handwriting-fraction 1.5: must be between 0 and 1"),
    (["--model", "letters", "--handwriting-fraction", "0.1"], "--handwriting-fraction 0.1: must be between 0 and 1 (0 for letters models"),
    (["--handwriting-pool", "fonts"], "--handwriting-pool 'fonts': must be one of all, missing, missing-round-4"),
    (["--trainable-from", "block9"], "--trainable-from 'block9': must be a layer of the model (image, block1a_conv,"),
    (["--handwriting-font-weight", "2"], "--handwriting-font-weight 2: must be at least 1 (1 unless a letters model trains on fonts"),
    (["--model", "letters", "--handwriting-font-weight", "0"], "--handwriting-font-weight 0: must be at least 1"),
    (["--refit", "true"], "--refit True: must be false unless a letters model trains on fonts"),
    (["--scale-range", "1"], "--scale-range 1.0: must be at least 0 and below 1"),
    (["--thickness-probability", "-1"], "--thickness-probability -1.0: must be between 0 and 1"),
    (["--elastic-probability", "2"], "--elastic-probability 2.0: must be between 0 and 1"),
    (["--elastic-sigma", "0"], "--elastic-sigma 0.0: must be above 0"),
    (["--seed", "-1"], "--seed -1: must be at least 0"),
    (["--init-from", "/no/such/run"], "--init-from '/no/such/run': must be a model.h5 or a run directory holding one"),
    (["--data-dir", "/no/such/mnist"], "--data-dir '/no/such/mnist': must be an existing directory"),
    (["--teacher", "/no/such/run"], "--teacher '/no/such/run': must be model.h5 files or run directories holding one"),
    (["--distill-weight", "1.5"], "--distill-weight 1.5: must be between 0 and 1"),
    (["--distill-agreeing", "true"], "--distill-agreeing True: must be false unless there is a --teacher"),
]


@pytest.fixture
def no_data_preparation(monkeypatch):
    """Data preparation takes minutes; the arguments must be refused before it starts."""

    def refuse(config):
        raise AssertionError("data preparation started before the arguments were checked")

    # Where fit() looks it up (it is defined in training/datasets.py): a patch there would not reach fit().
    monkeypatch.setattr(train_module, "make_datasets", refuse)


@pytest.mark.parametrize(("arguments", "message"), BAD_ARGUMENTS, ids=[" ".join(arguments) for arguments, _ in BAD_ARGUMENTS])
def test_bad_argument_is_one_line_on_stderr_before_any_data_is_prepared(tmp_path, capsys, no_data_preparation, arguments, message):
    assert train_module.main([*arguments, "--out", str(tmp_path / "run")]) != 0
    captured = capsys.readouterr()
    assert len(captured.err.splitlines()) == 1 and captured.err.startswith(f"error: {message}"), captured.err
    assert not (tmp_path / "run").exists()


def test_every_bad_argument_is_named_at_once(tmp_path, capsys, no_data_preparation):
    assert train_module.main(["--batch-size", "0", "--epochs", "0", "--out", str(tmp_path / "run")]) != 0
    assert capsys.readouterr().err.splitlines() == ["error: --epochs 0: must be at least 1", "error: --batch-size 0: must be at least 1"]


def test_train_refuses_a_bad_config_from_python_too(tmp_path, no_data_preparation):
    with pytest.raises(ValueError, match=r"--validation-size 0: must be at least 1; --canvas-variants 0: must be at least 1"):
        train(TrainConfig(validation_size=0, canvas_variants=0), tmp_path / "run")
    with pytest.raises(ValueError, match=r"--batch-size 2.0: must be int"):
        train(TrainConfig(batch_size=2.0), tmp_path / "run")


def test_the_defaults_pass_and_every_field_has_a_rule():
    # A field added to TrainConfig without a rule in validate() makes this fail, naming the field.
    assert validate(TrainConfig()) == []


def test_a_mistyped_boolean_flag_is_refused(tmp_path, capsys, no_data_preparation):
    with pytest.raises(SystemExit):
        train_module.main(["--augment", "ture", "--out", str(tmp_path / "run")])
    assert "'ture' is not one of true, false" in capsys.readouterr().err


def test_handwriting_fraction_defaults_to_none_and_replaces_that_share_of_each_batch():
    # An older config.json (no such field) reads as before: no handwriting pool.
    assert TrainConfig().handwriting_fraction == 0
    plain = np.zeros((64, 28, 28), np.uint8)
    redraws = plain[:, None]
    labels = np.zeros(64, np.uint8)
    pool = (np.full((5, 28, 28), 255, np.uint8), np.full(5, 7, np.uint8))  # all ink, all sevens
    val = (np.zeros((4, 28, 28), np.uint8), np.zeros(4, np.uint8))

    def batches(fraction):
        config = TrainConfig(batch_size=64, augment=False, canvas_fraction=0.0, handwriting_fraction=fraction, seed=4)
        dataset = datasets.pipelines(config, plain, redraws, labels, *val, handwriting=pool if fraction else None)[0]
        images, got = next(iter(dataset))
        return images.numpy().reshape(64, -1), got.numpy()

    images, got = batches(0.5)
    from_pool = images.min(axis=1) == 1.0
    assert 10 < from_pool.sum() < 54  # about half, never all or none
    assert np.all(got[from_pool] == 7) and np.all(got[~from_pool] == 0) and np.all(images[~from_pool] == 0)
    images, got = batches(1.0)
    assert np.all(images == 1.0) and np.all(got == 7)
    images, got = batches(0.0)
    assert np.all(images == 0) and np.all(got == 0)


def test_per_image_repeats_use_each_image_that_many_times_an_epoch():
    # The letters task's --handwriting-font-weight: image i is used repeats[i] times an epoch.
    plain = np.arange(4, dtype=np.uint8)[:, None, None] * np.ones((4, 28, 28), np.uint8)
    labels = np.arange(4, dtype=np.uint8)
    val = (np.zeros((2, 28, 28), np.uint8), np.zeros(2, np.uint8))
    config = TrainConfig(batch_size=5, augment=False, canvas_fraction=0.0, seed=3)
    dataset, _, examples, _ = datasets.pipelines(config, plain, plain[:, None], labels, *val, repeats=np.array([1, 3, 1, 2]))
    assert examples == 7
    seen = np.concatenate([got.numpy() for _, got in dataset])
    assert sorted(seen.tolist()) == [0, 1, 1, 1, 2, 3, 3]
    # An int repeats every image as before.
    dataset, _, examples, _ = datasets.pipelines(config, plain, plain[:, None], labels, *val, repeats=2)
    assert examples == 8 and sorted(np.concatenate([got.numpy() for _, got in dataset]).tolist()) == [0, 0, 1, 1, 2, 2, 3, 3]


def test_teacher_targets_mix_the_smoothed_labels_with_the_teachers_probabilities(tmp_path):
    # Two teachers (seed001 models from different starts): weight 0 gives the smoothed labels, weight 1 the
    # teachers' averaged probabilities on the very images of the batch, and between them the mix; every
    # target is a distribution.
    import tensorflow as tf

    from training.model import build_model

    teachers = []
    for index in range(2):
        tf.keras.utils.set_random_seed(index)
        model = build_model("seed001")
        model.save(tmp_path / f"teacher{index}.h5", include_optimizer=False)
        teachers.append(model)
    images = tf.random.stateless_uniform((6, 28, 28, 1), seed=(1, 2))
    labels = tf.constant([0, 1, 2, 3, 4, 9])
    expected = (teachers[0].predict(images, verbose=0) + teachers[1].predict(images, verbose=0)) / 2
    smoothed = np.eye(10)[labels.numpy()] * 0.95 + 0.005
    paths = ",".join(str(tmp_path / f"teacher{index}.h5") for index in range(2))
    for weight, wanted in ((0.0, smoothed), (1.0, expected), (0.4, 0.6 * smoothed + 0.4 * expected)):
        config = TrainConfig(model="seed001", label_smoothing=0.05, teacher=paths, distill_weight=weight)
        out_images, targets = fitting.teacher_targets(config)(images, labels)
        np.testing.assert_allclose(targets.numpy(), wanted, atol=1e-5, err_msg=f"distill_weight {weight}")
        np.testing.assert_allclose(targets.numpy().sum(axis=1), 1.0, atol=1e-5)
        assert out_images is images


def test_distill_agreeing_keeps_the_label_alone_where_the_teachers_read_another(tmp_path):
    # With --distill-agreeing, a row whose label is the teachers' most probable one gets the mix; a row the
    # teachers read as another label (a style they never learned) gets the smoothed label alone.
    import tensorflow as tf

    from training.model import build_model

    tf.keras.utils.set_random_seed(5)
    teacher = build_model("seed001")
    teacher.save(tmp_path / "teacher.h5", include_optimizer=False)
    images = tf.random.stateless_uniform((8, 28, 28, 1), seed=(3, 4))
    taught = teacher.predict(images, verbose=0)
    read = taught.argmax(axis=1)
    labels = tf.constant(np.where(np.arange(8) % 2 == 0, read, (read + 1) % 10).astype(np.int32))
    smoothed = np.eye(10)[labels.numpy()] * 0.95 + 0.005
    config = TrainConfig(model="seed001", label_smoothing=0.05, teacher=str(tmp_path / "teacher.h5"), distill_weight=0.6, distill_agreeing=True)
    _, targets = fitting.teacher_targets(config)(images, labels)
    agree = (np.arange(8) % 2 == 0)[:, None]
    np.testing.assert_allclose(targets.numpy(), np.where(agree, 0.4 * smoothed + 0.6 * taught, smoothed), atol=1e-5)


def test_the_loss_and_accuracy_read_labels_and_probability_targets_alike():
    import tensorflow as tf

    probabilities = tf.constant([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    labels = tf.constant([[0], [1]])
    targets = tf.one_hot([0, 1], 3)
    loss = fitting.smoothed_crossentropy(0.0)
    np.testing.assert_allclose(loss(labels, probabilities).numpy(), loss(targets, probabilities).numpy(), atol=1e-6)
    assert fitting.label_accuracy(labels, probabilities).numpy().tolist() == [1.0, 0.0]
    assert fitting.label_accuracy(targets, probabilities).numpy().tolist() == [1.0, 0.0]
    assert fitting.label_accuracy.__name__ == "accuracy"  # the logs' names stay accuracy, val_accuracy


@pytest.mark.slow
def test_a_run_with_a_teacher_trains_and_records_it(tmp_path):
    from training.model import build_model

    build_model("seed001").save(tmp_path / "teacher.h5", include_optimizer=False)
    config = TrainConfig(model="seed001", epochs=2, batch_size=32, train_limit=400, seed=3, teacher=str(tmp_path / "teacher.h5"), distill_weight=0.3)
    run_dir = train(config, tmp_path / "run", evaluate_after=False)
    history = json.loads((run_dir / "history.json").read_text())
    assert json.loads((run_dir / "config.json").read_text())["teacher"] == str(tmp_path / "teacher.h5")
    assert all(np.isfinite(history["loss"])) and 0 <= history["val_accuracy"][-1] <= 1


# What a run's folder may be left holding: no staging folder (`.<name>.<random>.partial`) of this process.
def staging_folders(parent):
    return sorted(path.name for path in parent.glob(".*.partial"))


@pytest.fixture
def tiny_data(monkeypatch):
    """Seconds instead of minutes: 64 random digits to train on and 16 to validate, in the real pipelines."""

    def make(config):
        rng = np.random.default_rng(0)
        images, labels = rng.integers(0, 256, (64, 28, 28), dtype=np.uint8), rng.integers(0, 10, 64).astype(np.uint8)
        return datasets.pipelines(config, images, images[:, None], labels, images[:16], labels[:16])

    monkeypatch.setattr(train_module, "make_datasets", make)


TINY = TrainConfig(model="seed001", epochs=1, batch_size=32, augment=False)


def test_an_out_that_cannot_be_written_is_one_line_before_any_data_is_prepared(tmp_path, capsys, no_data_preparation):
    # `--out README.md/run`: the run folder could only fail at the very end, after the training, as a traceback.
    (tmp_path / "notes.md").write_text("a user's file")
    assert train_module.main(["--model", "seed001", "--no-evaluate", "--out", str(tmp_path / "notes.md" / "run")]) == 1
    error = capsys.readouterr().err
    assert error == f"error: {tmp_path / 'notes.md' / 'run'}: cannot make the run folder there ({tmp_path / 'notes.md'} is a file, not a folder); choose an --out in a folder you can write\n"
    assert (tmp_path / "notes.md").read_text() == "a user's file"


def test_missing_test_files_are_one_line_before_any_data_is_prepared(tmp_path, capsys, no_data_preparation):
    # The evaluation reads the t10k files only after the training: missing, they must stop the run before it.
    from training.data import write_idx

    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((10, 28, 28), np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(10, np.uint8))
    assert train_module.main(["--model", "seed001", "--data-dir", str(tmp_path), "--out", str(tmp_path / "run")]) == 1
    error = capsys.readouterr().err
    assert len(error.splitlines()) == 1 and error.startswith(f"error: missing t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (or .gz) in {tmp_path};"), error
    assert not (tmp_path / "run").exists() and staging_folders(tmp_path) == []
    # With --no-evaluate the test set is not needed, and not asked for.
    with pytest.raises(AssertionError, match="data preparation started"):
        train_module.main(["--model", "seed001", "--data-dir", str(tmp_path), "--no-evaluate", "--out", str(tmp_path / "run")])
    assert staging_folders(tmp_path) == []


def test_missing_test_fonts_are_one_line_before_any_data_is_prepared(tmp_path, capsys, monkeypatch, no_data_preparation):
    from training import fonts

    monkeypatch.setattr(fonts, "FONT_ROOT", tmp_path / "no-fonts")
    assert train_module.main(["--model", "letters", "--out", str(tmp_path / "run")]) == 1
    error = capsys.readouterr().err
    assert len(error.splitlines()) == 1 and error.startswith(f"error: {tmp_path / 'no-fonts'}/") and "missing font file" in error, error
    assert not (tmp_path / "run").exists() and staging_folders(tmp_path) == []


def test_a_failed_evaluation_keeps_the_trained_run_in_place_and_says_how_to_evaluate_it(tmp_path, capsys, monkeypatch, tiny_data):
    from training import evaluate
    from training.data import DataError

    def lost_test_set(run_dir, model, data_dir):  # The test files went missing during the training.
        raise DataError("missing t10k-images-idx3-ubyte (or .gz) in /data; put the official files there")

    monkeypatch.setattr(train_module, "check_test_data", lambda config: None)
    monkeypatch.setattr(evaluate, "evaluate", lost_test_set)
    monkeypatch.setattr(train_module, "RUNS_DIR", tmp_path / "runs")
    assert train_module.main(["--model", "seed001", "--epochs", "1", "--augment", "false"]) == 1
    error = capsys.readouterr().err
    run_dir = next((tmp_path / "runs" / "seed001").glob("2*"))
    assert error == (
        "error: missing t10k-images-idx3-ubyte (or .gz) in /data; put the official files there; the trained run is kept, "
        f"not evaluated, in {run_dir}: once that is mended, evaluate it with python -m training.evaluate {run_dir}\n"
    )
    assert sorted(path.name for path in run_dir.iterdir()) == ["config.json", "history.json", "metrics.json", "model.h5"]
    # A complete run, as with --no-evaluate: it is the newest, and nothing is left hidden beside it.
    assert (tmp_path / "runs" / "seed001" / "latest").resolve() == run_dir.resolve()
    assert staging_folders(run_dir.parent) == []


def test_the_staging_folder_is_this_runs_own(tmp_path, tiny_data):
    # Another training with the same --out, still running: its staging folder is not this run's to delete.
    theirs = tmp_path / ".run.partial"
    theirs.mkdir()
    (theirs / "model.h5").write_text("another training's model")
    run_dir = train(TINY, tmp_path / "run", evaluate_after=False)
    assert (theirs / "model.h5").read_text() == "another training's model"
    assert sorted(path.name for path in run_dir.iterdir()) == ["config.json", "history.json", "metrics.json", "model.h5"]
    assert staging_folders(tmp_path) == [".run.partial"]


def test_a_run_folder_that_appears_during_the_training_is_left_alone(tmp_path, monkeypatch, tiny_data):
    # Made by another process while this run trained: a rename would silently replace it (it is empty).
    make = train_module.make_datasets

    def another_run_appears(config):
        (tmp_path / "run").mkdir()
        return make(config)

    monkeypatch.setattr(train_module, "make_datasets", another_run_appears)
    with pytest.raises(runs.RunError, match=r"run: appeared while this run trained; this run is kept complete in .*\.run\.\w+\.partial: rename it") as caught:
        train(TINY, tmp_path / "run", evaluate_after=False)
    assert list((tmp_path / "run").iterdir()) == []
    kept = tmp_path / staging_folders(tmp_path)[0]
    assert str(kept) in str(caught.value) and (kept / "model.h5").is_file() and (kept / "metrics.json").is_file()


def test_a_run_that_cannot_be_written_is_one_line_and_leaves_nothing_behind(tmp_path, monkeypatch, tiny_data):
    def full_disk(staging, *args):  # The disk fills up halfway through the run's files.
        (staging / "model.h5").write_text("half a model")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(train_module, "write_run", full_disk)
    with pytest.raises(runs.RunError) as caught:
        train(TINY, tmp_path / "run", evaluate_after=False)
    assert str(caught.value) == f"{tmp_path / 'run'}: cannot write the trained run (No space left on device); free some space or choose another --out, and train again"
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_training_leaves_no_staging_folder(tmp_path, monkeypatch, no_data_preparation):
    def interrupted(config):
        raise KeyboardInterrupt

    monkeypatch.setattr(train_module, "make_datasets", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train(TINY, tmp_path / "run", evaluate_after=False)
    assert list(tmp_path.iterdir()) == []


def test_a_latest_that_is_a_real_folder_is_one_line_before_any_data_is_prepared(tmp_path, capsys, monkeypatch, no_data_preparation):
    monkeypatch.setattr(train_module, "RUNS_DIR", tmp_path)
    (tmp_path / "seed001" / "latest").mkdir(parents=True)
    (tmp_path / "seed001" / "latest" / "model.h5").write_text("a user's copy of a run")
    assert train_module.main(["--model", "seed001", "--no-evaluate"]) == 1
    error = capsys.readouterr().err
    assert error == (
        f"error: {tmp_path / 'seed001' / 'latest'}: a real folder, not the link to the newest run that training keeps there; "
        "move it away, or pass --out to train without linking it\n"
    )
    assert (tmp_path / "seed001" / "latest" / "model.h5").read_text() == "a user's copy of a run"


def test_link_latest_replaces_the_link_and_leaves_no_temporary_one(tmp_path):
    for name in ("20260101-000000", "20260102-000000"):
        (tmp_path / name).mkdir()
        runs.link_latest(tmp_path / name)
        assert (tmp_path / "latest").readlink().name == name
    (tmp_path / ".latest.tmp").write_text("not the program's")  # The fixed name link_latest once removed.
    runs.link_latest(tmp_path / "20260101-000000")
    assert sorted(path.name for path in tmp_path.iterdir()) == [".latest.tmp", "20260101-000000", "20260102-000000", "latest"]
    assert (tmp_path / ".latest.tmp").read_text() == "not the program's"


def test_the_report_of_a_staged_run_names_the_run_not_its_staging_folder(tmp_path):
    from training.evaluate import write_report
    from training.files import final_name, staging_folder

    staging = staging_folder(tmp_path / "20261205-120000")
    assert staging.name.startswith(".20261205-120000.") and staging.name.endswith(".partial")
    assert final_name(staging) == "20261205-120000" and final_name(tmp_path / "l30.v2") == "l30.v2"
    metrics = {"parameters": 10, "test_accuracy": 0.99, "test_errors": 100, "canvas_robustness": 0.98, "canvas_robustness_digits": 20, "per_class_accuracy": {str(d): 0.99 for d in range(10)}}
    write_report(staging, metrics, {})
    assert (staging / "report.md").read_text().startswith("# 20261205-120000 — run 20261205-120000\n")


def test_a_bad_argument_is_one_line_on_stderr_with_nothing_of_tensorflows_before_it():
    # As a user runs it, in a process of its own: tensorflow-cpu writes "E0000 ... Unable to register cuDNN
    # factory" lines to stderr as it loads, which stood before every one-line error (training/quiet.py drops them).
    made = subprocess.run([sys.executable, "-m", "training.train", "--epochs", "0"], cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True)
    assert made.returncode == 2 and made.stdout == ""
    assert made.stderr == "error: --epochs 0: must be at least 1\n"
