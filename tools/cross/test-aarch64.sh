#!/usr/bin/env bash
# Runs the unit and integration tests of the domain, configuration and store crates built for
# the kiosk's CPU (aarch64) under qemu-user: byte order, alignment and SQLite's C code are
# exercised as the Raspberry Pi runs them. Installs the cross toolchain when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

target=aarch64-unknown-linux-gnu
need=()
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || need+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
command -v qemu-aarch64-static >/dev/null 2>&1 || need+=(qemu-user-static)
if ((${#need[@]})); then
    echo "==> installing cross packages: ${need[*]}"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
rustup target list --installed | grep -qx "$target" || rustup target add "$target"

# Linker and qemu runner come from .cargo/config.toml.
cargo test --locked --target "$target" -p kiosk-core -p kiosk-config -p kiosk-store
