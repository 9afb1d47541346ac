"""The model in the browser is the model we trained: Keras vs the real TF.js runtime (Node and Chromium).

For every task (training/tasks.py): the Keras side is models/<task>/model.h5, the committed source of the
shipped site/models/<task>/ (convert.py copies it); the examples are the task's own test set. The TF.js side
is what the page imports, site/vendor/tfjs.js (wasm) and tfjs-cpu.js (cpu), built for the shipped models;
Node runs those very files, and they give what the full npm TF.js gives, bit for bit.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest

from convert import build_metadata, file_entries, write_tfjs_files
from training.evaluate import load_run_model
from training.tasks import shipped_tasks
from training.webruntime import run_tfjs

ROOT = Path(__file__).resolve().parent.parent
PARITY_EXAMPLES = 1000
# What each shipped model must read in TF.js on its whole test set: the issues' targets (issue 2: 99.6 % on
# MNIST test; issue 14: 97 % on the held-out font families, drawn as on the page). convert.py's floors
# (training/tasks.py) are release gates under them.
TARGET_ACCURACY = {"digits": 0.996, "letters": 0.97}
# Targets a shipped model does not reach yet. Strict: the day a model reaches one, its test turns red until
# the entry goes.
BELOW_TARGET = {"letters": "issue 14's 97 % not reached: the shipped letters model reads 96.87 % of the held-out families"}


# Every task the site ships (tests/test_site_static.py keeps that list equal to models/index.json, digits in it).
SHIPPED = shipped_tasks()


@pytest.fixture(scope="module", params=list(SHIPPED))
def task(request):
    return SHIPPED[request.param]


@pytest.fixture(scope="module")
def metadata(task):
    return json.loads((task.web_dir / "metadata.json").read_text())


@pytest.fixture(scope="module")
def keras_model(task):
    return load_run_model(task.source_dir)


@pytest.fixture(scope="module")
def test_set(task):
    return task.load_test(None)


@pytest.fixture(scope="module")
def digits(test_set):
    """The first 1,000 examples of the task's test set as model inputs, with labels."""
    inputs = test_set.images[:PARITY_EXAMPLES].astype(np.float32)[..., None] / 255.0
    return inputs, test_set.labels[:PARITY_EXAMPLES]


@pytest.fixture(scope="module")
def keras_probabilities(keras_model, digits):
    return keras_model.predict(digits[0], batch_size=500, verbose=0)


@pytest.fixture(scope="module")
def float32_export(task, keras_model, tmp_path_factory):
    """The shipped model's source converted without quantisation, as convert.py would."""
    directory = tmp_path_factory.mktemp("float32") / "model"
    write_tfjs_files(keras_model, directory, "float32")
    (directory / "metadata.json").write_text(json.dumps(build_metadata(keras_model, task.source_dir, "float32", directory, {}, task)))
    return directory


def chromium_predict(page, site_url: str, model_url: str, inputs: np.ndarray, backend: str) -> np.ndarray:
    """Predict in headless Chromium with the page's TF.js (site/vendor/) and its own loader (site/js/model.js)."""
    page.goto(site_url + "js/model.js")  # any page of the origin, so that fetch and import reach it
    encoded = base64.b64encode(np.ascontiguousarray(inputs, dtype="<f4").tobytes()).decode()
    result = page.evaluate(
        """async ([siteUrl, modelUrl, encoded, backend]) => {
            const tf = await import(siteUrl + (backend === 'wasm' ? 'vendor/tfjs.js' : 'vendor/tfjs-cpu.js'));
            if (backend === 'wasm') tf.setWasmPaths(siteUrl + 'vendor/');
            if (!(await tf.setBackend(backend))) throw new Error('backend ' + backend + ' unavailable');
            const { loadModel, predictBatch } = await import(siteUrl + 'js/model.js');
            const { model, metadata } = await loadModel(tf, modelUrl);
            const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
            const outputs = predictBatch(tf, model, new Float32Array(bytes.buffer), metadata.input.shape);
            return { backend: tf.getBackend(), outputs: Array.from(outputs) };
        }""",
        [site_url, model_url, encoded, backend],
    )
    assert result["backend"] == backend
    return np.asarray(result["outputs"], dtype=np.float32).reshape(len(inputs), -1)


# --- The shipped files describe themselves truthfully -------------------------------------------------


def test_metadata_matches_the_shipped_files(task, metadata):
    shipped = task.web_dir
    model_json = json.loads((shipped / "model.json").read_text())
    assert metadata["files"] == file_entries(shipped)  # Same paths, sizes and SHA-256.
    assert metadata["labels"] == list(task.labels) and metadata["task"] == task.metadata()
    batch_input_shape = model_json["modelTopology"]["model_config"]["config"]["layers"][0]["config"]["batch_input_shape"]
    assert batch_input_shape[1:] == metadata["input"]["shape"] == [28, 28, 1]
    assert metadata["input"] | {"paper": 0, "ink": 1, "dtype": "float32"} == metadata["input"]
    assert metadata["weightBytes"] == sum(f["bytes"] for f in metadata["files"] if f["path"] != "model.json")
    assert metadata["weightBytes"] <= 100 * 1024
    assert sorted(path.name for path in shipped.iterdir()) == sorted([f["path"] for f in metadata["files"]] + ["metadata.json"])


