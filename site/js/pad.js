// Pointer drawing: strokes kept as vector paths, drawn smooth on the visible canvas (themed, any size and pixel
// density) and again black on white at one fixed size for recognition, so the model's input ignores the screen.

import { lines } from './preprocess.js';

/** Until `setDrawing` gives metadata.json's `drawing` (strokes.py page_drawing): recognition pixels. */
export const DEFAULT_DRAWING = Object.freeze({ canvasSize: 280, penWidth: 16, fullPenHeight: 0.5, thinnestPen: 0.25 });

/** Merges (nearly) overlapping strokes' boxes in place; returns each box's strokes. Twin: strokes.py. */
function mergedBoxes(boxes) {
  const members = boxes.map((_, i) => [i]);
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [[top, bottom, left, right], [t, b, l, r]] = [boxes[i], boxes[j]];
      const near = 0.1 * Math.max(bottom - top, b - t);
      if (t <= bottom + near && top <= b + near && l <= right && left <= r) {
        boxes[i] = [Math.min(top, t), Math.max(bottom, b), Math.min(left, l), Math.max(right, r)];
        members[i].push(...members.splice(j, 1)[0]);
        boxes.splice(j, 1);
        i = -1; // from the start again
        break;
      }
    }
  }
  return members;
}

/** A stroke's [top, bottom, left, right]. */
const strokeBox = (stroke) => ['y', 'x'].flatMap((axis) => [Math.min(...stroke.map((p) => p[axis])), Math.max(...stroke.map((p) => p[axis]))]);

/** The strokes' merged boxes times `scale`, by left edge (joined.js strokeCut). Twin: strokes.py stroke_groups. */
export function strokeGroups(strokes, scale) {
  const boxes = strokes.map(strokeBox);
  mergedBoxes(boxes);
  return boxes.map((box) => box.map((value) => value * scale)).sort((a, b) => a[2] - b[2]);
}

/** A straight stroke's slant, in degrees. Twin: strokes.py. */
function straight(s, a = s[0], b = s.at(-1), c = Math.hypot(b.x - a.x, b.y - a.y)) {
  if (c && s.every((p) => Math.abs((p.x - a.x) * (b.y - a.y) - (p.y - a.y) * (b.x - a.x)) <= 0.1 * c * c)) return (Math.atan2(Math.abs(b.y - a.y), Math.abs(b.x - a.x)) * 180) / Math.PI;
}

/** A line under or over the answer, a loop round it: left out of digits. Twin: strokes.py left_out. */
export const leftOut = (strokes) => strokes.flatMap((s, index) => {
  const others = strokes.filter((_, i) => i !== index);
  const boxes = others.map(strokeBox);
  const members = mergedBoxes(boxes);
  const [top, bottom, left, right] = strokeBox(s);
  const h = bottom - top;
  const row = boxes.filter(([, , l, r]) => left <= (l + r) / 2 && (l + r) / 2 <= right).sort((a, b) => a[2] - b[2]);
  const spanned = row.map(([t, b]) => (t + b) / 2 - (s[0].y + s.at(-1).y) / 2);
  const tall = Math.max(...boxes.map(([t, b]) => b - t)) / 4;
  return straight(s) <= 15 && row[1] && row.every((b, i) => !i || row[i - 1][3] < b[2]) && Math.max(...row.map((b) => b[0])) < Math.min(...row.map((b) => b[1])) && (Math.max(...spanned) <= -tall || Math.min(...spanned) >= tall)
    || s[2] && boxes.some(([t, b, l, r], i, _, x = (l + r) / 2, y = (t + b) / 2) => top - h / 20 <= t && b <= bottom + h / 20 && left - h / 20 <= l && r <= right + h / 20 && b - t >= 0.3 * h && (members[i][1] || !(straight(others[members[i][0]]) < 70))
      && Math.abs(s.reduce((turn, p, j) => (j ? turn + ((Math.atan2(p.y - y, p.x - x) - Math.atan2(s[j - 1].y - y, s[j - 1].x - x) + 3 * Math.PI) % (2 * Math.PI)) - Math.PI : 0), 0)) >= (300 * Math.PI) / 180) ? [index] : [];
});

