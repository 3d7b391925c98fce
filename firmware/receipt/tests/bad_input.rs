//! Bad input: overlong and hostile visitor text, empty fields, bad URLs, logos of the wrong size.

use kiosk_receipt::content::MAX_QR_PAYLOAD;
use kiosk_receipt::sample::sample_case;
use kiosk_receipt::sanitize::is_bidi_control;
use kiosk_receipt::{
    Block, ContentError, Logo, Profile, ReceiptContent, ReceiptError, encode, render,
};

fn paragraph_texts(content: &ReceiptContent) -> Vec<String> {
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
fn an_overlong_hostile_description_is_cleaned_cut_and_bounded_on_paper() {
    let mut case = sample_case();
    case.description = format!(
        "\u{202E}شکایت\u{202C} 😀😀 \u{2066}ABC\u{2069} {}",
        "متن بسیار طولانی ".repeat(500)
    );
    case.description_lines = 2;
    let content = ReceiptContent::receipt(&case).unwrap();
    let texts = paragraph_texts(&content);
    let description = texts.iter().find(|t| t.starts_with("شرح")).unwrap();
    assert!(!description.chars().any(is_bidi_control));
    assert!(description.contains('\u{FFFD}'), "emoji replaced visibly");
    assert!(description.ends_with('…'));
    assert!(description.chars().count() < 420);

    let mut none = case.clone();
    none.description_lines = 0;
    let with = render(&content, &Profile::MM80).unwrap().raster.height();
    let without = render(&ReceiptContent::receipt(&none).unwrap(), &Profile::MM80)
        .unwrap()
        .raster
        .height();
    assert!(
        with > without && with - without <= 80,
        "{with} vs {without}: two lines only"
    );
}

#[test]
fn bidi_controls_cannot_change_what_is_printed() {
    let mut plain = sample_case();
    plain.subject = "تأخیر در صدور سند ABC-123".to_owned();
    let mut hostile = plain.clone();
    hostile.subject = "\u{202E}تأخیر در صدور سند\u{202C} \u{2067}ABC-123\u{2069}".to_owned();
    for profile in [Profile::MM58, Profile::MM80] {
        let a = render(&ReceiptContent::receipt(&plain).unwrap(), &profile).unwrap();
        let b = render(&ReceiptContent::receipt(&hostile).unwrap(), &profile).unwrap();
        assert_eq!(a.raster, b.raster);
    }
}

#[test]
fn empty_required_fields_and_bad_urls_are_refused_with_a_reason() {
    let mut case = sample_case();
    case.agency = " \u{202E} ".to_owned();
    assert_eq!(
        ReceiptContent::receipt(&case).unwrap_err(),
        ContentError::Empty("agency")
    );
    let mut case = sample_case();
    case.subject = String::new();
    assert_eq!(
        ReceiptContent::receipt(&case).unwrap_err(),
        ContentError::Empty("subject")
    );
    for bad in ["", "javascript:alert(1)", "https://a b.ir", "ftp://x.ir"] {
        let mut case = sample_case();
        case.portal_url = bad.to_owned();
        assert!(
            matches!(
                ReceiptContent::receipt(&case),
                Err(ContentError::Url {
                    field: "portal_url",
                    ..
                })
            ),
            "{bad:?} accepted"
        );
    }
    let mut case = sample_case();
    case.satisfaction_url = Some(format!("https://x.ir/{}", "a".repeat(MAX_QR_PAYLOAD)));
    let err = ReceiptContent::receipt(&case).unwrap_err();
    assert!(err.to_string().contains("satisfaction_url"), "{err}");
}

#[test]
fn logos_of_the_wrong_size_are_refused_and_wide_ones_scaled_to_the_paper() {
    assert!(matches!(
        Logo::new(0, 10, vec![]),
        Err(ContentError::Logo { .. })
    ));
    assert!(matches!(
        Logo::new(600, 10, vec![0; 750]),
        Err(ContentError::Logo { .. })
    ));
    assert!(matches!(
        Logo::new(16, 300, vec![0; 600]),
        Err(ContentError::Logo { .. })
    ));
    assert!(matches!(
        Logo::new(16, 2, vec![0; 3]),
        Err(ContentError::Logo { .. })
    ));

    // A 576-dot-wide striped logo on 58 mm paper is scaled down, not cut off.
    let logo = Logo::new(576, 40, vec![0xF0; 72 * 40]).unwrap();
    let mut case = sample_case();
    case.logo = Some(logo);
    let content = ReceiptContent::receipt(&case).unwrap();
    let without = render(
        &ReceiptContent::receipt(&sample_case()).unwrap(),
        &Profile::MM58,
    )
    .unwrap()
    .raster;
    let with = render(&content, &Profile::MM58).unwrap().raster;
    assert_eq!(with.width(), 384);
    assert!(with.height() >= without.height() + 20);
    let first_ink_row = (0..with.height()).find(|&y| !with.row_is_blank(y)).unwrap();
    let ink_cols = with.ink_bytes(first_ink_row..first_ink_row + 1).unwrap();
    // Halved (integer factors keep 1-bit strokes even): 288 dots = 36 bytes, centred.
    assert_eq!(ink_cols, 6..42);
    assert!(encode(&content, &Profile::MM58).is_ok());
}

#[test]
fn a_bad_profile_is_an_error_not_a_panic() {
    let profile = Profile {
        qr_module: 2,
        ..Profile::MM80
    };
    let err = encode(&ReceiptContent::receipt(&sample_case()).unwrap(), &profile).unwrap_err();
    assert!(matches!(err, ReceiptError::Layout(_)), "{err}");
    assert!(err.to_string().contains("4..=16"), "{err}");
}
