#!/usr/bin/env bash
# The office demo: a whole office on this machine with one command, every part a process of its
# own as deployed. A PostgreSQL cluster (in a temporary directory, as an unprivileged user), the
# SAMAD simulator, the SMS provider simulator, the agency server (its device CA, mutual TLS, SAMAD
# upstream, notices to applicants), two kiosks and
# a desk terminal enrolled with `kioskctl enroll`, each with its own kiosk.toml and data
# directory. Kiosk 11 registers a suggestion; kiosk 12, whose database never held it, follows it
# up by the receipt's code and the visitor's national card; at desk 31 a member of staff (the
# office's account at the server) logs in, claims the visit and records the service; the visitor
# rates it at kiosk 12 with the receipt's satisfaction code (kiosk 11's key, fetched from the
# server); the server relays case, service and rating to SAMAD, the rating naming the employee,
# and texts the visitor, who agreed on kiosk 11's mobile screen, that the case was registered.
#
#   tools/office-demo.sh                 run it, print what each kiosk said, clean up
#   tools/office-demo.sh --keep DIR      keep everything in DIR (transcripts, screens, slips,
#                                        logs, the databases) for a look afterwards
#
# On a fresh Debian 12 (as root, or with sudo) it installs what it needs first (tools/packages.sh,
# groups `demo` and `server`, and openssl for the server's certificate), and Rust when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/packages.sh
. tools/packages.sh

keep=""
if [ "${1:-}" = "--keep" ]; then
    keep=${2:?--keep needs a directory}
fi

kiosk_packages install demo server
command -v openssl >/dev/null || kiosk_packages install image_checks
kiosk_rust
echo "==> building the kiosk, the agency server, kioskctl and the SAMAD and SMS simulators"
cargo build --locked -q -p kiosk -p agency-server -p kioskctl -p samad-sim -p sms-sim
bin=$PWD/target/debug

if [ -n "$keep" ]; then
    mkdir -p "$keep"
    work=$(cd "$keep" && pwd)
else
    work=$(mktemp -d)
fi
chmod 755 "$work"
pids=()
pg_bin=$(kiosk_pg_bin)

