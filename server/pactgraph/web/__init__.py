"""The HTTP face: the app factory, negotiation, caching, errors and headers; its middleware and
routes."""
