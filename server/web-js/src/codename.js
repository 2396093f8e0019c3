// Codenames and reply mailboxes in the browser, exactly as client-lib does them
// (docs/PROTOCOL.md §4.10 codenames, §4.11 mailbox messages). No DOM here, so node
// runs the same code in the tests.

import { Decrypter, Encrypter } from "age-encryption";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { argon2idAsync } from "@noble/hashes/argon2.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { base64, bech32 } from "@scure/base";
import { MAX_ATTACHMENTS, charCount, rustTrim } from "./report-rules.js";
import { canonicalJson, pad } from "./seal.js";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const DATA_CHARS = 20;
const CHECK_CHARS = 4;
const MIN_BUCKET = 1024;
const MAX_BUCKET = 65536;
const encoder = new TextEncoder();

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function b64decode(text) {
  return Uint8Array.from(atob(text.trim()), (c) => c.charCodeAt(0));
}

// The 4 checksum characters: the first 20 bits of SHA-256 of the tag, 0x00, the data.
export function checksum(data) {
  const digest = sha256(concat(encoder.encode("jasmine/codename-check/v1"), new Uint8Array([0]), encoder.encode(data)));
  const bits = (digest[0] << 12) | (digest[1] << 4) | (digest[2] >> 4);
  let out = "";
  for (let i = CHECK_CHARS - 1; i >= 0; i--) out += ALPHABET[(bits >> (5 * i)) & 31];
  return out;
}

// 20 random characters (100 bits): 256 is a multiple of 32, so `byte & 31` is uniform.
export function generateCodename(random = (n) => crypto.getRandomValues(new Uint8Array(n))) {
  const bytes = random(DATA_CHARS);
  let data = "";
  for (const b of bytes) data += ALPHABET[b & 31];
  bytes.fill(0);
  return data;
}

// Six groups of four, dash-separated.
export function displayCodename(data) {
  return (data + checksum(data)).match(/.{4}/g).join("-");
}

// The 20 data characters of a typed codename, or an Error (wrong length or character,
// failing checksum): case, spaces and dashes do not matter, O reads 0, I and L read 1.
export function parseCodename(typed) {
  let clean = "";
  for (const raw of String(typed)) {
    const c = raw.toUpperCase();
    if (" -_.\t\r\n".includes(c)) continue;
    const read = c === "O" ? "0" : c === "I" || c === "L" ? "1" : c;
    if (!ALPHABET.includes(read)) throw new Error("not a codename");
    clean += read;
  }
  if (clean.length !== DATA_CHARS + CHECK_CHARS) throw new Error("not a codename");
  const data = clean.slice(0, DATA_CHARS);
  if (checksum(data) !== clean.slice(DATA_CHARS)) throw new Error("not a codename");
  return data;
}

// Argon2id (64 MiB, 3 passes, 1 lane) → the age identity and recipient of the reply
// key, the mailbox id, and the key that signs her answers (seed and public key). A few
// seconds in a browser.
export async function deriveReplyKeys(data) {
  const out = await argon2idAsync(encoder.encode(data), encoder.encode("jasmine/codename/v1"), {
    t: 3,
    m: 65536,
    p: 1,
    dkLen: 64,
  });
  const secret = out.slice(0, 32);
  const recipient = bech32.encode("age", bech32.toWords(x25519.getPublicKey(secret)), false);
  const identity = bech32.encode("AGE-SECRET-KEY-", bech32.toWords(secret), false).toUpperCase();
  const mailbox = hex(sha256(concat(encoder.encode("jasmine/mailbox/v1"), out.slice(32)))).slice(0, 32);
  const answerSeed = sha256(concat(encoder.encode("jasmine/answer-key/v1"), out));
  const answerKey = base64.encode(ed25519.getPublicKey(answerSeed));
  secret.fill(0);
  out.fill(0);
  return { identity, recipient, mailbox, answerKey, answerSeed };
}

function unpad(framed) {
  const bucket = framed.length;
  if (bucket < MIN_BUCKET || bucket > MAX_BUCKET || (bucket & (bucket - 1)) !== 0) throw new Error("not a padded message");
  const length = new DataView(framed.buffer, framed.byteOffset).getUint32(0, false);
  if (length > bucket - 4) throw new Error("not a padded message");
  return framed.subarray(4, 4 + length);
}

