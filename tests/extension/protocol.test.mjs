// The checks the bridge and the analysis worker hold every tab's messages to
// (web/extension/content/protocol.js), in Node: types, sizes, frame times relative to their segment,
// open segments and frames in flight per tab. The browser tests (trust.test.mjs) show the same
// module at work in the bridge and the worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS, NONCE, TabSession, makeNonce, parseTabMessage } from '../../web/extension/content/protocol.js';

const frame = (time, { width = 4, height = 2, video = 'v1', segment = 1, bytes } = {}) => ({
  type: 'frame',
  video,
  segment,
  width,
  height,
  time,
  pixels: new ArrayBuffer(bytes ?? width * height * 4),
});
const open = (segment = 1, start = 12.5, video = 'v1') => ({ type: 'open', video, segment, start });

test('well-formed messages are rebuilt with their own fields only', () => {
  const f = frame(0.25);
  f.extra = 'not relayed';
  f.bridge = 'spoofed';
  const out = parseTabMessage(f);
  assert.deepEqual(Object.keys(out).sort(), ['height', 'pixels', 'segment', 'time', 'type', 'video', 'width']);
  assert.equal(out.pixels, f.pixels);
  assert.deepEqual(parseTabMessage({ type: 'close', video: 'v2', segment: 3 }), { type: 'close', video: 'v2', segment: 3, flush: true });
  assert.deepEqual(parseTabMessage({ type: 'close', video: 'v2', segment: 3, flush: false }).flush, false);
  assert.deepEqual(parseTabMessage({ type: 'forget', video: 'v9', segment: 'ignored' }), { type: 'forget', video: 'v9' });
  const samples = new Float32Array(4000);
  assert.equal(parseTabMessage({ type: 'audio', video: 'v1', segment: 1, samples }).samples, samples);
});

test('malformed messages are refused with the reason', () => {
  const bad = [
    [null, /object/],
    ['avlens:port', /object/],
    [[1, 2], /object/],
    [new ArrayBuffer(8), /object/],
    [{ type: 'hello', video: 'v1' }, /unknown message type/], // the bridge sends hello itself
    [{ type: 'bye', video: 'v1' }, /unknown message type/],
    [{ type: 'eval', video: 'v1', segment: 1 }, /unknown message type/],
    [{ type: { toString: () => 'open' }, video: 'v1', segment: 1, start: 0 }, /unknown message type/],
    [{ type: 'open', video: 'x', segment: 1, start: 0 }, /bad video id/],
    [{ type: 'open', video: 'v1'.repeat(20), segment: 1, start: 0 }, /bad video id/],
    [{ type: 'open', video: 'v1', segment: 0, start: 0 }, /segment/],
    [{ type: 'open', video: 'v1', segment: 1.5, start: 0 }, /segment/],
    [{ type: 'open', video: 'v1', segment: '1', start: 0 }, /segment/],
    [{ type: 'open', video: 'v1', segment: 1, start: NaN }, /start time/],
    [{ type: 'open', video: 'v1', segment: 1, start: -1 }, /start time/],
    [{ type: 'open', video: 'v1', segment: 1, start: Infinity }, /start time/],
    [{ type: 'open', video: 'v1', segment: 1, start: LIMITS.maxStartSeconds + 1 }, /start time/],
    [{ type: 'open', video: 'v1', segment: 1, start: '0' }, /start time/],
    [{ type: 'close', video: 'v1', segment: 1, flush: 'yes' }, /flush/],
    [frame(0, { width: 0 }), /width and height/],
    [frame(0, { width: LIMITS.maxSide + 1, height: 1 }), /width and height/],
    [frame(0, { width: 2.5 }), /width and height/],
    [frame(0, { bytes: 31 }), /RGBA/],
    [frame(0, { bytes: 4 * 2 * 3 }), /RGBA/], // RGB instead of RGBA
    [{ ...frame(0), pixels: new Uint8Array(32) }, /ArrayBuffer/],
    [{ ...frame(0), pixels: Array(32).fill(0) }, /ArrayBuffer/],
    [frame(NaN), /time/],
    [frame(-0.1), /time/],
    [frame(Infinity), /time/],
    [{ type: 'audio', video: 'v1', segment: 1, samples: new Float32Array(0) }, /Float32Array/],
    [{ type: 'audio', video: 'v1', segment: 1, samples: new Float32Array(LIMITS.maxAudioSamples + 1) }, /Float32Array/],
    [{ type: 'audio', video: 'v1', segment: 1, samples: new Float64Array(100) }, /Float32Array/],
    [{ type: 'audio', video: 'v1', segment: 1, samples: [0.1, 0.2] }, /Float32Array/],
  ];
  for (const [msg, why] of bad) assert.throws(() => parseTabMessage(msg), why, JSON.stringify(msg));
});

