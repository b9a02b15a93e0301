// Reference scores for fixture clips, computed outside the browser: the fixture core's windows
// (the same module the test page runs) scored by onnxruntime-node, aggregated the same way.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import createCore, { aggregateScores } from './fixtures/fixture-core.js';
import { bindModelIO, geometryFromMetadata, readOnnxModelInfo } from '../../web/src/onnx-model.js';

export async function referenceScores(modelPath, clipPath) {
  const bytes = readFileSync(modelPath);
  const g = geometryFromMetadata(readOnnxModelInfo(bytes).metadata);
  const session = await ort.InferenceSession.create(bytes);
  const io = bindModelIO(session.inputMetadata, session.outputNames, g);
  const core = await createCore();
  const metadata = readOnnxModelInfo(bytes).metadata;
  const clip = core.ClipReader.open(new Uint8Array(readFileSync(clipPath)), 'clip', { metadata });
  const windows = [];
  for (let w = clip.next(true); w; w = clip.next(true)) {
    const out = await session.run({
      [io.video]: new ort.Tensor('float32', w.video, [1, 3, g.frames, g.height, g.width]),
      [io.audio]: new ort.Tensor('float32', w.audio, io.audioRank === 3 ? [1, 1, g.samples] : [1, g.samples]),
    });
    windows.push({ startTime: w.startTime, duration: g.frames / g.fps, score: out.score.data[0] });
  }
  await session.release();
  const aggregate = aggregateScores(windows, clip.info().duration);
  return { windows, aggregate: { ...aggregate, timeline: Array.from(aggregate.timeline) } };
}
