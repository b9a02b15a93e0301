// Does the extension keep up with playback? (issue 14 item 4)
//
//   node bench/extension_lag.mjs [--seconds 60] [--size 1280x720] [--model web/model/avlens.onnx]
//                                [--poll 0.5] [--json out.json]
//
// Headless Chromium with the unpacked extension (web/extension/, built here with the wasm core of
// build-wasm/ and the model) plays a 1280x720 (`--size`) 30 fps H.264 + AAC clip of the test face
// photo moving over a background, with a tone (the clip of bench/run_core_bench.sh, `--seconds`
// long), once from the start at normal speed. The analysis engine is started and warmed on another tab first (its
// first window scored), so the measured play starts with it ready, as on a page visited after another.
// What it prints comes from the tab's report (content/main.js streamReport), measured, not estimated:
//   windows made, scored, dropped as 'slow' (the network fell behind: the library drops the oldest
//   waiting window past MAX_WAITING_WINDOWS) and skipped for other reasons;
//   the backlog: the most windows that waited for the network at once (the library's count);
//   the lag of the scores behind the playhead, in media seconds (playhead minus the end of the
//   scored window that arrived last): when the clip ended, and its median and max sampled every
//   `--poll` s while it played; the same per scored window when it arrived (median, max, and the
//   median of each third of the clip's windows that arrived while it played: a lag that grows
//   shows there);
//   the frames the content script sent (only those the core takes) and the core's pictures that got
//   no frame ("dropped"), and their size (scaled to the core's push side);
//   the machine: cores, os.loadavg() at the start
//   and the end (the lag grows with the load: give figures with it).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildExtension } from '../web/extension/build.mjs';
import { MAX_WAITING_WINDOWS } from '../web/src/detector.js';
import { median } from '../web/src/statistics.js';
import { CHROMIUM } from '../tests/web/helpers.mjs';
import { launchExtension, serveSite } from '../tests/extension/helpers.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const WORK = join(ROOT, 'build-extension', 'bench-lag');

