// The engine bar: which model and backend run, and the notice about the model (loaded, refused, ...).
import { sentence } from '../format.js';
import { describeGeometry } from '../onnx-model.js';
import { el } from './dom.js';
import { app } from './state.js';

export function showModelMessage(kind, text, detail = '') {
  el.modelMessage.hidden = !text;
  el.modelMessage.className = `notice notice-${kind}`;
  el.modelMessage.replaceChildren();
  if (!text) return;
  const strong = document.createElement('strong');
  strong.textContent = text;
  el.modelMessage.append(strong);
  if (detail) {
    const p = document.createElement('span');
    p.textContent = sentence(detail);
    el.modelMessage.append(p);
  }
}

export function updateEngineLine() {
  if (app.model) {
    const m = app.model;
    const label = m.metadata.variant ? `${m.name} · ${m.metadata.variant}${m.metadata.preset ? `, ${m.metadata.preset}` : ''}` : m.name;
    el.modelName.textContent = label;
    el.modelName.title = describeGeometry(m.geometry);
  } else if (app.modelLoading) {
    el.modelName.textContent = 'loading…';
  } else {
    el.modelName.textContent = 'none loaded';
  }
  el.backendName.textContent = app.backend ? app.backend.label : 'starting…';
  // Why "Automatic" passed over the browser's WebGPU adapter (a software one), in the page's words.
  el.backendName.title = app.backend?.skipped ? `WebGPU not used: ${app.backend.skipped}` : '';
  if (app.backend?.skipped) el.backendName.dataset.skipped = app.backend.skipped;
  else delete el.backendName.dataset.skipped;
  el.dropZone.classList.toggle('is-disabled', !app.model);
}
