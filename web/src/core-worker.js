// The wasm core in a worker of its own, so that a clip's next windows are made while the network
// scores the ones before (detector.js scanFile: the core and ONNX Runtime Web run at the same time,
// on two threads, instead of one after the other). It only reads the File, decodes, tracks the face
// and makes the windows; scoring, aggregation and the verdict stay with the detector.
//
// Memory stays bounded by a few windows: at most `queueLimit` windows are made and not yet scored;
// the detector acknowledges each window when it is done with it, and only then is one more made.
//
// Detector -> core worker
//   load    { coreUrl }                          load the core now (before any clip)
//   scan    { file: Blob, name, metadata, queueLimit }
//   scored  {}                                   a window has been scored: one more may be made
// Core worker -> detector
//   loaded  {}
//   opened  { info, coreMs }
//   window  { window, coreMs, decodeFraction, queued }   the window's arrays are transferred
//   end     { info, report, coreMs, maxQueued, coreWaitedMs }
//   error   { error: { code, name, message } }   (then the worker takes no more clips)
import { loadCore, toCoreError } from './core.js';

const now = () => performance.now();
const post = (msg, transfer = []) => self.postMessage(msg, transfer);

let corePromise = null;
let scored = 0; // windows of the running clip the detector is done with
let wakeUp = null;

function load(coreUrl) {
  corePromise ??= loadCore(coreUrl);
  return corePromise;
}

/** The arrays of a window (each a copy the core made for JavaScript) go to the detector without a copy. */
function buffersOf(w) {
  return [...new Set(Object.values(w).filter((v) => ArrayBuffer.isView(v)).map((v) => v.buffer))];
}

function waitForScored() {
  return new Promise((resolve) => {
    wakeUp = resolve;
  });
}

async function scan({ file, name, metadata, queueLimit }) {
  const core = await corePromise;
  let decodeFraction = 0;
  let t = now();
  const clip = await core.openClip(file, name, metadata, {
    onProgress: (f) => {
      decodeFraction = f;
    },
  });
  let coreMs = now() - t;
  try {
    post({ type: 'opened', info: clip.info, coreMs });
    scored = 0;
    let made = 0;
    let maxQueued = 0;
    let coreWaitedMs = 0;
    for (;;) {
      if (made - scored >= queueLimit) {
        t = now();
        await waitForScored();
        coreWaitedMs += now() - t;
        continue;
      }
      t = now();
      const w = clip.next();
      coreMs += now() - t;
      if (!w) break;
      made++;
      const queued = made - scored; // made and not yet scored, this one included
      maxQueued = Math.max(maxQueued, queued);
      post({ type: 'window', window: w, coreMs, decodeFraction, queued }, buffersOf(w));
    }
    post({ type: 'end', info: clip.readInfo(), report: clip.report(), coreMs, maxQueued, coreWaitedMs });
  } finally {
    clip.close();
  }
}

self.onmessage = async ({ data: msg }) => {
  try {
    if (msg.type === 'scored') {
      scored++;
      wakeUp?.();
      wakeUp = null;
    } else if (msg.type === 'load') {
      await load(msg.coreUrl);
      post({ type: 'loaded' });
    } else if (msg.type === 'scan') {
      await scan(msg);
    }
  } catch (err) {
    const e = toCoreError(err);
    post({ type: 'error', error: { code: e.code, name: e.name, message: e.message } });
  }
};
