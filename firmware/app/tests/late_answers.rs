//! The worker thread's answers when the visitor has moved on: a real store file, the worker
//! thread as on a kiosk, and a printer that holds every job until the test lets it go (a paper
//! jam, a slow serial line).
//!
//! The flow's side of the same cases, event by event, is in firmware/journey/src/tests.rs;
//! here the whole device runs them: the screen's thread hands the jobs over and goes on, the
//! answers come back as events, and what the store keeps is read back.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use kiosk::device::{Device, IdleTimes, complaint_taps};
use kiosk::flow::{Event, PrinterProblem, Screen};
use kiosk::runtime::{Answer, Job, Kiosk, PrintSink, ReprintOutcome, backend::HELD_NOTE};
use kiosk_receipt::Profile;
use kiosk_store::{OpenOptions, ReceiptState, Store};
use kiosk_ui::UiInput;

/// A printer that says when a job reached it, then prints it only when the test sends it a
/// go-ahead.
struct GatedPrinter {
    gate: mpsc::Receiver<()>,
    started: mpsc::Sender<()>,
}

impl PrintSink for GatedPrinter {
    fn print(&mut self, _job: &[u8]) -> Result<(), PrinterProblem> {
        let _ = self.started.send(());
        self.gate
            .recv_timeout(Duration::from_secs(30))
            .map_err(|_| PrinterProblem::Offline)
    }
}

struct Rig {
    device: Device<GatedPrinter>,
    answers: mpsc::Receiver<Answer>,
    gate: mpsc::Sender<()>,
    /// A job reached the printer.
    started: mpsc::Receiver<()>,
    clock: Instant,
    _dir: tempfile::TempDir,
}

impl Rig {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tmp");
        let config = kiosk::demo::demo_config(dir.path()).expect("example config");
        let portal = config.receipt.portal_url.clone();
        let store = Store::open(dir.path().join("kiosk.db"), &OpenOptions::default()).expect("db");
        let (gate, held) = mpsc::channel();
        let (started_tx, started) = mpsc::channel();
        let (post, answers) = mpsc::channel();
        let kiosk = Kiosk::new(
            config,
            store,
            Profile::MM80,
            GatedPrinter {
                gate: held,
                started: started_tx,
            },
            chrono::Utc::now,
        )
        .threaded(Box::new(move |answer| post.send(answer).is_ok()))
        .expect("worker");
        let idle = IdleTimes {
            warn_after: Duration::from_secs(60),
            expire_after: Duration::from_secs(20),
        };
        let device = Device::new(kiosk, &portal, Box::new(|_, _, _| {})).with_idle(idle);
        Self {
            device,
            answers,
            gate,
            started,
            clock: Instant::now(),
            _dir: dir,
        }
    }

    fn tap(&mut self, input: &UiInput) {
        assert!(self.device.input(input, self.clock), "{input:?}");
    }

    /// A visitor's complaint journey up to and including «confirm».
    fn confirm(&mut self) {
        for input in complaint_taps() {
            self.tap(&input);
            if input == UiInput::Action("confirm".into()) {
                return;
            }
        }
        panic!("the journey has no confirm");
    }

    /// The next answer from the worker, played on the device: the flow event it carried.
    fn answer(&mut self) -> Event {
        let answer = self
            .answers
            .recv_timeout(Duration::from_secs(30))
            .expect("the worker answers");
        let Answer::Flow(event) = answer.clone() else {
            panic!("not a visitor answer: {answer:?}");
        };
        self.device.answer(answer, self.clock);
        event
    }

    /// Calls staff, then lets the clock run until the session ends.
    fn call_staff_and_walk_away(&mut self) {
        self.tap(&UiInput::Action("call-staff".into()));
        assert_eq!(self.device.kiosk().flow().screen(), Screen::CallStaff);
        for _ in 0..2 {
            self.clock += Duration::from_secs(61);
            self.device.tick(self.clock);
        }
        assert_eq!(self.device.kiosk().flow().screen(), Screen::Attract);
    }

    fn receipt_states(&self) -> Vec<(ReceiptState, Option<String>)> {
        let backend = self.device.kiosk().backend();
        (1..=10)
            .filter_map(|id| backend.store().receipt(id).expect("read"))
            .map(|job| (job.state, job.last_status))
            .collect()
    }
}

