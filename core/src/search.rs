//! Type-ahead customer search (SPEC §2 Search).
//!
//! A [`SearchIndex`] holds, for every customer, the keys a clerk may type at the counter:
//! the name, its pinyin (full syllables, initials, or any mix such as `zhangs`), phone
//! numbers (any run of digits, usually the last four), the WeChat id and tags. It is updated
//! one customer at a time ([`SearchIndex::upsert`], [`SearchIndex::remove`],
//! [`SearchIndex::refresh`]), never rebuilt on a change.
//!
//! # What a query matches, best first
//!
//! Each customer is ranked by the best way the query matches them ([`MatchKind`], in this
//! order):
//!
//! 1. [`MatchKind::NameExact`]: the whole name (`张三`);
//! 2. [`MatchKind::NamePrefix`]: the start of the name (`张` finds 张三);
//! 3. [`MatchKind::PinyinPrefix`]: pinyin from the first syllable — initials `zs`, full
//!    `zhangsan`, a prefix `zhang`, or a mix `zhangs` / `zsan` (every syllable typed as a
//!    prefix of itself, in order);
//! 4. [`MatchKind::PhoneSuffix`]: the end of a phone number (`8000`), or the whole number;
//! 5. [`MatchKind::WechatPrefix`]: the start of the WeChat id;
//! 6. [`MatchKind::TagPrefix`]: the start of a tag;
//! 7. [`MatchKind::NameInfix`]: inside the name (`三`), or pinyin from a later syllable (`san`);
//! 8. [`MatchKind::PhoneInfix`]: digits anywhere in a phone number (from
//!    [`MIN_PHONE_INFIX`] digits on; fewer digits only match the end of a number);
//! 9. [`MatchKind::WechatInfix`], 10. [`MatchKind::TagInfix`]: inside the WeChat id or a tag.
//!
//! Within one kind, the closer match comes first (the fewest characters — or, for pinyin,
//! syllables — of the field left over, so an exact WeChat id beats a longer one), then the
//! customers in list order ([`sort_key`]: the name's pinyin), then by id, so results never
//! depend on the order customers were indexed.
//!
//! # Normalisation
//!
//! Queries and keys are folded the same way ([`fold`]): full-width letters and digits (as an
//! IME types them, `ｚｓ１２３`) become ASCII, letters become lowercase, and the query is trimmed.
//! Spaces, dashes and apostrophes inside a query are ignored for pinyin and phone numbers
//! (`zhang san`, `138-0013`, `xi'an`). `ü` is typed `v` (`lv` finds 吕; `lu` does too).
//! An empty query matches nobody.
//!
//! # Polyphonic surnames
//!
//! Pinyin comes from the `pinyin` crate's most common reading of each character. Some
//! characters read differently as a surname (曾 is *ceng* in 曾经 but *zeng* as a surname), so
//! the first character — or a compound surname — of a name is also indexed under its
//! surname reading from [`SURNAME_READINGS`]; both readings find the customer.
//!
//! # Speed
//!
//! Every key is folded once, when the customer is indexed. A query is one pass over the
//! customers in which a 64-bit summary of the characters in each field rejects almost every
//! non-matching field with one `AND`; the survivors are compared directly, and only the
//! `limit` best are sorted. See the `search_keystroke_20k` benchmark.

use crate::domain::{normalize_phone, Customer};
use crate::id::Id;
use crate::op::{Book, RecordKind};
use pinyin::ToPinyin;
use std::cmp::Ordering;
use memchr::memmem::Finder;
use std::collections::HashMap;

/// Surname readings that differ from a character's most common reading, with compound
/// surnames whose first character would otherwise be read wrongly. Applied only at the start
/// of a name; the common reading still matches too.
pub const SURNAME_READINGS: &[(&str, &[&str])] = &[
    ("万俟", &["mo", "qi"]),
    ("尉迟", &["yu", "chi"]),
    ("单于", &["chan", "yu"]),
    ("曾", &["zeng"]),
    ("单", &["shan"]),
    ("解", &["xie"]),
    ("仇", &["qiu"]),
    ("朴", &["piao"]),
    ("区", &["ou"]),
    ("查", &["zha"]),
    ("盖", &["ge"]),
    ("覃", &["qin"]),
    ("缪", &["miao"]),
    ("翟", &["zhai"]),
    ("员", &["yun"]),
    ("秘", &["bi"]),
    ("种", &["chong"]),
    ("重", &["chong"]),
    ("折", &["she"]),
    ("句", &["gou"]),
    ("乐", &["yue"]),
    ("召", &["shao"]),
    ("繁", &["po"]),
    ("牟", &["mu"]),
    ("粘", &["nian"]),
    ("都", &["du"]),
    ("薄", &["bo"]),
    ("阚", &["kan"]),
    ("黑", &["he"]),
    ("祭", &["zhai"]),
];

