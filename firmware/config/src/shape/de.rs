//! A serde deserializer over the parsed TOML tree that does not stop at the first wrong value.
//!
//! serde's derived code gives up at the first error, so a file with three wrong values used to
//! be reported one value at a time. Here every value is checked against what its field asks for
//! (a whole number, a string, a table, one of an enum's names) *before* it is handed over; a
//! wrong one is noted with its key and offset and a stand-in of the asked type (`0`, `""`, an
//! empty table…) is handed over instead, so the rest of the file is still checked. Unknown keys
//! are noted and skipped: every table of the schema refuses unknown keys. A missing required
//! field is only reported by serde after its table, too late to stand in for it; the pass then
//! ends with `Error::Missing`, `super` learns the (table, field) pair and runs a new pass that
//! notes the field as missing wherever that table lacks it and stands in for it.

use serde::de::{self, IntoDeserializer as _, Visitor};
use toml::Spanned;
use toml::de::DeValue;

use super::access::{Entries, Items, all_entries};
use super::pass::{Error, Pass, Seg};
use crate::clip;

/// A value of the file, or a stand-in for a wrong or missing one (with where to point).
#[derive(Clone, Copy)]
pub(super) enum Input<'a> {
    Real(&'a Spanned<DeValue<'a>>),
    StandIn(Option<usize>),
}

/// Deserializes one value (the root table first).
pub(super) struct ValueDe<'a, 'p, 'r> {
    pub(super) input: Input<'a>,
    pub(super) pass: &'p mut Pass<'a, 'r>,
}

impl<'a, 'p, 'r> ValueDe<'a, 'p, 'r> {
    pub(super) fn root(root: &'a Spanned<DeValue<'a>>, pass: &'p mut Pass<'a, 'r>) -> Self {
        Self {
            input: Input::Real(root),
            pass,
        }
    }

    /// The real value when `accept` takes it, else notes it as wrong; `None` means stand in.
    fn take<T>(
        &mut self,
        expected: &str,
        accept: impl FnOnce(&'a DeValue<'a>) -> Option<T>,
    ) -> Option<T> {
        let Input::Real(value) = self.input else {
            return None;
        };
        let taken = accept(value.get_ref());
        if taken.is_none() {
            self.pass.wrong(value, expected);
        }
        taken
    }

    fn offset(&self) -> Option<usize> {
        match self.input {
            Input::Real(value) => Some(value.span().start),
            Input::StandIn(offset) => offset,
        }
    }
}

fn integer(value: &DeValue<'_>) -> Option<Result<i64, String>> {
    match value {
        DeValue::Integer(i) => Some(i64::from_str_radix(i.as_str(), i.radix()).map_err(|_| {
            format!(
                "invalid value: integer {} is out of range",
                clip::text(&i.to_string())
            )
        })),
        _ => None,
    }
}

macro_rules! integers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.whole_number(visitor)
        }
    )*};
}

impl ValueDe<'_, '_, '_> {
    fn whole_number<'de, V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Error> {
        match self.take("a whole number", integer) {
            Some(Ok(n)) => visitor.visit_i64(n),
            Some(Err(reason)) => {
                let offset = self.offset();
                self.pass.note(offset, reason);
                visitor.visit_i64(0)
            }
            None => visitor.visit_i64(0),
        }
    }
}

