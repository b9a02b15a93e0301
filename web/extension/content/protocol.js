// What a tab may send to the analysis worker, and the limits every message is held to. The
// content script (content/main.js) keeps to them; the bridge (extension/bridge.js) checks every
// message from its tab before relaying it, and the analysis worker checks again before anything
// reaches the wasm core (docs/RELIABILITY.md, "The extension's bridge").
//
// Tab -> bridge (the MessagePort the content script handed over):
//   open {video, segment, start}                       a stretch of playback begins at media time `start`
//   frame {video, segment, pixels, width, height, time} RGBA pixels (ArrayBuffer), seconds from the segment's start
//   audio {video, segment, samples}                    mono Float32Array at the model's rate, contiguous
//   close {video, segment, flush?}                     the stretch ends (flush: make its last windows)
//   forget {video}                                     the video is gone: drop its scores
// The bridge adds `bridge` (its own id) and sends `hello`/`bye` itself; a tab cannot send those.
//
// Worker -> tabs (BroadcastChannel avlens:from-worker; each bridge passes on those with its id):
//   online                                             the analysis worker (re)started
//   status {ready, error?, geometry, frameSide, model {name, bytes, metadata, threshold}, backend, coreVersion}
//                                                      frameSide: the longer side the tab scales frames to (the
//                                                      core's, for the model; at most LIMITS.maxSide)
//   ack {video, segment}                               a frame was taken (the tab's count of frames in flight)
//   window {video, window, aggregate?, coverage, stream} the detector library's stream update (web/src/detector.d.ts
//                                                      StreamUpdate): window {startTime, duration, score | null,
//                                                      skipped?, hasFace, framesWithoutFace}; stream: StreamState
//   stream {video, stream}                             StreamState after a window joined the waiting ones, or
//                                                      after a segment closed with flush (its last windows made)
//   problem {video, segment, code, message}            a refused message, or a stretch that failed
//
// This protocol is a trust boundary (any page can hold a tab's port); the page's own worker
// protocol (web/src/protocol.js) is not, and is kept apart from it.

export const LIMITS = Object.freeze({
  maxSide: 1280, // frame width and height in pixels (the content script scales frames to the core's frameSide, at most this)
  maxAudioSamples: 65536, // samples in one audio message (the content script sends 0.25 s)
  maxFirstFrameSeconds: 2, // a segment's first frame: the core repeats it from time 0 up to here
  maxFrameGapSeconds: 5, // between a frame and the latest before it: the core repeats a frame over a gap
  maxStartSeconds: 48 * 3600, // media time at which a segment may start (the timeline is per second of it)
  maxOpenSegments: 4, // per bridge (one per frame that plays videos): videos analysed at the same time
  maxOpenSegmentsTotal: 16, // in the worker, over all tabs and frames
  maxSegmentNumber: 1e9,
  maxFramesInFlight: 64, // per tab: frames relayed by the bridge and not yet taken by the core
  maxVideos: 32, // per bridge: videos whose scores the worker keeps (the oldest is forgotten)
  maxVideosTotal: 256, // in the worker, over all bridges
  maxScoresPerVideo: 4 * 3600, // per video: scored windows the worker keeps for its timeline (the earliest go)
});

// The content script numbers its videos v1, v2, ...
const VIDEO_ID = /^v[1-9][0-9]{0,8}$/;
/** The bridge's id (crypto.randomUUID) and the nonce a content script hands its bridge. */
export const BRIDGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const NONCE = /^[0-9a-f]{64}$/;

