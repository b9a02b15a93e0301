// A tiny static server for the avlens page: files from one folder, bound to 127.0.0.1 only,
// with the headers the page needs (cross-origin isolation for WebAssembly threads) and a
// Content-Security-Policy that allows no connection outside this origin.
//
//   node web/server.mjs [--root build-web] [--port 8080] [--host 127.0.0.1]
//
// Also importable: `startServer({ root, port })` resolves to { server, url, close() } (tests).
//
// Trust boundary (docs/RELIABILITY.md, "The local page server"): only files whose real path (every
// symlink resolved) is inside the root are served; a request whose Host is not this server's own
// loopback name and port is refused (DNS rebinding); every opened file is closed when its response
// ends, fails or is abandoned by the client.
//
// Compression (issue 16): web/build.mjs writes F.br and F.gz next to large compressible files; a
// request for F whose Accept-Encoding allows br (preferred) or gzip gets that copy, with
// Content-Encoding, Vary: Accept-Encoding and F's own Content-Type — only when the copy is not older
// than F (a stale copy is never sent) and passes the same root check as F. A Range request always gets F.
import { createServer } from 'node:http';
import { stat, open, readlink, realpath } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { extname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const DEFAULT_ROOT = resolve(HERE, '..', 'build-web');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

// Everything the page loads comes from its own origin; blob: is for the chosen video, the
// heat-map crops and ORT's worker bootstrap; WebAssembly compilation needs 'wasm-unsafe-eval'
// (not 'unsafe-eval': no JavaScript eval anywhere).
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "style-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

export const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
};

