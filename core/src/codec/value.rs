//! JSON-like values in a compact, self-describing binary form.
//!
//! Every field value and every entry of the book is a JSON value (so that fields, entry kinds
//! and enum values written by a newer app version survive, byte for byte, on an older one). This
//! encoding keeps exactly that value model — null, booleans, integers, floats, strings, arrays,
//! objects — while writing the strings the shop's data is full of in fewer bytes:
//!
//! | tag | value | bytes after the tag |
//! |---|---|---|
//! | 0, 1, 2 | `null`, `false`, `true` | — |
//! | 3 | integer ≥ 0 | varint |
//! | 4 | integer < 0 | varint of `-(n + 1)` |
//! | 5 | other number | `f64`, little-endian |
//! | 6 | string | varint length, UTF-8 |
//! | 7 | array | varint count, the items |
//! | 8 | object | varint count, then key (a string form) and value, in key order |
//! | 9 | a UUID in canonical text (`0189…-…`, lowercase) | its 16 bytes |
//! | 10 | a date `YYYY-MM-DD` | zigzag days since 1970-01-01 |
//! | 11 | a date-time `YYYY-MM-DDTHH:MM:SS` | zigzag seconds since 1970-01-01T00:00:00 |
//! | 12 | one of the [`WORDS`] (field names, enum values) | its index, one byte |
//!
//! A string takes tag 9, 10 or 11 only when writing it back gives exactly the same text, so
//! decoding always returns what was encoded ([`decode_value`] ∘ [`encode_value`] is the identity).
//!
//! Values decode straight into typed data through serde ([`from_bytes`]), without building a
//! [`serde_json::Value`] first.

use super::DecodeError;
use super::bytes::{Reader, Writer};
use chrono::{DateTime, NaiveDate};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde_json::{Number, Value};

pub(crate) const NULL: u8 = 0;
pub(crate) const FALSE: u8 = 1;
pub(crate) const TRUE: u8 = 2;
pub(crate) const UINT: u8 = 3;
pub(crate) const NINT: u8 = 4;
pub(crate) const F64: u8 = 5;
pub(crate) const STR: u8 = 6;
pub(crate) const ARRAY: u8 = 7;
pub(crate) const OBJECT: u8 = 8;
pub(crate) const UUID: u8 = 9;
pub(crate) const DATE: u8 = 10;
pub(crate) const DATETIME: u8 = 11;
pub(crate) const WORD: u8 = 12;

/// Deepest nesting a decoder follows (hostile input cannot exhaust the stack).
const MAX_DEPTH: u32 = 64;

/// Words written as one byte: the field names and enum values of the shop's records and
/// entries. Frozen: a word's index never changes, new words are only ever added at the end
/// (an older reader meeting an index it does not know refuses that value, and the entry or
/// field holding it is kept undecoded, never dropped).
pub const WORDS: &[&str] = &[
    // entries
    "type",
    "purchase",
    "visit",
    "contact",
    "ledger",
    "customer",
    "at",
    "total",
    "items",
    "product",
    "category",
    "quantity",
    "amount",
    "staff",
    "channel",
    "kind",
    "corrects",
    "sale",
    "refund",
    "adjustment",
    "store",
    "online",
    "delivery",
    "on",
    "note",
    "reason",
    "purpose",
    "template",
    "outcome",
    "next_follow_up",
    "points",
    "stored_value",
    "scheduled_reward",
    "pickup",
    "delta",
    "description",
    "due",
    "reward",
    // enum values
    "price",
    "out_of_stock",
    "just_looking",
    "size",
    "will_come_back",
    "other",
    "birthday",
    "child_milestone",
    "rebuy",
    "new_product",
    "event_invite",
    "reactivation",
    "after_sale",
    "complaint_follow_up",
    "holiday_greeting",
    "reached",
    "no_answer",
    "positive",
    "negative",
    "do_not_contact",
    "phone",
    "sms",
    "wechat",
    "in_person",
    "event",
    "mailed_sample",
    "female",
    "male",
    "walk_in",
    "douyin",
    "xiaohongshu",
    "referral",
    "partner",
    "high",
    "medium",
    "low",
    "open",
    "responded",
    "resolved",
    "owner",
    "clerk",
    // customer and other record fields
    "name",
    "phones",
    "gender",
    "occupation",
    "income_band",
    "area",
    "address",
    "source",
    "referrer",
    "tags",
    "notes",
    "preferred_contact",
    "vip",
    "budget_min",
    "budget_max",
    "interests",
    "intent",
    "connections",
    "next_purchase",
    "communication_style",
    "appearance",
    "children",
    "important_dates",
    "created_by",
    "created_at",
    "nickname",
    "due_date",
    "label",
    "date",
    "relation",
    "opened_at",
    "severity",
    "first_response_at",
    "resolved_at",
    "compensation",
    "status",
    "display_name",
    "role",
    "revoked",
    "text",
    "time_zone",
    "currency",
];

