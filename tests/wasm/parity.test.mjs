// The wasm core (build-wasm/avlens_core.js) against the native one (`avlens windows --raw`, Debian's
// FFmpeg and dlib): the same clip gives the same windows, and each bad input the same error.
//
// What "the same" means:
// - crops (the pixels the network sees), boxes, start times, face flags, frame and window counts:
//   identical. The decoders are bit-exact by their standards, swscale runs with BITEXACT, and the
//   core's own float code is compiled without FMA contraction on both sides.
// - audio: within AUDIO_TOLERANCE. FFmpeg's float audio decoders (AAC, Opus, Vorbis, MP3) and
//   libswresample use x86 SIMD natively and plain C in wasm; the summation order differs, so
//   samples may differ in the last bits (measured: at most 4.8e-7 after the [-1, 1] scaling).
//   Integer PCM at the model's rate needs no float DSP and must match exactly.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { faceClip, loadCore, makeClip, nativeWindows, requireNative, truncatedCopy, wasmWindows } from './support.mjs';

const AUDIO_TOLERANCE = 1e-5;

function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Asserts that native and wasm made the same windows; audioExact: no tolerance for the audio. */
function assertSameWindows(native, wasm, { audioExact = false } = {}) {
  assert.equal(native.error, undefined, `native refused the clip: ${native.error} ${native.message}`);
  assert.equal(wasm.error, undefined, `wasm refused the clip: ${wasm.error} ${wasm.message}`);
  assert.ok(native.windows.length > 0);
  assert.equal(wasm.windows.length, native.windows.length, 'window count');
  const r = native.doc.report;
  assert.equal(wasm.report.frames, r.frames, 'frames');
  assert.equal(wasm.report.framesWithoutFace, r.frames_without_face, 'frames without a face');
  assert.equal(wasm.report.windowsWithoutFace, r.windows_without_face, 'windows without a face');
  assert.equal(wasm.report.audioSamples, r.audio_samples, 'audio samples');
  assert.ok(Math.abs(wasm.report.audioMin - r.audio_min) <= AUDIO_TOLERANCE, 'audio min');
  assert.ok(Math.abs(wasm.report.audioMax - r.audio_max) <= AUDIO_TOLERANCE, 'audio max');
  assert.equal(wasm.info.width, native.doc.media.width);
  assert.equal(wasm.info.height, native.doc.media.height);
  assert.equal(wasm.info.rotation, native.doc.media.rotation);
  assert.equal(wasm.info.videoCodec, native.doc.media.video_codec);
  for (let i = 0; i < native.windows.length; i++) {
    const n = native.windows[i];
    const w = wasm.windows[i];
    const at = `window ${i}`;
    assert.equal(w.index, n.index, at);
    assert.equal(w.startTime, n.start_time, `${at}: start time`);
    assert.equal(w.firstFrame, n.first_frame, `${at}: first frame`);
    assert.equal(w.framesWithoutFace, n.frames_without_face, `${at}: frames without a face`);
    assert.equal(w.hasFace, n.has_face, `${at}: has face`);
    assert.deepEqual(Array.from(w.faceFound), n.face_found.map(Number), `${at}: face flags`);
    // The JSON holds each float box value in its shortest round-trip form.
    assert.deepEqual(Array.from(w.boxes), n.boxes.flat().map(Math.fround), `${at}: boxes`);
    assert.equal(w.crops.length, n.crops.length, `${at}: crop bytes`);
    assert.ok(Buffer.from(w.crops.buffer, w.crops.byteOffset, w.crops.length).equals(n.crops), `${at}: crops differ`);
    assert.equal(w.audio.length, n.audio.length, `${at}: audio samples`);
    const d = maxAbsDiff(w.audio, n.audio);
    if (audioExact) assert.equal(d, 0, `${at}: audio differs (max ${d})`);
    else assert.ok(d <= AUDIO_TOLERANCE, `${at}: audio differs by ${d} > ${AUDIO_TOLERANCE}`);
  }
}

