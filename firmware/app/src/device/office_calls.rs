//! Staff calls through the office's agency server, wired into the [`Device`]: a visitor kiosk
//! hands its calls to the desks ([`CallRelay`]), a desk terminal shows every kiosk's open
//! calls and answers them ([`CallBoard`]). Both ride the device's one-second tick; neither
//! ever blocks the screen (requests go through the [`AgencyLink`]'s own thread).

use std::time::Instant;

use kiosk_ui::{UiInput, ViewModel};

use super::Device;
use super::call_board::CallBoard;
use super::call_relay::{CallRelay, Heard};
use super::journey::Journey;
use super::office::AgencyLink;
use crate::flow::{Event, Lang};
use crate::runtime::{Job, PrintSink};
use crate::ui_bridge::desk_calls::{self, CallInput};

/// The device's side of the office's staff calls.
#[derive(Debug)]
pub enum OfficeCalls {
    /// A visitor kiosk: its own calls, handed to the desks.
    Kiosk(CallRelay),
    /// A desk terminal: every kiosk's open calls.
    Desk(CallBoard),
}

impl<P: PrintSink> Device<P> {
    /// Staff calls go through the agency server on `link` (`[samad] agency_server = true`):
    /// a kiosk's to the office's desks, a desk shows and answers them.
    pub fn with_agency_link(mut self, link: AgencyLink) -> Self {
        let number = self.kiosk.config().kiosk_number.get();
        self.office_calls = Some(match self.journey {
            Journey::Desk(_) => OfficeCalls::Desk(CallBoard::new(link)),
            _ => {
                self.kiosk.set_desks_linked(true);
                OfficeCalls::Kiosk(CallRelay::new(link, number))
            }
        });
        self
    }

    /// A visitor called: the call goes to the desks (the LED and the store have it already).
    pub(super) fn call_desks(&mut self, raised_at: chrono::DateTime<chrono::Utc>) {
        if let Some(OfficeCalls::Kiosk(relay)) = &mut self.office_calls {
            relay.raise(raised_at, self.now);
        }
    }

    /// A call left open at the last run, raised at `raised_at`: sent to the desks again.
    pub(super) fn resume_desk_call(&mut self, raised_at: chrono::DateTime<chrono::Utc>) {
        if let Some(OfficeCalls::Kiosk(relay)) = &mut self.office_calls {
            relay.resume(raised_at, self.now);
        }
    }

    /// Staff acknowledged the call at the kiosk (`by`): the desks are told.
    pub(super) fn desks_answered_here(&mut self, by: &str) {
        if let Some(OfficeCalls::Kiosk(relay)) = &mut self.office_calls {
            relay.acknowledged_here(by);
        }
    }

    /// The clock moved: what the server said is acted on; `true` when something changed.
    pub(super) fn office_calls_tick(&mut self, now: Instant) -> bool {
        match &mut self.office_calls {
            None => false,
            Some(OfficeCalls::Kiosk(relay)) => {
                let heard = relay.tick(now);
                let changed = !heard.is_empty();
                for heard in heard {
                    match heard {
                        Heard::News(news) => {
                            self.kiosk.handle(Event::StaffCall(news));
                            self.after_events();
                        }
                        Heard::Acknowledged { by } => {
                            self.staff_call.acknowledge();
                            let by = if by.trim().is_empty() {
                                "desk".to_owned()
                            } else {
                                by.chars()
                                    .take(kiosk_store::MAX_ACKNOWLEDGER_CHARS)
                                    .collect()
                            };
                            let _ = self.kiosk.run(Job::AcknowledgeStaffCalls { by });
                        }
                    }
                }
                changed
            }
            Some(OfficeCalls::Desk(board)) => {
                let before = board.shown().len();
                let new = board.tick(now);
                let changed = !new.is_empty() || board.shown().len() != before;
                // Said whatever the desk is doing: a call must not wait for a screen to change.
                for text in new {
                    self.say(&text, Lang::Fa, false);
                }
                changed
            }
        }
    }

    /// The desk's screen with the open calls on it.
    pub(super) fn show_office_calls(&self, vm: &mut ViewModel) {
        if let (Some(OfficeCalls::Desk(board)), Journey::Desk(flow)) =
            (&self.office_calls, &self.journey)
        {
            desk_calls::show(vm, &board.shown(), flow.staff.is_some());
        }
    }

    /// A tap or key on the desk's calls; `true` when it was one.
    pub(super) fn office_calls_input(&mut self, input: &UiInput) -> bool {
        let (Some(OfficeCalls::Desk(board)), Journey::Desk(flow)) =
            (&mut self.office_calls, &self.journey)
        else {
            return false;
        };
        let Some(staff) = &flow.staff else {
            return false;
        };
        match desk_calls::input_of(input, &board.shown()) {
            Some(CallInput::Answer(id)) => board.acknowledge(id, &staff.employee_code),
            Some(CallInput::Later) => board.put_aside(),
            None => return false,
        }
        true
    }

    /// The call-staff key at a desk answers the oldest open call (logged in only); `true` when
    /// the key was taken.
    pub(super) fn office_calls_key(&mut self) -> bool {
        let (Some(OfficeCalls::Desk(board)), Journey::Desk(flow)) =
            (&mut self.office_calls, &self.journey)
        else {
            return false;
        };
        let Some(oldest) = board.oldest().map(|c| c.call_id) else {
            return false;
        };
        match &flow.staff {
            Some(staff) => board.acknowledge(oldest, &staff.employee_code),
            None => self.say("برای پاسخ به فراخوان، نخست وارد شوید.", Lang::Fa, true),
        }
        true
    }
}
