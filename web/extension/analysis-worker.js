// The extension's analysis worker (inside the offscreen document): one wasm core and one ONNX
// Runtime session for every tab. Tabs push decoded frames and sound through their bridge; the
// core's push API tracks the face and makes the 1 s windows exactly as it does for files; ONNX
// Runtime scores them; the core aggregates each video's scores into its per-second timeline.
//
// In  (avlens:to-worker):   hello | open {video, segment, start} | frame {video, segment, pixels,
//                           width, height, time} | audio {video, segment, samples} |
//                           close {video, segment} | forget {video} | bye      (all carry `bridge`)
// Out (avlens:from-worker): online | status {ready, error?, geometry, model, backend} |
//                           ack {video, segment, frames} | window {video, window, aggregate?, coverage} |
//                           problem {video, segment, code, message}
//
// `coverage` is what the video's scores rest on, by the core's one rule (clipCoverage, as for a
// file: verdictWithheld when fewer than 3 windows were scored, a warning when most of what played
// went unscored): over the reports of every stretch (segment) of the video played so far and the
// windows scored in it. The badge and the popup give no verdict without it (web/src/verdict.js).
//
// Every message is checked again here (content/protocol.js) before it reaches the core: a bridge
// id, the fields and sizes of each type, frame times relative to their segment, at most
// LIMITS.maxOpenSegments open segments per bridge and LIMITS.maxOpenSegmentsTotal in all,
// LIMITS.maxVideos videos per bridge (LIMITS.maxVideosTotal in all) and LIMITS.maxScoresPerVideo
// scores per video. The bridges check the same before relaying; this is
// the second line, in front of the wasm core that every tab shares.
import { CoreError, loadCore, toCoreError } from '../src/core.js';
import { errorMessage, checkWindow, loadModel, scoreWindow, startOrt } from '../src/scorer.js';
import { BRIDGE_ID, LIMITS, TabSession } from './content/protocol.js';

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
const videos = new Map(); // `${bridge}/${video}` -> { scores: [{ startTime, duration, score }], past } (insertion order: oldest first)
const sessions = new Map(); // bridge -> TabSession (what it has open)
const waiting = [];
let scoring = false;
// A segment that hears nothing for this long belonged to a tab that went away without saying bye
// (crashed, killed): its window maker is closed so that its memory does not stay held.
const IDLE_SEGMENT_MS = 60_000;

async function start() {
  const info = await (await fetch(new URL('build-info.json', ROOT))).json();
  if (!info.core?.module) throw Object.assign(new Error('this build of the extension has no analysis core (build-wasm/ was not built)'), { code: 'core_missing' });
  if (!info.model?.url) throw Object.assign(new Error('this build of the extension has no model (web/model/avlens.onnx was not there when it was built)'), { code: 'no_model' });
  engine.core = await loadCore(new URL(info.core.module, ROOT).href);
  const { ort, backend } = await startOrt('auto', new URL('vendor/ort/', ROOT).href);
  engine.ort = ort;
  engine.backend = backend;
  const bytes = await (await fetch(new URL(info.model.url, ROOT))).arrayBuffer();
  engine.model = await loadModel(ort, backend, bytes, engine.core); // the core (loaded above) reads its geometry
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

// The counts of a window maker's report that the core's coverage rule reads; a video's stretches add up.
const REPORT_COUNTS = ['frames', 'audioSamples', 'windows', 'windowsWithoutFace', 'decodeErrors'];
const emptyReport = () => Object.fromEntries(REPORT_COUNTS.map((k) => [k, 0]));
function addReport(sum, report) {
  for (const k of REPORT_COUNTS) sum[k] += report[k] ?? 0;
  return sum;
}

/**
 * What a video's scores rest on, by the core's rule: the reports of its closed stretches (`past`),
 * of those still open, and of `current` (a stretch being closed, no longer open and not yet in
 * `past`), against the windows scored for it. A part watched twice counts its seconds twice.
 */
function videoCoverage(bridge, video, current = null) {
  const v = videoScores(bridge, `${bridge}/${video}`);
  const report = { ...v.past };
  const open = [...segments.values()].filter((s) => s.bridge === bridge && s.video === video);
  if (current && !current.counted && !open.includes(current)) open.push(current);
  for (const s of open) addReport(report, s.maker.report());
  return engine.core.coverage(report, v.scores, engine.model.info.metadata);
}

function postWindow(seg, window, aggregate) {
  let coverage = null; // unknown: the tab gives no verdict
  try {
    coverage = videoCoverage(seg.bridge, seg.video, seg);
  } catch (err) {
    console.error(`avlens: coverage: ${err.message}`);
  }
  post({ type: 'window', bridge: seg.bridge, video: seg.video, window, ...(aggregate ? { aggregate } : {}), coverage });
}

function problem(seg, err) {
  const e = errorMessage(err);
  post({ type: 'problem', bridge: seg.bridge, video: seg.video, segment: seg.segment, code: e.code, message: e.message });
}

function closeSegment(key, flush) {
  const seg = segments.get(key);
  if (!seg) return;
  segments.delete(key);
  sessions.get(seg.bridge)?.forgetSegment(`${seg.video}/${seg.segment}`);
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
    // What this stretch decoded stays in the video's coverage after its maker is gone.
    try {
      addReport(videoScores(seg.bridge, `${seg.bridge}/${seg.video}`).past, seg.maker.report());
      seg.counted = true;
    } finally {
      seg.maker.close();
    }
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
      postWindow(seg, { ...base, score: null, skipped: 'silent' });
      continue;
    }
    // As the page and `avlens scan` do: a window whose frames mostly show no face is not scored.
    if (!w.hasFace) {
      postWindow(seg, { ...base, score: null, skipped: 'no_face' });
      continue;
    }
    waiting.push({ seg, window: w, base });
    if (waiting.length > MAX_WAITING_WINDOWS) {
      const dropped = waiting.shift();
      postWindow(dropped.seg, { ...dropped.base, score: null, skipped: 'slow' });
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
      const v = videoScores(seg.bridge, key);
      // Watching a part again replaces its earlier window instead of counting it twice.
      v.scores = v.scores.filter((s) => Math.abs(s.startTime - base.startTime) >= base.duration / 2);
      v.scores.push({ startTime: base.startTime, duration: base.duration, score });
      v.scores.sort((a, b) => a.startTime - b.startTime);
      // A bounded timeline per video: past the limit the earliest seconds go.
      if (v.scores.length > LIMITS.maxScoresPerVideo) v.scores.splice(0, v.scores.length - LIMITS.maxScoresPerVideo);
      const aggregate = engine.core.aggregate(v.scores, 0);
      postWindow(seg, { ...base, score }, { mean: aggregate.mean, max: aggregate.max, windows: aggregate.windows, timeline: aggregate.timeline.map((x) => (Number.isFinite(x) ? x : null)) });
    }
  } finally {
    scoring = false;
  }
}

