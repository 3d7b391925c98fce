#!/usr/bin/env bash
# Packs the cross-built binaries as Debian packages for the kiosk image (arm64), with dpkg-deb
# (no cargo-deb: nothing to compile, and the package layout stays visible here).
#
#   tools/cross/make-debs.sh --bin-dir DIR [--out DIR] [--bins "kiosk kioskctl samad-sim"] [--kms]
#
#   kiosk      /usr/bin/kiosk; systemd units (kiosk, kiosk-firstboot, kiosk-health); sysusers and
#              tmpfiles entries; udev rules and the touch-calibration helper; the first-boot
#              script; the configuration example; font licences.
#   kioskctl   /usr/bin/kioskctl (operators' CLI; also used by first-boot provisioning).
#   samad-sim  /usr/bin/samad-sim (the SAMAD simulator, for lab kiosks).
#
# Every shared library a binary needs (readelf NEEDED) must map to a package in the table
# below, or the script stops: a missing Depends would only show on a kiosk.
set -euo pipefail
# Big outputs (sysroot, packages, root file systems, disks) live outside the repository.
KIOSK_BUILD_DIR=${KIOSK_BUILD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kiosk-image}
cd "$(dirname "$0")/../.."
repo=$(pwd)

bin_dir= out=${KIOSK_BUILD_DIR}/debs bins="kiosk kioskctl samad-sim" kms=0
while (($#)); do
    case "$1" in
        --bin-dir) bin_dir=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --bins) bins=$2; shift 2 ;;
        --kms) kms=1; shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "make-debs: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$bin_dir" ] || { echo "make-debs: --bin-dir is required" >&2; exit 2; }
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
[ -n "$version" ] || { echo "make-debs: no workspace version in Cargo.toml" >&2; exit 1; }
mkdir -p "$out"

# soname -> Debian package (bookworm arm64).
declare -A lib_pkg=(
    [libc.so.6]="libc6 (>= 2.36)" [libm.so.6]="libc6 (>= 2.36)" [libgcc_s.so.1]="libgcc-s1"
    [ld-linux-aarch64.so.1]="libc6 (>= 2.36)" [libpthread.so.0]="libc6 (>= 2.36)"
    [libdl.so.2]="libc6 (>= 2.36)" [libpcsclite.so.1]="libpcsclite1"
    [libfontconfig.so.1]="libfontconfig1" [libinput.so.10]="libinput10" [libudev.so.1]="libudev1"
    [libxkbcommon.so.0]="libxkbcommon0" [libgbm.so.1]="libgbm1" [libdrm.so.2]="libdrm2"
    [libseat.so.1]="libseat1" [libcrypto.so.3]="libssl3 (>= 3.0)"
)

