//! The office's open staff calls at a desk terminal (`mode = "desk"` with `[samad]
//! agency_server = true`): the desk asks the agency server for every kiosk's open calls every
//! [`POLL_EVERY`] (`GET …/staff-calls?open=true`, through the [`AgencyLink`], one request at a
//! time), shows them (ui_bridge/desk_calls.rs) and says each new one once through the desk's
//! speech output (`[speech]`; `backend = "none"` keeps the desk silent); a member of staff
//! logged in at the desk acknowledges one, naming their employee code
//! (`POST …/staff-calls/{call_id}/acknowledge`), and it leaves this desk at once and every
//! other desk at its next poll.
//!
//! Polling, not a push: the server speaks the device contract only (requests from devices,
//! behind their client certificates), and a poll every second or two is a few hundred bytes.
//! A call raised at a kiosk is at the server within a second (device/call_relay.rs), so a
//! desk shows it within about [`POLL_EVERY`] plus its one-second tick.

use std::collections::HashSet;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use kiosk_core::digits::to_persian_digits;
use kiosk_sync::wire::{StaffCall, StaffCallList};
use uuid::Uuid;

use super::office::AgencyLink;

/// How often the desk asks for the open calls (at most: never while the last question is
/// unanswered).
pub const POLL_EVERY: Duration = Duration::from_secs(1);

/// What came back from the link's thread.
enum Answer {
    Open(Result<StaffCallList, String>),
    Acknowledged(Uuid, Result<StaffCall, String>),
}

/// The open calls this desk shows.
pub struct CallBoard {
    link: AgencyLink,
    /// Every kiosk's open calls as last heard, oldest first.
    calls: Vec<StaffCall>,
    /// Calls already said at this desk.
    announced: HashSet<Uuid>,
    /// Calls acknowledged here whose answer has not come yet (not shown meanwhile).
    acknowledging: HashSet<Uuid>,
    /// Calls put aside at this desk («later»): shown again only with a new call.
    put_aside: HashSet<Uuid>,
    last_poll: Option<Instant>,
    polling: bool,
    /// Whether the last poll was answered (else the desk says the server is out of reach).
    reachable: bool,
    answers_tx: mpsc::Sender<Answer>,
    answers: mpsc::Receiver<Answer>,
}

impl std::fmt::Debug for CallBoard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallBoard")
            .field("calls", &self.calls.len())
            .field("reachable", &self.reachable)
            .finish_non_exhaustive()
    }
}

/// What the desk says of a new call: «کیوسک ۱۲ کارمند را فراخوانده است».
pub fn announcement(call: &StaffCall) -> String {
    to_persian_digits(&format!(
        "کیوسک {} کارمند را فراخوانده است.",
        call.kiosk_number
    ))
}

impl CallBoard {
    /// A board asking through `link`.
    pub fn new(link: AgencyLink) -> Self {
        let (answers_tx, answers) = mpsc::channel();
        Self {
            link,
            calls: Vec::new(),
            announced: HashSet::new(),
            acknowledging: HashSet::new(),
            put_aside: HashSet::new(),
            last_poll: None,
            polling: false,
            reachable: true,
            answers_tx,
            answers,
        }
    }

    /// The calls to show, oldest first (not those acknowledged here or put aside).
    pub fn shown(&self) -> Vec<&StaffCall> {
        self.calls
            .iter()
            .filter(|c| !self.acknowledging.contains(&c.call_id))
            .filter(|c| !self.put_aside.contains(&c.call_id))
            .collect()
    }

    /// Every open call this desk knows of, put aside or not (the call-staff key answers the
    /// oldest).
    pub fn oldest(&self) -> Option<&StaffCall> {
        self.calls
            .iter()
            .find(|c| !self.acknowledging.contains(&c.call_id))
    }

    /// Whether the last poll was answered.
    pub fn reachable(&self) -> bool {
        self.reachable
    }

