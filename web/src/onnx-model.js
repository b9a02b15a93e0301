// Reading what the page needs from an exported avlens ONNX model, without running it:
// the metadata_props (the strings the wasm core reads the window geometry from: core.geometry,
// the one reader and validation of it; the model card fields) and a check that a loaded
// session's inputs and outputs fit that geometry. No dependency: a minimal protobuf walk over the
// top-level ModelProto fields (the graph and its weights are skipped).

export class ModelError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ModelError';
    this.code = 'bad_model';
  }
}

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

function readVarint(buf, pos) {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new ModelError('the file ends inside a protobuf field (truncated or not an ONNX model)');
    const b = buf[pos++];
    // Lengths and field keys fit in 53 bits; multiplication keeps precision beyond 32 bits.
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return [result, pos];
    if (shift > 63) throw new ModelError('malformed protobuf varint (not an ONNX model)');
  }
}

// Yields [fieldNumber, wireType, value, start] for each field of a message in buf[start, end).
function* fields(buf, start, end) {
  let pos = start;
  while (pos < end) {
    let key;
    [key, pos] = readVarint(buf, pos);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 0) throw new ModelError('malformed protobuf (field 0): not an ONNX model');
    if (wire === WIRE_VARINT) {
      let v;
      [v, pos] = readVarint(buf, pos);
      yield [field, wire, v];
    } else if (wire === WIRE_I64) {
      pos += 8;
      yield [field, wire, null];
    } else if (wire === WIRE_I32) {
      pos += 4;
      yield [field, wire, null];
    } else if (wire === WIRE_LEN) {
      let len;
      [len, pos] = readVarint(buf, pos);
      if (pos + len > end) throw new ModelError('a protobuf field runs past the end of the file (truncated or not an ONNX model)');
      yield [field, wire, buf.subarray(pos, pos + len)];
      pos += len;
    } else {
      throw new ModelError(`unsupported protobuf wire type ${wire}: not an ONNX model`);
    }
    if (pos > end) throw new ModelError('the file is truncated (not a complete ONNX model)');
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Top-level facts of an ONNX ModelProto: { irVersion, producer, opsets, metadata, hasGraph }. */
export function readOnnxModelInfo(bytes) {
  const buf = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (buf.length < 16) throw new ModelError('the file is too small to be an ONNX model');
  const info = { irVersion: null, producer: '', producerVersion: '', modelVersion: null, docString: '', opsets: {}, metadata: {}, hasGraph: false };
  for (const [field, wire, value] of fields(buf, 0, buf.length)) {
    if (field === 1 && wire === WIRE_VARINT) info.irVersion = value;
    else if (field === 2 && wire === WIRE_LEN) info.producer = utf8.decode(value);
    else if (field === 3 && wire === WIRE_LEN) info.producerVersion = utf8.decode(value);
    else if (field === 5 && wire === WIRE_VARINT) info.modelVersion = value;
    else if (field === 6 && wire === WIRE_LEN) info.docString = utf8.decode(value);
    else if (field === 7 && wire === WIRE_LEN) info.hasGraph = true;
    else if (field === 8 && wire === WIRE_LEN) {
      let domain = '';
      let version = null;
      for (const [f, w, v] of fields(value, 0, value.length)) {
        if (f === 1 && w === WIRE_LEN) domain = utf8.decode(v);
        else if (f === 2 && w === WIRE_VARINT) version = v;
      }
      info.opsets[domain || 'ai.onnx'] = version;
    } else if (field === 14 && wire === WIRE_LEN) {
      let key = '';
      let val = '';
      for (const [f, w, v] of fields(value, 0, value.length)) {
        if (f === 1 && w === WIRE_LEN) key = utf8.decode(v);
        else if (f === 2 && w === WIRE_LEN) val = utf8.decode(v);
      }
      info.metadata[key] = val;
    }
  }
  if (info.irVersion === null || !info.hasGraph) throw new ModelError('the file is not an ONNX model (no IR version or no graph)');
  return info;
}

export function describeGeometry(g) {
  return `${g.frames}×${g.height}×${g.width} @ ${g.fps} fps, ${g.samples} samples @ ${g.sampleRate / 1000} kHz`;
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
