// Compressed responses (issue 16): web/build.mjs writes F.br and F.gz next to large compressible
// files (`precompress`), and the real server sends one of them when the request accepts it — never
// a stale one, never for a Range request, never one that leads out of the root. No build needed:
// each test serves a temporary root of its own.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { precompress } from '../../web/build.mjs';
import { acceptedEncodings, DEFAULT_ROOT, startServer } from '../../web/server.mjs';

/** A GET (or HEAD) without any decoding: the bytes as they came over the wire. */
function get(url, headers = {}, method = 'GET') {
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolvePromise({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Something shaped like a wasm module: its magic, then repetitive code with some noise (compresses ~3-5x). */
function fakeWasm(bytes) {
  const buf = Buffer.alloc(bytes);
  Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]).copy(buf);
  let seed = 12345;
  for (let i = 8; i < bytes; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    buf[i] = i % 7 === 0 ? seed >>> 24 : (i * 31) % 61;
  }
  return buf;
}

function randomBytes(bytes) {
  const buf = Buffer.alloc(bytes);
  let seed = 777;
  for (let i = 0; i < bytes; i++) {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    buf[i] = seed >>> 24;
  }
  return buf;
}

/** Sets a file's mtime `seconds` from now. */
const age = (path, seconds) => {
  const t = new Date(Date.now() + seconds * 1000);
  utimesSync(path, t, t);
};

describe('build: precompressed copies', () => {
  let dir;
  let rows;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avlens-compress-build-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'core.wasm'), fakeWasm(300_000));
    writeFileSync(join(dir, 'sub', 'page.js'), 'export const x = 1;\n'.repeat(500));
    writeFileSync(join(dir, 'tiny.css'), 'body { margin: 0 }\n');
    writeFileSync(join(dir, 'noise.onnx'), randomBytes(100_000));
    writeFileSync(join(dir, 'photo.png'), fakeWasm(50_000));
    rows = await precompress(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('large compressible files get .br and .gz that decompress to the file', () => {
    for (const f of ['core.wasm', 'sub/page.js']) {
      const original = readFileSync(join(dir, f));
      assert.deepEqual(brotliDecompressSync(readFileSync(join(dir, `${f}.br`))), original, `${f}.br`);
      assert.deepEqual(gunzipSync(readFileSync(join(dir, `${f}.gz`))), original, `${f}.gz`);
      assert.ok(statSync(join(dir, `${f}.br`)).mtimeMs >= statSync(join(dir, f)).mtimeMs, `${f}.br is not older than ${f}`);
      const row = rows.find((r) => r.file === f);
      assert.equal(row.br, statSync(join(dir, `${f}.br`)).size);
    }
  });

  test('files under 1 KB, incompressible ones and other types get none', () => {
    for (const f of ['tiny.css', 'noise.onnx', 'photo.png']) {
      assert.equal(existsSync(join(dir, `${f}.br`)), false, `${f}.br`);
      assert.equal(existsSync(join(dir, `${f}.gz`)), false, `${f}.gz`);
    }
  });

  test('a rebuild keeps fresh copies and rewrites stale ones', async () => {
    const before = statSync(join(dir, 'sub', 'page.js.br')).mtimeMs;
    await precompress(dir);
    assert.equal(statSync(join(dir, 'sub', 'page.js.br')).mtimeMs, before, 'a fresh copy is not rewritten');
    writeFileSync(join(dir, 'sub', 'page.js'), 'export const y = 2;\n'.repeat(600));
    age(join(dir, 'sub', 'page.js'), 60);
    await precompress(dir);
    assert.deepEqual(gunzipSync(readFileSync(join(dir, 'sub', 'page.js.gz'))), readFileSync(join(dir, 'sub', 'page.js')));
    assert.deepEqual(brotliDecompressSync(readFileSync(join(dir, 'sub', 'page.js.br'))), readFileSync(join(dir, 'sub', 'page.js')));
  });
});

describe('server: Accept-Encoding', () => {
  test('br preferred, then gzip; q=0 refuses; * allows', () => {
    assert.deepEqual(acceptedEncodings('gzip, deflate, br, zstd'), ['br', 'gzip']);
    assert.deepEqual(acceptedEncodings('gzip'), ['gzip']);
    assert.deepEqual(acceptedEncodings('br;q=0, gzip;q=0.5'), ['gzip']);
    assert.deepEqual(acceptedEncodings('*'), ['br', 'gzip']);
    assert.deepEqual(acceptedEncodings('gzip;q=0, *'), ['br']);
    assert.deepEqual(acceptedEncodings('identity'), []);
    assert.deepEqual(acceptedEncodings(undefined), []);
  });
});

