#!/usr/bin/env bash
# Makes a signed RAUC update bundle (dm-verity format) of a kiosk root filesystem image.
#
#   images/rauc/make-bundle.sh --rootfs rootfs.ext4 --cert signer.pem --key signer.key \
#       --version 0.1.0 [--compatible kiosk-rpi-arm64] [--boot boot.vfat] [--keyring ca.pem] \
#       --out kiosk.raucb
#
# The signing key and certificate are the fleet's (kept offline, never in the repository); the
# tests make throw-away ones with openssl (images/tests/rauc-bundle.sh). --keyring checks the
# result against the CA the devices trust before the bundle leaves the build machine.
set -euo pipefail
rootfs= cert= key= version= compatible=kiosk-rpi-arm64 boot= keyring= out=
while (($#)); do
    case "$1" in
        --rootfs) rootfs=$2 ;; --cert) cert=$2 ;; --key) key=$2 ;; --version) version=$2 ;;
        --compatible) compatible=$2 ;; --boot) boot=$2 ;; --keyring) keyring=$2 ;; --out) out=$2 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "make-bundle: unknown argument $1" >&2; exit 2 ;;
    esac
    shift 2
done
for v in rootfs cert key version out; do
    [ -n "${!v}" ] || { echo "make-bundle: --$v is required" >&2; exit 2; }
done
[ -r "$rootfs" ] || { echo "make-bundle: cannot read $rootfs" >&2; exit 2; }
command -v rauc >/dev/null && command -v mksquashfs >/dev/null \
    || { echo "make-bundle: needs rauc and squashfs-tools (apt-get install rauc squashfs-tools)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/content"
# Hard links when the image is on the same filesystem: no copy of a 1 GB image.
ln "$rootfs" "$work/content/rootfs.ext4" 2>/dev/null || cp "$rootfs" "$work/content/rootfs.ext4"
{
    printf '[update]\ncompatible=%s\nversion=%s\ndescription=Service-desk kiosk firmware\nbuild=%s\n\n' \
        "$compatible" "$version" "$(date -u +%Y%m%dT%H%M%SZ)"
    printf '[bundle]\nformat=verity\n\n'
    printf '[image.rootfs]\nfilename=rootfs.ext4\n'
} > "$work/content/manifest.raucm"
if [ -n "$boot" ]; then
    ln "$boot" "$work/content/boot.vfat" 2>/dev/null || cp "$boot" "$work/content/boot.vfat"
    printf '\n[image.boot]\nfilename=boot.vfat\n' >> "$work/content/manifest.raucm"
fi
rm -f "$out"
args=(--cert="$cert" --key="$key")
[ -n "$keyring" ] && args+=(--keyring="$keyring")
rauc bundle "${args[@]}" "$work/content" "$out"
echo "make-bundle: $out ($(stat -c %s "$out") bytes, $compatible $version)"
