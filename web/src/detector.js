// avlens as a library: the one place that turns a clip (a file, or frames and sound pushed from a
// playing video) into window scores, a clip score, a verdict under the model's own threshold, a
// per-second timeline, what the score rests on (coverage) and heat maps. The page's worker
// (worker.js), the extension's analysis worker (web/extension/analysis-worker.js) and other
// people's pages call it; they only translate messages to and from it. docs/LIBRARY.md shows a
// plain HTML page using it; detector.d.ts gives its types.
//
//   const detector = await createDetector({ model, backend, threads, onProgress });
//   const result = await detector.scanFile(file, { signal, onWindow });
//   const video = detector.openVideo({ onWindow });     // the streaming form (a playing video)
//   detector.close();
//
// The wasm core (core.js) decodes, tracks the face, makes the windows, reads the model's metadata
// and geometry and aggregates; ONNX Runtime Web (scorer.js) runs the network; verdict.js words the
// verdict. Nothing here re-implements a rule of theirs.
import { CoreError, loadCore, toCoreError } from './core.js';
import { readModelCard } from './model-card.js';
import { checkWindow, loadModel, scoreWindow, startOrt } from './scorer.js';
import { verdictFor } from './verdict.js';

// Where a built page or extension keeps the parts (web/build.mjs, web/extension/build.mjs): the
// library's defaults, so that `createDetector()` from a built site needs no URLs.
const DEFAULT_CORE_URL = new URL('../core/avlens_core.js', import.meta.url).href;
const DEFAULT_ORT_URL = new URL('../vendor/ort/', import.meta.url).href;
const DEFAULT_MODEL_URL = new URL('../model/avlens.onnx', import.meta.url).href;

// Streaming: windows are scored one at a time; when the network is slower than the video, the
// oldest waiting windows are dropped (and reported as skipped 'slow') rather than letting the delay
// grow without end. Exported so that reports and tests read the bound instead of copying it.
export const MAX_WAITING_WINDOWS = 4;
// Files: windows the core (in its worker) may have made and the network not yet scored. A few
// keep both threads busy when their pace varies from window to window; memory is bounded by them.
const DEFAULT_QUEUE_LIMIT = 3;
const MAX_QUEUE_LIMIT = 16;
// A window whose sound is flat (digital silence, or a site whose sound cannot be read) is not scored.
const SILENT_SPAN = 1e-6;
// The counts of a report that the core's coverage rule reads; a video's stretches add up.
const REPORT_COUNTS = ['frames', 'audioSamples', 'windows', 'windowsWithoutFace', 'decodeErrors'];

const now = () => performance.now();
const aborted = (signal) => Boolean(signal && signal.aborted);

/**
 * Starts what every detector of a page shares: ONNX Runtime Web on `backend` ('auto' | 'webgpu' |
 * 'wasm') with `threads` WebAssembly threads, and the wasm core from `coreUrl` (null: this build has
 * none). A core that fails to load does not stop the engine (`coreStatus` says why; loading a
 * model then fails with core_missing), so a page can still say what is wrong.
 * Returns { backend, ortVersion, core, coreStatus, loadDetector(model, options), close() }.
 */
export async function createEngine({ backend = 'auto', threads, coreUrl = DEFAULT_CORE_URL, ortUrl = DEFAULT_ORT_URL, onProgress } = {}) {
  onProgress?.({ stage: 'runtime', fraction: 0 });
  const { ort, backend: chosen } = await startOrt(backend, new URL(ortUrl, import.meta.url).href, { threads });
  onProgress?.({ stage: 'core', fraction: 0.2 });
  let core = null;
  let coreStatus;
  if (coreUrl === null) {
    coreStatus = { kind: 'missing', message: 'The analysis core (WebAssembly) is not part of this build yet.' };
  } else {
    try {
      core = await loadCore(new URL(coreUrl, import.meta.url).href);
      coreStatus = { kind: 'wasm', version: core.version, message: '' };
    } catch (err) {
      coreStatus = { kind: 'broken', message: err.message };
    }
  }
  const engine = {
    backend: chosen,
    // Where a scan's core worker (core-worker.js) loads the core from; null without a core.
    coreUrl: core ? new URL(coreUrl, import.meta.url).href : null,
    ortVersion: ort.env.versions?.web ?? null,
    core,
    coreStatus,
    /** A detector for one model (see createDetector) on this engine's runtime and core. */
    loadDetector: (model, options = {}) => loadDetector(engine, ort, model, { onProgress, ...options }),
  };
  return engine;
}

