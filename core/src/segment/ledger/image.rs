//! The ledger as bytes, so a device restarts without reading every entry of its book again
//! (see [`crate::insights`]). The layout follows the ledger's fields; facts are written as the
//! change of their time from the fact before them.

use super::{Account, Fact, Ledger, NO_STAFF, NONE, Names, OpenComplaint, RewardTerms, What};
use crate::codec::DecodeError;
use crate::codec::bytes::{Reader, Writer};
use crate::codec::image::{
    get_date, get_date_time, get_id, get_id_list, get_serde, get_text, put_date, put_date_time,
    put_id, put_id_list, put_serde, put_text,
};
use crate::domain::{Money, Outcome, Purpose};
use crate::segment::profile::{ChildDates, Profile};
use chrono::NaiveDateTime;
use std::cell::OnceCell;

/// An index that may be [`NONE`], as 0 (none) or index + 1.
fn put_index(w: &mut Writer, i: u32) {
    w.varint(if i == NONE { 0 } else { u64::from(i) + 1 });
}

fn get_index(r: &mut Reader<'_>) -> Result<u32, DecodeError> {
    match r.varint()? {
        0 => Ok(NONE),
        n => u32::try_from(n - 1).map_err(|_| r.error("index out of range")),
    }
}

fn get_u32(r: &mut Reader<'_>) -> Result<u32, DecodeError> {
    u32::try_from(r.varint()?).map_err(|_| r.error("number out of range"))
}

/// How far a stepwise write of the ledger's image is ([`Ledger::write_image_step`]).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ImageAt {
    stage: u8,
    /// Facts written.
    facts: usize,
    /// The time of the last fact written.
    last: Option<NaiveDateTime>,
}

impl Ledger {
    /// Writes the ledger a part at a time — its recent facts packed in; the accounts and names;
    /// the facts, up to `facts` a step; the rest — so a page can paint between the parts (a
    /// 200,000-purchase ledger is about 40 ms of work natively). The ledger must not change
    /// between the steps. True once all is written.
    pub(crate) fn write_image_step(
        &mut self,
        w: &mut Writer,
        at: &mut ImageAt,
        facts: usize,
    ) -> bool {
        match at.stage {
            0 => {
                if self.recent > 0 {
                    self.repack();
                }
                at.stage = 1;
                false
            }
            1 => {
                w.len_prefix(self.accounts.len());
                for a in &self.accounts {
                    write_account(w, a);
                }
                put_id_list(w, &self.account_ids);
                w.len_prefix(self.order.len());
                for &a in &self.order {
                    w.varint(u64::from(a));
                }
                for names in [&self.categories, &self.products, &self.staff] {
                    w.len_prefix(names.names.len());
                    for n in &names.names {
                        put_text(w, n);
                    }
                }
                w.len_prefix(self.facts.len());
                at.stage = 2;
                false
            }
            2 => {
                let end = at.facts.saturating_add(facts).min(self.facts.len());
                let mut last = at
                    .last
                    .unwrap_or_else(|| chrono::DateTime::UNIX_EPOCH.naive_utc());
                for f in self.facts.get(at.facts..end).unwrap_or_default() {
                    write_fact(w, f, &mut last);
                }
                (at.facts, at.last) = (end, Some(last));
                if end == self.facts.len() {
                    at.stage = 3;
                }
                false
            }
            _ => {
                self.write_image_tail(w);
                true
            }
        }
    }

    /// The image's last part: the facts' ids and categories, the open complaints.
    fn write_image_tail(&self, w: &mut Writer) {
        put_id_list(w, &self.fact_ids);
        w.len_prefix(self.sale_categories.len());
        for &c in &self.sale_categories {
            w.varint(u64::from(c));
        }
        w.len_prefix(self.complaints.len());
        for (id, c) in &self.complaints {
            put_id(w, id.as_str());
            put_id(w, c.customer.as_str());
            w.u8(u8::from(c.opened_at.is_some()));
            if let Some(at) = c.opened_at {
                put_date_time(w, at);
            }
            put_serde(w, &c.severity);
            w.u8(u8::from(c.responded));
        }
    }
}

/// Reads what [`Ledger::write_image_step`] wrote a slice at a time: the accounts and names first,
/// then the facts a budget at a time, then the rest (so a page can paint between slices).
#[derive(Default)]
pub(crate) struct ImageSteps {
    head: Option<Head>,
    facts: Vec<Fact>,
    facts_left: usize,
    last: Option<NaiveDateTime>,
}

/// What comes before the facts.
struct Head {
    accounts: Vec<Account>,
    account_ids: crate::id_list::IdList,
    order: Vec<u32>,
    categories: Names,
    products: Names,
    staff: Names,
}

