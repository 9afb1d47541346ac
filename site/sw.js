// Offline and installable: precache the whole site and the model at install, serve them cache-first, and
// delete older caches once a new version takes over. `python site_version.py` rewrites VERSION from a
// SHA-256 of every precached file, so a new model or site changes this file's bytes: the browser then
// installs the new worker, which fetches everything afresh.
const VERSION = 'fc38eebd66fd';
const CACHE = `inkwell-${VERSION}`;

// Every file the page loads, relative to this worker (so any sub-path works). The models are not listed
// here: models/index.json names the tasks, and each task's metadata.json names its files, added at install.
const APP_FILES = [
  'index.html',
  'manifest.webmanifest',
  'css/style.css',
  'js/csp-shim.js',
  'js/main.js',
  'js/tasks.js',
  'js/model.js',
  'js/pad.js',
  'js/preprocess.js',
  'js/recognise.js',
  'js/ui.js',
  'vendor/tf.min.js',
  'vendor/tf-backend-wasm.min.js',
  'vendor/tfjs-backend-wasm.wasm',
  'vendor/tfjs-backend-wasm-simd.wasm',
  'icons/icon.svg',
  'icons/icon-192.png',
  'icons/icon-512.png',
  'icons/icon-maskable-512.png',
];
const MODELS_INDEX = 'models/index.json';

// 'no-cache' revalidates with the server, so a new version never precaches a stale file, yet a file the
// page has just downloaded comes back as a 304 instead of being downloaded a second time.
const fresh = (path) => new Request(path, { cache: 'no-cache' });

/** One task's model folder, e.g. 'models/digits/': its metadata.json and every file it lists. */
async function precacheModel(cache, folder) {
  await cache.add(fresh(`${folder}metadata.json`));
  const metadata = await (await cache.match(`${folder}metadata.json`)).json();
  await cache.addAll(metadata.files.map((file) => fresh(`${folder}${file.path}`)));
}

async function precache() {
  const cache = await caches.open(CACHE);
  await cache.addAll([...APP_FILES, MODELS_INDEX].map(fresh));
  const { tasks } = await (await cache.match(MODELS_INDEX)).json();
  for (const { name } of tasks) await precacheModel(cache, `models/${name}/`);
}

async function dropOldCaches() {
  const names = await caches.keys();
  await Promise.all(names.filter((name) => name.startsWith('inkwell-') && name !== CACHE).map((name) => caches.delete(name)));
}

/** Cache first; the network only for what was never precached. Pages map to index.html, any query. */
async function respond(request) {
  const url = new URL(request.url);
  if (request.mode === 'navigate') {
    if (url.pathname.endsWith('/')) url.pathname += 'index.html';
    url.search = '';
  }
  const cached = await (await caches.open(CACHE)).match(url.href);
  return cached || fetch(request);
}

self.addEventListener('install', (event) => {
  // A new version takes over at once; the page already running keeps its loaded model.
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(dropOldCaches().then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(respond(request));
});
