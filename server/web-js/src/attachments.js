// The attachments file of a report (docs/PROTOCOL.md §4.12), exactly as client-lib
// makes it: the scrubbed images' bytes, concatenated in the order of the report's
// `attachments` entries, framed like a report (u32 big-endian length, the bytes, zeros)
// into the attachment buckets (m × 2^e bytes, m in {4, 5, 6, 7}, e from 14 to 23: a
// quarter of an octave apart, 64 KiB to 56 MiB), and age-encrypted to the same
// recipients as the report. No DOM here, so node runs the same code in the tests
// (attachments-cli.mjs); the page does the hashing and the encryption in the Web Worker
// (sealAttachmentsInWorker).

import { Encrypter } from "age-encryption";
import { sha256 } from "@noble/hashes/sha2.js";
import { ATTACHMENT_TYPES, MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES } from "./report-rules.js";
import { runInWorker } from "./work.js";

export { ATTACHMENT_TYPES };

let buckets = null;

/** The 40 attachment buckets, smallest first: 65536, 81920, 98304, 114688, 131072, … */
export function attachmentBuckets() {
  if (!buckets) {
    buckets = [];
    for (let e = 14; e <= 23; e++) for (const m of [4, 5, 6, 7]) buckets.push(m * 2 ** e);
  }
  return buckets.slice();
}

/** The smallest bucket B with B ≥ len + 4, for len ≥ 1; null when there is none. */
export function attachmentBucketFor(len) {
  if (!Number.isSafeInteger(len) || len < 1) return null;
  return attachmentBuckets().find((b) => b >= len + 4) ?? null;
}

function bytesOf(image) {
  return image instanceof Uint8Array ? image : image.bytes;
}

/** `u32_be(L) || images… || zeros` to the smallest bucket (images: Uint8Arrays, or
 *  {bytes}). Throws when there is nothing to frame or it is too large. */
export function frameAttachments(images) {
  const parts = images.map(bytesOf);
  const length = parts.reduce((n, p) => n + p.length, 0);
  const bucket = attachmentBucketFor(length);
  if (bucket === null) throw new Error(length < 1 ? "no image to frame" : "the images are too large to send together");
  const framed = new Uint8Array(bucket);
  new DataView(framed.buffer).setUint32(0, length, false);
  let at = 4;
  for (const p of parts) {
    framed.set(p, at);
    at += p.length;
  }
  return framed;
}

/** The images' bytes of a framed attachments plaintext, checked as §4.5 checks a report:
 *  its length a bucket, the length within it, zeros after, the smallest bucket. */
export function unframeAttachments(framed) {
  const bucket = framed.length;
  if (!attachmentBuckets().includes(bucket)) throw new Error("not the length of an attachment bucket");
  const length = new DataView(framed.buffer, framed.byteOffset, framed.byteLength).getUint32(0, false);
  if (length > bucket - 4) throw new Error("the length is beyond the bucket");
  for (let i = 4 + length; i < bucket; i++) if (framed[i] !== 0) throw new Error("padding that is not zeros");
  if (attachmentBucketFor(length) !== bucket) throw new Error("not the smallest bucket");
  return framed.subarray(4, 4 + length);
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The report's `attachments` entries of scrubbed images ({bytes, type}), in order:
 *  [{type, size, sha256}], sha256 in 64 lowercase hex. */
export function attachmentEntries(images) {
  if (images.length > MAX_ATTACHMENTS) throw new Error("at most " + MAX_ATTACHMENTS + " images");
  return images.map(({ bytes, type }) => {
    if (!ATTACHMENT_TYPES.includes(type)) throw new Error("an image is sent as JPEG or PNG");
    if (bytes.length < 1 || bytes.length > MAX_ATTACHMENT_BYTES) throw new Error("an image of 1 byte to 10 MiB");
    return { type, size: bytes.length, sha256: hex(sha256(bytes)) };
  });
}

/** The age file (binary) of a framed attachments plaintext, to every recipient
 *  (`age1…` strings: the moderators of the bundle; for an answer, and hers). */
export async function sealAttachments(framed, recipients) {
  if (!recipients.length) throw new Error("no recipient");
  const encrypter = new Encrypter();
  for (const recipient of recipients) encrypter.addRecipient(recipient);
  return encrypter.encrypt(framed);
}

/** Entries and sealed file of scrubbed images, here: {entries, sealed}. The framed
 *  plaintext is wiped once encrypted. */
export async function prepareAttachments(images, recipients) {
  const entries = attachmentEntries(images);
  const framed = frameAttachments(images);
  try {
    return { entries, sealed: await sealAttachments(framed, recipients) };
  } finally {
    framed.fill(0);
  }
}

/** prepareAttachments in the Web Worker (on the page where none can run). */
export function sealAttachmentsInWorker(images, recipients, { signal } = {}) {
  const message = { op: "attachments", images: images.map(({ bytes, type }) => ({ bytes, type })), recipients };
  return runInWorker(message, { signal, inPage: () => prepareAttachments(images, recipients) });
}
