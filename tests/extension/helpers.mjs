// Shared by the extension's tests: a local test site, Chromium with the unpacked extension (kept
// off the network), and the probes that read what the extension shows.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS, ROOT } from '../web/helpers.mjs';

/**
 * The test photo (a face) with a tone, `seconds` long, at `fps`, `width` pixels square, with the
 * video codec `codec` (H.264 by default; `mpeg4` is MPEG-4 Part 2, which the browser cannot show), in `dir`.
 */
export function faceClip(dir, seconds, { codec = 'libx264', fps = 30, width = 480 } = {}) {
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `face-${seconds}s-${codec}-${fps}${width === 480 ? '' : `-${width}`}.mp4`);
  if (!existsSync(out)) {
    execFileSync('nice', ['ffmpeg', '-v', 'error', '-y', '-loop', '1', '-framerate', String(fps), '-i', join(ROOT, 'tests', 'data', 'astronaut.png'),
      '-f', 'lavfi', '-i', `sine=frequency=220:sample_rate=48000:duration=${seconds}`, '-t', String(seconds),
      '-vf', `scale=${width}:-2,format=yuv420p`, '-c:v', codec, ...(codec === 'libx264' ? ['-preset', 'veryfast'] : ['-q:v', '5']), '-c:a', 'aac', '-ar', '48000', out]);
  }
  return out;
}

/** Records, in the page, every state the badge shows: the `keys` of its host's dataset after each change. */
export function recordBadgeStates(p, keys) {
  return p.evaluate((keys) => {
    window.__badgeStates = [];
    new MutationObserver(() => {
      const host = document.querySelector('avlens-badge');
      if (!host) return;
      const now = Object.fromEntries(keys.map((k) => [k, host.dataset[k]]));
      const last = window.__badgeStates.at(-1);
      if (!last || keys.some((k) => now[k] !== last[k])) window.__badgeStates.push(now);
    }).observe(document.documentElement, { subtree: true, attributes: true, attributeFilter: keys.map((k) => `data-${k}`) });
  }, keys);
}

export function serve(handler) {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` })));
}

export function page(src, { head = '', body = '' } = {}) {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>avlens extension test</title>${head}
<body style="margin:0;background:#222"><video id="v" src="${src}" preload="auto" muted playsinline width="480"></video>${body}</body></html>`;
}

/**
 * A video as a web server sends it, with byte ranges (HTTP 206), as a browser needs to seek in it:
 * without them Chromium can only play it from the start (a seek lands at 0).
 */
function sendMedia(req, res, body) {
  const headers = { 'content-type': 'video/mp4', 'accept-ranges': 'bytes' };
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (!range || (range[1] === '' && range[2] === '')) {
    res.writeHead(200, { ...headers, 'content-length': body.length });
    return res.end(body);
  }
  const start = range[1] === '' ? Math.max(0, body.length - Number(range[2])) : Number(range[1]);
  const end = range[1] !== '' && range[2] !== '' ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
  if (start > end) {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${body.length}` });
    return res.end();
  }
  res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${body.length}`, 'content-length': end - start + 1 });
  return res.end(body.subarray(start, end + 1));
}

/**
 * The test site: `/?src=URL` is a page with one video; `files` maps paths to the clips it serves,
 * `pages` paths to HTML (a function of the request's URL, or a string).
 */
export function serveSite(files, pages = {}) {
  return serve((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (files[url.pathname]) return sendMedia(req, res, readFileSync(files[url.pathname]));
    const html = pages[url.pathname];
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html === undefined ? page(url.searchParams.get('src')) : typeof html === 'function' ? html(url) : html);
  });
}

/**
 * What the badge on the page's video shows. Its shadow root is closed, so the page's own scripts
 * (and page.evaluate) cannot read it: the DevTools protocol can (DOM.getDocument pierces closed
 * roots). Returns null without a badge, else the host's data attributes (state, reason, score, ...),
 * the label's text, the notice's text (null when hidden) and the root's mode.
 */
