#!/usr/bin/env bash
# The benchmark of design.md's performance targets, in one run on one generated corpus (see BENCHMARKS.md):
#   floor time (parse_floor), `harmonise run --full` time and their ratio, --jobs 1 vs --jobs N speed-up,
#   peak RSS at N and N_LARGE documents and their ratio, an unchanged incremental re-run and its speed-up (also
#   at N_LARGE, where fixed costs weigh less), documents per second per core. Wall times are the median of RUNS runs.
#
#   scripts/bench.sh                      # 10,000 + 100,000 documents (the 100k corpus takes a few minutes)
#   BENCH_LARGE=0 scripts/bench.sh        # skip the 100,000-document RSS figure
#   N=300 N_REAL=300 RUNS=1 BENCH_LARGE=0 PROFILE=debug BENCH_PYTHON=0 scripts/bench.sh   # CI smoke (.ci/run)
#
# Then the same on forms the team did not design: a corpus of N_REAL documents of which ~40% are copies of the
# real-layout Word forms (`gen_bench_corpus --real-layout`, with its own mappings folder): harmonise / floor overall
# and per format (hard-linked subsets of one format each), 1 vs JOBS threads, the fixed cost of a run (an empty
# input folder: loading the mappings and their reference forms), and harmonise against the Python pipeline an
# analyst would write (scripts/python_pipeline.py: openpyxl, pypdf, lxml, python-docx in a venv installed from PyPI
# under target/bench-venv; 2 processes), all in the same run.
#
# Environment: N (10000), N_LARGE (100000), BENCH_LARGE (1), N_REAL (2000; 0 skips the real-layout part), RUNS (3),
# SEED (1), JOBS (nproc), BENCH_PYTHON (1; 0 skips the Python pipeline), PY_JOBS (2), PROFILE (release; debug
# reuses the test build and its figures mean nothing).
# Corpora live in target/bench-corpus/n<N> (regenerated when missing or made with another seed), outputs in
# target/bench-out/. Exits non-zero when a run fails or not every document is harmonised; targets missed are
# reported, not fatal.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-10000}
N_LARGE=${N_LARGE:-100000}
BENCH_LARGE=${BENCH_LARGE:-1}
N_REAL=${N_REAL:-2000}
BENCH_PYTHON=${BENCH_PYTHON:-1}
PY_JOBS=${PY_JOBS:-2}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
JOBS=${JOBS:-$(nproc)}
PROFILE=${PROFILE:-release}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "error: $TIME is missing (apt-get install time)" >&2; exit 2; }

if [ "$PROFILE" = release ]; then
  cargo build --quiet --release --bin harmonise --example gen_bench_corpus --example parse_floor
else
  cargo build --quiet --bin harmonise --example gen_bench_corpus --example parse_floor
fi
BIN=target/$PROFILE/harmonise
FLOOR=target/$PROFILE/examples/parse_floor
GEN=target/$PROFILE/examples/gen_bench_corpus
WORK=target/bench-out
mkdir -p "$WORK" target/bench-corpus

corpus() { # corpus N [real] -> prints the folder, generating it when needed (real: with real-layout forms, and
  # their mappings in DIR.mappings/mappings)
  local n=$1 kind=${2:-} dir stamp
  dir=target/bench-corpus/${kind:+$kind-}n$1
  stamp="seed=$SEED n=$n gen=$(stat -c %Y "$GEN") $(git rev-parse HEAD:fixtures/real-layout 2>/dev/null || true)"
  if [ "$(cat "$dir.done" 2>/dev/null)" != "$stamp" ]; then
    "$GEN" --n "$n" --seed "$SEED" --out "$dir" ${kind:+--real-layout} >&2
    echo "$stamp" >"$dir.done"
  fi
  echo "$dir"
}

# timed LABEL CMD... : runs CMD once; appends "seconds max_rss_kib" to $WORK/LABEL.times. Wall time from bash's
# microsecond clock ($EPOCHREALTIME): /usr/bin/time's %e has 10 ms steps, too coarse for an incremental run.
timed() {
  local label=$1 start end; shift
  start=$EPOCHREALTIME
  "$TIME" -f '%M' -o "$WORK/$label.one" "$@" >/dev/null
  end=$EPOCHREALTIME
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }') $(cat "$WORK/$label.one")" \
    >>"$WORK/$label.times"
}
median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else print a[int((NR + 1) / 2)]}'; }
med_secs() { cut -d' ' -f1 "$WORK/$1.times" | median; }
med_rss() { cut -d' ' -f2 "$WORK/$1.times" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }'; }

