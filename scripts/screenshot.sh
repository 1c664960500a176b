#!/usr/bin/env bash
# Renders the report page of the embedded sample (six accounts, health on) with
# headless Chromium and writes docs/portfolio.png (1280 px wide) and, with
# `--phone`, docs/portfolio-phone.png (390 px wide) too.
#
#   scripts/screenshot.sh [--phone]
#
# Needs `chromium` (Debian: apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo run -q --example sample_data -- --out-dir "$work" --accounts 6 --health 2>/dev/null
cargo run -q --example batch -- --config "$work/config.json" --events "$work/events.ndjson" \
    --as-of 2026-10-31 --format html --out "$work/portfolio.html" 2>/dev/null
shoot() { # width height output
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --proxy-server=127.0.0.1:9 --proxy-bypass-list='<-loopback>' \
        --window-size="$1,$2" --screenshot="$3" "file://$work/portfolio.html" 2>/dev/null
}
mkdir -p docs
shoot 1280 2200 docs/portfolio.png
if [ "${1:-}" = "--phone" ]; then
    shoot 390 4200 docs/portfolio-phone.png
fi
echo "wrote docs/portfolio.png${1:+ and docs/portfolio-phone.png}"
