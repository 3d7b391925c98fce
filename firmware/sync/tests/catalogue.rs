//! The SAMAD simulator's catalogue (what the demo and the tests download) converts whole: no
//! entry skipped, its out-of-scope subjects with their destinations in Persian.

use kiosk_sync::catalogue::from_wire;

#[test]
fn the_simulators_catalogue_converts_whole() {
    let converted = from_wire(&samad_sim::catalogue()).expect("usable");
    assert!(converted.skipped.is_empty(), "{:?}", converted.skipped);
    assert_eq!(converted.catalogue.subjects.len(), 8);
    let water = converted.catalogue.get("SUBJ-WATER").expect("water");
    assert!(
        water
            .guidance_fa
            .as_deref()
            .unwrap_or("")
            .contains("تلفن: ۱۵۲۲")
    );
}
