"""Reading and checking the RDF: load the files, validate them with pySHACL, label blank nodes
stably, synthesise data at scale."""
