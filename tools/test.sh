#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this very script).
# On a fresh Debian 12 it first installs what the build needs (as root, or via sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
# A one-shot build gains nothing from incremental state, which is a quarter of the build directory.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

# What the suite needs, by group (tools/packages.sh): the workspace build, the Pi's KMS build
# (compiled by clippy below), device tests (pcscd with the virtual reader, espeak-ng, FUSE), window
# tests under Xvfb, the image checks (systemd-analyze, partitioning tools, RAUC), and the agency
# server's tests (PostgreSQL 15, run by the test harness itself), the console's browser test
# (Chromium, chromedriver, and npm for axe-core unless some npm is already there).
# shellcheck source=tools/packages.sh
. tools/packages.sh
kiosk_packages install build kms devices ui image_checks server browser
command -v npm >/dev/null 2>&1 || kiosk_packages install npm
kiosk_rust
rustup component add clippy rustfmt >/dev/null 2>&1 || true

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> clippy -D warnings of the features the Pi ships: GPIO keypad (rppal), KMS display"
cargo clippy --locked -p kiosk-drivers --all-targets --features gpio-rppal -- -D warnings
cargo clippy --locked -p kiosk --no-default-features --features kms,gpio-rppal -- -D warnings
echo "==> cargo test"
cargo test --workspace --locked
echo "==> aarch64 (the kiosk's CPU) under qemu-user: core, config, store"
tools/cross/test-aarch64.sh
# The kiosk binary's aarch64 build (Slint) is left to the image build (tools/cross/build-release.sh):
# it would add the longest cold build of the workspace to every CI run.
echo "==> aarch64 cross-build of kioskctl (checked with file, run under qemu-aarch64)"
tools/cross/build-release.sh --headless --profile dev --bins kioskctl
echo "==> the image's systemd units, as systemd 252 parses them"
images/tests/units.sh
echo "==> RAUC update bundles: signed and verified; tampered and foreign ones refused"
images/tests/rauc-bundle.sh
echo "==> first-boot provisioning of the image, with the kioskctl built above"
images/tests/firstboot.sh "${CARGO_TARGET_DIR:-target}/debug/kioskctl"
echo "==> Raspberry Pi card layout (config, boot A/B, root A/B, data) from a stand-in tree"
images/tests/sd-image.sh
echo "==> the office demo: PostgreSQL, SAMAD, the agency server, two kiosks and a desk, each a process"
tools/office-demo.sh
echo "==> all tests passed"
