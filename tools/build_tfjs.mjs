// node tools/build_tfjs.mjs [--site site] [--out site/vendor] [--model DIR ...]   (make vendor)
//
// Builds the TensorFlow.js the page imports, from the npm packages pinned in package-lock.json, holding only
// what Inkwell runs: tfjs-core, the tfjs-layers classes its models are made of, and two backends with only
// the kernels those models call. The same custom-bundle recipe as TF.js's own tooling (tfjs-custom-module):
// core without gradients or optimizers, the backends' `base` modules and a hand-made kernel registration.
//
//   vendor/tfjs.js      ES module: the API the page uses, with the WebAssembly backend
//   vendor/tfjs-cpu.js  the same API with the CPU backend, imported only where WebAssembly cannot run
//                       (Lockdown Mode on Apple devices turns WebAssembly off)
//
// Two whole bundles rather than a shared chunk: splitting core into a third file costs every visitor about
// 4 KB gzip (measured), to save the few who need the CPU backend a second copy of core.
//
// Which layers and kernels: every model.json under --site (or each --model directory) is read for its layer
// classes, then loaded and run in Node with the full npm TF.js (cpu and wasm backends) on batches of 1 and 33
// (33 crosses tfjs-layers' predict batch of 32, so the kernel that joins batches is recorded too) while
// tf.profile records the kernels. A new model that needs more is a rebuild away (`make vendor`, which
// `make convert` runs); the tests say so when the committed bundles are stale.
//
// The output is deterministic (sorted lists, no paths or dates), so rebuilding from the lock file
// reproduces the committed files byte for byte; tests/test_site_static.py checks exactly that.

import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const PACKAGES = ['tfjs-core', 'tfjs-layers', 'tfjs-backend-wasm', 'tfjs-backend-cpu'];
const PROFILE_BATCHES = [1, 33];
// Node built-ins that TF.js and Emscripten require only when running in Node. Left as `require` calls, they
// never run in a browser, and Node can run the very same files (tools/tfjs_predict.mjs provides `require`).
const NODE_ONLY = /^(fs|path|os|util|crypto|worker_threads|perf_hooks|node-fetch)$/;
// The threaded WebAssembly build needs a cross-origin-isolated page (COOP/COEP headers); GitHub Pages sends
// none, so its loader (36 KB) is replaced by a stub and the flag that would select it is fixed to false.
const THREADED_LOADER = /tfjs-backend-wasm-threaded-simd(\.worker)?\.js$/;
// Core's model stores and loaders register themselves as core loads, so a bundler cannot drop them: saving to
// and loading from IndexedDB, localStorage and file inputs, and fetching a model by URL. The page fetches and
// verifies its files itself and hands them over with io.fromMemory, so each is replaced by a stub of the same
// exports that refuses to run (platform_browser's registration of the stores is in a try block).
const IO_STUBS = {
  indexed_db: 'export class BrowserIndexedDB {}\nexport class BrowserIndexedDBManager {}',
  local_storage: 'export class BrowserLocalStorage {}\nexport class BrowserLocalStorageManager {}',
  browser_files: 'export const browserFiles = missing;',
  http: 'export const browserHTTPRequest = missing, http = missing;\nexport const isHTTPScheme = () => false;',
  model_management: [
    'export class ModelStoreManagerRegistry { static registerManager() { missing(); } }',
    'export const copyModel = missing, listModels = missing, moveModel = missing, removeModel = missing;',
  ].join('\n'),
};
const IO_MODULE = new RegExp(`(^|/)(${Object.keys(IO_STUBS).join('|')})(\\.js)?$`);

/** Directories under `siteDir` holding a model.json, sorted (vendor/ skipped). */
export async function findModels(siteDir) {
  const found = [];
  for (const entry of await readdir(siteDir, { recursive: true, withFileTypes: true })) {
    const directory = entry.parentPath ?? entry.path;
    if (entry.isFile() && entry.name === 'model.json' && !path.relative(siteDir, directory).startsWith('vendor')) found.push(directory);
  }
  return found.sort();
}

