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

// The sending of a large body, in the visitor's language: data-sending on the progress
// element, with {percent} of the bytes sent.
function showSending(element, fraction) {
  if (!element || !element.dataset.sending) return;
  element.hidden = false;
  element.textContent = element.dataset.sending.replace("{percent}", String(Math.min(99, Math.floor(fraction * 100))));
}

// A POST that reports how much of its body is sent (XMLHttpRequest: fetch cannot),
// → [{ok, status}, parsed JSON answer].
function postWithUploadProgress(path, headers, body, onSent) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", path);
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onSent(event.loaded / event.total);
    };
    request.onload = () => {
      let parsed = {};
      try {
        parsed = JSON.parse(request.responseText);
      } catch {
        // A refusal without JSON (a proxy's page): its status says enough.
      }
      resolve([{ ok: request.status >= 200 && request.status < 300, status: request.status }, parsed]);
    };
    request.onerror = () => reject(new Error("the connection was lost while sending"));
    request.send(body);
  });
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function contains(haystack, needle) {
  for (let i = haystack.indexOf(needle[0]); i !== -1 && i + needle.length <= haystack.length; i = haystack.indexOf(needle[0], i + 1)) {
    let k = 1;
    while (k < needle.length && haystack[i + k] === needle[k]) k++;
    if (k === needle.length) return true;
  }
  return false;
}

/**
 * A multipart/form-data body of binary parts, built as bytes so that its exact length
 * is known before the puzzle is asked for: `parts` is [[name, Uint8Array], …], each sent
 * without a filename as application/octet-stream, in order. The boundary is random (and
 * never found in a part). → {body: Uint8Array, contentType}.
 */
export function multipartBody(parts, random = (n) => crypto.getRandomValues(new Uint8Array(n))) {
  const encoder = new TextEncoder();
  for (;;) {
    const boundary = "jasmine-" + hex(random(16));
    const marker = encoder.encode("--" + boundary);
    if (parts.some(([, bytes]) => contains(bytes, marker))) continue;
    const pieces = [];
    for (const [name, bytes] of parts) {
      pieces.push(
        encoder.encode(
          "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\nContent-Type: application/octet-stream\r\n\r\n",
        ),
        bytes,
        encoder.encode("\r\n"),
      );
    }
    pieces.push(encoder.encode("--" + boundary + "--\r\n"));
    const body = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of pieces) {
      body.set(p, at);
      at += p.length;
    }
    return { body, contentType: "multipart/form-data; boundary=" + boundary };
  }
}

// An anonymous write with its admission puzzle (docs/PROTOCOL.md §6.9): ask for a
// challenge for `size` bytes, solve it in a Web Worker (the page and its quick exit stay
// live), post with the solution. A challenge gone stale meanwhile (409 puzzle_expired)
// is asked for and solved again, three tries in all. Returns [response, body]. With
// `upload`, a large body: its sending is shown as it goes (data-sending on `progress`).
export async function postWithPuzzle(path, purpose, size, contentType, body, progress, { upload = false } = {}) {
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
    const headers = { "Content-Type": contentType, [PUZZLE_HEADER]: header };
    let answer;
    let result;
    if (upload && typeof XMLHttpRequest === "function") {
      showSending(progress, 0);
      [answer, result] = await postWithUploadProgress(path, headers, body, (f) => showSending(progress, f));
    } else {
      answer = await fetch(path, { method: "POST", headers, body });
      result = await answer.json();
    }
    if (answer.status === 409 && result.error === "puzzle_expired" && tries < 3) continue;
    return [answer, result];
  }
}
