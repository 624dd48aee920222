/* The SPARQL editor (YASGUI, vendored) on /sparql, over the plain form that works without JS.
 * One tab for the query on the page and one per example question; queries go to our own endpoint
 * by POST; no autocompletion service outside this server is used (the property and class
 * completers of YASQE ask lov.linkeddata.es, so only the local ones are enabled). */
(function () {
  "use strict";
  var host = document.getElementById("yasgui");
  var YasguiClass = window.Yasgui && (window.Yasgui.default || window.Yasgui);
  if (!host || typeof YasguiClass !== "function") { return; }

  var endpoint = host.dataset.endpoint;
  var baseIri = host.dataset.baseIri;
  var server = host.dataset.server;
  var prefixes = JSON.parse(host.dataset.prefixes);

  /* PREFIX lines for the known prefixes a query uses but does not declare. */
  function withPrefixes(text) {
    var declared = {};
    text.replace(/^\s*PREFIX\s+(\w*):/gim, function (_, p) { declared[p] = true; return _; });
    var body = text.replace(/^#.*$/gm, "").replace(/<[^>\s]*>/g, "");
    var lines = [];
    Object.keys(prefixes).forEach(function (p) {
      if (!declared[p] && new RegExp("(^|[^\\w:<])" + p + ":").test(body)) {
        lines.push("PREFIX " + p + ": <" + prefixes[p] + ">");
      }
    });
    return lines.length ? lines.join("\n") + "\n" + text : text;
  }

  var readable = window.PactgraphResults;
  if (readable && window.Yasr) {
    readable.Readable.prefixes = prefixes;
    window.Yasr.registerPlugin("readable", readable.Readable);
    // set on YASR's defaults: YASGUI does not pass errorRenderers on from its own config
    window.Yasr.defaults.errorRenderers = [readable.renderError];
    if (readable.StateMap) { window.Yasr.registerPlugin("statemap", readable.StateMap); }
    if (readable.Chart) { window.Yasr.registerPlugin("chart", readable.Chart); }
  }

  var yasgui = new YasguiClass(host, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,          // no localStorage: every visit starts from the examples
    populateFromUrl: false,
    autoAddOnInit: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
    yasqe: { autocompleters: ["prefixes", "variables"], resizeable: true, editorHeight: "320px" },
    yasr: {
      prefixes: prefixes,
      defaultPlugin: "readable",
      pluginOrder: ["readable", "chart", "statemap", "table", "response"]
    }
  });

  var form = document.getElementById("plain-form");
  var current = document.getElementById("query");
  var tabIds = {};
  var first = yasgui.addTab(true, { name: "Your query", yasqe: { value: withPrefixes(current.value) } });
  tabIds[""] = first.getId();

  var items = document.querySelectorAll("#examples li[data-name]");
  Array.prototype.forEach.call(items, function (item) {
    var text = item.querySelector(".example-text").textContent;
    var tab = yasgui.addTab(false, { name: item.dataset.tab, yasqe: { value: text } });
    tabIds[item.dataset.name] = tab.getId();
    var link = item.querySelector("a.run-example");
    link.setAttribute("role", "button");
    link.addEventListener("click", function (event) {
      event.preventDefault();
      yasgui.selectTabId(tabIds[item.dataset.name]);
      var active = yasgui.getTab();
      active.show();
      active.query();
      host.scrollIntoView({ block: "start" });
    });
  });
  yasgui.selectTabId(tabIds[""]);

  /* Share links (issue 17): after each run the address bar holds the query, as ?query= (which
   * the server also answers without JavaScript) or, when that would be long, compressed after
   * #z= (the server keeps nothing: any replica opens any link). A link is opened into the first
   * tab and run. */
  var share = window.PactgraphShare;
  var shareButton = document.getElementById("share-query");
  var shareStatus = document.getElementById("share-status");
  function remember(query) {
    if (!share) { return; }
    share.linkFor(query, window.location).then(function (url) {
      window.history.replaceState(null, "", url);
    });
  }
  yasgui.on("query", function () { remember(yasgui.getTab().getQuery()); });
  if (shareButton && share) {
    shareButton.hidden = false;
    shareButton.addEventListener("click", function () {
      share.linkFor(yasgui.getTab().getQuery(), window.location).then(function (url) {
        window.history.replaceState(null, "", url);
        var copied = navigator.clipboard ? navigator.clipboard.writeText(url) : Promise.reject();
        return copied.then(function () { return "Link copied."; },
                           function () { return "Copy the address bar to share this query."; });
      }).then(function (message) { shareStatus.textContent = message; });
    });
  }
  var opened = share ? share.queryIn(window.location) : null;
  var plainResults = document.getElementById("plain-results");
  if (opened) {
    opened.then(function (query) {
      if (query === null) { return; }
      if (plainResults) { plainResults.hidden = true; }
      yasgui.selectTabId(tabIds[""]);
      var tab = yasgui.getTab();
      tab.show();
      tab.setQuery(query);
      tab.query();
    });
  }

  /* The editor replaces the plain form; results the server already drew stay visible. */
  form.hidden = true;
  var plainExample = document.getElementById("plain-example");
  if (plainExample) { plainExample.hidden = true; }
  document.documentElement.classList.add("has-editor");

  /* Our IRIs in results link to this server, not to the canonical host. */
  function rewriteLinks(root) {
    Array.prototype.forEach.call(root.querySelectorAll("a[href^='" + baseIri + "']"), function (a) {
      a.href = server + "/" + a.getAttribute("href").slice(baseIri.length);
      a.removeAttribute("target");
    });
  }
  new MutationObserver(function () { rewriteLinks(host); })
    .observe(host, { childList: true, subtree: true });
})();