/// Syllables with `ü`, as typed on a keyboard (`v`) and as often typed instead (`u`).
const U_UMLAUT: &[(&str, &str, &str)] =
    &[("lü", "lv", "lu"), ("nü", "nv", "nu"), ("lüe", "lve", "lue"), ("nüe", "nve", "nue")];

/// How a customer matched a query. Variants are in rank order: a smaller one is a better match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchKind {
    /// The query is the whole name.
    NameExact,
    /// The name starts with the query.
    NamePrefix,
    /// The query spells the name's pinyin from its first syllable (full, initials or mixed).
    PinyinPrefix,
    /// A phone number ends with the query (or is the query).
    PhoneSuffix,
    /// The WeChat id starts with the query.
    WechatPrefix,
    /// A tag starts with the query.
    TagPrefix,
    /// The query is inside the name, or spells its pinyin from a later syllable.
    NameInfix,
    /// The query's digits are inside a phone number.
    PhoneInfix,
    /// The query is inside the WeChat id.
    WechatInfix,
    /// The query is inside a tag.
    TagInfix,
}

impl MatchKind {
    /// Every kind, in rank order.
    pub const ALL: [MatchKind; 10] = [
        MatchKind::NameExact,
        MatchKind::NamePrefix,
        MatchKind::PinyinPrefix,
        MatchKind::PhoneSuffix,
        MatchKind::WechatPrefix,
        MatchKind::TagPrefix,
        MatchKind::NameInfix,
        MatchKind::PhoneInfix,
        MatchKind::WechatInfix,
        MatchKind::TagInfix,
    ];
}

/// One search result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// The customer.
    pub id: Id,
    /// How they matched (the best way).
    pub kind: MatchKind,
}

/// The best matches of a query, and how many customers matched in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Results {
    /// The best matches, best first, at most the requested number.
    pub hits: Vec<Hit>,
    /// How many customers matched (may exceed `hits.len()`).
    pub total: usize,
}

/// One pinyin syllable of a name: its reading and, for polyphonic surnames and `ü`, a second
/// reading that also matches (empty when none).
#[derive(Clone, Copy, Debug)]
struct Syllable {
    main: &'static str,
    alt: &'static str,
}

impl Syllable {
    fn readings(self) -> impl Iterator<Item = &'static str> {
        [self.main, self.alt].into_iter().filter(|r| !r.is_empty())
    }
}

/// The characters in a text as a 64-bit set: one bit per ASCII letter and digit, the rest
/// hashed into the remaining 28 bits.
fn char_mask(text: &str) -> u64 {
    text.chars().fold(0, |m, c| m | char_bit(c))
}

fn char_bit(c: char) -> u64 {
    match c {
        'a'..='z' => 1 << (c as u32 - 'a' as u32),
        '0'..='9' => 1 << (26 + c as u32 - '0' as u32),
        _ => 1 << (36 + (c as u32).wrapping_mul(2_654_435_761) % 28),
    }
}

/// Folds one character for matching: full-width ASCII forms and the ideographic space become
/// ASCII, letters become lowercase.
pub fn fold_char(c: char) -> char {
    let c = match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    c.to_lowercase().next().unwrap_or(c)
}

/// Folds a text for matching (see [`fold_char`]) and trims it.
pub fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect::<String>().trim().to_owned()
}

/// Characters a clerk may type between pinyin syllables or groups of phone digits.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '\'' | '’' | '·')
}

/// The pinyin syllables of a (folded) name, with surname readings at its start.
fn syllables(name: &str) -> Vec<Syllable> {
    let mut out = Vec::new();
    let mut rest = name;
    if let Some((surname, readings)) = SURNAME_READINGS.iter().find(|(s, _)| name.starts_with(s)) {
        for (c, reading) in surname.chars().zip(readings.iter()) {
            let common = common_reading(c).map_or("", |s| s.main);
            out.push(Syllable { main: reading, alt: if common == *reading { "" } else { common } });
        }
        rest = &name[surname.len()..];
    }
    out.extend(rest.chars().filter_map(common_reading));
    out.truncate(MAX_SYLLABLES);
    out
}

