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

/// One subject of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// Stable identifier.
    pub id: String,
    /// Persian label.
    pub label_fa: String,
    /// English label.
    pub label_en: String,
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

/// The subjects of one agency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    /// Every subject, in display order.
    pub subjects: Vec<Subject>,
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
            })
            .collect()
    }

    /// A subject by identifier.
    pub fn get(&self, id: &str) -> Option<&Subject> {
        self.subjects.iter().find(|s| s.id == id)
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
            kinds,
            service_id: None,
            guidance_fa: guidance.map(str::to_owned),
            guidance_en: guidance.map(|_| "elsewhere".to_owned()),
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
                subject("water-bill", "قبض آب", vec![], Some("شرکت آب و فاضلاب")),
            ],
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
