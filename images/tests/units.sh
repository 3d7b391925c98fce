#!/usr/bin/env bash
# The image's systemd units as systemd itself reads them: `systemd-analyze verify` on every unit
# of images/systemd and rauc.service. A key systemd ignores (a typo, or a value this systemd
# version refuses, such as an empty `SetCredential=` on bookworm's 252) fails the test; that the
# binaries are not installed on the build machine is expected and ignored.
# Usage: images/tests/units.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/packages.sh
. "$repo/tools/packages.sh"
kiosk_packages install image_checks
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cp "$repo"/images/systemd/*.service "$repo"/images/rauc/rauc.service "$t"/
failed=0
for unit in "$t"/*.service; do
    name=$(basename "$unit")
    out=$(cd "$t" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "./$name" 2>&1 || true)
    problems=$(printf '%s\n' "$out" | grep -v 'is not executable' | grep -E 'Invalid|Unknown|Failed to parse|ignoring' || true)
    if [ -n "$problems" ]; then
        echo "FAIL: $name" >&2
        printf '%s\n' "$problems" >&2
        failed=1
    else
        echo "ok   $name"
    fi
done
exit "$failed"
