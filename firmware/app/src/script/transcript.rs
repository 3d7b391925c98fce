//! What the visitor met, written as it happens: `DIR/transcript.jsonl` (one JSON object per
//! line, each with the injected time `t` in milliseconds) and the files the lines name (screens
//! and slips as PNG, slips as the ESC/POS bytes the printer was sent).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Serialize;

use crate::flow::Lang;

/// One line of the transcript; `t` first, as a reader scans them.
#[derive(Serialize)]
#[serde(untagged)]
enum Line<'a> {
    Screen {
        t: u64,
        screen: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        png: Option<String>,
        /// Audio-only mode: the page was blanked (its picture is black).
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        blank: bool,
    },
    Say {
        t: u64,
        say: &'a str,
        lang: &'static str,
        interrupt: bool,
    },
    Slip {
        t: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        slip: Option<String>,
        escpos: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        tracking_code: Option<&'a str>,
        /// The slip's words, one line per block (masked as printed).
        #[serde(skip_serializing_if = "Option::is_none")]
        text: Option<Vec<String>>,
    },
    Error {
        t: u64,
        error: &'a str,
        line: usize,
    },
    Input {
        t: u64,
        input: &'a serde_json::Value,
        line: usize,
    },
    Levels {
        t: u64,
        volume: u8,
        rate: u8,
    },
}

/// The transcript of one run.
pub struct Transcript {
    dir: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    screens: usize,
    slips: usize,
    errors: usize,
}

impl Transcript {
    /// Creates `dir` (when missing) and `dir/transcript.jsonl` in it; refuses a directory that
    /// is not empty, whose old screens and slips would read as this run's.
    pub fn create(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut entries =
            std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
        if entries.next().is_some() {
            anyhow::bail!(
                "--out {} is not empty: give a new or empty directory, so that every file in it \
                 is this run's",
                dir.display()
            );
        }
        let path = dir.join("transcript.jsonl");
        let file =
            std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Self {
            dir: dir.to_owned(),
            file: std::io::BufWriter::new(file),
            screens: 0,
            slips: 0,
            errors: 0,
        })
    }

    fn line(&mut self, line: &Line<'_>) -> anyhow::Result<()> {
        let json = serde_json::to_string(line).context("encoding a transcript line")?;
        writeln!(self.file, "{json}").context("writing transcript.jsonl")?;
        // Whole lines as they happen: a test (or an operator) follows a run while it plays.
        self.file.flush().context("writing transcript.jsonl")
    }

    fn write_file(&self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
    }

    /// A screen the journey showed; `png`: its picture as it looked once the input settled
    /// (none for a screen shown and left within one input, such as Printing); `blank`: blanked
    /// by audio-only mode (written `"blank": true`).
    pub fn screen(
        &mut self,
        t: u64,
        page: &str,
        png: Option<&[u8]>,
        blank: bool,
    ) -> anyhow::Result<()> {
        let png = match png {
            Some(png) => {
                self.screens += 1;
                let name = format!("screen-{:02}-{page}.png", self.screens);
                self.write_file(&name, png)?;
                Some(name)
            }
            None => None,
        };
        self.line(&Line::Screen {
            t,
            screen: page,
            png,
            blank,
        })
    }

    /// Something said to the visitor.
    pub fn say(&mut self, t: u64, text: &str, lang: Lang, interrupt: bool) -> anyhow::Result<()> {
        let lang = match lang {
            Lang::Fa => "fa",
            Lang::En => "en",
        };
        self.line(&Line::Say {
            t,
            say: text,
            lang,
            interrupt,
        })
    }

    /// A slip that came out of the printer: its picture, its bytes and, for a receipt, the
    /// tracking code its QR carries.
    pub fn slip(
        &mut self,
        t: u64,
        png: Option<&[u8]>,
        escpos: &[u8],
        tracking_code: Option<&str>,
        text: Option<Vec<String>>,
    ) -> anyhow::Result<()> {
        self.slips += 1;
        let name = format!("slip-{}", self.slips);
        let escpos_name = format!("{name}.bin");
        self.write_file(&escpos_name, escpos)?;
        let slip = match png {
            Some(png) => {
                let png_name = format!("{name}.png");
                self.write_file(&png_name, png)?;
                Some(png_name)
            }
            None => None,
        };
        self.line(&Line::Slip {
            t,
            slip,
            escpos: escpos_name,
            tracking_code,
            text,
        })
    }

    /// An input of the script, as played (before what it led to).
    pub fn input(
        &mut self,
        t: u64,
        line_no: usize,
        input: &serde_json::Value,
    ) -> anyhow::Result<()> {
        self.line(&Line::Input {
            t,
            input,
            line: line_no,
        })
    }

    /// The speech's volume and rate levels were set (a key, or the session's end).
    pub fn levels(&mut self, t: u64, volume: u8, rate: u8) -> anyhow::Result<()> {
        self.line(&Line::Levels { t, volume, rate })
    }

    /// An input the kiosk did not offer at that moment; the run goes on.
    pub fn error(&mut self, t: u64, line_no: usize, reason: &str) -> anyhow::Result<()> {
        self.errors += 1;
        self.line(&Line::Error {
            t,
            error: reason,
            line: line_no,
        })
    }

    /// How many inputs were refused so far.
    pub fn errors(&self) -> usize {
        self.errors
    }

    /// Flushes the file.
    pub fn finish(mut self) -> anyhow::Result<usize> {
        self.file.flush().context("writing transcript.jsonl")?;
        Ok(self.errors)
    }
}