#[test]
fn the_screen_moves_on_while_the_worker_commits_and_prints() {
    let mut rig = Rig::new();
    rig.confirm();
    // The tap returned before anything was committed or printed: the printing screen shows.
    assert_eq!(rig.device.kiosk().flow().screen(), Screen::Printing);
    assert!(matches!(rig.answer(), Event::Registered(_)));
    assert_eq!(rig.device.kiosk().flow().screen(), Screen::Printing);
    rig.gate.send(()).expect("printer");
    assert!(matches!(rig.answer(), Event::Printed));
    assert_eq!(rig.device.kiosk().flow().screen(), Screen::Done);
}

#[test]
fn a_receipt_stuck_in_the_printer_while_its_visitor_timed_out_still_prints_and_the_next_case_is_held()
 {
    let mut rig = Rig::new();
    rig.confirm();
    assert!(matches!(rig.answer(), Event::Registered(_)));
    // The receipt is in the printer, which holds it; the visitor calls staff and leaves.
    rig.started
        .recv_timeout(Duration::from_secs(30))
        .expect("the receipt reached the printer");
    rig.call_staff_and_walk_away();
    // A second visitor confirms while the first receipt still blocks the printer: their case
    // waits behind it on the worker.
    rig.confirm();
    assert_eq!(rig.device.kiosk().flow().screen(), Screen::Printing);
    rig.call_staff_and_walk_away();
    // The printer frees up: the first receipt prints (for a visitor gone, the screen stays on
    // attract), then the second case is committed for nobody and held for the desk.
    rig.gate.send(()).expect("printer");
    assert!(matches!(rig.answer(), Event::Printed));
    assert!(matches!(rig.answer(), Event::Registered(_)));
    assert_eq!(rig.device.kiosk().flow().screen(), Screen::Attract);
    // The hold has no answer: wait until the worker is idle.
    let deadline = Instant::now() + Duration::from_secs(30);
    while rig.device.kiosk().jobs_in_flight() > 0 {
        assert!(Instant::now() < deadline, "the worker never finished");
        std::thread::sleep(Duration::from_millis(5));
    }
    let counts = rig
        .device
        .kiosk()
        .backend()
        .store()
        .counts()
        .expect("counts");
    assert_eq!(counts.cases, 2, "both cases kept");
    assert_eq!(
        rig.receipt_states(),
        vec![
            (ReceiptState::Printed, None),
            (ReceiptState::Failed, Some(HELD_NOTE.to_owned())),
        ],
        "the first printed, the second kept for a reprint"
    );
    assert!(
        rig.device.kiosk().flow().session().registered.is_none(),
        "nothing of either visitor reaches the next one"
    );
}

#[test]
fn a_reprint_runs_on_the_worker_and_answers_when_the_printer_is_done() {
    let mut rig = Rig::new();
    rig.confirm();
    let Event::Registered(view) = rig.answer() else {
        panic!("not registered");
    };
    rig.gate.send(()).expect("printer");
    assert!(matches!(rig.answer(), Event::Printed));
    // The desk's reprint: handed over, no answer yet while the printer holds the job.
    let code = view.tracking_code;
    let kiosk = rig.device.kiosk_mut();
    assert!(
        kiosk.run(Job::Reprint(code)).is_none(),
        "not done on this thread"
    );
    assert!(
        rig.answers
            .recv_timeout(Duration::from_millis(200))
            .is_err(),
        "nothing answered while the printer holds the slip"
    );
    rig.gate.send(()).expect("printer");
    let answer = rig
        .answers
        .recv_timeout(Duration::from_secs(30))
        .expect("answered");
    assert!(
        matches!(&answer, Answer::Reprint(c, ReprintOutcome::Printed) if *c == code),
        "{answer:?}"
    );
}

