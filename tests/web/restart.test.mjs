// After an internal error the page starts a fresh analysis worker (issue 17 item 9), so that nothing
// a failure left in the engine reaches the next clip. The out-of-memory is real: Chromium runs with
// WebAssembly memories capped at 128 MiB (V8's --wasm-max-mem-pages, as on a device with little
// memory), where an ordinary clip fits and a 6000x6000 VP8 one does not.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, chooseFile, launch, missingBuilds, openPage, serve, synthClip, tinySite, waitForModel, waitForView } from './helpers.mjs';
import { pageResult } from './native-parity.mjs';

const skip = missingBuilds();
const WASM_PAGES = 2048; // 64 KiB pages: 128 MiB for each WebAssembly memory

/**
 * Half a second of a synthetic talking face scaled to 6000x6000 (4 fps), as VP8 in WebM: more than
 * the capped core can hold: it fails as `internal` "out of memory" (a std::bad_alloc in the core,
 * wasm/embind.cpp). H.264 at this size drops the frames it cannot allocate as damaged ones instead
 * (the clip reads as `unreadable`, truncated).
 */
function hugeClip() {
  const out = join(FIXTURES, 'face-6000x6000-vp8.webm');
  if (!existsSync(out)) {
    mkdirSync(FIXTURES, { recursive: true });
    execFileSync('nice', ['ffmpeg', '-v', 'error', '-y', '-t', '0.5', '-i', synthClip('real', 3), '-vf', 'scale=6000:6000,fps=4', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '16', '-b:v', '2M', '-c:a', 'libopus', out], { stdio: 'pipe' });
  }
  return out;
}

describe('the page after the analysis engine runs out of memory', { skip }, () => {
  let browser;
  let srv;
  before(async () => {
    srv = await serve(await tinySite());
    browser = await launch({ args: [`--js-flags=--wasm-max-mem-pages=${WASM_PAGES}`] });
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  // Without the restarts (worker-client.js, detector.js) the ordinary clip still scores, since the
  // library closes the failed clip's reader (docs/RELIABILITY.md §9); the worker count checks the restart.
  test('an out-of-memory failure is reported, then an ordinary clip is checked in the same page', async (t) => {
    const { context, page } = await openPage(browser, `${srv.url}?backend=wasm`);
    try {
      // Dedicated workers the page starts (ONNX Runtime's threads are workers too: not counted).
      const workers = [];
      page.on('worker', (w) => workers.push(w.url()));
      const analysisWorkers = () => workers.filter((u) => /\/src\/worker\.js$/.test(u)).length;
      await waitForModel(page);
      assert.equal(await page.evaluate(() => document.body.dataset.modelReady), 'true', 'the tiny model loads under the cap');
      const before = analysisWorkers();
      await chooseFile(page, hugeClip());
      assert.equal(await waitForView(page, ['result', 'error']), 'error');
      assert.equal(await page.getAttribute('#error', 'data-code'), 'internal');
      const detail = await page.textContent('#error-detail');
      t.diagnostic(`the huge clip: ${detail.trim()}`);
      assert.match(detail, /out of memory/i, 'the engine ran out of memory');

      // The same page, the next clip, analysed by the fresh worker.
      await chooseFile(page, synthClip('real', 3));
      assert.equal(await waitForView(page, ['result', 'error']), 'result', `the ordinary clip after the failure: ${await page.textContent('#error-detail').catch(() => '')}`);
      assert.equal(analysisWorkers(), before + 1, `a fresh analysis worker replaced the one that failed (workers started: ${JSON.stringify(workers)})`);
      const got = await pageResult(page);
      assert.equal(got.windows.length, 4, 'every window of the 4 s clip is scored');
      assert.ok(got.windows.every((w) => Number.isFinite(w.score)));
    } finally {
      await context.close();
    }
  });
});
