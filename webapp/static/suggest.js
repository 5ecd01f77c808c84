// Autocomplete for skill inputs: fills the input's <datalist> from the taxonomy API.
// An input opts in with data-suggest-url; data-suggest-kinds limits the concept kinds;
// data-code-field names a hidden input that receives the code of the chosen suggestion
// (data-code-key="rome_code" sends the suggestion's ROME code instead).
(function () {
  "use strict";
  var DELAY_MS = 200;
  var MIN_CHARS = 2;

  function setup(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var codeField = document.getElementById(input.dataset.codeField || "");
    var status = document.getElementById(input.getAttribute("aria-describedby") || "");
    var timer = null;
    var codes = {};
    var controller = null;
    var codeKey = input.dataset.codeKey || "code";

    function render(items) {
      codes = {};
      list.textContent = "";
      items.forEach(function (item) {
        var option = document.createElement("option");
        option.value = item.label;
        option.textContent = item.code ? item.label + " (" + item.code + ")" : item.label;
        list.appendChild(option);
        codes[item.label] = item[codeKey] || item.code || "";
      });
      if (status) {
        status.textContent = items.length
          ? items.length + " suggestion(s) disponible(s)."
          : "Aucune suggestion : la compétence sera ajoutée telle quelle.";
      }
    }

    function fetchSuggestions() {
      var q = input.value.trim();
      if (q.length < MIN_CHARS) { render([]); return; }
      if (controller) { controller.abort(); }
      controller = new AbortController();
      var url = input.dataset.suggestUrl + "?q=" + encodeURIComponent(q) + "&top=10";
      if (input.dataset.suggestKinds) { url += "&kinds=" + encodeURIComponent(input.dataset.suggestKinds); }
      fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(render)
        .catch(function (error) { if (error.name !== "AbortError") { render([]); } });
    }

    input.addEventListener("input", function () {
      if (codeField) { codeField.value = codes[input.value] || ""; }
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DELAY_MS);
    });
    input.addEventListener("change", function () {
      if (codeField) { codeField.value = codes[input.value] || ""; }
    });
  }

  document.querySelectorAll("input[data-suggest-url][list]").forEach(setup);
})();