# PostgreSQL refuses to run as root: then the cluster runs as the system user kioskpg.
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u kioskpg -- "$@"; else "$@"; fi
}

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -m fast stop >/dev/null 2>&1 || true
    if [ -z "$keep" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

# The first line a server prints on stdout: "… listening on URL".
first_url() {
    local file=$1 i
    for i in $(seq 1 100); do
        if [ -s "$file" ]; then
            sed -n '1s/.*listening on //p' "$file"
            return
        fi
        sleep 0.1
    done
    echo "no listening line in $file" >&2
    return 1
}

echo "==> PostgreSQL 15 in $work/pg"
if [ "$(id -u)" = 0 ] && ! id kioskpg >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin kioskpg
fi
mkdir -p "$work/pg"
[ "$(id -u)" = 0 ] && chown kioskpg "$work/pg"
as_pg "$pg_bin/initdb" -D "$work/pg/data" -U kiosk --auth=trust -E UTF8 >"$work/pg/initdb.log"
port=$(( 20000 + RANDOM % 20000 ))
as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w \
    -o "-k $work/pg -p $port -c listen_addresses=''" start >/dev/null
as_pg "$pg_bin/createdb" -h "$work/pg" -p "$port" -U kiosk agency
database="host=$work/pg port=$port user=kiosk dbname=agency"

echo "==> the SAMAD simulator"
"$bin/samad-sim" --listen 127.0.0.1:0 --db "$work/samad.db" --cert-dir "$work/samad-pki" \
    --kiosk 99999 >"$work/samad.out" 2>"$work/samad.log" &
pids+=($!)
samad_url=$(first_url "$work/samad.out")
printf 'sim-token' >"$work/samad-pki/token"

echo "==> the SMS provider simulator"
printf 'demo-sms-key' >"$work/sms.key"
"$bin/sms-sim" --listen 127.0.0.1:0 --key-file "$work/sms.key" --rate 20 --delivery-ms 300 \
    >"$work/sms.out" 2>"$work/sms.log" &
pids+=($!)
sms_url=$(first_url "$work/sms.out")

echo "==> the agency server"
mkdir -p "$work/server"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
    -addext "basicConstraints=critical,CA:FALSE" -addext "extendedKeyUsage=serverAuth" \
    -keyout "$work/server/tls.key" -out "$work/server/tls.pem" 2>/dev/null
"$bin/agency-server" init-ca --out "$work/server/ca" >/dev/null
agency() { "$bin/agency-server" --database "$database" "$@"; }
agency serve --listen 127.0.0.1:0 \
    --tls-cert "$work/server/tls.pem" --tls-key "$work/server/tls.key" \
    --device-ca-cert "$work/server/ca/device-ca.pem" --device-ca-key "$work/server/ca/device-ca.key" \
    --samad-url "$samad_url" --samad-ca "$work/samad-pki/ca.pem" \
    --samad-cert "$work/samad-pki/kiosk.pem" --samad-key "$work/samad-pki/kiosk.key" \
    --samad-token-file "$work/samad-pki/token" --samad-event-pull-seconds 2 \
    --sms-url "$sms_url" --sms-key-file "$work/sms.key" --sms-rate 20 \
    >"$work/server.out" 2>"$work/server.log" &
pids+=($!)
url=$(first_url "$work/server.out")
echo "    $url (SAMAD at $samad_url)"

for number in 11 12 31; do
    dir="$work/kiosk-$number"
    mkdir -p "$dir"
    mode=kiosk
    if [ "$number" = 31 ]; then mode=desk; fi
    code=$(agency enrol-code --kiosk "$number" --role "$mode" 2>/dev/null)
    "$bin/kioskctl" enroll --server "$url" --code "$code" --server-ca "$work/server/tls.pem" \
        --out "$dir/pki" >/dev/null
    sed -e "s|^number = 12$|number = $number|" -e "s|^data_dir = .*|data_dir = \"$dir/data\"|" \
        -e "s|^mode = \"kiosk\"$|mode = \"$mode\"|" \
        firmware/config/kiosk.example.toml >"$dir/kiosk.toml"
    cat >>"$dir/kiosk.toml" <<EOF

[samad]
base_url = "$url"
agency_server = true
ca_file = "pki/server-ca.pem"
client_cert_file = "pki/client.pem"
client_key_file = "pki/client.key"
token_file = "pki/token"
EOF
    echo "==> $mode $number enrolled ($dir)"
done
# Kiosk 11's satisfaction key, provisioned as on a device: its codes verify at every device of
# the office, which fetch the fleet's keys from the server.
"$bin/kioskctl" satisfaction keygen --kiosk 11 --out "$work/kiosk-11/data/keys" >/dev/null
# The office's staff account (PIN hashed at the server), valid at every desk.
printf '5820\n' | agency staff-add --employee-code 2041 --display-name "مریم رضایی" >/dev/null 2>&1

cat >"$work/register.jsonl" <<'EOF'
# A visitor at kiosk 11: the national card, a suggestion about the service, a mobile number
# and the consent to text messages about the case.
{"touch": "ثبت درخواست"}
{"card": "0499370899"}
{"touch": "پیشنهاد"}
{"touch": "کیفیت خدمات"}
{"touch": "درخواست رسیدگی فوری دارم."}
{"touch": "ادامه"}
{"touch": "۰"}
{"touch": "۹"}
{"touch": "۱"}
{"touch": "۲"}
{"touch": "۱"}
{"touch": "۲"}
{"touch": "۳"}
{"touch": "۴"}
{"touch": "۵"}
{"touch": "۶"}
{"touch": "۷"}
{"touch": "پیامک‌های این درخواست به این شماره فرستاده شود"}
{"touch": "ادامه"}
{"touch": "تأیید و ثبت"}
EOF
echo "==> kiosk 11: a visitor registers a suggestion"
"$bin/kiosk" --config "$work/kiosk-11/kiosk.toml" --script "$work/register.jsonl" \
    --out "$work/kiosk-11/out" 2>>"$work/kiosk-11.log"
tracking=$(grep -m1 -o '"tracking_code":"[0-9]*"' "$work/kiosk-11/out/transcript.jsonl" |
    grep -o '[0-9]\{16\}')
# The receipt's satisfaction code, from the QR data the printer was sent.
survey=$(grep -aho 'https://saamad.ir/s/[A-Za-z0-9_-]*' "$work/kiosk-11/out/"*.bin | sed -n 1p)
echo "    tracking code $tracking; receipt in $work/kiosk-11/out"

cat >"$work/follow.jsonl" <<EOF
# Another visitor day at kiosk 12: headphones in, the receipt's QR scanned, the national card.
{"headphones": true}
{"scan": "$tracking"}
{"card": "0499370899"}
EOF
echo "==> kiosk 12: the same visitor follows the case up (kiosk 12 never held it)"
"$bin/kiosk" --config "$work/kiosk-12/kiosk.toml" --script "$work/follow.jsonl" \
    --out "$work/kiosk-12/out" 2>>"$work/kiosk-12.log"
if ! grep -q '"screen":"follow-up"' "$work/kiosk-12/out/transcript.jsonl"; then
    echo "office demo: kiosk 12 did not find kiosk 11's case (see $work/kiosk-12.log)" >&2
    exit 1
fi
echo "    what kiosk 12 said:"
grep -o '"say":"[^"]*"' "$work/kiosk-12/out/transcript.jsonl" | sed 's/^"say":"/      /; s/"$//' | tail -6

cat >"$work/desk.jsonl" <<EOF
# Desk 31: the staff card, the PIN on the on-screen keys, the visit claimed by the receipt's
# code, the service given (its identifier) recorded.
{"scan": "EMP-2041"}
{"touch": "۵"}
{"touch": "۸"}
{"touch": "۲"}
{"touch": "۰"}
{"touch": "تأیید"}
{"touch": "پذیرش مراجعه"}
{"scan": "$tracking"}
{"touch": "ثبت خدمت"}
{"touch": "۱"}
{"touch": "۱"}
{"touch": "۰"}
{"touch": "۲"}
{"touch": "۱"}
{"touch": "تأیید"}
EOF
echo "==> desk 31: a member of staff logs in, claims the visit and records the service"
"$bin/kiosk" --config "$work/kiosk-31/kiosk.toml" --script "$work/desk.jsonl" \
    --out "$work/kiosk-31/out" 2>>"$work/kiosk-31.log"
if ! grep -q '"screen":"desk-menu"' "$work/kiosk-31/out/transcript.jsonl"; then
    echo "office demo: the desk did not log the member of staff in (see $work/kiosk-31.log)" >&2
    exit 1
fi

cat >"$work/rate.jsonl" <<EOF
# Back at kiosk 12: the receipt's satisfaction code under the scanner, a face, sent.
{"scan": "$survey"}
{"touch": "خیلی راضی"}
{"touch": "ثبت نظر"}
EOF
echo "==> kiosk 12: the visitor rates the service with the receipt's satisfaction code"
"$bin/kiosk" --config "$work/kiosk-12/kiosk.toml" --script "$work/rate.jsonl" \
    --out "$work/kiosk-12/rate" 2>>"$work/kiosk-12.log"
if ! grep -q '"screen":"rate-thanks"' "$work/kiosk-12/rate/transcript.jsonl"; then
    echo "office demo: kiosk 12 did not take the rating (see $work/kiosk-12.log)" >&2
    exit 1
fi

echo "==> the agency server's outbox to SAMAD (the case, the service, the rating)"
for _ in $(seq 1 50); do
    # Read the whole status before matching: `grep -q` stops reading early and, under
    # pipefail, the writer's SIGPIPE would fail the pipeline.
    status=$(agency upstream-status 2>/dev/null || true)
    if [[ $status == *"pending 0"* ]]; then break; fi
    sleep 0.2
done
status=$(agency upstream-status 2>/dev/null || true)
echo "$status" | sed 's/^/    /'
if [[ $status != *"done 3,"* ]]; then
    echo "office demo: the case, the service and the rating did not all reach SAMAD (see $work/server.log)" >&2
    exit 1
fi
employee=$(as_pg "$pg_bin/psql" -h "$work/pg" -p "$port" -U kiosk -d agency -tAc \
    "SELECT payload->>'employee_code' FROM upstream_outbox WHERE item_type = 'rating'")
echo "    the rating went to SAMAD for employee ${employee:-nobody}"
if [ "$employee" != 2041 ]; then
    echo "office demo: the rating does not name the employee who claimed the visit" >&2
    exit 1
fi
echo "==> the text message to the visitor (registration)"
notice=""
# Sent at once; its delivery report is first asked for 30 s after sending.
for _ in $(seq 1 300); do
    notice=$(as_pg "$pg_bin/psql" -h "$work/pg" -p "$port" -U kiosk -d agency -tAc \
        "SELECT state || ' | ' || body FROM notices WHERE tracking_code = '$tracking'")
    if [[ $notice == delivered* ]]; then break; fi
    sleep 0.2
done
echo "    $notice"
if [[ $notice != delivered* ]]; then
    echo "office demo: the visitor's text message was not delivered (see $work/server.log, $work/sms.log)" >&2
    exit 1
fi
if [ -n "$keep" ]; then echo "everything is in $work"; fi
