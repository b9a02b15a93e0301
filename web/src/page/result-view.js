// The result view: the verdict card (the library's verdict, verdict.js), the gauge, the player with
// its per-second timeline, the heat map of the chosen second, the windows, faces, model card and
// timings, and the report download.
import { drawHeatmap } from '../heatmap.js';
import { formatDuration, formatSecondRanges, formatSeconds, percent, secondsOfFrames, secondsText, sentence } from '../format.js';
import { scoreLevelFor, scoreWording, thresholdSentence } from '../verdict.js';
import { modelCardRows, readModelCard } from '../model-card.js';
import { describeGeometry } from '../onnx-model.js';
import { $, el } from './dom.js';
import { app } from './state.js';

/** A model trained without attention exports A as all ones: offer only the maps it really has. */
export function updateMapChoice() {
  const noAttention = String(app.model?.metadata?.variant ?? '').startsWith('no_attention');
  const attention = el.mapChoice.querySelector('input[value="A"]');
  const label = attention.closest('label');
  attention.disabled = noAttention;
  // Disabled in looks (styles.css) and in words: the reason is on the page, not only in a tooltip.
  for (const e of [attention, label]) {
    if (noAttention) e.setAttribute('aria-disabled', 'true');
    else e.removeAttribute('aria-disabled');
  }
  if (noAttention) attention.setAttribute('aria-describedby', 'map-note');
  else attention.removeAttribute('aria-describedby');
  el.mapNote.hidden = !noAttention;
  label.title = noAttention ? el.mapNote.textContent : 'Where the network looks';
  if (noAttention && app.mapKind === 'A') {
    app.mapKind = 'Mhat';
    el.mapChoice.querySelector('input[value="Mhat"]').checked = true;
    if (app.result) renderHeatmap();
  }
}

/** One entry of a definition list; a list value becomes a bulleted list. */
function addFact(dl, key, value) {
  const dt = document.createElement('dt');
  dt.textContent = key;
  const dd = document.createElement('dd');
  dd.append(textOrList(value));
  dl.append(dt, dd);
}

function textOrList(value) {
  if (!Array.isArray(value)) return document.createTextNode(value);
  const ul = document.createElement('ul');
  for (const item of value) {
    const li = document.createElement('li');
    li.textContent = item;
    ul.append(li);
  }
  return ul;
}

/** "Scored 3 s of 20 s (3 windows): picture 20 s, sound 3.5 s." from the core's coverage. */
function coverageLine(c) {
  const clip = Math.max(c.videoSeconds, c.audioSeconds);
  const windows = `${c.windowsScored} window${c.windowsScored === 1 ? '' : 's'}`;
  return `Scored ${secondsText(c.scoredSeconds)} of ${secondsText(clip)} (${windows}): picture ${secondsText(c.videoSeconds)}, sound ${secondsText(c.audioSeconds)}.`;
}

/** The verdict card: title, summary, what was scored, its warning, calibrated sentence, real-faces notice, intended use and limits. */
function renderVerdict(result) {
  const p = result.aggregate.mean;
  const card = readModelCard(result.model.metadata);
  // The library's verdict (verdict.js under the model's threshold; none from too little of the
  // clip: the core's coverage says when).
  const v = result.verdict;
  el.verdictCard.dataset.kind = v.kind;
  el.verdictCard.dataset.withheld = String(Boolean(v.withheld));
  el.verdictCard.dataset.warning = String(Boolean(v.warning));
  el.verdictCard.dataset.decision = v.decision;
  el.verdictCard.dataset.threshold = String(v.threshold);
  el.verdictCard.dataset.pfake = String(p);
  el.verdictCard.dataset.realFaces = String(card.realFaces);
  el.verdictTitle.textContent = v.title;
  const scoreLine = v.kind === 'unsupported' || v.kind === 'withheld' ? `Score: ${percent(p)}.` : `Score: ${percent(p)}. ${thresholdSentence(v.threshold)}`;
  el.verdictSummary.textContent = `${v.summary} ${scoreLine}`;
  el.verdictCoverage.textContent = result.coverage ? coverageLine(result.coverage) : '';
  el.verdictCoverage.hidden = !result.coverage;
  el.verdictWarningText.textContent = v.warning ? `${sentence(v.warning)}.` : '';
  el.verdictWarning.hidden = !v.warning;
  el.verdictEvidence.textContent = v.evidence ?? '';
  el.verdictEvidence.hidden = !v.evidence;
  el.verdictNoticeTitle.textContent = v.notice?.title ?? '';
  el.verdictNoticeText.textContent = v.notice?.text ?? '';
  el.verdictNotice.hidden = !v.notice;
  // Intended use and limits sit next to the verdict, not only in the model card below.
  el.verdictModel.replaceChildren();
  addFact(el.verdictModel, 'Intended use', card.intendedUse || 'not stated by this model');
  addFact(el.verdictModel, 'Limits', card.limits.length ? card.limits : 'not stated by this model');
  el.verdictCaveat.textContent = `A score is evidence, not proof. ${card.trainingData ? `This model was trained on ${card.trainingData}; ` : ''}the model card below says what it has and has not been tested on.`;
  return v;
}

