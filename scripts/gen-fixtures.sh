#!/usr/bin/env bash
# Regenerates every fixture under fixtures/ (deterministic: a second run writes byte-identical files).
# Run from anywhere; it works from the repository root. Add further generators (xml, pdf, ...) below.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo run --quiet --example gen_xlsx_fixtures
cargo run --quiet --example gen_xml_fixtures
cargo run --quiet --example gen_pdf_fixtures
cargo run --quiet --example gen_docx_fixtures
cargo run --quiet --example gen_hostile_fixtures
cargo run --quiet --example gen_edited_forms
# Needs LibreOffice's soffice (libreoffice-writer-nogui); deterministic for a given LibreOffice version.
cargo run --quiet --example gen_word_formats