    /// The clock moved: answers are read and the server asked again when due. Returns what to
    /// say: each call heard of for the first time.
    pub fn tick(&mut self, now: Instant) -> Vec<String> {
        let mut new = Vec::new();
        while let Ok(answer) = self.answers.try_recv() {
            match answer {
                Answer::Open(Ok(list)) => {
                    self.polling = false;
                    if !self.reachable {
                        tracing::info!("the agency server answers the desk's poll again");
                    }
                    self.reachable = true;
                    let open: HashSet<Uuid> = list.calls.iter().map(|c| c.call_id).collect();
                    self.announced.retain(|id| open.contains(id));
                    self.put_aside.retain(|id| open.contains(id));
                    for call in &list.calls {
                        if self.announced.insert(call.call_id) {
                            tracing::info!(kiosk = call.kiosk_number, call_id = %call.call_id, "staff call shown at the desk");
                            new.push(announcement(call));
                        }
                    }
                    self.calls = list.calls;
                }
                Answer::Open(Err(why)) => {
                    self.polling = false;
                    if self.reachable {
                        tracing::warn!(reason = %why, "the desk cannot ask the agency server for staff calls");
                    }
                    self.reachable = false;
                }
                Answer::Acknowledged(id, answer) => {
                    self.acknowledging.remove(&id);
                    match answer {
                        Ok(call) => {
                            tracing::info!(call_id = %id, by = ?call.acknowledged_by, "staff call acknowledged");
                            self.calls.retain(|c| c.call_id != id);
                        }
                        // Shown again until an acknowledgement reaches the server.
                        Err(why) => {
                            tracing::warn!(call_id = %id, reason = %why, "acknowledging a staff call failed")
                        }
                    }
                }
            }
        }
        let due = self
            .last_poll
            .is_none_or(|last| now.saturating_duration_since(last) >= POLL_EVERY);
        if due && !self.polling {
            self.poll(now);
        }
        // A new call brings the ones put aside back.
        if !new.is_empty() {
            self.put_aside.clear();
        }
        new
    }

    /// Puts every shown call aside at this desk («later»).
    pub fn put_aside(&mut self) {
        let shown: Vec<Uuid> = self.shown().iter().map(|c| c.call_id).collect();
        self.put_aside.extend(shown);
    }

    /// Acknowledges call `id` as `employee_code`: it leaves this desk now.
    pub fn acknowledge(&mut self, id: Uuid, employee_code: &str) {
        if !self.calls.iter().any(|c| c.call_id == id) {
            return;
        }
        self.acknowledging.insert(id);
        let employee = employee_code.to_owned();
        let answers = self.answers_tx.clone();
        let sent = self.link.send(
            move |client, runtime| {
                runtime
                    .block_on(client.acknowledge_staff_call(id, &employee))
                    .map_err(|e| e.to_string())
            },
            move |answer| {
                let _ = answers.send(Answer::Acknowledged(id, answer));
            },
        );
        if !sent {
            self.acknowledging.remove(&id);
            tracing::error!("the agency link's thread has stopped");
        }
    }

    fn poll(&mut self, now: Instant) {
        self.last_poll = Some(now);
        self.polling = true;
        let answers = self.answers_tx.clone();
        let sent = self.link.send(
            |client, runtime| {
                runtime
                    .block_on(client.staff_calls(true))
                    .map_err(|e| e.to_string())
            },
            move |answer| {
                let _ = answers.send(Answer::Open(answer));
            },
        );
        if !sent {
            self.polling = false;
            tracing::error!("the agency link's thread has stopped");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_is_announced_in_persian_with_persian_digits() {
        let call = StaffCall {
            call_id: Uuid::nil(),
            kiosk_number: 12,
            raised_at: chrono::Utc::now(),
            acknowledged_at: None,
            acknowledged_by: None,
            acknowledged_at_kiosk: None,
        };
        assert_eq!(announcement(&call), "کیوسک ۱۲ کارمند را فراخوانده است.");
    }
}
