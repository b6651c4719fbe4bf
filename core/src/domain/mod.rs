//! The shop's records, as typed views of the book (docs/product.md).
//!
//! Mutable records (customers, complaints, campaigns, templates, rules, devices, the shop) are
//! decoded from field registers with [`crate::book::RecordState::decode`]; every field has a
//! default so a record written by an older or newer app version still decodes. Immutable
//! entries (purchases, visits, contacts, ledger entries) are [`Entry`] values.

mod customer;
mod draft;
mod entry;
mod kind;
mod money;
mod more;
mod records;

pub use customer::*;
pub use draft::{
    CustomerDraft, DraftError, DraftField, key_of, parse_date, parse_past_date, source_key,
    split_tags,
};
pub use entry::*;
pub use kind::{Record, RecordKind};
pub use money::Money;
pub use more::{ChildDraft, DUE_DATE_MONTHS_AHEAD, MoreDraft, MoreField};
pub use records::*;
