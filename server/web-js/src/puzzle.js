// The anti-abuse puzzle, protocol v1, exactly as client-lib/src/puzzle.rs does it: find
// an 8-byte nonce N such that Argon2id(challenge ‖ N, "jasmine/puzzle/v1", 1024 KiB,
// t 1, p 1, 32 bytes) starts with `difficulty` zero bits; the POST then carries the
// header `Jasmine-Puzzle: <challenge>.<N in hex>`. No DOM here: node runs it in the
// tests, the page runs it in a Web Worker (worker.js), or in small chunks (work.js).

import { argon2id } from "@noble/hashes/argon2.js";

export const PUZZLE_HEADER = "Jasmine-Puzzle";
export const MAX_DIFFICULTY = 32;
export const MAX_CHALLENGE_BYTES = 256;
const SALT = new TextEncoder().encode("jasmine/puzzle/v1");
const PARAMS = { t: 1, m: 1024, p: 1, dkLen: 32, version: 0x13 };
const NONCE_BYTES = 8;
const PROGRESS_EVERY_MS = 100;
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** The bytes of unpadded base64url text; padding, other characters, a length that no
 *  encoding has, or non-zero unused bits are refused (as Rust's URL_SAFE_NO_PAD does). */
export function base64urlDecode(text) {
  if (typeof text !== "string" || text.length % 4 === 1) throw new Error("not unpadded base64url");
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const c of text) {
    const sextet = B64URL.indexOf(c);
    if (sextet < 0) throw new Error("not unpadded base64url");
    value = ((value << 6) | sextet) & 0xfff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (value >> bits) & 0xff;
    }
  }
  if ((value & ((1 << bits) - 1)) !== 0) throw new Error("not unpadded base64url");
  return out;
}

/** Lowercase hex of bytes. */
export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The 8 bytes of a 16-hex-digit nonce. */
export function nonceFromHex(text) {
  if (typeof text !== "string" || !/^[0-9a-fA-F]{16}$/.test(text)) throw new Error("a nonce is 16 hex digits");
  return Uint8Array.from(text.match(/../g), (pair) => parseInt(pair, 16));
}

/** Argon2id(challenge ‖ nonce) with the puzzle's salt and parameters: 32 bytes. */
export function puzzleHash(challengeBytes, nonceBytes) {
  if (!(nonceBytes instanceof Uint8Array) || nonceBytes.length !== NONCE_BYTES) throw new Error("a nonce is 8 bytes");
  const password = new Uint8Array(challengeBytes.length + NONCE_BYTES);
  password.set(challengeBytes, 0);
  password.set(nonceBytes, challengeBytes.length);
  return argon2id(password, SALT, PARAMS);
}

/** How many bits are zero at the start, from the first byte's most significant bit on. */
export function leadingZeroBits(bytes) {
  let zeros = 0;
  for (const b of bytes) {
    if (b === 0) {
      zeros += 8;
      continue;
    }
    return zeros + Math.clz32(b) - 24;
  }
  return zeros;
}

function checkDifficulty(difficulty) {
  if (!Number.isInteger(difficulty) || difficulty < 0 || difficulty > MAX_DIFFICULTY) {
    throw new Error("a puzzle difficulty is 0 to " + MAX_DIFFICULTY);
  }
}

function randomNonce() {
  return crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
}

/**
 * A solver that can be run in steps: `step(budgetMs)` tries nonces for about that long
 * (at least one) and gives the header value once solved, else null. The nonce is a
 * little-endian u64 counter from `startNonce` (8 bytes or 16 hex digits; random if
 * absent), wrapping around. `onProgress(fraction)`: attempts / 2^difficulty, at most
 * every ~100 ms of work, never above 0.99 until solved, then 1.
 */
export function createSolver(challenge, difficulty, { onProgress, startNonce } = {}) {
  const challengeBytes = base64urlDecode(challenge);
  if (challengeBytes.length === 0 || challengeBytes.length > MAX_CHALLENGE_BYTES) {
    throw new Error("a puzzle challenge of an impossible length");
  }
  checkDifficulty(difficulty);
  const start = startNonce === undefined ? randomNonce() : typeof startNonce === "string" ? nonceFromHex(startNonce) : startNonce;
  if (!(start instanceof Uint8Array) || start.length !== NONCE_BYTES) throw new Error("a nonce is 8 bytes");
  const nonce = new DataView(new ArrayBuffer(NONCE_BYTES));
  const nonceBytes = new Uint8Array(nonce.buffer);
  nonceBytes.set(start);
  const expected = 2 ** difficulty;
  let lastReport = now();
  const solver = {
    attempts: 0,
    solution: null,
    step(budgetMs = Infinity) {
      if (solver.solution) return solver.solution;
      const began = now();
      do {
        const hash = puzzleHash(challengeBytes, nonceBytes);
        solver.attempts += 1;
        if (leadingZeroBits(hash) >= difficulty) {
          solver.solution = challenge + "." + toHex(nonceBytes);
          if (onProgress) onProgress(1);
          return solver.solution;
        }
        // The next nonce: low and high 32-bit halves, little-endian, with carry.
        const low = (nonce.getUint32(0, true) + 1) >>> 0;
        nonce.setUint32(0, low, true);
        if (low === 0) nonce.setUint32(4, (nonce.getUint32(4, true) + 1) >>> 0, true);
        const at = now();
        if (onProgress && at - lastReport >= PROGRESS_EVERY_MS) {
          lastReport = at;
          onProgress(Math.min(0.99, solver.attempts / expected));
        }
        if (at - began >= budgetMs) return null;
      } while (true);
    },
  };
  return solver;
}

/** Solves the puzzle in one go (blocking: for a worker or node) → the header value. */
export function solvePuzzle(challenge, difficulty, options = {}) {
  return createSolver(challenge, difficulty, options).step();
}

/**
 * Solves the puzzle on the page's own thread, in chunks of about `chunkMs` with a
 * setTimeout between them, so that clicks (the quick exit) are still handled. Stops
 * with an AbortError when `signal` is aborted.
 */
export async function solvePuzzleInChunks(challenge, difficulty, { onProgress, startNonce, signal, chunkMs = 12 } = {}) {
  const solver = createSolver(challenge, difficulty, { onProgress, startNonce });
  while (true) {
    if (signal && signal.aborted) throw abortError();
    const solution = solver.step(chunkMs);
    if (solution) return solution;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** The error of a stopped computation, as fetch gives it. */
export function abortError() {
  return typeof DOMException === "function"
    ? new DOMException("the computation was stopped", "AbortError")
    : Object.assign(new Error("the computation was stopped"), { name: "AbortError" });
}

function now() {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}