/** The strokes' lines (their indices, top to bottom), as the pen rule finds them. Twin: strokes.py stroke_lines. */
function strokeLines(strokes) {
  const boxes = strokes.map(strokeBox);
  const members = mergedBoxes(boxes);
  const edge = (line, side) => Math[side ? 'max' : 'min'](...line.map((i) => boxes[i][side]));
  const found = lines(boxes);
  // One line when each holds one character (an 8's loops) or a lone box reaches up into the line above.
  return (found.every((line) => line.length === 1) || found.some((line, i) => i && line.length < 2 && edge(line, 0) <= edge(found[i - 1], 1)) ? [boxes.map((_, i) => i)] : found)
    .map((line) => line.flatMap((i) => members[i]));
}

/** Each stroke's recognition pen, each line's as if written alone. Twin: strokes.py. `scale`: to recognition pixels. */
export function recognitionPens(strokes, scale, drawing) {
  const pens = [];
  for (const line of strokeLines(strokes)) {
    const [top, bottom] = strokeBox(line.flatMap((i) => strokes[i]));
    const pen = drawing.penWidth * Math.min(Math.max(((bottom - top) * scale) / (drawing.fullPenHeight * drawing.canvasSize), drawing.thinnestPen), 1);
    for (const i of line) pens[i] = pen;
  }
  return pens;
}

/** Lines of strokes stacked as a number wrapped under itself, to be read apart. Twin: strokes.py lines_apart. */
export function linesApart(strokes) {
  const found = strokeLines(strokes);
  const heights = strokeGroups(strokes, 1).map(([t, b]) => b - t);
  const tall = heights.filter((h) => h >= 0.4 * Math.max(...heights)).sort((a, b) => a - b);
  const boxes = found.map((line) => strokeBox(line.flatMap((i) => strokes[i])));
  if (found[1] && boxes.every(([t, b, l, r], i, _, [top, bottom, left, right] = boxes[i - 1] || []) => !i || ((t + b - top - bottom) / 2 >= 0.8 * tall[(tall.length - 1) >> 1] && Math.min(right, r) - Math.max(left, l) >= 0.5 * Math.min(right - left, r - l)))) return found;
}

/**
 * @typedef {{x: number, y: number}} Point CSS pixels from the canvas's top-left corner
 * @typedef {Point[]} Stroke at least one point; one point is a dot
 * @typedef {'start'|'move'|'end'|'clear'|'undo'|'resize'} ChangeReason
 */

/** Trace a stroke times `scale`: quadratic curves from midpoint to midpoint, each sample the control point. */
export function traceStroke(context, stroke, scale) {
  const [first] = stroke;
  context.moveTo(first.x * scale, first.y * scale);
  for (let i = 1; i < stroke.length - 1; i++) {
    const control = stroke[i];
    const next = stroke[i + 1];
    context.quadraticCurveTo(
      control.x * scale, control.y * scale, ((control.x + next.x) / 2) * scale, ((control.y + next.y) / 2) * scale,
    );
  }
  const last = stroke[stroke.length - 1];
  context.lineTo(last.x * scale, last.y * scale);
}

/** Draw strokes times `scale`, each with its round pen (`pens`, context units; one point: a dot). */
export function drawStrokes(context, strokes, scale, pens, colour) {
  context.strokeStyle = colour;
  context.fillStyle = colour;
  context.lineCap = 'round';
  context.lineJoin = 'round';
  for (const [i, stroke] of strokes.entries()) {
    context.beginPath();
    context.lineWidth = pens[i];
    if (stroke.length === 1) {
      context.arc(stroke[0].x * scale, stroke[0].y * scale, pens[i] / 2, 0, 2 * Math.PI);
      context.fill();
    } else {
      traceStroke(context, stroke, scale);
      context.stroke();
    }
  }
}

