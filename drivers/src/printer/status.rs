//! Real-time printer status: the four `DLE EOT n` queries and a pure parser of their answers.
//!
//! ESC/POS printers answer `DLE EOT n` (`10 04 n`) with one byte at once, even while offline or
//! in the middle of a job, which makes it the one status command every receipt printer has.
//! Each answer byte has fixed bits (bit 0 and 7 clear, bits 1 and 4 set); a byte without them is
//! not an answer (a late answer to another query, line noise, the wrong baud rate) and is
//! reported as such rather than guessed at. The parser is a pure function of the four answers
//! (each possibly missing), so every combination is tested without a printer.

use std::fmt;

/// `DLE EOT n`: transmit real-time status `n`.
pub fn query(n: StatusQuery) -> [u8; 3] {
    [0x10, 0x04, n as u8]
}

/// The four real-time status queries, in the order they are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum StatusQuery {
    /// `n = 1`: printer status (online/offline).
    Printer = 1,
    /// `n = 2`: offline cause (cover, feed button, paper end, error).
    OfflineCause = 2,
    /// `n = 3`: error cause (autocutter, unrecoverable, auto-recoverable).
    ErrorCause = 3,
    /// `n = 4`: paper roll sensor (near end, end).
    PaperSensor = 4,
}

impl StatusQuery {
    /// All four, in sending order.
    pub const ALL: [StatusQuery; 4] = [
        Self::Printer,
        Self::OfflineCause,
        Self::ErrorCause,
        Self::PaperSensor,
    ];

    /// The `n` of `DLE EOT n`.
    pub fn n(self) -> u8 {
        self as u8
    }
}

/// The answers to the four queries, in [`StatusQuery::ALL`] order; `None` where the printer
/// said nothing within the status timeout.
pub type StatusAnswers = [Option<u8>; 4];

/// Whether `byte` has the fixed bits of every `DLE EOT` answer (0xx1_xx10).
pub fn is_status_byte(byte: u8) -> bool {
    byte & 0b1001_0011 == 0b0001_0010
}

/// What stops a printer, or what to know about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Condition {
    /// Online, paper present, no error.
    Ready,
    /// Ready, but the paper roll is nearly used up: prints, and staff should change the roll.
    PaperNearEnd,
    /// Out of paper.
    PaperEnd,
    /// The cover is open.
    CoverOpen,
    /// Offline for the given reason.
    Offline(OfflineCause),
    /// The printer reports an error.
    Error(ErrorCause),
    /// The status could not be read.
    Unknown(UnknownCause),
}

/// Why a printer is offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfflineCause {
    /// Paper is being fed with the feed button.
    FeedButton,
    /// The printer says it is offline without a cause we know of.
    Reported,
    /// The device cannot be reached: not connected, unplugged, connection refused or closed.
    Unreachable,
}

/// Which error the printer reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCause {
    /// The autocutter is jammed.
    Autocutter,
    /// An unrecoverable error (needs power cycling or service).
    Unrecoverable,
    /// An error that clears by itself (print head too hot).
    AutoRecoverable,
    /// The printer reports an error without naming its cause.
    Unspecified,
}

/// Why the status is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnknownCause {
    /// No answer to this query within the timeout.
    NoAnswer(StatusQuery),
    /// An answer without the fixed bits of a status byte.
    Malformed(StatusQuery, u8),
}

/// A printer's status: the condition that matters most, and what else is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PrinterStatus {
    /// The most important condition (an error before an open cover before paper end before
    /// offline before paper near end).
    pub condition: Condition,
    /// The paper roll is nearly used up (also when another condition matters more).
    pub paper_near_end: bool,
    /// The raw answers, for logs.
    pub answers: StatusAnswers,
}

impl PrinterStatus {
    /// A status with nothing but `condition` known (no answers read).
    pub fn from_condition(condition: Condition) -> Self {
        Self {
            condition,
            paper_near_end: condition == Condition::PaperNearEnd,
            answers: [None; 4],
        }
    }

