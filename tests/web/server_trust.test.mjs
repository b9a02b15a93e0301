// The local server as a trust boundary (issue 17, item 13): it serves only files whose real path is
// inside its root (symlinks resolved), answers only requests addressed to its own loopback name and
// port (DNS rebinding), and closes the file of every download the client abandons. No build needed:
// each test serves a temporary root of its own.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../web/server.mjs';

const SERVER = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'web', 'server.mjs');
const SECRET = 'outside the root: must never be served';

/** GET (or another method) with an explicit Host header (`null`: none at all). */
function get(url, { host, method = 'GET' } = {}) {
  const u = new URL(url);
  return new Promise((resolvePromise, reject) => {
    const headers = host === undefined ? {} : host === null ? {} : { Host: host };
    const req = request({ hostname: u.hostname, port: u.port, path: u.pathname, method, headers, setHost: host === undefined }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolvePromise({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A temporary root: index.html, a file, symlinks inside and out, and a file outside it. */
function makeRoot() {
  const dir = mkdtempSync(join(tmpdir(), 'avlens-server-'));
  const root = join(dir, 'root');
  const outside = join(dir, 'outside');
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>root</title>');
  writeFileSync(join(root, 'sub', 'inner.txt'), 'inside');
  writeFileSync(join(outside, 'secret.txt'), SECRET);
  symlinkSync('sub/inner.txt', join(root, 'link-inside.txt'));
  symlinkSync('../outside/secret.txt', join(root, 'link-out.txt'));
  symlinkSync(join(outside, 'secret.txt'), join(root, 'link-out-absolute.txt'));
  symlinkSync('../outside', join(root, 'linkdir'));
  symlinkSync('../../outside', join(root, 'sub', 'up'));
  symlinkSync('/etc/passwd', join(root, 'passwd'));
  symlinkSync('root', join(dir, 'root-link'));
  return { dir, root, outside };
}

describe('server: symlinks do not lead out of the root', () => {
  let t;
  let srv;
  before(async () => {
    t = makeRoot();
    srv = await startServer({ root: t.root, port: 0 });
  });
  after(async () => {
    await srv?.close();
    rmSync(t.dir, { recursive: true, force: true });
  });

  test('files and symlinks inside the root are served', async () => {
    assert.equal((await get(srv.url)).status, 200);
    const inner = await get(`${srv.url}sub/inner.txt`);
    assert.equal(inner.status, 200);
    assert.equal(inner.body, 'inside');
    const link = await get(`${srv.url}link-inside.txt`);
    assert.equal(link.status, 200, 'a symlink to a file inside the root is fine');
    assert.equal(link.body, 'inside');
  });

  for (const path of ['link-out.txt', 'link-out-absolute.txt', 'linkdir/secret.txt', 'sub/up/secret.txt', 'passwd']) {
    test(`${path}: a symlink out of the root is refused (403), its target never sent`, async () => {
      for (const method of ['GET', 'HEAD']) {
        const res = await get(srv.url + path, { method });
        assert.equal(res.status, 403, `${method} ${path}: ${res.status} ${res.body.slice(0, 80)}`);
        assert.doesNotMatch(res.body, /outside the root|root:x:0/);
        assert.equal(res.headers['content-security-policy']?.includes("default-src 'none'"), true, 'the security headers are on refusals too');
      }
    });
  }

  test('a root given through a symlink serves its own files', async () => {
    const viaLink = await startServer({ root: join(t.dir, 'root-link'), port: 0 });
    try {
      assert.equal((await get(`${viaLink.url}sub/inner.txt`)).body, 'inside');
      assert.equal((await get(`${viaLink.url}link-out.txt`)).status, 403);
    } finally {
      await viaLink.close();
    }
  });
});

describe('server: only its own loopback host and port (DNS rebinding)', () => {
  let t;
  let srv;
  let port;
  before(async () => {
    t = makeRoot();
    srv = await startServer({ root: t.root, port: 0 });
    port = new URL(srv.url).port;
  });
  after(async () => {
    await srv?.close();
    rmSync(t.dir, { recursive: true, force: true });
  });

  test('127.0.0.1, localhost and [::1] with the server\'s port are answered', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      const res = await get(`${srv.url}sub/inner.txt`, { host });
      assert.equal(res.status, 200, host);
      assert.equal(res.body, 'inside', host);
    }
  });

  test('any other name, another port, no port or no Host is refused without a byte of the file', async () => {
    const refused = [
      [`evil.example:${port}`, 421],
      [`attacker.127.0.0.1.nip.io:${port}`, 421],
      [`localhost.evil.example:${port}`, 421],
      ['evil.example', 421],
      [`127.0.0.1:${Number(port) + 1}`, 421],
      ['127.0.0.1', 421],
      ['localhost', 421],
      [`127.0.0.2:${port}`, 421],
      [null, 400],
    ];
    for (const [host, status] of refused) {
      for (const method of ['GET', 'HEAD']) {
        const res = await get(`${srv.url}sub/inner.txt`, { host, method });
        assert.equal(res.status, status, `Host ${host} (${method}): ${res.status}`);
        assert.doesNotMatch(res.body, /inside/, `Host ${host}`);
      }
    }
  });
});

/** Open file descriptors of a process (Linux). */
const openFds = (pid) => readdirSync(`/proc/${pid}/fd`).length;

describe('server: an abandoned download does not keep its file open', { skip: !existsSync('/proc/self/fd') && 'no /proc (not Linux)' }, () => {
  const DOWNLOADS = 40;
  let t;
  let child;
  let url;
  before(async () => {
    t = makeRoot();
    // A file far larger than the socket buffers: the server is still sending when the client goes.
    writeFileSync(join(t.root, 'big.bin'), '');
    truncateSync(join(t.root, 'big.bin'), 64 * 1024 * 1024);
    // The real server, as `npm run serve` starts it, in its own process so that its descriptors can be counted.
    child = spawn(process.execPath, [SERVER, '--root', t.root, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    url = await new Promise((resolvePromise, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
        if (m) resolvePromise(m[0]);
      });
      child.stderr.on('data', (d) => (out += d));
      child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
    });
  });
  after(() => {
    child?.kill();
    rmSync(t.dir, { recursive: true, force: true });
  });

  /** Starts a download of big.bin and drops the connection after its first chunk. */
  const abandon = () =>
    new Promise((resolvePromise, reject) => {
      const req = request(`${url}big.bin`, (res) => {
        assert.equal(res.statusCode, 200);
        res.once('data', () => {
          req.destroy();
          resolvePromise();
        });
      });
      req.on('error', (err) => (err.code === 'ECONNRESET' ? resolvePromise() : reject(err)));
      req.end();
    });

  test(`${DOWNLOADS} downloads dropped mid-file leave the server's open descriptors where they were`, async (t) => {
    await get(url); // warm up: the first request opens what the server keeps for good
    await new Promise((r) => setTimeout(r, 200));
    const before = openFds(child.pid);
    for (let i = 0; i < DOWNLOADS; i++) await abandon();
    // The server notices each closed socket on its next write; give it a moment.
    let now = openFds(child.pid);
    for (let waited = 0; now > before + 2 && waited < 5000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
      now = openFds(child.pid);
    }
    t.diagnostic(`open descriptors: ${before} before, ${now} after ${DOWNLOADS} abandoned downloads`);
    assert.ok(now <= before + 2, `${now - before} descriptors more after ${DOWNLOADS} abandoned downloads (${before} -> ${now})`);
    // And the server still serves whole files.
    const whole = await get(`${url}sub/inner.txt`);
    assert.equal(whole.body, 'inside');
  });
});
