#!/usr/bin/env bash
# Release cross-build for the kiosk's Raspberry Pi (aarch64): the binaries `kiosk`, `kioskctl`
# and `samad-sim`, checked to be aarch64 and run under qemu-user, then packed as Debian packages
# with the configuration example, systemd units, udev rules and first-boot script
# (tools/cross/make-debs.sh).
#
#   tools/cross/build-release.sh [--headless] [--bins "kiosk kioskctl samad-sim"] [--no-debs]
#                                [--debs-out DIR] [--profile pi|release|dev]
#
#   The kiosk is built as the Pi runs it: the DRM/KMS + libinput display (kiosk feature `kms`,
#   its arm64 -dev packages unpacked into a sysroot, below) and the GPIO keypad (`gpio-rppal`).
#   --headless   a kiosk with no display backend at all (devices, store, sync; logs
#                "running (headless)"): for lab rigs without a panel, never for the image.
#   --kms        the default; accepted for older command lines.
#   --bins LIST  which binaries (CI builds "kioskctl" --headless --profile dev).
#   --debs-out   where the .deb files go (default ${KIOSK_BUILD_DIR}/debs).
#   --profile    pi (default): the workspace's `pi` profile, fat LTO, one codegen unit, panic
#                abort, symbols stripped (the smallest binary; README "Measured" has the sizes);
#                release: thin LTO, quicker to build;
#                dev: unoptimised, no LTO (CI: proves the cross-build compiles, links and runs
#                in a fraction of the release time; implies --no-debs).
#
# Toolchain: rustup's aarch64-unknown-linux-gnu target and Debian's gcc-aarch64-linux-gnu
# (linker and qemu runner in .cargo/config.toml). Target libraries the binaries link (PC/SC, and
# for --kms libinput, libudev, xkbcommon, gbm, drm, seat) come from Debian's arm64 packages:
# `dpkg --add-architecture arm64` only to let apt download them, then unpacked with dpkg-deb
# into $SYSROOT (default ${KIOSK_BUILD_DIR}/sysroot-arm64) instead of installed: installing
# multiarch -dev packages moves the build machine's own libraries to the same versions, which
# must not happen under other builds.
#
# Output: $CARGO_TARGET_DIR/aarch64-unknown-linux-gnu/{pi,release,debug}/{kiosk,kioskctl,samad-sim}.
set -euo pipefail
# Big outputs (sysroot, packages, root file systems, disks) live outside the repository.
KIOSK_BUILD_DIR=${KIOSK_BUILD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kiosk-image}
cd "$(dirname "$0")/../.."
repo=$(pwd)

kms=1
bins="kiosk kioskctl samad-sim"
debs=1
debs_out=${KIOSK_BUILD_DIR}/debs
profile=pi
while (($#)); do
    case "$1" in
        --kms) kms=1; shift ;;
        --headless) kms=0; shift ;;
        --bins) bins=$2; shift 2 ;;
        --no-debs) debs=0; shift ;;
        --debs-out) debs_out=$2; shift 2 ;;
        --profile) profile=$2; shift 2 ;;
        -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
        *) echo "build-release: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

case "$profile" in pi) outdir=pi ;; release) outdir=release ;; dev) outdir=debug; debs=0 ;;
    *) echo "build-release: --profile pi, release or dev" >&2; exit 2 ;; esac
target=aarch64-unknown-linux-gnu
SYSROOT=${SYSROOT:-${KIOSK_BUILD_DIR}/sysroot-arm64}
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

# --- host toolchain ------------------------------------------------------------------------
# shellcheck source=tools/packages.sh
. tools/packages.sh
kiosk_packages install cross
kiosk_rust "$target"

# --- target libraries in a sysroot -----------------------------------------------------------
# PC/SC (kioskctl, kiosk); fontconfig and what its pkg-config file and shared library name
# (the UI's font lookup links it: fontique calls it directly, so no dlopen mode).
sysroot_pkgs=(libpcsclite1 libpcsclite-dev libfontconfig1 libfontconfig-dev libfreetype6
    libfreetype-dev libexpat1 libexpat1-dev libpng16-16 libpng-dev zlib1g zlib1g-dev libbrotli1
    libbrotli-dev libuuid1 uuid-dev libssl3 libssl-dev)
if ((kms)); then
    sysroot_pkgs+=(libinput10 libinput-dev libudev1 libudev-dev libxkbcommon0 libxkbcommon-dev
        libgbm1 libgbm-dev libdrm2 libdrm-dev libseat1 libseat-dev libmtdev1 libevdev2 libwacom9
        libgudev-1.0-0 libglib2.0-0 libwayland-server0 libexpat1 libffi8 libpcre2-8-0
        libselinux1 libmount1 libblkid1 libcap2 libsystemd0 liblzma5 libzstd1 liblz4-1
        libgcrypt20 libgpg-error0 libelogind0)
