//! The browser computes the same analysis as native code, byte for byte.
//!
//! One test, [`the_analysis_matches_the_golden_digests`], is compiled twice: as an ordinary
//! native test (`cargo test -p huike-core`) and as a `wasm-bindgen-test` that runs in headless
//! Chromium. Both generate the same synthetic shop, run the full analysis (segmentation and
//! today's agenda) and compare SHA-256 digests of the shop's ops and of the serialized analysis
//! with the golden digests in `fixtures/wasm_analysis.golden`. Agreeing with the same file, the
//! two builds agree with each other; the ops digest tells a generator difference from an
//! analysis difference.
//!
//! In the browser (Chromium flags in `core/webdriver.json`):
//!
//! ```text
//! CHROMEDRIVER=/usr/bin/chromedriver cargo test -p huike-core --target wasm32-unknown-unknown --test wasm_analysis
//! ```
//!
//! Add `--release` to also time the analysis of a 20,000-customer / 200,000-purchase shop and
//! search keystrokes over it ([`timings_in_the_browser`] logs them with `-- --nocapture`).
//!
//! After an intended change to `synth`, `segment` or `agenda`, regenerate the digests natively
//! and check that the browser agrees:
//!
//! ```text
//! HUIKE_BLESS=1 cargo test -p huike-core --test wasm_analysis
//! ```

use huike_core::agenda::{Agenda, agenda};
use huike_core::book::Book;
use huike_core::domain::Rules;
use huike_core::segment::{self, Analysis};
use huike_core::synth::Params;
use sha2::{Digest, Sha256};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test_configure!(run_in_browser);

/// The golden digests, `ops <hex>` and `analysis <hex>` on two lines.
const GOLDEN: &str = include_str!("fixtures/wasm_analysis.golden");

/// The shop both builds analyse (small enough for an unoptimised wasm build).
fn shop() -> Params {
    Params::new(2026, 2_000, 20_000)
}

fn rules(book: &Book) -> Rules {
    book.rules()
}

