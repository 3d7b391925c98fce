//! Cutting a scanner's byte stream into lines.
//!
//! Scanners end each code with a terminator (CR by default, often CR LF, sometimes Tab), and a
//! serial link delivers a code in arbitrary pieces. [`LineAssembler`] joins the pieces, ends a
//! line at the terminator, refuses lines over a length limit (discarding up to the next
//! terminator so one bad burst yields one event), and reports a line that stopped half-way and
//! stayed silent past the line timeout. Time is passed in, so all of it is tested without
//! sleeping.

use std::time::{Duration, Instant};

use super::ScanError;

/// What ends a scanned line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terminator {
    /// CR or LF; CR LF gives one line (empty lines are ignored). The default.
    CrOrLf,
    /// One specific byte (e.g. `b'\t'` for scanners set to send Tab).
    Byte(u8),
    /// No terminator: a line ends when the scanner is silent for the line timeout.
    Idle,
}

/// How lines are cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramingConfig {
    /// What ends a line.
    pub terminator: Terminator,
    /// Longest accepted line in bytes (a satisfaction URL is the longest thing we print).
    pub max_line_len: usize,
    /// Silence after which an unfinished line is reported as incomplete (or, with
    /// [`Terminator::Idle`], taken as a line).
    pub line_timeout: Duration,
}

impl Default for FramingConfig {
    fn default() -> Self {
        Self {
            terminator: Terminator::CrOrLf,
            max_line_len: 1024,
            line_timeout: Duration::from_millis(300),
        }
    }
}

/// A unit cut from the byte stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete line without its terminator (not yet decoded).
    Line(Vec<u8>),
    /// A line went over the limit.
    Overlong {
        /// The configured limit.
        limit: usize,
    },
    /// A line stopped before its terminator.
    Incomplete {
        /// Bytes received.
        bytes: usize,
    },
}

/// Joins pieces of bytes into [`Frame`]s.
#[derive(Debug, Clone)]
pub struct LineAssembler {
    config: FramingConfig,
    buf: Vec<u8>,
    discarding: bool,
    last_byte: Option<Instant>,
}

impl LineAssembler {
    /// An empty assembler.
    pub fn new(config: FramingConfig) -> Self {
        Self {
            config,
            buf: Vec::new(),
            discarding: false,
            last_byte: None,
        }
    }

    fn is_terminator(&self, b: u8) -> bool {
        match self.config.terminator {
            Terminator::CrOrLf => b == b'\r' || b == b'\n',
            Terminator::Byte(t) => b == t,
            Terminator::Idle => false,
        }
    }

    /// Feeds bytes received at `now`.
    pub fn push(&mut self, bytes: &[u8], now: Instant) -> Vec<Frame> {
        let mut out = Vec::new();
        if let Some(f) = self.tick(now) {
            out.push(f);
        }
        for &b in bytes {
            if self.is_terminator(b) {
                if self.discarding {
                    self.discarding = false;
                } else if !self.buf.is_empty() {
                    out.push(Frame::Line(std::mem::take(&mut self.buf)));
                }
            } else if !self.discarding {
                self.buf.push(b);
                if self.buf.len() > self.config.max_line_len {
                    self.buf.clear();
                    self.discarding = true;
                    out.push(Frame::Overlong {
                        limit: self.config.max_line_len,
                    });
                }
            }
        }
        if !bytes.is_empty() {
            self.last_byte = Some(now);
        }
        out
    }

    /// Ends an unfinished line once the link has been silent for the line timeout.
    pub fn tick(&mut self, now: Instant) -> Option<Frame> {
        let last = self.last_byte?;
        if now.saturating_duration_since(last) < self.config.line_timeout {
            return None;
        }
        self.last_byte = None;
        if self.discarding {
            // The overlong burst ended in silence: the next byte starts a fresh line.
            self.discarding = false;
            return None;
        }
        if self.buf.is_empty() {
            return None;
        }
        let line = std::mem::take(&mut self.buf);
        Some(match self.config.terminator {
            Terminator::Idle => Frame::Line(line),
            _ => Frame::Incomplete { bytes: line.len() },
        })
    }

