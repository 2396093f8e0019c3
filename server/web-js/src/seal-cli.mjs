// For the tests: node seal-cli.mjs <signed bundle file> <root key> <report fields JSON> <lang>
// prints the ciphertext (base64) that the page would send, using seal.js unchanged.
import { readFileSync } from "node:fs";
import { reportFromFields, sealReport, verifyBundle } from "./seal.js";

const [bundleFile, rootKey, fieldsJson, lang] = process.argv.slice(2);
const bundle = verifyBundle(JSON.parse(readFileSync(bundleFile, "utf8")), rootKey);
const fields = JSON.parse(fieldsJson);
const get = (name) => (Array.isArray(fields[name]) ? fields[name][0] : fields[name]) ?? null;
const getAll = (name) => (Array.isArray(fields[name]) ? fields[name] : fields[name] ? [fields[name]] : []);
const ciphertext = await sealReport(reportFromFields(get, getAll, lang), bundle);
process.stdout.write(Buffer.from(ciphertext).toString("base64"));
