//! A visitor's «call staff» handed to the office's desk terminals through the agency server
//! (`[samad] agency_server = true`): the kiosk sends the call at once
//! (`POST /v1/kiosks/{k}/staff-calls`) and again every [`RESEND_EVERY`] until a desk
//! acknowledges it; every answer is the call as the server keeps it, so sending again is also
//! how the kiosk learns of the acknowledgement (the server has no way to reach a kiosk).
//!
//! Why the [`AgencyLink`] and not the outbox relay: a staff call is worth something only
//! within seconds and only while it is open. The relay batches outbox items, backs off for
//! minutes after failures and keeps an item until it is delivered, even after the visitor
//! left; the link sends one small request now, and its answer says at once whether the desks
//! were told, which is what the visitor must hear. The link's thread serves one request at a
//! time, so a call is never sent again while the last sending is unanswered.
//!
//! The call's key is made from the kiosk's number and the instant it was raised, to the
//! millisecond, as the store keeps it: the same call sent again, even after a restart
//! ([`CallRelay::resume`]), is the same call at the server, never a second one.
//!
//! What the device does with the news: [`StaffCallNews`] for the visitor's screen, and an
//! acknowledgement stops the kiosk's LED and buzzer (device/staff_call.rs).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use kiosk_sync::wire::{StaffCall, StaffCallRaise};
use uuid::Uuid;

use super::office::AgencyLink;
use crate::flow::StaffCallNews;

/// How often an open call is sent again (to learn of its acknowledgement).
pub const RESEND_EVERY: Duration = Duration::from_secs(2);

/// How long the visitor waits for the server's first answer before being told that the desks
/// could not be reached (an answer that comes later still counts).
pub const FIRST_ANSWER_WAIT: Duration = Duration::from_secs(3);

/// The key of the call raised at `kiosk` at `raised_at` (a version 8 UUID: the instant's
/// milliseconds, the kiosk's number and a fixed tag); the same for the same call, different
/// for any other call of the office.
pub fn call_id(kiosk: u32, raised_at: DateTime<Utc>) -> Uuid {
    let mut bytes = [0_u8; 16];
    let millis = raised_at.timestamp_millis().to_be_bytes();
    bytes[..6].copy_from_slice(&millis[2..]);
    bytes[6..10].copy_from_slice(&kiosk.to_be_bytes());
    bytes[10..].copy_from_slice(b"kcall\0");
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// `at` to the millisecond (the store's precision, so a call resumed after a restart is sent
/// with the same `raised_at`).
pub fn to_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}

/// What the device learns from the server about the open call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// News for the visitor's screen.
    News(StaffCallNews),
    /// A member of staff acknowledged the call at a desk: the employee's code.
    Acknowledged {
        /// Who.
        by: String,
    },
}

/// The call being handed to the desks.
#[derive(Debug)]
struct OpenCall {
    id: Uuid,
    raised_at: DateTime<Utc>,
    /// When it was first sent (by the device's clock).
    first_sent: Instant,
    last_sent: Option<Instant>,
    /// A sending not answered yet.
    in_flight: bool,
    /// What the visitor was last told.
    told: StaffCallNews,
}

/// The kiosk's side of staff calls at the agency server.
pub struct CallRelay {
    link: AgencyLink,
    kiosk: u32,
    call: Option<OpenCall>,
    answers_tx: mpsc::Sender<(Uuid, Result<StaffCall, String>)>,
    answers: mpsc::Receiver<(Uuid, Result<StaffCall, String>)>,
    /// News waiting for the device's next look.
    heard: Vec<Heard>,
}

impl std::fmt::Debug for CallRelay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallRelay")
            .field("kiosk", &self.kiosk)
            .field("call", &self.call)
            .finish_non_exhaustive()
    }
}

impl CallRelay {
    /// Calls of kiosk `kiosk`, sent through `link`.
    pub fn new(link: AgencyLink, kiosk: u32) -> Self {
        let (answers_tx, answers) = mpsc::channel();
        Self {
            link,
            kiosk,
            call: None,
            answers_tx,
            answers,
            heard: Vec::new(),
        }
    }

    /// A visitor called at `raised_at` (`now` on the device's clock): the call is sent now. A
    /// call still open is the same call: what the desks know of it is told again.
    pub fn raise(&mut self, raised_at: DateTime<Utc>, now: Instant) {
        if let Some(call) = &self.call {
            self.heard.push(Heard::News(call.told));
            return;
        }
        let raised_at = to_millis(raised_at);
        let id = call_id(self.kiosk, raised_at);
        tracing::info!(call_id = %id, "staff call handed to the agency server");
        self.call = Some(OpenCall {
            id,
            raised_at,
            first_sent: now,
            last_sent: None,
            in_flight: false,
            told: StaffCallNews::Calling,
        });
        self.send(now);
    }

