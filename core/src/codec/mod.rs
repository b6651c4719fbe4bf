//! Huike's compact binary encodings, shared by the device's storage, the sync payloads and the
//! server's snapshots.
//!
//! - [`bytes`]: the primitives (varints, zigzag integers, length-prefixed bytes); [`image`]:
//!   helpers for the images of the views kept beside the book.
//! - [`value`]: JSON values (field values, entries) in a self-describing binary form.
//! - [`ops`]: operations, one at a time and as a sync batch's payload.
//! - [`snapshot`]: a whole book, column by column, compressed and cut into parts.
//!
//! Every encoding is versioned and forward compatible: what a newer app version writes and this
//! one cannot read (an op kind, an entry kind, a field, an enum value) is kept as it came and
//! passed on, never a reason to fail or to drop data.

pub mod bytes;
pub mod image;
pub mod ops;
pub mod snapshot;
pub mod value;

/// Why bytes could not be decoded: what was wrong and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what} (at byte {at})")]
pub struct DecodeError {
    /// What was wrong.
    pub what: String,
    /// The byte offset where it was found.
    pub at: usize,
}

impl DecodeError {
    /// An error about the bytes at `at`.
    pub fn new(what: impl Into<String>, at: usize) -> DecodeError {
        DecodeError {
            what: what.into(),
            at,
        }
    }

    /// An error with no position (from a typed decode).
    pub fn message(what: String) -> DecodeError {
        DecodeError { what, at: 0 }
    }
}

/// Compresses `bytes` (raw deflate, as every part of a snapshot and every batch payload is).
pub fn compress(bytes: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec(bytes, 6)
}

/// Decompresses what [`compress`] made, refusing to grow past `limit` bytes (a hostile
/// payload cannot exhaust memory).
pub fn decompress(bytes: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    miniz_oxide::inflate::decompress_to_vec_with_limit(bytes, limit)
        .map_err(|e| DecodeError::new(format!("cannot decompress: {:?}", e.status), 0))
}
