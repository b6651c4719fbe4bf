//! The **More** (更多) section of the customer form (issue 9, SPEC §1 Customer): gender, second
//! phone, children with their birthday or due date, anniversaries, occupation, income band,
//! area, preferred contact, do-not-contact, VIP, budget, products of interest, purchase
//! intent, expected next purchase, communication style and appearance — as typed, turned into
//! the customer's fields or refused field by field. As in [`super::CustomerDraft`], a mistyped
//! value is never silently dropped: a date that does not exist, a due date more than ten
//! months ahead, a child's birthday in the future, a budget whose minimum exceeds its maximum
//! are each refused next to their field and nothing is saved.

use super::draft::{DraftError, key_of, parse_date, parse_past_date, split_tags};
use super::{
    Child, Connection, ContactChannel, Customer, Gender, ImportantDate, Intent, Money,
    validate_phone,
};
use chrono::{Months, NaiveDate};

/// How far ahead a due date may be: a pregnancy is known for at most about ten months.
pub const DUE_DATE_MONTHS_AHEAD: u32 = 10;

/// One child as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChildDraft {
    /// 小名.
    pub nickname: String,
    /// `female`, `male` or empty.
    pub gender: String,
    /// 孩子生日, `YYYY-MM-DD` or empty.
    pub birthday: String,
    /// 预产期, `YYYY-MM-DD` or empty (ignored once a birthday is given: the child is born).
    pub due_date: String,
}

/// The More section as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MoreDraft {
    /// `female`, `male` or empty.
    pub gender: String,
    /// A second phone number, or empty.
    pub second_phone: String,
    /// The children, in order.
    pub children: Vec<ChildDraft>,
    /// Anniversaries: (what, `YYYY-MM-DD`).
    pub anniversaries: Vec<(String, String)>,
    /// Who comes along (连带资源): (name, relation such as 婆婆 or 闺蜜).
    pub connections: Vec<(String, String)>,
    /// Occupation.
    pub occupation: String,
    /// Income band, as the shop writes it.
    pub income_band: String,
    /// Area or address.
    pub area: String,
    /// Preferred contact: a channel key (`phone`, `wechat`, …) or empty.
    pub preferred_contact: String,
    /// 勿扰.
    pub do_not_contact: bool,
    /// VIP.
    pub vip: bool,
    /// Budget range in yuan (`300`, `1,280.50`), each may be empty.
    pub budget_min: String,
    /// See `budget_min`.
    pub budget_max: String,
    /// Products of interest, separated like tags.
    pub interests: String,
    /// Purchase intent: `high`, `medium`, `low` or empty.
    pub intent: String,
    /// Expected next purchase date (may be ahead), or empty.
    pub next_purchase: String,
    /// Communication style.
    pub communication_style: String,
    /// Appearance notes.
    pub appearance: String,
}

/// A field of the More section a refusal is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MoreField {
    /// Gender.
    Gender,
    /// The second phone.
    SecondPhone,
    /// A child's nickname (by position).
    ChildNickname(usize),
    /// A child's gender.
    ChildGender(usize),
    /// A child's birthday.
    ChildBirthday(usize),
    /// A child's due date.
    DueDate(usize),
    /// An anniversary's date (by position).
    Anniversary(usize),
    /// A connection's name (by position).
    Connection(usize),
    /// Preferred contact.
    PreferredContact,
    /// The budget's minimum.
    BudgetMin,
    /// The budget's maximum.
    BudgetMax,
    /// Purchase intent.
    Intent,
    /// Expected next purchase.
    NextPurchase,
}