depends_of() { # binary -> "pkg, pkg"
    local deps=() so
    for so in $(readelf -d "$1" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
        [ -n "${lib_pkg[$so]:-}" ] || { echo "make-debs: $1 needs $so: add its package to the table" >&2; exit 1; }
        deps+=("${lib_pkg[$so]}")
    done
    printf '%s\n' "${deps[@]}" | sort -u | paste -sd, | sed 's/,/, /g'
}

# "a, b, a" -> "a, b" (the libraries read from the binary and the runtime list overlap).
uniq_deps() { printf '%s\n' "$1" | sed 's/, /\n/g' | awk '!seen[$0]++' | paste -sd, | sed 's/,/, /g'; }

control() { # name depends description [extra fields]
    cat <<EOF
Package: $1
Version: $version
Architecture: arm64
Maintainer: Kiosk firmware team <kiosk@localhost>
Section: misc
Priority: optional
Depends: $(uniq_deps "$2")
Description: $3
EOF
}

build_deb() { # staging-dir name
    find "$1" -type d -exec chmod 0755 {} +
    dpkg-deb --root-owner-group -Zxz --build "$1" "$out/${2}_${version}_arm64.deb" >/dev/null
    echo "    $out/${2}_${version}_arm64.deb ($(stat -c %s "$out/${2}_${version}_arm64.deb") bytes)"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "==> Debian packages $version -> $out"
for b in $bins; do
    [ -x "$bin_dir/$b" ] || { echo "make-debs: $bin_dir/$b missing (build it first)" >&2; exit 1; }
    s="$work/$b"
    install -D -m 0755 "$bin_dir/$b" "$s/usr/bin/$b"
    mkdir -p "$s/DEBIAN" "$s/usr/share/doc/$b"
    printf 'Service-desk kiosk firmware (%s). Licence: MIT OR Apache-2.0.\n' "$b" > "$s/usr/share/doc/$b/copyright"
    deps=$(depends_of "$bin_dir/$b")
    case "$b" in
    kiosk)
        i=images
        install -D -m 0644 "$i/systemd/kiosk.service" "$s/lib/systemd/system/kiosk.service"
        install -D -m 0644 "$i/systemd/kiosk-firstboot.service" "$s/lib/systemd/system/kiosk-firstboot.service"
        install -D -m 0644 "$i/systemd/kiosk-health.service" "$s/lib/systemd/system/kiosk-health.service"
        install -D -m 0644 "$i/systemd/kiosk.sysusers" "$s/usr/lib/sysusers.d/kiosk.conf"
        install -D -m 0644 "$i/systemd/kiosk.tmpfiles" "$s/usr/lib/tmpfiles.d/kiosk.conf"
        install -D -m 0644 "$i/udev/70-kiosk-devices.rules" "$s/lib/udev/rules.d/70-kiosk-devices.rules"
        install -D -m 0644 "$i/udev/99-kiosk-touch-calibration.rules" "$s/lib/udev/rules.d/99-kiosk-touch-calibration.rules"
        install -D -m 0755 "$i/udev/touch-calibration" "$s/usr/lib/kiosk/touch-calibration"
        install -D -m 0755 "$i/firstboot/kiosk-firstboot" "$s/usr/lib/kiosk/kiosk-firstboot"
        install -D -m 0644 firmware/config/kiosk.example.toml "$s/usr/share/kiosk/kiosk.example.toml"
        install -D -m 0644 "$i/README.md" "$s/usr/share/doc/kiosk/README.image.md"
        install -D -m 0644 ui/fonts/OFL.txt "$s/usr/share/doc/kiosk/Vazirmatn-OFL.txt"
        # Runtime programs and services: espeak-ng speaks, pcscd serves card readers, kioskctl
        # makes keys at first boot, rauc marks the slot good.
        deps="$deps, kioskctl (= $version), espeak-ng, pcscd, libccid, systemd, udev"
        # seatd: libseat's daemon, which opens the DRM and input devices for the kiosk user
        # (kiosk.service runs with LIBSEAT_BACKEND=seatd).
        ((kms)) && deps="$deps, libinput10, libudev1, libxkbcommon0, libgbm1, libdrm2, libseat1, seatd"
        control kiosk "$deps" "Service-desk kiosk firmware (Persian self-service kiosk)
 The kiosk process: touch UI, devices, SQLite store and the SAMAD sync relay, run by
 systemd (Type=notify, watchdog) with first-boot provisioning and udev rules." > "$s/DEBIAN/control"
        echo "Recommends: rauc" >> "$s/DEBIAN/control"
        cat > "$s/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    systemd-sysusers /usr/lib/sysusers.d/kiosk.conf
    systemd-tmpfiles --create /usr/lib/tmpfiles.d/kiosk.conf >/dev/null 2>&1 || true
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload || true
        udevadm control --reload-rules || true
    fi
fi
EOF
        chmod 0755 "$s/DEBIAN/postinst"
        ;;
    kioskctl)
        control kioskctl "$deps" "Service-desk kiosk operators' command line
 Validates national and tracking codes, computes response dates, checks configuration
 files and databases, makes satisfaction-code keys, inspects the SAMAD outbox." > "$s/DEBIAN/control"
        ;;
    samad-sim)
        control samad-sim "$deps" "SAMAD simulator for kiosk labs
 Speaks the kiosk's SAMAD wire contract over HTTPS with fault injection." > "$s/DEBIAN/control"
        ;;
    *) echo "make-debs: unknown binary $b" >&2; exit 2 ;;
    esac
    echo "Installed-Size: $(du -sk --exclude=DEBIAN "$s" | cut -f1)" >> "$s/DEBIAN/control"
    build_deb "$s" "$b"
    dpkg-deb --info "$out/${b}_${version}_arm64.deb" | sed -n 's/^ Depends:/      Depends:/p'
done
