// The page's Web Worker (built into server/static/worker.js): every costly computation
// runs here, off the page's thread, so the page and its quick-exit button never freeze.
// One job per worker: the page sends one message, gets `{progress}` messages, then one
// `{result}` or `{error, name, code}`, and terminates the worker (at once, if the job is
// abandoned).
//   {op: "puzzle", challenge, difficulty} → the Jasmine-Puzzle header value (puzzle.js)
//   {op: "derive", codename}              → {identity, recipient, mailbox} (codename.js)
//   {op: "scrub", file, edits, preview}   → {bytes, type, width, height, preview} (scrub.js)
//   {op: "attachments", images, recipients} → {entries, sealed} (attachments.js)

import { prepareAttachments } from "./attachments.js";
import { deriveReplyKeys } from "./codename.js";
import { solvePuzzle } from "./puzzle.js";
import { scrubHere } from "./scrub.js";

const progress = (fraction) => self.postMessage({ progress: fraction });

async function run(message) {
  if (message && message.op === "puzzle") {
    return solvePuzzle(message.challenge, message.difficulty, { onProgress: progress });
  }
  if (message && message.op === "derive") {
    if (typeof message.codename !== "string") throw new Error("no codename to derive");
    return deriveReplyKeys(message.codename);
  }
  if (message && message.op === "scrub") {
    return scrubHere(message.file, { edits: Array.isArray(message.edits) ? message.edits : [], preview: message.preview || null });
  }
  if (message && message.op === "attachments") {
    if (!Array.isArray(message.images) || !Array.isArray(message.recipients)) throw new Error("no images to seal");
    return prepareAttachments(message.images, message.recipients);
  }
  throw new Error("unknown work");
}

// The buffers of a result's bytes, and its bitmaps, move to the page instead of being
// copied.
function transferable(result) {
  if (!result || typeof result !== "object") return [];
  return Object.values(result).flatMap((v) =>
    v instanceof Uint8Array ? [v.buffer] : typeof ImageBitmap === "function" && v instanceof ImageBitmap ? [v] : [],
  );
}

self.onmessage = async (event) => {
  // A first word at once: the page then knows the worker runs (else it works without).
  progress(0);
  try {
    const result = await run(event.data);
    self.postMessage({ result }, transferable(result));
  } catch (error) {
    self.postMessage({ error: String((error && error.message) || error), name: error && error.name, code: error && error.code });
  }
};
