#!/usr/bin/env bash
# Sets up a Debian 12 machine for Hubbub and builds it, then runs the hub or
# the tests. Installs only the Debian packages that are missing.
#
#   bash contrib/dev.sh run [hubbub flags...]   install, build, start the hub
#   bash contrib/dev.sh test [suite...]         install, build, run every test suite, or
#                                               the ones named: format default asan tsan fuzz
#   bash contrib/dev.sh bench [flags...]        install, build, run the benchmark (SQLite, and
#                                               PostgreSQL with 1 to 3 nodes, against wrk
#                                               and nginx, installed from Debian)
#   bash contrib/dev.sh crash [flags...]        install, build, run the crash rounds
#                                               (default 200 rounds; see tests/crash)
#   bash contrib/dev.sh soak [flags...]         install, build, run the 10-minute soak
#   bash contrib/dev.sh format                  format the sources with .clang-format
#   bash contrib/dev.sh build                   install and build only
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libpistache-dev libcurl4-openssl-dev libsqlite3-dev libspdlog-dev libssl-dev
  nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libsystemd-dev prometheus-cpp-dev catch2
  libpq-dev  # the PostgreSQL engine
  libexpat1-dev  # feed diffing (Atom/RSS)
  openssl  # tests: a TLS callback server
  systemd  # tests: systemd-analyze verify
)
TEST_PACKAGES=(
  postgresql-15  # tests: a throwaway cluster (tests/postgres/cluster.sh)
  clang-format  # tests: the formatting check
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

# wrk and nginx for the benchmark's limits (tests/bench). nginx-light is
# installed without starting the system's nginx on port 80: the benchmark
# starts its own on loopback.
install_bench_tools() {
  if dpkg-query -W -f='${Status}' nginx-light 2>/dev/null | grep -q "install ok installed"; then
    install_missing wrk
    return
  fi
  local policy=/usr/sbin/policy-rc.d own_policy=""
  if [ ! -e "$policy" ] && [ "$(id -u)" -eq 0 ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
  fi
  install_missing wrk nginx-light || { [ -z "$own_policy" ] || rm -f "$policy"; return 1; }
  [ -z "$own_policy" ] || rm -f "$policy"
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

# Every build is a preset of CMakePresets.json: release (build/), asan,
# tsan and fuzz (build-asan/, build-tsan/, build-fuzz/), each a unity build
# with Ninja. A build directory made by another generator (Makefiles, before
# the presets chose Ninja) is configured afresh.
configure() {
  local preset=$1 dir=$2
  shift 2
  if [ -f "$dir/CMakeCache.txt" ] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$dir/CMakeCache.txt"; then
    echo "dev.sh: $dir was made by another generator: configuring it afresh for Ninja"
    rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
  fi
  cmake --preset "$preset" "$@" >/dev/null
}

build() {
  configure release build
  cmake --build --preset release -j"$(nproc)"
}

# The PostgreSQL tests' cluster, started once for every suite and stopped on
# exit. When it cannot start, HUBBUB_TEST_POSTGRES stays unset and every
# PostgreSQL test fails saying so: they are never skipped.
start_postgres() {
  PG_DIR=$(mktemp -d /tmp/hubbub-pg-XXXXXX)
  trap 'bash tests/postgres/cluster.sh stop "$PG_DIR"' EXIT
  local uri
  if uri=$(bash tests/postgres/cluster.sh start "$PG_DIR"); then
    export HUBBUB_TEST_POSTGRES=$uri
    echo "dev.sh: PostgreSQL test cluster at $uri"
  else
    echo "dev.sh: the PostgreSQL test cluster did not start: its tests will fail"
  fi
}

# The C++ sources CI holds to .clang-format.
sources() {
  git ls-files -- 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h'
}

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

format_suite() {
  local unformatted
  unformatted=$(sources | xargs clang-format --dry-run 2>&1 | grep -o '^[^:]*:[0-9]*:[0-9]*: warning' | cut -d: -f1 | sort -u)
  if [ -n "$unformatted" ]; then
    echo "not formatted as .clang-format says (bash contrib/dev.sh format fixes it):"
    echo "$unformatted"
    return 1
  fi
}

default_suite() {
  ctest --preset release -j"$(nproc)"
}

# Every test again with AddressSanitizer and UndefinedBehaviorSanitizer, the
# hubs they start included (a report in a hub's log fails the test).
asan_suite() {
  configure asan build-asan &&
    cmake --build --preset asan -j"$(nproc)" &&
    ctest --preset asan -j"$(nproc)"
}

# The concurrent parts with ThreadSanitizer: three CTest tests side by side
# (tests/CMakeLists.txt), each with its own verdict and timeout.
tsan_suite() {
  configure tsan build-tsan &&
    cmake --build --preset tsan -j"$(nproc)" &&
    ctest --preset tsan -j3
}

# libFuzzer targets with clang-16: each replays its corpus, then fuzzes for
# HUBBUB_FUZZ_SECONDS (default 10).
fuzz_suite() {
  configure fuzz build-fuzz -DHUBBUB_FUZZ_SECONDS="${HUBBUB_FUZZ_SECONDS:-10}" &&
    cmake --build --preset fuzz -j"$(nproc)" &&
    ctest --preset fuzz -j"$(nproc)"
}

case "${1:-}" in
  run)
    shift
    install_missing
    build
    exec build/hubbub "$@"
    ;;
  test)
    shift
    chosen=("$@")
    if ((${#chosen[@]} == 0)); then
      chosen=(format default asan tsan fuzz)
    fi
    install_missing "${TEST_PACKAGES[@]}"
    install_node
    build
    start_postgres
    for name in "${chosen[@]}"; do
      case "$name" in
        format) suite "formatting" format_suite ;;
        default) suite "tests" default_suite ;;
        asan) suite "tests under ASan+UBSan" asan_suite ;;
        tsan) suite "concurrent parts under TSan" tsan_suite ;;
        fuzz) suite "fuzz targets" fuzz_suite ;;
        *)
          echo "dev.sh test: no suite called '$name' (format, default, asan, tsan, fuzz)"
          exit 2
          ;;
      esac
    done
    if ((${#FAILED[@]} > 0)); then
      echo "dev.sh test: FAILED: ${FAILED[*]}"
      exit 1
    fi
    echo "dev.sh test: passed: ${chosen[*]}"
    ;;
  format)
    install_missing clang-format
    sources | xargs clang-format -i
    ;;
  bench)
    shift
    install_missing postgresql-15
    install_bench_tools
    build
    start_postgres  # the PostgreSQL rows (1 to 3 nodes); stopped on exit
    build/tests/hubbub_bench "$@"
    ;;
  crash)
    shift
    install_missing postgresql-15
    build
    start_postgres  # for --database test-cluster; stopped on exit
    build/tests/hubbub_crash --rounds 200 "$@"
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
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
