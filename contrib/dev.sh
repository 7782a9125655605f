#!/usr/bin/env bash
# Sets up a Debian 12 machine for Hubbub and builds it, then runs the hub or
# the tests. Installs only the Debian packages that are missing.
#
#   bash contrib/dev.sh run [hubbub flags...]   install, build, start the hub
#   bash contrib/dev.sh test                    install, build, run every test
#   bash contrib/dev.sh bench [flags...]        install, build, run the benchmark
#   bash contrib/dev.sh crash [flags...]        install, build, run the crash rounds
#                                               (default 200 rounds; see tests/crash)
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
    cd build
    exec ctest --output-on-failure --timeout 300 -j"$(nproc)"
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
  build)
    install_missing
    build
    ;;
  *)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
