// Offline and installable: precache the whole site and the model at install, serve them cache-first, and
// delete older caches once a new version takes over. `python site_version.py` rewrites VERSION from a
// SHA-256 of every precached file, so a new model or site changes this file's bytes: the browser then
// installs the new worker, which fetches everything afresh.
const VERSION = '6919f236a318';
const CACHE = `inkwell-${VERSION}`;

// Every file the page loads, relative to this worker (so any sub-path works). The model's weight files
// are not listed here: they are whatever model/metadata.json lists, added at install.
const APP_FILES = [
  'index.html',
  'manifest.webmanifest',
  'css/style.css',
  'js/main.js',
  'js/model.js',
  'js/pad.js',
  'js/preprocess.js',
  'js/recognise.js',
  'js/ui.js',
  'vendor/tfjs.js',
  'icons/icon.svg',
  'icons/icon-192.png',
  'icons/icon-512.png',
  'icons/icon-maskable-512.png',
  'model/metadata.json',
];

// Plus the one runtime file this browser will run, chosen as TF.js chooses it: the SIMD WebAssembly binary
// where WebAssembly.validate accepts TF.js's SIMD probe, else the plain one; where WebAssembly is off
// (Lockdown Mode), TF.js's CPU build. Never the threaded binary: it needs cross-origin isolation.
const RUNTIME_FILES = { simd: 'vendor/tfjs-backend-wasm-simd.wasm', plain: 'vendor/tfjs-backend-wasm.wasm', cpu: 'vendor/tfjs-cpu.js' };
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11]);
const runtimeFile = () => {
  if (typeof WebAssembly !== 'object') return RUNTIME_FILES.cpu;
  return WebAssembly.validate(SIMD_PROBE) ? RUNTIME_FILES.simd : RUNTIME_FILES.plain;
};

// 'no-cache' revalidates with the server, so a new version never precaches a stale file, yet a file the
// page has just downloaded comes back as a 304 instead of being downloaded a second time.
const fresh = (path) => new Request(path, { cache: 'no-cache' });

async function precache() {
  const cache = await caches.open(CACHE);
  await cache.addAll([...APP_FILES, runtimeFile()].map(fresh));
  const metadata = await (await cache.match('model/metadata.json')).json();
  await cache.addAll(metadata.files.map((file) => fresh(`model/${file.path}`)));
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