/// Appends `value` to `w`.
pub fn encode_value(w: &mut Writer, value: &Value) {
    match value {
        Value::Null => w.u8(NULL),
        Value::Bool(false) => w.u8(FALSE),
        Value::Bool(true) => w.u8(TRUE),
        Value::Number(n) => encode_number(w, n),
        Value::String(s) => encode_str(w, s),
        Value::Array(items) => {
            w.u8(ARRAY);
            w.len_prefix(items.len());
            for item in items {
                encode_value(w, item);
            }
        }
        Value::Object(map) => {
            w.u8(OBJECT);
            w.len_prefix(map.len());
            for (k, v) in map {
                encode_str(w, k);
                encode_value(w, v);
            }
        }
    }
}

/// `value` encoded on its own.
pub fn to_bytes(value: &Value) -> Vec<u8> {
    let mut w = Writer::new();
    encode_value(&mut w, value);
    w.into_bytes()
}

fn encode_number(w: &mut Writer, n: &Number) {
    if let Some(u) = n.as_u64() {
        w.u8(UINT);
        w.varint(u);
    } else if let Some(i) = n.as_i64() {
        w.u8(NINT);
        // i < 0 here: -(i + 1) ≥ 0 never overflows.
        w.varint((-(i + 1)) as u64);
    } else {
        w.u8(F64);
        w.f64(n.as_f64().unwrap_or(0.0));
    }
}

/// Appends a string in its shortest form (a word, a UUID, a date, a date-time or plain text).
pub fn encode_str(w: &mut Writer, s: &str) {
    if let Some(i) = word_index(s) {
        w.u8(WORD);
        w.u8(i);
    } else if let Some(bytes) = parse_uuid(s) {
        w.u8(UUID);
        w.raw(&bytes);
    } else if let Some(days) = parse_date(s) {
        w.u8(DATE);
        w.zigzag(days);
    } else if let Some(secs) = parse_date_time(s) {
        w.u8(DATETIME);
        w.zigzag(secs);
    } else {
        w.u8(STR);
        w.bytes(s.as_bytes());
    }
}

fn word_index(s: &str) -> Option<u8> {
    use std::sync::OnceLock;
    static INDEX: OnceLock<std::collections::HashMap<&'static str, u8>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        WORDS
            .iter()
            .enumerate()
            .map(|(i, w)| (*w, i as u8))
            .collect()
    });
    index.get(s).copied()
}

/// Reads one value.
pub fn decode_value(r: &mut Reader<'_>) -> Result<Value, DecodeError> {
    serde::Deserialize::deserialize(&mut Decoder { r, depth: 0 }).map_err(DecodeError::from)
}

/// Decodes a whole buffer holding one value into `T` (trailing bytes are an error).
pub fn from_bytes<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    let mut r = Reader::new(bytes);
    let value = T::deserialize(&mut Decoder {
        r: &mut r,
        depth: 0,
    })?;
    if !r.is_empty() {
        return Err(r.error("bytes after the value"));
    }
    Ok(value)
}

