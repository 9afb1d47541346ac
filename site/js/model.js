// Load a model the page ships (site/models/<task>/), verify it, pick a backend, predict. No DOM: the same module
// runs in the page and in Node (tools/tfjs_predict.mjs), where `tf` is @tensorflow/tfjs and `fetchFile`
// reads from disk. Everything the page needs to know about the model comes from metadata.json.

import { DEFAULT_DRAWING } from './pad.js';
import { DEFAULT_CONFIG } from './preprocess.js';

/** A model that is missing, corrupt or does not match metadata.json; `message` is one line for the user. */
export class ModelError extends Error {}

/** SHA-256 of an ArrayBuffer as lowercase hex (Web Crypto: browsers on https or localhost, and Node 20). */
export async function sha256Hex(buffer) {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', buffer);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

async function fetchBuffer(fetchFile, url) {
  let response;
  try {
    response = await fetchFile(url);
  } catch (error) {
    throw new ModelError(`cannot fetch ${url}: ${error.message}`);
  }
  if (!response.ok) throw new ModelError(`cannot fetch ${url}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

function parseJson(buffer, url) {
  try {
    return JSON.parse(new TextDecoder().decode(buffer));
  } catch (error) {
    throw new ModelError(`${url} is not valid JSON (${error.message}); rebuild it with make convert`);
  }
}

/**
 * Check that metadata.json holds every field the page reads, so an old or hand-edited one is reported by
 * name instead of breaking drawing or recognition later.
 * @param {object} metadata parsed metadata.json
 * @param {string} url where it came from, for the message
 */
export function checkMetadata(metadata, url) {
  const positive = (value) => typeof value === 'number' && Number.isFinite(value) && value > 0;
  const fields = [
    ['labels', Array.isArray(metadata.labels) && metadata.labels.length > 1],
    ['input.shape', Array.isArray(metadata.input?.shape) && metadata.input.shape.every(positive)],
    ['display.confidenceThreshold', typeof metadata.display?.confidenceThreshold === 'number'],
    ...Object.keys(DEFAULT_DRAWING).map((name) => [`drawing.${name}`, positive(metadata.drawing?.[name])]),
    ...Object.keys(DEFAULT_CONFIG).map((name) => [`preprocess.${name}`, Number.isFinite(metadata.preprocess?.[name])]),
  ];
  const missing = fields.find(([, present]) => !present);
  if (missing) throw new ModelError(`${url} lacks a valid ${missing[0]}; rebuild it with make convert`);
}

/**
 * Fetch metadata.json, model.json and the weight files, check every SHA-256 against metadata.json, and
 * build the layers model from memory (so each file is fetched once and only verified bytes are used).
 * @param {object} tf the TensorFlow.js namespace
 * @param {string} [baseUrl] directory of the model, relative to the page, ending in '/'
 * @param {(url: string) => Promise<Response>} [fetchFile]
 * @returns {Promise<{model: object, metadata: object, bytes: number}>}
 */
export async function loadModel(tf, baseUrl = './models/digits/', fetchFile = (url) => fetch(url)) {
  const metadata = parseJson(await fetchBuffer(fetchFile, `${baseUrl}metadata.json`), `${baseUrl}metadata.json`);
  checkMetadata(metadata, `${baseUrl}metadata.json`);
  const expected = new Map((metadata.files || []).map((file) => [file.path, file.sha256]));
  let bytes = 0;
  const verified = async (path) => {
    if (!expected.has(path)) throw new ModelError(`${baseUrl}${path} is not listed in metadata.json; rebuild with make convert`);
    const buffer = await fetchBuffer(fetchFile, `${baseUrl}${path}`);
    const actual = await sha256Hex(buffer);
    if (actual !== expected.get(path)) {
      throw new ModelError(`${baseUrl}${path} is corrupt: SHA-256 ${actual.slice(0, 12)}… expected ${expected.get(path).slice(0, 12)}…`);
    }
    bytes += buffer.byteLength;
    return buffer;
  };
  const modelJson = parseJson(await verified('model.json'), `${baseUrl}model.json`);
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
  let model;
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData: weightData.buffer }),
    );
  } catch (error) {
    throw new ModelError(`TensorFlow.js cannot load ${baseUrl}model.json: ${error.message}`);
  }
  return { model, metadata, bytes };
}

/**
 * Predict a batch in one call.
 * @param {object} tf
 * @param {object} model a tf.LayersModel taking [n, size, size, 1]
 * @param {Float32Array} inputs n * size * size values, 0 = paper, 1 = ink
 * @param {number[]} shape metadata.input.shape, e.g. [28, 28, 1]
 * @returns {Float32Array} n * labels.length probabilities
 */
export function predictBatch(tf, model, inputs, shape) {
  const count = inputs.length / (shape[0] * shape[1] * shape[2]);
  // tidy frees the input and intermediate tensors; dataSync copies the result out before they go.
  return tf.tidy(() => model.predict(tf.tensor4d(inputs, [count, ...shape])).dataSync());
}

/**
 * Try each backend, warm it up (the first call compiles WebGL shaders or instantiates WASM), time a few
 * predictions and keep the fastest. Returns timings per backend for display.
 * @returns {Promise<{backend: string, timings: Object<string, number>}>} median milliseconds per backend
 */
export async function chooseFastestBackend(tf, model, shape, candidates = ['webgl', 'wasm', 'cpu'], trials = 5) {
  const sample = new Float32Array(shape[0] * shape[1] * shape[2]);
  const timings = {};
  for (const name of candidates) {
    try {
      if (!(await tf.setBackend(name))) continue;
      await tf.ready();
      predictBatch(tf, model, sample, shape);
      const times = [];
      for (let i = 0; i < trials; i++) {
        const start = performance.now();
        predictBatch(tf, model, sample, shape);
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      timings[name] = times[Math.floor(times.length / 2)];
    } catch {
      // This backend is not available here (no WebGL, no WebAssembly): try the next.
    }
  }
  const ranked = Object.keys(timings).sort((a, b) => timings[a] - timings[b]);
  if (ranked.length === 0) throw new ModelError('no TensorFlow.js backend could run the model on this device');
  await tf.setBackend(ranked[0]);
  return { backend: ranked[0], timings };
}
