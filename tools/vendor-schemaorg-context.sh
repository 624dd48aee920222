#!/usr/bin/env bash
# Copy the schema.org JSON-LD context of one release into tests/fixtures/schemaorg/ (committed), so
# the tests expand the landing page's schema.org Dataset with pyld without the network.
#
#   tools/vendor-schemaorg-context.sh                       # from GitHub, at the pinned commit
#   tools/vendor-schemaorg-context.sh /path/to/schemaorg    # from a local clone, same commit
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMAORG_COMMIT=cc71c8e064859e912aac8b11ec06e6bc53255b6a   # 2026-08-20, main of schemaorg/schemaorg
RELEASE=30.0
FILE=data/releases/$RELEASE/schemaorgcontext.jsonld
TARGET=tests/fixtures/schemaorg
LOCAL=${1:-}

mkdir -p "$TARGET"
if [ -n "$LOCAL" ]; then
  git -C "$LOCAL" show "$SCHEMAORG_COMMIT:$FILE" > "$TARGET/context.jsonld"
else
  curl -fsSL "https://raw.githubusercontent.com/schemaorg/schemaorg/$SCHEMAORG_COMMIT/$FILE" \
    -o "$TARGET/context.jsonld"
fi
cat > "$TARGET/VERSION" <<VERSION
repository: https://github.com/schemaorg/schemaorg
commit: $SCHEMAORG_COMMIT
file: $FILE (schema.org release $RELEASE; served at https://schema.org/ as its JSON-LD context)
licence: the schema.org vocabulary is CC BY-SA 3.0; the schemaorg repository's code Apache-2.0
VERSION
echo "vendored $FILE at $SCHEMAORG_COMMIT into $TARGET"
