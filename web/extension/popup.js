// The popup: the per-second timeline of the current video in the active tab, from the tab's
// content script (which holds the scores the analysis worker sent it). Opened as a page,
// `popup.html?tab=ID` shows that tab instead.
import { formatSeconds, percent } from '../src/format.js';
import { readModelCard } from '../src/model-card.js';
import { coverageShortfall, scoreLevelFor, thresholdSentence, verdictFor } from '../src/verdict.js';

const $ = (id) => document.getElementById(id);

async function targetTab() {
  const param = new URLSearchParams(location.search).get('tab');
  if (param) return Number(param);
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab?.id ?? null;
}

function empty(text) {
  $('empty').textContent = text;
  $('empty').hidden = false;
  $('video').hidden = true;
  $('others').hidden = true;
}

// The per-site switch: the list of host names where scanning is off (content/main.js reads it).
const SITES_OFF_KEY = 'scanOffSites';
let site = null; // { name, scanning } of the tab's page, from its top frame's content script

async function showSiteSwitch(tab) {
  try {
    const answer = await chrome.tabs.sendMessage(tab, { type: 'avlens:site' }, { frameId: 0 });
    site = answer?.site ? { name: answer.site, scanning: answer.scanning } : null;
  } catch {
    site = null; // a page without the content script (the browser's own pages): nothing to switch
  }
  $('site').hidden = !site;
  if (!site) return;
  $('scan').checked = site.scanning;
  $('scan-label').textContent = `Scan videos on ${site.name}`;
}

async function setScanning(on) {
  const items = await chrome.storage.local.get(SITES_OFF_KEY);
  const off = new Set(Array.isArray(items[SITES_OFF_KEY]) ? items[SITES_OFF_KEY] : []);
  if (on) off.delete(site.name);
  else off.add(site.name);
  await chrome.storage.local.set({ [SITES_OFF_KEY]: [...off] });
  site.scanning = on;
  refresh();
}

function describeState(v) {
  if (v.state === 'blocked') return `Cannot analyse: ${v.reasonText}.`;
  if (v.state === 'problem') return `Analysis stopped: ${v.detail}`;
  if (v.state === 'running') return v.reasonText ? `Analysing — ${v.reasonText}.` : 'Analysing while the video plays.';
  if (v.state === 'paused') return v.reasonText ? `Paused — ${v.reasonText}.` : 'Paused: analysis resumes when the video plays.';
  if (v.state === 'ended') {
    const scored = v.coverage?.scoredSeconds ?? 0;
    const of = v.duration ? ` of its ${Math.round(v.duration)} s` : '';
    return `The video ended: ${Math.round(scored)} s${of} analysed${v.reasonText ? ` — ${v.reasonText}` : ''}.`;
  }
  return 'Waiting for the video to play.';
}

/** The file name of a video's URL, as the page gave it (a malformed escape must not stop the popup). */
function videoName(source, frame) {
  let name = source;
  try {
    name = new URL(source, frame).pathname.split('/').pop() || source;
    name = decodeURIComponent(name);
  } catch {
    // keep what we have
  }
  return name;
}

