#!/usr/bin/env bash
# Builds the kiosk's Debian bookworm arm64 root filesystem with mmdebstrap from the Debian
# archive, then the ext4 images of the QEMU test system (or the root filesystem of the Pi).
#
#   images/build-image.sh [--target qemu|pi] [--debs DIR] [--pi-debs DIR] [--out DIR]
#
#   --target qemu   (default) the test image: Debian's linux-image-arm64, booted by
#                   images/qemu/boot-test.sh on `qemu-system-aarch64 -M virt`.
#   --target pi     the Raspberry Pi image: the Pi's kernel and boot firmware are an INPUT
#                   (--pi-debs DIR holding e.g. linux-image-rpi-v8, raspi-firmware .debs from
#                   archive.raspberrypi.com, which is not reachable from the build machines);
#                   without --pi-debs, Debian's own raspi-firmware and linux-image-arm64 (Pi 3/4
#                   only; the Pi 5 needs Raspberry Pi's kernel).
#   --debs DIR      the kiosk packages (default: ${KIOSK_BUILD_DIR}/debs, as written by
#                   tools/cross/build-release.sh).
#   --out DIR       outputs (default ${KIOSK_BUILD_DIR}/<target>); never inside the repository.
#
# Two stages: (1) the base system from the archive, cached as base-<target>-<hash>.tar (the
# hash covers the package list and images/rootfs/), almost all of it spent in dpkg under
# qemu-user; (2) the kiosk packages installed into a copy of it with dpkg in a chroot, then
# `mke2fs -d` makes the filesystem images without loop devices.
#
# Outputs: rootfs.ext4 (slot A, and the RAUC bundle's input: images/rauc/make-bundle.sh),
# data.ext4 (the data partition, with a test provisioning for kiosk 12 when --target qemu),
# vmlinuz, initrd.img.
#
# Needs root (or sudo), mmdebstrap, qemu-user-static with binfmt_misc (registered below when
# missing), e2fsprogs. Foreign-architecture notes: images/README.md.
set -euo pipefail
# Big outputs (sysroot, packages, root file systems, disks) live outside the repository.
KIOSK_BUILD_DIR=${KIOSK_BUILD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kiosk-image}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

target=qemu
debs=${KIOSK_BUILD_DIR}/debs
pi_debs=
out=
while (($#)); do
    case "$1" in
        --target) target=$2; shift 2 ;;
        --debs) debs=$2; shift 2 ;;
        --pi-debs) pi_debs=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
        *) echo "build-image: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$target" in qemu|pi) ;; *) echo "build-image: --target must be qemu or pi" >&2; exit 2 ;; esac
