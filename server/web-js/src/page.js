// The report form's glue: encrypt in the browser before anything is sent. Without
// this script the form still works (it is then encrypted by the server on receipt).

import { reportFromFields, sealReport, verifyBundle } from "./seal.js";

function reportForm() {
  const form = document.getElementById("report-form");
  if (!form) return;
  const note = document.getElementById("path-note");
  if (note && note.dataset.jsText) note.textContent = note.dataset.jsText;
  const status = document.getElementById("form-status");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const data = new FormData(form);
      const lang = document.documentElement.lang;
      const report = reportFromFields((n) => data.get(n), (n) => data.getAll(n), lang);
      const keys = await fetch("/v1/keys", { cache: "no-store" });
      if (!keys.ok) throw new Error("the moderators' keys are not available");
      const bundle = verifyBundle(await keys.json(), form.dataset.rootKey);
      const ciphertext = await sealReport(report, bundle);
      const answer = await fetch("/v1/reports", {
        method: "POST",
        headers: { "Content-Type": "application/octet-stream" },
        body: ciphertext,
      });
      const body = await answer.json();
      if (!answer.ok) throw new Error(body.reason || "the report was not stored");
      form.reset();
      window.location.assign("/" + lang + "/report/sent?on=" + encodeURIComponent(body.received_on));
    } catch (error) {
      status.textContent = (status.dataset.prefix || "") + " " + error.message;
      status.hidden = false;
      button.disabled = false;
    }
  });
}

reportForm();
