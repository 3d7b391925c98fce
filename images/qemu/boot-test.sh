#!/usr/bin/env bash
# Boots the kiosk test image (images/build-image.sh --target qemu) in qemu-system-aarch64 -M virt
# with TCG (no KVM: the build machine is x86_64), waits until the kiosk service reports ready on
# the serial console, takes a screendump of the virtio-gpu screen through the QEMU monitor and
# converts it to PNG. Prints the time to each milestone.
#
#   images/qemu/boot-test.sh [--image-dir DIR] [--timeout SECONDS] [--png FILE]
#
#   --image-dir  the output of build-image.sh (default ${KIOSK_BUILD_DIR}/qemu); the disks are
#                copied to DIR/run/ first, so every run is a first boot (provisioning included).
#   --timeout    give up after this long (default 900 s: TCG on a busy 2-core machine is slow).
#   --png        where the screendump goes (default DIR/run/screendump.png).
#   --health     after the screendump, keep the machine running until kiosk-health.service
#                (a minute after READY=1) has marked the booted RAUC slot good.
#   --expect T   the Persian text that must be read back from the panel (default the attract
#                screen's title «ثبت و پیگیری درخواست»; the out-of-service screen's
#                «این دستگاه موقتاً از سرویس خارج است» when booting without a key file).
#
# Milestones looked for on the serial console (kernel console=ttyAMA0; the kiosk's units write
# to journal+console):
#   "kiosk-firstboot: kiosk 12 provisioned"      first-boot provisioning done
#   "kiosk 12 running"                           the firmware's own line as it starts serving
#   "Started kiosk.service"                      systemd received READY=1 (Type=notify)
# The screendump is retried (every 5 s, up to 60 s after READY=1) until tesseract's Persian model
# reads the expected text off it: READY=1 is sent before the first frame reaches the panel, and a
# kiosk built without a display backend leaves the text console on the screen, which must fail.
# Exit status: 0 ready and screendump taken (and with --health, the slot marked good), 1 not
# ready in time, the screen stayed blank or the health check failed (the console log is kept).
set -euo pipefail
# Big outputs (sysroot, packages, root file systems, disks) live outside the repository.
KIOSK_BUILD_DIR=${KIOSK_BUILD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kiosk-image}
dir=${KIOSK_BUILD_DIR}/qemu
timeout=900
png=
health=0
expect="ثبت و پیگیری درخواست"
while (($#)); do
    case "$1" in
        --image-dir) dir=$2; shift 2 ;;
        --timeout) timeout=$2; shift 2 ;;
        --png) png=$2; shift 2 ;;
        --health) health=1; shift ;;
        --expect) expect=$2; shift 2 ;;
        -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
        *) echo "boot-test: unknown argument $1" >&2; exit 2 ;;
    esac
done
# shellcheck source=tools/packages.sh
. "$(dirname "$0")/../../tools/packages.sh"
kiosk_packages install image
for f in vmlinuz initrd.img rootfs.ext4 data.ext4; do
    [ -r "$dir/$f" ] || { echo "boot-test: $dir/$f missing (run images/build-image.sh --target qemu)" >&2; exit 2; }
done
run="$dir/run"
rm -rf "$run" && mkdir -p "$run"
cp --sparse=always "$dir/rootfs.ext4" "$run/rootfs.ext4"
cp --sparse=always "$dir/data.ext4" "$run/data.ext4"
truncate -s "$(stat -c %s "$dir/rootfs.ext4")" "$run/slot-b.ext4"   # RAUC's empty slot B
png=${png:-$run/screendump.png}
console="$run/console.log"
mon="$run/monitor.sock"

# -cpu max with the cheap pointer-authentication algorithm: much faster under TCG than the
# architected one; fall back to cortex-a72 on QEMU versions without the property.
cpu="max,pauth-impdef=on"
qemu-system-aarch64 -M virt -cpu help 2>/dev/null | grep -q '^ *max' || cpu=cortex-a72

start=$(date +%s)
qemu-system-aarch64 -M virt -accel tcg,thread=multi -cpu "$cpu" -smp 2 -m 1536 \
    -kernel "$dir/vmlinuz" -initrd "$dir/initrd.img" \
    -append "root=/dev/vda ro rootwait console=ttyAMA0 rauc.slot=A systemd.show_status=1" \
    -drive "if=none,id=root,format=raw,file=$run/rootfs.ext4" -device virtio-blk-pci,drive=root \
    -drive "if=none,id=data,format=raw,file=$run/data.ext4" -device virtio-blk-pci,drive=data \
    -drive "if=none,id=slotb,format=raw,file=$run/slot-b.ext4" -device virtio-blk-pci,drive=slotb \
    -device virtio-gpu-pci,xres=1280,yres=800 -device virtio-rng-pci \
    -device i6300esb -action watchdog=reset \
    -nic none -display none -serial "file:$console" \
    -monitor "unix:$mon,server,nowait" &
qemu=$!
trap 'kill "$qemu" 2>/dev/null || true' EXIT

