// Leaving quickly and leaving no trail in the browser's history (docs/THREAT_MODEL.md,
// "Her phone"). Without JavaScript the exit button is a plain link and the pages are
// never stored (no-store) and never restore a form (autocomplete=off). With it:
//
// - the exit button, and the Shift key pressed three times in a row, empty the page
//   and replace it with the neutral exit page: Back does not come here;
// - moving between the site's pages replaces the current history entry instead of
//   adding one, so the whole visit is one entry, which the exit replaces;
// - a page shown again from the browser's back-forward cache is reloaded (forms empty).
(function () {
  "use strict";
  var exit = document.getElementById("quick-exit");
  if (!exit) return;
  var target = exit.href;

  function leave() {
    // Nothing she typed or read stays in this document while the next one loads.
    try {
      Array.prototype.forEach.call(document.forms, function (form) {
        form.reset();
      });
      document.title = "";
      document.body.innerHTML = "";
    } catch (e) {
      // Leaving matters more than tidying.
    }
    window.location.replace(target);
  }

  exit.addEventListener("click", function (event) {
    event.preventDefault();
    leave();
  });

  // Shift three times in a row, each within 2 seconds of the last; any other key
  // starts the count again.
  var presses = 0;
  var last = 0;
  document.addEventListener(
    "keydown",
    function (event) {
      if (event.key !== "Shift") {
        presses = 0;
        return;
      }
      if (event.repeat) return;
      var now = Date.now();
      presses = now - last < 2000 ? presses + 1 : 1;
      last = now;
      if (presses >= 3) leave();
    },
    true
  );

  function sameSite(url) {
    return url.origin === window.location.origin;
  }

  // Links to the site's own pages replace the current entry.
  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || link === exit || link.target || link.hasAttribute("download")) return;
    var url = new URL(link.href, window.location.href);
    if (!sameSite(url) || url.pathname.indexOf("/static/") === 0) return;
    if (url.pathname === window.location.pathname && url.hash) return;
    event.preventDefault();
    window.location.replace(url.href);
  });

  // Forms sent with GET (search, filters) too.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.method || "get").toLowerCase() !== "get") return;
    var url = new URL(form.action || window.location.href, window.location.href);
    if (!sameSite(url)) return;
    event.preventDefault();
    url.search = new URLSearchParams(new FormData(form)).toString();
    window.location.replace(url.href);
  });

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) window.location.reload();
  });
})();