/** Fills the result view; returns the verdict it shows. */
export function renderResult(result, file) {
  const p = result.aggregate.mean;
  el.resultFile.textContent = file.name;
  const verdict = renderVerdict(result);
  const circumference = 2 * Math.PI * 52;
  el.gaugeValue.style.strokeDasharray = `${circumference * p} ${circumference}`;
  el.gaugeLabel.textContent = percent(p);
  el.gaugeLabel.dataset.unit = scoreWording(readModelCard(result.model.metadata)).unit;

  if (app.videoUrl) URL.revokeObjectURL(app.videoUrl);
  app.videoUrl = URL.createObjectURL(file);
  setVideoNote(false);
  el.video.src = app.videoUrl;

  renderTimeline(result);
  renderDetails(result);
  const worst = mostSuspiciousSecond(result);
  selectSecond(worst, { seek: false, focus: false });
  return verdict;
}

export function noFaceSeconds(result) {
  const fps = result.model.geometry.fps;
  return secondsOfFrames(result.report.framesWithoutFaceList ?? [], fps);
}

function windowForSecond(result, second) {
  // The window overlapping the second the most; ties go to the higher score.
  let best = null;
  let bestOverlap = 0;
  for (const w of result.windowDetails) {
    const overlap = Math.min(second + 1, w.startTime + w.duration) - Math.max(second, w.startTime);
    if (overlap > bestOverlap + 1e-9 || (best && Math.abs(overlap - bestOverlap) < 1e-9 && w.score > best.score)) {
      best = w;
      bestOverlap = overlap;
    }
  }
  return bestOverlap > 0 ? best : null;
}

function mostSuspiciousSecond(result) {
  let best = 0;
  result.aggregate.timeline.forEach((v, i) => {
    if (Number.isFinite(v) && !(v <= result.aggregate.timeline[best])) best = i;
  });
  return best;
}

function renderTimeline(result) {
  const noFace = new Set(noFaceSeconds(result));
  const card = readModelCard(result.model.metadata);
  const { threshold } = card;
  const wording = scoreWording(card);
  el.timeline.replaceChildren();
  el.timeline.setAttribute('aria-label', `${wording.title} for each second. Choose a second to jump the video there and show its heat map.`);
  el.timeline.style.setProperty('--threshold-line', `${(1 - threshold) * 100}%`);
  // A model whose card withholds verdicts: bars in one neutral colour, no threshold line, and a
  // legend that says so (scoreLevelFor gives 'score').
  const scoreOnly = !card.verdictSupported;
  el.timeline.dataset.scoreOnly = String(scoreOnly);
  el.timelineScale.hidden = scoreOnly;
  el.timelineScoreOnly.hidden = !scoreOnly;
  el.timelineThreshold.textContent = scoreOnly ? '' : `the line: this model’s threshold, ${percent(threshold)}`;
  el.timelineThreshold.hidden = scoreOnly;
  result.aggregate.timeline.forEach((p, second) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = `tl-bar tl-${scoreLevelFor(p, card)}`;
    b.setAttribute('role', 'radio');
    b.setAttribute('aria-checked', 'false');
    b.tabIndex = -1;
    b.dataset.second = String(second);
    const has = Number.isFinite(p);
    if (has) b.dataset.score = String(p);
    if (noFace.has(second)) b.classList.add('tl-noface');
    const fill = document.createElement('span');
    fill.className = 'tl-fill';
    fill.style.height = has ? `${Math.max(4, p * 100)}%` : '4%';
    b.append(fill);
    const when = `${formatSeconds(second)} to ${formatSeconds(second + 1)}`;
    const what = has ? `${wording.name} ${percent(p)}` : 'not checked';
    b.setAttribute('aria-label', `${when}: ${what}${noFace.has(second) ? ', face not found in part of it' : ''}`);
    b.title = `${formatSeconds(second)}: ${has ? percent(p) : 'not checked'}${noFace.has(second) ? ' · no face in part of it' : ''}`;
    el.timeline.append(b);
  });
  renderTicks(result.aggregate.timeline.length);
}

