// What a clip's score rests on, on the page (issue 17 item 5), in headless Chromium with the real
// wasm core and the exported tiny model: the result says what was scored ("Scored 3 s of 20 s ...:
// picture 20 s, sound 3.5 s") and the core's warning next to the verdict when most of the clip went
// unscored; a clip with too few scored windows gets its score without a verdict, with the core's
// reason; an ordinary clip gets neither; the timeline is sized from what was decoded, not from a
// duration the container declares. Each is checked against `avlens scan --json` for the same clip
// and weights (the same core rule, avlens::clip_coverage). Screenshots: test-results/web/coverage-*.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeScan } from './native-reference.mjs';
import { assertSameAsScan, pageResult } from './native-parity.mjs';
import { FIXTURES, chooseFile, launch, missingBuilds, openPage, screenshot, serve, synthClip, tinySite, untrainedModel, waitForModel, waitForView } from './helpers.mjs';

const skip = missingBuilds();
const ANALYSIS_MS = 300_000; // a loaded 2-core machine: generous limits, no timing assertions

function ffmpeg(args, name) {
  const out = join(FIXTURES, name);
  if (!existsSync(out)) {
    mkdirSync(FIXTURES, { recursive: true });
    execFileSync('nice', ['ffmpeg', '-v', 'error', '-y', ...args, out], { stdio: 'pipe' });
  }
  return out;
}

/** 20 s of a synthetic talking face (its 4 s clip five times) with only its first 3.5 s of sound. */
const shortSoundClip = () => ffmpeg(['-stream_loop', '4', '-i', synthClip('real', 3), '-af', 'atrim=0:3.5', '-c:v', 'copy', '-c:a', 'aac'], 'coverage-20s-picture-3.5s-sound.mp4');

/** The synthetic 4 s clip as Matroska, its Segment duration patched to `declared` seconds (a lying container). */
function lyingDurationClip(declared) {
  const mkv = ffmpeg(['-i', synthClip('real', 3), '-c', 'copy'], 'coverage-real_3.mkv');
  const bytes = readFileSync(mkv);
  // Duration element: ID 0x4489, size 8 (0x88), a big-endian double in milliseconds.
  const at = bytes.indexOf(Buffer.from([0x44, 0x89, 0x88]));
  assert.ok(at >= 0, `no Duration element in ${mkv}`);
  bytes.writeDoubleBE(declared * 1000, at + 3);
  const out = join(FIXTURES, `coverage-declares-${declared}.mkv`);
  writeFileSync(out, bytes);
  return out;
}

/** What the verdict card says about coverage. */
function coverageView(page) {
  return page.evaluate(() => {
    const shown = (id) => {
      const e = document.getElementById(id);
      return !e.hidden && e.getClientRects().length > 0 ? e.textContent.replace(/\s+/g, ' ').trim() : null;
    };
    const card = document.getElementById('verdict-card');
    return {
      kind: card.dataset.kind,
      title: document.getElementById('verdict-title').textContent,
      summary: document.getElementById('verdict-summary').textContent,
      coverage: shown('verdict-coverage'),
      warning: shown('verdict-warning'),
      bars: document.querySelectorAll('#timeline .tl-bar').length,
      scoredBars: document.querySelectorAll('#timeline .tl-bar[data-score]').length,
    };
  });
}

