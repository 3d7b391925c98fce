//! Who handles a complaint about an official (docs/rules.md R-000-10.3).
//!
//! The regulation routes a complaint about the people in charge of people's-communication units
//! up the administrative hierarchy by the official's level:
//! - (الف) heads of offices and of the people's communications desk at county level → the
//!   county governor (فرماندار);
//! - (ب) managers of the province's executive agencies, county governors and (provincial)
//!   offices → the governor-general (استاندار);
//! - (ج) deputies, managers and offices of ministries and national organisations → the
//!   minister or the head of the organisation (وزیر یا رئیس سازمان).
//!
//! The note (تبصره) keeps the legal bodies, e.g. the board for administrative violations, in
//! charge of what is theirs: [`Escalation::legal_bodies_unaffected`] is always true and the
//! receipt and desk screens say so. A pure function: no I/O, one row of the table per level.

use std::fmt;

/// The level of the official a complaint is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OfficialLevel {
    /// Head of a county office (رئیس اداره در شهرستان).
    CountyOfficeHead,
    /// Head of a county people's communications desk (میز ارتباطات مردمی شهرستان).
    CountyDeskHead,
    /// Manager of a provincial executive agency (مدیر دستگاه اجرایی استان).
    ProvincialManager,
    /// A county governor (فرماندار).
    CountyGovernor,
    /// A provincial people's communications office (دفتر ارتباطات مردمی استان).
    ProvincialOffice,
    /// A ministry's or national organisation's deputy (معاون وزارتخانه یا سازمان).
    MinistryDeputy,
    /// A ministry's or national organisation's manager (مدیر وزارتخانه یا سازمان).
    MinistryManager,
    /// A ministry's or national organisation's office (دفتر وزارتخانه یا سازمان).
    MinistryOffice,
}

impl OfficialLevel {
    /// Every level, from the county up.
    pub const ALL: [Self; 8] = [
        Self::CountyOfficeHead,
        Self::CountyDeskHead,
        Self::ProvincialManager,
        Self::CountyGovernor,
        Self::ProvincialOffice,
        Self::MinistryDeputy,
        Self::MinistryManager,
        Self::MinistryOffice,
    ];

    /// A stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CountyOfficeHead => "county_office_head",
            Self::CountyDeskHead => "county_desk_head",
            Self::ProvincialManager => "provincial_manager",
            Self::CountyGovernor => "county_governor",
            Self::ProvincialOffice => "provincial_office",
            Self::MinistryDeputy => "ministry_deputy",
            Self::MinistryManager => "ministry_manager",
            Self::MinistryOffice => "ministry_office",
        }
    }

    /// The level named `text`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == text)
    }

    /// Persian label for the staff screen.
    pub fn label_fa(self) -> &'static str {
        match self {
            Self::CountyOfficeHead => "رئیس اداره شهرستان",
            Self::CountyDeskHead => "مسئول میز ارتباطات مردمی شهرستان",
            Self::ProvincialManager => "مدیر دستگاه اجرایی استان",
            Self::CountyGovernor => "فرماندار",
            Self::ProvincialOffice => "دفتر ارتباطات مردمی استان",
            Self::MinistryDeputy => "معاون وزارتخانه یا سازمان",
            Self::MinistryManager => "مدیر وزارتخانه یا سازمان",
            Self::MinistryOffice => "دفتر وزارتخانه یا سازمان",
        }
    }
}

/// The authority that handles the complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Authority {
    /// The county governor (فرماندار), §10-3 (الف).
    CountyGovernor,
    /// The governor-general of the province (استاندار), §10-3 (ب).
    GovernorGeneral,
    /// The minister or the head of the organisation (وزیر یا رئیس سازمان), §10-3 (ج).
    MinisterOrHead,
}

impl Authority {
    /// A stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CountyGovernor => "county_governor",
            Self::GovernorGeneral => "governor_general",
            Self::MinisterOrHead => "minister_or_head",
        }
    }

    /// Persian name.
    pub fn label_fa(self) -> &'static str {
        match self {
            Self::CountyGovernor => "فرماندار",
            Self::GovernorGeneral => "استاندار",
            Self::MinisterOrHead => "وزیر یا رئیس سازمان",
        }
    }

    /// English name.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::CountyGovernor => "county governor",
            Self::GovernorGeneral => "governor-general",
            Self::MinisterOrHead => "minister or head of the organisation",
        }
    }
}

impl fmt::Display for Authority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_en())
    }
}

/// Where a complaint about an official goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Escalation {
    /// Who handles it.
    pub authority: Authority,
    /// The clause of §10-3 that says so: `"الف"`, `"ب"` or `"ج"`.
    pub clause: &'static str,
    /// The note of §10-3: the legal bodies (e.g. the administrative violations board) keep
    /// their own jurisdiction. Always true; carried so screens cannot forget to say it.
    pub legal_bodies_unaffected: bool,
}

/// The authority that handles a complaint about an official of `level` (§10-3).
pub fn escalate(level: OfficialLevel) -> Escalation {
    use OfficialLevel as L;
    let (authority, clause) = match level {
        L::CountyOfficeHead | L::CountyDeskHead => (Authority::CountyGovernor, "الف"),
        L::ProvincialManager | L::CountyGovernor | L::ProvincialOffice => {
            (Authority::GovernorGeneral, "ب")
        }
        L::MinistryDeputy | L::MinistryManager | L::MinistryOffice => {
            (Authority::MinisterOrHead, "ج")
        }
    };
    Escalation {
        authority,
        clause,
        legal_bodies_unaffected: true,
    }
}