out=${out:-${KIOSK_BUILD_DIR}/$target}
case "$(realpath -m "$out")/" in "$repo"/*) echo "build-image: --out must be outside the repository" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || exec sudo -E "$0" "$@"
mkdir -p "$out"

# --- tools and foreign-architecture execution ----------------------------------------------
# shellcheck source=tools/packages.sh
. "$repo/tools/packages.sh"
kiosk_packages install image
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    update-binfmts --import qemu-aarch64 || update-binfmts --enable qemu-aarch64
fi
arch-test arm64 >/dev/null || { echo "build-image: arm64 binaries cannot run here (binfmt_misc + qemu-user-static)" >&2; exit 1; }

# --- stage 1: the base system ----------------------------------------------------------------
packages=(
    # init, devices, network, time
    systemd systemd-sysv udev dbus kmod systemd-resolved systemd-timesyncd iproute2
    e2fsprogs initramfs-tools ca-certificates tzdata
    # updates
    rauc squashfs-tools
    # the kiosk's runtime: PC/SC card readers, speech, Slint's fonts and DRM/KMS + touch
    pcscd libccid libpcsclite1 espeak-ng libfontconfig1 fontconfig-config
    libinput10 libudev1 libxkbcommon0 libgbm1 libseat1 libdrm2
)
components=main
if [ "$target" = qemu ]; then
    packages+=(linux-image-arm64)
elif [ -n "$pi_debs" ]; then
    mapfile -t pi_files < <(find "$(realpath "$pi_debs")" -maxdepth 1 -name '*.deb' | sort)
    ((${#pi_files[@]})) || { echo "build-image: no .deb in --pi-debs $pi_debs" >&2; exit 2; }
    packages+=("${pi_files[@]}")
else
    packages+=(linux-image-arm64 raspi-firmware)
    components=main,non-free-firmware
fi
hash=$( { printf '%s\n' "$target" "${packages[@]}"; (cd "$here/rootfs" && find . -type f -exec sha256sum {} + | sort); } | sha256sum | cut -c1-12)
base="$out/base-$target-$hash.tar"
if [ ! -s "$base" ]; then
    echo "==> stage 1: mmdebstrap bookworm arm64 ($target) -> $base"
    start=$(date +%s)
    include=$(IFS=,; echo "${packages[*]}")
    mmdebstrap --mode=root --format=tar --arch=arm64 --variant=apt --components="$components" \
        --include="$include" \
        --essential-hook='mkdir -p "$1/etc/initramfs-tools"' \
        --essential-hook="sync-in '$here/rootfs/etc/initramfs-tools' /etc/initramfs-tools" \
        --customize-hook="sync-in '$here/rootfs' /" \
        --customize-hook='chroot "$1" systemctl enable systemd-networkd systemd-resolved systemd-timesyncd' \
        --customize-hook='chroot "$1" systemctl mask getty@.service serial-getty@.service autovt@.service console-getty.service getty.target systemd-random-seed.service' \
        --customize-hook='ln -sf /usr/share/zoneinfo/Asia/Tehran "$1/etc/localtime"; echo Asia/Tehran > "$1/etc/timezone"' \
        --customize-hook='echo kiosk > "$1/etc/hostname"; : > "$1/etc/machine-id"' \
        --customize-hook='ln -sf /run/systemd/resolve/stub-resolv.conf "$1/etc/resolv.conf"' \
        --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
        bookworm "$base.part.tar" http://deb.debian.org/debian
    mv "$base.part.tar" "$base"
    echo "    stage 1 took $(( $(date +%s) - start )) s"
fi

# --- stage 2: the kiosk packages -------------------------------------------------------------
# The kiosk and its CLI; samad-sim stays off devices.
mapfile -t kiosk_debs < <(find "$debs" -maxdepth 1 \( -name 'kiosk_*_arm64.deb' -o -name 'kioskctl_*_arm64.deb' \) | sort)
((${#kiosk_debs[@]} == 2)) || { echo "build-image: need kiosk_*_arm64.deb and kioskctl_*_arm64.deb in $debs (run tools/cross/build-release.sh)" >&2; exit 1; }
start=$(date +%s)
root="$out/root"
mounted=()
cleanup() {
    for ((i=${#mounted[@]}-1; i>=0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
rm -rf "$root" && mkdir -p "$root"
tar -C "$root" -xf "$base"
# Mount points must exist in the image: systemd cannot create them on a read-only root, and a
# missing one sends the boot to emergency mode.
mkdir -p "$root/var/lib/kiosk" "$root/var/lib/systemd/timesync" "$root/var/lib/systemd/linger" "$root/var/log/journal"
for fs in proc sys dev; do mount --rbind "/$fs" "$root/$fs"; mounted+=("$root/$fs"); done
mkdir -p "$root/tmp/kiosk-debs" && cp "${kiosk_debs[@]}" "$root/tmp/kiosk-debs/"
echo "==> stage 2: dpkg -i ${kiosk_debs[*]##*/}"
chroot "$root" sh -c 'dpkg -i /tmp/kiosk-debs/*.deb'
rm -rf "$root/tmp/kiosk-debs"
chroot "$root" systemctl enable kiosk.service kiosk-firstboot.service kiosk-health.service
# e2scrub needs LVM snapshots, which the kiosk has none of; on a read-only root it only delays boot.
chroot "$root" systemctl mask e2scrub_reap.service e2scrub_all.timer
# No way out from a keyboard plugged into the kiosk: Ctrl+Alt+Del does not reboot it, there is
# no debug shell on tty9, and the magic SysRq keys are off (no getty runs on any VT either).
chroot "$root" systemctl mask ctrl-alt-del.target debug-shell.service
printf '# The kiosk image (images/build-image.sh): no magic SysRq from a plugged-in keyboard.\nkernel.sysrq = 0\n' \
    > "$root/etc/sysctl.d/10-kiosk-lockdown.conf"
