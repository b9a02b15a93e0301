// Child process of run_wasm_bench.mjs: one wasm run in Node, pinned by the parent.
//   node node_child.mjs CLIP WASM_DIR VIDEO(true|false) [PRESET (default paper)]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runWasmWindows } from './wasm_windows.mjs';

const [clip, wasmDir, video, preset = 'paper'] = process.argv.slice(2);
const { createCore } = await import(pathToFileURL(join(wasmDir, 'avlens_core.js')).href);
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const result = await runWasmWindows(createCore, readFileSync(clip), { video: video === 'true', preset, cpuSeconds });
console.log(JSON.stringify({ runtime: `node ${process.version}`, ...result }));
