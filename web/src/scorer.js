// ONNX Runtime Web around an avlens model: picks the backend, loads and checks the model, scores
// one window of the core. Shared by the page's worker (worker.js) and the extension's analysis
// worker (web/extension/analysis-worker.js), so both run the network the same way.
import { bindModelIO, describeGeometry, ModelError } from './onnx-model.js';
import { CoreError } from './core.js';

/**
 * A software WebGPU adapter (the browser's CPU fallback: SwiftShader, llvmpipe, lavapipe, WARP) is
 * correct but far slower than the WASM backend (158.8 s against seconds for a 6.6 s clip in headless
 * Chromium): "Automatic" must not pick it. Returns the adapter's name when it is one, else null.
 */
export function softwareAdapterName(adapter) {
  const info = adapter?.info ?? {};
  if (info.isFallbackAdapter || adapter?.isFallbackAdapter) return info.description || info.architecture || 'a fallback adapter';
  const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  const known = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i.exec(text);
  return known ? known[0] : null;
}

/**
 * Imports ONNX Runtime Web from `ortDir` (the build's vendor/ort/): the WebGPU build when the
 * browser offers a hardware adapter (or WebGPU is asked for by name), else the WASM build, with
 * `threads` WebAssembly threads (default: the cores less one, up to 4; 1 when the page is not
 * cross-origin isolated).
 * Returns { ort, backend: { name: 'webgpu'|'wasm', label, threads, adapter, skipped? } } with ORT
 * configured; `skipped` says why "Automatic" passed over the browser's adapter.
 */
export async function startOrt(preference, ortDir, { threads: asked } = {}) {
  let adapter = null;
  if (preference !== 'wasm' && 'gpu' in navigator) {
    try {
      adapter = await navigator.gpu.requestAdapter();
    } catch {
      adapter = null;
    }
  }
  if (preference === 'webgpu' && !adapter) {
    throw new CoreError('invalid_argument', 'WebGPU was asked for, but this browser offers no WebGPU adapter');
  }
  let skipped = null;
  const software = softwareAdapterName(adapter);
  if (software && preference !== 'webgpu') {
    skipped = `the browser's WebGPU adapter is a software one (${software}), slower than WebAssembly`;
    adapter = null;
  }
  // More than one thread needs SharedArrayBuffer, i.e. a cross-origin isolated page.
  if (asked !== undefined && !(Number.isInteger(asked) && asked >= 1 && asked <= 64)) {
    throw new CoreError('invalid_argument', `threads must be a whole number from 1 to 64, not ${asked}`);
  }
  // Default: one core is left to the wasm core, which makes a clip's windows on its own thread
  // while the network runs (detector.js scanFile); with every core given to ONNX Runtime its
  // threads and the core's took turns on the CPU and both ran 2-3x slower (docs/BENCHMARKS.md).
  const threads = !self.crossOriginIsolated ? 1 : asked ?? Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 1) - 1));
  let ort;
  let backend;
  if (adapter) {
    ort = await import(`${ortDir}ort.webgpu.min.mjs`);
    const a = adapter.info ?? {};
    const adapterLabel = [a.vendor, a.architecture, a.description].filter(Boolean).join(' ') || 'GPU';
    backend = { name: 'webgpu', label: `WebGPU (${adapterLabel})`, threads, adapter: adapterLabel };
  } else {
    ort = await import(`${ortDir}ort.wasm.min.mjs`);
    const label = `WebAssembly (SIMD, ${threads} thread${threads > 1 ? 's' : ''}${self.crossOriginIsolated ? '' : '; cross-origin isolation is off'})`;
    backend = { name: 'wasm', label, threads, adapter: null, ...(skipped ? { skipped } : {}) };
  }
  ort.env.wasm.wasmPaths = ortDir;
  ort.env.wasm.numThreads = threads;
  // The page and the extension call this from their workers; a page that uses the library on its
  // main thread runs the network there too (docs/LIBRARY.md suggests a worker for long clips).
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  return { ort, backend };
}

function feeds(ort, io, g, video, audio) {
  return {
    [io.video]: new ort.Tensor('float32', video, [1, 3, g.frames, g.height, g.width]),
    [io.audio]: new ort.Tensor('float32', audio, io.audioRank === 3 ? [1, 1, g.samples] : [1, g.samples]),
  };
}

/**
 * The window geometry of a model's metadata, read by the wasm core (`core`: loadCore's), the one
 * reader and validation of it (integers, ranges, a per-window memory budget) for the page, the
 * extension and the native tools. The core's refusal is a ModelError with the core's reason.
 */
export function modelGeometry(core, metadata) {
  return asModelError(core, 'window geometry', () => core.geometry(metadata));
}

