// The extension's trust boundaries in Chromium (issue 17, item 12), with the unpacked build and the
// real wasm core:
// - a page that frames extension/bridge.html itself (it has to be a web-accessible resource) and
//   offers it ports, in the old protocol or with made-up nonces, gets no answer, and nothing it
//   sends reaches the analysis worker (a monitor on the worker's channel hears nothing);
// - a page cannot reach the content script's own bridge or its closed shadow roots, and the content
//   script's analysis still works next to its attempts;
// - the badge's shadow root is closed: the page cannot read or rewrite the verdict (a patched
//   attachShadow in the page's world catches nothing; the label is unchanged after the page writes
//   into the host);
// - the analysis worker refuses malformed messages at once (types, sizes, frame times relative to
//   the segment: a first frame at 10 000 s, a gap of 59 s, open segments per tab) and keeps
//   answering.
// Skipped, with the reason, without build-wasm/avlens_core.js, Chromium, or a model.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildExtension } from '../../web/extension/build.mjs';
import { LIMITS } from '../../web/extension/content/protocol.js';
import { AVLENS, CHROMIUM, ROOT, untrainedModel } from '../web/helpers.mjs';
import { launchExtension, page, readBadge, serveSite } from './helpers.mjs';

const WORK = join(ROOT, 'build-extension', 'test-trust');
const CORE = join(ROOT, 'build-wasm');
const SHIPPED_MODEL = join(ROOT, 'web', 'model', 'avlens.onnx');
const QUIET_MS = 3000; // how long the hostile page waits for an answer that must not come

const missing = [
  !existsSync(join(CORE, 'avlens_core.js')) && 'build-wasm/avlens_core.js (the wasm core) is not built',
  !existsSync(CHROMIUM) && `${CHROMIUM} is not installed`,
  !existsSync(SHIPPED_MODEL) && !existsSync(AVLENS) && 'no model: web/model/avlens.onnx is not there and the CLI that exports a test model is not built',
].filter(Boolean);
const skip = missing.length ? missing.join('; ') : false;

/** A 20 s clip with sound and a moving picture (no face needed: the tests are about who may talk). */
function makeClip(dir) {
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'pattern.mp4');
  if (!existsSync(out)) {
    execFileSync('nice', ['ffmpeg', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=48000:duration=20', '-t', '20', '-vf', 'format=yuv420p', '-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'aac', '-ar', '48000', out]);
  }
  return out;
}

// Runs in the page's own world before anything else: records every shadow root the page's
// attachShadow makes (the content script's run in its isolated world, which has its own prototypes).
const SPY = `<script>
  window.__roots = [];
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, { ...init, mode: 'open' });
    window.__roots.push(this.localName);
    return root;
  };
</script>`;

