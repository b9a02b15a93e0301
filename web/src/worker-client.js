// The page's side of its analysis worker (worker.js; the messages: protocol.js): starts the worker,
// sends it models, clips and cancels, hands its messages to the page, and replaces it when it
// crashed or after a failed analysis (protocol.js restartsWorker). The page never talks to the
// worker but through this.
import { FROM_WORKER, restartsWorker } from './protocol.js';

export class AnalysisWorker {
  /**
   * onMessage(msg): every message of the worker (protocol.js FROM_WORKER);
   * onStart(): a fresh worker is starting (the page forgets the old one's model and backend);
   * onCrash(detail): the worker died (out of memory in the browser, a bug).
   */
  constructor({ onMessage, onStart, onCrash }) {
    this.onMessage = onMessage;
    this.onStart = onStart;
    this.onCrash = onCrash;
    this.worker = null;
    this.abortFlag = null; // Int32Array over a SharedArrayBuffer (when cross-origin isolated)
    this.init = null;
  }

  /**
   * A fresh worker (the old one, if any, is ended) with ONNX Runtime on `backend` with `threads`
   * (undefined: its default) and the build's core; overlap false: the core and the network take
   * turns on one thread (the way before they overlapped; for side-by-side measurements).
   */
  start({ backend, build, threads, overlap = true }) {
    this.worker?.terminate();
    this.init = { backend, build, threads, overlap };
    this.onStart();
    this.abortFlag = self.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : null;
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'avlens-analysis' });
    this.worker = worker;
    worker.onmessage = (e) => {
      if (worker !== this.worker || !FROM_WORKER.includes(e.data?.type)) return;
      this.onMessage(e.data);
      if (e.data.type === 'error' && restartsWorker(e.data.error)) this.restart();
    };
    worker.onerror = (e) => {
      e.preventDefault?.();
      if (worker === this.worker) this.onCrash(e.message || 'the analysis worker failed');
    };
    worker.postMessage({ type: 'init', backend, abortFlag: this.abortFlag ? this.abortFlag.buffer : null, build, threads, overlap });
  }

  /** The same worker again, fresh: the page reloads its model on `ready`. */
  restart() {
    this.start(this.init);
  }

  /** Sends a model (a copy of `bytes`: the page keeps its own to reload after a restart). */
  loadModel({ name, bytes, source }) {
    const copy = bytes.slice(0);
    this.worker.postMessage({ type: 'load-model', name, bytes: copy, source }, [copy]);
  }

  analyze(runId, file) {
    if (this.abortFlag) Atomics.store(this.abortFlag, 0, 0);
    this.worker.postMessage({ type: 'analyze', runId, file });
  }

  /** Asks the running analysis to stop: through the shared flag (the core polls it) and a message. */
  cancel() {
    if (this.abortFlag) Atomics.store(this.abortFlag, 0, 1);
    this.worker.postMessage({ type: 'cancel' });
  }
}
