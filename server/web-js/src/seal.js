// Jasmine protocol v1 in the browser: verify the key bundle against the root key the
// page embeds, frame and pad the report exactly as client-lib does, and age-encrypt
// it to every moderator. No DOM here, so node runs the same code in the tests.
// Specification: docs/PROTOCOL.md §2 (signatures), §3 (bundle), §4 (report, padding).

import { Encrypter } from "age-encryption";
import { ed25519 } from "@noble/curves/ed25519.js";
import { ReportProblemError, reportProblem } from "./report-rules.js";

const BUNDLE_TAG = "jasmine/bundle/v1";
const MIN_BUCKET = 1024;
const MAX_BUCKET = 65536;

function b64decode(text) {
  const binary = atob(text.trim());
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

// RFC 8785 for the values Jasmine signs (no floats): members sorted by UTF-16 code
// units, ES6 JSON string escaping, integers as written.
export function canonicalJson(value) {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isSafeInteger(value)) {
      throw new Error("only integers within 2^53 may be signed");
    }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return "[" + value.map(canonicalJson).join(",") + "]";
  }
  const keys = Object.keys(value).sort();
  return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonicalJson(value[k])).join(",") + "}";
}

function today() {
  return new Date().toISOString().slice(0, 10);
}

// The bundle, if its root signature verifies and today is within its dates.
export function verifyBundle(signed, rootKeyB64, day = today()) {
  const members = Object.keys(signed);
  if (members.length !== 2 || !("bundle" in signed) || typeof signed.signature !== "string") {
    throw new Error("malformed key bundle");
  }
  const encoder = new TextEncoder();
  const tag = encoder.encode(BUNDLE_TAG);
  const body = encoder.encode(canonicalJson(signed.bundle));
  const message = new Uint8Array(tag.length + 1 + body.length);
  message.set(tag, 0);
  message.set(body, tag.length + 1);
  if (!ed25519.verify(b64decode(signed.signature), message, b64decode(rootKeyB64), { zip215: false })) {
    throw new Error("the key bundle's signature does not verify");
  }
  const bundle = signed.bundle;
  if (day > bundle.expires) throw new Error("the key bundle expired on " + bundle.expires);
  if (day < bundle.issued) throw new Error("the key bundle is not valid yet");
  if (!Array.isArray(bundle.moderators) || bundle.moderators.length === 0) {
    throw new Error("the key bundle lists no moderator");
  }
  return bundle;
}

// `[u32 big-endian length][JSON][zeros]` up to the next power of two from 1 to 64 KiB.
export function pad(bytes) {
  let bucket = MIN_BUCKET;
  while (bucket < bytes.length + 4) bucket *= 2;
  if (bucket > MAX_BUCKET) throw new Error("the report is too long");
  const framed = new Uint8Array(bucket);
  new DataView(framed.buffer).setUint32(0, bytes.length, false);
  framed.set(bytes, 4);
  return framed;
}

function list(text) {
  return (text || "").split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

function optional(text) {
  const t = (text || "").trim();
  return t.length > 0 ? t : undefined;
}

// A Report v1 from the form's fields (the same names as the no-JavaScript form).
// `get(name)` returns one value, `getAll(name)` every value of a field. It is not
// checked here: `reportProblem` (report-rules.js) says what is wrong with it.
// An unanswered date precision is "approximate": nothing is assumed for her.
// `attachments`: the entries of her scrubbed images (attachments.js), last in the
// report (§4.12); the member is left out when there are none.
export function reportFromFields(get, getAll, language, attachments = []) {
  const report = {
    format: 1,
    language,
    when: { date: (get("date") || "").trim(), precision: get("precision") || "approximate" },
    place: {
      country: ((get("country") || "").trim() || "FR").toUpperCase(),
      setting: get("setting") || "other",
    },
    categories: [...new Set(getAll("category"))],
    severity: get("severity") || "risky",
    aggressor: {
      description: (get("description") || "").trim(),
      phones: list(get("phones")),
      handles: list(get("handles")),
      plates: list(get("plates")),
    },
    narrative: (get("narrative") || "").trim(),
    follow_up:
      get("follow_up") === "contact"
        ? { kind: "contact", details: (get("contact") || "").trim() }
        : { kind: "none" },
    consent_to_publish: get("consent") === "yes",
  };
  const part = get("part_of_day");
  if (part) report.when.part_of_day = part;
  for (const [field, value] of [["region", get("region")], ["city", get("city")]]) {
    if (optional(value)) report.place[field] = optional(value);
  }
  if (optional(get("vehicle"))) report.aggressor.vehicle = optional(get("vehicle"));
  if (attachments.length > 0) report.attachments = attachments;
  return report;
}

// The age ciphertext of the padded report, to every moderator of the bundle. A
// report that breaks a rule is refused (ReportProblemError): the moderators could
// not open it.
export async function sealReport(report, bundle) {
  const problem = reportProblem(report);
  if (problem) throw new ReportProblemError(problem);
  const encrypter = new Encrypter();
  for (const moderator of bundle.moderators) encrypter.addRecipient(moderator.age_recipient);
  const framed = pad(new TextEncoder().encode(JSON.stringify(report)));
  const ciphertext = await encrypter.encrypt(framed);
  framed.fill(0);
  if (ciphertext.length > bundle.limits.max_report_bytes) throw new Error("the report is too long");
  return ciphertext;
}
