# The Debian 12 packages every script of the repository needs, grouped by what needs them, and
# the one function that installs them. Sourced, not run:
#
#   . tools/packages.sh
#   kiosk_packages install build demo       # installs what is missing, says what
#   kiosk_packages list build               # prints the group's packages
#   kiosk_rust [TARGET...]                  # cargo on PATH (rustup when missing), targets added
#
# Groups (a package may be in several; each group is complete on its own):
#   build    compile the workspace: C toolchain, PC/SC headers (pcsc-sys), fontconfig (Slint's
#            font code), libcrypto headers (SQLCipher)
#   demo     build + what the demo's window loads at run time (xkbcommon for X11)
#   kms      the Pi's display build (`kiosk --features kms`): udev, libinput, xkbcommon, gbm, seat
#   devices  device tests: pcscd with the virtual reader, espeak-ng, FUSE for the power-loss test
#   ui       window tests under Xvfb: the X server, xwd, xdotool, xkbcommon for X11
#   image_checks  the image's checks in the test suite: systemd-analyze, partitioning and
#            file-system tools, RAUC and squashfs
#   image    image_checks + building and booting the image: mmdebstrap and binfmt for arm64
#            roots, QEMU for the boot test, tesseract's Persian model (it reads the panel back)
#   cross    aarch64 cross-builds run under qemu-user
#   bench    benchmarks: Chromium beside the UI, Xvfb, strace, Python venvs
#   fresh    the fresh-machine check (tools/fresh-machine-check.sh): mmdebstrap
#   server   the agency server's tests (server/): PostgreSQL 15, whose initdb and pg_ctl the
#            test harness runs itself in a temporary directory (no system cluster is used)
#   browser  the agency console's browser test (server/tests/console_browser.rs): headless
#            Chromium and its WebDriver, chromedriver
#   npm      npm, which that test runs once to fetch axe-core into the target directory. Its
#            own group: a machine with NodeSource's nodejs has npm already and cannot install
#            Debian's (the packages conflict), so callers install it only when `npm` is missing.
# Used by tools/demo.sh, tools/test.sh, tools/cross/*, images/*, tools/bench/*.

KIOSK_PACKAGES_build="build-essential pkg-config libpcsclite-dev libfontconfig-dev libssl-dev"
KIOSK_PACKAGES_demo="$KIOSK_PACKAGES_build libxkbcommon-x11-0"
KIOSK_PACKAGES_kms="$KIOSK_PACKAGES_build libudev-dev libinput-dev libxkbcommon-dev libgbm-dev libseat-dev"
KIOSK_PACKAGES_devices="pcscd vsmartcard-vpcd espeak-ng fuse3"
KIOSK_PACKAGES_ui="xvfb x11-apps xdotool libxkbcommon-x11-0"
KIOSK_PACKAGES_image_checks="systemd fdisk dosfstools mtools e2fsprogs rauc squashfs-tools openssl"
KIOSK_PACKAGES_image="$KIOSK_PACKAGES_image_checks
    mmdebstrap qemu-user-static binfmt-support arch-test qemu-system-arm qemu-utils
    tesseract-ocr tesseract-ocr-fas"
KIOSK_PACKAGES_cross="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static file binutils
    pkg-config"
KIOSK_PACKAGES_bench="chromium xvfb x11-apps strace python3 python3-venv"
KIOSK_PACKAGES_fresh="mmdebstrap"
KIOSK_PACKAGES_server="postgresql-15"
KIOSK_PACKAGES_browser="chromium chromium-driver"
KIOSK_PACKAGES_npm="npm"

# kiosk_packages list GROUP... | install GROUP...
kiosk_packages() {
    local verb=$1 group var pkg
    shift
    local wanted=()
    for group in "$@"; do
        var="KIOSK_PACKAGES_${group}"
        if [ -z "${!var+x}" ]; then
            echo "tools/packages.sh: no package group '$group'" >&2
            return 2
        fi
        for pkg in ${!var}; do
            case " ${wanted[*]} " in *" $pkg "*) ;; *) wanted+=("$pkg") ;; esac
        done
    done
    case "$verb" in
        list) printf '%s\n' "${wanted[@]}" ;;
        install)
            local missing=()
            for pkg in "${wanted[@]}"; do
                dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
                    || missing+=("$pkg")
            done
            ((${#missing[@]})) || return 0
            echo "==> installing Debian packages ($*): ${missing[*]}"
            local sudo=""
            if [ "$(id -u)" -ne 0 ]; then
                command -v sudo >/dev/null 2>&1 \
                    || { echo "tools/packages.sh: not root and no sudo: install ${missing[*]}" >&2; return 1; }
                sudo="sudo"
            fi
            $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
            DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 \
                install -y -qq "${missing[@]}" >/dev/null
            ;;
        *) echo "tools/packages.sh: kiosk_packages list|install GROUP..." >&2; return 2 ;;
    esac
}

# kiosk_rust [TARGET...]: rustup's cargo on PATH (rustup's minimal profile when there is none:
# Debian's own cargo is older than the workspace's rust-version and has no targets to add), then
# the given rustup targets added.
kiosk_rust() {
    if ! command -v rustup >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/rustup" ]; then
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
    if ! command -v rustup >/dev/null 2>&1; then
        echo "==> installing the Rust toolchain (rustup, minimal profile)"
        command -v curl >/dev/null 2>&1 || kiosk_packages_install_raw curl ca-certificates
        curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
    local target
    for target in "$@"; do
        rustup target list --installed | grep -qx "$target" || rustup target add "$target"
    done
}

# Packages outside the groups (the toolchain's own download tools).
kiosk_packages_install_raw() {
    KIOSK_PACKAGES_raw="$*" kiosk_packages install raw
}

# The directory of PostgreSQL 15's programs: $PG_BIN, else Debian's, installing group `server`
# when it is not there yet (the benchmarks and demos that start a cluster of their own).
kiosk_pg_bin() {
    local bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
    if [ ! -x "$bin/initdb" ]; then
        kiosk_packages install server >&2
    fi
    echo "$bin"
}
