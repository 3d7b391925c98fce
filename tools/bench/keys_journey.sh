#!/usr/bin/env bash
# Key presses and seconds of speech for a complaint registered by keys alone, beside the same
# complaint by touch (measured, not a test): the firmware's script runner plays
# tools/bench/keys_journey/{keys,touch}.jsonl on the demo kiosk, and every sentence it said is
# spoken by espeak-ng at the kiosk's default rate (150 words a minute) into a WAV whose length
# is measured. Goal for the keys: ≤ 60 presses and ≤ 4 minutes of speech (10-digit national
# code, a subject, one preset phrase, a mobile). Seconds are the sum of every sentence heard
# whole; a visitor who presses on before a sentence ends hears less.
# Usage: tools/bench/keys_journey.sh   (builds the debug kiosk; needs espeak-ng)
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tools/packages.sh
. tools/packages.sh
kiosk_packages install build demo

cargo build --locked -p kiosk
kiosk="${CARGO_TARGET_DIR:-target}/debug/kiosk"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for journey in keys touch; do
    mkdir -p "$work/$journey/out" "$work/$journey/data"
    "$kiosk" --demo --headless --script "tools/bench/keys_journey/$journey.jsonl" \
        --out "$work/$journey/out" --data-dir "$work/$journey/data" >"$work/$journey/log" 2>&1
done

python3 - "$work" <<'PY'
import json, subprocess, sys, wave, io, pathlib
work = pathlib.Path(sys.argv[1])
def measure(journey):
    lines = [json.loads(l) for l in (work / journey / "out" / "transcript.jsonl").read_text().splitlines() if l.strip()]
    inputs = [l for l in pathlib.Path(f"tools/bench/keys_journey/{journey}.jsonl").read_text().splitlines()
              if l.strip() and not l.startswith("#")]
    slips = [l for l in lines if "tracking_code" in l]
    errors = [l for l in lines if "error" in l]
    seconds = 0.0
    for l in lines:
        if "say" not in l:
            continue
        voice = "fa" if l.get("lang") == "fa" else "en"
        wav = subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "--stdout", l["say"]],
                             check=True, capture_output=True).stdout
        # espeak-ng streams: its header's length field is a placeholder, so the samples are
        # counted from the bytes after the 44-byte header.
        with wave.open(io.BytesIO(wav)) as w:
            frame = w.getsampwidth() * w.getnchannels()
            seconds += (len(wav) - 44) / frame / w.getframerate()
    return len(inputs), sum(1 for l in lines if "say" in l), seconds, len(slips), len(errors)
rows = {j: measure(j) for j in ("keys", "touch")}
print("| journey | presses / touches | sentences said | seconds of speech | receipt printed | refused inputs |")
print("|---|---|---|---|---|---|")
for j, (n, said, secs, slips, errors) in rows.items():
    print(f"| {j} | {n} | {said} | {secs:.0f} s ({secs/60:.1f} min) | {'yes' if slips else 'NO'} | {errors} |")
PY
