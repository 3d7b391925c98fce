//! The dotted path (`kiosk.number`, `subject[2].id`) of the key written at a byte offset.
//!
//! The TOML parser reports a duplicate key by the span of the key alone (`number`), and the
//! same key name appears in many tables. The document is replayed through the parser's events
//! (table headers, `[[array]]` headers with their running index, dotted keys, inline tables and
//! arrays) up to that key to name its full path, as every other problem of the file does.

use std::collections::HashMap;

use toml_parser::decoder::Encoding;
use toml_parser::parser::EventReceiver;
use toml_parser::{ErrorSink, Source, Span};

/// The dotted path of the key whose span starts at `offset`, if one does.
pub(super) fn at(text: &str, offset: usize) -> Option<String> {
    let source = Source::new(text);
    let tokens = source.lex().into_vec();
    let mut walk = Walk {
        source,
        target: offset,
        found: None,
        header: String::new(),
        in_header: false,
        keys: Vec::new(),
        value_path: None,
        frames: Vec::new(),
        arrays: HashMap::new(),
        counts: HashMap::new(),
    };
    toml_parser::parser::parse_document(&tokens, &mut walk, &mut ());
    walk.found
}

enum Frame {
    Table(String),
    Array(String, usize),
}

struct Walk<'s> {
    source: Source<'s>,
    target: usize,
    found: Option<String>,
    /// Path of the table the current `[header]` opened.
    header: String,
    in_header: bool,
    /// Keys read since the header, `=` or `,` (a dotted key has several).
    keys: Vec<String>,
    /// Path of the value after `=`, until it opens an inline table or array.
    value_path: Option<String>,
    frames: Vec<Frame>,
    /// Current index of each array of tables, by its path without indices (`a.b`).
    arrays: HashMap<String, usize>,
    /// Elements of each array of tables so far, by its path with indices (`a[1].b`).
    counts: HashMap<String, usize>,
}

fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_owned()
    } else {
        format!("{base}.{key}")
    }
}

impl Walk<'_> {
    /// Where keys read now belong.
    fn context(&self) -> String {
        match self.frames.last() {
            None if self.in_header => String::new(),
            None => self.header.clone(),
            Some(Frame::Table(base)) => base.clone(),
            Some(Frame::Array(base, i)) => format!("{base}[{i}]"),
        }
    }

    fn with_keys(&self, base: String) -> String {
        self.keys.iter().fold(base, |path, key| join(&path, key))
    }

    /// A header's keys as a path, with the current index of each array of tables in it.
    fn resolve(&self, keys: &[String]) -> (String, String) {
        let (mut plain, mut path) = (String::new(), String::new());
        for key in keys {
            plain = join(&plain, key);
            path = join(&path, key);
            if let Some(i) = self.arrays.get(&plain) {
                path.push_str(&format!("[{i}]"));
            }
        }
        (plain, path)
    }

    fn close_header(&mut self, array: bool) {
        let keys = std::mem::take(&mut self.keys);
        self.in_header = false;
        if !array {
            self.header = self.resolve(&keys).1;
            return;
        }
        let Some((last, parents)) = keys.split_last() else {
            return;
        };
        let (plain, parent) = self.resolve(parents);
        let (plain, path) = (join(&plain, last), join(&parent, last));
        let count = self.counts.entry(path.clone()).or_insert(0);
        let index = *count;
        *count += 1;
        self.arrays.insert(plain, index);
        self.header = format!("{path}[{index}]");
    }

    fn open(&mut self, array: bool) {
        let base = self.value_path.take().unwrap_or_else(|| self.context());
        self.frames.push(if array {
            Frame::Array(base, 0)
        } else {
            Frame::Table(base)
        });
    }
}

impl EventReceiver for Walk<'_> {
    fn std_table_open(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.in_header = true;
        self.keys.clear();
    }

    fn std_table_close(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.close_header(false);
    }

    fn array_table_open(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.in_header = true;
        self.keys.clear();
    }

    fn array_table_close(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.close_header(true);
    }

    fn inline_table_open(&mut self, _span: Span, _error: &mut dyn ErrorSink) -> bool {
        self.open(false);
        true
    }

    fn inline_table_close(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.frames.pop();
        self.keys.clear();
    }

    fn array_open(&mut self, _span: Span, _error: &mut dyn ErrorSink) -> bool {
        self.open(true);
        true
    }

    fn array_close(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.frames.pop();
    }

    fn simple_key(&mut self, span: Span, encoding: Option<Encoding>, _error: &mut dyn ErrorSink) {
        let mut key = String::new();
        if let Some(raw) = self.source.get(span) {
            let raw = toml_parser::Raw::new_unchecked(raw.as_str(), encoding, span);
            raw.decode_key(&mut key, &mut ());
        }
        if span.start() == self.target && self.found.is_none() {
            let base = if self.in_header {
                self.resolve(&self.keys).1
            } else {
                self.with_keys(self.context())
            };
            self.found = Some(join(&base, &key));
            return;
        }
        self.keys.push(key);
    }

    fn key_val_sep(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        let path = self.with_keys(self.context());
        self.keys.clear();
        self.value_path = Some(path);
    }

    fn scalar(&mut self, _span: Span, _encoding: Option<Encoding>, _error: &mut dyn ErrorSink) {
        self.value_path = None;
    }

    fn value_sep(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        if let Some(Frame::Array(_, i)) = self.frames.last_mut() {
            *i += 1;
        }
        self.keys.clear();
    }

    fn newline(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        if self.frames.is_empty() {
            self.keys.clear();
            self.value_path = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::at;

    fn path_of(text: &str, marker: &str) -> Option<String> {
        let offset = text.rfind(marker).expect("marker in text");
        at(text, offset)
    }

    #[test]
    fn keys_are_named_by_their_full_path() {
        let text = "top = 1\n[kiosk]\nnumber = 1\nnumber = 2\n";
        assert_eq!(path_of(text, "number").as_deref(), Some("kiosk.number"));
        assert_eq!(path_of(text, "top").as_deref(), Some("top"));
        let dotted = "[a]\nb.c = 1\nb.\"q d\" = 2\n";
        assert_eq!(path_of(dotted, "\"q d\"").as_deref(), Some("a.b.q d"));
        let header = "[kiosk]\nx = 1\n[printer.usb]\n[kiosk]\n";
        assert_eq!(path_of(header, "kiosk").as_deref(), Some("kiosk"));
        assert_eq!(path_of(header, "usb").as_deref(), Some("printer.usb"));
    }

    #[test]
    fn arrays_of_tables_and_inline_values_count_their_elements() {
        let text = "[[subject]]\nid = 1\n[[subject]]\nid = 2\n[[subject.x]]\n[[subject.x]]\nk = 1\n[[subject]]\nid = 3\nid = 4\n";
        assert_eq!(path_of(text, "id").as_deref(), Some("subject[2].id"));
        assert_eq!(path_of(text, "k").as_deref(), Some("subject[1].x[1].k"));
        let inline = "[t]\nv = [{ a = 1 }, { a = 2, b = { c = 1, c = 2 } }]\n";
        assert_eq!(path_of(inline, "c").as_deref(), Some("t.v[1].b.c"));
        assert_eq!(at(inline, 1000), None);
    }
}
