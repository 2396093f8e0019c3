// The check page's script (/<lang>/c): the check in the browser, so that the server
// never sees the number (docs/PROTOCOL.md §5b). The identifier is normalised and
// blinded here; the server evaluates the blinded element (with a puzzle solved in a Web
// Worker, so the page and its quick exit stay live); the proof is verified against the
// check key of the signed bundle before unblinding; the tag is looked up in the signed
// list. Without this script the form posts to the server, which then checks in memory.

import { currentBundle, postWithPuzzle, showProgress } from "./api.js";
import { alertsFor, blind, checkInput, finish, normalize, tagOf } from "./check.js";

function checkPage() {
  const form = document.getElementById("check-form");
  if (!form) return;
  const status = document.getElementById("check-status");
  const progress = document.getElementById("check-progress");
  const result = document.getElementById("check-result");
  const path = document.getElementById("check-path");
  const lang = document.documentElement.lang;
  let busy = false;

  function fail(message) {
    progress.hidden = true;
    status.textContent = message;
    status.hidden = false;
  }

  function show(alerts) {
    const items = [];
    if (alerts.length === 0) {
      const none = document.createElement("p");
      none.className = "ok";
      none.id = "check-none";
      none.textContent = result.dataset.none;
      items.push(none);
    } else {
      const found = document.createElement("p");
      found.className = "error";
      found.id = "check-found";
      found.textContent = result.dataset.found.replace("{count}", String(alerts.length));
      items.push(found);
      const list = document.createElement("ul");
      alerts.forEach((id, n) => {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = "/" + lang + "/a/" + id;
        link.textContent = result.dataset.alert + (alerts.length > 1 ? " " + (n + 1) : "");
        item.append(link);
        list.append(item);
      });
      items.push(list);
      const note = document.createElement("p");
      note.className = "meta";
      note.textContent = result.dataset.reading;
      items.push(note);
    }
    result.replaceChildren(...items);
    result.hidden = false;
    path.textContent = path.dataset.browser;
    path.dataset.path = "browser";
    // Where the answer is, for a screen reader and the keyboard.
    result.setAttribute("tabindex", "-1");
    result.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    status.hidden = true;
    result.hidden = true;
    const kind = (form.querySelector('input[name="kind"]:checked') || {}).value || "phone";
    const normalised = normalize(kind, form.elements.identifier.value, "FR");
    if (normalised === null) {
      fail(status.dataset.invalid);
      form.elements.identifier.focus();
      return;
    }
    busy = true;
    showProgress(progress);
    try {
      const bundle = await currentBundle(form.dataset.rootKey);
      if (!bundle.check_key) throw new Error(status.dataset.unavailable);
      const input = checkInput(kind, normalised);
      const blinded = blind(input);
      const body = JSON.stringify({ blinded: btoa(String.fromCharCode(...blinded.blinded)) });
      const [answer, evaluation] = await postWithPuzzle("/v1/check", "check", body.length, "application/json", body, progress);
      if (!answer.ok) throw new Error(answer.status === 503 ? status.dataset.unavailable : evaluation.reason);
      let output;
      try {
        output = finish(input, blinded, evaluation, bundle.check_key);
      } catch {
        throw new Error(status.dataset.otherKey);
      }
      const listed = await fetch("/v1/checklist");
      if (!listed.ok) throw new Error(status.dataset.unavailable);
      const { alerts } = alertsFor(await listed.json(), bundle, tagOf(output));
      progress.hidden = true;
      show(alerts);
    } catch (error) {
      fail(error.message || status.dataset.unavailable);
    } finally {
      busy = false;
    }
  });
}

checkPage();