function render(report) {
  const v = report.videos.find((x) => x.id === report.current) ?? report.videos[0];
  $('empty').hidden = true;
  $('video').hidden = false;
  $('video').dataset.state = v.state;
  $('video-title').textContent = v.source ? videoName(v.source, report.frame) : 'Video';
  const agg = v.aggregate;
  // The model's card comes with the report: the same threshold and wording as the page and the badge.
  const card = report.model ? readModelCard(report.model.metadata) : null;
  // No verdict from fewer windows than the core's rule allows: the video's coverage says (null: unknown).
  const judged = card && agg && agg.windows > 0 && v.state !== 'blocked' ? verdictFor(agg.mean, card, v.coverage ?? null) : null;
  const withheld = judged?.kind === 'withheld' ? judged.withheld : null;
  const verdict = withheld ? null : judged;
  const summary = $('summary');
  for (const k of ['mean', 'threshold', 'decision', 'kind', 'scored', 'needed']) delete summary.dataset[k];
  if (verdict) {
    summary.textContent = `${percent(agg.mean)} fake over ${agg.windows} analysed second${agg.windows > 1 ? 's' : ''} — ${verdict.title.toLowerCase()}`;
    Object.assign(summary.dataset, { mean: String(agg.mean), threshold: String(verdict.threshold), decision: verdict.decision, kind: verdict.kind });
  } else if (withheld) {
    summary.textContent = withheld.short;
    Object.assign(summary.dataset, { kind: 'withheld', scored: String(withheld.scored), needed: String(withheld.needed ?? '') });
  } else {
    summary.textContent = v.reason === 'no_face' ? 'No score: no face found' : v.state === 'blocked' || v.state === 'ended' ? 'No score' : 'No score yet';
  }
  $('threshold').textContent = withheld
    ? `No verdict yet: ${withheld.reason}.`
    : !verdict ? '' : verdict.kind === 'unsupported' ? `This model’s threshold is ${percent(verdict.threshold)}; its card gives no verdict.` : thresholdSentence(verdict.threshold);
  // The core's warning goes with a verdict: most of what played was not scored, damaged data, ...
  $('warning').textContent = verdict?.warning ? `Warning: ${verdict.warning}.` : '';
  $('warning').hidden = !verdict?.warning;
  $('evidence').textContent = verdict?.evidence ?? '';
  $('evidence').hidden = !verdict?.evidence;
  // The model's notice goes with any score it gives, a verdict or not.
  $('notice').textContent = judged?.notice?.text ?? '';
  $('notice').hidden = !judged?.notice;
  // Sound placed against the picture only approximately (no MediaStreamTrackProcessor, or by timestamps).
  $('placement').textContent = v.placementNote ? `Approximate timing: ${v.placementNote}.` : '';
  $('placement').hidden = !v.placementNote;
  $('placement').dataset.placement = v.placement ?? '';
  $('state').textContent = describeState(v);
  $('state').dataset.blocked = String(v.state === 'blocked');
  const timeline = $('timeline');
  timeline.replaceChildren();
  const seconds = Math.max(agg?.timeline.length ?? 0, Math.ceil(v.duration ?? 0));
  for (let s = 0; s < seconds; s++) {
    const p = agg?.timeline[s] ?? null;
    const bar = document.createElement('span');
    bar.dataset.second = String(s);
    bar.dataset.level = p === null || !card ? 'none' : scoreLevelFor(p, card);
    if (p !== null) {
      bar.dataset.score = String(p);
      bar.style.height = `${Math.max(4, Math.round(p * 100))}%`;
    }
    bar.title = `${formatSeconds(s)}: ${p === null ? 'not analysed' : `${percent(p)} fake`}`;
    timeline.append(bar);
  }
  timeline.setAttribute('aria-label', `Timeline of ${seconds} seconds; ${agg?.windows ?? 0} analysed`);
  $('meta').textContent = `${v.size.width}×${v.size.height}, frames sent ${v.frames.sent}, pictures missed ${v.frames.dropped}`;
  $('meta').dataset.sent = String(v.frames.sent);
  $('meta').dataset.dropped = String(v.frames.dropped);
  const others = report.videos.filter((x) => x !== v);
  $('others').hidden = others.length === 0;
  $('other-list').replaceChildren(
    ...others.map((o) => {
      const li = document.createElement('li');
      const short = coverageShortfall(o.coverage ?? null);
      li.textContent = `${o.source.split('/').pop() || 'video'}: ${o.state === 'blocked' ? `cannot analyse (${o.reasonText})` : o.rolling === null ? 'no score yet' : short ? short.short.toLowerCase() : `${percent(o.rolling)} fake (last seconds)`}`;
      return li;
    }),
  );
}

async function refresh() {
  const tab = await targetTab();
  if (tab === null) return empty('No tab.');
  let report;
  try {
    report = await chrome.tabs.sendMessage(tab, { type: 'avlens:report' });
  } catch {
    report = null;
  }
  if (!report) {
    if (site && !site.scanning) return empty(`Scanning is off on ${site.name}: avlens does not look at its videos. Tick the box above to turn it on.`);
    return empty('No video has played in this tab since it was opened (or the page does not allow extensions).');
  }
  render(report);
}

$('scan').addEventListener('change', (e) => setScanning(e.target.checked));
targetTab().then((tab) => tab !== null && showSiteSwitch(tab)).finally(refresh);
setInterval(refresh, 1000);
