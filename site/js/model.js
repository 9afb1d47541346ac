// Load a shipped model (site/models/<task>/), verify it, predict. No DOM: runs in Node too
// (tools/tfjs_predict.mjs). All the page knows of the model is in metadata.json.

import { DEFAULT_DRAWING } from './pad.js';
import { DEFAULT_CONFIG } from './preprocess.js';

/** A model missing, corrupt or not matching metadata.json; `message`: one line for the user; `retry`: loading
 * again may help (a failed or corrupt download). */
export class ModelError extends Error {
  constructor(message, { retry = false } = {}) {
    super(message);
    this.retry = retry;
  }
}

/** SHA-256 of an ArrayBuffer, lowercase hex (Web Crypto: https or localhost, Node 20). */
export async function sha256Hex(buffer) {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', buffer);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

async function fetchBuffer(fetchFile, url) {
  let response;
  try {
    response = await fetchFile(url);
  } catch (error) {
    throw new ModelError(`cannot fetch ${url}: ${error.message}`, { retry: true });
  }
  if (!response.ok) throw new ModelError(`cannot fetch ${url}: HTTP ${response.status}`, { retry: true });
  return response.arrayBuffer();
}

function parseJson(buffer, url) {
  try {
    return JSON.parse(new TextDecoder().decode(buffer));
  } catch (error) {
    throw new ModelError(`${url} is not valid JSON (${error.message}); rebuild it with make convert`);
  }
}

/** metadata.json (parsed) has every field the page reads, consistent: a stale or hand-edited one is named, not
 * found mid-drawing. */
export function checkMetadata(metadata, url) {
  const positive = (value) => typeof value === 'number' && Number.isFinite(value) && value > 0;
  const rebuild = 'rebuild it with make convert';
  const fields = [
    ['labels', Array.isArray(metadata.labels) && metadata.labels.length > 1 &&
      metadata.labels.every((label) => typeof label === 'string' && label.length > 0)],
    ['input.shape', Array.isArray(metadata.input?.shape) && metadata.input.shape.length === 3 &&
      metadata.input.shape.every(Number.isInteger) && metadata.input.shape.every(positive)],
    ['display.confidenceThreshold', Number.isFinite(metadata.display?.confidenceThreshold) &&
      metadata.display.confidenceThreshold >= 0 && metadata.display.confidenceThreshold <= 1],
    ['display.touchingAspect', metadata.display?.touchingAspect === undefined || positive(metadata.display.touchingAspect)],
    ['files', Array.isArray(metadata.files) && metadata.files.length > 0 && metadata.files.every(
      (file) => typeof file?.path === 'string' && /^[0-9a-f]{64}$/.test(file.sha256))],
    ['corrections.similarity', Number.isFinite(metadata.corrections?.similarity) &&
      metadata.corrections.similarity >= 0 && metadata.corrections.similarity < 1],
    ['corrections.weight', Number.isFinite(metadata.corrections?.weight) && metadata.corrections.weight >= 0],
    ...Object.keys(DEFAULT_DRAWING).map((name) => [`drawing.${name}`, positive(metadata.drawing?.[name])]),
    ...Object.keys(DEFAULT_CONFIG).map((name) => [`preprocess.${name}`, Number.isFinite(metadata.preprocess?.[name])]),
  ];
  const missing = fields.find(([, present]) => !present);
  if (missing) throw new ModelError(`${url} lacks a valid ${missing[0]}; ${rebuild}`);
  // Each field valid alone; now they must fit each other and the page (one grey channel, imageSize square).
  const { imageSize, boxSize } = metadata.preprocess;
  const shape = metadata.input.shape;
  const disagreements = [
    [shape[2] !== 1, `input.shape [${shape}] has ${shape[2]} channels, but the page draws in one (grey)`],
    [shape[0] !== imageSize || shape[1] !== imageSize, `preprocess.imageSize ${imageSize} disagrees with input.shape [${shape}]`],
    [!Number.isInteger(boxSize) || boxSize < 1 || boxSize > imageSize, `preprocess.boxSize ${boxSize} does not fit in imageSize ${imageSize}`],
    [new Set(metadata.labels).size !== metadata.labels.length, 'labels has duplicates'],
    [metadata.drawing.fullPenHeight > 1, `drawing.fullPenHeight ${metadata.drawing.fullPenHeight} is more than the canvas (at most 1)`],
    [metadata.drawing.thinnestPen > 1, `drawing.thinnestPen ${metadata.drawing.thinnestPen} is wider than the pen (at most 1)`],
  ];
  const disagreement = disagreements.find(([wrong]) => wrong);
  if (disagreement) throw new ModelError(`${url}: ${disagreement[1]}; ${rebuild}`);
}

/** model.json (parsed) is a TF.js layers model with a weights manifest. */
function checkModelJson(modelJson, url) {
  const groups = modelJson?.weightsManifest;
  const valid = typeof modelJson?.modelTopology === 'object' && modelJson.modelTopology !== null &&
    Array.isArray(groups) && groups.every((group) => Array.isArray(group?.paths) && Array.isArray(group?.weights));
  if (!valid) throw new ModelError(`${url} is not a TensorFlow.js layers model (modelTopology and weightsManifest); rebuild it with make convert`);
}

/** The model takes metadata.json's input and gives a probability per label. */
function checkModelAgainstMetadata(model, metadata, baseUrl) {
  const show = (shape) => (shape ? `[${shape.map((size) => size ?? 'any').join(', ')}]` : 'several tensors');
  const expectedInput = [null, ...metadata.input.shape];
  const input = model.inputs.length === 1 ? model.inputs[0].shape : null;
  const output = model.outputs.length === 1 ? model.outputs[0].shape : null;
  if (!input || show(input) !== show(expectedInput)) {
    throw new ModelError(`${baseUrl}model.json takes input ${show(input)}, but metadata.json says ${show(expectedInput)}; rebuild both with make convert`);
  }
  if (!output || output.length !== 2 || output[1] !== metadata.labels.length) {
    throw new ModelError(`${baseUrl}model.json gives ${show(output)} probabilities, but metadata.json lists ${metadata.labels.length} labels; rebuild both with make convert`);
  }
}

/** Fetch metadata.json, model.json and weights, check each SHA-256, build the model from the verified bytes. A
 * failure is tried once more past the HTTP cache (a stale or truncated copy mid-deploy; a worker handing over
 * serves the second pass from the new version alone).
 * @param {object|Promise<object>} tf TF.js or its promise
 * @param {string} [baseUrl] the model's folder, page-relative, ending in '/'
 * @param {(url: string, init?: RequestInit) => Promise<Response>} [fetchFile]
 * @returns {Promise<{model: object, metadata: object, bytes: number}>}
 */
export async function loadModel(tf, baseUrl = './models/digits/', fetchFile = (url, init) => fetch(url, init)) {
  try {
    return await loadModelOnce(tf, baseUrl, fetchFile, {});
  } catch (error) {
    if (!(error instanceof ModelError)) throw error;
    await tf; // TF.js failing is no download to retry
    return loadModelOnce(tf, baseUrl, fetchFile, { cache: 'reload' });
  }
}

async function loadModelOnce(tf, baseUrl, fetchFile, init) {
  const fetchModelFile = (url) => fetchBuffer((path) => fetchFile(path, init), url);
  const metadata = parseJson(await fetchModelFile(`${baseUrl}metadata.json`), `${baseUrl}metadata.json`);
  checkMetadata(metadata, `${baseUrl}metadata.json`);
  const expected = new Map(metadata.files.map((file) => [file.path, file.sha256]));
  let bytes = 0;
  const verified = async (path) => {
    if (!expected.has(path)) throw new ModelError(`${baseUrl}${path} is not listed in metadata.json; rebuild with make convert`);
    const buffer = await fetchModelFile(`${baseUrl}${path}`);
    const actual = await sha256Hex(buffer);
    if (actual !== expected.get(path)) {
      throw new ModelError(`${baseUrl}${path} is corrupt: SHA-256 ${actual.slice(0, 12)}… expected ${expected.get(path).slice(0, 12)}…`, { retry: true });
    }
    bytes += buffer.byteLength;
    return buffer;
  };
  const modelJson = parseJson(await verified('model.json'), `${baseUrl}model.json`);
  checkModelJson(modelJson, `${baseUrl}model.json`);
  const weightSpecs = [];
  const buffers = [];
  for (const group of modelJson.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const path of group.paths) buffers.push(new Uint8Array(await verified(path)));
  }
  const weightData = new Uint8Array(buffers.reduce((total, buffer) => total + buffer.length, 0));
  let offset = 0;
  for (const buffer of buffers) {
    weightData.set(buffer, offset);
    offset += buffer.length;
  }
  const { loadLayersModel, io } = await tf;
  let model;
  try {
    model = await loadLayersModel(
      io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData: weightData.buffer }),
    );
  } catch (error) {
    throw new ModelError(`TensorFlow.js cannot load ${baseUrl}model.json: ${error.message}`);
  }
  try {
    checkModelAgainstMetadata(model, metadata, baseUrl);
  } catch (error) {
    model.dispose(); // free its weights before the second pass loads another
    throw error;
  }
  return { model, metadata, bytes };
}

