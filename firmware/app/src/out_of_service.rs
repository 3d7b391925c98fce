//! The out-of-service screen: what a kiosk shows when it cannot start.
//!
//! A kiosk that cannot read its configuration, open its database (the key file missing, too
//! open or wrong; the file corrupt and moved aside), load its signing keys or start a configured
//! device must not leave a visitor before a black panel, nor reboot in a loop (systemd's start
//! limit reboots the device after five failed starts). Instead it shows, in Persian with English
//! beneath, that it is out of service and where to go (the staff of the desk), with a short
//! [`Fault`] code for the operator; the English reason goes to the journal. It tells systemd
//! `READY=1` with `STATUS=out of service: …`, so systemd keeps the screen up, and the update
//! health check (images/systemd/kiosk-health.service) refuses to mark a slot good while the
//! status says so. Nothing is written: the data stays as it was for the operator to repair.
//! Every [`RECHECK_EVERY`] the failed step is checked again (the key file provisioned, the
//! printer plugged back in, the configuration corrected); once it has passed
//! [`RECHECK_PASSES`] times in a row, the kiosk ends with success and systemd starts it afresh,
//! so an operator fixing a cable needs no shell (and a device that comes and goes does not
//! restart the kiosk into systemd's start limit, which reboots). A
//! database fault is never rechecked: a damaged database is the operator's decision (a fresh one
//! would restart the tracking-code sequence), and `systemctl restart kiosk` tries again.

use std::time::Duration;

use kiosk_core::digits::to_persian_digits;
use kiosk_ui::{Backend, KioskUi, Page, Prefs, Row, ViewModel};
use slint::ComponentHandle as _;

/// How often the failed start-up step is checked again.
pub const RECHECK_EVERY: Duration = Duration::from_secs(5);
/// How many checks in a row must pass before the kiosk starts again.
pub const RECHECK_PASSES: u32 = 3;

/// A recheck that must pass [`RECHECK_PASSES`] times in a row.
struct Steady {
    recheck: Box<dyn FnMut() -> bool>,
    passes: u32,
}

impl Steady {
    fn new(recheck: Option<Box<dyn FnMut() -> bool>>) -> Option<Self> {
        recheck.map(|recheck| Self { recheck, passes: 0 })
    }

    /// Checks once; `true` once the step has passed enough times in a row.
    fn passed(&mut self) -> bool {
        self.passes = if (self.recheck)() { self.passes + 1 } else { 0 };
        self.passes >= RECHECK_PASSES
    }
}

/// How the out-of-service screen ended.
#[derive(Debug)]
pub enum Ended {
    /// The failed step passes now: start again.
    Recovered,
    /// `--quit-after` ran out, or the screen could not run: the start-up error.
    Failed(anyhow::Error),
}

/// What stopped the start, as shown to the operator (a code) and told to systemd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The configuration file is missing or invalid.
    Configuration,
    /// The database key file is missing, malformed or readable by others.
    DatabaseKey,
    /// The database could not be opened (wrong key, corrupt, another program's file).
    Database,
    /// The satisfaction-code keys could not be loaded.
    SigningKeys,
    /// A configured device (printer, scanner, card reader, keypad) could not be started.
    Devices,
    /// The SAMAD relay could not be started (its certificates).
    Sync,
}

impl Fault {
    /// The code on the screen and in the journal: short, Latin, read out over the phone.
    pub fn code(self) -> &'static str {
        match self {
            Fault::Configuration => "CFG",
            Fault::DatabaseKey => "DB-KEY",
            Fault::Database => "DB",
            Fault::SigningKeys => "SIGN-KEY",
            Fault::Devices => "DEVICE",
            Fault::Sync => "SYNC",
        }
    }

    /// What the operator should look at, in English (journal, systemd status).
    pub fn summary(self) -> &'static str {
        match self {
            Fault::Configuration => "the configuration file",
            Fault::DatabaseKey => "the database key file",
            Fault::Database => "the database",
            Fault::SigningKeys => "the satisfaction-code keys",
            Fault::Devices => "a configured device",
            Fault::Sync => "the SAMAD sync settings",
        }
    }
}

