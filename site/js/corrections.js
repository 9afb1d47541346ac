// What the user taught the page: drawings it misread, each with its right label, kept per task in this
// browser's localStorage and sent nowhere. Kept as the model's input (imageSize² bytes), not as features, so a
// new model reads them afresh; recognise.js `blend` then moves readings of drawings that look alike.

import { predictWithFeatures } from './model.js';

export const TAUGHT_LIMIT = 200; // drawings kept per task; the oldest go first
const key = (task) => `inkwell.taught.${task}`;

/**
 * The drawings taught for `task` that fit this model (a label it has, an input of its size); none if
 * storage is unavailable or holds something else.
 * @param {Storage|null} storage
 * @param {string} task
 * @param {object} metadata the task's metadata.json
 * @returns {{label: string, input: Float32Array}[]}
 */
export function loadTaught(storage, task, metadata) {
  let stored;
  try {
    stored = JSON.parse(storage?.getItem(key(task)) ?? '[]');
  } catch {
    return []; // unreadable (edited by hand, or storage refused): start afresh rather than fail
  }
  const size = metadata.input.shape[0] * metadata.input.shape[1];
  return (Array.isArray(stored) ? stored : [])
    .map(({ label, input } = {}) => ({ label, input: typeof input === 'string' ? decode(input) : null }))
    .filter(({ label, input }) => metadata.labels.includes(label) && input?.length === size);
}

/**
 * Keep `items` as what was taught for `task` (the caller keeps at most TAUGHT_LIMIT); an empty list forgets them.
 * @returns {boolean} false when the browser refused to store them (private mode, storage full)
 */
export function saveTaught(storage, task, items) {
  try {
    if (items.length === 0) storage.removeItem(key(task));
    else storage.setItem(key(task), JSON.stringify(items.map(({ label, input }) => ({ label, input: encode(input) }))));
    return true;
  } catch {
    return false;
  }
}

/**
 * What `blend` compares with: each taught drawing's label index and features, read by this model in one batch.
 * @param {object} tf
 * @param {object} model a tf.LayersModel
 * @param {object} metadata
 * @param {{label: string, input: Float32Array}[]} items from `loadTaught`
 * @returns {import('./recognise.js').Taught[]}
 */
export function featuresOf(tf, model, metadata, items) {
  if (items.length === 0) return [];
  const size = items[0].input.length;
  const batch = new Float32Array(items.length * size);
  items.forEach(({ input }, index) => batch.set(input, index * size));
  const { features } = predictWithFeatures(tf, model, batch, metadata.input.shape);
  const featureSize = features.length / items.length;
  return items.map(({ label }, index) => ({
    label: metadata.labels.indexOf(label),
    features: features.slice(index * featureSize, (index + 1) * featureSize),
  }));
}

// An input's values (0 = paper, 1 = ink) as one byte each, in base64: 784 values take 1,048 characters.
const encode = (input) => btoa(String.fromCharCode(...Array.from(input, (value) => Math.round(Math.min(1, Math.max(0, value)) * 255))));
const decode = (text) => {
  try {
    return Float32Array.from(atob(text), (character) => character.charCodeAt(0) / 255);
  } catch {
    return null;
  }
};
