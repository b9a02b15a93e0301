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

const BRIDGE_URL = chrome.runtime.getURL('extension/bridge.html');

chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  if (msg?.type === 'avlens:verify-bridge') {
    // A bridge frame asks whether the nonce it was offered with is one the content script of its
    // tab made. Only the extension's own bridge page may ask; only content scripts can answer
    // (chrome.tabs.sendMessage reaches no page script). Nothing is kept here, so a restart of this
    // service worker loses nothing.
    const fromBridge = sender.id === chrome.runtime.id && sender.tab?.id !== undefined && typeof sender.url === 'string' && sender.url.split('#')[0] === BRIDGE_URL;
    if (!fromBridge || typeof msg.nonce !== 'string') {
      reply({ ok: false });
      return false;
    }
    chrome.tabs.sendMessage(sender.tab.id, { type: 'avlens:verify-bridge', nonce: msg.nonce }).then(
      (answer) => reply({ ok: answer?.ok === true }),
      () => reply({ ok: false }),
    );
    return true;
  }
  if (msg?.type !== 'avlens:ensure-analyser' || !sender.tab) return false;
  ensureOffscreen().then(
    () => reply({ ok: true }),
    (err) => reply({ ok: false, message: String(err?.message ?? err) }),
  );
  return true;
});
