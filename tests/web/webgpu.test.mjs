// The ONNX Runtime Web WebGPU path (the `onnxruntime-web/webgpu` build, native WebGPU EP) on
// headless Chromium's SwiftShader adapter (CPU-emulated: hence the tiny model and 2 s clips),
// with the real wasm core:
// - a real and a fake clip from `avlens synth` get the windows, scores and verdict of
//   `avlens scan` (same weights: `avlens export --untrained tiny --save-checkpoint`);
// - node placement of the exported model (issue 5, WebGPU-ready graph): from the session's
//   verbose log, which nodes ONNX Runtime puts on the CPU instead of WebGPU. The expected list
//   is pinned below so that a change (a regression, or a fix in the export) is visible;
// - "Automatic" does not pick the software adapter (WASM is far faster); WebGPU asked for by name does.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeScan } from './native-reference.mjs';
import { countOps, webgpuPlacements } from './ort-placement.mjs';
import { assertSameAsScan, pageResult } from './native-parity.mjs';
import { ARTIFACTS, chooseFile, launch, missingBuilds, openPage, screenshot, serve, synthClip, tinySite, untrainedModel, waitForModel, waitForView } from './helpers.mjs';

// The nodes of the exported model that ORT Web 1.30's WebGPU EP leaves to the CPU: none. (GroupNorm
// is exported with constant reshape shapes and the attention map with a constant view, so the graph
// has no Shape -> Gather shape arithmetic, which the WebGPU EP cannot run.)
const EXPECTED_CPU_NODES = {};

const skip = missingBuilds();

describe('WebGPU backend (SwiftShader)', { skip }, () => {
  let browser;
  let srv;
  let hasAdapter = false;
  before(async () => {
    srv = await serve(await tinySite());
    browser = await launch({ webgpu: true });
    const { context, page } = await openPage(browser, `${srv.url}build-info.json`);
    hasAdapter = await page.evaluate(async () => Boolean(navigator.gpu && (await navigator.gpu.requestAdapter())));
    await context.close();
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  test('node placement of the exported model: every node runs on WebGPU', async (t) => {
    if (!hasAdapter) return t.skip('this Chromium offers no WebGPU adapter (needs --enable-unsafe-webgpu and SwiftShader)');
    const { context, page } = await openPage(browser, `${srv.url}build-info.json`);
    try {
      const { outputs, placed, log } = await webgpuPlacements(page);
      assert.deepEqual(outputs, ['score', 'distance', 'attention', 'weighted']);
      writeFileSync(join(ARTIFACTS, 'webgpu-session-verbose.log'), log.join('\n') + '\n');
      assert.ok(placed.WebGpuExecutionProvider?.length > 0, 'the verbose log lists the node placements');
      const cpu = placed.CPUExecutionProvider ?? [];
      t.diagnostic(`WebGPU: ${placed.WebGpuExecutionProvider.length} nodes ${JSON.stringify(countOps(placed.WebGpuExecutionProvider))}`);
      t.diagnostic(`CPU: ${cpu.length} nodes: ${cpu.map((n) => `${n.op} (${n.name})`).join(', ')}`);
      assert.deepEqual(countOps(cpu), EXPECTED_CPU_NODES, 'nodes on the CPU (update EXPECTED_CPU_NODES and docs/TEAM_NOTES.md when the export changes)');
      assert.ok(placed.WebGpuExecutionProvider.length >= 100, 'the whole network (>= 100 nodes) is on WebGPU');
    } finally {
      await context.close();
    }
  });

  test('"Automatic" passes over a software adapter (SwiftShader) and says so', async (t) => {
    if (!hasAdapter) return t.skip('this Chromium offers no WebGPU adapter (needs --enable-unsafe-webgpu and SwiftShader)');
    const { context, page, errors } = await openPage(browser, `${srv.url}?backend=auto`);
    try {
      const info = await page.evaluate(async () => {
        const a = await navigator.gpu.requestAdapter();
        const i = a.info ?? {};
        return { vendor: i.vendor, architecture: i.architecture, description: i.description, isFallbackAdapter: i.isFallbackAdapter ?? a.isFallbackAdapter };
      });
      t.diagnostic(`adapter: ${JSON.stringify(info)}`);
      await waitForModel(page, 240_000);
      assert.equal(await page.evaluate(() => document.body.dataset.backend), 'wasm', `automatic choice on ${JSON.stringify(info)}`);
      assert.match(await page.textContent('#backend-name'), /^WebAssembly/);
      const skipped = await page.getAttribute('#backend-name', 'data-skipped');
      assert.match(skipped ?? '', /software one \(.+\), slower than WebAssembly/);
      assert.match(await page.getAttribute('#backend-name', 'title'), /^WebGPU not used: /);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('a real and a fake synthetic clip: the windows, scores and verdict of avlens scan', async (t) => {
    if (!hasAdapter) return t.skip('this Chromium offers no WebGPU adapter (needs --enable-unsafe-webgpu and SwiftShader)');
    const model = untrainedModel('tiny');
    const { context, page, outside, errors } = await openPage(browser, `${srv.url}?backend=webgpu`);
    try {
      await waitForModel(page, 240_000);
      assert.equal(await page.evaluate(() => document.body.dataset.backend), 'webgpu', 'WebGPU asked for by name runs on the software adapter');
      assert.match(await page.textContent('#backend-name'), /^WebGPU/);
      for (const [kind, seed] of [['real', 21], ['desync', 22]]) {
        const clip = synthClip(kind, seed, { seconds: 2 });
        const scan = await nativeScan(clip, model.checkpoint);
        await chooseFile(page, clip);
        assert.equal(await waitForView(page, ['result', 'error'], 300_000), 'result', kind);
        const got = await pageResult(page);
        assert.equal(got.backend, 'webgpu');
        assert.equal(got.windows.length, 2, `${kind}: a 2 s clip has two windows`);
        const maxDiff = assertSameAsScan(got, scan, kind);
        t.diagnostic(`${kind}: page ${got.score.toFixed(6)} (${got.decision}), scan ${scan.score.toFixed(6)} (${scan.verdict ?? `no verdict, ${scan.decision} side`}), largest difference ${maxDiff.toExponential(2)}`);
        await screenshot(page, `result-webgpu-${kind}`);
      }
      await page.click('#details-timings summary');
      assert.match(await page.textContent('#timings'), /Network on WebGPU/);
      await screenshot(page, 'result-webgpu');
      assert.deepEqual(outside, []);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