/**
 * A model's metadata_props ({ key: value }) from its .onnx bytes, read by the wasm core `core`
 * (the reader the native tools use; there is no second one in JavaScript). Bytes that are not an
 * ONNX model are a ModelError with the core's reason.
 */
export function modelMetadata(core, bytes) {
  return asModelError(core, 'metadata', () => core.readOnnxMetadata(bytes));
}

function asModelError(core, what, read) {
  if (!core) {
    throw Object.assign(new ModelError(`the analysis core (WebAssembly), which reads the model's ${what}, is not available`), { code: 'core_missing' });
  }
  try {
    return read();
  } catch (err) {
    if (err?.code === 'invalid_argument') throw new ModelError(err.message);
    throw err;
  }
}

/** ONNX Runtime's session options for a model on `backendName` ('wasm' or 'webgpu'). */
export function sessionOptions(backendName) {
  return {
    executionProviders: [backendName],
    graphOptimizationLevel: 'all',
    // Errors only: ORT's warning that shape-only nodes run on the CPU is expected (see
    // docs/TEAM_NOTES.md, WebGPU node placement); tests/web/webgpu.test.mjs checks that list.
    logSeverityLevel: 3,
  };
}

/**
 * Loads model bytes into a session on `backend` and checks that it fits its own metadata (its
 * geometry read by the wasm core `core`, which must be loaded first) and really runs at that
 * geometry (one run on zeros, which also compiles GPU shaders).
 * Returns { session, io, geometry, metadata, bytes, loadMs, warmupMs }; throws ModelError.
 */
export async function loadModel(ort, backend, bytes, core) {
  const t0 = performance.now();
  const data = new Uint8Array(bytes);
  const metadata = modelMetadata(core, data);
  const geometry = modelGeometry(core, metadata);
  let session;
  try {
    session = await ort.InferenceSession.create(data, sessionOptions(backend.name));
  } catch (err) {
    throw new ModelError(`ONNX Runtime could not load the model: ${err.message}`);
  }
  let io;
  try {
    io = bindModelIO(session.inputMetadata, session.outputNames, geometry);
  } catch (err) {
    await session.release();
    throw err;
  }
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  try {
    const g = geometry;
    const out = await session.run(feeds(ort, io, g, new Float32Array(3 * g.frames * g.height * g.width), new Float32Array(g.samples)));
    for (const t of Object.values(out)) t.dispose?.();
  } catch (err) {
    await session.release();
    throw new ModelError(`the model does not run at the geometry in its metadata (${describeGeometry(geometry)}): ${err.message}`);
  }
  return { session, io, geometry, metadata, bytes: data.byteLength, loadMs, warmupMs: performance.now() - t1 };
}

/** A window from the core must be exactly what the loaded model takes. */
export function checkWindow(w, g) {
  const videoLength = 3 * g.frames * g.height * g.width;
  if (!(w.video instanceof Float32Array) || w.video.length !== videoLength) {
    throw new CoreError('internal', `the core gave a video window of ${w.video?.length ?? 'no'} values; the model takes 3×${g.frames}×${g.height}×${g.width} = ${videoLength}`);
  }
  if (!(w.audio instanceof Float32Array) || w.audio.length !== g.samples) {
    throw new CoreError('internal', `the core gave an audio window of ${w.audio?.length ?? 'no'} samples; the model takes ${g.samples}`);
  }
}

function mapOf(tensor) {
  if (!tensor) return null;
  const dims = tensor.dims;
  const [h, w] = dims.length >= 2 ? dims.slice(-2) : [1, dims[dims.length - 1] ?? 1];
  return { data: Float32Array.from(tensor.data.subarray(0, h * w)), height: h, width: w };
}

/**
 * Runs the network on one window of the core: { score, maps: { M, A, Mhat } } (maps null when
 * the model has no such output). A score that is not a probability is a ModelError.
 */
export async function scoreWindow(ort, model, w) {
  const { session, io, geometry: g } = model;
  const out = await session.run(feeds(ort, io, g, w.video, w.audio));
  try {
    const score = out[io.outputs.score].data[0];
    if (!Number.isFinite(score) || score < 0 || score > 1) {
      throw new ModelError(`the model's score for the window at ${w.startTime.toFixed(2)} s is ${score}, not a probability in [0, 1]`);
    }
    return { score, maps: { M: mapOf(out[io.outputs.M]), A: mapOf(out[io.outputs.A]), Mhat: mapOf(out[io.outputs.Mhat]) } };
  } finally {
    for (const t of Object.values(out)) t.dispose?.();
  }
}

/** A plain object for postMessage: { code, name, message }. */
export function errorMessage(err) {
  return { code: err?.code ?? 'internal', name: err?.name ?? 'Error', message: String(err?.message ?? err) };
}
