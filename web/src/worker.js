// The page's analysis worker: runs the detector library (detector.js) off the main thread and
// translates the page's messages to and from it (protocol.js documents every message). It holds no
// scoring, verdict or geometry rule of its own.
import { CoreError, createEngine } from './detector.js';
import { errorMessage } from './scorer.js';

const STAGES = { analyse: 'Finding the face and scoring each second', aggregate: 'Combining the scores' };

const state = {
  engine: null, // createEngine's: runtime, core, coreStatus
  detector: null, // the loaded model's detector
  source: null, // { name, source } of the loaded model
  abortFlag: null, // Int32Array over a SharedArrayBuffer shared with the page
  cancelRequested: false,
  running: false,
  inUse: null, // the detector the running analysis started with
  retired: null, // that detector, once a newer model replaced it: closed when the analysis ends
  loads: Promise.resolve(), // model loads, one after the other, so the last one asked for is the one kept
  overlap: true, // scanFile's: the core makes windows in its own worker while the network scores
};

const post = (msg, transfer = []) => self.postMessage(msg, transfer);

function isCancelled() {
  return state.cancelRequested || (state.abortFlag !== null && Atomics.load(state.abortFlag, 0) !== 0);
}

async function init({ backend = 'auto', abortFlag = null, build = {}, threads, overlap = true }) {
  state.abortFlag = abortFlag ? new Int32Array(abortFlag) : null;
  state.overlap = overlap;
  const hasCore = build.core?.kind && build.core.kind !== 'missing';
  state.engine = await createEngine({
    backend,
    threads,
    ortUrl: new URL('../vendor/ort/', import.meta.url).href,
    coreUrl: hasCore ? new URL(`../${build.core.module}`, import.meta.url).href : null,
  });
  const { engine } = state;
  post({ type: 'ready', backend: engine.backend, core: engine.coreStatus, ortVersion: engine.ortVersion });
}

async function loadModel({ name, bytes, source }) {
  // The page's current model stays until the new one has loaded and passed its checks.
  const detector = await state.engine.loadDetector(bytes, { name });
  const previous = state.detector;
  state.detector = detector;
  state.source = { name, source };
  // A clip being checked keeps the model it started with (its session must outlive the run).
  if (previous && previous === state.inUse) state.retired = previous;
  else if (previous) await previous.close();
  // The core's worker for clips loads now, not when the first clip is dropped.
  if (state.overlap) detector.prepareScans();
  const { model } = detector;
  post({
    type: 'model',
    model: {
      name,
      source,
      bytes: model.bytes,
      metadata: model.metadata,
      geometry: model.geometry,
      threshold: model.threshold,
      inputs: model.inputs,
      outputs: model.outputs,
      heatMaps: model.heatMaps,
      loadMs: model.loadMs,
      warmupMs: model.warmupMs,
    },
  });
}

async function analyze({ runId, file }) {
  if (!state.detector) {
    if (state.engine?.coreStatus.kind !== 'wasm') throw Object.assign(new Error(state.engine?.coreStatus.message || 'The analysis core is not available.'), { code: 'core_missing' });
    throw new CoreError('invalid_argument', 'no model is loaded');
  }
  state.cancelRequested = false;
  // The model this clip is checked with, and named with, whatever model is loaded meanwhile.
  const d = state.detector;
  const model = state.source;
  state.inUse = d;
  try {
    await scanWith(d, model, runId, file);
  } finally {
    state.inUse = null;
    const retired = state.retired;
    state.retired = null;
    await retired?.close();
  }
}

async function scanWith(d, model, runId, file) {
  const result = await d.scanFile(file, {
    overlap: state.overlap,
    // The core polls `aborted` between frames, while this thread is busy inside it: the page's
    // cancel reaches it through the shared flag, not through a message.
    signal: {
      get aborted() {
        return isCancelled();
      },
    },
    onClip: ({ info, expectedWindows }) => post({ type: 'clip', runId, info, expectedWindows }),
    onProgress: (p) => post({ type: 'progress', runId, label: STAGES[p.stage], ...p }),
    // The heat maps go to the page without a copy (the result below carries no maps).
    onWindow: (w) => post({ type: 'window', runId, window: w }, Object.values(w.maps).filter(Boolean).map((m) => m.data.buffer)),
  });
  post({
    type: 'result',
    runId,
    result: {
      ...result,
      windows: result.windows.map(({ startTime, duration, score }) => ({ startTime, duration, score })),
      backend: d.backend,
      model: { name: model.name, source: model.source, metadata: d.model.metadata, geometry: d.model.geometry },
      core: state.engine.coreStatus,
    },
  });
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
      state.loads = state.loads.then(async () => {
        try {
          await loadModel(msg);
        } catch (err) {
          post({ type: 'model-error', name: msg.name, source: msg.source, error: errorMessage(err) });
        }
      });
      await state.loads;
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