check_all_harmonised() { # check_all_harmonised OUT N: one manifest row per document (the run exited 0, so all
  # were harmonised or skipped as such: none failed or unrecognised)
  local rows
  rows=$(grep -c '"path": ' "$1/manifest.json")
  if [ "$rows" != "$2" ]; then
    echo "error: $1/manifest.json has $rows rows for $2 documents" >&2
    exit 1
  fi
  echo "  all $2 documents harmonised: $(tr -d ' \n' <"$1/manifest.json" | grep -o '"counts":{[^}]*}')"
}

rm -f "$WORK"/*.times
# Outputs of an earlier call (another N) would trip the drop guard: every call starts from empty output folders.
rm -rf "$WORK"/out "$WORK"/out1 "$WORK"/out-large "$WORK"/rout*
DIR=$(corpus "$N")
echo "corpus: $DIR ($N documents, $(du -sm "$DIR" | cut -f1) MiB, seed $SEED); $JOBS threads; median of $RUNS"
for _ in $(seq "$RUNS"); do
  timed floor "$FLOOR" "$DIR" --jobs "$JOBS"
  timed run "$BIN" run --input "$DIR" --mappings mappings --out "$WORK/out" --jobs "$JOBS" --full --quiet
  check_all_harmonised "$WORK/out" "$N" >"$WORK/full.check"
  timed incr "$BIN" run --input "$DIR" --mappings mappings --out "$WORK/out" --jobs "$JOBS" --quiet
  if [ "$JOBS" -gt 1 ]; then
    timed run1 "$BIN" run --input "$DIR" --mappings mappings --out "$WORK/out1" --jobs 1 --full --quiet
  fi
done
cat "$WORK/full.check"

floor=$(med_secs floor); run=$(med_secs run); incr=$(med_secs incr)
rss=$(med_rss run)
echo "floor (parse_floor, $JOBS threads):      ${floor} s"
echo "harmonise run --full ($JOBS threads):    ${run} s"
echo "ratio run/floor:                       $(ratio "$run" "$floor")   (target <= 1.3)"
if [ "$JOBS" -gt 1 ]; then
  run1=$(med_secs run1)
  echo "harmonise run --full --jobs 1:         ${run1} s"
  echo "speed-up $JOBS threads over 1:           $(ratio "$run1" "$run")x  (target >= 1.8)"
fi
echo "unchanged incremental re-run:          ${incr} s"
echo "incremental speed-up:                  $(ratio "$run" "$incr")x  (target >= 20)"
echo "documents/s/core:                      $(awk -v n="$N" -v t="$run" -v j="$JOBS" 'BEGIN { if (t > 0) printf "%.0f", n / t / j; else print "inf" }')"
echo "peak RSS at $N documents:             $((rss / 1024)) MiB"

if [ "$BENCH_LARGE" = 1 ]; then
  LARGE=$(corpus "$N_LARGE")
  timed large "$BIN" run --input "$LARGE" --mappings mappings --out "$WORK/out-large" --jobs "$JOBS" --full --quiet
  check_all_harmonised "$WORK/out-large" "$N_LARGE"
  timed large_incr "$BIN" run --input "$LARGE" --mappings mappings --out "$WORK/out-large" --jobs "$JOBS" --quiet
  large_rss=$(med_rss large)
  echo "harmonise run --full at $N_LARGE:      $(med_secs large) s"
  echo "unchanged re-run at $N_LARGE:          $(med_secs large_incr) s ($(ratio "$(med_secs large)" "$(med_secs large_incr)")x; once, not a median)"
  echo "peak RSS at $N_LARGE documents:            $((large_rss / 1024)) MiB"
  echo "RSS ratio $N_LARGE/$N:                 $(ratio "$large_rss" "$rss")   (target <= 1.5)"
else
  echo "peak RSS at $N_LARGE documents:            skipped (BENCH_LARGE=0)"
fi

[ "$N_REAL" -gt 0 ] || { echo "real-layout corpus: skipped (N_REAL=0)"; exit 0; }

# --- Forms the team did not design: the real-layout corpus ---------------------------------------------------------
REAL=$(corpus "$N_REAL" real)
RMAP=$REAL.mappings/mappings
echo
echo "real-layout corpus: $REAL ($N_REAL documents, $(du -sm "$REAL" | cut -f1) MiB: $(find "$REAL" -type f | sed 's/.*\.//' | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep=", "}')); mappings $RMAP"
# One folder per format, hard links of the corpus's files, for the per-format figures.
BYFMT=$REAL.by-format
if [ "$(cat "$BYFMT.done" 2>/dev/null)" != "$(cat "$REAL.done")" ]; then
  rm -rf "$BYFMT"
  (cd "$REAL" && find . -type f) | while read -r f; do
    ext=${f##*.}
    mkdir -p "$BYFMT/$ext/$(dirname "$f")"
    ln "$REAL/$f" "$BYFMT/$ext/$f"
  done
  cp "$REAL.done" "$BYFMT.done"
fi
FORMATS=$(ls "$BYFMT")
EMPTY=$WORK/empty-input
mkdir -p "$EMPTY"
PY=target/bench-venv/bin/python
if [ "$BENCH_PYTHON" = 1 ]; then
  if ! "$PY" -c 'import openpyxl, pypdf, lxml, docx' 2>/dev/null; then
    echo "installing the Python pipeline's packages from PyPI into target/bench-venv" >&2
    python3 -m venv target/bench-venv
    "$PY" -m pip install --quiet --disable-pip-version-check \
      'openpyxl==3.1.5' 'pypdf==7.1.1' 'lxml==6.1.3' 'python-docx==1.2.0'
  fi
fi
for _ in $(seq "$RUNS"); do
  timed rfloor "$FLOOR" "$REAL" --jobs "$JOBS"
  timed rrun "$BIN" run --input "$REAL" --mappings "$RMAP" --out "$WORK/rout" --jobs "$JOBS" --full --quiet
  check_all_harmonised "$WORK/rout" "$N_REAL" >"$WORK/real.check"
  if [ "$JOBS" -gt 1 ]; then
    timed rrun1 "$BIN" run --input "$REAL" --mappings "$RMAP" --out "$WORK/rout1" --jobs 1 --full --quiet
  fi
  timed rfixed "$BIN" run --input "$EMPTY" --mappings "$RMAP" --out "$WORK/rout-empty" --jobs "$JOBS" --full --quiet
  for f in $FORMATS; do
    timed "rfloor_$f" "$FLOOR" "$BYFMT/$f" --jobs "$JOBS"
    timed "rrun_$f" "$BIN" run --input "$BYFMT/$f" --mappings "$RMAP" --out "$WORK/rout-$f" --jobs "$JOBS" --full --quiet
  done
  if [ "$BENCH_PYTHON" = 1 ]; then
    timed rpy "$PY" scripts/python_pipeline.py "$REAL" "$RMAP" "$WORK/python.csv" --jobs "$PY_JOBS"
  fi
done
cat "$WORK/real.check"

rfloor=$(med_secs rfloor); rrun=$(med_secs rrun); rfixed=$(med_secs rfixed)
less() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
printf '%-8s %10s %12s %14s %12s %s\n' format documents "floor (s)" "harmonise (s)" ratio "ratio less the fixed cost"
for f in $FORMATS; do
  fl=$(med_secs "rfloor_$f"); hr=$(med_secs "rrun_$f")
  printf '%-8s %10s %12s %14s %12s %s\n' "$f" "$(find "$BYFMT/$f" -type f | wc -l)" "$fl" "$hr" \
    "$(ratio "$hr" "$fl")" "$(ratio "$(less "$hr" "$rfixed")" "$fl")"
done
printf '%-8s %10s %12s %14s %12s %s\n' all "$N_REAL" "$rfloor" "$rrun" "$(ratio "$rrun" "$rfloor")" \
  "$(ratio "$(less "$rrun" "$rfixed")" "$rfloor")"
echo "(target: harmonise / floor <= 1.3 per format and overall; fixed cost of a run, an empty input folder: ${rfixed} s)"
if [ "$JOBS" -gt 1 ]; then
  echo "harmonise run --full --jobs 1:         $(med_secs rrun1) s"
  echo "speed-up $JOBS threads over 1:           $(ratio "$(med_secs rrun1)" "$rrun")x  (target >= 1.8)"
fi
if [ "$BENCH_PYTHON" = 1 ]; then
  rpy=$(med_secs rpy)
  echo "Python pipeline ($PY_JOBS processes):      ${rpy} s ($(tail -n +2 "$WORK/python.csv" | wc -l) CSV rows)"
  echo "harmonise vs Python:                   $(ratio "$rpy" "$rrun")x faster  (target >= 35)"
else
  echo "Python pipeline: skipped (BENCH_PYTHON=0)"
fi
