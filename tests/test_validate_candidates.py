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