/**
 * The library's entry point, in the manner of transformers.js and MediaPipe Tasks: an async
 * factory that loads the runtime, the wasm core and the model, checks the model against its own
 * metadata and warms it up.
 *   model:   URL or path of an avlens .onnx, its bytes (ArrayBuffer, Uint8Array) or a Blob/File;
 *            default: the model bundled with the built site (model/avlens.onnx)
 *   backend: 'auto' (WebGPU on a hardware adapter, else WebAssembly), 'webgpu' or 'wasm'
 *   threads: WebAssembly threads for ONNX Runtime (default when cross-origin isolated: the cores less one, one left to the wasm core, up to 4; else 1)
 *   onProgress({ stage: 'runtime'|'core'|'model'|'warmup', fraction })
 *   coreUrl, ortUrl: where the wasm core (avlens_core.js) and ONNX Runtime Web's files are
 *            (default: core/ and vendor/ort/ of the built site)
 * Rejects with a CoreError / ModelError whose `code` names the problem.
 */
export async function createDetector({ model = DEFAULT_MODEL_URL, name, ...options } = {}) {
  const engine = await createEngine(options);
  return engine.loadDetector(model, { name });
}

async function modelBytes(model) {
  if (model instanceof ArrayBuffer) return new Uint8Array(model);
  if (ArrayBuffer.isView(model)) return new Uint8Array(model.buffer, model.byteOffset, model.byteLength);
  if (typeof Blob !== 'undefined' && model instanceof Blob) return new Uint8Array(await model.arrayBuffer());
  const url = new URL(String(model), typeof location !== 'undefined' ? location.href : import.meta.url);
  const res = await fetch(url);
  if (!res.ok) throw new CoreError('file_not_found', `the model ${url.href} could not be fetched (HTTP ${res.status})`);
  return new Uint8Array(await res.arrayBuffer());
}

async function loadDetector(engine, ort, model, { name, onProgress } = {}) {
  if (!engine.core) {
    // The core reads the model's metadata and geometry: no model loads without it.
    throw Object.assign(new Error(`the analysis core (WebAssembly), which reads the model's metadata, is not available: ${engine.coreStatus.message}`), { code: 'core_missing' });
  }
  onProgress?.({ stage: 'model', fraction: 0.4 });
  const bytes = await modelBytes(model);
  onProgress?.({ stage: 'warmup', fraction: 0.7 });
  const loaded = await loadModel(ort, engine.backend, bytes, engine.core);
  onProgress?.({ stage: 'warmup', fraction: 1 });
  const card = readModelCard(loaded.metadata);
  return new Detector(engine, ort, loaded, card, name ?? (typeof model === 'string' ? model.split('/').pop() : model?.name ?? 'model'));
}

/** What a window of the core looked like to the network, as an image: the middle frame's crop (PNG Blob). */
async function cropImage(w, g) {
  // The core's own RGB crops (every window carries them): no second copy of its normalisation here.
  const n = g.height * g.width;
  const base = Math.floor(g.frames / 2) * n * 3;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[i * 4] = w.crops[base + i * 3];
    rgba[i * 4 + 1] = w.crops[base + i * 3 + 1];
    rgba[i * 4 + 2] = w.crops[base + i * 3 + 2];
    rgba[i * 4 + 3] = 255;
  }
  const canvas = new OffscreenCanvas(g.width, g.height);
  canvas.getContext('2d').putImageData(new ImageData(rgba, g.width, g.height), 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}

