// The bridge: a hidden extension frame the content script puts in the page. The content script
// hands it one end of a MessageChannel (frames and sound travel as transferred buffers, not as
// JSON through chrome.runtime); the bridge relays between that port and the analysis worker in
// the offscreen document over BroadcastChannels of the extension's origin.
//
// bridge.html has to be a web-accessible resource (a content script can only frame those), so any
// page can frame it too and post to it. It therefore trusts no one by default:
// - a port is taken only with a nonce that the content script of this tab made and can vouch for:
//   the bridge asks the service worker, which asks the tab's content scripts (chrome.tabs.sendMessage,
//   which pages cannot reach and cannot answer); the nonce reached the bridge in a postMessage aimed
//   at the extension's origin only. Until then nothing goes to the worker and nothing comes back;
// - every message from the tab is checked and rebuilt (content/protocol.js: types, sizes, frame
//   times relative to the segment, open segments and frames in flight per tab) before it is relayed.
import { NONCE, TabSession } from './content/protocol.js';

const CHANNELS = { toWorker: 'avlens:to-worker', fromWorker: 'avlens:from-worker' };
const id = crypto.randomUUID();
const session = new TabSession();
let toWorker = null;
let fromWorker = null;
let port = null;

async function vouched(nonce) {
  try {
    const reply = await chrome.runtime.sendMessage({ type: 'avlens:verify-bridge', nonce });
    return reply?.ok === true;
  } catch {
    return false;
  }
}

function accept(p) {
  port = p;
  toWorker = new BroadcastChannel(CHANNELS.toWorker);
  fromWorker = new BroadcastChannel(CHANNELS.fromWorker);
  const hello = () => toWorker.postMessage({ type: 'hello', bridge: id });
  port.onmessage = ({ data }) => {
    const { msg, reply } = session.admit(data, { countInFlight: true });
    if (msg) toWorker.postMessage({ ...msg, bridge: id });
    for (const r of reply ?? []) port.postMessage(r);
  };
  fromWorker.onmessage = ({ data }) => {
    if (data?.type === 'online') {
      // The worker (re)started: nothing of this tab is open there any more; ask for its status again.
      session.reset();
      hello();
    } else if (data?.bridge === id) {
      if (data.type === 'ack') session.acknowledged();
      const { bridge, ...forTab } = data;
      port.postMessage(forTab);
    }
  };
  hello();
}

window.addEventListener('message', async (event) => {
  // Offers come from the parent frame only: a port and the nonce of the content script that made
  // this frame. Anything else, and any offer once a port is taken, is ignored without an answer.
  const [offered, ...extra] = event.ports ?? [];
  for (const p of extra) p.close();
  const offer = event.data;
  const wellFormed = !port && event.source === window.parent && offered && offer !== null && typeof offer === 'object' && offer.type === 'avlens:port' && typeof offer.nonce === 'string' && NONCE.test(offer.nonce);
  if (!wellFormed) {
    offered?.close();
    return;
  }
  if (!(await vouched(offer.nonce)) || port) {
    offered.close();
    return;
  }
  accept(offered);
});

window.addEventListener('pagehide', () => {
  if (port) toWorker.postMessage({ type: 'bye', bridge: id });
});