/** The scores kept for one video: at most LIMITS.maxVideos per bridge and LIMITS.maxVideosTotal in all (the oldest go). */
function videoScores(bridge, key) {
  let v = videos.get(key);
  if (v) return v;
  const own = [...videos.keys()].filter((k) => k.startsWith(`${bridge}/`));
  for (const k of own.slice(0, Math.max(0, own.length - LIMITS.maxVideos + 1))) videos.delete(k);
  for (const k of [...videos.keys()].slice(0, Math.max(0, videos.size - LIMITS.maxVideosTotal + 1))) videos.delete(k);
  v = { scores: [], past: emptyReport() };
  videos.set(key, v);
  return v;
}

/**
 * Checks a message from a bridge (content/protocol.js) and hands it on rebuilt, or answers the
 * tab (a problem, an ack for a frame) and drops it. Messages without a bridge id are dropped.
 */
function admit(raw) {
  if (raw === null || typeof raw !== 'object' || typeof raw.bridge !== 'string' || !BRIDGE_ID.test(raw.bridge)) return null;
  const bridge = raw.bridge;
  if (raw.type === 'hello' || raw.type === 'bye') return { type: raw.type, bridge };
  let session = sessions.get(bridge);
  if (!session) sessions.set(bridge, (session = new TabSession()));
  const { msg, reply } = session.admit(raw);
  for (const r of reply ?? []) post({ ...r, bridge });
  return msg ? { ...msg, bridge } : null;
}

function handle(msg) {
  switch (msg.type) {
    case 'hello':
      status().then((s) => post({ type: 'status', bridge: msg.bridge, ...s }));
      return;
    case 'open': {
      if (segments.size >= LIMITS.maxOpenSegmentsTotal) {
        // Every frame of a page can have its own bridge: the worker bounds the total too.
        sessions.get(msg.bridge)?.forgetSegment(`${msg.video}/${msg.segment}`);
        post({ type: 'problem', bridge: msg.bridge, video: msg.video, segment: msg.segment, code: 'busy', message: `more than ${LIMITS.maxOpenSegmentsTotal} videos play at once in this browser: this one is not analysed` });
        return;
      }
      const seg = { maker: engine.core.createWindowMaker(engine.model.info.metadata), start: msg.start, bridge: msg.bridge, video: msg.video, segment: msg.segment, seen: Date.now() };
      segments.set(segmentKey(msg), seg);
      return;
    }
    case 'frame':
    case 'audio': {
      const seg = segments.get(segmentKey(msg));
      if (!seg) {
        if (msg.type === 'frame') post({ type: 'ack', bridge: msg.bridge, video: msg.video, segment: msg.segment });
        return;
      }
      seg.seen = Date.now();
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
      sessions.delete(msg.bridge);
      return;
    default:
      throw new CoreError('invalid_argument', `unknown message ${msg.type}`);
  }
}

toWorker.onmessage = async ({ data }) => {
  const msg = admit(data);
  if (!msg) return;
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

setInterval(() => {
  const now = Date.now();
  for (const [key, seg] of [...segments]) {
    if (now - seg.seen < IDLE_SEGMENT_MS) continue;
    post({ type: 'problem', bridge: seg.bridge, video: seg.video, segment: seg.segment, code: 'idle', message: `nothing arrived for ${IDLE_SEGMENT_MS / 1000} s; this stretch is no longer analysed` });
    closeSegment(key, false);
  }
}, IDLE_SEGMENT_MS / 4);

engine.ready = start();
engine.ready.catch((err) => console.error(`avlens: ${err.message}`));
post({ type: 'online' });
