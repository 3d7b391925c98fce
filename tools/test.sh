#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this very script).
# On a fresh Debian 12 it first installs what the build needs (as root, or via sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
# A one-shot build gains nothing from incremental state, which is a quarter of the build directory.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

need_packages=()
for tool in cc pkg-config; do
    command -v "$tool" >/dev/null 2>&1 || need_packages+=(build-essential pkg-config)
done
# The image's units are checked with systemd's own parser (images/tests/units.sh).
command -v systemd-analyze >/dev/null 2>&1 || need_packages+=(systemd)
# Device tests (kiosk-drivers): PC/SC headers, a pcscd with the virtual reader driver that the
# card tests start themselves, and espeak-ng for the speech tests.
# The UI (kiosk-ui): Slint's font code links fontconfig; the desktop window (winit) loads
# libxkbcommon-x11 at run time and is tested under Xvfb, read back with xwd and clicked with
# xdotool; the Pi's KMS backend (`kiosk --features kms`) builds against udev, libinput, xkbcommon,
# gbm and libseat. The power-loss test mounts tools/outagefs with FUSE (fusermount3 when not root).
# The store's SQLCipher links the system libcrypto (libssl-dev).
for pkg in libpcsclite-dev pcscd vsmartcard-vpcd espeak-ng libfontconfig-dev \
    libxkbcommon-dev libxkbcommon-x11-0 xvfb x11-apps xdotool \
    libudev-dev libinput-dev libgbm-dev libseat-dev \
    fuse3 fdisk dosfstools mtools libssl-dev; do
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
# The kiosk binary's aarch64 build (Slint) is left to the image build (tools/cross/build-release.sh):
# it would add the longest cold build of the workspace to every CI run.
echo "==> aarch64 cross-build of kioskctl (checked with file, run under qemu-aarch64)"
tools/cross/build-release.sh --profile dev --bins kioskctl
echo "==> the image's systemd units, as systemd 252 parses them"
images/tests/units.sh
echo "==> RAUC update bundles: signed and verified; tampered and foreign ones refused"
images/tests/rauc-bundle.sh
echo "==> first-boot provisioning of the image, with the kioskctl built above"
images/tests/firstboot.sh "${CARGO_TARGET_DIR:-target}/debug/kioskctl"
echo "==> Raspberry Pi card layout (config, boot A/B, root A/B, data) from a stand-in tree"
images/tests/sd-image.sh
echo "==> all tests passed"
