// Issue 6's benchmark: the wasm core's preprocessing (decode + face tracking + windows) of a 60 s
// 1280x720 H.264 + AAC clip in Node and in Chromium, as a ratio to the native core on the same
// machine (bench_core_windows --memory: the same pull API over the clip in memory).
// Targets: >= 30 frames/s single-threaded, >= 1/3 of native speed.
//
//   node bench/wasm/run_wasm_bench.mjs [--repeat 3] [--no-chromium] [--video]
// Env: AVLENS_BUILD_DIR (native build, default build), AVLENS_WASM_DIR (default build-wasm).
// The native run and the Node run are pinned to CPU 0 (taskset); each is repeated and the fastest
// run is kept (the machine may be shared). CPU seconds are reported next to wall seconds.
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NATIVE_BUILD = process.env.AVLENS_BUILD_DIR ?? join(ROOT, 'build');
const WASM_DIR = process.env.AVLENS_WASM_DIR ?? join(ROOT, 'build-wasm');
const args = process.argv.slice(2);
const repeat = Number(args.includes('--repeat') ? args[args.indexOf('--repeat') + 1] : 3);
const withChromium = !args.includes('--no-chromium');
const video = args.includes('--video');

// The same clip as bench/run_core_bench.sh: the test photo moving over a 1280x720 background.
async function benchClip() {
  const dir = join(WASM_DIR, 'bench-data');
  const clip = join(dir, 'face_720p_60s.mp4');
  if (!existsSync(clip)) {
    mkdirSync(dir, { recursive: true });
    await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-loop', '1', '-i', join(ROOT, 'tests/data/astronaut.png'),
      '-f', 'lavfi', '-i', 'sine=frequency=220:sample_rate=48000', '-filter_complex',
      "[0:v]scale=620:620[f];color=c=0x556677:s=1280x720:r=30[bg];[bg][f]overlay=x='330+120*sin(t/3)':y='50+20*sin(t/2)',format=yuv420p[v]",
      '-map', '[v]', '-map', '1:a', '-t', '60', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-c:a', 'aac',
      '-b:a', '128k', clip]);
  }
  return clip;
}

// GNU time's user+system seconds and max RSS around a pinned command.
async function timed(command) {
  const { stdout, stderr } = await run('/usr/bin/time', ['-f', 'TIME %U %S %M', 'taskset', '-c', '0', ...command],
    { maxBuffer: 1 << 26 });
  const m = /TIME (\S+) (\S+) (\d+)/.exec(stderr);
  return { stdout, cpu: Number(m[1]) + Number(m[2]), maxRssMb: Number(m[3]) / 1024 };
}

async function nativeRun(clip) {
  const bin = join(NATIVE_BUILD, 'bin', 'bench_core_windows');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: cmake --build ${NATIVE_BUILD} --target bench_core_windows`);
  const { stdout, cpu, maxRssMb } = await timed([bin, clip, '--preset', 'paper', '--memory']);
  return { ...JSON.parse(stdout), cpu_seconds: cpu, peak_rss_mb: maxRssMb };
}

async function nodeRun(clip) {
  const child = join(ROOT, 'bench', 'wasm', 'node_child.mjs');
  const { stdout, cpu, maxRssMb } = await timed([process.execPath, child, clip, WASM_DIR, String(video)]);
  return { ...JSON.parse(stdout), process_cpu_seconds: cpu, peak_rss_mb: maxRssMb };
}

// A static server for the repository, so the page can import build-wasm/avlens_core.js.
function serveRoot() {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const path = normalize(join(ROOT, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    if (!path.startsWith(ROOT) || !existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
    res.end(readFileSync(path));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function chromiumRun(clip) {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    return { skipped: 'playwright-core is not installed (npm ci)' };
  }
  const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) return { skipped: `${executablePath} is missing` };
  const server = await serveRoot();
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const base = `http://127.0.0.1:${server.address().port}`;
    const rel = (p) => '/' + p.slice(ROOT.length).replace(/^\/+/, '');
    await page.goto(`${base}/bench/wasm/chromium_page.html`);
    // CPU time of the page's main thread (where the core runs), from the DevTools protocol.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const threadTime = async () =>
      (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime')?.value ?? NaN;
    const cpu0 = await threadTime();
    const result = await page.evaluate(async ([core, clipUrl, v]) => window.runBench(core, clipUrl, v),
      [rel(join(WASM_DIR, 'avlens_core.js')), rel(clip), video]);
    return { ...result, cpu_seconds: (await threadTime()) - cpu0 };
  } finally {
    await browser.close();
    server.close();
  }
}

function best(runs) {
  return runs.reduce((a, b) => (b.wall_seconds < a.wall_seconds ? b : a));
}

const clip = await benchClip();
const results = { native: [], node: [], chromium: [] };
for (let i = 0; i < repeat; i++) {
  results.native.push(await nativeRun(clip));
  results.node.push(await nodeRun(clip));
  if (withChromium) {
    const c = await chromiumRun(clip);
    if (c.skipped) {
      console.error(`chromium: skipped (${c.skipped})`);
      results.chromium = null;
    } else results.chromium?.push(c);
  }
}
const summary = {
  machine: `${cpus().length} cores, ${cpus()[0].model}`,
  clip,
  video_tensor: video,
  native: best(results.native),
  node: best(results.node),
  chromium: results.chromium?.length ? best(results.chromium) : null,
};
for (const k of ['node', 'chromium']) {
  if (!summary[k]) continue;
  summary[k].ratio_to_native_wall = summary.native.wall_seconds / summary[k].wall_seconds;
  if (Number.isFinite(summary[k].cpu_seconds)) summary[k].ratio_to_native_cpu = summary.native.cpu_seconds / summary[k].cpu_seconds;
}
console.log(JSON.stringify(summary, null, 2));
