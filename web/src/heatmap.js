// Heat maps of the network's maps (M, A, M̂) over the face crop the network saw.

// Perceptually ordered colour map ("inferno"-like), from control points, as a 256 x RGB table.
const STOPS = [
  [0.0, [0, 0, 4]],
  [0.13, [31, 12, 72]],
  [0.25, [85, 15, 109]],
  [0.38, [136, 34, 106]],
  [0.5, [186, 54, 85]],
  [0.63, [227, 89, 51]],
  [0.75, [249, 140, 10]],
  [0.88, [249, 201, 50]],
  [1.0, [252, 255, 164]],
];

export const COLORMAP = (() => {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = i / 255;
    let k = 1;
    while (k < STOPS.length - 1 && STOPS[k][0] < x) k++;
    const [x0, c0] = STOPS[k - 1];
    const [x1, c1] = STOPS[k];
    const f = (x - x0) / (x1 - x0);
    for (let j = 0; j < 3; j++) lut[i * 3 + j] = c0[j] + f * (c1[j] - c0[j]);
  }
  return lut;
})();

export function cssGradient() {
  return `linear-gradient(to right, ${STOPS.map(([x, c]) => `rgb(${c.join(' ')}) ${x * 100}%`).join(', ')})`;
}

/** Min and max of a map (finite values). */
export function mapRange(data) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** The map as a small RGBA canvas, normalised to its own range (the map's values are relative). */
function mapCanvas(map) {
  const { data, width, height } = map;
  const [lo, hi] = mapRange(data);
  const span = hi > lo ? hi - lo : 1;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const v = Number.isFinite(data[i]) ? (data[i] - lo) / span : 0;
    const k = Math.round(v * 255) * 3;
    rgba[i * 4] = COLORMAP[k];
    rgba[i * 4 + 1] = COLORMAP[k + 1];
    rgba[i * 4 + 2] = COLORMAP[k + 2];
    rgba[i * 4 + 3] = 255;
  }
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  c.getContext('2d').putImageData(new ImageData(rgba, width, height), 0, 0);
  return c;
}

/**
 * Draws the crop with the map over it. `opacity` in [0, 1]; the map is smoothed (bilinear) to the
 * canvas size, like the features it comes from cover overlapping receptive fields.
 */
export function drawHeatmap(canvas, cropImage, map, opacity) {
  const ctx = canvas.getContext('2d');
  const size = canvas.width;
  ctx.clearRect(0, 0, size, canvas.height);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  if (cropImage) ctx.drawImage(cropImage, 0, 0, size, canvas.height);
  if (map) {
    ctx.globalAlpha = opacity;
    ctx.drawImage(mapCanvas(map), 0, 0, size, canvas.height);
    ctx.globalAlpha = 1;
  }
}

/** Position of the map's maximum, as fractions of the map's width and height (cell centre). */
export function peakOf(map) {
  let best = -Infinity;
  let at = 0;
  map.data.forEach((v, i) => {
    if (v > best) {
      best = v;
      at = i;
    }
  });
  return { x: ((at % map.width) + 0.5) / map.width, y: (Math.floor(at / map.width) + 0.5) / map.height };
}
