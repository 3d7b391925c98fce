//! What each printer condition means to the three audiences: the visitor (Persian, on screen),
//! staff (an English alert and log line saying what to do) and the print job (a short note kept
//! with the job in the store).
//!
//! Kept apart from the parser so wording can change without touching the status logic, and so
//! one table answers "what does the kiosk say when…". Every failure message tells the visitor
//! that the case is kept and the tracking code is on screen, because that is what the firmware
//! does when a receipt does not print.

use super::status::{Condition, ErrorCause, OfflineCause, PrinterStatus, UnknownCause};

/// The sentence added to every Persian failure message.
const KEPT_FA: &str = "درخواست شما ثبت شده است؛ کد رهگیری و کد QR آن روی صفحه نمایش داده می‌شود \
                       و رسید را می‌توانید بعداً از کارکنان بگیرید.";

impl Condition {
    /// A stable, scriptable name (`ready`, `paper_end`, `offline`, …) for logs and notes.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::PaperNearEnd => "paper_near_end",
            Self::PaperEnd => "paper_end",
            Self::CoverOpen => "cover_open",
            Self::Offline(_) => "offline",
            Self::Error(_) => "error",
            Self::Unknown(_) => "unknown",
        }
    }

    /// What the visitor is told, in Persian. Ready and paper near end are not the visitor's
    /// concern and say the receipt is printing.
    pub fn visitor_message_fa(&self) -> String {
        let what = match self {
            Self::Ready | Self::PaperNearEnd => return "رسید شما در حال چاپ است.".to_owned(),
            Self::PaperEnd => "کاغذ چاپگر رسید تمام شده است.",
            Self::CoverOpen => "درِ چاپگر رسید باز است.",
            Self::Offline(_) => "چاپگر رسید در دسترس نیست.",
            Self::Error(_) => "چاپگر رسید دچار خطا شده است.",
            Self::Unknown(_) => "چاپگر رسید پاسخ نمی‌دهد.",
        };
        format!("{what} {KEPT_FA}")
    }

    /// The alert for staff, in English: what is wrong and what to do. `None` when nothing needs
    /// doing.
    pub fn staff_alert(&self) -> Option<String> {
        let text = match self {
            Self::Ready => return None,
            Self::PaperNearEnd => "Receipt printer paper is nearly out: change the roll soon.",
            Self::PaperEnd => {
                "Receipt printer is out of paper: load a new roll, then reprint the queued \
                 receipts."
            }
            Self::CoverOpen => {
                "Receipt printer cover is open: close it, then reprint the queued receipts."
            }
            Self::Offline(OfflineCause::FeedButton) => {
                "Receipt printer is offline while paper is fed with its button: release the button."
            }
            Self::Offline(OfflineCause::Reported) => {
                "Receipt printer is offline: check it, then reprint the queued receipts."
            }
            Self::Offline(OfflineCause::Unreachable) => {
                "Receipt printer cannot be reached: check its power and cable (or network), \
                 then reprint the queued receipts."
            }
            Self::Error(ErrorCause::Autocutter) => {
                "Receipt printer autocutter is jammed: open the cover, clear the paper, close it."
            }
            Self::Error(ErrorCause::Unrecoverable) => {
                "Receipt printer has an unrecoverable error: switch it off and on; call service \
                 if it persists."
            }
            Self::Error(ErrorCause::AutoRecoverable) => {
                "Receipt printer paused (print head too hot); it resumes by itself."
            }
            Self::Error(ErrorCause::Unspecified) => {
                "Receipt printer reports an error: check it, then reprint the queued receipts."
            }
            Self::Unknown(UnknownCause::NoAnswer(q)) => {
                return Some(format!(
                    "Receipt printer does not answer its status query (DLE EOT {}): check its \
                     power, cable and serial settings.",
                    q.n()
                ));
            }
            Self::Unknown(UnknownCause::Malformed(q, b)) => {
                return Some(format!(
                    "Receipt printer answered its status query (DLE EOT {}) with {b:#04x}, not a \
                     status byte: check the baud rate and that it speaks ESC/POS.",
                    q.n()
                ));
            }
        };
        Some(text.to_owned())
    }
}

