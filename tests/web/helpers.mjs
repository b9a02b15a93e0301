// Shared set-up for the page tests: fixtures, builds of the page, the local server, and a
// headless Chromium that is kept off the network (every request that is not to 127.0.0.1 is
// blocked and recorded, so a test can assert there were none).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from '../../web/build.mjs';
import { startServer } from '../../web/server.mjs';
import { descriptionBox } from './fixtures/fixture-core.js';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const WORK = join(ROOT, 'build-web-test');
export const FIXTURES = join(WORK, 'fixtures');
export const ARTIFACTS = join(ROOT, 'test-results', 'web');
export const CHROMIUM = process.env.AVLENS_CHROMIUM ?? '/usr/lib/chromium/chromium';
export const PYTHON = process.env.AVLENS_PYTHON ?? '/usr/bin/python3';
const FIXTURE_CORE = join(ROOT, 'tests', 'web', 'fixtures', 'fixture-core.js');
const MODEL_SCRIPT = join(ROOT, 'tests', 'web', 'fixtures', 'make_models.py');

mkdirSync(ARTIFACTS, { recursive: true });

function newer(a, b) {
  return !existsSync(b) || statSync(a).mtimeMs > statSync(b).mtimeMs;
}

/** The fixture ONNX models (made with Debian's PyTorch; test fixtures, never shipped). */
export function fixtureModels() {
  const tiny = join(FIXTURES, 'fixture-tiny.onnx');
  if (newer(MODEL_SCRIPT, tiny)) {
    execFileSync(PYTHON, [MODEL_SCRIPT, FIXTURES], { stdio: 'pipe' });
  }
  return {
    tiny,
    mismatch: join(FIXTURES, 'fixture-mismatch.onnx'),
    noMetadata: join(FIXTURES, 'fixture-no-metadata.onnx'),
    truncated: join(FIXTURES, 'fixture-truncated.onnx'),
  };
}

/** A small playable MP4 (test pattern + tone) made with ffmpeg, the base of fixture clips. */
export function baseVideo(seconds = 7) {
  const out = join(FIXTURES, `pattern-${seconds}s.mp4`);
  if (!existsSync(out)) {
    mkdirSync(FIXTURES, { recursive: true });
    execFileSync('ffmpeg', [
      '-v', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=30:duration=${seconds}`,
      '-f', 'lavfi', '-i', `sine=frequency=220:sample_rate=48000:duration=${seconds}`,
      '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'veryfast', '-c:a', 'aac', '-shortest', out,
    ]);
  }
  return out;
}

/** A fixture clip file: a playable MP4 carrying the description the fixture core reads. */
export function fixtureClip(name, desc) {
  const base = readFileSync(baseVideo());
  const path = join(FIXTURES, name);
  writeFileSync(path, Buffer.concat([base, descriptionBox(desc)]));
  return path;
}

function ffmpeg(args, out) {
  if (!existsSync(out)) execFileSync('ffmpeg', ['-v', 'error', '-y', ...args, out], { stdio: 'pipe' });
  return out;
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

export async function fixtureSite() {
  const models = fixtureModels();
  return site('site-fixture', {
    fixtureCore: FIXTURE_CORE,
    model: models.tiny,
    modelName: 'fixture-tiny.onnx (test fixture)',
    core: join(WORK, 'no-core'),
  });
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

/** Headless Chromium; `webgpu: true` enables its WebGPU adapter (SwiftShader, CPU). */
export async function launch({ webgpu = false } = {}) {
  const { chromium } = await import('playwright-core');
  const args = [...CHROMIUM_ARGS];
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