    /// The status of a device that cannot be reached.
    pub fn unreachable() -> Self {
        Self::from_condition(Condition::Offline(OfflineCause::Unreachable))
    }

    /// Whether a job can be sent. An unknown status blocks only when `require_answer` is set
    /// (printers without a back channel never answer).
    pub fn can_print(&self, require_answer: bool) -> bool {
        match self.condition {
            Condition::Ready | Condition::PaperNearEnd => true,
            Condition::Unknown(_) => !require_answer,
            _ => false,
        }
    }

    /// Whether the printer is ready (paper near end included).
    pub fn is_ready(&self) -> bool {
        self.can_print(true)
    }
}

impl fmt::Display for PrinterStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.condition.kind())?;
        if self.paper_near_end && self.condition != Condition::PaperNearEnd {
            f.write_str(" (paper near end)")?;
        }
        f.write_str(" [DLE EOT 1-4:")?;
        for a in self.answers {
            match a {
                Some(b) => write!(f, " {b:02X}")?,
                None => f.write_str(" --")?,
            }
        }
        f.write_str("]")
    }
}

const BIT2: u8 = 1 << 2;
const BIT3: u8 = 1 << 3;
const BIT5: u8 = 1 << 5;
const BIT6: u8 = 1 << 6;

/// Parses the answers to the four `DLE EOT` queries.
///
/// A blocking condition read from a valid answer wins over missing or malformed answers to
/// other queries (a printer that says "cover open" has the cover open, whatever else it failed
/// to say). Without one, any missing or malformed answer makes the status unknown, because a
/// printer we cannot read is not known to be ready.
pub fn parse_status(answers: StatusAnswers) -> PrinterStatus {
    let mut valid = [None; 4];
    let mut unknown = None;
    for (i, (answer, query)) in answers.iter().zip(StatusQuery::ALL).enumerate() {
        match *answer {
            Some(b) if is_status_byte(b) => valid[i] = Some(b),
            Some(b) => {
                unknown.get_or_insert(UnknownCause::Malformed(query, b));
            }
            None => {
                unknown.get_or_insert(UnknownCause::NoAnswer(query));
            }
        }
    }
    let [printer, offline, error, paper] = valid;
    let has = |byte: Option<u8>, mask: u8| byte.is_some_and(|b| b & mask == mask);
    let has_any = |byte: Option<u8>, mask: u8| byte.is_some_and(|b| b & mask != 0);

    // n = 4: bits 2-3 near end (both set), bits 5-6 paper end (both set). Some printers set only
    // one bit of each pair, so either counts.
    let paper_near_end = has_any(paper, BIT2 | BIT3);
    let paper_end = has_any(paper, BIT5 | BIT6) || has(offline, BIT5);
    let cover_open = has(offline, BIT2);
    let error_cause = if has(error, BIT5) {
        Some(ErrorCause::Unrecoverable)
    } else if has(error, BIT3) {
        Some(ErrorCause::Autocutter)
    } else if has(error, BIT6) {
        Some(ErrorCause::AutoRecoverable)
    } else if has(offline, BIT6) {
        Some(ErrorCause::Unspecified)
    } else {
        None
    };
    let offline_reported = has(printer, BIT3);
    let feed_button = has(offline, BIT3);

    let condition = if let Some(cause) = error_cause {
        Condition::Error(cause)
    } else if cover_open {
        Condition::CoverOpen
    } else if paper_end {
        Condition::PaperEnd
    } else if offline_reported {
        Condition::Offline(if feed_button {
            OfflineCause::FeedButton
        } else {
            OfflineCause::Reported
        })
    } else if let Some(cause) = unknown {
        Condition::Unknown(cause)
    } else if paper_near_end {
        Condition::PaperNearEnd
    } else {
        Condition::Ready
    };
    PrinterStatus {
        condition,
        paper_near_end,
        answers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers of a healthy printer: fixed bits only.
    const OK: u8 = 0x12;

    fn all(a: [u8; 4]) -> StatusAnswers {
        a.map(Some)
    }

    fn condition(a: StatusAnswers) -> Condition {
        parse_status(a).condition
    }

    #[test]
    fn queries_are_dle_eot_n() {
        let bytes: Vec<[u8; 3]> = StatusQuery::ALL.iter().map(|&q| query(q)).collect();
        assert_eq!(
            bytes,
            [[0x10, 4, 1], [0x10, 4, 2], [0x10, 4, 3], [0x10, 4, 4]]
        );
    }

    #[test]
    fn fixed_bits_are_checked() {
        assert!(is_status_byte(0x12));
        assert!(is_status_byte(0x7E));
        for bad in [0x00, 0x10, 0x02, 0x13, 0x92, 0xFF, 0x04, b'A'] {
            assert!(!is_status_byte(bad), "{bad:02X}");
        }
        // Exactly 16 of 256 bytes are valid (4 fixed bits).
        assert_eq!((0..=255u8).filter(|&b| is_status_byte(b)).count(), 16);
    }

    #[test]
    fn healthy_printer_is_ready() {
        let s = parse_status(all([OK; 4]));
        assert_eq!(s.condition, Condition::Ready);
        assert!(!s.paper_near_end);
        assert!(s.is_ready());
        // The drawer-kick pin (n = 1 bit 2) does not matter.
        assert_eq!(condition(all([OK | BIT2, OK, OK, OK])), Condition::Ready);
    }

    #[test]
    fn paper_sensor_near_end_and_end() {
        let s = parse_status(all([OK, OK, OK, OK | BIT2 | BIT3]));
        assert_eq!(s.condition, Condition::PaperNearEnd);
        assert!(s.paper_near_end && s.can_print(true));
        // One bit of the pair is enough (clones).
        assert_eq!(
            condition(all([OK, OK, OK, OK | BIT3])),
            Condition::PaperNearEnd
        );
        let s = parse_status(all([
            OK | BIT3,
            OK | BIT5,
            OK,
            OK | BIT2 | BIT3 | BIT5 | BIT6,
        ]));
        assert_eq!(s.condition, Condition::PaperEnd);
        assert!(s.paper_near_end && !s.can_print(false));
        assert_eq!(condition(all([OK, OK, OK, OK | BIT6])), Condition::PaperEnd);
        // Paper end from the offline cause alone.
        assert_eq!(
            condition(all([OK | BIT3, OK | BIT5, OK, OK])),
            Condition::PaperEnd
        );
    }

    #[test]
    fn cover_open_offline_and_feed_button() {
        assert_eq!(
            condition(all([OK | BIT3, OK | BIT2, OK, OK])),
            Condition::CoverOpen
        );
        assert_eq!(
            condition(all([OK | BIT3, OK, OK, OK])),
            Condition::Offline(OfflineCause::Reported)
        );
        assert_eq!(
            condition(all([OK | BIT3, OK | BIT3, OK, OK])),
            Condition::Offline(OfflineCause::FeedButton)
        );
        // The feed button while online is not a problem.
        assert_eq!(condition(all([OK, OK | BIT3, OK, OK])), Condition::Ready);
    }

    #[test]
    fn error_causes_in_order_of_severity() {
        let err = |b3: u8| condition(all([OK | BIT3, OK | BIT6, OK | b3, OK]));
        assert_eq!(
            err(BIT5 | BIT3 | BIT6),
            Condition::Error(ErrorCause::Unrecoverable)
        );
        assert_eq!(err(BIT3 | BIT6), Condition::Error(ErrorCause::Autocutter));
        assert_eq!(err(BIT6), Condition::Error(ErrorCause::AutoRecoverable));
        assert_eq!(err(0), Condition::Error(ErrorCause::Unspecified));
    }

    #[test]
    fn most_important_condition_wins() {
        // Error > cover open > paper end > offline > near end.
        let everything = all([OK | BIT3, OK | BIT2 | BIT5 | BIT6, OK | BIT3, OK | 0x6C]);
        let s = parse_status(everything);
        assert_eq!(s.condition, Condition::Error(ErrorCause::Autocutter));
        assert!(s.paper_near_end);
        assert_eq!(
            condition(all([OK | BIT3, OK | BIT2 | BIT5, OK, OK | 0x6C])),
            Condition::CoverOpen
        );
    }

    #[test]
    fn missing_answers_make_the_status_unknown() {
        assert_eq!(
            condition([None; 4]),
            Condition::Unknown(UnknownCause::NoAnswer(StatusQuery::Printer))
        );
        assert_eq!(
            condition([Some(OK), Some(OK), Some(OK), None]),
            Condition::Unknown(UnknownCause::NoAnswer(StatusQuery::PaperSensor))
        );
        // A near-end paper does not hide a missing answer.
        assert_eq!(
            condition([Some(OK), None, Some(OK), Some(OK | BIT2 | BIT3)]),
            Condition::Unknown(UnknownCause::NoAnswer(StatusQuery::OfflineCause))
        );
        let s = parse_status([None; 4]);
        assert!(!s.can_print(true));
        assert!(
            s.can_print(false),
            "unknown is tolerated when answers are optional"
        );
    }

    #[test]
    fn malformed_answers_make_the_status_unknown() {
        assert_eq!(
            condition([Some(0x00), Some(OK), Some(OK), Some(OK)]),
            Condition::Unknown(UnknownCause::Malformed(StatusQuery::Printer, 0x00))
        );
        // The first problem is named.
        assert_eq!(
            condition([Some(OK), Some(0xFF), None, Some(OK)]),
            Condition::Unknown(UnknownCause::Malformed(StatusQuery::OfflineCause, 0xFF))
        );
        // A malformed byte's bits are never read: 0x7F would say "everything wrong".
        assert_eq!(
            condition([Some(0x7F); 4]),
            Condition::Unknown(UnknownCause::Malformed(StatusQuery::Printer, 0x7F))
        );
    }

    #[test]
    fn a_valid_blocking_answer_wins_over_missing_ones() {
        assert_eq!(
            condition([Some(OK | BIT3), Some(OK | BIT2), None, None]),
            Condition::CoverOpen
        );
        assert_eq!(
            condition([None, None, None, Some(OK | BIT5 | BIT6)]),
            Condition::PaperEnd
        );
        assert_eq!(
            condition([Some(OK | BIT3), None, None, None]),
            Condition::Offline(OfflineCause::Reported)
        );
    }

    #[test]
    fn every_combination_parses_without_panicking() {
        // All 17^4 combinations of a valid byte or nothing, plus every single malformed byte.
        let choices: Vec<Option<u8>> = std::iter::once(None)
            .chain((0..=255u8).filter(|&b| is_status_byte(b)).map(Some))
            .collect();
        let mut ready = 0;
        for &a in &choices {
            for &b in &choices {
                for &c in &choices {
                    for &d in &choices {
                        let s = parse_status([a, b, c, d]);
                        if s.condition == Condition::Ready {
                            ready += 1;
                            assert!([a, b, c, d].iter().all(Option::is_some));
                        }
                    }
                }
            }
        }
        assert!(ready > 0);
        for byte in 0..=255u8 {
            let s = parse_status([Some(byte), Some(OK), Some(OK), Some(OK)]);
            assert_eq!(
                is_status_byte(byte),
                !matches!(s.condition, Condition::Unknown(_))
            );
        }
    }

    #[test]
    fn display_shows_condition_and_raw_answers() {
        let s = parse_status([Some(0x1A), Some(0x36), None, Some(0x7E)]);
        assert_eq!(
            s.to_string(),
            "cover_open (paper near end) [DLE EOT 1-4: 1A 36 -- 7E]"
        );
    }
}
