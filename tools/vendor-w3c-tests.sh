#!/usr/bin/env bash
# Copy the W3C SPARQL 1.1 test files pactgraph's tests run into tests/fixtures/w3c/ (committed), at
# one pinned commit of w3c/rdf-tests. Nothing fetches them at test time: the tests read this folder.
# Re-run only to move to another commit (change RDF_TESTS_COMMIT), then run tests/test_w3c_*.py.
#
#   tools/vendor-w3c-tests.sh                    # from GitHub, at the pinned commit
#   tools/vendor-w3c-tests.sh /path/to/rdf-tests # from a local clone (its git objects), same commit
#
# Writes tests/fixtures/w3c/VERSION (repository, commit, the files taken) and README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

RDF_TESTS_COMMIT=ad541a5f0479f0798608c4801369d97b8e08b36f   # 2026-08-07, main of w3c/rdf-tests
REPOSITORY=https://github.com/w3c/rdf-tests
# The suites taken: the Protocol tests, and the query evaluation tests of the result formats.
FILES=(
  sparql/sparql11/protocol/manifest.ttl
  sparql/sparql11/protocol/data1.nt
  sparql/sparql11/protocol/data2.nt
  sparql/sparql11/protocol/data3.nt
  sparql/sparql11/json-res/manifest.ttl
  sparql/sparql11/json-res/data.ttl
  sparql/sparql11/json-res/jsonres01.rq sparql/sparql11/json-res/jsonres01.srj
  sparql/sparql11/json-res/jsonres02.rq sparql/sparql11/json-res/jsonres02.srj
  sparql/sparql11/json-res/jsonres03.rq sparql/sparql11/json-res/jsonres03.srj
  sparql/sparql11/json-res/jsonres04.rq sparql/sparql11/json-res/jsonres04.srj
  sparql/sparql11/csv-tsv-res/manifest.ttl
  sparql/sparql11/csv-tsv-res/data.ttl sparql/sparql11/csv-tsv-res/data2.ttl
  sparql/sparql11/csv-tsv-res/csvtsv01.rq sparql/sparql11/csv-tsv-res/csvtsv02.rq
  sparql/sparql11/csv-tsv-res/csvtsv01.csv sparql/sparql11/csv-tsv-res/csvtsv01.tsv
  sparql/sparql11/csv-tsv-res/csvtsv02.csv sparql/sparql11/csv-tsv-res/csvtsv02.tsv
  sparql/sparql11/csv-tsv-res/csvtsv03.csv sparql/sparql11/csv-tsv-res/csvtsv03.tsv
  LICENSE.md
)
TARGET=tests/fixtures/w3c
LOCAL=${1:-}

rm -rf "$TARGET"
for file in "${FILES[@]}"; do
  destination="$TARGET/${file#sparql/sparql11/}"
  mkdir -p "$(dirname "$destination")"
  if [ -n "$LOCAL" ]; then
    git -C "$LOCAL" show "$RDF_TESTS_COMMIT:$file" > "$destination"
  else
    curl -fsSL "https://raw.githubusercontent.com/w3c/rdf-tests/$RDF_TESTS_COMMIT/$file" \
      -o "$destination"
  fi
done

{
  echo "repository: $REPOSITORY"
  echo "commit: $RDF_TESTS_COMMIT"
  echo "files:"
  for file in "${FILES[@]}"; do echo "  $file"; done
} > "$TARGET/VERSION"

cat > "$TARGET/README.md" <<README
# W3C SPARQL 1.1 tests (vendored)

Copied by \`tools/vendor-w3c-tests.sh\` from $REPOSITORY at commit $RDF_TESTS_COMMIT (see
\`VERSION\`), under the W3C test suite licences (\`LICENSE.md\`). Do not edit: re-run the script.

- \`protocol/\`: the SPARQL 1.1 Protocol tests, run by \`tests/test_w3c_protocol.py\` against
  \`pactgraph serve\`, with \`data1.nt\`, \`data2.nt\` and \`data3.nt\` loaded as the named graphs
  \`http://kasei.us/2009/09/sparql/data/data{1,2,3}.rdf\` that the tests address (never fetched).
- \`json-res/\`, \`csv-tsv-res/\`: query evaluation tests of the JSON, CSV and TSV result formats,
  run by \`tests/test_w3c_result_formats.py\` through the endpoint in all four result formats.
README
echo "vendored ${#FILES[@]} files at $RDF_TESTS_COMMIT into $TARGET"
