//! A customer form as typed: text in every field, turned into a [`Customer`] — or refused,
//! naming each field that is wrong — by one set of rules every form shares. A mistyped value
//! is never silently dropped: a date that does not exist, a phone that is not one, a blank
//! name are each refused next to their field, and nothing is saved.

use super::{Customer, Source, validate_phone};
use chrono::{NaiveDate, NaiveDateTime};
use std::collections::BTreeSet;

/// The fields of a customer form, as typed. `None` for a field the form does not show (quick
/// add shows name, phone, tags and source): the customer keeps what it had.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CustomerDraft {
    /// Name or nickname.
    pub name: String,
    /// The main phone number.
    pub phone: String,
    /// Tags, separated by spaces or commas (，、 too).
    pub tags: String,
    /// The source channel's key (`walk_in`, `douyin`, …), empty for none.
    pub source: String,
    /// WeChat id.
    pub wechat: Option<String>,
    /// Birthday, `YYYY-MM-DD` (as a date input gives it), empty for none.
    pub birthday: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

/// A form field a [`DraftError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DraftField {
    /// Name.
    Name,
    /// Phone.
    Phone,
    /// Source.
    Source,
    /// Birthday.
    Birthday,
}

/// What is wrong with a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DraftError {
    /// It must not be empty.
    Required,
    /// Not a phone number (an 11-digit mainland mobile, a landline with its area code, or an
    /// international number with `+`).
    NotAPhone,
    /// Not a date that exists (`YYYY-MM-DD`).
    NotADate,
    /// A date after today.
    InTheFuture,
    /// A date further ahead than it can be (a due date more than ten months away).
    TooFarAhead,
    /// Not an amount of money (or a negative one).
    NotAnAmount,
    /// A maximum below its minimum.
    BelowMinimum,
    /// Not one of the choices.
    Unknown,
}

impl CustomerDraft {
    /// The form filled from `customer`, every field shown (`full`) or the quick ones only.
    pub fn of(customer: &Customer, full: bool) -> CustomerDraft {
        CustomerDraft {
            name: customer.name.clone(),
            phone: customer.phone().unwrap_or_default().to_owned(),
            tags: customer.tags.iter().cloned().collect::<Vec<_>>().join(" "),
            source: customer.source.map(source_key).unwrap_or_default(),
            wechat: full.then(|| customer.wechat.clone()),
            birthday: full.then(|| customer.birthday.map(|d| d.to_string()).unwrap_or_default()),
            notes: full.then(|| customer.notes.clone()),
        }
    }

    /// `base` with this draft's fields (dates checked against `now`), or every problem with its
    /// field. A second phone number the form does not show is kept.
    pub fn apply(
        &self,
        base: &Customer,
        now: NaiveDateTime,
    ) -> Result<Customer, Vec<(DraftField, DraftError)>> {
        let mut errors = Vec::new();
        let mut c = base.clone();
        c.name = self.name.trim().to_owned();
        if c.name.is_empty() {
            errors.push((DraftField::Name, DraftError::Required));
        }
        let rest: Vec<String> = base.phones.iter().skip(1).cloned().collect();
        c.phones = if self.phone.trim().is_empty() {
            rest
        } else {
            match validate_phone(&self.phone) {
                Ok(p) => std::iter::once(p).chain(rest).collect(),
                Err(_) => {
                    errors.push((DraftField::Phone, DraftError::NotAPhone));
                    base.phones.clone()
                }
            }
        };
        c.tags = split_tags(&self.tags);
        c.source = match self.source.trim() {
            "" => None,
            key => match serde_json::from_value::<Source>(serde_json::Value::String(key.into())) {
                Ok(s) => Some(s),
                Err(_) => {
                    errors.push((DraftField::Source, DraftError::Unknown));
                    base.source
                }
            },
        };
        if let Some(wechat) = &self.wechat {
            c.wechat = wechat.trim().to_owned();
        }
        if let Some(notes) = &self.notes {
            c.notes = notes.clone();
        }
        if let Some(birthday) = &self.birthday {
            match parse_past_date(birthday, now.date()) {
                Ok(d) => c.birthday = d,
                Err(e) => errors.push((DraftField::Birthday, e)),
            }
        }
        if errors.is_empty() {
            Ok(c)
        } else {
            Err(errors)
        }
    }
}

