// The error view: what went wrong, in a person's words (messages.js), the technical detail on demand.
import { messageFor } from '../messages.js';
import { $, el } from './dom.js';
import { announce, show } from './shell.js';

export function showError(code, detail = '', fileName = '') {
  const m = messageFor(code, detail);
  $('error-file').textContent = fileName ? `While checking ${fileName}` : '';
  $('error-file').hidden = !fileName;
  el.errorTitle.textContent = m.title;
  el.errorBody.textContent = m.body;
  el.errorDetail.textContent = detail ? `[${code}] ${detail}` : `[${code}]`;
  el.errorDetails.hidden = !detail;
  el.error.dataset.code = m.code;
  show('error');
  el.errorTitle.focus();
  announce(`${m.title}. ${m.body}`);
}
