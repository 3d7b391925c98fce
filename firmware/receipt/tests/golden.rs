//! Golden images: every variant at 384 and 576 dots, compared byte for byte with the PNGs in
//! `tests/golden/`. After a deliberate change, look at the new images and rewrite them with
//! `UPDATE_GOLDEN=1 cargo test -p kiosk-receipt --test golden`.

use std::path::PathBuf;

use kiosk_receipt::png_out::from_png;
use kiosk_receipt::{Profile, Variant, render, render_png, sample_variant};

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

#[test]
fn every_variant_matches_its_golden_image_at_both_widths() {
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    for profile in [Profile::MM58, Profile::MM80] {
        for variant in Variant::ALL {
            let content = sample_variant(variant);
            let png = render_png(&content, &profile).unwrap();
            let path = golden_dir().join(format!("{}-{}.png", variant.as_str(), profile.dots));
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
                let out = std::env::temp_dir().join(format!(
                    "actual-{}-{}.png",
                    variant.as_str(),
                    profile.dots
                ));
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
