// The extension never gives a verdict from fewer scored windows than the core's rule allows
// (issue 16: "never give a verdict from too few windows"; issue 17 item 5). The analysis worker sends
// each video's coverage (the core's clipCoverage over the stretches played) with its windows; the
// badge and the popup word it with web/src/verdict.js. Chromium with the unpacked extension and the
// real wasm core: a 2.4 s clip (2 windows at most) ends with "not enough analysed yet (N of 3
// windows)" on the badge and in the popup, and no verdict; on a 6 s clip, every state the badge
// shows while it plays has a verdict only once the coverage counts 3 scored windows, and it ends
// with one. States are recorded as the badge changes (a MutationObserver on its host's data
// attributes), never sampled on a timer, so a slow machine changes nothing but the wait.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildExtension } from '../../web/extension/build.mjs';
import { modelNotice, readModelCard } from '../../web/src/model-card.js';
import { AVLENS } from '../web/native-reference.mjs';
import { ARTIFACTS as WEB_ARTIFACTS, CHROMIUM, ROOT, coreMetadata, untrainedModel } from '../web/helpers.mjs';
import { faceClip as makeFaceClip, launchExtension, recordBadgeStates as recordStates, serveSite } from './helpers.mjs';

const WORK = join(ROOT, 'build-extension', 'test-coverage');
const ARTIFACTS = join(WEB_ARTIFACTS, '..', 'extension');
const CORE = join(ROOT, 'build-wasm');
const SHIPPED_MODEL = join(ROOT, 'web', 'model', 'avlens.onnx');
const VERDICTS = ['real', 'fake', 'uncertain', 'unsupported'];

const missing = [
  !existsSync(join(CORE, 'avlens_core.js')) && 'build-wasm/avlens_core.js (the wasm core) is not built',
  !existsSync(SHIPPED_MODEL) && !existsSync(AVLENS) && `neither ${SHIPPED_MODEL} nor ${AVLENS} (to export a test model) is there`,
  !existsSync(CHROMIUM) && `${CHROMIUM} is not installed`,
].filter(Boolean);
const skip = missing.length ? missing.join('; ') : false;

const faceClip = (seconds) => makeFaceClip(WORK, seconds);
const recordBadgeStates = (p) => recordStates(p, ['state', 'verdict', 'windows', 'scored', 'needed', 'score']);

