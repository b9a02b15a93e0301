// The detector library (web/src/detector.js) as another site uses it: a plain HTML page that imports
// the module from the built site and calls createDetector / scanFile, with nothing of the avlens
// page around it. Its window scores, clip score, threshold and verdict are those of `avlens scan`
// on the same clip with the same weights; its declared exports are those of detector.d.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, launch, missingBuilds, openPage, serve, site, synthClip, untrainedModel } from './helpers.mjs';
import { nativeScan } from './native-reference.mjs';
import { TOLERANCE } from './native-parity.mjs';

const skip = missingBuilds();

// What a third party writes (docs/LIBRARY.md): no bundler, no avlens page code. The script is a
// file of its own (the site's Content-Security-Policy allows no inline script).
const OUTSIDE_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>A page that uses avlens</title></head>
<body>
<output id="out"></output>
<script type="module" src="outside.js"></script>
</body>
</html>
`;
const OUTSIDE_SCRIPT = `
  import { createDetector } from './src/detector.js';

  const progress = [];
  const detector = await createDetector({ backend: 'wasm', threads: 1, onProgress: (p) => progress.push(p.stage) });
  window.scan = async (url) => {
    const blob = await (await fetch(url)).blob();
    const seen = [];
    const result = await detector.scanFile(new File([blob], url), { onWindow: (w) => seen.push(w.startTime) });
    return {
      progress,
      seen,
      model: { threshold: detector.model.threshold, geometry: detector.model.geometry, verdictSupported: detector.model.verdictSupported },
      backend: detector.backend.name,
      score: result.score,
      threshold: result.threshold,
      verdict: { kind: result.verdict.kind, decision: result.verdict.decision, threshold: result.verdict.threshold },
      windows: result.windows.map((w) => ({ start: w.startTime, score: w.score, heatMap: w.maps.Mhat ? [w.maps.Mhat.height, w.maps.Mhat.width] : null, crop: w.crop?.type ?? null })),
      timeline: result.timeline.map((v) => (Number.isFinite(v) ? v : null)),
      coverage: result.coverage,
    };
  };
  window.closeDetector = async () => {
    await detector.close();
    try {
      await detector.scanFile(new Blob([]));
      return 'scanned after close';
    } catch (err) {
      return err.code;
    }
  };
  document.getElementById('out').textContent = 'ready';
`;

test('package.json exports the library with types that name each of its exports', async () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.deepEqual(pkg.exports['.'], { types: './web/src/detector.d.ts', default: './web/src/detector.js' });
  const lib = await import(pkg.name); // the package's own name resolves through `exports`
  const types = readFileSync(join(ROOT, pkg.exports['.'].types), 'utf8');
  const declared = [...types.matchAll(/^export (?:declare )?(?:function|class|const) (\w+)/gm)].map((m) => m[1]).sort();
  assert.deepEqual(Object.keys(lib).sort(), declared);
  assert.equal(typeof lib.createDetector, 'function');
});

describe('the library on a plain page (real wasm core, exported tiny model)', { skip }, () => {
  let browser;
  let srv;
  let model;
  before(async () => {
    model = untrainedModel('tiny');
    // A site built as for any server (web/build.mjs); the outside page and its clip sit next to it.
    const root = await site('site-library', { model: model.onnx, modelName: model.name, compress: false });
    writeFileSync(join(root, 'outside.html'), OUTSIDE_PAGE);
    writeFileSync(join(root, 'outside.js'), OUTSIDE_SCRIPT);
    copyFileSync(synthClip('desync', 4), join(root, 'clip.mp4'));
    srv = await serve(root);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  test('createDetector + scanFile give the window scores, clip score, threshold and verdict of avlens scan', async () => {
    const { context, page, errors, outside } = await openPage(browser, new URL('outside.html', srv.url).href);
    try {
      await page.waitForFunction(() => document.getElementById('out')?.textContent === 'ready', null, { timeout: 120_000 });
      const got = await page.evaluate(() => window.scan('clip.mp4'));
      const scan = await nativeScan(synthClip('desync', 4), model.checkpoint);
      assert.equal(scan.error, null, `avlens scan failed: ${scan.error}`);
      assert.equal(got.backend, 'wasm');
      assert.deepEqual([...new Set(got.progress)], ['runtime', 'core', 'model', 'warmup']);
      assert.deepEqual(got.windows.map((w) => w.start), scan.windows.map((w) => w.start), 'window starts');
      assert.deepEqual(got.seen, got.windows.map((w) => w.start), 'onWindow saw every window, in order');
      got.windows.forEach((w, i) => assert.ok(Math.abs(w.score - scan.windows[i].score) <= TOLERANCE, `window at ${w.start} s: library ${w.score} vs scan ${scan.windows[i].score}`));
      assert.ok(Math.abs(got.score - scan.score) <= TOLERANCE, `clip score: library ${got.score} vs scan ${scan.score}`);
      assert.ok(Math.abs(got.threshold - scan.threshold) <= 5e-4, `threshold: library ${got.threshold} vs scan ${scan.threshold}`);
      assert.equal(got.threshold, got.model.threshold, 'the model\'s own threshold');
      assert.equal(got.verdict.threshold, got.threshold);
      assert.equal(got.verdict.decision, scan.decision);
      assert.equal(got.coverage.verdictWithheld !== null, scan.coverage.verdict_withheld !== null);
      assert.equal(got.timeline.length, scan.timeline.length, 'one timeline value per second, as scan');
      for (const w of got.windows) {
        assert.deepEqual(w.heatMap?.length, 2, 'a heat map per window');
        assert.equal(w.crop, 'image/png');
      }
      assert.equal(await page.evaluate(() => window.closeDetector()), 'invalid_argument', 'a closed detector refuses to scan');
      assert.deepEqual(errors, []);
      assert.deepEqual(outside, [], 'nothing is fetched from outside the site');
    } finally {
      await context.close();
    }
  });
});
