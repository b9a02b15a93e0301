// The wasm core's JavaScript API beyond plain window making: the push API (frames and audio from
// the browser's own decoders), progress and abort, score aggregation, ONNX metadata, typed
// errors, and memory that is given back.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, WASM_DIR, faceClip, loadCore, nativeWindows, requireNative } from './support.mjs';

const run = promisify(execFile);
const H264_AAC = { video: ['-c:v', 'libx264', '-preset', 'ultrafast'], audio: ['-c:a', 'aac'] };

async function rejects(promiseOrFn, code) {
  await assert.rejects(async () => (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn), (err) => {
    assert.equal(err.name, 'AvlensError', String(err));
    assert.equal(err.code, code, err.message);
    return true;
  });
}

describe('wasm core API', () => {
  let core;
  before(async () => {
    core = await loadCore();
  });

  test("error codes: the core's one list (avlens/error.hpp) is the page's CORE_ERROR_CODES", async () => {
    const { CORE_ERROR_CODES } = await import('../../web/src/core.js');
    assert.deepEqual(Array.from(core.errorCodes()), CORE_ERROR_CODES);
  });

  test('version and geometry of a preset, in the network layout', () => {
    assert.match(core.version(), /^\d+\.\d+\.\d+$/);
    const g = core.geometry({ preset: 'paper' });
    assert.deepEqual(g.videoShape, [1, 3, 30, 224, 224]);
    assert.deepEqual(g.audioShape, [1, 1, 48000]);
    assert.equal(g.audioNorm, 'minmax_window');  // each window on its own, as the reference (docs/METHOD.md §1)
  });

  test('windows: float video tensor (C,T,H,W) = (crops/255 - mean)/std, boxes and flags per frame', async () => {
    const clip = await faceClip('h264_aac.mp4', H264_AAC);
    const reader = await core.openClip(readFileSync(clip), { preset: 'tiny' });
    try {
      const w = reader.next();
      const [T, H, W] = [8, 64, 64];
      assert.equal(w.video.length, 3 * T * H * W);
      for (const [t, y, x, c] of [[0, 0, 0, 0], [3, 17, 40, 1], [7, 63, 63, 2]]) {
        const u8 = w.crops[((t * H + y) * W + x) * 3 + c];
        assert.equal(w.video[((c * T + t) * H + y) * W + x], Math.fround((Math.fround(u8 / 255) - 0.5) / 0.5));
      }
      assert.equal(w.boxes.length, 4 * T);
      assert.equal(w.faceFound.length, T);
      assert.equal(w.audio.length, 16000);
      assert.ok(w.audio.every((s) => s >= -1 && s <= 1));
      assert.equal(reader.next(false).video, undefined, 'video: false skips the float tensor');
    } finally {
      reader.delete();
    }
  });

  test('progress rises to the end of the clip; async iteration', async () => {
    const clip = await faceClip('h264_aac.mp4', H264_AAC);
    const seen = [];
    const reader = await core.openClip(new Blob([readFileSync(clip)]), { preset: 'tiny', onProgress: (f) => seen.push(f) });
    let n = 0;
    for await (const w of reader.windows({ video: false })) {
      assert.equal(w.index, n++);
    }
    reader.delete();
    assert.equal(n, 2);
    assert.ok(seen.length >= 2, `progress calls: ${seen.length}`);
    assert.ok(seen.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= seen[i - 1])), `not monotonic: ${seen}`);
    assert.ok(seen.at(-1) > 0.9, `last progress ${seen.at(-1)}`);
  });

  test('an AbortSignal or shouldAbort() stops the clip with code "aborted"', async () => {
    const clip = await faceClip('h264_aac.mp4', H264_AAC);
    const controller = new AbortController();
    const reader = await core.openClip(readFileSync(clip), { preset: 'tiny', signal: controller.signal });
    try {
      assert.notEqual(reader.next(false), null);
      controller.abort();
      assert.throws(() => reader.next(false), (err) => err.code === 'aborted');
    } finally {
      reader.delete();
    }
    // Aborted from a timer while iterating: windows() yields to the event loop between windows.
    const again = new AbortController();
    const r2 = await core.openClip(readFileSync(clip), { preset: 'tiny', signal: again.signal });
    await rejects(async () => {
      for await (const w of r2.windows({ video: false })) {
        if (w.index === 0) setTimeout(() => again.abort(), 0);
      }
    }, 'aborted');
    r2.delete();
    // shouldAbort(), polled between frames (a worker's cancel flag).
    let stop = false;
    const r3 = await core.openClip(readFileSync(clip), { preset: 'tiny', shouldAbort: () => stop });
    assert.notEqual(r3.next(false), null);
    stop = true;
    assert.throws(() => r3.next(false), (err) => err.code === 'aborted');
    r3.delete();
  });

  test('a throwing onProgress stops the clip and its error is what the caller sees', async () => {
    const clip = await faceClip('h264_aac.mp4', H264_AAC);
    const mine = new Error('progress bar is gone');
    const reader = await core.openClip(readFileSync(clip), { preset: 'tiny', onProgress: () => { throw mine; } });
    assert.throws(() => reader.next(false), (err) => err === mine);
    reader.delete();
  });

  // Issue 14 item 4: the extension scales its frames to this side (avlens::push_frame_side), asked
  // of the core with the maker's own options: the detection side, or what a large window's crop needs.
  test('pushFrameSide: the longer side to scale pushed frames to, for the maker\'s options', async () => {
    assert.equal(core.pushFrameSide({ preset: 'tiny' }), 640);
    assert.equal(core.pushFrameSide({ preset: 'small' }), 640);
    assert.equal(core.pushFrameSide({ preset: 'paper' }), 1280); // 224 x 640 / (1.4 x 80)
    assert.equal(core.pushFrameSide({ preset: 'tiny', detectMaxSide: 480 }), 480);
    const metadata = core.readOnnxMetadata(readFileSync(join(ROOT, 'web', 'model', 'avlens.onnx')));
    assert.equal(core.pushFrameSide({ metadata }), core.pushFrameSide({ preset: metadata.preset }));
    await rejects(() => core.pushFrameSide({ metadata: { frames: '30' } }), 'invalid_argument');
    await rejects(() => core.pushFrameSide({ preset: 'tiny', detectMaxSide: 'big' }), 'invalid_argument');
  });

  test('bad options and inputs throw AvlensError invalid_argument', async () => {
    const clip = readFileSync(await faceClip('h264_aac.mp4', H264_AAC));
    await rejects(core.openClip(clip, { detectEvery: 'often' }), 'invalid_argument');
    await rejects(core.openClip(clip, { preset: 'tiny', metadata: {} }), 'invalid_argument');
    await rejects(core.openClip(clip, { metadata: { frames: '30' } }), 'invalid_argument');
    await rejects(core.openClip(clip, { signal: {} }), 'invalid_argument');
    await rejects(core.openClip(42), 'invalid_argument');
    assert.throws(() => core.createWindowMaker({ preset: 'tiny' }).pushFrame(new Uint8Array(10), 4, 4, 0),
      (err) => err.code === 'invalid_argument' && /neither RGBA nor RGB/.test(err.message));
    assert.throws(() => core.aggregateScores('scores', 3), (err) => err.code === 'invalid_argument');
  });

  test('aggregateScores: mean, max and a per-second timeline (NaN where no window)', () => {
    const r = core.aggregateScores([
      { startTime: 0, duration: 1, score: 0.2 },
      { startTime: 1, duration: 1, score: 0.8 },
      { startTime: 3, duration: 1, score: 0.5 },
    ], 4.5);
    assert.ok(Math.abs(r.mean - 0.5) < 1e-12);
    assert.equal(r.max, 0.8);
    assert.equal(r.windows, 3);
    assert.ok(r.timeline instanceof Float64Array);
    assert.equal(r.timeline.length, 5);
    assert.deepEqual(Array.from(r.timeline.subarray(0, 2)), [0.2, 0.8]);
    assert.ok(Number.isNaN(r.timeline[2]) && Number.isNaN(r.timeline[4]));
    assert.equal(r.timeline[3], 0.5);
  });

  test('readOnnxMetadata reads metadata_props; the geometry follows it', () => {
    const enc = new TextEncoder();
    const bytes = (s) => [...enc.encode(s)];
    const field = (tag, payload) => [tag, payload.length, ...payload];
    const meta = { frames: '8', height: '64', width: '64', fps: '8', sample_rate: '16000', samples: '16000',
      video_mean: '0.5', video_std: '0.5', audio_norm: 'minmax_window' };
    const model = [0x08, 0x08, ...field(0x3a, [])];  // ir_version 8, an empty graph
    for (const [k, v] of Object.entries(meta)) model.push(...field(0x72, [...field(0x0a, bytes(k)), ...field(0x12, bytes(v))]));
    const read = core.readOnnxMetadata(new Uint8Array(model));
    assert.deepEqual({ ...read }, meta);
    const g = core.geometry({ metadata: read });
    assert.deepEqual([g.frames, g.height, g.width, g.sampleRate, g.audioNorm], [8, 64, 64, 16000, 'minmax_window']);
    assert.throws(() => core.readOnnxMetadata(new Uint8Array([0xff, 0xff, 0xff])), (err) => err.code === 'invalid_argument');
  });

  test('memory is given back: readers, windows and errors do not leak', async () => {
    const clip = readFileSync(await faceClip('h264_aac.mp4', H264_AAC));
    const once = async () => {
      const reader = await core.openClip(clip, { preset: 'tiny' });
      while (reader.next() !== null);
      reader.delete();
      await rejects(core.openClip(new Uint8Array(1000)), 'unreadable');
    };
    await once();
    const before = core.memoryStats().usedBytes;
    for (let i = 0; i < 3; i++) await once();
    const after = core.memoryStats().usedBytes;
    assert.ok(after - before < 64 * 1024, `heap in use grew by ${after - before} bytes over 3 clips`);
  });
});

