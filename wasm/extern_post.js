
// The public entry point of avlens_core.js (appended after Emscripten's ES module):
//
//   import { createCore } from './avlens_core.js';
//   const core = await createCore();            // options: Emscripten's (locateFile, wasmBinary, ...)
//   const reader = await core.openClip(file, { metadata, onProgress, signal });
//   for await (const w of reader.windows()) { ... w.video, w.audio, w.startTime, w.boxes ... }
//   reader.delete();
//
// The default export is Emscripten's own factory, which createCore wraps.
export async function createCore(options = {}) {
  const moduleOptions = Object.assign({}, options);
  // Under Node, Emscripten 3.1.6's loader would fetch() a file path: hand it the bytes instead.
  if (!moduleOptions.wasmBinary && !moduleOptions.instantiateWasm && typeof process === 'object' &&
      process.versions && process.versions.node) {
    const fsModule = 'node:fs/promises';  // not a static import: browsers and bundlers never see it
    const { readFile } = await import(fsModule);
    moduleOptions.wasmBinary = await readFile(new URL('avlens_core.wasm', import.meta.url));
  }
  return createAvlensModule(moduleOptions);
}
