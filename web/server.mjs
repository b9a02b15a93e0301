// A tiny static server for the avlens page: files from one folder, bound to 127.0.0.1 only,
// with the headers the page needs (cross-origin isolation for WebAssembly threads) and a
// Content-Security-Policy that allows no connection outside this origin.
//
//   node web/server.mjs [--root build-web] [--port 8080] [--host 127.0.0.1]
//
// Also importable: `startServer({ root, port })` resolves to { server, url, close() } (tests).
import { createServer } from 'node:http';
import { stat, open } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
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

async function handle(root, req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
  } catch {
    return send(res, 400, 'bad request');
  }
  if (pathname.endsWith('/')) pathname += 'index.html';
  const file = normalize(join(root, pathname));
  if (file !== root && !file.startsWith(root + sep)) return send(res, 403, 'forbidden');
  let info;
  try {
    info = await stat(file);
  } catch {
    return send(res, 404, 'not found');
  }
  if (!info.isFile()) return send(res, 404, 'not found');
  const headers = {
    ...SECURITY_HEADERS,
    'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Cache-Control': 'no-cache',
    'Last-Modified': info.mtime.toUTCString(),
  };
  if (req.headers['if-modified-since'] && new Date(req.headers['if-modified-since']) >= new Date(info.mtime.toUTCString())) {
    res.writeHead(304, headers);
    return res.end();
  }
  res.writeHead(200, headers);
  if (req.method === 'HEAD') return res.end();
  const fh = await open(file, 'r');
  const stream = fh.createReadStream();
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

export function startServer({ root = DEFAULT_ROOT, port = 8080, host = '127.0.0.1' } = {}) {
  const absRoot = resolve(root);
  const server = createServer((req, res) => {
    handle(absRoot, req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, 'internal error');
      else res.destroy(err);
    });
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      const url = `http://${host}:${actual}/`;
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
