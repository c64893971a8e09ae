#!/usr/bin/env bash
# The .deb as an office PC gets it (issue 14): made with cargo-deb from the release binary the
# tests built, installed by dpkg into a clean temporary root (no chroot; the package has no
# maintainer scripts), then the installed program is run: --version, demo and doctor against
# the installed files. The systemd unit must pass `systemd-analyze verify` without a warning.
# Run by .ci/run after `cargo test --release`; needs cargo-deb, dpkg and systemd-analyze.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "deb_install: $*" >&2; exit 1; }

[ -x target/release/grad-intake ] || fail "build target/release/grad-intake first (cargo build --release)"
# --fast: quicker compression for the test (a release package is made without it).
deb=$(cargo deb --no-build --fast --quiet | tail -n 1)
[ -f "$deb" ] || fail "cargo deb made no package"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
# The empty root has no libc6 package registered: the dependency is the host's.
dpkg --root="$root" --force-not-root --force-depends --install "$deb" >/dev/null 2>"$work/dpkg.err" \
    || { cat "$work/dpkg.err" >&2; fail "dpkg --install failed"; }
dpkg --root="$root" -s grad-intake | grep -qx 'Status: install ok installed' || fail "not installed"
for path in usr/bin/grad-intake usr/share/grad-intake/data/materials.toml \
    usr/share/grad-intake/data/windows/2023H1.toml usr/share/grad-intake/forms/registration-form.toml \
    usr/share/doc/grad-intake/fonts-OFL.txt usr/lib/systemd/system/grad-intake-portal.service; do
    [ -e "$root/$path" ] || fail "missing /$path"
done

bin="$root/usr/bin/grad-intake"
version=$("$bin" --version)
[ "$version" = "grad-intake $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)" ] \
    || fail "--version said: $version"

# A new user's desk: demo office, then doctor (the demo is ready: exit code 0).
export HOME="$work/home" GRAD_INTAKE_CONFIG="$work/home/config.toml" GRAD_INTAKE_DB="$work/home/data/counter.db"
"$bin" demo --candidates 19 >"$work/demo.out" || fail "demo failed"
grep -q 'c01 / 1111' "$work/demo.out" || fail "demo printed no clerks"
"$bin" doctor >"$work/doctor.out" || { cat "$work/doctor.out" >&2; fail "doctor failed on the demo desk"; }
grep -qx '这台电脑可以受理。' "$work/doctor.out" || fail "doctor did not pass"
# doctor fails (exit code 1) when the database is gone.
mv "$GRAD_INTAKE_DB" "$work/moved.db"
if "$bin" doctor >"$work/doctor2.out"; then fail "doctor passed without a database"; fi
grep -q '^✗ 数据库 .* 不存在' "$work/doctor2.out" || fail "doctor did not name the missing database"

# The unit, with ExecStart pointing into the temporary root (verify checks the program exists).
unit="$work/units/grad-intake-portal.service"
mkdir -p "$work/units"
sed "s|/usr/bin/grad-intake|$bin|" "$root/usr/lib/systemd/system/grad-intake-portal.service" >"$unit"
verify=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify: $verify"
[ -z "$verify" ] || fail "systemd-analyze verify warned: $verify"
echo "deb_install: $(basename "$deb") installed into a temporary root; --version, demo, doctor and the unit OK"
