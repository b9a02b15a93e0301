// The avlens page: the controller. It wires the views (page/: intake and engine bar, progress,
// error, result) to the analysis worker's client (worker-client.js; the messages: protocol.js) and
// holds no scoring, verdict or geometry rule: the worker runs the detector library (detector.js).
import { cssGradient } from './heatmap.js';
import { messageFor } from './messages.js';
import { percent, sentence } from './format.js';
import { describeGeometry } from './onnx-model.js';
import { AnalysisWorker } from './worker-client.js';
import { el } from './page/dom.js';
import { app } from './page/state.js';
import { announce, show } from './page/shell.js';
import { showError } from './page/error-view.js';
import { showModelMessage, updateEngineLine } from './page/engine-bar.js';
import { showProgress, showProgressStep } from './page/progress-view.js';
import { checkVideoPicture, onTimelineKey, renderHeatmap, renderResult, saveReport, selectSecond, updateMapChoice } from './page/result-view.js';

// The analysis worker, through its client (worker-client.js): a fresh one forgets the old one's
// model and backend; the page reloads its model when the new one is ready.
const worker = new AnalysisWorker({
  onMessage: (msg) => onWorkerMessage(msg),
  onStart: () => {
    app.ready = false;
    app.model = null;
    app.backend = null;
    updateEngineLine();
  },
  onCrash: (detail) => onWorkerCrash(detail),
});

function startWorker() {
  worker.start({ backend: el.backendSelect.value, build: app.build, ...app.engineOptions });
}

function onWorkerCrash(detail) {
  const wasRunning = Boolean(app.run);
  app.run = null;
  startWorker();
  if (wasRunning) showError('worker_crashed', detail, app.lastFileName ?? '');
  else showModelMessage('error', messageFor('backend').title, detail);
}

