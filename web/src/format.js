// Small formatting helpers shared by the page.

export function formatSeconds(s) {
  if (!Number.isFinite(s)) return '–';
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return `${m}:${String(sec).padStart(2, '0')}`;
}

/** A length of a clip in seconds, as the core words it: "3.5 s" below 10 s (no ".0"), "20 s" above. */
export function secondsText(s) {
  if (!Number.isFinite(s)) return '–';
  const text = s < 10 ? s.toFixed(1).replace(/\.0$/, '') : s.toFixed(0);
  return `${text} s`;
}

export function formatDuration(ms) {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatBytes(n) {
  if (!Number.isFinite(n)) return '–';
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** "41 %" with a narrow no-break space, so the sign never wraps onto its own line. */
export function percent(p, digits = 0) {
  return `${(p * 100).toFixed(digits)}\u202f%`;
}

/** The first letter in upper case (technical messages start in lower case). */
export function sentence(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

/** Seconds (whole, from 0) that contain at least one of the given frame indices. */
export function secondsOfFrames(frames, fps) {
  const out = new Set();
  for (const f of frames) out.add(Math.floor(f / fps));
  return [...out].sort((a, b) => a - b);
}

/** "0:03–0:05, 0:09" from sorted whole seconds. */
export function formatSecondRanges(seconds) {
  const parts = [];
  let i = 0;
  while (i < seconds.length) {
    let j = i;
    while (j + 1 < seconds.length && seconds[j + 1] === seconds[j] + 1) j++;
    parts.push(i === j ? formatSeconds(seconds[i]) : `${formatSeconds(seconds[i])}–${formatSeconds(seconds[j] + 1)}`);
    i = j + 1;
  }
  return parts.join(', ');
}
