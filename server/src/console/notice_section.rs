//! The case page's notices to the applicant (server/src/notices/): whether the visitor
//! consented on the kiosk, and each notice with its cause, its delivery state in words, when
//! it was written, sent and delivered, and its text. The phone itself is never shown.

use maud::{Markup, html};

use super::pages::{Lang, when};
use crate::notices::{NoticeView, Trigger};

fn word(lang: Lang, fa: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Fa => fa,
        Lang::En => en,
    }
}

/// What caused a notice, in `lang`.
fn cause(lang: Lang, trigger: Trigger) -> &'static str {
    match trigger {
        Trigger::Registered => word(lang, "ثبت", "Registration"),
        Trigger::Referral => word(lang, "ارجاع", "Referral"),
        Trigger::Action => word(lang, "اقدام", "Action"),
        Trigger::Answer => word(lang, "پاسخ", "Answer"),
    }
}

/// A notice's state, in `lang`.
fn state(lang: Lang, state: &str) -> &'static str {
    match state {
        "pending" => word(lang, "در صف ارسال", "Waiting to be sent"),
        "sent" => word(
            lang,
            "فرستاده شد؛ در انتظار گزارش تحویل",
            "Sent; awaiting delivery",
        ),
        "delivered" => word(lang, "تحویل شد", "Delivered"),
        "undeliverable" => word(lang, "به گوشی نرسید", "Not delivered to the phone"),
        "failed" => word(lang, "پذیرفته نشد", "Refused by the provider"),
        _ => word(lang, "نامعلوم", "Unknown"),
    }
}

/// The section.
pub fn section(lang: Lang, consent: bool, notices: &[NoticeView]) -> Markup {
    html! {
        h2 { (word(lang, "پیامک به متقاضی", "Text messages to the applicant")) }
        p {
            @if consent {
                (word(lang, "متقاضی در کیوسک با دریافت پیامک موافقت کرد.",
                    "The applicant agreed at the kiosk to receive text messages."))
            } @else {
                (word(lang, "متقاضی با دریافت پیامک موافقت نکرد؛ پیامکی فرستاده نمی‌شود.",
                    "The applicant did not agree to text messages; none are sent."))
            }
        }
        @if !notices.is_empty() {
            div class="scroll" {
                table class="notices" {
                    thead { tr {
                        th scope="col" { (word(lang, "علت", "Cause")) }
                        th scope="col" { (word(lang, "وضعیت", "State")) }
                        th scope="col" { (word(lang, "زمان", "When")) }
                        th scope="col" { (word(lang, "متن", "Text")) }
                    } }
                    tbody {
                        @for n in notices {
                            tr {
                                td data-label=(word(lang, "علت", "Cause")) { (cause(lang, n.trigger)) }
                                td data-label=(word(lang, "وضعیت", "State")) {
                                    (state(lang, &n.state))
                                    @if n.state == "pending" && n.attempts > 0 {
                                        " (" (lang.digits(&n.attempts.to_string()))
                                        (word(lang, " تلاش", " tries")) ")"
                                    }
                                    @if let Some(e) = n.last_error.as_deref().filter(|_| n.state != "delivered" && n.state != "sent") {
                                        br; small dir="ltr" { (e) }
                                    }
                                }
                                td data-label=(word(lang, "زمان", "When")) {
                                    (when(lang, n.delivered_at.or(n.sent_at).unwrap_or(n.created_at)))
                                }
                                td data-label=(word(lang, "متن", "Text")) dir="rtl" lang="fa" { (n.body) }
                            }
                        }
                    }
                }
            }
        }
    }
}