if [ "$target" = qemu ]; then
    # The QEMU machine has no A/B bootloader: RAUC's custom backend keeps its state in a file.
    install -D -m 0644 "$here/rauc/system-qemu.conf" "$root/etc/rauc/system.conf"
    # TCG emulates the CPU 10-30 times slower than a Pi runs it: the start and watchdog limits
    # meant for the device would restart a kiosk that is merely slow (test image only).
    mkdir -p "$root/etc/systemd/system/kiosk.service.d"
    printf '# QEMU TCG test image only (images/build-image.sh): emulation is slow.\n[Service]\nTimeoutStartSec=600s\nWatchdogSec=180s\n' \
        > "$root/etc/systemd/system/kiosk.service.d/qemu-tcg.conf"
else
    install -D -m 0644 "$here/rauc/system-pi.conf" "$root/etc/rauc/system.conf"
fi
install -D -m 0755 "$here/rauc/rauc-pi-tryboot" "$root/usr/lib/kiosk/rauc-pi-tryboot"
# Debian's rauc package has the command but not its D-Bus service, which the client commands
# (mark-good, install) call: the unit, its bus policy and its D-Bus activation file.
install -D -m 0644 "$here/rauc/rauc.service" "$root/usr/lib/systemd/system/rauc.service"
install -D -m 0644 "$here/rauc/de.pengutronix.rauc.conf" "$root/usr/share/dbus-1/system.d/de.pengutronix.rauc.conf"
install -D -m 0644 "$here/rauc/de.pengutronix.rauc.service" "$root/usr/share/dbus-1/system-services/de.pengutronix.rauc.service"
install -D -m 0755 "$here/rauc/rauc-file-backend" "$root/usr/lib/kiosk/rauc-file-backend"
# The image's own keyring is the fleet's update CA, given at build time (never committed).
if [ -n "${KIOSK_RAUC_KEYRING:-}" ]; then
    install -D -m 0644 "$KIOSK_RAUC_KEYRING" "$root/etc/rauc/keyring.pem"
fi
for fs in "${mounted[@]}"; do umount -l "$fs"; done
mounted=()
for fs in proc sys dev; do mkdir -p "$root/$fs"; done

# Kernel and initramfs for QEMU's direct kernel boot.
cp -L "$root/vmlinuz" "$out/vmlinuz" 2>/dev/null || cp "$(ls "$root"/boot/vmlinuz-* | tail -n1)" "$out/vmlinuz"
cp -L "$root/initrd.img" "$out/initrd.img" 2>/dev/null || cp "$(ls "$root"/boot/initrd.img-* | tail -n1)" "$out/initrd.img"

# Root filesystem image (slot A), with 25% room, and the data partition.
size_kb=$(du -sk "$root" | cut -f1)
size_mb=$(( size_kb * 125 / 100 / 1024 + 64 ))
rm -f "$out/rootfs.ext4" "$out/data.ext4"
mke2fs -q -t ext4 -L rootfs -d "$root" "$out/rootfs.ext4" "${size_mb}M"
data_seed="$out/data-seed"
rm -rf "$data_seed" && mkdir -p "$data_seed"
if [ "$target" = qemu ]; then
    # The test kiosk provisions itself on first boot from this (a Pi reads the boot partition).
    # QEMU has no printer, scanner or card reader: the configuration is the example's up to its
    # device sections, then the simulated printer and no other devices.
    mkdir -p "$data_seed/provision"
    printf 'KIOSK_NUMBER=12\nKIOSK_ROTATION=0\n' > "$data_seed/provision/provision.env"
    {
        sed -e '/^# ---- Devices/,$d' -e 's|^number = .*|number = 12|' \
            "$repo/firmware/config/kiosk.example.toml"
        printf '[printer]\nprofile = "80mm"\ntransport = "sim"\n\n'
        printf '[scanner]\nbackend = "none"\n\n[card]\nbackend = "none"\n\n'
        printf '[keypad]\nbackend = "none"\n\n[speech]\nbackend = "none"\n'
    } > "$data_seed/provision/kiosk.toml"
fi
mke2fs -q -t ext4 -L kiosk-data -d "$data_seed" "$out/data.ext4" 256M
echo "    stage 2 took $(( $(date +%s) - start )) s"
ls -l "$out"/{rootfs.ext4,data.ext4,vmlinuz,initrd.img}
