#!/usr/bin/env bash
# First-boot provisioning (images/firstboot/kiosk-firstboot) run on this machine against a
# temporary data directory with the real kioskctl: a good provisioning yields a configuration
# that `kioskctl config check` accepts, a signing key and the touch rotation; bad provisionings
# are refused with their reason and leave no configuration behind; the SAMAD credentials are
# moved off the boot partition. Usage: images/tests/firstboot.sh [KIOSKCTL]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
kioskctl=${1:-${KIOSKCTL:-${CARGO_TARGET_DIR:-$repo/target}/debug/kioskctl}}
[ -x "$kioskctl" ] || { echo "firstboot test: no kioskctl at $kioskctl (cargo build -p kioskctl)" >&2; exit 1; }
script="$repo/images/firstboot/kiosk-firstboot"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
run() { # data-dir provision-dir -> exit status; output in $t/out
    KIOSK_DATA_DIR="$1" KIOSK_PROVISION_DIR="$2" KIOSKCTL="$kioskctl" \
        KIOSK_EXAMPLE_CONFIG="$repo/firmware/config/kiosk.example.toml" \
        sh "$script" >"$t/out" 2>&1
}

# 1. A good provisioning, rotated panel.
mkdir -p "$t/p1" "$t/d1"
printf 'KIOSK_NUMBER=12\nKIOSK_ROTATION=90\nKIOSK_AGENCY="اداره کل آزمایشی"\n' > "$t/p1/provision.env"
run "$t/d1" "$t/p1" || { cat "$t/out"; fail "good provisioning refused"; }
cfg="$t/d1/config/kiosk.toml"
grep -qx 'number = 12' "$cfg" || fail "kiosk number not written"
grep -qx 'rotation = 90' "$cfg" || fail "rotation not written"
grep -qx "data_dir = \"$t/d1\"" "$cfg" || fail "data_dir not written"
grep -qx 'agency = "اداره کل آزمایشی"' "$cfg" || fail "agency not written"
[ -s "$t/d1/keys/kiosk-00012.key" ] && [ -s "$t/d1/keys/kiosk-00012.pub" ] || { ls -R "$t/d1"; fail "signing key not made"; }
[ "$(stat -c %a "$t/d1/keys/kiosk-00012.key")" = 640 ] || fail "signing key readable by others"
[ "$(cat "$t/d1/config/touch-rotation")" = 90 ] || fail "touch rotation not written"
dbkey="$t/d1/keys/db.key"
[ "$(stat -c %a "$dbkey")" = 400 ] || fail "database key is not mode 0400"
if [ "$(id -u)" -eq 0 ]; then
    [ "$(stat -c %U:%G "$dbkey")" = root:root ] || fail "database key is not root's alone"
fi
# The service reads it as a systemd credential, from the path first boot writes it to.
grep -qx 'LoadCredential=db.key:/var/lib/kiosk/keys/db.key' "$repo/images/systemd/kiosk.service" \
    || fail "kiosk.service does not load the database key as a credential"
grep -Eqx '[0-9a-f]{64}' "$dbkey" || fail "database key is not 64 hex digits"
grep -qx "database_key_file = \"$dbkey\"" "$cfg" || fail "database_key_file not written"
before=$(cat "$dbkey")
rm "$cfg"
run "$t/d1" "$t/p1" || { cat "$t/out"; fail "second provisioning refused"; }
[ "$(cat "$dbkey")" = "$before" ] || fail "a second provisioning replaced the database key"
"$kioskctl" config check "$cfg" >/dev/null || fail "written configuration refused by kioskctl"
grep -q "kiosk 12 provisioned" "$t/out" || fail "no provisioned message"
echo "ok: kiosk 12 provisioned (config checked, signing and database keys made, rotation 90)"

# 2. Refusals: each names its reason and leaves no configuration.
refuse() { # label expected-message provision.env-content [extra setup]
    local d="$t/d-$1" p="$t/p-$1"
    mkdir -p "$d" "$p"
    printf '%b' "$3" > "$p/provision.env"
    if run "$d" "$p"; then fail "$1: accepted"; fi
    grep -q "$2" "$t/out" || { cat "$t/out"; fail "$1: no '$2' in the message"; }
    [ ! -e "$d/config/kiosk.toml" ] || fail "$1: a configuration was left behind"
    echo "ok: $1 refused: $(tail -n1 "$t/out")"
}
refuse number-zero "KIOSK_NUMBER must be 1..99999" 'KIOSK_NUMBER=0\n'
refuse number-text "KIOSK_NUMBER must be a number" 'KIOSK_NUMBER=twelve\n'
refuse number-big "KIOSK_NUMBER must be 1..99999" 'KIOSK_NUMBER=100000\n'
refuse rotation "KIOSK_ROTATION must be" 'KIOSK_NUMBER=3\nKIOSK_ROTATION=45\n'
refuse plain-http "SAMAD_URL must start with https://" 'KIOSK_NUMBER=3\nSAMAD_URL=http://samad.example.ir\n'
refuse no-credentials "samad-ca.pem is missing" 'KIOSK_NUMBER=3\nSAMAD_URL=https://samad.example.ir\n'
mkdir -p "$t/empty" "$t/d-none"
if run "$t/d-none" "$t/empty"; then fail "missing provision.env accepted"; fi
grep -q "no provisioning found" "$t/out" || fail "missing provisioning: no reason given"
echo "ok: missing provisioning refused: $(tail -n1 "$t/out")"

# 3. With SAMAD: credentials copied to pki/, secrets removed from the boot partition.
mkdir -p "$t/p3" "$t/d3"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -subj "/CN=SAMAD test CA" -keyout "$t/ca.key" -out "$t/p3/samad-ca.pem" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -subj "/CN=kiosk 7" -keyout "$t/p3/kiosk.key" -out "$t/p3/kiosk.pem" 2>/dev/null
echo "test-token-$RANDOM" > "$t/p3/samad.token"
printf 'KIOSK_NUMBER=7\nSAMAD_URL=https://samad.example.ir:8443\n' > "$t/p3/provision.env"
run "$t/d3" "$t/p3" || { cat "$t/out"; fail "provisioning with SAMAD refused"; }
grep -qx 'base_url = "https://samad.example.ir:8443"' "$t/d3/config/kiosk.toml" || fail "SAMAD url not written"
for f in samad-ca.pem kiosk.pem kiosk.key samad.token; do
    [ -s "$t/d3/pki/$f" ] || fail "$f not copied"
done
[ ! -e "$t/p3/kiosk.key" ] && [ ! -e "$t/p3/samad.token" ] || fail "secrets left on the boot partition"
"$kioskctl" config check "$t/d3/config/kiosk.toml" >/dev/null || fail "configuration with [samad] refused"
echo "ok: kiosk 7 provisioned with SAMAD; key and token removed from the boot partition"
echo "first-boot tests passed"
