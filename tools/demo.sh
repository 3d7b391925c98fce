#!/usr/bin/env bash
# Runs the kiosk demo: simulated devices, a temporary data directory, no hardware needed.
#
#   tools/demo.sh                         a window when there is a display, else headless
#   tools/demo.sh --headless --out DIR    every screen (PNG) and slip (PNG + ESC/POS) into DIR
#
# On a fresh Debian 12 (as root, or with sudo) it first installs what building and running the
# demo needs, and only that (tools/packages.sh, group `demo`), and Rust with rustup when cargo is
# missing; it says what it installs.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/packages.sh
. tools/packages.sh
kiosk_packages install demo
kiosk_rust
exec cargo run --locked -p kiosk -- --demo "$@"