/// Syllables of a name matched as pinyin (longer "names" are notes typed in the wrong field).
const MAX_SYLLABLES: usize = 12;

fn common_reading(c: char) -> Option<Syllable> {
    let plain = c.to_pinyin()?.plain();
    Some(match U_UMLAUT.iter().find(|(u, _, _)| *u == plain) {
        Some((_, v, u)) => Syllable { main: v, alt: u },
        None => Syllable { main: plain, alt: "" },
    })
}

/// The key customers are listed by: the name with each Chinese character replaced by its
/// pinyin (surname readings applied), folded, so 张三 sorts as `zhang san`.
pub fn sort_key(name: &str) -> String {
    let name = fold(name);
    let mut key = String::with_capacity(name.len() * 2);
    let mut syll = syllables(&name).into_iter();
    for c in name.chars() {
        match c.to_pinyin().and_then(|_| syll.next()) {
            Some(s) => {
                key.push_str(s.main);
                key.push(' ');
            }
            None => key.push(c),
        }
    }
    key
}

/// The pinyin initials of a name (张三 → `zs`), surname readings applied; used e.g. to derive
/// nicknames and ids.
pub fn initials(name: &str) -> String {
    syllables(&fold(name)).iter().filter_map(|s| s.main.chars().next()).collect()
}

/// The pinyin of a name without separators (张三 → `zhangsan`), surname readings applied.
pub fn full_pinyin(name: &str) -> String {
    syllables(&fold(name)).iter().map(|s| s.main).collect()
}

/// Does `query` spell syllables `syll[..]` in order, each typed as a non-empty prefix of one of
/// its readings, ending anywhere? Returns the fewest syllables that spell it.
///
/// Walks the syllables keeping the set of query positions reachable so far (a bit set), so it
/// takes linear time whatever the name; queries longer than 63 bytes are not pinyin.
fn spells(syll: &[Syllable], query: &[u8]) -> Option<usize> {
    let end = query.len();
    if end == 0 {
        return Some(0);
    }
    if end > 63 {
        return None;
    }
    let mut reach: u64 = 1;
    for (i, s) in syll.iter().enumerate() {
        let mut next = 0u64;
        let mut from = reach;
        while from != 0 {
            let pos = from.trailing_zeros() as usize;
            from &= from - 1;
            for reading in s.readings() {
                let common = reading.bytes().zip(&query[pos..]).take_while(|(a, b)| a == *b).count();
                // Positions pos+1 ..= pos+common.
                next |= ((1u64 << common) - 1) << (pos + 1);
            }
        }
        if next >> end & 1 == 1 {
            return Some(i + 1);
        }
        if next == 0 {
            return None;
        }
        reach = next;
    }
    None
}

/// A customer's folded keys.
#[derive(Clone, Debug)]
struct Keys {
    id: Id,
    /// [`sort_key`] of the name, and its first 8 bytes as a number for quick comparisons.
    sort_key: Box<str>,
    sort_prefix: u64,
    name: Box<str>,
    syllables: Box<[Syllable]>,
    phones: Box<[Box<str>]>,
    wechat: Box<str>,
    tags: Box<[Box<str>]>,
}

/// What characters and adjacent pairs of characters a text holds, as two 64-bit sets: if a
/// query's summary is not inside a field's, the field cannot contain the query. Most fields
/// fail this test, which costs two `AND`s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Summary {
    chars: u64,
    pairs: u64,
}

impl Summary {
    fn of(text: &str) -> Summary {
        let mut s = Summary { chars: char_mask(text), pairs: 0 };
        let mut prev = None;
        for c in text.chars() {
            if let Some(p) = prev {
                s.pairs |= pair_bit(p, c);
            }
            prev = Some(c);
        }
        s
    }

    /// The summary of several values (a phone number, a tag, …): a query inside any of them
    /// passes.
    fn of_all<'a>(texts: impl Iterator<Item = &'a str>) -> Summary {
        texts.map(Summary::of).fold(Summary::default(), |a, b| Summary { chars: a.chars | b.chars, pairs: a.pairs | b.pairs })
    }

    fn covers(self, q: Summary) -> bool {
        self.chars & q.chars == q.chars && self.pairs & q.pairs == q.pairs
    }
}

fn pair_bit(a: char, b: char) -> u64 {
    let h = (a as u32).wrapping_mul(0x9E37_79B1) ^ (b as u32).wrapping_mul(0x85EB_CA77);
    1 << (h >> 26)
}

