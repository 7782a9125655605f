#!/usr/bin/env bash
# Replays a fuzz target's seed corpus, then fuzzes it for a bounded time.
# New inputs go to a scratch directory, never into the repository; a crash
# leaves its input in the scratch directory and fails the run (copy it into
# corpus/<name>/ with a one-line note in corpus/README.md once fixed).
#   run_fuzzer.sh <fuzzer> <seed corpus dir> <seconds> <dictionary>
set -euo pipefail
fuzzer=$1 seeds=$2 seconds=$3 dict=$4
scratch=$(mktemp -d "${TMPDIR:-/tmp}/hubbub-fuzz-XXXXXX")
echo "replaying $(find "$seeds" -type f | wc -l) seed inputs"
"$fuzzer" -runs=0 -artifact_prefix="$scratch/" "$seeds"
echo "fuzzing for ${seconds}s (inputs and any crash in $scratch)"
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
  -dict="$dict" -artifact_prefix="$scratch/" -print_final_stats=1 "$scratch" "$seeds"
rm -rf "$scratch"
