// Build step for the avlens browser extension: assembles the unpacked extension (manifest, the
// extension's scripts, the page's shared modules from web/src/, ONNX Runtime Web, the wasm core
// from build-wasm/ and the model) and zips it.
//
//   node web/extension/build.mjs [--out build-extension] [--core build-wasm]
//                                [--model web/model/avlens.onnx] [--model-name NAME] [--no-zip]
//
// Writes OUT/unpacked/ (load it with chrome://extensions → "Load unpacked") and
// OUT/avlens-extension.zip (the same files).
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { deflateRawSync, crc32 } from 'node:zlib';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyCore, copyIfChanged, copyModel, copyOrt, DEFAULT_CORE, DEFAULT_MODEL, listFiles } from '../build.mjs';
import { ICON_SIZES, iconPng } from './icons.mjs';

const EXTENSION = fileURLToPath(new URL('.', import.meta.url));
const WEB = resolve(EXTENSION, '..');
const ROOT = resolve(WEB, '..');
// The page's modules the extension imports (analysis worker, content script, popup).
const SHARED_MODULES = ['core.js', 'core-worker.js', 'detector.js', 'onnx-model.js', 'scorer.js', 'format.js', 'verdict.js', 'model-card.js', 'statistics.js'];
const BUILD_ONLY = new Set(['build.mjs', 'icons.mjs']);

