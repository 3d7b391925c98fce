//! The closed sets of the service desk and the rating survey: the visitor's occupation and the
//! result checkboxes of the meeting form (docs/rules.md R-003-5.3), and the reasons of the
//! satisfaction survey (R-003-1).
//!
//! Plain data, shared by the store (which keeps each value as short snake_case text under a
//! `CHECK (col IN (...))`, firmware/store/src/migrations.rs), the staff and rating journeys
//! (firmware/journey), the screens and the reports. Each set has `ALL`, `as_str`, `parse` and a
//! `Display` that writes the stored text, so a value is never written under one spelling and
//! read under another.

/// Declares a `Copy` enum whose variants are stored as the given text.
macro_rules! text_set {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)+];

            /// The stored text.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            /// The value stored as `text`, if any.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_set! {
    /// The visitor's occupation, as the meeting form asks it.
    pub enum Occupation {
        /// Government employee (دولتی).
        Government = "government",
        /// Private sector (خصوصی).
        Private = "private",
        /// Other (سایر).
        Other = "other",
    }
}

impl Occupation {
    /// Persian label.
    pub fn label_fa(self) -> &'static str {
        match self {
            Self::Government => "دولتی",
            Self::Private => "خصوصی",
            Self::Other => "سایر",
        }
    }
}

text_set! {
    /// The result checkboxes of the meeting form.
    pub enum MeetingResult {
        /// Referred to the relevant deputy or manager (ارجاع موضوع به معاونت/مدیریت).
        ReferredToDeputy = "referred_to_deputy",
        /// A follow-up order was issued (صدور دستور پیگیری).
        FollowUpOrdered = "follow_up_ordered",
        /// The request was checked against laws and regulations (تطبیق درخواست با قوانین).
        CheckedAgainstRegulations = "checked_against_regulations",
        /// The legal framework was explained to the visitor (تعیین چارچوب‌های قانونی).
        LegalFrameworkExplained = "legal_framework_explained",
        /// Unrelated to the organisation (نامرتبط با سازمان).
        UnrelatedToOrganisation = "unrelated_to_organisation",
        /// Other, with text (سایر).
        Other = "other",
    }
}

impl MeetingResult {
    /// Persian label.
    pub fn label_fa(self) -> &'static str {
        match self {
            Self::ReferredToDeputy => "ارجاع به معاونت یا مدیریت",
            Self::FollowUpOrdered => "صدور دستور پیگیری",
            Self::CheckedAgainstRegulations => "تطبیق درخواست با قوانین و مقررات",
            Self::LegalFrameworkExplained => "تبیین چارچوب‌های قانونی",
            Self::UnrelatedToOrganisation => "نامرتبط با سازمان",
            Self::Other => "سایر",
        }
    }
}

text_set! {
    /// Why a visitor was (dis)satisfied: the topics of the survey form (docs/rules.md R-003-1).
    pub enum RatingReason {
        /// How the work flowed (گردش کار).
        Workflow = "workflow",
        /// Whether it matched what the visitor was told before (تطبیق با اطلاعات ارائه‌شده).
        PriorInformation = "prior_information",
        /// The staff's behaviour (رفتار متصدیان).
        StaffBehaviour = "staff_behaviour",
        /// The office's amenities (امکانات رفاهی).
        Amenities = "amenities",
    }
}

impl RatingReason {
    /// The label on the screen, in Persian.
    pub fn label_fa(self) -> &'static str {
        match self {
            Self::Workflow => "نحوه گردش کار",
            Self::PriorInformation => "تطبیق با اطلاعات داده‌شده",
            Self::StaffBehaviour => "رفتار کارکنان",
            Self::Amenities => "امکانات رفاهی",
        }
    }

    /// The label in English.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Workflow => "Workflow",
            Self::PriorInformation => "Matched what I was told",
            Self::StaffBehaviour => "Staff behaviour",
            Self::Amenities => "Amenities",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_reads_back_from_its_stored_text() {
        for &o in Occupation::ALL {
            assert_eq!(Occupation::parse(o.as_str()), Some(o));
            assert_eq!(o.to_string(), o.as_str());
        }
        for &r in MeetingResult::ALL {
            assert_eq!(MeetingResult::parse(r.as_str()), Some(r));
        }
        for &r in RatingReason::ALL {
            assert_eq!(RatingReason::parse(r.as_str()), Some(r));
        }
        assert_eq!(RatingReason::parse("Workflow"), None);
        assert_eq!(MeetingResult::parse(""), None);
    }
}
