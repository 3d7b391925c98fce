//! [`KioskUi`]: the Slint window and the two things the firmware does with it: show a
//! [`ViewModel`] and hear what the visitor did ([`UiInput`]).

use std::rc::Rc;

use slint::{ComponentHandle as _, Image, ModelRc, SharedString, VecModel};

use crate::keyboard::{self, parse_key};
use crate::theme::Panel;
use crate::view_model::{Button, Page, UiInput, ViewModel};
use crate::{ButtonData, KioskWindow, PageId, RowData, Theme, TimelineData, UiError};

/// The kiosk window.
pub struct KioskUi {
    window: KioskWindow,
}

impl KioskUi {
    /// Creates the window (a Slint platform must be set, or a windowing backend compiled in).
    pub fn new() -> Result<Self, UiError> {
        Ok(Self {
            window: KioskWindow::new()?,
        })
    }

    /// The Slint component (tests look elements up in it).
    pub fn component(&self) -> &KioskWindow {
        &self.window
    }

    /// Sizes the window to the panel (headless rendering, fixed kiosk panels).
    pub fn fit_panel(&self, panel: &Panel) {
        self.window
            .window()
            .set_size(slint::PhysicalSize::new(panel.width_px, panel.height_px));
    }

    /// A kiosk's window is never closed by a window manager's close button, Alt+F4 or a
    /// close request of any kind: only the kiosk process ends it (staff stop the service).
    pub fn refuse_close(&self) {
        self.window
            .window()
            .on_close_requested(|| slint::CloseRequestResponse::KeepWindowShown);
    }

    /// Shows a view model.
    pub fn show(&self, vm: &ViewModel) -> Result<(), UiError> {
        apply(&self.window, vm)
    }

    /// Calls `handler` for every tap and key. The handler may call [`apply`] (through a weak
    /// handle) to show the next view model.
    pub fn on_input(&self, handler: impl Fn(UiInput) + 'static) {
        let handler = Rc::new(handler);
        let h = handler.clone();
        self.window
            .on_action(move |id| h(UiInput::Action(id.to_string())));
        let h = handler.clone();
        self.window.on_key(move |id| {
            if let Some(key) = parse_key(&id) {
                h(UiInput::Key(key));
            }
        });
        let h = handler.clone();
        self.window.on_typed(move |text| {
            if let Some(key) = keyboard::physical_key(&text) {
                h(UiInput::Key(key));
            }
        });
        self.window.on_navigate(move |what| match what.as_str() {
            "next" => handler(UiInput::FocusNext),
            "prev" => handler(UiInput::FocusPrev),
            "activate" => handler(UiInput::Activate),
            _ => {}
        });
    }

    /// Draws the window once with the software renderer, into memory (benchmarks, soak runs).
    pub fn render(&self) -> Result<(), UiError> {
        self.window.window().take_snapshot()?;
        Ok(())
    }

    /// The window as PNG bytes, rendered by the software renderer.
    pub fn snapshot_png(&self) -> Result<Vec<u8>, UiError> {
        crate::headless::snapshot_png(self.window.window())
    }
}

fn buttons(list: &[Button]) -> ModelRc<ButtonData> {
    let items: Vec<ButtonData> = list
        .iter()
        .map(|b| ButtonData {
            id: b.id.as_str().into(),
            label: b.label.as_str().into(),
            detail: b.detail.as_str().into(),
            role: b.role.name().into(),
            focused: b.focused,
            checked: b.checked,
        })
        .collect();
    ModelRc::new(VecModel::from(items))
}

/// Columns of a page's choice grid (in the low-reach layout the description's phrases stand
/// in one column beside the keyboard).
fn columns(page: Page, low_reach: bool) -> i32 {
    match page {
        Page::Kind | Page::DeskMenu => 3,
        // Four themes, four sizes, then speech, reach and the two languages.
        Page::Accessibility => 4,
        Page::RateReasons => 2,
        // The four answers, one per row: each a sentence.
        Page::Official => 1,
        Page::RateFaces => 5,
        Page::DeskMeeting => 4,
        Page::Description if low_reach => 1,
        _ => 2,
    }
}

/// The window's page for a view model's page.
pub fn page_id(page: Page) -> PageId {
    match page {
        Page::Attract => PageId::Attract,
        Page::Accessibility => PageId::Accessibility,
        Page::Identify => PageId::Identify,
        Page::IdentifyChoice => PageId::IdentifyChoice,
        Page::IdentifyText => PageId::IdentifyText,
        Page::Kind => PageId::Kind,
        Page::Subject => PageId::Subject,
        Page::Guidance => PageId::Guidance,
        Page::Official => PageId::Official,
        Page::Description => PageId::Description,
        Page::Mobile => PageId::Mobile,
        Page::Review => PageId::Review,
        Page::Printing => PageId::Printing,
        Page::Done => PageId::Done,
        Page::PrinterOut => PageId::PrinterOut,
        Page::FollowUpEntry => PageId::FollowUpEntry,
        Page::FollowUp => PageId::FollowUp,
        Page::CallStaff => PageId::CallStaff,
        Page::Error => PageId::Error,
        Page::RateScan => PageId::RateScan,
        Page::RateWait => PageId::RateWait,
        Page::RateFaces => PageId::RateFaces,
        Page::RateReasons => PageId::RateReasons,
        Page::RateThanks => PageId::RateThanks,
        Page::RateRefused => PageId::RateRefused,
        Page::DeskLogin => PageId::DeskLogin,
        Page::DeskPin => PageId::DeskPin,
        Page::DeskMenu => PageId::DeskMenu,
        Page::DeskScan => PageId::DeskScan,
        Page::DeskService => PageId::DeskService,
        Page::DeskMeeting => PageId::DeskMeeting,
        Page::DeskField => PageId::DeskField,
        Page::DeskSummary => PageId::DeskSummary,
        Page::DeskHealth => PageId::DeskHealth,
        Page::DeskWait => PageId::DeskWait,
        Page::OutOfService => PageId::OutOfService,
    }
}

