// Offline and installable: precache the site and every task's model, serve them cache-first, drop older caches
// once a new version takes over. VERSION hashes every precached file (site_version.py): any change, a new worker.
// It takes over at the next page load (or Reload), before the page loads anything: no page mixes two versions.
const VERSION = '2774321495b9';
const CACHE = `inkwell-${VERSION}`;

// Every file the page loads, relative to this worker (any sub-path works); models/index.json and each task's
// metadata.json list the models.
const APP_FILES = [
  './', // index.html at the address opened: a 304, not a second download
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
// Not precached: 512-px icons (site_version.py).
const MODELS_INDEX = 'models/index.json';

// Plus the runtime file this browser runs, as TF.js picks: the SIMD binary if its probe validates, else the
// plain one; without WebAssembly (Lockdown Mode) or the .wasm (a proxy blocks it), the CPU build, as the page.
// Never the threaded binary: it needs cross-origin isolation.
const RUNTIME_FILES = { simd: 'vendor/tfjs-backend-wasm-simd.wasm', plain: 'vendor/tfjs-backend-wasm.wasm', cpu: 'vendor/tfjs-cpu.js' };
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11]);
const runtimeFile = () => {
  if (typeof WebAssembly !== 'object') return RUNTIME_FILES.cpu;
  return WebAssembly.validate(SIMD_PROBE) ? RUNTIME_FILES.simd : RUNTIME_FILES.plain;
};

// 'no-cache' revalidates: a new version never precaches a stale file, yet one the page just got is a 304.
const fresh = (path) => new Request(path, { cache: 'no-cache' });

/** As js/model.js sha256Hex (a classic worker cannot import it). */
async function sha256Hex(buffer) {
  const digest = await crypto.subtle.digest('SHA-256', buffer);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** One model file, only with the SHA-256 metadata.json gives. A mismatch is fetched once more past the HTTP
 * cache, which may hold a truncated copy (sent mid-deploy) under the same validators; a second fails the install. */
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

/** Cache one model folder: each file metadata.json lists, verified; metadata.json last. */
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
  await cache.addAll([...APP_FILES, MODELS_INDEX].map(fresh));
  await cache.add(fresh(runtimeFile())).catch(() => cache.add(fresh(RUNTIME_FILES.cpu)));
  // Plus the CPU build for a page on it though WebAssembly works (main.js keeps it a week after a .wasm fails):
  // at ?backend=cpu, or cached by the version before (respond).
  const pages = await self.clients.matchAll({ includeUncontrolled: true });
  if (pages.some((page) => page.url.includes('backend=cpu')) || (await caches.match(RUNTIME_FILES.cpu))) await cache.add(fresh(RUNTIME_FILES.cpu));
  const { tasks } = await (await cache.match(MODELS_INDEX)).json();
  for (const { name } of tasks) await precacheModel(cache, `models/${name}/`);
}

/** False for an old active worker whose cache lacks js/update.js: its pages cannot offer the new version (it
 * skipped waiting), so it is replaced at once. */
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

/** A page load finding a new version waiting and no page left on the old one switches: the new worker takes
 * over; a blank stand-in page reloads once it claims the page (`controllerchange`), or at once if none waits
 * (Chromium activates a worker only when the old one is idle; the 10-s refresh is a last resort). Other tabs
 * open: it waits for them or the notice's Reload button. */
const STAND_IN_SCRIPT = `const worker = navigator.serviceWorker;
let leaving = false;
const reload = () => { if (!leaving) { leaving = true; location.reload(); } };
worker.addEventListener('controllerchange', reload);
worker.getRegistration().then((registration) => registration?.waiting || reload());`;
const STAND_IN = `<!doctype html><title>Inkwell</title><meta http-equiv="refresh" content="10"><link rel="icon" href="data:,"><script>${STAND_IN_SCRIPT}</script>`;
let standInPolicy = null; // its Content-Security-Policy: the inline script, by hash

/** True if no page is left on the old version: none open, or the one open reloads (a new tab sees one open
 * too). Firefox has no isReloadNavigation; its reloads revalidate ('no-cache'). */
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

/** Cache first; the network for what was never precached. Pages map to ./ (index.html), any query. */
async function respond(request) {
  const switched = await handOver(request);
  if (switched) return switched;
  const url = new URL(request.url);
  if (request.mode === 'navigate') {
    url.pathname = url.pathname.replace(/index\.html$/, '');
    url.search = '';
  }
  const cache = await caches.open(CACHE);
  const cached = await cache.match(url.href);
  if (cached) return cached;
  const response = await fetch(request);
  // A runtime file the page turned to: kept for offline.
  if (response.ok && Object.values(RUNTIME_FILES).some((file) => url.href.endsWith(file))) await cache.put(url.href, response.clone());
  return response;
}

self.addEventListener('install', (event) => {
  // The first version, or one replacing a worker that cannot hand over, takes over at once; others wait for
  // handOver or the Reload button.
  const installed = precache().catch(async (error) => {
    await caches.delete(CACHE); // an uninstallable version leaves nothing behind
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
