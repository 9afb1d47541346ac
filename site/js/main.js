// Inkwell's wiring: a pad, a model per task to read it, a view for the answer, a worker for offline.
import { featuresOf, loadTaught, saveTaught, TAUGHT_LIMIT } from './corrections.js';
import { loadModel, ModelError, warmUp } from './model.js';
import { createPad } from './pad.js';
import { classify, split, throttle } from './recognise.js';
import { chooseTask, loadTasks, rememberTask } from './tasks.js';
import { createView } from './ui.js';
import { registerWorker } from './update.js';

const LIVE_INTERVAL_MS = 80; // follows the pen, leaves frames for drawing
// CPU build: read once the pen rests this long (a read can take 0.4 s on a phone; review 10).
const REST_MS = 300;
// TF.js from tools/build_tfjs.mjs, a module per backend (cpu: no WebAssembly, as in Lockdown Mode); one is
// imported: two would share one engine.
const TENSORFLOW = { wasm: '../vendor/tfjs.js', cpu: '../vendor/tfjs-cpu.js' }; // ?backend=cpu forces one

const view = createView(document);
let storage = null; // the last task chosen, what the user taught
try {
  storage = globalThis.localStorage ?? null;
} catch {
  // Site data blocked (it throws): remember nothing.
}
const loaded = new Map(); // task name -> Promise of {model, metadata}, on first use
let read = null; // the task's `reader`, once model and backend are ready
let generation = 0; // recognitions started: a live one yields to any later one
let onScreen = null; // {reader, revision} the answer on screen was read from
let backendTimed = null; // the backend's warm-up and timing, once
let opening = 0; // the latest task asked for: a slower earlier load must not replace it

/** Say why the recogniser stopped; drawing works without a model. */
function fail(error) {
  read = null;
  view.showError(error instanceof ModelError ? error.message : `unexpected error: ${error.message}`, error.retry ?? true);
  document.body.dataset.ready = 'false';
  if (!(error instanceof ModelError)) throw error; // a bug, not a bad model: keep it in the console
}

function show(recognition, reader, revision) {
  onScreen = { reader, revision };
  view.showResult(recognition, pad.ranOff());
  if (recognition.characters.length > 0) view.showTiming(recognition.inferenceMilliseconds);
}

/** The answer for the drawing now, at once: pointer-up, clear, undo, a model just loaded. */
function update() {
  generation++;
  view.showDrawing(pad.isEmpty(), pad.canUndo());
  if (!read) return;
  // A pointer-up after a live answer for the same drawing: it stands.
  const revision = pad.revision();
  if (onScreen && onScreen.reader === read && onScreen.revision === revision) return;
  let recognition;
  try {
    const started = performance.now();
    recognition = read.classify(read.split(pad.toImageData()));
    // For DevTools and the tests; kept few.
    if (performance.getEntriesByName('inkwell: recognise').length > 99) performance.clearMeasures('inkwell: recognise');
    performance.measure('inkwell: recognise', { start: started });
  } catch (error) {
    // A model that loaded yet cannot read (a mismatch loadModel missed): say so once.
    fail(error);
    return;
  }
  show(recognition, read, revision);
}

/** Yield to the browser: pending input (a pointer-up) and frames go first. */
const nextTask = () => (globalThis.scheduler?.yield ? globalThis.scheduler.yield() : new Promise((resolve) => setTimeout(resolve, 0)));

/** The live answer while the pen moves, in three tasks (draw the recognition canvas, preprocess, classify and
 * show): a pointer-up waits for one at most, and its own recognition replaces this one. */
async function updateLive() {
  const ticket = ++generation;
  view.showDrawing(pad.isEmpty(), pad.canUndo());
  const reader = read;
  if (!reader) return;
  try {
    const revision = pad.revision();
    const imageData = pad.toImageData();
    await nextTask();
    if (ticket !== generation || reader !== read) return;
    const prepared = reader.split(imageData);
    await nextTask();
    if (ticket !== generation || reader !== read) return;
    show(reader.classify(prepared), reader, revision);
  } catch (error) {
    fail(error);
  }
}

const live = throttle(() => void updateLive(), LIVE_INTERVAL_MS);
const rested = throttle(update, REST_MS);
const pad = createPad(document.getElementById('pad'), {
  onChange(reason) {
    view.setBusy(pad.isDrawing());
    if (read && reason !== 'move' && reason !== 'end') view.showTaught(read.taughtCount()); // a new drawing: no "Taught: …"
    rested.cancel();
    if (reason === 'move' || reason === 'start') {
      // A pen-down adds a dot at most: not worth its own reading.
      if (read?.slow) view.showDrawing(pad.isEmpty(), pad.canUndo());
      else live.request();
    } else {
      live.cancel(); // the answer is due now, whole: not in live pieces
      if (read?.slow && reason === 'end') rested.request();
      else update();
    }
  },
});
view.bindControls({ clear: () => pad.clear(), undo: () => pad.undo() });
/** What was taught changed: say so, read again (the same revision now reads differently). */
const retaught = (kept, label) => {
  view.showTaught(read.taughtCount(), kept, label);
  onScreen = null;
  update();
};
view.bindTeaching({
  teach: (character, label) => read && retaught(read.teach(character, label), label),
  forget: () => read && retaught(read.forget()),
});

/** True if this page may compile WebAssembly (an empty module). */
async function webAssemblyRuns() {
  try {
    await WebAssembly.instantiate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    return true;
  } catch {
    return false; // no WebAssembly, or compiling refused
  }
}

