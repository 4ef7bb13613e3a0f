#!/usr/bin/env bash
# Regenerates every generated fixture (deterministic: re-running changes nothing). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet --example gen_xml_fixtures
