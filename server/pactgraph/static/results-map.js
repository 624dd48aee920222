/* A YASR plugin (issue 17): results that name states (our IRIs .../id/state/XXX) shown on the
 * world map, each state shaded by how many rows name it; states the map cannot draw (the Soviet
 * Union) are listed under it. Offered only for such results. Needs world-map.js (the drawing)
 * and the vendored atlas, whose addresses the editor's host element carries. */
(function () {
  "use strict";
  if (!window.Yasr || !window.PactgraphWorld) { return; }
  var STATE = /\/id\/state\/([A-Z]{3})$/;

  function counts(results) {
    var found = {};
    (results.getBindings() || []).forEach(function (binding) {
      var seen = {};
      Object.keys(binding).forEach(function (v) {
        var term = binding[v];
        var match = term && term.type === "uri" && STATE.exec(term.value);
        if (match && !seen[match[1]]) { seen[match[1]] = true; found[match[1]] = (found[match[1]] || 0) + 1; }
      });
    });
    return found;
  }

  function StateMap(yasr) {
    this.yasr = yasr;
    this.priority = 5;          // never chosen over the tables; offered as a view
    this.label = "Map of states";
  }
  StateMap.prototype.canHandleResults = function () {
    var results = this.yasr.results;
    return !!results && !results.getError() && !!results.getBindings &&
           !!results.getBindings() && Object.keys(counts(results)).length > 0;
  };
  StateMap.prototype.getIcon = function () {
    var icon = document.createElement("span");
    icon.textContent = "◍";
    icon.setAttribute("aria-hidden", "true");
    return icon;
  };
  StateMap.prototype.draw = function () {
    var host = document.getElementById("yasgui");
    var found = counts(this.yasr.results);
    var most = Math.max.apply(null, Object.keys(found).map(function (k) { return found[k]; }));
    var figure = document.createElement("figure");
    figure.className = "world-map results-map";
    var caption = document.createElement("figcaption");
    caption.className = "note";
    caption.textContent = "States named in the results, darker for more rows.";
    figure.appendChild(caption);
    this.yasr.resultsEl.appendChild(figure);
    return window.PactgraphWorld.draw(figure, host.dataset.atlas, host.dataset.codes,
                                      "World map of the states named in the results")
      .then(function (byAlpha3) {
        var missing = [];
        Object.keys(found).forEach(function (iso) {
          var path = byAlpha3[iso];
          if (!path) { missing.push(iso); return; }
          path.setAttribute("class", "country named");
          path.style.fillOpacity = String(0.35 + 0.65 * found[iso] / most);
          path.querySelector("title").textContent += ": " + found[iso] + (found[iso] === 1 ? " row" : " rows");
        });
        if (missing.length) {
          var note = document.createElement("p");
          note.className = "note not-drawn";
          note.textContent = "Not on the map (no longer exists, or no shape at this scale): " + missing.join(", ");
          figure.appendChild(note);
        }
        figure.dataset.ready = "true";
      });
  };

  window.PactgraphResults = window.PactgraphResults || {};
  window.PactgraphResults.StateMap = StateMap;
})();
