#!/usr/bin/env bash
# Trunk hooks. `check`: build the native `linkshelf` command (which also writes the
# components' CSS) and stop the build if the config has any problem, listing every
# one. `bake`: minify the JS glue and CSS (Trunk's minifier can't parse the glue),
# then put the validated storefront, images and calendar files into the site.
# With LINKSHELF_DEMO=1 (scripts/demo.sh) a config with problems does not stop the
# build: the site becomes one page listing them, so the browser shows them too.
set -euo pipefail
cd "$(dirname "$0")/.."
config="${LINKSHELF_CONFIG:-demo/storefront.json}"
case "$1" in
  check)
    cargo build --quiet --features cli --bin linkshelf
    if [ -n "${LINKSHELF_DEMO:-}" ]; then
      # The bake step lists the problems (and puts them in the page): said once.
      target/debug/linkshelf check "$config" 2>/dev/null || true
    else
      target/debug/linkshelf check "$config"
    fi
    ;;
  bake)
    cp target/linkshelf-components.css "$TRUNK_STAGING_DIR/linkshelf-components.css"
    LINKSHELF_CONFIG="$config" node end2end/tools/minify-assets.mjs "$TRUNK_STAGING_DIR"
    # scripts/bench-brand.sh bakes large rosters into copies of this page shell.
    if [ -n "${LINKSHELF_KEEP_SHELL:-}" ]; then cp "$TRUNK_STAGING_DIR/index.html" "$LINKSHELF_KEEP_SHELL"; fi
    target/debug/linkshelf bake "$config" --dist "$TRUNK_STAGING_DIR" ${LINKSHELF_DEMO:+--problems-page}
    ;;
  *) echo "usage: trunk-hook.sh check|bake" >&2; exit 2 ;;
esac
