//! Helpers for the images of the views kept beside the book ([`crate::insights`]): dates,
//! times, id lists and enum values in the primitives of [`super::bytes`].

use super::DecodeError;
use super::bytes::{Reader, Writer};
use super::value::{decode_str, decode_str_into, encode_str, from_bytes, to_bytes};
use crate::id::Id;
use crate::id_list::IdList;
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde::Serialize;
use serde::de::DeserializeOwned;

const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// An optional date (0 for none, else its day number from 1970 plus one, zigzag).
pub fn put_date(w: &mut Writer, d: Option<NaiveDate>) {
    match d {
        None => w.u8(0),
        Some(d) => {
            w.u8(1);
            w.zigzag(i64::from(
                chrono::Datelike::num_days_from_ce(&d) - EPOCH_DAYS_FROM_CE,
            ));
        }
    }
}

/// Reads what [`put_date`] wrote.
pub fn get_date(r: &mut Reader<'_>) -> Result<Option<NaiveDate>, DecodeError> {
    if r.u8()? == 0 {
        return Ok(None);
    }
    let days = i32::try_from(r.zigzag()?).map_err(|_| r.error("date out of range"))?;
    NaiveDate::from_num_days_from_ce_opt(days.saturating_add(EPOCH_DAYS_FROM_CE))
        .map(Some)
        .ok_or_else(|| r.error("date out of range"))
}

/// A date-time as seconds and nanoseconds from 1970.
pub fn put_date_time(w: &mut Writer, t: NaiveDateTime) {
    let utc = t.and_utc();
    w.zigzag(utc.timestamp());
    w.varint(u64::from(utc.timestamp_subsec_nanos()));
}

/// Reads what [`put_date_time`] wrote.
pub fn get_date_time(r: &mut Reader<'_>) -> Result<NaiveDateTime, DecodeError> {
    let secs = r.zigzag()?;
    let nanos = u32::try_from(r.varint()?).map_err(|_| r.error("nanoseconds out of range"))?;
    DateTime::from_timestamp(secs, nanos)
        .map(|t| t.naive_utc())
        .ok_or_else(|| r.error("time out of range"))
}

/// An id (a UUID in 17 bytes).
pub fn put_id(w: &mut Writer, id: &str) {
    encode_str(w, id);
}

/// Reads what [`put_id`] wrote.
pub fn get_id(r: &mut Reader<'_>) -> Result<Id, DecodeError> {
    Ok(Id::trusted(&decode_str(r)?))
}

/// A list of ids.
pub fn put_id_list(w: &mut Writer, ids: &IdList) {
    w.len_prefix(ids.len());
    for i in 0..ids.len() {
        put_id(w, ids.get(i));
    }
}

/// Reads what [`put_id_list`] wrote.
pub fn get_id_list(r: &mut Reader<'_>) -> Result<IdList, DecodeError> {
    let n = r.len_prefix()?;
    let mut text = String::with_capacity(n * 36);
    let mut ends = Vec::with_capacity(n);
    for _ in 0..n {
        decode_str_into(r, &mut text)?;
        ends.push(u32::try_from(text.len()).map_err(|_| r.error("ids too long"))?);
    }
    Ok(IdList::from_parts(text, ends))
}

/// A value with serde (an enum's name, a small struct) in the form of [`super::value`].
pub fn put_serde<T: Serialize>(w: &mut Writer, v: &T) {
    w.bytes(&to_bytes(&serde_json::to_value(v).unwrap_or_default()));
}

/// Reads what [`put_serde`] wrote.
pub fn get_serde<T: DeserializeOwned>(r: &mut Reader<'_>) -> Result<T, DecodeError> {
    from_bytes(r.bytes()?)
}

/// A text.
pub fn put_text(w: &mut Writer, s: &str) {
    w.bytes(s.as_bytes());
}

/// Reads what [`put_text`] wrote.
pub fn get_text(r: &mut Reader<'_>) -> Result<String, DecodeError> {
    String::from_utf8(r.bytes()?.to_vec()).map_err(|_| r.error("text is not UTF-8"))
}
