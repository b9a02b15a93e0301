// The messages between the page (worker-client.js) and its analysis worker (worker.js): the one
// description of them. Both sides are the same origin and the same build, so no message is
// distrusted here; the extension's tabs are not, and their protocol (web/extension/content/
// protocol.js: what a tab may send through its bridge, checked field by field against limits) is a
// trust boundary of its own, kept apart from this one.
//
// Page -> worker
//   init        { backend: 'auto'|'webgpu'|'wasm', abortFlag: SharedArrayBuffer(4) | null, build, threads?, overlap }
//               build: build-info.json (where the core is); abortFlag: the page sets it to 1 to cancel
//               (a core on this worker's thread polls it between frames); threads: ONNX Runtime's
//               WebAssembly threads (undefined: its default); overlap: the core makes a clip's
//               windows in a worker of its own while this one scores (false: they take turns)
//   load-model  { name, bytes: ArrayBuffer (transferred), source: 'default'|'file' }
//               the worker keeps its current model until this one has loaded and passed its checks
//   analyze     { runId, file: File }
//   cancel      {}
//
// Worker -> page
//   ready       { backend: { name, label, threads, adapter }, core: { kind: 'wasm'|'missing'|'broken', version?, message }, ortVersion }
//   init-error  { error }                    ONNX Runtime could not start
//   model       { model: { name, source, bytes, metadata, geometry, threshold, inputs, outputs, heatMaps, loadMs, warmupMs } }
//   model-error { name, source, error }      the model was refused; the previous one (if any) stays
//   clip        { runId, info, expectedWindows }
//   progress    { runId, stage: 'analyse'|'aggregate', label, fraction, done?, expected?, elapsedMs }
//   window      { runId, window }            a scored window (detector.d.ts ScoredWindow; heat maps transferred)
//   result      { runId, result }            detector.d.ts ScanResult without the windows' maps and crops,
//                                            plus backend, model { name, source, metadata, geometry }, core
//   error       { runId, error }             the analysis failed (after `internal`, the page starts a fresh worker)
//   cancelled   { runId }
//   log         { message }
// `error` everywhere: { code, name, message } (scorer.js errorMessage; codes: messages.js MESSAGE_CODES).

/** The message types each side sends; worker.js and worker-client.js accept only these. */
export const TO_WORKER = Object.freeze(['init', 'load-model', 'analyze', 'cancel']);
export const FROM_WORKER = Object.freeze(['ready', 'init-error', 'model', 'model-error', 'clip', 'progress', 'window', 'result', 'error', 'cancelled', 'log']);

/**
 * Whether the worker must be replaced after this `error` message: after an internal error (the
 * core ran out of memory, trapped or aborted, or a bug), whatever state it left behind goes with
 * the worker (issue 17 item 9). Errors about the clip or the model (unreadable, no_face, ...) leave
 * the engine as it was: the core closes the clip's reader on every path.
 */
export function restartsWorker(error) {
  return error?.code === 'internal';
}
