// The page reads a dropped File slice by slice (issue 17 item 10): the File goes to the wasm core in
// its worker (core-worker.js), which reads what it needs with FileReaderSync, 1 MiB at a time, instead of copying the
// file into the heap. A 3.8 MB clip whose MP4 index is at the end (a seek to the end, then back)
// gives the windows, scores and verdict of `avlens scan` (the native core reading the file), and
// the worker's reads are slices, never the whole file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { nativeScan } from './native-reference.mjs';
import { assertSameAsScan, pageResult } from './native-parity.mjs';
import { FIXTURES, chooseFile, launch, missingBuilds, openPage, serve, synthClip, tinySite, untrainedModel, waitForModel, waitForView } from './helpers.mjs';

const skip = missingBuilds();
const CHUNK = 1 << 20;  // the core's read size (wasm/embind.cpp)

/** A synthetic clip re-encoded losslessly, intra only (several MB for 4 s), with ffmpeg's default index at the end. */
function largeMoovAtEndClip() {
  const out = join(FIXTURES, 'lossless-intra-moov-at-end-real_3.mp4');
  if (!existsSync(out)) {
    execFileSync('nice', ['ffmpeg', '-v', 'error', '-y', '-i', synthClip('real', 3), '-c:v', 'libx264', '-preset', 'ultrafast',
      '-qp', '0', '-g', '1', '-c:a', 'copy', out], { stdio: 'pipe' });
  }
  return out;
}

describe('page: a File read slice by slice', { skip }, () => {
  let browser;
  let srv;
  before(async () => {
    srv = await serve(await tinySite());
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  test('a clip of several chunks, index at the end: the scores of avlens scan, read in 1 MiB slices', async () => {
    const clip = largeMoovAtEndClip();
    const size = statSync(clip).size;
    assert.ok(size > 3 * CHUNK, `the clip has ${size} bytes`);
    const scan = await nativeScan(clip, untrainedModel('tiny').checkpoint);
    const { context, page, outside, errors } = await openPage(browser, `${srv.url}?backend=wasm`);
    try {
      await waitForModel(page);
      // The core reads the File in its own worker (core-worker.js), which the page starts early.
      let worker;
      for (let i = 0; i < 300 && !worker; i++) {
        worker = page.workers().find((w) => /\/core-worker\.js/.test(w.url()));
        if (!worker) await page.waitForTimeout(100);
      }
      assert.ok(worker, `the core's worker among ${page.workers().map((w) => w.url()).join(', ')}`);
      // Count what the worker reads from the File: each FileReaderSync read and each whole read.
      await worker.evaluate(() => {
        self.avlensReads = { slices: [], whole: 0 };
        const slice = FileReaderSync.prototype.readAsArrayBuffer;
        FileReaderSync.prototype.readAsArrayBuffer = function (blob) {
          self.avlensReads.slices.push(blob.size);
          return slice.call(this, blob);
        };
        const whole = Blob.prototype.arrayBuffer;
        Blob.prototype.arrayBuffer = function () {
          self.avlensReads.whole++;
          return whole.call(this);
        };
      });
      await chooseFile(page, clip);
      assert.equal(await waitForView(page, ['result', 'error']), 'result');
      const got = await pageResult(page);
      assert.equal(got.windows.length, 4, 'a 4 s clip has four 1 s windows');
      assertSameAsScan(got, scan, 'lossless moov-at-end clip');
      const reads = await worker.evaluate(() => self.avlensReads);
      assert.equal(reads.whole, 0, 'the File was never read whole');
      assert.ok(reads.slices.length >= Math.ceil(size / CHUNK), `${reads.slices.length} slices read`);
      assert.ok(Math.max(...reads.slices) <= CHUNK, `largest slice ${Math.max(...reads.slices)} bytes`);
      assert.deepEqual(outside, []);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