function parseArgs(argv) {
  const o = { seconds: 60, width: 1280, height: 720, model: join(ROOT, 'web', 'model', 'avlens.onnx'), poll: 0.5, json: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--seconds') o.seconds = Number(value());
    else if (a === '--size') {
      const m = /^(\d+)x(\d+)$/.exec(value());
      if (!m) throw new Error('--size must be WIDTHxHEIGHT, e.g. 1280x720');
      [o.width, o.height] = [Number(m[1]), Number(m[2])];
    } else if (a === '--model') o.model = resolve(value());
    else if (a === '--poll') o.poll = Number(value());
    else if (a === '--json') o.json = resolve(value());
    else throw new Error(`unknown option ${a}; usage: node bench/extension_lag.mjs [--seconds 60] [--size 1280x720] [--model FILE.onnx] [--poll 0.5] [--json OUT]`);
  }
  if (!(Number.isInteger(o.seconds) && o.seconds >= 5 && o.seconds <= 3600)) throw new Error(`--seconds must be a whole number from 5 to 3600, not ${o.seconds}`);
  const even = (x) => Number.isInteger(x) && x >= 160 && x <= 3840 && x % 2 === 0;
  if (!even(o.width) || !even(o.height)) throw new Error(`--size: width and height must be even numbers from 160 to 3840, not ${o.width}x${o.height}`);
  if (!(o.poll >= 0.1 && o.poll <= 10)) throw new Error(`--poll must be from 0.1 to 10 seconds, not ${o.poll}`);
  if (!existsSync(o.model)) throw new Error(`model ${o.model} not found (--model)`);
  if (!existsSync(join(ROOT, 'build-wasm', 'avlens_core.js'))) throw new Error('build-wasm/avlens_core.js (the wasm core) is not built: wasm/build.sh build-wasm');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} (Chromium) is not installed`);
  return o;
}

/**
 * The moving face, 30 fps, with a 220 Hz tone: at 1280x720 the clip of bench/run_core_bench.sh;
 * other sizes scale its face and its path with the height.
 */
function faceClip(seconds, width, height) {
  mkdirSync(WORK, { recursive: true });
  const out = join(WORK, `face_${width}x${height}_${seconds}s.mp4`);
  if (!existsSync(out)) {
    const k = height / 720;
    const face = 2 * Math.round((620 * k) / 2);
    const x = `${Math.round(width / 2 - face / 2)}+${Math.round(120 * k)}*sin(t/3)`;
    execFileSync('nice', ['ffmpeg', '-nostdin', '-v', 'error', '-y', '-loop', '1', '-i', join(ROOT, 'tests', 'data', 'astronaut.png'),
      '-f', 'lavfi', '-i', 'sine=frequency=220:sample_rate=48000', '-filter_complex',
      `[0:v]scale=${face}:${face}[f];color=c=0x556677:s=${width}x${height}:r=30[bg];[bg][f]overlay=x='${x}':y='${Math.round(50 * k)}+${Math.round(20 * k)}*sin(t/2)',format=yuv420p[v]`,
      '-map', '[v]', '-map', '1:a', '-t', String(seconds), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-c:a', 'aac', '-b:a', '128k', out]);
  }
  return out;
}

const max = (xs) => (xs.length ? Math.max(...xs) : null);
const sec = (x) => (x === null || x === undefined ? 'n/a' : `${x.toFixed(2)} s`);
const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);

/** The first video's report once every stretch has ended, none waits, and every window reached the tab. */
async function settled(ext, p, timeoutMs = 300_000) {
  for (const deadline = Date.now() + timeoutMs; ; await p.waitForTimeout(300)) {
    const video = (await ext.report({ trace: true })).videos[0];
    const s = video.stream;
    if (s.openStretches === 0 && s.waiting === 0 && s.scoring === 0 && s.received.scored + sum(s.received.skipped) === s.made - s.failed) return video;
    if (Date.now() > deadline) throw new Error(`the stream did not settle in ${timeoutMs / 1000} s: ${JSON.stringify(s)}`);
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const clip = faceClip(o.seconds, o.width, o.height);
  const built = await buildExtension({ out: WORK, model: o.model, modelName: o.model.split('/').pop(), zip: false, quiet: true });
  const site = await serveSite({ '/clip.mp4': clip });
  const outside = [];
  const ext = await launchExtension(built.dir, outside);
  try {
    // Start and warm the engine on another tab: the clip loops until a first window is scored.
    const warm = await ext.context.newPage();
    await warm.goto(`${site.origin}/?src=/clip.mp4`);
    await warm.evaluate(() => {
      const v = document.getElementById('v');
      v.loop = true;
      return v.play();
    });
    await warm.waitForFunction(() => Number(document.querySelector('avlens-badge')?.dataset.windows ?? 0) >= 1, null, { timeout: 300_000 });
    const engine = await ext.report();
    await warm.close();

    const p = await ext.context.newPage();
    await p.goto(`${site.origin}/?src=/clip.mp4`);
    await p.waitForFunction(() => document.getElementById('v').readyState >= 4, null, { timeout: 60_000 });
    const loadStart = loadavg();
    const started = Date.now();
    const ended = p.evaluate(() => {
      const v = document.getElementById('v');
      v.loop = false;
      const stalls = [];
      v.addEventListener('waiting', () => stalls.push(v.currentTime));
      return new Promise((resolve, reject) => {
        v.addEventListener('ended', () => resolve({ stalls, playbackRate: v.playbackRate }), { once: true });
        v.play().catch(reject);
      });
    });
    let done = null;
    ended.then((x) => (done = x), (err) => (done = { error: err.message }));
    // While it plays: the lag behind the playhead now and the backlog, every `poll` seconds.
    const samples = [];
    while (!done) {
      await p.waitForTimeout(o.poll * 1000);
      const v = (await ext.report()).videos[0];
      if (v?.stream?.lag !== undefined && !v.ended) samples.push({ lag: v.stream.lag, waiting: v.stream.waiting ?? 0, framesInFlight: v.frames.inFlight, playhead: v.currentTime });
    }
    if (done.error) throw new Error(`the clip did not play: ${done.error}`);
    const endedAt = Date.now();
    const wallPlay = (endedAt - started) / 1000;
    const atEnd = (await ext.report()).videos[0];
    const video = await settled(ext, p);
    // Wall seconds from the end of the clip until every window was in (polled every 0.3 s).
    const drain = (Date.now() - endedAt) / 1000;
    const loadEnd = loadavg();
    const s = video.stream;
    const arrivalLags = s.arrivals.map(([end, playhead]) => playhead - end);
    // Windows that arrived while the clip played (after the end the playhead stands still), by thirds.
    const whilePlaying = s.arrivals.filter(([, playhead]) => playhead < video.duration).map(([end, playhead]) => playhead - end);
    const third = Math.floor(whilePlaying.length / 3);
    const byThird = third ? [0, 1, 2].map((i) => median(whilePlaying.slice(i * third, (i + 1) * third))) : [];
    const lagsNow = samples.map((x) => x.lag).filter((x) => x !== null);
    const result = {
      clip: { seconds: o.seconds, width: video.size.width, height: video.size.height, fps: 30, file: clip },
      model: engine.model?.name ?? o.model,
      machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? '', loadavgStart: loadStart, loadavgEnd: loadEnd },
      playback: { wallSeconds: wallPlay, playbackRate: done.playbackRate, stalls: done.stalls, segments: video.segments.length, drainSeconds: drain },
      windows: { made: s.made, scored: s.scored, droppedSlow: s.skipped.slow, skippedSilent: s.skipped.silent, skippedNoFace: s.skipped.no_face, failed: s.failed },
      backlog: { max: s.maxWaiting, limit: s.waitingLimit, maxSampled: max(samples.map((x) => x.waiting)) },
      lag: {
        atEnd: s.lagAtEnd,
        atEndReport: atEnd.stream.lag,
        sampled: { count: lagsNow.length, median: median(lagsNow), max: max(lagsNow) },
        onArrival: { count: arrivalLags.length, median: median(arrivalLags), max: max(arrivalLags), medianByThirdWhilePlaying: byThird },
        afterSettled: s.lag,
      },
      frames: { ...video.frames, inFlightSampled: { median: median(samples.map((x) => x.framesInFlight)), max: max(samples.map((x) => x.framesInFlight)) } },
      outside,
    };
    if (s.waitingLimit !== MAX_WAITING_WINDOWS) throw new Error(`the report's bound ${s.waitingLimit} is not the library's ${MAX_WAITING_WINDOWS}`);
    const load = (l) => l.map((x) => x.toFixed(2)).join(' ');
    console.log(`extension lag: ${o.seconds} s ${video.size.width}x${video.size.height} 30 fps face clip played once at ${done.playbackRate}x in headless Chromium, model ${result.model}`);
    console.log(`machine: ${result.machine.cores} cores (${result.machine.cpu}); loadavg at start ${load(loadStart)}, at end ${load(loadEnd)}`);
    console.log(`playback: ${wallPlay.toFixed(1)} s wall for ${o.seconds} s of clip, ${done.stalls.length} stalls, ${video.segments.length} segment(s); the last window was in ${drain.toFixed(1)} s after the end`);
    console.log(`windows: ${s.made} made, ${s.scored} scored, ${s.skipped.slow} dropped 'slow', ${s.skipped.silent + s.skipped.no_face} skipped otherwise (silent ${s.skipped.silent}, no face ${s.skipped.no_face}), ${s.failed} failed`);
    console.log(`backlog: max ${s.maxWaiting} waiting windows (bound ${s.waitingLimit}); sampled max ${result.backlog.maxSampled}`);
    console.log(`lag behind the playhead: at the end ${sec(s.lagAtEnd)}; while playing (every ${o.poll} s, ${lagsNow.length} samples) median ${sec(result.lag.sampled.median)}, max ${sec(result.lag.sampled.max)}; on each scored window's arrival median ${sec(result.lag.onArrival.median)}, max ${sec(result.lag.onArrival.max)}; medians by third of the clip ${byThird.map(sec).join(', ') || 'n/a'}`);
    console.log(`frames: ${video.frames.sent} sent, ${video.frames.dropped} of the core's pictures got no frame (not read in time, or too many in flight); in flight to the core while playing median ${result.frames.inFlightSampled.median}, max ${result.frames.inFlightSampled.max}${video.frames.size ? `; sent at ${video.frames.size.width}x${video.frames.size.height} (the core's push side ${video.frames.side})` : ''}`);
    if (o.json) {
      mkdirSync(dirname(o.json), { recursive: true });
      writeFileSync(o.json, JSON.stringify({ ...result, arrivals: s.arrivals, samples }, null, 2) + '\n');
      console.log(`wrote ${o.json}`);
    }
  } finally {
    await ext.context.close();
    site.server.close();
  }
}

main().catch((err) => {
  console.error(`extension_lag: ${err.message}`);
  process.exit(1);
});