impl<'de> de::Deserializer<'de> for ValueDe<'_, '_, '_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let Input::Real(value) = self.input else {
            return visitor.visit_unit();
        };
        match value.get_ref() {
            DeValue::String(s) => visitor.visit_str(s),
            DeValue::Integer(_) => self.whole_number(visitor),
            DeValue::Float(_) => self.deserialize_f64(visitor),
            DeValue::Boolean(b) => visitor.visit_bool(*b),
            DeValue::Datetime(d) => visitor.visit_string(d.to_string()),
            DeValue::Array(_) => self.deserialize_seq(visitor),
            DeValue::Table(_) => self.deserialize_map(visitor),
        }
    }

    integers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
    }

    fn deserialize_bool<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Error> {
        let b = self.take("true or false", |v| match v {
            DeValue::Boolean(b) => Some(*b),
            _ => None,
        });
        visitor.visit_bool(b.unwrap_or_default())
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Error> {
        if let Input::Real(value) = self.input
            && let Some(Ok(n)) = integer(value.get_ref())
        {
            return visitor.visit_i64(n);
        }
        let x = self.take("a number", |v| match v {
            DeValue::Float(x) => x.as_str().parse::<f64>().ok(),
            _ => None,
        });
        visitor.visit_f64(x.unwrap_or_default())
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Error> {
        let s = self.take("a string", |v| match v {
            DeValue::String(s) => Some(s.as_ref()),
            _ => None,
        });
        visitor.visit_str(s.unwrap_or_default())
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.input {
            Input::Real(_) => visitor.visit_some(self),
            Input::StandIn(_) => visitor.visit_none(),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Error> {
        let items = self
            .take("an array", |v| match v {
                DeValue::Array(a) => Some(a.iter()),
                _ => None,
            })
            .unwrap_or_else(|| [].iter());
        visitor.visit_seq(Items {
            items: items.enumerate(),
            pass: self.pass,
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Error> {
        let entries = self
            .take("a table", |v| match v {
                DeValue::Table(t) => Some(all_entries(t)),
                _ => None,
            })
            .unwrap_or_default();
        visitor.visit_map(Entries {
            entries: entries.into_iter(),
            pending: None,
            pass: self.pass,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        mut self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let offset = self.offset();
        let table = self.take("a table", |v| match v {
            DeValue::Table(t) => Some(t),
            _ => None,
        });
        let mut entries = Vec::new();
        match table {
            Some(table) => {
                for (key, value) in table.iter() {
                    let key_name: &str = key.get_ref();
                    if fields.contains(&key_name) {
                        entries.push((key_name, Input::Real(value)));
                    } else {
                        self.pass.path.push(Seg::Key(key_name));
                        self.pass.note(
                            Some(key.span().start),
                            format!(
                                "unknown field `{}`, expected {}",
                                clip::text(key_name),
                                one_of(fields)
                            ),
                        );
                        self.pass.path.pop();
                    }
                }
                let required = self.pass.required;
                for &(_, field) in required.iter().filter(|(table, _)| *table == name) {
                    if !entries.iter().any(|(key, _)| *key == field) {
                        let at = if self.pass.path.is_empty() {
                            None
                        } else {
                            offset
                        };
                        self.pass.note(at, format!("missing field `{field}`"));
                        entries.push((field, Input::StandIn(offset)));
                    }
                }
            }
            // Stand in for every field: nothing inside a wrong or missing table is reported.
            None => entries.extend(fields.iter().map(|f| (*f, Input::StandIn(offset)))),
        }
        let result = visitor.visit_map(Entries {
            entries: entries.into_iter(),
            pending: None,
            pass: &mut *self.pass,
        });
        match result {
            Err(Error::Missing(field)) => {
                self.pass.learned.push((name, field));
                Err(Error::Noted)
            }
            other => other,
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        mut self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let expected = one_of(variants);
        let offset = self.offset();
        let name = self.take(&expected, |v| match v {
            DeValue::String(s) => Some(s.as_ref()),
            _ => None,
        });
        let known = match name {
            Some(name) if variants.contains(&name) => name,
            Some(name) => {
                self.pass.note(
                    offset,
                    format!(
                        "unknown variant {}, expected {expected}",
                        clip::quoted(name)
                    ),
                );
                variants.first().copied().unwrap_or_default()
            }
            None => variants.first().copied().unwrap_or_default(),
        };
        visitor.visit_enum(known.into_deserializer())
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

/// "`a`, `b` or `c`" as serde words it: "one of `a`, `b`, `c`".
fn one_of(names: &[&str]) -> String {
    match names {
        [] => "nothing".to_owned(),
        [one] => format!("`{one}`"),
        _ => format!(
            "one of {}",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