async function loadDefaultModel() {
  if (!app.build?.model) {
    app.modelLoading = false;
    updateEngineLine();
    showModelMessage('info', 'No model is bundled with this build yet.', 'Load an avlens model (.onnx) with “Use another model…”.');
    return;
  }
  app.modelLoading = true;
  updateEngineLine();
  try {
    // Whether the service worker sees this download is decided when it starts (it may take over the page meanwhile).
    const uncontrolled = app.serviceWorker && !navigator.serviceWorker.controller;
    const res = await fetch(app.build.model.url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const bytes = await res.arrayBuffer();
    if (uncontrolled) keepForOffline(app.build.model.url, bytes);
    app.modelSource = { name: app.build.model.name ?? 'avlens default model', bytes, source: 'default' };
    sendModel(app.modelSource);
  } catch (err) {
    app.modelLoading = false;
    updateEngineLine();
    showModelMessage('error', 'The default model could not be loaded.', err.message);
  }
}

/**
 * On a first visit the service worker does not see the page's requests yet (it controls the page
 * from its activation on), and it no longer downloads the model itself: the page hands it a copy
 * of what it downloaded, to keep for offline use (web/sw.js). A download the worker saw, it kept.
 */
function keepForOffline(url, bytes) {
  const copy = bytes.slice(0);
  navigator.serviceWorker.ready.then((reg) => reg.active?.postMessage({ type: 'keep', url: new URL(url, location.href).href, bytes: copy }, [copy])).catch(() => {});
}

// The worker keeps its current model until a new one has loaded and passed its checks.
function sendModel(model) {
  app.modelLoading = true;
  updateEngineLine();
  worker.loadModel(model);
}

function onWorkerMessage(msg) {
  switch (msg.type) {
    case 'ready':
      app.ready = true;
      app.backend = msg.backend;
      app.core = msg.core;
      document.body.dataset.backend = msg.backend.name;
      updateEngineLine();
      if (app.modelSource) sendModel(app.modelSource);
      else loadDefaultModel();
      break;
    case 'init-error':
      app.backend = { label: 'unavailable', name: 'none' };
      updateEngineLine();
      showModelMessage('error', messageFor('backend').title, msg.error.message);
      break;
    case 'model': {
      // A model the person chose (not the same model reloaded after a worker restart).
      const chosen = app.candidateModel !== null && app.candidateModel.name === msg.model.name;
      app.model = msg.model;
      if (chosen) app.modelSource = app.candidateModel;
      app.candidateModel = null;
      app.modelLoading = false;
      document.body.dataset.modelReady = 'true';
      updateEngineLine();
      updateMapChoice();
      if (msg.model.source === 'file' && chosen) {
        showModelMessage('success', `Model “${msg.model.name}” loaded.`, `Windows: ${describeGeometry(msg.model.geometry)}.`);
      } else if (msg.model.source === 'default') {
        showModelMessage('', '');
      }
      if (app.pendingFile) {
        const f = app.pendingFile;
        app.pendingFile = null;
        analyze(f);
      }
      break;
    }
    case 'model-error':
      modelRefused(msg.name, msg.error);
      break;
    case 'clip':
      if (app.run?.id === msg.runId) app.run.expected = msg.expectedWindows;
      break;
    case 'progress':
      if (app.run?.id === msg.runId) showProgressStep(msg);
      break;
    case 'window':
      if (app.run?.id === msg.runId) app.run.windows.push(msg.window);
      break;
    case 'result':
      if (app.run?.id === msg.runId) onResult(msg.result);
      break;
    case 'cancelled':
      if (app.run?.id === msg.runId) onCancelled();
      break;
    case 'error':
      if (app.run?.id === msg.runId) {
        clearTimeout(app.cancelTimer);
        const name = app.run.file.name;
        app.run = null;
        showError(msg.error.code, msg.error.message, name);
        // After an internal error the client replaces the worker (protocol.js restartsWorker).
      }
      break;
    default:
      break;
  }
}

function analyze(file) {
  if (app.run) return;
  if (!app.ready || app.modelLoading) {
    app.pendingFile = file;
    showProgress(file);
    el.progressStage.textContent = 'Loading the model…';
    return;
  }
  // Without the core nothing is analysed, and no model can be loaded (the core reads its geometry).
  if (!app.core || app.core.kind === 'missing' || app.core.kind === 'broken') return showError('core_missing', app.core?.message ?? '', file.name);
  if (!app.model) return showError('no_model', '', file.name);
  app.lastFileName = file.name;
  // A notice about the model ("loaded", "refused", ...) answered an earlier action; it must not
  // stay above this clip's result.
  showModelMessage('', '');
  app.run = { id: ++app.runCounter, file, started: performance.now(), windows: [], expected: 0, lastAnnounced: 0 };
  showProgress(file);
  worker.analyze(app.run.id, file);
  announce(`Checking ${file.name}.`);
}

function cancel() {
  if (app.pendingFile) {
    app.pendingFile = null;
    show('intake');
    el.chooseFile.focus();
    return;
  }
  if (!app.run) return;
  el.cancel.disabled = true;
  el.progressStage.textContent = 'Cancelling…';
  worker.cancel();
  // The core polls the flag between frames; if it does not stop soon, end the worker.
  app.cancelTimer = setTimeout(() => {
    if (!app.run) return;
    startWorker();
    onCancelled();
  }, 3000);
}

function onCancelled() {
  clearTimeout(app.cancelTimer);
  app.run = null;
  show(app.result ? 'result' : 'intake');
  if (!app.result) el.intake.classList.remove('intake-compact');
  el.chooseFile.focus();
  announce('Cancelled.');
}

function onResult(result) {
  const run = app.run;
  app.run = null;
  result.windowDetails = run.windows;
  app.result = result;
  app.cropCache.clear();
  const v = renderResult(result, run.file);
  show('result');
  el.verdictTitle.focus();
  announce([`${v.title}.`, `Score ${percent(result.aggregate.mean)}.`, v.withheld && `${sentence(v.withheld.reason)}.`, v.warning && `Warning: ${v.warning}.`, v.evidence, v.notice?.text].filter(Boolean).join(' '));
}

function pickFile() {
  el.fileInput.value = '';
  el.fileInput.click();
}

// A model file dropped or chosen where a video goes is what "Change…" would load.
const isModelFile = (file) => /\.onnx$/i.test(file.name);

async function loadModelFile(file) {
  // From the choice on, a clip dropped waits for this model, also while its bytes are read.
  app.modelLoading = true;
  showModelMessage('info', `Loading “${file.name}”…`);
  let bytes;
  try {
    bytes = await file.arrayBuffer();
  } catch (err) {
    modelRefused(file.name, { code: 'unreadable', message: `the file could not be read (${err.message})` });
    return;
  }
  app.candidateModel = { name: file.name, bytes, source: 'file' };
  sendModel(app.candidateModel);
}

/** A model that did not load (refused by the worker, or unreadable): the one in use stays. */
function modelRefused(name, error) {
  app.modelLoading = false;
  app.candidateModel = null; // the worker still runs the model it had
  updateEngineLine();
  const m = messageFor('bad_model');
  const still = app.model ? ` The model in use is still “${app.model.name}”.` : '';
  showModelMessage('error', `${m.title}: ${name}`, `${sentence(error.message)}.${still}`);
  el.modelMessage.dataset.code = error.code;
  // A clip that was waiting for this model is not checked with another one: back to where the
  // person was, where the refusal is shown.
  if (app.pendingFile) {
    app.pendingFile = null;
    show(app.result ? 'result' : 'intake');
    if (!app.result) el.intake.classList.remove('intake-compact');
  }
}

function acceptFiles(files) {
  if (!files || files.length === 0) return;
  if (app.run) return;
  if (isModelFile(files[0])) loadModelFile(files[0]);
  else analyze(files[0]);
}

function bindEvents() {
  el.chooseFile.addEventListener('click', pickFile);
  el.errorAgain.addEventListener('click', pickFile);
  el.again.addEventListener('click', pickFile);
  el.fileInput.addEventListener('change', () => acceptFiles(el.fileInput.files));
  el.cancel.addEventListener('click', cancel);
  el.saveReport.addEventListener('click', saveReport);
  el.changeModel.addEventListener('click', () => {
    el.modelInput.value = '';
    el.modelInput.click();
  });
  el.modelInput.addEventListener('change', () => {
    const f = el.modelInput.files?.[0];
    if (f) loadModelFile(f);
  });
  el.backendSelect.addEventListener('change', () => {
    if (app.run) return;
    startWorker();
  });

  el.timeline.addEventListener('click', (e) => {
    const b = e.target.closest('.tl-bar');
    if (b) selectSecond(Number(b.dataset.second));
  });
  el.timeline.addEventListener('keydown', onTimelineKey);
  el.mapChoice.addEventListener('change', (e) => {
    app.mapKind = e.target.value;
    renderHeatmap();
  });
  el.opacity.addEventListener('input', () => renderHeatmap());
  for (const type of ['error', 'loadedmetadata', 'resize']) el.video.addEventListener(type, checkVideoPicture);
  el.video.addEventListener('timeupdate', () => {
    const s = Math.floor(el.video.currentTime);
    for (const b of el.timeline.children) b.classList.toggle('tl-playing', Number(b.dataset.second) === s);
  });

  // Drag and drop anywhere on the page.
  let depth = 0;
  const hasFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes('Files');
  document.addEventListener('dragenter', (e) => {
    if (!hasFiles(e) || app.run) return;
    depth++;
    el.dragOverlay.hidden = false;
    el.dropZone.classList.add('is-over');
  });
  document.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) {
      el.dragOverlay.hidden = true;
      el.dropZone.classList.remove('is-over');
    }
  });
  document.addEventListener('dragover', (e) => {
    if (hasFiles(e)) e.preventDefault();
  });
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    el.dragOverlay.hidden = true;
    el.dropZone.classList.remove('is-over');
    acceptFiles(e.dataTransfer?.files);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && app.run) cancel();
  });
}

async function main() {
  el.legendGradient.style.background = cssGradient();
  bindEvents();
  show('intake');
  const params = new URLSearchParams(location.search);
  if (['auto', 'webgpu', 'wasm'].includes(params.get('backend'))) el.backendSelect.value = params.get('backend');
  // For measurements (tests/web/bench.mjs): ONNX Runtime's threads, and ?overlap=0 for the core
  // and the network taking turns on one thread as they did before they overlapped.
  app.engineOptions = {
    threads: /^[1-9]$/.test(params.get('threads') ?? '') ? Number(params.get('threads')) : undefined,
    overlap: params.get('overlap') !== '0',
  };
  try {
    // Always revalidated (never stale), yet kept in the HTTP cache: the service worker's install
    // caches it with a 304, not a second download (issue 16).
    app.build = await (await fetch('build-info.json', { cache: 'no-cache' })).json();
  } catch (err) {
    showModelMessage('error', 'This page is incomplete (build-info.json is missing).', err.message);
    return;
  }
  app.serviceWorker = 'serviceWorker' in navigator && params.get('sw') !== 'off';
  if (app.serviceWorker) navigator.serviceWorker.register('sw.js').catch(() => {});
  startWorker();
}

main();
