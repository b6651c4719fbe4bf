//! Reading and checking a file a step at a time (issue 10: a large import never freezes the
//! page): whatever the steps, the sheet, the plan, the problems and the purchases are those of
//! reading and checking the file in one go — on hand-built files (a duplicate row and a
//! referrer further down the file, each in another step than the row they concern) and on the
//! synthetic shop's own export.

use chrono::{NaiveDate, NaiveDateTime};
use huike_core::book::Book;
use huike_core::hlc::Clock;
use huike_core::id::Id;
use huike_core::import::check::{CustomersCheck, CustomersChecked, PurchasesCheck};
use huike_core::import::index::CustomerIndex;
use huike_core::import::sheet::{self, Sheet, SheetReader};
use huike_core::import::{columns, customers, matching, purchases};
use huike_core::insights::Insights;
use huike_core::lang::Lang;
use huike_core::op::{Op, RecordKind};
use huike_core::synth::Params;
use huike_core::test_shop::import_book;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default()
}

fn now() -> NaiveDateTime {
    today().and_hms_opt(10, 0, 0).unwrap_or_default()
}

/// The owner's device, credited with new customers.
fn staff() -> Id {
    Id::parse("owner-device").unwrap()
}

/// `bytes` read `lines` lines a step.
fn read_in_steps(bytes: &[u8], lines: usize) -> Sheet {
    let mut reader = SheetReader::new(bytes.to_vec(), sheet::gb18030()).expect("a sheet");
    while !reader.step(lines).expect("valid CSV").finished() {}
    reader.finish()
}

/// The customers of `sheet` read and matched against `book` in one go.
fn customers_at_once(sheet: &Sheet, book: &Book) -> CustomersChecked {
    let mapping = columns::map_headers(&sheet.headers);
    let read = customers::read(sheet, &mapping, today());
    CustomersChecked {
        plan: matching::plan(book, &read.customers, now(), Some(&staff())),
        problems: read.problems,
    }
}

/// The same, `work` units a step; the number of steps.
fn customers_in_steps(sheet: &Sheet, book: &Book, work: usize) -> (CustomersChecked, usize) {
    let mapping = columns::map_headers(&sheet.headers);
    let mut check = CustomersCheck::new(mapping, today(), now(), Some(staff()));
    let mut last = None;
    let mut steps = 0;
    loop {
        let progress = check.step(sheet, book, work);
        steps += 1;
        if let Some(last) = last {
            assert!(
                progress.percent() >= last,
                "the progress never goes back: {progress:?}"
            );
        }
        last = Some(progress.percent());
        if progress.finished() {
            return (check.finish(), steps);
        }
        assert!(steps < 1_000_000, "the check ends");
    }
}

/// The purchases of `sheet` read against `book`, `work` units a step.
fn purchases_in_steps(sheet: &Sheet, book: &Book, work: usize) -> purchases::Read {
    let mut check = PurchasesCheck::new(columns::map_headers(&sheet.headers));
    while !check.step(sheet, book, work).finished() {}
    check.finish()
}

/// 王芳 names 赵敏 (the next row) as her referrer and comes again two rows down under another
/// spelling of her number; 张三 (in the book) names 赵敏 by phone; line 6 is bad; 李梅 (in the
/// book by her id column) names 王芳.
const FILE: &str = "姓名,手机号,编号,介绍人\n\
    王芳,13912345678,,赵敏\n\
    赵敏,13700137000,,\n\
    王芳,139 1234 5678,,\n\
    张三,13800138000,,137 0013 7000\n\
    坏行,12345,,\n\
    李梅,,A-2,王芳\n";

#[test]
fn a_duplicate_and_a_referrer_in_other_steps_are_found_as_in_one_go() {
    let book = import_book();
    let sheet = sheet::read(FILE.as_bytes()).unwrap();
    let once = customers_at_once(&sheet, &book);
    // What one go finds: 王芳 once, with 赵敏 as her referrer; 张三 and 李梅 updated.
    let plan = &once.plan;
    assert_eq!(
        (plan.new_customers(), plan.updated(), plan.merged),
        (2, 2, 1)
    );
    assert_eq!(plan.edits[0].after.name, "王芳");
    assert_eq!(plan.edits[0].referred_by_row, Some(1), "赵敏, further down");
    let lines: Vec<usize> = once.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [6]);
    // Written a chunk at a time, the edits are those of the whole plan (a referrer in another
    // chunk linked all the same).
    let counter = || {
        let mut n = 0;
        move || {
            n += 1;
            Id::parse(&format!("new-{n}")).unwrap()
        }
    };
    let whole = plan.with_ids(counter());
    // The ids made a few at a time, as the app makes them, are the same ids.
    let ids: Vec<Id> = {
        let mut next = counter();
        (0..plan.edits.len())
            .step_by(2)
            .flat_map(|from| plan.ids(from..from + 2, &mut next))
            .collect()
    };
    assert_eq!(ids, plan.ids(0..usize::MAX, counter()));
    let chunked: Vec<_> = (0..plan.edits.len())
        .flat_map(|i| plan.edits_with_ids(&ids, i..i + 1))
        .collect();
    assert_eq!(chunked, whole);
    assert_eq!(whole[0].2.referrer.as_ref(), Some(&ids[1]));
    // In steps of every size: with 1 or 2 units a step, 王芳's rows and 赵敏's row are read in
    // different steps, and every referrer is resolved after the last row.
    for work in (1..=14).chain([100, usize::MAX]) {
        let (stepwise, steps) = customers_in_steps(&sheet, &book, work);
        assert_eq!(stepwise, once, "{work} units a step");
        if work <= 2 {
            assert!(steps > 6, "{work} units a step: {steps} steps");
        }
    }
    // Against an empty book too.
    let empty = Book::new();
    let once = customers_at_once(&sheet, &empty);
    for work in [1, 2, 3, 5, usize::MAX] {
        assert_eq!(customers_in_steps(&sheet, &empty, work).0, once);
    }
}

