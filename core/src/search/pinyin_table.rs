//! The most common plain pinyin reading of a Chinese character, from the table `build.rs`
//! makes of the `pinyin` crate's data: characters of the Basic Multilingual Plane only (CJK
//! Unified Ideographs and Extension A cover nearly every name); rarer ones (Extensions B–G)
//! have no reading here, so a name holding one is still found by its characters.

include!(concat!(env!("OUT_DIR"), "/pinyin_table.rs"));

/// The character's reading without tones (`张` → `zhang`, `吕` → `lü`), if it has one.
pub(super) fn reading(c: char) -> Option<&'static str> {
    let code = c as u32;
    let &(start, _, offset) = BLOCKS
        .iter()
        .find(|(start, len, _)| code >= *start && code - start < *len)?;
    let i = (offset + code - start) as usize;
    let n = usize::from(LOW[i]) | usize::from((HIGH[i / 8] >> (i % 8)) & 1) << 8;
    let end = usize::from(*ENDS.get(n.checked_sub(1)?)?);
    let begin = n.checked_sub(2).map_or(0, |p| usize::from(ENDS[p]));
    Some(&SYLLABLES[begin..end])
}

#[cfg(test)]
mod tests {
    use pinyin::ToPinyin;

    /// The table gives the `pinyin` crate's reading of every character of the Basic
    /// Multilingual Plane, and none for the supplementary planes.
    #[test]
    fn same_readings_as_the_pinyin_crate() {
        let mut with_reading = 0;
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            let expected = if (c as u32) < 0x1_0000 {
                c.to_pinyin().map(|p| p.plain())
            } else {
                None
            };
            assert_eq!(super::reading(c), expected, "{c} (U+{:04X})", c as u32);
            with_reading += usize::from(expected.is_some());
        }
        assert!(with_reading > 26_000, "{with_reading}");
        assert_eq!(super::reading('张'), Some("zhang"));
        assert_eq!(super::reading('吕'), Some("lü"));
        assert_eq!(super::reading('a'), None);
    }
}
