//! What the journey's test modules share: a flow over a one-subject catalogue, and what a
//! step's effects said aloud.

use kiosk_core::{Catalogue, NationalCodePolicy, Subject};

use crate::{Effect, Flow, FlowSettings};

/// A flow whose catalogue has one subject, «تأخیر در صدور سند» (`deed`), in scope for every
/// kind, and ten idle extensions.
pub(crate) fn deed_flow() -> Flow {
    one_subject_flow("deed", "تأخیر در صدور سند", "Deed delayed")
}

/// A flow whose catalogue has the one subject `id` (in scope for every kind, no guidance), and
/// ten idle extensions.
pub(crate) fn one_subject_flow(id: &str, label_fa: &str, label_en: &str) -> Flow {
    Flow::new(FlowSettings {
        national_code_policy: NationalCodePolicy::default(),
        catalogue: Catalogue {
            subjects: vec![Subject {
                id: id.into(),
                label_fa: label_fa.into(),
                label_en: label_en.into(),
                keywords: Vec::new(),
                kinds: vec![],
                service_id: None,
                guidance_fa: None,
                guidance_en: None,
                about_officials: false,
                next_visit: None,
            }],
            services: Vec::new(),
        },
        max_extensions: 10,
    })
}

/// Every text `fx` speaks, in order.
pub(crate) fn said(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Speak { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}
