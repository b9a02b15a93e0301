// How much do the scores move when the extension sends frames scaled to the core's push side
// (core.pushFrameSide, 640 for the shipped model) instead of up to 1280? (issue 14 item 4)
//
//   node bench/frame_side_scores.mjs [--model web/model/avlens.onnx] [CLIP.mp4 ...]
//
// Each clip (default: ../shared/media/*.mp4) is placed on a grey 1280x720 frame at three heights
// (720, 360 and 180 px: its face large, medium, small), decoded by ffmpeg to RGB at the clip's
// rate, and pushed through the wasm core's push API (as the extension does) twice: at 1280x720
// (what the content script sent before) and scaled by ffmpeg's bilinear filter to the push side
// (what it sends now; the browser's drawImage filter differs a little). Audio: mono at the model's
// rate, pushed along with the frames. Every window is scored by ONNX Runtime (node) with the model;
// printed: the mean score of each, the largest and median |difference| of a window's score, the
// same between two filters at the push side (bilinear, area: what resampling alone moves), and
// the frames without a face.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve, basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadCore } from '../web/src/core.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
let model = join(ROOT, 'web', 'model', 'avlens.onnx');
const clips = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--model') model = resolve(args[++i]);
  else clips.push(resolve(args[i]));
}
if (!clips.length) {
  const shared = join(ROOT, '..', 'shared', 'media');
  if (!existsSync(shared)) throw new Error('no clips given and ../shared/media is absent');
  clips.push(...readdirSync(shared).filter((f) => f.endsWith('.mp4')).map((f) => join(shared, f)));
}

const core = await loadCore(pathToFileURL(join(ROOT, 'build-wasm', 'avlens_core.js')).href);
const ort = await import('onnxruntime-node');
const modelBytes = readFileSync(model);
const metadata = core.readOnnxMetadata(modelBytes);
const g = core.geometry(metadata);
const side = core.pushFrameSide(metadata);
const session = await ort.InferenceSession.create(modelBytes, { intraOpNumThreads: 1 });

/** ffmpeg's raw output, `bytes` at a time, to `each(chunk)` (awaited in order). */
function readFixed(argv, bytes, each) {
  return new Promise((ok, fail) => {
    const p = spawn('ffmpeg', ['-nostdin', '-v', 'error', ...argv, '-threads', '1', '-'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let pending = Buffer.alloc(0);
    let chain = Promise.resolve();
    p.stdout.on('data', (d) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= bytes) {
        const chunk = new Uint8Array(pending.subarray(0, bytes));
        pending = pending.subarray(bytes);
        chain = chain.then(() => each(chunk));
      }
    });
    p.on('close', (code) => (code === 0 ? chain.then(ok, fail) : fail(new Error(`ffmpeg exited ${code}`))));
  });
}

async function windowsOf(clip, height, pushH, pushW, fps, flags = 'bilinear') {
  const audio = await new Promise((ok, fail) => {
    const p = spawn('ffmpeg', ['-nostdin', '-v', 'error', '-i', clip, '-vn', '-ac', '1', '-ar', String(g.sampleRate), '-f', 'f32le', '-'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const parts = [];
    p.stdout.on('data', (d) => parts.push(d));
    p.on('close', (code) => (code === 0 ? ok(Buffer.concat(parts)) : fail(new Error(`ffmpeg exited ${code}`))));
  });
  const samples = new Float32Array(audio.buffer.slice(audio.byteOffset, audio.byteOffset + (audio.length & ~3)));
  const maker = core.createWindowMaker(metadata);
  const windows = [];
  let frame = 0;
  let pushed = 0;
  const drain = () => {
    for (let w = maker.pop(); w; w = maker.pop()) windows.push(w);
  };
  const filter = `[0:v]scale=-2:${height}[c];color=c=0x556677:s=1280x720:r=${fps}[bg];[bg][c]overlay=x=(W-w)/2:y=(H-h)/2:shortest=1,scale=${pushW}:${pushH}:flags=${flags},format=rgb24`;
  await readFixed(['-i', clip, '-filter_complex', filter, '-f', 'rawvideo'], pushW * pushH * 3, (pixels) => {
    const t = frame / fps;
    maker.pushFrame(pixels, pushW, pushH, t);
    frame++;
    const upto = Math.min(samples.length, Math.round((frame / fps) * g.sampleRate));
    if (upto > pushed) maker.pushAudio(samples.subarray(pushed, upto));
    pushed = upto;
    drain();
  });
  if (pushed < samples.length) maker.pushAudio(samples.subarray(pushed));
  maker.finish();
  drain();
  const report = maker.report();
  maker.close();
  const scores = [];
  for (const w of windows) {
    const out = await session.run({
      video: new ort.Tensor('float32', w.video, g.videoShape),
      audio: new ort.Tensor('float32', w.audio, g.audioShape),
    });
    scores.push(w.hasFace ? out.score.data[0] : null);
  }
  return { scores, framesWithoutFace: report.framesWithoutFace, frames: report.frames };
}

const fmt = (x) => (x === null ? '-' : x.toFixed(4));
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`model ${basename(model)} (${g.width}x${g.height}, ${g.frames} frames at ${g.fps} fps); push side ${side}`);
console.log('clip | face clip height in 1280x720 | windows | mean at 1280x720 | mean at push side | max |Δ window| | median |Δ window| | push side bilinear vs area: max / median |Δ window| | frames without face (1280 / push side)');
for (const clip of clips) {
  const fps = Number(await new Promise((ok) => {
    const p = spawn('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=avg_frame_rate', '-of', 'csv=p=0', clip]);
    let s = '';
    p.stdout.on('data', (d) => (s += d));
    p.on('close', () => ok(s.trim().split('/').reduce((a, b) => a / b)));
  }));
  for (const height of [720, 360, 180]) {
    const scale = Math.min(1, side / 1280);
    const big = await windowsOf(clip, height, 720, 1280, fps);
    const small = await windowsOf(clip, height, Math.round(720 * scale), Math.round(1280 * scale), fps);
    // The same push side through another filter (area): what the resampling alone moves.
    const other = await windowsOf(clip, height, Math.round(720 * scale), Math.round(1280 * scale), fps, 'area');
    const diffs = (x, y) => x.scores.map((s, i) => [s, y.scores[i]]).filter(([a, b]) => a !== null && b !== null && b !== undefined)
      .map(([a, b]) => Math.abs(a - b)).sort((a, b) => a - b);
    const d = diffs(big, small);
    const r = diffs(small, other);
    const scoredMean = (x) => {
      const scored = x.scores.filter((s) => s !== null);
      return scored.length ? mean(scored) : null;
    };
    console.log(`${basename(clip)} | ${height} | ${big.scores.length}/${small.scores.length} | ${fmt(scoredMean(big))} | ${fmt(scoredMean(small))} | ${fmt(d.length ? d.at(-1) : null)} | ${fmt(d.length ? d[d.length >> 1] : null)} | ${fmt(r.length ? r.at(-1) : null)} / ${fmt(r.length ? r[r.length >> 1] : null)} | ${big.framesWithoutFace}/${big.frames} / ${small.framesWithoutFace}/${small.frames}`);
  }
}
