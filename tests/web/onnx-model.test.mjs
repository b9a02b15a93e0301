// Reading a model's metadata and checking it against the network (web/src/onnx-model.js), on a
// model from the project's exporter (`avlens export --untrained tiny`) and on bad models made from
// it, with onnxruntime-node standing in for ONNX Runtime Web's session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { bindModelIO, geometryFromMetadata, readOnnxModelInfo } from '../../web/src/onnx-model.js';
import { AVLENS, badModels, untrainedModel } from './helpers.mjs';

const skip = !existsSync(AVLENS) && `${AVLENS} (the native CLI, which exports the model) is not built`;
const models = skip ? {} : { tiny: untrainedModel('tiny').onnx, ...badModels() };

test('metadata: geometry of a well-formed model', { skip }, async () => {
  const bytes = readFileSync(models.tiny);
  const info = readOnnxModelInfo(bytes);
  assert.equal(info.opsets['ai.onnx'], 17);
  const g = geometryFromMetadata(info.metadata);
  assert.deepEqual(g, { frames: 8, height: 64, width: 64, fps: 8, sampleRate: 16000, samples: 16000, videoMean: 0.5, videoStd: 0.5, audioNorm: 'minmax_window' });
  const s = await ort.InferenceSession.create(bytes);
  assert.deepEqual(bindModelIO(s.inputMetadata, s.outputNames, g), {
    video: 'video', audio: 'audio', audioRank: 3, outputs: { score: 'score', M: 'distance', A: 'attention', Mhat: 'weighted' },
  });
});

test('metadata: a model that does not fit its geometry is refused with the reason', { skip }, async () => {
  const bytes = readFileSync(models.mismatch);
  const g = geometryFromMetadata(readOnnxModelInfo(bytes).metadata);
  const s = await ort.InferenceSession.create(bytes);
  assert.throws(() => bindModelIO(s.inputMetadata, s.outputNames, g), /\[batch, 3, 8, 64, 64\].*3 × 16 × 64 × 64: the model does not fit/);
});

test('metadata: a model without metadata is refused', { skip }, () => {
  assert.throws(() => geometryFromMetadata(readOnnxModelInfo(readFileSync(models.noMetadata)).metadata), /no "frames"/);
});

test('metadata: missing, inconsistent and non-numeric fields are named', () => {
  const base = { frames: '30', height: '224', width: '224', fps: '30', sample_rate: '48000', samples: '48000', video_mean: '0.5', video_std: '0.5', audio_norm: 'minmax_clip' };
  assert.equal(geometryFromMetadata(base).samples, 48000);
  assert.throws(() => geometryFromMetadata({ ...base, samples: '16000' }), /inconsistent.*not 16000/);
  assert.throws(() => geometryFromMetadata({ ...base, height: '22.4' }), /"height" is "22.4", not an integer/);
  assert.throws(() => geometryFromMetadata({ ...base, video_std: '0' }), /video_std = 0/);
  assert.throws(() => geometryFromMetadata({ ...base, audio_norm: '' }), /audio_norm/);
});

test('metadata: truncated or foreign files are not ONNX models', () => {
  if (!skip) assert.throws(() => readOnnxModelInfo(readFileSync(models.truncated)), /truncated|not an ONNX model/);
  assert.throws(() => readOnnxModelInfo(new TextEncoder().encode('<html>definitely not a model</html>')), /not an ONNX model|protobuf/);
  assert.throws(() => readOnnxModelInfo(new Uint8Array(4)), /too small/);
});