/// The view model's page the window shows.
pub fn page_of(id: PageId) -> Page {
    match id {
        PageId::Attract => Page::Attract,
        PageId::Accessibility => Page::Accessibility,
        PageId::Identify => Page::Identify,
        PageId::IdentifyChoice => Page::IdentifyChoice,
        PageId::IdentifyText => Page::IdentifyText,
        PageId::Kind => Page::Kind,
        PageId::Subject => Page::Subject,
        PageId::Guidance => Page::Guidance,
        PageId::Official => Page::Official,
        PageId::Description => Page::Description,
        PageId::Mobile => Page::Mobile,
        PageId::Review => Page::Review,
        PageId::Printing => Page::Printing,
        PageId::Done => Page::Done,
        PageId::PrinterOut => Page::PrinterOut,
        PageId::FollowUpEntry => Page::FollowUpEntry,
        PageId::FollowUp => Page::FollowUp,
        PageId::CallStaff => Page::CallStaff,
        PageId::Error => Page::Error,
        PageId::RateScan => Page::RateScan,
        PageId::RateWait => Page::RateWait,
        PageId::RateFaces => Page::RateFaces,
        PageId::RateReasons => Page::RateReasons,
        PageId::RateThanks => Page::RateThanks,
        PageId::RateRefused => Page::RateRefused,
        PageId::DeskLogin => Page::DeskLogin,
        PageId::DeskPin => Page::DeskPin,
        PageId::DeskMenu => Page::DeskMenu,
        PageId::DeskScan => Page::DeskScan,
        PageId::DeskService => Page::DeskService,
        PageId::DeskMeeting => Page::DeskMeeting,
        PageId::DeskField => Page::DeskField,
        PageId::DeskSummary => Page::DeskSummary,
        PageId::DeskHealth => Page::DeskHealth,
        PageId::DeskWait => Page::DeskWait,
        PageId::OutOfService => Page::OutOfService,
    }
}

/// Shows `vm` in `window`: sets the theme from the preferences and every property of the page.
pub fn apply(window: &KioskWindow, vm: &ViewModel) -> Result<(), UiError> {
    let theme = window.global::<Theme>();
    theme.set_rtl(vm.prefs.rtl);
    theme.set_palette(vm.prefs.palette.index());
    theme.set_text_step(i32::from(vm.prefs.text_step.min(crate::MAX_TEXT_STEP)));
    theme.set_low_reach(vm.prefs.low_reach);
    window.set_blank(vm.prefs.blank);

    window.set_page(page_id(vm.page));
    window.set_heading(vm.title.as_str().into());
    window.set_message(vm.message.as_str().into());
    window.set_error(vm.error.as_str().into());
    window.set_entry(vm.entry.as_str().into());
    window.set_hint(vm.hint.as_str().into());
    window.set_choices(buttons(&vm.choices));
    window.set_columns(columns(vm.page, vm.prefs.low_reach));
    window.set_bar(buttons(&vm.bar));

    let layout = keyboard::layout(vm.keyboard, vm.prefs.rtl);
    window.set_keys(ModelRc::new(VecModel::from(layout.keys)));
    let focused_key = vm.focused_key.map(keyboard::key_id).unwrap_or_default();
    window.set_focused_key(focused_key.as_str().into());
    window.set_key_rows(layout.rows);
    window.set_key_units(layout.units);

    window.set_code_label(vm.code_label.as_str().into());
    window.set_code(vm.code.as_str().into());
    let qr = if vm.qr_payload.is_empty() {
        Image::default()
    } else {
        crate::qr::qr_image(&vm.qr_payload)?
    };
    window.set_qr(qr);
    let rows: Vec<RowData> = vm
        .rows
        .iter()
        .map(|r| RowData {
            label: r.label.as_str().into(),
            value: r.value.as_str().into(),
        })
        .collect();
    window.set_rows(ModelRc::new(VecModel::from(rows)));
    let events: Vec<TimelineData> = vm
        .timeline
        .iter()
        .map(|e| TimelineData {
            when: e.when.as_str().into(),
            what: e.what.as_str().into(),
            unit: e.unit.as_str().into(),
        })
        .collect();
    window.set_events(ModelRc::new(VecModel::from(events)));

    match &vm.overlay {
        Some(overlay) => {
            window.set_overlay(true);
            window.set_overlay_message(overlay.message.as_str().into());
            window.set_overlay_buttons(buttons(&overlay.buttons));
        }
        None => {
            window.set_overlay(false);
            window.set_overlay_message(SharedString::new());
            window.set_overlay_buttons(ModelRc::default());
        }
    }
    Ok(())
}
