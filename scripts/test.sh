#!/usr/bin/env bash
# The README's test command on a fresh machine: a clone alone, without ../shared, Chromium or LibreOffice beside it.
# Installs what the tests need when it can (apt for Chromium and LibreOffice, pip for DuckDB and frictionless),
# fetches the real-world corpus into ../shared/corpus/real from the public repositories and commits its MANIFEST.md
# records (scripts/real-corpus.tsv), checking each file's SHA-256, says what it did, then runs `cargo test --locked`
# with any arguments given (e.g. `scripts/test.sh tables::`). What it cannot install it names, with the command that
# would; the tests that need it then fail saying the same (none is skipped). CI (.ci/run) keeps using ../shared.
set -euo pipefail
cd "$(dirname "$0")/.."

said() { printf 'test.sh: %s\n' "$*" >&2; }

# Root, or sudo without a password, can install packages; anyone else is told the command.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo "$@"
  else return 1
  fi
}

apt_updated=0
apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    said "no apt-get here: install $* yourself"
    return 1
  fi
  if [ "$apt_updated" = 0 ]; then
    as_root apt-get update -qq || { said "cannot run apt-get (not root, no sudo): sudo apt-get install $*"; return 1; }
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# Chromium renders report.html in the report tests (they run /usr/bin/chromium).
if [ -x /usr/bin/chromium ]; then
  said "chromium: found"
elif apt_install chromium fonts-dejavu-core; then
  said "chromium: installed with apt"
else
  said "chromium: MISSING (sudo apt-get install chromium fonts-dejavu-core); the report.html tests will fail"
fi

# LibreOffice converts the doc, rtf and odt fixtures in the conversion tests.
if command -v soffice >/dev/null 2>&1 || [ -n "${HARMONISE_SOFFICE:-}" ]; then
  said "soffice: found"
elif apt_install libreoffice-writer-nogui; then
  said "soffice: installed with apt"
else
  said "soffice: MISSING (sudo apt-get install libreoffice-writer-nogui); the conversion tests will fail"
fi

# DuckDB and frictionless read the CSVs back in the tables tests.
if python3 -c 'import duckdb, frictionless' >/dev/null 2>&1; then
  said "duckdb, frictionless: found"
elif python3 -m pip install --quiet --break-system-packages duckdb frictionless \
  || python3 -m pip install --quiet --user duckdb frictionless; then
  said "duckdb, frictionless: installed with pip"
else
  said "duckdb, frictionless: MISSING (python3 -m pip install --break-system-packages duckdb frictionless)"
fi

# The real-world corpus: every file of scripts/real-corpus.tsv, fetched from its repository at its commit unless
# already there with the right SHA-256.
corpus=../shared/corpus/real
fetch_corpus() {
  local fetched=0 kept=0 failed=0 file repo commit path sha got tmp
  mkdir -p "$corpus"
  cp scripts/real-corpus-expect.tsv "$corpus/expect.tsv.new"
  while IFS=$'\t' read -r file repo commit path sha; do
    case "$file" in '#'*|'') continue ;; esac
    if [ -f "$corpus/$file" ] && [ "$(sha256sum "$corpus/$file" | cut -d' ' -f1)" = "$sha" ]; then
      kept=$((kept + 1))
      continue
    fi
    mkdir -p "$(dirname "$corpus/$file")"
    tmp="$corpus/$file.part"
    if curl -fsSL --retry 2 -o "$tmp" "https://github.com/$repo/raw/$commit/$path"; then
      got=$(sha256sum "$tmp" | cut -d' ' -f1)
      if [ "$got" = "$sha" ]; then
        mv "$tmp" "$corpus/$file"
        fetched=$((fetched + 1))
        continue
      fi
      said "corpus: $file from $repo@$commit has SHA-256 $got, not $sha: not kept"
    else
      said "corpus: cannot fetch $file from https://github.com/$repo/raw/$commit/$path"
    fi
    rm -f "$tmp"
    failed=$((failed + 1))
  done < scripts/real-corpus.tsv
  if [ "$failed" = 0 ]; then
    # expect.tsv last: the tests take the corpus as present only once it is whole.
    mv "$corpus/expect.tsv.new" "$corpus/expect.tsv"
    said "corpus: $fetched fetched, $kept already there, every SHA-256 checked ($corpus)"
  else
    rm -f "$corpus/expect.tsv.new"
    said "corpus: $failed file(s) missing; the real-corpus tests will fail until they are in $corpus"
  fi
}
if [ -f "$corpus/expect.tsv" ]; then
  said "corpus: found ($corpus)"
elif command -v curl >/dev/null 2>&1; then
  fetch_corpus
else
  said "corpus: MISSING and no curl to fetch it (sudo apt-get install curl, then run this again)"
fi

cargo test --locked "$@"
