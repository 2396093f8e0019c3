// Scrubbing an image on her device before it is encrypted (docs/PROTOCOL.md §4.12):
// nothing of the file she chose is sent but its pixels. The size it declares is read
// from its header before anything is decoded (a decompression bomb is refused, not
// decoded); then it is decoded, turned as the photo asks, scaled down to 4096 pixels at
// most, drawn on a canvas with any rectangles she blacked out or blurred, and encoded
// again: PNG when she chose a PNG (screenshots stay sharp), JPEG at quality 85 otherwise.
// The new file is then stripped of what the browser's own encoder adds (Chromium puts an
// ICC profile in every JPEG): nothing is left but what the pixels need.
//
// The work runs in the Web Worker (worker.js, op "scrub"), so the page and its quick-exit
// button stay live; only where no worker can draw (no OffscreenCanvas there) does it
// run on the page. Refusals are AttachmentErrors with a stable `code`:
// attachment_too_large, attachment_too_many_pixels, attachment_unreadable,
// attachment_too_many, and attachment_blocked (the browser does not let a page read what
// it drew: Tor Browser's protection against fingerprinting; nothing usable would be sent).
//
//   const { bytes, type, width, height, preview } = await scrubImage(file, { edits, preview: box, signal });
//   edits: [{ tool: "black" | "blur", x, y, w, h }] in the sent image's pixels;
//   box: {width, height} in screen pixels → preview, an ImageBitmap of the sent file
//   decoded again and fitted to it (made in the worker too: a 12-megapixel image is never
//   scaled down on the page's thread).

import { MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES } from "./report-rules.js";
import { runInWorker } from "./work.js";

export { MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES };
export const MAX_CHOSEN_BYTES = 10485760;
export const MAX_INPUT_SIDE = 16384;
export const MAX_INPUT_PIXELS = 67108864;
export const MAX_SENT_SIDE = 4096;
export const JPEG_QUALITY = 0.85;
/** The smallest block of the blur's mosaic, in pixels of the sent image. */
export const MIN_MOSAIC_BLOCK = 12;

export class AttachmentError extends Error {
  constructor(code, message) {
    super(message || code);
    this.name = "AttachmentError";
    this.code = code;
  }
}

const unreadable = (why) => new AttachmentError("attachment_unreadable", "not an image this page can read: " + why);

// --- What a file says it is, before anything is decoded ------------------------------

const ascii = (b, from, to) => String.fromCharCode(...b.subarray(from, to));
const be16 = (b, i) => (b[i] << 8) | b[i + 1];
const be32 = (b, i) => b[i] * 0x1000000 + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
const le16 = (b, i) => b[i] | (b[i + 1] << 8);
const le24 = (b, i) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

