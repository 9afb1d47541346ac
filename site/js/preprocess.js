// Preprocessing. Twin: training/preprocess.py, whose docstring is the spec, steps 1-8 (cited by number);
// tests/test_preprocess.py checks parity. Pure: runs in Node. Parameters: metadata.json "preprocess".
// 1 ink, 2 components, 3 specks, 4 lines and characters (segment only), 5 crop, 6 fit into boxSize, 7 centre by mass,
// 8 output: Float32Array(imageSize * imageSize), row-major, 0 = paper, 1 = ink.

/** The digits' values; the page passes metadata.json "preprocess". */
export const DEFAULT_CONFIG = Object.freeze({
  imageSize: 28,
  boxSize: 20,
  inkThreshold: 0.2,
  speckSize: 0.3,
  speckGap: 0.15,
  mergeOverlap: 0.5,
  mergeGap: 0.04,
  pieceHeight: 0.6,
  pieceGap: 0.35,
  maxAspect: 1.1,
  barAspect: 2.0,
  barHeight: 0.6,
  barGap: 0.35,
  verticalGapWeight: 1.0,
  apartHeight: 0.7, // 0: off (letters)
  markHeight: 0.4, // 0: off (letters)
});

/** Step 1: ink per pixel.
 * @param {{width: number, height: number, data: Uint8ClampedArray|Uint8Array}} imageData RGBA
 * @returns {Float64Array} width * height values in [0, 1], 0 = paper
 */
export function inkFromRgba({ width, height, data }) {
  if (!data || data.length !== width * height * 4) {
    throw new Error(`image ${width}x${height}: expected ${width * height * 4} RGBA bytes, got ${data ? data.length : 0}`);
  }
  const ink = new Float64Array(width * height);
  for (let i = 0; i < ink.length; i++) {
    const luminance = 0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2];
    ink[i] = (1 - luminance / 255) * (data[4 * i + 3] / 255);
  }
  return ink;
}

/** Step 2: 8-connected components of ink > threshold, labelled 1, 2, ... in raster order. */
export function findComponents(ink, width, height, config) {
  const labels = new Int32Array(width * height);
  const components = [];
  const stack = [];
  for (let start = 0; start < ink.length; start++) {
    if (labels[start] !== 0 || !(ink[start] > config.inkThreshold)) continue;
    const label = components.length + 1;
    const component = { label, top: height, bottom: -1, left: width, right: -1, pixels: 0 };
    let [sx, sy, sxx, syy, sxy] = [0, 0, 0, 0, 0];
    labels[start] = label;
    stack.push(start);
    while (stack.length > 0) {
      const index = stack.pop();
      const y = Math.floor(index / width);
      const x = index - y * width;
      component.pixels++;
      sx += x;
      sy += y;
      sxx += x * x;
      syy += y * y;
      sxy += x * y;
      if (y < component.top) component.top = y;
      if (y > component.bottom) component.bottom = y;
      if (x < component.left) component.left = x;
      if (x > component.right) component.right = x;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const neighbour = ny * width + nx;
          if (labels[neighbour] === 0 && ink[neighbour] > config.inkThreshold) {
            labels[neighbour] = label;
            stack.push(neighbour);
          }
        }
      }
    }
    // A slash: a straight line of ink rising rightwards (integer moments: exact).
    const n = component.pixels;
    const [a, b, c] = [n * sxx - sx * sx, n * syy - sy * sy, n * sxy - sx * sy];
    const straight = c < 0 ? (a - b) * (a - b) + 4 * c * c : -1;
    component.slash = straight >= 0.9 * (a + b) * (a + b); // SLASH_STRAIGHT
    component.line = straight >= 0.75 * (a + b) * (a + b); // CIRCLE_STRAIGHT
    components.push(component);
  }
  return { labels, components };
}

const side = (c) => Math.max(c.bottom - c.top + 1, c.right - c.left + 1);

const boxGap = (a, b) => pieceGap(a, b, { verticalGapWeight: 1 });

/** The longer box side of the component with most pixels (ties: first; marks on: of those not bars). */
function referenceSide(components, config) {
  const upright = components.filter((c) => !(config.markHeight && isBar([c], config)));
  return side((upright[0] ? upright : components).reduce((biggest, c) => (c.pixels > biggest.pixels ? c : biggest)));
}

/** Step 3: keep strokes and small components near them; drop specks. */
export function dropSpecks(components, config) {
  if (components.length === 0) return [];
  const reference = referenceSide(components, config);
  const strokes = components.filter((c) => side(c) >= config.speckSize * reference);
  return components.filter(
    (c) => strokes.includes(c) || strokes.some((stroke) => boxGap(c, stroke) <= config.speckGap * reference),
  );
}

