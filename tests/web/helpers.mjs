// Shared set-up for the page tests: test data made by the project's own CLI (models from
// `avlens export`, clips from `avlens synth`) and ffmpeg, builds of the page, the local server, and a
// headless Chromium that is kept off the network (every request that is not to 127.0.0.1 is
// blocked and recorded, so a test can assert there were none).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from '../../web/build.mjs';
import { startServer } from '../../web/server.mjs';
import { loadCore } from '../../web/src/core.js';
import { modelGeometry, modelMetadata } from '../../web/src/scorer.js';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const WORK = join(ROOT, 'build-web-test');
export const FIXTURES = join(WORK, 'fixtures');
export const ARTIFACTS = join(ROOT, 'test-results', 'web');
export const CHROMIUM = process.env.AVLENS_CHROMIUM ?? '/usr/lib/chromium/chromium';
export const PYTHON = process.env.AVLENS_PYTHON ?? '/usr/bin/python3';
export const AVLENS = process.env.AVLENS_BIN ?? join(ROOT, 'build', 'bin', 'avlens');
export const CORE = process.env.AVLENS_WASM_DIR ?? join(ROOT, 'build-wasm');
export const SHIPPED_MODEL = join(ROOT, 'web', 'model', 'avlens.onnx');

mkdirSync(ARTIFACTS, { recursive: true });

let corePromise = null;
/** The built wasm core (CORE) through the page's own wrapper (web/src/core.js), once per test file. */
export function pageCore() {
  corePromise ??= loadCore(pathToFileURL(join(CORE, 'avlens_core.js')).href);
  return corePromise;
}

/**
 * A model's metadata_props as the page and the extension get them: read by the wasm core from the
 * .onnx bytes (scorer.js modelMetadata; there is no reader of them in JavaScript).
 */
export async function coreMetadata(bytes) {
  return modelMetadata(await pageCore(), new Uint8Array(bytes));
}

/**
 * A model's window geometry as the page and the extension get it: read by the wasm core from the
 * model's metadata (scorer.js modelGeometry); `model`: the .onnx bytes or its metadata.
 */
export async function coreGeometry(model) {
  const metadata = model instanceof Uint8Array ? await coreMetadata(model) : model;
  return modelGeometry(await pageCore(), metadata);
}

/** Why the page tests cannot run here (the builds they need), or false. */
export function missingBuilds() {
  const missing = [
    !existsSync(join(CORE, 'avlens_core.js')) && `${CORE}/avlens_core.js (the wasm core, wasm/build.sh) is not built`,
    !existsSync(AVLENS) && `${AVLENS} (the native CLI) is not built`,
  ].filter(Boolean);
  return missing.length ? missing.join('; ') : false;
}

// A file made by the CLI is remade when the CLI is newer than it.
function stale(path) {
  return !existsSync(path) || statSync(AVLENS).mtimeMs > statSync(path).mtimeMs;
}

function avlens(args) {
  execFileSync('nice', [AVLENS, ...args], { stdio: 'pipe' });
}

/**
 * A model with random weights from the project's own exporter: `avlens export --untrained PRESET`
 * writes the ONNX file and the LibTorch checkpoint of the same weights (for `avlens scan`).
 * Returns { onnx, checkpoint, name }.
 */
export function untrainedModel(preset = 'tiny') {
  const dir = join(FIXTURES, 'models');
  const onnx = join(dir, `untrained-${preset}.onnx`);
  const checkpoint = join(dir, `untrained-${preset}.pt`);
  if (stale(onnx) || !existsSync(checkpoint)) {
    mkdirSync(dir, { recursive: true });
    avlens(['export', '--untrained', preset, '--out', onnx, '--save-checkpoint', checkpoint]);
  }
  return { onnx, checkpoint, name: `untrained-${preset}.onnx` };
}

// --- ONNX files that must be refused, made from the exported model -----------------------------
// ModelProto's metadata_props is field 14 (StringStringEntryProto: key = 1, value = 2).

function varint(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

function lengthDelimited(field, payload) {
  return Buffer.concat([varint(field * 8 + 2), varint(payload.length), payload]);
}

function readVarint(buf, pos) {
  let v = 0;
  for (let shift = 0; ; shift += 7) {
    const b = buf[pos++];
    v += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) return [v, pos];
  }
}

/** The model's bytes with its metadata_props replaced by `metadata` (an object of strings). */
export function withMetadata(bytes, metadata) {
  const kept = [];
  for (let pos = 0; pos < bytes.length; ) {
    const start = pos;
    let key;
    [key, pos] = readVarint(bytes, pos);
    const wire = key & 7;
    if (wire === 0) [, pos] = readVarint(bytes, pos);
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      let len;
      [len, pos] = readVarint(bytes, pos);
      pos += len;
    } else throw new Error(`wire type ${wire} in a ModelProto`);
    if (Math.floor(key / 8) !== 14) kept.push(bytes.subarray(start, pos));
  }
  const entries = Object.entries(metadata).map(([k, v]) =>
    lengthDelimited(14, Buffer.concat([lengthDelimited(1, Buffer.from(k)), lengthDelimited(2, Buffer.from(String(v)))])),
  );
  return Buffer.concat([...kept, ...entries]);
}