class Detector {
  constructor(engine, ort, loaded, card, name) {
    this.engine = engine;
    this.ort = ort;
    this.loaded = loaded;
    this.card = card;
    /** The backend ONNX Runtime runs on: { name: 'webgpu'|'wasm', label, threads, adapter }. */
    this.backend = engine.backend;
    /**
     * The model: its metadata (as the core read it), window geometry (the core's), card, threshold
     * (its own, from its metadata), whether its card backs verdicts, its inputs and outputs.
     */
    this.model = {
      name,
      bytes: loaded.bytes,
      metadata: loaded.metadata,
      geometry: loaded.geometry,
      card,
      threshold: card.threshold,
      verdictSupported: card.verdictSupported,
      inputs: loaded.session.inputMetadata.map((m) => ({ name: m.name, shape: m.shape, type: m.type })),
      outputs: loaded.session.outputNames,
      heatMaps: Boolean(loaded.io.outputs.Mhat),
      loadMs: loaded.loadMs,
      warmupMs: loaded.warmupMs,
    };
    this.closed = false;
    this.waiting = []; // streaming: windows waiting for the network (every video's, oldest first)
    this.scoring = false;
    this.inScoring = null; // streaming: the window the network is scoring now
    this.videos = new Set();
    this.spareCoreWorkers = []; // core workers (core-worker.js) with no clip, for scanFile
  }

  get core() {
    return this.engine.core;
  }

  checkOpen() {
    if (this.closed) throw new CoreError('invalid_argument', 'this detector is closed');
  }

  /**
   * The verdict on a clip score, with the model's threshold and the core's coverage (verdict.js,
   * the one verdict rule of the page, the popup, the badge and this library).
   */
  verdict(score, coverage) {
    return verdictFor(score, this.card, coverage ?? null);
  }