/** A group's [left, right, top, bottom]. */
function extent(group) {
  let left = Infinity;
  let right = -Infinity;
  let top = Infinity;
  let bottom = -Infinity;
  for (const c of group) {
    left = Math.min(left, c.left);
    right = Math.max(right, c.right);
    top = Math.min(top, c.top);
    bottom = Math.max(bottom, c.bottom);
  }
  return [left, right, top, bottom];
}

function shouldMerge(first, second, config) {
  const [leftA, rightA, topA, bottomA] = extent(first);
  const [leftB, rightB, topB, bottomB] = extent(second);
  const overlap = Math.min(rightA, rightB) - Math.max(leftA, leftB) + 1;
  const narrower = Math.min(rightA - leftA + 1, rightB - leftB + 1);
  const heightA = bottomA - topA + 1;
  const heightB = bottomB - topB + 1;
  const taller = Math.max(heightA, heightB);
  const shorter = Math.min(heightA, heightB);
  const rowGap = Math.max(0, Math.max(topA, topB) - Math.min(bottomA, bottomB) - 1);
  const boxDistance = Math.max(rowGap, -overlap);
  const mergedWidth = Math.max(rightA, rightB) - Math.min(leftA, leftB) + 1;
  const mergedHeight = Math.max(bottomA, bottomB) - Math.min(topA, topB) + 1;
  const oneCharacterWide = mergedWidth <= config.maxAspect * mergedHeight;
  const piece = shorter < config.pieceHeight * taller && boxDistance <= config.pieceGap * taller;
  // A one-stroke piece over part of the taller group's columns is its bar, however far it reaches.
  const barOverBody = overlap > 0 && (heightA < heightB ? first : second).length === 1;
  const sideBySide = config.apartHeight > 0 && shorter >= config.apartHeight * mergedHeight;
  const penLift = -overlap <= config.mergeGap * taller && !sideBySide;
  return overlap >= config.mergeOverlap * narrower || (piece && barOverBody) || (oneCharacterWide && (penLift || piece));
}

function isBar(group, config) {
  const [left, right, top, bottom] = extent(group);
  return group.length === 1 && right - left + 1 >= config.barAspect * (bottom - top + 1);
}

/** Box distance: max(horizontal gap, verticalGapWeight * vertical gap). */
function pieceGap(piece, stroke, config) {
  const dy = Math.max(0, Math.max(piece.top, stroke.top) - Math.min(piece.bottom, stroke.bottom) - 1);
  const dx = Math.max(0, Math.max(piece.left, stroke.left) - Math.min(piece.right, stroke.right) - 1);
  return Math.max(dx, config.verticalGapWeight * dy);
}

const groupGap = (piece, group, config) => Math.min(...group.map((stroke) => pieceGap(piece, stroke, config)));

/** Index of the group nearest `piece` (pieceGap; ties: the earlier). */
function nearestGroup(piece, groups, config) {
  const gaps = groups.map((group) => groupGap(piece, group, config));
  return gaps.indexOf(Math.min(...gaps));
}

const byLeftEdge = (a, b) => extent(a)[0] - extent(b)[0];

/** A lone flat stroke joins the nearest character close enough (spec, step 4). */
function attachBars(groups, config) {
  const characters = groups.filter((group) => !isBar(group, config));
  for (const bar of groups.filter((group) => isBar(group, config))) {
    if (characters.length > 0) {
      const nearest = nearestGroup(bar[0], characters, config);
      const [, , top, bottom] = extent(characters[nearest]);
      const height = bottom - top + 1;
      const barHeight = bar[0].bottom - bar[0].top + 1;
      if (barHeight < config.barHeight * height && groupGap(bar[0], characters[nearest], config) <= config.barGap * height && !minusBeside(bar[0], characters[nearest], config)) {
        characters[nearest] = characters[nearest].concat(bar);
        continue;
      }
    }
    characters.push(bar);
  }
  return characters.sort(byLeftEdge);
}

// Marks on: a bar beside the group's columns at its middle height is a minus, not its bar.
function minusBeside(bar, group, config) {
  const [left, right, top, bottom] = extent(group);
  const middle = (bar.top + bar.bottom) / 2;
  return Boolean(config.markHeight) && (bar.right < left || bar.left > right) && top + (bottom - top) / 4 < middle && middle < bottom - (bottom - top) / 4;
}

