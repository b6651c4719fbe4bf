//! Globally unique record ids (UUIDv7), created on the device.
//!
//! Core is pure: the caller supplies the time and the random bits, so the same code runs in the
//! browser, in the worker and in tests.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A record id: a UUIDv7 in its hyphenated text form. Ordering follows creation time.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Id(String);

impl Id {
    /// The smallest id (empty text): where a range over ids starts. Never a record's id.
    pub(crate) const MIN: Id = Id(String::new());

    /// A UUIDv7 from a Unix time in milliseconds and 10 random bytes.
    pub fn v7(unix_ms: u64, random: [u8; 10]) -> Self {
        let id = uuid::Builder::from_unix_timestamp_millis(unix_ms, &random).into_uuid();
        Id(id.hyphenated().to_string())
    }

    /// Wraps an id read from elsewhere (an import file, a URL). Accepts any non-empty text
    /// without control characters, at most 64 bytes, so ids from other systems survive a round trip.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(IdError::Empty);
        }
        if t.len() > 64 || t.chars().any(char::is_control) {
            return Err(IdError::Invalid(t.chars().take(80).collect()));
        }
        Ok(Id(t.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Ids compare, hash and order as their text, so maps keyed by id can be searched by text.
impl std::borrow::Borrow<str> for Id {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a text is not an id.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdError {
    /// The text was empty.
    #[error("id is empty")]
    Empty,
    /// The text was too long or had control characters.
    #[error("not a valid id: {0:?}")]
    Invalid(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v7_ids_sort_by_time_and_differ_by_randomness() {
        let a = Id::v7(1_700_000_000_000, [1; 10]);
        let b = Id::v7(1_700_000_000_001, [0; 10]);
        let c = Id::v7(1_700_000_000_000, [2; 10]);
        assert!(a < b);
        assert_ne!(a, c);
        assert_eq!(a.as_str().len(), 36);
        assert_eq!(&a.as_str()[14..15], "7", "version nibble");
    }

    #[test]
    fn parse_rejects_empty_long_and_control() {
        assert_eq!(Id::parse("  "), Err(IdError::Empty));
        assert!(Id::parse(&"x".repeat(65)).is_err());
        assert!(Id::parse("a\u{0}b").is_err());
        assert_eq!(Id::parse(" C-001 ").unwrap().as_str(), "C-001");
    }
}
