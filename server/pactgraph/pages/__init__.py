"""What each page shows, as plain view models read from the published graph: no Flask, no query
pool."""
