#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build the demo storefront and
# serve it at http://127.0.0.1:8080/ with live reload (edit demo/storefront.json).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
port="${PORT:-8080}"
printf '\n  Linkshelf demo storefront: http://127.0.0.1:%s/\n\n' "$port"
exec trunk serve --address 127.0.0.1 --port "$port"
