// A loading state for anything that takes more than 300 ms: after submitting a form or
// following a link marked data-loading, the page's status line says what is being computed
// and the main region is marked busy, until the next page arrives.
(function () {
  "use strict";
  var DELAY_MS = 300;
  var status = document.getElementById("chargement");
  var main = document.getElementById("contenu");
  var timer = null;
  if (!status) { return; }

  function start(message) {
    clearTimeout(timer);
    timer = setTimeout(function () {
      status.querySelector(".loading-text").textContent = message || "Chargement en cours…";
      status.hidden = false;
      if (main) { main.setAttribute("aria-busy", "true"); }
    }, DELAY_MS);
  }

  function stop() {
    clearTimeout(timer);
    status.hidden = true;
    if (main) { main.removeAttribute("aria-busy"); }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && !event.defaultPrevented) {
      start(form.dataset.loading);
    }
  });
  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("a[data-loading]") : null;
    if (link && !event.defaultPrevented && event.button === 0 && !event.ctrlKey
        && !event.metaKey && !event.shiftKey) {
      start(link.dataset.loading);
    }
  });
  window.addEventListener("pageshow", stop);  // back from the next page (bfcache)
})();
