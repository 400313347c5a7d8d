#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (a separate clang build, build-fuzz/) and runs each
# for a bounded time on a COPY of its committed corpus, so the repository never grows during
# tests. Exits non-zero, naming the saved crash input, when any target crashes, leaks, times out
# or breaks an invariant.
#
#   scripts/fuzz.sh [--merge] [TARGET...]     (default: every target)
#
# Environment:
#   FUZZ_SECONDS   total fuzzing time for all selected targets together (default 80: with
#                  start-up, `make test` spends under 2 minutes here); split evenly
#   FUZZ_BUILD     the clang build directory (default build-fuzz)
#   FUZZ_JOBS      build parallelism (default 2)
#   FUZZ_ARGS      extra libFuzzer flags, e.g. "-max_len=4096"
#   FUZZ_SEED      libFuzzer's random seed (default 1, so that `make test` explores the same way on
#                  every machine and a failure there can be reproduced; 0: a fresh random seed,
#                  what `make fuzz` uses to find new inputs)
#
# --merge: after fuzzing, merge the inputs that add coverage into tests/fuzz/corpus/<target>/ (a
# deliberate step for `make fuzz` runs; review and commit them).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

merge=0
targets=()
for a in "$@"; do
  case $a in
    --merge) merge=1 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) targets+=("$a") ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cd tests/fuzz/corpus && ls)

build=${FUZZ_BUILD:-build-fuzz}
total=${FUZZ_SECONDS:-80}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root} CCACHE_NOHASHDIR=1

if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DKEFU_FUZZ=ON \
    >/dev/null || exit 1
fi
names=()
for t in "${targets[@]}"; do names+=("fuzz_$t"); done
cmake --build "$build" -j "${FUZZ_JOBS:-2}" --target "${names[@]}" || exit 1

per=$((total / ${#targets[@]}))
[ "$per" -ge 1 ] || per=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
for t in "${targets[@]}"; do
  bin=$build/fuzz_$t
  corpus=$work/corpus/$t
  artifacts=$root/$build/artifacts/$t
  mkdir -p "$corpus" "$artifacts"
  cp tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null
  flags=(-max_total_time="$per" -seed="${FUZZ_SEED:-1}" -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1
         -artifact_prefix="$artifacts/")
  [ -f tests/fuzz/dict/"$t".dict ] && flags+=(-dict=tests/fuzz/dict/"$t".dict)
  # shellcheck disable=SC2206
  flags+=(${FUZZ_ARGS:-})
  log=$work/$t.log
  start=$(date +%s)
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
      "$bin" "${flags[@]}" "$corpus" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz $t: ok, ${runs:-?} runs in $(( $(date +%s) - start )) s, corpus $(ls tests/fuzz/corpus/"$t" | wc -l) → $(ls "$corpus" | wc -l)"
  else
    failed+=("$t")
    grep -E "ERROR: |runtime error|fuzz invariant|SUMMARY" "$log" | head -5
    crash=$(sed -n 's/.*Test unit written to //p' "$log" | tail -1)
    echo "fuzz $t: FAILED; crash input: ${crash:-?}   (log: $artifacts/last.log; rerun: $bin ${crash:-CRASH})"
    cp "$log" "$artifacts/last.log"
    continue
  fi
  if [ "$merge" -eq 1 ]; then
    before=$(ls tests/fuzz/corpus/"$t" | wc -l)
    "$bin" -merge=1 -max_len=8192 tests/fuzz/corpus/"$t" "$corpus" >"$work/$t.merge.log" 2>&1 || failed+=("$t (merge)")
    echo "fuzz $t: merged, corpus $before → $(ls tests/fuzz/corpus/"$t" | wc -l) files"
  fi
done

[ ${#failed[@]} -eq 0 ] || { echo "fuzz: failed: ${failed[*]}"; exit 1; }