test('a session answers a refused message with a problem for the video, and an ack for a frame', () => {
  const s = new TabSession();
  const r = s.admit({ type: 'open', video: 'v1', segment: 1, start: NaN });
  assert.equal(r.msg, undefined);
  assert.deepEqual(r.reply, [{ type: 'problem', video: 'v1', segment: 1, code: 'invalid_message', message: 'open: the start time must be a number of seconds from 0 to 172800' }]);
  const f = s.admit(frame(0, { bytes: 3 }));
  assert.deepEqual(f.reply.map((m) => m.type), ['problem', 'ack'], 'a refused frame is still acknowledged');
  // Nothing to attribute: a problem without a video.
  assert.equal(s.admit(null).reply[0].video, undefined);
});

test('frame times are bounded relative to their segment (a first frame at 10 000 s hung the worker)', () => {
  const s = new TabSession();
  assert.ok(s.admit(open()).msg);
  const far = s.admit(frame(10_000));
  assert.equal(far.msg, undefined);
  assert.match(far.reply[0].message, /first frame is at 10000\.000 s/);
  assert.equal(far.reply[1].type, 'ack');
  assert.ok(s.admit(frame(LIMITS.maxFirstFrameSeconds)).msg, 'a first frame within the limit');
  assert.ok(s.admit(frame(LIMITS.maxFirstFrameSeconds + LIMITS.maxFrameGapSeconds)).msg, 'a gap of exactly the limit');
  const gap = s.admit(frame(2 * LIMITS.maxFirstFrameSeconds + LIMITS.maxFrameGapSeconds + 59));
  assert.match(gap.reply[0].message, /follows one at/);
  // Going back in time is allowed (the core keeps the newest) but does not move the bound back.
  assert.ok(s.admit(frame(0.5)).msg);
  assert.ok(s.admit(frame(LIMITS.maxFirstFrameSeconds + 2 * LIMITS.maxFrameGapSeconds)).msg);
  // After a refused frame the segment is still open: the tab's close goes through.
  assert.deepEqual(s.admit({ type: 'close', video: 'v1', segment: 1, flush: false }).msg, { type: 'close', video: 'v1', segment: 1, flush: false });
});

test('segments: opened once, at most LIMITS.maxOpenSegments at a time; data for a closed one is dropped', () => {
  const s = new TabSession();
  for (let i = 1; i <= LIMITS.maxOpenSegments; i++) assert.ok(s.admit(open(1, 0, `v${i}`)).msg, `video ${i}`);
  const again = s.admit(open(1, 0, 'v1'));
  assert.match(again.reply[0].message, /already open/);
  const busy = s.admit(open(1, 0, `v${LIMITS.maxOpenSegments + 1}`));
  assert.equal(busy.reply[0].code, 'busy');
  assert.ok(s.admit({ type: 'close', video: 'v2', segment: 1 }).msg);
  assert.ok(s.admit(open(1, 0, `v${LIMITS.maxOpenSegments + 1}`)).msg, 'a closed segment frees its place');
  // Frames and sound of a segment that is not open go nowhere; a frame is acknowledged.
  assert.deepEqual(s.admit(frame(0, { video: 'v2' })), { drop: true, reply: [{ type: 'ack', video: 'v2', segment: 1 }] });
  assert.deepEqual(s.admit({ type: 'audio', video: 'v2', segment: 1, samples: new Float32Array(10) }), { drop: true });
  assert.deepEqual(s.admit({ type: 'close', video: 'v2', segment: 1 }), { drop: true });
  assert.deepEqual(s.admit(frame(0, { video: 'v1', segment: 7 })).reply, [{ type: 'ack', video: 'v1', segment: 7 }]);
  // The worker closes a segment on its own after a problem; the session forgets it.
  s.forgetSegment('v1/1');
  assert.ok(s.admit(open(1, 0, 'v1')).msg);
  s.reset();
  assert.equal(s.segments.size, 0);
});

test('frames in flight per tab are bounded where they are counted (the bridge)', () => {
  const s = new TabSession();
  s.admit(open());
  for (let i = 0; i < LIMITS.maxFramesInFlight; i++) assert.ok(s.admit(frame(i / 100), { countInFlight: true }).msg);
  const over = s.admit(frame(1), { countInFlight: true });
  assert.deepEqual(over, { drop: true, reply: [{ type: 'ack', video: 'v1', segment: 1 }] });
  s.acknowledged();
  assert.ok(s.admit(frame(1.01), { countInFlight: true }).msg);
  // The worker does not count (its queue is the bridges' business).
  assert.ok(s.admit(frame(1.02)).msg);
});

test('nonces: 256 random bits as 64 hex digits', () => {
  const a = makeNonce();
  const b = makeNonce();
  assert.match(a, NONCE);
  assert.notEqual(a, b);
  assert.doesNotMatch('avlens:port', NONCE);
});