elapsed() { echo $(( $(date +%s) - start )); }
declare -A seen=()
milestone() { # pattern label
    if [ -z "${seen[$2]:-}" ] && grep -qa "$1" "$console" 2>/dev/null; then
        seen[$2]=$(elapsed)
        echo "    ${seen[$2]} s: $2"
    fi
}
echo "==> booting (TCG, cpu $cpu); console: $console"
ready=0
while (( $(elapsed) < timeout )); do
    kill -0 "$qemu" 2>/dev/null || { echo "boot-test: qemu exited" >&2; break; }
    milestone "Linux version" "kernel started"
    milestone "Reached target.*Local File Systems" "local filesystems mounted"
    milestone "kiosk-firstboot: kiosk .* provisioned" "first-boot provisioning done"
    milestone "kiosk [0-9]* running" "kiosk printed its running line"
    milestone "Started.*kiosk.service" "systemd got READY=1 (kiosk.service started)"
    if [ -n "${seen["systemd got READY=1 (kiosk.service started)"]:-}" ]; then ready=1; break; fi
    # Each failed start once (systemd restarts the kiosk; the loop keeps waiting).
    failures=$(grep -ac "Failed to start.*kiosk.service\|kiosk.service: Main process exited\|kiosk.service: Failed" "$console" 2>/dev/null || true)
    if (( ${failures:-0} > ${reported:-0} )); then
        reported=$failures
        echo "    $(elapsed) s: kiosk.service failed ($failures so far); its last lines:" >&2
        grep -a "kiosk\[\|Error\|error" "$console" | tail -n 5 | sed 's/^/        /' >&2
    fi
    sleep 2
done
if ((ready == 0)); then
    echo "boot-test: kiosk not ready after $(elapsed) s; last console lines:" >&2
    tail -n 30 "$console" >&2
    exit 1
fi

# READY=1 comes before the first frame reaches the panel: ask the monitor for screendumps until
# the screen is not one flat colour (the console before the kiosk, or nothing yet).
monitor() { # command
    printf '%s\n' "$1" | python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
time.sleep(0.5); s.recv(65536)
s.sendall(sys.stdin.read().encode()); time.sleep(3); s.close()' "$mon"
}
# What OCR and the expected text are compared on: no spaces or half-spaces, and the Arabic forms
# of yeh and kaf that OCR may give read as the Persian letters.
ocr_key() { printf '%s' "$1" | sed 's/[[:space:]]//g; s/\xe2\x80\x8c//g; s/ي/ی/g; s/ك/ک/g'; }
ppm="$run/screendump.ppm"
shown=0
for attempt in $(seq 1 12); do
    sleep 5
    rm -f "$ppm"
    monitor "screendump $ppm"
    for _ in $(seq 1 20); do [ -s "$ppm" ] && break; sleep 1; done
    [ -s "$ppm" ] || { echo "boot-test: no screendump written" >&2; exit 1; }
    # PPM (P6) to PNG with the standard library only; exit 3 when every pixel is the same.
    rc=0
    python3 - "$ppm" "$png" <<'EOF' || rc=$?
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
fields, pos = [], 0
while len(fields) < 4:
    while data[pos:pos+1].isspace(): pos += 1
    if data[pos:pos+1] == b"#":
        pos = data.index(b"\n", pos); continue
    end = pos
    while not data[end:end+1].isspace(): end += 1
    fields.append(data[pos:end]); pos = end
pos += 1
assert fields[0] == b"P6" and fields[3] == b"255", fields
w, h = int(fields[1]), int(fields[2])
pixels = data[pos:pos + w * h * 3]
raw = b"".join(b"\0" + pixels[y * w * 3:(y + 1) * w * 3] for y in range(h))
def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
open(sys.argv[2], "wb").write(png)
colours = len(set(pixels[i:i + 3] for i in range(0, len(pixels), 3 * 97)))
print(f"    screendump {w}x{h}, {colours} colours sampled, {len(png)} bytes -> {sys.argv[2]}")
sys.exit(3 if colours <= 1 else 0)
EOF
    if ((rc == 3)); then
        echo "    $(elapsed) s: screen still one flat colour (attempt $attempt)"
        continue
    fi
    ((rc == 0)) || { echo "boot-test: screendump conversion failed" >&2; exit 1; }
    read_back=$(tesseract "$png" - -l fas 2>/dev/null | tr '\n' ' ' || true)
    if [[ "$(ocr_key "$read_back")" == *"$(ocr_key "$expect")"* ]]; then
        echo "    read back from the panel: $read_back"
        shown=1; shot_at=$(elapsed); break
    fi
    echo "    $(elapsed) s: «$expect» not on the panel yet (attempt $attempt; read: ${read_back:0:80})"
done
if ((shown == 0)); then
    echo "boot-test: kiosk ready but «$expect» never reached the panel (last screendump: $png); last console lines:" >&2
    tail -n 30 "$console" >&2
fi
if ((shown && health)); then
    echo "==> waiting for kiosk-health.service (marks the slot good a minute after READY=1)"
    while (( $(elapsed) < timeout )); do
        milestone "Finished.*kiosk-heal" "kiosk-health marked the slot good"
        [ -n "${seen["kiosk-health marked the slot good"]:-}" ] && break
        if grep -qa "Failed to start.*kiosk-heal" "$console"; then
            echo "boot-test: kiosk-health.service failed; last console lines:" >&2
            tail -n 30 "$console" >&2
            shown=0; break
        fi
        sleep 2
    done
    [ -n "${seen["kiosk-health marked the slot good"]:-}" ] || { echo "boot-test: slot not marked good in time" >&2; shown=0; }
fi
monitor quit || true
wait "$qemu" 2>/dev/null || true
if ((shown == 0)); then
    echo "boot-test: failed (see above); console: $console" >&2
    exit 1
fi
echo "==> ready in ${seen["systemd got READY=1 (kiosk.service started)"]} s; screendump at $shot_at s: $png"
