//! Golden images: every variant at 384 and 576 dots, and the receipts the seed rules add (a
//! complaint about an official with its §10-3 authority, a consultation with its next visit, a
//! foreign visitor's request under a masked passport),
//! compared byte for byte with the PNGs in `tests/golden/`. After a deliberate change, look at
//! the new images and rewrite them with
//! `UPDATE_GOLDEN=1 cargo test -p kiosk-receipt --test golden`.

use std::path::PathBuf;

use kiosk_receipt::png_out::from_png;
use kiosk_receipt::sample::{sample_consultation, sample_escalated_case, sample_foreign_visitor};
use kiosk_receipt::{Block, Profile, ReceiptContent, Variant, render, render_png, sample_variant};

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Every golden: the variants' samples by their names, then the seed rules' receipts.
fn goldens() -> Vec<(String, ReceiptContent)> {
    let mut all: Vec<(String, ReceiptContent)> = Variant::ALL
        .into_iter()
        .map(|v| (v.as_str().to_owned(), sample_variant(v)))
        .collect();
    all.push((
        "escalated-complaint".to_owned(),
        ReceiptContent::receipt(&sample_escalated_case()).expect("lays out"),
    ));
    all.push((
        "consultation-next-visit".to_owned(),
        ReceiptContent::receipt(&sample_consultation()).expect("lays out"),
    ));
    all.push((
        "foreign-visitor".to_owned(),
        ReceiptContent::receipt(&sample_foreign_visitor()).expect("lays out"),
    ));
    all
}

fn fields(content: &ReceiptContent) -> Vec<(String, String)> {
    content
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Field { label, value, .. } => Some((label.clone(), value.clone())),
            Block::Paragraph { text, .. } => Some((String::new(), text.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn the_seed_rule_goldens_print_what_they_are_for() {
    let all = goldens();
    let find = |name: &str| fields(&all.iter().find(|(n, _)| n == name).unwrap().1);
    let consultation = find("consultation-next-visit");
    assert!(
        consultation.contains(&(
            "زمان مراجعه‌ی بعدی".to_owned(),
            "سه‌شنبه ۳ آذر ۱۴۰۵ (روز ملاقات هفتگی)".to_owned()
        )),
        "{consultation:?}"
    );
    assert!(
        !consultation.iter().any(|(l, _)| l == "مهلت پاسخ"),
        "a consultation owes no written answer"
    );
    let escalated = find("escalated-complaint");
    assert!(
        escalated
            .iter()
            .any(|(_, v)| v.contains("استاندار") && v.contains("بند ب")),
        "{escalated:?}"
    );
    let foreign = find("foreign-visitor");
    assert!(
        foreign.contains(&("شماره گذرنامه".to_owned(), "******۵۶۷ AFG".to_owned()))
            && !foreign.iter().any(|(l, _)| l == "کد ملی"),
        "{foreign:?}"
    );
    let guidance = find("guidance");
    assert!(
        guidance.iter().any(|(_, v)| v.contains("خیابان آزادی")),
        "{guidance:?}"
    );
    let service = find("service");
    assert!(
        service.iter().any(|(_, v)| v.contains("۱۰۰۲۱۳۴۵")),
        "{service:?}"
    );
}

#[test]
fn every_variant_matches_its_golden_image_at_both_widths() {
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    for profile in [Profile::MM58, Profile::MM80] {
        for (name, content) in goldens() {
            let png = render_png(&content, &profile).unwrap();
            let path = golden_dir().join(format!("{name}-{}.png", profile.dots));
            if update {
                std::fs::create_dir_all(golden_dir()).unwrap();
                std::fs::write(&path, &png).unwrap();
                continue;
            }
            let Ok(golden) = std::fs::read(&path) else {
                failures.push(format!(
                    "{} is missing (UPDATE_GOLDEN=1 writes it)",
                    path.display()
                ));
                continue;
            };
            let expected = from_png(&golden).unwrap();
            let actual = render(&content, &profile).unwrap().raster;
            if expected != actual {
                let out = std::env::temp_dir().join(format!("actual-{name}-{}.png", profile.dots));
                std::fs::write(&out, &png).unwrap();
                failures.push(format!(
                    "{} differs from the rendering (written to {})",
                    path.display(),
                    out.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