/// Reads one string form (as written by [`encode_str`]).
pub fn decode_str(r: &mut Reader<'_>) -> Result<String, DecodeError> {
    let tag = r.u8()?;
    match str_form(r, tag)? {
        Some(s) => Ok(s.into_owned()),
        None => Err(r.error("expected a string")),
    }
}

/// Reads one string form and appends its text to `out` (no allocation for a UUID, a date or a
/// word).
pub fn decode_str_into(r: &mut Reader<'_>, out: &mut String) -> Result<(), DecodeError> {
    match r.u8()? {
        UUID => {
            push_uuid(out, r.raw(16)?.try_into().expect("16 bytes"));
            Ok(())
        }
        tag => match str_form(r, tag)? {
            Some(s) => {
                out.push_str(&s);
                Ok(())
            }
            None => Err(r.error("expected a string")),
        },
    }
}

/// Skips one value.
pub fn skip_value(r: &mut Reader<'_>) -> Result<(), DecodeError> {
    <de::IgnoredAny as serde::Deserialize>::deserialize(&mut Decoder { r, depth: 0 })?;
    Ok(())
}

/// A string form's text: borrowed from the input when it is plain text, made otherwise.
/// `None` when `tag` is not a string form.
fn str_form<'a>(
    r: &mut Reader<'a>,
    tag: u8,
) -> Result<Option<std::borrow::Cow<'a, str>>, DecodeError> {
    use std::borrow::Cow;
    Ok(Some(match tag {
        STR => {
            let bytes = r.bytes()?;
            Cow::Borrowed(std::str::from_utf8(bytes).map_err(|_| r.error("text is not UTF-8"))?)
        }
        WORD => {
            let i = r.u8()?;
            Cow::Borrowed(
                WORDS
                    .get(usize::from(i))
                    .ok_or_else(|| r.error("unknown word (written by a newer version)"))?,
            )
        }
        UUID => Cow::Owned(format_uuid(r.raw(16)?.try_into().expect("16 bytes"))),
        DATE => {
            let days = r.zigzag()?;
            Cow::Owned(format_date(days).ok_or_else(|| r.error("date out of range"))?)
        }
        DATETIME => {
            let secs = r.zigzag()?;
            Cow::Owned(format_date_time(secs).ok_or_else(|| r.error("date-time out of range"))?)
        }
        _ => return Ok(None),
    }))
}

// ---- string forms ----

/// The 16 bytes of a UUID in canonical text (lowercase, hyphenated), or `None`.
pub(crate) fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return None;
    }
    let mut out = [0u8; 16];
    let mut n = 0;
    let mut i = 0;
    while i < 36 {
        if matches!(i, 8 | 13 | 18 | 23) {
            if b[i] != b'-' {
                return None;
            }
            i += 1;
            continue;
        }
        out[n] = (lower_hex(b[i])? << 4) | lower_hex(b[i + 1])?;
        n += 1;
        i += 2;
    }
    Some(out)
}

fn lower_hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

fn format_uuid(bytes: &[u8; 16]) -> String {
    let mut out = String::with_capacity(36);
    push_uuid(&mut out, bytes);
    out
}

/// Appends a UUID's canonical text.
pub(crate) fn push_uuid(out: &mut String, bytes: &[u8; 16]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
}

/// Digits at `b[from..to]` as a number, or `None` if any is not a digit.
fn digits(b: &[u8], from: usize, to: usize) -> Option<u32> {
    b[from..to].iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

const EPOCH_DAYS_FROM_CE: i64 = 719_163;

fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date =
        NaiveDate::from_ymd_opt(digits(b, 0, 4)? as i32, digits(b, 5, 7)?, digits(b, 8, 10)?)?;
    Some(i64::from(chrono::Datelike::num_days_from_ce(&date)) - EPOCH_DAYS_FROM_CE)
}

