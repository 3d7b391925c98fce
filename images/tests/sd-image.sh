#!/usr/bin/env bash
# Checks images/make-sd-image.sh on a small stand-in root tree (a few files, no real kernel):
# the MBR layout RAUC's system-pi.conf names (p1 config FAT, p2/p3 boot FAT A/B, p5/p6 root
# ext4 A/B, p7 data ext4), each partition's filesystem and label, autoboot.txt committing slot
# A, cmdline.txt naming p5 on boot A and p6 on boot B, provisioning only on boot A, the root
# tree's files on p5. Reads the partitions with mtools and debugfs (no loop devices, no mount).
#
#   images/tests/sd-image.sh        (root or sudo; about 5 s; needs fdisk, dosfstools, mtools)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || exec sudo -E "$0" "$@"
# shellcheck source=tools/packages.sh
. "$here/../tools/packages.sh"
kiosk_packages install image_checks
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0 passes=0
check() { # description, then a command that must succeed
    local what=$1; shift
    if "$@"; then passes=$((passes + 1)); echo "ok   $what"; else fails=$((fails + 1)); echo "FAIL $what"; fi
}

# A stand-in root tree: kernel, initramfs, one Pi device tree, a marker file.
r="$work/root"
k=6.1.0-99-arm64
mkdir -p "$r/usr/bin" "$r/boot" "$r/usr/lib/linux-image-$k/broadcom" "$r/etc"
echo kernel > "$r/boot/vmlinuz-$k"
echo initrd > "$r/boot/initrd.img-$k"
echo dtb > "$r/usr/lib/linux-image-$k/broadcom/bcm2711-rpi-4-b.dtb"
echo kiosk > "$r/etc/hostname"
mkdir -p "$work/prov"
printf 'KIOSK_NUMBER=12\n' > "$work/prov/provision.env"
img="$work/card.img"
"$here/make-sd-image.sh" --root "$r" --out "$img" --provision "$work/prov" \
    --root-size 32 --boot-size 32 --data-size 16 > "$work/log" 2>&1 \
    || { cat "$work/log"; echo "sd-image: make-sd-image.sh failed" >&2; exit 1; }

# Partition table: number start size type.
sfdisk -J "$img" | python3 -c '
import json, sys
for p in json.load(sys.stdin)["partitiontable"]["partitions"]:
    print(p["node"][len(sys.argv[1]):], p["start"], p["size"], p["type"])' "$img" > "$work/parts"
types=$(awk '{printf "%s:%s ", $1, $4}' "$work/parts")
# 32 MiB FAT partitions are FAT16 (type e); the default 256 MiB boot partitions are FAT32 (c).
check "MBR p1-p3 FAT16 LBA, p4 extended, p5-p7 Linux ($types)" \
    test "$types" = "1:e 2:e 3:e 4:5 5:83 6:83 7:83 "
check "p2 (boot A) is the bootable one" sh -c "sfdisk -d '$img' | grep -q '${img}2 .*bootable'"
off() { awk -v n="$1" '$1 == n { print $2 * 512 }' "$work/parts"; }
part() { # number file: the partition copied out
    awk -v n="$1" '$1 == n { print $2, $3 }' "$work/parts" | {
        read -r s z; dd if="$img" of="$2" bs=512 skip="$s" count="$z" status=none; }
}
fat_read() { MTOOLS_SKIP_CHECK=1 mtype -i "$img@@$(off "$1")" "::$2" 2>/dev/null; }
fat_label() { MTOOLS_SKIP_CHECK=1 mlabel -s -i "$img@@$(off "$1")" :: 2>/dev/null | sed 's/.* is //; s/ *$//'; }

check "p1 label KIOSKCFG" test "$(fat_label 1)" = KIOSKCFG
check "autoboot.txt commits boot A (partition 2) with tryboot_a_b" \
    test "$(fat_read 1 autoboot.txt | tr '\n' ' ')" = "[all] tryboot_a_b=1 boot_partition=2 [tryboot] boot_partition=2 "
check "p2/p3 labels BOOT-A/BOOT-B" test "$(fat_label 2)/$(fat_label 3)" = BOOT-A/BOOT-B
check "boot A: cmdline root=/dev/mmcblk0p5 ro rauc.slot=A" \
    sh -c "$(declare -f fat_read off); img='$img' work='$work'; fat_read 2 cmdline.txt | grep -q 'root=/dev/mmcblk0p5 .*ro .*rauc.slot=A'"
check "boot B: cmdline root=/dev/mmcblk0p6 rauc.slot=B" \
    sh -c "$(declare -f fat_read off); img='$img' work='$work'; fat_read 3 cmdline.txt | grep -q 'root=/dev/mmcblk0p6 .*rauc.slot=B'"
check "boot A and B carry the kernel, initramfs, device tree and config.txt" \
    test "$(fat_read 2 vmlinuz)$(fat_read 3 initrd.img)$(fat_read 2 bcm2711-rpi-4-b.dtb)" = kernelinitrddtb
check "config.txt: 64-bit, KMS overlay" sh -c "$(declare -f fat_read off); img='$img' work='$work'; fat_read 2 config.txt | grep -q '^dtoverlay=vc4-kms-v3d' && fat_read 2 config.txt | grep -q '^arm_64bit=1'"
check "provisioning on boot A only" \
    test "$(fat_read 2 kiosk/provision.env)|$(fat_read 3 kiosk/provision.env || true)" = "KIOSK_NUMBER=12|"
for n in 5 6 7; do part "$n" "$work/p$n.ext4"; done
label() { dumpe2fs -h "$1" 2>/dev/null | sed -n 's/^Filesystem volume name: *//p'; }
check "p5/p6/p7 ext4 labels rootfs/rootfs-b/kiosk-data" \
    test "$(label "$work/p5.ext4")/$(label "$work/p6.ext4")/$(label "$work/p7.ext4")" = rootfs/rootfs-b/kiosk-data
check "root A holds the tree (etc/hostname)" \
    test "$(debugfs -R 'cat /etc/hostname' "$work/p5.ext4" 2>/dev/null)" = kiosk
check "root B is empty until the first update" \
    test "$(debugfs -R 'ls -p /' "$work/p6.ext4" 2>/dev/null | grep -c '^/')" -le 3
echo "$passes passed, $fails failed"
((fails == 0))
