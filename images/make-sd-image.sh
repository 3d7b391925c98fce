#!/usr/bin/env bash
# Lays out the Raspberry Pi's SD-card (or eMMC) image from a root filesystem built by
# images/build-image.sh: the partition table RAUC's system-pi.conf names, written into one .img
# file without loop devices (each filesystem is made as a file, then copied to its offset).
#
#   images/make-sd-image.sh --root DIR --out FILE.img [--provision DIR]
#                           [--root-size MB] [--boot-size MB] [--data-size MB]
#
#   --root DIR       the root tree (build-image.sh leaves it in ${KIOSK_BUILD_DIR}/<target>/root).
#   --out FILE.img   the card image; must be outside the repository.
#   --provision DIR  provision.env (and credentials) copied to kiosk/ on boot A, read by
#                    kiosk-firstboot on the first boot (the secrets are deleted from there).
#   --root-size MB   each root slot (default: the tree's size + 25 %, at least 1024).
#   --boot-size MB   each boot slot (default 256). --data-size MB: the data partition (512).
#
# MBR layout (the Pi firmware's tryboot reads autoboot.txt from the first FAT partition):
#   (FAT16 or FAT32 as mkfs.vfat picks for the size; the MBR type says which)
#   p1 FAT  KIOSKCFG  autoboot.txt: [all] boot_partition=2 (slot A committed), tryboot_a_b=1
#   p2 FAT  BOOT-A    firmware, kernel, initramfs, device trees, config.txt, cmdline.txt root=p5
#   p3 FAT  BOOT-B    the same files, cmdline.txt root=p6 (RAUC writes root B; see README)
#   p4 extended
#   p5 ext4 rootfs    slot A, the tree given; read-only at run time
#   p6 ext4 rootfs-b  slot B, empty until the first update
#   p7 ext4 kiosk-data  /var/lib/kiosk (database, keys, journal, RAUC status)
#
# Boot files come from the tree: /boot/firmware if a kernel hook filled it (Raspberry Pi OS's
# and Debian's raspi-firmware do), else /usr/lib/raspi-firmware (Debian's firmware blobs),
# /boot/vmlinuz-*, /boot/initrd.img-* and the kernel package's broadcom/*.dtb.
# Needs: sfdisk, mkfs.vfat (dosfstools), mcopy (mtools), mke2fs. Run as root (the tree's
# files are root's).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

root='' out='' provision='' root_mb='' boot_mb=256 data_mb=512
while (($#)); do
    case "$1" in
        --root) root=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --provision) provision=$2; shift 2 ;;
        --root-size) root_mb=$2; shift 2 ;;
        --boot-size) boot_mb=$2; shift 2 ;;
        --data-size) data_mb=$2; shift 2 ;;
        -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
        *) echo "make-sd-image: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ -n "$root" ] && [ -d "$root/usr" ] || { echo "make-sd-image: --root DIR (a root tree with usr/) is required" >&2; exit 2; }
[ -n "$out" ] || { echo "make-sd-image: --out FILE.img is required" >&2; exit 2; }
case "$(realpath -m "$out")" in "$repo"/*) echo "make-sd-image: --out must be outside the repository" >&2; exit 2 ;; esac
[ -z "$provision" ] || [ -r "$provision/provision.env" ] || { echo "make-sd-image: $provision/provision.env missing" >&2; exit 2; }
# shellcheck source=tools/packages.sh
. "$repo/tools/packages.sh"
kiosk_packages install image_checks
[ "$(id -u)" -eq 0 ] || exec sudo -E "$0" "$@"

work=$(mktemp -d "$(dirname "$(realpath -m "$out")")/.sd.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- boot files ------------------------------------------------------------------------------
boot="$work/boot"
mkdir -p "$boot"
if [ -n "$(ls -A "$root/boot/firmware" 2>/dev/null)" ]; then
    cp -rL "$root/boot/firmware/." "$boot/"
    echo "==> boot files from $root/boot/firmware"
else
    kernel=$(ls "$root"/boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1)
    [ -n "$kernel" ] || { echo "make-sd-image: no /boot/vmlinuz-* in $root" >&2; exit 1; }
    kver=${kernel##*/vmlinuz-}
    [ -r "$root/boot/initrd.img-$kver" ] || { echo "make-sd-image: no /boot/initrd.img-$kver" >&2; exit 1; }
    cp "$kernel" "$boot/vmlinuz"
    cp "$root/boot/initrd.img-$kver" "$boot/initrd.img"
    dtbs=$(ls "$root/usr/lib/linux-image-$kver/broadcom/"bcm27*-rpi-*.dtb 2>/dev/null || true)
    [ -n "$dtbs" ] || { echo "make-sd-image: no Raspberry Pi device trees (usr/lib/linux-image-$kver/broadcom)" >&2; exit 1; }
    cp $dtbs "$boot/"
    if [ -d "$root/usr/lib/raspi-firmware" ]; then
        cp -r "$root/usr/lib/raspi-firmware/." "$boot/"
    else
        echo "    warning: no firmware blobs (start4.elf, fixup4.dat) in the tree: install raspi-firmware" \
            "(build-image.sh --target pi) or the card boots only on a Pi 5 (firmware in EEPROM)" >&2
    fi
    cat > "$boot/config.txt" <<'EOF'