fn format_date(days: i64) -> Option<String> {
    let date =
        NaiveDate::from_num_days_from_ce_opt(i32::try_from(days + EPOCH_DAYS_FROM_CE).ok()?)?;
    let s = date.to_string();
    (s.len() == 10).then_some(s)
}

fn parse_date_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 19 || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let days = parse_date(&s[..10])?;
    let (h, m, sec) = (digits(b, 11, 13)?, digits(b, 14, 16)?, digits(b, 17, 19)?);
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    Some(days * 86_400 + i64::from(h * 3600 + m * 60 + sec))
}

fn format_date_time(secs: i64) -> Option<String> {
    let t = DateTime::from_timestamp(secs, 0)?.naive_utc();
    let s = format!(
        "{}T{:02}:{:02}:{:02}",
        t.date(),
        chrono::Timelike::hour(&t),
        chrono::Timelike::minute(&t),
        chrono::Timelike::second(&t)
    );
    (s.len() == 19).then_some(s)
}

// ---- serde ----

/// Why a value could not be decoded (serde's error type for [`Decoder`]).
#[derive(Debug)]
struct Error(DecodeError);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error(DecodeError::message(msg.to_string()))
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error(e)
    }
}

impl From<Error> for DecodeError {
    fn from(e: Error) -> Self {
        e.0
    }
}

/// A serde deserializer over one encoded value.
struct Decoder<'r, 'a> {
    r: &'r mut Reader<'a>,
    depth: u32,
}

impl<'r, 'a> Decoder<'r, 'a> {
    fn nested(&mut self) -> Result<Decoder<'_, 'a>, Error> {
        if self.depth >= MAX_DEPTH {
            return Err(self.r.error("nested too deeply").into());
        }
        Ok(Decoder {
            r: self.r,
            depth: self.depth + 1,
        })
    }
}

impl<'de, 'r> de::Deserializer<'de> for &mut Decoder<'r, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let tag = self.r.u8()?;
        match tag {
            NULL => visitor.visit_unit(),
            FALSE => visitor.visit_bool(false),
            TRUE => visitor.visit_bool(true),
            UINT => visitor.visit_u64(self.r.varint()?),
            NINT => {
                let n = self.r.varint()?;
                let n = i64::try_from(n).map_err(|_| self.r.error("integer below i64"))?;
                visitor.visit_i64(-n - 1)
            }
            F64 => visitor.visit_f64(self.r.f64()?),
            ARRAY => {
                let len = self.r.len_prefix()?;
                let mut nested = self.nested()?;
                visitor.visit_seq(Items {
                    de: &mut nested,
                    left: len,
                })
            }
            OBJECT => {
                let len = self.r.len_prefix()?;
                let mut nested = self.nested()?;
                visitor.visit_map(Items {
                    de: &mut nested,
                    left: len,
                })
            }
            tag => match str_form(self.r, tag)? {
                Some(std::borrow::Cow::Borrowed(s)) => visitor.visit_borrowed_str(s),
                Some(std::borrow::Cow::Owned(s)) => visitor.visit_string(s),
                None => Err(self
                    .r
                    .error("unknown value tag (written by a newer version)")
                    .into()),
            },
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.r.peek() == Some(NULL) {
            self.r.u8()?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let tag = self.r.u8()?;
        if tag == OBJECT {
            // `{ "variant": value }`, as JSON writes a variant with data.
            if self.r.varint()? != 1 {
                return Err(self.r.error("an enum object has one key").into());
            }
            let mut nested = self.nested()?;
            return visitor.visit_enum(Variant { de: &mut nested });
        }
        match str_form(self.r, tag)? {
            Some(s) => visitor.visit_enum(s.as_ref().into_deserializer()),
            None => Err(self.r.error("expected an enum").into()),
        }
    }

    fn is_human_readable(&self) -> bool {
        // Dates, times and ids are written as their text, as in JSON.
        true
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

/// The items of an array, or the entries of an object.
struct Items<'d, 'r, 'a> {
    de: &'d mut Decoder<'r, 'a>,
    left: usize,
}

impl<'de> de::SeqAccess<'de> for Items<'_, '_, 'de> {
    type Error = Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

impl<'de> de::MapAccess<'de> for Items<'_, '_, 'de> {
    type Error = Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(&mut *self.de)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

/// An enum written as a one-key object.
struct Variant<'d, 'r, 'a> {
    de: &'d mut Decoder<'r, 'a>,
}

