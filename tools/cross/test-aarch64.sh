#!/usr/bin/env bash
# Runs the unit and integration tests of the domain, configuration and store crates built for
# the kiosk's CPU (aarch64) under qemu-user: byte order, alignment and SQLite's C code are
# exercised as the Raspberry Pi runs them. Installs the cross toolchain when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

target=aarch64-unknown-linux-gnu
# shellcheck source=tools/packages.sh
. tools/packages.sh
kiosk_packages install cross
kiosk_rust "$target"

# The store is SQLCipher linked to the system libcrypto: Debian's arm64 libssl packages are
# unpacked (not installed) into a small sysroot, found by libsqlite3-sys's build through its
# target-prefixed OPENSSL_* variables and by the emulated program through QEMU_SET_ENV.
ssl_root=${KIOSK_BUILD_DIR:-$HOME/.cache/kiosk-image}/ssl-arm64
ssl_pkgs=(libssl3 libssl-dev)
if [ "$(cat "$ssl_root/.packages" 2>/dev/null)" != "${ssl_pkgs[*]}" ]; then
    echo "==> unpacking arm64 ${ssl_pkgs[*]} into $ssl_root"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
        $SUDO dpkg --add-architecture arm64
        $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    fi
    dl=$(mktemp -d)
    chmod 0777 "$dl"   # apt's download sandbox user writes here
    (cd "$dl" && apt-get download -qq "${ssl_pkgs[@]/%/:arm64}")
    rm -rf "$ssl_root" && mkdir -p "$ssl_root"
    for d in "$dl"/*.deb; do dpkg-deb -x "$d" "$ssl_root"; done
    rm -rf "$dl"
    echo "${ssl_pkgs[*]}" > "$ssl_root/.packages"
fi
ssl_lib="$ssl_root/usr/lib/aarch64-linux-gnu"
export AARCH64_UNKNOWN_LINUX_GNU_OPENSSL_LIB_DIR="$ssl_lib"
export AARCH64_UNKNOWN_LINUX_GNU_OPENSSL_INCLUDE_DIR="$ssl_root/usr/include"
# openssl/configuration.h is in the multiarch include directory.
export CFLAGS_aarch64_unknown_linux_gnu="-I$ssl_root/usr/include/aarch64-linux-gnu"
export QEMU_SET_ENV="LD_LIBRARY_PATH=$ssl_lib"

# Linker and qemu runner come from .cargo/config.toml. Two tests are left out here, by name:
# each starts its own binary again as a child (the data-directory lock's holder; a fresh
# process whose threads open at once), and under qemu-user that child is an aarch64 program
# the host cannot start without binfmt. flock(2) is the host kernel's either way, and both
# tests run natively in tools/test.sh.
cargo test --locked --target "$target" -p kiosk-core -p kiosk-config -p kiosk-store -- \
    --skip another_process_is_refused_naming_its_pid_and_a_killed_holder_frees_the_lock \
    --skip concurrent_first_opens_in_a_fresh_process_all_succeed