/** Step 4: merge strokes into characters, attach small pieces to their nearest stroke; left to right. */
export function groupCharacters(components, config) {
  if (components.length === 0) return [];
  const reference = referenceSide(components, config);
  let strokes = components.filter((c) => side(c) >= config.speckSize * reference);
  // Marks on: a slash (06/12) is left out; see the spec.
  const slashes = strokes.filter((c, _, all, tall = c.bottom - c.top + 1, near = strokes.filter((s) => s !== c && s.left - tall <= c.right && c.left - tall <= s.right)) =>
    config.markHeight && c.slash && c.right - c.left + 1 >= 0.3 * tall && near.every((s) => (s.right < c.left || s.left > c.right) && s.bottom - s.top < tall) && near.some((s) => s.right < c.left) && near.some((s) => s.left > c.right));
  [components, strokes] = [components, strokes].map((found) => found.filter((c) => !slashes.includes(c)));
  // Marks on: under markHeight x a stroke's height and in no stroke's columns, a point or comma after it (on its
  // foot) or a flat dash before it (in its middle half) stands alone, as does a bar over half of two strokes apart,
  // each not a bar (a line under or over digits).
  const middle = (c) => (c.left + c.right) / 2;
  const linesUp = (c, spanned = strokes.filter((s) => !isBar([s], config) && Math.min(c.right, s.right) - Math.max(c.left, s.left) + 1 >= config.mergeOverlap * (s.right - s.left + 1) && c.bottom - c.top + 1 < config.barHeight * (s.bottom - s.top + 1))) =>
    isBar([c], config) && Math.min(...spanned.map((s) => s.right)) < Math.max(...spanned.map((s) => s.left));
  const points = components.filter((c) => {
    if (config.markHeight && linesUp(c)) return true;
    const [centre, tall] = [(c.top + c.bottom) / 2, c.bottom - c.top + 1];
    return strokes.some((s) => {
      const height = s.bottom - s.top + 1;
      const after = middle(c) > s.right && c.top <= s.bottom && centre > s.bottom - height / 4;
      const before = c.right - c.left + 1 >= config.barAspect * tall && middle(c) < s.left && s.top + height / 4 < centre && centre < s.bottom - height / 4;
      return tall < config.markHeight * height && (after || before);
    }) && !strokes.some((s) => s !== c && s.left <= middle(c) && middle(c) <= s.right);
  });
  const groups = strokes
    .filter((c) => !points.includes(c))
    .sort((a, b) => a.left - b.left || a.label - b.label)
    .map((c) => [c]);
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < groups.length && !merged; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        if (shouldMerge(groups[i], groups[j], config)) {
          groups[i] = groups[i].concat(groups[j]);
          groups.splice(j, 1);
          merged = true;
          break;
        }
      }
    }
  }
  const characters = attachBars(groups, config);
  const pieces = components.filter((c) => !strokes.includes(c) && !points.includes(c)).sort((a, b) => a.label - b.label);
  for (const piece of pieces) {
    const nearest = nearestGroup(piece, characters, config);
    characters[nearest] = characters[nearest].concat([piece]);
  }
  return characters.concat(points.map((point) => [point])).sort(byLeftEdge);
}

/** (target x source) area-averaging weights, row-major: output i averages [i, i+1) * source / target. */
function areaMatrix(source, target) {
  const step = source / target;
  const weights = new Float64Array(target * source);
  for (let i = 0; i < target; i++) {
    const start = i * step;
    const end = start + step;
    for (let k = Math.floor(start); k < Math.min(source, Math.ceil(end)); k++) {
      const overlap = Math.min(end, k + 1) - Math.max(start, k);
      if (overlap > 0) weights[i * source + k] = overlap / step;
    }
  }
  return weights;
}

