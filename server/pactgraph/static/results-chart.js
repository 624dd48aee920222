/* A YASR plugin (issue 17): a bar chart of a numeric column of SELECT results, one bar per row,
 * labelled by the row's first other column (its ?xLabel when the query selects one). Plain SVG
 * drawn at the width of the results, so its text stays legible on a phone; offered only for
 * results with a column whose every value is a number (xsd:integer, decimal, double, ...). When
 * there are several such columns, a list chooses the one drawn. */
(function () {
  "use strict";
  if (!window.Yasr) { return; }
  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var NUMERIC = ["integer", "decimal", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger",
    "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"].map(function (t) { return XSD + t; });
  var MAX_BARS = 100;
  var SVG = "http://www.w3.org/2000/svg";

  function isNumber(term) {
    return !!term && term.type !== "uri" && term.type !== "bnode" &&
      NUMERIC.indexOf(term.datatype) >= 0 && isFinite(parseFloat(term.value));
  }

  /* The variables whose every bound value is a number (and that are bound at least once). */
  function numericColumns(vars, bindings) {
    return vars.filter(function (v) {
      var bound = bindings.filter(function (b) { return b[v]; });
      return bound.length > 0 && bound.every(function (b) { return isNumber(b[v]); });
    });
  }

  /* The text that names a row: the first non-numeric column, read through its ?xLabel. */
  function labelOf(vars, numeric) {
    var other = vars.filter(function (v) { return numeric.indexOf(v) < 0; })[0];
    if (!other) { return function (b, i) { return "row " + (i + 1); }; }
    var label = vars.indexOf(other + "Label") >= 0 ? other + "Label" : other;
    return function (b, i) {
      var term = b[label] || b[other];
      if (!term) { return "row " + (i + 1); }
      return term.type === "uri" ? term.value.replace(/^.*[/#]/, "") : term.value;
    };
  }

  function Chart(yasr) {
    this.yasr = yasr;
    this.priority = 4;          // never chosen over the tables; offered as a view
    this.label = "Bar chart";
  }
  Chart.prototype.columns = function () {
    var results = this.yasr.results;
    if (!results || results.getError() || !results.getBindings || !results.getBindings()) {
      return [];
    }
    return numericColumns(results.getVariables(), results.getBindings());
  };
  Chart.prototype.canHandleResults = function () { return this.columns().length > 0; };
  Chart.prototype.getIcon = function () {
    var icon = document.createElement("span");
    icon.textContent = "▤";
    icon.setAttribute("aria-hidden", "true");
    return icon;
  };

  function element(name, attributes, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (k) { node.setAttribute(k, attributes[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  /* The SVG for ``rows`` ([label, number] pairs) ``width`` pixels wide. */
  function bars(rows, width, title) {
    var rowHeight = 24, labelWidth = Math.min(300, Math.round(width * 0.45)), gap = 6;
    var chars = Math.floor(labelWidth / 8.2);  // what fits at 13px; the full label is its title
    var values = rows.map(function (r) { return r[1]; });
    var low = Math.min(0, Math.min.apply(null, values));
    var high = Math.max(0, Math.max.apply(null, values));
    var span = (high - low) || 1, room = width - labelWidth - 56;
    var x = function (v) { return labelWidth + gap + room * (v - low) / span; };
    var svg = element("svg", { width: width, height: rows.length * rowHeight + 4, role: "img",
                               viewBox: "0 0 " + width + " " + (rows.length * rowHeight + 4),
                               "aria-label": title, "class": "bar-chart" });
    rows.forEach(function (row, i) {
      var y = i * rowHeight + 2, from = x(Math.min(0, row[1])), to = x(Math.max(0, row[1]));
      var label = row[0].length > chars ? row[0].slice(0, chars - 1) + "…" : row[0];
      var g = element("g", { "class": "bar" });
      g.appendChild(element("title", {}, row[0] + ": " + row[1]));
      g.appendChild(element("text", { x: labelWidth, y: y + 16, "text-anchor": "end" }, label));
      g.appendChild(element("rect", { x: from, y: y + 3, height: rowHeight - 6,
                                      width: Math.max(1, to - from), "data-value": row[1] }));
      g.appendChild(element("text", { x: to + 4, y: y + 16, "class": "value" }, String(row[1])));
      svg.appendChild(g);
    });
    return svg;
  }

  Chart.prototype.draw = function () {
    var results = this.yasr.results;
    var vars = results.getVariables(), bindings = results.getBindings();
    var numeric = this.columns(), name = labelOf(vars, numeric);
    var figure = document.createElement("figure");
    figure.className = "results-chart";
    var caption = document.createElement("figcaption");
    caption.className = "note";
    figure.appendChild(caption);
    var choose = document.createElement("select");
    choose.setAttribute("aria-label", "Column drawn");
    numeric.forEach(function (v) { choose.appendChild(new Option(v, v)); });
    if (numeric.length > 1) { figure.appendChild(choose); }
    var holder = document.createElement("div");
    figure.appendChild(holder);
    this.yasr.resultsEl.appendChild(figure);
    var width = Math.max(280, Math.min(900, this.yasr.resultsEl.clientWidth - 8));
    function render() {
      var column = choose.value;
      var rows = bindings.map(function (b, i) { return [name(b, i), b[column] ? parseFloat(b[column].value) : null]; })
        .filter(function (r) { return r[1] !== null; });
      var shown = rows.slice(0, MAX_BARS);
      caption.textContent = "?" + column + " for each row" +
        (rows.length > shown.length ? " (the first " + shown.length + " of " + rows.length + " rows)" : "") + ".";
      holder.replaceChildren(bars(shown, width, "Bar chart of " + column));
      figure.dataset.column = column;
    }
    choose.addEventListener("change", render);
    render();
    figure.dataset.ready = "true";
  };

  window.PactgraphResults = window.PactgraphResults || {};
  window.PactgraphResults.Chart = Chart;
})();
