//! Follow-up look-ups: a case is shown to whoever gives its tracking code and its applicant's
//! identifier (the national code, or the foreign identifier or passport it was registered
//! with: docs/identity.md), asked first of the agency server (any device of the office registered it,
//! and it knows every event SAMAD sent), then of this device's own copy (the server is out of
//! reach, or the case is not synced yet).
//!
//! [`RemoteCases`] is the server's side as the backend sees it; the firmware's is
//! `crate::device::office::AgencyLink`, over the sync client. Its answer becomes the same
//! [`FollowUpView`] the local copy gives, so the visitor cannot tell (and need not) where the
//! case was found. The same server gives a desk the copy of any of the office's receipts and
//! the list of receipts the office's kiosks could not print ([`RemoteCases::receipt_copy`],
//! [`RemoteCases::owed_receipts`]).

use kiosk_core::{TrackingCode, VisitorId};
use kiosk_store::Store;
use kiosk_sync::wire::{CaseStatus, EventType, OwedReceipt, ReceiptCopy};

use crate::flow::{FollowUpView, Lang, TimelineEntry};

/// The office's cases at the agency server: look-ups, receipt copies, owed receipts.
pub trait RemoteCases: Send {
    /// The case `code` of applicant `visitor` (national code, foreign identifier or passport):
    /// `Ok(None)` when the server has none with both, `Err` (why, in English) when it could
    /// not be asked.
    fn look_up(
        &self,
        code: &TrackingCode,
        visitor: &VisitorId,
    ) -> Result<Option<CaseStatus>, String>;

    /// What the receipt of `code` prints (numbers masked; recorded as given only once it
    /// printed, [`RemoteCases::receipt_printed`]): `Ok(None)` when the office has no such case, `Err` (why, in English) when
    /// it could not be asked. A server without the operation answers `Err`.
    fn receipt_copy(&self, code: &TrackingCode) -> Result<Option<ReceiptCopy>, String> {
        let _ = code;
        Err("this server gives no receipt copies".to_owned())
    }

    /// Tells the server this device printed its copy of `code`'s receipt: recorded as given,
    /// off the office's owed list. `Err` (why, in English) when it could not be told.
    fn receipt_printed(&self, code: &TrackingCode) -> Result<(), String> {
        let _ = code;
        Err("this server records no receipt copies".to_owned())
    }

    /// The receipts the office's kiosks could not print and no desk has given a copy of;
    /// `Err` (why, in English) when the server could not be asked.
    fn owed_receipts(&self) -> Result<Vec<OwedReceipt>, String> {
        Err("this server lists no owed receipts".to_owned())
    }
}

/// Actors that are the system, not a person (not read out as "responsible").
fn by_system(actor: &str) -> bool {
    [kiosk_store::KIOSK_ACTOR, "sync", "SAMAD", ""].contains(&actor.trim())
}

/// The store's name of a contract event type (the labels are keyed by it).
fn kind_of(event: EventType) -> &'static str {
    match event {
        EventType::Referral => "referred",
        EventType::Action => "action",
        EventType::Answer => "answered",
        EventType::Closed => "closed",
    }
}

/// The server's answer as the follow-up screen shows it: registration first, then every event.
pub fn remote_view(code: TrackingCode, status: CaseStatus, lang: Lang) -> FollowUpView {
    let mut timeline = vec![TimelineEntry {
        at: status.registered_at,
        what: crate::flow::prompts::event_kind_label("registered", lang),
        unit: status.unit.clone().unwrap_or_default(),
        responsible: None,
        answer: None,
    }];
    timeline.extend(status.events.into_iter().map(|e| {
        let answered = e.event_type == EventType::Answer;
        TimelineEntry {
            at: e.happened_at,
            what: crate::flow::prompts::event_kind_label(kind_of(e.event_type), lang),
            unit: e.unit,
            responsible: (!by_system(&e.person)).then_some(e.person),
            answer: e.notes.filter(|n| answered && !n.trim().is_empty()),
        }
    }));
    FollowUpView {
        tracking_code: code,
        timeline,
    }
}

/// The case `code` in this device's own store, if its applicant is `visitor` (the same kind of
/// identifier with the same value; a purged case, whose identifier is gone, is shown to nobody).
pub fn local_view(
    store: &Store,
    code: TrackingCode,
    visitor: &VisitorId,
    lang: Lang,
) -> Option<FollowUpView> {
    let case = match store.case_by_tracking_code(&code) {
        Ok(Some(case)) => case,
        Ok(None) => return None,
        Err(e) => {
            tracing::error!(error = %e, "look-up failed");
            return None;
        }
    };
    if case.visitor.as_ref() != Some(visitor) {
        return None;
    }
    let events = match store.timeline(code) {
        Ok(events) => events,
        Err(e) => {
            tracing::error!(error = %e, "timeline failed");
            return None;
        }
    };
    Some(FollowUpView {
        tracking_code: code,
        timeline: events
            .into_iter()
            .map(|e| {
                let answered = e.kind.as_str() == "answered";
                TimelineEntry {
                    at: e.at,
                    what: crate::flow::prompts::event_kind_label(e.kind.as_str(), lang),
                    unit: e.unit,
                    responsible: (!by_system(&e.actor)).then(|| e.actor.clone()),
                    answer: e.note.filter(|n| answered && !n.trim().is_empty()),
                }
            })
            .collect(),
    })
}

/// Server first, then the local copy; a server that cannot be asked is logged, not shown.
pub fn look_up(
    remote: Option<&dyn RemoteCases>,
    store: &Store,
    code: TrackingCode,
    visitor: &VisitorId,
    lang: Lang,
) -> Option<FollowUpView> {
    if let Some(remote) = remote {
        match remote.look_up(&code, visitor) {
            Ok(Some(status)) => return Some(remote_view(code, status, lang)),
            // Not at the server: a case registered here and not synced yet is still here.
            Ok(None) => {}
            Err(why) => {
                tracing::warn!(reason = %why, "agency server look-up failed; the local copy is used");
            }
        }
    }
    local_view(store, code, visitor, lang)
}
