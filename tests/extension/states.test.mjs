// What the extension says in the cases a person meets (issue 16, "honest states"), from the user's
// side: the badge on the video and the popup. Chromium with the unpacked extension and the real
// wasm core:
// - a video whose picture the browser cannot show (MPEG-4 Part 2: sound, a black box, videoWidth 0)
//   says so instead of "paused / No score yet" forever;
// - a clip that played to its end says that it ended and how much of it was analysed, not
//   "Paused: analysis resumes when the video plays";
// - a page that keeps the browser too busy to hand over most frames (a slow machine) says that
//   most frames were dropped, and no verdict is ever shown from fewer windows than the core allows
//   (the core's coverage);
// - scanning switched off for the site in the popup: the badge goes, nothing is watched after a
//   reload, and switched on again the video is analysed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildExtension } from '../../web/extension/build.mjs';
import { ARTIFACTS as WEB_ARTIFACTS, CHROMIUM, ROOT, untrainedModel } from '../web/helpers.mjs';
import { faceClip as makeFaceClip, launchExtension, page, playOnceFromStart, recordBadgeStates as recordStates, serveSite } from './helpers.mjs';

const WORK = join(ROOT, 'build-extension', 'test-states');
const ARTIFACTS = join(WEB_ARTIFACTS, '..', 'extension');
const CORE = join(ROOT, 'build-wasm');
const SHIPPED_MODEL = join(ROOT, 'web', 'model', 'avlens.onnx');
const VERDICTS = ['real', 'fake', 'uncertain', 'unsupported'];

const missing = [
  !existsSync(join(CORE, 'avlens_core.js')) && 'build-wasm/avlens_core.js (the wasm core) is not built',
  !existsSync(CHROMIUM) && `${CHROMIUM} is not installed`,
].filter(Boolean);
const skip = missing.length ? missing.join('; ') : false;

/**
 * Plays the page's video (looping) until the extension analyses it (with `scored`: until it has
 * scored a window, so that the engine is warm on a loaded machine), then once from 0 to its end.
 */
const faceClip = (seconds, options) => makeFaceClip(WORK, seconds, options);
const recordBadgeStates = (p) => recordStates(p, ['state', 'reason', 'verdict', 'scored']);

async function playToEnd(ext, p, { scored = false } = {}) {
  await p.evaluate(() => {
    const v = document.getElementById('v');
    v.loop = true;
    return v.play();
  });
  await p.waitForFunction(
    (scored) => {
      const d = document.querySelector('avlens-badge')?.dataset;
      return ['running', 'blocked', 'problem'].includes(d?.state) && (!scored || Number(d.windows) > 0);
    },
    scored,
    { timeout: 240_000 },
  );
  await playOnceFromStart(p);
}

