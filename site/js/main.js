// Inkwell's wiring: a pad to draw on, a model per task to read it, a view to show the answer, a worker for offline.
import { chooseFastestBackend, loadModel, ModelError } from './model.js';
import { createPad } from './pad.js';
import { recognise, throttle } from './recognise.js';
import { chooseTask, loadTasks, rememberTask } from './tasks.js';
import { createView } from './ui.js';

const LIVE_INTERVAL_MS = 80; // live enough to follow the pen, sparse enough to leave frames for drawing
const BACKENDS = ['webgl', 'wasm', 'cpu']; // tried in turn, the fastest kept; ?backend=wasm forces one

const view = createView(document);
const loaded = new Map(); // task name -> Promise of {model, metadata}: each task's model is loaded on first use
let read = null; // (ImageData) => Recognition, once the current task's model and the backend are ready
let backendChosen = null; // the backend is chosen once, with the first model
let opening = 0; // the latest task asked for: a slower, earlier load must not replace it

function update() {
  view.showDrawing(pad.isEmpty());
  if (!read) return;
  const recognition = read(pad.toImageData());
  view.showResult(recognition);
  if (recognition.characters.length > 0) view.showTiming(recognition.inferenceMilliseconds);
}

const live = throttle(update, LIVE_INTERVAL_MS);
const pad = createPad(document.getElementById('pad'), {
  onChange(reason) {
    view.setBusy(pad.isDrawing());
    if (reason === 'move') live.request();
    else live.flush();
  },
});
view.bindControls({ clear: () => pad.clear(), undo: () => pad.undo() });

/** Show the task's model, loading it first if this is its first use. */
async function open(tf, name) {
  const ticket = ++opening;
  read = null;
  document.body.dataset.ready = 'loading';
  view.showLoading(name);
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
  pad.setDrawing(metadata.drawing);
  view.showModel(metadata);
  if (!backendChosen) {
    const forced = new URLSearchParams(location.search).get('backend');
    backendChosen = chooseFastestBackend(tf, model, metadata.input.shape, forced ? [forced] : BACKENDS);
  }
  const backend = await backendChosen;
  if (ticket !== opening) return;
  view.showBackend(backend);
  read = (imageData) => recognise(tf, model, metadata, imageData);
  document.body.dataset.ready = 'true'; // tests wait for this
  document.body.dataset.task = name;
  update();
}

function fail(error) {
  view.showError(error instanceof ModelError ? error.message : `unexpected error: ${error.message}`);
  document.body.dataset.ready = 'false';
  if (!(error instanceof ModelError)) throw error; // a bug, not a bad model: keep it visible in the console
}

async function start(tf) {
  if (!tf) throw new ModelError('TensorFlow.js did not load (vendor/tf.min.js)');
  tf.enableProdMode(); // skips per-op debug checks; the model is already verified
  // Relative, so the .wasm files load from any sub-path. Without the WASM script, WebGL and CPU remain.
  if (tf.wasm) tf.wasm.setWasmPaths('./vendor/');
  let tasks;
  try {
    tasks = await loadTasks();
  } catch (error) {
    throw new ModelError(error.message);
  }
  const storage = globalThis.localStorage ?? null;
  const first = chooseTask(tasks, location.search, storage);
  view.showTasks(tasks, first, (name) => {
    rememberTask(storage, name);
    pad.clear(); // a drawing made for one task means nothing to the other
    open(tf, name).catch(fail);
  });
  await open(tf, first);
}

start(globalThis.tf).catch(fail);

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('./sw.js', { scope: './' }).catch((error) => {
    console.warn(`Offline use is unavailable: ${error.message}`);
  });
}
