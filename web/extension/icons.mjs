// The extension's icons, drawn at build time (no image files in the repository, no image tools
// needed): a dark rounded square with a face (a ring) and a voice (three bars), as PNGs of the
// sizes Chrome asks for (toolbar 16/32, extensions page 48, store and install 128). Each pixel is
// the shapes' coverage of a 4x4 grid of samples, so the edges are smooth at every size.
import { crc32, deflateSync } from 'node:zlib';

export const ICON_SIZES = [16, 32, 48, 128];

const BACKGROUND = [31, 41, 55];
const FACE = [255, 255, 255];
const VOICE = [47, 158, 107];

// Shapes in a unit square: [inside(x, y), colour], drawn in order.
const SHAPES = [
  [(x, y) => roundedSquare(x, y, 0.04, 0.2), BACKGROUND],
  [(x, y) => Math.abs(Math.hypot(x - 0.37, y - 0.5) - 0.19) < 0.055, FACE],
  ...[[0.66, 0.16], [0.77, 0.27], [0.88, 0.16]].map(([cx, half]) => [(x, y) => Math.abs(x - cx) < 0.038 && Math.abs(y - 0.5) < half, VOICE]),
];

function roundedSquare(x, y, margin, radius) {
  const lo = margin + radius;
  const hi = 1 - margin - radius;
  const dx = Math.max(lo - x, 0, x - hi);
  const dy = Math.max(lo - y, 0, y - hi);
  return x >= margin && x <= 1 - margin && y >= margin && y <= 1 - margin && Math.hypot(dx, dy) <= radius;
}

/** RGBA pixels of the icon at `size` x `size`. */
export function drawIcon(size) {
  const pixels = Buffer.alloc(size * size * 4);
  const grid = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const rgb = [0, 0, 0];
      let alpha = 0;
      for (let sy = 0; sy < grid; sy++) {
        for (let sx = 0; sx < grid; sx++) {
          const x = (px + (sx + 0.5) / grid) / size;
          const y = (py + (sy + 0.5) / grid) / size;
          let colour = null;
          for (const [inside, c] of SHAPES) if (inside(x, y)) colour = c;
          if (!colour) continue;
          alpha++;
          for (let c = 0; c < 3; c++) rgb[c] += colour[c];
        }
      }
      const o = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) pixels[o + c] = alpha ? Math.round(rgb[c] / alpha) : 0;
      pixels[o + 3] = Math.round((255 * alpha) / (grid * grid));
    }
  }
  return pixels;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG (8-bit RGBA, no filter) of the icon at `size`. */
export function iconPng(size) {
  const pixels = drawIcon(size);
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) pixels.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter, no interlace
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}
