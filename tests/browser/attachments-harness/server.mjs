// A stand-in for jasmine-server, for the attachment tests that run without cargo
// (run.mjs here): the built page scripts (server/static) under the real server's
// Content-Security-Policy, a report form whose images fieldset is the real template's
// (server/templates/report.html) with the real messages (server/locales), and a fake API:
// a key bundle signed by a root key made at start, puzzles of difficulty 0, and
// POST /v1/reports that keeps what it is sent (one age file, or a multipart body of
// `report` and `attachments`) for the test to decrypt with the moderator's identity.
//
//   const server = await startServer({ fixtures }); … server.received; server.close();
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ed25519 } from "../../../server/web-js/node_modules/@noble/curves/ed25519.js";
import { generateIdentity, identityToRecipient } from "../../../server/web-js/node_modules/age-encryption/dist/index.js";
import { canonicalJson } from "../../../server/web-js/src/seal.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
// The real server's policy (server/src/web/mod.rs): what the page scripts must live with.
const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const TYPES = { ".js": "text/javascript", ".css": "text/css", ".png": "image/png", ".jpg": "image/jpeg", ".html": "text/html" };
const b64 = (bytes) => Buffer.from(bytes).toString("base64");
const escape = (text) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" })[c]);

/** The messages of a language: id → text (the one-line messages these pages use). */
function messages(lang) {
  const found = {};
  for (const line of readFileSync(join(repo, "server/locales", lang, "jasmine.ftl"), "utf8").split("\n")) {
    const m = /^([a-z0-9-]+) = (.*)$/.exec(line);
    if (m) found[m[1]] = m[2];
  }
  return found;
}