  /**
   * Scans a video file (File or Blob): the core decodes it and makes the windows, the network scores
   * each, the core aggregates. The core makes the next windows in a worker of its own while the
   * network scores the ones before (overlap), with at most `queueLimit` windows made and not yet
   * scored. Options: signal (anything with `aborted`, e.g. an AbortSignal), onWindow(window) for each
   * scored window as it comes, onClip({ info, expectedWindows }) once the clip is open,
   * onProgress({ stage: 'analyse'|'aggregate', fraction, done, expected, elapsedMs }), crops (default
   * true: each window gets the face crop the network saw, a PNG Blob, for its heat map), overlap
   * (default true where workers exist; false: the core and the network take turns on this thread,
   * as before), queueLimit (default 3).
   * Resolves { file, clip, declaredDuration, windows, score, max, threshold, verdict, timeline,
   * aggregate, coverage, report, timings, pipeline }; rejects with a CoreError (code 'aborted' when
   * cancelled).
   */
  async scanFile(file, { signal, onWindow, onClip, onProgress, crops = true, overlap = true, queueLimit = DEFAULT_QUEUE_LIMIT } = {}) {
    this.checkOpen();
    if (!this.core) throw Object.assign(new Error(this.engine.coreStatus.message || 'The analysis core is not available.'), { code: 'core_missing' });
    if (!(Number.isInteger(queueLimit) && queueLimit >= 1 && queueLimit <= MAX_QUEUE_LIMIT)) {
      throw new CoreError('invalid_argument', `queueLimit must be a whole number from 1 to ${MAX_QUEUE_LIMIT}, not ${queueLimit}`);
    }
    const g = this.model.geometry;
    // windows: the core's own time (reading, decoding, tracking, windows; on its thread when it
    // overlaps); inference: the network's; total: the wall clock, less than their sum when overlapping.
    const timings = { windows: 0, inference: 0, heatmaps: 0, aggregate: 0, total: 0 };
    const tStart = now();
    const progress = (stage, fraction, extra = {}) => onProgress?.({ stage, fraction, elapsedMs: now() - tStart, ...extra });
    const checkCancel = () => {
      if (aborted(signal)) throw new CoreError('aborted', 'cancelled');
    };

    checkCancel();
    const name = file.name ?? 'clip';
    const source = overlap && this.canOverlap(file)
      ? await workerWindows(this.takeCoreWorker(), file, name, this.model.metadata, queueLimit, signal, (w) => this.keepCoreWorker(w))
      : await threadWindows(this.core, file, name, this.model.metadata, signal);
    try {
      progress('analyse', 0);
      const windowSeconds = g.frames / g.fps;
      const expected = Math.max(1, Math.floor((source.info.duration + 1e-6) / windowSeconds));
      onClip?.({ info: source.info, expectedWindows: expected });
      const windows = [];
      let skippedNoFace = 0;
      let t;
      for (let w = await source.next(); w; w = await source.next()) {
        checkWindow(w, g);
        checkCancel();
        // As `avlens scan`: a window whose face was missing in more than half of its frames is not
        // scored (the report and the timeline show those seconds as without a face).
        if (!w.hasFace) {
          skippedNoFace++;
          source.done();
          continue;
        }
        t = now();
        const { score, maps } = await scoreWindow(this.ort, this.loaded, w);
        timings.inference += now() - t;
        checkCancel();
        t = now();
        const crop = crops ? await cropImage(w, g) : null;
        timings.heatmaps += now() - t;
        const window = {
          index: w.index,
          startTime: w.startTime,
          duration: w.duration ?? windowSeconds,
          score,
          hasFace: w.hasFace,
          framesWithoutFace: w.framesWithoutFace,
          boxes: w.boxes ? Array.from(w.boxes) : null,
          maps,
          crop,
        };
        source.done(); // the core may make one more window
        windows.push(window);
        onWindow?.(window);
        const done = windows.length;
        progress('analyse', Math.min(0.99, Math.max(done / Math.max(expected, done + 1), source.decodeFraction * 0.98)), { done, expected });
      }
      // Read to the end, the core has capped the duration the container declared at what was
      // decoded (a container may declare anything): the timeline is sized from that.
      const { info, report } = await source.end();
      timings.windows = source.coreMs;
      const clipName = file.name ?? 'the clip';
      if (windows.length === 0 && skippedNoFace > 0) throw new CoreError('no_face', `${clipName}: no window with a face (${skippedNoFace} window${skippedNoFace > 1 ? 's' : ''} without one)`);
      if (windows.length === 0) throw new CoreError('too_short', `the clip gave no complete ${windowSeconds.toFixed(2)} s window`);
      progress('aggregate', 0.995);
      t = now();
      const scored = windows.map((w) => ({ startTime: w.startTime, duration: w.duration, score: w.score }));
      const aggregate = this.core.aggregate(scored, info.duration);
      // What the score rests on, and whether a verdict may be given: the core's rule on the clip's
      // report, as in `avlens scan`.
      const coverage = this.core.coverage(report, scored, this.model.metadata);
      timings.aggregate = now() - t;
      timings.total = now() - tStart;
      const verdict = this.verdict(aggregate.mean, coverage);
      return {
        file: { name: file.name ?? null, bytes: file.size, type: file.type ?? '' },
        clip: info,
        declaredDuration: source.info.duration,
        windows,
        score: aggregate.mean,
        max: aggregate.max,
        threshold: this.card.threshold,
        verdict,
        timeline: aggregate.timeline,
        aggregate,
        coverage,
        report,
        timings,
        pipeline: source.stats(),
      };
    } finally {
      source.close();
    }
  }

  /** Whether this scan can make its windows in a worker: workers exist and the file can be sent to one. */
  canOverlap(file) {
    return typeof Worker !== 'undefined' && typeof Blob !== 'undefined' && file instanceof Blob && Boolean(this.engine.coreUrl);
  }

  /** A core worker that has no clip (started now when there is none). */
  takeCoreWorker() {
    return this.spareCoreWorkers.pop() ?? new CoreWorker(this.engine.coreUrl);
  }

