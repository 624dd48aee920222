/* The alliance network on /explore/network: Cytoscape.js (vendored) draws the JSON view
 * /explore/network.json?date=... that the page names in data-src. The table below the picture
 * holds the same obligations for readers without JavaScript. */
(function () {
  "use strict";
  var host = document.getElementById("network");
  var status = document.getElementById("network-status");
  if (!host || typeof window.cytoscape !== "function") { return; }

  // Colours by strength rank (1 = most binding), chosen to keep 3:1 contrast on white.
  // The same colours as the legend's .swatch.rank-N in style.css.
  var RANK_COLOURS = { 1: "#b2182b", 2: "#c04f00", 3: "#2166ac", 4: "#4d5761", 5: "#7a6a9a" };
  function colour(edge) { return RANK_COLOURS[Math.min(edge.data("rank"), 5)] || "#4d5761"; }

  fetch(host.dataset.src, { headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(function (data) {
      var cy = window.cytoscape({
        container: host,
        elements: { nodes: data.nodes, edges: data.edges },
        wheelSensitivity: 0.3,
        style: [
          { selector: "node", style: {
            "label": "data(label)", "font-size": 11, "color": "#1d232b",
            "text-valign": "bottom", "text-margin-y": 3, "width": 14, "height": 14,
            "background-color": "#1f5f99", "text-outline-color": "#fff", "text-outline-width": 2 } },
          { selector: "edge", style: {
            "width": 1.6, "curve-style": "bezier", "opacity": 0.75,
            "line-color": colour, "target-arrow-color": colour, "source-arrow-color": colour,
            "target-arrow-shape": "triangle", "arrow-scale": 0.8 } },
          { selector: "edge[?mutual]", style: { "source-arrow-shape": "triangle" } },
          { selector: "edge[rank >= 5]", style: { "line-style": "dotted" } },
          { selector: "edge[status != 'active']", style: { "line-style": "dashed", "opacity": 0.55 } },
          { selector: "node:selected", style: { "background-color": "#b2182b" } },
          { selector: ".faded", style: { "opacity": 0.08 } }
        ],
        // Force-directed; strong repulsion spreads the large alliances (NATO is a clique of 32).
        layout: { name: "cose", animate: false, randomize: true, nodeRepulsion: 600000,
                  nodeOverlap: 40, idealEdgeLength: 120, edgeElasticity: 60, gravity: 0.6,
                  componentSpacing: 120, numIter: 2500, padding: 20 }
      });
      // Tapping a state shows its obligations only; tapping the background shows all again.
      cy.on("tap", "node", function (event) {
        var around = event.target.closedNeighborhood();
        cy.elements().addClass("faded");
        around.removeClass("faded");
        status.textContent = event.target.data("label") + ": " + event.target.connectedEdges().length +
          " obligation links. Tap the background to show all; open the state page from the table.";
      });
      cy.on("tap", function (event) {
        if (event.target === cy) { cy.elements().removeClass("faded"); }
      });
      cy.on("dbltap", "node", function (event) { window.location.href = event.target.data("href"); });
      window.pactgraphNetwork = cy;  // for the browser tests and curious readers
      host.dataset.ready = "true";
      status.textContent = data.nodes.length + " states and " + data.edges.length +
        " obligation links on " + data.date + ". Tap a state to see only its obligations; " +
        "double-tap to open its page.";
    })
    .catch(function (error) {
      status.textContent = "The picture could not be drawn (" + error.message + "); the table below lists the obligations.";
    });
})();
