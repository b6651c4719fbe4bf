//! Type-ahead customer search (docs/segmentation.md, "Search").
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
//! 9. [`MatchKind::WechatInfix`], 10. [`MatchKind::TagInfix`]: inside the WeChat id or a tag
//!    (from [`MIN_TEXT_INFIX`] characters on).
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
//! Every key is folded once, when the customer is indexed, into one string per customer. A
//! query is one pass over a contiguous array holding one 64-byte line per customer: bit sets
//! of the characters and character pairs of their name, WeChat id and tags, of the digit pairs
//! and last digits of their phone numbers, of the letters of their pinyin, and the start of
//! their list order. These reject almost every customer who cannot match with a few `AND`s;
//! only the survivors' keys are compared, and only the `limit` best matches are sorted.
//! `search_keystroke_20k` (benches/analysis.rs) times a keystroke over 20,000 customers; the
//! browser test `tests/wasm_analysis.rs` logs the same in wasm (about 0.75 ms a keystroke).

mod image;
mod pinyin_table;

use crate::book::Book;
use crate::domain::{Customer, normalize_phone};
use crate::id::Id;
use crate::op::RecordKind;
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
const U_UMLAUT: &[(&str, &str, &str)] = &[
    ("lü", "lv", "lu"),
    ("nü", "nv", "nu"),
    ("lüe", "lve", "lue"),
    ("nüe", "nve", "nue"),
];

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

/// The characters in a text as a 128-bit set: one bit per ASCII letter and digit, the other
/// characters (Chinese ones, mostly) hashed into the remaining 92 bits.
fn char_mask(text: &str) -> u128 {
    text.chars().fold(0, |m, c| m | char_bit(c))
}