/// The official a complaint is about, as a visitor can tell it: in the county, in the province,
/// or in a ministry or national organisation. Each tier is one clause of §10-3, so the
/// authority it goes to is the same whichever level within the tier the official holds; the
/// exact level is for staff to record ([`OfficialLevel`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfficialTier {
    /// A head of a county office or of the county's people's communications desk (الف).
    County,
    /// A provincial manager, a county governor or a provincial office (ب).
    Province,
    /// A deputy, manager or office of a ministry or national organisation (ج).
    National,
}

impl OfficialTier {
    /// Every tier, from the county up.
    pub const ALL: [Self; 3] = [Self::County, Self::Province, Self::National];

    /// A stable snake_case name (the case payload's `official_tier`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::County => "county",
            Self::Province => "province",
            Self::National => "national",
        }
    }

    /// The tier named `text`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// The choice as the visitor reads it, in Persian.
    pub fn label_fa(self) -> &'static str {
        match self {
            Self::County => "رئیس یا مسئول اداره‌ای در شهرستان",
            Self::Province => "مدیر کل استانی یا فرماندار",
            Self::National => "معاون یا مدیر وزارتخانه یا سازمان کشوری",
        }
    }

    /// The choice in English.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::County => "A head or manager of an office in the county",
            Self::Province => "A provincial director or the county governor",
            Self::National => "A deputy or manager of a ministry or national organisation",
        }
    }

    /// A level of the tier: every level of a tier goes to the same authority.
    fn level(self) -> OfficialLevel {
        match self {
            Self::County => OfficialLevel::CountyOfficeHead,
            Self::Province => OfficialLevel::ProvincialManager,
            Self::National => OfficialLevel::MinistryDeputy,
        }
    }

    /// Where a complaint about an official of this tier goes (§10-3).
    pub fn escalation(self) -> Escalation {
        escalate(self.level())
    }
}

impl Escalation {
    /// The routing as the receipt prints it and the done screen says it, in Persian.
    pub fn summary_fa(&self) -> String {
        format!(
            "رسیدگی به شکایت از مسئولان: {} (ماده ۱۰-۳، بند {}). رسیدگی مراجع قانونی، مانند هیئت رسیدگی به تخلفات اداری، به قوت خود باقی است.",
            self.authority.label_fa(),
            self.clause
        )
    }

    /// The same in English.
    pub fn summary_en(&self) -> String {
        format!(
            "A complaint about an official: handled by the {} (article 10-3, clause {}). The legal bodies, such as the board for administrative violations, keep their own jurisdiction.",
            self.authority.label_en(),
            match self.clause {
                "الف" => "a",
                "ب" => "b",
                _ => "c",
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_level_goes_where_the_regulation_says() {
        // The table of §10-3, written out independently of the match above.
        let expected = [
            ("county_office_head", "county_governor", "الف"),
            ("county_desk_head", "county_governor", "الف"),
            ("provincial_manager", "governor_general", "ب"),
            ("county_governor", "governor_general", "ب"),
            ("provincial_office", "governor_general", "ب"),
            ("ministry_deputy", "minister_or_head", "ج"),
            ("ministry_manager", "minister_or_head", "ج"),
            ("ministry_office", "minister_or_head", "ج"),
        ];
        assert_eq!(expected.len(), OfficialLevel::ALL.len());
        for (level, authority, clause) in expected {
            let e = escalate(OfficialLevel::parse(level).unwrap());
            assert_eq!(
                (e.authority.as_str(), e.clause),
                (authority, clause),
                "{level}"
            );
            assert!(e.legal_bodies_unaffected);
        }
    }

    #[test]
    fn a_complaint_never_goes_to_the_official_it_is_about_or_downwards() {
        // A county governor is not judged by a county governor.
        assert_ne!(
            escalate(OfficialLevel::CountyGovernor).authority,
            Authority::CountyGovernor
        );
        // Going up a level never lowers the authority.
        let rank = |l| escalate(l).authority;
        assert!(rank(OfficialLevel::CountyOfficeHead) < rank(OfficialLevel::ProvincialManager));
        assert!(rank(OfficialLevel::ProvincialManager) < rank(OfficialLevel::MinistryDeputy));
        assert_eq!(OfficialLevel::parse("minister"), None);
        for level in OfficialLevel::ALL {
            assert!(!level.label_fa().is_empty());
        }
    }

    #[test]
    fn each_tier_goes_to_its_clauses_authority_and_says_the_legal_bodies_stay() {
        let expected = [
            ("county", "county_governor", "الف", "فرماندار"),
            ("province", "governor_general", "ب", "استاندار"),
            ("national", "minister_or_head", "ج", "وزیر یا رئیس سازمان"),
        ];
        for (tier, authority, clause, said) in expected {
            let e = OfficialTier::parse(tier).unwrap().escalation();
            assert_eq!(
                (e.authority.as_str(), e.clause),
                (authority, clause),
                "{tier}"
            );
            assert!(e.summary_fa().contains(said) && e.summary_fa().contains("هیئت"));
            assert!(e.summary_en().contains("legal bodies"));
        }
        assert_eq!(OfficialTier::parse("county_office_head"), None);
    }
}
