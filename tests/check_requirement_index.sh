#!/usr/bin/env bash
# Every requirement ID a test is tagged with is in tests/README.md's index.
#   usage: check_requirement_index.sh README TEST_BINARY...
set -euo pipefail
readme=$1
shift
status=0
for binary in "$@"; do
  # Catch2 lists each tag with its count: "   3  [dist-01]".
  while read -r tag; do
    id=${tag#[}
    id=${id%]}
    if ! grep -qi -- "^| \`$id\` |" "$readme"; then
      echo "$(basename "$binary"): tag [$id] is not in the requirement index of $readme"
      status=1
    fi
  done < <("$binary" --list-tags | grep -oE '\[([a-zA-Z]{1,5}-[0-9]+[a-z]?|[a-zA-Z]{1,2}[0-9]+[a-z]?)\]')
done
if [ "$status" -eq 0 ]; then
  echo "every requirement tag is in the index"
fi
exit "$status"
