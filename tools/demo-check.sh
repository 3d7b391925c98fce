#!/usr/bin/env bash
# Runs the README's first command headless and checks what it wrote, as CI does after the test
# suite (.ci/run): the demo must exit 0, every slip it reports must be there as PNG and as ESC/POS
# bytes, every screen it reports as PNG, nothing unreported, and the visitors' journeys must have
# produced what they are scripted to (slips printed, the pages a visitor passes through).
#
#   tools/demo-check.sh [DIR]      (DIR: a new or empty directory for the demo's output;
#                                   default a temporary one)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
mkdir -p "$out"
[ -z "$(ls -A "$out")" ] || { echo "demo-check: $out is not empty" >&2; exit 2; }
log="$out/demo-stdout.txt"
echo "==> tools/demo.sh --headless --out $out"
fail() { echo "demo-check: $*" >&2; echo "demo-check: the demo's output is in $log" >&2; exit 1; }
tools/demo.sh --headless --out "$out" > "$log" || fail "tools/demo.sh exited with status $?"

mapfile -t reported < <(sed -n 's/^ *wrote \(.*\)$/\1/p' "$log" | sed 's/ and /\n/' | sort -u)
((${#reported[@]})) || fail "the demo reported no file written"
for f in "${reported[@]}"; do
    [ -s "$out/$f" ] || fail "the demo reported $f, but $out/$f is missing or empty"
done
# Every file in the directory was reported (no stray or stale output).
declare -A is_reported=()
for f in "${reported[@]}"; do is_reported[$f]=1; done
for path in "$out"/*; do
    f=$(basename "$path")
    [ "$f" = demo-stdout.txt ] || [ -n "${is_reported[$f]:-}" ] || fail "$f was written but never reported"
done

magic() { head -c "$2" "$1" | od -An -tx1 | tr -d ' \n'; }
slips=0 screens=0
for f in "${reported[@]}"; do
    case "$f" in
        *.png) [ "$(magic "$out/$f" 8)" = 89504e470d0a1a0a ] || fail "$f is not a PNG" ;;
        *.bin) [ "$(magic "$out/$f" 2)" = 1b40 ] || fail "$f does not start with ESC @ (printer reset)"
               [ -s "$out/${f%.bin}.png" ] || fail "slip $f has no PNG beside it"
               slips=$((slips + 1)) ;;
        *) fail "unexpected file $f" ;;
    esac
    case "$f" in screen-*.png) screens=$((screens + 1)) ;; esac
done
# The scripted visitors: a complaint receipt, a guidance slip (and more); the pages every
# registration passes through.
((slips >= 2)) || fail "only $slips slips printed (the scripted visitors print at least 2)"
for page in attract identify kind review done; do
    compgen -G "$out/screen-[0-9]*-$page.png" >/dev/null || fail "no screen of the $page page"
done
echo "    demo-check: $slips slips (PNG + ESC/POS), $screens screens (PNG), all reported, in $out"
