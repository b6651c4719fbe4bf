//! The kinds of mutable record, and the [`Record`] trait that ties each typed record to its
//! kind and its set-valued fields — so a record is never read or written as another kind.

use super::{Campaign, Complaint, Customer, Device, Rules, Shop, Template};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The kinds of mutable record in a book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// The shop itself (one record).
    Shop,
    /// A customer profile.
    Customer,
    /// A complaint and its handling.
    Complaint,
    /// A marketing campaign.
    Campaign,
    /// A message template.
    Template,
    /// The shop's rules (one record).
    Rules,
    /// A staff member's device.
    Device,
}

impl RecordKind {
    /// Every kind, in code order.
    pub const ALL: [RecordKind; 7] = [
        RecordKind::Shop,
        RecordKind::Customer,
        RecordKind::Complaint,
        RecordKind::Campaign,
        RecordKind::Template,
        RecordKind::Rules,
        RecordKind::Device,
    ];

    /// The kind's one-byte code in binary encodings (frozen: new kinds get new codes).
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The kind with `code`, if this version knows it.
    pub fn from_code(code: u8) -> Option<RecordKind> {
        RecordKind::ALL.get(usize::from(code)).copied()
    }
}

/// A typed mutable record: its kind in the book, and which of its fields are sets (stored one
/// register per member, so concurrent additions on two devices both survive).
pub trait Record: Serialize + DeserializeOwned {
    /// Its kind.
    const KIND: RecordKind;
    /// Its set-valued fields.
    const SETS: &'static [&'static str] = &[];
}

impl Record for Customer {
    const KIND: RecordKind = RecordKind::Customer;
    const SETS: &'static [&'static str] = &["tags", "interests"];
}

impl Record for Complaint {
    const KIND: RecordKind = RecordKind::Complaint;
}

impl Record for Campaign {
    const KIND: RecordKind = RecordKind::Campaign;
    const SETS: &'static [&'static str] = &["review_notes"];
}

impl Record for Template {
    const KIND: RecordKind = RecordKind::Template;
}

impl Record for Rules {
    const KIND: RecordKind = RecordKind::Rules;
}

impl Record for Device {
    const KIND: RecordKind = RecordKind::Device;
}

impl Record for Shop {
    const KIND: RecordKind = RecordKind::Shop;
}