impl ImageSteps {
    /// Reads the next slice: the head (with the first call), up to `budget` facts, and the
    /// rest with the last facts; the ledger once everything is read.
    pub(crate) fn step(
        &mut self,
        r: &mut Reader<'_>,
        budget: usize,
    ) -> Result<Option<Ledger>, DecodeError> {
        if self.head.is_none() {
            self.head = Some(read_head(r)?);
            self.facts_left = r.len_prefix()?;
            self.facts = Vec::with_capacity(self.facts_left);
            return Ok(None);
        }
        let mut last = self
            .last
            .unwrap_or(chrono::DateTime::UNIX_EPOCH.naive_utc());
        let take = self.facts_left.min(budget.max(1));
        for _ in 0..take {
            self.facts.push(read_fact(r, &mut last)?);
        }
        self.last = Some(last);
        self.facts_left -= take;
        if self.facts_left > 0 {
            return Ok(None);
        }
        let head = self
            .head
            .take()
            .ok_or_else(|| r.error("ledger read twice"))?;
        read_tail(r, head, std::mem::take(&mut self.facts)).map(Some)
    }
}

fn read_head(r: &mut Reader<'_>) -> Result<Head, DecodeError> {
    let n = r.len_prefix()?;
    let accounts = (0..n)
        .map(|_| read_account(r))
        .collect::<Result<Vec<_>, _>>()?;
    let account_ids = get_id_list(r)?;
    if account_ids.len() != accounts.len() {
        return Err(r.error("account ids do not match the accounts"));
    }
    let order = (0..r.len_prefix()?)
        .map(|_| get_u32(r))
        .collect::<Result<Vec<_>, _>>()?;
    let mut names = [Names::default(), Names::default(), Names::default()];
    for list in &mut names {
        for _ in 0..r.len_prefix()? {
            list.intern(&get_text(r)?);
        }
    }
    let [categories, products, staff] = names;
    Ok(Head {
        accounts,
        account_ids,
        order,
        categories,
        products,
        staff,
    })
}

fn read_tail(r: &mut Reader<'_>, head: Head, facts: Vec<Fact>) -> Result<Ledger, DecodeError> {
    let Head {
        accounts,
        account_ids,
        order,
        categories,
        products,
        staff,
    } = head;
    let fact_ids = get_id_list(r)?;
    if fact_ids.len() != facts.len() {
        return Err(r.error("fact ids do not match the facts"));
    }
    let sale_categories = (0..r.len_prefix()?)
        .map(|_| get_u32(r))
        .collect::<Result<Vec<_>, _>>()?;
    let mut complaints = std::collections::BTreeMap::new();
    for _ in 0..r.len_prefix()? {
        let id = get_id(r)?;
        let open = OpenComplaint {
            customer: get_id(r)?,
            opened_at: match r.u8()? {
                0 => None,
                _ => Some(get_date_time(r)?),
            },
            severity: get_serde(r)?,
            responded: r.u8()? != 0,
        };
        complaints.insert(id, open);
    }
    let accounts_len = accounts.len() as u32;
    if order.iter().any(|&a| a >= accounts_len)
        || accounts
            .iter()
            .any(|a| (a.packed.0 as usize).saturating_add(a.packed.1 as usize) > facts.len())
    {
        return Err(r.error("ledger indices out of range"));
    }
    let mut ledger = Ledger {
        accounts,
        account_ids,
        by_id: Default::default(),
        order,
        categories,
        products,
        staff,
        facts,
        fact_ids,
        sale_categories,
        recent: 0,
        ids: OnceCell::new(),
        complaints,
    };
    ledger.rebuild_lookup();
    Ok(ledger)
}

fn write_account(w: &mut Writer, a: &Account) {
    w.u8(u8::from(a.live));
    w.u8(u8::from(a.profile.vip) | u8::from(a.profile.do_not_contact) << 1);
    put_date(w, a.profile.created_on);
    put_date(w, a.profile.birthday);
    w.len_prefix(a.children.len());
    for c in &a.children {
        put_date(w, c.birthday);
        put_date(w, c.due_date);
    }
    put_index(w, staff_index(a.creator));
    w.varint(u64::from(a.packed.0));
    w.varint(u64::from(a.packed.1));
    w.len_prefix(a.refs.len());
    for id in &a.refs {
        put_id(w, id.as_str());
    }
    w.len_prefix(a.rewards.len());
    for t in &a.rewards {
        put_id(w, t.id.as_str());
        put_text(w, &t.description);
        w.zigzag(t.amount.0);
        w.len_prefix(t.due.len());
        for d in &t.due {
            put_date(w, Some(*d));
        }
    }
}

fn read_account(r: &mut Reader<'_>) -> Result<Account, DecodeError> {
    let mut a = Account::new();
    a.live = r.u8()? != 0;
    let flags = r.u8()?;
    a.profile = Profile {
        vip: flags & 1 != 0,
        do_not_contact: flags & 2 != 0,
        created_on: get_date(r)?,
        birthday: get_date(r)?,
    };
    for _ in 0..r.len_prefix()? {
        a.children.push(ChildDates {
            birthday: get_date(r)?,
            due_date: get_date(r)?,
        });
    }
    a.creator = get_staff(r)?;
    a.packed = (get_u32(r)?, get_u32(r)?);
    for _ in 0..r.len_prefix()? {
        a.refs.push(get_id(r)?);
    }
    for _ in 0..r.len_prefix()? {
        let id = get_id(r)?;
        let description = get_text(r)?;
        let amount = Money(r.zigzag()?);
        let due = (0..r.len_prefix()?)
            .map(|_| get_date(r)?.ok_or_else(|| r.error("a pickup without a date")))
            .collect::<Result<Vec<_>, _>>()?;
        a.rewards.push(RewardTerms {
            id,
            description,
            amount,
            due,
        });
    }
    Ok(a)
}