impl<'de, 'd, 'r> de::EnumAccess<'de> for Variant<'d, 'r, 'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: de::DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let key = seed.deserialize(&mut *self.de)?;
        Ok((key, self))
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'_, '_, 'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        de::Deserialize::deserialize(&mut *self.de)
    }

    fn newtype_variant_seed<T: de::DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(&mut *self.de)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_any(&mut *self.de, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_any(&mut *self.de, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(v: &Value) -> usize {
        let bytes = to_bytes(v);
        let back = decode_value(&mut Reader::new(&bytes)).unwrap();
        assert_eq!(&back, v, "{v}");
        bytes.len()
    }

    #[test]
    fn every_kind_of_value_round_trips() {
        for v in [
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(-1),
            json!(1.5),
            json!(-0.0),
            json!(1e300),
            json!(""),
            json!("张三 👶 <b>&"),
            json!([1, "a", [null, {}], {"x": [true]}]),
            json!({"customer": "0189abcd-0000-7000-8000-00000000002a", "at": "2025-07-23T10:55:48"}),
        ] {
            round_trip(&v);
        }
    }

    #[test]
    fn strings_take_a_short_form_only_when_it_writes_back_the_same_text() {
        // Canonical forms shrink.
        assert_eq!(
            round_trip(&json!("0189abcd-0000-7000-8000-00000000002a")),
            17
        );
        assert!(round_trip(&json!("2026-02-28")) <= 4);
        assert!(round_trip(&json!("2026-02-28T23:59:59")) <= 7);
        assert_eq!(round_trip(&json!("customer")), 2);
        // Near misses stay text and come back unchanged.
        for s in [
            "0189ABCD-0000-7000-8000-00000000002a",
            "0189abcd-0000-7000-8000-00000000002",
            "2026-02-30",
            "2026-2-28",
            "+2026-02-28",
            "2026-02-28T24:00:00",
            "2026-02-28T10:00:00.5",
            "2026-02-28 10:00:00",
            "0000-01-01",
            "9999-12-31T23:59:59",
        ] {
            round_trip(&json!(s));
        }
    }

    #[test]
    fn typed_values_decode_without_a_json_tree() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        #[serde(tag = "type", rename_all = "snake_case")]
        enum Thing {
            A {
                n: i64,
                d: NaiveDate,
                o: Option<String>,
            },
            B(Inner),
        }
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Inner {
            #[serde(default)]
            xs: Vec<u8>,
        }
        for t in [
            Thing::A {
                n: -5,
                d: NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
                o: None,
            },
            Thing::B(Inner { xs: vec![1, 2] }),
        ] {
            let bytes = to_bytes(&serde_json::to_value(&t).unwrap());
            assert_eq!(from_bytes::<Thing>(&bytes).unwrap(), t);
        }
    }

    #[test]
    fn hostile_input_is_an_error_not_a_crash() {
        let mut deep = json!(1);
        for _ in 0..200 {
            deep = json!([deep]);
        }
        assert!(
            decode_value(&mut Reader::new(&to_bytes(&deep))).is_err(),
            "too deep"
        );
        for bytes in [
            &[OBJECT, 5][..],
            &[STR, 3, 0xff, 0xfe, 0xfd],
            &[WORD, 250],
            &[99],
            &[ARRAY, 0xff, 0xff, 0xff, 0xff, 0x0f],
        ] {
            assert!(decode_value(&mut Reader::new(bytes)).is_err(), "{bytes:?}");
        }
    }
}
