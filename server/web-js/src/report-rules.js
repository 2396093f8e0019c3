// The rules of a report (docs/PROTOCOL.md §4.1–4.3, and §4.12 for its images), as client-lib's
// `Report::check_json` applies them: the same problem codes, fields and limits, in the
// same order. client-lib is the reference; the shared vectors in
// tests/vectors/reports/ prove that this file agrees with it (tests/vectors.rs runs
// them through both). No DOM here, so node runs the same code in the tests.
//
// Lengths are Unicode scalar values (a character outside the BMP counts once, not as
// two UTF-16 units), and "empty" is after trimming Unicode White_Space, as Rust's
// `str::trim` does (JavaScript's `trim` also removes U+FEFF, which is not White_Space).

import { ed25519 } from "@noble/curves/ed25519.js";
import { base64, bech32 } from "@scure/base";

export const REPORT_FORMAT = 1;
export const MAX_NARRATIVE_CHARS = 20000;
export const MAX_SHORT_CHARS = 2000;
export const MAX_IDENTIFIERS = 20;
export const MAX_IDENTIFIER_CHARS = 200;
export const MAX_ATTACHMENTS = 5;
export const MAX_ATTACHMENT_BYTES = 10485760;
export const ATTACHMENT_TYPES = ["image/jpeg", "image/png"];

const CATEGORIES = [
  "rape", "attempted_rape", "sexual_assault", "condom_removal", "physical_violence", "armed_robbery",
  "theft_or_non_payment", "threats", "harassment", "blackmail_or_outing", "attempted_murder",
  "institutional_violence", "other",
];
const SEVERITIES = ["annoying", "risky", "dangerous", "very_dangerous"];
const SETTINGS = ["street", "car", "own_place", "client_place", "hotel", "online", "other"];
const PRECISIONS = ["day", "week", "month", "approximate"];
const PARTS_OF_DAY = ["morning", "afternoon", "evening", "night"];

// Unicode White_Space, the set Rust's `char::is_whitespace` and `str::trim` use.
const WHITE_SPACE = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const TRIM = new RegExp("^[" + WHITE_SPACE + "]+|[" + WHITE_SPACE + "]+$", "g");

// `text` without leading and trailing Unicode White_Space (Rust's `str::trim`).
export function rustTrim(text) {
  return text.replace(TRIM, "");
}

