// The medical questionnaire, with JavaScript: the summary is built here, in the page,
// from the form's labels (the French ones are in data-fr attributes), and nothing is
// sent. It has the same markup as the summary the server builds without JavaScript
// (templates/questionnaire_summary.html). Text is set with textContent only.
(function () {
  "use strict";
  var form = document.getElementById("questionnaire");
  var page = document.getElementById("questionnaire-page");
  var out = document.getElementById("summary-out");
  if (!form || !page || !out) return;
  var d = form.dataset;

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    for (var name in attrs || {}) node.setAttribute(name, attrs[name]);
    return node;
  }

  // When she filled it in, Paris time (treatment after an exposure must start within
  // 48 hours): "29/11/2026 14:05 (Paris)", as the server writes it.
  function today() {
    var now = new Date();
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    try {
      var parts = {};
      new Intl.DateTimeFormat("en-GB", {
        timeZone: "Europe/Paris", year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", hourCycle: "h23"
      }).formatToParts(now).forEach(function (p) { parts[p.type] = p.value; });
      return parts.day + "/" + parts.month + "/" + parts.year + " " + parts.hour + ":" + parts.minute + " (Paris)";
    } catch (e) {
      return two(now.getUTCDate()) + "/" + two(now.getUTCMonth() + 1) + "/" + now.getUTCFullYear() +
        " " + two(now.getUTCHours()) + ":" + two(now.getUTCMinutes()) + " (UTC)";
    }
  }

  // [{question, questionFr, answers: [{own, fr}], text}] in the form's order.
  function readAnswers() {
    var lines = [];
    var sets = form.querySelectorAll("fieldset[data-question]");
    for (var i = 0; i < sets.length; i++) {
      var set = sets[i];
      var line = { question: set.querySelector("legend").textContent, questionFr: set.dataset.fr, answers: [], text: false };
      var area = set.querySelector("textarea");
      if (area) {
        var text = area.value.replace(/\r\n/g, "\n").trim();
        if (text) { line.answers.push({ own: text, fr: text }); line.text = true; }
      } else {
        var inputs = set.querySelectorAll("input:checked");
        for (var j = 0; j < inputs.length; j++) {
          line.answers.push({ own: inputs[j].parentNode.textContent.trim(), fr: inputs[j].dataset.fr });
        }
      }
      lines.push(line);
    }
    return lines;
  }

  function section(lang, dir, frame, lines, french) {
    var s = el("section", null, { "class": "summary", lang: lang, dir: dir, id: "summary-" + lang });
    s.appendChild(el("h2", frame.title));
    s.appendChild(el("p", frame.lead.replace("{day}", today()), { "class": "lead" }));
    var list = el("dl");
    // Questions she left unanswered are left out.
    lines.forEach(function (line) {
      if (line.answers.length === 0) return;
      list.appendChild(el("dt", french ? line.questionFr : line.question));
      line.answers.forEach(function (a) {
        var attrs = line.text ? { "class": "written", lang: d.lang, dir: "auto" } : {};
        list.appendChild(el("dd", french ? a.fr : a.own, attrs));
      });
    });
    s.appendChild(list);
    s.appendChild(el("p", frame.note, { "class": "meta" }));
    return s;
  }

  function clear() {
    while (out.firstChild) out.removeChild(out.firstChild);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var lines = readAnswers();
    clear();
    var wrap = el("div", null, { "class": "summary-page" });
    wrap.appendChild(el("h1", d.heading, { "class": "no-print" }));
    wrap.appendChild(el("p", d.show, { "class": "path-note no-print" }));
    var fr = { title: d.frTitle, lead: d.frLead, note: d.frNote, noAnswer: d.frNoAnswer };
    wrap.appendChild(section("fr", "ltr", fr, lines, true));
    if (d.lang !== "fr") {
      var own = { title: d.title, lead: d.lead, note: d.note, noAnswer: d.noAnswer };
      wrap.appendChild(section(d.lang, d.dir, own, lines, false));
    }
    var actions = el("p", null, { "class": "no-print" });
    var print = el("button", d.print, { type: "button", id: "summary-print" });
    print.addEventListener("click", function () { window.print(); });
    var edit = el("button", d.edit, { type: "button", id: "summary-edit", "class": "secondary" });
    edit.addEventListener("click", function () {
      clear();
      out.hidden = true;
      page.hidden = false;
      window.scrollTo(0, 0);
    });
    actions.appendChild(print);
    actions.appendChild(document.createTextNode(" "));
    actions.appendChild(edit);
    wrap.appendChild(actions);
    out.appendChild(wrap);
    page.hidden = true;
    out.hidden = false;
    window.scrollTo(0, 0);
  });
})();
