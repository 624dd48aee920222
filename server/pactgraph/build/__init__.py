"""The publication, built once from validated files and never changed: the prebuilt store, dumps,
the JSON-LD context, the example questions. Imports no Flask."""
