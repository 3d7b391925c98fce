//! One pass of the collecting deserializer ([`super::de`]): where it is in the file, what it
//! noted, which required fields it found missing, and the error that unwinds it.

use std::collections::HashSet;
use std::fmt;

use serde::de;
use toml::Spanned;
use toml::de::DeValue;

use crate::clip;

/// Required fields learned from earlier passes: (serde's struct name, field).
pub(super) type Required = HashSet<(&'static str, &'static str)>;

/// One problem noted in a pass.
pub(super) struct Found {
    /// Dotted path of the key.
    pub key: String,
    /// Byte offset in the file, when there is a place to point at.
    pub offset: Option<usize>,
    /// What is wrong.
    pub reason: String,
}

/// Why a pass stopped.
#[derive(Debug)]
pub(super) enum Error {
    /// A required field is missing (serde says so only after reading its table).
    Missing(&'static str),
    /// A visitor refused a value for its own reasons; not noted yet.
    Other(String),
    /// Noted where it happened; the pass just unwinds.
    Noted,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing(field) => write!(f, "missing field `{field}`"),
            Self::Other(message) => f.write_str(message),
            Self::Noted => f.write_str("noted"),
        }
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self::Other(message.to_string())
    }

    fn missing_field(field: &'static str) -> Self {
        Self::Missing(field)
    }
}

/// One step of the path to a value: a key or an array index.
pub(super) enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// What one pass over the tree shares: where it is, what it found, what it learned.
pub(super) struct Pass<'a, 'r> {
    /// Where the value being read is.
    pub(super) path: Vec<Seg<'a>>,
    /// Required fields learned from earlier passes.
    pub(super) required: &'r Required,
    /// Problems noted.
    pub found: Vec<Found>,
    /// Required fields found missing in this pass (it ended there).
    pub learned: Vec<(&'static str, &'static str)>,
}

impl<'a, 'r> Pass<'a, 'r> {
    pub(super) fn new(required: &'r Required) -> Self {
        Self {
            path: Vec::new(),
            required,
            found: Vec::new(),
            learned: Vec::new(),
        }
    }

    fn key(&self) -> String {
        let mut key = String::new();
        for seg in &self.path {
            match seg {
                Seg::Key(name) => {
                    if !key.is_empty() {
                        key.push('.');
                    }
                    key.push_str(name);
                }
                Seg::Index(i) => key.push_str(&format!("[{i}]")),
            }
        }
        key
    }

    pub(super) fn note(&mut self, offset: Option<usize>, reason: String) {
        let key = self.key();
        self.found.push(Found {
            key,
            offset,
            reason,
        });
    }

    pub(super) fn wrong(&mut self, value: &Spanned<DeValue<'_>>, expected: &str) {
        let found = match value.get_ref() {
            DeValue::String(s) => format!("string {}", clip::quoted(s)),
            DeValue::Integer(i) => format!("integer {}", clip::text(&i.to_string())),
            DeValue::Float(x) => format!("float {}", clip::text(&x.to_string())),
            DeValue::Boolean(b) => format!("boolean {b}"),
            DeValue::Datetime(d) => format!("date-time {d}"),
            DeValue::Array(_) => "an array".to_owned(),
            DeValue::Table(_) => "a table".to_owned(),
        };
        self.note(
            Some(value.span().start),
            format!("invalid type: {found}, expected {expected}"),
        );
    }

    /// Notes an error a visitor raised here, once.
    pub(super) fn settle<T>(&mut self, result: Result<T, Error>) -> Result<T, Error> {
        match result {
            Err(Error::Other(message)) => {
                self.note(None, message);
                Err(Error::Noted)
            }
            other => other,
        }
    }
}