// The EXIF orientation (1–8) in an APP1 "Exif\0\0" segment's TIFF data, or 1.
function exifOrientation(b, start, end) {
  if (end - start < 8) return 1;
  const little = b[start] === 0x49 && b[start + 1] === 0x49;
  if (!little && !(b[start] === 0x4d && b[start + 1] === 0x4d)) return 1;
  const u16 = (i) => (little ? le16(b, i) : be16(b, i));
  const u32 = (i) => (little ? le16(b, i) + le16(b, i + 2) * 0x10000 : be32(b, i));
  const ifd = start + u32(start + 4);
  if (ifd + 2 > end) return 1;
  const count = u16(ifd);
  for (let k = 0; k < count; k++) {
    const entry = ifd + 2 + 12 * k;
    if (entry + 12 > end) return 1;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

// A JPEG's frame size and orientation, and `decodable`: the file as the decoder gets it,
// without the segments of metadata (EXIF, XMP, IPTC, comments) nor anything after its
// end. The colour profile (APP2) stays: it is how the pixels are meant to look.
function jpegHeader(b) {
  let orientation = 1;
  let size = null;
  const kept = [b.subarray(0, 2)];
  let i = 2;
  for (;;) {
    if (i >= b.length) throw unreadable("a JPEG cut short");
    if (b[i] !== 0xff) throw unreadable("a damaged JPEG");
    while (b[i] === 0xff) i++;
    const marker = b[i++];
    if (marker === undefined) throw unreadable("a JPEG cut short");
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue;
    if (marker === 0xd9) throw unreadable("a JPEG without an image");
    if (i + 2 > b.length) throw unreadable("a JPEG cut short");
    const length = be16(b, i);
    if (length < 2 || i + length > b.length) throw unreadable("a JPEG cut short");
    const start = i - 2;
    if (marker === 0xda) {
      if (!size) throw unreadable("a JPEG without a frame header");
      // The entropy-coded data: an 0xFF in it is followed by 0x00 or a restart marker,
      // so the first FF D9 is the end of the image.
      let end = i + length;
      while (end + 1 < b.length && !(b[end] === 0xff && b[end + 1] === 0xd9)) end++;
      if (end + 1 >= b.length) throw unreadable("a JPEG cut short");
      kept.push(b.subarray(start, end + 2));
      return { format: "jpeg", ...size, orientation, decodable: kept };
    }
    const sof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (sof) {
      if (length < 8) throw unreadable("a damaged JPEG");
      size = { height: be16(b, i + 3), width: be16(b, i + 5) };
      if (size.width === 0 || size.height === 0) throw unreadable("a JPEG without a size");
    }
    if (marker === 0xe1 && length >= 16 && ascii(b, i + 2, i + 8) === "Exif\0\0") {
      orientation = exifOrientation(b, i + 8, i + length);
    }
    const metadata = marker === 0xfe || (marker >= 0xe1 && marker <= 0xef && marker !== 0xe2 && marker !== 0xee);
    if (!metadata) kept.push(b.subarray(start, i + length));
    i += length;
  }
}

// A PNG's size: IHDR first, and every chunk whole up to IEND (a PNG cut short is refused
// however much of it a decoder would show).
function pngHeader(b) {
  if (b.length < 33 || be32(b, 8) !== 13 || ascii(b, 12, 16) !== "IHDR") throw unreadable("a PNG without IHDR");
  const width = be32(b, 16);
  const height = be32(b, 20);
  if (width === 0 || height === 0) throw unreadable("a PNG without a size");
  let i = 8;
  for (;;) {
    if (i + 12 > b.length) throw unreadable("a PNG cut short");
    const length = be32(b, i);
    const type = ascii(b, i + 4, i + 8);
    if (i + 12 + length > b.length) throw unreadable("a PNG cut short");
    i += 12 + length;
    if (type === "IEND") return { format: "png", width, height };
  }
}

function webpHeader(b) {
  if (b.length < 30 || 8 + le16(b, 4) + le16(b, 6) * 0x10000 > b.length) throw unreadable("a WebP cut short");
  const chunk = ascii(b, 12, 16);
  let size = null;
  if (chunk === "VP8 " && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) {
    size = { width: le16(b, 26) & 0x3fff, height: le16(b, 28) & 0x3fff };
  } else if (chunk === "VP8L" && b[20] === 0x2f) {
    const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
    size = { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  } else if (chunk === "VP8X") {
    size = { width: le24(b, 24) + 1, height: le24(b, 27) + 1 };
  }
  if (!size || size.width === 0 || size.height === 0) throw unreadable("a WebP without a size");
  return { format: "webp", ...size };
}

// HEIC/HEIF (ISO BMFF): the largest size an `ispe` property declares (meta → iprp →
// ipco), if any; the browser decodes it if it can (Safari).
function heifHeader(b) {
  let width = 0;
  let height = 0;
  const walk = (from, to, path) => {
    let i = from;
    while (i + 8 <= to) {
      let size = be32(b, i);
      const type = ascii(b, i + 4, i + 8);
      let body = i + 8;
      if (size === 1) {
        if (i + 16 > to) return;
        size = be32(b, i + 8) * 0x100000000 + be32(b, i + 12);
        body = i + 16;
      } else if (size === 0) {
        size = to - i;
      }
      if (size < body - i || i + size > to) return;
      const inside = path + "/" + type;
      if (inside === "/meta") walk(body + 4, i + size, inside);
      else if (inside === "/meta/iprp" || inside === "/meta/iprp/ipco") walk(body, i + size, inside);
      else if (inside === "/meta/iprp/ipco/ispe" && body + 12 <= i + size) {
        width = Math.max(width, be32(b, body + 4));
        height = Math.max(height, be32(b, body + 8));
      }
      i += size;
    }
  };
  walk(0, b.length, "");
  return width && height ? { format: "heif", width, height } : { format: "heif" };
}

/**
 * What `bytes` (a whole file) says it is → {format, width, height} (width and height
 * absent when the format does not say, or is not known here: the browser then tries),
 * plus for a JPEG its EXIF `orientation` and `decodable`, the parts to decode. Throws an
 * AttachmentError (attachment_unreadable) for a file that is damaged or cut short.
 */
export function imageHeader(bytes) {
  const b = bytes;
  if (PNG_SIGNATURE.every((v, k) => b[k] === v)) return pngHeader(b);
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return jpegHeader(b);
  if (b.length >= 12 && ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP") return webpHeader(b);
  if (b.length >= 12 && ascii(b, 4, 8) === "ftyp") return heifHeader(b);
  return { format: "unknown" };
}

/** Refuses a size beyond the limits of §4.12 (attachment_too_many_pixels). */
export function checkPixels(width, height) {
  if (width > MAX_INPUT_SIDE || height > MAX_INPUT_SIDE || width * height > MAX_INPUT_PIXELS) {
    throw new AttachmentError("attachment_too_many_pixels", `${width} x ${height} pixels is more than this page takes`);
  }
}

/** The size an image of `width` x `height` is sent at: its long side at most 4096. */
export function sentSize(width, height) {
  const scale = Math.min(1, MAX_SENT_SIDE / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

// --- Editing: black out, blur -------------------------------------------------------

/** An edit's rectangle in whole pixels within a `width` x `height` image, or null if
 *  nothing of it is inside. */
export function clampRect(rect, width, height) {
  const x0 = Math.max(0, Math.min(width, Math.round(rect.x)));
  const y0 = Math.max(0, Math.min(height, Math.round(rect.y)));
  const x1 = Math.max(0, Math.min(width, Math.round(rect.x + rect.w)));
  const y1 = Math.max(0, Math.min(height, Math.round(rect.y + rect.h)));
  if (x1 <= x0 || y1 <= y0) return null;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** The side of the blur's blocks for a rectangle of `w` x `h`. */
export function mosaicBlock(w, h) {
  return Math.max(MIN_MOSAIC_BLOCK, Math.ceil(Math.min(w, h) / 6));
}

/**
 * Edits the RGBA pixels of one rectangle (`data`, `w` x `h`, as getImageData gives
 * them), in place: "black" makes every pixel opaque black; "blur" is a coarse mosaic,
 * blocks from the rectangle's top-left corner, each the average (rounded) of its pixels
 * within the rectangle. Nothing outside the rectangle is given to it, so nothing else
 * can change.
 */
export function editPixels(data, w, h, tool) {
  if (tool === "black") {
    for (let i = 0; i < data.length; i += 4) {
      data[i] = 0;
      data[i + 1] = 0;
      data[i + 2] = 0;
      data[i + 3] = 255;
    }
    return;
  }
  if (tool !== "blur") throw new Error("unknown tool " + tool);
  const block = mosaicBlock(w, h);
  for (let by = 0; by < h; by += block) {
    for (let bx = 0; bx < w; bx += block) {
      const yEnd = Math.min(h, by + block);
      const xEnd = Math.min(w, bx + block);
      const sum = [0, 0, 0, 0];
      for (let y = by; y < yEnd; y++) {
        for (let x = bx, i = (y * w + bx) * 4; x < xEnd; x++, i += 4) {
          sum[0] += data[i];
          sum[1] += data[i + 1];
          sum[2] += data[i + 2];
          sum[3] += data[i + 3];
        }
      }
      const n = (yEnd - by) * (xEnd - bx);
      const mean = sum.map((s) => Math.round(s / n));
      for (let y = by; y < yEnd; y++) {
        for (let x = bx, i = (y * w + bx) * 4; x < xEnd; x++, i += 4) {
          data[i] = mean[0];
          data[i + 1] = mean[1];
          data[i + 2] = mean[2];
          data[i + 3] = mean[3];
        }
      }
    }
  }
}

// --- Encoded files: nothing but what the pixels need ---------------------------------

/** A PNG with only its critical chunks (IHDR, PLTE, IDAT, IEND) and tRNS. */
export function stripPng(bytes) {
  const header = pngHeader(bytes);
  const parts = [bytes.subarray(0, 8)];
  let i = 8;
  for (;;) {
    const length = be32(bytes, i);
    const type = ascii(bytes, i + 4, i + 8);
    if (["IHDR", "PLTE", "IDAT", "IEND", "tRNS"].includes(type)) parts.push(bytes.subarray(i, i + 12 + length));
    i += 12 + length;
    if (type === "IEND") break;
  }
  return { bytes: concat(parts), width: header.width, height: header.height };
}

/** A JPEG without APPn segments (but JFIF's APP0 and Adobe's APP14, which say how to
 *  read its colours), comments, or anything after its end. */
export function stripJpeg(bytes) {
  const header = jpegHeader(bytes);
  const parts = header.decodable.filter((part) => {
    const marker = part[1];
    if (marker === 0xe2) return false; // the encoder's ICC profile: the pixels are sRGB
    if (marker === 0xe0) return ascii(part, 4, 9) === "JFIF\0" && be16(part, 2) === 16; // no thumbnail
    if (marker === 0xee) return ascii(part, 4, 9) === "Adobe";
    return true;
  });
  return { bytes: concat(parts), width: header.width, height: header.height };
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// --- Decoding, drawing, encoding ------------------------------------------------------

function makeCanvas(width, height) {
  if (typeof OffscreenCanvas === "function") {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext("2d", { alpha: false });
    if (context) return { canvas, context };
  }
  if (typeof document === "undefined") {
    const error = new Error("no canvas to draw on in this worker");
    error.name = "NotSupportedError";
    throw error;
  }
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return { canvas, context: canvas.getContext("2d", { alpha: false }) };
}

function encode(canvas, type, quality) {
  if (typeof canvas.convertToBlob === "function") return canvas.convertToBlob({ type, quality });
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the image could not be encoded"))), type, quality),
  );
}

// Whether what is drawn on a canvas can be read back as drawn. Tor Browser (resist
// fingerprinting) hands back white or noise instead: the image sent would not be hers.
function canvasReadable() {
  const { context } = makeCanvas(2, 1);
  context.fillStyle = "rgb(10,200,30)";
  context.fillRect(0, 0, 1, 1);
  context.fillStyle = "rgb(250,5,120)";
  context.fillRect(1, 0, 1, 1);
  const d = context.getImageData(0, 0, 2, 1).data;
  return [10, 200, 30, 255, 250, 5, 120, 255].every((v, k) => d[k] === v);
}

// The transform that draws a bitmap as EXIF `orientation` asks on a canvas of
// `width` x `height` (the size as shown).
function orient(context, orientation, width, height) {
  const m = {
    2: [-1, 0, 0, 1, width, 0],
    3: [-1, 0, 0, -1, width, height],
    4: [1, 0, 0, -1, 0, height],
    5: [0, 1, 1, 0, 0, 0],
    6: [0, 1, -1, 0, width, 0],
    7: [0, -1, -1, 0, width, height],
    8: [0, -1, 1, 0, 0, height],
  }[orientation];
  if (m) context.setTransform(...m);
}

/** The size of an image of `width` x `height` fitted into `box` (never enlarged). */
export function fitSize(width, height, box) {
  const scale = Math.min(1, box.width / width, box.height / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

// What she is shown: the encoded file decoded again (exactly what is sent), fitted to
// `box`, as an ImageBitmap that can move to the page without a copy.
async function previewOf(result, box) {
  const side = (v) => (Number.isFinite(v) && v >= 1 ? Math.min(v, MAX_SENT_SIDE) : 360);
  const { width, height } = fitSize(result.width, result.height, { width: side(box.width), height: side(box.height) });
  const bitmap = await createImageBitmap(new Blob([result.bytes], { type: result.type }));
  try {
    const { canvas, context } = makeCanvas(width, height);
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, width, height);
    return typeof canvas.transferToImageBitmap === "function" ? canvas.transferToImageBitmap() : await createImageBitmap(canvas);
  } finally {
    bitmap.close();
  }
}

/**
 * Scrubs `file` (a Blob) here, on this thread (in the worker, or on the page where no
 * worker can draw) → {bytes, type, width, height, preview?}. `edits` are applied, in
 * order, to the pixels as sent; with `preview` (a box), the result has its preview.
 */
export async function scrubHere(file, { edits = [], preview = null } = {}) {
  if (!file || typeof file.size !== "number") throw unreadable("no file");
  if (file.size > MAX_CHOSEN_BYTES) throw new AttachmentError("attachment_too_large", "the file is larger than 10 MiB");
  const bytes = new Uint8Array(await file.arrayBuffer());
  const header = imageHeader(bytes);
  if (header.width) checkPixels(header.width, header.height);
  // A JPEG is decoded without its metadata, and turned here as its EXIF asks: the same
  // in every browser. Other formats are turned by the browser as they ask.
  const source = header.format === "jpeg" ? new Blob(header.decodable, { type: "image/jpeg" }) : file;
  const orientation = header.format === "jpeg" ? header.orientation : 1;
  let bitmap;
  try {
    bitmap = await createImageBitmap(source, { imageOrientation: "from-image" }).catch((error) => {
      // A browser that does not know this value of the option (older ones) turns the
      // image as it asks by default.
      if (error && error.name === "TypeError") return createImageBitmap(source);
      throw error;
    });
  } catch {
    throw unreadable("the browser could not decode it");
  }
  let drawn;
  try {
    checkPixels(bitmap.width, bitmap.height);
    const turned = orientation >= 5;
    const shown = turned ? { width: bitmap.height, height: bitmap.width } : { width: bitmap.width, height: bitmap.height };
    const { width, height } = sentSize(shown.width, shown.height);
    drawn = makeCanvas(width, height);
    const { context } = drawn;
    // Transparent parts on white: every pixel sent is opaque, so editing and encoding
    // again never shift a colour (a canvas keeps colours premultiplied by alpha).
    context.fillStyle = "#fff";
    context.fillRect(0, 0, width, height);
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = "high";
    orient(context, orientation, width, height);
    context.drawImage(bitmap, 0, 0, turned ? height : width, turned ? width : height);
    context.setTransform(1, 0, 0, 1, 0, 0);
  } finally {
    bitmap.close();
  }
  const { canvas, context } = drawn;
  if (!canvasReadable()) {
    throw new AttachmentError("attachment_blocked", "this browser does not let the page read the images it draws");
  }
  for (const edit of edits) {
    const rect = clampRect(edit, canvas.width, canvas.height);
    if (!rect) continue;
    const pixels = context.getImageData(rect.x, rect.y, rect.w, rect.h);
    editPixels(pixels.data, rect.w, rect.h, edit.tool);
    context.putImageData(pixels, rect.x, rect.y);
  }
  let result = null;
  if (header.format === "png") {
    const png = stripPng(new Uint8Array(await (await encode(canvas, "image/png")).arrayBuffer()));
    if (png.bytes.length <= MAX_ATTACHMENT_BYTES) result = { ...png, type: "image/png" };
  }
  if (!result) {
    const blob = await encode(canvas, "image/jpeg", JPEG_QUALITY);
    if (blob.type !== "image/jpeg") throw unreadable("this browser cannot write JPEG");
    result = { ...stripJpeg(new Uint8Array(await blob.arrayBuffer())), type: "image/jpeg" };
  }
  if (result.width !== canvas.width || result.height !== canvas.height) throw unreadable("the encoder changed the size");
  if (result.bytes.length > MAX_ATTACHMENT_BYTES) {
    throw new AttachmentError("attachment_too_large", "the image is larger than 10 MiB even once scrubbed");
  }
  if (preview) result.preview = await previewOf(result, preview);
  return result;
}

/**
 * Scrubs `file` in a Web Worker (on the page where no worker can draw) →
 * {bytes: Uint8Array, type: "image/jpeg" | "image/png", width, height, preview?}.
 * `edits` and `preview` as in scrubHere; aborting `signal` stops the work (AbortError).
 * Refusals reject with an AttachmentError; its `code` is stable.
 */
export async function scrubImage(file, { edits = [], preview = null, signal } = {}) {
  if (file && file.size > MAX_CHOSEN_BYTES) throw new AttachmentError("attachment_too_large", "the file is larger than 10 MiB");
  const here = () => scrubHere(file, { edits, preview });
  try {
    return await runInWorker({ op: "scrub", file, edits, preview }, { signal, inPage: here });
  } catch (error) {
    if (error.name === "NotSupportedError") return here();
    if (error.code) throw new AttachmentError(error.code, error.message);
    throw error;
  }
}
