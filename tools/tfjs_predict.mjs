// node tools/tfjs_predict.mjs --model site/models/digits/ --backend cpu --inputs in.f32 --out probs.f32
//
// Runs a converted model in the real TensorFlow.js runtime (Node, @tensorflow/tfjs 4.22.0 with the cpu or
// wasm backend), through the page's own loader site/js/model.js, so SHA-256 checks and weight loading are
// exactly the page's. Inputs: raw little-endian float32, n x 784 (0 = paper, 1 = ink). Output: raw float32
// n x 10 probabilities. The last stdout line is a JSON summary; errors are one line on stderr, exit 1.

import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { loadModel, predictBatch } from '../site/js/model.js';

const require = createRequire(import.meta.url);

async function main() {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'site/models/digits/' },
      backend: { type: 'string', default: 'cpu' },
      inputs: { type: 'string' },
      out: { type: 'string' },
      batch: { type: 'string', default: '1000' },
    },
  });
  // TF.js greets Node users on the console; keep stdout for our JSON summary.
  const log = console.log;
  console.log = () => {};
  console.warn = () => {};
  const tf = await import('@tensorflow/tfjs');
  if (values.backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(`${dist}/`);
  }
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
  const summary = { backend: tf.getBackend(), tfjs: tf.version.tfjs, loadMs, bytes, count: 0 };
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
  log(JSON.stringify(summary));
}

main().catch((error) => {
  process.stderr.write(`error: ${error.message.split('\n')[0]}\n`);
  process.exit(1);
});