// Time labels under the timeline: at most about eight, on round steps.
function renderTicks(seconds) {
  const ticks = $('timeline-ticks');
  ticks.replaceChildren();
  const step = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600].find((s) => seconds / s <= 8) ?? Math.ceil(seconds / 8);
  for (let s = 0; s < seconds; s += step) {
    const t = document.createElement('span');
    t.textContent = formatSeconds(s);
    t.style.left = `${((s + 0.5) / seconds) * 100}%`;
    ticks.append(t);
  }
}

async function cropBitmap(w) {
  if (!w.crop) return null;
  if (!app.cropCache.has(w.index)) app.cropCache.set(w.index, createImageBitmap(w.crop));
  return app.cropCache.get(w.index);
}

export async function selectSecond(second, { seek = true, focus = true } = {}) {
  const result = app.result;
  if (!result) return;
  app.selectedSecond = second;
  for (const b of el.timeline.children) {
    const on = Number(b.dataset.second) === second;
    b.setAttribute('aria-checked', String(on));
    b.tabIndex = on ? 0 : -1;
    if (on && focus) b.focus();
  }
  if (seek && Number.isFinite(el.video.duration)) el.video.currentTime = Math.min(second, el.video.duration);
  else if (seek) el.video.currentTime = second;
  await renderHeatmap();
}

export async function renderHeatmap() {
  const result = app.result;
  const second = app.selectedSecond;
  const w = windowForSecond(result, second);
  const map = w?.maps?.[app.mapKind] ?? null;
  const anyMaps = result.windowDetails.some((x) => x.maps?.Mhat);
  el.heatmapMissing.hidden = anyMaps;
  el.mapChoice.disabled = !anyMaps;
  el.opacity.disabled = !anyMaps;
  const worst = mostSuspiciousSecond(result);
  if (!w) {
    el.heatmapCaption.textContent = `${formatSeconds(second)}: this second was not scored (no face in its window, no sound there, or the clip ends before a full window).`;
    drawHeatmap(el.heatmap, null, null, 0);
    el.heatmap.setAttribute('aria-label', 'No heat map for this second.');
    return;
  }
  const crop = await cropBitmap(w);
  if (app.selectedSecond !== second) return;
  drawHeatmap(el.heatmap, crop, map, Number(el.opacity.value) / 100);
  const tag = second === worst ? ' · the highest-scoring second' : '';
  const wording = scoreWording(readModelCard(result.model.metadata));
  el.heatmapCaption.textContent = `${formatSeconds(w.startTime)}–${formatSeconds(w.startTime + w.duration)} · ${wording.name} ${percent(w.score)}${tag}`;
  el.heatmap.dataset.second = String(second);
  el.heatmap.setAttribute(
    'aria-label',
    `Face crop from ${formatSeconds(w.startTime)} with a heat map of where the model finds face and voice disagree; window ${wording.name} ${percent(w.score)}.`,
  );
}

function addKV(dl, key, value) {
  const dt = document.createElement('dt');
  dt.textContent = key;
  const dd = document.createElement('dd');
  dd.textContent = value;
  dl.append(dt, dd);
}

