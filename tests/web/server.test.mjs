// The local server: the headers that make the page private and cross-origin isolated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { CORE, serve, site } from './helpers.mjs';

function get(url, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('server: isolation and privacy headers on every response', async () => {
  const srv = await serve(await site('site-server', { core: CORE, model: null }));
  try {
    assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (const path of ['', 'src/app.js', 'vendor/ort/ort-wasm-simd-threaded.wasm', 'missing.txt']) {
      const res = await get(srv.url + path, 'HEAD');
      assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin', path);
      assert.equal(res.headers['cross-origin-embedder-policy'], 'require-corp', path);
      const csp = res.headers['content-security-policy'];
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /connect-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /https?:|\*|'unsafe-eval'|'unsafe-inline'/, 'no outside origin, no eval');
    }
    const html = await get(srv.url);
    assert.equal(html.status, 200);
    assert.match(html.headers['content-type'], /text\/html/);
    const wasm = await get(srv.url + 'vendor/ort/ort-wasm-simd-threaded.wasm', 'HEAD');
    assert.equal(wasm.headers['content-type'], 'application/wasm');
    assert.equal((await get(srv.url + 'src/app.js', 'HEAD')).headers['content-type'], 'text/javascript; charset=utf-8');
  } finally {
    await srv.close();
  }
});

test('server: nothing outside its folder, no methods but GET/HEAD', async () => {
  const srv = await serve(await site('site-server', { core: CORE, model: null }));
  try {
    assert.equal((await get(srv.url + '../package.json')).status, 404); // normalised by the URL parser
    assert.equal((await get(srv.url + '..%2f..%2fpackage.json')).status, 403);
    assert.equal((await get(srv.url + 'nope.js')).status, 404);
    assert.equal((await get(srv.url, 'POST')).status, 405);
  } finally {
    await srv.close();
  }
});
