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
unit_dir=$(pkg-config --variable=systemdsystemunitdir systemd)
for f in ./usr/bin/hubbub ".$unit_dir/hubbub.service" ./etc/hubbub/hubbub.toml \
         ./usr/share/doc/hubbub/hubbub.toml.example ./usr/share/doc/hubbub/nginx.conf \
         ./usr/share/man/man8/hubbub.8.gz; do
  grep -qx -- "$f" <<<"$contents" || fail "the package lacks $f"
done

info=$(dpkg-deb -I "$deb")
for dep in libpistache0 libcurl4 libsqlite3-0 libsystemd0 libprometheus-cpp-core1.0; do
  grep -q "^ Depends:.*$dep" <<<"$info" || fail "Depends lacks $dep"
done

dpkg-deb -e "$deb" "$work/control"
grep -qx /etc/hubbub/hubbub.toml "$work/control/conffiles" || fail "the configuration is not a conffile"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] || fail "$script missing or not executable"
  sh -n "$work/control/$script" || fail "$script does not parse"
done
# The maintainer scripts, run against stub helpers that record their calls:
# enabled on the first install only, an administrator's disable kept across
# upgrades, and the unit started only through deb-systemd-invoke (which
# honours policy-rc.d and leaves a disabled unit alone).
mkdir -p "$work/stubs"
for helper in deb-systemd-helper deb-systemd-invoke; do
  cat >"$work/stubs/$helper" <<STUB
#!/bin/sh
echo "$helper \$*" >>"$work/calls"
[ "\$1 \$2" != "--quiet was-enabled" ] || [ -z "\${WAS_DISABLED:-}" ]
STUB
  chmod +x "$work/stubs/$helper"
done
: >"$work/calls"
PATH="$work/stubs:$PATH" sh "$work/control/postinst" configure
grep -qx 'deb-systemd-helper enable hubbub.service' "$work/calls" || fail "a first install does not enable the unit"
: >"$work/calls"
WAS_DISABLED=1 PATH="$work/stubs:$PATH" sh "$work/control/postinst" configure 0.0.9
grep -qx 'deb-systemd-helper enable hubbub.service' "$work/calls" && fail "an upgrade re-enables a unit the administrator disabled"
grep -qx 'deb-systemd-helper update-state hubbub.service' "$work/calls" || fail "an upgrade does not update the unit's state"
if grep -Eq 'systemctl (start|restart|enable)' "$work/control/postinst"; then
  fail "postinst starts or enables the unit without the Debian helpers"
fi

dpkg-deb -x "$deb" "$work/root"
"$work/root/usr/bin/hubbub" --version | grep -q '^hubbub ' || fail "the packaged binary does not run"
grep -q '^ExecStart=/usr/bin/hubbub --config /etc/hubbub/hubbub.toml ' "$work/root$unit_dir/hubbub.service" \
  || fail "the packaged unit does not start the packaged binary with the packaged configuration"
zcat "$work/root/usr/share/man/man8/hubbub.8.gz" | grep -q '^.Dt HUBBUB 8' || fail "the man page is not hubbub(8)"
echo "package ok: $(basename "$deb"), $(du -h "$deb" | cut -f1)"
