// The tab's link to the analysis worker: asks the service worker to open the offscreen document,
// puts the hidden bridge frame (extension/bridge.html) in the page, and hands it one end of a
// MessageChannel with a nonce, posted to the extension's origin only. The bridge takes the port
// once this content script vouches for the nonce (asked through the service worker with
// chrome.tabs.sendMessage, which page scripts cannot answer). Frames and sound then travel as
// transferred buffers.
import { makeNonce } from './protocol.js';

const EXTENSION_ORIGIN = new URL(chrome.runtime.getURL('')).origin;

export class Analyser {
  constructor() {
    this.port = null;
    this.connecting = null;
    this.status = null;
    this.statusWaiters = [];
    this.onMessage = () => {};
    this.nonce = null; // the secret of the bridge being set up, until it has been vouched for once
    chrome.runtime.onMessage.addListener((msg, sender, reply) => {
      if (msg?.type !== 'avlens:verify-bridge' || sender.id !== chrome.runtime.id || this.nonce === null || msg.nonce !== this.nonce) return false;
      this.nonce = null; // single use
      reply({ ok: true });
      return false;
    });
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
    this.nonce = makeNonce();
    // Aimed at the extension's origin: if anything had navigated the frame elsewhere, the port and the nonce would not be delivered.
    frame.contentWindow.postMessage({ type: 'avlens:port', nonce: this.nonce }, EXTENSION_ORIGIN, [channel.port2]);
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