/// A start-up step that failed, and why.
#[derive(Debug)]
pub struct StartError {
    /// Which step.
    pub fault: Fault,
    /// The reason, naming the file or key.
    pub error: anyhow::Error,
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {:#}", self.fault.code(), self.error)
    }
}

impl std::error::Error for StartError {}

/// `result.fault(Fault::X)`: names the start-up step an error belongs to.
pub trait FaultContext<T> {
    /// Wraps the error as a [`StartError`] of `fault`.
    fn fault(self, fault: Fault) -> Result<T, StartError>;
}

impl<T, E: Into<anyhow::Error>> FaultContext<T> for Result<T, E> {
    fn fault(self, fault: Fault) -> Result<T, StartError> {
        self.map_err(|e| StartError {
            fault,
            error: e.into(),
        })
    }
}

/// The screen: Persian first, English beneath, the fault code and the kiosk's number (when the
/// configuration was read). No buttons: there is nothing a visitor can do here.
pub fn view(fault: Fault, kiosk_number: Option<u32>) -> ViewModel {
    let mut rows = vec![Row {
        label: "کد خطا / Fault".to_owned(),
        value: fault.code().to_owned(),
    }];
    if let Some(n) = kiosk_number {
        rows.push(Row {
            label: "شمارهٔ دستگاه / Kiosk".to_owned(),
            value: to_persian_digits(&n.to_string()),
        });
    }
    ViewModel {
        page: Page::OutOfService,
        title: "این دستگاه موقتاً از سرویس خارج است".to_owned(),
        message: "لطفاً برای ثبت یا پیگیری درخواست، شکایت یا پیشنهاد به کارکنان میز ارتباطات \
                  مردمی مراجعه کنید. پوزش می‌خواهیم.\n\nThis kiosk is out of service. Please \
                  ask the staff at the people's communications desk to register or follow up \
                  your case."
            .to_owned(),
        rows,
        prefs: Prefs::default(),
        ..ViewModel::default()
    }
}

/// The line systemd shows for the unit (`systemctl status kiosk`); the health check of an
/// update looks for its prefix.
pub fn systemd_status(fault: Fault) -> String {
    format!(
        "out of service: {} [{}] (see journalctl -u kiosk)",
        fault.summary(),
        fault.code()
    )
}

/// Shows the out-of-service screen on `backend` until `recheck` passes (see [`RECHECK_PASSES`];
/// `None` for a fault never rechecked), until `quit_after` (tests), or for ever, after logging
/// `error` and telling systemd. Without a display (headless), or when the screen itself cannot
/// be shown, it only logs, tells systemd and waits.
pub fn serve(
    error: StartError,
    backend: Backend,
    kiosk_number: Option<u32>,
    quit_after: Option<Duration>,
    recheck: Option<Box<dyn FnMut() -> bool>>,
) -> Ended {
    tracing::error!(
        fault = error.fault.code(),
        "cannot start: {:#}",
        error.error
    );
    let status = systemd_status(error.fault);
    let screen = view(error.fault, kiosk_number);
    let mut steady = Steady::new(recheck);
    let started = std::time::Instant::now();
    let recovered = match backend {
        Backend::Headless => wait_headless(&status, quit_after, started, steady.as_mut()),
        _ => match show_and_wait(backend, &screen, &status, quit_after, &mut steady) {
            Ok(recovered) => recovered,
            Err(e) => {
                tracing::error!("the out-of-service screen cannot be shown either: {e:#}");
                wait_headless(&status, quit_after, started, steady.as_mut())
            }
        },
    };
    if recovered {
        tracing::info!(
            fault = error.fault.code(),
            "the failed start-up step passes now; starting again"
        );
        Ended::Recovered
    } else {
        Ended::Failed(anyhow::Error::new(error))
    }
}