# Kiosk (images/make-sd-image.sh): 64-bit kernel, KMS driver for the panel, serial console.
arm_64bit=1
kernel=vmlinuz
initramfs initrd.img followkernel
dtoverlay=vc4-kms-v3d
disable_overscan=1
enable_uart=1
EOF
    echo "==> boot files assembled from the tree: kernel $kver, $(echo "$dtbs" | wc -w) device trees"
fi
cmdline() { # root partition, slot
    echo "console=serial0,115200 console=tty1 root=/dev/mmcblk0$1 rootfstype=ext4 ro rootwait rauc.slot=$2 quiet"
}

fat() { # file size_mb label dir
    rm -f "$1"
    mkfs.vfat -C -n "$3" "$1" $(( $2 * 1024 )) >/dev/null
    if [ -n "$4" ] && [ -n "$(ls -A "$4")" ]; then
        MTOOLS_SKIP_CHECK=1 mcopy -s -p -i "$1" "$4"/* ::/
    fi
}
mkdir -p "$work/cfg"
printf '[all]\ntryboot_a_b=1\nboot_partition=2\n[tryboot]\nboot_partition=2\n' > "$work/cfg/autoboot.txt"
fat "$work/p1.vfat" 32 KIOSKCFG "$work/cfg"
cmdline p5 A > "$boot/cmdline.txt"
if [ -n "$provision" ]; then
    mkdir -p "$boot/kiosk" && cp -r "$provision/." "$boot/kiosk/"
fi
fat "$work/p2.vfat" "$boot_mb" BOOT-A "$boot"
rm -rf "$boot/kiosk"
cmdline p6 B > "$boot/cmdline.txt"
fat "$work/p3.vfat" "$boot_mb" BOOT-B "$boot"

# --- ext4 slots and data ---------------------------------------------------------------------
if [ -z "$root_mb" ]; then
    root_mb=$(( $(du -sk "$root" | cut -f1) * 125 / 100 / 1024 + 64 ))
    ((root_mb >= 1024)) || root_mb=1024
fi
mke2fs -q -t ext4 -L rootfs -d "$root" "$work/p5.ext4" "${root_mb}M" >/dev/null
mke2fs -q -t ext4 -L rootfs-b "$work/p6.ext4" "${root_mb}M" >/dev/null
mke2fs -q -t ext4 -L kiosk-data "$work/p7.ext4" "${data_mb}M" >/dev/null

# --- partition table and assembly ------------------------------------------------------------
# Sizes in MiB, every partition 4 MiB aligned; each logical partition is preceded by its EBR,
# so logical partitions start 4 MiB after the previous one ends.
declare -A size=([1]=32 [2]=$boot_mb [3]=$boot_mb [5]=$root_mb [6]=$root_mb [7]=$data_mb)
declare -A start
pos=4
for p in 1 2 3; do start[$p]=$pos; pos=$(( pos + ${size[$p]} )); done
ext_start=$pos
for p in 5 6 7; do pos=$(( pos + 4 )); start[$p]=$pos; pos=$(( pos + ${size[$p]} )); done
total=$(( pos + 4 ))
rm -f "$out"
truncate -s "${total}M" "$out"
mib=2048   # sectors of 512 bytes
# MBR type of a FAT filesystem as mkfs.vfat chose it for its size: 0c FAT32 LBA, 0e FAT16 LBA.
fat_type() { [ "$(dd if="$1" bs=1 skip=82 count=5 status=none)" = FAT32 ] && echo c || echo e; }
{
    echo "label: dos"
    echo "unit: sectors"
    echo "start=$(( ${start[1]} * mib )), size=$(( ${size[1]} * mib )), type=$(fat_type "$work/p1.vfat")"
    echo "start=$(( ${start[2]} * mib )), size=$(( ${size[2]} * mib )), type=$(fat_type "$work/p2.vfat"), bootable"
    echo "start=$(( ${start[3]} * mib )), size=$(( ${size[3]} * mib )), type=$(fat_type "$work/p3.vfat")"
    echo "start=$(( ext_start * mib )), size=$(( (pos - ext_start) * mib )), type=5"
    for p in 5 6 7; do
        echo "start=$(( ${start[$p]} * mib )), size=$(( ${size[$p]} * mib )), type=83"
    done
} | sfdisk -q "$out"
for p in 1 2 3 5 6 7; do
    f=$(ls "$work"/p$p.*)
    dd if="$f" of="$out" bs=1M seek="${start[$p]}" conv=notrunc,sparse status=none
done
echo "==> $out: $(( total )) MiB"
sfdisk -d "$out" | sed 's/^/    /'