/// The summaries of one customer's fields, kept apart from the keys so the first pass over the
/// index reads one small, contiguous array. A free slot has all zero, which no query passes.
#[derive(Clone, Copy, Debug, Default)]
struct Masks {
    name: Summary,
    phone: Summary,
    wechat: Summary,
    tag: Summary,
    /// Letters of the pinyin readings.
    pinyin: u64,
    /// Letters that start a syllable (a pinyin query starts with one of them).
    initials: u64,
}

/// Digits typed before they are looked for inside phone numbers (fewer match only the end of
/// a number: one or two digits are in almost every number, so they would find everybody).
pub const MIN_PHONE_INFIX: usize = 3;

/// Fields that may hold a query (bit flags).
const NAME: u8 = 1;
const PINYIN: u8 = 2;
const PHONE: u8 = 4;
const WECHAT: u8 = 8;
const TAG: u8 = 16;

impl Masks {
    fn of(keys: &Keys) -> Masks {
        let readings = || keys.syllables.iter().flat_map(|s| s.readings());
        Masks {
            name: Summary::of(&keys.name),
            phone: Summary::of_all(keys.phones.iter().map(|p| &**p)),
            wechat: Summary::of(&keys.wechat),
            tag: Summary::of_all(keys.tags.iter().map(|t| &**t)),
            pinyin: readings().fold(0, |m, r| m | char_mask(r)),
            initials: readings().fold(0, |m, r| m | r.chars().next().map_or(0, char_bit)),
        }
    }

    /// The fields whose summary contains the query's.
    fn candidates(&self, q: &Query) -> u8 {
        let mut fields = 0;
        if self.name.covers(q.text_summary) {
            fields |= NAME;
        }
        if q.pinyin && self.pinyin & q.compact_summary.chars == q.compact_summary.chars && self.initials & q.first_bit != 0 {
            fields |= PINYIN;
        }
        if q.digits && self.phone.covers(q.compact_summary) {
            fields |= PHONE;
        }
        if self.wechat.covers(q.text_summary) {
            fields |= WECHAT;
        }
        if self.tag.covers(q.text_summary) {
            fields |= TAG;
        }
        fields
    }
}

impl Keys {
    fn new(id: &Id, c: &Customer) -> Keys {
        let name = fold(&c.name);
        let sort_key = sort_key(&name);
        let mut prefix = [0u8; 8];
        let n = sort_key.len().min(8);
        prefix[..n].copy_from_slice(&sort_key.as_bytes()[..n]);
        Keys {
            id: id.clone(),
            sort_prefix: u64::from_be_bytes(prefix),
            sort_key: sort_key.into_boxed_str(),
            syllables: syllables(&name).into_boxed_slice(),
            name: name.into_boxed_str(),
            phones: c
                .phones
                .iter()
                .map(|p| normalize_phone(p).chars().filter(char::is_ascii_digit).collect::<String>().into_boxed_str())
                .filter(|p| !p.is_empty())
                .collect(),
            wechat: fold(&c.wechat).into_boxed_str(),
            tags: c.tags.iter().map(|t| fold(t).into_boxed_str()).collect(),
        }
    }

    /// The best way `q` matches these keys, looking only at `fields`, and how much of the
    /// matched field was left over.
    fn best_match(&self, q: &Query, fields: u8) -> Option<(MatchKind, usize)> {
        let on = |field: u8| fields & field != 0;
        let slack = |field: &str| field.chars().count().saturating_sub(q.text_chars);
        let inside = |finder: &Finder, hay: &str| finder.find(hay.as_bytes()).is_some();
        if on(NAME) && self.name.starts_with(&*q.text) {
            let kind = if self.name.len() == q.text.len() { MatchKind::NameExact } else { MatchKind::NamePrefix };
            return Some((kind, slack(&self.name)));
        }
        if on(PINYIN) {
            if let Some(used) = spells(&self.syllables, q.compact.as_bytes()) {
                return Some((MatchKind::PinyinPrefix, self.syllables.len() - used));
            }
        }
        if on(PHONE) {
            if let Some(p) = self.phones.iter().find(|p| p.ends_with(&*q.compact)) {
                return Some((MatchKind::PhoneSuffix, p.len() - q.compact.len()));
            }
        }
        if on(WECHAT) && self.wechat.starts_with(&*q.text) {
            return Some((MatchKind::WechatPrefix, slack(&self.wechat)));
        }
        if on(TAG) {
            if let Some(t) = self.tags.iter().filter(|t| t.starts_with(&*q.text)).min_by_key(|t| t.len()) {
                return Some((MatchKind::TagPrefix, slack(t)));
            }
        }
        if on(NAME) && inside(&q.text_finder, &self.name) {
            return Some((MatchKind::NameInfix, slack(&self.name)));
        }
        if on(PINYIN) {
            let later = |i: usize| spells(&self.syllables[i..], q.compact.as_bytes()).map(|used| i + used);
            if let Some(end) = (1..self.syllables.len()).find_map(later) {
                return Some((MatchKind::NameInfix, self.syllables.len() - end));
            }
        }
        if on(PHONE) && q.compact.len() >= MIN_PHONE_INFIX {
            if let Some(p) = self.phones.iter().find(|p| inside(&q.compact_finder, p)) {
                return Some((MatchKind::PhoneInfix, p.len() - q.compact.len()));
            }
        }
        if on(WECHAT) && inside(&q.text_finder, &self.wechat) {
            return Some((MatchKind::WechatInfix, slack(&self.wechat)));
        }
        if on(TAG) {
            if let Some(t) = self.tags.iter().filter(|t| inside(&q.text_finder, t)).min_by_key(|t| t.len()) {
                return Some((MatchKind::TagInfix, slack(t)));
            }
        }
        None
    }
}