  /** A core worker whose clip is over waits for the next one (unless this detector is closed). */
  keepCoreWorker(coreWorker) {
    if (this.closed) coreWorker.terminate();
    else this.spareCoreWorkers.push(coreWorker);
  }

  /**
   * Starts the worker that makes a scan's windows now, so that the first scanFile does not wait
   * for the core to load in it (the page calls this once its model is ready).
   */
  prepareScans() {
    this.checkOpen();
    if (this.spareCoreWorkers.length === 0 && typeof Worker !== 'undefined' && this.engine.coreUrl) this.spareCoreWorkers.push(new CoreWorker(this.engine.coreUrl));
  }


  /**
   * The streaming form: a video that plays while it is analysed (the extension). Its frames and
   * sound come in stretches of playback (`openStretch(start)`: a seek or a pause ends one); the
   * core makes the windows as it does for files; the network scores them one at a time, dropping
   * the oldest waiting ones when it falls behind; a part watched again replaces its earlier window.
   *   onWindow({ window, aggregate?, coverage, verdict }): every window made, scored or not
   *            (window.score null and window.skipped 'silent' | 'no_face' | 'slow' when not);
   *            aggregate (with a per-second timeline) and verdict after each scored one
   *            stream: the video's stream state after it (VideoStream.streamState)
   *   onBacklog(stream): a window of this video joined the waiting ones (stream: as above)
   *   onProblem(error, stretch): a stretch that failed (it is closed)
   *   maxScores: scored windows kept for the timeline (the earliest go past it)
   */
  openVideo({ onWindow, onBacklog, onProblem, maxScores = 4 * 3600 } = {}) {
    this.checkOpen();
    const video = new VideoStream(this, { onWindow, onBacklog, onProblem, maxScores });
    this.videos.add(video);
    return video;
  }

  enqueue(item) {
    this.waiting.push(item);
    if (this.waiting.length > MAX_WAITING_WINDOWS) {
      const dropped = this.waiting.shift();
      dropped.video.emit({ ...dropped.base, score: null, skipped: 'slow' }, dropped.stretch);
    }
    // The backlog is measured once the bound holds again (the dropped window counted as skipped).
    item.video.noteWaiting();
    item.video.onBacklog?.(item.video.streamState());
    if (!this.scoring) this.scoreWaiting();
  }

  /** Windows of `video` waiting for the network (not counting the one it scores now). */
  waitingFor(video) {
    let n = 0;
    for (const item of this.waiting) if (item.video === video) n++;
    return n;
  }

  async scoreWaiting() {
    this.scoring = true;
    try {
      while (this.waiting.length > 0 && !this.closed) {
        const item = this.waiting.shift();
        const { video, stretch, window: w, base } = item;
        this.inScoring = item;
        let score;
        try {
          ({ score } = await scoreWindow(this.ort, this.loaded, w));
        } catch (err) {
          this.inScoring = null;
          video.counts.failed++;
          video.problem(err, stretch);
          continue;
        }
        this.inScoring = null;
        if (!video.closed) video.addScore(base, score, stretch);
      }
    } finally {
      this.scoring = false;
      this.inScoring = null;
    }
  }

  /** Releases the model's session and every open stream; the detector cannot be used after. */
  async close() {
    if (this.closed) return;
    for (const v of [...this.videos]) v.close();
    this.closed = true;
    this.waiting.length = 0;
    for (const w of this.spareCoreWorkers.splice(0)) w.terminate();
    await this.loaded.session.release();
  }
}

/**
 * A clip's windows made on this thread: the core and the network take turns (overlap: false, or
 * where there are no workers). Interface of a window source: info (as opened), next() -> a window
 * of the core or null, done() (the caller is finished with the last window), decodeFraction,
 * coreMs, end() -> { info, report } once read to the end, stats(), close().
 */
