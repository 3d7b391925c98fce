//! Closed sets of values stored as short snake_case text (states, kinds, variants).
//!
//! The schema guards each such column with a `CHECK (col IN (...))`; on the Rust side one macro
//! gives every set the same shape: `ALL`, `as_str`, `parse`, `Display` and the rusqlite
//! conversions, so a value can never be written under one spelling and read under another.

/// Declares a `Copy` enum whose variants are stored as the given text.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)+];

            /// The stored text.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            /// The value stored as `text`, if any.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                let text = value.as_str()?;
                Self::parse(text).ok_or_else(|| {
                    rusqlite::types::FromSqlError::Other(
                        format!("{:?} is not a {}", text, stringify!($name)).into(),
                    )
                })
            }
        }
    };
}

pub(crate) use text_enum;

/// A closed set declared outside the store (kiosk-core's plain domain data, where the rusqlite
/// conversions cannot be implemented), stored as its text through [`Stored`].
pub(crate) trait StoredText: Copy + Sized {
    /// The set's name, for the error of a value that is not in it.
    const NAME: &'static str;
    /// The stored text.
    fn text(self) -> &'static str;
    /// The value stored as `text`, if any.
    fn from_text(text: &str) -> Option<Self>;
}

/// A [`StoredText`] value on its way into or out of a column.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stored<T>(pub T);

impl<T: StoredText> rusqlite::ToSql for Stored<T> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::from(self.0.text()))
    }
}

impl<T: StoredText> rusqlite::types::FromSql for Stored<T> {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let text = value.as_str()?;
        T::from_text(text).map(Stored).ok_or_else(|| {
            rusqlite::types::FromSqlError::Other(format!("{:?} is not a {}", text, T::NAME).into())
        })
    }
}

/// Implements [`StoredText`] for kiosk-core sets that have `as_str` and `parse`.
macro_rules! stored_text {
    ($($name:ident),+) => {
        $(
            impl StoredText for kiosk_core::$name {
                const NAME: &'static str = stringify!($name);
                fn text(self) -> &'static str {
                    self.as_str()
                }
                fn from_text(text: &str) -> Option<Self> {
                    Self::parse(text)
                }
            }
        )+
    };
}

stored_text!(Occupation, MeetingResult, RatingReason);
