// For the tests, with codename.js unchanged:
//   node codename-cli.mjs derive <typed codename>          → {"data","recipient","mailbox","identity","answer_key"}
//   node codename-cli.mjs sign-answer <typed codename> <answer JSON>
//                                                          → {"answer","signature"}
//   node codename-cli.mjs parse <typed codename>           → the data, or exit 1
//   node codename-cli.mjs answer <bundle file> <root key> <typed codename> <text>
//                                                          → base64 of the sealed answer
//   node codename-cli.mjs read <bundle file> <root key> <typed codename> <messages JSON file>
//                                                          → the opened messages as JSON
import { readFileSync } from "node:fs";
import { deriveReplyKeys, displayCodename, generateCodename, openMessage, parseCodename, sealAnswer, signedAnswer } from "./codename.js";
import { verifyBundle } from "./seal.js";

const [command, ...args] = process.argv.slice(2);
const out = (v) => process.stdout.write(typeof v === "string" ? v : JSON.stringify(v));
if (command === "derive") {
  const data = parseCodename(args[0]);
  const { identity, recipient, mailbox, answerKey } = await deriveReplyKeys(data);
  out({ data, identity, recipient, mailbox, answer_key: answerKey });
} else if (command === "sign-answer") {
  const keys = await deriveReplyKeys(parseCodename(args[0]));
  out(signedAnswer(JSON.parse(args[1]), keys));
} else if (command === "parse") {
  out(parseCodename(args[0]));
} else if (command === "generate") {
  out(displayCodename(generateCodename()));
} else {
  const bundle = verifyBundle(JSON.parse(readFileSync(args[0], "utf8")), args[1]);
  const keys = await deriveReplyKeys(parseCodename(args[2]));
  if (command === "answer") {
    out(Buffer.from(await sealAnswer(args[3], keys, bundle, new Date().toISOString().slice(0, 10))).toString("base64"));
  } else if (command === "read") {
    const { messages } = JSON.parse(readFileSync(args[3], "utf8"));
    const opened = [];
    for (const m of messages) opened.push(await openMessage(m.ciphertext, keys, bundle));
    out(opened);
  } else {
    throw new Error("unknown command " + command);
  }
}
