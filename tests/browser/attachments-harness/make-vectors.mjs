// A vector file of the shape client-lib writes to tests/vectors/attachments.json
// (attachments-cli.mjs vectors reads it), computed here independently of attachments.js,
// for testing the page's side before the Rust side writes the real one:
//   node make-vectors.mjs <out.json>
import { writeFileSync } from "node:fs";

const buckets = [];
for (let e = 14; e <= 23; e++) for (const m of [4, 5, 6, 7]) buckets.push(m * 2 ** e);
buckets.sort((a, b) => a - b);
const smallest = (len) => (len < 1 ? null : (buckets.find((b) => b >= len + 4) ?? null));
const lengths = new Set([0, 1, 2, 100, 65531, 65532, 65533, 58720252, 58720253, 58720256, 100000000]);
for (const b of buckets) for (const d of [-5, -4, -3, 0]) lengths.add(b + d);
const framing = [...lengths].sort((a, b) => a - b).map((len) => ({ len, bucket: smallest(len) }));

function framed(bucket, len, fill = 0xab) {
  const out = Buffer.alloc(bucket);
  out.writeUInt32BE(len, 0);
  out.fill(fill, 4, 4 + Math.min(len, bucket - 4));
  return out;
}
const unframe = [
  { framed: framed(65536, 1), ok: true },
  { framed: framed(65536, 65532), ok: true },
  { framed: framed(81920, 65533), ok: true },
  { framed: framed(81920, 81916), ok: true },
  { framed: framed(65536, 0), ok: false }, // nothing framed: L ≥ 1
  { framed: framed(65536, 65533), ok: false }, // the length beyond the bucket
  { framed: framed(81920, 10), ok: false }, // not the smallest bucket
  { framed: framed(65537, 10).subarray(0, 65537), ok: false }, // not a bucket
  { framed: framed(65536, 10).subarray(0, 65535), ok: false }, // cut short
  { framed: (() => { const f = framed(65536, 10); f[100] = 1; return f; })(), ok: false }, // padding not zeros
  { framed: (() => { const f = framed(65536, 10); f[65535] = 1; return f; })(), ok: false },
  { framed: Buffer.alloc(3), ok: false },
  { framed: framed(65536, 0xffffffff), ok: false },
].map(({ framed: f, ok }) => ({ framed_b64: f.toString("base64"), ok }));
writeFileSync(process.argv[2], JSON.stringify({ buckets, framing, unframe }));
