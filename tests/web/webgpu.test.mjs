// The ONNX Runtime Web WebGPU path (the `onnxruntime-web/webgpu` build, native WebGPU EP) on
// headless Chromium's SwiftShader adapter (CPU-emulated, hence the tiny test fixture model):
// the same windows must give the scores onnxruntime-node gives.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceScores } from './reference.mjs';
import { chooseFile, fixtureClip, fixtureModels, fixtureSite, launch, openPage, screenshot, serve, waitForModel, waitForView } from './helpers.mjs';

const TOLERANCE = 1e-3;
let browser;
let srv;

before(async () => {
  srv = await serve(await fixtureSite());
  browser = await launch({ webgpu: true });
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

test('WebGPU backend: same scores as onnxruntime-node within 1e-3', async (t) => {
  const { context, page, outside, errors } = await openPage(browser, `${srv.url}?backend=auto`);
  try {
    const hasAdapter = await page.evaluate(async () => Boolean(navigator.gpu && (await navigator.gpu.requestAdapter())));
    if (!hasAdapter) {
      t.skip('this Chromium offers no WebGPU adapter (needs --enable-unsafe-webgpu and SwiftShader)');
      return;
    }
    await waitForModel(page, 240_000);
    assert.equal(await page.evaluate(() => document.body.dataset.backend), 'webgpu', 'automatic choice picks WebGPU when an adapter exists');
    assert.match(await page.textContent('#backend-name'), /^WebGPU/);
    const clip = fixtureClip('fixture-webgpu.mp4', { duration: 5.2, seed: 1, noFaceFrames: [30, 31] });
    const expected = await referenceScores(fixtureModels().tiny, clip);
    await chooseFile(page, clip);
    assert.equal(await waitForView(page, ['result', 'error'], 300_000), 'result');
    const got = await page.evaluate(() => ({
      clip: Number(document.getElementById('verdict-card').dataset.pfake),
      windows: [...document.querySelectorAll('#windows-table tbody tr')].map((r) => Number(r.dataset.score)),
    }));
    assert.equal(got.windows.length, expected.windows.length);
    got.windows.forEach((s, i) => assert.ok(Math.abs(s - expected.windows[i].score) <= TOLERANCE, `window ${i}: ${s} vs ${expected.windows[i].score}`));
    assert.ok(Math.abs(got.clip - expected.aggregate.mean) <= TOLERANCE);
    await page.click('#details-timings summary');
    assert.match(await page.textContent('#timings'), /Network on WebGPU/);
    await screenshot(page, 'result-webgpu');
    assert.deepEqual(outside, []);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
