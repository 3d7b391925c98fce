//! The desktop window under a real X server: `kiosk --demo` with `DISPLAY` set opens a window
//! (winit, software renderer), draws the attract screen into it, and a real pointer click on
//! its start button moves the journey on.
//!
//! The X server is Debian's Xvfb, started by the test on a free display number; the screen is
//! read back with `xwd` (x11-apps) and clicked with `xdotool` — all installed by
//! `tools/test.sh`. The `kiosk` binary is built with its default `desktop` feature.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills a child process when dropped (the test may fail half-way).
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| p.exists())
    });
    found.unwrap_or_else(|| {
        panic!("{name} is not installed (Debian packages xvfb, x11-apps, xdotool; tools/test.sh installs them)")
    })
}

/// Starts Xvfb on a free display; returns it and the display name.
fn start_xvfb() -> (Reaper, String) {
    let xvfb = tool("Xvfb");
    for n in (90 + std::process::id() % 300)..(90 + std::process::id() % 300 + 50) {
        if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            || Path::new(&format!("/tmp/.X{n}-lock")).exists()
        {
            continue;
        }
        let child = Command::new(&xvfb)
            .args([
                &format!(":{n}"),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting Xvfb");
        let mut server = Reaper(child);
        let socket = format!("/tmp/.X11-unix/X{n}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if Path::new(&socket).exists() {
                return (server, format!(":{n}"));
            }
            if let Ok(Some(_)) = server.0.try_wait() {
                break; // lost a race for this display number
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(server);
    }
    panic!("no free X display for Xvfb");
}

/// The root window's pixels as RGB, read with `xwd` (XWD format, 24/32-bit TrueColor).
fn screen(display: &str) -> (u32, u32, Vec<[u8; 3]>) {
    let out = Command::new(tool("xwd"))
        .args(["-root", "-silent", "-display", display])
        .output()
        .expect("running xwd");
    assert!(out.status.success(), "xwd failed: {:?}", out);
    let b = out.stdout;
    let field = |i: usize| u32::from_be_bytes([b[i * 4], b[i * 4 + 1], b[i * 4 + 2], b[i * 4 + 3]]);
    let (header, width, height) = (field(0) as usize, field(4), field(5));
    let (lsb_first, bpp, stride) = (field(7) == 0, field(11), field(12) as usize);
    let (red, green, blue) = (field(14), field(15), field(16));
    let ncolors = field(19) as usize;
    assert_eq!(bpp, 32, "expected a 32 bpp TrueColor dump");
    let data = &b[header + ncolors * 12..];
    let channel = |v: u32, mask: u32| ((v & mask) >> mask.trailing_zeros()) as u8;
    let mut pixels = Vec::with_capacity((width * height) as usize);
    for y in 0..height as usize {
        for x in 0..width as usize {
            let p = &data[y * stride + x * 4..y * stride + x * 4 + 4];
            let v = if lsb_first {
                u32::from_le_bytes([p[0], p[1], p[2], p[3]])
            } else {
                u32::from_be_bytes([p[0], p[1], p[2], p[3]])
            };
            pixels.push([channel(v, red), channel(v, green), channel(v, blue)]);
        }
    }
    (width, height, pixels)
}

/// Share of light page-coloured pixels and of dark (text) pixels.
fn shares(pixels: &[[u8; 3]]) -> (f64, f64) {
    let n = pixels.len() as f64;
    let light = pixels.iter().filter(|p| p.iter().all(|&c| c > 215)).count() as f64;
    let dark = pixels.iter().filter(|p| p.iter().all(|&c| c < 90)).count() as f64;
    (light / n, dark / n)
}

fn wait_for(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("timed out after {timeout:?} waiting for {what}");
}

#[test]
fn demo_opens_a_window_draws_a_frame_and_takes_a_click() {
    let (_xvfb, display) = start_xvfb();
    let dir = tempfile::tempdir().expect("tmp");
    let log_path = dir.path().join("kiosk.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let kiosk = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["--demo", "--quit-after", "60", "--data-dir"])
        .arg(dir.path())
        .env("DISPLAY", &display)
        .env_remove("WAYLAND_DISPLAY")
        .env("SLINT_SCALE_FACTOR", "1")
        .env("RUST_LOG", "kiosk=info")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("starting kiosk");
    let mut kiosk = Reaper(kiosk);

    // A frame: most of the screen is the light page colour and there is dark text on it.
    let mut first = Vec::new();
    wait_for(
        "the attract screen in the X server",
        Duration::from_secs(30),
        || {
            let (w, h, pixels) = screen(&display);
            assert_eq!((w, h), (1280, 800));
            let (light, dark) = shares(&pixels);
            first = pixels;
            light > 0.6 && dark > 0.002
        },
    );

    // A real pointer click on the start button (bottom right in Persian) moves to the
    // national-code keypad: the log says so and the screen changes.
    let click = Command::new(tool("xdotool"))
        .args(["mousemove", "1053", "740", "click", "1"])
        .env("DISPLAY", &display)
        .status()
        .expect("xdotool");
    assert!(click.success());
    wait_for("the identify screen", Duration::from_secs(15), || {
        std::fs::read_to_string(&log_path).is_ok_and(|log| log.contains("screen=Identify"))
    });
    wait_for("the window to redraw", Duration::from_secs(10), || {
        let (_, _, now) = screen(&display);
        let changed = now.iter().zip(&first).filter(|(a, b)| a != b).count();
        changed as f64 / now.len() as f64 > 0.02
    });

    let _ = kiosk.0.kill();
    let _ = kiosk.0.wait();
    let mut stdout = String::new();
    if let Some(mut out) = kiosk.0.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    assert!(stdout.contains("in a window"), "stdout: {stdout}");
}