    /// Forgets everything half-read.
    pub fn reset(&mut self) {
        self.buf.clear();
        self.discarding = false;
        self.last_byte = None;
    }
}

/// Decodes a line into text: valid UTF-8 without control characters, surrounding whitespace
/// trimmed. Anything else is noise (or a wrong baud rate).
pub fn decode_text(bytes: &[u8]) -> Result<String, ScanError> {
    let not_text = ScanError::NotText { bytes: bytes.len() };
    let text = std::str::from_utf8(bytes).map_err(|_| not_text.clone())?;
    if text.chars().any(|c| c.is_control() && c != '\t') {
        return Err(not_text);
    }
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(not_text);
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asm(terminator: Terminator) -> LineAssembler {
        LineAssembler::new(FramingConfig {
            terminator,
            max_line_len: 8,
            line_timeout: Duration::from_millis(100),
        })
    }

    #[test]
    fn split_pieces_join_into_one_line_and_crlf_gives_one_line() {
        let t0 = Instant::now();
        let mut a = asm(Terminator::CrOrLf);
        assert!(a.push(b"00", t0).is_empty());
        assert!(a.push(b"12", t0 + Duration::from_millis(20)).is_empty());
        let frames = a.push(b"34\r\nAB\r", t0 + Duration::from_millis(40));
        assert_eq!(
            frames,
            vec![Frame::Line(b"001234".to_vec()), Frame::Line(b"AB".to_vec())]
        );
    }

    #[test]
    fn overlong_line_gives_one_event_and_the_next_line_is_read() {
        let t0 = Instant::now();
        let mut a = asm(Terminator::CrOrLf);
        let frames = a.push(b"0123456789ABCDEFGHIJ\rOK\r", t0);
        assert_eq!(
            frames,
            vec![Frame::Overlong { limit: 8 }, Frame::Line(b"OK".to_vec())]
        );
    }

    #[test]
    fn silence_mid_line_is_reported_as_incomplete_once() {
        let t0 = Instant::now();
        let mut a = asm(Terminator::CrOrLf);
        a.push(b"0012", t0);
        assert_eq!(a.tick(t0 + Duration::from_millis(50)), None);
        assert_eq!(
            a.tick(t0 + Duration::from_millis(150)),
            Some(Frame::Incomplete { bytes: 4 })
        );
        assert_eq!(a.tick(t0 + Duration::from_millis(300)), None);
        // A late piece after the silence starts a new line.
        assert_eq!(
            a.push(b"99\r", t0 + Duration::from_millis(400)),
            vec![Frame::Line(b"99".to_vec())]
        );
    }

    #[test]
    fn idle_terminator_ends_a_line_on_silence() {
        let t0 = Instant::now();
        let mut a = asm(Terminator::Idle);
        a.push(b"12\r34", t0);
        assert_eq!(
            a.tick(t0 + Duration::from_millis(100)),
            Some(Frame::Line(b"12\r34".to_vec()))
        );
    }

    #[test]
    fn tab_terminator() {
        let mut a = asm(Terminator::Byte(b'\t'));
        assert_eq!(
            a.push(b"12\t", Instant::now()),
            vec![Frame::Line(b"12".to_vec())]
        );
    }

    #[test]
    fn decode_refuses_binary_and_control_bytes_and_keeps_persian() {
        assert_eq!(
            decode_text(&[0xff, 0xfe, 0x00]),
            Err(ScanError::NotText { bytes: 3 })
        );
        assert_eq!(
            decode_text(b"12\x0034"),
            Err(ScanError::NotText { bytes: 5 })
        );
        assert_eq!(decode_text(b"  "), Err(ScanError::NotText { bytes: 2 }));
        assert_eq!(decode_text(" ۰۰۱۲ ".as_bytes()).as_deref(), Ok("۰۰۱۲"));
    }
}
