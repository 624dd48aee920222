"""Content negotiation by profile (W3C "Content Negotiation by Profile"): which view of a resource
a client asks for, by the ``Accept-Profile`` header or the ``_profile`` query parameter,
and in which media type, by ``Accept`` or the ``_mediatype`` query parameter.

A pure module, like web/negotiation.py. Two profiles of every resource description: ``full`` (the
default: the resource and everything it owns, as before) and ``card``, a summary card (its types,
names and a few identifying facts, nothing it owns); and the specification's ``alt``, the list of
every representation. The response names its profile in
``Content-Profile`` and lists every profile and format in ``Link: rel="alternate"`` headers; it
varies on ``Accept-Profile``, which is part of every cache key that a document can be kept under
(web/middleware/front_cache.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from pactgraph.errors import NotAcceptable
from pactgraph.namespaces import CANONICAL_BASE


@dataclass(frozen=True)
class Profile:
    token: str   # the _profile value
    iri: str     # the profile's IRI, in Accept-Profile and Content-Profile
    title: str


FULL = Profile("full", f"{CANONICAL_BASE}profile/full",
               "The full description: the resource and every resource it owns")
CARD = Profile("card", f"{CANONICAL_BASE}profile/card",
               "A summary card: the resource's types, names and identifying facts")
# The specification's own profile: the list of every representation of the resource.
ALT = Profile("alt", "http://www.w3.org/ns/dx/conneg/altr",
              "The alternate representations: every profile in every media type")
PROFILES: tuple[Profile, ...] = (FULL, CARD, ALT)  # the first is the default
_BY_NAME = {name: profile for profile in PROFILES for name in (profile.token, profile.iri)}
_RANGE = re.compile(r"\s*<([^<>\s]+)>\s*((?:;\s*[^,;]*)*)")
_Q = re.compile(r";\s*q\s*=\s*([0-9.]+)")


def accepted_profiles(header: str | None) -> list[tuple[str, float]]:
    """The profile IRIs of an ``Accept-Profile`` header with their q-values, best first (a
    malformed entry is skipped, as an Accept range is)."""
    found = []
    for index, part in enumerate((header or "").split(",")):
        match = _RANGE.fullmatch(part)
        if not match:
            continue
        q = _Q.search(match.group(2))
        try:
            weight = float(q.group(1)) if q else 1.0
        except ValueError:
            continue
        found.append((match.group(1), min(weight, 1.0), index))
    found.sort(key=lambda entry: (-entry[1], entry[2]))
    return [(iri, weight) for iri, weight, _ in found]


def choose(accept_profile: str | None, requested: str | None) -> Profile:
    """The profile to serve: ``_profile`` (a token or IRI) if given, and it must be one of ours
    (``NotAcceptable`` otherwise); else the best of ``Accept-Profile`` that we have; else the
    default. A header naming none of ours gets the default, which ``Content-Profile`` names."""
    if requested is not None:
        profile = _BY_NAME.get(requested.strip())
        if profile is None:
            raise NotAcceptable([p.token for p in PROFILES] + [p.iri for p in PROFILES],
                                what="profiles (_profile)")
        return profile
    for iri, weight in accepted_profiles(accept_profile):
        if weight > 0 and iri in _BY_NAME:
            return _BY_NAME[iri]
    return PROFILES[0]


def content_profile(profile: Profile) -> str:
    return f"<{profile.iri}>"


def alternate_urls(path: str, media_types: tuple[str, ...]) -> list[tuple[Profile, str, str]]:
    """(profile, media type, URL) of every representation at ``path``."""
    return [(p, media, f'{path}?{urlencode({"_profile": p.token, "_mediatype": media})}')
            for p in PROFILES for media in media_types]


def alternates(path: str, media_types: tuple[str, ...],
               served: tuple[Profile, str] | None = None) -> list[str]:
    """``Link`` values listing every profile in every media type, by query parameters, but the
    one ``served`` (its profile and media type)."""
    return [f'<{url}>; rel="alternate"; type="{media}"; profile="{p.iri}"'
            for p, media, url in alternate_urls(path, media_types) if (p, media) != served]


def with_profile(response, profile: Profile, doc_path: str, offered) -> object:
    """Name the profile ``response`` serves, list the others (in each of the media types
    ``offered``) as Link alternates, and vary on Accept-Profile."""
    response.headers["Content-Profile"] = content_profile(profile)
    links = [response.headers["Link"]] if response.headers.get("Link") else []
    others = alternates(doc_path, offered, served=(profile, response.mimetype))
    response.headers["Link"] = ", ".join([*links, *others])
    response.vary.add("Accept-Profile")
    return response
