// The browser extension in Chromium (playwright-core, new headless mode, the unpacked build of
// web/extension/ with the real wasm core): a local page plays a synthetic real clip and a
// synthetic fake clip; the badge shows a score and the window scores agree with the native
// core's windows of the same clips scored by onnxruntime-node with the same model, within
// MEDIAN_TOLERANCE and the mean within MEAN_TOLERANCE (see docs/EXTENSION.md); a clip with sound but no face (which the native core refuses
// with no_face) gets no score and says "no face found" on the badge and in the popup; a
// cross-origin video without CORS shows "cannot analyse". The popup and the badge word their
// verdict with the page's rule (web/src/verdict.js) on the model's own threshold and card, with the
// model's notice; with a copy of the shipped model whose card declares real faces and calibration
// and whose threshold puts the clip's mean on the other side of 0.5, the popup says what the
// model's threshold says, not what 0.5 would, with the calibrated sentence and no notice.
// Skipped, with the reason, until build-wasm/avlens_core.js and build/bin/avlens exist.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildExtension } from '../../web/extension/build.mjs';
import { percent } from '../../web/src/format.js';
import { median } from '../../web/src/statistics.js';
import { readModelCard } from '../../web/src/model-card.js';
import { windowSeconds } from '../../web/extension/content/window-grid.js';
import { scoreLevelFor, verdictFor } from '../../web/src/verdict.js';
import { AVLENS, nativeCommands, nativeWindowScores } from '../web/native-reference.mjs';
import { ARTIFACTS as WEB_ARTIFACTS, CHROMIUM, PYTHON, ROOT, coreGeometry, coreMetadata, untrainedModel, withMetadata } from '../web/helpers.mjs';
import { launchExtension, serve, serveSite } from './helpers.mjs';

// |extension score - native score| per window, and for the mean of the clip's windows. The browser
// decodes (its own H.264/AAC decoders and YUV->RGB, not FFmpeg's) and the content script resamples;
// it reads the frames the core takes (content/picture-clock.js), the sound is placed on the picture
// exactly (counted in samples: content/live-sound.js) and a stretch played from the start has its
// windows on the file's seconds. docs/EXTENSION.md explains the numbers. Both clips' median window
// (gross errors: wrong frames, sound from the wrong time, a window grid off the file's, move most
// windows) and means (what the user sees) are checked, the real clip also with two busy processes
// loading the machine. Measured 2026-12-01 with the frames the core takes and the windows on the
// file's seconds: the real clip's median window 0.0002 as it is and loaded (max 0.0035), mean within
// 0.0004; the swapped-voice clip's median window 0.005 (max 0.079), mean within 0.020. Before (every
// frame sent, 68 to 77 % of them lost on the way, the windows 33 ms after the file's), the real
// clip's median window read 0.036 to 0.044, the swapped-voice clip's 0.10 to 0.13, with bounds of
// 0.1 (real clip only) and 0.14 for the means. MEAN_TOLERANCE stays below MARGIN (further down).
const MEDIAN_TOLERANCE = 0.03;
const MEAN_TOLERANCE = 0.06;
const WORK = join(ROOT, 'build-extension', 'test');
const ARTIFACTS = join(WEB_ARTIFACTS, '..', 'extension');
const CORE = join(ROOT, 'build-wasm');
const SHIPPED_MODEL = join(ROOT, 'web', 'model', 'avlens.onnx');
const CLIP_SECONDS = 6;
const NOFACE_SECONDS = 5;

const missing = [
  !existsSync(join(CORE, 'avlens_core.js')) && 'build-wasm/avlens_core.js (the wasm core) is not built',
  !existsSync(AVLENS) && `${AVLENS} (the native CLI) is not built`,
  !existsSync(CHROMIUM) && `${CHROMIUM} is not installed`,
].filter(Boolean);
const skip = missing.length ? missing.join('; ') : false;

