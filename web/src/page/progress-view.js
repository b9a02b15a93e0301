// The progress view: the file, the stage, a bar, the second being checked and the time left.
import { formatDuration, formatSeconds } from '../format.js';
import { el } from './dom.js';
import { announce, show } from './shell.js';
import { app } from './state.js';

export function showProgress(file) {
  el.progressFile.textContent = file.name;
  el.progressStage.textContent = 'Starting…';
  el.progressBar.value = 0;
  el.progressCount.textContent = '';
  el.progressEta.textContent = '';
  el.cancel.disabled = false;
  show('progress');
  el.cancel.focus();
}

export function showProgressStep(msg) {
  const run = app.run;
  el.progressStage.textContent = msg.label;
  el.progressBar.value = msg.fraction;
  el.progressBar.setAttribute('aria-valuetext', `${Math.round(msg.fraction * 100)} percent`);
  if (msg.expected) {
    const total = formatSeconds(msg.expected);
    el.progressCount.textContent = `Second ${Math.min(msg.done, msg.expected)} of ${msg.expected} (${total})`;
  }
  if (msg.fraction > 0.02 && msg.done > 0) {
    const remaining = (msg.elapsedMs * (1 - msg.fraction)) / msg.fraction;
    el.progressEta.textContent = ` · about ${formatDuration(Math.max(remaining, 1000))} left`;
  } else {
    el.progressEta.textContent = ' · estimating time…';
  }
  const quarter = Math.floor(msg.fraction * 4);
  if (quarter > run.lastAnnounced && quarter < 4) {
    run.lastAnnounced = quarter;
    announce(`${quarter * 25} percent checked.`);
  }
}
