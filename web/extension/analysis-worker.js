// The extension's analysis worker (inside the offscreen document): one wasm core and one ONNX
// Runtime session for every tab. Tabs push decoded frames and sound through their bridge; the
// core's push API tracks the face and makes the 1 s windows exactly as it does for files; ONNX
// Runtime scores them; the core aggregates each video's scores into its per-second timeline.
//
// In  (avlens:to-worker):   hello | open {video, segment, start} | frame {video, segment, pixels,
//                           width, height, time} | audio {video, segment, samples} |
//                           close {video, segment} | forget {video} | bye      (all carry `bridge`)
// Out (avlens:from-worker): online | status {ready, error?, geometry, model, backend} |
//                           ack {video, segment, frames} | window {video, window, aggregate} |
//                           problem {video, segment, code, message}
import { CoreError, loadCore, toCoreError } from '../src/core.js';
import { errorMessage, checkWindow, loadModel, scoreWindow, startOrt } from '../src/scorer.js';

const ROOT = new URL('../', import.meta.url);
const toWorker = new BroadcastChannel('avlens:to-worker');
const fromWorker = new BroadcastChannel('avlens:from-worker');
const post = (msg) => fromWorker.postMessage(msg);

// Windows are scored one at a time; when the network is slower than the video, the oldest
// waiting windows are dropped (and counted) rather than letting the delay grow without end.
const MAX_WAITING_WINDOWS = 4;
// A window whose sound is flat (digital silence, or a site whose sound cannot be read) is not scored.
const SILENT_SPAN = 1e-6;

const engine = { ready: null, core: null, ort: null, backend: null, model: null, modelName: '' };
const segments = new Map(); // `${bridge}/${video}/${segment}` -> { maker, start, bridge, video }
const videos = new Map(); // `${bridge}/${video}` -> { scores: [{ startTime, duration, score }], end }
const waiting = [];
let scoring = false;

async function start() {
  const info = await (await fetch(new URL('build-info.json', ROOT))).json();
  if (!info.core?.module) throw Object.assign(new Error('this build of the extension has no analysis core (build-wasm/ was not built)'), { code: 'core_missing' });
  if (!info.model?.url) throw Object.assign(new Error('this build of the extension has no model (web/model/avlens.onnx was not there when it was built)'), { code: 'no_model' });
  engine.core = await loadCore(new URL(info.core.module, ROOT).href);
  const { ort, backend } = await startOrt('auto', new URL('vendor/ort/', ROOT).href);
  engine.ort = ort;
  engine.backend = backend;
  const bytes = await (await fetch(new URL(info.model.url, ROOT))).arrayBuffer();
  engine.model = await loadModel(ort, backend, bytes);
  engine.modelName = info.model.name;
}

function status() {
  return engine.ready.then(
    () => ({
      ready: true,
      geometry: engine.model.geometry,
      // The metadata carries the model's threshold and card: the badge and the popup word
      // their verdicts from it (web/src/model-card.js), as the page does.
      model: { name: engine.modelName, bytes: engine.model.bytes, metadata: engine.model.info.metadata },
      backend: engine.backend,
      coreVersion: engine.core.version,
    }),
    (err) => ({ ready: false, error: errorMessage(err) }),
  );
}

const videoKey = (msg) => `${msg.bridge}/${msg.video}`;
const segmentKey = (msg) => `${msg.bridge}/${msg.video}/${msg.segment}`;

function problem(seg, err) {
  const e = errorMessage(err);
  post({ type: 'problem', bridge: seg.bridge, video: seg.video, segment: seg.segment, code: e.code, message: e.message });
}

function closeSegment(key, flush) {
  const seg = segments.get(key);
  if (!seg) return;
  segments.delete(key);
  try {
    if (flush) {
      // finish() throws no_face when no frame of the segment had a face, after making its last
      // windows: report those too (as windows without a face), then the problem.
      try {
        seg.maker.finish(-1);
      } finally {
        drain(seg);
      }
    }
  } catch (err) {
    // A segment shorter than one window (paused or seeked within a second) simply gives none.
    if (toCoreError(err).code !== 'too_short') problem(seg, err);
  } finally {
    seg.maker.close();
  }
}

