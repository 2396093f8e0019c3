// PNG in node, for the attachment tests (attachments.mjs and attachments-harness/):
// write an 8-bit RGB picture with no other chunk (no gamma, no colour profile: every
// decoder reads back exactly these pixels), and read back the PNGs the page sends (8-bit
// RGB or RGBA, not interlaced) to compare them pixel by pixel.
import { deflateSync, inflateSync } from "node:zlib";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** An RGB PNG of `width` x `height` whose pixel (x, y) is `pixel(x, y)` → [r, g, b]. */
export function encodePng(width, height, pixel) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      raw[row + 1 + x * 3] = r;
      raw[row + 2 + x * 3] = g;
      raw[row + 3 + x * 3] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A PNG's chunk types, in order. */
export function pngChunks(bytes) {
  const types = [];
  for (let i = 8; i + 8 <= bytes.length; ) {
    const length = bytes.readUInt32BE(i);
    types.push(bytes.toString("latin1", i + 4, i + 8));
    i += 12 + length;
  }
  return types;
}

/** The pixels of an 8-bit RGB or RGBA PNG → {width, height, rgba: Uint8Array}. */
export function decodePng(bytes) {
  const buf = Buffer.from(bytes);
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const [depth, colour, , , interlace] = buf.subarray(24, 29);
  if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0) throw new Error("not an 8-bit RGB(A) PNG");
  const channels = colour === 6 ? 4 : 3;
  const idat = [];
  for (let i = 8; i + 8 <= buf.length; ) {
    const length = buf.readUInt32BE(i);
    if (buf.toString("latin1", i + 4, i + 8) === "IDAT") idat.push(buf.subarray(i + 8, i + 8 + length));
    i += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = new Uint8Array(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels] : 0;
      const b = previous[i];
      const c = i >= channels ? previous[i - channels] : 0;
      let add = 0;
      if (filter === 1) add = a;
      else if (filter === 2) add = b;
      else if (filter === 3) add = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        add = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      line[i] = (line[i] + add) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < 4; k++) out[(y * width + x) * 4 + k] = k < channels ? line[x * channels + k] : 255;
    }
    previous = line;
  }
  return { width, height, rgba: out };
}

/** The screenshot the attachment tests send: 720 x 1280, opaque, no metadata; smooth
 *  gradients under a checker of 16-pixel squares, so that neighbouring pixels differ
 *  (a blur shows everywhere) and it stays small (about 100 KB). */
export function screenshotPng() {
  return encodePng(720, 1280, (x, y) => [Math.floor((x * 255) / 719), Math.floor((y * 255) / 1279), ((x >> 4) + (y >> 4)) & 1 ? 200 : 60]);
}

/**
 * Checks a sent image against the picture chosen and her edits ([{tool, x, y, w, h}],
 * in order): outside every rectangle each pixel is the chosen one, bit for bit; inside a
 * black-out, black; inside a blur, blocks of one colour (the mean of the block, as the
 * last edit before it left it). → a list of what differs (empty when all is right).
 */
export function checkEdits(chosen, sent, edits) {
  const problems = [];
  if (chosen.width !== sent.width || chosen.height !== sent.height) {
    return [`size ${sent.width}x${sent.height}, not ${chosen.width}x${chosen.height}`];
  }
  const { width, height } = chosen;
  const expected = new Uint8Array(chosen.rgba);
  for (const e of edits) {
    const block = Math.max(12, Math.ceil(Math.min(e.w, e.h) / 6));
    for (let by = e.y; by < e.y + e.h; by += e.tool === "blur" ? block : e.h) {
      for (let bx = e.x; bx < e.x + e.w; bx += e.tool === "blur" ? block : e.w) {
        const xEnd = Math.min(e.x + e.w, e.tool === "blur" ? bx + block : e.x + e.w);
        const yEnd = Math.min(e.y + e.h, e.tool === "blur" ? by + block : e.y + e.h);
        const sum = [0, 0, 0, 0];
        for (let y = by; y < yEnd; y++) for (let x = bx; x < xEnd; x++) for (let k = 0; k < 4; k++) sum[k] += expected[(y * width + x) * 4 + k];
        const n = (xEnd - bx) * (yEnd - by);
        const colour = e.tool === "black" ? [0, 0, 0, 255] : sum.map((s) => Math.round(s / n));
        for (let y = by; y < yEnd; y++) for (let x = bx; x < xEnd; x++) expected.set(colour, (y * width + x) * 4);
      }
    }
  }
  let differ = 0;
  for (let i = 0; i < expected.length; i += 4) {
    if (expected[i] !== sent.rgba[i] || expected[i + 1] !== sent.rgba[i + 1] || expected[i + 2] !== sent.rgba[i + 2]) {
      if (differ++ < 5) {
        const p = i / 4;
        problems.push(`(${p % width}, ${Math.floor(p / width)}): ${Array.from(sent.rgba.subarray(i, i + 3))}, not ${Array.from(expected.subarray(i, i + 3))}`);
      }
    }
  }
  if (differ > 5) problems.push(`… ${differ} pixels differ in all`);
  return problems;
}