async function threadWindows(core, file, name, metadata, signal) {
  let decodeFraction = 0;
  let t = now();
  // The core reads the File slice by slice as it decodes (FileReaderSync in a worker): it is
  // never copied whole, so reading is part of the windows' time.
  const clip = await core.openClip(file, name, metadata, {
    onProgress: (f) => {
      decodeFraction = f;
    },
    signal: { get aborted() { return aborted(signal); } },
  });
  let coreMs = now() - t;
  return {
    info: clip.info,
    get decodeFraction() {
      return decodeFraction;
    },
    get coreMs() {
      return coreMs;
    },
    async next() {
      t = now();
      const w = clip.next();
      coreMs += now() - t;
      return w;
    },
    done() {},
    async end() {
      return { info: clip.readInfo(), report: clip.report() };
    },
    stats: () => ({ overlap: false, queueLimit: null, maxQueued: null, coreWaitedMs: null, networkWaitedMs: null }),
    close: () => clip.close(),
  };
}

/** The wasm core in a worker of its own (core-worker.js), loading as soon as it is made. */
class CoreWorker {
  constructor(coreUrl) {
    this.worker = new Worker(new URL('./core-worker.js', import.meta.url), { type: 'module', name: 'avlens-core' });
    this.listener = null; // the running scan's
    this.worker.onmessage = ({ data }) => this.listener?.(data);
    this.worker.onerror = (e) => {
      e.preventDefault?.();
      this.listener?.({ type: 'error', error: { code: 'internal', message: `the analysis core's worker failed (${e.message || 'it could not start'})` } });
    };
    this.worker.postMessage({ type: 'load', coreUrl });
  }

  terminate() {
    this.listener = null;
    this.worker.terminate();
  }
}

/**
 * A clip's windows made by a core worker while this thread scores the ones before: at most
 * `queueLimit` of them made and not yet done() with (the worker waits for each done()). A cancel
 * (signal.aborted, polled while waiting) or a failure ends the worker; a clip read to the end,
 * or refused by the core with an error about the clip, leaves it ready for the next one.
 */
async function workerWindows(coreWorker, file, name, metadata, queueLimit, signal, keep) {
  const inbox = [];
  let waiter = null;
  let stopped = null;
  let workerFinished = false; // the worker has no clip open: an `end` or an `error` came
  let internalError = false; // the core failed inside: its state goes with its worker
  let networkWaitedMs = 0;
  let last = null; // the last window's message
  const deliver = () => {
    if (!waiter || (!stopped && inbox.length === 0)) return;
    const { resolve, reject } = waiter;
    waiter = null;
    if (stopped) return reject(stopped);
    const msg = inbox.shift();
    if (msg.type === 'error') {
      workerFinished = true;
      internalError = msg.error.code === 'internal';
      stopped = new CoreError(msg.error.code, msg.error.message);
      return reject(stopped);
    }
    return resolve(msg);
  };
  coreWorker.listener = (msg) => {
    if (msg.type === 'loaded') return;
    inbox.push(msg);
    deliver();
  };
  const receive = () => {
    const t = now();
    return new Promise((resolve, reject) => {
      waiter = { resolve, reject };
      deliver();
    }).finally(() => {
      networkWaitedMs += now() - t;
    });
  };
  // The core runs on its own thread, so this one is free to notice a cancel while it waits.
  const poll = setInterval(() => {
    if (aborted(signal) && !stopped) {
      stopped = new CoreError('aborted', 'cancelled');
      deliver();
    }
  }, 50);
  const close = () => {
    clearInterval(poll);
    if (workerFinished && !internalError) {
      coreWorker.listener = null;
      keep(coreWorker);
    } else {
      coreWorker.terminate();
    }
  };
  coreWorker.worker.postMessage({ type: 'scan', file, name, metadata, queueLimit });
  let opened;
  try {
    opened = await receive();
    networkWaitedMs = 0; // opening the clip is the core's time, not the network's wait
  } catch (err) {
    close();
    throw err;
  }
  let endMsg = null;
  return {
    info: opened.info,
    get decodeFraction() {
      return last?.decodeFraction ?? 0;
    },
    get coreMs() {
      return (endMsg ?? last ?? opened).coreMs;
    },
    async next() {
      const msg = await receive();
      if (msg.type === 'end') {
        endMsg = msg;
        workerFinished = true;
        return null;
      }
      last = msg;
      return msg.window;
    },
    done() {
      coreWorker.worker.postMessage({ type: 'scored' });
    },
    async end() {
      return { info: endMsg.info, report: endMsg.report };
    },
    stats: () => ({ overlap: true, queueLimit, maxQueued: endMsg.maxQueued, coreWaitedMs: endMsg.coreWaitedMs, networkWaitedMs }),
    close,
  };
}

