// For the tests, with attachments.js unchanged:
//   node attachments-cli.mjs vectors <attachments.json>
//       → {"failures": [...], "checked": N} (exit 1 if any failure), every vector checked:
//         {"buckets": [65536, 81920, …],            the 40 attachment buckets, in order
//          "framing": [{"len": N, "bucket": B|null}], attachmentBucketFor(N)
//          "unframe": [{…a frame…, "ok": true|false}]}  unframeAttachments accepts it?
//         A frame is either "framed_b64" (its bytes), or described as client-lib writes
//         it: "bucket_size" zero bytes, "length_prefix" as u32 big-endian first, the body
//         (length_prefix bytes, at most to the end) all "fill", and a byte 1 at
//         "dirty_at" when it is not null. The file is written by client-lib
//         (tests/vectors/attachments.json), so that both sides frame into the same buckets
//         and refuse the same framings (§4.12).
//   node attachments-cli.mjs bench <image file> [rounds]
//       → {"bytes", "bare_ms", "prepare_ms", "ratio"}: the page's entries + framing + age
//         sealing of one scrubbed image to 3 recipients (prepareAttachments, as the worker
//         runs it), next to the bare age-encryption call on the same bytes; medians.
import { readFileSync } from "node:fs";
import { Encrypter, generateIdentity, identityToRecipient } from "age-encryption";
import { attachmentBucketFor, attachmentBuckets, prepareAttachments, unframeAttachments } from "./attachments.js";

// The bytes of a frame of the vector file.
function frameOf(frame) {
  if (typeof frame.framed_b64 === "string") return new Uint8Array(Buffer.from(frame.framed_b64, "base64"));
  const framed = new Uint8Array(frame.bucket_size);
  new DataView(framed.buffer).setUint32(0, frame.length_prefix, false);
  framed.fill(frame.fill, 4, 4 + Math.min(frame.length_prefix, frame.bucket_size - 4));
  if (frame.dirty_at !== null && frame.dirty_at !== undefined) framed[frame.dirty_at] = 1;
  return framed;
}

const [command, ...args] = process.argv.slice(2);
if (command === "vectors") {
  const vectors = JSON.parse(readFileSync(args[0], "utf8"));
  const failures = [];
  const mine = attachmentBuckets();
  if (JSON.stringify(mine) !== JSON.stringify(vectors.buckets)) {
    failures.push({ what: "buckets", here: mine, there: vectors.buckets });
  }
  for (const { len, bucket } of vectors.framing || []) {
    const here = attachmentBucketFor(len);
    if (here !== bucket) failures.push({ what: "framing", len, here, there: bucket });
  }
  for (const [index, frame] of (vectors.unframe || []).entries()) {
    const { ok } = frame;
    let here = true;
    let why = null;
    try {
      unframeAttachments(frameOf(frame));
    } catch (error) {
      here = false;
      why = error.message;
    }
    if (here !== ok) failures.push({ what: "unframe", index, here, there: ok, why });
  }
  const checked = (vectors.framing || []).length + (vectors.unframe || []).length;
  process.stdout.write(JSON.stringify({ failures, checked }));
  if (failures.length > 0) process.exitCode = 1;
} else if (command === "bench") {
  const bytes = new Uint8Array(readFileSync(args[0]));
  const rounds = Number(args[1] || 15);
  const recipients = [];
  for (let i = 0; i < 3; i++) recipients.push(await identityToRecipient(await generateIdentity()));
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const bare = [];
  const prepare = [];
  for (let i = 0; i < rounds; i++) {
    let began = performance.now();
    const encrypter = new Encrypter();
    for (const r of recipients) encrypter.addRecipient(r);
    await encrypter.encrypt(bytes);
    bare.push(performance.now() - began);
    began = performance.now();
    await prepareAttachments([{ bytes, type: "image/jpeg" }], recipients);
    prepare.push(performance.now() - began);
  }
  const [b, p] = [median(bare), median(prepare)];
  process.stdout.write(JSON.stringify({ bytes: bytes.length, rounds, bare_ms: +b.toFixed(1), prepare_ms: +p.toFixed(1), ratio: +(p / b).toFixed(2) }) + "\n");
} else {
  throw new Error("unknown command " + command);
}
