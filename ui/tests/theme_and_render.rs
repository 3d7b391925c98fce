//! The theme measured from the compiled `Theme` global (contrast, text sizes, target size) and
//! the reading direction checked on rendered pixels. Rendering is Slint's testing backend with
//! the software renderer, the same renderer the kiosk uses.

use i_slint_backend_testing::{TestingBackend, TestingBackendOptions};
use kiosk_ui::theme::{indicator_pairs, text_pairs};
use kiosk_ui::{
    Button, KioskUi, MAX_TEXT_STEP, Page, Palette, Panel, Prefs, Role, Theme, ViewModel,
};
use slint::ComponentHandle as _;

fn init() {
    let backend = TestingBackend::new(TestingBackendOptions {
        mock_time: true,
        threading: false,
        renderer_name: Some("software".into()),
    });
    slint::platform::set_platform(Box::new(backend)).expect("fresh test thread");
}

fn ui() -> KioskUi {
    init();
    let ui = KioskUi::new().expect("window");
    ui.fit_panel(&Panel::TEN_INCH_1280X800);
    ui
}

#[test]
fn every_palette_has_7_to_1_text_and_the_high_contrast_ones_15_to_1() {
    let ui = ui();
    let theme = ui.component().global::<Theme>();
    for palette in Palette::ALL {
        theme.set_palette(palette.index());
        let floor = palette.min_text_contrast();
        assert_eq!(theme.get_high_contrast(), floor >= 15.0, "{palette:?}");
        let pairs = text_pairs(ui.component());
        assert!(pairs.len() >= 7);
        let mut lowest = f64::MAX;
        for pair in pairs {
            let ratio = pair.ratio();
            lowest = lowest.min(ratio);
            assert!(
                ratio >= floor,
                "{}: {} is {ratio:.2}:1, needs {floor}:1",
                palette.name(),
                pair.name
            );
        }
        println!("{:<20} lowest text contrast {lowest:5.2}:1", palette.name());
        for pair in indicator_pairs(ui.component()) {
            let ratio = pair.ratio();
            assert!(
                ratio >= 3.0,
                "{}: {} is {ratio:.2}:1, needs 3:1",
                palette.name(),
                pair.name
            );
        }
    }
}

#[test]
fn four_text_sizes_each_clearly_larger() {
    let ui = ui();
    let theme = ui.component().global::<Theme>();
    let mut sizes = Vec::new();
    for step in 0..=i32::from(MAX_TEXT_STEP) {
        theme.set_text_step(step);
        sizes.push((theme.get_body_size(), theme.get_title_size()));
    }
    println!("body/title sizes (px): {sizes:?}");
    assert_eq!(sizes.len(), 4);
    for w in sizes.windows(2) {
        assert!(w[1].0 >= w[0].0 * 1.15, "body {:?}", w);
        assert!(w[1].1 >= w[0].1 * 1.15, "title {:?}", w);
    }
}

#[test]
fn touch_target_token_is_at_least_9_mm_and_44_px_on_the_panel() {
    let ui = ui();
    let theme = ui.component().global::<Theme>();
    let panel = Panel::TEN_INCH_1280X800;
    let min = theme.get_target_min();
    println!(
        "target-min {min} px = {:.1} mm; floor {:.1} px",
        panel.px_to_mm(min),
        panel.min_target_px()
    );
    assert!(min >= panel.min_target_px());
    assert!(theme.get_key_height() >= panel.min_target_px());
    assert!(theme.get_button_height() >= panel.min_target_px());
}

/// Columns (x) where the title's text colour appears in the title band.
fn ink_columns(png: &[u8], ink: [u8; 3]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().expect("png");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("frame");
    let (w, mut min_x, mut max_x) = (info.width, u32::MAX, 0);
    // The title is the first line of the page, below the 24 px margin.
    for y in 28..70 {
        for x in 0..w {
            let i = ((y * w + x) * 4) as usize;
            let px = &buf[i..i + 3];
            let close = px.iter().zip(ink).all(|(a, b)| a.abs_diff(b) < 40);
            if close {
                min_x = min_x.min(x);
                max_x = max_x.max(x);
            }
        }
    }
    (min_x, max_x)
}

fn sample(rtl: bool) -> ViewModel {
    ViewModel {
        page: Page::Kind,
        title: if rtl {
            "چه کاری دارید؟".into()
        } else {
            "What would you like to do?".into()
        },
        bar: vec![Button {
            id: "back".into(),
            label: if rtl { "بازگشت" } else { "Back" }.into(),
            role: Role::Nav,
            ..Button::default()
        }],
        prefs: Prefs {
            rtl,
            ..Prefs::default()
        },
        ..ViewModel::default()
    }
}