/** The synthetic clips: `avlens synth` (a talking face; real, and audio swapped) when the CLI has it, else ffmpeg from the test photo. */
async function makeClips(dir) {
  mkdirSync(dir, { recursive: true });
  const real = join(dir, 'real.mp4');
  const fake = join(dir, 'fake.mp4');
  if (existsSync(real) && existsSync(fake)) return { real, fake, source: 'cached' };
  let synthFailure = 'the CLI has no synth command';
  if ((await nativeCommands()).includes('synth')) {
    const out = mkdtempSync(join(tmpdir(), 'avlens-synth-'));
    try {
      const synth = (kind, seed) => {
        execFileSync('nice', [AVLENS, 'synth', '--out', out, '--kind', kind, '--clip-seed', String(seed), '--domain', 'A', '--seconds', String(CLIP_SECONDS)], { stdio: 'pipe' });
        return readFileSync(join(out, `${kind}_${seed}.mp4`));
      };
      writeFileSync(real, synth('real', 11));
      writeFileSync(fake, synth('audio_swap', 12));
      return { real, fake, source: 'avlens synth (real, audio_swap)' };
    } catch (err) {
      rmSync(real, { force: true });
      synthFailure = `avlens synth failed (${String(err.stderr ?? err.message).trim().split('\n').pop()})`;
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  const photo = join(ROOT, 'tests', 'data', 'astronaut.png');
  const clip = (audio, out) =>
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-loop', '1', '-framerate', '30', '-i', photo, '-f', 'lavfi', '-i', audio, '-t', String(CLIP_SECONDS), '-vf', 'scale=480:-2,format=yuv420p', '-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'aac', '-ar', '48000', out]);
  clip(`sine=frequency=220:sample_rate=48000:duration=${CLIP_SECONDS}`, real);
  clip(`anoisesrc=color=pink:sample_rate=48000:duration=${CLIP_SECONDS}:amplitude=0.5`, fake);
  return { real, fake, source: `ffmpeg (test photo + tone / + noise; ${synthFailure})` };
}

/**
 * The native windows re-normalised the way live capture normalises them: with no clip range known
 * in advance, the core scales each window by the range of all the sound heard up to its end (the
 * WindowMaker without setAudioRange); `avlens windows` knows the whole clip's range. A stretch that
 * began at `fromSeconds` has heard nothing before it (the windows before are left as they are).
 */
function liveAudioRule(geometry, fromSeconds = 0) {
  if (geometry.audioNorm !== 'minmax_clip') return (a) => a;
  const seconds = windowSeconds(geometry);
  let lo = Infinity;
  let hi = -Infinity;
  return (a, index, report) => {
    if (index * seconds < fromSeconds - 1e-9) return a;
    const span = report.audio_max - report.audio_min;
    const raw = a.map((v) => report.audio_min + ((v + 1) * span) / 2);
    for (const v of raw) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return raw.map((v) => (hi - lo > 1e-12 ? Math.min(1, Math.max(-1, ((v - lo) * 2) / (hi - lo) - 1)) : 0));
  };
}

/** A clip with sound but no face (ffmpeg's testsrc2 pattern and a tone): the extension must give it no score. */
function makeFacelessClip(dir) {
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'noface.mp4');
  if (!existsSync(out)) {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=480x270:rate=30', '-f', 'lavfi', '-i', `sine=frequency=330:sample_rate=48000:duration=${NOFACE_SECONDS}`, '-t', String(NOFACE_SECONDS), '-vf', 'format=yuv420p', '-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'aac', '-ar', '48000', out]);
  }
  return out;
}


/** The popup's and the badge's verdicts are the page's rule on the model's card (threshold, notice). */
function assertSameVerdict(label, shown, card) {
  const mean = Number(shown.mean);
  const expected = verdictFor(mean, card);
  assert.equal(Number(shown.threshold), card.threshold, `${label}: threshold`);
  assert.match(shown.thresholdText, new RegExp(card.verdictSupported ? `^This model calls a video fake from ${percent(card.threshold)}\\.$` : `threshold is ${percent(card.threshold)}; its card gives no verdict`), label);
  assert.equal(shown.decision, expected.decision, `${label}: decision on ${mean} with threshold ${card.threshold}`);
  assert.equal(shown.kind, expected.kind, `${label}: verdict on ${mean}`);
  for (const b of shown.bars) assert.equal(b.level, scoreLevelFor(b.score, card), `${label}: bar at ${b.score}`);
  assert.doesNotMatch(shown.text, /confidence\s*:|high confidence|confidence\W+high/i, label);
}

