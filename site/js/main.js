// Inkwell's wiring: a pad to draw on, a model to read it, a view to show the answer, a worker for offline.
import { chooseFastestBackend, loadModel, ModelError } from './model.js';
import { createPad } from './pad.js';
import { recognise, throttle } from './recognise.js';
import { createView } from './ui.js';
import { registerWorker } from './update.js';

const LIVE_INTERVAL_MS = 80; // live enough to follow the pen, sparse enough to leave frames for drawing
const BACKENDS = ['webgl', 'wasm', 'cpu']; // tried in turn, the fastest kept; ?backend=wasm forces one

const view = createView(document);
let read = null; // (ImageData) => Recognition, once the model and its backend are ready

/** Say why the recogniser stopped, and keep the pad: drawing works without a model. */
function fail(error) {
  read = null;
  view.showError(error instanceof ModelError ? error.message : `unexpected error: ${error.message}`);
  document.body.dataset.ready = 'false';
  if (!(error instanceof ModelError)) throw error; // a bug, not a bad model: keep it visible in the console
}

function update() {
  view.showDrawing(pad.isEmpty());
  if (!read) return;
  let recognition;
  try {
    recognition = read(pad.toImageData());
  } catch (error) {
    // A model that loaded yet cannot read drawings (a mismatch loadModel did not foresee): say so once.
    fail(error);
    return;
  }
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

async function start(tf) {
  if (!tf) throw new ModelError('TensorFlow.js did not load (vendor/tf.min.js)');
  tf.enableProdMode(); // skips per-op debug checks; the model is already verified
  // Relative, so the .wasm files load from any sub-path. Without the WASM script, WebGL and CPU remain.
  if (tf.wasm) tf.wasm.setWasmPaths('./vendor/');
  const { model, metadata } = await loadModel(tf);
  pad.setDrawing(metadata.drawing);
  view.showModel(metadata);
  const forced = new URLSearchParams(location.search).get('backend');
  view.showBackend(await chooseFastestBackend(tf, model, metadata.input.shape, forced ? [forced] : BACKENDS));
  read = (imageData) => recognise(tf, model, metadata, imageData);
  document.body.dataset.ready = 'true'; // tests wait for this
  update();
}

start(globalThis.tf).catch(fail);

if ('serviceWorker' in navigator) {
  registerWorker(navigator.serviceWorker, (reload) => view.showUpdate(reload)).catch((error) => {
    console.warn(`Offline use is unavailable: ${error.message}`);
  });
}
