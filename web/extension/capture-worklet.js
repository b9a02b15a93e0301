// Audio capture in the tab's AudioContext (running at the model's sample rate): the node's input
// is the video's sound, down-mixed to mono by Web Audio; the processor posts chunks of samples
// with the context time of their first sample.
class AvlensCapture extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.size = options.processorOptions.chunk;
    this.chunk = new Float32Array(this.size);
    this.filled = 0;
    this.chunkTime = 0;
  }

  process(inputs) {
    const input = inputs[0];
    // No input channel: the source gives nothing (ended stream). Keep the node alive.
    if (!input || input.length === 0) return true;
    const mono = input[0];
    let offset = 0;
    while (offset < mono.length) {
      if (this.filled === 0) this.chunkTime = currentTime + offset / sampleRate;
      const n = Math.min(mono.length - offset, this.size - this.filled);
      this.chunk.set(mono.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === this.size) {
        this.port.postMessage({ time: this.chunkTime, samples: this.chunk }, [this.chunk.buffer]);
        this.chunk = new Float32Array(this.size);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor('avlens-capture', AvlensCapture);
