// The tab's link to the analysis worker: asks the service worker to open the offscreen document,
// puts the hidden bridge frame (extension/bridge.html) in the page, and hands it one end of a
// MessageChannel. Frames and sound then travel as transferred buffers.
export class Analyser {
  constructor() {
    this.port = null;
    this.connecting = null;
    this.status = null;
    this.statusWaiters = [];
    this.onMessage = () => {};
  }

  /** Resolves with the worker's status: { ready, geometry, model, backend } or { ready: false, error }. */
  ready() {
    if (this.status) return Promise.resolve(this.status);
    this.connect();
    return new Promise((resolve) => this.statusWaiters.push(resolve));
  }

  connect() {
    this.connecting ??= this.open().catch((err) => this.settle({ ready: false, error: { code: 'engine', message: err.message } }));
    return this.connecting;
  }

  async open() {
    const reply = await chrome.runtime.sendMessage({ type: 'avlens:ensure-analyser' });
    if (!reply?.ok) throw new Error(`the analysis page could not be opened: ${reply?.message ?? 'no answer'}`);
    // A closed shadow root keeps the frame out of the page's DOM queries and styles.
    const host = document.createElement('avlens-bridge');
    host.style.cssText = 'display:none !important';
    const frame = document.createElement('iframe');
    frame.src = chrome.runtime.getURL('extension/bridge.html');
    frame.setAttribute('aria-hidden', 'true');
    frame.tabIndex = -1;
    host.attachShadow({ mode: 'closed' }).appendChild(frame);
    await new Promise((resolve, reject) => {
      frame.addEventListener('load', resolve, { once: true });
      frame.addEventListener('error', () => reject(new Error('the bridge frame did not load')), { once: true });
      (document.body ?? document.documentElement).appendChild(host);
    });
    const channel = new MessageChannel();
    channel.port1.onmessage = ({ data }) => this.receive(data);
    frame.contentWindow.postMessage('avlens:port', '*', [channel.port2]);
    this.port = channel.port1;
  }

  settle(status) {
    this.status = status;
    for (const resolve of this.statusWaiters.splice(0)) resolve(status);
  }

  receive(msg) {
    if (msg.type === 'status') this.settle(msg);
    this.onMessage(msg);
  }

  send(msg, transfer = []) {
    if (this.port) this.port.postMessage(msg, transfer);
  }
}
