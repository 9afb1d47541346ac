"""training/validate_candidates.py: the weight average of two models, and what its config.json says."""

import errno
import json

import numpy as np
import pytest

from training import validate_candidates
from training.model import build_model


def test_average_is_the_weighted_sum_of_every_weight_and_says_so(tmp_path):
    import tf_keras as keras

    runs = {}
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        build_model("seed001").save(tmp_path / name / "model.h5", include_optimizer=False)
        (tmp_path / name / "config.json").write_text(json.dumps({"model": "seed001", "seed": len(runs)}))
        runs[name] = keras.models.load_model(tmp_path / name / "model.h5", compile=False).get_weights()
    validate_candidates.main(["--average", str(tmp_path / "a"), str(tmp_path / "b"), "--weight", "0.25", "--out", str(tmp_path / "avg")])
    averaged = keras.models.load_model(tmp_path / "avg" / "model.h5", compile=False).get_weights()
    assert not np.allclose(runs["a"][0], runs["b"][0])
    for mixed, a, b in zip(averaged, runs["a"], runs["b"]):
        np.testing.assert_allclose(mixed, 0.25 * a + 0.75 * b, rtol=1e-6, atol=1e-7)
    config = json.loads((tmp_path / "avg" / "config.json").read_text())
    assert config["model"] == "seed001"
    assert [(part["weight"], part["run"], part["train"]["seed"]) for part in config["average_of"]] == [(0.25, str(tmp_path / "a"), 0), (0.75, str(tmp_path / "b"), 1)]
    with pytest.raises(SystemExit):  # never over an existing directory
        validate_candidates.main(["--average", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "avg")])


def test_the_report_of_an_average_names_its_parts_instead_of_epochs(tmp_path):
    from training.evaluate import run_config, write_report

    parts = [{"weight": 0.3, "run": "runs/default/fine-tune", "train": {}}, {"weight": 0.7, "run": "models/digits", "train": {}}]
    (tmp_path / "config.json").write_text(json.dumps({"model": "default", "average_of": parts}))
    metrics = {"parameters": 10, "test_accuracy": 0.99, "test_errors": 100, "canvas_robustness": 0.98, "canvas_robustness_digits": 20, "per_class_accuracy": {str(d): 0.99 for d in range(10)}}
    write_report(tmp_path, metrics, run_config(tmp_path))
    report = (tmp_path / "report.md").read_text()
    assert "| weight average of | 0.3 × runs/default/fine-tune + 0.7 × models/digits |" in report
    assert "best epoch" not in report and "training time" not in report


def test_the_sign_test_is_exact_and_two_sided():
    # 7 digits wrong here and right there, none the other way: 2 x 0.5**7.
    assert validate_candidates.sign_test(7, 0) == pytest.approx(2 / 128)
    assert validate_candidates.sign_test(0, 7) == validate_candidates.sign_test(7, 0)
    # 5 against 3: 2 x P(X <= 3) for X ~ Binomial(8, 0.5) = 2 x 93 / 256.
    assert validate_candidates.sign_test(5, 3) == pytest.approx(2 * 93 / 256)
    assert validate_candidates.sign_test(4, 4) == 1.0 and validate_candidates.sign_test(0, 0) == 1.0


def test_a_candidate_is_compared_digit_by_digit_with_the_first_model():
    # Same total of errors, different digits: the totals say nothing, the pairs say which way each went.
    reference = {"model": "shipped", "mnist_validation_published_wrong": [1, 2, 3, 4], "mnist_validation_redrawn_wrong": [5]}
    candidate = {"model": "new", "mnist_validation_published_wrong": [3, 4, 8, 9], "mnist_validation_redrawn_wrong": []}
    comparison = validate_candidates.paired(candidate, reference)
    assert comparison["published"] == {"worse": 2, "better": 2, "p": 1.0}
    assert comparison["redrawn"] == {"worse": 0, "better": 1, "p": 1.0}
    result = {"model": "new", "mnist_validation_published_errors": 4, "mnist_validation_redrawn_errors": 0, "templates": {}, "against": {"model": "shipped", "mnist_validation": comparison}}
    assert "against shipped: published +2 -2 (sign test p 1.00), redrawn +0 -1 (sign test p 1.00)" in validate_candidates.line(result)