// What people upload: each decoder and demuxer of the wasm build, each through both cores.
const CLIPS = [
  { name: 'h264_aac.mp4', video: ['-c:v', 'libx264', '-preset', 'ultrafast'], audio: ['-c:a', 'aac'] },
  { name: 'vp9_opus.webm', video: ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1M'],
    audio: ['-c:a', 'libopus'], tone: 48000 },
  { name: 'vp8_vorbis.webm', video: ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1M'],
    audio: ['-c:a', 'libvorbis'] },
  { name: 'hevc_flac.mkv', video: ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error'],
    audio: ['-c:a', 'flac'], tone: 22050 },
  { name: 'mpeg4_mp3.avi', video: ['-c:v', 'mpeg4', '-q:v', '3'], audio: ['-c:a', 'libmp3lame'] },
  // 48 kHz mono PCM: no float DSP on the audio path, so the audio must match bit for bit.
  { name: 'mpeg4_pcm48k.mov', video: ['-c:v', 'mpeg4', '-q:v', '3'], audio: ['-c:a', 'pcm_s16le', '-ac', '1'],
    tone: 48000, audioExact: true },
  // A display matrix (90°), NTSC frame rate, stereo 22.05 kHz.
  { name: 'rotated.mp4', fps: 29.97, rotate: 90, video: ['-c:v', 'libx264', '-preset', 'ultrafast'],
    audio: ['-c:a', 'aac', '-ac', '2'], tone: 22050 },
  // An odd frame size (VP9 allows it; H.264 4:2:0 does not).
  { name: 'odd_size.mkv', size: [481, 361], video: ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8',
    '-b:v', '1M'], audio: ['-c:a', 'aac'] },
];

describe('wasm core = native core', () => {
  let core;
  before(async () => {
    requireNative();
    core = await loadCore();
  });

  for (const c of CLIPS) {
    test(`${c.name}: same windows`, async () => {
      const clip = await faceClip(c.name, c);
      const native = await nativeWindows(clip);
      const wasm = await wasmWindows(core, clip);
      assertSameWindows(native, wasm, { audioExact: c.audioExact });
      assert.ok(native.windows.every((w) => w.has_face), 'the test clip should show a face in every window');
      if (c.rotate) assert.equal(wasm.info.rotation, 270, 'a 90° tag is a 270° turn of the stored picture');
      assert.deepEqual([wasm.info.width, wasm.info.height], c.size ?? [640, 360], 'frame size after rotation');
    });
  }

  test('geometry from a preset, with overlapping windows (stride)', async () => {
    const clip = await faceClip('h264_aac.mp4', CLIPS[0]);
    const native = await nativeWindows(clip, ['--preset', 'small', '--stride', '8']);
    const wasm = await wasmWindows(core, clip, { preset: 'small', strideFrames: 8 });
    assertSameWindows(native, wasm);
    assert.equal(wasm.windows[0].crops.length, 16 * 112 * 112 * 3);
    assert.equal(wasm.windows[1].firstFrame, 8);
  });

  test('geometry from model metadata (the ONNX metadata_props keys)', async () => {
    const clip = await faceClip('h264_aac.mp4', CLIPS[0]);
    const metadata = { frames: '8', height: '64', width: '64', fps: '8', sample_rate: '16000', samples: '16000',
      video_mean: '0.5', video_std: '0.5', audio_norm: 'minmax_window' };
    const native = await nativeWindows(clip, ['--preset', 'tiny']);
    const wasm = await wasmWindows(core, clip, { metadata });
    assertSameWindows(native, wasm);
  });

  test('the face crop travels in the metadata (the mouth preset: 0.8 x the face, 0.3 down)', async () => {
    const clip = await faceClip('h264_aac.mp4', CLIPS[0]);
    const metadata = { frames: '8', height: '64', width: '64', fps: '8', sample_rate: '16000', samples: '16000',
      video_mean: '0.5', video_std: '0.5', audio_norm: 'minmax_window', crop_scale: '0.8', crop_shift_down: '0.3' };
    const native = await nativeWindows(clip, ['--preset', 'mouth']);
    const wasm = await wasmWindows(core, clip, { metadata });
    assertSameWindows(native, wasm);
    // The same face, a crop 0.8 / 1.4 the side of the reference's.
    const reference = await wasmWindows(core, clip, { preset: 'tiny' });
    const side = (w) => w.windows[0].boxes[2];
    assert.ok(Math.abs(side(wasm) / side(reference) - 0.8 / 1.4) < 1e-3, `${side(wasm)} vs ${side(reference)}`);
  });
});

