#!/usr/bin/env python3
"""UI benchmark driver (called by run.sh): the kiosk (Slint, software renderer) beside the same
page set (pages.html) in Chromium. Prints one table; nothing here is a pass/fail test.

Figures:
  first frame, headless   process start → first screen rendered and written as PNG, process gone
                          (kiosk --demo --first-frame / chromium --headless --screenshot), median
  first frame, Xvfb       process start → the screen's pixels in the X server (polled with xwd)
  memory after journeys   RSS and PSS summed over the process tree after N full journeys
  idle CPU                CPU time over IDLE seconds on the attract screen under Xvfb, as % of
                          one core, summed over the process tree
"""
import http.server, os, signal, socketserver, statistics, subprocess, sys, threading, time

KIOSK, WWW, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
JOURNEYS = int(os.environ.get("JOURNEYS", "50"))
IDLE = float(os.environ.get("IDLE_SECONDS", "60"))
RUNS = int(os.environ.get("RUNS", "5"))
TICK = os.sysconf("SC_CLK_TCK")
CHROMIUM = ["chromium", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", "--hide-scrollbars", "--window-size=1280,800",
            "--window-position=0,0", "--disable-background-networking", "--noerrdialogs"]

done = threading.Event()

class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=WWW, **k)
    def do_GET(self):
        if self.path.startswith("/done"):
            done.set()
            self.send_response(204); self.end_headers(); return
        super().do_GET()
    def log_message(self, *a):
        pass

server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
URL = f"http://127.0.0.1:{server.server_address[1]}/pages.html"

def profile(name):
    return f"--user-data-dir={WORK}/chromium-{name}-{time.monotonic_ns()}"

def tree(sid):
    """(cpu ticks, rss kB, pss kB) summed over the processes of session `sid`."""
    ticks = rss = pss = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open(f"/proc/{pid}/stat").read()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[3]) != sid:
                continue
            ticks += int(fields[11]) + int(fields[12])
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
            for line in open(f"/proc/{pid}/smaps_rollup"):
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return ticks, rss, pss

def start(cmd, env=None):
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)

def stop(p):
    try:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()

def timed(cmd):
    t = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.monotonic() - t) * 1000

def drawn(display):
    """True when the X screen shows a page: mostly the light page colour, with dark text."""
    out = subprocess.run(["xwd", "-root", "-silent", "-display", display],
                         capture_output=True).stdout
    if len(out) < 100:
        return False
    be = lambda i: int.from_bytes(out[i * 4:i * 4 + 4], "big")
    header, w, h, stride, ncolors = be(0), be(4), be(5), be(12), be(19)
    data = memoryview(out)[header + ncolors * 12:]
    light = dark = n = 0
    for y in range(0, h, 8):
        row = data[y * stride:(y + 1) * stride]
        for x in range(0, w, 8):
            b, g, r = row[x * 4], row[x * 4 + 1], row[x * 4 + 2]
            n += 1
            if r > 215 and g > 215 and b > 215:
                light += 1
            elif r < 90 and g < 90 and b < 90:
                dark += 1
    return light / n > 0.6 and dark / n > 0.002

def first_frame_x(cmd, display, env):
    """Starts `cmd` on the X display; returns (ms to first frame, process)."""
    t = time.monotonic()
    p = start(cmd, env)
    while not drawn(display):
        if time.monotonic() - t > 60:
            stop(p)
            raise SystemExit(f"no frame within 60 s: {cmd}")
        time.sleep(0.005)
    return (time.monotonic() - t) * 1000, p

def idle_cpu(p):
    time.sleep(5)  # let start-up work settle
    a = tree(p.pid)[0]
    time.sleep(IDLE)
    b = tree(p.pid)[0]
    return (b - a) / TICK / IDLE * 100

class Results(dict):
    """Prints every figure as soon as it is measured (a long run still shows progress)."""
    def __setitem__(self, what, pair):
        super().__setitem__(what, pair)
        print(f"  measured: {what}: kiosk {pair[0]:.2f}, Chromium {pair[1]:.2f}", flush=True)

results = Results()
# 1. First frame, headless.
k = [timed([KIOSK, "--demo", "--data-dir", f"{WORK}/k-ff-{i}", "--first-frame", f"{WORK}/k.png"])
     for i in range(RUNS)]
c = [timed(CHROMIUM + ["--headless", profile("ff"), f"--screenshot={WORK}/c.png", URL])
     for _ in range(RUNS)]
results["first frame, headless (ms, median)"] = (statistics.median(k), statistics.median(c))

# 2. First frame under Xvfb, then idle CPU on that screen.
display = os.environ["BENCH_DISPLAY"]
env = dict(os.environ, DISPLAY=display, SLINT_SCALE_FACTOR="1")
env.pop("WAYLAND_DISPLAY", None)
kx, cx, kidle, cidle = [], [], None, None
for i in range(RUNS):
    ms, p = first_frame_x([KIOSK, "--demo", "--data-dir", f"{WORK}/k-x-{i}"], display, env)
    kx.append(ms)
    if i == 0:
        kidle = idle_cpu(p)
    stop(p)
    time.sleep(0.5)
    ms, p = first_frame_x(CHROMIUM + ["--kiosk", profile("x"), URL], display, env)
    cx.append(ms)
    if i == 0:
        cidle = idle_cpu(p)
    stop(p)
    time.sleep(0.5)
results["first frame, Xvfb (ms, median)"] = (statistics.median(kx), statistics.median(cx))
results[f"idle CPU over {IDLE:.0f} s, Xvfb (% of a core)"] = (kidle, cidle)

# 3. Memory after N journeys.
out = subprocess.run([KIOSK, "--demo", "--data-dir", f"{WORK}/k-soak", "--journeys", str(JOURNEYS)],
                     capture_output=True, text=True, check=True).stdout.strip()
print(f"kiosk soak: {out}", flush=True)
kiosk_rss = int(out.split("VmRSS ")[1].split()[0]) / 1024
kiosk_pss = int(out.split("Pss ")[1].split()[0]) / 1024
p = start(CHROMIUM + ["--headless", profile("soak"), f"{URL}?journeys={JOURNEYS}"])
if not done.wait(600):
    stop(p)
    raise SystemExit("Chromium did not finish the journeys in 600 s")
time.sleep(1)
_, rss, pss = tree(p.pid)
stop(p)
results[f"RSS after {JOURNEYS} journeys (MB)"] = (kiosk_rss, rss / 1024)
results[f"PSS after {JOURNEYS} journeys (MB)"] = (kiosk_pss, pss / 1024)


print(f"\n{'what':<48} {'kiosk (Slint)':>14} {'Chromium':>12} {'ratio':>8}")
for what, (a, b) in results.items():
    ratio = f"{b / a:.1f}×" if a > 0 else "∞" if b > 0 else "-"
    print(f"{what:<48} {a:>14.2f} {b:>12.2f} {ratio:>8}")
print("\n(Chromium: summed over its process tree; PSS counts shared pages once)")
server.shutdown()
