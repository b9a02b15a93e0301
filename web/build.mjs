// Build step for the avlens page: copies the page sources, the ONNX Runtime Web files it
// uses, the wasm core (build-wasm/) and the default model into one folder that any static
// server can serve (web/server.mjs adds the headers the page needs).
//
//   node web/build.mjs [--out build-web] [--core build-wasm] [--model web/model/avlens.onnx]
//                      [--model-name NAME] [--no-compress]
//
// Large text and wasm files also get precompressed copies (F.br, F.gz; `precompress`), which
// web/server.mjs sends to browsers that accept them.
import { copyFile, mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';

const WEB = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(WEB, '..');
const require = createRequire(import.meta.url);

// What the worker imports from onnxruntime-web: the WebGPU build (native WebGPU EP, also runs
// the WASM EP) and the plain WASM build (SIMD + threads), each with its Emscripten glue.
export const ORT_FILES = [
  'ort.webgpu.min.mjs',
  'ort-wasm-simd-threaded.asyncify.mjs',
  'ort-wasm-simd-threaded.asyncify.wasm',
  'ort.wasm.min.mjs',
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
];
const PAGE_FILES = ['index.html', 'styles.css', 'sw.js', 'favicon.svg', 'manifest.webmanifest'];
const SOURCE_DIR = 'src';
export const DEFAULT_MODEL = join(WEB, 'model', 'avlens.onnx');
// The wasm core's build folder; AVLENS_WASM_DIR moves it for every build, test and bench alike.
export const DEFAULT_CORE = process.env.AVLENS_WASM_DIR ?? join(ROOT, 'build-wasm');
export const MODEL_URL = 'model/avlens.onnx';

function parseArgs(argv) {
  const opts = {
    out: join(ROOT, 'build-web'),
    core: DEFAULT_CORE,
    model: DEFAULT_MODEL,
    modelName: 'avlens default model',
    quiet: false,
    compress: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return resolve(argv[++i]);
    };
    if (a === '--out') opts.out = value();
    else if (a === '--core') opts.core = value();
    else if (a === '--model') opts.model = value();
    else if (a === '--model-name') opts.modelName = argv[++i];
    else if (a === '--quiet') opts.quiet = true;
    else if (a === '--no-compress') opts.compress = false;
    else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

export async function exists(p) {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

// Copies unless the target already has the same size and is not older (ORT's wasm files are
// large; a rebuild should be instant).
export async function copyIfChanged(src, dst) {
  const s = await stat(src);
  try {
    const d = await stat(dst);
    if (d.size === s.size && d.mtimeMs >= s.mtimeMs) return;
  } catch {
    /* missing: copy */
  }
  await mkdir(dirname(dst), { recursive: true });
  await copyFile(src, dst);
}

export async function listFiles(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(p)));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

// Precompressed copies (issue 16): web/server.mjs sends `F.br` or `F.gz` in place of F when the
// request accepts that encoding and the copy is not older than F. Only files worth it: these types,
// at least COMPRESS_MIN_BYTES, and only when the copy is at most COMPRESS_MAX_RATIO of F.
export const COMPRESSIBLE = new Set(['.wasm', '.js', '.mjs', '.onnx', '.json', '.html', '.css', '.svg', '.webmanifest']);
export const ENCODINGS = [
  // Brotli at quality 6: most of quality 11's gain on ORT's wasm at a fraction of its time (< 1 s for 14 MB).
  { name: 'br', ext: '.br', compress: (buf) => promisify(brotliCompress)(buf, {
    params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 6, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: buf.length },
  }) },
  { name: 'gzip', ext: '.gz', compress: (buf) => promisify(gzip)(buf, { level: 9 }) },
];
const COMPRESS_MIN_BYTES = 1024;
const COMPRESS_MAX_RATIO = 0.95;
const isVariant = (f) => ENCODINGS.some((e) => f.endsWith(e.ext));

/**
 * Writes F.br and F.gz next to every compressible file of `dir` (build-info.json included, so call
 * it last). A copy that is not older than its file is kept (rebuilds stay instant); one that would
 * save too little is not written, and a stale one of it is removed. Each copy gets its file's mtime
 * at least, the server's freshness test. Returns [{ file, bytes, br, gzip }] (bytes of each copy, or null).
 */
export async function precompress(dir) {
  const all = await listFiles(dir);
  const have = new Set(all);
  const results = [];
  for (const file of all.sort()) {
    if (isVariant(file) || !COMPRESSIBLE.has(extname(file).toLowerCase())) continue;
    const s = await stat(file);
    const row = { file: relative(dir, file).split('\\').join('/'), bytes: s.size };
    let buf = null;
    for (const enc of ENCODINGS) {
      const target = file + enc.ext;
      row[enc.name] = null;
      if (s.size < COMPRESS_MIN_BYTES) {
        if (have.has(target)) await rm(target, { force: true });
        continue;
      }
      if (have.has(target)) {
        const t = await stat(target);
        if (t.mtimeMs >= s.mtimeMs) {
          row[enc.name] = t.size;
          continue;
        }
      }
      buf ??= await readFile(file);
      const out = await enc.compress(buf);
      if (out.length > s.size * COMPRESS_MAX_RATIO) {
        await rm(target, { force: true });
        continue;
      }
      await writeFile(target, out);
      // Never older than its file (a coarse file-system clock could otherwise make it look stale).
      const t = await stat(target);
      if (t.mtimeMs < s.mtimeMs) await utimes(target, s.atime, s.mtime);
      row[enc.name] = out.length;
    }
    results.push(row);
  }
  // A copy whose file is gone (a page file renamed) must not be served.
  for (const f of all) {
    if (!isVariant(f)) continue;
    const base = f.slice(0, f.lastIndexOf('.'));
    if (!have.has(base)) await rm(f, { force: true });
  }
  return results;
}

/** Copies the ONNX Runtime Web files the worker imports into `dir`; returns ORT's version. */
export async function copyOrt(dir) {
  // The package's exports hide package.json; its main (CommonJS) entry lies in dist/.
  const ortDist = dirname(require.resolve('onnxruntime-web'));
  for (const f of ORT_FILES) await copyIfChanged(join(ortDist, f), join(dir, f));
  return JSON.parse(await readFile(join(ortDist, '..', 'package.json'), 'utf8')).version;
}

/** Copies the wasm core's files (avlens_core.js, .wasm) from `coreDir` into `dir`; null when not built. */
export async function copyCore(coreDir, dir) {
  if (!(await exists(join(coreDir, 'avlens_core.js')))) return null;
  const files = (await readdir(coreDir)).filter((f) => /^avlens_core\b.*\.(m?js|wasm|data)$/.test(f));
  for (const f of files) await copyIfChanged(join(coreDir, f), join(dir, f));
  return files;
}

/** Copies the model to `dir`/model/avlens.onnx: { url, name, bytes }, or null when `src` is absent. */
export async function copyModel(src, dir, name) {
  if (!src || !(await exists(src))) return null;
  await copyIfChanged(src, join(dir, MODEL_URL));
  return { url: MODEL_URL, name, bytes: (await stat(src)).size };
}

export async function build(options = {}) {
  const opts = { ...parseArgs([]), ...options };
  const log = opts.quiet ? () => {} : (m) => console.log(`[build:web] ${m}`);
  const out = opts.out;
  // Stale entries of optional parts must not survive a rebuild (e.g. a core no longer built).
  await rm(join(out, 'core'), { recursive: true, force: true });
  await rm(join(out, 'model'), { recursive: true, force: true });
  await rm(join(out, SOURCE_DIR), { recursive: true, force: true });
  await mkdir(out, { recursive: true });

  for (const f of PAGE_FILES) await copyIfChanged(join(WEB, f), join(out, f));
  for (const f of await listFiles(join(WEB, SOURCE_DIR))) await copyIfChanged(f, join(out, relative(WEB, f)));

  const ortVersion = await copyOrt(join(out, 'vendor', 'ort'));

  // The analysis core from build-wasm/; without it the page says so instead of analysing.
  let core = { kind: 'missing', module: null };
  if (await exists(join(opts.core, 'avlens_core.js'))) {
    const files = await copyCore(opts.core, join(out, 'core'));
    core = { kind: 'wasm', module: 'core/avlens_core.js', files: files.map((f) => `core/${f}`) };
    log(`core: ${files.join(', ')} from ${relative(ROOT, opts.core) || opts.core}`);
  } else {
    log(`core: not built yet (${relative(ROOT, opts.core)}/avlens_core.js missing); the page will say so`);
  }

  const model = await copyModel(opts.model, out, opts.modelName);
  if (model) {
    log(`model: ${relative(ROOT, opts.model)} (${(model.bytes / 1e6).toFixed(1)} MB)`);
  } else {
    log('model: no default model yet (web/model/avlens.onnx); the page asks for one');
  }

  const assets = (await listFiles(out))
    .map((f) => relative(out, f).split('\\').join('/'))
    .filter((f) => f !== 'build-info.json' && !isVariant(f))
    .sort();
  const info = { ort: ortVersion, core, model, assets };
  await writeFile(join(out, 'build-info.json'), JSON.stringify(info, null, 2) + '\n');
  const compressed = opts.compress === false ? [] : await precompress(out);
  const sum = (k) => compressed.reduce((n, r) => n + (r[k] ?? r.bytes), 0);
  if (compressed.length) {
    log(`precompressed ${compressed.filter((r) => r.br !== null || r.gzip !== null).length} files: ` +
      `${(sum('bytes') / 1e6).toFixed(1)} MB -> br ${(sum('br') / 1e6).toFixed(1)} MB, gzip ${(sum('gzip') / 1e6).toFixed(1)} MB`);
  }
  log(`wrote ${relative(ROOT, out)}/ (${assets.length} files)`);
  return info;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await build(parseArgs(process.argv.slice(2)));
  } catch (err) {
    console.error(`[build:web] ${err.message}`);
    process.exit(1);
  }
}