/// The full analysis: segments and today's follow-ups.
fn analyse(book: &Book, params: &Params) -> (Analysis, Agenda) {
    let rules = rules(book);
    let analysis = segment::analyze(book, params.as_of, &rules);
    let items = agenda(&analysis, &rules);
    (analysis, items)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The golden file's text for these digests.
fn golden_text(ops: &str, analysis: &str) -> String {
    format!("ops {ops}\nanalysis {analysis}\n")
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_analysis_matches_the_golden_digests() {
    let params = shop();
    let ops = params.ops();
    let mut book = Book::new();
    for op in &ops {
        book.apply(op);
    }
    let (analysis, items) = analyse(&book, &params);
    assert_eq!(analysis.segments.len(), params.customers);
    assert!(!items.is_empty(), "a shop this size has follow-ups today");
    let ops_digest = sha256_hex(
        serde_json::to_string(&ops)
            .expect("ops serialize")
            .as_bytes(),
    );
    let analysis_json =
        serde_json::to_string(&(&analysis, &items)).expect("the analysis serializes");
    let got = golden_text(&ops_digest, &sha256_hex(analysis_json.as_bytes()));
    #[cfg(not(target_arch = "wasm32"))]
    if std::env::var_os("HUIKE_BLESS").is_some() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/wasm_analysis.golden");
        std::fs::write(&path, &got).expect("write the golden digests");
        return;
    }
    assert_eq!(
        got, GOLDEN,
        "regenerate with HUIKE_BLESS=1 after an intended change (see the file's docs)"
    );
}

/// Milliseconds from the browser's `performance.now()` (microsecond-ish resolution).
#[cfg(target_arch = "wasm32")]
fn now_ms() -> f64 {
    use wasm_bindgen::{JsCast, JsValue};
    let performance = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance"))
        .expect("performance");
    let now: js_sys::Function = js_sys::Reflect::get(&performance, &JsValue::from_str("now"))
        .expect("performance.now")
        .unchecked_into();
    now.call0(&performance)
        .ok()
        .and_then(|v| v.as_f64())
        .expect("a time")
}

/// Times the analysis and search keystrokes in the browser and logs them; a release build
/// uses the benchmark's size (20,000 customers, 200,000 purchases).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test]
fn timings_in_the_browser() {
    use huike_core::op::RecordKind;
    use huike_core::search::{MatchKind, SearchIndex};
    use huike_core::segment::{analyze_ledger, ledger::Ledger};
    let (customers, purchases) = if cfg!(debug_assertions) {
        (2_000, 20_000)
    } else {
        (20_000, 200_000)
    };
    let params = Params::new(1, customers, purchases);
    let start = now_ms();
    let book = params.book();
    let built = now_ms();
    let runs = 5;
    let mut analysed = None;
    for _ in 0..runs {
        analysed = Some(analyse(&book, &params));
    }
    let analysis_ms = (now_ms() - built) / f64::from(runs);
    let (analysis, _) = analysed.expect("ran");
    assert_eq!(analysis.segments.len(), customers);
    // As the app runs it: the ledger is read once at start-up, then kept up to date.
    let rules = rules(&book);
    let before_read = now_ms();
    let ledger = Ledger::read(&book);
    let read_ms = now_ms() - before_read;
    let before_warm = now_ms();
    for _ in 0..runs {
        let warm = analyze_ledger(&ledger, params.as_of, &rules);
        assert_eq!(warm.segments, analysis.segments);
        agenda(&warm, &rules);
    }
    let warm_ms = (now_ms() - before_warm) / f64::from(runs);

    let before_index = now_ms();
    let index = SearchIndex::from_book(&book);
    let indexed = now_ms();
    let (id, state) = book
        .records(RecordKind::Customer)
        .nth(customers / 2)
        .expect("a customer");
    let profile: huike_core::domain::Customer = state.decode().expect("decodes");
    let phone = profile.phone().unwrap_or("13800138000").to_owned();
    let typed = ["zhangli", "王芳", &phone[phone.len() - 4..], "wxid_a"];
    let keystrokes: Vec<&str> = typed
        .iter()
        .flat_map(|w| w.char_indices().map(move |(i, c)| &w[..i + c.len_utf8()]))
        .collect();
    let rounds = 20;
    let mut took = vec![0.0f64; keystrokes.len()];
    for _ in 0..rounds {
        for (k, q) in keystrokes.iter().enumerate() {
            let t = now_ms();
            let found = index.search(q, 50);
            took[k] += now_ms() - t;
            assert!(found.hits.len() <= 50);
        }
    }
    let per_keystroke: Vec<f64> = took.iter().map(|t| t / f64::from(rounds)).collect();
    let keystroke_ms = per_keystroke.iter().sum::<f64>() / per_keystroke.len() as f64;
    let (slowest_query, slowest) = keystrokes
        .iter()
        .zip(&per_keystroke)
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(q, t)| (*q, *t))
        .expect("keystrokes");
    if profile.phone().is_some() {
        let hits = index.search(&phone[phone.len() - 4..], 1_000).hits;
        assert!(
            hits.iter()
                .any(|h| &h.id == id && h.kind == MatchKind::PhoneSuffix)
        );
    }
    let stats_ms = stats_timing(&book, &analysis, &rules, runs);
    console_log!(
        "wasm timings, {customers} customers / {purchases} purchases ({}): generate {:.0} ms; \
         analysis + agenda from the book {:.1} ms (mean of {runs}), of which reading the ledger \
         {read_ms:.1} ms, from the kept ledger {warm_ms:.1} ms; index {:.0} ms; search keystroke {:.3} ms mean, \
         slowest keystroke {slowest:.2} ms ({slowest_query:?}, mean of {rounds}); all of Stats \
         {stats_ms:.1} ms (mean of {runs})",
        if cfg!(debug_assertions) {
            "debug build"
        } else {
            "release build"
        },
        built - start,
        analysis_ms,
        indexed - before_index,
        keystroke_ms,
    );
    storage_timings(&book);
}

