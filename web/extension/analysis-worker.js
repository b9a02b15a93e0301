// The extension's analysis worker (inside the offscreen document): one wasm core and one ONNX
// Runtime session for every tab. Tabs push decoded frames and sound through their bridge; the
// core's push API tracks the face and makes the 1 s windows exactly as it does for files; ONNX
// Runtime scores them; the core aggregates each video's scores into its per-second timeline.
//
// The messages in and out: content/protocol.js.
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
import { CoreError, toCoreError } from '../src/core.js';
import { createDetector } from '../src/detector.js';
import { errorMessage } from '../src/scorer.js';
import { BRIDGE_ID, LIMITS, TabSession } from './content/protocol.js';

const ROOT = new URL('../', import.meta.url);
const toWorker = new BroadcastChannel('avlens:to-worker');
const fromWorker = new BroadcastChannel('avlens:from-worker');
const post = (msg) => fromWorker.postMessage(msg);

// The detector library (web/src/detector.js) holds the scoring policy: which windows are scored
// (not silent ones, not those without a face), dropping when the network falls behind, a part
// watched again replacing its window, the timeline, the coverage and the verdict. This worker keeps
// the trust boundary (protocol.js) and the bounds over tabs and videos.
const engine = { ready: null, detector: null, modelName: '', frameSide: 0 };
const segments = new Map(); // `${bridge}/${video}/${segment}` -> { stretch, bridge, video, segment, seen }
const videos = new Map(); // `${bridge}/${video}` -> the library's video stream (insertion order: oldest first)
const sessions = new Map(); // bridge -> TabSession (what it has open)
// A segment that hears nothing for this long belonged to a tab that went away without saying bye
// (crashed, killed): its window maker is closed so that its memory does not stay held.
const IDLE_SEGMENT_MS = 60_000;

async function start() {
  const info = await (await fetch(new URL('build-info.json', ROOT))).json();
  if (!info.core?.module) throw Object.assign(new Error('this build of the extension has no analysis core (build-wasm/ was not built)'), { code: 'core_missing' });
  if (!info.model?.url) throw Object.assign(new Error('this build of the extension has no model (web/model/avlens.onnx was not there when it was built)'), { code: 'no_model' });
  engine.detector = await createDetector({
    model: new URL(info.model.url, ROOT).href,
    name: info.model.name,
    backend: 'auto',
    coreUrl: new URL(info.core.module, ROOT).href,
    ortUrl: new URL('vendor/ort/', ROOT).href,
  });
  engine.modelName = info.model.name;
  // The longer side the tabs scale their frames to: what the core's tracking and cropping use for
  // this model (larger frames cost the bridge and the core copying, and nothing else).
  engine.frameSide = engine.detector.core.pushFrameSide(engine.detector.model.metadata);
}

function status() {
  return engine.ready.then(
    () => {
      const d = engine.detector;
      return {
        ready: true,
        geometry: d.model.geometry,
        frameSide: engine.frameSide,
        // The metadata carries the model's threshold and card: the badge and the popup word
        // their verdicts from it (web/src/verdict.js), as the page does.
        model: { name: engine.modelName, bytes: d.model.bytes, metadata: d.model.metadata, threshold: d.model.threshold },
        backend: d.backend,
        coreVersion: d.core.version,
      };
    },
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
  sessions.get(seg.bridge)?.forgetSegment(`${seg.video}/${seg.segment}`);
  seg.stretch.close({ flush });
}

/**
 * The library's stream for one video: at most LIMITS.maxVideos per bridge and
 * LIMITS.maxVideosTotal in all (the oldest go), LIMITS.maxScoresPerVideo scores each.
 */
function videoStream(bridge, video) {
  const key = `${bridge}/${video}`;
  let v = videos.get(key);
  if (v) return v;
  const own = [...videos.keys()].filter((k) => k.startsWith(`${bridge}/`));
  for (const k of own.slice(0, Math.max(0, own.length - LIMITS.maxVideos + 1))) forgetVideo(k);
  for (const k of [...videos.keys()].slice(0, Math.max(0, videos.size - LIMITS.maxVideosTotal + 1))) forgetVideo(k);
  v = engine.detector.openVideo({
    maxScores: LIMITS.maxScoresPerVideo,
    onWindow: ({ window, aggregate, coverage, stream }) => post({ type: 'window', bridge, video, window, ...(aggregate ? { aggregate } : {}), coverage, stream }),
    onBacklog: (stream) => post({ type: 'stream', bridge, video, stream }),
    onProblem: (err, stretch) => problem(stretch?.segment ?? { bridge, video }, err),
  });
  videos.set(key, v);
  return v;
}

/** A video is gone (or the oldest past the bounds): its open stretches end and its scores go. */
function forgetVideo(key) {
  for (const [k, seg] of [...segments]) if (`${seg.bridge}/${seg.video}` === key) closeSegment(k, false);
  videos.get(key)?.close();
  videos.delete(key);
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
      const stretch = videoStream(msg.bridge, msg.video).openStretch(msg.start);
      const seg = { stretch, bridge: msg.bridge, video: msg.video, segment: msg.segment, seen: Date.now() };
      stretch.segment = seg;
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
        if (msg.type === 'frame') seg.stretch.pushFrame(new Uint8Array(msg.pixels), msg.width, msg.height, msg.time);
        else seg.stretch.pushAudio(msg.samples);
      } catch (err) {
        problem(seg, err);
        closeSegment(segmentKey(msg), false);
      }
      if (msg.type === 'frame') post({ type: 'ack', bridge: msg.bridge, video: msg.video, segment: msg.segment });
      return;
    }
    case 'close': {
      closeSegment(segmentKey(msg), msg.flush !== false);
      // The tab learns that the stretch has made its last windows (stream.openStretches).
      const v = videos.get(videoKey(msg));
      if (v && msg.flush !== false) post({ type: 'stream', bridge: msg.bridge, video: msg.video, stream: v.streamState() });
      return;
    }
    case 'forget':
      forgetVideo(videoKey(msg));
      return;
    case 'bye':
      for (const key of [...segments.keys()]) if (key.startsWith(`${msg.bridge}/`)) closeSegment(key, false);
      for (const key of [...videos.keys()]) if (key.startsWith(`${msg.bridge}/`)) forgetVideo(key);
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
