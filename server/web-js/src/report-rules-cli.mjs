// For the tests: node report-rules-cli.mjs <folder of report vectors>
// prints {"<file>": {"code", "field"} or null} for every file listed in the folder's
// cases.json, found by report-rules.js unchanged (what the page checks before it
// encrypts). A file that is not UTF-8 JSON is `malformed`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { reportProblem } from "./report-rules.js";

const dir = process.argv[2];
const { cases } = JSON.parse(readFileSync(join(dir, "cases.json"), "utf8"));
const found = {};
for (const { file } of cases) {
  let report;
  try {
    const bytes = readFileSync(join(dir, file));
    report = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch {
    found[file] = { code: "malformed", field: "" };
    continue;
  }
  const problem = reportProblem(report);
  found[file] = problem && { code: problem.code, field: problem.field };
}
process.stdout.write(JSON.stringify(found));