describe('browser extension with the real wasm core', { skip }, () => {
  let ext;
  let site;
  let other;
  let clips;
  let modelPath;
  let card;
  const outside = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    modelPath = existsSync(SHIPPED_MODEL) ? SHIPPED_MODEL : untrainedModel('tiny').onnx;
    card = readModelCard((await coreMetadata(readFileSync(modelPath))));
    clips = await makeClips(join(WORK, 'clips'));
    clips.noface = makeFacelessClip(join(WORK, 'clips'));
    const built = await buildExtension({ out: WORK, model: modelPath, modelName: existsSync(SHIPPED_MODEL) ? 'avlens default model' : 'untrained-tiny.onnx (random weights, test model)', quiet: true });
    site = await serveSite({ '/real.mp4': clips.real, '/fake.mp4': clips.fake, '/noface.mp4': clips.noface });
    // A second origin that serves the clip without CORS headers.
    other = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.end(readFileSync(clips.fake));
    });
    ext = await launchExtension(built.dir, outside);
  });

  after(async () => {
    await ext?.context.close();
    site?.server.close();
    other?.server.close();
  });

  const badge = (p) => ext.badge(p);
  const report = () => ext.report();
  const playFromStart = (p) => ext.playFromStart(p);

  // The real clip again with two busy processes (`node -e 'for(;;){}'`) loading the machine: a
  // person's machine is often busy, and the live scores must hold there too (issue 16).
  for (const [kind, load] of [['real', 0], ['fake', 0], ['real', 2]]) {
    test(`${kind} clip${load ? `, with ${load} busy processes loading the machine` : ''}: the badge shows a score; window scores agree with the native core (median window ±${MEDIAN_TOLERANCE}, mean ±${MEAN_TOLERANCE})`, async (t) => {
      const busy = Array.from({ length: load }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
      const p = await ext.context.newPage();
      try {
        await p.goto(`${site.origin}/?src=/${kind}.mp4`);
        await playFromStart(p);
        for (const x of busy) x.kill();
        // The engine scores the last windows after the end; with the machine loaded it may need longer
        // than playFromStart waits: wait again, unloaded, until their count has not changed for 3 s.
        for (let last = -1, stable = 0, deadline = Date.now() + 60_000; load && stable < 3 && Date.now() < deadline; ) {
          await p.waitForTimeout(1000);
          const n = (await report()).videos[0].windows.length;
          stable = n === last ? stable + 1 : 0;
          last = n;
        }
        const b = await badge(p);
        assert.ok(b, 'no badge on the video');
        assert.ok(b.score !== '' && Number(b.score) >= 0 && Number(b.score) <= 1, `badge: ${JSON.stringify(b)}`);
        // The badge words its rolling score with the page's rule on the model's threshold, and
        // carries the model's notice (no real faces, or a card that withholds verdicts).
        const badgeVerdict = verdictFor(Number(b.score), card);
        assert.match(b.text, new RegExp(`\\d+\\s%\\sfake · ${badgeVerdict.label}`), JSON.stringify(b));
        assert.equal(b.verdict, badgeVerdict.kind);
        assert.equal(Number(b.threshold), card.threshold);
        assert.equal(b.level, scoreLevelFor(Number(b.score), card));
        assert.equal(b.notice, badgeVerdict.notice?.short ?? null, JSON.stringify(b));
        const r = await report();
        const video = r.videos[0];
        const g = await coreGeometry(readFileSync(modelPath));
        const native = await nativeWindowScores(modelPath, kind === 'real' ? clips.real : clips.fake, { audio: liveAudioRule(g) });
        assert.equal(native.error, undefined, native.message);
        const nativeClipRange = await nativeWindowScores(modelPath, kind === 'real' ? clips.real : clips.fake);
        const scored = video.windows.filter((w) => w.score !== null);
        t.diagnostic(`clips: ${clips.source}; segments ${JSON.stringify(video.segments)}; sound placement ${video.placement}`);
        // Counted from the seek to 0 (content/live-sound.js), or after a stall placed by the
        // timestamps from then on; never by Web Audio's clocks in Chromium.
        assert.ok(['exact', 'timestamps'].includes(video.segments.find((x) => x.start < 0.5)?.placement), JSON.stringify(video.segments));
        let maxDiff = 0;
        let maxDiffClipRange = 0;
        const diffs = [];
        const rows = [];
        for (const w of scored) {
          const i = native.windows.findIndex((n) => Math.abs(n.startTime - w.startTime) < 0.25);
          assert.ok(i >= 0, `window at ${w.startTime.toFixed(3)} s has no native window`);
          const diff = Math.abs(w.score - native.windows[i].score);
          maxDiff = Math.max(maxDiff, diff);
          diffs.push(diff);
          maxDiffClipRange = Math.max(maxDiffClipRange, Math.abs(w.score - nativeClipRange.windows[i].score));
          rows.push(`${w.startTime.toFixed(3)} s: ${w.score.toFixed(4)} vs ${native.windows[i].score.toFixed(4)} (clip range ${nativeClipRange.windows[i].score.toFixed(4)})`);
        }
        t.diagnostic(rows.join('; '));
        const medianDiff = median(diffs);
        assert.ok(medianDiff !== null && medianDiff <= MEDIAN_TOLERANCE, `median |extension - native| = ${medianDiff} over ${diffs.length} windows (max ${maxDiff})`);
        const mean = (xs) => xs.reduce((a, x) => a + x, 0) / xs.length;
        const nativeMean = mean(scored.map((w) => native.windows.find((n) => Math.abs(n.startTime - w.startTime) < 0.25).score));
        const meanDiff = Math.abs(video.aggregate.mean - nativeMean);
        assert.ok(meanDiff <= MEAN_TOLERANCE, `mean ${video.aggregate.mean} vs native ${nativeMean}`);
        // A segment starts at the first media time with both picture and sound (a few ms after 0),
        // so the window that would end exactly at the clip's end may be missing.
        assert.ok(scored.length >= native.windows.length - 1, `${scored.length} windows scored, native has ${native.windows.length}`);
        t.diagnostic(`mean ${video.aggregate.mean.toFixed(4)} vs native ${nativeMean.toFixed(4)}; median |extension - native| ${medianDiff.toFixed(4)}, max ${maxDiff.toFixed(4)} (live audio range), ${maxDiffClipRange.toFixed(4)} against the clip's whole range; frames sent ${video.frames.sent}, dropped ${video.frames.dropped}`);
        // The popup shows the same video, its mean, its timeline, and the page's verdict on the
        // mean with the model's threshold, with the real-faces notice.
        const popup = await ext.openPopup(r.tab);
        const shown = await ext.popupView(popup);
        assert.ok(Math.abs(Number(shown.mean) - video.aggregate.mean) < 1e-9);
        assert.ok(shown.bars.length >= scored.length);
        assertSameVerdict(`${kind} clip popup`, shown, card);
        assert.match(shown.summary, new RegExp(verdictFor(video.aggregate.mean, card).title.toLowerCase()));
        assert.equal(shown.notice, verdictFor(video.aggregate.mean, card).notice?.text ?? null);
        if (!card.realFaces) assert.match(shown.notice, /not meaningful/);
        assert.equal(shown.evidence, verdictFor(video.aggregate.mean, card).evidence);
        await popup.screenshot({ path: join(ARTIFACTS, `popup-${kind}${load ? '-loaded' : ''}.png`) });
        await popup.close();
        await p.screenshot({ path: join(ARTIFACTS, `badge-${kind}${load ? '-loaded' : ''}.png`) });
      } finally {
        for (const x of busy) x.kill();
        await p.close();
      }
    });
  }

  // A stretch that starts mid-video (a seek to 1.3 s) starts at the next point of the file's window
  // grid (content/window-grid.js), so its windows cover the file's seconds. Every window start is
  // also an anchor of the core's face tracker (docs/METHOD.md §1, "Anchors"), so a stretch that
  // starts there gets the crops of the whole file's scan: the native reference is the whole file.
  // (Before anchors, measured 2026-12-02, the whole file's windows of those seconds differed from the
  // stretch's by up to 0.13, and the test compared with the clip cut at 2 s instead.)
  test('real clip played from 1.3 s: the stretch starts at 2 s, and its windows are the whole file\'s scan of those seconds', async (t) => {
    const p = await ext.context.newPage();
    try {
      await p.goto(`${site.origin}/?src=/real.mp4`);
      await ext.playFrom(p, 1.3);
      const video = (await report()).videos[0];
      const g = await coreGeometry(readFileSync(modelPath));
      const start = Math.ceil(1.3 / windowSeconds(g)) * windowSeconds(g);
      const last = video.segments.at(-1);
      t.diagnostic(`segments ${JSON.stringify(video.segments)}`);
      assert.ok(Math.abs(last.start - start) < 1e-9, `the last stretch starts at ${last.start}, not ${start}`);
      assert.ok(Math.abs(last.firstSound - 1.3) < 0.05, `the stretch's sound began at ${last.firstSound}, not at the seek`);
      const native = await nativeWindowScores(modelPath, clips.real, { audio: liveAudioRule(g, start) });
      assert.equal(native.error, undefined, native.message);
      const fileWindowsFromStart = native.windows.filter((x) => x.startTime >= start - 1e-3);
      const scored = video.windows.filter((w) => w.score !== null && w.startTime >= 1.3);
      assert.ok(scored.length >= fileWindowsFromStart.length - 1, `${scored.length} windows from 1.3 s scored, the file has ${fileWindowsFromStart.length} from ${start} s`);
      const diffs = scored.map((w) => {
        const n = native.windows.find((x) => Math.abs(x.startTime - w.startTime) < 1e-3);
        assert.ok(n, `the window at ${w.startTime} s is off the file's grid (native windows at ${native.windows.map((x) => x.startTime)})`);
        return Math.abs(w.score - n.score);
      });
      t.diagnostic(`windows ${scored.map((w) => `${w.startTime}: ${w.score.toFixed(4)}`).join(', ')}; |extension - native| ${diffs.map((d) => d.toFixed(4)).join(', ')}`);
      assert.ok(median(diffs) <= MEDIAN_TOLERANCE, `median |extension - native| = ${median(diffs)}`);
    } finally {
      await p.close();
    }
  });

  test('clip with sound but no face: "no face found", no score, no verdict (the native core finds no face either)', async (t) => {
    // The native core refuses the clip outright, so the test is about a clip that has no face.
    const native = await nativeWindowScores(modelPath, clips.noface);
    assert.equal(native.error, 'no_face', `native core: ${native.message ?? `${native.windows?.length} windows, no error`}`);
    const p = await ext.context.newPage();
    try {
      await p.goto(`${site.origin}/?src=/noface.mp4`);
      await playFromStart(p);
      // The core's last word on the stretch that ended with the clip arrives after the end.
      await p.waitForFunction(() => document.querySelector('avlens-badge')?.dataset.reason === 'no_face', null, { timeout: 60_000 }).catch(async (err) => {
        const v = (await report()).videos[0];
        assert.fail(`${err.message}; badge ${JSON.stringify(await badge(p))}; report ${JSON.stringify({ ...v, windows: v.windows.length })}`);
      });
      const b = await badge(p);
      t.diagnostic(`badge: ${JSON.stringify(b)}`);
      assert.ok(['running', 'paused', 'ended'].includes(b.state), `badge: ${JSON.stringify(b)}`);
      assert.equal(b.score, '');
      assert.equal(b.windows, '0');
      assert.match(b.text, /no face found/);
      assert.doesNotMatch(b.text, /fake|%|NaN/);
      const r = await report();
      const video = r.videos[0];
      t.diagnostic(`${video.windows.length} windows: ${JSON.stringify(video.windows.map((w) => [Number(w.startTime.toFixed(2)), w.skipped, w.framesWithoutFace]))}`);
      // Every second of the clip is listed (no face), including the last ones, which the core
      // makes when the stretch ends; the first window starts a few ms after 0, as in the tests above.
      assert.ok(video.windows.length >= NOFACE_SECONDS - 1, `${video.windows.length} windows reported`);
      for (const w of video.windows) {
        assert.equal(w.score, null, `window at ${w.startTime} s has a score`);
        assert.equal(w.hasFace, false, `window at ${w.startTime} s has a face`);
        assert.equal(w.skipped, 'no_face', `window at ${w.startTime} s`);
      }
      assert.equal(video.rolling, null);
      assert.equal(video.aggregate, null);
      assert.equal(video.reason, 'no_face');
      assert.match(video.reasonText, /no face found/);
      // The popup says why there is no score, and gives no verdict.
      const popup = await ext.openPopup(r.tab, () => /no face found/.test(document.getElementById('state').textContent));
      const summary = await popup.locator('#summary').textContent();
      t.diagnostic(`popup: ${summary} / ${await popup.locator('#state').textContent()}`);
      assert.equal(await popup.getAttribute('#summary', 'data-mean'), null);
      assert.match(summary, /^No score: no face found/);
      assert.doesNotMatch(summary, /fake|real|%|NaN/i);
      assert.equal(await popup.locator('#timeline span[data-score]').count(), 0);
      assert.equal(await popup.isVisible('#notice'), false, 'no verdict, so nothing to warn about');
      await popup.screenshot({ path: join(ARTIFACTS, 'popup-no-face.png') });
      await popup.close();
      await p.screenshot({ path: join(ARTIFACTS, 'badge-no-face.png') });
    } finally {
      await p.close();
    }
  });

  test('cross-origin video without CORS: "cannot analyse", no score', async () => {
    const p = await ext.context.newPage();
    try {
      await p.goto(`${site.origin}/?src=${encodeURIComponent(`${other.origin}/fake.mp4`)}`);
      await p.evaluate(() => document.getElementById('v').play());
      await p.waitForFunction(() => document.querySelector('avlens-badge')?.dataset.state === 'blocked', null, { timeout: 120_000 });
      await p.waitForTimeout(2000); // it stays blocked while the video plays on
      const b = await badge(p);
      assert.equal(b.state, 'blocked');
      assert.equal(b.reason, 'cross_origin');
      assert.equal(b.score, '');
      assert.match(b.text, /cannot analyse: .*another site/);
      const video = (await report()).videos[0];
      assert.equal(video.windows.length, 0);
      assert.equal(video.rolling, null);
      await p.screenshot({ path: join(ARTIFACTS, 'badge-cross-origin.png') });
    } finally {
      await p.close();
    }
  });

  test('nothing was requested outside 127.0.0.1', () => {
    assert.deepEqual(outside, []);
  });
});