describe('extension: honest states, and the per-site switch', { skip }, () => {
  let ext;
  let site;
  const outside = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const model = existsSync(SHIPPED_MODEL) ? SHIPPED_MODEL : untrainedModel('tiny').onnx;
    const built = await buildExtension({ out: WORK, model, modelName: 'states test model', zip: false, quiet: true });
    // A page whose own script keeps the browser's main thread busy 190 ms of every 200 ms: the
    // extension gets few of the video's frames, as on a machine too slow for it.
    const busy = (url) => page(url.searchParams.get('src'), { body: '<script>setInterval(() => { const t = performance.now(); while (performance.now() - t < 190); }, 200);</script>' });
    site = await serveSite({ '/face.mp4': faceClip(6), '/mpeg4.mp4': faceClip(4, { codec: 'mpeg4' }), '/face60.mp4': faceClip(6, { fps: 60 }) }, { '/busy': busy });
    ext = await launchExtension(built.dir, outside);
  });

  after(async () => {
    await ext?.context.close();
    site?.server.close();
  });

  test('a picture the browser cannot show (MPEG-4 Part 2): "cannot analyse" with the reason, on the badge and in the popup', async (t) => {
    const p = await ext.context.newPage();
    try {
      await p.goto(`${site.origin}/?src=/mpeg4.mp4`);
      const size = await p.evaluate(async () => {
        const v = document.getElementById('v');
        v.loop = true;
        await v.play();
        return { width: v.videoWidth, height: v.videoHeight };
      });
      assert.deepEqual(size, { width: 0, height: 0 }, 'this browser shows MPEG-4 Part 2 after all: the case does not arise');
      await p.waitForFunction(() => document.querySelector('avlens-badge')?.dataset.reason === 'no_picture', null, { timeout: 60_000 });
      const b = await ext.badge(p);
      t.diagnostic(`badge: ${b.text}`);
      assert.equal(b.state, 'blocked');
      assert.match(b.text, /cannot analyse: the browser shows no picture for this video .*MPEG-4 Part 2/);
      assert.equal(b.score, '');
      const r = await ext.report();
      const popup = await ext.openPopup(r.tab, () => /Cannot analyse/.test(document.getElementById('state').textContent));
      const state = await popup.locator('#state').textContent();
      assert.match(state, /^Cannot analyse: the browser shows no picture/);
      assert.equal(await popup.locator('#summary').textContent(), 'No score');
      assert.doesNotMatch(await popup.locator('body').innerText(), /No score yet|Paused/);
      await popup.screenshot({ path: join(ARTIFACTS, 'popup-no-picture.png') });
      await popup.close();
    } finally {
      await p.close();
    }
  });

  test('a clip that ended says so, with what was analysed (not "paused")', async (t) => {
    const p = await ext.context.newPage();
    try {
      await p.goto(`${site.origin}/?src=/face.mp4`);
      await playToEnd(ext, p, { scored: true });
      // The last windows are scored after the end: wait until the count of windows stops changing.
      await p.waitForFunction(() => document.querySelector('avlens-badge')?.dataset.state === 'ended', null, { timeout: 60_000 }).catch(async (err) => {
        throw new Error(`${err.message}; badge ${JSON.stringify(await ext.badge(p))}`);
      });
      const deadline = Date.now() + 90_000;
      for (let last = -1, stable = 0; stable < 3 && Date.now() < deadline; ) {
        await p.waitForTimeout(700);
        const n = (await ext.report()).videos[0].windows.length;
        stable = n === last && n > 0 ? stable + 1 : 0;
        last = n;
      }
      const b = await ext.badge(p);
      const r = await ext.report();
      const video = r.videos[0];
      t.diagnostic(`badge: ${b.text}; coverage ${JSON.stringify(video.coverage)}; frames ${JSON.stringify(video.frames)}`);
      assert.equal(b.state, 'ended');
      assert.ok(video.coverage.windowsScored >= 1, 'nothing was scored');
      assert.match(b.text, /video ended, \d+ s of 6 analysed/);
      assert.match(b.text, new RegExp(`video ended, ${Math.round(video.coverage.scoredSeconds)} s of 6 analysed`));
      assert.doesNotMatch(b.text, /paused/);
      const popup = await ext.openPopup(r.tab, () => /ended/.test(document.getElementById('state').textContent));
      const state = await popup.locator('#state').textContent();
      t.diagnostic(`popup: ${state}`);
      assert.match(state, /^The video ended: \d+ s of its 6 s analysed/);
      assert.doesNotMatch(await popup.locator('body').innerText(), /Paused|resumes when the video plays/);
      await popup.screenshot({ path: join(ARTIFACTS, 'popup-ended.png') });
      await popup.close();
    } finally {
      await p.close();
    }
  });

  test('most frames dropped (a busy page): the badge and the popup say so; no verdict from too few windows', async (t) => {
    const p = await ext.context.newPage();
    try {
      await p.goto(`${site.origin}/busy?src=/face60.mp4`);
      await recordBadgeStates(p);
      await playToEnd(ext, p);
      await p.waitForFunction(() => document.querySelector('avlens-badge')?.dataset.state === 'ended', null, { timeout: 60_000 });
      await p.waitForTimeout(2000); // windows still being scored arrive after the end
      const b = await ext.badge(p);
      const r = await ext.report();
      const video = r.videos[0];
      const states = await p.evaluate(() => window.__badgeStates);
      t.diagnostic(`badge: ${b.text}; frames ${JSON.stringify(video.frames)}; coverage ${JSON.stringify(video.coverage)}; states ${states.map((s) => `${s.state}/${s.reason || '-'}/${s.verdict || '-'}/${s.scored || '?'}`).join(' ')}`);
      assert.ok(video.frames.dropped > video.frames.sent, `frames ${JSON.stringify(video.frames)}: the page was not busy enough to drop most frames`);
      assert.equal(b.reason, 'slow');
      assert.match(b.text, /too slow for this video: most frames were dropped/);
      for (const s of states.filter((x) => VERDICTS.includes(x.verdict))) assert.ok(Number(s.scored) >= 3, `a verdict from ${s.scored} windows: ${JSON.stringify(s)}`);
      if (!VERDICTS.includes(b.verdict)) assert.doesNotMatch(b.text, /%/);
      const popup = await ext.openPopup(r.tab, () => /too slow/.test(document.getElementById('state').textContent));
      const state = await popup.locator('#state').textContent();
      const meta = await popup.locator('#meta').evaluate((m) => ({ ...m.dataset }));
      t.diagnostic(`popup: ${state}; ${JSON.stringify(meta)}`);
      assert.match(state, /^The video ended: \d+ s of its 6 s analysed — this computer is too slow for this video: most frames were dropped/);
      assert.ok(Number(meta.dropped) > Number(meta.sent));
      if ((video.coverage?.windowsScored ?? 0) < 3) assert.doesNotMatch(await popup.locator('#summary').textContent(), /fake over|belong together|inconclusive/);
      await popup.screenshot({ path: join(ARTIFACTS, 'popup-frames-dropped.png') });
      await popup.close();
    } finally {
      await p.close();
    }
  });

  test('scanning switched off for the site in the popup: no badge, nothing watched; on again, analysed', async (t) => {
    const p = await ext.context.newPage();
    try {
      await p.goto(`${site.origin}/?src=/face.mp4`);
      await p.evaluate(() => {
        const v = document.getElementById('v');
        v.loop = true;
        return v.play();
      });
      await p.waitForFunction(() => document.querySelector('avlens-badge')?.dataset.state === 'running', null, { timeout: 120_000 });
      const { tab } = await ext.report();
      const popup = await ext.openPopup(tab, () => !document.getElementById('site').hidden);
      assert.equal(await popup.locator('#scan-label').textContent(), 'Scan videos on 127.0.0.1');
      assert.equal(await popup.isChecked('#scan'), true);
      await popup.uncheck('#scan');
      // The badge goes at once, while the video plays on.
      await p.waitForFunction(() => document.querySelector('avlens-badge') === null, null, { timeout: 10_000 });
      await popup.waitForFunction(() => /Scanning is off on 127\.0\.0\.1/.test(document.getElementById('empty').textContent), null, { timeout: 10_000 });
      await popup.screenshot({ path: join(ARTIFACTS, 'popup-scanning-off.png') });
      // After a reload, the video plays 3 s and nothing watches it.
      await p.reload();
      await p.evaluate(async () => {
        const v = document.getElementById('v');
        await v.play();
        await new Promise((r) => { const check = () => (v.currentTime >= 3 ? r() : setTimeout(check, 100)); check(); });
      });
      assert.equal(await ext.badge(p), null, 'a badge on a site where scanning is off');
      // The content script answers no report (it watches no video): "no receiving end", or no answer.
      const off = await ext.context.serviceWorkers()[0].evaluate((id) => chrome.tabs.sendMessage(id, { type: 'avlens:report' }).catch(() => null), tab);
      assert.equal(off ?? null, null, 'the content script watches no video');
      // On again: the playing video is analysed.
      await popup.reload();
      await popup.waitForFunction(() => !document.getElementById('site').hidden);
      assert.equal(await popup.isChecked('#scan'), false, 'the switch remembers the site');
      await popup.check('#scan');
      await p.waitForFunction(() => ['running', 'paused', 'ended'].includes(document.querySelector('avlens-badge')?.dataset.state), null, { timeout: 60_000 });
      const on = await ext.context.serviceWorkers()[0].evaluate((id) => chrome.tabs.sendMessage(id, { type: 'avlens:report' }), tab);
      t.diagnostic(`after switching on: ${on.videos[0].state}`);
      assert.equal(on.videos.length, 1);
      await popup.close();
      assert.deepEqual(outside, []);
    } finally {
      await p.close();
    }
  });
});
