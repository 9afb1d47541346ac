// Offline and installable: precache the whole site and every task's model at install, serve them cache-first, and
// delete older caches once a new version takes over. `python site_version.py` rewrites VERSION from a
// SHA-256 of every precached file, so a new model or site changes this file's bytes: the browser then
// installs the new worker, which fetches everything afresh.
//
// Nothing stale, nothing corrupt: each model file is checked against the SHA-256 in its metadata.json
// before it is cached, and a version with a file that does not match is not installed at all (the worker
// already active keeps serving its own, complete version; the next page load tries again). A new version
// waits until the next page load (or the page's "Reload" button) and then takes over before that page
// loads anything, so a page never mixes the files of two versions.
const VERSION = 'c47d60a895e0';
const CACHE = `inkwell-${VERSION}`;

// Every file the page loads, relative to this worker (so any sub-path works). The models are not listed
// here: models/index.json names the tasks, and each task's metadata.json names its files, added at install.
const APP_FILES = [
  './', // index.html under the address the page was opened at: a 304, not a second download
  'manifest.webmanifest',
  'css/style.css',
  'js/main.js',
  'js/tasks.js',
  'js/corrections.js',
  'js/joined.js',
  'js/model.js',
  'js/pad.js',
  'js/preprocess.js',
  'js/recognise.js',
  'js/ui.js',
  'js/update.js',
  'vendor/tfjs.js',
  'icons/icon.svg',
  'icons/icon-192.png',
];
// Not precached: the 512-px icons. Only the manifest names them, and a browser fetches them when it installs
// the app to a home screen, online; the page itself uses icon.svg (and icon-192.png as its apple-touch-icon).
const MODELS_INDEX = 'models/index.json';

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

/** SHA-256 of an ArrayBuffer as lowercase hex, as in js/model.js (a classic worker cannot import it). */
async function sha256Hex(buffer) {
  const digest = await crypto.subtle.digest('SHA-256', buffer);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Fetch one model file and return it only if its bytes have the SHA-256 metadata.json gives. A mismatch is
 * fetched once more past the HTTP cache, which may hold a truncated copy under the same validators (the
 * server sent it mid-deploy); a second mismatch fails the install.
 */
async function fetchVerified(path, sha256) {
  let actual = '';
  for (const cache of ['no-cache', 'reload']) {
    const response = await fetch(new Request(path, { cache }));
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    const body = await response.arrayBuffer();
    actual = await sha256Hex(body);
    if (actual === sha256) return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  }
  throw new Error(`${path}: SHA-256 ${actual.slice(0, 12)}… is not the ${sha256.slice(0, 12)}… of its metadata.json; not installing this version`);
}

/**
 * Cache one model folder (e.g. 'models/digits/'): its metadata.json and every file it lists,
 * each verified first. metadata.json goes in last, and only beside the files it describes.
 */
async function precacheModel(cache, folder) {
  const metadataResponse = await fetch(fresh(`${folder}metadata.json`));
  if (!metadataResponse.ok) throw new Error(`${folder}metadata.json: HTTP ${metadataResponse.status}`);
  const metadata = await metadataResponse.clone().json();
  const files = await Promise.all(metadata.files.map((file) => fetchVerified(`${folder}${file.path}`, file.sha256)));
  await Promise.all(metadata.files.map((file, index) => cache.put(`${folder}${file.path}`, files[index])));
  await cache.put(`${folder}metadata.json`, metadataResponse);
}

async function precache() {
  const cache = await caches.open(CACHE);
  await cache.addAll([...APP_FILES, runtimeFile(), MODELS_INDEX].map(fresh));
  const { tasks } = await (await cache.match(MODELS_INDEX)).json();
  for (const { name } of tasks) await precacheModel(cache, `models/${name}/`);
}

/**
 * Workers before this one skipped waiting instead of handing over at a page load, and their pages cannot
 * offer the new version; their caches lack js/update.js. Such a worker is replaced at once, as it would be.
 */
async function activeWorkerCanHandOver() {
  if (!self.registration.active) return true;
  const names = (await caches.keys()).filter((name) => name.startsWith('inkwell-') && name !== CACHE);
  for (const name of names) {
    if (await (await caches.open(name)).match('js/update.js')) return true;
  }
  return false;
}

async function dropOldCaches() {
  const names = await caches.keys();
  await Promise.all(names.filter((name) => name.startsWith('inkwell-') && name !== CACHE).map((name) => caches.delete(name)));
}

/**
 * A page load that finds a new version installed and leaves no page behind on the old one (below) is the
 * moment to switch: the new worker is told to take over, and the browser gets a blank stand-in page that
 * loads the page again once it has: when the new worker claims it (`controllerchange`), or at once if no
 * version waits any more. Not sooner: Chromium activates the new worker only when this one has no request
 * in flight, and a stand-in that refreshed at once kept it busy with navigation after navigation, now and
 * then for good. The refresh after 10 s is a last resort only. With other tabs open the switch waits for
 * them, or for the Reload button of the page's notice.
 */
const STAND_IN_SCRIPT = `const worker = navigator.serviceWorker;
let leaving = false;
const reload = () => { if (!leaving) { leaving = true; location.reload(); } };
worker.addEventListener('controllerchange', reload);
worker.getRegistration().then((registration) => registration?.waiting || reload());`;
const STAND_IN = `<!doctype html><title>Inkwell</title><meta http-equiv="refresh" content="10"><link rel="icon" href="data:,"><script>${STAND_IN_SCRIPT}</script>`;
let standInPolicy = null; // its Content-Security-Policy: the one inline script, by its hash

/**
 * True when no page is left on the old version: none open, or the one open is being reloaded (a new tab sees
 * one open too). Firefox has no isReloadNavigation; its reloads revalidate ('no-cache').
 */
async function leavesNoPageBehind(request) {
  const pages = await self.clients.matchAll({ includeUncontrolled: true });
  if (pages.length === 0) return true;
  return pages.length === 1 && (request.isReloadNavigation ?? request.cache === 'no-cache');
}

async function handOver(request) {
  const waiting = self.registration.waiting;
  if (request.mode !== 'navigate' || !waiting || !(await leavesNoPageBehind(request))) return null;
  waiting.postMessage('activate');
  if (!standInPolicy) {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(STAND_IN_SCRIPT));
    const hash = btoa(String.fromCharCode(...new Uint8Array(digest)));
    standInPolicy = `default-src 'none'; script-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'`;
  }
  return new Response(STAND_IN, { headers: { 'Content-Type': 'text/html', 'Content-Security-Policy': standInPolicy } });
}

/** Cache first; the network only for what was never precached. Pages map to ./ (index.html), any query. */
async function respond(request) {
  const switched = await handOver(request);
  if (switched) return switched;
  const url = new URL(request.url);
  if (request.mode === 'navigate') {
    url.pathname = url.pathname.replace(/index\.html$/, '');
    url.search = '';
  }
  const cached = await (await caches.open(CACHE)).match(url.href);
  return cached || fetch(request);
}

self.addEventListener('install', (event) => {
  // The first version, or one replacing a worker that cannot hand over, takes over at once; any other
  // waits for handOver or the page's Reload button, so no page runs on two versions' files.
  const installed = precache().catch(async (error) => {
    await caches.delete(CACHE); // a version that cannot be installed leaves nothing behind
    throw error;
  });
  event.waitUntil(installed.then(activeWorkerCanHandOver).then((canWait) => canWait || self.skipWaiting()));
});

self.addEventListener('message', (event) => {
  if (event.data === 'activate') self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(dropOldCaches().then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(respond(request));
});
