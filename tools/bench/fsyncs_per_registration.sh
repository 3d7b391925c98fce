#!/usr/bin/env bash
# Sync calls per case registration, as the kernel sees them.
#
# Builds firmware/store/examples/register_many.rs and runs it twice under
# `strace -f -c -e trace=fsync,fdatasync,sync_file_range`: once registering N cases, once
# registering none (creating and opening the database, then closing it). Prints
#     fsyncs per registration: X      with X = (sync calls with N - sync calls with 0) / N
# and exits 1 when X is above the goal of 2 (one WAL sync per commit, plus checkpoints).
#
# Usage: tools/bench/fsyncs_per_registration.sh [N] [DIR]
#   N    registrations, default 1000
#   DIR  where the temporary database is made, default target/tmp (the build's disk); use the
#        kiosk's data partition to measure there (the count does not depend on the disk, the time
#        does)
# The example is built with the dev profile: optimisation changes the time, not the syscalls.
set -euo pipefail

n=${1:-1000}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dir=${2:-${CARGO_TARGET_DIR:-$root/target}/tmp}
case $n in
  '' | *[!0-9]* | 0) echo "N must be a positive whole number, got '$n'" >&2; exit 2 ;;
esac

# shellcheck source=tools/packages.sh
. "$root/tools/packages.sh"
kiosk_packages install build bench

cd "$root"
cargo build --quiet -p kiosk-store --example register_many
bin=${CARGO_TARGET_DIR:-$root/target}/debug/examples/register_many
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Total sync calls of one run registering $1 cases; strace's table goes to $work/strace-$1.txt.
# (Times under strace are not meaningful: the criterion bench register_case measures time.)
sync_calls() {
  if ! strace -f -c -o "$work/strace-$1.txt" -e trace=fsync,fdatasync,sync_file_range \
    "$bin" "$1" "$dir" >/dev/null 2>"$work/run-$1.err"; then
    cat "$work/run-$1.err" >&2
    exit 1
  fi
  awk '$NF == "total" { total = $4 } END { print total + 0 }' "$work/strace-$1.txt"
}

base=$(sync_calls 0)
total=$(sync_calls "$n")
echo "sync calls with N=$n, by syscall:"
awk '$1 ~ /^[0-9.]+$/ && $NF != "total" { print "  " $NF ": " $4 }' "$work/strace-$n.txt"
echo "sync calls: $total with N=$n, $base with N=0 (create, open, close)"
per=$(awk -v t="$total" -v b="$base" -v n="$n" 'BEGIN { printf "%.3f", (t - b) / n }')
echo "fsyncs per registration: $per"
if awk -v p="$per" 'BEGIN { exit !(p > 2) }'; then
  echo "above the goal of 2" >&2
  exit 1
fi
