#!/usr/bin/env bash
# Builds the .deb with CPack from a configured build directory and checks it:
# its files, that the configuration is a conffile, the maintainer scripts, the
# dependencies, and that the packaged binary runs from a scratch root.
#   usage: check_deb.sh BUILD_DIR
set -euo pipefail
build_dir=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAILED: $*"; exit 1; }

(cd "$build_dir" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/out/*.deb)
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/hubbub ./usr/lib/systemd/system/hubbub.service ./etc/hubbub/hubbub.toml \
         ./usr/share/doc/hubbub/hubbub.toml.example ./usr/share/doc/hubbub/nginx.conf; do
  grep -qx -- "$f" <<<"$contents" || fail "the package lacks $f"
done

info=$(dpkg-deb -I "$deb")
for dep in libpistache0 libcurl4 libsqlite3-0 libsystemd0; do
  grep -q "^ Depends:.*$dep" <<<"$info" || fail "Depends lacks $dep"
done

dpkg-deb -e "$deb" "$work/control"
grep -qx /etc/hubbub/hubbub.toml "$work/control/conffiles" || fail "the configuration is not a conffile"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] || fail "$script missing or not executable"
  sh -n "$work/control/$script" || fail "$script does not parse"
done
grep -q 'systemctl enable hubbub.service' "$work/control/postinst" || fail "postinst does not enable the unit"

dpkg-deb -x "$deb" "$work/root"
"$work/root/usr/bin/hubbub" --version | grep -q '^hubbub ' || fail "the packaged binary does not run"
grep -q '^ExecStart=/usr/bin/hubbub --config /etc/hubbub/hubbub.toml ' "$work/root/usr/lib/systemd/system/hubbub.service" \
  || fail "the packaged unit does not start the packaged binary with the packaged configuration"
echo "package ok: $(basename "$deb"), $(du -h "$deb" | cut -f1)"