/** A fresh secret for one bridge (the content script may run where crypto.randomUUID is not offered). */
export function makeNonce() {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const isPlainObject = (x) => x !== null && typeof x === 'object' && !Array.isArray(x) && !ArrayBuffer.isView(x) && !(x instanceof ArrayBuffer);
const isCount = (x, max) => Number.isInteger(x) && x >= 1 && x <= max;
const isTime = (x, max) => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= max;

class Rejected extends Error {
  constructor(message, code = 'invalid_message') {
    super(message);
    this.code = code;
  }
}

/**
 * The message a tab sent, checked field by field and rebuilt with only those fields (so nothing
 * else is relayed), or a Rejected error saying what was wrong. Stateless: the limits that depend on
 * what came before (open segments, frame times) are TabSession's.
 */
export function parseTabMessage(msg, limits = LIMITS) {
  if (!isPlainObject(msg)) throw new Rejected('a message must be an object');
  const { type } = msg;
  if (!['open', 'frame', 'audio', 'close', 'forget'].includes(type)) throw new Rejected(`unknown message type ${JSON.stringify(String(type).slice(0, 40))}`);
  if (typeof msg.video !== 'string' || !VIDEO_ID.test(msg.video)) throw new Rejected(`${type}: bad video id`);
  const video = msg.video;
  if (type === 'forget') return { type, video };
  if (!isCount(msg.segment, limits.maxSegmentNumber)) throw new Rejected(`${type}: bad segment number`);
  const segment = msg.segment;
  switch (type) {
    case 'open':
      if (!isTime(msg.start, limits.maxStartSeconds)) throw new Rejected(`open: the start time must be a number of seconds from 0 to ${limits.maxStartSeconds}`);
      return { type, video, segment, start: msg.start };
    case 'close':
      if (msg.flush !== undefined && typeof msg.flush !== 'boolean') throw new Rejected('close: flush must be true or false');
      return { type, video, segment, flush: msg.flush !== false };
    case 'frame': {
      const { pixels, width, height, time } = msg;
      if (!isCount(width, limits.maxSide) || !isCount(height, limits.maxSide)) throw new Rejected(`frame: width and height must be whole numbers from 1 to ${limits.maxSide}`);
      if (!(pixels instanceof ArrayBuffer) || pixels.byteLength !== width * height * 4) throw new Rejected(`frame: pixels must be an ArrayBuffer of ${width}×${height}×4 RGBA bytes`);
      if (!isTime(time, limits.maxStartSeconds)) throw new Rejected('frame: its time must be a finite number of seconds >= 0');
      return { type, video, segment, pixels, width, height, time };
    }
    case 'audio': {
      const { samples } = msg;
      if (!(samples instanceof Float32Array) || samples.length < 1 || samples.length > limits.maxAudioSamples) throw new Rejected(`audio: samples must be a Float32Array of 1 to ${limits.maxAudioSamples} samples`);
      return { type, video, segment, samples };
    }
    default:
      throw new Rejected('unreachable');
  }
}

/**
 * What one tab has open, and the limits that depend on it: at most maxOpenSegments open at once,
 * no segment opened twice, a segment's first frame within maxFirstFrameSeconds of its start and
 * each later frame within maxFrameGapSeconds of the latest one (a frame far ahead would make the
 * core repeat a picture for that long: 10 000 s hung the worker), at most maxFramesInFlight frames
 * relayed and not yet acknowledged (the bridge counts those).
 *
 * admit(msg) returns { msg }, the rebuilt message to relay, or { drop, reply } when it must not
 * go on: `reply` is what to tell the tab (a problem; and an ack for a frame, so that the tab's count
 * of frames in flight stays right); `drop` alone for data of a segment that is not open (it ended, or
 * the worker closed it after a problem). A refused frame leaves its segment open: the tab ends it
 * on the problem, and its close goes through.
 */
export class TabSession {
  constructor(limits = LIMITS) {
    this.limits = limits;
    this.segments = new Map(); // `${video}/${segment}` -> { lastFrame: null | seconds }
    this.inFlight = 0;
  }

  static key(msg) {
    return `${msg.video}/${msg.segment}`;
  }

  admit(raw, { countInFlight = false } = {}) {
    let msg;
    try {
      msg = parseTabMessage(raw, this.limits);
    } catch (err) {
      return this.refuse(raw, err);
    }
    const key = TabSession.key(msg);
    switch (msg.type) {
      case 'forget':
        return { msg };
      case 'open':
        if (this.segments.has(key)) return this.refuse(msg, new Rejected(`open: segment ${msg.segment} of ${msg.video} is already open`));
        if (this.segments.size >= this.limits.maxOpenSegments) {
          return this.refuse(msg, new Rejected(`more than ${this.limits.maxOpenSegments} videos play at once in this page: this one is not analysed`, 'busy'));
        }
        this.segments.set(key, { lastFrame: null });
        return { msg };
      case 'close':
        // Closing what is not open is harmless (the worker may have closed it after a problem).
        if (!this.segments.delete(key)) return { drop: true };
        return { msg };
      case 'audio':
        if (!this.segments.has(key)) return { drop: true };
        return { msg };
      case 'frame': {
        const seg = this.segments.get(key);
        const ack = { type: 'ack', video: msg.video, segment: msg.segment };
        if (!seg) return { drop: true, reply: [ack] };
        const limit = seg.lastFrame === null ? this.limits.maxFirstFrameSeconds : seg.lastFrame + this.limits.maxFrameGapSeconds;
        if (msg.time > limit) {
          const what = seg.lastFrame === null ? `its first frame is at ${msg.time.toFixed(3)} s` : `a frame at ${msg.time.toFixed(3)} s follows one at ${seg.lastFrame.toFixed(3)} s`;
          return this.refuse(msg, new Rejected(`frame: ${what}; a segment's frames must start within ${this.limits.maxFirstFrameSeconds} s and follow each other within ${this.limits.maxFrameGapSeconds} s`));
        }
        if (countInFlight) {
          if (this.inFlight >= this.limits.maxFramesInFlight) return { drop: true, reply: [ack] };
          this.inFlight++;
        }
        seg.lastFrame = seg.lastFrame === null ? msg.time : Math.max(seg.lastFrame, msg.time);
        return { msg };
      }
      default:
        return this.refuse(msg, new Rejected('unreachable'));
    }
  }

  /** The worker acknowledged a frame (bridge), or closed a segment on its own (worker). */
  acknowledged() {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  forgetSegment(key) {
    this.segments.delete(key);
  }

  /** A session after the worker restarted: it has nothing open and nothing in flight. */
  reset() {
    this.segments.clear();
    this.inFlight = 0;
  }

  refuse(raw, err) {
    const video = isPlainObject(raw) && typeof raw.video === 'string' && VIDEO_ID.test(raw.video) ? raw.video : undefined;
    const segment = isPlainObject(raw) && isCount(raw.segment, this.limits.maxSegmentNumber) ? raw.segment : undefined;
    const reply = [{ type: 'problem', video, segment, code: err.code ?? 'invalid_message', message: err.message }];
    if (raw?.type === 'frame' && video && segment) reply.push({ type: 'ack', video, segment });
    return { drop: true, rejected: true, reply };
  }
}