def test_letters_models_are_compared_on_the_validation_families_alike():
    prefix = validate_candidates.PREFIX["letters"]
    reference = {"model": "shipped", "task": "letters", f"{prefix}_all_errors": 3, f"{prefix}_all_of": 100, f"{prefix}_all_wrong": [1, 2, 3], f"{prefix}_drawn_errors": 1, f"{prefix}_drawn_of": 50, f"{prefix}_drawn_wrong": [2]}
    candidate = {"model": "new", "task": "letters", f"{prefix}_all_errors": 1, f"{prefix}_all_of": 100, f"{prefix}_all_wrong": [7], f"{prefix}_drawn_errors": 0, f"{prefix}_drawn_of": 50, f"{prefix}_drawn_wrong": []}
    comparison = validate_candidates.paired(candidate, reference, prefix)
    assert comparison == {"all": {"worse": 1, "better": 3, "p": 0.625}, "drawn": {"worse": 0, "better": 1, "p": 1.0}}
    candidate["against"] = {"model": "shipped", prefix: comparison}
    assert validate_candidates.line(candidate) == (
        "new: validation families: all 99.00 % (1 wrong of 100), drawn 100.00 % (0 wrong of 50); against shipped: all +1 -3 (sign test p 0.62), drawn +0 -1 (sign test p 1.00)"
    )


def test_a_letters_model_is_read_on_each_set_it_is_given(tmp_path):
    import tf_keras as keras

    model = build_model("letters")
    model.save(tmp_path / "model.h5", include_optimizer=False)
    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 256, (40, 28, 28), dtype=np.uint8), rng.integers(0, 26, 40)
    result = validate_candidates.validate_model(tmp_path, {"all": (images, labels), "drawn": (images[:10], labels[:10])}, task="letters")
    read = keras.models.load_model(tmp_path / "model.h5", compile=False).predict(images[..., None] / 255.0, verbose=0).argmax(axis=1)
    prefix = validate_candidates.PREFIX["letters"]
    assert result[f"{prefix}_all_wrong"] == np.flatnonzero(read != labels).tolist() and result[f"{prefix}_all_of"] == 40
    assert result[f"{prefix}_drawn_errors"] == int((read[:10] != labels[:10]).sum()) and "templates" not in result
    assert result[f"{prefix}_all_misread"] == [f"{chr(65 + label)}>{chr(65 + r)}" for label, r in zip(labels, read) if label != r]


def test_the_comparison_says_what_the_newly_wrong_digits_were_read_as():
    reference = {"model": "shipped", "mnist_validation_published_wrong": [1, 2], "mnist_validation_published_misread": ["4>9", "7>1"]}
    candidate = {"model": "new", "mnist_validation_published_wrong": [2, 5, 8, 9], "mnist_validation_published_misread": ["7>1", "4>9", "9>8", "4>9"]}
    comparison = validate_candidates.paired(candidate, reference)
    assert comparison["published"] == {"worse": 3, "better": 1, "p": 0.625, "newly_wrong": {"4>9": 2, "9>8": 1}}
    result = {"model": "new", "mnist_validation_published_errors": 4, "mnist_validation_redrawn_errors": 0, "templates": {}, "against": {"model": "shipped", "mnist_validation": comparison}}
    assert "against shipped: published +3 -1 (sign test p 0.62, 4>9 x2, 9>8)" in validate_candidates.line(result)


def test_averaging_a_missing_run_or_two_architectures_is_one_line_and_writes_nothing(tmp_path, capsys):
    for name, model in (("a", "seed001"), ("other", "default")):
        (tmp_path / name).mkdir()
        build_model(model).save(tmp_path / name / "model.h5", include_optimizer=False)
    out = tmp_path / "avg"
    assert validate_candidates.main(["--average", str(tmp_path / "a"), str(tmp_path / "missing"), "--out", str(out)]) == 1
    assert capsys.readouterr().err == f"error: {tmp_path / 'missing' / 'model.h5'}: no trained model here; train one with `make train`\n"
    assert validate_candidates.main(["--average", str(tmp_path / "a"), str(tmp_path / "other"), "--out", str(out)]) == 1
    assert capsys.readouterr().err == f"error: --average {tmp_path / 'a'} {tmp_path / 'other'}: not one architecture (a 'seed001' and a 'default' model, 12 weight arrays against 27); average two runs of the same --model\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a", "other"]