const SALE: u8 = 0;
const CORRECTION: u8 = 1;
const VISIT: u8 = 2;
const CONTACT: u8 = 3;
const POINTS: u8 = 4;
const STORED_VALUE: u8 = 5;
const REWARD: u8 = 6;
const PICKUP: u8 = 7;
const REMOVED: u8 = 8;

fn write_fact(w: &mut Writer, f: &Fact, last: &mut NaiveDateTime) {
    let whole = |t: &NaiveDateTime| t.and_utc().timestamp_subsec_nanos() == 0;
    if whole(&f.at) && whole(last) {
        w.zigzag(f.at.signed_duration_since(*last).num_seconds());
    } else {
        // Not whole seconds: an escape (i64::MIN is never a real change), then the time.
        w.zigzag(i64::MIN);
        put_date_time(w, f.at);
    }
    *last = f.at;
    match f.what {
        What::Sale {
            total,
            item,
            categories,
            lines,
        } => {
            w.u8(SALE);
            w.zigzag(total.0);
            put_index(w, item);
            w.varint(u64::from(categories));
            w.varint(u64::from(lines));
        }
        What::Correction {
            total,
            corrects,
            sale,
        } => {
            w.u8(CORRECTION);
            w.zigzag(total.0);
            put_index(w, corrects);
            put_index(w, sale);
        }
        What::Visit => w.u8(VISIT),
        What::Contact {
            purpose,
            outcome,
            next_follow_up,
        } => {
            w.u8(CONTACT);
            w.u8(Purpose::ALL.iter().position(|p| *p == purpose).unwrap_or(0) as u8);
            w.u8(Outcome::ALL.iter().position(|o| *o == outcome).unwrap_or(0) as u8);
            put_date(w, next_follow_up);
        }
        What::Points(n) => {
            w.u8(POINTS);
            w.zigzag(n);
        }
        What::StoredValue(m) => {
            w.u8(STORED_VALUE);
            w.zigzag(m.0);
        }
        What::Reward(i) => {
            w.u8(REWARD);
            w.varint(u64::from(i));
        }
        What::Pickup { reward, due } => {
            w.u8(PICKUP);
            w.varint(u64::from(reward));
            put_date(w, Some(due));
        }
        What::Removed => w.u8(REMOVED),
    }
    put_index(w, staff_index(f.staff));
}

/// A staff index as an index that may be [`NONE`].
fn staff_index(staff: u16) -> u32 {
    if staff == NO_STAFF {
        NONE
    } else {
        u32::from(staff)
    }
}

/// What [`staff_index`] wrote.
fn get_staff(r: &mut Reader<'_>) -> Result<u16, DecodeError> {
    match get_index(r)? {
        NONE => Ok(NO_STAFF),
        i => u16::try_from(i).map_err(|_| r.error("staff index out of range")),
    }
}

fn read_fact(r: &mut Reader<'_>, last: &mut NaiveDateTime) -> Result<Fact, DecodeError> {
    let secs = r.zigzag()?;
    let at = if secs == i64::MIN {
        get_date_time(r)?
    } else {
        last.checked_add_signed(
            chrono::TimeDelta::try_seconds(secs).ok_or_else(|| r.error("time out of range"))?,
        )
        .ok_or_else(|| r.error("time out of range"))?
    };
    *last = at;
    let what = match r.u8()? {
        SALE => What::Sale {
            total: Money(r.zigzag()?),
            item: get_index(r)?,
            categories: get_u32(r)?,
            lines: u16::try_from(r.varint()?).map_err(|_| r.error("too many lines"))?,
        },
        CORRECTION => What::Correction {
            total: Money(r.zigzag()?),
            corrects: get_index(r)?,
            sale: get_index(r)?,
        },
        VISIT => What::Visit,
        CONTACT => What::Contact {
            purpose: *Purpose::ALL
                .get(usize::from(r.u8()?))
                .ok_or_else(|| r.error("unknown purpose"))?,
            outcome: *Outcome::ALL
                .get(usize::from(r.u8()?))
                .ok_or_else(|| r.error("unknown outcome"))?,
            next_follow_up: get_date(r)?,
        },
        POINTS => What::Points(r.zigzag()?),
        STORED_VALUE => What::StoredValue(Money(r.zigzag()?)),
        REWARD => What::Reward(get_u32(r)?),
        PICKUP => What::Pickup {
            reward: get_u32(r)?,
            due: get_date(r)?.ok_or_else(|| r.error("a pickup without a date"))?,
        },
        REMOVED => What::Removed,
        _ => return Err(r.error("unknown fact")),
    };
    let staff = get_staff(r)?;
    Ok(Fact { at, what, staff })
}
