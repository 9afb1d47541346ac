"""training/validate_candidates.py: the weight average of two models, and what its config.json says."""

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
    from training.evaluate import write_report

    parts = [{"weight": 0.3, "run": "runs/default/fine-tune", "train": {}}, {"weight": 0.7, "run": "models/digits", "train": {}}]
    (tmp_path / "config.json").write_text(json.dumps({"model": "default", "average_of": parts}))
    metrics = {"parameters": 10, "test_accuracy": 0.99, "test_errors": 100, "canvas_robustness": 0.98, "canvas_robustness_digits": 20, "per_class_accuracy": {str(d): 0.99 for d in range(10)}}
    write_report(tmp_path, metrics)
    report = (tmp_path / "report.md").read_text()
    assert "| weight average of | 0.3 × runs/default/fine-tune + 0.7 × models/digits |" in report
    assert "best epoch" not in report and "training time" not in report
