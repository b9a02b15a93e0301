// ONNX Runtime Web's WASM backend against onnxruntime-node on the same model and the same thread
// count, per window after warm-up, side by side (issue 14 item 3):
//
//   node bench/ort_gap.mjs [--model web/model/avlens.onnx[,other.onnx]] [--threads 1,2]
//                          [--rounds 3] [--runs 5] [--variants page,arena,nospin] [--profile]
//
// Each round times, for every model and thread count, onnxruntime-node (CPU EP, intraOpNumThreads =
// threads) and headless Chromium (onnxruntime-web's WASM build on a cross-origin isolated page of the
// project's server, env.wasm.numThreads = threads, a fresh page per measurement because the thread
// count is fixed when ORT's wasm starts), alternating which runtime goes first. Web variants are
// session options on top of what web/src/scorer.js loadModel passes:
//   page   - what web/src/scorer.js passes (sessionOptions('wasm'): graphOptimizationLevel 'all';
//            ORT Web then leaves the CPU memory arena and memory patterns off, native ORT has them on)
//   arena  - + enableCpuMemArena, enableMemPattern (native ORT's defaults)
//   nospin - + session.intra_op.allow_spinning = '0'
// Prints a table of medians (ms per window) and web/node ratios per round, and with --profile the
// top operators by time of both runtimes (ORT's own profiler: a JSON file in Node, the profiler's
// log lines on the page's console in the WASM build).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timeWindows } from './ort/timing.mjs';
import { servePageModules } from './ort/page_modules.mjs';
import { sessionOptions } from '../web/src/scorer.js';

const require = createRequire(import.meta.url);
const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

function parseArgs(argv) {
  const o = { models: [join(ROOT, 'web/model/avlens.onnx')], threads: [1, 2], rounds: 3, runs: 5, variants: ['page', 'arena', 'nospin'], profile: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--model') o.models = value().split(',').map((m) => resolve(m));
    else if (a === '--threads') o.threads = value().split(',').map(Number);
    else if (a === '--rounds') o.rounds = Number(value());
    else if (a === '--runs') o.runs = Number(value());
    else if (a === '--variants') o.variants = value().split(',');
    else if (a === '--profile') o.profile = true;
    else throw new Error(`unknown option ${a}`);
  }
  for (const m of o.models) if (!existsSync(m)) throw new Error(`model ${m} not found (--model)`);
  if (!o.threads.every((t) => Number.isInteger(t) && t >= 1 && t <= 64)) throw new Error('--threads takes whole numbers from 1 to 64, e.g. 1,2');
  for (const v of o.variants) if (!WEB_VARIANTS[v]) throw new Error(`unknown variant ${v}; known: ${Object.keys(WEB_VARIANTS).join(', ')}`);
  return o;
}

const PAGE = sessionOptions('wasm');
const WEB_VARIANTS = {
  page: PAGE,
  arena: { ...PAGE, enableCpuMemArena: true, enableMemPattern: true },
  nospin: { ...PAGE, extra: { ...PAGE.extra, session: { intra_op: { allow_spinning: '0' } } } },
};

function nodeOptions(threads, profilePrefix) {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    ...(profilePrefix ? { enableProfiling: true, profileFilePrefix: profilePrefix } : {}),
  };
}

async function nodeRun(ortNode, bytes, threads, runs) {
  return timeWindows(ortNode, bytes, nodeOptions(threads), { runs });
}

// A fresh page (a fresh ORT wasm instance) with `threads` threads; returns its timing and how many
// workers the page really had (ORT's pthreads) and whether it was cross-origin isolated.
async function webRun(browser, url, modelName, threads, options, runs, { profile = false } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const lines = [];
  page.on('console', (m) => lines.push(m.text()));
  try {
    await page.goto(url);
    const r = await page.evaluate(
      async ({ modelName, threads, options, runs, profile }) => {
        const ort = await import('/vendor/ort/ort.wasm.min.mjs');
        ort.env.wasm.wasmPaths = '/vendor/ort/';
        ort.env.wasm.numThreads = threads;
        ort.env.wasm.proxy = false;
        const { timeWindows } = await import('/timing.mjs');
        const bytes = new Uint8Array(await (await fetch(`/${modelName}`)).arrayBuffer());
        const opts = profile ? { ...options, enableProfiling: true } : options;
        const t = await timeWindows(ort, bytes, opts, { runs, keep: profile });
        if (profile) {
          t.session.endProfiling();
          await t.session.release();
        }
        return { ms: t.ms, median: t.median, isolated: self.crossOriginIsolated, simd: WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11])) };
      },
      { modelName, threads, options, runs, profile },
    );
    r.workers = page.workers().length;
    r.console = lines;
    return r;
  } finally {
    await context.close();
  }
}

function sumProfile(events) {
  const byOp = new Map();
  const byNode = new Map();
  let total = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !String(e.name).endsWith('_kernel_time')) continue;
    const op = e.args?.op_name ?? e.name;
    byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
    const node = `${String(e.name).replace(/_kernel_time$/, '')} ${JSON.stringify((e.args?.input_type_shape ?? []).map((x) => Object.values(x)[0]))}`;
    byNode.set(node, (byNode.get(node) ?? 0) + e.dur);
    total += e.dur;
  }
  return { total, ops: [...byOp].sort((a, b) => b[1] - a[1]), nodes: [...byNode].sort((a, b) => b[1] - a[1]) };
}

