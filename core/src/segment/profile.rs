//! The profile fields the analytics read, taken straight from a customer record's registers
//! (decoding whole profiles of every customer would cost more than the rest of the analysis).

use crate::book::RecordState;
use chrono::{NaiveDate, NaiveDateTime};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The profile fields the analytics use besides the children.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Flagged VIP by the shop.
    pub vip: bool,
    /// Never list for follow-ups.
    pub do_not_contact: bool,
    /// The day the profile was created.
    pub created_on: Option<NaiveDate>,
    /// Birthday.
    pub birthday: Option<NaiveDate>,
}

/// A child's dates, at the child's position in the profile's list of children.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildDates {
    /// Birthday, once born.
    pub birthday: Option<NaiveDate>,
    /// Due date, before birth.
    pub due_date: Option<NaiveDate>,
}

impl Profile {
    /// Reads the fields and the children's dates from a customer record's registers, as a full
    /// decode would (a field that is absent or does not decode takes its default; a date-time's
    /// day is read from its leading date), without decoding the rest.
    pub fn read(state: &RecordState) -> (Profile, Vec<ChildDates>) {
        let (mut profile, mut children) = (Profile::default(), Vec::new());
        // One walk in field order: each lookup by name would compare against many keys, every
        // one a separate allocation, and that is what reading 20,000 profiles waits on.
        for (name, reg) in &state.fields {
            let v = &reg.value;
            match name.as_str() {
                "vip" => profile.vip = v.as_bool().unwrap_or(false),
                "do_not_contact" => profile.do_not_contact = v.as_bool().unwrap_or(false),
                "created_at" if v.is_string() => {
                    profile.created_on =
                        leading_date(v).or_else(|| decode::<NaiveDateTime>(v).map(|t| t.date()))
                }
                "birthday" => profile.birthday = date(v),
                "children" => children = self::children(v).unwrap_or_default(),
                _ => {}
            }
        }
        (profile, children)
    }
}

fn decode<T: DeserializeOwned>(v: &Value) -> Option<T> {
    T::deserialize(v).ok()
}

/// A date field: `YYYY-MM-DD` read directly, any other text through its serde form (a date is
/// only ever text, so nothing else is tried: a failed decode costs an error message).
fn date(v: &Value) -> Option<NaiveDate> {
    let text = v.as_str()?;
    leading_date(v)
        .filter(|_| text.len() == 10)
        .or_else(|| decode(v))
}

/// The date at the start of a `YYYY-MM-DD…` text (a date or a date-time), read without the
/// general parser.
fn leading_date(v: &Value) -> Option<NaiveDate> {
    let b = v.as_str()?.as_bytes();
    if b.len() < 10
        || b[4] != b'-'
        || b[7] != b'-'
        || (b.len() > 10 && b[10] != b'T' && b[10] != b' ')
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// The children's dates, each child's fields read directly.
fn children(v: &Value) -> Option<Vec<ChildDates>> {
    let list = v.as_array()?;
    Some(
        list.iter()
            .map(|c| ChildDates {
                birthday: c.get("birthday").and_then(date),
                due_date: c.get("due_date").and_then(date),
            })
            .collect(),
    )
}
