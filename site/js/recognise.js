// From a drawing to an answer: the ink split into characters, read by the model, moved towards what the user
// taught (`blend`) and ranked. No DOM; every setting from metadata.json, so a retrained model needs no change.

import { gluedMarks, judge, readJoined } from './joined.js';
import { predictWithFeatures } from './model.js';
import { segment } from './preprocess.js';

/**
 * @typedef {object} Character left to right, line by line
 * @property {{top: number, left: number, bottom: number, right: number}} box recognition-canvas pixels, inclusive
 * @property {Float32Array} input the model's input, imageSize^2 values, 1 = ink
 * @property {Float32Array} probabilities one per label, summing to 1 (after `blend`)
 * @property {Float32Array} modelProbabilities the model's own, before `blend`
 * @property {Float32Array} features the last layer's input (taught drawings are compared by it)
 * @property {number} row its line, 0 = the top
 * @property {string} label the most probable label, as the line rules leave it (`name`)
 * @property {number} confidence its probability (a bar, I or l: the pair's together)
 * @property {string} runnerUp the second most probable label
 * @property {boolean} unsure confidence < metadata.display.confidenceThreshold, or a doubtful bar (`caseByHeight`)
 *
 * @typedef {{label: number, features: Float32Array}} Taught a drawing the user taught
 *
 * @typedef {object} Recognition
 * @property {Character[]} characters
 * @property {string} text the labels joined, a line break between lines
 * @property {number} inferenceMilliseconds
 * @property {number} preprocessMilliseconds
 * @property {boolean} [tooSmall] the ink is a speck (`isSpeck`): nothing read
 * @property {number} [ignored] marks dropped as specks, bigger than a dot (preprocess.js `segment`)
 * @property {number} [marks] points, dashes, signs, lines and loops left out, or glued to a digit
 */

/** The best two of metadata.labels for one character's probabilities; unsure under metadata.display's
 * confidenceThreshold. */
export function rank(probabilities, labels, threshold) {
  const order = Array.from(probabilities.keys()).sort((a, b) => probabilities[b] - probabilities[a]);
  const confidence = probabilities[order[0]];
  return { label: labels[order[0]], confidence, runnerUp: labels[order[1]], unsure: confidence < threshold };
}

/** True when all the ink fits in a square of 0.05 x the canvas side: a tap, which scaled up reads as anything. */
export function isSpeck(segments, canvasSize) {
  const ends = (side) => segments.map(({ box }) => box[side]);
  const extent = (low, high) => Math.max(...ends(high)) - Math.min(...ends(low));
  return segments.length > 0 && Math.max(extent('left', 'right'), extent('top', 'bottom')) < 0.05 * canvasSize - 1;
}

/** Recognition's first half (`classify` the second, a task apart): the drawing (pad.js toImageData) cut into
 * characters, preprocessed as metadata.json says. */
export function split(metadata, imageData) {
  const startPreprocess = performance.now();
  // Lines the pad drew apart (pad.js linesApart), each segmented alone; `left`: strokes it left out.
  const segments = Object.assign([], { marks: imageData.left | 0, ignored: 0 });
  for (const image of imageData.lines || [imageData]) {
    const part = segment(image, metadata.preprocess);
    const rows = segments.length && segments.at(-1).row + 1;
    segments.push(...part.map((character) => ({ ...character, row: character.row + rows })));
    segments.marks += part.marks;
    segments.ignored += part.ignored;
  }
  return { segments, groups: imageData.groups, preprocessMilliseconds: performance.now() - startPreprocess };
}

/**
 * Recognition's second half: characters not read before (`remember`) through the model in one batch, then ranked.
 * @param {object} prepared from `split`
 * @param {Taught[]} [taught] what the user taught, for this model
 * @param {Map} [memo] this model's reads, kept across readings (`remember`)
 * @returns {Recognition}
 */
export function classify(tf, model, metadata, { segments, groups, preprocessMilliseconds }, taught = [], memo = new Map()) {
  const tooSmall = isSpeck(segments, metadata.drawing.canvasSize);
  if (segments.length === 0 || tooSmall) return { characters: [], text: '', inferenceMilliseconds: 0, preprocessMilliseconds, tooSmall };

  const startInference = performance.now();
  const look = remember(memo, (inputs) => predictWithFeatures(tf, model, inputs, metadata.input.shape));
  const read = look(segments.map(({ input }) => input));
  const rows = []; // per line: its segments, their reads
  segments.forEach((segment, index) => {
    const [row, reads] = (rows[segment.row] ||= [[], []]);
    row.push(segment);
    reads.push(read[index]);
  });
  // Digits the pen joined, cut apart (joined.js).
  const seen = rows.map(([row, reads]) => (metadata.joined
    ? readJoined(row, reads, look, metadata.joined, metadata.preprocess, groups)
    : row.map(({ box, input }, index) => ({ box, input, ...reads[index] }))));
  const inferenceMilliseconds = performance.now() - startInference;

  // Each line named alone: the line rules read its heights.
  const named = seen.map((line, row) => name(line, metadata, taught).map((character) => ({ ...character, row })));
  const text = named.map((line) => line.map((character) => character.label).join('')).join('\n');
  // Marks the pen joined to a digit, read with it: said too (joined.js).
  const marks = segments.marks + (metadata.preprocess.markHeight && groups ? gluedMarks(named.flat().map(({ box }) => box), groups) : 0);
  return { characters: named.flat(), text, inferenceMilliseconds, preprocessMilliseconds, ignored: segments.ignored, marks };
}

