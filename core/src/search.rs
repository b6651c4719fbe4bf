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
//! 8. [`MatchKind::PhoneInfix`]: digits anywhere in a phone number;
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

/// A 64-bit summary of the characters in a text: one bit per ASCII letter and digit, the rest
/// hashed into the remaining 28 bits. If a query's summary is not inside a field's, the field
/// cannot contain the query.
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
    out
}

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
/// its readings, ending anywhere? Returns the number of syllables used.
fn spells(syll: &[Syllable], query: &[u8]) -> Option<usize> {
    if query.is_empty() {
        return Some(0);
    }
    let (first, rest) = syll.split_first()?;
    for reading in first.readings() {
        let common = reading.bytes().zip(query).take_while(|(a, b)| a == *b).count();
        for k in (1..=common).rev() {
            if let Some(n) = spells(rest, &query[k..]) {
                return Some(n + 1);
            }
        }
    }
    None
}

/// A customer's folded keys.
#[derive(Clone, Debug)]
struct Keys {
    id: Id,
    name: Box<str>,
    sort_key: Box<str>,
    syllables: Box<[Syllable]>,
    phones: Box<[Box<str>]>,
    wechat: Box<str>,
    tags: Box<[Box<str>]>,
    name_mask: u64,
    pinyin_mask: u64,
    phone_mask: u64,
    wechat_mask: u64,
    tag_mask: u64,
}

impl Keys {
    fn new(id: &Id, c: &Customer) -> Keys {
        let name = fold(&c.name);
        let syllables = syllables(&name);
        let phones: Vec<Box<str>> = c
            .phones
            .iter()
            .map(|p| normalize_phone(p).chars().filter(char::is_ascii_digit).collect::<String>().into_boxed_str())
            .filter(|p| !p.is_empty())
            .collect();
        let wechat = fold(&c.wechat);
        let tags: Vec<Box<str>> = c.tags.iter().map(|t| fold(t).into_boxed_str()).collect();
        let pinyin_mask = syllables.iter().flat_map(|s| s.readings()).fold(0, |m, r| m | char_mask(r));
        Keys {
            id: id.clone(),
            sort_key: sort_key(&name).into_boxed_str(),
            name_mask: char_mask(&name),
            pinyin_mask,
            phone_mask: phones.iter().fold(0, |m, p| m | char_mask(p)),
            wechat_mask: char_mask(&wechat),
            tag_mask: tags.iter().fold(0, |m, t| m | char_mask(t)),
            name: name.into_boxed_str(),
            syllables: syllables.into_boxed_slice(),
            phones: phones.into_boxed_slice(),
            wechat: wechat.into_boxed_str(),
            tags: tags.into_boxed_slice(),
        }
    }

    /// The best way `q` matches these keys, and how much of the field was left over.
    fn best_match(&self, q: &Query) -> Option<(MatchKind, usize)> {
        let has = |field_mask: u64, query_mask: u64| field_mask & query_mask == query_mask;
        let name_ok = has(self.name_mask, q.text_mask);
        let pinyin_ok = q.pinyin && has(self.pinyin_mask, q.compact_mask);
        let phone_ok = q.digits && has(self.phone_mask, q.compact_mask);
        let wechat_ok = !self.wechat.is_empty() && has(self.wechat_mask, q.text_mask);
        let tag_ok = has(self.tag_mask, q.text_mask);
        let slack = |field: &str| field.chars().count().saturating_sub(q.text_chars);
        if name_ok && self.name.starts_with(&*q.text) {
            let kind = if self.name.len() == q.text.len() { MatchKind::NameExact } else { MatchKind::NamePrefix };
            return Some((kind, slack(&self.name)));
        }
        let pinyin_infix = if pinyin_ok {
            let q_bytes = q.compact.as_bytes();
            if let Some(used) = spells(&self.syllables, q_bytes) {
                return Some((MatchKind::PinyinPrefix, self.syllables.len() - used));
            }
            (1..self.syllables.len()).find_map(|i| spells(&self.syllables[i..], q_bytes).map(|u| (i, u)))
        } else {
            None
        };
        if phone_ok {
            if let Some(p) = self.phones.iter().find(|p| p.ends_with(&*q.compact)) {
                return Some((MatchKind::PhoneSuffix, p.len() - q.compact.len()));
            }
        }
        if wechat_ok && self.wechat.starts_with(&*q.text) {
            return Some((MatchKind::WechatPrefix, slack(&self.wechat)));
        }
        if tag_ok {
            if let Some(t) = self.tags.iter().filter(|t| t.starts_with(&*q.text)).min_by_key(|t| t.len()) {
                return Some((MatchKind::TagPrefix, slack(t)));
            }
        }
        if name_ok && self.name.contains(&*q.text) {
            return Some((MatchKind::NameInfix, slack(&self.name)));
        }
        if let Some((start, used)) = pinyin_infix {
            return Some((MatchKind::NameInfix, self.syllables.len() - start - used));
        }
        if phone_ok {
            if let Some(p) = self.phones.iter().find(|p| p.contains(&*q.compact)) {
                return Some((MatchKind::PhoneInfix, p.len() - q.compact.len()));
            }
        }
        if wechat_ok && self.wechat.contains(&*q.text) {
            return Some((MatchKind::WechatInfix, slack(&self.wechat)));
        }
        if tag_ok {
            if let Some(t) = self.tags.iter().filter(|t| t.contains(&*q.text)).min_by_key(|t| t.len()) {
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
    text_mask: u64,
    /// `text` without separators: matched against pinyin and phone numbers.
    compact: String,
    compact_mask: u64,
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
            text_mask: char_mask(&text),
            compact_mask: char_mask(&compact),
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
        match self.by_id.get(id) {
            Some(&slot) => self.slots[slot] = Some(keys),
            None => {
                let slot = match self.free.pop() {
                    Some(slot) => {
                        self.slots[slot] = Some(keys);
                        slot
                    }
                    None => {
                        self.slots.push(Some(keys));
                        self.slots.len() - 1
                    }
                };
                self.by_id.insert(id.clone(), slot);
            }
        }
    }

    /// Drops a customer from the index. Returns whether they were in it.
    pub fn remove(&mut self, id: &Id) -> bool {
        match self.by_id.remove(id) {
            Some(slot) => {
                self.slots[slot] = None;
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
        let mut found: Vec<(MatchKind, usize, &Keys)> = self
            .slots
            .iter()
            .flatten()
            .filter_map(|keys| keys.best_match(&q).map(|(kind, slack)| (kind, slack, keys)))
            .collect();
        let total = found.len();
        let order = |a: &(MatchKind, usize, &Keys), b: &(MatchKind, usize, &Keys)| -> Ordering {
            (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| a.2.sort_key.cmp(&b.2.sort_key)).then_with(|| a.2.id.cmp(&b.2.id))
        };
        if limit == 0 {
            found.clear();
        } else if found.len() > limit {
            found.select_nth_unstable_by(limit - 1, order);
            found.truncate(limit);
        }
        found.sort_unstable_by(order);
        Results { hits: found.into_iter().map(|(kind, _, keys)| Hit { id: keys.id.clone(), kind }).collect(), total }
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
