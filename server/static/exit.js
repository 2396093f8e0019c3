// Quick exit: without JavaScript a plain link; with it, the page is replaced so that
// the Back button does not lead here again.
(function () {
  var exit = document.getElementById("quick-exit");
  if (!exit) return;
  exit.addEventListener("click", function (event) {
    event.preventDefault();
    window.location.replace(exit.href);
  });
})();
