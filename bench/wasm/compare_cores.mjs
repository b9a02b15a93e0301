// Two builds of the wasm core on the same clips: how far apart their windows are (face crops,
// boxes, face flags) and the model's window scores on them (onnxruntime-node, the same .onnx).
// Used to measure what a change to the core's pixel path does to what the network sees.
//
//   node bench/wasm/compare_cores.mjs --old DIR --new DIR [--model web/model/avlens.onnx]
//        [--preset paper] CLIP...
// Prints one JSON line per clip and geometry, then the maxima over all of them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { bindModelIO, readOnnxModelInfo } from '../../web/src/onnx-model.js';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args.splice(args.indexOf(name), 2)[1] : fallback);
const oldDir = option('--old');
const newDir = option('--new');
const modelPath = option('--model', 'web/model/avlens.onnx');
const preset = option('--preset', 'paper');
const clips = args;
if (!oldDir || !newDir || !clips.length) {
  console.error('usage: compare_cores.mjs --old DIR --new DIR [--model M.onnx] [--preset NAME] CLIP...');
  process.exit(2);
}

const load = async (dir) => (await import(pathToFileURL(join(dir, 'avlens_core.js')).href)).createCore();
const [oldCore, newCore] = [await load(oldDir), await load(newDir)];
const modelBytes = readFileSync(modelPath);
const metadata = readOnnxModelInfo(new Uint8Array(modelBytes)).metadata;
const g = newCore.geometry(metadata);
const session = await ort.InferenceSession.create(modelBytes);
const io = bindModelIO(session.inputMetadata, session.outputNames, g);

async function windowsOf(core, bytes, options) {
  const reader = await core.openClip(bytes, { name: 'clip', ...options });
  const out = [];
  for (let w = reader.next(!!options.metadata); w !== null; w = reader.next(!!options.metadata)) out.push(w);
  reader.delete();
  return out;
}

async function score(w) {
  const res = await session.run({
    [io.video]: new ort.Tensor('float32', w.video, [1, 3, g.frames, g.height, g.width]),
    [io.audio]: new ort.Tensor('float32', w.audio, io.audioRank === 3 ? [1, 1, g.samples] : [1, g.samples]),
  });
  return res.score.data[0];
}

const total = { maxPixel: 0, maxBox: 0, maxScore: 0, flagDifferences: 0 };
for (const clip of clips) {
  const bytes = readFileSync(clip);
  for (const [what, options] of [[`model ${g.frames}x${g.height}x${g.width}`, { metadata }], [preset, { preset }]]) {
    const [a, b] = [await windowsOf(oldCore, bytes, options), await windowsOf(newCore, bytes, options)];
    const row = { clip, geometry: what, windows: [a.length, b.length], maxPixel: 0, meanPixel: 0, pixelsOver8: 0,
      maxBox: 0, flagDifferences: 0, maxScore: null, meanScore: null };
    let sum = 0, count = 0;
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const [x, y] = [a[i].crops, b[i].crops];
      for (let k = 0; k < x.length; k++) {
        const d = Math.abs(x[k] - y[k]);
        row.maxPixel = Math.max(row.maxPixel, d);
        if (d > 8) row.pixelsOver8++;
        sum += d;
      }
      count += x.length;
      for (let k = 0; k < a[i].boxes.length; k++) row.maxBox = Math.max(row.maxBox, Math.abs(a[i].boxes[k] - b[i].boxes[k]));
      for (let k = 0; k < a[i].faceFound.length; k++) if (a[i].faceFound[k] !== b[i].faceFound[k]) row.flagDifferences++;
    }
    row.meanPixel = count ? sum / count : 0;
    if (options.metadata && a.length === b.length && a.length) {
      let maxScore = 0, meanOld = 0, meanNew = 0;
      for (let i = 0; i < a.length; i++) {
        const [sa, sb] = [await score(a[i]), await score(b[i])];
        maxScore = Math.max(maxScore, Math.abs(sa - sb));
        meanOld += sa / a.length;
        meanNew += sb / a.length;
      }
      row.maxScore = maxScore;
      row.meanScore = [meanOld, meanNew];
      total.maxScore = Math.max(total.maxScore, maxScore);
    }
    total.maxPixel = Math.max(total.maxPixel, row.maxPixel);
    total.maxBox = Math.max(total.maxBox, row.maxBox);
    total.flagDifferences += row.flagDifferences;
    console.log(JSON.stringify(row));
  }
}
console.log(JSON.stringify({ total }));
await session.release();
