//! The desktop window under a real X server: `kiosk --demo` with `DISPLAY` set opens a window
//! (winit, software renderer), draws the attract screen into it, and a real pointer click on
//! its start button moves the journey on.
//!
//! The X server is Debian's Xvfb, started by the test on a free display number; the screen is
//! read back with `xwd` (x11-apps) and clicked with `xdotool` — all installed by
//! `tools/test.sh`. The `kiosk` binary is built with its default `desktop` feature.

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::Duration;

mod support;
use support::x11::{Reaper, screen, shares, start_xvfb, tool, wait_for};

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
