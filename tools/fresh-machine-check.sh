#!/usr/bin/env bash
# Fresh-machine check: do the README's quick-start commands work on a fresh Debian 12?
#
#   tools/fresh-machine-check.sh [--with-tests] [--keep]
#
#   --with-tests   also run the README's second command, tools/test.sh (much slower: the whole
#                  suite, clippy, the aarch64 cross-build under qemu-user, the image checks; it
#                  needs /dev/fuse and installs a lot more, e.g. systemd, pcscd, Xvfb)
#   --keep         leave the root (and its build directory) behind for a look inside
#
# What: builds a minimal Debian bookworm root with mmdebstrap (minbase + ca-certificates + git;
# no compiler, no pkg-config, no -dev packages), copies the repository into it (tracked files
# with their uncommitted changes, and untracked files that are not ignored; never target/),
# then, as root in a chroot, runs `tools/demo-check.sh` (the README's `tools/demo.sh --headless`,
# its slips and screens checked as CI checks them).
# Why: the scripts promise to install what they need (tools/packages.sh); a package that this
# machine happens to have but the list lacks only shows on a machine that has nothing.
# Rust itself is not installed but bind-mounted from this machine (rustup home and cargo's bin,
# read-only), and so is cargo's registry (read-write, so crates are downloaded once). The
# build uses its own target directory inside the root.
# When: before changing dependencies (Cargo.toml, build scripts, -sys crates) or install steps
# (tools/packages.sh, tools/demo.sh, tools/test.sh).
# How long: about 1-2 min for the root, then a cold build of the workspace (Slint): 10-20 min on
# 2 cores. Needs root (or sudo) and the Debian mirror; the root lives under ${KIOSK_BUILD_DIR}
# (default ~/.cache/kiosk-image) and is removed at the end unless --keep. The log's path is
# printed at the start and the end.
set -euo pipefail
args=("$@") with_tests=0 keep=0
while (($#)); do
    case "$1" in
        --with-tests) with_tests=1 ;;
        --keep) keep=1 ;;
        -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
        *) echo "fresh-machine-check: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
# The caller's Rust, found before sudo (whose secure_path and HOME would hide it): rustup's home,
# the directory of cargo (rustup's proxies) and cargo's home with the registry.
export CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}
export FRESH_CARGO_BIN=${FRESH_CARGO_BIN:-$(dirname "$(command -v cargo || echo "$CARGO_HOME/bin/cargo")")}
[ -x "$FRESH_CARGO_BIN/cargo" ] || { echo "fresh-machine-check: no cargo on this machine" >&2; exit 1; }
export RUSTUP_HOME=${RUSTUP_HOME:-$("$FRESH_CARGO_BIN/rustup" show home 2>/dev/null || echo "$HOME/.rustup")}
[ "$(id -u)" -eq 0 ] || exec sudo --preserve-env=CARGO_HOME,RUSTUP_HOME,FRESH_CARGO_BIN,KIOSK_BUILD_DIR "$0" "${args[@]}"
cargo_home=$CARGO_HOME cargo_bin=$FRESH_CARGO_BIN rustup_home=$RUSTUP_HOME
repo=$(cd "$(dirname "$0")/.." && pwd)
KIOSK_BUILD_DIR=${KIOSK_BUILD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kiosk-image}
mkdir -p "$KIOSK_BUILD_DIR"
log="$KIOSK_BUILD_DIR/fresh-machine-check-$(date +%Y%m%d-%H%M%S).log"
exec > >(trap '' INT TERM; exec tee -a "$log") 2>&1   # tee outlives a Ctrl-C, to log the cleanup
echo "==> fresh-machine check; log: $log"
mkdir -p "$cargo_home/registry"

