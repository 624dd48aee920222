#!/usr/bin/env bash
# Fetch the browser libraries the pages use, once, with npm, and copy their built files into
# server/pactgraph/static/vendor/ (committed). Nothing runs npm at install or test time: a fresh
# clone serves these files as they are. Re-run this script only to upgrade a library, then commit
# the result and look at the pages again (tests/browser/).
#
#   tools/vendor-frontend.sh            # the pinned versions below
#
# Needs node and npm. Writes static/vendor/README.md with each package's name, version, licence
# and the files taken from it.
set -euo pipefail
cd "$(dirname "$0")/.."

# name@version -> files copied (relative to the package folder)
YASGUI="@zazuko/yasgui@4.6.2"
CYTOSCAPE="cytoscape@3.35.0"
# The world map (issue 17): Natural Earth's 1:110m countries as TopoJSON, whose ids are ISO 3166-1
# numeric codes and whose borders are today's; topojson-client to read it; and the ISO 3166-1
# alpha-3 -> numeric table of i18n-iso-countries (codes.json), since the data names states by
# alpha-3 code.
WORLD_ATLAS="world-atlas@2.0.2"
TOPOJSON="topojson-client@3.1.0"
ISO_CODES="i18n-iso-countries@7.14.0"

VENDOR=server/pactgraph/static/vendor
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

(cd "$WORK" && npm init -y >/dev/null && \
  npm install --no-audit --no-fund --ignore-scripts --omit=dev "$YASGUI" "$CYTOSCAPE" \
    "$WORLD_ATLAS" "$TOPOJSON" "$ISO_CODES" >/dev/null)

rm -rf "$VENDOR"
mkdir -p "$VENDOR/yasgui" "$VENDOR/cytoscape" "$VENDOR/world-atlas" "$VENDOR/topojson-client" \
  "$VENDOR/i18n-iso-countries"
cp "$WORK/node_modules/@zazuko/yasgui/build/yasgui.min.js" \
   "$WORK/node_modules/@zazuko/yasgui/build/yasgui.min.css" "$VENDOR/yasgui/"
cp "$WORK/node_modules/cytoscape/dist/cytoscape.min.js" "$WORK/node_modules/cytoscape/LICENSE" \
   "$VENDOR/cytoscape/"
cp "$WORK/node_modules/world-atlas/countries-110m.json" "$WORK/node_modules/world-atlas/LICENSE" \
   "$VENDOR/world-atlas/"
cp "$WORK/node_modules/topojson-client/dist/topojson-client.min.js" \
   "$WORK/node_modules/topojson-client/LICENSE" "$VENDOR/topojson-client/"
cp "$WORK/node_modules/i18n-iso-countries/codes.json" "$WORK/node_modules/i18n-iso-countries/LICENSE" \
   "$VENDOR/i18n-iso-countries/"

field() {  # field PACKAGE-DIR KEY: a top-level string field of package.json
  node -e "const p=require('$1/package.json'); console.log(p['$2'] || '')"
}

{
  echo "# Vendored browser libraries"
  echo
  echo "Fetched by \`tools/vendor-frontend.sh\` from the npm registry; served from this folder so the"
  echo "pages make no request to any other host. Do not edit these files: re-run the script."
  echo
  echo "| package | version | licence | files | homepage |"
  echo "|---|---|---|---|---|"
  for spec in "@zazuko/yasgui:yasgui" "cytoscape:cytoscape" "world-atlas:world-atlas" \
              "topojson-client:topojson-client" "i18n-iso-countries:i18n-iso-countries"; do
    name=${spec%%:*}; folder=${spec##*:}
    dir="$WORK/node_modules/$name"
    files=$(cd "$VENDOR/$folder" && ls | tr '\n' ' ')
    echo "| $name | $(field "$dir" version) | $(field "$dir" license) | ${files% } | $(field "$dir" homepage) |"
  done
  echo
  echo "@zazuko/yasgui's bundle includes its dependencies (CodeMirror 5, DOMPurify, Choices.js,"
  echo "SortableJS, autocomplete.js, lodash-es and others, each under a permissive licence; see the"
  echo "package's dependency list on the npm registry). The npm package ships no LICENSE file; its"
  echo "package.json declares MIT (authors: Triply, Zazuko GmbH)."
  echo
  echo "world-atlas packages Natural Earth's 1:110m Admin 0 countries (public domain) as TopoJSON;"
  echo "its ids are ISO 3166-1 numeric codes and its borders are today's, so states that no longer"
  echo "exist (the Soviet Union) are listed beside the map, not drawn."
  echo
  echo "Sizes (bytes):"
  echo
  echo '```'
  (cd "$VENDOR" && find . -type f ! -name README.md | sort | xargs wc -c)
  echo '```'
} > "$VENDOR/README.md"
echo "vendored into $VENDOR"