const emptyReport = () => Object.fromEntries(REPORT_COUNTS.map((k) => [k, 0]));
function addReport(sum, report) {
  for (const k of REPORT_COUNTS) sum[k] += report[k] ?? 0;
  return sum;
}

/** One playing video: its stretches, its scores and what they rest on. */
class VideoStream {
  constructor(detector, { onWindow, onBacklog, onProblem, maxScores }) {
    this.detector = detector;
    this.onWindow = onWindow;
    this.onBacklog = onBacklog;
    this.onProblem = onProblem;
    // Every window made is scored, skipped (with its reason), failed (onProblem), waiting, or being
    // scored: made = scored + skipped (all reasons) + failed + waiting + scoring, at every moment.
    this.counts = { made: 0, scored: 0, skipped: { silent: 0, no_face: 0, slow: 0 }, failed: 0 };
    this.maxWaiting = 0; // the most of this video's windows that waited at once
    this.maxScores = maxScores;
    this.scores = []; // [{ startTime, duration, score }], sorted by time
    this.past = emptyReport(); // the reports of closed stretches
    this.stretches = new Set();
    this.closed = false;
  }

  /** A stretch of playback from media time `start` (seconds); its frame times count from there. */
  openStretch(start = 0) {
    if (this.closed) throw new CoreError('invalid_argument', 'this video is closed');
    const stretch = new Stretch(this, this.detector.core.createWindowMaker(this.detector.model.metadata), start);
    this.stretches.add(stretch);
    return stretch;
  }

  /**
   * What the video's scores rest on, by the core's rule (clipCoverage, as for a file): the reports
   * of its closed stretches and of those still open, against the windows scored. A part watched
   * twice counts its seconds twice.
   */
  coverage() {
    const report = { ...this.past };
    for (const s of this.stretches) addReport(report, s.maker.report());
    return this.detector.core.coverage(report, this.scores, this.detector.model.metadata);
  }

  /** { mean, max, windows, timeline } of the scores so far (timeline: null for an unscored second). */
  aggregate() {
    const a = this.detector.core.aggregate(this.scores, 0);
    return { mean: a.mean, max: a.max, windows: a.windows, timeline: a.timeline.map((x) => (Number.isFinite(x) ? x : null)) };
  }

  /**
   * Where this video's windows are now: the counts above, `waiting` (the backlog: made, not yet
   * scored nor dropped; at most `waitingLimit` together with other videos'), `scoring` (1 while
   * the network scores one of them), `maxWaiting` (the most that waited at once, since it opened),
   * `openStretches` (0: every stretch has ended and made its last windows).
   */
  streamState() {
    const c = this.counts;
    return {
      made: c.made,
      scored: c.scored,
      skipped: { ...c.skipped },
      failed: c.failed,
      waiting: this.detector.waitingFor(this),
      scoring: this.detector.inScoring?.video === this ? 1 : 0,
      maxWaiting: this.maxWaiting,
      waitingLimit: MAX_WAITING_WINDOWS,
      openStretches: this.stretches.size,
    };
  }

  noteWaiting() {
    this.maxWaiting = Math.max(this.maxWaiting, this.detector.waitingFor(this));
  }