/** The parts of report.html these pages need, with `p.tr.t`/`t1` calls rendered. */
function render(fragment, lang) {
  const text = messages(lang);
  const t = (id, vars = {}) => {
    if (!(id in text)) throw new Error(`${lang}: no message ${id}`);
    return text[id].replace(/\{ \$([a-z]+) \}/g, (_, name) => vars[name] ?? "");
  };
  return fragment
    .replace(/\{\{ p\.tr\.t\("([^"]+)"\) \}\}/g, (_, id) => escape(t(id)))
    .replace(/\{\{ p\.tr\.t1\("([^"]+)", "([^"]+)", "([^"]*)"\) \}\}/g, (_, id, name, value) => escape(t(id, { [name]: value })))
    .replace(/\{\{ p\.tr\.lang \}\}/g, lang);
}

function reportPage(lang, rootKey) {
  const template = readFileSync(join(repo, "server/templates/report.html"), "utf8");
  // The images' fieldset is attach_area.html, which report.html includes.
  const area = readFileSync(join(repo, "server/templates/attach_area.html"), "utf8");
  const start = area.indexOf('<fieldset id="attach-area"');
  const fieldset = area.slice(start, area.indexOf("</fieldset>", start) + "</fieldset>".length);
  const progress = template.split("\n").find((l) => l.includes('id="form-progress"'));
  const form = template.split("\n").find((l) => l.startsWith("<form "));
  if (start < 0 || !template.includes('{% include "attach_area.html" %}') || !progress || !form.includes('enctype="multipart/form-data"')) {
    throw new Error("report.html changed");
  }
  const dir = lang === "ar" ? "rtl" : "ltr";
  return `<!doctype html>
<html lang="${lang}" dir="${dir}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Jasmine</title><link rel="stylesheet" href="/static/style.css">
<script src="/static/exit.js" defer></script><script src="/static/jasmine.js" defer></script></head>
<body><a class="quick-exit" id="quick-exit" href="https://weather.example/" rel="noreferrer">${render('{{ p.tr.t("quick-exit") }}', lang)}</a>
<main><h1>${render('{{ p.tr.t("report-title") }}', lang)}</h1>
<p class="error" id="form-status" role="alert" hidden data-prefix="${render('{{ p.tr.t1("report-error", "reason", "") }}', lang)}"></p>
${render(progress, lang)}
<p class="ok" id="sent-in-page" hidden data-text=""></p>
${render(form.replace("{{ root_key }}", rootKey), lang)}
<label for="date">${render('{{ p.tr.t("report-date") }}', lang)}</label><input type="date" id="date" name="date" required>
<div class="choices" role="group" aria-label="${render('{{ p.tr.t("report-categories") }}', lang)}">
<label class="choice"><input type="checkbox" name="category" value="harassment"> harassment</label>
<label class="choice"><input type="checkbox" name="category" value="threats"> threats</label></div>
<label for="severity">${render('{{ p.tr.t("report-severity") }}', lang)}</label>
<select id="severity" name="severity"><option value="">—</option><option value="risky">risky</option><option value="dangerous">dangerous</option></select>
<label for="narrative">${render('{{ p.tr.t("report-narrative") }}', lang)}</label><textarea id="narrative" name="narrative"></textarea>
<input type="hidden" name="follow_up" value="none">
${render(fieldset, lang)}
<button type="submit">${render('{{ p.tr.t("report-send") }}', lang)}</button>
</form></main></body></html>`;
}

const harnessPage = `<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>harness</title>
<script src="/harness.js" defer></script></head><body><p id="ready">harness</p></body></html>`;

function today(offset = 0) {
  return new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
}

/** Starts the stand-in on 127.0.0.1 → {url, rootKey, identity, received, puzzles, close}.
 *  `fixtures`: a folder served at /fixtures/; `harness`: the test bundle served at
 *  /harness.js (page /harness). */
export async function startServer({ fixtures, harness } = {}) {
  const rootSecret = ed25519.utils.randomSecretKey();
  const rootKey = b64(ed25519.getPublicKey(rootSecret));
  const identity = await generateIdentity();
  const apiKey = b64(ed25519.getPublicKey(ed25519.utils.randomSecretKey()));
  const bundle = {
    organisation: "Harness",
    version: 1,
    issued: today(-1),
    expires: today(30),
    onion: "",
    moderators: [{ id: "alice", name: "Alice", age_recipient: await identityToRecipient(identity), alert_key: apiKey, api_key: apiKey }],
    limits: { max_report_bytes: 98304, retention_days: 60 },
  };
  const message = Buffer.concat([Buffer.from("jasmine/bundle/v1\0"), Buffer.from(canonicalJson(bundle))]);
  const keys = JSON.stringify({ bundle, signature: b64(ed25519.sign(message, rootSecret)) });
  const received = [];
  const puzzles = [];

  const server = createServer((request, response) => {
    const url = new URL(request.url, "http://x");
    const send = (status, type, body, headers = {}) => {
      response.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store", "Content-Security-Policy": CSP, ...headers });
      response.end(body);
    };
    const json = (status, value) => send(status, "application/json", JSON.stringify(value));
    try {
      const page = /^\/([a-z]{2})\/r$/.exec(url.pathname);
      if (request.method === "GET" && page) return send(200, "text/html; charset=utf-8", reportPage(page[1], rootKey));
      if (request.method === "GET" && /^\/[a-z]{2}\/r\/ok$/.test(url.pathname)) {
        return send(200, "text/html; charset=utf-8", `<!doctype html><p id="encryption-path" data-path="browser">ok ${escape(url.searchParams.get("on") || "")}</p>`);
      }
      if (request.method === "GET" && url.pathname === "/harness") return send(200, "text/html; charset=utf-8", harnessPage);
      if (request.method === "GET" && url.pathname === "/harness.js" && harness) return send(200, "text/javascript", readFileSync(harness));
      if (request.method === "GET" && url.pathname.startsWith("/static/")) {
        const name = url.pathname.slice("/static/".length);
        if (!/^[a-z-]+\.(js|css)$/.test(name)) return send(404, "text/plain", "no");
        return send(200, TYPES[extname(name)], readFileSync(join(repo, "server/static", name)));
      }
      if (request.method === "GET" && url.pathname.startsWith("/fixtures/") && fixtures) {
        const name = url.pathname.slice("/fixtures/".length);
        if (!/^[a-z0-9.-]+$/.test(name)) return send(404, "text/plain", "no");
        return send(200, "application/octet-stream", readFileSync(join(fixtures, name)));
      }
      if (request.method === "GET" && url.pathname === "/v1/keys") return send(200, "application/json", keys);
      if (request.method === "GET" && url.pathname === "/v1/puzzle") {
        const size = Number(url.searchParams.get("size"));
        puzzles.push({ for: url.searchParams.get("for"), size });
        return json(200, { challenge: "AQID", difficulty: 0, expires_in: 600 });
      }
      if (request.method === "POST" && url.pathname === "/v1/reports") {
        const chunks = [];
        request.on("data", (c) => chunks.push(c));
        request.on("end", () => {
          const body = Buffer.concat(chunks);
          const type = request.headers["content-type"] || "";
          const entry = { type, length: body.length, puzzle: request.headers["jasmine-puzzle"] || null, paidFor: puzzles.at(-1)?.size };
          const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(type);
          if (boundary) entry.parts = parseMultipart(body, boundary[1]);
          else entry.report = body;
          received.push(entry);
          if (!entry.puzzle || entry.paidFor !== body.length) return json(400, { error: "bad_puzzle", reason: "not paid for this size" });
          json(201, { id: "0".repeat(32), received_on: today() });
        });
        return;
      }
      send(404, "text/plain", "not found");
    } catch (error) {
      send(500, "text/plain", String(error.stack || error));
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    rootKey,
    identity,
    received,
    puzzles,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The parts of a multipart/form-data body, strictly as the page writes them:
 *  [{name, headers, bytes}]; throws on anything else. */
export function parseMultipart(body, boundary) {
  const delimiter = Buffer.from("--" + boundary);
  const parts = [];
  let at = 0;
  if (body.indexOf(delimiter) !== 0) throw new Error("the body does not start with the boundary");
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 4).toString("latin1") === "--\r\n" && at + 4 === body.length) return parts;
    if (body.subarray(at, at + 2).toString("latin1") !== "\r\n") throw new Error("no CRLF after a boundary");
    const headersEnd = body.indexOf("\r\n\r\n", at + 2);
    const headers = body.subarray(at + 2, headersEnd).toString("latin1").split("\r\n");
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headersEnd + 4);
    if (next < 0) throw new Error("a part without an end");
    const name = /name="([^"]+)"/.exec(headers[0])?.[1];
    parts.push({ name, headers, bytes: body.subarray(headersEnd + 4, next) });
    at = next + 2;
  }
}