// The length in Unicode scalar values (Rust's `str::chars().count()`).
export function charCount(text) {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

function problem(code, field, limit) {
  const found = { code, field };
  if (limit !== undefined) found.limit = limit;
  return found;
}

// --- What serde checks when it decodes (code `malformed`) -------------------------

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
// A JSON string that is valid UTF-8: serde refuses a lone surrogate (`"\ud800"`).
const isText = (v) => typeof v === "string" && !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(v);
const isTextList = (v) => Array.isArray(v) && v.every(isText);
const isOneOf = (values) => (v) => typeof v === "string" && values.includes(v);
const isU32 = (v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const isU64 = (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 64;
const isDayText = isText; // the day itself is checked after decoding (`date_invalid`)

// `members`: name → [required, check]. Absent optional members are fine; `null` is
// fine only where client-lib has an `Option`.
function membersOk(value, members) {
  if (!isObject(value)) return false;
  for (const name of Object.keys(value)) if (!(name in members)) return false;
  for (const [name, [required, check, nullable]] of Object.entries(members)) {
    if (!(name in value)) {
      if (required) return false;
      continue;
    }
    if (value[name] === null && nullable) continue;
    if (!check(value[name])) return false;
  }
  return true;
}

const REQUIRED = (check) => [true, check, false];
const DEFAULT = (check) => [false, check, false];
const OPTION = (check) => [false, check, true];

// The key that checks her answers: canonical base64 of 32 bytes that are an Ed25519
// point not of small order (client-lib's PublicKey::from_base64, written back the same).
function isAnswerKey(text) {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(text)) return false;
  let point;
  try {
    point = ed25519.Point.fromBytes(base64.decode(text));
  } catch {
    return false;
  }
  return !point.isSmallOrder() && base64.encode(base64.decode(text)) === text;
}

function followUpOk(value) {
  if (!isObject(value)) return false;
  const { kind, ...rest } = value;
  // serde ignores other members next to `"kind": "none"` (a unit variant).
  if (kind === "none") return true;
  if (kind === "contact") return membersOk(rest, { details: REQUIRED(isText) });
  if (kind === "codename") {
    return membersOk(rest, { recipient: REQUIRED(isText), mailbox: REQUIRED(isText), answer_key: OPTION(isText) });
  }
  return false;
}

function decodes(report) {
  return membersOk(report, {
    format: REQUIRED(isU32),
    language: REQUIRED(isText),
    when: REQUIRED((w) =>
      membersOk(w, { date: REQUIRED(isDayText), precision: REQUIRED(isOneOf(PRECISIONS)), part_of_day: OPTION(isOneOf(PARTS_OF_DAY)) }),
    ),
    place: REQUIRED((p) =>
      membersOk(p, { country: REQUIRED(isText), region: OPTION(isText), city: OPTION(isText), setting: REQUIRED(isOneOf(SETTINGS)) }),
    ),
    categories: REQUIRED((c) => Array.isArray(c) && c.every(isOneOf(CATEGORIES))),
    severity: REQUIRED(isOneOf(SEVERITIES)),
    aggressor: REQUIRED((a) =>
      membersOk(a, {
        description: DEFAULT(isText),
        phones: DEFAULT(isTextList),
        handles: DEFAULT(isTextList),
        vehicle: OPTION(isText),
        plates: DEFAULT(isTextList),
      }),
    ),
    narrative: REQUIRED(isText),
    follow_up: REQUIRED(followUpOk),
    consent_to_publish: REQUIRED((b) => typeof b === "boolean"),
    attachments: DEFAULT((list) =>
      Array.isArray(list) &&
      list.every((a) => membersOk(a, { type: REQUIRED(isOneOf(ATTACHMENT_TYPES)), size: REQUIRED(isU64), sha256: REQUIRED(isText) })),
    ),
  });
}

// `YYYY-MM-DD`, a real Gregorian day.
function isDay(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return day <= days;
}

// An age X25519 recipient: Bech32 (not Bech32m), prefix `age`, 32 bytes. Like the
// Rust age crate, the 4 padding bits of the 52 five-bit words are not checked.
function isAgeRecipient(text) {
  try {
    const { prefix, words } = bech32.decode(text, false);
    return prefix === "age" && words.length === 52;
  } catch {
    return false;
  }
}

// --- The rules of §4.1, in client-lib's order ----------------------------------------

// The first problem of a report (a value as JSON.parse gives it), or null when it is
// valid: `{ code, field }`, plus `limit` for a length or count rule.
export function reportProblem(report) {
  if (!decodes(report)) return problem("malformed", "");
  if (!isDay(report.when.date)) return problem("date_invalid", "when.date");
  if (report.format !== REPORT_FORMAT) return problem("format_unsupported", "format");
  if (!/^[A-Za-z-]{2,8}$/.test(report.language)) return problem("language_invalid", "language");
  if (!/^[A-Z]{2}$/.test(report.place.country)) return problem("country_invalid", "place.country");
  if (report.categories.length === 0) return problem("category_missing", "categories");
  if (new Set(report.categories).size !== report.categories.length) return problem("category_repeated", "categories");
  if (charCount(report.narrative) > MAX_NARRATIVE_CHARS) return problem("narrative_too_long", "narrative", MAX_NARRATIVE_CHARS);
  const aggressor = report.aggressor;
  for (const [field, text] of [
    ["place.region", report.place.region],
    ["place.city", report.place.city],
    ["aggressor.description", aggressor.description],
    ["aggressor.vehicle", aggressor.vehicle],
  ]) {
    if (charCount(text ?? "") > MAX_SHORT_CHARS) return problem("field_too_long", field, MAX_SHORT_CHARS);
  }
  for (const name of ["phones", "handles", "plates"]) {
    const list = aggressor[name] ?? [];
    const field = "aggressor." + name;
    if (list.length > MAX_IDENTIFIERS) return problem("too_many_identifiers", field, MAX_IDENTIFIERS);
    if (list.some((s) => charCount(s) > MAX_IDENTIFIER_CHARS)) {
      return problem("identifier_too_long", field, MAX_IDENTIFIER_CHARS);
    }
  }
  const follow = report.follow_up;
  if (follow.kind === "contact") {
    if (rustTrim(follow.details) === "") return problem("contact_missing", "follow_up.details");
    if (charCount(follow.details) > MAX_SHORT_CHARS) return problem("contact_too_long", "follow_up.details", MAX_SHORT_CHARS);
  } else if (follow.kind === "codename") {
    if (!isAgeRecipient(follow.recipient)) return problem("recipient_invalid", "follow_up.recipient");
    if (!/^[0-9a-f]{32}$/.test(follow.mailbox)) return problem("mailbox_invalid", "follow_up.mailbox");
    if (follow.answer_key != null && !isAnswerKey(follow.answer_key)) {
      return problem("answer_key_invalid", "follow_up.answer_key");
    }
  }
  const attachments = report.attachments ?? [];
  if (attachments.length > MAX_ATTACHMENTS) return problem("too_many_attachments", "attachments", MAX_ATTACHMENTS);
  for (const a of attachments) {
    if (a.size < 1 || a.size > MAX_ATTACHMENT_BYTES || !/^[0-9a-f]{64}$/.test(a.sha256)) {
      return problem("attachment_invalid", "attachments");
    }
  }
  return null;
}

// An Error for a report that breaks a rule; `problem` says which.
export class ReportProblemError extends Error {
  constructor(found) {
    super("the report is not valid: " + found.code + (found.field ? " (" + found.field + ")" : ""));
    this.problem = found;
  }
}
