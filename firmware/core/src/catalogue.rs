//! The agency's catalogue of subjects a visitor can choose from.
//!
//! A desk may register and act only on cases within its agency's duties (docs/rules.md
//! R-000-4.8); other subjects are listed too, so a visitor who looks for them is *guided* to the
//! right place instead of finding nothing. Each subject says which case kinds it accepts and,
//! when it is a government service, its service identifier (شناسه خدمت, R-001-1). The catalogue
//! comes from SAMAD (with the sync) or the configuration; this module only models and searches
//! it.

use serde::{Deserialize, Serialize};

use crate::case_kind::CaseKind;
use crate::digits::to_ascii_digits;
use crate::next_visit::NextVisitRule;

/// One subject of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// Stable identifier.
    pub id: String,
    /// Persian label.
    pub label_fa: String,
    /// English label.
    pub label_en: String,
    /// Other words a visitor may search it by (the catalogue's keywords, either language).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Case kinds this subject accepts; empty means every kind.
    #[serde(default)]
    pub kinds: Vec<CaseKind>,
    /// Service identifier, when the subject is a government service.
    #[serde(default)]
    pub service_id: Option<String>,
    /// `None` when the subject is within this agency's duties; otherwise where to go, in
    /// Persian, printed on a guidance slip instead of registering a case.
    #[serde(default)]
    pub guidance_fa: Option<String>,
    /// The same guidance in English.
    #[serde(default)]
    pub guidance_en: Option<String>,
    /// A complaint on this subject may be about an official (e.g. «رفتار مسئولان»): the visitor
    /// is asked the official's tier, and the complaint goes where seed 000 §10-3 sends it.
    #[serde(default)]
    pub about_officials: bool,
    /// When a case on this subject that owes no later answer is final, or the visitor comes
    /// back (docs/rules.md R-000-4.4); `None`: the service's rule, else the configured default.
    #[serde(default)]
    pub next_visit: Option<NextVisitRule>,
}

impl Subject {
    /// Whether this desk registers cases about it.
    pub fn in_scope(&self) -> bool {
        self.guidance_fa.is_none()
    }

    /// Whether a case of `kind` may be about this subject.
    pub fn accepts(&self, kind: CaseKind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }
}

/// A government service the agency gives at its desk, with its national identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// The catalogue's code for it.
    pub id: String,
    /// Persian label.
    pub label_fa: String,
    /// English label.
    pub label_en: String,
    /// The service identifier (شناسه خدمت, R-001-1), ASCII digits.
    pub service_id: String,
    /// When this service is final or the visitor comes back (docs/rules.md R-000-4.4).
    #[serde(default)]
    pub next_visit: Option<NextVisitRule>,
}

/// The subjects of one agency, and the services it gives.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    /// Every subject, in display order.
    pub subjects: Vec<Subject>,
    /// The services given at the desk (empty: the catalogue lists none, as kiosk.toml's).
    #[serde(default)]
    pub services: Vec<Service>,
}

/// Folds the letters Persian keyboards disagree on, so a search finds «کتاب» typed as «كتاب»:
/// Arabic kaf and yeh become Persian ones, teh marbuta and heh with yeh become heh, alef with
/// hamza or madda become alef, ZWNJ and tatweel disappear, digits become ASCII, Latin is
/// lower-cased.
pub fn fold_for_search(text: &str) -> String {
    to_ascii_digits(text)
        .chars()
        .filter_map(|c| match c {
            'ك' => Some('ک'),
            'ي' | 'ى' | 'ئ' => Some('ی'),
            'ة' | 'ۀ' => Some('ه'),
            'أ' | 'إ' | 'آ' | 'ٱ' => Some('ا'),
            'ؤ' => Some('و'),
            '\u{200C}' | '\u{0640}' => None,
            c => Some(c.to_lowercase().next().unwrap_or(c)),
        })
        .collect()
}

impl Catalogue {
    /// The subjects that accept `kind` and whose label contains `query` (folded, either
    /// language). Out-of-scope subjects are kept: choosing one leads to guidance.
    pub fn search(&self, kind: CaseKind, query: &str) -> Vec<&Subject> {
        let wanted = fold_for_search(query.trim());
        self.subjects
            .iter()
            .filter(|s| s.accepts(kind))
            .filter(|s| {
                wanted.is_empty()
                    || fold_for_search(&s.label_fa).contains(&wanted)
                    || fold_for_search(&s.label_en).contains(&wanted)
                    || s.keywords
                        .iter()
                        .any(|k| fold_for_search(k).contains(&wanted))
            })
            .collect()
    }

