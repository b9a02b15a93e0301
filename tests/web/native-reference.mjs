// The native side of the page's parity tests: the native CLI (`avlens windows --raw`) makes the
// windows of a clip, onnxruntime-node scores them with the same model. `avlens scan`, when the
// CLI has it, gives the clip score directly.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { bindModelIO, geometryFromMetadata, readOnnxModelInfo } from '../../web/src/onnx-model.js';
import { ROOT } from './helpers.mjs';

const run = promisify(execFile);
export const AVLENS = process.env.AVLENS_BIN ?? join(ROOT, 'build', 'bin', 'avlens');

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
    const g = geometryFromMetadata(readOnnxModelInfo(bytes).metadata);
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

/**
 * `avlens scan CLIP --checkpoint C --json` (JSON lines) -> the clip's line, or null unless
 * AVLENS_SCAN_CHECKPOINT names the checkpoint the tested .onnx was exported from (scan runs the
 * LibTorch model, not the ONNX file) and the CLI has `scan`.
 */
export async function nativeScan(clipPath) {
  const checkpoint = process.env.AVLENS_SCAN_CHECKPOINT;
  if (!checkpoint || !(await nativeCommands()).includes('scan')) return null;
  const { stdout } = await run('nice', [AVLENS, 'scan', clipPath, '--checkpoint', checkpoint, '--json'], { maxBuffer: 1 << 24 });
  const line = JSON.parse(stdout.trim().split('\n')[0]);
  return { ...line, score: line.score ?? line.mean };
}