function parseArgs(argv) {
  const opts = { out: join(ROOT, 'build-extension'), core: DEFAULT_CORE, model: DEFAULT_MODEL, modelName: 'avlens default model', zip: true, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--out') opts.out = resolve(value());
    else if (a === '--core') opts.core = resolve(value());
    else if (a === '--model') opts.model = resolve(value());
    else if (a === '--model-name') opts.modelName = value();
    else if (a === '--no-zip') opts.zip = false;
    else if (a === '--quiet') opts.quiet = true;
    else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

// A plain ZIP (deflate, no extras) of every file under `dir`, paths relative to it.
async function zipDirectory(dir, zipPath) {
  const files = (await listFiles(dir)).sort();
  const parts = [];
  const central = [];
  let offset = 0;
  // 1 January 2025, 00:00: a fixed date keeps the archive the same for the same files.
  const dosTime = 0;
  const dosDate = ((2025 - 1980) << 9) | (1 << 5) | 1;
  for (const file of files) {
    const name = Buffer.from(relative(dir, file).split('\\').join('/'), 'utf8');
    const data = await readFile(file);
    const packed = deflateRawSync(data, { level: 9 });
    const stored = packed.length >= data.length;
    const body = stored ? data : packed;
    const crc = crc32(data);
    // The fields a local header (at 6) and a central directory entry (at 8) share: version
    // needed 2.0, UTF-8 names, method, time, date, CRC, sizes, name length.
    const common = (buf, at) => {
      buf.writeUInt16LE(0x0800, at);
      buf.writeUInt16LE(stored ? 0 : 8, at + 2);
      buf.writeUInt16LE(dosTime, at + 4);
      buf.writeUInt16LE(dosDate, at + 6);
      buf.writeUInt32LE(crc, at + 8);
      buf.writeUInt32LE(body.length, at + 12);
      buf.writeUInt32LE(data.length, at + 16);
      buf.writeUInt16LE(name.length, at + 20);
      return buf;
    };
    const local = common(Buffer.alloc(30), 6);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    parts.push(local, name, body);
    const entry = common(Buffer.alloc(46), 8);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4); // made by
    entry.writeUInt16LE(20, 6); // needed
    entry.writeUInt32LE(offset, 42);
    central.push(entry, name);
    offset += local.length + name.length + body.length;
  }
  const centralSize = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  await writeFile(zipPath, Buffer.concat([...parts, ...central, end]));
  return { files: files.length, bytes: offset + centralSize + end.length };
}

const RELATIVE_IMPORT = /(?:^|[;\s])(?:import|export)\s*(?:[^'";]*?\sfrom\s*)?['"](\.{1,2}\/[^'"]+)['"]/gm;
const PAGE_URL = /chrome\.runtime\.getURL\(\s*['"]([^'"]+)['"]\s*\)/g;
const globRegExp = (glob) => new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);

/**
 * Checks the unpacked extension in `dir` against its module graph: every relative import of every
 * script must be in the extension, and every module the content script loads into web pages must be
 * web-accessible. Either mistake otherwise shows only at run time, in the page, as a failed dynamic
 * import. Throws an Error naming each missing module. Returns the content script's modules.
 */
export async function checkModuleGraph(dir, manifest) {
  const problems = [];
  const importsOf = async (rel) => {
    const text = await readFile(join(dir, rel), 'utf8');
    return [...text.matchAll(RELATIVE_IMPORT)].map((m) => relative(dir, resolve(dir, rel, '..', m[1])));
  };
  for (const f of await listFiles(join(dir, 'extension'))) {
    if (!f.endsWith('.js')) continue;
    const rel = relative(dir, f);
    for (const target of await importsOf(rel)) if (!existsSync(join(dir, target))) problems.push(`${rel} imports ${target}, which the build does not copy (SHARED_MODULES)`);
  }
  const accessible = (manifest.web_accessible_resources ?? []).flatMap((r) => r.resources).map(globRegExp);
  const inPages = new Set();
  const queue = [];
  for (const script of (manifest.content_scripts ?? []).flatMap((c) => c.js)) {
    const text = await readFile(join(dir, script), 'utf8');
    queue.push(...[...text.matchAll(PAGE_URL)].map((m) => m[1]).filter((u) => u.endsWith('.js')));
  }
  while (queue.length) {
    const rel = queue.pop();
    if (inPages.has(rel) || !existsSync(join(dir, rel))) continue;
    inPages.add(rel);
    if (!accessible.some((re) => re.test(rel))) problems.push(`${rel} is loaded by the content script but is not in the manifest's web_accessible_resources`);
    queue.push(...(await importsOf(rel)));
  }
  if (problems.length) throw new Error(`the extension's modules do not fit together:\n  ${problems.join('\n  ')}`);
  return [...inPages].sort();
}

export async function buildExtension(options = {}) {
  const opts = { ...parseArgs([]), ...options };
  const log = opts.quiet ? () => {} : (m) => console.log(`[build:extension] ${m}`);
  const out = join(opts.out, 'unpacked');
  // Parts that depend on the options are rebuilt from scratch; ORT's large files are kept.
  for (const d of ['extension', 'src', 'core', 'model', 'icons']) await rm(join(out, d), { recursive: true, force: true });
  await mkdir(out, { recursive: true });

  const manifest = JSON.parse(await readFile(join(EXTENSION, 'manifest.json'), 'utf8'));
  manifest.version = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version;
  await writeFile(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  for (const f of await listFiles(EXTENSION)) {
    const rel = relative(EXTENSION, f);
    if (rel === 'manifest.json' || BUILD_ONLY.has(rel)) continue;
    await copyIfChanged(f, join(out, 'extension', rel));
  }
  for (const f of SHARED_MODULES) await copyIfChanged(join(WEB, 'src', f), join(out, 'src', f));
  // The toolbar's and the extensions page's icons, drawn here (icons.mjs).
  await mkdir(join(out, 'icons'), { recursive: true });
  for (const size of ICON_SIZES) await writeFile(join(out, 'icons', `icon${size}.png`), iconPng(size));
  const ort = await copyOrt(join(out, 'vendor', 'ort'));

  const coreFiles = await copyCore(opts.core, join(out, 'core'));
  const core = coreFiles ? { module: 'core/avlens_core.js', files: coreFiles.map((f) => `core/${f}`) } : null;
  log(core ? `core: ${coreFiles.join(', ')} from ${relative(ROOT, opts.core) || opts.core}` : `core: not built (${relative(ROOT, opts.core)}/avlens_core.js missing); the extension will say so on every video`);

  const model = await copyModel(opts.model, out, opts.modelName);
  if (model) {
    log(`model: ${relative(ROOT, opts.model)} (${(model.bytes / 1e6).toFixed(1)} MB)`);
  } else {
    log(`model: none (${relative(ROOT, opts.model)} missing); the extension will say so on every video`);
  }
  await writeFile(join(out, 'build-info.json'), JSON.stringify({ ort, core, model }, null, 2) + '\n');
  await checkModuleGraph(out, manifest);
  log(`wrote ${relative(ROOT, out)}/`);

  let zip = null;
  if (opts.zip) {
    const zipPath = join(opts.out, 'avlens-extension.zip');
    const z = await zipDirectory(out, zipPath);
    zip = { path: zipPath, ...z };
    log(`wrote ${relative(ROOT, zipPath)} (${z.files} files, ${(z.bytes / 1e6).toFixed(1)} MB)`);
  }
  return { dir: out, zip, core, model, ort, manifest };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await buildExtension(parseArgs(process.argv.slice(2)));
  } catch (err) {
    console.error(`[build:extension] ${err.message}`);
    process.exit(1);
  }
}
