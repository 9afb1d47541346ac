// What the user taught: misread drawings and right labels, per task in localStorage, sent nowhere. Kept as
// the model's input, a byte a pixel, so a new model reads them afresh.

import { predictWithFeatures } from './model.js';

export const TAUGHT_LIMIT = 50; // per task, oldest dropped first: each costs start-up time
const key = (task) => `inkwell.taught.${task}`;

/** The last TAUGHT_LIMIT taught for `task` that fit this model's labels and input size.
 * @returns {{label: string, input: Float32Array}[]} none if storage is off or holds something else */
export function loadTaught(storage, task, metadata) {
  let stored;
  try {
    stored = JSON.parse(storage?.getItem(key(task)) ?? '[]');
  } catch {
    return [];
  }
  const size = metadata.input.shape[0] * metadata.input.shape[1];
  return (Array.isArray(stored) ? stored : [])
    .map(({ label, input } = {}) => ({ label, input: decode(input) }))
    .filter(({ label, input }) => metadata.labels.includes(label) && input?.length === size)
    .slice(-TAUGHT_LIMIT);
}

/** Keep `items` for `task` (none: forget); false if the browser refuses (storage off or full). */
export function saveTaught(storage, task, items) {
  try {
    if (items.length === 0) storage.removeItem(key(task));
    else storage.setItem(key(task), JSON.stringify(items.map(({ label, input }) => ({ label, input: encode(input) }))));
    return true;
  } catch {
    return false;
  }
}

/** For recognise.js `blend`: each taught drawing's label index and features, in one batch.
 * @returns {import('./recognise.js').Taught[]} */
export function featuresOf(tf, model, metadata, items) {
  if (items.length === 0) return [];
  const read = predictWithFeatures(tf, model, items.map(({ input }) => input), metadata.input.shape);
  return items.map(({ label }, index) => ({ label: metadata.labels.indexOf(label), features: read[index].features }));
}

// Inputs (0 = paper, 1 = ink) as base64 bytes.
const encode = (input) => btoa(String.fromCharCode(...Array.from(input, (value) => Math.round(Math.min(1, Math.max(0, value)) * 255))));
const decode = (text) => {
  try {
    return Float32Array.from(atob(text), (character) => character.charCodeAt(0) / 255);
  } catch {
    return null; // not base64 or not a string
  }
};