/** Steps 6-8: fit a crop (Float64Array, height x width) into the box and centre it by mass. */
export function fitAndCentre(crop, height, width, config) {
  const scale = config.boxSize / Math.max(height, width);
  const newHeight = Math.min(config.boxSize, Math.max(1, Math.floor(height * scale + 0.5)));
  const newWidth = Math.min(config.boxSize, Math.max(1, Math.floor(width * scale + 0.5)));
  const rowWeights = areaMatrix(height, newHeight);
  const colWeights = areaMatrix(width, newWidth);
  // Columns first (height x newWidth), then rows, as Python's R_y @ crop @ R_x^T.
  const partial = new Float64Array(height * newWidth);
  for (let y = 0; y < height; y++) {
    for (let j = 0; j < newWidth; j++) {
      let sum = 0;
      for (let x = 0; x < width; x++) sum += crop[y * width + x] * colWeights[j * width + x];
      partial[y * newWidth + j] = sum;
    }
  }
  const fitted = new Float64Array(newHeight * newWidth);
  let peak = 0;
  for (let i = 0; i < newHeight; i++) {
    for (let j = 0; j < newWidth; j++) {
      let sum = 0;
      for (let y = 0; y < height; y++) sum += rowWeights[i * height + y] * partial[y * newWidth + j];
      fitted[i * newWidth + j] = sum;
      if (sum > peak) peak = sum;
    }
  }
  let total = 0;
  let momentY = 0;
  let momentX = 0;
  for (let i = 0; i < newHeight; i++) {
    for (let j = 0; j < newWidth; j++) {
      const value = peak > 0 ? fitted[i * newWidth + j] / peak : 0;
      fitted[i * newWidth + j] = value;
      total += value;
      momentY += value * (i + 0.5);
      momentX += value * (j + 0.5);
    }
  }
  const centreY = total > 0 ? momentY / total : newHeight / 2;
  const centreX = total > 0 ? momentX / total : newWidth / 2;
  const half = config.imageSize / 2;
  const top = Math.min(Math.max(Math.floor(half - centreY + 0.5), 0), config.imageSize - newHeight);
  const left = Math.min(Math.max(Math.floor(half - centreX + 0.5), 0), config.imageSize - newWidth);
  const out = new Float32Array(config.imageSize * config.imageSize);
  for (let i = 0; i < newHeight; i++) {
    for (let j = 0; j < newWidth; j++) out[(top + i) * config.imageSize + left + j] = fitted[i * newWidth + j];
  }
  return out;
}

/** Step 5 on: one character's crop (other components blanked) -> model input and box. */
function characterInput(ink, labels, width, group, config) {
  const [left, right, top, bottom] = extent(group);
  const own = new Set(group.map((c) => c.label));
  const cropHeight = bottom - top + 1;
  const cropWidth = right - left + 1;
  const crop = new Float64Array(cropHeight * cropWidth);
  for (let y = 0; y < cropHeight; y++) {
    for (let x = 0; x < cropWidth; x++) {
      const index = (top + y) * width + left + x;
      const label = labels[index];
      if (label === 0 || own.has(label)) crop[y * cropWidth + x] = ink[index];
    }
  }
  return { box: { top, left, bottom, right }, input: fitAndCentre(crop, cropHeight, cropWidth, config), crop: { values: crop, height: cropHeight, width: cropWidth } };
}

/** Step 4's lines of [top, bottom, left, right] boxes: per line, top down, its boxes' indices (pad.js's pen too). */
export function lines(boxes) {
  const height = ([top, bottom]) => bottom - top;
  const tallest = Math.max(...boxes.map(height));
  const tall = boxes.map((_, i) => i).filter((i) => height(boxes[i]) >= 0.4 * tallest); // ROW_SHARE
  const unit = tall.map((i) => height(boxes[i])).sort((a, b) => a - b)[(tall.length - 1) >> 1];
  const centre = (i) => (boxes[i][0] + boxes[i][1]) / 2;
  const found = []; // [top, bottom, left, right, indices]
  let last;
  for (const i of tall.sort((a, b) => centre(a) - centre(b) || a - b)) {
    const [top, bottom, left, right] = boxes[i];
    const line = found.at(-1);
    // LINE_PITCH, LINE_UNDER
    if (line && (centre(i) - last <= 0.5 * unit || (top <= line[1] && Math.min(right, line[3]) - Math.max(left, line[2]) < 0.5 * (right - left)))) {
      found[found.length - 1] = [Math.min(line[0], top), Math.max(line[1], bottom), Math.min(line[2], left), Math.max(line[3], right), [...line[4], i]];
    } else found.push([...boxes[i], [i]]);
    last = centre(i);
  }
  boxes.forEach(([top, bottom], i) => {
    const gaps = found.map((line) => Math.max(0, top - line[1], line[0] - bottom));
    if (!tall.includes(i)) found[gaps.indexOf(Math.min(...gaps))][4].push(i);
  });
  return found.map((line) => line[4]);
}