/**
 * Make a square canvas drawable; the stylesheet sets its size, its `color` is the ink.
 * @param {HTMLCanvasElement} canvas
 * @param {{onChange: (reason: ChangeReason) => void}} options called after the drawing changes
 * @returns toImageData: the recognition canvas, black on white, with `groups`, the strokes `left` out and the
 *   `lines` drawn apart; revision: changes whenever what toImageData gives may have
 */
export function createPad(canvas, { onChange }) {
  /** @type {Stroke[]} */
  const strokes = [];
  let active = null; // {pointerId, stroke, touch, start} while a pointer is down
  let cleared = []; // what Clear took: Undo puts it back, until a new stroke begins
  let size = 0; // the canvas's CSS width (= height) in pixels
  let frame = 0;
  let revision = 0; // see revision() below
  const changed = (reason) => {
    if (reason !== 'end') revision++; // a pointer-up adds no point
    onChange(reason);
  };
  let origin = null; // the canvas's viewport position, read once per stroke
  let ink = ''; // the canvas's CSS color, read once per theme, not every frame
  const context = canvas.getContext('2d');
  let drawing = DEFAULT_DRAWING;
  const recognition = document.createElement('canvas');
  const recognitionContext = recognition.getContext('2d', { willReadFrequently: true });

  function render() {
    frame = 0;
    const pixelRatio = canvas.width / Math.max(size, 1);
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, canvas.width, canvas.height);
    // The pen thins with small writing as the recognition pen does: what you see is what the model gets.
    const toRecognition = drawing.canvasSize / Math.max(size, 1);
    const pens = recognitionPens(strokes, toRecognition, drawing).map((pen) => (pen / toRecognition) * pixelRatio);
    // Read after the page's updates, getComputedStyle would recalculate styles mid-frame.
    ink ||= getComputedStyle(canvas).color;
    drawStrokes(context, strokes, pixelRatio, pens, ink);
  }

  const requestRender = () => {
    if (!frame) frame = requestAnimationFrame(render);
  };

  function resize() {
    const newSize = canvas.clientWidth;
    const pixelRatio = window.devicePixelRatio || 1;
    const backing = Math.round(newSize * pixelRatio);
    if (newSize === size && canvas.width === backing) return;
    // Strokes are in CSS pixels: rescale them so a rotated phone or a resized window keeps the drawing.
    if (size > 0 && newSize > 0) {
      for (const stroke of strokes) for (const point of stroke) {
        point.x *= newSize / size;
        point.y *= newSize / size;
      }
    }
    size = newSize;
    ink = '';
    canvas.width = backing;
    canvas.height = backing;
    render();
    changed('resize');
  }

  /** The event's point on the canvas, from `origin`: no layout read per pointer event. */
  function pointFrom(event) {
    return { x: event.clientX - origin.left, y: event.clientY - origin.top };
  }

  /** Take the last stroke back (the one being drawn, if any); after Clear, all. */
  function undo() {
    if (strokes.length + cleared.length === 0) return;
    if (strokes.length === 0) {
      strokes.push(...cleared.splice(0)); // Clear taken back
    } else {
      if (active && strokes[strokes.length - 1] === active.stroke) active = null;
      strokes.pop();
    }
    requestRender();
    changed('undo');
  }

  canvas.addEventListener('pointerdown', (event) => {
    // A pen coming down while a touch draws: the touch was a palm. A second finger within 150 ms of the first:
    // a pinch or a swipe, so neither draws.
    if (active?.touch && (event.pointerType === 'pen' || (event.pointerType === 'touch' && event.timeStamp - active.start < 150))) undo();
    // One pen at a time: a second finger or a right click does not start a stroke.
    if (active || !event.isPrimary || event.button !== 0) return;
    event.preventDefault();
    begin(event);
  });
  // A mouse or pen pressed beside the pad and moved onto it: a stroke from its way in, run off (a touch scrolls).
  canvas.addEventListener('pointerover', (event) => {
    if (!active && event.isPrimary && event.buttons === 1 && event.pointerType !== 'touch') begin(event).off = true;
  });

  /** Start a stroke at the event's point; returns it. */
  function begin(event) {
    try {
      // Keep receiving moves when the pointer leaves the canvas mid-stroke.
      canvas.setPointerCapture(event.pointerId);
    } catch {
      // Synthetic events have no pointer to capture; the stroke still works inside the canvas.
    }
    // Once per stroke: the page cannot scroll under a held pointer (touch-action: none), and reading the
    // layout on every move would force one after each answer shown.
    origin = canvas.getBoundingClientRect();
    active = { pointerId: event.pointerId, stroke: [pointFrom(event)], touch: event.pointerType === 'touch', start: event.timeStamp };
    strokes.push(active.stroke);
    cleared = [];
    requestRender();
    changed('start');
    return active.stroke;
  }

  canvas.addEventListener('pointermove', (event) => {
    if (!active || event.pointerId !== active.pointerId) return;
    // Coalesced events keep pens' and fast mice's full sample rate between frames.
    const samples = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    for (const sample of samples.length > 0 ? samples : [event]) active.stroke.push(pointFrom(sample));
    requestRender();
    changed('move');
  });

  const endStroke = (event) => {
    if (!active || event.pointerId !== active.pointerId) return;
    active = null;
    requestRender();
    changed('end');
  };
  canvas.addEventListener('pointerup', endStroke);
  canvas.addEventListener('pointercancel', endStroke);
  canvas.addEventListener('lostpointercapture', endStroke);

  // Its first notification sizes the canvas, after the caller has its pad object.
  new ResizeObserver(resize).observe(canvas);
  // A mouse wheel may scroll the page mid-stroke: the canvas has moved under the pointer.
  window.addEventListener('scroll', () => {
    if (active) origin = canvas.getBoundingClientRect();
  }, { passive: true, capture: true });
  // Zooming changes devicePixelRatio, not the canvas's CSS size.
  window.addEventListener('resize', resize);
  // The ink colour follows the colour scheme.
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    ink = '';
    requestRender();
  });

  return {
    clear() {
      if (strokes.length) cleared = strokes.splice(0);
      active = null;
      requestRender();
      changed('clear');
    },
    undo,
    isEmpty: () => strokes.length === 0,
    canUndo: () => strokes.length + cleared.length > 0,
    /** True when a stroke went past the edge by over a 40th of the side, or came in from beyond: that ink is not read. */
    ranOff: () => strokes.some((stroke) => stroke.off || stroke.some(({ x, y }) => Math.min(x, y, size - x, size - y) < -size / 40)),
    isDrawing: () => active !== null,
    revision: () => revision,
    setDrawing(newDrawing) {
      drawing = newDrawing;
      revision++;
      requestRender();
    },
    toImageData() {
      const { canvasSize } = drawing;
      const scale = canvasSize / Math.max(size, 1);
      if (recognition.width !== canvasSize) recognition.width = recognition.height = canvasSize;
      const out = drawing.leave ? leftOut(strokes) : [];
      const kept = strokes.filter((_, i) => !out.includes(i));
      const pens = recognitionPens(kept, scale, drawing);
      const image = (line) => {
        recognitionContext.fillStyle = '#fff';
        recognitionContext.fillRect(0, 0, canvasSize, canvasSize);
        const some = line.map((i) => kept[i]);
        drawStrokes(recognitionContext, some, scale, line.map((i) => pens[i]), '#000');
        return Object.assign(recognitionContext.getImageData(0, 0, canvasSize, canvasSize), { groups: strokeGroups(some, scale) });
      };
      // Digits: lines stacked as a number wrapped under itself are each read alone, though their ink touches.
      return Object.assign(image(kept.map((_, i) => i)), { left: out.length, lines: drawing.leave && linesApart(kept)?.map(image) });
    },
  };
}
