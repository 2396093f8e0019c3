// For the tests, with check.js unchanged:
//   node check-cli.mjs vectors <check.json> <rfc9497 vectors.json>
//       → {"cases","rfc"}: how many cases agree; throws at the first that does not.
//         check.json: the normalisation of each identifier as typed, its input, and its
//         output through a whole blind round (blind, evaluate with the derived key,
//         finalize with the proof checked); the RFC's vectors: finalize from their blind
//         and evaluation, proof checked against their public key.
//   node check-cli.mjs bench [rounds]
//       → {"rounds","blind_finish_median_ms","lookup_10000_entries_median_ms"}: the
//         page's client-side cost of one check (blind, then verify the proof and
//         unblind), and of looking a tag up in a list of 10,000 entries (verifying the
//         one that names it).
import { readFileSync } from "node:fs";
import { ristretto255_oprf } from "@noble/curves/ed25519.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import { alertsFor, b64encode, blind, checkInput, finish, normalize, tagOf } from "./check.js";
import { canonicalJson } from "./seal.js";

const hex = (text) => Uint8Array.from(text.match(/../g) || [], (h) => parseInt(h, 16));
const toHex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
const voprf = ristretto255_oprf.voprf;

function median(times) {
  const sorted = [...times].sort((a, b) => a - b);
  return +((sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2).toFixed(3);
}

const [command, ...args] = process.argv.slice(2);
if (command === "vectors") {
  const mine = JSON.parse(readFileSync(args[0], "utf8"));
  const keys = voprf.deriveKeyPair(hex(mine.seed), hex(mine.key_info));
  if (b64encode(keys.publicKey) !== mine.public_key) throw new Error("check.json: another public key");
  for (const c of mine.cases) {
    const normalised = normalize(c.kind, c.typed, c.country);
    if (normalised !== c.normalised) {
      throw new Error(`${c.kind} ${JSON.stringify(c.typed)} (${c.country}): ${normalised} here, ${c.normalised} in Rust`);
    }
    if (normalised === null) continue;
    const input = checkInput(c.kind, normalised);
    if (toHex(input) !== c.input) throw new Error(`input of ${c.typed} differs`);
    const blinded = blind(input);
    const evaluation = voprf.blindEvaluate(keys.secretKey, keys.publicKey, blinded.blinded);
    const output = finish(input, blinded, { evaluated: b64encode(evaluation.evaluated), proof: b64encode(evaluation.proof) }, mine.public_key);
    if (toHex(output) !== c.output) throw new Error(`output of ${c.typed} differs`);
  }
  const rfc = JSON.parse(readFileSync(args[1], "utf8"));
  for (const v of rfc.vectors) {
    const output = voprf.finalize(hex(v.input), hex(v.blind), hex(v.evaluation_element), hex(v.blinded_element), hex(rfc.pk), hex(v.proof));
    if (toHex(output) !== v.output) throw new Error(`RFC 9497 vector ${v.input}: output differs`);
  }
  process.stdout.write(JSON.stringify({ cases: mine.cases.length, rfc: rfc.vectors.length }));
} else if (command === "bench") {
  const rounds = Number(args[0] || 50);
  const keys = voprf.generateKeyPair();
  const publicKey = b64encode(keys.publicKey);
  const checks = [];
  for (let i = 0; i < rounds; i++) {
    const input = checkInput("phone", "+3361234" + String(i).padStart(4, "0"));
    const t0 = performance.now();
    const blinded = blind(input);
    const t1 = performance.now();
    const served = voprf.blindEvaluate(keys.secretKey, keys.publicKey, blinded.blinded);
    const evaluation = { evaluated: b64encode(served.evaluated), proof: b64encode(served.proof) };
    const t2 = performance.now();
    finish(input, blinded, evaluation, publicKey);
    // The client's part only: blind, then verify the proof and unblind.
    checks.push(t1 - t0 + (performance.now() - t2));
  }
  // A list of 10,000 entries, one of which names the tag looked up.
  const alert = ed25519.utils.randomSecretKey();
  const moderator = { id: "alice", alert_key: b64encode(ed25519.getPublicKey(alert)) };
  const sign = (entry) => ({
    entry,
    signature: b64encode(ed25519.sign(new TextEncoder().encode("jasmine/check-entry/v1\0" + canonicalJson(entry)), alert)),
  });
  const one = sign({ alert_id: "0".repeat(32), signed_by: "alice", tag: tagOf(new Uint8Array(64)) });
  const entries = [];
  for (let i = 0; i < 10000; i++) {
    const tag = new Uint8Array(64);
    tag[0] = i & 0xff;
    tag[1] = (i >> 8) + 1;
    entries.push({ entry: { ...one.entry, tag: tagOf(tag) }, signature: one.signature });
  }
  entries.push(one);
  const lookups = [];
  for (let i = 0; i < rounds; i++) {
    const began = performance.now();
    const { alerts } = alertsFor({ entries }, { moderators: [moderator] }, one.entry.tag);
    lookups.push(performance.now() - began);
    if (alerts.length !== 1) throw new Error("the bench's entry does not verify");
  }
  process.stdout.write(JSON.stringify({ rounds, blind_finish_median_ms: median(checks), lookup_10000_entries_median_ms: median(lookups) }));
} else {
  throw new Error("unknown command " + command);
}
