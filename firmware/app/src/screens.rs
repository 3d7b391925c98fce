//! Screens of a headless run: `kiosk --demo --headless --out DIR` renders the journey's
//! screens with the software renderer and writes each as PNG. A screen is written once, as it
//! last looked before the visitor left it (the national code typed in, the description
//! written), so the files read like the visitor's journey.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use kiosk_ui::{KioskUi, Panel, ViewModel};

use crate::flow::Flow;
use crate::ui_bridge::view_model;

/// Renders the flow's screens into a directory.
pub struct ScreenRecorder {
    ui: KioskUi,
    out_dir: PathBuf,
    portal_url: String,
    last: Option<ViewModel>,
    written: usize,
}

impl ScreenRecorder {
    /// Makes this thread render headless and opens a window the size of `panel`.
    pub fn new(out_dir: &Path, portal_url: &str, panel: &Panel) -> anyhow::Result<Self> {
        kiosk_ui::headless::init().context("starting the headless renderer")?;
        let ui = KioskUi::new().context("creating the kiosk window")?;
        ui.fit_panel(panel);
        std::fs::create_dir_all(out_dir)
            .with_context(|| format!("creating {}", out_dir.display()))?;
        Ok(Self {
            ui,
            out_dir: out_dir.to_owned(),
            portal_url: portal_url.to_owned(),
            last: None,
            written: 0,
        })
    }

    /// Looks at the flow after an event; when the page changed, writes the page being left.
    /// Returns the names of the files written.
    pub fn observe(&mut self, flow: &Flow) -> anyhow::Result<Vec<String>> {
        let vm = view_model(flow, &self.portal_url);
        let left = match &self.last {
            Some(last) if last.page != vm.page => self.write_last()?,
            _ => Vec::new(),
        };
        self.last = Some(vm);
        Ok(left)
    }

    /// Writes the screen showing now.
    pub fn finish(&mut self) -> anyhow::Result<Vec<String>> {
        let written = self.write_last()?;
        self.last = None;
        Ok(written)
    }

    fn write_last(&mut self) -> anyhow::Result<Vec<String>> {
        let Some(vm) = &self.last else {
            return Ok(Vec::new());
        };
        self.ui.show(vm)?;
        let png = self.ui.snapshot_png()?;
        self.written += 1;
        let name = format!("screen-{:02}-{}.png", self.written, vm.page.name());
        let path = self.out_dir.join(&name);
        std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
        Ok(vec![name])
    }
}
