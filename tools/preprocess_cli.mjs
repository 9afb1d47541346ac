// node tools/preprocess_cli.mjs --canvases in.rgba --width W --height H --out out.f32 [--metadata site/models/digits/metadata.json]
//
// Runs the page's site/js/preprocess.js in Node on raw RGBA canvases (count x H x W x 4 bytes, as a canvas
// getImageData gives them) so Python can compare it with training/preprocess.py and benchmark the model on
// exactly what the page computes. Writes every character's input (float32 x 784) to --out, in order, and
// prints one JSON line: for each canvas, the list of character boxes [top, left, bottom, right].

import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import { DEFAULT_CONFIG, segment } from '../site/js/preprocess.js';
import { readCanvases } from './canvases.mjs';

const { values } = parseArgs({
  options: {
    canvases: { type: 'string' },
    width: { type: 'string' },
    height: { type: 'string' },
    out: { type: 'string' },
    metadata: { type: 'string' },
  },
});

try {
  const width = Number(values.width);
  const height = Number(values.height);
  const config = values.metadata ? JSON.parse(await readFile(values.metadata, 'utf8')).preprocess : DEFAULT_CONFIG;
  const boxes = [];
  const inputs = [];
  for (const canvas of await readCanvases(values.canvases, width, height)) {
    const characters = segment(canvas, config);
    boxes.push(characters.map(({ box }) => [box.top, box.left, box.bottom, box.right]));
    for (const { input } of characters) inputs.push(input);
  }
  const out = new Float32Array(inputs.reduce((total, input) => total + input.length, 0));
  let position = 0;
  for (const input of inputs) {
    out.set(input, position);
    position += input.length;
  }
  await writeFile(values.out, Buffer.from(out.buffer));
  console.log(JSON.stringify(boxes));
} catch (error) {
  process.stderr.write(`error: ${error.message}\n`);
  process.exit(1);
}
