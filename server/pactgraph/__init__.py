"""pactgraph: mutual-defense treaties published as linked data."""

__version__ = "0.1.0"
