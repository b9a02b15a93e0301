// The overlay badge on an analysed video: a fixed-position label in its own closed shadow root
// (the page's styles do not reach it, and the page's scripts cannot reach into it to rewrite the
// verdict: host.shadowRoot is null for them), kept at the video's top-left corner. Its host element carries
// the state as data attributes (data-state, data-reason, data-score, data-windows, data-level,
// data-verdict, data-threshold, data-notice, and from the core's coverage of the video data-scored:
// windows scored, data-needed: windows a verdict needs; empty while unknown; data-placement: how the
// sound is placed against the picture, 'exact' or why approximate, empty before any sound).
const STYLE = `
  :host { all: initial; position: fixed; z-index: 2147483647; pointer-events: none; }
  .badge { font: 600 12px/1.3 system-ui, sans-serif; color: #fff; background: rgba(20, 24, 31, 0.86);
           border-radius: 6px; padding: 4px 8px; max-width: 320px; box-shadow: 0 1px 4px rgba(0,0,0,.35);
           border-left: 4px solid #8b95a5; }
  .badge[data-level="real"] { border-left-color: #2f9e6b; }
  .badge[data-level="leans-real"] { border-left-color: #d1a431; }
  .badge[data-level="leans-fake"] { border-left-color: #e07b2a; }
  .badge[data-level="fake"] { border-left-color: #d6453d; }
  .badge[data-state="blocked"], .badge[data-state="problem"] { border-left-color: #8b95a5; font-weight: 500; }
  .name { opacity: .75; margin-right: 4px; }
  .notice { display: block; margin-top: 2px; font-weight: 500; color: #f3d27a; }
  .notice[hidden] { display: none; }
`;

const REFRESH_MS = 250;

export class Badge {
  constructor(video) {
    this.video = video;
    this.host = document.createElement('avlens-badge');
    this.host.setAttribute('role', 'status');
    const root = this.host.attachShadow({ mode: 'closed' });
    const style = document.createElement('style');
    style.textContent = STYLE;
    this.label = document.createElement('div');
    this.label.className = 'badge';
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = 'avlens';
    this.text = document.createElement('span');
    this.notice = document.createElement('span');
    this.notice.className = 'notice';
    this.notice.hidden = true;
    this.label.append(name, this.text, this.notice);
    root.append(style, this.label);
    this.timer = null;
  }

  show({ text, state, reason, score, level, verdict = '', threshold = null, notice = null, windows, coverage = null, placement = null, title }) {
    if (!this.host.isConnected) {
      (document.body ?? document.documentElement).appendChild(this.host);
      this.timer = setInterval(() => this.place(), REFRESH_MS);
    }
    this.text.textContent = text;
    // A score from a model that has not shown real faces always carries the notice.
    this.notice.textContent = notice?.short ?? '';
    this.notice.hidden = !notice;
    this.label.title = title;
    this.label.dataset.level = level;
    this.label.dataset.state = state;
    const d = this.host.dataset;
    d.state = state;
    d.reason = reason ?? '';
    d.score = score === null ? '' : String(score);
    d.windows = String(windows);
    d.level = level;
    d.verdict = verdict;
    d.threshold = threshold === null ? '' : String(threshold);
    d.notice = notice ? 'no-real-faces' : '';
    d.scored = coverage ? String(coverage.windowsScored) : '';
    d.needed = coverage ? String(coverage.windowsForVerdict) : '';
    d.placement = placement ?? '';
    this.host.setAttribute('aria-label', `avlens: ${text}${notice ? `. ${notice.text}` : ''}`);
    this.place();
  }

  place() {
    const r = this.video.getBoundingClientRect();
    const visible = this.video.isConnected && r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0;
    this.host.style.display = visible ? 'block' : 'none';
    if (!visible) return;
    this.host.style.left = `${Math.max(0, r.left) + 8}px`;
    this.host.style.top = `${Math.max(0, r.top) + 8}px`;
  }

  remove() {
    clearInterval(this.timer);
    this.host.remove();
  }
}
