"""The page's model loader (site/js/model.js) in Node, on damaged copies of the shipped model folder: every
mismatch between metadata.json, model.json, the weights and what the page can do is one ModelError naming
it (the page shows that one line), never a model that says "ready" and then fails on every stroke, and
never an uncaught TypeError. Chromium shows the same messages (tests/test_site.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.model_faults import FAULTS, edit_metadata, replace_file

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "site" / "models" / "digits"

# Loads each folder with the page's loadModel (TF.js cpu backend), predicts one blank input with the page's
# predictBatch when it loads, and prints one JSON line: per folder, what happened. A folder given with
# `handOverFrom` answers the first request for metadata.json from that other folder, as a service worker
# that switches versions mid-load would.
LOAD_EACH = """
const [folders, handOvers] = JSON.parse(process.argv[1]);
console.log = () => {};
console.warn = () => {};
const tf = await import('@tensorflow/tfjs');
await tf.setBackend('cpu');
const { loadModel, ModelError, predictBatch, predictWithFeatures } = await import('./site/js/model.js');
const { readFile } = await import('node:fs/promises');
const fetchFile = async (url) => {
  try {
    return new Response(await readFile(url));
  } catch {
    return new Response(null, { status: 404 });
  }
};
const handingOver = (folder, from) => {
  let first = true;
  return (url) => {
    const answer = first && url === `${folder}metadata.json` ? fetchFile(`${from}metadata.json`) : fetchFile(url);
    first = false;
    return answer;
  };
};
const results = {};
for (const [name, folder] of Object.entries(folders)) {
  try {
    const fetching = handOvers[name] ? handingOver(folder, handOvers[name]) : fetchFile;
    const { model, metadata } = await loadModel(tf, folder, fetching);
    const [height, width, channels] = metadata.input.shape;
    const probabilities = predictBatch(tf, model, new Float32Array(height * width * channels), metadata.input.shape);
    results[name] = { loaded: true, outputs: probabilities.length, labels: metadata.labels.length, version: metadata.version };
    if (name === 'intact') {
      // The page reads with predictWithFeatures: predict's probabilities, and the last layer's input beside them.
      const inputs = Float32Array.from({ length: 3 * height * width * channels }, (_, index) => (index * 7919 % 1000) / 1000);
      const size = height * width * channels;
      const each = predictWithFeatures(tf, model, [0, 1, 2].map((index) => inputs.slice(index * size, (index + 1) * size)), metadata.input.shape);
      const alone = predictBatch(tf, model, inputs, metadata.input.shape);
      const joined = each.flatMap(({ probabilities }) => Array.from(probabilities));
      results.withFeatures = {
        largestDifference: Math.max(...alone.map((value, index) => Math.abs(value - joined[index]))),
        probabilities: joined.length,
        features: each.map(({ features }) => features.length),
        units: model.layers[model.layers.length - 1].input.shape[1],
      };
    }
  } catch (error) {
    results[name] = { loaded: false, modelError: error instanceof ModelError, message: error.message };
  }
}
process.stdout.write(JSON.stringify(results));
"""


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict:
    """Each fault applied to its own copy of site/models/digits/, all loaded in one Node process."""
    scratch = tmp_path_factory.mktemp("faults")
    folders = {"intact": SHIPPED}
    for name, (damage, _) in FAULTS.items():
        folders[name] = scratch / name
        shutil.copytree(SHIPPED, folders[name])
        damage(folders[name])
    # A new release: the same model, its model.json re-serialised (new bytes, new SHA-256), a new version.
    folders["new-release"] = scratch / "new-release"
    shutil.copytree(SHIPPED, folders["new-release"])
    model_json = json.dumps(json.loads((SHIPPED / "model.json").read_text()), indent=1).encode()
    replace_file(folders["new-release"], "model.json", model_json)
    edit_metadata(folders["new-release"], lambda metadata: metadata.update(version="new-release"))
    hand_overs = {"new-release": f"{SHIPPED}/"}
    arguments = json.dumps([{name: f"{folder}/" for name, folder in folders.items()}, hand_overs])
    result = subprocess.run(
        ["node", "--input-type=module", "-e", LOAD_EACH, arguments], cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_intact_model_loads_and_predicts(outcomes):
    # The control: the same loader and script load the shipped folder, so the faults below are what fails.
    version = json.loads((SHIPPED / "metadata.json").read_text())["version"]  # whichever model is shipped
    assert outcomes["intact"] == {"loaded": True, "outputs": 10, "labels": 10, "version": version}


def test_the_page_reads_predicts_probabilities_and_the_features_taught_drawings_are_compared_by(outcomes):
    # Three inputs through predictWithFeatures (model.execute, both tensors at once, split back per input) and
    # predictBatch (model.predict): the same probabilities, and 4 * width features each (the global pooling's output).
    assert outcomes["withFeatures"]["probabilities"] == 3 * 10
    assert outcomes["withFeatures"]["largestDifference"] <= 1e-6
    assert outcomes["withFeatures"]["features"] == [outcomes["withFeatures"]["units"]] * 3 == [96] * 3


def test_old_metadata_is_never_paired_with_new_files(outcomes):
    # The old release's metadata.json came first, then the new release's model.json: their SHA-256 disagree,
    # and the loader starts again, reading metadata.json and files of the new release alone.
    assert outcomes["new-release"] == {"loaded": True, "outputs": 10, "labels": 10, "version": "new-release"}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_mismatch_is_one_model_error_naming_it(outcomes, fault):
    message = FAULTS[fault][1]
    outcome = outcomes[fault]
    assert not outcome["loaded"], f"{fault}: the model loaded as if nothing were wrong"
    assert outcome["modelError"], f"{fault}: not a ModelError (the page would call it a bug): {outcome['message']}"
    assert message in outcome["message"] and "\n" not in outcome["message"], outcome["message"]