root=$(mktemp -d "$KIOSK_BUILD_DIR/fresh-root.XXXXXX")
mounts=()
mount_into() { # mount_into SRC DEST [ro]: bind SRC (a directory or a file) onto DEST in the root
    if [ -d "$1" ]; then mkdir -p "$root$2"; else mkdir -p "$(dirname "$root$2")"; touch "$root$2"; fi
    mount --bind "$1" "$root$2"
    mounts=("$root$2" "${mounts[@]}")
    [ "${3:-}" != ro ] || mount -o remount,bind,ro "$root$2"
}
finish() {
    local rc=$? m
    for m in "${mounts[@]}"; do umount -R "$m" 2>/dev/null || umount -R -l "$m" || true; done
    if grep -qF " $root/" /proc/self/mountinfo; then
        echo "fresh-machine-check: something is still mounted under $root; not removing it" >&2
    elif ((keep)); then
        echo "==> root kept: $root (chroot $root /bin/bash)"
    else
        rm -rf "$root"
    fi
    ((rc == 0)) || echo "fresh-machine-check: FAILED (exit $rc); log: $log" >&2
}
trap finish EXIT
trap 'exit 130' INT TERM

# --- 1. the root: Debian 12 as a minimal installation leaves it --------------------------------
. "$repo/tools/packages.sh"
kiosk_packages install fresh
t0=$SECONDS
echo "==> mmdebstrap bookworm (minbase + ca-certificates, git) into $root"
mmdebstrap --variant=minbase --include=ca-certificates,git bookworm "$root" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main"
t_root=$((SECONDS - t0))

# --- 2. mounts and sources ---------------------------------------------------------------------
mount_into /proc /proc
mount_into /sys /sys
mount --rbind /dev "$root/dev"   # with /dev/pts, /dev/shm; /dev/fuse for tools/test.sh
mounts=("$root/dev" "${mounts[@]}")
mount --make-rslave "$root/dev"
mount_into /etc/resolv.conf /etc/resolv.conf ro
mount_into "$rustup_home" /root/.rustup ro
mount_into "$cargo_bin" /root/.cargo/bin ro
mount_into "$cargo_home/registry" /root/.cargo/registry
echo "==> copying the repository (with uncommitted changes) to /root/kiosk"
mkdir -p "$root/root/kiosk"
# -c lists files deleted in the work tree too; --ignore-failed-read skips them.
git -C "$repo" ls-files -co --exclude-standard -z \
    | tar -C "$repo" --null -T - --ignore-failed-read -cf - | tar -C "$root/root/kiosk" -xf -

in_root() { # in_root COMMAND: runs COMMAND in /root/kiosk as root on the fresh machine
    chroot "$root" /usr/bin/env -i HOME=/root USER=root TERM="${TERM:-dumb}" LANG=C.UTF-8 \
        PATH=/root/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        RUSTUP_HOME=/root/.rustup CARGO_HOME=/root/.cargo CARGO_TARGET_DIR=/var/tmp/kiosk-target \
        /bin/bash -c "cd /root/kiosk && $1"
}

# --- 3. the README's first command, checked as CI checks it (tools/demo-check.sh) ---------------
t0=$SECONDS
echo "==> [fresh root] tools/demo-check.sh /tmp/demo-out (tools/demo.sh --headless, output checked)"
in_root "tools/demo-check.sh /tmp/demo-out" \
    || { echo "fresh-machine-check: the demo failed on the fresh machine" >&2; exit 1; }
t_demo=$((SECONDS - t0))

# --- 4. optionally the README's second command ----------------------------------------------------
t_tests=0
if ((with_tests)); then
    t0=$SECONDS
    echo "==> [fresh root] tools/test.sh"
    in_root "tools/test.sh" \
        || { echo "fresh-machine-check: tools/test.sh failed on the fresh machine" >&2; exit 1; }
    t_tests=$((SECONDS - t0))
fi

tests=""
((with_tests)) && tests=", tests ${t_tests}s"
echo "==> durations: root ${t_root}s, demo build+run ${t_demo}s$tests, total ${SECONDS}s"
echo "==> fresh-machine check passed; log: $log"
