// Forward time of an exported model under ONNX Runtime's JavaScript builds, per window:
//
//   node bench/gpu/ort_bench.mjs --model M.onnx --backend node-cpu|node-webgpu|chromium-webgpu
//                                [--batch 1,8] [--runs 10]
//
// - node-cpu: onnxruntime-node, CPU EP.
// - node-webgpu: onnxruntime-web's WebGPU EP in Node on the npm package `webgpu` (Dawn for Node,
//   linux-x64), i.e. the real GPU where there is one. AVLENS_WEBGPU_MODULE names the package's folder
//   when it is not in node_modules.
// - chromium-webgpu: onnxruntime-web's WebGPU EP in headless Chromium (tests/web/helpers.mjs:
//   SwiftShader on a machine without a GPU), on a page of the project's own server.
// Prints one JSON line per batch size: {runtime, ep, adapter, batch, runs, ms_per_window, ...}, or
// one line {"skip": "why"} when the backend cannot run here. Inputs are the model's declared inputs
// (video, audio) at the given batch, filled with fixed pseudo-random numbers in [-1, 1). Each
// batch size gets one untimed warm-up run (shader compilation, allocations); the median of the
// timed runs is reported. A WebGPU run returns after its outputs are read back, so it is timed whole.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { timeSession } from '../ort/timing.mjs';
import { servePageModules } from '../ort/page_modules.mjs';

const require = createRequire(import.meta.url);

function parseArgs(argv) {
  const o = { model: null, backend: null, batches: [1, 8], runs: 10 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--model') o.model = resolve(value());
    else if (a === '--backend') o.backend = value();
    else if (a === '--batch') o.batches = value().split(',').map(Number);
    else if (a === '--runs') o.runs = Number(value());
    else throw new Error(`unknown option ${a}`);
  }
  if (!o.model || !existsSync(o.model)) throw new Error(`model ${o.model} not found (--model)`);
  if (!['node-cpu', 'node-webgpu', 'chromium-webgpu'].includes(o.backend)) throw new Error(`--backend must be node-cpu, node-webgpu or chromium-webgpu, not ${o.backend}`);
  if (!o.batches.every((b) => Number.isInteger(b) && b > 0)) throw new Error('--batch takes positive integers, e.g. 1,8');
  if (!(Number.isInteger(o.runs) && o.runs > 0)) throw new Error('--runs takes a positive integer');
  return o;
}

function print(common, results) {
  for (const r of results) console.log(JSON.stringify({ ...common, ...r }));
}

async function nodeCpu(o) {
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch {
    return console.log(JSON.stringify({ skip: 'no npm package onnxruntime-node here' }));
  }
  const results = await timeSession(ort, new Uint8Array(readFileSync(o.model)), ['cpu'], o.batches, o.runs);
  print({ runtime: 'onnxruntime-node', ep: 'cpu', adapter: 'cpu' }, results);
}

async function nodeWebgpu(o) {
  let webgpuPath;
  try {
    webgpuPath = process.env.AVLENS_WEBGPU_MODULE ? resolve(process.env.AVLENS_WEBGPU_MODULE) : dirname(require.resolve('webgpu/package.json'));
  } catch {
    return console.log(JSON.stringify({ skip: 'no npm package webgpu (Dawn for Node) here: set AVLENS_WEBGPU_MODULE or install it in node_modules' }));
  }
  const { create, globals } = await import(pathToFileURL(join(webgpuPath, JSON.parse(readFileSync(join(webgpuPath, 'package.json'), 'utf8')).main ?? 'index.js')).href);
  Object.assign(globalThis, globals);
  const gpu = create([]);
  if (globalThis.navigator) Object.defineProperty(globalThis.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  const adapter = await gpu.requestAdapter();
  if (!adapter) return console.log(JSON.stringify({ skip: 'Dawn found no WebGPU adapter on this machine' }));
  const info = adapter.info ?? {};
  const ort = await import('onnxruntime-web/webgpu');
  ort.env.wasm.numThreads = 1;
  const results = await timeSession(ort, new Uint8Array(readFileSync(o.model)), ['webgpu'], o.batches, o.runs);
  print({ runtime: 'onnxruntime-web (node, Dawn)', ep: 'webgpu', adapter: [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown' }, results);
}

async function chromiumWebgpu(o) {
  const helpers = await import('../../tests/web/helpers.mjs');
  if (!existsSync(helpers.CHROMIUM)) return console.log(JSON.stringify({ skip: `no Chromium at ${helpers.CHROMIUM} (AVLENS_CHROMIUM)` }));
  const { ORT_FILES } = await import('../../web/build.mjs');
  // A bare page on the project's server (its COOP/COEP headers): the ORT files and the model.
  const root = mkdtempSync(join(tmpdir(), 'avlens-gpu-ort-'));
  const dist = dirname(require.resolve('onnxruntime-web/webgpu'));
  mkdirSync(join(root, 'vendor', 'ort'), { recursive: true });
  for (const f of ORT_FILES) copyFileSync(join(dist, f), join(root, 'vendor', 'ort', f));
  copyFileSync(o.model, join(root, 'model.onnx'));
  servePageModules(root);
  writeFileSync(join(root, 'index.html'), '<!doctype html><meta charset="utf-8"><title>ORT WebGPU timing</title>\n');
  const srv = await helpers.serve(root);
  const browser = await helpers.launch({ webgpu: true });
  try {
    const { page, errors } = await helpers.openPage(browser, `${srv.url}index.html`);
    const adapter = await page.evaluate(async () => {
      const a = navigator.gpu && (await navigator.gpu.requestAdapter());
      if (!a) return null;
      const i = a.info ?? {};
      return [i.vendor, i.architecture, i.description].filter(Boolean).join(' ') || 'unknown';
    });
    if (!adapter) return console.log(JSON.stringify({ skip: 'this Chromium offers no WebGPU adapter' }));
    const results = await page.evaluate(
      async ({ batches, runs }) => {
        const ort = await import('/vendor/ort/ort.webgpu.min.mjs');
        ort.env.wasm.wasmPaths = '/vendor/ort/';
        ort.env.wasm.numThreads = 1;
        const { timeSession } = await import('/timing.mjs');
        const bytes = new Uint8Array(await (await fetch('/model.onnx')).arrayBuffer());
        return timeSession(ort, bytes, ['webgpu'], batches, runs);
      },
      { batches: o.batches, runs: o.runs },
    );
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    print({ runtime: 'onnxruntime-web (chromium)', ep: 'webgpu', adapter }, results);
  } finally {
    await browser.close();
    await srv.close();
    rmSync(root, { recursive: true, force: true });
  }
}

const o = parseArgs(process.argv.slice(2));
await { 'node-cpu': nodeCpu, 'node-webgpu': nodeWebgpu, 'chromium-webgpu': chromiumWebgpu }[o.backend](o);