/**
 * `look` sending the model only inputs it has not read, found by their bits: while the pen moves the drawing is
 * read every 80 ms, yet only the character being written changes.
 * @param {Map} memo one per model, emptied past 200 inputs
 * @param {(inputs: Float32Array[]) => object[]} look reads in one batch
 */
export function remember(memo, look) {
  return (inputs) => {
    if (memo.size > 200) memo.clear();
    const keys = inputs.map((input) => String.fromCharCode(...new Uint16Array(input.buffer, input.byteOffset, input.length * 2)));
    const unread = keys.flatMap((key, index) => (memo.has(key) ? [] : [index]));
    if (unread.length > 0) look(unread.map((index) => inputs[index])).forEach((read, at) => memo.set(keys[unread[at]], read));
    return keys.map((key) => memo.get(key));
  };
}

/**
 * Characters read, each moved towards what was taught and ranked, then the task's line rules: `shortLetters`,
 * `caseByHeight`, `byDescent`.
 * @param {{box: object, probabilities: Float32Array, features?: Float32Array}[]} characters left to right
 *   (other fields kept)
 * @param {object} metadata the task's metadata.json
 * @param {Taught[]} [taught] what the user taught, for this model
 * @returns {Character[]}
 */
export function name(characters, metadata, taught = []) {
  const ranked = characters.map((character) => {
    const probabilities = blend(character, taught, metadata.corrections);
    const ranked = rank(probabilities, metadata.labels, metadata.display.confidenceThreshold);
    return {
      ...character,
      modelProbabilities: character.probabilities,
      probabilities,
      ...ranked,
      ...(probabilities === character.probabilities && other(character, metadata.other, ranked.label)),
    };
  });
  return byDescent(caseByHeight(shortLetters(ranked, metadata), metadata), metadata);
}

/** Ink that is no label, a smiley among digits: metadata.json "other" (training/other.py; absent: no judge). */
function other({ box, features, probabilities }, rule, runnerUp) {
  const p = rule && features && judge(rule, features, probabilities, (box.right - box.left + 1) / (box.bottom - box.top + 1));
  if (p > rule?.threshold) return { label: rule.label, runnerUp, confidence: p, unsure: true, other: true };
}

/**
 * Probabilities moved towards what the user taught (metadata.json "corrections"): each taught drawing adds
 * `weight * max(0, (s - similarity) / (1 - similarity))` to its label, s the cosine similarity of the two
 * drawings' features; then normalised. Twin: training/recognise.py `blend` (tests/test_corrections.py).
 * @param {{probabilities: Float32Array, features?: Float32Array}} character
 * @param {Taught[]} taught
 * @param {{similarity: number, weight: number}} rule
 * @returns {Float32Array} one per label, summing to 1 (`probabilities` if nothing taught is alike)
 */
export function blend({ probabilities, features }, taught, rule) {
  if (taught.length === 0 || !features) return probabilities;
  const length = (vector) => Math.sqrt(vector.reduce((total, value) => total + value * value, 0)) || 1;
  const own = length(features);
  const blended = Float64Array.from(probabilities);
  for (const { label, features: seen } of taught) {
    const cosine = features.reduce((total, value, index) => total + value * seen[index], 0) / (own * length(seen));
    blended[label] += rule.weight * Math.max(0, (cosine - rule.similarity) / (1 - rule.similarity));
  }
  if (blended.every((value, index) => value === probabilities[index])) return probabilities;
  const total = blended.reduce((sum, value) => sum + value, 0);
  return Float32Array.from(blended, (value) => value / total);
}

/** A character's box height in canvas pixels. */
const boxHeight = ({ box }) => box.bottom - box.top + 1;

/** The model's own probabilities, before what was taught: a lookalike is judged on them. */
const ownProbabilities = (character) => character.modelProbabilities ?? character.probabilities;

/** A letter written at x-height is no letter that never is: metadata.json "shortLetters" (absent: no rule); short
 * characters relabelled. The rule: training/recognise.py's docstring; twin: its `short_letters`. */
