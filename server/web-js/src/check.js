// The private check in the browser (docs/PROTOCOL.md §5b): normalise the identifier
// exactly as client-lib's identifier.rs does, blind it (RFC 9497 VOPRF,
// ristretto255-SHA512, @noble/curves), and, once the server has evaluated the blinded
// element, verify its proof against the check key the signed bundle names and
// unblind. The list's entries are verified against the moderators' alert keys. No DOM
// here, so node runs the same code against the shared vectors (tests/vectors/check.json
// and the RFC's own).

import { ristretto255_oprf } from "@noble/curves/ed25519.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import parsePhoneNumber from "libphonenumber-js/max";
import { canonicalJson } from "./seal.js";

const INPUT_DOMAIN = "jasmine/check/v1";
const ENTRY_TAG = "jasmine/check-entry/v1";
const TAG_BYTES = 32;

export function b64decode(text) {
  const binary = atob(text.trim());
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export function b64encode(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

// What Rust's `str::trim` removes: Unicode White_Space at both ends.
// (JavaScript's \s also holds U+FEFF, which is not White_Space, and lacks U+0085.)
function trimWhiteSpace(text) {
  return text.replace(/^(?:[^\S\uFEFF]|\u0085)+|(?:[^\S\uFEFF]|\u0085)+$/gu, "");
}

// A phone number as E.164, read in `country` when it has no international prefix;
// "digits:…" (with a "+" when international) when it is not a valid number; null for
// fewer than 6 digits. Only its digits are read, and whether it is international: its
// first "+"-or-digit is a "+", or its digits start with 00 (client-lib's
// normalize_phone).
export function normalizePhone(text, country) {
  const digits = [...text].filter((c) => c >= "0" && c <= "9").join("");
  const first = [...text].find((c) => c === "+" || (c >= "0" && c <= "9"));
  const plus = first === "+";
  let cleaned = digits;
  if (plus) cleaned = "+" + digits;
  else if (digits.startsWith("00")) cleaned = "+" + digits.slice(2);
  const region = /^[A-Z]{2}$/.test(country) ? country : "FR";
  try {
    const number = parsePhoneNumber(cleaned, region);
    if (number && number.isValid()) return number.number;
  } catch {
    // Not a number: its digits below.
  }
  return digits.length >= 6 ? "digits:" + (plus ? "+" : "") + digits : null;
}

// A plate: ASCII letters and digits, upper case; null when shorter than 4.
export function normalizePlate(text) {
  const plate = [...text].filter((c) => /^[A-Za-z0-9]$/.test(c)).join("").toUpperCase();
  return plate.length >= 4 ? plate : null;
}

// A handle or profile link, without `@`, scheme, `www.` (any number, at the start),
// trailing `/`, in lower case.
export function normalizeHandle(text) {
  // Each pass trims, lowers the case, strips one prefix or the trailing `/`s; passes run
  // until nothing changes (client-lib's normalize_handle).
  let handle = text;
  for (;;) {
    const lowered = trimWhiteSpace(handle).toLowerCase();
    const prefix = ["https://", "http://", "www.", "@"].find((p) => lowered.startsWith(p));
    const next = (prefix ? lowered.slice(prefix.length) : lowered).replace(/\/+$/, "");
    if (next === handle) break;
    handle = next;
  }
  return [...handle].length >= 2 ? handle : null;
}

export function normalize(kind, text, country) {
  if (kind === "phone") return normalizePhone(text, country);
  if (kind === "plate") return normalizePlate(text);
  if (kind === "handle") return normalizeHandle(text);
  throw new Error("unknown kind " + kind);
}

// "jasmine/check/v1" 0x00 kind 0x00 normalised, UTF-8.
export function checkInput(kind, normalised) {
  return new TextEncoder().encode(INPUT_DOMAIN + "\0" + kind + "\0" + normalised);
}

// Blinds the input: { blind (keep it), blinded (send it) }.
export function blind(input, rng) {
  return ristretto255_oprf.voprf.blind(input, rng);
}

// Verifies the server's proof against the pinned public key and unblinds: the
// 64-byte output. Throws when the proof was made with another key.
export function finish(input, blinded, evaluation, publicKey) {
  return ristretto255_oprf.voprf.finalize(
    input,
    blinded.blind,
    b64decode(evaluation.evaluated),
    blinded.blinded,
    b64decode(publicKey),
    b64decode(evaluation.proof),
  );
}

// The list's tag of an output: its first 32 bytes, base64 (as the entries hold it).
export function tagOf(output) {
  return b64encode(output.subarray(0, TAG_BYTES));
}

// The alert ids the list holds for `tag` (base64), from the entries that name it and
// whose signature verifies with the current alert key of the moderator they name; and
// how many entries naming it were ignored. Only those entries are verified: the
// others cannot change the answer (client-lib's checklist::alerts_for).
export function alertsFor(list, bundle, tag) {
  const alerts = [];
  let ignored = 0;
  const encoder = new TextEncoder();
  for (const signed of list.entries || []) {
    const entry = signed && signed.entry;
    if (!entry || entry.tag !== tag) continue;
    try {
      if (Object.keys(signed).length !== 2 || typeof signed.signature !== "string") throw new Error("malformed");
      if (Object.keys(entry).sort().join(",") !== "alert_id,signed_by,tag") throw new Error("malformed");
      if (!/^[0-9a-f]{32}$/.test(entry.alert_id) || b64decode(entry.tag).length !== TAG_BYTES) throw new Error("malformed");
      const moderator = bundle.moderators.find((m) => m.id === entry.signed_by);
      if (!moderator) throw new Error("unknown signer");
      const message = encoder.encode(ENTRY_TAG + "\0" + canonicalJson(entry));
      if (!ed25519.verify(b64decode(signed.signature), message, b64decode(moderator.alert_key), { zip215: false })) {
        throw new Error("bad signature");
      }
      if (!alerts.includes(entry.alert_id)) alerts.push(entry.alert_id);
    } catch {
      ignored += 1;
    }
  }
  return { alerts, ignored };
}
