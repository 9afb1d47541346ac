// Two digits the pen joined, read as two. Twin: training/joined.py; its judge: metadata.json "joined". No DOM.

import { fitAndCentre } from './preprocess.js';

const logTop = (probabilities) => Math.log(Math.max(...probabilities) + 1e-7);

/** P(joined): logistic regression on the features, log top probability, log width/height. */
export function judge({ weights, bias, scale = 1 }, features, probabilities, aspect) {
  const n = features.length;
  const sum = features.reduce((total, value, index) => total + weights[index] * value, bias);
  return 1 / (1 + Math.exp(-scale * (sum + weights[n] * logTop(probabilities) + weights[n + 1] * Math.log(aspect))));
}

/** The crop's ink in columns [from, to) with its offset; null if none. */
function inked({ values, height, width }, from, to, threshold) {
  let [top, bottom, left, right] = [height, -1, to, -1];
  for (let y = 0; y < height; y++) {
    for (let x = from; x < to; x++) {
      if (values[y * width + x] > threshold) [top, bottom, left, right] = [Math.min(top, y), y, Math.min(left, x), Math.max(right, x)];
    }
  }
  if (bottom < 0) return null;
  const part = { top, left, height: bottom - top + 1, width: right - left + 1 };
  part.values = new Float64Array(part.height * part.width);
  for (let y = 0; y < part.height; y++) part.values.set(values.subarray((top + y) * width + left, (top + y) * width + right + 1), y * part.width);
  return part;
}

// A stroke group under this x the character's height is no digit to cut at. Twin: joined.py
const GROUP_HEIGHT = 0.4;

/** Stroke groups centred in the box, and those at least GROUP_HEIGHT of its height. */
function groupsIn({ top, left, bottom, right }, groups) {
  const inside = groups.filter(([t, b, l, r]) => top <= (t + b) / 2 && (t + b) / 2 <= bottom && left <= (l + r) / 2 && (l + r) / 2 <= right);
  return [inside, inside.filter(([t, b]) => b - t >= GROUP_HEIGHT * (bottom - top + 1))];
}

/** The crop's column midway between two tall stroke groups (pad.js strokeGroups) apart, centred in the box, where
 * no stroke runs on (an underline), 2 columns in, nearest the middle. Twin: joined.py stroke_cut. */
export function strokeCut(box, width, groups) {
  const [inside, tall] = groupsIn(box, groups);
  let best;
  for (let i = 1; i < tall.length; i++) {
    const middle = (tall[i - 1][3] + tall[i][2]) / 2;
    const column = Math.floor(middle) - box.left;
    const free = tall[i - 1][3] < tall[i][2] && !inside.some(([, , l, r]) => l < middle && middle < r);
    if (free && column > 1 && column < width - 2 && (best === undefined || Math.abs(column - width / 2) < Math.abs(best - width / 2))) best = column;
  }
  return best;
}

// A glued mark is under this x its digit's stroke group's height. Twin: joined.py
const MARK_HEIGHT = 0.3;

/** Marks the pen joined to a digit in these boxes: short stroke groups beside tall ones, below the box's top third
 * (a 5's flag sits on top). Twin: joined.py glued_marks. */
export function gluedMarks(boxes, groups) {
  return boxes.reduce((count, box) => {
    const [inside, tall] = groupsIn(box, groups);
    const digit = Math.max(...tall.map(([t, b]) => b - t));
    return count + inside.filter(([t, b, l, r]) => b - t < MARK_HEIGHT * digit && (t + b) / 2 > box.top + (box.bottom - box.top + 1) / 3 && tall.every(([, , tl, tr]) => r < tl || l > tr)).length;
  }, 0);
}

/** The crop's column of least ink, cutFrom to cutTo of its width. */
function leastInk({ values, height, width }, rule) {
  let [column, least] = [0, Infinity];
  for (let x = Math.floor(width * rule.cutFrom); x < Math.ceil(width * rule.cutTo); x++) {
    let sum = 0;
    for (let y = 0; y < height; y++) sum += values[y * width + x];
    if (sum < least) [column, least] = [x, sum];
  }
  return column;
}

/** The crop cut at `column`; null if a part is empty. */
export function cut(crop, rule, threshold, column = leastInk(crop, rule)) {
  const parts = [inked(crop, 0, column, threshold), inked(crop, column, crop.width, threshold)];
  return parts.includes(null) ? null : parts;
}

/** Each segment's read, or its parts' (`look` reads them) if judged joined or cut by strokeCut and they score higher. */
export function readJoined(segments, reads, look, rule, config, groups = []) {
  const read = (box, crop, input, seen, depth) => {
    const joined = judge(rule, seen.features, seen.probabilities, crop.width / crop.height);
    const whole = { characters: [{ box, input, ...seen }], score: logTop(seen.probabilities) + Math.log(1 - joined + 1e-7) };
    const column = depth > 0 ? strokeCut(box, crop.width, groups) : undefined;
    const parts = depth > 0 && (column !== undefined || (joined > rule.threshold && crop.width >= 8)) ? cut(crop, rule, config.inkThreshold, column) : null;
    if (!parts) return whole;
    const inputs = parts.map((part) => fitAndCentre(part.values, part.height, part.width, config));
    const partReads = look(inputs);
    const split = { characters: [], score: 0 };
    parts.forEach((part, index) => {
      const [top, left] = [box.top + part.top, box.left + part.left];
      const partBox = { top, left, bottom: top + part.height - 1, right: left + part.width - 1 };
      const result = read(partBox, part, inputs[index], partReads[index], depth - 1);
      split.characters.push(...result.characters);
      split.score += result.score;
    });
    return split.score > whole.score ? split : whole;
  };
  return segments.flatMap((segment, index) => read(segment.box, segment.crop, segment.input, reads[index], rule.depth).characters);
}
