#!/usr/bin/env bash
# Scale of the agency server: N devices against one server on this machine, one run, release
# build. Starts its own PostgreSQL 15 cluster (fsync on; as the system user kioskpg when run as
# root), the real `agency-server serve` binary over TLS (no device CA: devices identified by
# their bearer tokens; no SAMAD upstream), enrols every device through POST /v1/enrol, and
# drives them with the firmware's sync client (server/examples/office_load/). Prints a table:
# items ingested per second, request latency p50/p99, the busiest second after a 60 s outage
# against the steady rate, PostgreSQL bytes per million cases.
#
#   tools/bench/office_scale.sh                 1,000 devices
#   tools/bench/office_scale.sh --10k           10,000 devices
#   tools/bench/office_scale.sh --smoke         20 devices, a few seconds per phase
#   tools/bench/office_scale.sh -- ARGS…        any option of the example (--help lists them)
set -euo pipefail
cd "$(dirname "$0")/../.."
args=()
while (($#)); do
  case "$1" in
    --10k) args+=(--devices 10000) ;;
    --smoke) args+=(--smoke) ;;
    --) shift; args+=("$@"); break ;;
    *) args+=("$1") ;;
  esac
  shift
done
# shellcheck source=tools/packages.sh
. tools/packages.sh
args+=(--pg-bin "$(kiosk_pg_bin)")
cargo build --release -q -p agency-server --bin agency-server --example office_load
# A socket per device on each side.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
target="${CARGO_TARGET_DIR:-target}"
exec "$target/release/examples/office_load" --server-bin "$target/release/agency-server" "${args[@]}"
