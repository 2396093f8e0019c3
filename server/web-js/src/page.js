// The page scripts: encrypt the report in the browser before anything is sent, make
// the codename there when one is asked for, and read and answer the replies with it.
// Without this script every form still works (the server then does it in memory).

import { reportFromFields, sealReport } from "./seal.js";
import { reportProblem } from "./report-rules.js";
import { deriveInWorker } from "./work.js";
import { currentBundle, postWithPuzzle, showProgress } from "./api.js";
import { codenameFollowUp, deriveReplyKeys, displayCodename, generateCodename, openMessage, parseCodename, sealAnswer } from "./codename.js";

function b64encode(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 8192) binary += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return btoa(binary);
}

// The reply keys of a codename, derived in a Web Worker; where none can run, on the page.
async function replyKeys(chars) {
  try {
    return await deriveInWorker(chars);
  } catch (error) {
    if (error.name !== "NotSupportedError") throw error;
    return deriveReplyKeys(chars);
  }
}

async function postJson(path, value) {
  const answer = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(value),
  });
  const body = await answer.json();
  if (!answer.ok) throw new Error(body.reason || "the server refused");
  return body;
}

function today() {
  return new Date().toISOString().slice(0, 10);
}

// The form field of each report member a problem can name (report-rules.js).
const PROBLEM_FIELDS = {
  "when.date": "date",
  "place.country": "country",
  "place.region": "region",
  "place.city": "city",
  categories: "category",
  "aggressor.description": "description",
  "aggressor.phones": "phones",
  "aggressor.handles": "handles",
  "aggressor.vehicle": "vehicle",
  "aggressor.plates": "plates",
  narrative: "narrative",
  "follow_up.details": "contact",
};

// The visitor's message for a problem: the page holds one per code, in its language
// (data-problem-<code> on the status area), with `{field}` for the field's label.
function problemText(status, problem, label = "") {
  const text = status.getAttribute("data-problem-" + problem.code.replaceAll("_", "-")) || problem.code;
  return text.replace("{field}", label.trim());
}

// Shows why the report cannot be sent, before anything is encrypted or sent: next to
// the field (which gets the focus) and in the status area. Without a problem, only
// clears the last one. Returns whether there was one.
function showProblem(form, status, problem) {
  for (const old of form.querySelectorAll(".field-problem")) old.remove();
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
  if (!problem) return false;
  const name = PROBLEM_FIELDS[problem.field];
  const input = name ? form.querySelector('[name="' + name + '"]') : null;
  const group = input && input.closest(".choices");
  const labelled = group ? document.getElementById(group.getAttribute("aria-labelledby")) : input && input.labels[0];
  const text = problemText(status, problem, labelled ? labelled.textContent : "");
  status.textContent = (status.dataset.prefix || "").trimEnd() + " " + text;
  status.hidden = false;
  if (!input) {
    status.scrollIntoView({ block: "center" });
    return true;
  }
  const note = document.createElement("p");
  note.className = "error field-problem";
  note.id = "field-problem";
  note.textContent = text;
  (group || input).after(note);
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", note.id);
  note.scrollIntoView({ block: "center" });
  input.focus({ preventScroll: true });
  return true;
}

function reportForm() {
  const form = document.getElementById("report-form");
  if (!form) return;
  const note = document.getElementById("path-note");
  if (note && note.dataset.jsText) note.textContent = note.dataset.jsText;
  const status = document.getElementById("form-status");
  const progress = document.getElementById("form-progress");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    status.hidden = true;
    try {
      const data = new FormData(form);
      const lang = document.documentElement.lang;
      const report = reportFromFields((n) => data.get(n), (n) => data.getAll(n), lang);
      if (showProblem(form, status, reportProblem(report))) {
        button.disabled = false;
        return;
      }
      const bundle = await currentBundle(form.dataset.rootKey);
      let codename = null;
      if (data.get("follow_up") === "codename") {
        progress.hidden = false;
        const chars = generateCodename();
        const keys = await replyKeys(chars);
        report.follow_up = codenameFollowUp(keys);
        codename = displayCodename(chars);
      }
      const ciphertext = await sealReport(report, bundle);
      const [answer, body] = await postWithPuzzle(
        "/v1/reports",
        "report",
        ciphertext.length,
        "application/octet-stream",
        ciphertext,
        progress,
      );
      if (!answer.ok) throw new Error(body.reason || "the report was not stored");
      form.reset();
      if (!codename) {
        window.location.assign("/" + lang + "/r/ok?on=" + encodeURIComponent(body.received_on));
        return;
      }
      // The codename is shown here, once: never in a URL, never stored.
      form.hidden = true;
      progress.hidden = true;
      const sent = document.getElementById("sent-in-page");
      sent.textContent = sent.dataset.text.replace("{day}", body.received_on);
      sent.hidden = false;
      document.getElementById("codename-value").textContent = codename;
      const box = document.getElementById("codename-done");
      box.hidden = false;
      box.scrollIntoView();
    } catch (error) {
      progress.hidden = true;
      status.textContent = (status.dataset.prefix || "") + " " + (error.problem ? problemText(status, error.problem) : error.message);
      status.hidden = false;
      button.disabled = false;
    }
  });
}