/**
 * Models the page must refuse, derived from the exported tiny model: metadata that does not fit
 * the network (16 frames at 16 fps: consistent, but the network takes 8), no metadata at all,
 * the file cut to a third, frames = 8.9, and a 512x1024x1024 window (over the core's budget).
 */
export async function badModels() {
  const tiny = untrainedModel('tiny');
  const bytes = readFileSync(tiny.onnx);
  const metadata = await coreMetadata(bytes);
  const dir = join(FIXTURES, 'models');
  const out = {
    mismatch: join(dir, 'bad-mismatch.onnx'), noMetadata: join(dir, 'bad-no-metadata.onnx'), truncated: join(dir, 'bad-truncated.onnx'),
    fractional: join(dir, 'bad-fractional-frames.onnx'), huge: join(dir, 'bad-huge-window.onnx'),
  };
  writeFileSync(out.mismatch, withMetadata(bytes, { ...metadata, frames: '16', fps: '16' }));
  // What the core's one validation refuses (a reader of its own would let through): frames not
  // written as an integer, and a window over the per-window memory budget (512x1024x1024 at 240 fps,
  // every value within its own range).
  writeFileSync(out.fractional, withMetadata(bytes, { ...metadata, frames: '8.9' }));
  writeFileSync(out.huge, withMetadata(bytes, { ...metadata, frames: '512', height: '1024', width: '1024', fps: '240', samples: String(Math.round((512 / 240) * Number(metadata.sample_rate))) }));
  writeFileSync(out.noMetadata, withMetadata(bytes, {}));
  writeFileSync(out.truncated, bytes.subarray(0, Math.floor(bytes.length / 3)));
  return out;
}

// --- Clips ---------------------------------------------------------------------------------------

/**
 * A clip from the project's synthetic generator: `avlens synth --kind KIND --clip-seed SEED
 * --domain D [--seconds S]` (a rendered face speaking espeak-ng speech; `real`, or a fake kind
 * such as `desync`, `audio_swap`). Same options, same bytes.
 */
export function synthClip(kind, seed, { domain = 'A', seconds = 4 } = {}) {
  const dir = join(FIXTURES, 'synth', `${domain}-${seconds}s`);
  const out = join(dir, `${kind}_${seed}.mp4`);
  if (stale(out)) avlens(['synth', '--out', dir, '--kind', kind, '--clip-seed', String(seed), '--domain', domain, '--seconds', String(seconds)]);
  return out;
}

function ffmpeg(args, out) {
  if (!existsSync(out)) {
    mkdirSync(FIXTURES, { recursive: true });
    execFileSync('nice', ['ffmpeg', '-v', 'error', '-y', ...args, out], { stdio: 'pipe' });
  }
  return out;
}

/** A synthetic clip with the whole picture blacked out from `from` to `to` seconds (no face there). */
export function occludedClip(clip, from, to) {
  const out = join(FIXTURES, `occluded-${from}-${to}-${clip.split('/').pop()}`);
  return ffmpeg(['-i', clip, '-vf', `drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:enable='between(t,${from},${to})'`, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'veryfast', '-c:a', 'copy'], out);
}

/** A synthetic clip played `times` times in a row (no re-encoding): a long clip, quickly. */
export function loopedClip(clip, times) {
  return ffmpeg(['-stream_loop', String(times - 1), '-i', clip, '-c', 'copy'], join(FIXTURES, `looped-${times}x-${clip.split('/').pop()}`));
}

/**
 * A synthetic clip reframed to `width`×`height` (scaled to fit, padded with dark blue) with a
 * yellow line around the whole picture, so that a screenshot shows whether any edge is cut off.
 */
export function reframedClip(clip, width, height) {
  const vf = [
    `scale=w=${width}:h=${height}:force_original_aspect_ratio=decrease:force_divisible_by=2`,
    `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2:color=0x1d3557`,
    'drawbox=x=0:y=0:w=iw:h=ih:color=yellow:t=8',
    'setsar=1',
  ].join(',');
  return ffmpeg(['-i', clip, '-vf', vf, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'veryfast', '-c:a', 'copy'], join(FIXTURES, `reframed-${width}x${height}-${clip.split('/').pop()}`));
}

/** A synthetic clip re-encoded as MPEG-4 Part 2 video (what browsers do not play; the core decodes it). */
export function mpeg4Clip(clip) {
  return ffmpeg(['-i', clip, '-c:v', 'mpeg4', '-q:v', '3', '-c:a', 'copy'], join(FIXTURES, `mpeg4-${clip.split('/').pop()}`));
}

/** A small playable MP4 (test pattern + tone, no face) made with ffmpeg, the base of bad inputs. */
export function baseVideo(seconds = 7) {
  return ffmpeg([
    '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=30:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=220:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'veryfast', '-c:a', 'aac', '-shortest',
  ], join(FIXTURES, `pattern-${seconds}s.mp4`));
}

