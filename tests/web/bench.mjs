// Drop-to-verdict benchmark of the page in headless Chromium, per stage and per backend.
//
//   node tests/web/bench.mjs --clip CLIP.mp4 [--model MODEL.onnx] [--backend wasm,webgpu] [--runs 1]
//
// Uses build-wasm/ (the real core) and web/model/avlens.onnx unless --model is given. Prints a
// Markdown table (for docs/BENCHMARKS.md) of the page's own timings: model load + warm-up, reading
// the file, the wasm core (decode, face tracking, windows), the network, heat-map crops,
// aggregation, and the total from the file being chosen to the verdict.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { ROOT, launch, openPage, serve, site, waitForModel, waitForView } from './helpers.mjs';

function parseArgs(argv) {
  const o = { clip: null, model: join(ROOT, 'web', 'model', 'avlens.onnx'), backends: ['wasm', 'webgpu'], runs: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--clip') o.clip = resolve(argv[++i]);
    else if (a === '--model') o.model = resolve(argv[++i]);
    else if (a === '--backend') o.backends = argv[++i].split(',');
    else if (a === '--runs') o.runs = Number(argv[++i]);
    else throw new Error(`unknown option ${a}`);
  }
  if (!o.clip || !existsSync(o.clip)) throw new Error('--clip CLIP is required');
  if (!existsSync(o.model)) throw new Error(`model ${o.model} not found (--model)`);
  if (!existsSync(join(ROOT, 'build-wasm', 'avlens_core.js'))) throw new Error('build-wasm/avlens_core.js is not built');
  return o;
}

const o = parseArgs(process.argv.slice(2));
const root = await site('site-bench', { core: join(ROOT, 'build-wasm'), model: o.model, modelName: basename(o.model) });
const srv = await serve(root);
const rows = [];
try {
  for (const backend of o.backends) {
    const browser = await launch({ webgpu: backend === 'webgpu' });
    try {
      for (let r = 0; r < o.runs; r++) {
        const { context, page } = await openPage(browser, `${srv.url}?backend=${backend}`);
        try {
          await waitForModel(page, 600_000);
          const model = await page.evaluate(() => document.getElementById('model-name').textContent);
          const t0 = Date.now();
          await page.setInputFiles('#file-input', o.clip);
          const view = await waitForView(page, ['result', 'error'], 3_600_000);
          const wall = Date.now() - t0;
          if (view !== 'result') throw new Error(`${backend}: ${await page.textContent('#error')}`);
          const t = await page.evaluate(() => {
            const dl = document.getElementById('timings');
            const out = {};
            const dts = dl.querySelectorAll('dt');
            dts.forEach((dt) => (out[dt.textContent] = dt.nextElementSibling.textContent));
            return { timings: out, windows: document.querySelectorAll('#windows-table tbody tr').length, backend: document.getElementById('backend-name').textContent };
          });
          rows.push({ backend: t.backend, model, windows: t.windows, wall, ...t.timings });
        } finally {
          await context.close();
        }
      }
    } finally {
      await browser.close();
    }
  }
} finally {
  await srv.close();
}

console.log(`clip: ${basename(o.clip)} · model: ${basename(o.model)} · ${cpus().length} CPU cores (${cpus()[0]?.model ?? 'unknown'})\n`);
const keys = ['backend', 'windows', 'Model load + warm-up (before the clip)', 'Reading the file', 'Decoding, face tracking, windows (wasm core)'];
const header = [...keys, 'network', 'Heat-map crops', 'Aggregation', 'Total, file to verdict', 'wall (test harness)'];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const r of rows) {
  const net = Object.keys(r).find((k) => k.startsWith('Network on'));
  console.log(`| ${[...keys.map((k) => r[k]), r[net], r['Heat-map crops'], r.Aggregation, r['Total, file to verdict'], `${(r.wall / 1000).toFixed(1)} s`].join(' | ')} |`);
}