describe('extension: no verdict from too few windows (the core\'s coverage)', { skip }, () => {
  let ext;
  let site;
  let card;
  const outside = [];

  before(async () => {
    const model = existsSync(SHIPPED_MODEL) ? SHIPPED_MODEL : untrainedModel('tiny').onnx;
    card = readModelCard((await coreMetadata(readFileSync(model))));
    const built = await buildExtension({ out: WORK, model, modelName: 'coverage test model', zip: false, quiet: true });
    site = await serveSite({ '/short.mp4': faceClip(2.4), '/long.mp4': faceClip(6) });
    ext = await launchExtension(built.dir, outside);
  });

  after(async () => {
    await ext?.context.close();
    site?.server.close();
  });

  test('a 2.4 s clip: "not enough analysed yet (N of 3 windows)" on the badge and in the popup, no verdict', async (t) => {
    const p = await ext.context.newPage();
    try {
      await p.goto(`${site.origin}/?src=/short.mp4`);
      await recordBadgeStates(p);
      await ext.playFromStart(p);
      const r = await ext.report();
      const video = r.videos[0];
      const scored = video.windows.filter((w) => w.score !== null);
      t.diagnostic(`windows ${JSON.stringify(video.windows.map((w) => [Number(w.startTime.toFixed(3)), w.score === null ? w.skipped : Number(w.score.toFixed(4))]))}; coverage ${JSON.stringify(video.coverage)}; frames ${JSON.stringify(video.frames)}; segments ${JSON.stringify(video.segments)}`);
      assert.ok(scored.length >= 1 && scored.length <= 2, `${scored.length} windows scored of a 2.4 s clip`);
      const n = video.coverage.windowsScored;
      assert.equal(n, video.aggregate.windows, 'the coverage counts the windows the mean is over');
      assert.equal(video.coverage.windowsForVerdict, 3);
      assert.match(video.coverage.verdictWithheld, new RegExp(`^only ${n} windows? \\(${n}\\.0 s\\) could be scored; a verdict needs at least 3`));

      const b = await ext.badge(p);
      t.diagnostic(`badge: ${JSON.stringify(b)}`);
      assert.match(b.text, new RegExp(`not enough analysed yet \\(${n} of 3 windows\\)`));
      // (The label's text ends with the model's notice, which is about the model, not this video.)
      assert.doesNotMatch(b.text.replace(b.notice ?? '', ''), /%|fake|\breal\b|inconclusive|match/i);
      assert.equal(b.verdict, 'withheld');
      assert.equal(b.level, 'none');
      assert.equal(b.scored, String(n));
      assert.equal(b.needed, '3');
      const states = await p.evaluate(() => window.__badgeStates);
      assert.deepEqual(states.filter((s) => VERDICTS.includes(s.verdict)), [], 'the badge never showed a verdict');

      const popup = await ext.openPopup(r.tab, () => document.getElementById('summary').dataset.kind === 'withheld');
      const shown = await ext.popupView(popup);
      t.diagnostic(`popup: ${shown.summary} / ${shown.thresholdText}`);
      assert.equal(shown.summary, `Not enough analysed yet (${n} of 3 windows)`);
      assert.equal(shown.mean, undefined, 'no mean is shown as a verdict');
      assert.equal(shown.scored, String(n));
      // The core's reason, with what was left out when there is something (on a loaded machine,
      // picture frames the page could not send in time).
      assert.match(shown.thresholdText, /^No verdict yet: only \d windows? \(\d\.\d s\) could be scored; a verdict needs at least 3( \(.*\))?\.$/);
      assert.doesNotMatch(shown.text, /belong together|inconclusive|calls a video fake|% fake over/i);
      assert.equal(shown.notice, modelNotice(card)?.text ?? null, 'the model\'s notice goes with its scores');
      await popup.screenshot({ path: join(ARTIFACTS, 'popup-not-enough.png') });
      await popup.close();
      await p.screenshot({ path: join(ARTIFACTS, 'badge-not-enough.png') });
    } finally {
      await p.close();
    }
  });

  test('a 6 s clip: while it plays, a verdict only once 3 windows are scored; a verdict at the end', async (t) => {
    const p = await ext.context.newPage();
    try {
      await p.goto(`${site.origin}/?src=/long.mp4`);
      await recordBadgeStates(p);
      await ext.playFromStart(p);
      const states = await p.evaluate(() => window.__badgeStates);
      t.diagnostic(`badge states: ${states.map((s) => `${s.state}/${s.verdict || '-'}/${s.scored || '?'}`).join(' ')}`);
      for (const s of states.filter((x) => VERDICTS.includes(x.verdict))) {
        assert.ok(s.scored !== '' && Number(s.scored) >= 3 && s.needed === '3', `a verdict from ${s.scored || 'unknown'} scored windows: ${JSON.stringify(s)}`);
      }
      assert.ok(states.some((s) => s.verdict === 'withheld' && Number(s.scored) >= 1 && Number(s.scored) < 3), 'the first scored windows showed "not enough analysed yet"');
      const b = await ext.badge(p);
      assert.ok(VERDICTS.includes(b.verdict), `the badge ends with a verdict: ${JSON.stringify(b)}`);
      const video = (await ext.report()).videos[0];
      assert.equal(video.coverage.verdictWithheld, null);
      assert.equal(video.coverage.windowsScored, video.aggregate.windows);
      assert.ok(video.coverage.windowsScored >= 3);
      const popup = await ext.openPopup((await ext.report()).tab);
      const shown = await ext.popupView(popup);
      assert.ok(VERDICTS.includes(shown.kind), `popup: ${shown.summary}`);
      assert.doesNotMatch(shown.summary, /Not enough analysed/);
      await popup.close();
      assert.deepEqual(outside, []);
    } finally {
      await p.close();
    }
  });
});