impl MoreDraft {
    /// The section filled from `customer`.
    pub fn of(customer: &Customer) -> MoreDraft {
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let yuan = |m: Option<Money>| m.map(|m| m.to_string()).unwrap_or_default();
        MoreDraft {
            gender: customer
                .gender
                .map(gender_key)
                .unwrap_or_default()
                .to_owned(),
            second_phone: customer.phones.get(1).cloned().unwrap_or_default(),
            children: customer
                .children
                .iter()
                .map(|c| ChildDraft {
                    nickname: c.nickname.clone(),
                    gender: c.gender.map(gender_key).unwrap_or_default().to_owned(),
                    birthday: date(c.birthday),
                    due_date: date(c.due_date),
                })
                .collect(),
            connections: customer
                .connections
                .iter()
                .map(|c| (c.name.clone(), c.relation.clone()))
                .collect(),
            anniversaries: customer
                .important_dates
                .iter()
                .map(|d| (d.label.clone(), date(d.date)))
                .collect(),
            occupation: customer.occupation.clone(),
            income_band: customer.income_band.clone(),
            area: customer.area.clone(),
            preferred_contact: customer
                .preferred_contact
                .map(|c| key_of(&c))
                .unwrap_or_default(),
            do_not_contact: customer.do_not_contact,
            vip: customer.vip,
            budget_min: yuan(customer.budget_min),
            budget_max: yuan(customer.budget_max),
            interests: customer
                .interests
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
            intent: customer.intent.map(|i| key_of(&i)).unwrap_or_default(),
            next_purchase: date(customer.next_purchase),
            communication_style: customer.communication_style.clone(),
            appearance: customer.appearance.clone(),
        }
    }

    /// `base` with the section's fields (dates checked against `today`), or every problem
    /// with its field. The main phone stays the quick part's.
    pub fn apply(
        &self,
        base: &Customer,
        today: NaiveDate,
    ) -> Result<Customer, Vec<(MoreField, DraftError)>> {
        let mut errors = Vec::new();
        let mut c = base.clone();
        match choice::<Gender>(&self.gender) {
            Ok(g) => c.gender = g,
            Err(e) => errors.push((MoreField::Gender, e)),
        }
        let main: Vec<String> = base.phones.iter().take(1).cloned().collect();
        c.phones = match self.second_phone.trim() {
            "" => main,
            typed => match validate_phone(typed) {
                Ok(p) => main.into_iter().chain([p]).collect(),
                Err(_) => {
                    errors.push((MoreField::SecondPhone, DraftError::NotAPhone));
                    base.phones.clone()
                }
            },
        };
        c.children = self
            .children
            .iter()
            .enumerate()
            .filter(|(_, k)| *k != &ChildDraft::default())
            .filter_map(|(i, k)| child(i, k, today, &mut errors))
            .collect();
        c.connections = self
            .connections
            .iter()
            .enumerate()
            .filter(|(_, (name, relation))| !name.trim().is_empty() || !relation.trim().is_empty())
            .filter_map(|(i, (name, relation))| {
                if name.trim().is_empty() {
                    errors.push((MoreField::Connection(i), DraftError::Required));
                    return None;
                }
                Some(Connection {
                    name: name.trim().to_owned(),
                    relation: relation.trim().to_owned(),
                })
            })
            .collect();
        c.important_dates = self
            .anniversaries
            .iter()
            .enumerate()
            .filter(|(_, (label, date))| !label.trim().is_empty() || !date.trim().is_empty())
            .filter_map(|(i, (label, date))| match parse_date(date) {
                Ok(date) => Some(ImportantDate {
                    label: label.trim().to_owned(),
                    date,
                }),
                Err(e) => {
                    errors.push((MoreField::Anniversary(i), e));
                    None
                }
            })
            .collect();
        c.occupation = self.occupation.trim().to_owned();
        c.income_band = self.income_band.trim().to_owned();
        c.area = self.area.trim().to_owned();
        match choice::<ContactChannel>(&self.preferred_contact) {
            Ok(p) => c.preferred_contact = p,
            Err(e) => errors.push((MoreField::PreferredContact, e)),
        }
        c.do_not_contact = self.do_not_contact;
        c.vip = self.vip;
        let money = |text: &str, field, errors: &mut Vec<_>| match text.trim() {
            "" => None,
            typed => match Money::parse_major(typed) {
                Ok(m) if m.0 >= 0 => Some(m),
                _ => {
                    errors.push((field, DraftError::NotAnAmount));
                    None
                }
            },
        };
        c.budget_min = money(&self.budget_min, MoreField::BudgetMin, &mut errors);
        c.budget_max = money(&self.budget_max, MoreField::BudgetMax, &mut errors);
        if let (Some(min), Some(max)) = (c.budget_min, c.budget_max)
            && min > max
        {
            errors.push((MoreField::BudgetMax, DraftError::BelowMinimum));
        }
        c.interests = split_tags(&self.interests);
        match choice::<Intent>(&self.intent) {
            Ok(i) => c.intent = i,
            Err(e) => errors.push((MoreField::Intent, e)),
        }
        match parse_date(&self.next_purchase) {
            Ok(d) => c.next_purchase = d,
            Err(e) => errors.push((MoreField::NextPurchase, e)),
        }
        c.communication_style = self.communication_style.trim().to_owned();
        c.appearance = self.appearance.trim().to_owned();
        if errors.is_empty() {
            Ok(c)
        } else {
            Err(errors)
        }
    }
}