    /// A subject by identifier.
    pub fn get(&self, id: &str) -> Option<&Subject> {
        self.subjects.iter().find(|s| s.id == id)
    }

    /// The next-visit rule of a case on subject `subject_id` (its own rule, else the rule of
    /// the service `service_id` names), when the catalogue gives one.
    pub fn next_visit_rule(
        &self,
        subject_id: &str,
        service_id: Option<&str>,
    ) -> Option<NextVisitRule> {
        self.get(subject_id).and_then(|s| s.next_visit).or_else(|| {
            service_id
                .and_then(|id| self.service(id))
                .and_then(|s| s.next_visit)
        })
    }

    /// The service whose identifier is `typed` (Persian or Arabic-Indic digits read as ASCII,
    /// spaces around ignored): what a service identifier typed at the desk is checked against.
    pub fn service(&self, typed: &str) -> Option<&Service> {
        let typed = to_ascii_digits(typed.trim());
        self.services.iter().find(|s| s.service_id == typed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(id: &str, fa: &str, kinds: Vec<CaseKind>, guidance: Option<&str>) -> Subject {
        Subject {
            id: id.into(),
            label_fa: fa.into(),
            label_en: id.into(),
            keywords: Vec::new(),
            kinds,
            service_id: None,
            guidance_fa: guidance.map(str::to_owned),
            guidance_en: guidance.map(|_| "elsewhere".to_owned()),
            about_officials: false,
            next_visit: None,
        }
    }

    fn catalogue() -> Catalogue {
        Catalogue {
            subjects: vec![
                subject("deed-delay", "تأخیر در صدور سند", vec![], None),
                subject(
                    "staff-conduct",
                    "رفتار کارکنان",
                    vec![CaseKind::Complaint],
                    None,
                ),
                Subject {
                    keywords: vec!["فاضلاب".into()],
                    ..subject("water-bill", "قبض آب", vec![], Some("شرکت آب و فاضلاب"))
                },
            ],
            services: vec![Service {
                id: "SRV-1".into(),
                label_fa: "صدور گواهی".into(),
                label_en: "Certificate".into(),
                service_id: "12011234567".into(),
                next_visit: None,
            }],
        }
    }

    #[test]
    fn search_folds_arabic_letters_and_filters_by_kind() {
        let c = catalogue();
        let ids = |v: Vec<&Subject>| v.into_iter().map(|s| s.id.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(c.search(CaseKind::Request, "")),
            vec!["deed-delay", "water-bill"]
        );
        assert_eq!(ids(c.search(CaseKind::Complaint, "")).len(), 3);
        assert_eq!(
            ids(c.search(CaseKind::Request, "تاخير")),
            vec!["deed-delay"]
        );
        assert_eq!(
            ids(c.search(CaseKind::Complaint, "كاركنان")),
            vec!["staff-conduct"]
        );
        assert_eq!(
            ids(c.search(CaseKind::Request, "WATER")),
            vec!["water-bill"]
        );
        assert!(c.search(CaseKind::Request, "هیچ").is_empty());
        assert_eq!(
            ids(c.search(CaseKind::Request, "فاضلاب")),
            vec!["water-bill"],
            "found by a keyword"
        );
    }

    #[test]
    fn a_typed_service_identifier_is_found_in_any_digits() {
        let c = catalogue();
        assert_eq!(
            c.service(" ۱۲۰۱۱۲۳۴۵۶۷ ").map(|s| s.id.as_str()),
            Some("SRV-1")
        );
        assert!(c.service("12011234568").is_none());
    }

    #[test]
    fn out_of_scope_subjects_carry_guidance() {
        let c = catalogue();
        assert!(c.get("deed-delay").unwrap().in_scope());
        assert!(!c.get("water-bill").unwrap().in_scope());
        assert!(c.get("nope").is_none());
    }

    #[test]
    fn folding() {
        assert_eq!(fold_for_search("كتابي‌ها ۱۲"), "کتابیها 12");
        assert_eq!(fold_for_search("آب"), "اب");
    }
}
