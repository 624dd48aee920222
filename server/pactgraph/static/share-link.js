/* Share links for the SPARQL editor: a query kept in the page's address, with no state on the
 * server. Short queries go in ?query= (a link the server answers even without JavaScript); longer
 * ones are compressed (deflate-raw, base64url) after #z=, so that a link stays within what
 * browsers, chat tools and proxies pass on. */
(function () {
  "use strict";
  var LONGEST_PLAIN = 1800;  // characters of ?query=... beyond which the query is compressed

  function toBase64Url(bytes) {
    var text = "";
    for (var i = 0; i < bytes.length; i += 1) { text += String.fromCharCode(bytes[i]); }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function fromBase64Url(text) {
    var plain = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    var bytes = new Uint8Array(plain.length);
    for (var i = 0; i < plain.length; i += 1) { bytes[i] = plain.charCodeAt(i); }
    return bytes;
  }
  function through(stream, bytes) {
    var piped = new Blob([bytes]).stream().pipeThrough(stream);
    return new Response(piped).arrayBuffer().then(function (b) { return new Uint8Array(b); });
  }

  function linkFor(query, location) {
    var base = location.origin + location.pathname;
    var plain = base + "?query=" + encodeURIComponent(query);
    if (plain.length <= LONGEST_PLAIN || !window.CompressionStream) { return Promise.resolve(plain); }
    var bytes = new TextEncoder().encode(query);
    return through(new CompressionStream("deflate-raw"), bytes).then(function (packed) {
      return base + "#z=" + toBase64Url(packed);
    });
  }

  /* The query a link carries in #z=, or null (a ?query= link is read by the server). */
  function queryIn(location) {
    var match = /^#z=([A-Za-z0-9_-]+)$/.exec(location.hash);
    var params = new URLSearchParams(location.search);
    if (!match) {
      return params.has("query") ? Promise.resolve(params.get("query")) : null;
    }
    if (!window.DecompressionStream) { return Promise.resolve(null); }
    return through(new DecompressionStream("deflate-raw"), fromBase64Url(match[1]))
      .then(function (bytes) { return new TextDecoder().decode(bytes); },
            function () { return null; });
  }

  window.PactgraphShare = { linkFor: linkFor, queryIn: queryIn };
})();
