// node tools/read_cli.mjs --drawings drawings.json --metadata site/models/letters/metadata.json
//
// The last step of the page's site/js/recognise.js in Node: characters already segmented and classified
// (each its box and the model's probabilities) -> the labels the page shows, with the task's
// metadata.json rules (caseByHeight). Lets Python read words exactly as the page does (bench/letters.py)
// and compare the rule with training/recognise.py (tests/test_recognise.py). --drawings holds a list of
// drawings, each a list of characters {"box": {top, left, bottom, right}, "probabilities": [...]}; prints
// one JSON line: for each drawing, its labels.

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import { name } from '../site/js/recognise.js';

const { values } = parseArgs({ options: { drawings: { type: 'string' }, metadata: { type: 'string' } } });

try {
  const metadata = JSON.parse(await readFile(values.metadata, 'utf8'));
  const drawings = JSON.parse(await readFile(values.drawings, 'utf8'));
  const read = drawings.map((characters) =>
    name(characters.map(({ box, probabilities }) => ({ box, probabilities: Float32Array.from(probabilities) })), metadata).map(
      (character) => character.label,
    ),
  );
  console.log(JSON.stringify(read));
} catch (error) {
  console.error(`error: ${error.message}`);
  process.exit(1);
}
