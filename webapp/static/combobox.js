// Autocomplete for the fields where people type names (occupations, communes, skills…),
// following the ARIA "combobox with listbox popup" pattern. Without JavaScript the field is a
// plain text input: the server resolves the typed name and asks "Vouliez-vous dire … ?".
//
// An input opts in with data-combobox="<suggestions URL>"; the answer is a JSON list of
// {code, label, detail}: one option per concept, the name first and the code as secondary
// text. data-code-field names a hidden input that receives the chosen code (cleared as soon
// as the text is edited). data-multiple="," completes the last comma-separated part only.
// data-combobox-by="<field name>" picks the URL by that field's value: data-combobox-<value>
// (e.g. a territory kind: commune, departement or region).
(function () {
  "use strict";
  var DELAY_MS = 150;
  var MIN_CHARS = 2;

  function setup(input) {
    var listId = input.id + "-suggestions";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "combobox-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    input.insertAdjacentElement("afterend", list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");
    var wrapper = input.parentElement;
    if (wrapper) { wrapper.classList.add("combobox"); }
    var status = document.getElementById(input.dataset.status || "");
    var codeField = document.getElementById(input.dataset.codeField || "");
    var separator = input.dataset.multiple || "";
    var items = [];
    var active = -1;
    var timer = null;
    var controller = null;

    function typed() {
      if (!separator) { return input.value.trim(); }
      var parts = input.value.split(separator);
      return parts[parts.length - 1].trim();
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var item = items[index];
      if (!item) { return; }
      if (separator) {
        var parts = input.value.split(separator);
        parts[parts.length - 1] = (parts.length > 1 ? " " : "") + item.label;
        input.value = parts.join(separator);
      } else {
        input.value = item.label;
      }
      if (codeField) { codeField.value = item.code; }
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
      if (status) { status.textContent = "Choisi : " + item.label + "."; }
    }

    function render(found) {
      items = found;
      list.textContent = "";
      found.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = listId + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.className = "option-label";
        name.textContent = item.label;
        option.appendChild(name);
        if (item.detail) {
          var detail = document.createElement("span");
          detail.className = "option-detail";
          detail.textContent = item.detail;
          option.appendChild(detail);
        }
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();  // keep the focus in the field
          choose(i);
        });
        list.appendChild(option);
      });
      active = -1;
      if (found.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
      if (status) {
        status.textContent = found.length
          ? found.length + (found.length > 1 ? " suggestions" : " suggestion")
            + " : flèches haut et bas pour choisir, Entrée pour valider."
          : "Aucune suggestion pour ce nom.";
      }
    }

    var byField = input.dataset.comboboxBy && input.form
      ? input.form.elements.namedItem(input.dataset.comboboxBy) : null;
    if (byField) {
      byField.addEventListener("change", function () {
        if (codeField) { codeField.value = ""; }
        render([]);
      });
    }

    function baseUrl() {
      if (byField && byField.value) {
        var key = "combobox" + byField.value.charAt(0).toUpperCase() + byField.value.slice(1);
        if (input.dataset[key]) { return input.dataset[key]; }
      }
      return input.dataset.combobox;
    }

    function fetchSuggestions() {
      var q = typed();
      if (q.length < MIN_CHARS) { render([]); return; }
      if (controller) { controller.abort(); }
      controller = new AbortController();
      var base = baseUrl();
      var url = base + (base.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(q);
      fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(render)
        .catch(function (error) { if (error.name !== "AbortError") { render([]); } });
    }

    input.addEventListener("input", function () {
      if (codeField) { codeField.value = ""; }
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && items.length > 0;
      if (event.key === "ArrowDown") {
        if (!open) { fetchSuggestions(); return; }
        event.preventDefault();
        highlight(Math.min(active + 1, items.length - 1));
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      } else if (event.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  document.querySelectorAll("input[data-combobox]").forEach(setup);
})();
