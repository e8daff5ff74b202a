#!/usr/bin/env bash
# Installs what building and testing Linkshelf needs, and skips what is already there.
# Sourced by scripts/demo.sh and scripts/test.sh; `--with-browser` also installs
# Chromium (Debian's package, when run as root) for the end-to-end tests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
# Waits (up to 10 s) until a local server answers at URL.
wait_for_url() {
  node -e 'const go = (n) => fetch(process.argv[1]).then(() => process.exit(0), () => n ? setTimeout(go, 100, n - 1) : process.exit(1)); go(100)' "$1"
}
export PATH="$HOME/.cargo/bin:$root/end2end/node_modules/.bin:$PATH"

# The deployable bundle: `trunk build --release`, with the standard library rebuilt
# for the browser so that a panic is a single trap instead of formatting and unwinding
# code (about 11 KB brotli off the first load; Leptos's guide to binary size recommends
# it). It needs the pinned nightly's rust-src (installed below); the first build of std
# takes about a minute, later ones reuse it. Only this build: native builds, tests and
# `trunk serve` keep ordinary panics with messages.
# Its files are linked under the path the config's `site.url` names (`/shop/` for a
# site at https://name.github.io/shop/), as Trunk's `--public-url`.
release_bundle() {
  local base
  cargo build --quiet --features cli --bin linkshelf
  local config="${LINKSHELF_CONFIG:-$root/demo/storefront.json}"
  if ! base="$("$root/target/debug/linkshelf" base-path "$config" 2>/dev/null)"; then
    # A config with problems: the live demo (LINKSHELF_DEMO) builds on to show them.
    [ -n "${LINKSHELF_DEMO:-}" ] || { "$root/target/debug/linkshelf" base-path "$config"; return 1; }
    base=/
  fi
  CARGO_UNSTABLE_BUILD_STD=std,panic_abort \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" \
    trunk build --release --public-url "$base" "$@"
}

# Rust: the dated nightly named in rust-toolchain.toml, with the wasm target, rustfmt
# and clippy. (RUSTUP_AUTO_INSTALL=0 on some machines, so it is installed explicitly.)
toolchain="$(sed -n 's/^channel = "\(.*\)"$/\1/p' "$root/rust-toolchain.toml")"
if ! rustup toolchain list | grep -q "^$toolchain-"; then
  say "Installing the Rust toolchain $toolchain"
  rustup toolchain install "$toolchain" --profile minimal --component rustfmt,clippy,rust-src --target wasm32-unknown-unknown
fi
for component in rustfmt clippy rust-src; do
  if ! rustup component list --installed --toolchain "$toolchain" | grep -q "^$component"; then
    rustup component add "$component" --toolchain "$toolchain"
  fi
done
# The bundle's std is compiled from rust-src (-Zbuild-std, `release_bundle`), and std's
# own dependencies (dlmalloc, compiler_builtins …) must be in Cargo's cache before Trunk
# builds offline: a new machine has none of them (seen 2026-12-03). Quick when present.
(cd "$root" && cargo fetch --quiet --manifest-path "$(rustc --print sysroot)/lib/rustlib/src/rust/library/Cargo.toml")
if ! rustup target list --installed --toolchain "$toolchain" | grep -q '^wasm32-unknown-unknown$'; then
  say "Adding the wasm32 target"
  rustup target add wasm32-unknown-unknown --toolchain "$toolchain"
fi

# Tools built from crates.io, outside the project so they use the default toolchain.
if ! trunk --version 2>/dev/null | grep -q '^trunk 0\.21\.'; then
  say "Installing trunk 0.21 (several minutes, once)"
  (cd /tmp && CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install trunk --version '~0.21' --locked)
fi
wbg="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$root/Cargo.lock")"
if ! grep -q "wasm_bindgen = \"$wbg\"" "$root/Trunk.toml"; then
  echo "Trunk.toml's [tools] wasm_bindgen must be \"$wbg\", the version in Cargo.lock." >&2
  exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wbg" ]; then
  say "Installing wasm-bindgen-cli $wbg (a few minutes, once)"
  (cd /tmp && cargo install wasm-bindgen-cli --version "$wbg" --force)
fi

# Node packages: wasm-opt (binaryen), Playwright and axe-core.
if [ ! -f "$root/end2end/node_modules/.package-lock.json" ] ||
   [ "$root/end2end/package-lock.json" -nt "$root/end2end/node_modules/.package-lock.json" ]; then
  say "Installing Node packages"
  (cd "$root/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

if [ "${1:-}" = "--with-browser" ] && ! have chromium; then
  if [ "$(id -u)" = 0 ] && have apt-get; then
    say "Installing Chromium from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The end-to-end tests need Chromium at /usr/bin/chromium: run 'sudo apt-get install chromium'." >&2
    exit 1
  fi
fi
