//! A complaint about an official (seed 000 §10-3) prints where it goes and the note that the
//! legal bodies keep their jurisdiction, on the receipt and on its reprint; other cases print
//! no such line. The rendered receipt is checked as well as its content.

use kiosk_core::escalation::OfficialTier;
use kiosk_receipt::content::{Block, ReceiptContent};

fn paragraphs(content: &ReceiptContent) -> Vec<String> {
    content
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_receipt_of_a_complaint_about_an_official_names_its_authority() {
    let mut case = kiosk_receipt::sample::sample_case();
    case.escalation = Some(OfficialTier::National.escalation().summary_fa());
    let receipt = ReceiptContent::receipt(&case).expect("lays out");
    let reprint = ReceiptContent::reprint(&case, case.registered_at).expect("lays out");
    for content in [&receipt, &reprint] {
        let text = paragraphs(content).join("\n");
        assert!(
            text.contains("وزیر یا رئیس سازمان") && text.contains("بند ج"),
            "{text}"
        );
        assert!(text.contains("هیئت رسیدگی به تخلفات اداری"), "{text}");
    }
    let png = kiosk_receipt::render_png(&receipt, &kiosk_receipt::profile::Profile::MM80)
        .expect("renders");
    assert!(png.len() > 1000);

    case.escalation = None;
    let plain = ReceiptContent::receipt(&case).expect("lays out");
    assert!(
        !paragraphs(&plain).join("\n").contains("مسئولان"),
        "only complaints about officials carry the line"
    );
}