// The popup once decided with 0.5 while the page used the model's threshold. Here the model is a
// copy of the shipped one whose logit is shifted so that its mean for the clip lands about
// TARGET_DISTANCE from 0.5 on the side the clip leans to (tests/extension/shift_scores.py: same
// weights, so the test does not rest on how far the shipped model happens to score the synthetic
// clip from 0.5, nor on a threshold pushed against 0.99), whose
// threshold is set so that the clip's mean lies between 0.5 and it, and whose card declares real
// faces and held-out calibration: the popup must say what that threshold says, where 0.5 would say
// the opposite, with the calibrated sentence and without the real-faces notice. The clip is the one
// whose native mean is farthest from 0.5; the threshold goes MARGIN beyond it, away from 0.5 (at
// most 0.99 or at least 0.01), and the live mean stays within MEAN_TOLERANCE (< MARGIN) of the native one.
const MARGIN = 0.15;
const TARGET_DISTANCE = 0.3; // the copy's mean for the clip lands about this far from 0.5, on the clip's side
const thresholdSkip = skip || (!existsSync(SHIPPED_MODEL) && 'web/model/avlens.onnx is not there: the random-weights model scores every clip near 0.5');

describe('extension with a model whose threshold puts the clip\'s mean on the other side of 0.5, and whose card declares real faces', { skip: thresholdSkip }, () => {
  let ext;
  let site;
  const outside = [];
  let clip;
  let card;
  let cardJson;

  before(async () => {
    const clips = await makeClips(join(WORK, 'clips'));
    const meanOf = async (model, path, geometry) => {
      const native = await nativeWindowScores(model, path, { audio: liveAudioRule(geometry) });
      assert.equal(native.error, undefined, native.message);
      return native.windows.reduce((a, w) => a + w.score, 0) / native.windows.length;
    };
    const shippedGeometry = await coreGeometry(await coreMetadata(readFileSync(SHIPPED_MODEL)));
    const means = [];
    for (const path of [clips.fake, clips.real]) means.push({ path, mean: await meanOf(SHIPPED_MODEL, path, shippedGeometry) });
    const leaning = means.sort((a, b) => Math.abs(b.mean - 0.5) - Math.abs(a.mean - 0.5))[0];
    const shifted = join(WORK, 'scores-shifted.onnx'); // WORK exists: makeClips made WORK/clips
    const logit = (p) => Math.log(p / (1 - p));
    const shift = logit(leaning.mean >= 0.5 ? 0.5 + TARGET_DISTANCE : 0.5 - TARGET_DISTANCE) - logit(leaning.mean);
    execFileSync(PYTHON, [join(ROOT, 'tests', 'extension', 'shift_scores.py'), SHIPPED_MODEL, shifted, String(shift)]);
    const bytes = readFileSync(shifted);
    const metadata = (await coreMetadata(bytes));
    const geometry = await coreGeometry(metadata);
    clip = { path: leaning.path, mean: await meanOf(shifted, leaning.path, geometry), shippedMean: leaning.mean };
    assert.ok(Math.abs(clip.mean - 0.5) > MARGIN, `the shifted copy does not score the clip clearly away from 0.5 natively (${JSON.stringify({ clip, means })})`);
    const threshold = clip.mean > 0.5 ? Math.min(0.99, clip.mean + MARGIN) : Math.max(0.01, clip.mean - MARGIN);
    cardJson = {
      name: 'avlens-synthetic-tiny, relabelled for a test',
      intended_use: 'Testing the extension with a model that declares real faces (test fixture).',
      limits: ['a test fixture: its card is made up'],
      training_data: 'real talking heads (test fixture)',
      real_faces: true,
      heldout_real: { videos: 500, people: 70, auc: { lipsync: 0.91 }, accuracy_at_threshold: 0.88 },
      calibration: { method: 'histogram binning (test fixture)', bins: Array.from({ length: 10 }, (_, i) => [i / 10, (i + 1) / 10, Number(((i + 0.5) / 10).toFixed(2)), 50 + i]) },
    };
    const copy = join(WORK, 'threshold-above-mean.onnx');
    writeFileSync(copy, withMetadata(bytes, { ...metadata, metrics: JSON.stringify({ ...JSON.parse(metadata.metrics), threshold }), card: JSON.stringify(cardJson) }));
    card = readModelCard((await coreMetadata(readFileSync(copy))));
    assert.equal(card.threshold, threshold);
    const built = await buildExtension({ out: join(WORK, 'threshold'), model: copy, modelName: 'threshold-above-mean.onnx', zip: false, quiet: true });
    site = await serveSite({ '/clip.mp4': clip.path });
    ext = await launchExtension(built.dir, outside);
  });

  after(async () => {
    await ext?.context.close();
    site?.server.close();
  });

  test('the popup decides with the model\'s threshold, not 0.5; calibrated wording, no notice; the badge agrees', async (t) => {
    // Above 0.5 the threshold makes the clip real-side, below 0.5 fake-side: the opposite of 0.5.
    const expected = card.threshold > 0.5 ? 'real' : 'fake';
    const p = await ext.context.newPage();
    try {
      await p.goto(`${site.origin}/?src=/clip.mp4`);
      await ext.playFromStart(p);
      const r = await ext.report();
      const mean = r.videos[0].aggregate?.mean;
      t.diagnostic(`native mean ${clip.mean.toFixed(4)} (shipped model ${clip.shippedMean.toFixed(4)}), live mean ${mean?.toFixed(4)}, threshold ${card.threshold.toFixed(4)}`);
      const v = r.videos[0];
      t.diagnostic(`state ${v.state} ${v.reason ?? ''} ${v.detail}; segments ${JSON.stringify(v.segments)}; frames ${JSON.stringify(v.frames)}; windows ${JSON.stringify(v.windows.map((w) => [Number(w.startTime.toFixed(3)), w.score === null ? null : Number(w.score.toFixed(4)), w.skipped ?? '']))}`);
      assert.ok(mean > Math.min(0.5, card.threshold) && mean < Math.max(0.5, card.threshold), `the live mean ${mean} is not between 0.5 and the threshold ${card.threshold}`);
      const popup = await ext.openPopup(r.tab);
      const shown = await ext.popupView(popup);
      assert.ok(Math.abs(Number(shown.mean) - mean) < 1e-9);
      assertSameVerdict('popup', shown, card);
      assert.equal(shown.decision, expected, `on the ${expected} side of the model's threshold, whatever 0.5 says`);
      assert.doesNotMatch(shown.summary, expected === 'real' ? /— face and voice don’t seem to belong together/ : /— face and voice seem to belong together/);
      assert.equal(shown.notice, null, 'no real-faces notice for a model that declares real faces');
      const i = Math.min(9, Math.floor(mean * 10));
      const [lo, hi, rate, count] = cardJson.calibration.bins[i];
      const pct = (v) => `${Math.round(v * 100)}\u202f%`;
      assert.equal(shown.evidence, `On held-out clips, ${pct(rate)} of the ${count} clips that scored ${pct(lo)}–${pct(hi)} were fakes.`);
      await popup.screenshot({ path: join(ARTIFACTS, 'popup-threshold-above-mean.png') });
      await popup.close();
      const b = await ext.badge(p);
      assert.equal(b.notice, null);
      assert.equal(Number(b.threshold), card.threshold);
      assert.equal(b.verdict, verdictFor(Number(b.score), card).kind);
      assert.equal(b.level, scoreLevelFor(Number(b.score), card));
      assert.deepEqual(outside, []);
    } finally {
      await p.close();
    }
  });
});