// The foundation issue's bad inputs: both cores refuse each with the same code and message (the
// wasm core is given the file's path as the clip's name, so the messages can be compared whole).
describe('bad inputs: same error natively and in wasm', () => {
  let core;
  before(async () => {
    requireNative();
    core = await loadCore();
  });

  const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast'];
  const BAD = {
    // A fixed seed: random bytes can now and then probe as a format one build's demuxers take.
    'not a media file': () => makeClip('noise_seed7.mp4', ['-f', 'lavfi', '-i', 'anoisesrc=d=0.5:seed=7', '-f', 'u8']),
    'empty file': async () => {
      const p = await faceClip('h264_aac.mp4', CLIPS[0]);
      return truncatedCopy(p, 'empty.mp4', 0);
    },
    'truncated MP4 (index at the end)': async () => truncatedCopy(await faceClip('h264_aac.mp4', CLIPS[0]), 'cut.mp4', 0.6),
    'truncated MP4 (index first)': async () =>
      truncatedCopy(await faceClip('faststart.mp4', { video: h264, audio: ['-c:a', 'aac'], extra: ['-movflags', '+faststart'] }),
        'cut_faststart.mp4', 0.6),
    'truncated WebM': async () => truncatedCopy(await faceClip('vp8_vorbis.webm', CLIPS[2]), 'cut.webm', 0.5),
    'no video stream': () => makeClip('tone.wav', ['-f', 'lavfi', '-i', 'sine=d=2']),
    'no audio stream': () => faceClip('silent.mp4', { video: h264 }),
    'shorter than one window': () => faceClip('short.mp4', { seconds: 0.5, video: h264, audio: ['-c:a', 'aac'] }),
    'no face': () => makeClip('noface.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi',
      '-i', 'sine=sample_rate=48000', '-t', '2', ...h264, '-c:a', 'aac']),
  };

  for (const [what, make] of Object.entries(BAD)) {
    test(what, async () => {
      const clip = await make();
      const native = await nativeWindows(clip);
      const wasm = await wasmWindows(core, clip);
      assert.ok(native.error, `native accepted ${clip}`);
      assert.deepEqual({ error: wasm.error, message: wasm.message }, { error: native.error, message: native.message });
    });
  }

  test('an unknown preset', async () => {
    const clip = await faceClip('h264_aac.mp4', CLIPS[0]);
    const native = await nativeWindows(clip, ['--preset', 'huge']);
    const wasm = await wasmWindows(core, clip, { preset: 'huge' });
    assert.equal(native.error, 'invalid_argument');
    assert.deepEqual({ error: wasm.error, message: wasm.message }, { error: native.error, message: native.message });
  });

  // The one intended difference: Debian's native FFmpeg decodes AV1 with libdav1d; FFmpeg 5.1 has no
  // software AV1 decoder of its own, so the wasm build reports AV1 as unsupported.
  test('AV1: unsupported in wasm, with a message that names the codec', async () => {
    const clip = await faceClip('av1.mkv', { video: ['-c:v', 'libaom-av1', '-cpu-used', '8', '-row-mt', '0', '-b:v', '500k'],
      audio: ['-c:a', 'libopus'], tone: 48000 });
    const wasm = await wasmWindows(core, clip);
    assert.equal(wasm.error, 'unsupported_codec');
    assert.match(wasm.message, /av1/i);
    assert.ok(wasm.message.startsWith(clip), wasm.message);
  });
});
