// The page's side of worker.js: runs a costly computation (the puzzle, the codename's
// Argon2id, scrubbing an image, sealing the images) in a Web Worker so that the page,
// and its quick-exit button, stay live. Abandoning the work (an AbortSignal) terminates
// the worker at once. Where no worker can run, the puzzle is solved on the page in small
// chunks with setTimeout between; the codename derivation is then refused
// (NotSupportedError), as it cannot yield; other work runs on the page (`inPage`).
//
//   const header = await solvePuzzleInWorker(await puzzle.json(), { onProgress, signal });
//   fetch(url, { method: "POST", headers: { [PUZZLE_HEADER]: header }, body });
//   const keys = await deriveInWorker(codenameChars, { signal });

import { MAX_DIFFICULTY, PUZZLE_HEADER, abortError, solvePuzzleInChunks } from "./puzzle.js";

export { PUZZLE_HEADER };

// A classic script (an IIFE bundle) from this site: the page's `script-src 'self'`
// allows it, nothing else is needed.
const WORKER_URL = "/static/worker.js";

/** Does `message` (see worker.js) on the page's thread, yielding often. */
function runInPage(message, { onProgress, signal, inPage } = {}) {
  if (inPage) return inPage();
  if (message.op === "puzzle") {
    return solvePuzzleInChunks(message.challenge, message.difficulty, { onProgress, signal });
  }
  if (message.op === "derive") {
    // Not on the page: noble's argon2idAsync only yields to microtasks, so clicks (the
    // quick exit) would wait the whole derivation (seconds). The caller decides.
    const error = new Error("the codename cannot be made without a worker in this browser");
    error.name = "NotSupportedError";
    return Promise.reject(error);
  }
  return Promise.reject(new Error("unknown work"));
}

// The worker's refusal as an Error, with its `name` and stable `code` if it gave them.
function workerError(data) {
  const error = new Error(data.error || "the computation failed");
  if (data.name) error.name = data.name;
  if (data.code) error.code = data.code;
  return error;
}

/**
 * Runs one message of worker.js in a new worker → a Promise of its result.
 * `onProgress(fraction)` hears the worker's progress; aborting `signal` terminates the
 * worker at once and rejects with an AbortError. If the worker cannot start (no Worker,
 * or its script does not load), `inPage()` does the work on the page if given; else a
 * puzzle is solved on the page instead, in chunks, and a derivation rejects with a
 * NotSupportedError.
 */
export function runInWorker(message, { onProgress, signal, inPage } = {}) {
  if (signal && signal.aborted) return Promise.reject(abortError());
  const options = { onProgress, signal, inPage };
  if (typeof Worker !== "function") return runInPage(message, options);
  let worker;
  try {
    worker = new Worker(WORKER_URL);
  } catch {
    return runInPage(message, options);
  }
  return new Promise((resolve, reject) => {
    let started = false;
    const finish = () => {
      worker.terminate();
      if (signal) signal.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      finish();
      reject(abortError());
    };
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
    worker.onmessage = (event) => {
      started = true;
      const data = event.data || {};
      if ("progress" in data) {
        if (onProgress) onProgress(data.progress);
      } else if ("result" in data) {
        finish();
        resolve(data.result);
      } else {
        finish();
        reject(workerError(data));
      }
    };
    worker.onerror = (event) => {
      if (event && event.preventDefault) event.preventDefault();
      finish();
      // The worker never answered: its script did not load or run. Do it here.
      if (!started) runInPage(message, options).then(resolve, reject);
      else reject(new Error("the computation failed"));
    };
    worker.postMessage(message);
  });
}

/**
 * Solves a challenge of `GET /v1/puzzle` (the parsed JSON, or its text) → the value of
 * the Jasmine-Puzzle header. Past `expires_in` seconds the work stops and the promise
 * rejects with a TimeoutError (the server would refuse the solution: ask for another).
 */
export function solvePuzzleInWorker(challengeJson, { onProgress, signal } = {}) {
  const puzzle = typeof challengeJson === "string" ? JSON.parse(challengeJson) : challengeJson;
  if (!puzzle || typeof puzzle.challenge !== "string") return Promise.reject(new Error("not a puzzle"));
  const { challenge, difficulty, expires_in: expiresIn } = puzzle;
  if (!Number.isInteger(difficulty) || difficulty < 0 || difficulty > MAX_DIFFICULTY) {
    return Promise.reject(new Error("a puzzle difficulty is 0 to " + MAX_DIFFICULTY));
  }
  if (signal && signal.aborted) return Promise.reject(abortError());
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (signal) signal.addEventListener("abort", onAbort, { once: true });
  let expired = false;
  const timer =
    Number.isFinite(expiresIn) && expiresIn > 0
      ? setTimeout(() => {
          expired = true;
          stop.abort();
        }, expiresIn * 1000)
      : null;
  return runInWorker({ op: "puzzle", challenge, difficulty }, { onProgress, signal: stop.signal })
    .catch((error) => {
      if (expired) throw Object.assign(new Error("the puzzle expired before it was solved"), { name: "TimeoutError" });
      throw error;
    })
    .finally(() => {
      if (timer !== null) clearTimeout(timer);
      if (signal) signal.removeEventListener("abort", onAbort);
    });
}

/** The reply keys of a codename's 20 data characters (codename.js deriveReplyKeys),
 *  computed in a worker → {identity, recipient, mailbox}. Without a worker: rejects
 *  with a NotSupportedError (deriveReplyKeys on the page would block it for seconds). */
export function deriveInWorker(codenameChars, { onProgress, signal } = {}) {
  return runInWorker({ op: "derive", codename: codenameChars }, { onProgress, signal });
}