function addCardRow(tbody, label, value) {
  const tr = document.createElement('tr');
  const th = document.createElement('th');
  th.scope = 'row';
  th.textContent = label;
  const td = document.createElement('td');
  td.append(textOrList(value));
  tr.append(th, td);
  tbody.append(tr);
}

/** Metadata values that are JSON (metrics, configs, the card) shown parsed, for the raw view. */
function readableMetadata(meta) {
  const out = {};
  for (const [k, v] of Object.entries(meta)) {
    try {
      out[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
    } catch {
      out[k] = v;
    }
  }
  return out;
}

// What a reader needs in a table; the trainer's own fields (configs, ports, paths) only in the raw view.
function renderModelCard(result) {
  const { model, aggregate } = result;
  const meta = model.metadata;
  const card = readModelCard(meta);
  el.modelMeta.textContent = `· ${model.name}`;
  el.modelCard.replaceChildren();
  addCardRow(el.modelCard, 'Model', `${model.name}${model.source === 'default' ? ' (bundled)' : ' (loaded from disk)'}${card.name && card.name !== model.name ? ` · ${card.name}` : ''}`);
  for (const { label, value } of modelCardRows(card)) addCardRow(el.modelCard, label, value);
  const network = [meta.variant, meta.preset && `${meta.preset} preset`, meta.version && `version ${meta.version}`].filter(Boolean).join(', ');
  if (network) addCardRow(el.modelCard, 'Network', network);
  addCardRow(el.modelCard, 'Window', describeGeometry(model.geometry));
  addCardRow(el.modelCard, 'Normalisation', `video (x/255 − ${model.geometry.videoMean}) / ${model.geometry.videoStd}; audio ${model.geometry.audioNorm}`);
  addCardRow(el.modelCard, 'Clip score', `mean of ${aggregate.windows} window scores = ${aggregate.mean.toFixed(4)} (highest window ${aggregate.max.toFixed(4)})`);
  el.modelRaw.textContent = JSON.stringify(readableMetadata(meta), null, 2);
}

function renderDetails(result) {
  const { windowDetails, report, model, timings, backend } = result;
  const card = readModelCard(model.metadata);
  el.windowsScoreHead.textContent = scoreWording(card).title;
  el.windowsMeta.textContent = `· ${windowDetails.length} of ${formatSeconds(windowDetails.length * model.geometry.frames / model.geometry.fps)}`;
  el.windowsBody.replaceChildren();
  for (const w of windowDetails) {
    const tr = document.createElement('tr');
    tr.dataset.score = String(w.score);
    tr.dataset.start = String(w.startTime);
    const cells = [String(w.index + 1), formatSeconds(w.startTime), formatSeconds(w.startTime + w.duration), w.score.toFixed(4), String(w.framesWithoutFace)];
    cells.forEach((c, i) => {
      const td = document.createElement('td');
      td.textContent = c;
      if (i === 3) td.className = `score-cell tl-${scoreLevelFor(w.score, card)}`;
      tr.append(td);
    });
    el.windowsBody.append(tr);
  }

  const seconds = noFaceSeconds(result);
  el.nofaceMeta.textContent = `· ${seconds.length}`;
  el.nofaceText.textContent = seconds.length
    ? `No face was detected in part of ${seconds.length} second${seconds.length > 1 ? 's' : ''}: ${formatSecondRanges(seconds)} (${report.framesWithoutFace} of ${report.frames} frames; the face track was carried across short gaps). These seconds are hatched on the timeline.`
    : `A face was found in every frame (${report.frames} frames).`;

  renderModelCard(result);

  el.timings.replaceChildren();
  el.timingsMeta.textContent = `· ${formatDuration(timings.total)} on ${backend.name === 'webgpu' ? 'WebGPU' : 'WebAssembly'}`;
  addKV(el.timings, 'Reading, decoding, face tracking, windows (wasm core)', formatDuration(timings.windows));
  addKV(el.timings, `Network on ${backend.label}`, `${formatDuration(timings.inference)} · ${formatDuration(timings.inference / Math.max(1, windowDetails.length))} per window`);
  addKV(el.timings, 'Heat-map crops', formatDuration(timings.heatmaps));
  addKV(el.timings, 'Aggregation', formatDuration(timings.aggregate));
  addKV(el.timings, 'Total, file to verdict', formatDuration(timings.total));
  if (app.model?.loadMs) addKV(el.timings, 'Model load + warm-up (before the clip)', `${formatDuration(app.model.loadMs)} + ${formatDuration(app.model.warmupMs)}`);
  const c = result.clip;
  // The duration read to the end (the core caps what the container declares at what was decoded).
  const declared = result.declaredDuration;
  const lied = Number.isFinite(declared) && Math.abs(declared - c.duration) > 1 ? ` (the file declares ${secondsText(declared)})` : '';
  addKV(el.timings, 'Clip', [containerName(c.container), c.videoCodec && `${c.videoCodec} ${c.width}×${c.height}`, c.audioCodec, Number.isFinite(c.duration) && `${c.duration.toFixed(2)} s${lied}`].filter(Boolean).join(' · '));
}

// FFmpeg names demuxers by the formats they read ("mov,mp4,m4a,3gp,3g2,mj2"); people know "MP4".
function containerName(name = '') {
  const known = [['mp4', 'MP4/MOV'], ['webm', 'WebM/MKV'], ['matroska', 'MKV'], ['avi', 'AVI'], ['ogg', 'Ogg'], ['wav', 'WAV'], ['mp3', 'MP3']];
  const parts = name.split(',');
  return known.find(([k]) => parts.includes(k))?.[1] ?? name;
}

function reportJson() {
  const r = app.result;
  return {
    tool: 'avlens web',
    generated: new Date().toISOString(),
    file: r.file,
    clip: r.clip,
    score: r.aggregate.mean,
    verdict: r.verdict,
    coverage: r.coverage ?? null,
    declared_duration: r.declaredDuration ?? null,
    aggregate: { ...r.aggregate, timeline: r.aggregate.timeline.map((v) => (Number.isFinite(v) ? v : null)) },
    windows: r.windowDetails.map((w) => ({ index: w.index, start_time: w.startTime, duration: w.duration, score: w.score, has_face: w.hasFace, frames_without_face: w.framesWithoutFace })),
    seconds_without_face: noFaceSeconds(r),
    report: r.report,
    model: { name: r.model.name, source: r.model.source, card: readModelCard(r.model.metadata), metadata: r.model.metadata, load_ms: app.model?.loadMs ?? null, warmup_ms: app.model?.warmupMs ?? null },
    backend: r.backend,
    core: r.core,
    timings_ms: r.timings,
    pipeline: r.pipeline ?? null,
  };
}

export function saveReport() {
  if (!app.result) return;
  const blob = new Blob([JSON.stringify(reportJson(), null, 2)], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `${app.result.file.name.replace(/\.[^.]+$/, '')}.avlens.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** The note under the player: shown when the browser cannot draw this clip's picture. */
function setVideoNote(shown) {
  el.videoNote.hidden = !shown;
  if (shown) el.video.setAttribute('aria-describedby', 'video-note');
  else el.video.removeAttribute('aria-describedby');
}

// After its metadata, a video whose picture the browser cannot decode (MPEG-4 Part 2 in Chromium)
// has no size: it would play as a black box with sound. The core decoded it for the analysis.
export function checkVideoPicture() {
  if (!el.video.src) return;
  if (el.video.error) setVideoNote(true);
  else if (el.video.readyState >= 1) setVideoNote(el.video.videoWidth === 0 || el.video.videoHeight === 0);
}

export function onTimelineKey(e) {
  const bars = [...el.timeline.children];
  if (!bars.length) return;
  const cur = app.selectedSecond ?? 0;
  const keys = { ArrowRight: cur + 1, ArrowDown: cur + 1, ArrowLeft: cur - 1, ArrowUp: cur - 1, Home: 0, End: bars.length - 1, PageDown: cur + 10, PageUp: cur - 10 };
  if (e.key in keys) {
    e.preventDefault();
    selectSecond(Math.max(0, Math.min(bars.length - 1, keys[e.key])));
  }
}