    /// A call left open at the last run (raised at `raised_at`, as the store kept it): sent
    /// again under the same key.
    pub fn resume(&mut self, raised_at: DateTime<Utc>, now: Instant) {
        self.call = None;
        self.raise(raised_at, now);
    }

    /// Staff came to the kiosk and acknowledged the call there (their card, `by`): the server
    /// is told, so that the desks stop showing it.
    pub fn acknowledged_here(&mut self, by: &str) {
        let Some(call) = self.call.take() else {
            return;
        };
        let by = by.to_owned();
        let sent = self.link.send(
            move |client, runtime| {
                runtime.block_on(client.acknowledge_staff_call(call.id, &by))
            },
            |answer| match answer {
                Ok(_) => tracing::info!("staff call acknowledged at the kiosk, desks told"),
                Err(e) => tracing::warn!(error = %e, "the desks were not told of the kiosk's acknowledgement"),
            },
        );
        if !sent {
            tracing::error!("the agency link's thread has stopped");
        }
    }

    /// Whether a call is open at the server (raised, not acknowledged).
    pub fn is_open(&self) -> bool {
        self.call.is_some()
    }

    /// The clock moved (`now`): the server's answers are read, the call is sent again when due;
    /// returns what the device should act on, oldest first.
    pub fn tick(&mut self, now: Instant) -> Vec<Heard> {
        while let Ok((id, answer)) = self.answers.try_recv() {
            self.answered(id, answer);
        }
        if let Some(call) = &mut self.call {
            // No answer in time: the desks do not know (yet).
            if call.told == StaffCallNews::Calling
                && now.saturating_duration_since(call.first_sent) >= FIRST_ANSWER_WAIT
            {
                call.told = StaffCallNews::DesksUnreachable;
                self.heard
                    .push(Heard::News(StaffCallNews::DesksUnreachable));
            }
            let due = call
                .last_sent
                .is_none_or(|last| now.saturating_duration_since(last) >= RESEND_EVERY);
            if due && !call.in_flight {
                self.send(now);
            }
        }
        std::mem::take(&mut self.heard)
    }

    /// Sends the open call (once at a time).
    fn send(&mut self, now: Instant) {
        let Some(call) = &mut self.call else {
            return;
        };
        call.in_flight = true;
        call.last_sent = Some(now);
        let raise = StaffCallRaise {
            call_id: call.id,
            raised_at: call.raised_at,
        };
        let id = call.id;
        let answers = self.answers_tx.clone();
        let sent = self.link.send(
            move |client, runtime| {
                runtime
                    .block_on(client.raise_staff_call(&raise))
                    .map_err(|e| e.to_string())
            },
            move |answer| {
                // The device may be gone: nothing to tell.
                let _ = answers.send((id, answer));
            },
        );
        if !sent {
            call.in_flight = false;
            tracing::error!("the agency link's thread has stopped");
        }
    }

    /// The server's answer to a sending of call `id`.
    fn answered(&mut self, id: Uuid, answer: Result<StaffCall, String>) {
        let Some(call) = self.call.as_mut().filter(|c| c.id == id) else {
            return;
        };
        call.in_flight = false;
        match answer {
            Ok(kept) if kept.is_open() => {
                if call.told != StaffCallNews::DesksTold {
                    tracing::info!(call_id = %id, "staff call shown at the office's desks");
                    call.told = StaffCallNews::DesksTold;
                    self.heard.push(Heard::News(StaffCallNews::DesksTold));
                }
            }
            Ok(kept) => {
                let by = kept.acknowledged_by.unwrap_or_default();
                tracing::info!(call_id = %id, desk = ?kept.acknowledged_at_kiosk, "staff call acknowledged at a desk");
                self.call = None;
                self.heard.push(Heard::News(StaffCallNews::Acknowledged));
                self.heard.push(Heard::Acknowledged { by });
            }
            Err(why) => {
                tracing::warn!(call_id = %id, reason = %why, "staff call not handed to the agency server; sent again shortly");
                // Once the desks were told, a later failure changes nothing they know.
                if call.told == StaffCallNews::Calling {
                    call.told = StaffCallNews::DesksUnreachable;
                    self.heard
                        .push(Heard::News(StaffCallNews::DesksUnreachable));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_calls_key_is_the_same_for_the_same_call_and_differs_for_any_other() {
        let at: DateTime<Utc> = "2026-12-07T08:30:00.123456Z".parse().unwrap();
        let id = call_id(12, to_millis(at));
        assert_eq!(
            id,
            call_id(12, to_millis(at)),
            "a resumed call keeps its key"
        );
        assert_eq!(id.get_version_num(), 8);
        assert_ne!(id, call_id(11, to_millis(at)));
        assert_ne!(
            id,
            call_id(12, to_millis(at + chrono::Duration::milliseconds(1)))
        );
        assert_eq!(to_millis(at).timestamp_subsec_micros(), 123_000);
    }
}
