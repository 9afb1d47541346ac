"""Files written whole (training/files.py), read with a clear error, and a letters report that records only the fonts a run recorded."""

from __future__ import annotations

import errno
import json

import numpy as np
import pytest

from training import evaluate_letters
from training.files import JsonFileError, atomic_path, os_reason, read_json, removed_on_failure, staging_folder, write_atomic
from training.fonts import GLYPHS
from training.letters import LetterSet, label_of


def test_write_atomic_replaces_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "results.json"
    write_atomic(path, b"old")
    write_atomic(path, json.dumps({"new": True}).encode())
    assert json.loads(path.read_text()) == {"new": True}
    assert [entry.name for entry in tmp_path.iterdir()] == ["results.json"]
    # The mode a plain write gives (mkstemp's own is owner-only), and an existing file keeps its own.
    plain = tmp_path / "plain"
    plain.write_bytes(b"")
    assert path.stat().st_mode == plain.stat().st_mode
    path.chmod(0o640)
    write_atomic(path, b"again")
    assert path.stat().st_mode & 0o777 == 0o640


def test_an_error_midway_leaves_the_old_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "cache.npz"
    path.write_bytes(b"the old cache")
    with pytest.raises(KeyboardInterrupt), atomic_path(path) as temporary:
        temporary.write_bytes(b"half of the new")
        raise KeyboardInterrupt
    assert path.read_bytes() == b"the old cache"
    assert [entry.name for entry in tmp_path.iterdir()] == ["cache.npz"]


def test_a_failed_build_removes_its_own_staging_folder_and_nothing_else(tmp_path):
    # train.py and validate_candidates.py --average build their folders so; on success the folder is kept.
    with removed_on_failure(staging_folder(tmp_path / "run")) as staging:
        (staging / "model.h5").write_text("a whole model")
    assert (staging / "model.h5").read_text() == "a whole model"
    with pytest.raises(KeyboardInterrupt), removed_on_failure(staging_folder(tmp_path / "run")) as second:
        (second / "model.h5").write_text("half a model")
        raise KeyboardInterrupt
    assert not second.exists() and [entry.name for entry in tmp_path.iterdir()] == [staging.name]
    # A folder that staging_folder did not make (by its name: the run itself, say) is not its to remove.
    (tmp_path / "run").mkdir()
    with pytest.raises(ValueError, match="not a staging folder"), removed_on_failure(tmp_path / "run"):
        pytest.fail("the block ran")
    assert (tmp_path / "run").is_dir()


def test_numpy_and_two_writers_at_once(tmp_path):
    # np.save and np.savez append .npy / .npz to a name without it: the temporary name keeps the suffix, so the
    # array lands where it was asked to. Two writers of one cache entry each get their own temporary file.
    path = tmp_path / "redraws.npy"
    with atomic_path(path) as first, atomic_path(path) as second:
        assert first != second and first.suffix == second.suffix == ".npy" and first.parent == tmp_path
        np.save(first, np.arange(3))
        np.save(second, np.arange(4))
    assert np.load(path).tolist() == [0, 1, 2]  # The outer block ends last: its file is the one left.
    with atomic_path(tmp_path / "set.npz") as temporary:
        np.savez(temporary, images=np.zeros(2))
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["redraws.npy", "set.npz"]


class GuessingModel:
    """Stands in for a letters model: the same guess for every letter (no TensorFlow needed)."""

    def predict(self, images, batch_size, verbose):
        return np.tile(np.linspace(0, 1, 26, dtype=np.float32), (len(images), 1))

    def count_params(self):
        return 26


