//! A table's entries and an array's elements handed to serde's visitors, each value read
//! through [`ValueDe`] with its key or index on the pass's path.

use serde::de::{DeserializeSeed, IntoDeserializer as _, MapAccess, SeqAccess};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::de::{Input, ValueDe};
use super::pass::{Error, Pass, Seg};

/// Entries of a table handed to a visitor as a map.
pub(super) struct Entries<'a, 'p, 'r> {
    pub(super) entries: std::vec::IntoIter<(&'a str, Input<'a>)>,
    pub(super) pending: Option<(&'a str, Input<'a>)>,
    pub(super) pass: &'p mut Pass<'a, 'r>,
}

impl<'de> MapAccess<'de> for Entries<'_, '_, '_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, input)) = self.entries.next() else {
            return Ok(None);
        };
        self.pending = Some((key, input));
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let Some((key, input)) = self.pending.take() else {
            return Err(Error::Other(
                "a value was asked for before its key".to_owned(),
            ));
        };
        self.pass.path.push(Seg::Key(key));
        let result = seed.deserialize(ValueDe {
            input,
            pass: &mut *self.pass,
        });
        let result = self.pass.settle(result);
        self.pass.path.pop();
        result
    }
}

/// Elements of an array handed to a visitor as a sequence.
pub(super) struct Items<'a, 'p, 'r> {
    pub(super) items: std::iter::Enumerate<std::slice::Iter<'a, Spanned<DeValue<'a>>>>,
    pub(super) pass: &'p mut Pass<'a, 'r>,
}

impl<'de> SeqAccess<'de> for Items<'_, '_, '_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some((i, item)) = self.items.next() else {
            return Ok(None);
        };
        self.pass.path.push(Seg::Index(i));
        let result = seed.deserialize(ValueDe {
            input: Input::Real(item),
            pass: &mut *self.pass,
        });
        let result = self.pass.settle(result);
        self.pass.path.pop();
        result.map(Some)
    }
}

/// Every entry of a table, as read.
pub(super) fn all_entries<'a>(table: &'a DeTable<'a>) -> Vec<(&'a str, Input<'a>)> {
    table
        .iter()
        .map(|(key, value)| (key.get_ref().as_ref(), Input::Real(value)))
        .collect()
}