function send(res, status, body, headers = {}) {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

// The encodings the build writes, in the order this server prefers them.
export const ENCODINGS = [
  { name: 'br', ext: '.br' },
  { name: 'gzip', ext: '.gz' },
];
const COMPRESSIBLE = new Set(['.wasm', '.js', '.mjs', '.onnx', '.json', '.html', '.css', '.svg', '.webmanifest']);

/** The encodings an Accept-Encoding header allows, in this server's order (q=0 refuses; `*` allows the rest). */
export function acceptedEncodings(header) {
  if (!header) return [];
  const q = new Map();
  for (const part of String(header).split(',')) {
    const [token, ...params] = part.trim().toLowerCase().split(';');
    if (!token) continue;
    let weight = 1;
    for (const p of params) {
      const m = p.trim().match(/^q=([0-9.]+)$/);
      if (m) weight = Number(m[1]);
    }
    q.set(token, Number.isFinite(weight) ? weight : 0);
  }
  const star = q.get('*');
  return ENCODINGS.filter((e) => (q.has(e.name) ? q.get(e.name) > 0 : star !== undefined && star > 0)).map((e) => e.name);
}

const inside = (root, path) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

// The names a browser on this machine uses for a loopback server. A page on any other name that
// resolves to 127.0.0.1 (DNS rebinding) gets 421 and never reads a file.
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** The Host values this server answers: its loopback names (and the address it is bound to) with its port. */
export function allowedHosts(host, port) {
  const names = new Set(LOOPBACK_NAMES);
  // A server bound to another literal address (--host 192.168.1.5) also answers that address;
  // an IP literal cannot be rebound. A name (or the wildcard address) adds nothing.
  if (isIP(host) === 4) names.add(host);
  else if (isIP(host) === 6 && host !== '::') names.add(`[${host.toLowerCase()}]`);
  names.delete('0.0.0.0');
  const hosts = new Set();
  for (const n of names) {
    hosts.add(`${n}:${port}`);
    if (port === 80) hosts.add(n); // the browser leaves the default port out
  }
  return hosts;
}

/**
 * Opens `file` for reading only if its real path is inside `root` (a real path itself). The check
 * is made on the opened file (/proc/self/fd on Linux), so a symlink swapped in between the check and
 * the open cannot lead outside; elsewhere the path is resolved just before opening.
 * Returns the FileHandle, or null (missing, or outside the root: the caller answers 403/404).
 */
async function openInside(root, file) {
  let real;
  try {
    real = await realpath(file);
  } catch {
    return { status: 404 };
  }
  if (!inside(root, real)) return { status: 403 };
  let fh;
  try {
    fh = await open(real, 'r');
  } catch {
    return { status: 404 };
  }
  try {
    let opened = null;
    try {
      opened = await readlink(`/proc/self/fd/${fh.fd}`);
    } catch {
      opened = null; // no /proc: the realpath above is the check
    }
    if (opened !== null && isAbsolute(opened) && !inside(root, opened)) {
      await fh.close();
      return { status: 403 };
    }
    return { fh };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * The first of `encodings` whose copy of `file` (F.br, F.gz) is a regular file inside the root and
 * not older than F (`info`, F's stat): { fh, encoding, size }, or null (send F itself).
 */
async function openVariant(root, file, info, encodings) {
  for (const name of encodings) {
    const enc = ENCODINGS.find((e) => e.name === name);
    const opened = await openInside(root, file + enc.ext);
    if (!opened.fh) continue;
    let v;
    try {
      v = await opened.fh.stat();
    } catch (err) {
      await opened.fh.close();
      throw err;
    }
    if (v.isFile() && v.mtimeMs >= info.mtimeMs) return { fh: opened.fh, encoding: name, size: v.size };
    await opened.fh.close();
  }
  return null;
}

async function handle(root, hosts, req, res) {
  const host = String(req.headers.host ?? '').toLowerCase();
  if (!host) return send(res, 400, 'bad request: no Host header');
  if (!hosts.has(host)) return send(res, 421, 'misdirected request: this server answers only its own loopback address');
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
  } catch {
    return send(res, 400, 'bad request');
  }
  if (pathname.includes('\0')) return send(res, 400, 'bad request');
  if (pathname.endsWith('/')) pathname += 'index.html';
  const file = normalize(join(root, pathname));
  if (!inside(root, file)) return send(res, 403, 'forbidden');
  const opened = await openInside(root, file);
  if (!opened.fh) return opened.status === 403 ? send(res, 403, 'forbidden') : send(res, 404, 'not found');
  const { fh } = opened;
  let info;
  try {
    info = await fh.stat();
  } catch (err) {
    await fh.close();
    throw err;
  }
  if (!info.isFile()) {
    await fh.close();
    return send(res, 404, 'not found');
  }
  const ext = extname(file).toLowerCase();
  const headers = {
    ...SECURITY_HEADERS,
    'Content-Type': MIME[ext] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Cache-Control': 'no-cache',
    'Last-Modified': info.mtime.toUTCString(),
  };
  let body = fh;
  if (COMPRESSIBLE.has(ext)) {
    headers.Vary = 'Accept-Encoding';
    // A byte range is a range of F itself: never of a compressed copy.
    const wanted = req.headers.range ? [] : acceptedEncodings(req.headers['accept-encoding']);
    let variant;
    try {
      variant = await openVariant(root, file, info, wanted);
    } catch (err) {
      await fh.close();
      throw err;
    }
    if (variant) {
      await fh.close();
      body = variant.fh;
      headers['Content-Encoding'] = variant.encoding;
      headers['Content-Length'] = variant.size;
    }
  }
  const notModified = req.headers['if-modified-since'] && new Date(req.headers['if-modified-since']) >= new Date(info.mtime.toUTCString());
  if (notModified || req.method === 'HEAD') {
    await body.close();
    res.writeHead(notModified ? 304 : 200, headers);
    return res.end();
  }
  res.writeHead(200, headers);
  // pipeline destroys the file stream (which closes the file) when the response ends, fails, or
  // the client goes away mid-download; a plain pipe() left it open, one descriptor per abort.
  const stream = body.createReadStream({ autoClose: true });
  pipeline(stream, res, () => {
    if (!stream.destroyed) stream.destroy();
  });
}

export async function startServer({ root = DEFAULT_ROOT, port = 8080, host = '127.0.0.1' } = {}) {
  // The root's own real path: files are compared with it after their symlinks are resolved.
  const realRoot = await realpath(resolve(root));
  let hosts = new Set();
  const server = createServer((req, res) => {
    handle(realRoot, hosts, req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, 'internal error');
      else res.destroy(err);
    });
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      hosts = allowedHosts(host, actual);
      const url = `http://${isIP(host) === 6 ? `[${host}]` : host}:${actual}/`;
      resolvePromise({ server, url, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

function parseArgs(argv) {
  const opts = { root: DEFAULT_ROOT, port: Number(process.env.PORT ?? 8080), host: '127.0.0.1' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--root') opts.root = value();
    else if (a === '--port') opts.port = Number(value());
    else if (a === '--host') opts.host = value();
    else if (a === '--help' || a === '-h') {
      console.log('usage: node web/server.mjs [--root DIR] [--port N] [--host 127.0.0.1]');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error('--port must be 0..65535');
  return opts;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`server: ${err.message}`);
    process.exit(2);
  }
  try {
    await stat(join(opts.root, 'index.html'));
  } catch {
    console.error(`server: ${opts.root}/index.html not found; run \`npm run build:web\` first`);
    process.exit(1);
  }
  const { url } = await startServer(opts);
  console.log(`avlens page: ${url}  (serving ${resolve(opts.root)}; Ctrl+C to stop)`);
}