export function shortLetters(characters, metadata) {
  const rule = metadata.shortLetters;
  if (!rule || characters.length < 2) return characters;
  const tallest = Math.max(...characters.map(boxHeight));
  return characters.map((character) => {
    if (boxHeight(character) > rule.shortRatio * tallest || !rule.notShort.includes(character.label)) return character;
    const allowed = Array.from(character.probabilities.keys())
      .filter((index) => !rule.notShort.includes(metadata.labels[index]))
      .sort((a, b) => character.probabilities[b] - character.probabilities[a]);
    const confidence = character.probabilities[allowed[0]];
    if (confidence < rule.minProbability) return character;
    const [label, runnerUp] = allowed.slice(0, 2).map((index) => metadata.labels[index]);
    return { ...character, label, runnerUp, confidence, unsure: confidence < metadata.display.confidenceThreshold };
  });
}

/** Two labels of one glyph in two cases told apart by height: metadata.json "caseByHeight" (absent: no rule), a
 * bare bar, I beside capitals and l beside x-height letters. The rule: training/recognise.py; twin: its `read`. */
export function caseByHeight(characters, metadata) {
  const rule = metadata.caseByHeight;
  if (!rule) return characters;
  const short = metadata.labels.indexOf(rule.short);
  const tall = metadata.labels.indexOf(rule.tall);
  const lookalike = (character) => Math.min(ownProbabilities(character)[short], ownProbabilities(character)[tall]) >= rule.minProbability;
  const others = characters.filter((character) => !lookalike(character));
  if (others.length === 0) return characters;
  const reference = Math.min(...others.map(boxHeight));
  return characters.map((character) => {
    if (!lookalike(character)) return character;
    const ratio = boxHeight(character) / reference;
    const isTall = ratio >= rule.tallRatio;
    const confidence = ownProbabilities(character)[short] + ownProbabilities(character)[tall];
    // Unsure near the line (a hand's capitals vary that much), and for a tall bar that begins a word ("In" as
    // often as "lot").
    const nearLine = ratio * rule.unsureBelow > rule.tallRatio && ratio < rule.tallRatio * rule.unsureAbove;
    const first = isTall && character === characters[0];
    return {
      ...character,
      label: isTall ? rule.tall : rule.short,
      runnerUp: isTall ? rule.short : rule.tall,
      confidence,
      unsure: confidence < metadata.display.confidenceThreshold || nearLine || first,
    };
  });
}

/** Two labels told apart by whether the character descends below the baseline: metadata.json "byDescent" (absent:
 * no rule), a dotted i (sits) and a j (descends). The rule: training/recognise.py; twin: its `by_descent`. */
export function byDescent(characters, metadata) {
  const rule = metadata.byDescent;
  if (!rule || characters.length < 3) return characters;
  const sits = metadata.labels.indexOf(rule.sits);
  const descends = metadata.labels.indexOf(rule.descends);
  const centre = ({ box }) => (box.left + box.right) / 2;
  const mean = (values) => values.reduce((total, value) => total + value, 0) / values.length;
  const pair = [rule.sits, rule.descends];
  return characters.map((character, position) => {
    if (!pair.includes(character.label) || Math.min(ownProbabilities(character)[sits], ownProbabilities(character)[descends]) < rule.minProbability) return character;
    const others = characters.filter((other, index) => index !== position && !rule.descenders.includes(other.label));
    if (others.length < 2) return character;
    const centres = others.map(centre);
    const bottoms = others.map(({ box }) => box.bottom);
    const [x, y] = [mean(centres), mean(bottoms)];
    const spread = centres.reduce((total, value) => total + (value - x) ** 2, 0);
    const slope = spread > 0 ? centres.reduce((total, value, index) => total + (value - x) * (bottoms[index] - y), 0) / spread : 0;
    const heights = others.map(boxHeight).sort((a, b) => a - b);
    const middle = heights.length / 2;
    const height = heights.length % 2 ? heights[Math.floor(middle)] : (heights[middle - 1] + heights[middle]) / 2;
    const below = character.box.bottom - (y + slope * (centre(character) - x)) >= rule.depth * height;
    // As sure as the model is, not the pair together as for a bar: an i and a j are two shapes, and a bent
    // baseline or a capital J on the line can fool the rule.
    const confidence = character.probabilities[below ? descends : sits];
    return {
      ...character,
      label: below ? rule.descends : rule.sits,
      runnerUp: below ? rule.sits : rule.descends,
      confidence,
      unsure: confidence < metadata.display.confidenceThreshold,
    };
  });
}

/** Run `task` at most once per `interval` ms, on an animation frame (live recognition must not starve the drawing
 * of frames); `cancel` drops a pending run and counts as one (the caller has just done the work). */
export function throttle(task, interval) {
  let last = -Infinity;
  let timer = 0;
  let frame = 0;
  return {
    request() {
      if (timer || frame) return;
      const wait = Math.max(0, last + interval - performance.now());
      timer = setTimeout(() => {
        timer = 0;
        frame = requestAnimationFrame(() => {
          frame = 0;
          last = performance.now();
          task();
        });
      }, wait);
    },
    cancel() {
      clearTimeout(timer);
      cancelAnimationFrame(frame);
      timer = 0;
      frame = 0;
      last = performance.now();
    },
  };
}
