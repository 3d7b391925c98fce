//! The ESC/POS stream, printed back by the test decoder: same image as the preview, both QR
//! codes readable, within the byte budget.

use kiosk_receipt::content::tracking_url;
use kiosk_receipt::decode::decode;
use kiosk_receipt::sample::{SAMPLE_SATISFACTION_URL, sample_tracking};
use kiosk_receipt::{
    Profile, QrLevel, QrMode, Raster, Variant, encode, render, sample, sample_variant,
};

/// Every QR code rqrr finds in `image`, decoded.
fn read_qr_codes(image: &Raster) -> Vec<String> {
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        image.width() as usize,
        image.height() as usize,
        |x, y| {
            if image.get(x as i32, y as i32) {
                0
            } else {
                255
            }
        },
    );
    let mut found: Vec<String> = prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect();
    found.sort();
    found
}

fn expected_payloads() -> Vec<String> {
    let mut v = vec![
        tracking_url("https://samad.example.ir", &sample_tracking()),
        SAMPLE_SATISFACTION_URL.to_owned(),
    ];
    v.sort();
    v
}

/// The decoded paper must be the preview, row for row, then only blank paper.
fn assert_same_as_preview(decoded: &Raster, preview: &Raster) {
    assert_eq!(decoded.width(), preview.width());
    assert!(decoded.height() >= preview.height());
    for y in 0..decoded.height() {
        if y < preview.height() {
            assert_eq!(
                decoded.row(y),
                preview.row(y),
                "row {y} differs from the preview"
            );
        } else {
            assert!(decoded.row_is_blank(y), "ink below the preview at row {y}");
        }
    }
}

#[test]
fn the_80mm_sample_fits_the_byte_budget_with_native_qr_model_2() {
    let profile = Profile::MM80;
    let bytes = encode(&sample(), &profile).unwrap();
    println!("80mm sample receipt: {} bytes", bytes.len());
    let raster_qr = encode(&sample(), &Profile::MM58).unwrap();
    println!("58mm sample receipt (raster QR): {} bytes", raster_qr.len());
    assert!(bytes.len() <= 12_000, "{} bytes > 12 KB", bytes.len());
    // Model 2 selected explicitly before each QR code.
    let model2 = [0x1D, b'(', b'k', 4, 0, 49, 65, 50, 0];
    let count = bytes.windows(model2.len()).filter(|w| *w == model2).count();
    assert_eq!(count, 2);
    let decoded = decode(&bytes, profile.dots).unwrap();
    assert_eq!(decoded.native_qr, {
        let mut v = vec![
            tracking_url("https://samad.example.ir", &sample_tracking()),
            SAMPLE_SATISFACTION_URL.to_owned(),
        ];
        v.truncate(2);
        v
    });
    assert_eq!(decoded.cuts, 1);
    assert_eq!(
        decoded.uncropped_bands, 0,
        "bands must start and end on ink"
    );
    assert!(decoded.tallest_band <= 256);
}

#[test]
fn both_qr_codes_decode_from_the_printed_image_in_both_modes() {
    for profile in [
        Profile::MM80,
        Profile::MM58,
        Profile {
            qr_mode: QrMode::Raster,
            ..Profile::MM80
        },
        Profile {
            qr_mode: QrMode::Native,
            qr_level: QrLevel::Q,
            ..Profile::MM58
        },
    ] {
        let content = sample();
        let preview = render(&content, &profile).unwrap();
        let bytes = encode(&content, &profile).unwrap();
        let decoded = decode(&bytes, profile.dots).unwrap();
        assert_same_as_preview(&decoded.image, &preview.raster);
        assert_eq!(
            decoded.native_qr.len(),
            if profile.qr_mode == QrMode::Native {
                2
            } else {
                0
            }
        );
        assert_eq!(
            read_qr_codes(&decoded.image),
            expected_payloads(),
            "{profile:?}"
        );
    }
}

#[test]
fn every_variant_prints_as_previewed() {
    for profile in [Profile::MM58, Profile::MM80] {
        for variant in Variant::ALL {
            let content = sample_variant(variant);
            let preview = render(&content, &profile).unwrap();
            let bytes = encode(&content, &profile).unwrap();
            let decoded = decode(&bytes, profile.dots).unwrap();
            assert_same_as_preview(&decoded.image, &preview.raster);
            let mut want: Vec<String> = content
                .qr_payloads()
                .into_iter()
                .map(str::to_owned)
                .collect();
            want.sort();
            assert_eq!(
                read_qr_codes(&decoded.image),
                want,
                "{variant:?} {profile:?}"
            );
        }
    }
}

#[test]
fn without_column_cropping_every_band_is_full_width_and_the_image_is_the_same() {
    let profile = Profile {
        crop_columns: false,
        ..Profile::MM80
    };
    let cropped = encode(&sample(), &Profile::MM80).unwrap();
    let full = encode(&sample(), &profile).unwrap();
    assert!(full.len() > cropped.len());
    let a = decode(&cropped, 576).unwrap();
    let b = decode(&full, 576).unwrap();
    assert_eq!(a.image, b.image);
}

#[test]
fn the_decoder_refuses_garbage_and_model_1() {
    assert!(decode(&[0x1B, b'@', 0x42], 576).is_err());
    assert!(
        decode(&[0x1D, b'v', b'0', 0, 2, 0, 10, 0, 1, 2], 576).is_err(),
        "truncated"
    );
    let model1 = [
        0x1D, b'(', b'k', 4, 0, 49, 65, 49, 0, // model 1
        0x1D, b'(', b'k', 6, 0, 49, 80, 48, b'a', b'b', b'c', // store
        0x1D, b'(', b'k', 3, 0, 49, 81, 48, // print
    ];
    assert!(decode(&model1, 576).is_err());
}
