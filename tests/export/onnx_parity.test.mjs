// Parity of the exported ONNX model with LibTorch (the C++ model it was traced from), on random
// windows and on real windows made by the core from a clip: ONNX Runtime's WASM backend (the
// browser's fallback, run here in Node) and its native CPU backend.
// Tolerances (issue 5): score <= 1e-4, maps <= 1e-3 max abs difference.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const avlens = path.join(process.env.AVLENS_BUILD_DIR ?? path.join(root, 'build'), 'bin', 'avlens');
const work = mkdtempSync(path.join(tmpdir(), 'avlens-export-'));
const modelPath = path.join(work, 'tiny.onnx');
const refDir = path.join(work, 'reference');
let reference;

function floats(file) {
  const b = readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

function maxAbsDiff(a, b) {
  assert.equal(a.length, b.length, 'length mismatch');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

before(() => {
  const clip = path.join(work, 'face.mp4');
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-loop', '1', '-i', path.join(root, 'tests/data/astronaut.png'),
    '-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=48000', '-filter_complex',
    '[0:v]scale=640:640,crop=640:480:0:0,format=yuv420p[v]', '-map', '[v]', '-map', '1:a', '-t', '2.3', '-r', '30',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', clip]);
  execFileSync(avlens, ['export', '--untrained', 'tiny', '--out', modelPath, '--reference-out', refDir,
    '--reference-clip', clip], { stdio: 'pipe' });
  reference = JSON.parse(readFileSync(path.join(refDir, 'reference.json'), 'utf8'));
  assert.equal(reference.sets.length, 2);
});

async function checkBackend(ort, sessionOptions) {
  const session = await ort.InferenceSession.create(readFileSync(modelPath), sessionOptions);
  assert.deepEqual(session.inputNames, ['video', 'audio']);
  assert.deepEqual(session.outputNames, ['score', 'distance', 'attention', 'weighted']);
  for (const set of reference.sets) {
    const feeds = {
      video: new ort.Tensor('float32', floats(path.join(refDir, `${set.name}.video.f32`)), set.video_shape),
      audio: new ort.Tensor('float32', floats(path.join(refDir, `${set.name}.audio.f32`)), set.audio_shape),
    };
    const out = await session.run(feeds);
    const scoreDiff = maxAbsDiff(out.score.data, floats(path.join(refDir, `${set.name}.score.f32`)));
    assert.ok(scoreDiff <= 1e-4, `${set.name}: score differs by ${scoreDiff}`);
    for (const map of ['distance', 'attention', 'weighted']) {
      assert.deepEqual(out[map].dims, set.map_shape);
      const d = maxAbsDiff(out[map].data, floats(path.join(refDir, `${set.name}.${map}.f32`)));
      assert.ok(d <= 1e-3, `${set.name}: ${map} differs by ${d}`);
    }
    // Not a degenerate model: the scores of different windows differ.
    const s = Array.from(out.score.data);
    assert.ok(Math.max(...s) - Math.min(...s) > 1e-6, 'all windows got the same score');
  }
}

test('ONNX Runtime WASM backend (Node) matches LibTorch', async () => {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  await checkBackend(ort, { executionProviders: ['wasm'] });
});

test('ONNX Runtime native CPU backend matches LibTorch', async (t) => {
  let ort;
  try {
    ort = (await import('onnxruntime-node')).default;
  } catch (e) {
    t.skip(`onnxruntime-node unavailable: ${e.message}`);
    return;
  }
  await checkBackend(ort, { executionProviders: ['cpu'] });
});

test('the safetensors weights are written beside the model', () => {
  const st = path.join(work, 'tiny.safetensors');
  assert.ok(existsSync(st));
  const b = readFileSync(st);
  const headerLen = Number(b.readBigUInt64LE(0));
  const header = JSON.parse(b.subarray(8, 8 + headerLen).toString('utf8'));
  assert.equal(header.__metadata__.frames, '8');
  const head = header['head.weight'];
  assert.equal(head.dtype, 'F32');
  const total = Object.entries(header).filter(([k]) => k !== '__metadata__')
    .reduce((n, [, v]) => Math.max(n, v.data_offsets[1]), 0);
  assert.equal(b.length, 8 + headerLen + total);
});