/** Bad inputs made with ffmpeg: [name, path, expected page error (null: whatever native says)]. */
export function badInputs() {
  const lavfiVideo = (s) => ['-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=30:duration=${s}`];
  const lavfiAudio = (s) => ['-f', 'lavfi', '-i', `sine=frequency=220:sample_rate=48000:duration=${s}`];
  const base = readFileSync(baseVideo());
  const truncated = join(FIXTURES, 'bad-truncated.mp4');
  writeFileSync(truncated, base.subarray(0, Math.floor(base.length / 3)));
  const garbage = join(FIXTURES, 'bad-garbage.mp4');
  writeFileSync(garbage, Buffer.from('definitely not a video file\n'.repeat(200)));
  return [
    ['truncated MP4', truncated, 'unreadable'],
    ['text file named .mp4', garbage, 'unreadable'],
    ['audio only', ffmpeg([...lavfiAudio(3), '-c:a', 'aac'], join(FIXTURES, 'bad-audio-only.m4a')), 'no_video_stream'],
    ['video only', ffmpeg([...lavfiVideo(3), '-c:v', 'libx264', '-pix_fmt', 'yuv420p'], join(FIXTURES, 'bad-video-only.mp4')), 'no_audio_stream'],
    ['half a second', ffmpeg([...lavfiVideo(0.5), ...lavfiAudio(0.5), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest'], join(FIXTURES, 'bad-short.mp4')), null],
    ['no face (test pattern)', ffmpeg([...lavfiVideo(3), ...lavfiAudio(3), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest'], join(FIXTURES, 'bad-no-face.mp4')), 'no_face'],
    // FFmpeg 5.1 has no software AV1 decoder in the wasm build (issue 6); natively dav1d may decode it.
    ['AV1 video', ffmpeg([...lavfiVideo(2), ...lavfiAudio(2), '-c:v', 'libsvtav1', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest'], join(FIXTURES, 'bad-av1.mp4')), 'unsupported_codec'],
  ];
}

const sites = new Map();
/** Builds the page into build-web-test/<name> (once per process). */
export async function site(name, options) {
  if (!sites.has(name)) sites.set(name, build({ out: join(WORK, name), quiet: true, ...options }));
  await sites.get(name);
  return join(WORK, name);
}

/** The page built with the real wasm core (build-wasm/) and the exported tiny model as default. */
export async function tinySite() {
  const model = untrainedModel('tiny');
  return site('site-tiny', { core: CORE, model: model.onnx, modelName: model.name });
}

export async function serve(root) {
  return startServer({ root, port: 0 });
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--no-first-run',
  '--disable-quic',
  '--no-pings',
  '--metrics-recording-only',
  '--dns-prefetch-disable',
];

/** Headless Chromium; `webgpu: true` enables its WebGPU adapter (SwiftShader, CPU); `args`: more flags. */
export async function launch({ webgpu = false, args: extra = [] } = {}) {
  const { chromium } = await import('playwright-core');
  const args = [...CHROMIUM_ARGS, ...extra];
  if (webgpu) args.push('--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader');
  else args.push('--disable-gpu');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/**
 * A page on `url` with guards: `outside` collects requests to anything but 127.0.0.1 (they are
 * aborted), `errors` collects page errors, console errors and CSP violations.
 */
export async function openPage(browser, url, { serviceWorkers = 'block', acceptDownloads = false } = {}) {
  const context = await browser.newContext({ serviceWorkers, acceptDownloads, viewport: { width: 1280, height: 900 } });
  const outside = [];
  const requests = [];
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    requests.push(u.href);
    if (u.protocol === 'blob:' || u.protocol === 'data:') return route.continue();
    if (u.hostname !== '127.0.0.1') {
      outside.push(u.href);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  context.on('request', (r) => {
    const u = new URL(r.url());
    if (!['blob:', 'data:'].includes(u.protocol) && u.hostname !== '127.0.0.1' && !outside.includes(u.href)) outside.push(u.href);
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto(url);
  return { context, page, outside, requests, errors };
}

/** Waits until the page has a model loaded (or reported why not). */
export async function waitForModel(page, timeout = 120_000) {
  await page.waitForFunction(() => document.body.dataset.modelReady === 'true' || !document.getElementById('model-message').hidden, null, { timeout });
}

/** Chooses a file through the page's file input (what the "Choose a video…" button opens). */
export async function chooseFile(page, path) {
  await page.setInputFiles('#file-input', path);
}

export async function waitForView(page, views, timeout = 300_000) {
  const list = Array.isArray(views) ? views : [views];
  await page.waitForFunction((l) => l.includes(document.body.dataset.view), list, { timeout });
  return page.evaluate(() => document.body.dataset.view);
}

/** Visible buttons, inputs and radios without an accessible name (should be none). */
export async function unnamedControls(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('button, select, input:not([type=file]), [role=radio], canvas[role=img]')]
      .filter((e) => e.getClientRects().length > 0)
      .filter((e) => !(e.getAttribute('aria-label') || e.labels?.[0]?.textContent.trim() || e.textContent.trim()))
      .map((e) => e.outerHTML.slice(0, 120)),
  );
}

export async function screenshot(page, name) {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