/** Step 4: a component spanning two lines whose ink touches, cut at its thinnest row (labels too). */
function cutTouchingLines(labels, width, kept, next) {
  const height = (c) => c.bottom - c.top;
  const tall = kept.map(height).sort((a, b) => a - b).filter((h, _, all) => h >= 0.4 * all.at(-1)); // ROW_SHARE
  return kept.flatMap((c) => {
    if (height(c) < 1.6 * tall[(tall.length - 1) >> 1]) return [c]; // TOUCH_SPAN
    const low = Math.floor(height(c) / 3);
    let row;
    for (let y = c.top + low, least = Infinity; y <= c.bottom - low; y++) {
      let count = 0;
      for (let x = c.left; x <= c.right; x++) count += labels[y * width + x] === c.label;
      if (count < least) [row, least] = [y, count];
    }
    const others = kept.filter((o) => o !== c && height(o) >= tall[0]);
    if (!others.some((o) => c.top < o.bottom && o.bottom < row) || !others.some((o) => row < o.top && o.top < c.bottom)) return [c];
    const parts = [c.label, next++].map((label) => ({ label, top: 1e9, bottom: 0, left: 1e9, right: 0, pixels: 0 }));
    for (let y = c.top; y <= c.bottom; y++) {
      for (let x = c.left; x <= c.right; x++) {
        if (labels[y * width + x] !== c.label) continue;
        const part = parts[+(y > row)];
        labels[y * width + x] = part.label;
        Object.assign(part, { top: Math.min(part.top, y), bottom: y, left: Math.min(part.left, x), right: Math.max(part.right, x), pixels: part.pixels + 1 });
      }
    }
    return parts;
  });
}

// Marks on: a loop round a character (a circled answer) is a mark (spec, step 3).
const isCircle = (c, all, labels, width, ink = (from, to, step) => {
  for (; from < to; from += step) if (labels[from] === c.label) return 1;
}) => all.some((o, _, __, x = (o.left + o.right) >> 1, y = ((o.top + o.bottom) >> 1) * width) =>
  Math.min(o.left - c.left, c.right - o.right, o.top - c.top, c.bottom - o.bottom) > 0.02 * (c.bottom - c.top + 1) && o.bottom - o.top + 1 >= 0.45 * (c.bottom - c.top + 1) && !o.line &&
  ink(c.top * width + x, o.top * width + x, width) && ink(o.bottom * width + x, (c.bottom + 1) * width + x, width) && ink(y + c.left, y + o.left, 1) && ink(y + o.right, y + c.right + 1, 1));

function keptComponents(imageData, config) {
  const ink = inkFromRgba(imageData);
  const { labels, components: found } = findComponents(ink, imageData.width, imageData.height, config);
  const circles = found.filter((c) => config.markHeight && isCircle(c, found, labels, imageData.width));
  const components = found.filter((c) => !circles.includes(c));
  const kept = dropSpecks(components, config);
  // Dropped and bigger than the widest pen's dot: a mark the writer meant; smaller, amid the writing: a point.
  const dropped = components.filter((c) => !kept.includes(c));
  const big = (c) => side(c) >= 0.08 * imageData.width;
  const amid = (c) => config.markHeight && !big(c) && kept.some((k) => k.left < c.left) && kept.some((k) => k.right > c.right);
  return { ink, labels, kept: cutTouchingLines(labels, imageData.width, kept, components.length + 1), ignored: dropped.filter(big).length, marks: dropped.filter(amid).length + circles.length };
}

/** A drawing's characters, by line, left to right, each preprocessed like one digit.
 * @param {{width: number, height: number, data: Uint8ClampedArray}} imageData RGBA, dark ink on light
 * @param {object} [config] metadata.json "preprocess"
 * @returns {{box: {top: number, left: number, bottom: number, right: number}, input: Float32Array, crop: object, row: number}[]}
 *   box in canvas pixels (inclusive); input as step 8; crop: the ink in the box; row: its line, 0 = top;
 *   the array's `ignored`: marks step 3 dropped, at least 0.08 of the width
 */
export function segment(imageData, config = DEFAULT_CONFIG) {
  const { ink, labels, kept, ignored, marks } = keptComponents(imageData, config);
  let grouped = lines(kept.map((c) => [c.top, c.bottom, c.left, c.right])).map((line) => groupCharacters(line.map((i) => kept[i]), config));
  // One character a line: one character, the pen lifted across it (a 7's stem).
  if (grouped.length > 1 && grouped.every((line) => line.length === 1)) grouped = [groupCharacters(kept, config)];
  grouped = grouped.map((line) => withoutMarks(line, config));
  const characters = grouped.flatMap((line, row) => line.map((group) => ({ row, ...characterInput(ink, labels, imageData.width, group, config) })));
  return Object.assign(characters, { ignored, marks: marks + kept.length - grouped.flat(2).length });
}

// Groups under markHeight x their line's median height (the upper middle) are marks: left out.
function withoutMarks(line, config) {
  const heights = line.map((group) => extent(group)[3] - extent(group)[2]);
  const median = [...heights].sort((a, b) => a - b)[line.length >> 1];
  return line.filter((_, index) => heights[index] >= config.markHeight * median);
}
