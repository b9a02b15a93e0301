// The bridge: a hidden extension frame the content script puts in the page. The content script
// hands it one end of a MessageChannel (frames and sound travel as transferred buffers, not as
// JSON through chrome.runtime); the bridge relays between that port and the analysis worker in
// the offscreen document over BroadcastChannels of the extension's origin.
(() => {
  const CHANNELS = { toWorker: 'avlens:to-worker', fromWorker: 'avlens:from-worker' };
  const id = crypto.randomUUID();
  const toWorker = new BroadcastChannel(CHANNELS.toWorker);
  const fromWorker = new BroadcastChannel(CHANNELS.fromWorker);
  let port = null;

  const hello = () => toWorker.postMessage({ type: 'hello', bridge: id });

  window.addEventListener('message', (event) => {
    // The content script sends its port once, right after the frame loads; later offers are ignored.
    if (port || event.source !== window.parent || event.data !== 'avlens:port' || !event.ports[0]) return;
    port = event.ports[0];
    port.onmessage = ({ data }) => toWorker.postMessage({ ...data, bridge: id });
    hello();
  });

  fromWorker.onmessage = ({ data }) => {
    if (!port) return;
    if (data.type === 'online') hello(); // the worker (re)started: ask for its status again
    else if (data.bridge === id) port.postMessage(data);
  };

  window.addEventListener('pagehide', () => {
    if (port) toWorker.postMessage({ type: 'bye', bridge: id });
  });
})();