#[test]
fn purchases_in_steps_are_those_of_one_go() {
    let book = import_book();
    let file = "日期,手机号,编号,实付,商品,数量\n\
        2024/3/5 14:30,138 0013 8000,,¥268.50,金装奶粉,2\n\
        2024年3月6日,,A-2,99,纸尿裤,\n\
        2024-03-07,,A-2,,湿巾,1\n\
        2024-03-08,13900000000,,10,湿巾,1\n\
        2024/3/5 14:30,138 0013 8000,,¥268.50,金装奶粉,2\n\
        2024-03-09,138 0013 8000,,-20,,\n";
    let sheet = sheet::read(file.as_bytes()).unwrap();
    let once = purchases::read(&sheet, &columns::map_headers(&sheet.headers), &book);
    assert_eq!((once.purchases.len(), once.problems.len()), (4, 2));
    assert_eq!(
        once.purchases[0].id, once.purchases[2].id,
        "the same purchase twice in a file is one entry"
    );
    for work in (1..=8).chain([usize::MAX]) {
        assert_eq!(purchases_in_steps(&sheet, &book, work), once, "{work}");
    }
}

#[test]
fn the_book_indexed_in_steps_finds_the_same_customers() {
    let params = Params::new(5, 300, 1_000);
    let book = params.book();
    let whole = CustomerIndex::of(&book);
    let mut steps = CustomerIndex::default();
    let mut n = 0;
    while !steps.step(&book, 7) {
        n += 1;
    }
    assert!(n >= 300 / 7, "{n} steps");
    assert_eq!(steps.indexed(), book.records(RecordKind::Customer).count());
    for (id, state) in book.records(RecordKind::Customer) {
        let c: huike_core::domain::Customer = state.decode().unwrap();
        for p in &c.phones {
            let p = huike_core::domain::normalize_phone(p);
            assert_eq!(steps.phone(&p), whole.phone(&p));
            assert!(whole.phone(&p).is_some());
        }
        assert_eq!(steps.name(c.name.trim()), whole.name(c.name.trim()));
        assert!(whole.name(c.name.trim()).is_some(), "{id}");
    }
}

/// The seed shop's customers export with a referrer column (a name or a phone number of
/// another row, often further down) and every 23rd row repeated at the end.
fn customers_file(book: &Book, as_of: NaiveDate) -> Vec<u8> {
    let today = Insights::read(book).today(as_of, None);
    let text =
        String::from_utf8(huike_core::export::customers(book, &today, Lang::ZhCn)).expect("UTF-8");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[0].push_str(",介绍人");
    let n = lines.len();
    for i in 1..n {
        let other = lines[(i * 7919) % (n - 1) + 1].clone();
        let cells: Vec<&str> = other.split(',').collect();
        let referrer = match i % 3 {
            0 => cells.get(1).copied().unwrap_or_default(),
            1 => cells.get(2).copied().unwrap_or_default(),
            _ => "",
        };
        lines[i] = format!("{},{referrer}", lines[i]);
    }
    for i in (1..n).step_by(23) {
        let again = lines[i].clone();
        lines.push(again);
    }
    lines.join("\r\n").into_bytes()
}

#[test]
fn the_seed_shop_s_export_checked_in_steps_is_checked_as_in_one_go() {
    let params = Params::new(7, 400, 4_000);
    let book = params.book();
    let file = customers_file(&book, params.as_of);
    let sheet = sheet::read(&file).unwrap();
    for lines in [1, 64] {
        assert_eq!(read_in_steps(&file, lines), sheet);
    }
    for against in [&Book::new(), &book] {
        let once = customers_at_once(&sheet, against);
        assert!(once.plan.merged > 0 && !once.plan.unknown_referrers.is_empty());
        let linked = |e: &matching::Edit| e.referred_by_row.is_some() || e.after.referrer.is_some();
        assert!(once.plan.edits.iter().filter(|e| linked(e)).count() > 100);
        for work in [1, 37, 500] {
            assert_eq!(customers_in_steps(&sheet, against, work).0, once, "{work}");
        }
    }

    let file = huike_core::export::purchases(&book, Lang::En);
    let sheet = sheet::read(&file).unwrap();
    assert_eq!(read_in_steps(&file, 100), sheet);
    let mapping = columns::map_headers(&sheet.headers);
    // Against the shop they came from, then with every other one of them imported already,
    // and against an empty book (no customer found).
    let first = purchases::read(&sheet, &mapping, &book);
    assert!(first.problems.is_empty() && first.purchases.len() == sheet.len());
    let mut half = book.clone();
    let mut clock = Clock::new(9);
    for p in first.purchases.iter().step_by(2) {
        half.apply(&Op::append(
            clock.tick(1_900_000_000_000),
            p.id.clone(),
            &p.entry(),
        ));
    }
    for against in [&book, &half, &Book::new()] {
        let once = purchases::read(&sheet, &mapping, against);
        for work in [1, 333, 5_000] {
            assert_eq!(purchases_in_steps(&sheet, against, work), once, "{work}");
        }
    }
    let again = purchases::read(&sheet, &mapping, &half);
    assert_eq!(again.already, first.purchases.len().div_ceil(2));
}
