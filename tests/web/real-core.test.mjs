// The page with the real wasm core (build-wasm/) against the native build: the same clip gives
// the same window scores (native windows scored by onnxruntime-node; also `avlens scan` when
// AVLENS_SCAN_CHECKPOINT names the checkpoint of the tested model) within
// 1e-3, and every bad input gives the error the native core gives, with its message on the page.
// Skipped, with the reason, until build-wasm/avlens_core.js and build/bin/avlens exist.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { messageFor } from '../../web/src/messages.js';
import { AVLENS, nativeScan, nativeWindowScores } from './native-reference.mjs';
import { ROOT, badInputs, chooseFile, fixtureModels, launch, openPage, screenshot, serve, site, waitForModel, waitForView } from './helpers.mjs';

const TOLERANCE = 1e-3;
const CORE = join(ROOT, 'build-wasm');
const SHIPPED_MODEL = join(ROOT, 'web', 'model', 'avlens.onnx');
const SHARED_MEDIA = join(ROOT, '..', 'shared', 'media');

const missing = [
  !existsSync(join(CORE, 'avlens_core.js')) && 'build-wasm/avlens_core.js (the wasm core) is not built',
  !existsSync(AVLENS) && `${AVLENS} (the native CLI) is not built`,
].filter(Boolean);
const skip = missing.length ? missing.join('; ') : false;

// The default model when it exists; else the small test fixture (fast, same interface).
const model = existsSync(SHIPPED_MODEL) ? { path: SHIPPED_MODEL, name: 'avlens default model' } : { path: null, name: 'fixture-tiny.onnx (test fixture)' };

/** Clips with faces: the shared development clips when this checkout sits next to them. */
function faceClips() {
  if (!existsSync(SHARED_MEDIA)) return [];
  return readdirSync(SHARED_MEDIA).filter((f) => f.endsWith('.mp4')).map((f) => join(SHARED_MEDIA, f));
}

describe('page with the real wasm core', { skip }, () => {
  let browser;
  let srv;
  let modelPath;
  before(async () => {
    modelPath = model.path ?? fixtureModels().tiny;
    const root = await site('site-real', { core: CORE, model: modelPath, modelName: model.name });
    srv = await serve(root);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  test('clips with faces: page scores = native windows scored by onnxruntime-node (WASM backend)', async (t) => {
    const clips = faceClips();
    if (!clips.length) return t.skip(`no clips with faces here (${SHARED_MEDIA} is absent)`);
    const { context, page, outside, errors } = await openPage(browser, `${srv.url}?backend=wasm`);
    try {
      await waitForModel(page);
      assert.equal(await page.isVisible('#fixture-banner'), false);
      for (const clip of clips) {
        await t.test(basename(clip), async (c) => {
          const expected = await nativeWindowScores(modelPath, clip);
          assert.equal(expected.error, undefined, `native: ${expected.message}`);
          await chooseFile(page, clip);
          const view = await waitForView(page, ['result', 'error'], 600_000);
          assert.equal(view, 'result', view === 'error' ? await page.textContent('#error-detail') : view);
          const got = await page.evaluate(() => ({
            clip: Number(document.getElementById('verdict-card').dataset.pfake),
            windows: [...document.querySelectorAll('#windows-table tbody tr')].map((r) => ({ start: Number(r.dataset.start), score: Number(r.dataset.score) })),
          }));
          assert.equal(got.windows.length, expected.windows.length);
          let maxDiff = 0;
          got.windows.forEach((w, i) => {
            assert.ok(Math.abs(w.start - expected.windows[i].startTime) < 1e-6, `window ${i} start`);
            maxDiff = Math.max(maxDiff, Math.abs(w.score - expected.windows[i].score));
            assert.ok(Math.abs(w.score - expected.windows[i].score) <= TOLERANCE, `window ${i}: ${w.score} vs native ${expected.windows[i].score}`);
          });
          assert.ok(Math.abs(got.clip - expected.mean) <= TOLERANCE, `${got.clip} vs native ${expected.mean}`);
          const scan = await nativeScan(clip);
          if (scan) assert.ok(Math.abs(got.clip - scan.score) <= TOLERANCE, `${got.clip} vs avlens scan ${scan.score}`);
          c.diagnostic(`page ${got.clip.toFixed(6)}, native ${expected.mean.toFixed(6)}, max window difference ${maxDiff.toExponential(2)}${scan ? `, scan ${scan.score}` : ''}`);
          await screenshot(page, `real-${basename(clip, '.mp4')}`);
        });
      }
      assert.deepEqual(outside, []);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('bad inputs: the page shows the message of the error the core gives', async (t) => {
    const { context, page } = await openPage(browser, `${srv.url}?backend=wasm`);
    try {
      await waitForModel(page);
      for (const [name, path, pageExpect] of badInputs()) {
        const native = await nativeWindowScores(modelPath, path);
        const expected = pageExpect ?? native.error;
        assert.ok(expected, `${name}: native accepted it, so there is no error to expect`);
        if (pageExpect && native.error && pageExpect !== 'unsupported_codec') assert.equal(native.error, pageExpect, `${name}: native error`);
        await chooseFile(page, path);
        assert.equal(await waitForView(page, ['result', 'error'], 120_000), 'error', name);
        assert.equal(await page.getAttribute('#error', 'data-code'), expected, `${name}: ${await page.textContent('#error-detail')}`);
        assert.equal(await page.textContent('#error-title'), messageFor(expected).title);
        t.diagnostic(`${name}: ${expected} (native: ${native.error ?? 'accepted'})`);
      }
    } finally {
      await context.close();
    }
  });
});
