/* The alliance network on /explore/network: Cytoscape.js (vendored) draws the JSON view
 * /explore/network.json?date=...&treaty=...&region=... that the page names in data-src. A
 * multilateral alliance is one box (its short name) joined to its members, not a clique. The
 * treaty and region lists narrow the picture (the form is sent on change); the year slider redraws
 * the picture and swaps in the table for that year without leaving the page, and keeps the address
 * in step so the view can be shared. The table holds the same obligations for readers without
 * JavaScript. */
(function () {
  "use strict";
  var host = document.getElementById("network");
  var status = document.getElementById("network-status");
  var form = document.getElementById("network-filter");
  if (!host || typeof window.cytoscape !== "function") { return; }

  // Colours by strength rank (1 = most binding), chosen to keep 3:1 contrast on white.
  // The same colours as the legend's .swatch.rank-N in style.css.
  var RANK_COLOURS = { 1: "#b2182b", 2: "#c04f00", 3: "#2166ac", 4: "#4d5761", 5: "#7a6a9a" };
  // (selectors, not a function of each edge: a style function is run for every edge drawn)
  var COLOURED = Object.keys(RANK_COLOURS).map(function (rank) {
    var c = RANK_COLOURS[rank];
    return { selector: rank === "5" ? "edge[rank >= 5]" : "edge[rank = " + rank + "]",
             style: { "line-color": c, "target-arrow-color": c, "source-arrow-color": c } };
  });
  var LARGE = 300;  // edges: beyond, straight lines (bezier curves cost twice as much to draw)

  var fontScale = 1;  // labels' size over their size at zoom 1 (see legible)
  var STYLE = [
    { selector: "node", style: {
      "label": "data(label)", "font-size": function () { return 11 * fontScale; },
      "color": "#1d232b", "min-zoomed-font-size": 5,
      "text-valign": "bottom", "text-margin-y": 3, "width": 14, "height": 14,
      "background-color": "#1f5f99", "text-outline-color": "#fff", "text-outline-width": 2 } },
    { selector: "node[kind = 'alliance']", style: {
      "shape": "round-rectangle", "height": function () { return 22 * fontScale; }, "padding": 6,
      "width": function (node) { return 7.5 * fontScale * node.data("label").length; },
      "text-valign": "center", "text-margin-y": 0, "font-weight": "bold",
      "font-size": function () { return 13 * fontScale; },
      "color": "#fff", "text-outline-width": 0, "background-color": "#3b4a5c",
      "border-width": 0 } },
    { selector: "node[?inRegion]", style: { "border-width": 3, "border-color": "#c04f00" } },
    { selector: "edge", style: {
      "width": 1.6, "curve-style": "bezier", "opacity": 0.75, "line-color": "#4d5761",
      "target-arrow-color": "#4d5761", "source-arrow-color": "#4d5761",
      "target-arrow-shape": "triangle", "arrow-scale": 0.8 } }
  ].concat(COLOURED, [
    { selector: "edge[kind = 'member']", style: { "target-arrow-shape": "none", "width": 1.2 } },
    { selector: "edge[?mutual]", style: { "source-arrow-shape": "triangle" } },
    { selector: "edge[rank >= 5]", style: { "line-style": "dotted" } },
    { selector: "edge[status != 'active']", style: { "line-style": "dashed", "opacity": 0.55 } },
    { selector: "node:selected", style: { "background-color": "#b2182b" } },
    { selector: ".faded", style: { "opacity": 0.08 } }
  ]);
  function styles(edges) {
    return edges > LARGE ? STYLE.concat([{ selector: "edge", style: { "curve-style": "straight" } }])
                         : STYLE;
  }
  // Force-directed: an alliance's members gather round its box, the boxes keep apart. Each
  // iteration costs the square of the nodes, so a large picture gets fewer (bench/network_layout.py).
  function layout(nodes) {
    return { name: "cose", animate: false, randomize: true, nodeRepulsion: 400000,
             nodeOverlap: 20, idealEdgeLength: 60, edgeElasticity: 80, gravity: 0.8,
             componentSpacing: 80, padding: 20,
             numIter: Math.round(Math.max(300, Math.min(2000, 2000 * Math.pow(120 / nodes, 2)))) };
  }
  var cy = null;

  function summary(data) {
    var alliances = data.nodes.filter(function (n) { return n.data.kind === "alliance"; }).length;
    return (data.nodes.length - alliances) + " states, " + alliances + " alliances and " +
      data.edges.length + " obligation links on " + data.date + ". Tap a state or alliance to " +
      "see only its links; double-tap to open its page.";
  }

  /* On a narrow screen the whole picture is drawn small: its labels are enlarged (up to 1.8
   * times) so that they stay readable before the reader zooms in. */
  function legible(cy) {
    fontScale = host.clientWidth < 600 ? Math.max(1, Math.min(1.8, 1 / cy.zoom())) : 1;
    cy.style().update();
  }

  function draw(data) {
    if (cy) { cy.destroy(); }
    cy = window.cytoscape({ container: host, elements: { nodes: data.nodes, edges: data.edges },
                            style: styles(data.edges.length), layout: layout(data.nodes.length) });
    if (cy.zoom() > 1.5) { cy.zoom(1.5); cy.center(); }  // a few nodes are not drawn huge
    legible(cy);
    // Tapping a node shows its links only; tapping the background shows all again.
    cy.on("tap", "node", function (event) {
      cy.elements().addClass("faded");
      event.target.closedNeighborhood().removeClass("faded");
      status.textContent = event.target.data("label") + ": " + event.target.connectedEdges().length +
        " links. Tap the background to show all; double-tap to open its page.";
    });
    cy.on("tap", function (event) {
      if (event.target === cy) { cy.elements().removeClass("faded"); }
    });
    cy.on("dbltap", "node", function (event) { window.location.href = event.target.data("href"); });
    window.pactgraphNetwork = cy;  // for the browser tests and curious readers
    host.dataset.date = data.date;
    host.dataset.ready = "true";
    status.textContent = summary(data);
  }

  function fetchJson(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    });
  }

  function failed(error) {
    status.textContent = "The picture could not be drawn (" + error.message + "); the table " +
      "below lists the obligations.";
  }

  /* The page for ``query`` fetched and its heading and table swapped in; the picture redrawn. */
  function show(query) {
    host.dataset.ready = "false";
    var page = form.action + "?" + query;
    var swapped = fetch(page).then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ["network-heading", "network-table"].forEach(function (id) {
          var old = document.getElementById(id);
          var replacement = fresh.getElementById(id);
          if (old && replacement) { old.replaceWith(document.importNode(replacement, true)); }
        });
        document.title = fresh.title;
        window.history.replaceState(null, "", page);
      });
    var drawn = fetchJson(host.dataset.json + "?" + query).then(draw);
    return Promise.all([swapped, drawn]).catch(failed);
  }

  function slider() {
    var year = document.getElementById("year");
    var shown = document.getElementById("year-shown");
    var date = document.getElementById("date");
    if (!year || !form) { return; }
    year.closest(".year-slider").hidden = false;
    year.addEventListener("input", function () { shown.textContent = year.value; });
    year.addEventListener("change", function () {
      var monthDay = date.value.slice(4) === "-02-29" ? "-02-28" : date.value.slice(4) || "-01-01";
      date.value = year.value + monthDay;
      shown.textContent = year.value;
      show(chosen());
    });
  }

  /* The form's fields as a query, without the lists left at "all". */
  function chosen() {
    var query = new URLSearchParams(new FormData(form));
    ["treaty", "region"].forEach(function (k) { if (!query.get(k)) { query.delete(k); } });
    return query.toString();
  }

  if (form) {  // a new treaty or region: sent at once; the address keeps only what was chosen
    ["treaty", "region"].forEach(function (id) {
      var select = document.getElementById(id);
      if (select) { select.addEventListener("change", function () { form.requestSubmit(); }); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.location.assign(form.action + "?" + chosen());
    });
  }
  slider();
  fetchJson(host.dataset.src).then(draw).catch(failed);
})();
