#!/usr/bin/env bash
# RAUC update bundles: a bundle signed with the fleet's (test) key verifies against the fleet CA;
# a bundle whose payload was altered is refused when its payload is checked (rauc extract, as an
# install does through dm-verity); a bundle whose signed manifest was altered, and a bundle
# signed by another CA's key, are refused already by `rauc info --keyring`. Keys are made here
# with openssl and thrown away. Runs in about a second; part of tools/test.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/packages.sh
. "$here/../tools/packages.sh"
kiosk_packages install image_checks
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cd "$t"
fail() { echo "FAIL: $*" >&2; exit 1; }

# Two CAs, each with a signing certificate: the fleet's, and someone else's.
for who in fleet other; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 400 \
        -subj "/O=Kiosk test/CN=$who update CA" -keyout "$who-ca.key" -out "$who-ca.pem" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -subj "/O=Kiosk test/CN=$who signer" -keyout "$who.key" -out "$who.csr" 2>/dev/null
    openssl x509 -req -in "$who.csr" -CA "$who-ca.pem" -CAkey "$who-ca.key" -CAcreateserial \
        -days 400 -out "$who.pem" 2>/dev/null
done

# A small root filesystem image (random content so squashfs cannot shrink it to nothing).
mkdir -p root/etc root/usr/bin
printf 'PRETTY_NAME="kiosk test"\n' > root/etc/os-release
head -c 300000 /dev/urandom > root/usr/bin/kiosk
mke2fs -q -t ext4 -L rootfs -d root rootfs.ext4 8M >/dev/null

"$here/rauc/make-bundle.sh" --rootfs rootfs.ext4 --cert fleet.pem --key fleet.key \
    --keyring fleet-ca.pem --version 1.2.3 --compatible kiosk-test-arm64 --out good.raucb \
    >bundle.log 2>&1 || { cat bundle.log; fail "make-bundle (fleet key) failed"; }
"$here/rauc/make-bundle.sh" --rootfs rootfs.ext4 --cert other.pem --key other.key \
    --version 1.2.3 --compatible kiosk-test-arm64 --out foreign.raucb \
    >bundle.log 2>&1 || { cat bundle.log; fail "make-bundle (other key) failed"; }

# 1. The genuine bundle: signature, manifest and payload all check.
rauc info --keyring=fleet-ca.pem --output-format=shell good.raucb > info.txt 2>info.err \
    || { cat info.err; fail "genuine bundle refused by rauc info"; }
grep -q "RAUC_MF_COMPATIBLE='kiosk-test-arm64'" info.txt || fail "compatible not in the manifest"
grep -q "RAUC_MF_VERSION='1.2.3'" info.txt || fail "version not in the manifest"
rauc extract --keyring=fleet-ca.pem good.raucb out-good >/dev/null 2>&1 || fail "genuine payload refused"
cmp -s out-good/rootfs.ext4 rootfs.ext4 || fail "extracted image differs from the original"
echo "ok: genuine bundle verified (rauc info --keyring, rauc extract) and its image intact"

# 2. Signed by another CA's key: refused by the signature check.
if rauc info --keyring=fleet-ca.pem foreign.raucb >/dev/null 2>foreign.err; then
    fail "bundle signed by another CA accepted"
fi
grep -qi "signature\|verif\|certificate" foreign.err || { cat foreign.err; fail "no signature error for the foreign bundle"; }
echo "ok: bundle signed by another CA refused: $(grep -i 'fail\|error' foreign.err | head -n1)"

# 3. Payload altered (4 bytes in the squashfs image): the signature still covers the manifest,
#    so `rauc info` shows it, but the dm-verity hash tree refuses the payload, as at install.
cp good.raucb payload.raucb
printf '\xde\xad\xbe\xef' | dd of=payload.raucb bs=1 seek=8192 conv=notrunc 2>/dev/null
cmp -s good.raucb payload.raucb && fail "tampering did not change the file"
if rauc extract --keyring=fleet-ca.pem payload.raucb out-payload >/dev/null 2>payload.err; then
    fail "bundle with an altered payload extracted"
fi
grep -qi "corrupt\|verification" payload.err || { cat payload.err; fail "no corruption error"; }
echo "ok: altered payload refused: $(grep -i 'corrupt' payload.err | head -n1)"

# 4. Signed manifest altered: the version inside the signed CMS content changed from 1.2.3
#    to 9.2.3 (an attacker's "upgrade" of an old bundle): the signature no longer matches.
off=$(grep -obaF "version=1.2.3" good.raucb | head -n1 | cut -d: -f1)
[ -n "$off" ] || fail "manifest not found in the bundle"
cp good.raucb manifest.raucb
printf '9' | dd of=manifest.raucb bs=1 seek=$(( off + 8 )) conv=notrunc 2>/dev/null
grep -qaF "version=9.2.3" manifest.raucb || fail "tampering did not change the manifest"
if rauc info --keyring=fleet-ca.pem manifest.raucb >/dev/null 2>manifest.err; then
    fail "bundle with an altered manifest accepted"
fi
grep -qi "signature" manifest.err || { cat manifest.err; fail "no signature error for the altered manifest"; }
echo "ok: altered manifest refused: $(grep -i 'signature' manifest.err | tail -n1)"

# 5. The Pi tryboot backend: install -> try once -> mark good commits; no mark -> rollback.
b="$here/rauc/rauc-pi-tryboot"
export AUTOBOOT="$t/autoboot.txt" TRYBOOT_FLAG="$t/tryboot" STATE_DIR="$t/state" REBOOT_ARG_FILE="$t/reboot-param"
printf '[all]\ntryboot_a_b=1\nboot_partition=2\n[tryboot]\nboot_partition=2\n' > "$AUTOBOOT"
printf '\0\0\0\0' > "$TRYBOOT_FLAG"
[ "$("$b" get-current)" = A ] || fail "tryboot: current slot should be A"
"$b" set-primary B
[ "$("$b" get-primary)" = B ] || fail "tryboot: primary after install should be B"
grep -q '^boot_partition=2' <(sed -n '/\[all\]/,/\[tryboot\]/p' "$AUTOBOOT") || fail "tryboot: committed slot changed before the trial"
[ "$(cat "$REBOOT_ARG_FILE")" = "0 tryboot" ] || fail "tryboot: reboot parameter not set"
# The trial boot: the firmware runs [tryboot]; the kiosk reports ready; mark-good.
printf '\0\0\0\1' > "$TRYBOOT_FLAG"
[ "$("$b" get-current)" = B ] || fail "tryboot: current slot during the trial should be B"
"$b" set-state B good
printf '\0\0\0\0' > "$TRYBOOT_FLAG"
[ "$("$b" get-current)" = B ] || fail "tryboot: B not committed after mark-good"
# Next update to A that never reports ready: no mark-good, the next normal boot is B again.
"$b" set-primary A
printf '\0\0\0\1' > "$TRYBOOT_FLAG"
[ "$("$b" get-current)" = A ] || fail "tryboot: trial of A not booted"
printf '\0\0\0\0' > "$TRYBOOT_FLAG"   # watchdog reset / crash-loop reboot: a normal boot
[ "$("$b" get-current)" = B ] || fail "tryboot: no rollback to B"
"$b" set-state A bad
[ "$("$b" get-state A)" = bad ] && [ "$("$b" get-state B)" = good ] || fail "tryboot: states after rollback"
if "$b" set-primary C 2>/dev/null; then fail "tryboot: unknown slot accepted"; fi
echo "ok: tryboot backend commits on mark-good and rolls back without it"
echo "rauc bundle tests passed"