/// Every figure of the owner's Stats from the day's analysis and the views (what
/// `benches/stats.rs` times natively), in milliseconds, the mean of `runs`.
#[cfg(target_arch = "wasm32")]
fn stats_timing(book: &Book, analysis: &Analysis, rules: &Rules, runs: u32) -> f64 {
    use huike_core::insights::{Insights, chains, funnel, portraits, staff_work, stats};
    let views = Insights::read(book);
    let (day, n) = (analysis.as_of(), analysis.history.customers.len());
    let start = now_ms();
    for _ in 0..runs {
        let traits = portraits::Traits::read(book, analysis);
        let figures = (
            stats::rfm_classes(analysis).len(),
            stats::stage_revenue(analysis).len(),
            stats::rf_grid(analysis).len(),
            stats::stages_by_month(analysis, rules).len(),
            stats::monthly_revenue(analysis).len(),
            funnel::sources_funnel(&traits, analysis).len(),
            funnel::four_steps(&traits, &views, analysis).len(),
            chains::Chains::of(&traits, analysis).top(10).len(),
            staff_work::staff_work(&views, day - chrono::Days::new(29), day).len(),
            portraits::portrait(&traits, &views, analysis, 0..n).customers,
        );
        assert_eq!(figures.9, n, "everyone's portrait");
    }
    (now_ms() - start) / f64::from(runs)
}

/// Times what a device does with the book's stored forms: the server snapshot a new device
/// reads, the device's own store read at every start, the image of the views read first at a
/// start, and the longest single step of each stepwise reader (the page waits for that long).
#[cfg(target_arch = "wasm32")]
fn storage_timings(book: &Book) {
    use huike_core::codec::snapshot::{Level, SnapshotReader, SnapshotWriter};
    use huike_core::insights::{ImageReader, InsightsReader};
    let mut lines = Vec::new();
    let snapshot = || {
        let mut writer = huike_core::client::driver::snapshot_writer();
        while !writer.step(book, huike_core::client::driver::SNAPSHOT_STEP_ROWS) {}
        writer.finish()
    };
    let store = || {
        // As the app stores the book (`app/src/store.rs`: `snapshot_writer`, `STEP_ROWS`).
        let mut writer = SnapshotWriter::new(Level::Fast, 4 << 20);
        while !writer.step(book, 4_000) {}
        writer.finish()
    };
    for (name, parts) in [("server snapshot", snapshot()), ("device store", store())] {
        let bytes: usize = parts.iter().map(Vec::len).sum();
        let start = now_ms();
        let mut reader = SnapshotReader::new();
        let mut longest = 0.0f64;
        for part in &parts {
            let t = now_ms();
            reader.feed(part).expect("a part");
            longest = longest.max(now_ms() - t);
            loop {
                let t = now_ms();
                let more = reader.step().expect("a step");
                longest = longest.max(now_ms() - t);
                if !more {
                    break;
                }
            }
        }
        let back = reader.finish().expect("the book");
        assert_eq!(back.entry_count(), book.entry_count());
        lines.push(format!(
            "{name} {bytes} B read in {:.0} ms (longest step {longest:.0} ms)",
            now_ms() - start
        ));
    }
    let start = now_ms();
    let mut reader = InsightsReader::new(book);
    let mut longest = 0.0f64;
    loop {
        let t = now_ms();
        let done = reader.step(book, 2_000);
        longest = longest.max(now_ms() - t);
        if done {
            break;
        }
    }
    let mut views = reader.finish();
    lines.push(format!(
        "views from the book {:.0} ms (longest step {longest:.0} ms)",
        now_ms() - start
    ));
    let t = now_ms();
    let image = views.write_image();
    lines.push(format!(
        "views image {} B written in {:.0} ms",
        image.len(),
        now_ms() - t
    ));
    let start = now_ms();
    let mut reader = ImageReader::new(&image).expect("an image of this version");
    let mut longest = 0.0f64;
    loop {
        let t = now_ms();
        let done = reader.step().expect("the views read back").is_some();
        longest = longest.max(now_ms() - t);
        if done {
            break;
        }
    }
    lines.push(format!(
        "read in {:.0} ms (longest step {longest:.0} ms)",
        now_ms() - start
    ));
    console_log!("wasm storage timings: {}", lines.join("; "));
}