fi
stamp="$SYSROOT/.packages"
if [ "$(cat "$stamp" 2>/dev/null)" != "${sysroot_pkgs[*]}" ]; then
    echo "==> unpacking arm64 libraries into $SYSROOT: ${sysroot_pkgs[*]}"
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
        $SUDO dpkg --add-architecture arm64
        $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    fi
    dl=$(mktemp -d)
    chmod 0777 "$dl"   # apt's download sandbox user writes here
    # One apt call for all (each call reads the whole package index); one by one only if some
    # package is missing from this release.
    if ! (cd "$dl" && apt-get download -qq "${sysroot_pkgs[@]/%/:arm64}" 2>/dev/null); then
        for p in "${sysroot_pkgs[@]}"; do
            (cd "$dl" && apt-get download -qq "$p:arm64" 2>/dev/null) \
                || echo "    (no arm64 package $p in this release: skipped)"
        done
    fi
    rm -rf "$SYSROOT" && mkdir -p "$SYSROOT"
    for d in "$dl"/*.deb; do dpkg-deb -x "$d" "$SYSROOT"; done
    rm -rf "$dl"
    echo "${sysroot_pkgs[*]}" > "$stamp"
fi
libdir="$SYSROOT/usr/lib/aarch64-linux-gnu"
export PCSC_LIB_DIR="$libdir"
export PKG_CONFIG_ALLOW_CROSS=1
export PKG_CONFIG_SYSROOT_DIR="$SYSROOT"
export PKG_CONFIG_LIBDIR="$libdir/pkgconfig:$SYSROOT/usr/share/pkgconfig"
# The store's SQLCipher links libcrypto (libssl3/libssl-dev above): libsqlite3-sys's build reads
# target-prefixed OPENSSL_* variables; openssl/configuration.h is in the multiarch directory.
export AARCH64_UNKNOWN_LINUX_GNU_OPENSSL_LIB_DIR="$libdir"
export AARCH64_UNKNOWN_LINUX_GNU_OPENSSL_INCLUDE_DIR="$SYSROOT/usr/include"
export CFLAGS_aarch64_unknown_linux_gnu="-I$SYSROOT/usr/include/aarch64-linux-gnu"
# The libraries those libraries need (fontconfig -> freetype -> png, …) are found by the linker
# through -rpath-link, given to the kiosk binary's link only (`cargo rustc … -- -C link-arg`):
# as RUSTFLAGS it would change every crate's fingerprint and rebuild them all.
link_args=(-C "link-arg=-Wl,-rpath-link,$libdir" -C "link-arg=-Wl,-rpath-link,$SYSROOT/lib/aarch64-linux-gnu")

# --- build -----------------------------------------------------------------------------------
others=()
for b in $bins; do
    case "$b" in
        kiosk) ;;
        kioskctl|samad-sim) others+=(-p "$b") ;;
        *) echo "build-release: unknown binary $b" >&2; exit 2 ;;
    esac
done
# The device has no desktop: never the kiosk's `desktop` (winit) default; `kms` for the panel,
# `gpio-rppal` for the tactile keypad on the Pi's pins.
features=(--no-default-features --features gpio-rppal)
((kms)) && features=(--no-default-features --features kms,gpio-rppal)
locked=(--locked)
[ -n "${BUILD_RELEASE_UNLOCKED:-}" ] && locked=()
start=$(date +%s)
if ((${#others[@]})); then
    echo "==> cargo build --profile $profile --target $target ${others[*]}"
    cargo build "${locked[@]}" --profile "$profile" --target "$target" "${others[@]}"
fi
if [[ " $bins " == *" kiosk "* ]]; then
    echo "==> cargo rustc --profile $profile --target $target -p kiosk --bin kiosk ${features[*]}"
    cargo rustc "${locked[@]}" --profile "$profile" --target "$target" -p kiosk --bin kiosk \
        "${features[@]}" -- "${link_args[@]}"
fi
echo "    build took $(( $(date +%s) - start )) s"

# --- check what was built --------------------------------------------------------------------
out="${CARGO_TARGET_DIR:-target}/$target/$outdir"
for b in $bins; do
    desc=$(file -b "$out/$b")
    echo "    $b: $(stat -c %s "$out/$b") bytes; $desc"
    case "$desc" in *"ARM aarch64"*) ;; *) echo "build-release: $b is not an aarch64 binary" >&2; exit 1 ;; esac
done
# Some of the sysroot's libraries live in /lib (libexpat, which fontconfig needs), not /usr/lib.
run_arm() { qemu-aarch64-static -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH="$libdir:$SYSROOT/lib/aarch64-linux-gnu" "$@"; }
for b in $bins; do
    v=$(run_arm "$out/$b" --version) || { echo "build-release: $b --version failed under qemu-aarch64" >&2; exit 1; }
    echo "    qemu-aarch64: $v"
done

if ((debs)); then
    tools/cross/make-debs.sh --bin-dir "$out" --out "$debs_out" --bins "$bins" $( ((kms)) && echo --kms )
fi
