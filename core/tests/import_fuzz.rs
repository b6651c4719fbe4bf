//! The importer end to end on hostile input (issue 10 item 5): any bytes go through the sheet
//! reader, the header mapper and both row readers without a panic (and give the same a step at
//! a time as in one go); hostile text (markup, a
//! 10,000-character cell, control characters, emoji, right-to-left marks) is kept as it was
//! typed, to be shown as plain text.

#![cfg(not(target_arch = "wasm32"))]

use chrono::NaiveDate;
use huike_core::book::Book;
use huike_core::import::check::{CustomersCheck, PurchasesCheck};
use huike_core::import::{columns, customers, matching, purchases, sheet};
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default()
}

/// Every stage after the reader, on whatever the reader made of `bytes`.
fn import_all(bytes: &[u8]) {
    let Ok(sheet) = sheet::read(bytes) else {
        return;
    };
    let mapping = columns::map_headers(&sheet.headers);
    let book = Book::new();
    let read = customers::read(&sheet, &mapping, today());
    let now = today().and_hms_opt(12, 0, 0).unwrap_or_default();
    let plan = matching::plan(&book, &read.customers, now, None);
    assert_eq!(
        plan.edits.len() + plan.unchanged + plan.merged,
        read.customers.len()
    );
    let bought = purchases::read(&sheet, &mapping, &book);
    assert!(bought.purchases.len() + bought.already <= sheet.len());
    // A step at a time, the same.
    let mut reader = sheet::SheetReader::new(bytes.to_vec(), sheet::gb18030()).expect("read once");
    while !reader.step(2).expect("read once").finished() {}
    assert_eq!(reader.finish(), sheet);
    let mut check = CustomersCheck::new(mapping.clone(), today(), now, None);
    while !check.step(&sheet, &book, 3).finished() {}
    let checked = check.finish();
    assert_eq!((checked.plan, checked.problems), (plan, read.problems));
    let mut check = PurchasesCheck::new(mapping);
    while !check.step(&sheet, &book, 2).finished() {}
    assert_eq!(check.finish(), bought);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_bytes_make_any_stage_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        import_all(&bytes);
    }

    #[test]
    fn no_sheet_of_known_headers_makes_any_stage_panic(
        rows in proptest::collection::vec(proptest::collection::vec("\\PC{0,24}", 6), 0..8)
    ) {
        let mut text = String::from("姓名,手机号,生日,日期,金额,商品\n");
        for row in &rows {
            let cells: Vec<String> = row.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
            text.push_str(&cells.join(","));
            text.push('\n');
        }
        import_all(text.as_bytes());
    }
}

#[test]
fn hostile_text_is_kept_as_typed() {
    let long = "长".repeat(10_000);
    let hostile = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        long.as_str(),
        "王\u{0007}芳\u{0000}",
        "👩‍👧 小美",
        "\u{202E}علي\u{202C}",
    ];
    let mut text = String::from("姓名,手机号,备注\n");
    for (i, h) in hostile.iter().enumerate() {
        text.push_str(&format!(
            "\"{}\",1390000000{i},\"{}\"\n",
            h.replace('"', "\"\""),
            h.replace('"', "\"\"")
        ));
    }
    let sheet = sheet::read(text.as_bytes()).expect("a sheet");
    let mapping = columns::map_headers(&sheet.headers);
    let read = customers::read(&sheet, &mapping, today());
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let names: Vec<&str> = read
        .customers
        .iter()
        .map(|c| c.customer.name.as_str())
        .collect();
    let notes: Vec<&str> = read
        .customers
        .iter()
        .map(|c| c.customer.notes.as_str())
        .collect();
    let trimmed: Vec<&str> = hostile.iter().map(|h| h.trim()).collect();
    assert_eq!(names, trimmed);
    assert_eq!(notes, trimmed);
}
