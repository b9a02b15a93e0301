// From the clip's fake probability to words. The score is the mean of the window scores
// (SPEC §5); the confidence says how far it is from the undecided middle.

export function verdictFor(pFake) {
  const margin = Math.abs(2 * pFake - 1); // 0 at 0.5, 1 at 0 or 1
  const confidence = margin < 0.2 ? 'low' : margin < 0.6 ? 'moderate' : 'high';
  if (margin < 0.2) {
    return {
      kind: 'uncertain',
      title: 'Inconclusive',
      summary: 'The model can’t tell whether the face and the voice belong together in this clip.',
      confidence,
    };
  }
  if (pFake >= 0.5) {
    return {
      kind: 'fake',
      title: 'Face and voice don’t seem to belong together',
      summary: 'This clip looks like an audio-visual deepfake: the voice and the face move in ways that don’t match.',
      confidence,
    };
  }
  return {
    kind: 'real',
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
