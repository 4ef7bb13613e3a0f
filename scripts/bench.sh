#!/usr/bin/env bash
# The benchmark of design.md's performance targets, in one run on one generated corpus (see BENCHMARKS.md):
#   floor time (parse_floor), `harmonise run --full` time and their ratio, --jobs 1 vs --jobs N speed-up,
#   peak RSS at N and N_LARGE documents and their ratio, an unchanged incremental re-run and its speed-up (also
#   at N_LARGE, where fixed costs weigh less), documents per second per core. Wall times are the median of RUNS runs.
#
#   scripts/bench.sh                      # 10,000 + 100,000 documents (the 100k corpus takes a few minutes)
#   BENCH_LARGE=0 scripts/bench.sh        # skip the 100,000-document RSS figure
#   N=300 RUNS=1 BENCH_LARGE=0 PROFILE=debug scripts/bench.sh   # CI smoke (.ci/run): completes, all harmonised
#
# Environment: N (10000), N_LARGE (100000), BENCH_LARGE (1), RUNS (3), SEED (1), JOBS (nproc), PROFILE (release;
# debug reuses the test build and its figures mean nothing).
# Corpora live in target/bench-corpus/n<N> (regenerated when missing or made with another seed), outputs in
# target/bench-out/. Exits non-zero when a run fails or not every document is harmonised; targets missed are
# reported, not fatal.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-10000}
N_LARGE=${N_LARGE:-100000}
BENCH_LARGE=${BENCH_LARGE:-1}
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

corpus() { # corpus N -> prints the folder, generating it when needed
  local n=$1 dir=target/bench-corpus/n$1 stamp
  stamp="seed=$SEED n=$n gen=$(stat -c %Y "$GEN")"
  if [ "$(cat "$dir.done" 2>/dev/null)" != "$stamp" ]; then
    "$GEN" --n "$n" --seed "$SEED" --out "$dir" >&2
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
  # were harmonised or skipped as such)
  local rows
  rows=$(grep -c '"path": ' "$1/manifest.json")
  if [ "$rows" != "$2" ]; then
    echo "error: $1/manifest.json has $rows rows for $2 documents" >&2
    exit 1
  fi
  echo "  all $2 documents harmonised: $(tr -d ' \n' <"$1/manifest.json" | grep -o '"counts":{[^}]*}')"
}

rm -f "$WORK"/*.times
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
