// node tools/tfjs_predict.mjs --model site/models/digits/ --backend cpu [--runtime page] --inputs in.f32 --out probs.f32
//
// Runs a converted model in the real TensorFlow.js runtime (Node, TF.js 4.22.0 with the cpu or wasm
// backend), through the page's own loader site/js/model.js, so SHA-256 checks and weight loading are
// exactly the page's. Two runtimes:
//   --runtime npm   (default) @tensorflow/tfjs from node_modules: every op and layer, so any model TF.js can
//                   run (convert.py measures models before they ship);
//   --runtime page  the very files the page imports, site/vendor/tfjs.js (wasm) or tfjs-cpu.js (cpu),
//                   trimmed to the shipped models' layers and kernels (tools/build_tfjs.mjs).
// Inputs: raw little-endian float32, n x 784 (0 = paper, 1 = ink). Output: raw float32 n x 10
// probabilities. Or --canvases (raw RGBA, n x --height x --width x 4): each read as the page reads a drawing
// (recognise.js split and classify: segmentation, the model, joined digits cut, the line rules), with --groups
// (JSON: per canvas, its strokes' groups as pad.js strokeGroups gives them) where the strokes are known, and --lines
// (JSON: per drawing, null or the indices of the canvases holding its lines, drawn apart as pad.js draws them; only
// these first drawings are read); output a JSON list of the texts. The last stdout line is a JSON summary; errors are one line on stderr, exit 1.

import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { loadModel, predictBatch } from '../site/js/model.js';
import { classify, split } from '../site/js/recognise.js';
import { readCanvases } from './canvases.mjs';

const require = createRequire(import.meta.url);
const VENDOR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'site', 'vendor');
const WASM_DIST = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));

/** TF.js as the page imports it, for `backend`, with the WebAssembly files beside it. */
async function importPageRuntime(backend) {
  // The bundles are built for browsers: the Node-only branches of TF.js and of Emscripten's loader call
  // CommonJS's `require` and read `__dirname`, which an ES module in Node lacks. Provide both; a browser
  // never reaches those branches.
  globalThis.require = require;
  globalThis.__dirname = VENDOR;
  const tf = await import(pathToFileURL(path.join(VENDOR, backend === 'wasm' ? 'tfjs.js' : 'tfjs-cpu.js')).href);
  if (backend === 'wasm') tf.setWasmPaths(`${VENDOR}/`);
  return tf;
}

/** @tensorflow/tfjs from node_modules, with the wasm backend when asked. */
async function importNpmRuntime(backend) {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(`${WASM_DIST}/`);
  }
  return tf;
}

async function main() {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'site/models/digits/' },
      backend: { type: 'string', default: 'cpu' },
      runtime: { type: 'string', default: 'npm' },
      inputs: { type: 'string' },
      out: { type: 'string' },
      batch: { type: 'string', default: '1000' },
      canvases: { type: 'string' },
      groups: { type: 'string' },
      lines: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
    },
  });
  // TF.js greets Node users on the console; keep stdout for our JSON summary.
  const log = console.log;
  console.log = () => {};
  console.warn = () => {};
  if (!['npm', 'page'].includes(values.runtime)) throw new Error(`--runtime ${values.runtime}: choose npm or page`);
  const tf = await (values.runtime === 'page' ? importPageRuntime : importNpmRuntime)(values.backend);
  if (!(await tf.setBackend(values.backend))) throw new Error(`backend ${values.backend} is not available`);
  await tf.ready();

  const modelDir = values.model.endsWith('/') ? values.model : `${values.model}/`;
  const fetchFile = async (url) => {
    try {
      return new Response(await readFile(url));
    } catch (error) {
      return new Response(null, { status: error.code === 'ENOENT' ? 404 : 500 });
    }
  };
  const started = performance.now();
  const { model, metadata, bytes } = await loadModel(tf, modelDir, fetchFile);
  const loadMs = performance.now() - started;
  const shape = metadata.input.shape;
  const size = shape[0] * shape[1] * shape[2];
  const summary = { backend: tf.getBackend(), runtime: values.runtime, tfjs: tf.version['tfjs-core'], loadMs, bytes, count: 0 };
  if (values.inputs) {
    const raw = await readFile(values.inputs);
    const inputs = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    const count = inputs.length / size;
    const batch = Number(values.batch) * size;
    const outputs = new Float32Array(count * metadata.labels.length);
    const predictStarted = performance.now();
    for (let offset = 0; offset < inputs.length; offset += batch) {
      const chunk = inputs.subarray(offset, Math.min(offset + batch, inputs.length));
      outputs.set(predictBatch(tf, model, chunk, shape), (offset / size) * metadata.labels.length);
    }
    summary.predictMs = performance.now() - predictStarted;
    summary.count = count;
    if (values.out) await writeFile(values.out, Buffer.from(outputs.buffer));
  }
  if (values.canvases) {
    const canvases = await readCanvases(values.canvases, Number(values.width), Number(values.height));
    // Each drawing's stroke groups, as pad.js strokeGroups attaches them to its ImageData.
    if (values.groups) JSON.parse(await readFile(values.groups, 'utf8')).forEach((groups, index) => (canvases[index].groups = groups));
    // With --lines, the first drawings' lines drawn apart (pad.js toImageData's `lines`): canvases further on.
    const drawings = values.lines ? JSON.parse(await readFile(values.lines, 'utf8')).map((lines, index) => Object.assign(canvases[index], lines && { lines: lines.map((line) => canvases[line]) })) : canvases;
    const texts = drawings.map((canvas) => classify(tf, model, metadata, split(metadata, canvas)).text);
    summary.count = texts.length;
    await writeFile(values.out, JSON.stringify(texts));
  }
  log(JSON.stringify(summary));
}

main().catch((error) => {
  process.stderr.write(`error: ${error.message.split('\n')[0]}\n`);
  process.exit(1);
});
