// The page's Web Worker (built into server/static/worker.js): every costly computation
// runs here, off the page's thread, so the page and its quick-exit button never freeze.
// One job per worker: the page sends one message, gets `{progress}` messages, then one
// `{result}` or `{error}`, and terminates the worker (at once, if the job is abandoned).
//   {op: "puzzle", challenge, difficulty} → the Jasmine-Puzzle header value (puzzle.js)
//   {op: "derive", codename}              → {identity, recipient, mailbox} (codename.js)

import { deriveReplyKeys } from "./codename.js";
import { solvePuzzle } from "./puzzle.js";

const progress = (fraction) => self.postMessage({ progress: fraction });

async function run(message) {
  if (message && message.op === "puzzle") {
    return solvePuzzle(message.challenge, message.difficulty, { onProgress: progress });
  }
  if (message && message.op === "derive") {
    if (typeof message.codename !== "string") throw new Error("no codename to derive");
    return deriveReplyKeys(message.codename);
  }
  throw new Error("unknown work");
}

self.onmessage = async (event) => {
  // A first word at once: the page then knows the worker runs (else it works without).
  progress(0);
  try {
    self.postMessage({ result: await run(event.data) });
  } catch (error) {
    self.postMessage({ error: String((error && error.message) || error) });
  }
};