/** Predict a batch in one call.
 * @param {object} model a tf.LayersModel taking [n, size, size, 1]
 * @param {Float32Array} inputs n * size * size values, 0 = paper, 1 = ink
 * @param {number[]} shape metadata.input.shape
 * @returns {Float32Array} n * labels.length probabilities
 */
export function predictBatch(tf, model, inputs, shape) {
  const count = inputs.length / (shape[0] * shape[1] * shape[2]);
  // tidy frees the input and intermediates; dataSync copies the result first.
  return tf.tidy(() => model.predict(tf.tensor4d(inputs, [count, ...shape])).dataSync());
}

/** Each input's probabilities and the last layer's input (taught drawings are compared by it), in one run.
 * @param {Float32Array[]} inputs at least one, each size * size values as predictBatch's
 * @returns {{probabilities: Float32Array, features: Float32Array}[]} one per input
 */
export function predictWithFeatures(tf, model, inputs, shape) {
  const size = inputs[0].length;
  const batch = new Float32Array(inputs.length * size);
  inputs.forEach((input, index) => batch.set(input, index * size));
  const wanted = [model.layers[model.layers.length - 1].input.name, model.outputs[0].name];
  const [features, probabilities] = tf.tidy(() => model.execute(tf.tensor4d(batch, [inputs.length, ...shape]), wanted).map((tensor) => tensor.dataSync()));
  const row = (values, index) => values.slice((index * values.length) / inputs.length, ((index + 1) * values.length) / inputs.length);
  return inputs.map((_, index) => ({ probabilities: row(probabilities, index), features: row(features, index) }));
}

/** Warm up the backend (the first prediction sets up its kernels), then time one for the footer. A kernel this
 * TF.js build (tools/build_tfjs.mjs) lacks fails here, saying so.
 * @returns {Promise<{backend: string, milliseconds: number}>}
 */
export async function warmUp(tf, model, shape) {
  const sample = new Float32Array(shape[0] * shape[1] * shape[2]);
  const backend = tf.getBackend();
  try {
    await tf.ready();
    predictBatch(tf, model, sample, shape);
    const start = performance.now();
    predictBatch(tf, model, sample, shape);
    return { backend, milliseconds: performance.now() - start };
  } catch (error) {
    throw new ModelError(`TensorFlow.js (${backend}) cannot run this model: ${error.message}`);
  }
}
