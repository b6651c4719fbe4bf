//! Builds the search's pinyin table (`src/search/pinyin_table.rs` reads it) from the `pinyin`
//! crate's most common plain reading of each character, in a form about six times smaller
//! than the crate's own tables (which the wasm would otherwise carry whole): only the Basic
//! Multilingual Plane — CJK Unified Ideographs and Extension A, 〇, and a few private-use and
//! compatibility code points — one byte per character plus one bit, the syllables as one text.
//! Characters of the supplementary planes (Extensions B–G, rare in names) get no reading.

use std::env;
use std::fs;
use std::path::Path;

use pinyin::ToPinyin;

/// Characters without a reading this close together share one dense block.
const GAP: u32 = 64;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let readings: Vec<(u32, &'static str)> = (0..0x1_0000u32)
        .filter_map(|code| {
            let reading = char::from_u32(code)?.to_pinyin()?.plain();
            Some((code, reading))
        })
        .collect();

    let mut syllables: Vec<&str> = readings.iter().map(|(_, r)| *r).collect();
    syllables.sort_unstable();
    syllables.dedup();
    assert!(syllables.len() < 512, "syllable numbers must fit 9 bits");
    let number = |r: &str| syllables.binary_search(&r).unwrap() + 1;

    // Dense blocks of code points: (first code point, length, offset into the tables).
    let mut blocks: Vec<(u32, u32, u32)> = Vec::new();
    for &(code, _) in &readings {
        match blocks.last_mut() {
            Some((start, len, _)) if *start + *len + GAP > code => *len = code - *start + 1,
            _ => {
                let offset = blocks.last().map_or(0, |(_, len, offset)| offset + len);
                blocks.push((code, 1, offset));
            }
        }
    }
    let total = blocks.last().map_or(0, |(_, len, offset)| offset + len) as usize;
    // Low 8 bits of each character's syllable number (0: no reading), and the 9th bit.
    let mut low = vec![0u8; total];
    let mut high = vec![0u8; total.div_ceil(8)];
    let mut block = 0;
    for &(code, reading) in &readings {
        while code >= blocks[block].0 + blocks[block].1 {
            block += 1;
        }
        let i = (blocks[block].2 + code - blocks[block].0) as usize;
        let n = number(reading);
        low[i] = n as u8;
        high[i / 8] |= ((n >> 8) as u8) << (i % 8);
    }

    let mut text = String::new();
    let mut ends = Vec::new();
    for s in &syllables {
        text.push_str(s);
        ends.push(text.len());
    }
    assert!(text.len() < 65_536);

    let out = env::var("OUT_DIR").unwrap();
    let out = Path::new(&out);
    fs::write(out.join("pinyin_low.bin"), &low).unwrap();
    fs::write(out.join("pinyin_high.bin"), &high).unwrap();
    let mut rs = String::new();
    rs.push_str(&format!(
        "const BLOCKS: [(u32, u32, u32); {}] = {blocks:?};\n",
        blocks.len()
    ));
    rs.push_str(&format!("const SYLLABLES: &str = {text:?};\n"));
    rs.push_str(&format!("const ENDS: [u16; {}] = {ends:?};\n", ends.len()));
    rs.push_str(&format!(
        "static LOW: [u8; {total}] = *include_bytes!(concat!(env!(\"OUT_DIR\"), \"/pinyin_low.bin\"));\n"
    ));
    rs.push_str(&format!(
        "static HIGH: [u8; {}] = *include_bytes!(concat!(env!(\"OUT_DIR\"), \"/pinyin_high.bin\"));\n",
        high.len()
    ));
    fs::write(out.join("pinyin_table.rs"), rs).unwrap();
}
