//! The rating journey's effects that need the store (firmware/journey/src/rating.rs is the
//! journey itself): `Check` verifies the satisfaction code with the fleet's public keys and
//! looks up whether it was rated, before the faces are shown, so a visitor never scores a code
//! that will be refused; `Record` has the store verify it again and write the rating with its
//! outbox item in one transaction. The current time and the rating's idempotency key are made
//! here, not in the journey. Refusals are told in the visitor's language.

use chrono::{DateTime, Utc};
use kiosk_core::satisfaction::ListedKey;
use kiosk_core::{KioskNumber, satisfaction};
use kiosk_journey::Lang;
use kiosk_journey::rating::{CodeView, RatingEffect, RatingEvent};
use kiosk_store::{DeskError, NewRating, Store};
use uuid::Uuid;

/// What [`perform`] needs from the kiosk.
pub struct RatingContext<'a, K: Fn(KioskNumber) -> Vec<ListedKey>> {
    /// The store.
    pub store: &'a mut Store,
    /// The fleet's published public keys.
    pub keys: K,
    /// This kiosk.
    pub kiosk: KioskNumber,
    /// Now.
    pub now: DateTime<Utc>,
    /// The visitor's language: refusals are told in it.
    pub lang: Lang,
    /// The configured portal (`receipt.portal_url`): a scanned satisfaction URL must be under it.
    pub portal: &'a satisfaction::Portal,
}

/// What the visitor is told about a refusal (by its stable reason code), in their language.
fn refusal(lang: Lang, fa: String, reason: &str) -> String {
    match lang {
        Lang::Fa => fa,
        Lang::En => match reason {
            "expired" => "This survey code has expired.",
            "already_rated" => "This code was already used for a rating; each code counts once.",
            "unknown_kiosk"
            | "bad_signature"
            | "not_yet_valid"
            | "not_https"
            | "url_query_or_fragment"
            | "wrong_portal"
            | "bad_url_path"
            | "not_visit_issuer" => "This survey code is not valid.",
            "store" => "Your rating could not be saved. Please tell the staff.",
            "bad_score" => "Please choose one of the five faces.",
            _ => "This survey code could not be read; please scan it again.",
        }
        .to_owned(),
    }
}

/// Carries out `Check` and `Record`; answers with the event to feed back (other effects are the
/// UI's and speech's, and answer nothing).
pub fn perform<K: Fn(KioskNumber) -> Vec<ListedKey>>(
    ctx: &mut RatingContext<'_, K>,
    effect: &RatingEffect,
) -> Option<RatingEvent> {
    match effect {
        RatingEffect::Check(scanned) => {
            let lang = ctx.lang;
            let checked = satisfaction::verify_at(
                scanned,
                ctx.portal,
                &ctx.keys,
                satisfaction::visit_kiosk_only,
                ctx.now,
            )
            .map_err(|e| {
                tracing::warn!(reason = e.reason_code(), "satisfaction code refused");
                refusal(lang, e.message_fa().to_owned(), e.reason_code())
            })
            .and_then(|claim| match ctx.store.rating_for_code(scanned) {
                Ok(Some(first)) => {
                    let e = DeskError::AlreadyRated {
                        tracking_code: first.tracking_code,
                        rated_at: first.rated_at,
                    };
                    Err(refusal(lang, e.message_fa(), e.reason_code()))
                }
                Ok(None) => Ok(CodeView {
                    tracking_code: claim.tracking_code,
                    service_id: claim.service_id,
                    draft_uuid: Uuid::new_v4().as_u128(),
                }),
                Err(e) => {
                    tracing::error!(error = %e, "could not look the rating up");
                    let e = DeskError::Store(e);
                    Err(refusal(lang, e.message_fa(), e.reason_code()))
                }
            });
            Some(RatingEvent::CodeChecked(checked))
        }
        RatingEffect::Record {
            scanned,
            client_uuid,
            score,
            reasons,
        } => {
            // The store verifies the bare token (the portal was checked above, against the
            // configured one).
            let token = ctx.portal.token_in(scanned).unwrap_or(scanned);
            let new = NewRating {
                client_uuid: Uuid::from_u128(*client_uuid),
                kiosk: ctx.kiosk,
                scanned: token.to_owned(),
                score: *score,
                reasons: reasons.clone(),
                rated_at: ctx.now,
            };
            Some(match ctx.store.record_rating(new, &ctx.keys) {
                Ok(_) => RatingEvent::Recorded,
                Err(e) => {
                    tracing::warn!(reason = e.reason_code(), error = %e, "rating refused");
                    RatingEvent::RecordRefused(refusal(ctx.lang, e.message_fa(), e.reason_code()))
                }
            })
        }
        _ => None,
    }
}