/** Every `class_name` in a Keras model config (layers, nested models, initializers...). */
function classNames(value, names = new Set()) {
  if (Array.isArray(value)) value.forEach((item) => classNames(item, names));
  else if (value && typeof value === 'object') {
    if (typeof value.class_name === 'string') names.add(value.class_name);
    Object.values(value).forEach((item) => classNames(item, names));
  }
  return names;
}

/** tfjs-layers' serializable classes: class name -> the dist/ modules that register it. */
async function layersRegistry() {
  const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-layers/package.json')), 'dist');
  const registry = new Map();
  for (const file of await readdir(dist, { recursive: true })) {
    // dist/tf-layers*.js are whole-package bundles; the modules are the other files.
    if (!file.endsWith('.js') || path.basename(file).startsWith('tf-layers')) continue;
    const source = await readFile(path.join(dist, file), 'utf8');
    for (const [, name] of source.matchAll(/^\w+\.className = '(\w+)';$/gm)) {
      registry.set(name, [...(registry.get(name) || []), `@tensorflow/tfjs-layers/dist/${file.replace(/\.js$/, '')}`]);
    }
  }
  return registry;
}

/**
 * A backend's kernels as its register_all_kernels.js imports them: kernel name -> {config, module, uses},
 * where `uses` names the other kernels whose modules this one imports.
 */
async function kernelModules(backend) {
  const packageDir = (name) => path.dirname(require.resolve(`@tensorflow/${name}/package.json`));
  const dist = path.join(packageDir(`tfjs-backend-${backend}`), 'dist');
  // Configs name their kernel by core's constant (`kernelName: FusedBatchNorm`, `createUnaryKernelConfig(Relu)`),
  // and a module's file is not always named after its kernel (cpu's BatchNorm.js registers FusedBatchNorm).
  const constants = new Map();
  const kernelNames = await readFile(path.join(packageDir('tfjs-core'), 'dist', 'kernel_names.js'), 'utf8');
  for (const [, constant, value] of kernelNames.matchAll(/^export const (\w+) = '([^']+)';$/gm)) constants.set(constant, value);
  // Every module in kernels/ (kernels and their helpers) with the sibling modules it imports.
  const importsOf = new Map();
  for (const file of await readdir(path.join(dist, 'kernels'))) {
    if (!file.endsWith('.js')) continue;
    const module = await readFile(path.join(dist, 'kernels', file), 'utf8');
    importsOf.set(file.replace(/\.js$/, ''), { module, imports: [...module.matchAll(/(?:from|import) '\.\/(\w+)'/g)].map(([, name]) => name) });
  }
  const source = await readFile(path.join(dist, 'register_all_kernels.js'), 'utf8');
  const byFile = new Map();
  for (const [, config, file] of source.matchAll(/^import \{ (\w+) \} from '\.\/kernels\/(\w+)';$/gm)) {
    const match = importsOf.get(file).module.match(new RegExp(`export const ${config} = (?:\\{\\s*kernelName: |\\w+\\()'?(\\w+)'?`));
    if (!match) throw new Error(`tfjs-backend-${backend}/dist/kernels/${file}.js: cannot tell which kernel ${config} registers`);
    byFile.set(file, { name: constants.get(match[1]) ?? match[1], config, module: `@tensorflow/tfjs-backend-${backend}/dist/kernels/${file}` });
  }
  // The kernels whose modules a kernel's module reaches through its imports, helpers included
  // (wasm's Mean -> kernel_utils -> Transpose).
  const reached = (file, seen = new Set()) => {
    for (const imported of importsOf.get(file)?.imports ?? []) {
      if (!seen.has(imported)) {
        seen.add(imported);
        reached(imported, seen);
      }
    }
    return seen;
  };
  const modules = new Map();
  for (const [file, kernel] of byFile) {
    modules.set(kernel.name, { ...kernel, uses: [...reached(file)].filter((other) => byFile.has(other) && other !== file).map((other) => byFile.get(other).name) });
  }
  return modules;
}

