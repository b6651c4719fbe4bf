//! The search index as bytes (see [`crate::insights`]): each indexed customer's masks, keys,
//! id and list key, free slots left out.

use super::{Entry, Keys, Masks, SearchIndex};
use crate::codec::DecodeError;
use crate::codec::bytes::{Reader, Writer};
use crate::codec::image::{get_id, get_text, put_id, put_text};

fn u128_le(r: &mut Reader<'_>) -> Result<u128, DecodeError> {
    Ok(u128::from_le_bytes(
        r.raw(16)?.try_into().expect("16 bytes"),
    ))
}

impl SearchIndex {
    /// Writes the index.
    pub(crate) fn write_image(&self, w: &mut Writer) {
        w.len_prefix(self.by_id.len());
        for (slot, entry) in self.entries.iter().enumerate() {
            let Some(entry) = entry else { continue };
            let (m, k) = (&self.masks[slot], &self.keys[slot]);
            w.raw(&m.text_chars.to_le_bytes());
            w.raw(&m.phone_pairs.to_le_bytes());
            w.u64_le(m.text_pairs);
            w.u64_le(m.sort_prefix);
            for v in [m.pinyin, m.first_initials, m.later_initials] {
                w.varint(u64::from(v));
            }
            w.varint(u64::from(m.phone_last));
            put_text(w, &k.text);
            for end in k.ends {
                w.varint(u64::from(end));
            }
            w.varint(u64::from(k.syllables));
            put_id(w, entry.id.as_str());
            put_text(w, &entry.sort_key);
        }
    }

    /// Reads what [`SearchIndex::write_image`] wrote.
    pub(crate) fn read_image(r: &mut Reader<'_>) -> Result<SearchIndex, DecodeError> {
        let n = r.len_prefix()?;
        let mut index = SearchIndex::default();
        let small = |r: &mut Reader<'_>| -> Result<u32, DecodeError> {
            u32::try_from(r.varint()?).map_err(|_| r.error("number out of range"))
        };
        for slot in 0..n {
            let masks = Masks {
                text_chars: u128_le(r)?,
                phone_pairs: u128_le(r)?,
                text_pairs: r.u64_le()?,
                sort_prefix: r.u64_le()?,
                pinyin: small(r)?,
                first_initials: small(r)?,
                later_initials: small(r)?,
                phone_last: u16::try_from(r.varint()?).map_err(|_| r.error("mask out of range"))?,
            };
            let text = get_text(r)?;
            let mut ends = [0u32; 4];
            for end in &mut ends {
                *end = small(r)?;
            }
            if ends.iter().any(|&e| !text.is_char_boundary(e as usize)) || !ends.is_sorted() {
                return Err(r.error("search keys out of range"));
            }
            let keys = Keys {
                text: text.into_boxed_str(),
                ends,
                syllables: small(r)?,
            };
            let id = get_id(r)?;
            let sort_key = get_text(r)?.into_boxed_str();
            index.masks.push(masks);
            index.keys.push(keys);
            index.by_id.insert(id.clone(), slot);
            index.entries.push(Some(Entry { id, sort_key }));
        }
        Ok(index)
    }
}
