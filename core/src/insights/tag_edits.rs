//! The owner's tag list (Settings → Tags): every tag with its customer count
//! ([`tag_counts`]), and renaming, merging or deleting a tag as record edits of the customers
//! who carry it ([`edits`], [`edits_in`]) — saved as one change, each edit touching only the
//! tag members that change (tags are a set-valued field, one register per tag, so a tag
//! another device adds meanwhile survives).

use super::roster::Roster;
use crate::book::Book;
use crate::domain::{Customer, split_tags};
use crate::id::Id;
use crate::op::RecordKind;
use serde_json::Value;
use std::collections::BTreeMap;

/// What to do with a tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagChange {
    /// Rename `from` to `to` (a name already in use merges the two).
    Rename {
        /// The tag.
        from: String,
        /// Its new name.
        to: String,
    },
    /// Give the customers tagged `from` the tag `into` instead.
    Merge {
        /// The tag merged away.
        from: String,
        /// The tag it is merged into.
        into: String,
    },
    /// Remove the tag from every customer.
    Delete {
        /// The tag.
        tag: String,
    },
}

impl TagChange {
    /// The tag the change takes away.
    pub fn tag(&self) -> &str {
        match self {
            TagChange::Rename { from, .. } | TagChange::Merge { from, .. } => from,
            TagChange::Delete { tag } => tag,
        }
    }

    /// The tag it gives instead, if any.
    pub fn replacement(&self) -> Option<&str> {
        match self {
            TagChange::Rename { to, .. } => Some(to),
            TagChange::Merge { into, .. } => Some(into),
            TagChange::Delete { .. } => None,
        }
    }
}

/// Why a tag name as typed cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    /// Nothing typed.
    #[error("type the new name")]
    Empty,
    /// Spaces or commas: it would be several tags.
    #[error("a tag is one word, without spaces or commas")]
    Several,
    /// The same name as the tag's own.
    #[error("that is the tag's name already")]
    Unchanged,
}

/// A new name for tag `from` as typed: trimmed, one tag (the customer form splits tags at
/// spaces and commas), not `from` itself.
pub fn new_name(from: &str, typed: &str) -> Result<String, TagError> {
    let tags = split_tags(typed);
    let mut names = tags.into_iter();
    match (names.next(), names.next()) {
        (None, _) => Err(TagError::Empty),
        (Some(_), Some(_)) => Err(TagError::Several),
        (Some(name), None) if name == from => Err(TagError::Unchanged),
        (Some(name), None) => Ok(name),
    }
}

/// Every tag of the listed customers with how many carry it, most used first (then by name).
pub fn tag_counts(roster: &Roster) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for row in (0..roster.len()).filter_map(|i| roster.at(i)) {
        for tag in &row.tags {
            *counts.entry(tag).or_default() += 1;
        }
    }
    let mut out: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(tag, n)| (tag.to_owned(), n))
        .collect();
    crate::sorting::sort_by(&mut out, |a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// The edits `change` makes to `customers`: `(id, before, after)` for each customer carrying
/// the tag, in the order given (customers without it are left out).
pub fn edits<'a>(
    customers: impl IntoIterator<Item = (&'a Id, &'a Customer)>,
    change: &TagChange,
) -> Vec<(Id, Customer, Customer)> {
    let from = change.tag();
    if change.replacement() == Some(from) {
        return Vec::new();
    }
    customers
        .into_iter()
        .filter(|(_, c)| c.tags.contains(from))
        .map(|(id, before)| {
            let mut after = before.clone();
            after.tags.remove(from);
            if let Some(to) = change.replacement() {
                after.tags.insert(to.to_owned());
            }
            (id.clone(), before.clone(), after)
        })
        .collect()
}

