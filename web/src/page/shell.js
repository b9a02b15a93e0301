// Which view is on show (intake, progress, error, result) and what a screen reader hears.
import { el } from './dom.js';

export function show(view) {
  el.progress.hidden = view !== 'progress';
  el.error.hidden = view !== 'error';
  el.result.hidden = view !== 'result';
  el.intake.hidden = view === 'progress';
  el.intake.classList.toggle('intake-compact', view === 'result' || view === 'error');
  document.body.dataset.view = view;
}

export function announce(text) {
  el.live.textContent = '';
  // A new text node after a tick is announced even when the text repeats.
  setTimeout(() => {
    el.live.textContent = text;
  }, 50);
}