test('the zip holds the unpacked extension', { skip }, async () => {
  const built = await buildExtension({ out: join(WORK, 'zip'), model: existsSync(SHIPPED_MODEL) ? SHIPPED_MODEL : untrainedModel('tiny').onnx, quiet: true });
  const listing = execFileSync(PYTHON, ['-m', 'zipfile', '-l', built.zip.path], { encoding: 'utf8' });
  for (const f of ['manifest.json', 'extension/background.js', 'extension/content/main.js', 'src/scorer.js', 'core/avlens_core.wasm', 'model/avlens.onnx', 'vendor/ort/ort.wasm.min.mjs']) {
    assert.match(listing, new RegExp(`^${f.replace('.', '\\.')}\\s`, 'm'), f);
  }
  execFileSync(PYTHON, ['-m', 'zipfile', '-t', built.zip.path]);
  const manifest = JSON.parse(readFileSync(join(built.dir, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.permissions, ['offscreen', 'storage']);
  // The icons the manifest names are in the build: PNGs of their sizes.
  for (const [size, path] of Object.entries({ ...manifest.icons, ...manifest.action.default_icon })) {
    const png = readFileSync(join(built.dir, path));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG', path);
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [Number(size), Number(size)], path);
  }
  assert.match(manifest.content_security_policy.extension_pages, /script-src 'self' 'wasm-unsafe-eval';/);
  assert.doesNotMatch(manifest.content_security_policy.extension_pages, /https?:|\*/);
});
