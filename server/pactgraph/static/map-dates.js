/* The world map on another date (issue 17), through the obligations API when this server has
 * it: GET /api/obligations?protected=XXX&date=YYYY-MM-DD, JSON naming the guarantors of the
 * protected state on that date. Kept apart from world-map.js so that the API can change without
 * touching the drawing. Without the API the date control stays hidden and the map shows today. */
(function () {
  "use strict";
  var figure = document.getElementById("world-map");
  var control = document.getElementById("map-date-control");
  var input = document.getElementById("map-date");
  if (!figure || !figure.dataset.api || !control || !input || !window.fetch) { return; }
  var selected = figure.dataset.selected;

  /* Every ISO alpha-3 code the answer names as a guarantor: an "iso" member, or the code at the
   * end of a state IRI (.../state/USA), wherever it stands in the document. */
  function guarantors(document_) {
    var found = [];
    if (Array.isArray(document_.obligations)) {   // the obligations API: its certain rows
      document_.obligations.forEach(function (row) {
        var code = (row.guarantor || "").slice(-3);
        if (row.certainty === "certain" && code !== selected && found.indexOf(code) < 0) {
          found.push(code);
        }
      });
      return found;
    }
    (function walk(value) {
      if (Array.isArray(value)) { value.forEach(walk); return; }
      if (value && typeof value === "object") {
        Object.keys(value).forEach(function (key) {
          var v = value[key];
          if (typeof v === "string" && (key === "iso" || /\/state\/[A-Z]{3}$/.test(v))) {
            var code = v.slice(-3);
            if (code !== selected && found.indexOf(code) < 0) { found.push(code); }
          } else { walk(v); }
        });
      }
    })(document_.guarantors || document_);
    return found;
  }

  function ask(date) {
    var url = figure.dataset.api + "?protected=" + encodeURIComponent(selected) +
              "&date=" + encodeURIComponent(date);
    return fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; });
  }

  var today = new Date().toISOString().slice(0, 10);
  var wanted = new URLSearchParams(window.location.search).get("date");
  ask(wanted || today).then(function (answer) {
    if (!answer) { return; }            // no obligations API here: the map shows today
    control.hidden = false;
    input.value = wanted || today;
    function show(date, body) {
      document.getElementById("map-as-of").textContent = "on " + date;
      if (window.PactgraphMap) { window.PactgraphMap.colour(guarantors(body)); }
    }
    show(input.value, answer);
    input.addEventListener("change", function () {
      if (!input.value) { return; }
      ask(input.value).then(function (body) { if (body) { show(input.value, body); } });
    });
  }).catch(function () { /* keep today's map */ });
})();