/// One child from its draft (position `i`), or its problems added to `errors`.
fn child(
    i: usize,
    k: &ChildDraft,
    today: NaiveDate,
    errors: &mut Vec<(MoreField, DraftError)>,
) -> Option<Child> {
    let before = errors.len();
    let nickname = k.nickname.trim().to_owned();
    if nickname.is_empty() {
        errors.push((MoreField::ChildNickname(i), DraftError::Required));
    }
    let gender = choice::<Gender>(&k.gender).unwrap_or_else(|e| {
        errors.push((MoreField::ChildGender(i), e));
        None
    });
    let birthday = parse_past_date(&k.birthday, today).unwrap_or_else(|e| {
        errors.push((MoreField::ChildBirthday(i), e));
        None
    });
    // Born: the due date is history. Not yet: it must be a real date within ten months.
    let due_date = if birthday.is_some() {
        None
    } else {
        let latest = today.checked_add_months(Months::new(DUE_DATE_MONTHS_AHEAD));
        match parse_date(&k.due_date) {
            Ok(Some(due)) if latest.is_some_and(|l| due > l) => {
                errors.push((MoreField::DueDate(i), DraftError::TooFarAhead));
                None
            }
            Ok(due) => due,
            Err(e) => {
                errors.push((MoreField::DueDate(i), e));
                None
            }
        }
    };
    (errors.len() == before).then_some(Child {
        nickname,
        gender,
        birthday,
        due_date,
    })
}

/// A gender's key.
fn gender_key(g: Gender) -> &'static str {
    match g {
        Gender::Female => "female",
        Gender::Male => "male",
    }
}

