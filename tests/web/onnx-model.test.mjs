// Reading a model's metadata and geometry (by the wasm core only: web/src/scorer.js modelMetadata,
// modelGeometry) and checking a session against it (web/src/onnx-model.js bindModelIO), on a model from the project's
// exporter (`avlens export --untrained tiny`) and on bad models made from it, with onnxruntime-node
// standing in for ONNX Runtime Web's session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as onnxModel from '../../web/src/onnx-model.js';
import { modelGeometry, modelMetadata } from '../../web/src/scorer.js';
import { AVLENS, CORE, badModels, coreGeometry, coreMetadata, pageCore, untrainedModel } from './helpers.mjs';

const { bindModelIO } = onnxModel;

const noCore = !existsSync(join(CORE, 'avlens_core.js')) && `${CORE}/avlens_core.js (the wasm core, which reads the geometry) is not built`;
const skip = noCore || (!existsSync(AVLENS) && `${AVLENS} (the native CLI, which exports the model) is not built`);
const models = skip ? {} : { tiny: untrainedModel('tiny').onnx, ...(await badModels()) };

test('metadata: geometry of a well-formed model', { skip }, async () => {
  const bytes = readFileSync(models.tiny);
  const metadata = await coreMetadata(bytes);
  assert.equal(metadata.preset, 'tiny');
  const g = await coreGeometry(metadata);
  assert.deepEqual(g, {
    frames: 8, height: 64, width: 64, fps: 8, sampleRate: 16000, samples: 16000, videoMean: 0.5, videoStd: 0.5, audioNorm: 'minmax_window',
    cropScale: 1.4, cropShiftDown: 0.2, videoShape: [1, 3, 8, 64, 64], audioShape: [1, 1, 16000],
  });
  const s = await ort.InferenceSession.create(bytes);
  assert.deepEqual(bindModelIO(s.inputMetadata, s.outputNames, g), {
    video: 'video', audio: 'audio', audioRank: 3, outputs: { score: 'score', M: 'distance', A: 'attention', Mhat: 'weighted' },
  });
});

test('metadata: a model that does not fit its geometry is refused with the reason', { skip }, async () => {
  const bytes = readFileSync(models.mismatch);
  const g = await coreGeometry(bytes);
  const s = await ort.InferenceSession.create(bytes);
  assert.throws(() => bindModelIO(s.inputMetadata, s.outputNames, g), /\[batch, 3, 8, 64, 64\].*3 × 16 × 64 × 64: the model does not fit/);
});

test('metadata: a model without metadata, or with a geometry the core refuses, is a ModelError with the core\'s reason', { skip }, async () => {
  const refused = async (path, pattern) => {
    await assert.rejects(coreGeometry(readFileSync(path)), (err) => {
      assert.equal(err.name, 'ModelError');
      assert.equal(err.code, 'bad_model');
      assert.match(err.message, pattern);
      return true;
    });
  };
  await refused(models.noMetadata, /model metadata lacks 'frames'/);
  await refused(models.fractional, /model metadata 'frames' = '8\.9': not an integer/);
  await refused(models.huge, /512x1024x1024 .*15\d\d\.\d MiB.*more than the 64\.0 MiB a window may take/);
});

test('metadata: missing, inconsistent and non-numeric fields are named by the core', { skip: noCore }, async () => {
  const base = { frames: '30', height: '224', width: '224', fps: '30', sample_rate: '48000', samples: '48000', video_mean: '0.5', video_std: '0.5', audio_norm: 'minmax_clip' };
  assert.equal((await coreGeometry(base)).samples, 48000);
  const refused = async (meta, pattern) => assert.rejects(coreGeometry(meta), (err) => err.name === 'ModelError' && pattern.test(err.message));
  await refused({ ...base, samples: '16000' }, /model metadata is inconsistent: samples = 16000 but frames\/fps\*sample_rate = 30\/30\*48000 = 48000/);
  await refused({ ...base, height: '22.4' }, /'height' = '22\.4': not an integer/);
  // What Number() would have taken: an integer is written with digits only.
  for (const frames of ['30.0', ' 30', '0x1e', '3e1']) await refused({ ...base, frames }, /'frames' = .*not an integer/);
  await refused({ ...base, video_std: '0' }, /video_std/);
  await refused({ ...base, audio_norm: 'loud' }, /audio_norm/);
  const { frames, ...noFrames } = base;
  await refused(noFrames, /model metadata lacks 'frames'/);
});

test('metadata: without the core no geometry is read', () => {
  assert.throws(() => modelGeometry(null, {}), (err) => err.code === 'core_missing' && /analysis core/.test(err.message));
});

test('metadata: truncated or foreign files are not ONNX models (the core\'s reader says so)', { skip }, async () => {
  const core = await pageCore();
  const refused = (bytes) => assert.throws(() => modelMetadata(core, bytes), (err) => err.name === 'ModelError' && err.code === 'bad_model' && /ONNX|protobuf|graph|empty/i.test(err.message));
  refused(readFileSync(models.truncated));
  refused(new TextEncoder().encode('<html>definitely not a model</html>'));
  refused(new Uint8Array(4));
  refused(new Uint8Array(0));
  assert.throws(() => modelMetadata(null, new Uint8Array(4)), (err) => err.code === 'core_missing');
});

test('metadata: JavaScript has no protobuf reader of its own (one reader: the core\'s)', () => {
  assert.deepEqual(Object.keys(onnxModel).sort(), ['ModelError', 'bindModelIO', 'describeGeometry']);
});