/**
 * The kernels to register: those the models call and, transitively, those whose code they call directly.
 * The WebAssembly kernels bind their functions in a setup step run only for registered kernels: Mean calls
 * Transpose's function, so Transpose must be registered although no model calls it.
 */
function withDependencies(kernels, modules) {
  const needed = new Set();
  const visit = (name) => {
    if (needed.has(name)) return;
    needed.add(name);
    modules.get(name).uses.forEach(visit);
  };
  kernels.forEach(visit);
  return [...needed].sort();
}

/** The kernels the models call, recorded by tf.profile in the full npm TF.js, cpu and wasm. */
async function profileKernels(modelDirs) {
  const log = [console.log, console.warn];
  console.log = console.warn = () => {}; // TF.js greets Node users and warns; keep the build's output to ours
  try {
    return await recordKernels(modelDirs);
  } finally {
    [console.log, console.warn] = log;
  }
}

async function recordKernels(modelDirs) {
  const tf = await import('@tensorflow/tfjs');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
  const kernels = new Set();
  for (const backend of ['cpu', 'wasm']) {
    if (!(await tf.setBackend(backend))) throw new Error(`the npm TF.js cannot start its ${backend} backend`);
    const registered = new Set(tf.getKernelsForBackend(backend).map((kernel) => kernel.kernelName));
    for (const directory of modelDirs) {
      const modelJson = JSON.parse(await readFile(path.join(directory, 'model.json'), 'utf8'));
      const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
      const buffers = [];
      for (const group of modelJson.weightsManifest) for (const file of group.paths) buffers.push(await readFile(path.join(directory, file)));
      const weightData = new Uint8Array(Buffer.concat(buffers)).buffer;
      let model;
      // Loading counts too: building the layers runs their initializers before the weights replace them.
      const profile = await tf.profile(async () => {
        model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }));
        const [, ...shape] = model.inputs[0].shape;
        for (const batch of PROFILE_BATCHES) tf.tidy(() => model.predict(tf.zeros([batch, ...shape])).dataSync());
      });
      // kernelNames also lists ops that wrap kernels (fusedConv2d__op); only registered kernels matter here.
      profile.kernelNames.filter((name) => registered.has(name)).forEach((name) => kernels.add(name));
      model.dispose();
    }
  }
  return [...kernels].sort();
}

/** The plugin that makes the custom build: generated entry modules, core without extras, stubs. */
function customBuild(entries) {
  return {
    name: 'inkwell-tfjs',
    setup(build) {
      build.onResolve({ filter: /^inkwell:/ }, (args) => ({ path: args.path, namespace: 'inkwell' }));
      build.onLoad({ filter: /.*/, namespace: 'inkwell' }, (args) => ({ contents: entries[args.path], loader: 'js', resolveDir: ROOT }));
      // Core's index also registers every gradient and optimizer, for training; the page only predicts.
      build.onResolve({ filter: /^@tensorflow\/tfjs-core$/ }, () => ({ path: 'inkwell:core', namespace: 'inkwell' }));
      build.onResolve({ filter: NODE_ONLY }, (args) => ({ path: args.path, external: true }));
      build.onResolve({ filter: THREADED_LOADER }, (args) => ({ path: args.path, namespace: 'threaded-stub' }));
      build.onLoad({ filter: /.*/, namespace: 'threaded-stub' }, () => ({
        contents: "export default function () { throw new Error('no threaded WebAssembly in this build'); }\nexport const wasmWorkerContents = '';\n",
        loader: 'js',
      }));
      build.onResolve({ filter: IO_MODULE }, (args) => {
        if (!/tfjs-core[/\\]dist[/\\](io|platforms)[/\\]/.test(args.importer)) return undefined;
        return { path: args.path.match(IO_MODULE)[2], namespace: 'io-stub' };
      });
      build.onLoad({ filter: /.*/, namespace: 'io-stub' }, (args) => ({
        contents: `const missing = () => { throw new Error('tf.io.${args.path} is not in this build of TensorFlow.js'); };\n${IO_STUBS[args.path]}\n`,
        loader: 'js',
      }));
    },
  };
}

