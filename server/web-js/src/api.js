// What the page scripts share with the server's API: the verified key bundle, and an
// anonymous write paid with the admission puzzle solved in a Web Worker.

import { verifyBundle } from "./seal.js";
import { PUZZLE_HEADER, solvePuzzleInWorker } from "./work.js";

export async function currentBundle(rootKey) {
  const keys = await fetch("/v1/keys", { cache: "no-store" });
  if (!keys.ok) throw new Error("the moderators' keys are not available");
  return verifyBundle(await keys.json(), rootKey);
}

// The progress line of a costly step, in the visitor's language: the element holds the
// text of each step (data-puzzle with {percent}); the first text stays for the codename.
export function showProgress(element, fraction) {
  if (!element) return;
  element.hidden = false;
  if (fraction === undefined || !element.dataset.puzzle) return;
  element.textContent = element.dataset.puzzle.replace("{percent}", String(Math.min(99, Math.floor(fraction * 100))));
}

// An anonymous write with its admission puzzle (docs/PROTOCOL.md §6.9): ask for a
// challenge for `size` bytes, solve it in a Web Worker (the page and its quick exit stay
// live), post with the solution. A challenge gone stale meanwhile (409 puzzle_expired)
// is asked for and solved again, three tries in all. Returns [response, body].
export async function postWithPuzzle(path, purpose, size, contentType, body, progress) {
  for (let tries = 1; ; tries++) {
    const puzzle = await fetch("/v1/puzzle?for=" + purpose + "&size=" + size, { cache: "no-store" });
    const challenge = await puzzle.json();
    if (!puzzle.ok) throw new Error(challenge.reason || "no puzzle");
    showProgress(progress, 0);
    let header;
    try {
      header = await solvePuzzleInWorker(challenge, { onProgress: (f) => showProgress(progress, f) });
    } catch (error) {
      if (error.name === "TimeoutError" && tries < 3) continue;
      throw error;
    }
    const answer = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": contentType, [PUZZLE_HEADER]: header },
      body,
    });
    const result = await answer.json();
    if (answer.status === 409 && result.error === "puzzle_expired" && tries < 3) continue;
    return [answer, result];
  }
}
