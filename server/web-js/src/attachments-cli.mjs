// For the tests, with attachments.js unchanged:
//   node attachments-cli.mjs vectors <attachments.json>
//       → {"failures": [...]} (exit 1 if any), every vector checked:
//         {"buckets": [65536, 81920, …],            the 40 attachment buckets, in order
//          "framing": [{"len": N, "bucket": B|null}], attachmentBucketFor(N)
//          "unframe": [{"framed_b64": "…", "ok": true|false}]}  unframeAttachments accepts it?
//         The file is written by client-lib (tests/vectors/attachments.json), so that both
//         sides frame into the same buckets and refuse the same framings (§4.12).
import { readFileSync } from "node:fs";
import { attachmentBucketFor, attachmentBuckets, unframeAttachments } from "./attachments.js";

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
  for (const [index, { framed_b64: framed, ok }] of (vectors.unframe || []).entries()) {
    let here = true;
    let why = null;
    try {
      unframeAttachments(new Uint8Array(Buffer.from(framed, "base64")));
    } catch (error) {
      here = false;
      why = error.message;
    }
    if (here !== ok) failures.push({ what: "unframe", index, here, there: ok, why });
  }
  process.stdout.write(JSON.stringify({ failures }));
  if (failures.length > 0) process.exitCode = 1;
} else {
  throw new Error("unknown command " + command);
}
