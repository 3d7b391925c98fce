#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this very script).
# On a fresh Debian 12 it first installs what the build needs (as root, or via sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

need_packages=()
for tool in cc pkg-config; do
    command -v "$tool" >/dev/null 2>&1 || need_packages+=(build-essential pkg-config)
done
# Device tests (kiosk-drivers): PC/SC headers, a pcscd with the virtual reader driver that the
# card tests start themselves, and espeak-ng for the speech tests.
# The UI (kiosk-ui): Slint's font code links fontconfig (no windowing packages: CI builds only the
# software renderer).
for pkg in libpcsclite-dev pcscd vsmartcard-vpcd espeak-ng libfontconfig-dev; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
        || need_packages+=("$pkg")
done
if ((${#need_packages[@]})); then
    echo "==> installing build packages: ${need_packages[*]}"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_packages[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
    echo "==> installing the Rust toolchain (rustup)"
    curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
fi
rustup component add clippy rustfmt >/dev/null 2>&1 || true

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo test"
cargo test --workspace --locked
echo "==> aarch64 (the kiosk's CPU) under qemu-user: core, config, store"
tools/cross/test-aarch64.sh
echo "==> all tests passed"
