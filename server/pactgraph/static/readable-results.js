/* A YASR plugin that shows SELECT results as a reader wants them (issue 17): an IRI as a link
 * whose text is its label when the query also selects ?xLabel for ?x (that column is then folded
 * into it), else its prefixed name; literals unquoted, with no datatype or language tag; full
 * column headers. The vendored YASR's own table stays available as "Raw table". */
(function () {
  "use strict";
  if (!window.Yasr) { return; }

  function compact(iri, prefixes) {
    var best = null;
    Object.keys(prefixes).forEach(function (p) {
      var ns = prefixes[p];
      if (iri.indexOf(ns) === 0 && iri.length > ns.length && (!best || ns.length > best[1].length)) {
        best = [p, ns];
      }
    });
    return best ? best[0] + ":" + iri.slice(best[1].length) : iri;
  }

  /* A column's heading in words: ?commitmentLabel reads "commitment", ?triggeringEvent
   * "triggering event"; the variable itself is the heading's title. */
  function heading(variable) {
    var words = variable.replace(/Label$/, "") || variable;
    return words.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/_/g, " ").toLowerCase();
  }

  function Readable(yasr) {
    this.yasr = yasr;
    this.priority = 15;        // above the raw table (10): chosen first for SELECT results
    this.label = "Readable table";
    this.helpReference = undefined;
  }
  Readable.prototype.canHandleResults = function () {
    var results = this.yasr.results;
    return !!results && !results.getError() && !!results.getBindings && !!results.getBindings();
  };
  Readable.prototype.getIcon = function () {
    var icon = document.createElement("span");
    icon.textContent = "▦";
    icon.setAttribute("aria-hidden", "true");
    return icon;
  };

  Readable.prototype.cell = function (term, label) {
    var td = document.createElement("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      var link = document.createElement("a");
      link.href = term.value;   /* the editor rewrites our IRIs to this server */
      link.textContent = label ? label.value : compact(term.value, Readable.prefixes);
      link.title = term.value;
      td.appendChild(link);
    } else if (/^(https?:\/\/\S+)(\s+https?:\/\/\S+)*$/.test(term.value)) {
      /* a list of sources (GROUP_CONCAT of IRIs): each a link named by its host */
      term.value.split(/\s+/).forEach(function (url, i) {
        if (i) { td.appendChild(document.createTextNode(" ")); }
        var source = document.createElement("a");
        source.href = url;
        source.textContent = url.replace(/^https?:\/\/(www\.)?/, "").split("/")[0];
        source.title = url;
        source.className = "external";
        td.appendChild(source);
      });
    } else {
      td.textContent = term.value;
      if (term.datatype && /#(integer|decimal|double|float)$/.test(term.datatype)) {
        td.className = "num";
      }
    }
    return td;
  };

  Readable.prototype.draw = function () {
    var variables = this.yasr.results.getVariables();
    var bindings = this.yasr.results.getBindings();
    var labelled = {};
    variables.forEach(function (v) {
      if (variables.indexOf(v + "Label") >= 0) { labelled[v + "Label"] = v; }
    });
    var shown = variables.filter(function (v) { return !labelled[v]; });
    var wrap = document.createElement("div");
    wrap.className = "scroll readable-results";
    wrap.tabIndex = 0;
    var cue = document.createElement("p");
    cue.className = "note";
    cue.textContent = bindings.length + (bindings.length === 1 ? " row" : " rows");
    var table = document.createElement("table");
    table.className = "grid";
    var head = table.createTHead().insertRow();
    shown.forEach(function (v) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = heading(v);
      th.title = "?" + v;
      head.appendChild(th);
    });
    var body = table.createTBody();
    var self = this;
    bindings.forEach(function (binding) {
      var tr = body.insertRow();
      shown.forEach(function (v) { tr.appendChild(self.cell(binding[v], binding[v + "Label"])); });
    });
    wrap.appendChild(table);
    this.yasr.resultsEl.appendChild(cue);
    this.yasr.resultsEl.appendChild(wrap);
  };

  /* An error from the endpoint as a reader can read it: the problem document's detail (JSON,
   * RFC 9457) or the plain text, with the caret line kept in place. */
  function renderError(error) {
    var text = error && error.text;
    if (!text) { return Promise.resolve(undefined); }
    var detail = text;
    try { detail = JSON.parse(text).detail || text; } catch (e) { /* plain text */ }
    var box = document.createElement("div");
    var pre = document.createElement("pre");
    pre.className = "error-at";
    pre.textContent = detail;
    box.appendChild(pre);
    return Promise.resolve(box);
  }

  Readable.prefixes = {};
  window.PactgraphResults = window.PactgraphResults || {};
  window.PactgraphResults.Readable = Readable;
  window.PactgraphResults.renderError = renderError;
})();
