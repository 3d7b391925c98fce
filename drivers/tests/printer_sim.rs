//! The simulated printer under the real job procedure: every fault it can be told to have ends
//! in the right error, status, job note and messages, quickly, and a healthy one receives the
//! sample receipt byte for byte (decoded back into the receipt with its QR payloads).

use std::time::{Duration, Instant};

use kiosk_drivers::printer::{
    Condition, ErrorCause, JobConfig, OfflineCause, PrintError, ReceiptPrinter, SimFault,
    SimPrinter, SimPrinterHandle, StatusQuery, UnknownCause,
};
use kiosk_receipt::{Profile, decode::decode, encode, sample};

fn fast() -> JobConfig {
    JobConfig {
        chunk_size: 512,
        stall_timeout: Duration::from_millis(100),
        status_timeout: Duration::from_millis(20),
        require_status: true,
    }
}

fn printer() -> (SimPrinter, SimPrinterHandle) {
    SimPrinter::new(fast())
}

fn receipt() -> Vec<u8> {
    encode(&sample(), &Profile::MM80).expect("the sample receipt encodes")
}

const QUERIES: [u8; 12] = [0x10, 4, 1, 0x10, 4, 2, 0x10, 4, 3, 0x10, 4, 4];

#[test]
fn a_healthy_printer_receives_the_receipt_between_status_queries() {
    let (mut p, h) = printer();
    let job = receipt();
    let status = p.print(&job).expect("prints");
    assert_eq!(status.condition, Condition::Ready);
    assert_eq!(h.jobs(), vec![job.clone()]);
    // The wire: four queries, the job, four queries.
    let stream = h.stream();
    assert_eq!(stream.len(), job.len() + 24);
    assert_eq!(stream[..12], QUERIES);
    assert_eq!(stream[stream.len() - 12..], QUERIES);
    assert_eq!(h.queries(), 8);
    let decoded = decode(&h.jobs()[0], Profile::MM80.dots).expect("decodes");
    assert_eq!(decoded.native_qr.len(), 2);
    assert!(decoded.native_qr[0].starts_with("https://samad.example.ir"));
    assert_eq!(decoded.cuts, 1);
    // The link stays open between jobs.
    p.print(&job).expect("prints again");
    assert_eq!(h.opens(), 1);
    assert_eq!(h.jobs().len(), 2);
}

#[test]
fn paper_near_end_prints_and_alerts_staff() {
    let (p, h) = printer();
    // Chosen at run time, as the firmware does from its configuration.
    let mut p: Box<dyn ReceiptPrinter> = Box::new(p);
    h.set_fault(SimFault::PaperNearEnd);
    let status = p.print(b"\x1b@hello").expect("prints");
    assert_eq!(status.condition, Condition::PaperNearEnd);
    assert!(status.paper_near_end);
    assert!(
        status
            .staff_alert()
            .is_some_and(|a| a.contains("nearly out"))
    );
    assert_eq!(h.jobs(), vec![b"\x1b@hello".to_vec()]);
}

/// Faults present before the job: nothing is sent, and the status names the fault.
#[test]
fn a_printer_that_cannot_print_gets_no_job() {
    let cases = [
        (SimFault::PaperEnd, Condition::PaperEnd),
        (SimFault::CoverOpen, Condition::CoverOpen),
        (
            SimFault::Offline,
            Condition::Offline(OfflineCause::Reported),
        ),
        (
            SimFault::Error(ErrorCause::Autocutter),
            Condition::Error(ErrorCause::Autocutter),
        ),
        (
            SimFault::Error(ErrorCause::Unrecoverable),
            Condition::Error(ErrorCause::Unrecoverable),
        ),
        (
            SimFault::Garbled,
            Condition::Unknown(UnknownCause::Malformed(StatusQuery::Printer, 0xFF)),
        ),
        (
            SimFault::NoStatusAnswer,
            Condition::Unknown(UnknownCause::NoAnswer(StatusQuery::Printer)),
        ),
    ];
    for (fault, condition) in cases {
        let (mut p, h) = printer();
        h.set_fault(fault);
        match p.print(b"job") {
            Err(PrintError::NotReady(status)) => {
                assert_eq!(status.condition, condition, "{fault:?}")
            }
            other => panic!("{fault:?}: {other:?}"),
        }
        assert!(h.jobs().is_empty(), "{fault:?}: no job bytes sent");
        assert!(p.print(b"job").is_err_and(|e| e.nothing_sent()));
        assert!(!h.stream().windows(3).any(|w| w == b"job"), "{fault:?}");
        assert_eq!(
            p.status().condition,
            condition,
            "{fault:?}: status() agrees"
        );
    }
}

