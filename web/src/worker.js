// The analysis worker: the wasm core turns a clip into windows, ONNX Runtime Web scores each
// window, the core aggregates the scores. Runs off the main thread so the page stays responsive.
//
// Messages in:  init { backend: 'auto'|'webgpu'|'wasm', abortFlag?: SharedArrayBuffer, build }
//               load-model { name, bytes: ArrayBuffer, source: 'default'|'file' }
//               analyze { runId, file: File }
//               cancel
// Messages out: ready, model, model-error, progress, window, result, error, cancelled, log
import { CoreError, loadCore } from './core.js';
import { checkWindow, errorMessage, loadModel as loadSession, scoreWindow, startOrt } from './scorer.js';

const ORT_DIR = new URL('../vendor/ort/', import.meta.url).href;
const STAGES = { read: 'Reading the file', analyse: 'Finding the face and scoring each second', aggregate: 'Combining the scores' };

const state = {
  ort: null,
  backend: null, // { name: 'webgpu'|'wasm', label, threads, adapter }
  core: null,
  coreStatus: { kind: 'missing', message: '' },
  model: null, // { session, io, geometry, info, name, bytes, source }
  abortFlag: null, // Int32Array over a SharedArrayBuffer shared with the page
  cancelRequested: false,
  running: false,
};

const now = () => performance.now();
const post = (msg, transfer = []) => self.postMessage(msg, transfer);

function isCancelled() {
  return state.cancelRequested || (state.abortFlag !== null && Atomics.load(state.abortFlag, 0) !== 0);
}

async function init({ backend = 'auto', abortFlag = null, build = {} }) {
  state.abortFlag = abortFlag ? new Int32Array(abortFlag) : null;
  const chosen = await startOrt(backend, ORT_DIR);
  state.ort = chosen.ort;
  state.backend = chosen.backend;

  if (build.core?.kind && build.core.kind !== 'missing') {
    try {
      state.core = await loadCore(new URL(`../${build.core.module}`, import.meta.url).href);
      state.coreStatus = { kind: build.core.kind, version: state.core.version, message: '' };
    } catch (err) {
      state.coreStatus = { kind: 'broken', message: err.message };
    }
  } else {
    state.coreStatus = { kind: 'missing', message: 'The analysis core (WebAssembly) is not part of this build yet.' };
  }
  post({ type: 'ready', backend: state.backend, core: state.coreStatus, ortVersion: state.ort.env.versions?.web ?? null });
}

async function loadModel({ name, bytes, source }) {
  // The core reads the model's geometry (init loaded it before the page sends a model).
  const { session, io, geometry, info, bytes: byteLength, loadMs, warmupMs } = await loadSession(state.ort, state.backend, bytes, state.core);
  if (state.model) await state.model.session.release();
  state.model = { session, io, geometry, info, name, bytes: byteLength, source };
  post({
    type: 'model',
    model: {
      name,
      source,
      bytes: byteLength,
      metadata: info.metadata,
      producer: [info.producer, info.producerVersion].filter(Boolean).join(' '),
      opsets: info.opsets,
      geometry,
      inputs: session.inputMetadata.map((m) => ({ name: m.name, shape: m.shape, type: m.type })),
      outputs: session.outputNames,
      heatMaps: Boolean(io.outputs.Mhat),
      loadMs,
      warmupMs,
    },
  });
}

