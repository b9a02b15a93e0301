// What stays in JavaScript about an avlens ONNX model: a check that an ONNX Runtime session's
// inputs and outputs (which only ORT knows: session.inputMetadata, session.outputNames) fit the
// model's window geometry, and the error every model refusal is. The model's metadata and its
// geometry are read by the wasm core only (core.readOnnxMetadata, core.geometry: the one reader and
// validation, shared with the native tools; scorer.js modelMetadata, modelGeometry).

export class ModelError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ModelError';
    this.code = 'bad_model';
  }
}

export function describeGeometry(g) {
  const crop = g.cropScale === undefined ? '' : `, crop ${g.cropScale}× the face, ${g.cropShiftDown} down`;
  return `${g.frames}×${g.height}×${g.width} @ ${g.fps} fps, ${g.samples} samples @ ${g.sampleRate / 1000} kHz${crop}`;
}

function dimMatches(dim, expected) {
  return typeof dim !== 'number' || dim < 0 || dim === expected;
}

// The maps of docs/METHOD.md §2 by the names `avlens export` gives them (distance, attention, weighted),
// or by their symbols.
const MAP_OUTPUTS = { M: ['distance', 'M'], A: ['attention', 'A'], Mhat: ['weighted', 'Mhat'] };

/**
 * Checks a session's inputs/outputs against the geometry and names the inputs:
 * returns { video, audio, audioRank, outputs: { score, M, A, Mhat } } or throws ModelError.
 * Inputs are recognised by rank (video: 5-D [B,3,T,H,W]; audio: 2-D [B,S] or 3-D [B,1,S]).
 */
export function bindModelIO(inputMetadata, outputNames, geometry) {
  const inputs = inputMetadata.filter((m) => m.isTensor !== false);
  if (inputs.length !== 2) throw new ModelError(`the model has ${inputs.length} input(s); an avlens model has two (video and audio)`);
  const video = inputs.find((m) => m.shape?.length === 5);
  const audio = inputs.find((m) => m !== video && (m.shape?.length === 2 || m.shape?.length === 3));
  if (!video || !audio) {
    const shapes = inputs.map((m) => `${m.name} [${(m.shape ?? []).join(', ')}]`).join(', ');
    throw new ModelError(`the model's inputs (${shapes}) are not a video [batch, 3, frames, height, width] and an audio [batch, samples] input`);
  }
  const [, c, t, h, w] = video.shape;
  if (!dimMatches(c, 3) || !dimMatches(t, geometry.frames) || !dimMatches(h, geometry.height) || !dimMatches(w, geometry.width)) {
    throw new ModelError(`the model's video input ${video.name} is [${video.shape.join(', ')}], but its metadata says 3 × ${geometry.frames} × ${geometry.height} × ${geometry.width}: the model does not fit its own geometry`);
  }
  const s = audio.shape[audio.shape.length - 1];
  if (!dimMatches(s, geometry.samples) || (audio.shape.length === 3 && !dimMatches(audio.shape[1], 1))) {
    throw new ModelError(`the model's audio input ${audio.name} is [${audio.shape.join(', ')}], but its metadata says ${geometry.samples} samples: the model does not fit its own geometry`);
  }
  for (const m of [video, audio]) {
    if (m.type && m.type !== 'float32') throw new ModelError(`the model's input ${m.name} is ${m.type}; avlens feeds float32`);
  }
  if (!outputNames.includes('score')) throw new ModelError(`the model has no "score" output (outputs: ${outputNames.join(', ')})`);
  const outputs = { score: 'score' };
  for (const [k, names] of Object.entries(MAP_OUTPUTS)) {
    const name = names.find((n) => outputNames.includes(n));
    if (name) outputs[k] = name;
  }
  return { video: video.name, audio: audio.name, audioRank: audio.shape.length, outputs };
}
