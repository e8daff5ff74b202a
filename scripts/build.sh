#!/usr/bin/env bash
# Builds the deployable site into dist/ from a config (default: the demo).
#   LINKSHELF_CONFIG=path/to/storefront.json scripts/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
release_bundle
printf '\n  Built %s into dist/: upload that folder to any static host.\n' "${LINKSHELF_CONFIG:-demo/storefront.json}"
