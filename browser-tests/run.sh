#!/usr/bin/env bash
# Starts sprachpool with the demo data on a temporary SQLite database and runs the axe-core
# checks of every page against it in headless Chromium.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sprachpool/target}"

[ -d node_modules/axe-core ] && [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
cargo build --quiet --bin sprachpool --manifest-path ../Cargo.toml

scratch="$(mktemp -d)"
port="${PORT:-18080}"
SPRACHPOOL_DATABASE_URL="sqlite://$scratch/browser.db?mode=rwc" SPRACHPOOL_BIND="127.0.0.1:$port" \
  "$CARGO_TARGET_DIR/debug/sprachpool" serve --demo >"$scratch/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$scratch"' EXIT
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$scratch/server.log"; exit 1; }
BASE_URL="http://127.0.0.1:$port" node axe.mjs