function repliesPage() {
  const form = document.getElementById("replies-form");
  const area = document.getElementById("conversation-area");
  if (!form || !area) return;
  const status = document.getElementById("replies-status");
  const progress = document.getElementById("replies-progress");
  const list = document.getElementById("conversation");
  let keys = null;
  let bundle = null;
  const fail = (text) => {
    progress.hidden = true;
    status.textContent = text;
    status.hidden = false;
  };
  const failure = (error) => fail((status.dataset.prefix || "") + " " + error.message);

  function render(message) {
    const item = document.createElement("li");
    item.className = "message from-" + message.from;
    const meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent =
      message.from === "reporter"
        ? area.dataset.fromYou.replace("{day}", message.day)
        : area.dataset.fromTeam.replace("{name}", message.name).replace("{day}", message.day) + " · " + area.dataset.verified;
    const text = document.createElement("p");
    text.className = "message-text";
    text.textContent = message.text;
    item.append(meta, text);
    return item;
  }

  async function load() {
    const { messages } = await postJson("/v1/mailbox/read", { mailbox: keys.mailbox });
    list.replaceChildren();
    let unreadable = 0;
    for (const entry of messages) {
      try {
        list.append(render(await openMessage(entry.ciphertext, keys, bundle)));
      } catch {
        unreadable += 1;
      }
    }
    document.getElementById("replies-empty").hidden = messages.length > 0;
    if (unreadable > 0) fail(status.dataset.unreadable.replace("{count}", String(unreadable)));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.hidden = true;
    let chars;
    try {
      chars = parseCodename(form.elements.codename.value);
    } catch {
      fail(status.dataset.badCodename);
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    progress.hidden = false;
    try {
      bundle = await currentBundle(form.dataset.rootKey);
      keys = await replyKeys(chars);
      form.elements.codename.value = "";
      form.hidden = true;
      await load();
      progress.hidden = true;
      area.hidden = false;
    } catch (error) {
      failure(error);
      button.disabled = false;
    }
  });

  const answerForm = document.getElementById("answer-form");
  answerForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = answerForm.querySelector("button[type=submit]");
    button.disabled = true;
    status.hidden = true;
    try {
      const text = answerForm.elements.message.value;
      const ciphertext = await sealAnswer(text, keys, bundle, today());
      const [answer, body] = await postWithPuzzle(
        "/v1/mailbox/answer",
        "answer",
        ciphertext.length,
        "application/json",
        JSON.stringify({ mailbox: keys.mailbox, ciphertext: b64encode(ciphertext) }),
        progress,
      );
      progress.hidden = true;
      if (!answer.ok) throw new Error(body.reason || "the answer was not stored");
      answerForm.reset();
      await load();
      const notice = document.createElement("p");
      notice.className = "ok";
      notice.setAttribute("role", "status");
      notice.textContent = area.dataset.sent;
      list.after(notice);
    } catch (error) {
      failure(error);
    }
    button.disabled = false;
  });

  document.getElementById("delete-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await postJson("/v1/mailbox/delete", { mailbox: keys.mailbox });
      keys = null;
      const notice = document.createElement("p");
      notice.className = "ok";
      notice.setAttribute("role", "status");
      notice.id = "replies-deleted";
      notice.textContent = area.dataset.deleted;
      area.replaceChildren(notice);
    } catch (error) {
      failure(error);
    }
  });
}

reportForm();
repliesPage();
