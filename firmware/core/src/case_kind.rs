//! The kinds of case a visitor can raise (docs/rules.md R-000-1) and the response rule of each.
//!
//! The regulation defines: request, complaint, suggestion, idea, appreciation and thanks, plan,
//! expression of feelings, public reports / observations and transfer; plus consultation and
//! guidance, and service registration (ثبت خدمت). Only complaints carry a deadline in the
//! sources (10 working days, docs/rules.md R-003-2.8); the other kinds that expect an answer
//! use the same bound by default, and every number is overridable per kind and per service in
//! the configuration.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a visitor raises at the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// درخواست: asking for a service or for a rule to be applied to oneself.
    Request,
    /// شکایت: asking for a right to be restored.
    Complaint,
    /// پیشنهاد
    Suggestion,
    /// ایده
    Idea,
    /// تقدیر و تشکر
    Appreciation,
    /// طرح
    Plan,
    /// ابراز احساسات: poem, painting, recitation addressed to the Leader or the President.
    ExpressionOfFeelings,
    /// گزارش‌های مردمی / مشاهدات
    PublicReport,
    /// انتقال
    Transfer,
    /// مشاوره و راهنمایی: answered at the desk.
    Consultation,
    /// ثبت خدمت: a service given at the desk, recorded in SAMAD.
    ServiceRegistration,
}

/// When and how a case of some kind is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule", content = "working_days")]
pub enum ResponseRule {
    /// An answer is due within this many working days after the registration day; the date is
    /// announced on the receipt (docs/rules.md R-001-4.6).
    WorkingDays(u16),
    /// Dealt with at the desk during the visit; recorded, no later answer is due.
    AtDesk,
    /// Forwarded and acknowledged; no answer is owed (thanks, expressions of feelings).
    NoReplyRequired,
}

/// Default number of working days for kinds that expect an answer (docs/rules.md R-003-2.8,
/// complaints).
pub const DEFAULT_WORKING_DAYS: u16 = 10;

/// Longest description a visitor can enter, in characters (the store refuses longer, the
/// visitor's keyboard stops there).
pub const MAX_DESCRIPTION_CHARS: usize = 4000;

impl CaseKind {
    /// Every kind, in the order a visitor sees them.
    pub const ALL: [CaseKind; 11] = [
        CaseKind::Request,
        CaseKind::Complaint,
        CaseKind::Suggestion,
        CaseKind::Idea,
        CaseKind::Appreciation,
        CaseKind::Plan,
        CaseKind::ExpressionOfFeelings,
        CaseKind::PublicReport,
        CaseKind::Transfer,
        CaseKind::Consultation,
        CaseKind::ServiceRegistration,
    ];

    /// Stable snake_case name used in config, CLI, database and the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Complaint => "complaint",
            Self::Suggestion => "suggestion",
            Self::Idea => "idea",
            Self::Appreciation => "appreciation",
            Self::Plan => "plan",
            Self::ExpressionOfFeelings => "expression_of_feelings",
            Self::PublicReport => "public_report",
            Self::Transfer => "transfer",
            Self::Consultation => "consultation",
            Self::ServiceRegistration => "service_registration",
        }
    }

    /// The Persian label, as the regulation names it.
    pub fn label_fa(self) -> &'static str {
        match self {
            Self::Request => "درخواست",
            Self::Complaint => "شکایت",
            Self::Suggestion => "پیشنهاد",
            Self::Idea => "ایده",
            Self::Appreciation => "تقدیر و تشکر",
            Self::Plan => "طرح",
            Self::ExpressionOfFeelings => "ابراز احساسات",
            Self::PublicReport => "گزارش مردمی",
            Self::Transfer => "انتقال",
            Self::Consultation => "مشاوره و راهنمایی",
            Self::ServiceRegistration => "ثبت خدمت",
        }
    }

    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Request => "Request",
            Self::Complaint => "Complaint",
            Self::Suggestion => "Suggestion",
            Self::Idea => "Idea",
            Self::Appreciation => "Appreciation and thanks",
            Self::Plan => "Plan",
            Self::ExpressionOfFeelings => "Expression of feelings",
            Self::PublicReport => "Public report",
            Self::Transfer => "Transfer",
            Self::Consultation => "Consultation and guidance",
            Self::ServiceRegistration => "Service registration",
        }
    }

    /// The rule that applies when the configuration says nothing else.
    pub fn default_response_rule(self) -> ResponseRule {
        match self {
            Self::Request
            | Self::Complaint
            | Self::Suggestion
            | Self::Idea
            | Self::Plan
            | Self::PublicReport
            | Self::Transfer => ResponseRule::WorkingDays(DEFAULT_WORKING_DAYS),
            Self::Consultation | Self::ServiceRegistration => ResponseRule::AtDesk,
            Self::Appreciation | Self::ExpressionOfFeelings => ResponseRule::NoReplyRequired,
        }
    }
}

/// A name that is not one of the kinds; lists the valid ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown case kind {given:?}; expected one of: {}", CaseKind::ALL.map(CaseKind::as_str).join(", "))]
pub struct UnknownCaseKind {
    /// The name that was given.
    pub given: String,
}

impl FromStr for CaseKind {
    type Err = UnknownCaseKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        CaseKind::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| UnknownCaseKind {
                given: s.to_owned(),
            })
    }
}

impl fmt::Display for CaseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_name_and_serde() {
        for kind in CaseKind::ALL {
            assert_eq!(kind.as_str().parse::<CaseKind>(), Ok(kind));
            let json = serde_json_like(kind);
            assert_eq!(json, kind.as_str());
        }
        assert_eq!(
            "Public-Report".parse::<CaseKind>(),
            Ok(CaseKind::PublicReport)
        );
    }

    fn serde_json_like(kind: CaseKind) -> String {
        // toml can serialize a bare enum value inside a table.
        #[derive(Serialize)]
        struct Wrap {
            kind: CaseKind,
        }
        let text = toml::to_string(&Wrap { kind }).unwrap();
        text.trim()
            .trim_start_matches("kind = ")
            .trim_matches('"')
            .to_owned()
    }

    #[test]
    fn names_and_labels_are_unique_and_persian_labels_are_persian() {
        let mut names = std::collections::HashSet::new();
        let mut labels = std::collections::HashSet::new();
        for kind in CaseKind::ALL {
            assert!(names.insert(kind.as_str()));
            assert!(labels.insert(kind.label_fa()));
            assert!(kind.label_fa().chars().all(|c| !c.is_ascii_alphanumeric()));
            assert!(!kind.label_en().is_empty());
        }
    }

    #[test]
    fn complaints_are_due_in_ten_working_days_and_desk_kinds_at_the_desk() {
        assert_eq!(
            CaseKind::Complaint.default_response_rule(),
            ResponseRule::WorkingDays(10)
        );
        assert_eq!(
            CaseKind::ServiceRegistration.default_response_rule(),
            ResponseRule::AtDesk
        );
        assert_eq!(
            CaseKind::Consultation.default_response_rule(),
            ResponseRule::AtDesk
        );
        assert_eq!(
            CaseKind::Appreciation.default_response_rule(),
            ResponseRule::NoReplyRequired
        );
        for kind in CaseKind::ALL {
            if let ResponseRule::WorkingDays(n) = kind.default_response_rule() {
                assert!((1..=30).contains(&n));
            }
        }
    }

    #[test]
    fn unknown_kind_lists_the_valid_ones() {
        let err = "grievance".parse::<CaseKind>().unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("grievance")
                && msg.contains("complaint")
                && msg.contains("service_registration")
        );
    }
}