describe('server: precompressed responses', () => {
  let dir;
  let root;
  let srv;
  let wasm;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avlens-compress-'));
    root = join(dir, 'root');
    mkdirSync(root);
    wasm = fakeWasm(400_000);
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>root</title>');
    for (const f of ['core.wasm', 'stale.wasm', 'stale-br.wasm', 'linked.wasm']) writeFileSync(join(root, f), wasm);
    await precompress(root);
    // stale.wasm: rewritten after its copies were made; stale-br.wasm: only its .br is old.
    age(join(root, 'stale.wasm.br'), -120);
    age(join(root, 'stale.wasm.gz'), -120);
    age(join(root, 'stale-br.wasm.br'), -120);
    age(join(root, 'stale-br.wasm.gz'), 0);
    age(join(root, 'stale-br.wasm'), -60);
    // linked.wasm.br: a symlink out of the root (a brotli stream of something else).
    writeFileSync(join(dir, 'outside.br'), readFileSync(join(root, 'core.wasm.br')));
    rmSync(join(root, 'linked.wasm.br'));
    rmSync(join(root, 'linked.wasm.gz'));
    symlinkSync(join(dir, 'outside.br'), join(root, 'linked.wasm.br'));
    srv = await startServer({ root, port: 0 });
  });
  after(async () => {
    await srv?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('Accept-Encoding: br, gzip gets brotli that decompresses to exactly the file, with the page\'s headers', async () => {
    const res = await get(`${srv.url}core.wasm`, { 'Accept-Encoding': 'br, gzip' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], 'br');
    assert.equal(res.headers['content-type'], 'application/wasm');
    assert.match(res.headers.vary, /Accept-Encoding/i);
    assert.equal(Number(res.headers['content-length']), res.body.length);
    assert.ok(res.body.length < wasm.length / 2, `${res.body.length} bytes sent for ${wasm.length}`);
    assert.deepEqual(brotliDecompressSync(res.body), wasm);
    assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(res.headers['cross-origin-embedder-policy'], 'require-corp');
    assert.match(res.headers['content-security-policy'], /default-src 'none'/);
  });

  test('Accept-Encoding: gzip gets gzip', async () => {
    const res = await get(`${srv.url}core.wasm`, { 'Accept-Encoding': 'gzip, deflate' });
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(Number(res.headers['content-length']), res.body.length);
    assert.deepEqual(gunzipSync(res.body), wasm);
  });

  test('without Accept-Encoding (or with identity only) the file itself', async () => {
    for (const headers of [{}, { 'Accept-Encoding': 'identity' }, { 'Accept-Encoding': 'br;q=0, gzip;q=0' }]) {
      const res = await get(`${srv.url}core.wasm`, headers);
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-encoding'], undefined, JSON.stringify(headers));
      assert.match(res.headers.vary, /Accept-Encoding/i);
      assert.equal(Number(res.headers['content-length']), wasm.length);
      assert.deepEqual(res.body, wasm);
    }
  });

  test('HEAD says the compressed length and encoding, without a body', async () => {
    const res = await get(`${srv.url}core.wasm`, { 'Accept-Encoding': 'br' }, 'HEAD');
    assert.equal(res.headers['content-encoding'], 'br');
    assert.equal(Number(res.headers['content-length']), statSync(join(root, 'core.wasm.br')).size);
    assert.equal(res.body.length, 0);
  });

  test('a copy older than its file is never sent', async () => {
    const res = await get(`${srv.url}stale.wasm`, { 'Accept-Encoding': 'br, gzip' });
    assert.equal(res.headers['content-encoding'], undefined);
    assert.deepEqual(res.body, wasm);
    const gz = await get(`${srv.url}stale-br.wasm`, { 'Accept-Encoding': 'br, gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip', 'a stale .br falls back to a fresh .gz');
    assert.deepEqual(gunzipSync(gz.body), wasm);
  });

  test('a Range request gets the file itself', async () => {
    const res = await get(`${srv.url}core.wasm`, { 'Accept-Encoding': 'br, gzip', Range: 'bytes=0-99' });
    assert.equal(res.headers['content-encoding'], undefined);
    const expected = res.status === 206 ? wasm.subarray(0, 100) : wasm;
    assert.deepEqual(res.body, expected, `status ${res.status}`);
  });

  test('a copy that is a symlink out of the root is not sent', async () => {
    const res = await get(`${srv.url}linked.wasm`, { 'Accept-Encoding': 'br' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.deepEqual(res.body, wasm);
  });

  test('a file without copies is sent as it is', async () => {
    const res = await get(srv.url, { 'Accept-Encoding': 'br, gzip' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(res.body.toString(), '<!doctype html><title>root</title>');
  });
});

// What a first visit downloads (web/README.md, docs/BENCHMARKS.md): the built page (build-web/,
// `npm run build:web` first) in headless Chromium, once per backend, service worker allowed (its
// install caches src/, core/ and the model too); every response the server sends is counted.
// Opt-in (a browser, ~1 min): AVLENS_MEASURE_DOWNLOAD=1 node --test tests/web/server_compression.test.mjs
const MEASURE = process.env.AVLENS_MEASURE_DOWNLOAD === '1';
describe('what a first visit downloads', { skip: !MEASURE && 'set AVLENS_MEASURE_DOWNLOAD=1 (needs build-web/ and Chromium)' }, () => {
  const sizeOf = (p) => (existsSync(p) ? statSync(p).size : null);
  for (const backend of ['wasm', 'webgpu']) {
    test(`${backend} backend`, async (t) => {
      const { launch, waitForModel, ARTIFACTS } = await import('./helpers.mjs');
      const srv = await startServer({ root: DEFAULT_ROOT, port: 0 });
      const sent = [];
      // Runs before the server's own (async) handler writes its head: the headers it sends are seen here.
      srv.server.on('request', (req, res) => {
        const writeHead = res.writeHead;
        let headers = {};
        res.writeHead = (status, h) => {
          headers = h ?? {};
          return writeHead.call(res, status, h);
        };
        res.on('finish', () => {
          const path = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/\/$/, '/index.html');
          const body = res.statusCode === 200 && req.method === 'GET' ? Number(headers['Content-Length'] ?? 0) : 0;
          sent.push({ path, status: res.statusCode, encoding: headers['Content-Encoding'] ?? null, bytes: body, acceptEncoding: req.headers['accept-encoding'] ?? '' });
        });
      });
      const browser = await launch({ webgpu: backend === 'webgpu' });
      try {
        // No request interception (it turns Chromium's HTTP cache off): a visit as a person makes it.
        const context = await browser.newContext({ serviceWorkers: 'allow' });
        const page = await context.newPage();
        await page.goto(`${srv.url}?backend=${backend}`);
        await waitForModel(page, 300_000);
        const ready = await page.evaluate(() => document.body.dataset.modelReady === 'true');
        const engine = await page.evaluate(() => document.body.innerText.match(/WebGPU[^\n]*|WebAssembly[^\n]*/)?.[0] ?? '');
        // The service worker's install (eager cache) runs alongside: wait until the server has been quiet for 3 s.
        for (let n = -1; n !== sent.length; ) {
          n = sent.length;
          await new Promise((r) => setTimeout(r, 3000));
        }
        await context.close();
        const rows = sent.filter((r) => r.status === 200).map((r) => {
          const file = join(DEFAULT_ROOT, r.path);
          return { ...r, identity: sizeOf(file), gzip: sizeOf(`${file}.gz`) ?? sizeOf(file), br: sizeOf(`${file}.br`) ?? sizeOf(file) };
        });
        const total = (k) => rows.reduce((n, r) => n + (r[k] ?? 0), 0);
        const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
        t.diagnostic(`model ready: ${ready}; engine: ${engine}; browser Accept-Encoding: ${[...new Set(sent.map((r) => r.acceptEncoding))].join(' | ')}`);
        for (const r of rows) t.diagnostic(`${r.path}: ${r.identity} identity, sent ${r.bytes} (${r.encoding ?? 'identity'})`);
        t.diagnostic(`not modified (304): ${sent.filter((r) => r.status === 304).map((r) => r.path).join(', ') || 'none'}`);
        t.diagnostic(`${rows.length} responses: identity ${mb(total('identity'))}, gzip ${mb(total('gzip'))}, br ${mb(total('br'))}, sent ${mb(total('bytes'))}`);
        mkdirSync(ARTIFACTS, { recursive: true });
        writeFileSync(join(ARTIFACTS, `first-visit-${backend}.json`), JSON.stringify({ backend, ready, engine, rows }, null, 2) + '\n');
        assert.ok(ready, 'the page loaded its model');
      } finally {
        await browser.close();
        await srv.close();
      }
    });
  }
});
