// Drop-to-verdict benchmark of the page in headless Chromium, per stage, per backend, per model.
//
//   node tests/web/bench.mjs [--clip CLIP.mp4] [--model A.onnx,B.onnx] [--backend wasm,webgpu] [--runs 1]
//                            [--mode overlap,turns] [--threads default,1,2]
//
// --mode: overlap (the core makes windows in its own worker while the network scores; the page's
// way) and/or turns (?overlap=0: the core and the network take turns on one thread, the way before);
// --threads: ONNX Runtime's WebAssembly threads (?threads=N; default: the page's own choice). Every
// combination runs once per --runs round, the rounds one after the other (side by side in time).
//
// Without --clip: the standard clip, a 30 s 1280x720 H.264 + AAC talking face made from
// `avlens synth --kind real --clip-seed 30 --domain A --seconds 30` (480x360) scaled to 960x720
// and padded to 1280x720 with ffmpeg (build-web-test/fixtures/bench-synth-real-30s-720p.mp4).
//
// Builds the page with the real wasm core (build-wasm/) and each model as its default, opens it
// on each backend (WebGPU: Chromium's adapter, SwiftShader on a machine without a GPU), chooses the
// clip and waits for the verdict. Prints a Markdown table (for docs/BENCHMARKS.md) of the page's
// own timings from its saved report (`timings_ms`, `pipeline`): model load + warm-up (before the
// clip), the wasm core (reading, decoding, face tracking, windows), the network, heat-map crops,
// aggregation, with overlap how long each side waited for the other and the most windows queued,
// the total from the file to the verdict, and the harness's wall clock around it.
// Default model: web/model/avlens.onnx.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { countOps, webgpuPlacements } from './ort-placement.mjs';
import { CORE, FIXTURES, SHIPPED_MODEL, launch, openPage, serve, site, synthClip, waitForModel, waitForView } from './helpers.mjs';

function parseArgs(argv) {
  const o = { clip: null, models: [SHIPPED_MODEL], backends: ['wasm', 'webgpu'], runs: 1, modes: ['overlap'], threads: ['default'] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--clip') o.clip = resolve(value());
    else if (a === '--model') o.models = value().split(',').map((m) => resolve(m));
    else if (a === '--backend') o.backends = value().split(',');
    else if (a === '--runs') o.runs = Number(value());
    else if (a === '--mode') o.modes = value().split(',');
    else if (a === '--threads') o.threads = value().split(',');
    else throw new Error(`unknown option ${a}`);
  }
  o.clip ??= standardClip();
  if (!existsSync(o.clip)) throw new Error(`clip ${o.clip} not found (--clip)`);
  for (const m of o.models) if (!existsSync(m)) throw new Error(`model ${m} not found (--model)`);
  for (const b of o.backends) if (!['wasm', 'webgpu'].includes(b)) throw new Error(`unknown backend ${b} (wasm, webgpu)`);
  for (const m of o.modes) if (!['overlap', 'turns'].includes(m)) throw new Error(`unknown mode ${m} (overlap, turns)`);
  for (const t of o.threads) if (t !== 'default' && !/^[1-9]$/.test(t)) throw new Error(`--threads takes default or 1-9, not ${t}`);
  if (!existsSync(join(CORE, 'avlens_core.js'))) throw new Error(`${CORE}/avlens_core.js is not built`);
  return o;
}

function standardClip() {
  const out = join(FIXTURES, 'bench-synth-real-30s-720p.mp4');
  if (!existsSync(out)) {
    const src = synthClip('real', 30, { seconds: 30 });
    execFileSync('nice', ['ffmpeg', '-v', 'error', '-y', '-i', src, '-vf', 'scale=960:720:flags=bicubic,pad=1280:720:160:0', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', '-c:a', 'copy', out]);
  }
  return out;
}

const seconds = (ms) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

async function measure(url, backend, clip, { mode, threads }) {
  const browser = await launch({ webgpu: backend === 'webgpu' });
  try {
    let placement = null;
    if (backend === 'webgpu') {
      const { context, page } = await openPage(browser, `${url}build-info.json`);
      try {
        const { placed } = await webgpuPlacements(page);
        placement = Object.fromEntries(Object.entries(placed).map(([ep, nodes]) => [ep, countOps(nodes)]));
      } finally {
        await context.close();
      }
    }
    const query = `?backend=${backend}${mode === 'turns' ? '&overlap=0' : ''}${threads === 'default' ? '' : `&threads=${threads}`}`;
    const { context, page } = await openPage(browser, `${url}${query}`, { acceptDownloads: true });
    try {
      await waitForModel(page, 1_800_000);
      if ((await page.evaluate(() => document.body.dataset.modelReady)) !== 'true') throw new Error(`${backend}: ${await page.textContent('#model-message')}`);
      const t0 = Date.now();
      await page.setInputFiles('#file-input', clip);
      const view = await waitForView(page, ['result', 'error'], 7_200_000);
      const wall = Date.now() - t0;
      if (view !== 'result') throw new Error(`${backend}: ${await page.textContent('#error')}`);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-report')]);
      const report = JSON.parse(readFileSync(await download.path(), 'utf8'));
      return { report, wall, label: await page.textContent('#backend-name'), placement };
    } finally {
      await context.close();
    }
  } finally {
    await browser.close();
  }
}

const o = parseArgs(process.argv.slice(2));
const rows = [];
const load = [];
const placements = [];
for (const model of o.models) {
  const root = await site(`site-bench-${basename(model, '.onnx')}`, { core: CORE, model, modelName: basename(model) });
  const srv = await serve(root);
  try {
    for (let r = 0; r < o.runs; r++) {
      for (const backend of o.backends) {
        for (const mode of o.modes) {
          for (const threads of o.threads) {
            load.push(loadavg()[0]);
            const { report, wall, label, placement } = await measure(srv.url, backend, o.clip, { mode, threads });
            if (placement && r === 0) placements.push(`${basename(model)}: ${JSON.stringify(placement)}`);
            const t = report.timings_ms;
            const p = report.pipeline ?? {};
            const n = report.windows.length;
            rows.push([
              `${basename(model)} (${report.model.metadata.preset ?? '?'})`,
              label,
              p.overlap ? `overlap (queue ≤ ${p.queueLimit})` : 'turns',
              String(n),
              `${seconds(report.model.load_ms)} + ${seconds(report.model.warmup_ms)}`,
              seconds(t.windows),
              `${seconds(t.inference)} (${seconds(t.inference / Math.max(1, n))}/window)`,
              seconds(t.heatmaps + t.aggregate),
              p.overlap ? `${seconds(p.networkWaitedMs)} / ${seconds(p.coreWaitedMs)} / ${p.maxQueued}` : '',
              `**${seconds(t.total)}**`,
              seconds(wall),
            ]);
            console.error(`[bench:web] ${basename(model)} ${backend} ${mode} threads=${threads}: ${seconds(t.total)}`);
          }
        }
      }
    }
  } finally {
    await srv.close();
  }
}

console.log(`clip: ${basename(o.clip)} · ${cpus().length} CPU cores (${cpus()[0]?.model ?? 'unknown'}) · 1-min load average at the start of each run: ${load.map((l) => l.toFixed(1)).join(', ')}\n`);
const header = ['model', 'backend', 'core and network', 'windows', 'model load + warm-up', 'read + decode + track + windows (wasm core)', 'inference', 'heat maps + aggregation', 'network waited / core waited / most queued', 'total, file to verdict', 'wall (harness)'];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
if (placements.length) console.log(`\nWebGPU node placement (ORT verbose log, node counts per op):\n${placements.map((p) => `- ${p}`).join('\n')}`);