  emit(window, stretch, aggregate = null) {
    if (window.skipped) this.counts.skipped[window.skipped]++;
    else this.counts.scored++;
    let coverage = null; // unknown: no verdict is given without it
    try {
      coverage = this.coverage();
    } catch (err) {
      console.error(`avlens: coverage: ${err.message}`);
    }
    const verdict = aggregate && aggregate.windows > 0 ? this.detector.verdict(aggregate.mean, coverage) : null;
    this.onWindow?.({ window, ...(aggregate ? { aggregate } : {}), coverage, verdict, stream: this.streamState() });
  }

  addScore(base, score, stretch) {
    // Watching a part again replaces its earlier window instead of counting it twice.
    this.scores = this.scores.filter((s) => Math.abs(s.startTime - base.startTime) >= base.duration / 2);
    this.scores.push({ startTime: base.startTime, duration: base.duration, score });
    this.scores.sort((a, b) => a.startTime - b.startTime);
    if (this.scores.length > this.maxScores) this.scores.splice(0, this.scores.length - this.maxScores);
    this.emit({ ...base, score }, stretch, this.aggregate());
  }

  problem(err, stretch) {
    this.onProblem?.(err, stretch);
  }

  /** Ends every stretch (without making their last windows) and forgets the scores. */
  close() {
    for (const s of [...this.stretches]) s.close({ flush: false });
    this.closed = true;
    this.scores = [];
    this.detector.videos.delete(this);
  }
}

/** A stretch of playback: RGBA frames and mono sound at the model's sample rate go in. */
class Stretch {
  constructor(video, maker, start) {
    this.video = video;
    this.maker = maker;
    this.start = start;
    this.open = true;
  }

  checkOpen() {
    if (!this.open) throw new CoreError('invalid_argument', 'this stretch of the video is closed');
  }

  /** RGBA (or RGB) bytes of a frame at `time` seconds from the stretch's start. */
  pushFrame(pixels, width, height, time) {
    this.checkOpen();
    this.maker.pushFrame(pixels, width, height, time);
    this.drain();
  }

  /** Mono Float32Array at the model's sample rate, contiguous from the stretch's start. */
  pushAudio(samples) {
    this.checkOpen();
    this.maker.pushAudio(samples);
    this.drain();
  }

  drain() {
    const detector = this.video.detector;
    const g = detector.model.geometry;
    for (let w = this.maker.pop(); w !== null; w = this.maker.pop()) {
      checkWindow(w, g);
      this.video.counts.made++;
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of w.audio) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const base = { startTime: this.start + w.startTime, duration: w.duration ?? g.frames / g.fps, hasFace: w.hasFace, framesWithoutFace: w.framesWithoutFace };
      if (!(hi - lo > SILENT_SPAN)) {
        this.video.emit({ ...base, score: null, skipped: 'silent' }, this);
        continue;
      }
      // As for files and `avlens scan`: a window whose frames mostly show no face is not scored.
      if (!w.hasFace) {
        this.video.emit({ ...base, score: null, skipped: 'no_face' }, this);
        continue;
      }
      detector.enqueue({ video: this.video, stretch: this, window: w, base });
    }
  }

  /**
   * Ends the stretch. flush (default true): make its last windows first; a stretch shorter than a
   * window gives none (not a problem), one without any face reports no_face through onProblem.
   */
  close({ flush = true } = {}) {
    if (!this.open) return;
    this.open = false;
    try {
      if (flush) {
        // finish() throws no_face when no frame had a face, after making its last windows:
        // those are reported too (as windows without a face), then the problem.
        try {
          this.maker.finish(-1);
        } finally {
          this.drain();
        }
      }
    } catch (err) {
      if (toCoreError(err).code !== 'too_short') this.video.problem(err, this);
    } finally {
      // What this stretch decoded stays in the video's coverage after its maker is gone.
      try {
        addReport(this.video.past, this.maker.report());
      } finally {
        this.video.stretches.delete(this);
        this.maker.close();
      }
    }
  }
}

export { CoreError };