/** The generated entry modules: one TF.js per backend, each the page's whole API. */
function entrySources(layerModules, kernels, wasmKernels, cpuKernels) {
  const registrations = (modules) => {
    const names = withDependencies(kernels, modules);
    return [
      ...names.map((name) => `import { ${modules.get(name).config} } from '${modules.get(name).module}';`),
      ...names.map((name) => `registerKernel(${modules.get(name).config});`),
    ];
  };
  const common = [
    "import { env, registerKernel, version_core } from '@tensorflow/tfjs-core';",
    "import '@tensorflow/tfjs-layers/dist/flags_layers';",
    ...layerModules.map((module) => `import '${module}';`),
    "import { version as version_layers } from '@tensorflow/tfjs-layers/dist/version';",
    "export { enableProdMode, env, getBackend, getKernelsForBackend, io, memory, ready, setBackend, tensor4d, tidy } from '@tensorflow/tfjs-core';",
    "export { loadLayersModel } from '@tensorflow/tfjs-layers/dist/exports';",
  ];
  return {
    // What the plugin gives for '@tensorflow/tfjs-core': core as its index makes it, minus the optimizers'
    // registration (layers imports the gradients separately, and nothing here imports those).
    'inkwell:core': "import '@tensorflow/tfjs-core/dist/base_side_effects';\nexport * from '@tensorflow/tfjs-core/dist/base';",
    'inkwell:tfjs': [
      ...common,
      "import { version_wasm } from '@tensorflow/tfjs-backend-wasm/dist/base';",
      ...registrations(wasmKernels),
      "env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);",
      "export { setWasmPaths } from '@tensorflow/tfjs-backend-wasm/dist/base';",
      "export const version = { 'tfjs-core': version_core, 'tfjs-layers': version_layers, 'tfjs-backend-wasm': version_wasm };",
    ].join('\n'),
    'inkwell:tfjs-cpu': [
      ...common,
      "import { version_cpu } from '@tensorflow/tfjs-backend-cpu/dist/base';",
      ...registrations(cpuKernels),
      "export const version = { 'tfjs-core': version_core, 'tfjs-layers': version_layers, 'tfjs-backend-cpu': version_cpu };",
    ].join('\n'),
  };
}

