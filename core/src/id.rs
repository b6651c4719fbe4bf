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

    /// The id a device makes for a new record or entry: a UUIDv7 whose time is the stamp's
    /// and whose 74 "random" bits are the stamp's counter (26 bits) and the low 48 bits of the
    /// device's node id. Unique because stamps are (one device never stamps twice, and two
    /// devices of a shop share the low 48 bits of their random node ids with odds of 2⁻⁴⁸),
    /// and cheap to store: a shop's ids differ mostly in their time, so a snapshot compresses
    /// them to a few bytes each where random ones would keep all ten random bytes.
    pub fn from_stamp(at: crate::hlc::Hlc) -> Self {
        let tail: u128 =
            (u128::from(at.c & 0x3ff_ffff) << 48) | u128::from(at.n & 0xffff_ffff_ffff);
        let mut b = [0u8; 16];
        b[..6].copy_from_slice(&at.ms.to_be_bytes()[2..]);
        b[6] = 0x70 | ((tail >> 70) & 0x0f) as u8;
        b[7] = (tail >> 62) as u8;
        b[8] = 0x80 | ((tail >> 56) & 0x3f) as u8;
        b[9..].copy_from_slice(&(tail as u64).to_be_bytes()[1..]);
        Id(uuid::Uuid::from_bytes(b).hyphenated().to_string())
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

    /// An id taken from the book, which only holds ids that were checked when they came in.
    pub(crate) fn trusted(text: &str) -> Self {
        Id(text.to_owned())
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
    fn stamp_ids_are_version_7_unique_per_stamp_and_sort_by_time() {
        use crate::hlc::Hlc;
        let at = |ms, c, n| Id::from_stamp(Hlc { ms, c, n });
        let a = at(1_700_000_000_000, 0, 0xdead_beef_cafe_f00d);
        let parsed = uuid::Uuid::parse_str(a.as_str()).unwrap();
        assert_eq!(parsed.get_version_num(), 7);
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(
            parsed.get_timestamp().unwrap().to_unix(),
            (1_700_000_000, 0)
        );
        let others = [
            at(1_700_000_000_000, 1, 0xdead_beef_cafe_f00d),
            at(1_700_000_000_000, 0x3ff_ffff, 0xdead_beef_cafe_f00d),
            at(1_700_000_000_000, 0, 0xdead_beef_cafe_f00e),
            at(1_700_000_000_001, 0, 0xdead_beef_cafe_f00d),
        ];
        for o in &others {
            assert_ne!(&a, o);
        }
        assert!(a < others[3], "later time sorts later");
    }

    #[test]
    fn parse_rejects_empty_long_and_control() {
        assert_eq!(Id::parse("  "), Err(IdError::Empty));
        assert!(Id::parse(&"x".repeat(65)).is_err());
        assert!(Id::parse("a\u{0}b").is_err());
        assert_eq!(Id::parse(" C-001 ").unwrap().as_str(), "C-001");
    }
}