/// A choice by its key: `None` for empty, refused when not one of the choices.
fn choice<T: serde::de::DeserializeOwned>(key: &str) -> Result<Option<T>, DraftError> {
    match key.trim() {
        "" => Ok(None),
        key => serde_json::from_value(serde_json::Value::String(key.to_owned()))
            .map(Some)
            .map_err(|_| DraftError::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn base() -> Customer {
        Customer {
            name: "李梅".into(),
            phones: vec!["13912345678".into()],
            ..Customer::default()
        }
    }

    fn full() -> MoreDraft {
        MoreDraft {
            gender: "female".into(),
            second_phone: "021-6123 4567".into(),
            children: vec![
                ChildDraft {
                    nickname: "豆豆".into(),
                    gender: "male".into(),
                    birthday: "2026-08-20".into(),
                    due_date: "2026-08-25".into(),
                },
                ChildDraft {
                    nickname: "二宝".into(),
                    due_date: "2027-05-01".into(),
                    ..ChildDraft::default()
                },
            ],
            anniversaries: vec![("结婚纪念日".into(), "2019-10-01".into())],
            connections: vec![
                ("张阿姨 ".into(), "婆婆".into()),
                (String::new(), String::new()),
            ],
            occupation: " 教师 ".into(),
            income_band: "1-2万".into(),
            area: "浦东".into(),
            preferred_contact: "wechat".into(),
            do_not_contact: false,
            vip: true,
            budget_min: "300".into(),
            budget_max: "¥1,280.50".into(),
            interests: "奶粉，纸尿裤".into(),
            intent: "high".into(),
            next_purchase: "2026-12-15".into(),
            communication_style: "喜欢微信语音".into(),
            appearance: String::new(),
        }
    }

    #[test]
    fn the_whole_section_makes_the_customer_and_reads_back() {
        let c = full().apply(&base(), today()).unwrap();
        assert_eq!(c.gender, Some(Gender::Female));
        assert_eq!(c.phones, ["13912345678", "02161234567"]);
        assert_eq!(c.children.len(), 2);
        assert_eq!(c.children[0].birthday, NaiveDate::from_ymd_opt(2026, 8, 20));
        assert_eq!(
            c.children[0].due_date, None,
            "born: the due date is history"
        );
        assert_eq!(c.children[1].due_date, NaiveDate::from_ymd_opt(2027, 5, 1));
        assert_eq!(c.important_dates[0].label, "结婚纪念日");
        assert_eq!(
            c.connections,
            [Connection {
                name: "张阿姨".into(),
                relation: "婆婆".into()
            }],
            "an empty row is no one"
        );
        assert_eq!(c.occupation, "教师");
        assert_eq!(c.preferred_contact, Some(ContactChannel::Wechat));
        assert!(c.vip && !c.do_not_contact);
        assert_eq!(
            (c.budget_min, c.budget_max),
            (Some(Money(30_000)), Some(Money(128_050)))
        );
        assert_eq!(c.interests.len(), 2);
        assert_eq!(c.intent, Some(Intent::High));
        assert_eq!(c.next_purchase, NaiveDate::from_ymd_opt(2026, 12, 15));
        assert_eq!(
            MoreDraft::of(&c).apply(&c, today()).unwrap(),
            c,
            "a round trip changes nothing"
        );
    }

    #[test]
    fn every_mistyped_field_is_refused_and_nothing_is_dropped() {
        let mut d = full();
        d.gender = "robot".into();
        d.second_phone = "12345".into();
        d.children[0].birthday = "2027-01-01".into();
        d.children[1].due_date = "2027-10-01".into();
        d.children.push(ChildDraft {
            due_date: "2026-02-30".into(),
            ..ChildDraft::default()
        });
        d.anniversaries[0].1 = "2019-13-01".into();
        d.connections.push((" ".into(), "闺蜜".into()));
        d.budget_min = "2000".into();
        d.budget_max = "300".into();
        d.next_purchase = "下周".into();
        let errors = d.apply(&base(), today()).unwrap_err();
        let fields: Vec<MoreField> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                MoreField::Gender,
                MoreField::SecondPhone,
                MoreField::ChildBirthday(0),
                MoreField::DueDate(1),
                MoreField::ChildNickname(2),
                MoreField::DueDate(2),
                MoreField::Connection(2),
                MoreField::Anniversary(0),
                MoreField::BudgetMax,
                MoreField::NextPurchase,
            ]
        );
        assert!(errors.contains(&(MoreField::DueDate(1), DraftError::TooFarAhead)));
        assert!(errors.contains(&(MoreField::ChildBirthday(0), DraftError::InTheFuture)));
        assert!(errors.contains(&(MoreField::DueDate(2), DraftError::NotADate)));
        assert!(errors.contains(&(MoreField::BudgetMax, DraftError::BelowMinimum)));
    }

    #[test]
    fn a_due_date_up_to_ten_months_ahead_is_accepted() {
        let mut d = MoreDraft::default();
        d.children.push(ChildDraft {
            nickname: "宝宝".into(),
            due_date: "2027-09-30".into(),
            ..ChildDraft::default()
        });
        assert!(d.apply(&base(), today()).is_ok());
        d.children[0].due_date = "2027-10-01".into();
        assert_eq!(
            d.apply(&base(), today()).unwrap_err(),
            [(MoreField::DueDate(0), DraftError::TooFarAhead)]
        );
        // An empty child row is left out, not refused.
        let empty = MoreDraft {
            children: vec![ChildDraft::default()],
            ..MoreDraft::default()
        };
        assert!(empty.apply(&base(), today()).unwrap().children.is_empty());
    }
}