fn char_bit(c: char) -> u128 {
    match c {
        'a'..='z' => 1 << (c as u32 - 'a' as u32),
        '0'..='9' => 1 << (26 + c as u32 - '0' as u32),
        _ => 1 << (36 + (c as u32).wrapping_mul(2_654_435_761) % 92),
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
    text.chars()
        .map(fold_char)
        .collect::<String>()
        .trim()
        .to_owned()
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
            out.push(Syllable {
                main: reading,
                alt: if common == *reading { "" } else { common },
            });
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
    let plain = pinyin_table::reading(c)?;
    Some(match U_UMLAUT.iter().find(|(u, _, _)| *u == plain) {
        Some((_, v, u)) => Syllable { main: v, alt: u },
        None => Syllable {
            main: plain,
            alt: "",
        },
    })
}

/// The key customers are listed by: the name with each Chinese character replaced by its
/// pinyin (surname readings applied), folded, so 张三 sorts as `zhang san`.
pub fn sort_key(name: &str) -> String {
    let name = fold(name);
    let mut key = String::with_capacity(name.len() * 2);
    let mut syll = syllables(&name).into_iter();
    for c in name.chars() {
        match pinyin_table::reading(c).and_then(|_| syll.next()) {
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
    syllables(&fold(name))
        .iter()
        .filter_map(|s| s.main.chars().next())
        .collect()
}

/// The pinyin of a name without separators (张三 → `zhangsan`), surname readings applied.
pub fn full_pinyin(name: &str) -> String {
    syllables(&fold(name)).iter().map(|s| s.main).collect()
}

/// The syllables of a name as one string: syllables separated by spaces, a second reading
/// after `|` (`zeng|ceng xiao xian`).
fn encode_readings(syllables: &[Syllable]) -> String {
    let mut out = String::new();
    for (i, s) in syllables.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(s.main);
        if !s.alt.is_empty() {
            out.push('|');
            out.push_str(s.alt);
        }
    }
    out
}

/// Does `query` spell the syllables of `readings` (see [`encode_readings`]) from the first one
/// on, in order, each typed as a non-empty prefix of one of its readings, ending anywhere?
/// Returns the fewest syllables that spell it.
///
/// Walks the syllables keeping the set of query positions reachable so far (a bit set), so it
/// takes linear time whatever the name; queries longer than 63 bytes are not pinyin.
fn spells(readings: &[u8], query: &[u8]) -> Option<usize> {
    let end = query.len();
    if end == 0 {
        return Some(0);
    }
    if end > 63 || readings.is_empty() {
        return None;
    }
    let mut reach: u64 = 1;
    for (i, syllable) in readings.split(|&b| b == b' ').enumerate() {
        let mut next = 0u64;
        let mut from = reach;
        while from != 0 {
            let pos = from.trailing_zeros() as usize;
            from &= from - 1;
            for reading in syllable.split(|&b| b == b'|') {
                let common = reading
                    .iter()
                    .zip(&query[pos..])
                    .take_while(|(a, b)| a == b)
                    .count();
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

/// A customer's folded keys in one string — name, WeChat id, phone numbers (digits, one per
/// line), tags (one per line), then the name's pinyin ([`encode_readings`]) — so that looking
/// at a customer touches one small allocation.
#[derive(Clone, Debug, Default)]
struct Keys {
    text: Box<str>,
    /// Where the name, the WeChat id, the phone numbers and the tags end in `text`.
    ends: [u32; 4],
    /// Number of pinyin syllables.
    syllables: u32,
}

/// The values of a multi-valued field (one per line).
fn lines(field: &[u8]) -> impl Iterator<Item = &[u8]> {
    field.split(|&b| b == b'\n').filter(|v| !v.is_empty())
}

/// The number of characters in UTF-8 text (its bytes that do not continue a character).
fn char_count(text: &[u8]) -> usize {
    text.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

/// What the index keeps about a customer besides the keys matched against: their id and list
/// order (read only to break ties between equally good matches, and for the results).
#[derive(Clone, Debug)]
struct Entry {
    id: Id,
    sort_key: Box<str>,
}

/// What characters and adjacent pairs of characters a text holds: if a query's summary is not
/// inside a field's, the field cannot contain the query. Most fields fail this test, which
/// costs two `AND`s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Summary {
    chars: u128,
    pairs: u64,
}

impl Summary {
    fn of(text: &str) -> Summary {
        let mut s = Summary {
            chars: char_mask(text),
            pairs: 0,
        };
        let mut prev = None;
        for c in text.chars() {
            if let Some(p) = prev {
                s.pairs |= pair_bit(p, c);
            }
            prev = Some(c);
        }
        s
    }

    /// The summary of two texts together: a query inside either passes.
    fn with(self, other: Summary) -> Summary {
        Summary {
            chars: self.chars | other.chars,
            pairs: self.pairs | other.pairs,
        }
    }

    fn covers(self, q: Summary) -> bool {
        self.chars & q.chars == q.chars && self.pairs & q.pairs == q.pairs
    }
}

fn pair_bit(a: char, b: char) -> u64 {
    let h = (a as u32).wrapping_mul(0x9E37_79B1) ^ (b as u32).wrapping_mul(0x85EB_CA77);
    1 << (h >> 26)
}

/// The adjacent digit pairs of a run of digits, one bit for each of the 100 pairs.
fn digit_pairs(digits: &[u8]) -> u128 {
    digits.windows(2).fold(0, |m, w| {
        m | 1 << (u32::from(w[0] - b'0') * 10 + u32::from(w[1] - b'0'))
    })
}

/// The bit of a digit (the last digit of a phone number, for one-digit queries).
fn digit_bit(digit: u8) -> u16 {
    1 << (digit - b'0')
}

/// The summaries of one customer's fields and the start of their list order, kept apart from
/// the keys so the first pass over the index reads one small, contiguous array (one 64-byte
/// line a customer). A free slot has all zero, which no query passes.
#[derive(Clone, Copy, Debug, Default)]
struct Masks {
    /// Name, WeChat id and tags together ([`Summary`], unpacked so the struct fills one line).
    text_chars: u128,
    /// The digit pairs of the phone numbers ([`digit_pairs`]).
    phone_pairs: u128,
    text_pairs: u64,
    /// The first 8 bytes of the [`sort_key`], as a number.
    sort_prefix: u64,
    /// Letters of the pinyin readings ([`letter_bit`]).
    pinyin: u32,
    /// Letters that start the first syllable, and those that start a later one (a pinyin
    /// query starts with one of them).
    first_initials: u32,
    later_initials: u32,
    /// The last digits of the phone numbers ([`digit_bit`]).
    phone_last: u16,
}

/// One bit per lowercase ASCII letter.
fn letter_bit(b: u8) -> u32 {
    if b.is_ascii_lowercase() {
        1 << (b - b'a')
    } else {
        0
    }
}

/// Digits typed before they are looked for inside phone numbers (fewer match only the end of
/// a number: one or two digits are in almost every number, so they would find everybody).
pub const MIN_PHONE_INFIX: usize = 3;

/// Characters typed before they are looked for inside WeChat ids and tags (one character only
/// matches their start: a single letter or digit is inside too many ids to help).
pub const MIN_TEXT_INFIX: usize = 2;

/// Fields that may hold a query (bit flags): name, WeChat id and tags; pinyin from the first
/// syllable; pinyin from a later syllable; phones.
const TEXT: u8 = 1;
const PINYIN_START: u8 = 2;
const PINYIN_LATER: u8 = 4;
const PHONE: u8 = 8;

impl Masks {
    fn of(keys: &Keys, sort_key: &str) -> Masks {
        let readings = || keys.pinyin().split(|&b| b == b' ' || b == b'|');
        let initials = |syllable: &[u8]| {
            syllable
                .split(|&b| b == b'|')
                .fold(0, |m, r| m | r.first().map_or(0, |&b| letter_bit(b)))
        };
        let mut syllables = keys.pinyin().split(|&b| b == b' ');
        let mut prefix = [0u8; 8];
        let n = sort_key.len().min(8);
        prefix[..n].copy_from_slice(&sort_key.as_bytes()[..n]);
        let tags = keys
            .tags()
            .map(|t| Summary::of(&String::from_utf8_lossy(t)));
        let text = tags.fold(
            Summary::of(keys.name()).with(Summary::of(keys.wechat())),
            Summary::with,
        );
        Masks {
            text_chars: text.chars,
            text_pairs: text.pairs,
            phone_pairs: keys.phones().fold(0, |m, p| m | digit_pairs(p)),
            phone_last: keys
                .phones()
                .fold(0, |m, p| m | p.last().map_or(0, |&d| digit_bit(d))),
            pinyin: readings().flatten().fold(0, |m, &b| m | letter_bit(b)),
            first_initials: initials(syllables.next().unwrap_or_default()),
            later_initials: syllables.fold(0, |m, syllable| m | initials(syllable)),
            sort_prefix: u64::from_be_bytes(prefix),
        }
    }

    /// The fields whose summary contains the query's.
    fn candidates(&self, q: &Query) -> u8 {
        let mut fields = 0;
        if (Summary {
            chars: self.text_chars,
            pairs: self.text_pairs,
        })
        .covers(q.text_summary)
        {
            fields |= TEXT;
        }
        if q.pinyin && self.pinyin & q.letters == q.letters {
            if self.first_initials & q.first_letter != 0 {
                fields |= PINYIN_START;
            }
            if self.later_initials & q.first_letter != 0 {
                fields |= PINYIN_LATER;
            }
        }
        if q.digits
            && self.phone_pairs & q.digit_pairs == q.digit_pairs
            && self.phone_last & q.last_digit == q.last_digit
        {
            fields |= PHONE;
        }
        fields
    }
}

impl Keys {
    /// The keys of `customer`, whose folded name is `name`.
    fn new(customer: &Customer, name: &str) -> Keys {
        let mut text = String::with_capacity(name.len() * 3 + 48);
        text.push_str(name);
        let name_end = text.len();
        text.push_str(&fold(&customer.wechat));
        let wechat_end = text.len();
        for phone in &customer.phones {
            text.extend(normalize_phone(phone).chars().filter(char::is_ascii_digit));
            text.push('\n');
        }
        let phones_end = text.len();
        for tag in &customer.tags {
            text.push_str(&fold(tag));
            text.push('\n');
        }
        let tags_end = text.len();
        let syllables = syllables(name);
        text.push_str(&encode_readings(&syllables));
        let at = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Keys {
            text: text.into_boxed_str(),
            ends: [at(name_end), at(wechat_end), at(phones_end), at(tags_end)],
            syllables: at(syllables.len()),
        }
    }

    /// Field `i` of `text`: 0 name, 1 WeChat id, 2 phones, 3 tags, 4 pinyin.
    fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let end = self.ends.get(i).map_or(self.text.len(), |&e| e as usize);
        self.text.as_bytes().get(start..end).unwrap_or_default()
    }

    fn name(&self) -> &str {
        let end = self.ends[0] as usize;
        self.text.get(..end).unwrap_or_default()
    }

    fn wechat(&self) -> &str {
        let (start, end) = (self.ends[0] as usize, self.ends[1] as usize);
        self.text.get(start..end).unwrap_or_default()
    }

    fn phones(&self) -> impl Iterator<Item = &[u8]> {
        lines(self.field(2))
    }

    fn tags(&self) -> impl Iterator<Item = &[u8]> {
        lines(self.field(3))
    }

    fn pinyin(&self) -> &[u8] {
        self.field(4)
    }

    /// The best way `q` matches these keys, looking only at `fields`, and how much of the
    /// matched field was left over.
    fn best_match(&self, q: &Query, fields: u8) -> Option<(MatchKind, usize)> {
        let on = |field: u8| fields & field != 0;
        let (text, compact) = (q.text.as_bytes(), q.compact.as_bytes());
        let slack = |field: &[u8]| char_count(field).saturating_sub(q.text_chars);
        let inside = |finder: &Finder<'_>, hay: &[u8]| finder.find(hay).is_some();
        let syllables = self.syllables as usize;
        let (name, wechat) = (self.name().as_bytes(), self.wechat().as_bytes());
        if on(TEXT) && name.starts_with(text) {
            let kind = if name.len() == text.len() {
                MatchKind::NameExact
            } else {
                MatchKind::NamePrefix
            };
            return Some((kind, slack(name)));
        }
        if on(PINYIN_START)
            && let Some(used) = spells(self.pinyin(), compact)
        {
            return Some((MatchKind::PinyinPrefix, syllables - used));
        }
        if on(PHONE)
            && let Some(p) = self.phones().find(|p| p.ends_with(compact))
        {
            return Some((MatchKind::PhoneSuffix, p.len() - compact.len()));
        }
        if on(TEXT) && wechat.starts_with(text) {
            return Some((MatchKind::WechatPrefix, slack(wechat)));
        }
        if on(TEXT) {
            if let Some(t) = self
                .tags()
                .filter(|t| t.starts_with(text))
                .min_by_key(|t| t.len())
            {
                return Some((MatchKind::TagPrefix, slack(t)));
            }
            if inside(&q.text_finder, name) {
                return Some((MatchKind::NameInfix, slack(name)));
            }
        }
        if on(PINYIN_LATER) {
            let pinyin = self.pinyin();
            let starts = pinyin
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b' ')
                .map(|(at, _)| at + 1);
            let later = starts
                .enumerate()
                .find_map(|(i, at)| spells(&pinyin[at..], compact).map(|used| i + 1 + used));
            if let Some(end) = later {
                return Some((MatchKind::NameInfix, syllables - end));
            }
        }
        if on(PHONE)
            && compact.len() >= MIN_PHONE_INFIX
            && let Some(p) = self.phones().find(|p| inside(&q.compact_finder, p))
        {
            return Some((MatchKind::PhoneInfix, p.len() - compact.len()));
        }
        if on(TEXT) && q.text_chars >= MIN_TEXT_INFIX {
            if inside(&q.text_finder, wechat) {
                return Some((MatchKind::WechatInfix, slack(wechat)));
            }
            if let Some(t) = self
                .tags()
                .filter(|t| inside(&q.text_finder, t))
                .min_by_key(|t| t.len())
            {
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
    compact_finder: Finder<'static>,
    /// For a phone query: its digit pairs, and for one digit (matched only at the end of a
    /// number) that digit's bit.
    digit_pairs: u128,
    last_digit: u16,
    /// `compact`'s letters ([`letter_bit`]) and its first letter's bit.
    letters: u32,
    first_letter: u32,
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
        let compact: String = text
            .chars()
            .filter(|c| !is_separator(*c))
            .map(|c| if c == 'ü' { 'v' } else { c })
            .collect();
        let digits = !compact.is_empty() && compact.bytes().all(|b| b.is_ascii_digit());
        Some(Query {
            text_chars: text.chars().count(),
            text_summary: Summary::of(&text),
            text_finder: Finder::new(&text).into_owned(),
            digit_pairs: if digits {
                digit_pairs(compact.as_bytes())
            } else {
                0
            },
            last_digit: if digits && compact.len() == 1 {
                digit_bit(compact.as_bytes()[0])
            } else {
                0
            },
            letters: compact.bytes().fold(0, |m, b| m | letter_bit(b)),
            first_letter: compact.bytes().next().map_or(0, letter_bit),
            compact_finder: Finder::new(&compact).into_owned(),
            pinyin: !compact.is_empty() && compact.bytes().all(|b| b.is_ascii_lowercase()),
            digits,
            text,
            compact,
        })
    }
}

/// The search index over a book's customers. See the [module docs](self).
#[derive(Clone, Debug, Default)]
pub struct SearchIndex {
    /// Per slot: scanned first, for every query.
    masks: Vec<Masks>,
    /// Per slot: read for the customers whose masks pass.
    keys: Vec<Keys>,
    /// Per slot: read for ties and results; `None` for a free slot.
    entries: Vec<Option<Entry>>,
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
        let name = fold(&customer.name);
        let keys = Keys::new(customer, &name);
        let sort_key = sort_key(&name);
        let masks = Masks::of(&keys, &sort_key);
        let slot = match self.by_id.get(id) {
            Some(&slot) => slot,
            None => {
                let slot = self.free.pop().unwrap_or_else(|| {
                    self.masks.push(Masks::default());
                    self.keys.push(Keys::default());
                    self.entries.push(None);
                    self.masks.len() - 1
                });
                self.by_id.insert(id.clone(), slot);
                slot
            }
        };
        self.masks[slot] = masks;
        self.keys[slot] = keys;
        self.entries[slot] = Some(Entry {
            id: id.clone(),
            sort_key: sort_key.into_boxed_str(),
        });
    }

    /// Drops a customer from the index. Returns whether they were in it.
    pub fn remove(&mut self, id: &Id) -> bool {
        match self.by_id.remove(id) {
            Some(slot) => {
                self.masks[slot] = Masks::default();
                self.keys[slot] = Keys::default();
                self.entries[slot] = None;
                self.free.push(slot);
                true
            }
            None => false,
        }
    }

    /// Brings one customer up to date with `book` after a change to their record: re-indexes
    /// them, or drops them when they were deleted (or cannot be decoded).
    pub fn refresh(&mut self, book: &Book, id: &Id) {
        match book.get::<Customer>(id) {
            Some(customer) => self.upsert(id, &customer),
            None => {
                self.remove(id);
            }
        }
    }

    /// A customer's key in list order (their name's pinyin, see [`sort_key`]), if indexed.
    pub fn sort_key(&self, id: &Id) -> Option<&str> {
        let slot = *self.by_id.get(id)?;
        self.entries[slot].as_ref().map(|e| &*e.sort_key)
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
        let mut found: Vec<(u128, usize)> = Vec::with_capacity(1024);
        for (slot, masks) in self.masks.iter().enumerate() {
            let fields = masks.candidates(&q);
            if fields == 0 {
                continue;
            }
            if let Some((kind, slack)) = self.keys[slot].best_match(&q, fields) {
                let slack = slack.min(u32::MAX as usize) as u128;
                found.push((
                    (kind as u128) << 96 | slack << 64 | u128::from(masks.sort_prefix),
                    slot,
                ));
            }
        }
        let total = found.len();
        let entry = |slot: usize| self.entries[slot].as_ref().map(|e| (&e.sort_key, &e.id));
        let order = |a: &(u128, usize), b: &(u128, usize)| {
            a.0.cmp(&b.0).then_with(|| entry(a.1).cmp(&entry(b.1)))
        };
        if limit == 0 {
            found.clear();
        } else if found.len() > limit {
            found.select_nth_unstable_by(limit - 1, order);
            found.truncate(limit);
        }
        crate::sorting::sort_by(&mut found, order);
        let hits = found
            .into_iter()
            .filter_map(|(rank, slot)| {
                let kind = MatchKind::ALL[(rank >> 96) as usize];
                self.entries[slot].as_ref().map(|e| Hit {
                    id: e.id.clone(),
                    kind,
                })
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
        let s = encode_readings(&syllables("张三丰"));
        assert_eq!(s, "zhang san feng");
        for q in ["zsf", "zhangsanfeng", "zhang", "zhangs", "zsanf", "z"] {
            assert!(spells(s.as_bytes(), q.as_bytes()).is_some(), "{q}");
        }
        for q in ["zhangsanfengx", "sz", "zhangf", "x"] {
            assert_eq!(spells(s.as_bytes(), q.as_bytes()), None, "{q}");
        }
        assert_eq!(spells(s.as_bytes(), b"zs"), Some(2));
    }

    #[test]
    fn spelling_stays_linear_for_hostile_names_and_queries() {
        let name: String = "阿".repeat(10_000);
        assert_eq!(syllables(&name).len(), MAX_SYLLABLES);
        let s = encode_readings(&syllables(&name));
        assert_eq!(spells(s.as_bytes(), "a".repeat(12).as_bytes()), Some(12));
        assert_eq!(spells(s.as_bytes(), "a".repeat(13).as_bytes()), None);
        assert_eq!(spells(s.as_bytes(), "a".repeat(64).as_bytes()), None);
        let ix = {
            let mut ix = SearchIndex::new();
            let c = Customer {
                name: name.clone(),
                ..Customer::default()
            };
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
        assert_eq!(encode_readings(&syllables("曾吕")), "zeng|ceng lv|lu");
    }

    #[test]
    fn the_masks_of_a_customer_fill_one_cache_line() {
        assert!(size_of::<Masks>() <= 64);
    }

    #[test]
    fn folding_makes_full_width_ascii_and_lowercase() {
        assert_eq!(fold("  ＺＳ１２３　"), "zs123");
        assert_eq!(fold("VIP"), "vip");
    }
}
