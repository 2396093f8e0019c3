// The page scripts: encrypt the report in the browser before anything is sent, make
// the codename there when one is asked for, and read and answer the replies with it.
// The images she adds are scrubbed on her device as soon as she chooses them, shown to
// her as they will be sent (to black out or blur what she wants), and sent encrypted
// with the report or with her answer. Without this script every form still works (the
// server then does it in memory).

import { reportFromFields, sealReport } from "./seal.js";
import { reportProblem, rustTrim } from "./report-rules.js";
import { deriveInWorker } from "./work.js";
import { currentBundle, multipartBody, postWithPuzzle, showProgress } from "./api.js";
import { MAX_ATTACHMENTS, scrubImage } from "./scrub.js";
import { createEditor, previewBox } from "./redact.js";
import { sealAttachmentsInWorker } from "./attachments.js";
import {
  answerRecipients,
  codenameFollowUp,
  deriveReplyKeys,
  displayCodename,
  generateCodename,
  openMessage,
  parseCodename,
  sealAnswer,
} from "./codename.js";

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

// The form field of each report member a problem can name (report-rules.js), and of
// her answer's text (the replies page).
const PROBLEM_FIELDS = {
  "answer.text": "message",
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

// A refusal of an image, in her language: data-<code> of the images' fieldset, with
// the file's name (isolated, so that a name written left to right stays whole in Arabic).
function refusalText(texts, code, name = "") {
  const key = code.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
  const text = texts[key] || texts.attachmentUnreadable || code;
  if (!name) return text.replace(/^\s*\{name\}\s*[:：]?\s*/, "");
  return text.replace("{name}", "\u2068" + name + "\u2069");
}

// The images of a report or of an answer (docs/PROTOCOL.md §4.12; the same fieldset,
// attach_area.html, and ids: one such form on a page): each file she chooses is
// scrubbed in the Web Worker at once (her original never leaves this page), then shown
// in its editor (redact.js). At most MAX_ATTACHMENTS. `overrides` replace texts of the
// fieldset that name the report. → {count(), images(), clear(), texts}; images() waits
// for the scrubbing and the changes under way → [{bytes, type, width, height}].
function attachmentsArea(overrides = {}) {
  const input = document.getElementById("attachments");
  const area = input && input.closest("fieldset");
  if (!area) return null;
  const texts = { ...area.dataset };
  for (const [key, text] of Object.entries(overrides)) if (text) texts[key] = text;
  const note = document.getElementById("attach-note");
  if (note && note.dataset.jsText) note.textContent = note.dataset.jsText;
  // The page sends the scrubbed images itself: the chosen files never go in a form post.
  input.removeAttribute("name");
  const list = document.getElementById("attach-list");
  const status = document.getElementById("attach-status");
  const how = document.getElementById("attach-how");
  const items = [];
  let queue = Promise.resolve();

  const say = (text, refused = false) => {
    status.textContent = text;
    status.classList.toggle("error", refused);
  };
  const renumber = () => {
    items.forEach((item, k) => item.editor && item.editor.setNumber(k + 1));
    how.hidden = !items.some((item) => item.editor);
  };
  function remove(item) {
    items.splice(items.indexOf(item), 1);
    item.editor.element.remove();
    renumber();
    say(texts.removed);
    input.focus();
  }

  async function prepare(item) {
    const box = previewBox(list.clientWidth || area.clientWidth || 320);
    const first = await scrubImage(item.file, { preview: box });
    item.editor = createEditor({
      first,
      scrub: (edits) => scrubImage(item.file, { edits, preview: box }),
      texts,
      box,
      onRemove: () => remove(item),
    });
    list.append(item.editor.element);
    renumber();
  }

  input.addEventListener("change", () => {
    const files = Array.from(input.files || []);
    input.value = "";
    const room = MAX_ATTACHMENTS - items.length;
    const batch = files.slice(0, Math.max(0, room)).map((file) => ({ file }));
    items.push(...batch);
    queue = queue.then(async () => {
      const refused = [];
      for (const item of batch) {
        say(texts.working);
        try {
          await prepare(item);
        } catch (error) {
          items.splice(items.indexOf(item), 1);
          refused.push(refusalText(texts, error.code || "attachment_unreadable", item.file.name));
        }
      }
      if (files.length > batch.length) refused.push(texts.attachmentTooMany);
      const ready = batch.some((item) => item.editor);
      say([ready ? texts.ready : "", ...refused].join(" ").trim(), refused.length > 0);
    });
  });

  return {
    count: () => items.length,
    async images() {
      let seen;
      do {
        seen = queue;
        await queue;
      } while (seen !== queue);
      return Promise.all(items.filter((item) => item.editor).map((item) => item.editor.ready()));
    },
    clear() {
      items.length = 0;
      list.replaceChildren();
      how.hidden = true;
      say("");
    },
    texts,
  };
}

function reportForm() {
  const form = document.getElementById("report-form");
  if (!form) return;
  const note = document.getElementById("path-note");
  if (note && note.dataset.jsText) note.textContent = note.dataset.jsText;
  const status = document.getElementById("form-status");
  const progress = document.getElementById("form-progress");
  const codenameText = progress.textContent;
  const attachments = attachmentsArea();
  const step = (text) => {
    progress.textContent = text;
    progress.hidden = false;
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    status.hidden = true;
    try {
      const data = new FormData(form);
      const lang = document.documentElement.lang;
      const fields = [(n) => data.get(n), (n) => data.getAll(n), lang];
      let report = reportFromFields(...fields);
      if (showProblem(form, status, reportProblem(report))) {
        button.disabled = false;
        return;
      }
      const bundle = await currentBundle(form.dataset.rootKey);
      // The images: scrubbed (and edited) already, sealed to the same moderators in the
      // worker; the report names each by its length and SHA-256.
      let sealedImages = null;
      if (attachments && attachments.count() > 0) {
        step(attachments.texts.working);
        const images = await attachments.images();
        if (images.length > 0) {
          step(progress.dataset.sealing);
          const recipients = bundle.moderators.map((m) => m.age_recipient);
          const { entries, sealed } = await sealAttachmentsInWorker(images, recipients);
          report = reportFromFields(...fields, entries);
          if (showProblem(form, status, reportProblem(report))) {
            progress.hidden = true;
            button.disabled = false;
            return;
          }
          sealedImages = sealed;
        }
      }
      let codename = null;
      if (data.get("follow_up") === "codename") {
        step(codenameText);
        const chars = generateCodename();
        const keys = await replyKeys(chars);
        report.follow_up = codenameFollowUp(keys);
        codename = displayCodename(chars);
      }
      const ciphertext = await sealReport(report, bundle);
      let answer;
      let body;
      if (sealedImages) {
        // One request: the report, then its images (§4.12), each an age file.
        const multipart = multipartBody([["report", ciphertext], ["attachments", sealedImages]]);
        [answer, body] = await postWithPuzzle(
          "/v1/reports",
          "report",
          multipart.body.length,
          multipart.contentType,
          multipart.body,
          progress,
          { upload: true },
        );
      } else {
        [answer, body] = await postWithPuzzle(
          "/v1/reports",
          "report",
          ciphertext.length,
          "application/octet-stream",
          ciphertext,
          progress,
        );
      }
      if (!answer.ok) throw new Error(body.reason || "the report was not stored");
      form.reset();
      if (attachments) attachments.clear();
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
      const reason = error.problem
        ? problemText(status, error.problem)
        : error.code && attachments
          ? refusalText(attachments.texts, error.code)
          : error.message;
      status.textContent = (status.dataset.prefix || "") + " " + reason;
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
  const answerForm = document.getElementById("answer-form");
  // The answer's images: the same area as the report's, with its own words where the
  // report's name the report.
  const attachments = attachmentsArea({ attachmentBlocked: answerForm.dataset.attachmentBlocked });
  let keys = null;
  let bundle = null;
  const fail = (text) => {
    progress.hidden = true;
    status.textContent = text;
    status.hidden = false;
  };
  const failure = (error) => {
    // An image's refusal (a code from scrub.js) in her words; anything else as it is.
    const reason = typeof error.code === "string" && attachments ? refusalText(attachments.texts, error.code) : error.message;
    fail((status.dataset.prefix || "") + " " + reason);
  };
  const step = (text) => {
    progress.textContent = text;
    progress.hidden = false;
  };

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
    // Her images went to the moderators; this page does not fetch them back, it says
    // how many there were.
    if (message.images > 0) {
      const images = document.createElement("p");
      images.className = "message-images";
      images.textContent = area.dataset.images.replace("{count}", String(message.images));
      item.append(images);
    }
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

  // Her images, scrubbed (and edited) already, sealed in the worker to the answer's
  // recipients: → {entries, sealed}, or no entries when there is no image to send.
  async function sealImages() {
    if (!attachments || attachments.count() === 0) return { entries: [], sealed: null };
    step(attachments.texts.working);
    const images = await attachments.images();
    if (images.length === 0) return { entries: [], sealed: null };
    step(progress.dataset.sealing);
    return sealAttachmentsInWorker(images, answerRecipients(keys, bundle));
  }

  // The answer, alone (JSON, as before images), or with its images in one multipart
  // body: the mailbox, the answer, then the attachments file (§4.12). → [response, body].
  function postAnswer(ciphertext, sealed) {
    if (!sealed) {
      return postWithPuzzle(
        "/v1/mailbox/answer",
        "answer",
        ciphertext.length,
        "application/json",
        JSON.stringify({ mailbox: keys.mailbox, ciphertext: b64encode(ciphertext) }),
        progress,
      );
    }
    const mailbox = new TextEncoder().encode(keys.mailbox);
    const multipart = multipartBody([["mailbox", mailbox], ["answer", ciphertext], ["attachments", sealed]]);
    return postWithPuzzle(
      "/v1/mailbox/answer",
      "answer",
      multipart.body.length,
      multipart.contentType,
      multipart.body,
      progress,
      { upload: true },
    );
  }

  // An answer says something: a text, an image, or both. Shown next to the field
  // before anything is sealed; true when the answer is empty.
  const emptyAnswer = (text, images) =>
    showProblem(answerForm, status, !rustTrim(text) && images === 0 ? { code: "empty_answer", field: "answer.text" } : null);

  answerForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = answerForm.querySelector("button[type=submit]");
    button.disabled = true;
    status.hidden = true;
    try {
      const text = answerForm.elements.message.value;
      if (emptyAnswer(text, attachments ? attachments.count() : 0)) {
        button.disabled = false;
        return;
      }
      const { entries, sealed } = await sealImages();
      // Every image she chose may have been refused meanwhile.
      if (emptyAnswer(text, entries.length)) {
        progress.hidden = true;
        button.disabled = false;
        return;
      }
      const ciphertext = await sealAnswer(text, keys, bundle, today(), entries);
      const [answer, body] = await postAnswer(ciphertext, sealed);
      progress.hidden = true;
      if (!answer.ok) throw new Error(body.reason || "the answer was not stored");
      answerForm.reset();
      if (attachments) attachments.clear();
      await load();
      // One "stored" line, however many answers she sends.
      const old = document.getElementById("replies-sent");
      if (old) old.remove();
      const notice = document.createElement("p");
      notice.className = "ok";
      notice.setAttribute("role", "status");
      notice.id = "replies-sent";
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
