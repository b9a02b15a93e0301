// scanFile overlaps the wasm core and the network (issue 14 item 2): the core makes a clip's windows
// in a worker of its own (web/src/core-worker.js) while the network scores the ones before, with at
// most `queueLimit` windows made and not yet scored. Checked through the library on a plain page:
// the window scores, heat maps, clip score, coverage and verdict are those of the old way (the core
// and the network taking turns on one thread, `overlap: false`), the queue never holds more than
// its limit (the result's `pipeline` stats), and cancel and a bad clip behave as before.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, missingBuilds, openPage, serve, site, synthClip, untrainedModel } from './helpers.mjs';

const skip = missingBuilds();

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>avlens scanFile overlap</title></head>
<body>
<output id="out"></output>
<script type="module" src="overlap.js"></script>
</body>
</html>
`;
const SCRIPT = `
  import { createDetector } from './src/detector.js';

  const detector = await createDetector({ backend: 'wasm', threads: 1 });
  const fileOf = async (url) => new File([await (await fetch(url)).blob()], url);
  window.scan = async (url, options) => {
    const progress = [];
    try {
      const r = await detector.scanFile(await fileOf(url), { crops: false, onProgress: (p) => progress.push(p.stage), ...options });
      return {
        windows: r.windows.map((w) => ({ start: w.startTime, score: w.score, boxes: w.boxes, mhat: w.maps.Mhat ? Array.from(w.maps.Mhat.data) : null })),
        score: r.score,
        decision: r.verdict.decision,
        coverage: r.coverage,
        timeline: r.timeline.map((v) => (Number.isFinite(v) ? v : null)),
        report: { frames: r.report.frames, windows: r.report.windows, audioSamples: r.report.audioSamples },
        clipDuration: r.clip.duration,
        pipeline: r.pipeline,
        progress: [...new Set(progress)],
      };
    } catch (err) {
      return { error: { code: err.code, message: err.message } };
    }
  };
  // Cancels as soon as the first window is scored.
  window.scanAndCancel = async (url) => {
    const controller = new AbortController();
    const seen = [];
    try {
      await detector.scanFile(await fileOf(url), { crops: false, signal: controller.signal, onWindow: (w) => { seen.push(w.startTime); controller.abort(); } });
      return { seen, code: null };
    } catch (err) {
      return { seen, code: err.code };
    }
  };
  document.getElementById('out').textContent = 'ready';
`;

describe('scanFile with the core in its own worker (real wasm core, exported tiny model)', { skip }, () => {
  let browser;
  let srv;
  let context;
  let page;
  const workers = [];
  before(async () => {
    const model = untrainedModel('tiny');
    const root = await site('site-overlap', { model: model.onnx, modelName: model.name, compress: false });
    writeFileSync(join(root, 'overlap.html'), PAGE);
    writeFileSync(join(root, 'overlap.js'), SCRIPT);
    copyFileSync(synthClip('desync', 4), join(root, 'clip.mp4')); // 4 s: 4 windows of the tiny model
    writeFileSync(join(root, 'garbage.mp4'), Buffer.from('definitely not a video file\n'.repeat(200)));
    srv = await serve(root);
    browser = await launch();
    ({ context, page } = await openPage(browser, new URL('overlap.html', srv.url).href));
    page.on('worker', (w) => workers.push(w.url()));
    await page.waitForFunction(() => document.getElementById('out')?.textContent === 'ready', null, { timeout: 120_000 });
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await srv?.close();
  });

  const coreWorkers = () => workers.filter((u) => /\/src\/core-worker\.js$/.test(u)).length;

  test('the same window scores, heat maps, clip score, coverage and verdict as the core and the network taking turns', async () => {
    const turns = await page.evaluate(() => window.scan('clip.mp4', { overlap: false }));
    const overlap = await page.evaluate(() => window.scan('clip.mp4'));
    assert.equal(turns.error, undefined, JSON.stringify(turns.error));
    assert.equal(overlap.error, undefined, JSON.stringify(overlap.error));
    assert.equal(overlap.windows.length, 4);
    assert.deepEqual(overlap.windows, turns.windows, 'window starts, scores, boxes and heat maps');
    for (const key of ['score', 'decision', 'coverage', 'timeline', 'report', 'clipDuration', 'progress']) assert.deepEqual(overlap[key], turns[key], key);
    assert.deepEqual(turns.pipeline, { overlap: false, queueLimit: null, maxQueued: null, coreWaitedMs: null, networkWaitedMs: null });
    assert.equal(overlap.pipeline.overlap, true);
    assert.equal(overlap.pipeline.queueLimit, 3);
    assert.ok(overlap.pipeline.maxQueued >= 1 && overlap.pipeline.maxQueued <= 3, `most windows queued: ${overlap.pipeline.maxQueued}`);
    assert.ok(coreWorkers() >= 1, `the windows were made in core-worker.js (workers: ${JSON.stringify(workers)})`);
  });

  test('the queue never holds more windows than its limit', async () => {
    const reference = await page.evaluate(() => window.scan('clip.mp4', { overlap: false }));
    for (const queueLimit of [1, 2]) {
      const got = await page.evaluate((limit) => window.scan('clip.mp4', { queueLimit: limit }), queueLimit);
      assert.equal(got.error, undefined, JSON.stringify(got.error));
      // With a limit of 1 the core makes a window only once the one before is scored: exactly 1.
      if (queueLimit === 1) assert.equal(got.pipeline.maxQueued, 1);
      else assert.ok(got.pipeline.maxQueued >= 1 && got.pipeline.maxQueued <= queueLimit, `limit ${queueLimit}: ${got.pipeline.maxQueued} queued`);
      assert.deepEqual(got.windows.map((w) => w.score), reference.windows.map((w) => w.score), `scores with queueLimit ${queueLimit}`);
    }
    const refused = await page.evaluate(() => window.scan('clip.mp4', { queueLimit: 0 }));
    assert.equal(refused.error?.code, 'invalid_argument');
  });

  test('a bad clip gives the same error either way, and the next clip is scanned', async () => {
    const turns = await page.evaluate(() => window.scan('garbage.mp4', { overlap: false }));
    const overlap = await page.evaluate(() => window.scan('garbage.mp4'));
    assert.ok(turns.error, 'the garbage clip is refused');
    assert.deepEqual(overlap.error, turns.error);
    const next = await page.evaluate(() => window.scan('clip.mp4'));
    assert.equal(next.windows?.length, 4, JSON.stringify(next.error));
  });

  test('a cancel stops the scan, a fresh core worker takes the next clip, and it gives the same scores', async () => {
    const before = coreWorkers();
    const cancelled = await page.evaluate(() => window.scanAndCancel('clip.mp4'));
    assert.deepEqual(cancelled, { seen: [0], code: 'aborted' });
    const next = await page.evaluate(() => window.scan('clip.mp4'));
    const reference = await page.evaluate(() => window.scan('clip.mp4', { overlap: false }));
    assert.deepEqual(next.windows, reference.windows);
    assert.equal(coreWorkers(), before + 1, 'the cancelled scan\'s core worker was ended and a fresh one started');
  });
});
