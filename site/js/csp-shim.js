// Loaded (as a classic script) before vendor/tf.min.js, so TensorFlow.js runs under a strict CSP.
// The regenerator-runtime bundled in tf.min.js 4.22.0 runs `regeneratorRuntime = runtime`, which throws in
// strict mode when no such global exists, and then falls back to `Function("r", "regeneratorRuntime = r")`,
// which the page's Content-Security-Policy (no 'unsafe-eval') forbids, aborting TF.js half-way.
// Declaring the global first makes the plain assignment succeed; nothing else reads it.
var regeneratorRuntime; // eslint-disable-line no-var, no-unused-vars
