// The native side of the page's parity tests: `avlens scan` (the LibTorch model on the native
// core's windows) gives the window and clip scores and the verdict; `avlens windows --raw` gives
// the native core's windows (or its error), which onnxruntime-node can score with the same .onnx.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { bindModelIO } from '../../web/src/onnx-model.js';
import { AVLENS, coreGeometry } from './helpers.mjs';

const run = promisify(execFile);
export { AVLENS };

export async function nativeCommands() {
  if (!existsSync(AVLENS)) return [];
  const { stdout } = await run(AVLENS, ['--help']);
  return [...stdout.matchAll(/^ {2}(\S+)\s/gm)].map((m) => m[1]);
}

/**
 * Runs `avlens windows` on a clip; { error: code } when the core refuses it.
 * `audio(samples, index, report)` may replace a window's (normalised) audio before it is scored.
 */
export async function nativeWindowScores(modelPath, clipPath, { audio: audioOf = (a) => a } = {}) {
  const out = mkdtempSync(join(tmpdir(), 'avlens-native-'));
  try {
    try {
      await run('nice', [AVLENS, 'windows', clipPath, '--out', out, '--raw', '--model', modelPath], { maxBuffer: 1 << 24 });
    } catch (err) {
      const m = /error \[(\w+)\]/.exec(err.stderr ?? '');
      if (m) return { error: m[1], message: err.stderr.trim() };
      throw err;
    }
    const bytes = readFileSync(modelPath);
    const g = await coreGeometry(bytes); // the core reads it, as for the page
    const session = await ort.InferenceSession.create(bytes);
    const io = bindModelIO(session.inputMetadata, session.outputNames, g);
    const meta = JSON.parse(readFileSync(join(out, 'windows.json'), 'utf8'));
    const n = g.height * g.width;
    const windows = [];
    for (const [index, w] of meta.windows.entries()) {
      const rgb = readFileSync(join(out, `${w.file}.rgb`));
      const f32 = readFileSync(join(out, `${w.file}.f32`));
      const audio = audioOf(new Float32Array(f32.buffer.slice(f32.byteOffset, f32.byteOffset + f32.byteLength)), index, meta.report);
      const video = new Float32Array(3 * g.frames * n);
      for (let t = 0; t < g.frames; t++) {
        for (let i = 0; i < n; i++) {
          for (let c = 0; c < 3; c++) video[(c * g.frames + t) * n + i] = (rgb[(t * n + i) * 3 + c] / 255 - g.videoMean) / g.videoStd;
        }
      }
      const res = await session.run({
        [io.video]: new ort.Tensor('float32', video, [1, 3, g.frames, g.height, g.width]),
        [io.audio]: new ort.Tensor('float32', audio, io.audioRank === 3 ? [1, 1, g.samples] : [1, g.samples]),
      });
      windows.push({ startTime: w.start_time, score: res.score.data[0] });
    }
    await session.release();
    const mean = windows.reduce((s, w) => s + w.score, 0) / windows.length;
    return { windows, mean, report: meta.report };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function scanOutput(args) {
  try {
    return (await run('nice', [AVLENS, 'scan', ...args], { maxBuffer: 1 << 24 })).stdout;
  } catch (err) {
    if (err.code === 1 && err.stdout) return err.stdout; // the clip failed: its line says why
    throw err;
  }
}

/**
 * `avlens scan CLIP --checkpoint C --json` -> { file, score, threshold, verdict (null when withheld),
 * verdict_withheld, warning, coverage, windows: [{ start, score }], timeline, error }, plus
 * `decision`: the side of the threshold the score is on (what the page keeps in its data, also
 * when no verdict is given; the verdict, when there is one, is that side).
 */
export async function nativeScan(clipPath, checkpoint) {
  const line = JSON.parse((await scanOutput([clipPath, '--checkpoint', checkpoint, '--json'])).trim().split('\n')[0]);
  if (line.error) return line;
  const decision = line.score >= line.threshold ? 'fake' : 'real';
  if (line.verdict !== null && line.verdict !== decision) throw new Error(`avlens scan: verdict ${line.verdict} for score ${line.score} at threshold ${line.threshold}`);
  return { ...line, decision };
}
