// What a clip's score rests on (issue 17 item 5), through the wasm core: reader.coverage(),
// maker.coverage() and clipCoverage() apply the core's one rule (avlens::clip_coverage) — seconds of
// picture, sound and scored windows, windows without a face, damaged packets, no verdict from fewer
// than 3 scored windows, a warning when under half the clip was scored — and give, for the same
// clip and model, what the native `avlens scan --json` reports.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AVLENS, ROOT, faceClip, loadCore, workDir } from './support.mjs';

const run = promisify(execFile);
// The model `avlens scan` scores with; the wasm side reads its geometry from the same file.
const MODEL = join(ROOT, 'web', 'model', 'avlens.onnx');
const noScan = [!existsSync(AVLENS) && `${AVLENS} is not built`, !existsSync(MODEL) && `${MODEL} is not there`].filter(Boolean).join('; ') || false;

const clips = {
  // 20 s of picture with 3.5 s of sound: 3 windows where both play.
  shortSound: () => faceClip('coverage_short_sound.mkv', { seconds: 20, audio: ['-c:a', 'pcm_s16le', '-af', 'atrim=0:3.5'] }),
  // 2.4 s: 2 windows, too few for a verdict.
  twoWindows: () => faceClip('coverage_two_windows.mp4', { seconds: 2.4, video: ['-c:v', 'libx264', '-preset', 'ultrafast'], audio: ['-c:a', 'aac'] }),
  whole: () => faceClip('coverage_whole.mp4', { seconds: 4.3, video: ['-c:v', 'libx264', '-preset', 'ultrafast'], audio: ['-c:a', 'aac'] }),
  // Junk over every 5th 188-byte stretch of the middle of an MP4's media data (the index in moov,
  // at the end, is kept): the demuxer goes on and the decoders meet damaged packets.
  damaged: async () => {
    const path = join(workDir, 'coverage_damaged.mp4');
    if (!existsSync(path)) {
      const clean = await faceClip('coverage_for_damage.mp4', { seconds: 6, video: ['-c:v', 'libx264', '-preset', 'ultrafast'], audio: ['-c:a', 'aac'] });
      const bytes = readFileSync(clean);
      let x = 12345;
      for (let p = Math.floor(bytes.length / 6); p + 188 <= Math.floor(bytes.length * 0.7); p += 5 * 188) {
        for (let i = 8; i < 188; i++) bytes[p + i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
      }
      writeFileSync(path, bytes);
    }
    return path;
  },
};

/** Reads the clip to the end; the windows with a face are "scored" (as scan and the page score them). */
async function wasmCoverage(core, clip, options) {
  const reader = await core.openClip(readFileSync(clip), { name: clip, ...options });
  try {
    const declared = reader.info().duration;
    const scored = [];
    for (let w = reader.next(false); w !== null; w = reader.next(false)) {
      if (w.hasFace) scored.push({ startTime: w.startTime, duration: w.duration, score: 0.5 });
    }
    const coverage = reader.coverage(scored);
    // The same rule from the report, as the extension uses it for a maker that is gone.
    assert.deepEqual(core.clipCoverage(reader.report(), scored, options), coverage, 'clipCoverage(report) = reader.coverage()');
    return { coverage, report: reader.report(), declared, duration: reader.info().duration, scored };
  } finally {
    reader.delete();
  }
}

async function scanJson(clip) {
  const { stdout } = await run('nice', [AVLENS, 'scan', clip, '--model', MODEL, '--json', '--threads', '1'], { maxBuffer: 1 << 24 }).catch((err) => err);
  return JSON.parse(stdout.trim().split('\n')[0]);
}

/** The native JSON's coverage in the wasm API's names. */
function fromScan(v) {
  const c = v.coverage;
  return {
    videoSeconds: c.video_seconds, audioSeconds: c.audio_seconds, scoredSeconds: c.scored_seconds, windows: c.windows,
    windowsScored: c.windows_scored, windowsWithoutFace: c.windows_without_face, decodeErrors: c.decode_errors,
    verdictWithheld: c.verdict_withheld, warning: v.warning,
  };
}

describe('coverage through the wasm core', () => {
  let core;
  let tiny;
  before(async () => {
    core = await loadCore();
    tiny = { preset: 'tiny' };
  });

  test('20 s of picture with 3.5 s of sound: 3 windows scored, a warning, a verdict allowed', async () => {
    const { coverage: c, report } = await wasmCoverage(core, await clips.shortSound(), tiny);
    assert.ok(Math.abs(c.videoSeconds - 20) < 0.15, `picture ${c.videoSeconds} s`);
    assert.ok(Math.abs(c.audioSeconds - 3.5) < 0.05, `sound ${c.audioSeconds} s`);
    assert.equal(c.windows, 3);
    assert.equal(c.windowsScored, 3);
    assert.equal(c.scoredSeconds, 3);
    assert.equal(c.windowsWithoutFace, 0);
    assert.equal(c.decodeErrors, 0);
    assert.equal(report.decodeErrors, 0);
    assert.equal(c.verdictWithheld, null);
    assert.equal(c.windowsForVerdict, 3);
    assert.match(c.warning, /^only 3\.0 s of the clip's 20 s were scored; the verdict is about that part \(picture 20 s but sound 3\.5 s: only where both play can be scored\)$/);
  });

  test('a 2.4 s clip: 2 windows, no verdict, and why', async () => {
    const { coverage: c } = await wasmCoverage(core, await clips.twoWindows(), tiny);
    assert.equal(c.windows, 2);
    assert.equal(c.windowsScored, 2);
    assert.equal(c.scoredSeconds, 2);
    assert.equal(c.warning, null);
    assert.match(c.verdictWithheld, /^only 2 windows \(2\.0 s\) could be scored; a verdict needs at least 3$/);
  });

  test('a whole clip scored: neither a warning nor a withheld verdict', async () => {
    const { coverage: c } = await wasmCoverage(core, await clips.whole(), tiny);
    assert.equal(c.windowsScored, 4);
    assert.equal(c.scoredSeconds, 4);
    assert.equal(c.verdictWithheld, null);
    assert.equal(c.warning, null);
  });

  test('windows that are not scored count as made, not scored; none scored: no verdict', async () => {
    const { coverage: c, scored } = await wasmCoverage(core, await clips.whole(), tiny);
    const some = core.clipCoverage({ frames: 8 * 4, audioSamples: 16000 * 4, windows: 4, windowsWithoutFace: 2 }, scored.slice(0, 2), tiny);
    assert.equal(some.windowsScored, 2);
    assert.match(some.verdictWithheld, /only 2 windows \(2\.0 s\) could be scored; a verdict needs at least 3 \(2 windows without a face\)/);
    const none = core.clipCoverage({ frames: 8 * 4, audioSamples: 16000 * 4, windows: 4 }, [], tiny);
    assert.equal(none.windowsScored, 0);
    assert.match(none.verdictWithheld, /^only 0 windows/);
    // A non-finite score is not a scored window.
    assert.equal(core.clipCoverage({ frames: 32, audioSamples: 64000, windows: 4 }, scored.map((w) => ({ ...w, score: NaN })), tiny).windowsScored, 0);
    assert.equal(c.windows, 4);
  });

  test('damaged packets are counted in the report and the coverage warns', async () => {
    const { coverage: c, report } = await wasmCoverage(core, await clips.damaged(), tiny);
    assert.ok(report.decodeErrors > 0, `decodeErrors ${report.decodeErrors}`);
    assert.equal(c.decodeErrors, report.decodeErrors);
    assert.match(c.warning ?? c.verdictWithheld, /damaged packet/);
  });

  test('the push API: maker.coverage() of what was pushed', () => {
    const maker = core.createWindowMaker(tiny);
    try {
      // 5 s of a grey picture at 8 fps and 2 s of sound: at most 2 windows, where both exist.
      const [w, h] = [64, 48];
      const grey = new Uint8Array(w * h * 3).fill(120);
      for (let i = 0; i < 40; i++) maker.pushFrame(grey, w, h, i / 8);
      maker.pushAudio(new Float32Array(2 * 16000).map((_, i) => Math.sin(i / 10)));
      const windows = [];
      for (let x = maker.pop(false); x !== null; x = maker.pop(false)) windows.push(x);
      const scored = windows.map((x) => ({ startTime: x.startTime, duration: x.duration, score: 0.3 }));
      const c = maker.coverage(scored);
      // The picture counts as far as the tracker has turned it into frames (it holds a few back).
      assert.equal(c.videoSeconds, maker.report().frames / 8);
      assert.ok(c.videoSeconds >= 3 && c.videoSeconds <= 5, `picture ${c.videoSeconds} s`);
      assert.equal(c.audioSeconds, 2);
      assert.equal(c.windows, windows.length);
      assert.equal(c.windowsScored, windows.length);
      assert.ok(c.verdictWithheld !== null, 'fewer than 3 windows: no verdict');
      assert.deepEqual(core.clipCoverage(maker.report(), scored, tiny), c);
      assert.equal(maker.report().decodeErrors, 0);
    } finally {
      maker.delete();
    }
  });

  test('bad arguments throw invalid_argument', async () => {
    const reader = await core.openClip(readFileSync(await clips.twoWindows()), tiny);
    const bad = (f, re) => assert.throws(f, (err) => err.name === 'AvlensError' && err.code === 'invalid_argument' && re.test(err.message), String(f));
    try {
      bad(() => reader.coverage('scores'), /coverage expects an array/);
      bad(() => reader.coverage([null]), /window 0 is not an object/);
      bad(() => reader.coverage([{ startTime: 'zero', score: 0.5 }]), /'startTime' must be a number/);
      bad(() => core.clipCoverage(null, [], tiny), /the report must be an object/);
      bad(() => core.clipCoverage({ frames: -1 }, [], tiny), /'frames' must be a whole number/);
      bad(() => core.clipCoverage({ windows: 1.5 }, [], tiny), /'windows' must be a whole number/);
      bad(() => core.clipCoverage({ audioSamples: 'many' }, [], tiny), /'audioSamples' must be a number/);
      bad(() => core.clipCoverage({ frames: 2 ** 40 }, [], tiny), /'frames' is too large/);
      bad(() => core.clipCoverage({ audioSamples: 2 ** 40 }, [], tiny), /'audioSamples' is too large/);
      bad(() => core.clipCoverage({}, [], { preset: 'huge' }), /preset/);
      // Still usable after the errors.
      assert.equal(reader.coverage([]).windowsScored, 0);
    } finally {
      reader.delete();
    }
  });
});

// The same clip and model give the same coverage natively (`avlens scan --json`) and in wasm.
describe('coverage = avlens scan --json', { skip: noScan }, () => {
  let core;
  let metadata;
  before(async () => {
    core = await loadCore();
    metadata = core.readOnnxMetadata(new Uint8Array(readFileSync(MODEL)));
  });

  for (const name of ['shortSound', 'twoWindows', 'whole', 'damaged']) {
    test(name, async () => {
      const clip = await clips[name]();
      const native = await scanJson(clip);
      assert.equal(native.error, null, native.error);
      const wasm = await wasmCoverage(core, clip, { metadata });
      const { windowsForVerdict, ...coverage } = wasm.coverage;
      assert.deepEqual(coverage, fromScan(native));
      assert.equal(windowsForVerdict, 3);
      // Scan's timeline is sized from the duration the core confirmed by decoding; so is the wasm reader's.
      assert.equal(native.timeline.length, Math.ceil(wasm.duration - 1e-9), `timeline ${native.timeline.length}, wasm duration ${wasm.duration}`);
      assert.deepEqual(wasm.scored.map((w) => w.startTime), native.windows.map((w) => w.start));
    });
  }
});