#[test]
fn persian_title_hugs_the_right_edge_and_english_the_left() {
    let ui = ui();
    let ink = {
        let c = ui.component().global::<Theme>().get_text();
        [c.red(), c.green(), c.blue()]
    };
    ui.show(&sample(true)).expect("show");
    let (min_x, max_x) = ink_columns(&ui.snapshot_png().expect("png"), ink);
    println!("Persian title ink x {min_x}..{max_x}");
    assert!(
        max_x > 1280 - 24 - 12,
        "Persian title must end at the right margin"
    );
    assert!(min_x > 640, "a short Persian title stays on the right half");

    ui.show(&sample(false)).expect("show");
    let (min_x, max_x) = ink_columns(&ui.snapshot_png().expect("png"), ink);
    println!("English title ink x {min_x}..{max_x}");
    assert!(
        min_x < 24 + 12,
        "English title must start at the left margin"
    );
    assert!(max_x < 900);
}

/// A kind page with one unlabelled choice, so only its icon is drawn in the button.
fn one_kind(rtl: bool, id: &str) -> ViewModel {
    ViewModel {
        page: Page::Kind,
        choices: vec![Button {
            id: id.into(),
            role: Role::Choice,
            ..Button::default()
        }],
        prefs: Prefs {
            rtl,
            ..Prefs::default()
        },
        ..ViewModel::default()
    }
}

/// Dark (ink) pixels inside the only button, inset past its border, as a w×h mask.
fn icon_ink(ui: &KioskUi) -> (usize, usize, Vec<bool>) {
    use i_slint_backend_testing::{AccessibleRole, ElementQuery};
    // The unlabelled choice (the header's own buttons have labels).
    let buttons: Vec<_> = ElementQuery::from_root(ui.component())
        .match_descendants()
        .match_accessible_role(AccessibleRole::Button)
        .find_all()
        .into_iter()
        .filter(|b| b.accessible_label().unwrap_or_default().is_empty())
        .collect();
    // The choice is the largest of them (the query also meets zero-sized or bar instances).
    let choice = buttons
        .iter()
        .max_by(|a, b| {
            let area =
                |e: &i_slint_backend_testing::ElementHandle| e.size().width * e.size().height;
            area(a).total_cmp(&area(b))
        })
        .expect("the choice button");
    let (pos, size) = (choice.absolute_position(), choice.size());
    assert!(
        size.height > 80.0,
        "kind cells are tall enough for the icon: {size:?}"
    );
    let png = ui.snapshot_png().expect("png");
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().expect("png");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("frame");
    let inset = 6;
    let (x0, y0) = (
        pos.x.round() as usize + inset,
        pos.y.round() as usize + inset,
    );
    let (w, h) = (
        size.width.round() as usize - 2 * inset,
        size.height.round() as usize - 2 * inset,
    );
    let mut mask = Vec::with_capacity(w * h);
    for y in y0..y0 + h {
        for x in x0..x0 + w {
            let i = (y * info.width as usize + x) * 4;
            let luma =
                (u32::from(buf[i]) * 3 + u32::from(buf[i + 1]) * 6 + u32::from(buf[i + 2])) / 10;
            mask.push(luma < 128);
        }
    }
    (w, h, mask)
}

/// Intersection over union of two ink masks, the second optionally mirrored left-right.
fn overlap(w: usize, a: &[bool], b: &[bool], mirror: bool) -> f64 {
    let (mut both, mut either) = (0usize, 0usize);
    for (i, &ink_a) in a.iter().enumerate() {
        let (y, x) = (i / w, i % w);
        let ink_b = b[y * w + if mirror { w - 1 - x } else { x }];
        both += usize::from(ink_a && ink_b);
        either += usize::from(ink_a || ink_b);
    }
    both as f64 / either.max(1) as f64
}

#[test]
fn directional_kind_icons_are_mirrored_in_persian_symmetric_ones_are_not() {
    let ui = ui();
    for (id, directional) in [
        ("kind:complaint", true),
        ("kind:public_report", true),
        ("kind:consultation", true),
        ("kind:appreciation", false),
        ("kind:request", false),
    ] {
        ui.show(&one_kind(false, id)).expect("show");
        let (w, h, ltr) = icon_ink(&ui);
        ui.show(&one_kind(true, id)).expect("show");
        let (w2, h2, rtl) = icon_ink(&ui);
        assert_eq!((w, h), (w2, h2));
        let ink = ltr.iter().filter(|&&i| i).count();
        let mirrored = overlap(w, &ltr, &rtl, true);
        let same = overlap(w, &ltr, &rtl, false);
        println!("{id}: {ink} ink px, mirrored overlap {mirrored:.2}, unmirrored {same:.2}");
        assert!(ink > 150, "{id}: no icon drawn ({ink} ink pixels)");
        if directional {
            assert!(
                mirrored > 0.9,
                "{id}: the Persian icon is not the mirror image"
            );
            // Outlines are partly symmetric (a bubble's box): the tail and marks must differ.
            assert!(
                same < mirrored - 0.1,
                "{id}: a directional icon must change with the direction"
            );
        } else {
            assert!(same > 0.9, "{id}: a symmetric icon must not change");
        }
    }
}
