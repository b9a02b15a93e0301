// From the clip's fake probability to words. The score is the mean of the window scores
// (SPEC §5). The decision threshold is the model's own (chosen on validation videos, carried in
// its metadata's metrics as `threshold`; 0.5 when absent), as in the native `avlens scan`; the
// confidence says how far the score is from that threshold, relative to the room on its side.

/** The model's decision threshold from its metadata_props; 0.5 when it has none. */
export function thresholdOf(metadata = {}) {
  try {
    const t = Number(JSON.parse(metadata.metrics || '{}').threshold);
    if (Number.isFinite(t) && t > 0 && t < 1) return t;
  } catch {
    /* no metrics: the default */
  }
  return 0.5;
}

export function verdictFor(pFake, threshold = 0.5) {
  const decision = pFake >= threshold ? 'fake' : 'real'; // what `avlens scan` prints (FAKE/REAL)
  const margin = decision === 'fake' ? (pFake - threshold) / (1 - threshold) : (threshold - pFake) / threshold;
  const confidence = margin < 0.2 ? 'low' : margin < 0.6 ? 'moderate' : 'high';
  if (margin < 0.2) {
    return {
      kind: 'uncertain',
      decision,
      threshold,
      title: 'Inconclusive',
      summary: `The model can’t tell whether the face and the voice belong together in this clip (it leans ${decision === 'fake' ? 'towards a fake' : 'towards real'}).`,
      confidence,
    };
  }
  if (decision === 'fake') {
    return {
      kind: 'fake',
      decision,
      threshold,
      title: 'Face and voice don’t seem to belong together',
      summary: 'This clip looks like an audio-visual deepfake: the voice and the face move in ways that don’t match.',
      confidence,
    };
  }
  return {
    kind: 'real',
    decision,
    threshold,
    title: 'Face and voice seem to belong together',
    summary: 'No sign of an audio-visual mismatch was found in this clip.',
    confidence,
  };
}

/** Colour class of a per-second score. */
export function scoreClass(p) {
  if (!Number.isFinite(p)) return 'none';
  if (p >= 0.7) return 'high';
  if (p >= 0.5) return 'elevated';
  if (p >= 0.3) return 'mid';
  return 'low';
}
