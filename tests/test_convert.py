"""convert.py on bad input: one clear line, non-zero exit, and the existing output left untouched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tf_keras as keras
from tf_keras import layers

import convert


def existing_output(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path / "site" / "model"
    out.mkdir(parents=True)
    (out / "model.json").write_text('{"previous": true}')
    (out / "metadata.json").write_text('{"previous": true}')
    return out, {path.name: path.read_bytes() for path in out.iterdir()}


def assert_untouched(out: Path, before: dict[str, bytes]) -> None:
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert [path.name for path in out.parent.iterdir()] == [out.name]  # No temporary directory left behind.


def run_main(capsys, *arguments) -> tuple[int, str]:
    code = convert.main([str(argument) for argument in arguments])
    captured = capsys.readouterr()
    return code, captured.err.strip()


def test_missing_run_gives_one_line_and_keeps_the_output(tmp_path, capsys):
    out, before = existing_output(tmp_path)
    code, error = run_main(capsys, "--run", tmp_path / "no-such-run", "--out", out, "--source-out", tmp_path / "src")
    assert code == 1
    assert error == f"error: {tmp_path / 'no-such-run' / 'model.h5'}: no trained model; train one with `make train` or pass --run DIR"
    assert_untouched(out, before)


def test_unreadable_model_file_gives_one_line(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "model.h5").write_bytes(b"not an hdf5 file")
    out, before = existing_output(tmp_path)
    code, error = run_main(capsys, "--run", run, "--out", out, "--source-out", tmp_path / "src")
    assert code == 1 and "\n" not in error
    assert error.startswith(f"error: {run / 'model.h5'}: cannot be read as a Keras model")
    assert_untouched(out, before)


def test_unwritable_output_directory_gives_one_line(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(), layers.Dense(10, activation="softmax")]).save(run / "model.h5")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, error = run_main(capsys, "--run", run, "--out", blocker / "model", "--source-out", tmp_path / "src")
    assert code == 1 and "\n" not in error and "does not exist" in error
    # /proc refuses new directories even to root.
    code, error = run_main(capsys, "--run", run, "--out", "/proc/inkwell-model", "--source-out", tmp_path / "src")
    assert code == 1 and "\n" not in error and "/proc/inkwell-model" in error


@pytest.mark.slow
def test_a_layer_tfjs_cannot_run_is_caught_before_the_output_is_touched(tmp_path, capsys):
    # A Lambda layer holds Python code: the converter writes it, but TF.js cannot load it. The conversion
    # must find that out in TF.js itself and leave the shipped model alone.
    run = tmp_path / "run"
    run.mkdir()
    model = keras.Sequential(
        [keras.Input((28, 28, 1)), layers.Lambda(lambda x: x * 2.0), layers.Flatten(), layers.Dense(10, activation="softmax")]
    )
    model.save(run / "model.h5")
    out, before = existing_output(tmp_path)
    code, error = run_main(capsys, "--run", run, "--out", out, "--quantize", "float32", "--source-out", tmp_path / "src")
    assert code == 1 and "\n" not in error
    assert "TF.js cannot run" in error and "Lambda" in error
    assert_untouched(out, before)
    assert not (tmp_path / "src").exists()


@pytest.mark.slow
def test_conversion_writes_a_model_tfjs_loads_and_measures(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    model = keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(), layers.Dense(10, activation="softmax")], name="tiny")
    model.save(run / "model.h5")
    (run / "config.json").write_text(json.dumps({"model": "tiny"}))
    out, _ = existing_output(tmp_path)
    metadata = convert.convert(run, out, quantize="uint8", source_dir=tmp_path / "src")
    assert sorted(path.name for path in out.iterdir()) == ["group1-shard1of1.bin", "metadata.json", "model.json"]
    assert json.loads((out / "metadata.json").read_text()) == metadata
    assert metadata["name"] == "tiny" and metadata["quantization"] == "uint8" and metadata["weightBytes"] == 7850
    assert 0 <= metadata["accuracy"]["mnistTest"] <= 1 and metadata["accuracy"]["examples"] == 10_000
    assert (tmp_path / "src" / "model.h5").read_bytes() == (run / "model.h5").read_bytes()


def test_unknown_quantisation_is_refused(tmp_path, capsys):
    code, error = run_main(capsys, "--run", tmp_path, "--out", tmp_path / "out", "--quantize", "int4")
    assert code == 1 and error == "error: --quantize 'int4': choose one of auto, float32, float16, uint8"