const cpuSince = (now) => {
  try {
    return now ? storage?.setItem('inkwell.cpuSince', now) : storage?.getItem('inkwell.cpuSince');
  } catch {} // storage refused: as above
};

/** The TF.js module for `forced` or this browser, backend started. If wasm fails though WebAssembly runs (.wasm
 * blocked), the page reloads on the CPU build, used by later visits for a week, and this never resolves. */
async function loadTensorFlow(forced) {
  const backend = forced || (Date.now() - cpuSince() < 7 * 864e5 || !(await webAssemblyRuns()) ? 'cpu' : 'wasm');
  if (!Object.keys(TENSORFLOW).includes(backend)) throw new ModelError(`?backend=${backend}: choose ${Object.keys(TENSORFLOW).join(' or ')}`);
  if (backend === 'wasm') {
    // Fetched now, not once tfjs.js runs: the binary its SIMD probe picks (twin: sw.js SIMD_PROBE, tested equal).
    const simd = WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11]));
    document.head.insertAdjacentHTML('beforeend', `<link rel=preload as=fetch crossorigin href=vendor/tfjs-backend-wasm${simd ? '-simd' : ''}.wasm>`);
  }
  const tf = await import(TENSORFLOW[backend]);
  tf.enableProdMode(); // no per-op debug checks; the model is verified
  if (backend === 'wasm') tf.setWasmPaths('./vendor/'); // relative: works from any sub-path
  if (await tf.setBackend(backend)) return tf;
  if (!forced) {
    cpuSince(Date.now());
    const url = new URL(location.href);
    url.searchParams.set('backend', 'cpu');
    location.replace(url);
    return new Promise(() => {});
  }
  throw new ModelError(`TensorFlow.js could not start its ${backend} backend (a file it needs did not load, or this browser blocks it)`, { retry: true });
}

/** recognise.js for one task's model and what the user taught it: `taught` holds features for `blend`, `items`
 * the inputs storage keeps. */
function reader(tf, model, metadata, task) {
  const items = loadTaught(storage, task, metadata);
  const taught = featuresOf(tf, model, metadata, items);
  const memo = new Map();
  return {
    split: (imageData) => split(metadata, imageData),
    classify: (prepared) => classify(tf, model, metadata, prepared, taught, memo),
    taughtCount: () => items.length,
    slow: tf.getBackend() === 'cpu',
    /** The character read is `label` (a drawing taught again: the last tap counts); false if storage refused. */
    teach({ input, features }, label) {
      const again = items.findIndex((item) => item.input.every((value, index) => value === input[index]));
      if (again >= 0) [items, taught].forEach((list) => list.splice(again, 1));
      items.push({ label, input });
      taught.push({ label: metadata.labels.indexOf(label), features });
      if (items.length > TAUGHT_LIMIT) [items, taught].forEach((list) => list.shift());
      return saveTaught(storage, task, items);
    },
    forget() {
      items.length = 0;
      taught.length = 0;
      return saveTaught(storage, task, items);
    },
  };
}

/** Show the task's model, loading it on first use; true once shown. */
async function open(tf, name) {
  const ticket = ++opening;
  read = null;
  document.body.dataset.ready = 'loading';
  view.showLoading();
  if (!loaded.has(name)) loaded.set(name, loadModel(tf, `./models/${name}/`));
  let model, metadata;
  try {
    ({ model, metadata } = await loaded.get(name));
  } catch (error) {
    loaded.delete(name); // a reload or a second try may succeed
    if (ticket === opening) throw error;
    return;
  }
  if (ticket !== opening) return;
  pad.setDrawing({ ...metadata.drawing, leave: metadata.preprocess.markHeight });
  view.showModel(metadata);
  // Once, with the first model.
  backendTimed ??= warmUp(tf, model, metadata.input.shape);
  const backend = await backendTimed;
  if (ticket !== opening) return;
  view.showBackend(backend);
  read = reader(tf, model, metadata, name);
  view.showTaught(read.taughtCount());
  document.body.dataset.ready = 'true'; // tests wait for this
  document.body.dataset.task = name;
  update();
  return true;
}

async function start() {
  const tensorFlow = loadTensorFlow(new URLSearchParams(location.search).get('backend'));
  let tasks;
  try {
    tasks = await loadTasks();
  } catch (error) {
    throw new ModelError(error.message, { retry: true }); // models/index.json: its fetch may have failed
  }
  const first = chooseTask(tasks, location.search, storage);
  // Downloaded while TF.js loads; open() shows a failure.
  loaded.set(first, loadModel(tensorFlow, `./models/${first}/`)).get(first).catch(() => {});
  const tf = await tensorFlow;
  view.showTasks(tasks, first, (name) => {
    // The drawing stays: a word begun in the wrong mode is read by the right one. Remembered once open: a model
    // that failed to download must not open next visit, nor end the task on screen.
    const back = read ? document.body.dataset.task : null;
    const title = (task) => tasks.find((entry) => entry.name === task).title;
    open(tf, name).then((opened) => opened && rememberTask(storage, name), (error) => {
      if (!back || !(error instanceof ModelError)) throw error;
      return open(tf, back).then((opened) => opened && view.showTaskFailed(back, `${title(name)} could not load; ${title(back)} still works. (${error.message})`));
    }).catch(fail);
  });
  await open(tf, first);
}

start().catch(fail).finally(() => {
  // Only now, ready or failed: its precache would slow the first load.
  if ('serviceWorker' in navigator) {
    registerWorker(navigator.serviceWorker, (reload) => view.showUpdate(reload)).catch((error) => {
      console.warn(`Offline use is unavailable: ${error.message}`);
    });
  }
});