#[test]
fn no_answer_costs_one_status_timeout_not_four() {
    let (mut p, h) = printer();
    h.set_fault(SimFault::NoStatusAnswer);
    let started = Instant::now();
    let err = p.print(b"job").expect_err("refused");
    // No hang; that only one query was asked is the count below.
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(h.queries(), 1);
    assert_eq!(err.kind(), "not_ready");
    assert!(err.staff_alert().contains("DLE EOT 1"));
    assert!(err.visitor_message_fa().contains("پاسخ نمی‌دهد"));
}

#[test]
fn without_required_answers_a_silent_printer_still_gets_the_job() {
    let (mut p, h) = SimPrinter::new(JobConfig {
        require_status: false,
        ..fast()
    });
    h.set_fault(SimFault::NoStatusAnswer);
    let status = p.print(b"job").expect("sent without status");
    assert!(matches!(status.condition, Condition::Unknown(_)));
    assert_eq!(h.jobs(), vec![b"job".to_vec()]);
}

#[test]
fn paper_running_out_mid_job_fails_the_job_after_it() {
    let (mut p, h) = printer();
    let job = receipt();
    h.set_fault(SimFault::PaperEndAfter(job.len() / 2));
    let err = p.print(&job).expect_err("paper ran out");
    match &err {
        PrintError::Problem { status, sent } => {
            assert_eq!(status.condition, Condition::PaperEnd);
            assert_eq!(*sent, job.len());
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.job_note().starts_with("problem: "),
        "{}",
        err.job_note()
    );
    assert!(err.job_note().contains("paper_end"));
    assert!(!err.nothing_sent());
    assert!(err.visitor_message_fa().contains("کاغذ"));
    assert!(err.staff_alert().contains("out of paper"));
    // It stays out of paper: the next job is refused up front.
    assert!(matches!(p.print(&job), Err(PrintError::NotReady(_))));
    // A new roll: prints again.
    h.set_fault(SimFault::Healthy);
    assert!(p.print(&job).is_ok());
}

#[test]
fn going_away_mid_job_is_a_connection_error_and_unreachable() {
    let (mut p, h) = printer();
    let job = receipt();
    h.set_fault(SimFault::DisconnectAfter(1000));
    let err = p.print(&job).expect_err("went away");
    match &err {
        PrintError::Connection {
            sent,
            total,
            status,
            ..
        } => {
            assert_eq!((*sent, *total), (1000, job.len()));
            assert_eq!(
                status.condition,
                Condition::Offline(OfflineCause::Unreachable)
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.jobs(), vec![job[..1000].to_vec()]);
    assert!(err.staff_alert().contains("cannot be reached"));
    // Still unplugged: the open fails and says so.
    let err = p.print(&job).expect_err("unplugged");
    assert!(
        err.to_string().contains("cannot open simulated printer"),
        "{err}"
    );
    assert_eq!(
        p.status().condition,
        Condition::Offline(OfflineCause::Unreachable)
    );
    // Plugged back in: the link is opened again and the job prints.
    h.set_fault(SimFault::Healthy);
    assert!(p.print(&job).is_ok());
    assert_eq!(h.opens(), 2);
}

#[test]
fn a_slow_printer_stalls_the_job_within_the_timeout() {
    let (mut p, h) = printer();
    h.set_fault(SimFault::Slow(Duration::from_millis(150)));
    let started = Instant::now();
    let err = p.print(&receipt()).expect_err("stalls");
    let took = started.elapsed();
    match &err {
        PrintError::Stalled { sent, stalled, .. } => {
            assert_eq!(*sent, 0);
            assert_eq!(*stalled, Duration::from_millis(100));
        }
        other => panic!("{other:?}"),
    }
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(err.staff_alert().contains("accepted no data"));
    // Slow but within the timeout: prints.
    h.set_fault(SimFault::Slow(Duration::from_millis(5)));
    assert!(p.print(&[0u8; 1500]).is_ok());
}