def two_runs(tmp_path):
    """Runs a and b of one architecture in `tmp_path`, to average; their paths, as arguments."""
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        build_model("seed001").save(tmp_path / name / "model.h5", include_optimizer=False)
    return [str(tmp_path / "a"), str(tmp_path / "b")]


def saving(monkeypatch, save):
    """Have the averaged model saved by `save(path, save_as_before)` instead of as it is."""
    from training import evaluate

    load = evaluate.load_run_model

    def load_with_save(run_dir):
        model = load(run_dir)
        original = model.save
        model.save = lambda path, **options: save(path, lambda: original(path, **options))
        return model

    monkeypatch.setattr(evaluate, "load_run_model", load_with_save)


def test_an_average_is_built_in_a_staging_folder_of_its_own(tmp_path):
    # Another process's `.avg.partial` (the fixed name this once used, and filled, and renamed) is left alone.
    runs = two_runs(tmp_path)
    theirs = tmp_path / ".avg.partial"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("not the program's")
    assert validate_candidates.main(["--average", *runs, "--out", str(tmp_path / "avg")]) == 0
    assert sorted(path.name for path in (tmp_path / "avg").iterdir()) == ["config.json", "metrics.json", "model.h5"]
    assert sorted(path.name for path in tmp_path.iterdir()) == [".avg.partial", "a", "avg", "b"]
    assert [path.name for path in theirs.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()])
def test_an_average_that_cannot_be_written_leaves_nothing_behind(tmp_path, capsys, monkeypatch, failure):
    runs = two_runs(tmp_path)

    def half_written(path, save):
        path.write_text("half a model")
        raise failure

    saving(monkeypatch, half_written)
    if isinstance(failure, OSError):
        assert validate_candidates.main(["--average", *runs, "--out", str(tmp_path / "avg")]) == 1
        assert capsys.readouterr().err == f"error: --out {tmp_path / 'avg'}: cannot write the average (No space left on device); free some space or choose another --out\n"
    else:  # Ctrl-C: the staging folder is removed all the same.
        with pytest.raises(KeyboardInterrupt):
            validate_candidates.main(["--average", *runs, "--out", str(tmp_path / "avg")])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a", "b"]


def test_an_out_that_appears_meanwhile_is_left_alone_and_the_average_kept(tmp_path, capsys, monkeypatch):
    runs = two_runs(tmp_path)

    def another_process_makes_out(path, save):
        (tmp_path / "avg").mkdir()
        save()

    saving(monkeypatch, another_process_makes_out)
    assert validate_candidates.main(["--average", *runs, "--out", str(tmp_path / "avg")]) == 1
    kept = [path for path in tmp_path.iterdir() if path.name.endswith(".partial")]
    assert len(kept) == 1 and sorted(path.name for path in kept[0].iterdir()) == ["config.json", "metrics.json", "model.h5"]
    assert capsys.readouterr().err == f"error: --out {tmp_path / 'avg'}: appeared meanwhile; the average is kept in {kept[0]}: rename it to a free name\n"
    assert list((tmp_path / "avg").iterdir()) == []


def test_an_out_that_cannot_be_made_is_one_line_and_touches_nothing(tmp_path, capsys):
    runs = two_runs(tmp_path)
    (tmp_path / "notes.md").write_text("a user's file")
    assert validate_candidates.main(["--average", *runs, "--out", str(tmp_path / "notes.md" / "avg")]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"error: --out {tmp_path / 'notes.md' / 'avg'}: cannot make the folder there (") and error.endswith("); choose an --out in a folder you can write\n"), error
    assert len(error.splitlines()) == 1 and (tmp_path / "notes.md").read_text() == "a user's file"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a", "b", "notes.md"]
