// What the page holds between events: the engine's state as the worker reported it, the run in
// progress and the result on show. The controller (app.js) and the views share it.

export const app = {
  build: null,
  ready: false,
  backend: null,
  core: null,
  model: null, // what the worker reported for the loaded model
  modelSource: null, // { name, bytes: ArrayBuffer, source } to reload after a worker restart
  candidateModel: null, // a model chosen from disk, until the worker accepts it
  modelLoading: false,
  pendingFile: null,
  run: null, // { id, file, started, windows: [], expected, lastAnnounced }
  runCounter: 0,
  result: null,
  selectedSecond: null,
  mapKind: 'Mhat',
  cropCache: new Map(),
  videoUrl: null,
  cancelTimer: null,
};