fn show_and_wait(
    backend: Backend,
    screen: &ViewModel,
    status: &str,
    quit_after: Option<Duration>,
    steady: &mut Option<Steady>,
) -> anyhow::Result<bool> {
    backend.install()?;
    let ui = KioskUi::new()?;
    ui.refuse_close();
    ui.show(screen)?;
    // READY only once the screen is up: a failure above falls back to `wait_headless`, whose
    // loop beats the watchdog itself.
    let _watchdog = crate::systemd::notify_ready(status);
    if let Some(after) = quit_after {
        slint::Timer::single_shot(after, || {
            let _ = slint::quit_event_loop();
        });
    }
    let recovered = std::rc::Rc::new(std::cell::Cell::new(false));
    let timer = slint::Timer::default();
    if let Some(mut steady) = steady.take() {
        let recovered = recovered.clone();
        timer.start(slint::TimerMode::Repeated, RECHECK_EVERY, move || {
            if steady.passed() {
                recovered.set(true);
                let _ = slint::quit_event_loop();
            }
        });
    }
    ui.component().run()?;
    Ok(recovered.get())
}

/// Waits without a screen: beats the watchdog every second (no Slint loop turns here to
/// answer its probe) and rechecks every [`RECHECK_EVERY`].
fn wait_headless(
    status: &str,
    quit_after: Option<Duration>,
    started: std::time::Instant,
    mut steady: Option<&mut Steady>,
) -> bool {
    const BEAT: Duration = Duration::from_secs(1);
    let watchdog = crate::systemd::notify_ready_beating(status);
    let mut last_check = std::time::Instant::now();
    loop {
        if let Some(w) = &watchdog {
            w.liveness().beat();
        }
        let left = quit_after.map(|q| q.saturating_sub(started.elapsed()));
        if left == Some(Duration::ZERO) {
            return false;
        }
        std::thread::sleep(left.map_or(BEAT, |l| l.min(BEAT)));
        if last_check.elapsed() >= RECHECK_EVERY {
            last_check = std::time::Instant::now();
            if let Some(steady) = steady.as_deref_mut()
                && steady.passed()
            {
                return true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_recheck_must_pass_several_times_in_a_row() {
        let answers = std::rc::Rc::new(std::cell::RefCell::new(vec![
            true, true, false, true, true, true,
        ]));
        let feed = answers.clone();
        let mut steady = Steady::new(Some(Box::new(move || feed.borrow_mut().remove(0)))).unwrap();
        let seen: Vec<bool> = (0..6).map(|_| steady.passed()).collect();
        assert_eq!(seen, [false, false, false, false, false, true]);
        assert!(Steady::new(None).is_none());
    }

    #[test]
    fn every_fault_has_its_own_code() {
        let all = [
            Fault::Configuration,
            Fault::DatabaseKey,
            Fault::Database,
            Fault::SigningKeys,
            Fault::Devices,
            Fault::Sync,
        ];
        let mut codes: Vec<_> = all.iter().map(|f| f.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }

    #[test]
    fn the_screen_is_persian_first_with_the_code_and_no_actions() {
        let vm = view(Fault::DatabaseKey, Some(12));
        assert_eq!(vm.page, Page::OutOfService);
        assert!(vm.prefs.rtl);
        assert!(vm.title.starts_with("این دستگاه"));
        assert!(vm.message.find("کارکنان") < vm.message.find("staff"));
        assert!(vm.bar.is_empty() && vm.choices.is_empty());
        assert_eq!(vm.rows[0].value, "DB-KEY");
        assert_eq!(vm.rows[1].value, "۱۲");
        assert!(view(Fault::Configuration, None).rows.len() == 1);
    }

    #[test]
    fn the_status_line_starts_as_the_health_check_expects() {
        let status = systemd_status(Fault::Database);
        assert!(status.starts_with("out of service: "), "{status}");
        assert!(status.contains("[DB]"));
        assert!(!status.contains('\n'));
    }

    #[test]
    fn a_start_error_names_its_step_and_reason() {
        let err: Result<(), _> = Err(anyhow::anyhow!("/var/lib/kiosk/keys/db.key: missing"));
        let e = err.fault(Fault::DatabaseKey).unwrap_err();
        assert_eq!(
            e.to_string(),
            "[DB-KEY] /var/lib/kiosk/keys/db.key: missing"
        );
    }
}
