"""Blueprint: what dataset search engines and crawlers read: the sitemap of every page
(``/sitemap.xml``, split into ``/sitemap-{n}.xml`` past 50,000 URLs) and ``/robots.txt`` naming it;
and the schema.org ``Dataset`` JSON-LD the landing page embeds (pages/schema_org.py)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, url_for

from pactgraph.build.release import released_versions
from pactgraph.pages.schema_org import (
    SITEMAP_LIMIT,
    compute_coverage,
    dataset_jsonld,
    sitemap_paths,
)
from pactgraph.web.context import iri_map, memo, publication, resource_index
from pactgraph.web.routes.dumps import current_dataset_description

blueprint = Blueprint("discovery", __name__)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# The pages that are not resource documents, by endpoint (their URLs are Flask's): every HTML page
# that takes no parameter, but the empty search form (NOT_LISTED; tests/test_discovery.py checks).
FIXED_PAGES = ("resources.index", "dumps.downloads", "dumps.dataset", "resources.ontology",
               "resources.shapes", "sparql.endpoint", "explore.network_page",
               "explore.timeline_page", "explore.query_list", "indexes.states",
               "indexes.commitments", "coverage.coverage_page", "releases.release_list")
NOT_LISTED = ("search.search_page",)  # a form with no results: nothing for a search engine


def landing_jsonld() -> dict:
    """The schema.org Dataset for the landing page, at the serving host's URLs."""
    # Not "coverage": routes/coverage.py keeps its page's own Coverage under that key.
    coverage = memo("schema.org coverage", lambda p: compute_coverage(p.store))
    urls = iri_map()
    return dataset_jsonld(current_dataset_description(), coverage, urls.server + "/")


def _paths() -> list[str]:
    index = resource_index()
    pages = [url_for(endpoint) for endpoint in FIXED_PAGES]
    # every version of the ontology, each at its version IRI
    pages += [url_for("resources.ontology_version", version=version)
              for version in released_versions(publication().settings["releases_path"])]
    return sitemap_paths(pages, list(index.subjects), iri_map().base_iri)


def _xml(body: str) -> Response:
    return Response('<?xml version="1.0" encoding="UTF-8"?>\n' + body,
                    content_type="application/xml; charset=utf-8")


@blueprint.get("/sitemap.xml")
def sitemap() -> Response:
    paths, server = _paths(), iri_map().server
    if len(paths) <= SITEMAP_LIMIT:
        return _xml(_urlset(paths, server))
    parts = range((len(paths) + SITEMAP_LIMIT - 1) // SITEMAP_LIMIT)
    entries = "".join(f"<sitemap><loc>{escape(server + url_for('discovery.part', number=n))}"
                      "</loc></sitemap>\n" for n in parts)
    return _xml(f'<sitemapindex xmlns="{SITEMAP_NS}">\n{entries}</sitemapindex>\n')


@blueprint.get("/sitemap-<int:number>.xml")
def part(number: int) -> Response:
    paths = _paths()[number * SITEMAP_LIMIT:(number + 1) * SITEMAP_LIMIT]
    if not paths:
        abort(404)
    return _xml(_urlset(paths, iri_map().server))


def _urlset(paths: list[str], server: str) -> str:
    entries = "".join(f"<url><loc>{escape(server + path)}</loc></url>\n" for path in paths)
    return f'<urlset xmlns="{SITEMAP_NS}">\n{entries}</urlset>\n'


@blueprint.get("/robots.txt")
def robots() -> Response:
    body = f"User-agent: *\nAllow: /\nSitemap: {iri_map().server}/sitemap.xml\n"
    return Response(body, content_type="text/plain; charset=utf-8")
