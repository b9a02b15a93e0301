// The extension's service worker: opens the offscreen document that hosts the analysis worker
// (the wasm core + ONNX Runtime Web) the first time a tab has a video to analyse. It never sees
// frames or sound; those go from the tab to the offscreen document through extension/bridge.html.
const OFFSCREEN_URL = 'extension/offscreen.html';
let opening = null;

async function ensureOffscreen() {
  const url = chrome.runtime.getURL(OFFSCREEN_URL);
  const existing = await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'], documentUrls: [url] });
  if (existing.length > 0) return;
  opening ??= chrome.offscreen
    .createDocument({
      url: OFFSCREEN_URL,
      reasons: ['WORKERS'],
      justification: 'Runs the avlens analysis (WebAssembly core and ONNX Runtime) in a worker, on this computer.',
    })
    .finally(() => {
      opening = null;
    });
  await opening;
}

chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  if (msg?.type !== 'avlens:ensure-analyser' || !sender.tab) return false;
  ensureOffscreen().then(
    () => reply({ ok: true }),
    (err) => reply({ ok: false, message: String(err?.message ?? err) }),
  );
  return true;
});
