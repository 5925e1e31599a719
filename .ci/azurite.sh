#!/usr/bin/env bash
# Install Azurite (Microsoft's storage emulator) into a cache folder and print the path of its
# blob-service launcher. tests/azure/conftest.py runs the same install when needed; CI calls
# this first so the npm step is visible and cached:
#   .ci/azurite.sh            -> installs if missing, prints .../node_modules/.bin/azurite-blob
#   AZURITE_BLOB=$(.ci/azurite.sh) pytest tests/azure
# The tests start it themselves on 127.0.0.1 with a free port:
#   azurite-blob --blobHost 127.0.0.1 --blobPort PORT --inMemoryPersistence \
#                --skipApiVersionCheck --loose --silent --disableTelemetry --extentMemoryLimit 512
set -euo pipefail
CACHE="${BATCHTOP_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/batchtop/node}"
BIN="$CACHE/node_modules/.bin/azurite-blob"
if [ ! -x "$BIN" ]; then
  mkdir -p "$CACHE"
  npm install --prefix "$CACHE" --no-audit --no-fund --loglevel=error azurite@3 >&2
fi
echo "$BIN"
