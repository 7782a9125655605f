#!/usr/bin/env bash
# Sets up a Debian 12 machine for Hubbub and builds it, then runs the hub or
# the tests. Installs only the Debian packages that are missing.
#
#   bash contrib/dev.sh run [hubbub flags...]   install, build, start the hub
#   bash contrib/dev.sh test                    install, build, run every test
#   bash contrib/dev.sh bench [flags...]        install, build, run the benchmark
#   bash contrib/dev.sh crash [flags...]        install, build, run the crash rounds
#                                               (default 200 rounds; see tests/crash)
#   bash contrib/dev.sh soak [flags...]         install, build, run the 10-minute soak
#   bash contrib/dev.sh build                   install and build only
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake pkg-config
  libpistache-dev libcurl4-openssl-dev libsqlite3-dev libspdlog-dev libssl-dev
  nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libsystemd-dev catch2
  openssl  # tests: a TLS callback server
  systemd  # tests: systemd-analyze verify
)
TEST_PACKAGES=(
  chromium  # tests: the dashboard in headless Chromium (tests/browser)
  clang-16 libclang-rt-16-dev  # tests: libFuzzer targets (tests/fuzz)
)

install_missing() {
  local missing=() p
  for p in "${PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    return
  fi
  echo "dev.sh: installing ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo=sudo
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Node.js and npm for the browser test: the machine's own when it has them
# (playwright-core wants Node 18 or newer), else Debian's.
install_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    install_missing nodejs npm
  fi
  if [ ! -f tests/browser/node_modules/playwright-core/package.json ]; then
    echo "dev.sh: installing playwright-core (tests/browser/package-lock.json)"
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

build() {
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
  cmake --build build -j"$(nproc)"
}

# Sanitizer and fuzz builds: -O1 with line tables only, which compiles much
# faster than RelWithDebInfo and still gives reports with file and line.
CHECK_BUILD=(-DCMAKE_BUILD_TYPE=Check "-DCMAKE_CXX_FLAGS=-O1 -g1")

# The suites of `test`, each in a build directory of its own. They all run;
# the exit code is non-zero when any failed.
FAILED=()
suite() {
  local name=$1
  shift
  echo "=== $name"
  local start=$SECONDS
  if "$@"; then
    echo "=== $name: passed ($((SECONDS - start)) s)"
  else
    echo "=== $name: FAILED ($((SECONDS - start)) s)"
    FAILED+=("$name")
  fi
}

default_suite() {
  (cd build && ctest --output-on-failure --timeout 300 -j"$(nproc)")
}

# Every test again with AddressSanitizer and UndefinedBehaviorSanitizer, the
# hubs they start included (a report in a hub's log fails the test).
asan_suite() {
  cmake -S . -B build-asan "${CHECK_BUILD[@]}" -DHUBBUB_SANITIZE=address,undefined >/dev/null &&
    cmake --build build-asan -j"$(nproc)" --target hubbub unit_tests integration_tests hubbub_crash &&
    (cd build-asan && ctest --output-on-failure --timeout 300 -j"$(nproc)" -E '^package-deb$')
}

# The concurrent parts with ThreadSanitizer: the unit tests of the store
# (group commit), the HTTP client and the verifier, and the integration tests
# that drive the job loops, verifier, fetcher and distributor in a real hub
# (a report in a hub's log fails the test).
tsan_suite() {
  cmake -S . -B build-tsan "${CHECK_BUILD[@]}" -DHUBBUB_SANITIZE=thread >/dev/null &&
    cmake --build build-tsan -j"$(nproc)" --target hubbub unit_tests integration_tests || return 1
  # Three runs side by side: the integration tests spend most of their time
  # waiting on the hubs they start.
  local options="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp"
  TSAN_OPTIONS="$options" build-tsan/tests/unit_tests "[store],[net],[verifier],[distributor],[connections]" &
  local unit=$!
  TSAN_OPTIONS="$options" build-tsan/tests/integration_tests "[verify],[restart],[health],[connections]" &
  local first=$!
  TSAN_OPTIONS="$options" build-tsan/tests/integration_tests "[distribute],[admin],[rate_limit]" &
  local second=$!
  local status=0
  wait "$unit" || status=1
  wait "$first" || status=1
  wait "$second" || status=1
  return "$status"
}

# libFuzzer targets with clang-16: each replays its corpus, then fuzzes for
# HUBBUB_FUZZ_SECONDS (default 10).
fuzz_suite() {
  CXX=clang++-16 cmake -S . -B build-fuzz "${CHECK_BUILD[@]}" -DHUBBUB_FUZZ=ON \
    -DHUBBUB_FUZZ_SECONDS="${HUBBUB_FUZZ_SECONDS:-10}" >/dev/null &&
    cmake --build build-fuzz -j"$(nproc)" &&
    (cd build-fuzz && ctest --output-on-failure -j"$(nproc)")
}

case "${1:-}" in
  run)
    shift
    install_missing
    build
    exec build/hubbub "$@"
    ;;
  test)
    install_missing "${TEST_PACKAGES[@]}"
    install_node
    build
    suite "tests" default_suite
    suite "tests under ASan+UBSan" asan_suite
    suite "concurrent parts under TSan" tsan_suite
    suite "fuzz targets" fuzz_suite
    if ((${#FAILED[@]} > 0)); then
      echo "dev.sh test: FAILED: ${FAILED[*]}"
      exit 1
    fi
    echo "dev.sh test: every suite passed"
    ;;
  bench)
    shift
    install_missing
    build
    exec build/tests/hubbub_bench "$@"
    ;;
  crash)
    shift
    install_missing
    build
    exec build/tests/hubbub_crash --rounds 200 "$@"
    ;;
  soak)
    shift
    install_missing
    build
    exec build/tests/hubbub_soak "$@"
    ;;
  build)
    install_missing
    build
    ;;
  *)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