/// [`edits`] over the live customers of `book` (only those carrying the tag are decoded), in
/// id order.
pub fn edits_in(book: &Book, change: &TagChange) -> Vec<(Id, Customer, Customer)> {
    let member = format!("tags.{}", change.tag());
    let tagged: Vec<(Id, Customer)> = book
        .records(RecordKind::Customer)
        .filter(|(_, state)| state.field(&member) == Some(&Value::Bool(true)))
        .filter_map(|(id, state)| Some((id.clone(), state.decode::<Customer>().ok()?)))
        .collect();
    edits(tagged.iter().map(|(id, c)| (id, c)), change)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::Op;
    use crate::replica::Replica;

    fn customer(name: &str, tags: &[&str]) -> Customer {
        Customer {
            name: name.into(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            ..Customer::default()
        }
    }

    fn tags(c: &Customer) -> Vec<&str> {
        c.tags.iter().map(String::as_str).collect()
    }

    fn id(s: &str) -> Id {
        Id::parse(s).unwrap()
    }

    #[test]
    fn new_names_are_one_tag() {
        assert_eq!(new_name("奶粉", " 奶粉妈妈 "), Ok("奶粉妈妈".into()));
        assert_eq!(new_name("奶粉", "  "), Err(TagError::Empty));
        assert_eq!(new_name("奶粉", "二胎 宝妈"), Err(TagError::Several));
        assert_eq!(new_name("奶粉", "二胎，宝妈"), Err(TagError::Several));
        assert_eq!(new_name("奶粉", "奶粉"), Err(TagError::Unchanged));
    }

    #[test]
    fn rename_merge_and_delete_touch_only_the_tagged() {
        let (a, b, c) = (id("a"), id("b"), id("c"));
        let people = [
            (a.clone(), customer("甲", &["VIP", "奶粉"])),
            (b.clone(), customer("乙", &["奶粉", "二胎"])),
            (c.clone(), customer("丙", &["二胎"])),
        ];
        let all = || people.iter().map(|(id, c)| (id, c));
        let rename = TagChange::Rename {
            from: "奶粉".into(),
            to: "奶粉客".into(),
        };
        let got = edits(all(), &rename);
        assert_eq!(got.len(), 2);
        assert_eq!((&got[0].0, tags(&got[0].2)), (&a, vec!["VIP", "奶粉客"]));
        assert_eq!(tags(&got[0].1), ["VIP", "奶粉"], "before as it was");
        assert_eq!((&got[1].0, tags(&got[1].2)), (&b, vec!["二胎", "奶粉客"]));

        let merge = TagChange::Merge {
            from: "奶粉".into(),
            into: "二胎".into(),
        };
        let got = edits(all(), &merge);
        assert_eq!(got.len(), 2);
        assert_eq!(tags(&got[0].2), ["VIP", "二胎"]);
        assert_eq!(tags(&got[1].2), ["二胎"], "already had it: one tag left");

        let delete = TagChange::Delete {
            tag: "二胎".into()
        };
        let got = edits(all(), &delete);
        assert_eq!(
            got.iter().map(|e| (&e.0, tags(&e.2))).collect::<Vec<_>>(),
            [(&b, vec!["奶粉"]), (&c, vec![])]
        );

        let nothing = TagChange::Merge {
            from: "二胎".into(),
            into: "二胎".into(),
        };
        assert!(edits(all(), &nothing).is_empty());
        let absent = TagChange::Delete { tag: "无".into() };
        assert!(edits(all(), &absent).is_empty());
    }

    #[test]
    fn a_rename_in_a_book_is_one_change_of_tag_members_only() {
        let mut replica = Replica::new("dev1".into());
        let mut ops = Vec::new();
        for (n, (name, t)) in [
            ("甲", &["VIP", "奶粉"][..]),
            ("乙", &["奶粉"][..]),
            ("丙", &["二胎"][..]),
        ]
        .into_iter()
        .enumerate()
        {
            let c = customer(name, t);
            let journal = replica
                .plan_edit(1_000 + n as u64, &id(&format!("c{n}")), None, &c)
                .unwrap();
            ops.extend(journal.into_ops());
        }
        let record = replica.plan_local(ops).unwrap();
        replica.commit(&record);
        let book = replica.book();
        let change = TagChange::Rename {
            from: "奶粉".into(),
            to: "奶粉客".into(),
        };
        let got = edits_in(book, &change);
        assert_eq!(
            got.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
            ["c0", "c1"]
        );
        let record = replica
            .plan_edits(
                5_000,
                got.iter()
                    .map(|(id, before, after)| (id, Some(before), after)),
            )
            .unwrap();
        let ops = record.clone().into_ops();
        let mut fields: Vec<(&str, &Value)> = ops
            .iter()
            .filter_map(|op| match op {
                Op::Set { field, value, .. } => Some((field.as_str(), value)),
                _ => None,
            })
            .collect();
        crate::sorting::sort_by_key(&mut fields, |(f, v)| (*f, v.as_bool()));
        let (yes, no) = (&Value::Bool(true), &Value::Bool(false));
        assert_eq!(
            fields,
            [
                ("tags.奶粉", no),
                ("tags.奶粉", no),
                ("tags.奶粉客", yes),
                ("tags.奶粉客", yes)
            ],
            "{ops:?}"
        );
        replica.commit(&record);
        let book = replica.book();
        let c0: Customer = book.get(&id("c0")).unwrap();
        assert_eq!(tags(&c0), ["VIP", "奶粉客"]);
        assert!(edits_in(book, &change).is_empty(), "done twice: nothing");
    }

    #[test]
    fn counts_are_most_used_first() {
        let mut roster = Roster::default();
        let people = [
            (id("a"), customer("甲", &["VIP", "奶粉"])),
            (id("b"), customer("乙", &["奶粉", "二胎"])),
            (id("c"), customer("丙", &["二胎", "奶粉"])),
            (id("d"), customer("", &["VIP"])),
        ];
        roster.extend(people.iter().map(|(id, c)| (id, c, c.name.as_str())));
        assert_eq!(
            tag_counts(&roster),
            [
                ("奶粉".to_owned(), 3),
                ("二胎".to_owned(), 2),
                ("VIP".to_owned(), 1)
            ]
        );
    }
}