describe('extension trust boundaries', { skip }, () => {
  let ext;
  let site;
  let monitor;
  const outside = [];

  before(async () => {
    const model = existsSync(SHIPPED_MODEL) ? SHIPPED_MODEL : untrainedModel('tiny').onnx;
    const clip = makeClip(join(WORK, 'clips'));
    const built = await buildExtension({ out: WORK, model, modelName: 'trust-test model', zip: false, quiet: true });
    site = await serveSite({ '/pattern.mp4': clip }, {
      '/hostile': '<!doctype html><meta charset="utf-8"><title>hostile</title><body></body>',
      '/video': page('/pattern.mp4', { head: SPY }),
    });
    ext = await launchExtension(built.dir, outside);
    // An extension page that listens to the worker's inbound channel: whatever a bridge relays
    // to the worker, it hears too (BroadcastChannel of the extension's origin).
    monitor = await ext.context.newPage();
    await monitor.goto(`chrome-extension://${ext.extensionId}/extension/popup.html?tab=-1`);
    await monitor.evaluate(() => {
      window.__heard = [];
      window.__toWorker = new BroadcastChannel('avlens:to-worker');
      window.__toWorker.onmessage = ({ data }) => window.__heard.push({ type: data?.type, bridge: data?.bridge, at: Date.now() });
    });
  });

  after(async () => {
    await ext?.context.close();
    site?.server.close();
  });

  const heard = () => monitor.evaluate(() => window.__heard.splice(0));

  test('a page that frames bridge.html and offers it ports gets nothing; nothing reaches the worker', async (t) => {
    await heard();
    const p = await ext.context.newPage();
    try {
      await p.goto(`${site.origin}/hostile`);
      const bridgeUrl = `chrome-extension://${ext.extensionId}/extension/bridge.html`;
      const answers = await p.evaluate(async ({ bridgeUrl, quiet }) => {
        const frame = document.createElement('iframe');
        frame.src = bridgeUrl;
        await new Promise((resolve) => {
          frame.onload = resolve;
          document.body.append(frame);
        });
        const got = [];
        const offers = [
          'avlens:port', // the protocol before nonces
          { type: 'avlens:port' },
          { type: 'avlens:port', nonce: 'guess' },
          { type: 'avlens:port', nonce: '0'.repeat(64) },
          { type: 'avlens:port', nonce: 'f'.repeat(64) },
        ];
        const ports = [];
        for (const [i, offer] of offers.entries()) {
          const channel = new MessageChannel();
          channel.port1.onmessage = ({ data }) => got.push({ offer: i, data });
          frame.contentWindow.postMessage(offer, '*', [channel.port2]);
          ports.push(channel.port1);
        }
        await new Promise((r) => setTimeout(r, 200));
        // Drive it as the content script would, and as an attacker would.
        for (const port of ports) {
          port.postMessage({ type: 'hello' });
          port.postMessage({ type: 'open', video: 'v1', segment: 1, start: 0 });
          port.postMessage({ type: 'frame', video: 'v1', segment: 1, width: 1, height: 1, time: 10000, pixels: new ArrayBuffer(4) });
          port.postMessage({ type: 'forget', video: 'v1' });
        }
        await new Promise((r) => setTimeout(r, quiet));
        return got;
      }, { bridgeUrl, quiet: QUIET_MS });
      // The frame really is the extension's bridge (else the test would prove nothing).
      const bridgeFrame = p.frames().find((f) => f.url() === bridgeUrl);
      assert.ok(bridgeFrame, `no bridge frame in ${JSON.stringify(p.frames().map((f) => f.url()))}`);
      assert.equal(await bridgeFrame.evaluate(() => typeof chrome?.runtime?.sendMessage), 'function', 'the framed bridge runs as an extension page');
      t.diagnostic(`answers: ${JSON.stringify(answers)}`);
      assert.deepEqual(answers, [], 'the hostile page got answers from the bridge');
      const relayed = await heard();
      assert.deepEqual(relayed, [], 'the bridge relayed the hostile page\'s messages to the worker');
    } finally {
      await p.close();
    }
  });

  test('a page with a video cannot reach the content script\'s bridge; the badge\'s shadow root is closed', async (t) => {
    await heard();
    const p = await ext.context.newPage();
    try {
      await p.goto(`${site.origin}/video`);
      // The content script frames its bridge once the video has metadata; offer every frame the
      // page can see (window.frames) a port with guessed nonces, all the while.
      const probe = p.evaluate(async () => {
        const got = [];
        const seen = new Set();
        const ports = [];
        const deadline = Date.now() + 8000;
        while (Date.now() < deadline) {
          for (let i = 0; i < window.length; i++) {
            const w = window.frames[i];
            seen.add(i);
            for (const offer of ['avlens:port', { type: 'avlens:port', nonce: '0'.repeat(64) }]) {
              const channel = new MessageChannel();
              channel.port1.onmessage = ({ data }) => got.push(data);
              w.postMessage(offer, '*', [channel.port2]);
              channel.port1.postMessage({ type: 'open', video: 'v1', segment: 1, start: 0 });
              ports.push(channel.port1);
            }
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        return { got, frames: seen.size, bridgeRoot: document.querySelector('avlens-bridge')?.shadowRoot ?? null, bridgeHost: !!document.querySelector('avlens-bridge') };
      });
      await p.evaluate(() => document.getElementById('v').play());
      const attempts = await probe;
      t.diagnostic(`frames the page could see: ${attempts.frames}; answers ${attempts.got.length}`);
      assert.deepEqual(attempts.got, [], 'the page got answers through the content script\'s bridge');
      assert.ok(attempts.bridgeHost, 'the content script put its bridge in the page');
      assert.equal(attempts.bridgeRoot, null, 'the bridge\'s host has a closed shadow root');
      // The content script's own analysis went on: the engine answered it.
      await p.waitForFunction(() => ['running', 'paused', 'ended'].includes(document.querySelector('avlens-badge')?.dataset.state), null, { timeout: 120_000 });
      const inbound = await heard();
      const bridges = new Set(inbound.map((m) => m.bridge));
      t.diagnostic(`the worker heard ${inbound.length} messages from ${bridges.size} bridge(s): ${[...new Set(inbound.map((m) => m.type))].join(', ')}`);
      assert.equal(bridges.size, 1, 'only the content script\'s bridge talked to the worker');
      assert.ok(inbound.some((m) => m.type === 'hello'));

      // The badge: closed shadow root, not reachable from the page, not rewritable through the host.
      const fromPage = await p.evaluate(() => {
        const host = document.querySelector('avlens-badge');
        let reattach = null;
        try {
          host.attachShadow({ mode: 'open' });
          reattach = 'attached';
        } catch (err) {
          reattach = err.name;
        }
        const before = host.dataset.state;
        host.textContent = 'avlens: 0 % fake · REAL (written by the page)';
        return { shadowRoot: host.shadowRoot, roots: window.__roots, reattach, state: before, lightText: host.textContent };
      });
      assert.equal(fromPage.shadowRoot, null, 'badge.shadowRoot is visible to the page');
      assert.deepEqual(fromPage.roots, [], 'the page\'s patched attachShadow saw the content script\'s roots');
      assert.equal(fromPage.reattach, 'NotSupportedError', 'a second shadow root could be attached');
      const b = await readBadge(p);
      t.diagnostic(`badge (through the DevTools protocol): ${JSON.stringify(b)}`);
      assert.equal(b.shadowRootType, 'closed');
      assert.match(b.text, /^avlens/);
      assert.doesNotMatch(b.text, /written by the page/, 'what the badge shows did not change');
      await p.screenshot({ path: join(ROOT, 'test-results', 'extension', 'badge-closed-root.png') }).catch(() => {});
    } finally {
      await p.close();
    }
  });

  test('the analysis worker refuses malformed messages at once and keeps answering', async (t) => {
    // The monitor is an extension page: it may talk to the worker's channels (no page can). It
    // plays a bridge whose tab misbehaves, and times every answer.
    const ready = await monitor.evaluate(async () => {
      await chrome.runtime.sendMessage({ type: 'avlens:ensure-analyser' });
      window.__bridge = crypto.randomUUID();
      window.__fromWorker = new BroadcastChannel('avlens:from-worker');
      window.__answers = [];
      window.__fromWorker.onmessage = ({ data }) => {
        if (data?.bridge === window.__bridge) window.__answers.push({ ...data, at: performance.now() });
      };
      const deadline = Date.now() + 180_000;
      while (Date.now() < deadline) {
        window.__toWorker.postMessage({ type: 'hello', bridge: window.__bridge });
        const t0 = Date.now();
        while (Date.now() - t0 < 3000) {
          const s = window.__answers.find((a) => a.type === 'status');
          if (s) return { ready: s.ready, error: s.error ?? null };
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      return { ready: false, error: 'no status within 180 s' };
    });
    assert.equal(ready.ready, true, `the worker did not start: ${JSON.stringify(ready.error)}`);

    /** Sends `msg` (the bridge id added unless `raw`) and collects what comes back within `ms`. */
    const exchange = (msg, { ms = 1500, raw = false, until = null } = {}) =>
      monitor.evaluate(
        async ({ msg, ms, raw, until }) => {
          window.__answers.length = 0;
          const build = (m) => {
            if (m && typeof m === 'object' && m.__pixels) return { ...m, pixels: new ArrayBuffer(m.__pixels), __pixels: undefined };
            if (m && typeof m === 'object' && m.__samples !== undefined) return { ...m, samples: m.__float64 ? new Float64Array(m.__samples) : m.__array ? Array(m.__samples).fill(0) : new Float32Array(m.__samples), __samples: undefined };
            return m;
          };
          const out = build(msg);
          const t0 = performance.now();
          window.__toWorker.postMessage(raw ? out : { ...out, bridge: window.__bridge });
          const want = until ? new Set(until) : null;
          while (performance.now() - t0 < ms) {
            if (want && [...want].every((type) => window.__answers.some((a) => a.type === type))) break;
            await new Promise((r) => setTimeout(r, 20));
          }
          return window.__answers.map(({ at, bridge, ...a }) => ({ ...a, ms: Math.round(at - t0) }));
        },
        { msg, ms, raw, until },
      );
    const problem = (answers) => answers.find((a) => a.type === 'problem');

    // Messages with nothing to answer to: no bridge id, or not even an object. Nothing comes back,
    // and the worker does not fall over (it answers the hello at the end).
    for (const msg of [null, 'avlens:port', 42, { type: 'hello' }, { type: 'hello', bridge: 'not-a-uuid' }, { type: 'open', video: 'v1', segment: 1, start: 0 }]) {
      assert.deepEqual(await exchange(msg, { raw: true, ms: 300 }), [], JSON.stringify(msg));
    }
    const refusals = [
      [{ type: 'eval', video: 'v1', segment: 1 }, /unknown message type/],
      [{ type: 'open', video: 'v1', segment: 1, start: null }, /start time/],
      [{ type: 'open', video: '../v1', segment: 1, start: 0 }, /bad video id/],
      [{ type: 'open', video: 'v1', segment: 1, start: 1e12 }, /start time/],
    ];
    for (const [msg, why] of refusals) {
      const a = await exchange(msg, { until: ['problem'] });
      assert.match(problem(a)?.message ?? '', why, `${JSON.stringify(msg)} -> ${JSON.stringify(a)}`);
      assert.equal(problem(a).code, 'invalid_message');
    }
    assert.deepEqual(await exchange({ type: 'open', video: 'v1', segment: 1, start: 0 }, { ms: 300 }), [], 'a good open needs no answer');
    const again = await exchange({ type: 'open', video: 'v1', segment: 1, start: 0 }, { until: ['problem'] });
    assert.match(problem(again)?.message ?? '', /already open/);

    const frames = [
      // [message, refused?, why]
      [{ type: 'frame', video: 'v1', segment: 1, width: 8, height: 8, time: 10_000, __pixels: 256 }, /first frame is at 10000/],
      [{ type: 'frame', video: 'v1', segment: 1, width: 8, height: 8, time: 0, __pixels: 255 }, /RGBA/],
      [{ type: 'frame', video: 'v1', segment: 1, width: 100_000, height: 1, time: 0, __pixels: 400_000 }, /width and height/],
      [{ type: 'frame', video: 'v1', segment: 1, width: 8, height: 8, time: 0, __pixels: 256 }, null],
      [{ type: 'frame', video: 'v1', segment: 1, width: 8, height: 8, time: 59, __pixels: 256 }, /follows one at 0\.000 s/], // the core itself would repeat a picture for 59 s
      [{ type: 'frame', video: 'v1', segment: 1, width: 8, height: 8, time: LIMITS.maxFrameGapSeconds, __pixels: 256 }, null],
    ];
    for (const [msg, why] of frames) {
      const a = await exchange(msg, { until: why ? ['problem', 'ack'] : ['ack'], ms: why ? 5000 : 10_000 });
      const label = `frame at ${msg.time} s, ${msg.width}x${msg.height}, ${msg.__pixels} bytes -> ${JSON.stringify(a)}`;
      const ack = a.find((x) => x.type === 'ack');
      assert.ok(ack, `every frame is acknowledged: ${label}`);
      if (why) {
        assert.match(problem(a)?.message ?? '', why, label);
        assert.ok(problem(a).ms < 2000, `refused at once (${problem(a).ms} ms): ${label}`);
      } else {
        assert.equal(problem(a), undefined, label);
      }
    }
    for (const [samples, opts] of [[LIMITS.maxAudioSamples + 1, {}], [0, {}], [100, { __float64: true }], [100, { __array: true }]]) {
      const a = await exchange({ type: 'audio', video: 'v1', segment: 1, __samples: samples, ...opts }, { until: ['problem'] });
      assert.match(problem(a)?.message ?? '', /Float32Array/, `${samples} samples ${JSON.stringify(opts)}`);
    }
    // At most LIMITS.maxOpenSegments segments of one tab at a time.
    for (let v = 2; v <= LIMITS.maxOpenSegments; v++) assert.deepEqual(await exchange({ type: 'open', video: `v${v}`, segment: 1, start: 0 }, { ms: 200 }), []);
    const busy = await exchange({ type: 'open', video: `v${LIMITS.maxOpenSegments + 1}`, segment: 1, start: 0 }, { until: ['problem'] });
    assert.equal(problem(busy)?.code, 'busy', JSON.stringify(busy));
    // Every frame of a page can have its own bridge: over all of them, at most
    // LIMITS.maxOpenSegmentsTotal segments (this bridge holds LIMITS.maxOpenSegments already).
    const overall = await monitor.evaluate(
      async ({ perBridge, total }) => {
        const ids = Array.from({ length: Math.ceil(total / perBridge) }, () => crypto.randomUUID());
        const problems = [];
        const listen = new BroadcastChannel('avlens:from-worker');
        listen.onmessage = ({ data }) => {
          if (data?.type === 'problem' && ids.includes(data.bridge)) problems.push({ bridge: ids.indexOf(data.bridge), video: data.video, code: data.code, message: data.message });
        };
        for (const bridge of ids) for (let v = 1; v <= perBridge; v++) window.__toWorker.postMessage({ type: 'open', bridge, video: `v${v}`, segment: 1, start: 0 });
        await new Promise((r) => setTimeout(r, 1500));
        for (const bridge of ids) window.__toWorker.postMessage({ type: 'bye', bridge });
        listen.close();
        return problems;
      },
      { perBridge: LIMITS.maxOpenSegments, total: LIMITS.maxOpenSegmentsTotal },
    );
    t.diagnostic(`over all bridges: ${JSON.stringify(overall)}`);
    // total / perBridge more bridges with perBridge each: all but the last perBridge fit.
    assert.deepEqual(overall.map((p) => [p.bridge, p.code]), Array.from({ length: LIMITS.maxOpenSegments }, () => [LIMITS.maxOpenSegmentsTotal / LIMITS.maxOpenSegments - 1, 'busy']));
    assert.match(overall[0].message, /in this browser/);
    // Still answering, and promptly.
    const status = await exchange({ type: 'hello' }, { until: ['status'], ms: 10_000 });
    const s = status.find((a) => a.type === 'status');
    assert.ok(s?.ready, `no status after the bad messages: ${JSON.stringify(status)}`);
    t.diagnostic(`status ${s.ms} ms after the hello that followed the bad messages`);
    await exchange({ type: 'bye' }, { ms: 100 });
  });

  test('nothing was requested outside 127.0.0.1', () => {
    assert.deepEqual(outside, []);
  });
});
