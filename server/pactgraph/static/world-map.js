/* The world map on /explore/map: country shapes from the vendored world-atlas (Natural Earth,
 * ISO 3166-1 numeric ids, today's borders), drawn as SVG in an equirectangular projection. The
 * selected state and those obliged to help it (the list beside the map, li[data-iso]) are
 * coloured; a state the atlas cannot draw (the Soviet Union) is named beside the map instead.
 * Clicking a state of the data shows who must help it. window.PactgraphMap.colour(isoCodes)
 * recolours the helpers (map-dates.js calls it for another date); window.PactgraphWorld.draw
 * draws the countries anywhere (the editor's map of results, results-map.js). */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var TOP = 84, BOTTOM = -58;    // latitudes shown: Antarctica is left out

  function point(c) { return (c[0] + 180).toFixed(2) + "," + (TOP - c[1]).toFixed(2); }
  /* A ring that crosses the antimeridian (Russia's far east, Fiji) jumps by almost 360 degrees:
   * a jump starts a new piece of the path instead of a stroke across the whole map. */
  function ring(r) {
    return r.map(function (c, i) {
      var jump = i > 0 && Math.abs(c[0] - r[i - 1][0]) > 180;
      return (i === 0 || jump ? "M" : "L") + point(c);
    }).join("") + "Z";
  }
  function pathOf(geometry) {
    if (!geometry) { return ""; }
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    return polygons.map(function (p) { return p.map(ring).join(""); }).join("");
  }

  /* Draw the countries into ``container`` (first child); resolves to {ISO alpha-3: path}. */
  function draw(container, atlasUrl, codesUrl, label) {
    return Promise.all([fetch(atlasUrl).then(function (r) { return r.json(); }),
                        fetch(codesUrl).then(function (r) { return r.json(); })])
      .then(function (loaded) {
        var world = loaded[0], alpha3 = {}, byAlpha3 = {};
        loaded[1].forEach(function (row) { alpha3[row[2]] = row[1]; });
        var svg = document.createElementNS(SVG, "svg");
        svg.setAttribute("viewBox", "0 0 360 " + (TOP - BOTTOM));
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", label);
        window.topojson.feature(world, world.objects.countries).features.forEach(function (f) {
          var path = document.createElementNS(SVG, "path");
          path.setAttribute("d", pathOf(f.geometry));
          var title = document.createElementNS(SVG, "title");
          title.textContent = f.properties.name;
          path.appendChild(title);
          path.setAttribute("class", "country");
          var iso = alpha3[f.id];
          if (iso) { byAlpha3[iso] = path; path.dataset.iso = iso; }
          svg.appendChild(path);
        });
        container.insertBefore(svg, container.firstChild);
        return byAlpha3;
      });
  }

  var figure = document.getElementById("world-map");
  window.PactgraphWorld = { draw: draw };
  if (!figure || !window.topojson || !window.fetch) { return; }
  var known = JSON.parse(figure.dataset.states);
  var selected = figure.dataset.selected;
  var byAlpha3 = {};

  function helpersListed() {
    return Array.prototype.map.call(document.querySelectorAll("#map-helpers li[data-iso]"),
                                    function (li) { return li.dataset.iso; });
  }

  var wanted = null;  // helpers asked for before the map was drawn (map-dates.js may be first)
  function colour(helpers) {
    wanted = helpers;
    Object.keys(byAlpha3).forEach(function (iso) {
      var path = byAlpha3[iso];
      path.setAttribute("class", iso === selected ? "country selected"
        : helpers.indexOf(iso) >= 0 ? "country helper"
        : known.indexOf(iso) >= 0 ? "country known" : "country");
    });
    var missing = [selected].concat(helpers).filter(function (iso) { return iso && !byAlpha3[iso]; });
    var note = document.getElementById("map-not-drawn");
    note.hidden = missing.length === 0;
    note.querySelector("span").textContent = missing.join(", ");
  }

  draw(figure, figure.dataset.atlas, figure.dataset.codes,
       "World map: the selected state and those obliged to help it").then(function (drawn) {
    byAlpha3 = drawn;
    Object.keys(byAlpha3).forEach(function (iso) {
      if (known.indexOf(iso) >= 0) {
        byAlpha3[iso].addEventListener("click", function () {
          window.location.href = figure.dataset.page + "?state=" + iso;
        });
      }
    });
    colour(wanted || helpersListed());
    figure.dataset.ready = "true";
  });

  window.PactgraphMap = { colour: colour };
})();