// The WASM build logs each profiler event as one JSON object per console line ("{...},").
function webProfile(lines) {
  const events = [];
  for (const line of lines.join('\n').split('\n')) {
    const text = line.trim().replace(/,$/, '');
    if (!text.startsWith('{"cat"')) continue;
    try {
      events.push(JSON.parse(text));
    } catch {}
  }
  return events;
}

function printProfile(label, { total, ops, nodes }, runs) {
  console.log(`\n${label}: ${(total / 1000 / runs).toFixed(1)} ms per window in kernels`);
  for (const [op, us] of ops.slice(0, 8)) console.log(`  ${op.padEnd(22)} ${(us / 1000 / runs).toFixed(1).padStart(8)} ms  ${((100 * us) / total).toFixed(1).padStart(5)} %`);
  console.log('  top nodes (inputs [x, weight, ...]):');
  for (const [node, us] of nodes.slice(0, 6)) console.log(`    ${(us / 1000 / runs).toFixed(1).padStart(8)} ms  ${node}`);
}

const o = parseArgs(process.argv.slice(2));
const ortNode = require('onnxruntime-node');
const helpers = await import('../tests/web/helpers.mjs');
const { ORT_FILES } = await import('../web/build.mjs');
const root = mkdtempSync(join(tmpdir(), 'avlens-ort-gap-'));
const dist = dirname(require.resolve('onnxruntime-web/webgpu'));
mkdirSync(join(root, 'vendor', 'ort'), { recursive: true });
for (const f of [...ORT_FILES, 'ort.wasm.min.mjs']) if (existsSync(join(dist, f))) copyFileSync(join(dist, f), join(root, 'vendor', 'ort', f));
servePageModules(root);
writeFileSync(join(root, 'index.html'), '<!doctype html><meta charset="utf-8"><title>ORT gap</title>\n');
const models = o.models.map((m, i) => {
  const name = `model${i}.onnx`;
  copyFileSync(m, join(root, name));
  return { path: m, name, label: m.replace(`${ROOT}/`, ''), bytes: new Uint8Array(readFileSync(m)) };
});
const srv = await helpers.serve(root);
const browser = await helpers.launch();
const url = `${srv.url}index.html`;
console.log(`# ${new Date().toISOString()} ${cpus().length} x ${cpus()[0]?.model}; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}; chromium ${browser.version()}; onnxruntime-node ${JSON.parse(readFileSync(join(ROOT, 'node_modules/onnxruntime-node/package.json'), 'utf8')).version}, onnxruntime-web ${JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')).version}; ${o.runs} timed runs after 2 warm-ups, median ms per window`);
try {
  const rows = [];
  for (let round = 1; round <= o.rounds; round++) {
    for (const model of models) {
      for (const threads of o.threads) {
        const row = { round, model: model.label, threads, load: loadavg()[0] };
        const order = round % 2 ? ['node', ...o.variants] : [...o.variants, 'node'];
        for (const which of order) {
          if (which === 'node') row.node = (await nodeRun(ortNode, model.bytes, threads, o.runs)).median;
          else {
            const r = await webRun(browser, url, model.name, threads, WEB_VARIANTS[which], o.runs);
            row[which] = r.median;
            row.workers = r.workers;
            row.isolated = r.isolated;
            row.simd = r.simd;
          }
        }
        rows.push(row);
        const cells = o.variants.map((v) => `${v} ${row[v].toFixed(1)} (${(row[v] / row.node).toFixed(2)}x)`).join(' | ');
        console.log(`| ${round} | ${model.label} | ${threads} | ${row.load.toFixed(1)} | node ${row.node.toFixed(1)} | ${cells} | isolated ${row.isolated}, simd ${row.simd}, workers ${row.workers} |`);
      }
    }
  }
  console.log('\nratio web/node, geometric mean over rounds:');
  for (const model of models) {
    for (const threads of o.threads) {
      const mine = rows.filter((r) => r.model === model.label && r.threads === threads);
      const gm = (v) => Math.exp(mine.reduce((s, r) => s + Math.log(r[v] / r.node), 0) / mine.length);
      console.log(`  ${model.label}, ${threads} thread(s): ${o.variants.map((v) => `${v} ${gm(v).toFixed(2)}x`).join(', ')}`);
    }
  }
  if (o.profile) {
    const threads = o.threads[0];
    for (const model of models) {
      const dir = mkdtempSync(join(tmpdir(), 'avlens-ort-prof-'));
      const t = await timeWindows(ortNode, model.bytes, nodeOptions(threads, join(dir, 'node')), { runs: o.runs, keep: true });
      await t.session.endProfiling?.();
      await t.session.release();
      const file = readdirSync(dir).find((f) => f.endsWith('.json'));
      if (file) printProfile(`onnxruntime-node, ${model.label}, ${threads} thread(s), ${o.runs + 2} runs incl. warm-up`, sumProfile(JSON.parse(readFileSync(join(dir, file), 'utf8'))), o.runs + 2);
      else console.log('onnxruntime-node wrote no profile');
      rmSync(dir, { recursive: true, force: true });
      const w = await webRun(browser, url, model.name, threads, WEB_VARIANTS[o.variants.at(-1)], o.runs, { profile: true });
      const events = webProfile(w.console);
      if (events.length) printProfile(`onnxruntime-web wasm (${o.variants.at(-1)}), ${model.label}, ${threads} thread(s), ${o.runs + 2} runs incl. warm-up`, sumProfile(events), o.runs + 2);
      else console.log(`onnxruntime-web wrote no profile on the console (${w.console.length} lines): ${w.console.slice(0, 3).join(' / ').slice(0, 300)}`);
    }
  }
} finally {
  await browser.close();
  await srv.close();
  rmSync(root, { recursive: true, force: true });
}
