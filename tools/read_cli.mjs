// node tools/read_cli.mjs --drawings drawings.json --metadata site/models/letters/metadata.json [--taught taught.json]
//
// The last step of the page's site/js/recognise.js in Node: characters already segmented and classified
// (each its box and the model's probabilities) -> the labels the page shows, with the task's
// metadata.json rules (shortLetters, caseByHeight, corrections). Lets Python read words exactly as the page does
// (bench/letters.py) and compare the rules with training/recognise.py (tests/test_recognise.py,
// tests/test_corrections.py). --drawings holds a list of drawings, each a list of characters {"box": {top,
// left, bottom, right}, "probabilities": [...], "features": [...] (optional)}; --taught what the user taught,
// [{"label": index, "features": [...]}]; prints one JSON line: for each drawing, its labels.

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import { name } from '../site/js/recognise.js';

const { values } = parseArgs({ options: { drawings: { type: 'string' }, metadata: { type: 'string' }, taught: { type: 'string' } } });

try {
  const metadata = JSON.parse(await readFile(values.metadata, 'utf8'));
  const drawings = JSON.parse(await readFile(values.drawings, 'utf8'));
  const taught = values.taught ? JSON.parse(await readFile(values.taught, 'utf8')) : [];
  taught.forEach((item) => { item.features = Float32Array.from(item.features); });
  const asArrays = ({ box, probabilities, features }) => ({
    box,
    probabilities: Float32Array.from(probabilities),
    ...(features ? { features: Float32Array.from(features) } : {}),
  });
  const read = drawings.map((characters) => name(characters.map(asArrays), metadata, taught).map((character) => character.label));
  console.log(JSON.stringify(read));
} catch (error) {
  console.error(`error: ${error.message}`);
  process.exit(1);
}