/// A prepared query.
struct Query {
    /// Folded and trimmed: matched against names, WeChat ids and tags.
    text: String,
    text_chars: usize,
    text_summary: Summary,
    text_finder: Finder<'static>,
    /// `text` without separators: matched against pinyin and phone numbers.
    compact: String,
    compact_summary: Summary,
    compact_finder: Finder<'static>,
    /// The bit of `compact`'s first character.
    first_bit: u64,
    /// `compact` is all ASCII letters (so it may be pinyin).
    pinyin: bool,
    /// `compact` is all ASCII digits (so it may be part of a phone number).
    digits: bool,
}

impl Query {
    fn new(input: &str) -> Option<Query> {
        let text = fold(input);
        if text.is_empty() {
            return None;
        }
        let compact: String =
            text.chars().filter(|c| !is_separator(*c)).map(|c| if c == 'ü' { 'v' } else { c }).collect();
        Some(Query {
            text_chars: text.chars().count(),
            text_summary: Summary::of(&text),
            text_finder: Finder::new(&text).into_owned(),
            compact_summary: Summary::of(&compact),
            first_bit: compact.chars().next().map_or(0, char_bit),
            compact_finder: Finder::new(&compact).into_owned(),
            pinyin: !compact.is_empty() && compact.bytes().all(|b| b.is_ascii_lowercase()),
            digits: !compact.is_empty() && compact.bytes().all(|b| b.is_ascii_digit()),
            text,
            compact,
        })
    }
}

/// The search index over a book's customers. See the [module docs](self).
#[derive(Clone, Debug, Default)]
pub struct SearchIndex {
    slots: Vec<Option<Keys>>,
    /// Parallel to `slots`.
    masks: Vec<Masks>,
    by_id: HashMap<Id, usize>,
    free: Vec<usize>,
}

impl SearchIndex {
    /// An empty index.
    pub fn new() -> Self {
        SearchIndex::default()
    }

    /// An index of every live customer in `book`.
    pub fn from_book(book: &Book) -> Self {
        let mut index = SearchIndex::new();
        for (id, state) in book.records(RecordKind::Customer) {
            if let Ok(customer) = state.decode::<Customer>() {
                index.upsert(id, &customer);
            }
        }
        index
    }

    /// Indexes a new customer, or re-indexes one whose profile changed.
    pub fn upsert(&mut self, id: &Id, customer: &Customer) {
        let keys = Keys::new(id, customer);
        let masks = Masks::of(&keys);
        let slot = match self.by_id.get(id) {
            Some(&slot) => slot,
            None => {
                let slot = self.free.pop().unwrap_or_else(|| {
                    self.slots.push(None);
                    self.masks.push(Masks::default());
                    self.slots.len() - 1
                });
                self.by_id.insert(id.clone(), slot);
                slot
            }
        };
        self.slots[slot] = Some(keys);
        self.masks[slot] = masks;
    }

    /// Drops a customer from the index. Returns whether they were in it.
    pub fn remove(&mut self, id: &Id) -> bool {
        match self.by_id.remove(id) {
            Some(slot) => {
                self.slots[slot] = None;
                self.masks[slot] = Masks::default();
                self.free.push(slot);
                true
            }
            None => false,
        }
    }