@pytest.mark.parametrize("recorded", [True, False], ids=["run-with-fonts-json", "run-without"])
def test_a_letters_report_claims_only_the_fonts_the_run_recorded(tmp_path, monkeypatch, recorded):
    # Re-evaluating an old run that kept no fonts.json must not write today's catalogue in as if the run had
    # seen it; a run that kept one is reported with its digest.
    glyphs = np.array(list(GLYPHS))
    tiny = LetterSet(
        plain=np.zeros((52, 28, 28), np.uint8),
        drawn=np.zeros((52, 1, 28, 28), np.uint8),
        labels=np.array([label_of(glyph) for glyph in GLYPHS], np.uint8),
        glyphs=glyphs,
        family=np.array(["Some Family"] * 52),
    )
    monkeypatch.setattr(evaluate_letters, "letter_set", lambda split: tiny)
    if recorded:
        (tmp_path / "fonts.json").write_text(json.dumps({"digest": "ab" * 32, "files": []}))
    metrics = evaluate_letters.evaluate_letters(tmp_path, GuessingModel())
    report = (tmp_path / "report.md").read_text()
    assert metrics["test_errors"] == 50  # Z for all: z and Z right
    if recorded:
        assert metrics["font_manifest_digest"] == "ab" * 32 and f"digest {'ab' * 32}" in report
    else:
        assert not (tmp_path / "fonts.json").exists() and "font_manifest_digest" not in metrics
        assert "Fonts: this run recorded none" in report
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        ["confusion.png", "curves.png", "metrics.json", "misclassified.png", "report.md"] + ["fonts.json"] * recorded
    )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"model": "tiny"\n', "Expecting ',' delimiter: line 2 column 1 (char 17)"),
        ("", "Expecting value: line 1 column 1 (char 0)"),
        ("[1, 2]", "it holds a list, not an object"),
    ],
    ids=["truncated", "empty", "a-list"],
)
def test_read_json_names_the_file_and_the_remedy_in_one_line(tmp_path, text, why):
    path = tmp_path / "config.json"
    path.write_text(text)
    with pytest.raises(JsonFileError) as caught:
        read_json(path, "restore it")
    assert str(caught.value) == f"{path}: cannot be read as JSON ({why}); restore it"
    assert isinstance(caught.value, ValueError)  # Callers that catch ValueError (the CLIs) print it as one line.
    assert read_json(tmp_path / "absent.json", "restore it", default={}) == {}
    with pytest.raises(JsonFileError, match=r"absent.json: cannot be read as JSON \(No such file or directory\); restore it"):
        read_json(tmp_path / "absent.json", "restore it")


class DigitsModel(GuessingModel):
    """Stands in for a digits model: the same guess for every digit (no TensorFlow needed)."""

    name = "seed001"

    def predict(self, images, batch_size, verbose):
        return np.tile(np.linspace(0, 1, 10, dtype=np.float32), (len(images), 1))


@pytest.mark.parametrize("name", ["metrics.json", "history.json", "config.json"])
def test_evaluating_a_run_with_a_malformed_json_file_is_one_line_on_stderr_and_writes_nothing(tmp_path, capsys, monkeypatch, name):
    from training import evaluate

    monkeypatch.setattr(evaluate, "load_run_model", lambda run_dir: DigitsModel())
    for file in ("metrics.json", "history.json", "config.json"):
        (tmp_path / file).write_text('{"model": "seed001"}')
    (tmp_path / name).write_text('{"model": "seed001"\n')  # Cut short, as by a full disk or a kill.
    assert evaluate.main([str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"error: {tmp_path / name}: cannot be read as JSON (Expecting ',' delimiter: line 2 column 1 (char 20)); {evaluate.REMEDY[name]}\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["config.json", "history.json", "metrics.json"]


@pytest.mark.parametrize("text", ['{"digest": "ab"', '{"files": []}'], ids=["truncated", "no-digest"])
def test_a_letters_run_with_a_malformed_fonts_json_is_refused_before_anything_is_written(tmp_path, monkeypatch, text):
    monkeypatch.setattr(evaluate_letters, "letter_set", lambda split: pytest.fail("the test set was made before the run's files were read"))
    (tmp_path / "fonts.json").write_text(text)
    with pytest.raises(ValueError, match=rf"^{tmp_path / 'fonts.json'}: .*; restore it, or train the run again \(it records the fonts the run saw\)$"):
        evaluate_letters.evaluate_letters(tmp_path, GuessingModel())
    assert [path.name for path in tmp_path.iterdir()] == ["fonts.json"]


def font_licences_module():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("font_licences", Path(__file__).resolve().parent.parent / "tools" / "font_licences.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_font_licences_table_is_written_whole_beside_a_users_files(tmp_path, monkeypatch, capsys):
    # The table once went through the fixed name FONTS.tmp, which took the place of a user's file of that name.
    font_licences = font_licences_module()
    monkeypatch.setattr(font_licences, "table", lambda: "| split | family |\n")
    (tmp_path / "FONTS.tmp").write_text("a user's file")
    assert font_licences.main(["--out", str(tmp_path / "FONTS.md")]) == 0
    assert (tmp_path / "FONTS.md").read_text() == "| split | family |\n" and (tmp_path / "FONTS.tmp").read_text() == "a user's file"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["FONTS.md", "FONTS.tmp"]
    assert font_licences.main(["--out", str(tmp_path / "no-such-folder" / "FONTS.md")]) == 1
    assert capsys.readouterr().err == (
        f"error: --out {tmp_path / 'no-such-folder' / 'FONTS.md'}: cannot write it (No such file or directory); "
        "choose a file in a folder that exists and you can write\n"
    )


def test_os_reason_is_one_line():
    # h5py's OSErrors span lines and may carry their errno only in their text.
    assert os_reason(OSError(errno.ENOSPC, "Can't close file (time = Sun\n, errno = 28)")) == "No space left on device"
    assert os_reason(OSError("Can't close file (file write failed: time = Sun\n, errno = 28, error message = 'No space')")) == "No space left on device"
    assert os_reason(OSError("unable to write\nfile")) == "unable to write file"
