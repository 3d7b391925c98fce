//! An X server for the window tests: Debian's Xvfb on a free display number, its screen read
//! back with `xwd` (x11-apps), pointer and keys from `xdotool`; all installed by
//! `tools/test.sh`. Included by the tests that need it (`mod support;`).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills a child process when dropped (the test may fail half-way).
pub struct Reaper(pub Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn tool(name: &str) -> PathBuf {
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
pub fn start_xvfb() -> (Reaper, String) {
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
pub fn screen(display: &str) -> (u32, u32, Vec<[u8; 3]>) {
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
pub fn shares(pixels: &[[u8; 3]]) -> (f64, f64) {
    let n = pixels.len() as f64;
    let light = pixels.iter().filter(|p| p.iter().all(|&c| c > 215)).count() as f64;
    let dark = pixels.iter().filter(|p| p.iter().all(|&c| c < 90)).count() as f64;
    (light / n, dark / n)
}

pub fn wait_for(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("timed out after {timeout:?} waiting for {what}");
}