/// A receipt that waited for the printer while its visitor's session ended is held, not
/// printed: the backend compares the visit it was asked for with the flow's visit now.
#[test]
fn a_receipt_whose_visitor_left_before_the_printer_was_free_is_held_not_printed() {
    use kiosk::flow::{Lang, VisitorInput};
    use kiosk::runtime::{Backend, RecordingPrinter};
    use std::sync::atomic::Ordering;
    let dir = tempfile::tempdir().expect("tmp");
    let config = kiosk::demo::demo_config(dir.path()).expect("config");
    let store = Store::open(dir.path().join("kiosk.db"), &OpenOptions::default()).expect("db");
    let clock: kiosk::runtime::Clock = std::sync::Arc::new(chrono::Utc::now);
    let mut backend = Backend::new(
        config,
        store,
        Profile::MM80,
        RecordingPrinter::default(),
        clock,
    );
    let input = VisitorInput {
        national_code: "0499370899".into(),
        other_id: None,
        kind: Some(kiosk_core::CaseKind::Complaint),
        subject_id: "deed-delay".into(),
        service_id: None,
        description: "پرونده‌ی من بدون پاسخ مانده است.".into(),
        mobile: String::new(),
        official: None,
        notice_consent: false,
    };
    let done = backend.perform(Job::Register {
        input,
        lang: Lang::Fa,
    });
    let Some(Answer::Flow(Event::Registered(view))) = done.answer else {
        panic!("not registered: {:?}", done.answer);
    };
    // The flow has moved on to the next visitor before the printer got to this receipt.
    backend.current_visit().store(1, Ordering::SeqCst);
    let done = backend.perform(Job::PrintReceipt {
        code: view.tracking_code,
        visit: 0,
    });
    assert!(matches!(
        done.answer,
        Some(Answer::Flow(Event::ReceiptHeld))
    ));
    assert!(done.printed.is_empty(), "nothing printed");
    assert!(backend.printer_mut().jobs.is_empty());
    let job = backend
        .store()
        .receipt(1)
        .expect("read")
        .expect("the case's job");
    assert_eq!(job.state, ReceiptState::Failed);
    assert_eq!(job.last_status.as_deref(), Some(HELD_NOTE));
}

/// A printer driver that panics (a bug): the worker answers the job as failed and stays alive.
struct PanickingPrinter;

impl PrintSink for PanickingPrinter {
    fn print(&mut self, _job: &[u8]) -> Result<(), PrinterProblem> {
        panic!("a bug in a printer driver");
    }
}

#[test]
fn a_job_that_panics_is_answered_as_failed_and_the_worker_goes_on() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = kiosk::demo::demo_config(dir.path()).expect("example config");
    let portal = config.receipt.portal_url.clone();
    let store = Store::open(dir.path().join("kiosk.db"), &OpenOptions::default()).expect("db");
    let (post, answers) = mpsc::channel();
    let kiosk = Kiosk::new(
        config,
        store,
        Profile::MM80,
        PanickingPrinter,
        chrono::Utc::now,
    )
    .threaded(Box::new(move |answer| post.send(answer).is_ok()))
    .expect("worker");
    let mut device = Device::new(kiosk, &portal, Box::new(|_, _, _| {}));
    let now = Instant::now();
    for round in 0..2 {
        for input in complaint_taps() {
            assert!(device.input(&input, now), "{input:?}");
            if input == UiInput::Action("confirm".into()) {
                break;
            }
        }
        for _ in 0..2 {
            let answer = answers
                .recv_timeout(Duration::from_secs(30))
                .expect("answered even though the job panicked");
            device.answer(answer, now);
        }
        assert_eq!(
            device.kiosk().flow().screen(),
            Screen::PrinterOut,
            "round {round}: the case is kept, the code shown, staff told"
        );
        assert!(device.input(&UiInput::Action("finish".into()), now));
    }
    let cases = device
        .kiosk()
        .backend()
        .store()
        .counts()
        .expect("counts")
        .cases;
    assert_eq!(cases, 2, "the worker went on after the first panic");
}