/** Build for the models in `modelDirs` into `outDir`; returns what went in, for the log. */
export async function buildTfjs(modelDirs, outDir) {
  if (modelDirs.length === 0) throw new Error('no model.json found; the bundle is built for the shipped models (make convert)');
  const registry = await layersRegistry();
  const used = new Set();
  for (const directory of modelDirs) {
    const modelJson = JSON.parse(await readFile(path.join(directory, 'model.json'), 'utf8'));
    for (const name of classNames(modelJson.modelTopology)) {
      if (!registry.has(name)) throw new Error(`${path.join(directory, 'model.json')}: class ${name} is not in tfjs-layers 4.22.0`);
      registry.get(name).forEach((module) => used.add(module));
    }
  }
  const layerModules = [...used].sort();
  const kernels = await profileKernels(modelDirs);
  const [wasmKernels, cpuKernels] = [await kernelModules('wasm'), await kernelModules('cpu')];
  for (const [backend, modules] of [['wasm', wasmKernels], ['cpu', cpuKernels]]) {
    const missing = kernels.filter((name) => !modules.has(name));
    if (missing.length) throw new Error(`tfjs-backend-${backend} has no kernel ${missing.join(', ')}, which the models call`);
  }
  const versions = PACKAGES.map((name) => `@tensorflow/${name}@${require(`@tensorflow/${name}/package.json`).version}`).join(', ');
  const entries = entrySources(layerModules, kernels, wasmKernels, cpuKernels);
  const registered = { tfjs: withDependencies(kernels, wasmKernels), 'tfjs-cpu': withDependencies(kernels, cpuKernels) };

  // The scratch folder sits in outDir (site/vendor/ for `make vendor`) so that the renames below stay on one
  // file system. Node exits at once on Ctrl-C or a kill, skipping the `finally` below, so a signal removes
  // the scratch folder itself: an interrupted build must not leave a half-made folder in the published site.
  // The handlers come first and the folder is made synchronously, so no signal falls between the two.
  const signals = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  let scratch = null;
  const onSignal = (signal) => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    process.exit(signals[signal]);
  };
  for (const signal of Object.keys(signals)) process.once(signal, onSignal);
  scratch = mkdtempSync(path.join(outDir, '.tfjs-build-'));
  try {
    for (const [name, backend] of [['tfjs', 'wasm'], ['tfjs-cpu', 'cpu']]) {
      const banner = [
        `/* TensorFlow.js for Inkwell (${backend} backend), built by tools/build_tfjs.mjs (make vendor) from ${versions}.`,
        ` * Layers: ${layerModules.map((module) => module.replace('@tensorflow/tfjs-layers/dist/', '')).join(', ')}.`,
        ` * Kernels: ${registered[name].join(', ')}.`,
        ' * TensorFlow.js is licensed under the Apache License 2.0 and tfjs-layers under the MIT licence; the licences of',
        ` * everything bundled are in ${name}.js.LEGAL.txt beside this file. Do not edit: rebuild. */`,
      ].join('\n');
      await esbuild.build({
        entryPoints: { [name]: `inkwell:${name}` },
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2017', // what TF.js 4.22 itself is compiled to
        minify: true,
        // In a file beside the bundle, which the page never downloads: 2.3 KB (gzip) less on every first visit.
        legalComments: 'linked',
        charset: 'utf8',
        banner: { js: banner },
        outdir: scratch,
        plugins: [customBuild(entries)],
        logLevel: 'warning',
      });
    }
    // Renamed into place only once both are built, and synchronously: no signal handler runs between the two
    // renames, so a Ctrl-C cannot pair a new tfjs.js with the old tfjs-cpu.js.
    const outputs = ['tfjs.js', 'tfjs-cpu.js'].flatMap((file) => [file, `${file}.LEGAL.txt`]);
    for (const file of outputs) renameSync(path.join(scratch, file), path.join(outDir, file));
    return { models: modelDirs.map((directory) => path.relative(ROOT, directory)), layerModules, kernels, registered, outputs };
  } finally {
    await rm(scratch, { recursive: true, force: true });
    for (const signal of Object.keys(signals)) process.removeListener(signal, onSignal);
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      site: { type: 'string', default: path.join(ROOT, 'site') },
      out: { type: 'string', default: path.join(ROOT, 'site', 'vendor') },
      model: { type: 'string', multiple: true }, // instead of every model under --site (the latency bench's models)
    },
  });
  const modelDirs = values.model ? values.model.map((directory) => path.resolve(directory)) : await findModels(path.resolve(values.site));
  const built = await buildTfjs(modelDirs, path.resolve(values.out));
  console.log(`models: ${built.models.join(', ')}`);
  console.log(`layer modules: ${built.layerModules.map((module) => module.replace('@tensorflow/tfjs-layers/dist/', '')).join(', ')}`);
  console.log(`kernels the models call: ${built.kernels.join(', ')}`);
  console.log(`kernels registered: wasm ${built.registered.tfjs.join(', ')}; cpu ${built.registered['tfjs-cpu'].join(', ')}`);
  for (const file of built.outputs) console.log(`${path.relative(ROOT, path.join(path.resolve(values.out), file))}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`error: ${error.message.split('\n')[0]}\n`);
    process.exit(1);
  });
}
