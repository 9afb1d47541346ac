"""training/other.py: the judge of ink that is no digit, as shipped and as the pipeline fits it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from training import other
from training.joined import design
from training.preprocess import PreprocessConfig

SOURCE = other.ROOT / "models" / "digits"
WEB = other.ROOT / "site" / "models" / "digits"


def test_the_page_judges_with_the_judge_fitted_to_the_shipped_model():
    # metadata.json "other" is other.json's judge, and other.json was fitted to the very model.h5 shipped beside it
    # (a release fits it again when the model changes: convert.py).
    metadata = json.loads((WEB / "metadata.json").read_text())
    shipped = metadata["other"]
    assert other.load_for(SOURCE / "model.h5") == other.Other.from_metadata(shipped)
    assert shipped["label"] == "?" and 0.5 <= shipped["threshold"] < 1
    assert len(shipped["weights"]) == len(metadata["joined"]["weights"])  # the features, log top probability, log aspect


def test_a_judge_fitted_to_another_model_is_not_used(tmp_path):
    (tmp_path / "model.h5").write_bytes(b"another model")
    (tmp_path / other.JUDGE_FILE).write_text((SOURCE / other.JUDGE_FILE).read_text())
    assert other.load_for(tmp_path / "model.h5") is None
    assert other.load_for(tmp_path / "missing" / "model.h5") is None


def test_a_broken_judge_file_names_itself_and_the_remedy(tmp_path):
    (tmp_path / "model.h5").write_bytes(b"a model")
    (tmp_path / other.JUDGE_FILE).write_text('{"judge": ')
    with pytest.raises(ValueError, match="other.json") as error:
        other.load_for(tmp_path / "model.h5")
    assert "python -m training.other --fit" in str(error.value) and "\n" not in str(error.value)


def test_lookalikes_of_digits_are_never_taught_as_no_digit():
    # A person writing O, I, l, S, Z, B, G or q among digits means a digit: none is an example of "other".
    letters = other.letter_examples("validation", 400, 1, PreprocessConfig())
    assert len(letters["inputs"]) == 400 and not set(letters["kinds"]) & set(other.LOOKALIKES)
    assert set(letters["kinds"]) & set("AaEeKkMmRrTtXx")  # the rest are
    aspects = letters["aspects"]
    assert np.all((aspects > 0.1) & (aspects < 10))


def test_the_judge_reads_what_the_page_computes():
    # P(no label) from the features, the log top probability and the log aspect: the form joined.js's judge has.
    rule = other.Other(weights=(1.0, -2.0, 0.5, 3.0), bias=-1.0)
    features, probabilities, aspects = np.array([[2.0, 1.0]]), np.array([[0.9, 0.1]]), np.array([2.0])
    z = 2.0 - 2.0 + 0.5 * np.log(0.9 + 1e-7) + 3.0 * np.log(2.0) - 1.0
    np.testing.assert_allclose(other.judge(rule, features, probabilities, aspects), 1 / (1 + np.exp(-z)))
    assert design(features, probabilities, aspects).shape == (1, 4)


def test_a_run_without_a_model_is_one_line_naming_it(tmp_path, capsys):
    assert other.main(["--fit", "--run", str(tmp_path)]) == 1
    error = capsys.readouterr().err.strip()
    assert error == f"error: {tmp_path / 'model.h5'}: no trained model; train one with make train, or pass --run DIR"