describe('what the score rests on (page, real wasm core, exported tiny model)', { skip }, () => {
  let browser;
  let srv;
  let model;
  let ctx;
  before(async () => {
    model = untrainedModel('tiny');
    srv = await serve(await tinySite());
    browser = await launch();
    ctx = await openPage(browser, `${srv.url}?backend=wasm`);
    await waitForModel(ctx.page);
  });
  after(async () => {
    await ctx?.context.close();
    await browser?.close();
    await srv?.close();
  });

  /** Checks a clip from the intake or from the previous result; returns when its result is shown. */
  async function analyse(clip) {
    const { page } = ctx;
    const view = await page.evaluate(() => document.body.dataset.view);
    await page.evaluate(() => {
      window.__seen = [];
      window.__seenObserver?.disconnect();
      window.__seenObserver = new MutationObserver(() => window.__seen.push(document.body.dataset.view));
      window.__seenObserver.observe(document.body, { attributes: true, attributeFilter: ['data-view'] });
    });
    if (view === 'intake') await chooseFile(page, clip);
    else {
      const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click(view === 'error' ? '#error-again' : '#again')]);
      await chooser.setFiles(clip);
    }
    await page.waitForFunction(() => window.__seen.includes('progress') && ['result', 'error'].includes(document.body.dataset.view), null, { timeout: ANALYSIS_MS });
    assert.equal(await waitForView(page, ['result', 'error']), 'result', await page.textContent('#error-detail'));
  }

  test('20 s of picture with 3.5 s of sound: the verdict carries the warning and says what was scored', async () => {
    const clip = shortSoundClip();
    const scan = await nativeScan(clip, model.checkpoint);
    await analyse(clip);
    const got = await pageResult(ctx.page);
    assertSameAsScan(got, scan, 'short sound');
    const v = await coverageView(ctx.page);
    assert.ok(['real', 'fake', 'uncertain'].includes(v.kind), `a verdict is given: ${JSON.stringify(v)}`);
    assert.equal(got.withheld, false);
    assert.equal(got.warning, true);
    assert.equal(v.coverage, 'Scored 3 s of 20 s (3 windows): picture 20 s, sound 3.5 s.');
    assert.equal(v.warning, `Warning: ${scan.warning[0].toUpperCase()}${scan.warning.slice(1)}.`);
    assert.match(v.warning, /Only 3\.0 s of the clip's 20 s were scored; the verdict is about that part \(picture 20 s but sound 3\.5 s/);
    // The timeline spans the 20 s that were decoded (the looped file ends a few frames past 20 s);
    // 3 of its seconds were scored.
    assert.equal(v.bars, scan.timeline.length);
    assert.ok(v.bars >= 20 && v.bars <= 21, `${v.bars} timeline bars`);
    assert.equal(v.scoredBars, 3);
    await screenshot(ctx.page, 'coverage-short-sound');
  });

  test('a clip with two windows: its score, no verdict, and why', async () => {
    const clip = synthClip('real', 21, { seconds: 2 });
    const scan = await nativeScan(clip, model.checkpoint);
    assert.equal(scan.coverage.windows_scored, 2);
    await analyse(clip);
    const got = await pageResult(ctx.page);
    assertSameAsScan(got, scan, 'two windows');
    const v = await coverageView(ctx.page);
    assert.equal(v.kind, 'withheld');
    assert.equal(got.withheld, true);
    assert.equal(v.title, 'Score only: no verdict');
    assert.match(v.summary, /^Only 2 windows \(2\.0 s\) could be scored; a verdict needs at least 3\. Score: \d+\s%\.$/);
    assert.doesNotMatch(v.summary, /belong together|deepfake|calls a video fake|Inconclusive|leans/);
    assert.equal(v.warning, null);
    assert.equal(v.coverage, 'Scored 2 s of 2 s (2 windows): picture 2 s, sound 2 s.');
    assert.match(await ctx.page.textContent('#gauge-label'), /\d+\s%/, 'the score is shown');
    await screenshot(ctx.page, 'coverage-two-windows');
  });

  test('an ordinary clip: a verdict, no warning, the whole clip scored', async () => {
    const clip = synthClip('real', 3);
    const scan = await nativeScan(clip, model.checkpoint);
    await analyse(clip);
    const got = await pageResult(ctx.page);
    assertSameAsScan(got, scan, 'ordinary');
    const v = await coverageView(ctx.page);
    assert.ok(['real', 'fake', 'uncertain'].includes(v.kind), JSON.stringify(v));
    assert.equal(v.warning, null);
    assert.equal(v.coverage, 'Scored 4 s of 4 s (4 windows): picture 4 s, sound 4 s.');
    // The model's threshold (the one the native scan used), in the one wording (verdict.js thresholdSentence).
    assert.match(v.summary, new RegExp(` Score: \\d+\u202f%\\. This model calls a video fake from ${(scan.threshold * 100).toFixed(0)}\u202f%\\.$`));
    assert.equal(v.bars, 4);
  });

  test('a container that declares 1e10 s: the timeline follows what was decoded', async () => {
    // Sized from the declared figure, the timeline would not fit an int (the core refuses it) and a
    // declared 1e8 s would be 1e8 bars.
    const clip = lyingDurationClip(1e10);
    const scan = await nativeScan(clip, model.checkpoint);
    await analyse(clip);
    const got = await pageResult(ctx.page);
    assertSameAsScan(got, scan, 'lying duration');
    const v = await coverageView(ctx.page);
    assert.equal(v.bars, scan.timeline.length);
    // The 4 s clip, and at most 1 s more (the core keeps a declared figure as far as the decoded
    // streams confirm it, to within a second).
    assert.ok(v.bars >= 4 && v.bars <= 6, `${v.bars} timeline bars`);
    assert.equal(v.warning, null);
    await ctx.page.click('#details-timings summary');
    assert.match(await ctx.page.textContent('#timings'), /the file declares 10000000000 s/);
    assert.deepEqual(ctx.outside, []);
    assert.deepEqual(ctx.errors.filter((e) => !/Failed to load resource|MEDIA_ERR|video/i.test(e)), []);
  });
});