def test_shipped_model_is_what_convert_makes_from_its_committed_source(task, metadata, keras_model, tmp_path):
    # Re-converting models/<task>/model.h5 with the recorded quantisation reproduces the shipped files byte for byte.
    write_tfjs_files(keras_model, tmp_path, metadata["quantization"])
    assert file_entries(tmp_path) == metadata["files"]
    assert json.loads((task.source_dir / "source.json").read_text())["run"] == metadata["source"]["run"]
    assert metadata["parameters"] == keras_model.count_params()


# --- Keras vs TF.js ----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["cpu", "wasm"])
def test_float32_export_equals_keras_in_node(float32_export, digits, keras_probabilities, backend):
    # Keras and the page's TF.js (in Node) agree on 1,000 test examples to 1e-4 per probability, identical argmax.
    probabilities, summary = run_tfjs(float32_export, digits[0], backend, runtime="page")
    assert summary["backend"] == backend and summary["runtime"] == "page" and summary["count"] == PARITY_EXAMPLES
    assert np.abs(probabilities - keras_probabilities).max() <= 1e-4
    np.testing.assert_array_equal(probabilities.argmax(axis=1), keras_probabilities.argmax(axis=1))


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("backend", ["wasm", "cpu"])  # the page's two builds; it ships no WebGL backend
def test_float32_export_equals_keras_in_chromium(page, float32_export, digits, keras_probabilities, backend, tmp_path):
    from tests.browser import serve
    from training.webruntime import link_site

    # A site whose model/ is the float32 export (links to the real js/ and vendor/), on one origin.
    link_site(tmp_path, {"model": float32_export})
    with serve(tmp_path) as site_url:
        probabilities = chromium_predict(page, site_url, site_url + "model/", digits[0], backend)  # the float32 export
    assert np.abs(probabilities - keras_probabilities).max() <= 1e-4
    np.testing.assert_array_equal(probabilities.argmax(axis=1), keras_probabilities.argmax(axis=1))


def assert_quantised_agrees(probabilities, keras_probabilities, labels):
    agreement = np.mean(probabilities.argmax(axis=1) == keras_probabilities.argmax(axis=1))
    # Counted in examples, not rates: one example in 1,000 is 0.995 - 0.994 = 0.0010000000000000009 in floats.
    tfjs_right = int(np.sum(probabilities.argmax(axis=1) == labels))
    keras_right = int(np.sum(keras_probabilities.argmax(axis=1) == labels))
    assert agreement >= 0.999
    assert abs(tfjs_right - keras_right) <= 0.001 * len(labels)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["cpu", "wasm"])
def test_shipped_quantised_model_agrees_with_keras_in_node(task, digits, keras_probabilities, backend):
    probabilities, _ = run_tfjs(task.web_dir, digits[0], backend, runtime="page")
    assert_quantised_agrees(probabilities, keras_probabilities, digits[1])


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["cpu", "wasm"])
def test_page_tfjs_equals_the_npm_package_bit_for_bit(task, digits, backend):
    # The bundle trimmed to the shipped models' layers and kernels computes what the whole TF.js computes:
    # the same 1,000 digits, the same float32 probabilities, to the last bit.
    page_probabilities, page_summary = run_tfjs(task.web_dir, digits[0], backend, runtime="page")
    npm_probabilities, npm_summary = run_tfjs(task.web_dir, digits[0], backend, runtime="npm")
    assert (page_summary["runtime"], npm_summary["runtime"]) == ("page", "npm")
    np.testing.assert_array_equal(page_probabilities, npm_probabilities)


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("backend", ["wasm", "cpu"])
def test_shipped_quantised_model_agrees_with_keras_in_chromium(page, site_url, task, digits, keras_probabilities, backend):
    probabilities = chromium_predict(page, site_url, f"{site_url}models/{task.name}/", digits[0], backend)
    assert_quantised_agrees(probabilities, keras_probabilities, digits[1])


@pytest.mark.slow
def test_shipped_accuracy_on_the_whole_test_set_in_tfjs_is_what_metadata_states(task, metadata, test_set):
    inputs = test_set.images.astype(np.float32)[..., None] / 255.0
    probabilities, summary = run_tfjs(task.web_dir, inputs, "wasm", runtime="page")
    accuracy = float(np.mean(probabilities.argmax(axis=1) == test_set.labels))
    assert summary["count"] == len(test_set.labels) == metadata["accuracy"]["examples"]
    assert accuracy >= task.accuracy_floor
    assert accuracy == metadata["accuracy"]["test"]


def test_shipped_accuracy_reaches_the_issues_target(request, task, metadata):
    # metadata.json's figure is the one measured in TF.js (the test above proves it).
    if task.name in BELOW_TARGET:
        request.applymarker(pytest.mark.xfail(strict=True, reason=BELOW_TARGET[task.name]))
    assert metadata["accuracy"]["test"] >= TARGET_ACCURACY[task.name]
