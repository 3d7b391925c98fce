//! Real time in a script: `{"sleep": SECONDS}` and `{"wait_for": TEXT}`. The rest of a script
//! runs on injected time, which is right for one device alone; devices of one office played
//! side by side (a kiosk calling staff, a desk showing the call) meet only through the agency
//! server, in real time. While real time passes the device works as its run loop would: it is
//! ticked every [`STEP`] (the injected clock moved by the time slept), the worker's answers and
//! the agency server's are played, and what it shows and says is written as it happens.

use std::time::{Duration, Instant};

use kiosk_ui::{KioskUi, ViewModel};

use super::transcript::Transcript;
use super::{Seen, Stage};

/// How often the device is looked at while real time passes.
pub const STEP: Duration = Duration::from_millis(50);

impl Stage {
    /// Lets `limit` of real time pass, or less when `until` is given and the screen shows (or
    /// the device says) a text containing it. `Ok(true)` when `until` was met (always `false`
    /// without it).
    pub(super) fn real_time(
        &mut self,
        limit: Duration,
        until: Option<&str>,
        ui: &KioskUi,
        shown: &mut ViewModel,
        transcript: &mut Transcript,
    ) -> anyhow::Result<bool> {
        let start = Instant::now();
        let mut last = start;
        loop {
            if let Some(text) = until
                && (shows(&self.device.view(), text) || self.says(text))
            {
                *shown = self.report(ui, shown.clone(), transcript)?;
                return Ok(true);
            }
            let left = limit.saturating_sub(start.elapsed());
            if left.is_zero() {
                return Ok(false);
            }
            std::thread::sleep(STEP.min(left));
            let now = Instant::now();
            self.tick(now - last);
            last = now;
            self.settle()?;
            if let Some(text) = until
                && self.says(text)
            {
                *shown = self.report(ui, shown.clone(), transcript)?;
                return Ok(true);
            }
            *shown = self.report(ui, shown.clone(), transcript)?;
        }
    }

    /// Whether the device said exactly `text` since the last report.
    pub(super) fn says_exactly(&self, text: &str) -> bool {
        self.seen
            .borrow()
            .iter()
            .any(|item| matches!(item, Seen::Said { text: said, .. } if said == text))
    }

    /// Whether the device said a text containing `text` since the last report.
    fn says(&self, text: &str) -> bool {
        self.seen
            .borrow()
            .iter()
            .any(|item| matches!(item, Seen::Said { text: said, .. } if said.contains(text)))
    }
}

/// Whether the screen `view` shows a text containing `text` anywhere: its title, message,
/// error, rows, buttons or the overlay covering it.
fn shows(view: &ViewModel, text: &str) -> bool {
    let overlay = view.overlay.iter().flat_map(|o| {
        std::iter::once(o.message.as_str()).chain(o.buttons.iter().map(|b| b.label.as_str()))
    });
    [
        view.title.as_str(),
        view.message.as_str(),
        view.error.as_str(),
    ]
    .into_iter()
    .chain(
        view.rows
            .iter()
            .flat_map(|r| [r.label.as_str(), r.value.as_str()]),
    )
    .chain(
        view.choices
            .iter()
            .chain(&view.bar)
            .map(|b| b.label.as_str()),
    )
    .chain(overlay)
    .any(|shown| shown.contains(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_found_on_the_page_or_on_its_overlay() {
        let mut view = ViewModel {
            title: "میز خدمت".into(),
            ..ViewModel::default()
        };
        assert!(shows(&view, "میز"));
        assert!(!shows(&view, "کیوسک ۱۲"));
        view.overlay = Some(kiosk_ui::Overlay {
            message: "کیوسک ۱۲ کارمند را فراخوانده است".into(),
            buttons: Vec::new(),
        });
        assert!(shows(&view, "کیوسک ۱۲"));
    }
}
