// Raw RGBA canvases (count x height x width x 4 bytes, as a canvas's getImageData gives them), written by
// Python (training/webruntime.py) for the tools that run the page's code on them.

import { readFile } from 'node:fs/promises';

/**
 * The canvases in `path`, each as an ImageData-like {width, height, data}.
 * @returns {Promise<{width: number, height: number, data: Uint8ClampedArray}[]>}
 */
export async function readCanvases(path, width, height) {
  const raw = await readFile(path);
  const bytesPerCanvas = width * height * 4;
  if (!(bytesPerCanvas > 0) || raw.length % bytesPerCanvas !== 0) {
    throw new Error(`${path}: ${raw.length} bytes is not a whole number of ${width}x${height} RGBA canvases`);
  }
  const canvases = [];
  for (let offset = 0; offset < raw.length; offset += bytesPerCanvas) {
    canvases.push({ width, height, data: new Uint8ClampedArray(raw.buffer, raw.byteOffset + offset, bytesPerCanvas) });
  }
  return canvases;
}