    /// Brings one customer up to date with `book` after a change to their record: re-indexes
    /// them, or drops them when they were deleted (or cannot be decoded).
    pub fn refresh(&mut self, book: &Book, id: &Id) {
        match book.get::<Customer>(RecordKind::Customer, id) {
            Some(customer) => self.upsert(id, &customer),
            None => {
                self.remove(id);
            }
        }
    }

    /// How many customers are indexed.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// True when no customer is indexed.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The customers matching `query`, best first (see the [module docs](self) for the order),
    /// at most `limit` of them, and how many matched in all. A blank query matches nobody.
    pub fn search(&self, query: &str, limit: usize) -> Results {
        let Some(q) = Query::new(query) else {
            return Results::default();
        };
        // (kind, slack, sort prefix) packed into one number, then the slot.
        let mut found: Vec<(u128, usize)> = Vec::new();
        for (slot, masks) in self.masks.iter().enumerate() {
            let fields = masks.candidates(&q);
            if fields == 0 {
                continue;
            }
            let Some(keys) = &self.slots[slot] else { continue };
            if let Some((kind, slack)) = keys.best_match(&q, fields) {
                let rank = (kind as u128) << 96 | (slack.min(u32::MAX as usize) as u128) << 64 | keys.sort_prefix as u128;
                found.push((rank, slot));
            }
        }
        let total = found.len();
        let keys = |slot: usize| self.slots[slot].as_ref().map(|k| (&k.sort_key, &k.id));
        let order = |a: &(u128, usize), b: &(u128, usize)| -> Ordering {
            a.0.cmp(&b.0).then_with(|| keys(a.1).cmp(&keys(b.1)))
        };
        if limit == 0 {
            found.clear();
        } else if found.len() > limit {
            found.select_nth_unstable_by(limit - 1, order);
            found.truncate(limit);
        }
        found.sort_unstable_by(order);
        let hits = found
            .into_iter()
            .filter_map(|(rank, slot)| {
                let kind = MatchKind::ALL[(rank >> 96) as usize];
                self.slots[slot].as_ref().map(|k| Hit { id: k.id.clone(), kind })
            })
            .collect();
        Results { hits, total }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spells_accepts_full_initial_and_mixed_pinyin() {
        let s = syllables("张三丰");
        for q in ["zsf", "zhangsanfeng", "zhang", "zhangs", "zsanf", "z"] {
            assert!(spells(&s, q.as_bytes()).is_some(), "{q}");
        }
        for q in ["zhangsanfengx", "sz", "zhangf", "x"] {
            assert_eq!(spells(&s, q.as_bytes()), None, "{q}");
        }
        assert_eq!(spells(&s, b"zs"), Some(2));
    }

    #[test]
    fn spelling_stays_linear_for_hostile_names_and_queries() {
        let name: String = "阿".repeat(10_000);
        let s = syllables(&name);
        assert_eq!(s.len(), MAX_SYLLABLES);
        assert_eq!(spells(&s, "a".repeat(12).as_bytes()), Some(12));
        assert_eq!(spells(&s, "a".repeat(13).as_bytes()), None);
        assert_eq!(spells(&s, "a".repeat(64).as_bytes()), None);
        let ix = {
            let mut ix = SearchIndex::new();
            let c = Customer { name: name.clone(), ..Customer::default() };
            ix.upsert(&Id::parse("x").unwrap(), &c);
            ix
        };
        assert_eq!(ix.search(&"a".repeat(5_000), 5).total, 0);
        assert_eq!(ix.search("aaab", 5).total, 0);
        assert_eq!(ix.search("aaa", 5).hits[0].kind, MatchKind::PinyinPrefix);
    }

    #[test]
    fn surname_readings_replace_the_common_one_at_the_start_only() {
        assert_eq!(full_pinyin("曾小贤"), "zengxiaoxian");
        assert_eq!(full_pinyin("小曾"), "xiaoceng");
        assert_eq!(full_pinyin("尉迟恭"), "yuchigong");
        assert_eq!(initials("单田芳"), "stf");
        assert_eq!(full_pinyin("吕布"), "lvbu");
        assert_eq!(sort_key("Amy王"), "amywang ");
    }

    #[test]
    fn folding_makes_full_width_ascii_and_lowercase() {
        assert_eq!(fold("  ＺＳ１２３　"), "zs123");
        assert_eq!(fold("VIP"), "vip");
    }
}
