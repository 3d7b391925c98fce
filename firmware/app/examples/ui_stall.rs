//! How long the screen's thread is busy per input, with slow jobs inline (the kiosk as it was)
//! and on the worker thread (as it is), over the same journeys on the same simulated printer
//! throttled to a 38,400-baud serial line. Run by tools/bench/ui/stall.sh; prints one table.
//!
//! The screen's thread is played as the firmware's event loop plays it: an input (or a worker
//! answer) is handled, then the new screen is laid out and drawn by the software renderer; the
//! time from the input to the drawn frame is that input's stall (nothing else can be drawn or
//! answered meanwhile). Every turn draws the whole 1280×800 frame into memory (the window only
//! redraws what changed), so the figures are an upper bound of the drawing part. "Confirm to printing" is the time from the confirm tap to a drawn frame
//! showing the printing screen; inline, that screen is never drawn (the print finishes first).
//!
//! Usage: `ui_stall [JOURNEYS]` (default 50).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use kiosk::device::{Device, complaint_taps};
use kiosk::flow::PrinterProblem;
use kiosk::runtime::{Answer, DevicePrinter, Kiosk, PrintSink};
use kiosk_drivers::printer::{JobConfig, SimPrinter};
use kiosk_store::{OpenOptions, Store};
use kiosk_ui::{KioskUi, Page, UiInput};

/// Bits on the wire per byte on an 8N1 serial line.
const BITS_PER_BYTE: u64 = 10;
/// The serial receipt printer's line rate.
const BAUD: u64 = 38_400;

/// The simulated printer behind a 38,400-baud line: a job takes as long as its bytes take to
/// cross the wire.
struct SerialPaced(DevicePrinter<SimPrinter>);

impl PrintSink for SerialPaced {
    fn print(&mut self, job: &[u8]) -> Result<(), PrinterProblem> {
        let micros = job.len() as u64 * BITS_PER_BYTE * 1_000_000 / BAUD;
        std::thread::sleep(Duration::from_micros(micros));
        self.0.print(job)
    }
}

#[derive(Default)]
struct Figures {
    stalls: Vec<Duration>,
    /// The same turns without drawing: what the journey itself costs the screen's thread.
    handling: Vec<Duration>,
    to_printing: Vec<Option<Duration>>,
    to_result: Vec<Duration>,
}

fn main() -> anyhow::Result<()> {
    let journeys: usize = match std::env::args().nth(1) {
        Some(n) => n.parse().context("JOURNEYS must be a number")?,
        None => 50,
    };
    kiosk_ui::headless::init().context("starting the headless renderer")?;
    let ui = KioskUi::new().context("creating the kiosk window")?;
    ui.fit_panel(&kiosk_ui::Panel::default());
    let inline = run(&ui, journeys, false)?;
    let worker = run(&ui, journeys, true)?;
    println!("{journeys} complaint journeys each, receipt printer at {BAUD} baud (8N1)\n");
    println!("| | inline (before) | worker thread (after) | goal |");
    println!("|---|---|---|---|");
    row(
        "longest stall of the screen's thread",
        max(&inline.stalls),
        max(&worker.stalls),
        "≤ 20 ms",
    );
    row(
        "longest turn without drawing (the journey's own work)",
        max(&inline.handling),
        max(&worker.handling),
        "",
    );
    row(
        "99th percentile stall",
        percentile(&inline.stalls, 99),
        percentile(&worker.stalls, 99),
        "",
    );
    println!(
        "| confirm → printing screen drawn (median) | {} | {} | ≤ 50 ms |",
        printing(&inline.to_printing),
        printing(&worker.to_printing)
    );
    row(
        "confirm → done screen drawn (median)",
        percentile(&inline.to_result, 50),
        percentile(&worker.to_result, 50),
        "",
    );
    Ok(())
}

fn row(what: &str, before: Duration, after: Duration, goal: &str) {
    println!("| {what} | {} | {} | {goal} |", ms(before), ms(after));
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn max(values: &[Duration]) -> Duration {
    values.iter().copied().max().unwrap_or_default()
}

fn percentile(values: &[Duration], p: usize) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort();
    let index = (sorted.len().saturating_sub(1) * p) / 100;
    sorted.get(index).copied().unwrap_or_default()
}

fn printing(values: &[Option<Duration>]) -> String {
    let drawn: Vec<Duration> = values.iter().flatten().copied().collect();
    if drawn.len() < values.len() {
        format!(
            "never drawn in {} of {}",
            values.len() - drawn.len(),
            values.len()
        )
    } else {
        ms(percentile(&drawn, 50))
    }
}

fn run(ui: &KioskUi, journeys: usize, threaded: bool) -> anyhow::Result<Figures> {
    let dir = tempfile::tempdir()?;
    let config = kiosk::demo::demo_config(dir.path())?;
    let portal = config.receipt.portal_url.clone();
    let store = Store::open(dir.path().join("kiosk.db"), &OpenOptions::default())?;
    let (printer, _tray) = SimPrinter::new(JobConfig::default());
    let printer = SerialPaced(DevicePrinter(printer));
    let kiosk = Kiosk::new(
        config,
        store,
        kiosk_receipt::Profile::MM80,
        printer,
        chrono::Utc::now,
    );
    let (post, answers) = mpsc::channel::<Answer>();
    let kiosk = if threaded {
        kiosk.threaded(Box::new(move |answer| post.send(answer).is_ok()))?
    } else {
        kiosk
    };
    let mut device = Device::new(kiosk, &portal, Box::new(|_, _, _| {}));
    let mut figures = Figures::default();
    let draw = |device: &Device<SerialPaced>| -> anyhow::Result<Page> {
        let view = device.view();
        ui.show(&view)?;
        ui.render()?;
        Ok(view.page)
    };
    for _ in 0..journeys {
        for input in complaint_taps() {
            let confirm = input == UiInput::Action("confirm".into());
            let started = Instant::now();
            anyhow::ensure!(device.input(&input, started), "{input:?} was not taken");
            figures.handling.push(started.elapsed());
            let page = draw(&device)?;
            figures.stalls.push(started.elapsed());
            if confirm {
                figures
                    .to_printing
                    .push((page == Page::Printing).then(|| started.elapsed()));
            }
            // The event loop between inputs: each worker answer is one more turn of it.
            loop {
                // Nothing in flight: every answer is already posted (see runtime/worker.rs).
                let idle = device.kiosk().jobs_in_flight() == 0;
                let wait = if idle {
                    Duration::ZERO
                } else {
                    Duration::from_millis(1)
                };
                let answer = match answers.recv_timeout(wait) {
                    Ok(answer) => answer,
                    Err(_) if idle => break,
                    Err(_) => continue,
                };
                let turn = Instant::now();
                device.answer(answer, turn);
                figures.handling.push(turn.elapsed());
                let page = draw(&device)?;
                figures.stalls.push(turn.elapsed());
                if confirm && page == Page::Done {
                    figures.to_result.push(started.elapsed());
                }
            }
            if confirm && !threaded {
                figures.to_result.push(started.elapsed());
            }
        }
    }
    Ok(figures)
}