// The crop the network saw (middle frame of the window), as an image for the heat map: the core's
// RGB crops when it gives them, else the video tensor mapped back to pixels.
async function cropImage(w, g) {
  const t = Math.floor(g.frames / 2);
  const n = g.height * g.width;
  const rgba = new Uint8ClampedArray(n * 4);
  if (w.crops && w.crops.length === g.frames * n * 3) {
    const base = t * n * 3;
    for (let i = 0; i < n; i++) {
      rgba[i * 4] = w.crops[base + i * 3];
      rgba[i * 4 + 1] = w.crops[base + i * 3 + 1];
      rgba[i * 4 + 2] = w.crops[base + i * 3 + 2];
      rgba[i * 4 + 3] = 255;
    }
  } else {
    const plane = g.frames * n;
    const frame = t * n;
    const scale = 255 * g.videoStd;
    const offset = 255 * g.videoMean;
    for (let i = 0; i < n; i++) {
      rgba[i * 4] = w.video[frame + i] * scale + offset;
      rgba[i * 4 + 1] = w.video[plane + frame + i] * scale + offset;
      rgba[i * 4 + 2] = w.video[2 * plane + frame + i] * scale + offset;
      rgba[i * 4 + 3] = 255;
    }
  }
  const canvas = new OffscreenCanvas(g.width, g.height);
  canvas.getContext('2d').putImageData(new ImageData(rgba, g.width, g.height), 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}

async function analyze({ runId, file }) {
  if (!state.model) throw new CoreError('invalid_argument', 'no model is loaded');
  if (!state.core) throw Object.assign(new Error(state.coreStatus.message || 'The analysis core is not available.'), { code: 'core_missing' });
  state.cancelRequested = false;
  const g = state.model.geometry;
  const timings = { read: 0, windows: 0, inference: 0, heatmaps: 0, aggregate: 0, total: 0 };
  const tStart = now();
  let lastProgressPost = 0;
  const progress = (stage, fraction, extra = {}, force = false) => {
    const t = now();
    if (!force && t - lastProgressPost < 100) return;
    lastProgressPost = t;
    post({ type: 'progress', runId, stage, label: STAGES[stage], fraction, elapsedMs: t - tStart, ...extra });
  };
  const checkCancel = () => {
    if (isCancelled()) throw new CoreError('aborted', 'cancelled');
  };

  // The core reads the File slice by slice as it decodes (FileReaderSync): it is never copied whole.
  progress('analyse', 0, {}, true);
  let t = now();
  let expected = 0;
  let decodeFraction = 0;
  // The core polls `aborted` between frames, while this thread is busy inside it: the page's
  // cancel reaches it through the shared flag, not through a message.
  const signal = {
    get aborted() {
      return isCancelled();
    },
  };
  const clip = await state.core.openClip(file, file.name, state.model.info.metadata, {
    onProgress: (f) => {
      decodeFraction = f;
    },
    signal,
  });
  timings.windows += now() - t;
  try {
    const windowSeconds = g.frames / g.fps;
    expected = Math.max(1, Math.floor((clip.info.duration + 1e-6) / windowSeconds));
    post({ type: 'clip', runId, info: clip.info, expectedWindows: expected });
    const scores = [];
    let done = 0;
    let skippedNoFace = 0;
    for (;;) {
      t = now();
      const w = clip.next();
      timings.windows += now() - t;
      if (!w) break;
      checkWindow(w, g);
      checkCancel();
      // Like the native `avlens scan`: a window whose face was missing in more than half of its
      // frames is not scored (the report and the timeline show those seconds as without a face).
      if (!w.hasFace) {
        skippedNoFace++;
        continue;
      }
      t = now();
      const { score, maps } = await scoreWindow(state.ort, state.model, w);
      timings.inference += now() - t;
      checkCancel();
      t = now();
      const crop = await cropImage(w, g);
      timings.heatmaps += now() - t;
      const duration = w.duration ?? g.frames / g.fps;
      scores.push({ startTime: w.startTime, duration, score });
      done++;
      const transfer = Object.values(maps).filter(Boolean).map((m) => m.data.buffer);
      post(
        {
          type: 'window',
          runId,
          window: {
            index: w.index,
            startTime: w.startTime,
            duration,
            score,
            hasFace: w.hasFace,
            framesWithoutFace: w.framesWithoutFace,
            boxes: w.boxes ? Array.from(w.boxes) : null,
            maps,
            crop,
          },
        },
        transfer,
      );
      const fraction = Math.min(0.99, Math.max(done / Math.max(expected, done + 1), decodeFraction * 0.98));
      progress('analyse', fraction, { done, expected }, true);
    }
    if (scores.length === 0 && skippedNoFace > 0) throw new CoreError('no_face', `${file.name}: no window with a face (${skippedNoFace} window${skippedNoFace > 1 ? 's' : ''} without one)`);
    if (scores.length === 0) throw new CoreError('too_short', `the clip gave no complete ${windowSeconds.toFixed(2)} s window`);
    progress('aggregate', 0.995, {}, true);
    t = now();
    // Read to the end, the core has capped the duration the container declared at what was decoded
    // (a container may declare anything): the timeline is sized from that, never from clip.info.
    const info = clip.readInfo();
    const aggregate = state.core.aggregate(scores, info.duration);
    // What the score rests on, and whether a verdict may be given: the core's rule, as in `avlens scan`.
    const coverage = clip.coverage(scores);
    timings.aggregate = now() - t;
    const report = clip.report();
    timings.total = now() - tStart;
    post({
      type: 'result',
      runId,
      result: {
        file: { name: file.name, bytes: file.size, type: file.type },
        clip: info,
        declaredDuration: clip.info.duration,
        report,
        coverage,
        aggregate,
        windows: scores,
        timings,
        backend: state.backend,
        model: { name: state.model.name, source: state.model.source, metadata: state.model.info.metadata, geometry: g },
        core: state.coreStatus,
      },
    });
  } finally {
    clip.close();
  }
}

self.onmessage = async ({ data: msg }) => {
  switch (msg.type) {
    case 'init':
      try {
        await init(msg);
      } catch (err) {
        post({ type: 'init-error', error: errorMessage(err) });
      }
      break;
    case 'load-model':
      try {
        await loadModel(msg);
      } catch (err) {
        post({ type: 'model-error', name: msg.name, source: msg.source, error: errorMessage(err) });
      }
      break;
    case 'analyze':
      if (state.running) {
        post({ type: 'error', runId: msg.runId, error: { code: 'busy', message: 'an analysis is already running' } });
        break;
      }
      state.running = true;
      try {
        await analyze(msg);
      } catch (err) {
        const e = errorMessage(err);
        post(e.code === 'aborted' ? { type: 'cancelled', runId: msg.runId } : { type: 'error', runId: msg.runId, error: e });
      } finally {
        state.running = false;
        state.cancelRequested = false;
        if (state.abortFlag) Atomics.store(state.abortFlag, 0, 0);
      }
      break;
    case 'cancel':
      state.cancelRequested = true;
      break;
    default:
      post({ type: 'log', message: `unknown message ${msg.type}` });
  }
};