impl PrinterStatus {
    /// What the visitor is told, in Persian (see [`Condition::visitor_message_fa`]).
    pub fn visitor_message_fa(&self) -> String {
        self.condition.visitor_message_fa()
    }

    /// The staff alert, in English; also says when the paper is nearly out behind another
    /// condition. `None` when the printer is ready.
    pub fn staff_alert(&self) -> Option<String> {
        let alert = self.condition.staff_alert();
        if self.paper_near_end && self.condition != Condition::PaperNearEnd {
            let near = "The paper is also nearly out.";
            return Some(alert.map_or_else(|| near.to_owned(), |a| format!("{a} {near}")));
        }
        alert
    }

    /// A short note for the print job in the store: kind, then the raw status.
    pub fn job_note(&self) -> String {
        format!("printer {self}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::status::StatusQuery;

    fn every_condition() -> Vec<Condition> {
        let mut all = vec![
            Condition::Ready,
            Condition::PaperNearEnd,
            Condition::PaperEnd,
        ];
        all.push(Condition::CoverOpen);
        for c in [
            OfflineCause::FeedButton,
            OfflineCause::Reported,
            OfflineCause::Unreachable,
        ] {
            all.push(Condition::Offline(c));
        }
        for c in [
            ErrorCause::Autocutter,
            ErrorCause::Unrecoverable,
            ErrorCause::AutoRecoverable,
            ErrorCause::Unspecified,
        ] {
            all.push(Condition::Error(c));
        }
        all.push(Condition::Unknown(UnknownCause::NoAnswer(
            StatusQuery::Printer,
        )));
        all.push(Condition::Unknown(UnknownCause::Malformed(
            StatusQuery::PaperSensor,
            0,
        )));
        all
    }

    #[test]
    fn every_failure_tells_the_visitor_the_case_is_kept() {
        for c in every_condition() {
            let fa = c.visitor_message_fa();
            assert!(
                fa.chars().any(|ch| ('\u{0600}'..='\u{06FF}').contains(&ch)),
                "{c:?}"
            );
            let blocking = !PrinterStatus::from_condition(c).can_print(true);
            assert_eq!(fa.contains("کد رهگیری"), blocking, "{c:?}: {fa}");
        }
    }

    #[test]
    fn staff_are_alerted_for_everything_but_ready() {
        for c in every_condition() {
            let alert = c.staff_alert();
            assert_eq!(alert.is_none(), c == Condition::Ready, "{c:?}");
            if let Some(a) = alert {
                assert!(a.starts_with("Receipt printer"), "{a}");
                assert!(a.is_ascii(), "{a}");
            }
        }
        let a = Condition::Unknown(UnknownCause::Malformed(StatusQuery::ErrorCause, 0xFF))
            .staff_alert();
        assert!(a.is_some_and(|a| a.contains("DLE EOT 3") && a.contains("0xff")));
    }

    #[test]
    fn messages_differ_between_conditions() {
        let kinds: std::collections::HashSet<_> =
            every_condition().iter().map(|c| c.staff_alert()).collect();
        assert_eq!(kinds.len(), every_condition().len());
    }

    #[test]
    fn near_end_is_added_to_another_alert_and_the_note() {
        let s = PrinterStatus {
            condition: Condition::CoverOpen,
            paper_near_end: true,
            answers: [Some(0x1A), Some(0x16), Some(0x12), Some(0x1E)],
        };
        let alert = s.staff_alert().unwrap_or_default();
        assert!(
            alert.contains("cover is open") && alert.contains("nearly out"),
            "{alert}"
        );
        assert_eq!(
            s.job_note(),
            "printer cover_open (paper near end) [DLE EOT 1-4: 1A 16 12 1E]"
        );
        assert!(s.job_note().chars().count() <= 500);
    }
}