function drain(seg) {
  for (let w = seg.maker.pop(); w !== null; w = seg.maker.pop()) {
    checkWindow(w, engine.model.geometry);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of w.audio) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const base = { startTime: seg.start + w.startTime, duration: w.duration ?? engine.model.geometry.frames / engine.model.geometry.fps, hasFace: w.hasFace, framesWithoutFace: w.framesWithoutFace };
    if (!(hi - lo > SILENT_SPAN)) {
      post({ type: 'window', bridge: seg.bridge, video: seg.video, window: { ...base, score: null, skipped: 'silent' } });
      continue;
    }
    // As the page and `avlens scan` do: a window whose frames mostly show no face is not scored.
    if (!w.hasFace) {
      post({ type: 'window', bridge: seg.bridge, video: seg.video, window: { ...base, score: null, skipped: 'no_face' } });
      continue;
    }
    waiting.push({ seg, window: w, base });
    if (waiting.length > MAX_WAITING_WINDOWS) {
      const dropped = waiting.shift();
      post({ type: 'window', bridge: dropped.seg.bridge, video: dropped.seg.video, window: { ...dropped.base, score: null, skipped: 'slow' } });
    }
  }
  if (!scoring) scoreWaiting();
}

async function scoreWaiting() {
  scoring = true;
  try {
    while (waiting.length > 0) {
      const { seg, window: w, base } = waiting.shift();
      let score;
      try {
        ({ score } = await scoreWindow(engine.ort, engine.model, w));
      } catch (err) {
        problem(seg, err);
        continue;
      }
      const key = `${seg.bridge}/${seg.video}`;
      const v = videos.get(key) ?? { scores: [] };
      videos.set(key, v);
      // Watching a part again replaces its earlier window instead of counting it twice.
      v.scores = v.scores.filter((s) => Math.abs(s.startTime - base.startTime) >= base.duration / 2);
      v.scores.push({ startTime: base.startTime, duration: base.duration, score });
      v.scores.sort((a, b) => a.startTime - b.startTime);
      const aggregate = engine.core.aggregate(v.scores, 0);
      post({ type: 'window', bridge: seg.bridge, video: seg.video, window: { ...base, score }, aggregate: { mean: aggregate.mean, max: aggregate.max, windows: aggregate.windows, timeline: aggregate.timeline.map((x) => (Number.isFinite(x) ? x : null)) } });
    }
  } finally {
    scoring = false;
  }
}

function handle(msg) {
  switch (msg.type) {
    case 'hello':
      status().then((s) => post({ type: 'status', bridge: msg.bridge, ...s }));
      return;
    case 'open': {
      const seg = { maker: engine.core.createWindowMaker(engine.model.info.metadata), start: msg.start, bridge: msg.bridge, video: msg.video, segment: msg.segment };
      segments.set(segmentKey(msg), seg);
      return;
    }
    case 'frame':
    case 'audio': {
      const seg = segments.get(segmentKey(msg));
      if (!seg) return;
      try {
        if (msg.type === 'frame') seg.maker.pushFrame(new Uint8Array(msg.pixels), msg.width, msg.height, msg.time);
        else seg.maker.pushAudio(msg.samples);
        drain(seg);
      } catch (err) {
        problem(seg, err);
        closeSegment(segmentKey(msg), false);
      }
      if (msg.type === 'frame') post({ type: 'ack', bridge: msg.bridge, video: msg.video, segment: msg.segment });
      return;
    }
    case 'close':
      closeSegment(segmentKey(msg), msg.flush !== false);
      return;
    case 'forget':
      videos.delete(videoKey(msg));
      return;
    case 'bye':
      for (const key of [...segments.keys()]) if (key.startsWith(`${msg.bridge}/`)) closeSegment(key, false);
      for (const key of [...videos.keys()]) if (key.startsWith(`${msg.bridge}/`)) videos.delete(key);
      return;
    default:
      throw new CoreError('invalid_argument', `unknown message ${msg.type}`);
  }
}

toWorker.onmessage = async ({ data: msg }) => {
  if (msg.type !== 'hello') {
    try {
      await engine.ready;
    } catch {
      return; // the status told the tab why nothing can be analysed
    }
  }
  try {
    handle(msg);
  } catch (err) {
    post({ type: 'problem', bridge: msg.bridge, video: msg.video, segment: msg.segment, ...errorMessage(toCoreError(err)) });
  }
};

engine.ready = start();
engine.ready.catch((err) => console.error(`avlens: ${err.message}`));
post({ type: 'online' });
