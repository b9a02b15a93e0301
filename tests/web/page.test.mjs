// The page in headless Chromium, with the test stand-in core (fixtures/fixture-core.js) and the
// test fixture model: loading, privacy, the ONNX Runtime Web path (WASM backend) against
// onnxruntime-node, the result view, keyboard use, every error message, cancel, model loading,
// offline use. The real core and the real model are tested in real-core.test.mjs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { messageFor } from '../../web/src/messages.js';
import { referenceScores } from './reference.mjs';
import {
  ARTIFACTS, FIXTURES, chooseFile, unnamedControls, fixtureClip, fixtureModels, fixtureSite, launch, openPage, screenshot, serve, site, waitForModel, waitForView,
} from './helpers.mjs';

const TOLERANCE = 1e-3;
let browser;
let srv;
const models = fixtureModels();

before(async () => {
  srv = await serve(await fixtureSite());
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

async function ready(url = `${srv.url}?backend=wasm`, options) {
  const ctx = await openPage(browser, url, options);
  await waitForModel(ctx.page);
  return ctx;
}

async function pageScores(page) {
  return page.evaluate(() => ({
    clip: Number(document.getElementById('verdict-card').dataset.pfake),
    windows: [...document.querySelectorAll('#windows-table tbody tr')].map((r) => ({ start: Number(r.dataset.start), score: Number(r.dataset.score) })),
    timeline: [...document.querySelectorAll('#timeline .tl-bar')].map((b) => (b.dataset.score === undefined ? null : Number(b.dataset.score))),
  }));
}

describe('page (WASM backend, test fixture core)', () => {
  test('loads from 127.0.0.1 only, cross-origin isolated, without errors', async () => {
    const { context, page, outside, errors, requests } = await ready();
    try {
      assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
      assert.match(await page.textContent('#backend-name'), /WebAssembly \(SIMD, \d+ threads?\)/);
      assert.match(await page.textContent('#model-name'), /fixture-tiny/);
      assert.equal(await page.isVisible('#fixture-banner'), true, 'a test build says so');
      await screenshot(page, 'intake');
      assert.deepEqual(outside, []);
      assert.deepEqual(errors, []);
      assert.ok(requests.every((u) => u.startsWith(srv.url) || u.startsWith('blob:')), requests.join('\n'));
    } finally {
      await context.close();
    }
  });

  test('accessible names and keyboard access of the intake', async () => {
    const { context, page } = await ready();
    try {
      // Every button and form control has an accessible name.
      assert.deepEqual(await unnamedControls(page), []);
      await page.keyboard.press('Tab'); // skip link
      assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
      let reached = false;
      for (let i = 0; i < 6 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => document.activeElement.id === 'choose-file');
      }
      assert.ok(reached, 'the file chooser button is reachable with Tab');
      // Listen first and let the interception reach the browser, then press Enter on the button.
      const chooserEvent = page.waitForEvent('filechooser');
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
      await page.keyboard.press('Enter');
      const chooser = await chooserEvent;
      assert.equal(chooser.isMultiple(), false);
    } finally {
      await context.close();
    }
  });

  test('a clip gives the scores onnxruntime-node gives for the same windows (WASM)', async () => {
    const clip = fixtureClip('fixture-real-ish.mp4', { duration: 6.5, seed: 4, noFaceFrames: [17, 18, 19, 20] });
    const expected = await referenceScores(models.tiny, clip);
    const { context, page, outside, errors } = await ready(`${srv.url}?backend=wasm`, { acceptDownloads: true });
    try {
      await chooseFile(page, clip);
      assert.equal(await waitForView(page, ['result', 'error']), 'result');
      assert.equal(await page.evaluate(() => document.body.dataset.backend), 'wasm');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'verdict-title', 'focus moves to the verdict');
      const got = await pageScores(page);
      assert.equal(got.windows.length, expected.windows.length);
      got.windows.forEach((w, i) => {
        assert.ok(Math.abs(w.score - expected.windows[i].score) <= TOLERANCE, `window ${i}: ${w.score} vs ${expected.windows[i].score}`);
        assert.equal(w.start, expected.windows[i].startTime);
      });
      assert.ok(Math.abs(got.clip - expected.aggregate.mean) <= TOLERANCE, `clip: ${got.clip} vs ${expected.aggregate.mean}`);
      assert.equal(got.timeline.length, 7, 'one bar per second, the partial last one unscored');
      assert.equal(got.timeline[6], null);
      // Verdict, heat map of the most suspicious second, seconds without a face.
      const worst = expected.aggregate.timeline.indexOf(Math.max(...expected.aggregate.timeline.filter(Number.isFinite)));
      assert.equal(await page.getAttribute('#heatmap', 'data-second'), String(worst));
      assert.match(await page.textContent('#heatmap-caption'), /most suspicious second/);
      assert.match(await page.textContent('#verdict-title'), /belong together|Inconclusive/);
      assert.match(await page.getAttribute('#timeline .tl-bar[data-second="2"]', 'class'), /tl-noface/, 'frames 17-20 at 8 fps lie in second 2');
      await page.click('#details-noface summary');
      assert.match(await page.textContent('#noface-text'), /0:02/);
      await page.click('#details-windows summary');
      await page.click('#details-timings summary');
      await page.click('#details-model summary');
      assert.match(await page.textContent('#model-card'), /test-fixture/);
      assert.deepEqual(await unnamedControls(page), [], 'every control of the result view has a name');
      assert.match(await page.textContent('#timings'), /Network on WebAssembly/);
      await screenshot(page, 'result-wasm');
      // The saved report carries the same numbers.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-report')]);
      const reportPath = join(ARTIFACTS, 'report-wasm.json');
      await download.saveAs(reportPath);
      const report = JSON.parse(readFileSync(reportPath, 'utf8'));
      assert.equal(report.score, got.clip);
      assert.equal(report.backend.name, 'wasm');
      assert.equal(report.windows.length, expected.windows.length);
      assert.deepEqual(outside, []);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('timeline: click and arrow keys pick a second, seek the video and show its heat map', async () => {
    const clip = fixtureClip('fixture-timeline.mp4', { duration: 6.5, seed: 2 });
    const { context, page } = await ready();
    try {
      await chooseFile(page, clip);
      assert.equal(await waitForView(page, ['result', 'error']), 'result');
      await page.waitForFunction(() => document.getElementById('video').readyState >= 1);
      await page.click('#timeline .tl-bar[data-second="4"]');
      await page.waitForFunction(() => Math.abs(document.getElementById('video').currentTime - 4) < 0.05);
      assert.equal(await page.getAttribute('#timeline .tl-bar[data-second="4"]', 'aria-checked'), 'true');
      assert.equal(await page.getAttribute('#heatmap', 'data-second'), '4');
      assert.match(await page.textContent('#heatmap-caption'), /^0:04–0:05/);
      await page.keyboard.press('ArrowLeft');
      await page.waitForFunction(() => document.getElementById('heatmap').dataset.second === '3');
      assert.equal(await page.evaluate(() => document.activeElement.dataset.second), '3');
      await page.keyboard.press('Home');
      await page.waitForFunction(() => document.getElementById('heatmap').dataset.second === '0');
      const label = await page.getAttribute('#timeline .tl-bar[data-second="0"]', 'aria-label');
      assert.match(label, /^0:00 to 0:01: \d+\s% fake probability/);
      await page.check('input[name="map"][value="A"]');
      await page.check('input[name="map"][value="M"]');
    } finally {
      await context.close();
    }
  });

  test('dropping a file anywhere on the page starts the check', async () => {
    const clip = fixtureClip('fixture-dropped.mp4', { duration: 3.2, seed: 8 });
    const { context, page } = await ready();
    try {
      const b64 = readFileSync(clip).toString('base64');
      const dt = await page.evaluateHandle((data) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const t = new DataTransfer();
        t.items.add(new File([bytes], 'dropped.mp4', { type: 'video/mp4' }));
        return t;
      }, b64);
      await page.dispatchEvent('body', 'dragenter', { dataTransfer: dt });
      assert.equal(await page.isVisible('#drag-overlay'), true, 'the page shows where to drop');
      await page.dispatchEvent('body', 'drop', { dataTransfer: dt });
      assert.equal(await waitForView(page, ['result', 'error']), 'result');
      assert.equal(await page.isVisible('#drag-overlay'), false);
      assert.equal(await page.textContent('#result-file'), 'dropped.mp4');
    } finally {
      await context.close();
    }
  });

  test('every typed core error shows its own message, never a spinner', async () => {
    const cases = [
      ['unreadable', 'open', 'moov atom not found'],
      ['no_video_stream', 'open', 'no video stream'],
      ['no_audio_stream', 'open', 'no audio stream'],
      ['unsupported_codec', 'open', 'no decoder for av1'],
      ['too_short', 'next', 'clip is 0.6 s, shorter than one window'],
      ['no_face', 'next', 'no face in 180 frames'],
    ];
    const { context, page, errors } = await ready();
    try {
      for (const [code, at, message] of cases) {
        const clip = fixtureClip(`fixture-${code}.mp4`, { duration: 6, seed: 1, error: { code, message, at } });
        await chooseFile(page, clip);
        assert.equal(await waitForView(page, ['result', 'error'], 60_000), 'error', code);
        assert.equal(await page.getAttribute('#error', 'data-code'), code);
        assert.equal(await page.textContent('#error-title'), messageFor(code).title);
        assert.ok((await page.textContent('#error-detail')).includes(message));
        assert.equal(await page.evaluate(() => document.activeElement.id), 'error-title', 'focus moves to the message');
        if (code === 'no_face') await screenshot(page, 'error-no-face');
      }
      // A file that is not a video at all (the fixture core reads only fixture clips).
      const junk = join(FIXTURES, 'not-a-video.mp4');
      writeFileSync(junk, 'this is not a video');
      await chooseFile(page, junk);
      assert.equal(await waitForView(page, 'error'), 'error');
      assert.equal(await page.getAttribute('#error', 'data-code'), 'unreadable');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('progress shows stage and ETA; cancel stops the analysis', async () => {
    const clip = fixtureClip('fixture-slow.mp4', { duration: 30, seed: 5, delayMs: 300 });
    const { context, page } = await ready();
    try {
      await chooseFile(page, clip);
      await waitForView(page, 'progress');
      await page.waitForFunction(() => /left/.test(document.getElementById('progress-eta').textContent), null, { timeout: 30_000 });
      assert.match(await page.textContent('#progress-stage'), /Finding the face and scoring/);
      assert.match(await page.textContent('#progress-count'), /Second \d+ of 30/);
      assert.equal(await page.evaluate(() => document.activeElement.id), 'cancel');
      await screenshot(page, 'progress');
      const t0 = Date.now();
      await page.click('#cancel');
      assert.equal(await waitForView(page, ['intake', 'result', 'error'], 10_000), 'intake');
      assert.ok(Date.now() - t0 < 3000, 'the core stopped at the abort flag, the worker was not killed');
      // The page is usable again at once.
      await chooseFile(page, fixtureClip('fixture-after-cancel.mp4', { duration: 3, seed: 6 }));
      assert.equal(await waitForView(page, ['result', 'error']), 'result');
    } finally {
      await context.close();
    }
  });

  test('another model: its metadata sets the geometry; a model that does not fit is refused', async () => {
    const { context, page } = await ready();
    try {
      const cases = [
        [models.mismatch, /does not fit its own geometry/],
        [models.noMetadata, /no "frames"/],
        [models.truncated, /truncated|not an ONNX model/],
      ];
      for (const [path, pattern] of cases) {
        await page.setInputFiles('#model-input', path);
        await page.waitForFunction((name) => {
          const m = document.getElementById('model-message');
          return m.classList.contains('notice-error') && m.textContent.includes(name);
        }, basename(path));
        const text = await page.textContent('#model-message');
        assert.match(text, /This model can’t be used/);
        assert.match(text, pattern);
        assert.match(await page.textContent('#model-name'), /fixture-tiny/, 'the previous model stays in use');
        if (path === models.mismatch) await screenshot(page, 'model-mismatch');
      }
      const copy = join(FIXTURES, 'my-retrained.onnx');
      writeFileSync(copy, readFileSync(models.tiny));
      await page.setInputFiles('#model-input', copy);
      await page.waitForFunction(() => document.getElementById('model-message').classList.contains('notice-success'));
      assert.match(await page.textContent('#model-message'), /“my-retrained\.onnx” loaded.*8×64×64 @ 8 fps/);
      assert.match(await page.textContent('#model-name'), /my-retrained\.onnx/);
    } finally {
      await context.close();
    }
  });

  test('works offline once loaded', async () => {
    const { context, page, outside } = await ready(`${srv.url}?backend=wasm`, { serviceWorkers: 'allow' });
    try {
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready.then(() => true), null, { timeout: 30_000 });
      await page.reload(); // now controlled: everything it loads goes through the cache
      await waitForModel(page);
      await context.setOffline(true);
      await page.reload();
      await waitForModel(page);
      assert.equal(await page.evaluate(() => document.body.dataset.modelReady), 'true');
      await chooseFile(page, fixtureClip('fixture-offline.mp4', { duration: 2, seed: 9 }));
      assert.equal(await waitForView(page, ['result', 'error']), 'result');
      assert.deepEqual(outside, []);
    } finally {
      await context.close();
    }
  });
});

test('a build without the wasm core says so instead of analysing', async () => {
  const root = await site('site-no-core', { core: join(FIXTURES, 'no-such-core'), model: models.tiny, modelName: 'fixture-tiny.onnx (test fixture)' });
  const local = await serve(root);
  const { context, page } = await openPage(browser, `${local.url}?backend=wasm`);
  try {
    await waitForModel(page);
    await chooseFile(page, fixtureClip('fixture-nocore.mp4', { duration: 2, seed: 1 }));
    assert.equal(await waitForView(page, ['result', 'error']), 'error');
    assert.equal(await page.getAttribute('#error', 'data-code'), 'core_missing');
  } finally {
    await context.close();
    await local.close();
  }
});
