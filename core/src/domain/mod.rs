//! The shop's records, as typed views of the book (docs/product.md).
//!
//! Mutable records (customers, complaints, campaigns, templates, rules, devices, the shop) are
//! decoded from field registers with [`crate::book::RecordState::decode`]; every field has a
//! default so a record written by an older or newer app version still decodes. Immutable
//! entries (purchases, visits, contacts, ledger entries) are [`Entry`] values.

mod campaign_form;
mod customer;
mod draft;
mod entry;
mod key_dates;
mod kind;
mod ledger_form;
mod money;
mod more;
mod records;
mod wallet;

pub use campaign_form::{
    CampaignDraft, CampaignError, CampaignErrors, CampaignField, DaysSince, MAX_CAMPAIGN_BUDGET,
    MAX_DAYS_SINCE, MAX_HOLDOUT_PERCENT, days_since, held_out, holdout_percent,
};
pub use customer::*;
pub use draft::{
    CustomerDraft, DraftError, DraftField, key_of, parse_date, parse_past_date, source_key,
    split_tags,
};
pub use entry::*;
pub use key_dates::{age_on, anniversary_lines, child_line, next_return};
pub use kind::{Record, RecordKind};
pub use ledger_form::{
    LedgerError, LedgerField, MAX_LEDGER_AMOUNT, MAX_PICKUP_INTERVAL_MONTHS, MAX_PICKUPS,
    MAX_POINTS_AT_ONCE, PickupPlan, PickupPlanDraft, PointsAction, StoredValueAction,
    monthly_due_dates, points_change, stored_value_change,
};
pub use money::Money;
pub use more::{ChildDraft, DUE_DATE_MONTHS_AHEAD, MoreDraft, MoreField};
pub use records::*;
pub use wallet::{Plan, Wallet, pickup_entry_id};
