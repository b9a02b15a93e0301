// A first visit downloads each file once (issue 16: "the model is downloaded twice on a first
// visit": the service worker's install fetched model/ while the page fetched it too; so it did the
// core and the page's modules, src/ and core/). A fresh
// browser context opens the page with its service worker allowed; every request for the model,
// the page's and the service worker's, is counted twice over: as Playwright's network events (a
// response not answered by the service worker) and as the requests the server received. Then the model must still be kept for offline use (Cache
// Storage), which the service worker's own fetch no longer does on a first visit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { MODEL_URL } from '../../web/build.mjs';
import { CORE, launch, missingBuilds, serve, SHIPPED_MODEL, site, untrainedModel, waitForModel } from './helpers.mjs';

const skip = missingBuilds();

describe('first visit: each file is downloaded once', { skip }, () => {
  let browser;
  let srv;

  before(async () => {
    const model = existsSync(SHIPPED_MODEL) ? { onnx: SHIPPED_MODEL, name: 'avlens default model' } : untrainedModel('tiny');
    const root = await site('site-first-visit', { core: CORE, model: model.onnx, modelName: model.name });
    srv = await serve(root);
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  test('one request for the model (page and service worker together), and the model is kept for offline use', async (t) => {
    const atServer = [];
    const downloads = new Map(); // every URL (path and query) the server sent whole (200), and how often
    const onRequest = (req, res) => {
      const { pathname: path, search } = new URL(req.url, 'http://x');
      if (path === `/${MODEL_URL}`) atServer.push(req.headers['service-worker'] ?? req.headers['sec-fetch-dest'] ?? '');
      res.on('finish', () => {
        if (req.method === 'GET' && res.statusCode === 200) downloads.set(path + search, (downloads.get(path + search) ?? 0) + 1);
      });
    };
    srv.server.on('request', onRequest);
    // No request interception (it turns Chromium's HTTP cache off): a visit as a person makes it.
    const context = await browser.newContext({ serviceWorkers: 'allow' });
    try {
      // Network requests: a page's request that the service worker answered is not one (the worker's
      // own request, if it made one, is counted as such).
      const seen = [];
      context.on('response', (r) => {
        if (new URL(r.url()).pathname === `/${MODEL_URL}` && !r.fromServiceWorker()) seen.push(r.request().serviceWorker() ? 'service worker' : 'page');
      });
      const page = await context.newPage();
      await page.goto(`${srv.url}?backend=wasm`);
      await waitForModel(page);
      assert.equal(await page.evaluate(() => document.body.dataset.modelReady), 'true');
      // The service worker installs and activates alongside; wait until it runs and has kept the model.
      let kept = false;
      for (const deadline = Date.now() + 60_000; !kept && Date.now() < deadline; await page.waitForTimeout(250)) {
        kept = await page.evaluate(async (url) => {
          const reg = await navigator.serviceWorker.ready;
          return reg.active?.state === 'activated' && (await caches.match(url)) !== undefined;
        }, MODEL_URL);
      }
      // Anything the install would still fetch has had time to ask for it.
      await page.waitForTimeout(1500);
      t.diagnostic(`model requests: Playwright ${JSON.stringify(seen)}; server ${atServer.length}`);
      assert.equal(seen.length, 1, `the model was requested ${seen.length} times: ${seen.join(', ')}`);
      assert.equal(atServer.length, 1, `the server was asked for the model ${atServer.length} times`);
      // Every file, not only the model (issue 16: the 1.5 MB core was downloaded twice as well):
      // a revalidation (304) is not a download.
      const twice = [...downloads].filter(([, n]) => n > 1).map(([path, n]) => `${path} x${n}`);
      t.diagnostic(`${downloads.size} files downloaded`);
      assert.ok(downloads.has('/core/avlens_core.wasm'), `the core was downloaded (${[...downloads.keys()].join(', ')})`);
      assert.deepEqual(twice, [], 'each file is downloaded once on a first visit');
      assert.ok(kept, 'the model is in Cache Storage after the first visit (for offline use)');
      const cachedBytes = await page.evaluate(async (url) => (await (await caches.match(url)).arrayBuffer()).byteLength, MODEL_URL);
      const servedBytes = await page.evaluate(async (url) => (await (await fetch(url, { cache: 'no-store' })).arrayBuffer()).byteLength, MODEL_URL);
      assert.equal(cachedBytes, servedBytes, 'the kept model is the whole file');
    } finally {
      srv.server.off('request', onRequest);
      await context.close();
    }
  });
});
