"""The blueprints, one per concern: SPARQL, documents, dumps, pictures, OpenAPI, health."""