// Streaming: the wasm memory a clip needs does not grow with its length (the clip's bytes aside).
test('bounded heap: a 54 s clip needs no more memory than a 27 s one', async () => {
  const { createCore } = await import(pathToFileURL(join(WASM_DIR, 'avlens_core.js')).href);
  const peak = async (seconds) => {
    const bytes = readFileSync(await faceClip(`long_${seconds}.mp4`, { ...H264_AAC, seconds }));
    const core = await createCore();  // a fresh instance: wasm memory never shrinks
    const reader = await core.openClip(bytes, { preset: 'paper' });
    let n = 0;
    while (reader.next() !== null) n++;
    reader.delete();
    return { n, peak: core.memoryStats().peakBytes, bytes: bytes.length };
  };
  // Both clips are long enough for the decoders', the tracker's and the slice reader's buffers to
  // have filled (a 9 s clip peaked 4 MB below a 27 s one once the core held YUV frames and read in
  // slices: 40.7 / 45.4 / 45.9 MB for 9 / 27 / 54 s, 2026-11-30).
  const short = await peak(27);
  const long = await peak(54);
  assert.equal(long.n, 54);
  // Twice the clip's extra bytes at most, as when the core held the clip in its heap; it now reads
  // slices of it from the caller's copy.
  assert.ok(long.peak <= short.peak + 2 * (long.bytes - short.bytes) + 256 * 1024,
    `peak malloc: 27 s clip ${short.peak} bytes, 54 s clip ${long.peak} bytes`);
});

