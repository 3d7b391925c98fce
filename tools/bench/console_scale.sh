#!/usr/bin/env bash
# The agency console's performance, release build, one run: 1,000 devices and 1,000,000 cases
# in a PostgreSQL 15 cluster of its own (fsync on; as the system user kioskpg when run as root),
# every console page asked for by an agency, a province, a county and an office account (p50,
# p95, maximum against the goals: page p95 ≤ 100 ms, report ≤ 1 s), then a backlog of 10,000
# notices to applicants sent through tools/sms-sim at its rate limit (time beside the limit's,
# duplicates). See server/examples/console_load/.
#
#   tools/bench/console_scale.sh                  1,000 devices, 1,000,000 cases
#   tools/bench/console_scale.sh --smoke          20 devices, 20,000 cases, 500 notices
#   tools/bench/console_scale.sh -- ARGS…         any option of the example (--help lists them)
set -euo pipefail
cd "$(dirname "$0")/../.."
args=()
while (($#)); do
  case "$1" in
    --smoke) args+=(--devices 20 --cases 20000 --notices 500 --requests 5) ;;
    --) shift; args+=("$@"); break ;;
    *) args+=("$1") ;;
  esac
  shift
done
# shellcheck source=tools/packages.sh
. tools/packages.sh
args+=(--pg-bin "$(kiosk_pg_bin)")
cargo build --release -q -p agency-server --example console_load
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exec "${CARGO_TARGET_DIR:-target}/release/examples/console_load" "${args[@]}"