// The follow-up member of a report that asks for answers through this codename.
export function codenameFollowUp(keys) {
  return { kind: "codename", recipient: keys.recipient, mailbox: keys.mailbox, answer_key: keys.answerKey };
}

// {answer, signature}: her answer signed with the answer key (jasmine/answer/v1).
export function signedAnswer(answer, keys) {
  const signed = concat(encoder.encode("jasmine/answer/v1"), new Uint8Array([0]), encoder.encode(canonicalJson(answer)));
  return { answer, signature: base64.encode(ed25519.sign(signed, keys.answerSeed)) };
}

// Who can open her answer, and the attachments file sent with it: every moderator of
// the bundle, and her reply key (she reads her own answers back).
export function answerRecipients(keys, bundle) {
  return [...bundle.moderators.map((m) => m.age_recipient), keys.recipient];
}

// A reporter's answer, signed, sealed to answerRecipients. `entries` name the images
// sent with it in their attachments file (attachments.js attachmentEntries): with one
// or more, the text may be empty; without, the answer has no `attachments` member at
// all, so that it is byte for byte the answer of before images.
export async function sealAnswer(text, keys, bundle, day, entries = []) {
  // Empty and long as client-lib counts them (report-rules.js: Rust's trim, scalars).
  if (!rustTrim(text) && entries.length === 0) throw new Error("the message is empty");
  if (charCount(text) > 10000) throw new Error("the message is too long");
  if (entries.length > MAX_ATTACHMENTS) throw new Error("at most " + MAX_ATTACHMENTS + " images");
  const encrypter = new Encrypter();
  for (const recipient of answerRecipients(keys, bundle)) encrypter.addRecipient(recipient);
  const answer = { format: 1, mailbox: keys.mailbox, written_on: day, text };
  if (entries.length > 0) answer.attachments = entries;
  const value = signedAnswer(answer, keys);
  const framed = pad(encoder.encode(JSON.stringify(value)));
  const ciphertext = await encrypter.encrypt(framed);
  framed.fill(0);
  if (ciphertext.length > bundle.limits.max_report_bytes) throw new Error("the message is too long");
  return ciphertext;
}

// Decrypts one message of the mailbox; a reply's signature must verify against a
// moderator of the bundle, and every message must name this mailbox.
export async function openMessage(ciphertextB64, keys, bundle) {
  const decrypter = new Decrypter();
  decrypter.addIdentity(keys.identity);
  const framed = await decrypter.decrypt(b64decode(ciphertextB64));
  const value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(unpad(framed)));
  framed.fill(0);
  let message;
  if (value.reply) {
    const reply = value.reply;
    const moderator = bundle.moderators.find((m) => m.id === reply.signed_by);
    if (!moderator || Object.keys(value).length !== 2 || typeof value.signature !== "string") {
      throw new Error("a reply from nobody in the key bundle");
    }
    const signed = concat(encoder.encode("jasmine/reply/v1"), new Uint8Array([0]), encoder.encode(canonicalJson(reply)));
    if (!ed25519.verify(b64decode(value.signature), signed, b64decode(moderator.alert_key), { zip215: false })) {
      throw new Error("a reply whose signature does not verify");
    }
    message = { from: "moderator", name: moderator.name, day: reply.written_on, text: reply.text, mailbox: reply.mailbox, images: 0 };
  } else if (value.answer && Object.keys(value).length === 2 && typeof value.signature === "string") {
    // Hers only if signed with the key of her codename: knowing the mailbox id is not
    // enough (an answer without a signature is refused here: hers always have one).
    const a = value.answer;
    const signed = concat(encoder.encode("jasmine/answer/v1"), new Uint8Array([0]), encoder.encode(canonicalJson(a)));
    if (!ed25519.verify(b64decode(value.signature), signed, b64decode(keys.answerKey), { zip215: false })) {
      throw new Error("an answer whose signature does not verify");
    }
    // Her images are not fetched back: only how many went with it is shown.
    if (a.attachments !== undefined && !Array.isArray(a.attachments)) throw new Error("a malformed message");
    message = { from: "reporter", day: a.written_on, text: a.text, mailbox: a.mailbox, images: (a.attachments || []).length };
  } else {
    throw new Error("neither a reply nor an answer");
  }
  if (message.mailbox !== keys.mailbox) throw new Error("a message of another mailbox");
  if (typeof message.text !== "string" || typeof message.day !== "string") throw new Error("a malformed message");
  return message;
}