// The push API, for the extension, where the browser decodes: frames and audio from ffmpeg's CLI,
// converted as the core converts RGB sources (bilinear + bitexact + accurate rounding + full
// chroma interpolation to RGB24; mono float at the model's rate), give the windows the native core
// makes from the file: the same boxes, and crops within rounding. (The file path keeps the frames
// in YUV and converts only the crop, resampling before the colour conversion; the pushed frames
// were converted whole first: docs/BENCHMARKS.md, issue 14 item 1.)
const PUSHED_RGB_CROP_MAX_DIFF = 12; // measured: 8, mean 0.49-0.51 (2026-11-30)
const PUSHED_RGB_CROP_MEAN_DIFF = 0.75;
describe('push API = native file windows', () => {
  before(() => requireNative());

  test('RGBA frames + audio pushed in pieces', async (t) => {
    const core = await loadCore();
    const fps = 25;
    const clip = await faceClip('h264_aac.mp4', H264_AAC);
    const native = await nativeWindows(clip, ['--preset', 'tiny']);
    assert.equal(native.error, undefined, native.message);
    const [w, h] = [native.doc.media.width, native.doc.media.height];
    const { stdout: rgba } = await run('ffmpeg', ['-v', 'error', '-nostdin', '-i', clip, '-map', '0:v', '-f', 'rawvideo',
      '-pix_fmt', 'rgba', '-sws_flags', 'bilinear+bitexact+accurate_rnd+full_chroma_int', '-'], { encoding: 'buffer', maxBuffer: 1 << 28 });
    const { stdout: pcm } = await run('ffmpeg', ['-v', 'error', '-nostdin', '-i', clip, '-map', '0:a', '-ac', '1', '-ar', '16000',
      '-f', 'f32le', '-'], { encoding: 'buffer', maxBuffer: 1 << 26 });
    const audio = new Float32Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 4);

    const maker = core.createWindowMaker({ preset: 'tiny' });
    const r = native.doc.report;
    maker.setAudioRange(r.audio_min, r.audio_max);
    const frameBytes = w * h * 4;
    const frames = rgba.length / frameBytes;
    const windows = [];
    const drain = () => { for (let x = maker.pop(false); x !== null; x = maker.pop(false)) windows.push(x); };
    for (let i = 0; i < frames; i++) {
      maker.pushFrame(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset + i * frameBytes, frameBytes), w, h, i / fps);
      const a0 = Math.floor((i * audio.length) / frames);
      maker.pushAudio(audio.subarray(a0, Math.floor(((i + 1) * audio.length) / frames)));
      drain();
    }
    maker.finish(frames / fps);
    drain();
    assert.equal(maker.pop(), null, 'pop() with its default argument');
    maker.delete();

    assert.equal(windows.length, native.windows.length);
    for (let i = 0; i < windows.length; i++) {
      const [p, n] = [windows[i], native.windows[i]];
      assert.equal(p.startTime, n.start_time);
      assert.deepEqual(Array.from(p.boxes), n.boxes.flat().map(Math.fround), `window ${i}: boxes`);
      let [max, sum] = [0, 0];
      for (let k = 0; k < n.crops.length; k++) {
        const e = Math.abs(p.crops[k] - n.crops[k]);
        max = Math.max(max, e);
        sum += e;
      }
      t.diagnostic(`window ${i}: crops differ by at most ${max}, mean ${(sum / n.crops.length).toFixed(3)}`);
      assert.ok(max <= PUSHED_RGB_CROP_MAX_DIFF && sum / n.crops.length <= PUSHED_RGB_CROP_MEAN_DIFF,
        `window ${i}: crops differ by up to ${max} (mean ${sum / n.crops.length})`);
      let d = 0;
      for (let k = 0; k < n.audio.length; k++) d = Math.max(d, Math.abs(p.audio[k] - n.audio[k]));
      assert.ok(d <= 1e-5, `window ${i}: audio differs by ${d}`);
    }
  });
});
