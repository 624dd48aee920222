/* The search box on every page: matches as the reader types, from /api/search. Without
 * JavaScript the box submits to /search, which lists the same matches as a page.
 * Keys: Down and Up move through the matches, Enter opens the chosen one, Escape closes. */
(function () {
  "use strict";
  var input = document.getElementById("site-search-q");
  var list = document.getElementById("site-search-hits");
  if (!input || !list || !window.fetch) { return; }
  var api = input.dataset.api;
  var timer = null;
  var asked = "";
  var active = -1;

  function options() { return list.querySelectorAll("[role=option]"); }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function choose(index) {
    var all = options();
    if (!all.length) { return; }
    active = (index + all.length) % all.length;
    Array.prototype.forEach.call(all, function (o, i) {
      o.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    input.setAttribute("aria-activedescendant", all[active].id);
  }

  function show(results) {
    list.textContent = "";
    results.forEach(function (hit, i) {
      var item = document.createElement("li");
      item.id = "site-search-hit-" + i;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      var link = document.createElement("a");
      link.href = hit.url;
      link.textContent = hit.label;
      link.tabIndex = -1;
      item.appendChild(link);
      var note = document.createElement("span");
      note.className = "note";
      note.textContent = " " + hit.kind + (hit.matched ? "; " + hit.matchedAs + ": " + hit.matched : "");
      item.appendChild(note);
      list.appendChild(item);
    });
    if (!results.length) {
      var none = document.createElement("li");
      none.className = "note";
      none.textContent = "No match; press Enter to search anyway.";
      list.appendChild(none);
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  }

  function ask() {
    var text = input.value.trim();
    if (!text) { close(); return; }
    if (text === asked) { return; }
    asked = text;
    fetch(api + "?limit=8&q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (body) { if (body.query.trim() === input.value.trim()) { show(body.results); } })
      .catch(function () { close(); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 120);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { event.preventDefault(); ask(); choose(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); choose(active - 1); }
    else if (event.key === "Escape") { close(); }
    else if (event.key === "Enter" && active >= 0 && !list.hidden) {
      event.preventDefault();
      window.location.href = options()[active].querySelector("a").href;
    }
  });
  document.addEventListener("click", function (event) {
    if (!input.form.contains(event.target)) { close(); }
  });
})();
