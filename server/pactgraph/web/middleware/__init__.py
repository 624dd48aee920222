"""WSGI layers in front of Flask: the front cache and the lean SPARQL path."""