/// Tags as typed: separated by spaces, commas (also `，` and `、`), each once.
pub fn split_tags(text: &str) -> BTreeSet<String> {
    text.split([' ', ',', '，', '、', '\u{3000}'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A date as a form gives it (`YYYY-MM-DD`), empty for none, refused when it does not exist
/// (a next follow-up date).
pub fn parse_date(text: &str) -> Result<Option<NaiveDate>, DraftError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| DraftError::NotADate)
}

/// [`parse_date`], also refused when after `today` (a birthday, a visit, a sale).
pub fn parse_past_date(text: &str, today: NaiveDate) -> Result<Option<NaiveDate>, DraftError> {
    match parse_date(text)? {
        Some(date) if date > today => Err(DraftError::InTheFuture),
        other => Ok(other),
    }
}

/// A source channel's key (`walk_in`, `douyin`, …).
pub fn source_key(source: Source) -> String {
    key_of(&source)
}

/// A choice's key as serde writes it (`walk_in`, `female`, `reached`, …); empty for a value
/// that is not written as text.
pub fn key_of<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDateTime {
        "2026-11-29T10:00:00".parse().unwrap()
    }

    fn draft() -> CustomerDraft {
        CustomerDraft {
            name: " 张三 ".into(),
            phone: "138 0013 8000".into(),
            tags: "VIP，奶粉 二胎,VIP".into(),
            source: "douyin".into(),
            wechat: Some(" zs_wx ".into()),
            birthday: Some("1990-02-28".into()),
            notes: Some("周末来".into()),
        }
    }

    #[test]
    fn a_good_draft_makes_the_customer() {
        let c = draft().apply(&Customer::default(), now()).unwrap();
        assert_eq!(c.name, "张三");
        assert_eq!(c.phones, vec!["13800138000".to_owned()]);
        assert_eq!(c.tags.iter().collect::<Vec<_>>(), ["VIP", "二胎", "奶粉"]);
        assert_eq!(c.source, Some(Source::Douyin));
        assert_eq!(c.wechat, "zs_wx");
        assert_eq!(c.birthday, NaiveDate::from_ymd_opt(1990, 2, 28));
        assert_eq!(
            CustomerDraft::of(&c, true).apply(&c, now()).unwrap(),
            c,
            "a round trip changes nothing"
        );
    }

    #[test]
    fn every_bad_field_is_named_and_nothing_is_made() {
        let bad = CustomerDraft {
            name: "  ".into(),
            phone: "12345".into(),
            source: "tiktok".into(),
            birthday: Some("1990-02-30".into()),
            ..draft()
        };
        assert_eq!(
            bad.apply(&Customer::default(), now()).unwrap_err(),
            vec![
                (DraftField::Name, DraftError::Required),
                (DraftField::Phone, DraftError::NotAPhone),
                (DraftField::Source, DraftError::Unknown),
                (DraftField::Birthday, DraftError::NotADate),
            ]
        );
        let future = CustomerDraft {
            birthday: Some("2027-01-01".into()),
            ..draft()
        };
        assert_eq!(
            future.apply(&Customer::default(), now()).unwrap_err(),
            vec![(DraftField::Birthday, DraftError::InTheFuture)]
        );
    }

    #[test]
    fn dates_are_read_one_way_for_every_form() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        assert_eq!(parse_date(" "), Ok(None));
        assert_eq!(
            parse_date("2027-03-01"),
            Ok(NaiveDate::from_ymd_opt(2027, 3, 1))
        );
        for bad in ["2026-02-29", "2026/3/5", "tomorrow", "2026-13-01"] {
            assert_eq!(parse_date(bad), Err(DraftError::NotADate), "{bad}");
        }
        assert_eq!(parse_past_date("2026-11-29", today), Ok(Some(today)));
        assert_eq!(
            parse_past_date("2026-11-30", today),
            Err(DraftError::InTheFuture)
        );
    }

    #[test]
    fn quick_add_keeps_what_it_does_not_show() {
        let base = Customer {
            name: "李梅".into(),
            phones: vec!["13900000000".into(), "02188888888".into()],
            wechat: "lm".into(),
            notes: "老顾客".into(),
            birthday: NaiveDate::from_ymd_opt(1992, 12, 2),
            created_at: Some("2025-01-01T09:00:00".parse().unwrap()),
            ..Customer::default()
        };
        let quick = CustomerDraft {
            phone: "13911111111".into(),
            ..CustomerDraft::of(&base, false)
        };
        let c = quick.apply(&base, now()).unwrap();
        assert_eq!(
            c.phones,
            vec!["13911111111".to_owned(), "02188888888".to_owned()]
        );
        assert_eq!((c.wechat.as_str(), c.notes.as_str()), ("lm", "老顾客"));
        assert_eq!(c.birthday, base.birthday);
        assert_eq!(
            c.created_at, base.created_at,
            "an edit keeps when the customer was added"
        );
    }
}
