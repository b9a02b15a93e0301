// `avlens scan` with no model argument scores with the files that ship (web/model/avlens.onnx and
// the safetensors beside it) and gives the page's scores: the page's pipeline is the wasm core's
// windows fed to ONNX Runtime (WASM backend, here in Node), the same as web/src/scorer.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AVLENS, ROOT, WASM_DIR, faceClip, loadCore } from '../wasm/support.mjs';

const run = promisify(execFile);
const MODEL = join(ROOT, 'web', 'model', 'avlens.onnx');
const skip = (!existsSync(AVLENS) && `${AVLENS} is not built`) ||
  (!existsSync(join(WASM_DIR, 'avlens_core.js')) && 'the wasm core is not built (wasm/build.sh)');

async function pageScores(clip) {
  const core = await loadCore();
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  const modelBytes = readFileSync(MODEL);
  const metadata = core.readOnnxMetadata(modelBytes);
  const g = core.geometry({ metadata });
  const session = await ort.InferenceSession.create(modelBytes, { executionProviders: ['wasm'] });
  const reader = await core.openClip(readFileSync(clip), { metadata });
  const windows = [];
  try {
    for (let w = reader.next(); w; w = reader.next()) {
      if (!w.hasFace) continue; // as the page: a window without a face is not scored
      const out = await session.run({
        video: new ort.Tensor('float32', w.video, [1, 3, g.videoShape[2], g.videoShape[3], g.videoShape[4]]),
        audio: new ort.Tensor('float32', w.audio, [1, 1, w.audio.length]),
      });
      windows.push({ start: w.startTime, score: out.score.data[0] });
    }
  } finally {
    reader.delete();
  }
  return windows;
}

test('scan without --model uses the bundled model and equals the page within 1e-4', { skip }, async () => {
  const clip = await faceClip('scan_bundled.mp4', { seconds: 4.3, video: ['-c:v', 'libx264', '-preset', 'ultrafast'],
    audio: ['-c:a', 'aac'] });
  const { stdout } = await run(AVLENS, ['scan', clip, '--json', '--threads', '1'], { maxBuffer: 1 << 24,
    env: { ...process.env, AVLENS_MODEL: '' } });
  const verdict = JSON.parse(stdout.trim().split('\n').at(-1));
  assert.equal(verdict.error ?? null, null, verdict.error);
  const page = await pageScores(clip);
  assert.equal(page.length, 4, 'four windows with a face');
  assert.equal(verdict.windows.length, page.length);
  for (let i = 0; i < page.length; i++) {
    assert.ok(Math.abs(verdict.windows[i].start - page[i].start) < 1e-9, `window ${i} start`);
    const d = Math.abs(verdict.windows[i].score - page[i].score);
    assert.ok(d <= 1e-4, `window ${i}: scan ${verdict.windows[i].score} vs page ${page[i].score} (${d})`);
  }
  const mean = page.reduce((s, w) => s + w.score, 0) / page.length;
  assert.ok(Math.abs(verdict.score - mean) <= 1e-4, `clip score ${verdict.score} vs ${mean}`);
  // Not a constant model: the windows differ.
  assert.ok(Math.max(...page.map((w) => w.score)) - Math.min(...page.map((w) => w.score)) > 1e-6);
});

test('scan gives no verdict for a model whose card says its held-out results do not back one', { skip }, async () => {
  const { readModelCard } = await import('../../web/src/model-card.js');
  const core = await loadCore();
  const card = readModelCard(core.readOnnxMetadata(readFileSync(MODEL)));
  const clip = await faceClip('scan_bundled.mp4', { seconds: 4.3, video: ['-c:v', 'libx264', '-preset', 'ultrafast'],
    audio: ['-c:a', 'aac'] });
  const { stdout } = await run(AVLENS, ['scan', clip, '--threads', '1'], { env: { ...process.env, AVLENS_MODEL: '' } });
  if (card.verdictSupported) {
    assert.match(stdout, /: (FAKE|REAL) \(score/);
  } else {
    // As the page: the score, the card's reason, and neither FAKE nor REAL.
    assert.match(stdout, /: SCORE ONLY \(score [\d.]+/);
    assert.doesNotMatch(stdout, /: (FAKE|REAL) /);
    assert.ok(stdout.includes(card.verdictNote), `the card's note is printed: ${stdout}`);
  }
});

test('scan --model names a missing weights file; a model that is not ONNX is refused', { skip }, async () => {
  const { mkdtempSync, copyFileSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'avlens-scan-'));
  copyFileSync(MODEL, join(dir, 'lonely.onnx'));
  const clip = await faceClip('scan_bundled_short.mp4', { seconds: 1.2, video: ['-c:v', 'libx264', '-preset', 'ultrafast'],
    audio: ['-c:a', 'aac'] });
  await assert.rejects(run(AVLENS, ['scan', clip, '--model', join(dir, 'lonely.onnx')]), (err) => {
    assert.match(err.stderr + err.stdout, /lonely\.safetensors/);
    return true;
  });
  writeFileSync(join(dir, 'junk.onnx'), 'not a model');
  await assert.rejects(run(AVLENS, ['scan', clip, '--model', join(dir, 'junk.onnx')]), (err) => {
    assert.match(err.stderr + err.stdout, /ONNX|model/i);
    return true;
  });
});