export async function readBadge(p) {
  const cdp = await p.context().newCDPSession(p);
  try {
    const { root } = await cdp.send('DOM.getDocument', { depth: -1, pierce: true });
    const attrs = (n) => {
      const a = {};
      for (let i = 0; i + 1 < (n?.attributes?.length ?? 0); i += 2) a[n.attributes[i]] = n.attributes[i + 1];
      return a;
    };
    // The page's own tree and shadow roots; not into frames (the badge is in the video's document).
    const find = (n, pred) => {
      if (!n) return null;
      if (pred(n)) return n;
      for (const c of [...(n.shadowRoots ?? []), ...(n.children ?? [])]) {
        const hit = find(c, pred);
        if (hit) return hit;
      }
      return null;
    };
    const text = (n) => (n.nodeType === 3 ? n.nodeValue : (n.children ?? []).map(text).join(''));
    const host = find(root, (n) => n.nodeName === 'AVLENS-BADGE');
    if (!host) return null;
    const shadow = host.shadowRoots?.[0];
    const label = find(shadow, (n) => n.nodeName === 'DIV' && (attrs(n).class ?? '').split(' ').includes('badge'));
    const notice = find(label, (n) => n.nodeName === 'SPAN' && attrs(n).class === 'notice');
    const data = {};
    for (const [k, v] of Object.entries(attrs(host))) if (k.startsWith('data-')) data[k.slice(5).replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = v;
    return { ...data, text: label ? text(label) : null, notice: !notice || 'hidden' in attrs(notice) ? null : text(notice), shadowRootType: shadow?.shadowRootType ?? null };
  } finally {
    await cdp.detach().catch(() => {});
  }
}

/**
 * Chromium with the unpacked extension in `dir`, kept off the network (requests not to
 * 127.0.0.1 are aborted and pushed to `outside`). Returns { context, extensionId, ... } with the
 * probes the tests read the badge and the popup's report through.
 */
/** Plays the page's video (#v) once from 0 to its end, without looping. */
export function playOnceFromStart(p) {
  return playOnceFrom(p, 0);
}

/** Plays the page's video once from `time` s to its end (paused and seeked first). */
export function playOnceFrom(p, time) {
  return p.evaluate(async (time) => {
    const v = document.getElementById('v');
    v.loop = false;
    v.pause();
    v.currentTime = time;
    await new Promise((r) => v.addEventListener('seeked', r, { once: true }));
    const ended = new Promise((r) => v.addEventListener('ended', r, { once: true }));
    await v.play();
    await ended;
  }, time);
}

export async function launchExtension(dir, outside) {
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'avlens-chromium-')), {
    executablePath: CHROMIUM,
    headless: true, // Chromium's new headless mode, which runs extensions
    viewport: { width: 1000, height: 700 },
    args: [...CHROMIUM_ARGS, '--disable-gpu', `--disable-extensions-except=${dir}`, `--load-extension=${dir}`, '--autoplay-policy=no-user-gesture-required'],
  });
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.hostname === '127.0.0.1' || ['blob:', 'data:', 'chrome-extension:'].includes(u.protocol)) return route.continue();
    outside.push(u.href);
    return route.abort('blockedbyclient');
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const extensionId = new URL(worker.url()).host;

  const badge = (p) => readBadge(p);
  /**
   * What the popup shows: the tab's report from its content script; with `trace: true`, each video
   * also carries the trace of what its content script gave the core (frames and sound, placed).
   */
  const report = ({ trace = false } = {}) => context.serviceWorkers()[0].evaluate(async (trace) => {
    const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
    return { tab: tab.id, ...(await chrome.tabs.sendMessage(tab.id, { type: 'avlens:report', trace })) };
  }, trace);
  /** The popup of a tab, as a page, once it shows a mean (or `until` holds). */
  async function openPopup(tab, until = () => document.getElementById('summary').dataset.mean !== undefined) {
    const popup = await context.newPage();
    await popup.goto(`chrome-extension://${extensionId}/extension/popup.html?tab=${tab}`);
    await popup.waitForFunction(until, null, { timeout: 30_000 });
    return popup;
  }
  /** What the popup says about the video: its summary's data, and the texts around it. */
  const popupView = (popup) => popup.evaluate(() => {
    const text = (id) => (document.getElementById(id).hidden ? null : document.getElementById(id).textContent);
    return {
      ...document.getElementById('summary').dataset,
      summary: document.getElementById('summary').textContent,
      notice: text('notice'),
      evidence: text('evidence'),
      thresholdText: document.getElementById('threshold').textContent,
      text: document.body.innerText,
      bars: [...document.querySelectorAll('#timeline span[data-score]')].map((b) => ({ score: Number(b.dataset.score), level: b.dataset.level })),
    };
  });

  async function playFromStart(p) {
    return playFrom(p, 0);
  }
  async function playFrom(p, time) {
    // The first play starts the analysis engine; once it is running, play the clip from `time` to its end.
    // A fresh engine can take longer to start than a short clip lasts on a loaded machine: until
    // then the clip loops (an ended clip would never be analysed and the wait below would time out).
    await p.evaluate(() => {
      const v = document.getElementById('v');
      v.loop = true;
      return v.play();
    });
    await p.waitForFunction(() => ['running', 'blocked', 'problem'].includes(document.querySelector('avlens-badge')?.dataset.state), null, { timeout: 120_000 }).catch(async (err) => {
      // Say where it stuck: the badge, the content script's report, the frames of the page.
      const r = await report().catch((e) => ({ error: e.message }));
      throw new Error(`${err.message}; badge ${JSON.stringify(await readBadge(p).catch(() => null))}; report ${JSON.stringify({ ...r, videos: r.videos?.map((v) => ({ ...v, windows: v.windows.length })) })}; frames ${JSON.stringify(p.frames().map((f) => f.url()))}`);
    });
    await playOnceFrom(p, time);
    // The last windows are scored after the end (the first inference of a fresh engine can take
    // seconds on a loaded machine): wait until some windows are in and their count stops changing.
    let last = -1;
    const deadline = Date.now() + 90_000;
    for (let stable = 0; stable < 3 && Date.now() < deadline; ) {
      await p.waitForTimeout(700);
      const n = (await report()).videos[0].windows.length;
      stable = n === last && n > 0 ? stable + 1 : 0;
      last = n;
    }
  }
  return { context, extensionId, badge, report, openPopup, popupView, playFromStart, playFrom };
}
