//! `cargo xtask bench --import`: importing a large shop's spreadsheets in headless Chromium
//! (phone viewport, English), as the owner of a fresh shop does it (issue 10: the page never
//! freezes, no main-thread task over 100 ms). The files are the seed-7 synthetic shop's own
//! export (`huike_core::export`, as `core/benches/import.rs` makes them): its customers (20,000
//! rows, Chinese headers, saved in GBK as Chinese Excel saves a CSV) and its purchases
//! (200,000 rows, about 30 MB of UTF-8; in GBK too with `--gbk`). Each run uses a fresh
//! shop (only its owner) and a new browser profile: *Join shop*, then Settings → Import,
//! customers first, then purchases (found by the customer id column the customers were
//! imported under):
//! 1. **check** — from choosing the file (WebDriver types its path into the file input) to the
//!    report (the app's marks `huike:import-read`, `huike:import-checked`);
//! 2. **import** — from the tap on *Import* (after ticking *Skip the rows with problems*) to the
//!    result line (`huike:import-written`: every chunk stored, then the day's list told);
//! 3. **after** — from there until the file is checked again against the new book (the panel
//!    does so by itself: what a re-import of the same file would find — nothing to write), two
//!    seconds more, while the day's analysis and the store's compaction run behind;
//!
//! in each the longest main-thread task (the `longtask` observer of [`bench`](crate::bench);
//! only tasks over 50 ms are reported by the browser) and the longest gap between two frames (a
//! `requestAnimationFrame` loop: how long the page could not paint). Prints a table and writes
//! `target/bench/import.json`.

use std::fs;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use huike_core::insights::Insights;
use huike_core::lang::Lang;
use huike_core::synth::Params;
use serde::Serialize;
use serde_json::json;

use crate::bench::{
    Chromedriver, Event, button, describe, fill, link, now, number, screenshot, spread, timeline,
    wait_for,
};
use crate::cli::BenchOptions;
use crate::dev;
use crate::procs::{self, Output};
use crate::repo::Repo;
use crate::seed;
use crate::stack::{Kv, Ports, Stack};
use crate::step::{Step, say};

/// The import panel.
const PANEL: &str = "//div[contains(@class,'import-panel')]";
/// How long a check or an import may take before the run gives up.
const LIMIT: Duration = Duration::from_secs(900);

/// Starts a `requestAnimationFrame` loop that keeps the longest gap between two frames since
/// it started (`__huikeBench.gap`).
const FRAME_GAPS: &str = r#"const H = window.__huikeBench;
  H.gap = 0; H.gapRun = (H.gapRun || 0) + 1;
  const run = H.gapRun; let last = performance.now();
  const frame = (t) => {
    if (H.gapRun !== run) return;
    H.gap = Math.max(H.gap, t - last); last = t;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);"#;

/// One stage of importing one file (milliseconds).
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Stage {
    /// How long it took.
    pub ms: f64,
    /// The longest main-thread task (0: none over 50 ms).
    pub longest_task_ms: f64,
    /// Long tasks (over 50 ms).
    pub long_tasks: usize,
    /// The longest time between two frames.
    pub longest_frame_gap_ms: f64,
}

/// Importing one file.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct FileImport {
    /// From choosing the file to the sheet read (`huike:import-read`).
    pub read_ms: Option<f64>,
    /// From choosing the file to the report.
    pub check: Stage,
    /// From the tap on Import to the result line.
    pub import: Stage,
    /// From there to the file checked again against the new book, and 2 s more.
    pub after: Stage,
    /// The report's summary, the result line, and the summary of the check that follows (the
    /// file against the new book: a re-import), as shown.
    pub plan: String,
    pub result: String,
    pub again: String,
    /// wasm memory after the import, bytes.
    pub memory_bytes: Option<f64>,
    /// The app's marks and the long tasks, in order.
    pub timeline: Vec<Event>,
}

/// One run: a fresh shop, a new profile, both files.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct ImportRun {
    pub customers: FileImport,
    pub purchases: FileImport,
}

/// Writes the files, builds, starts the app and a fresh worker, measures, prints and writes
/// `target/bench/import.json`.
pub(crate) fn run(repo: &Repo, options: &BenchOptions) -> Result<ExitCode> {
    let out = repo.bench_dir();
    fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let step = Step::start(format!(
        "the seed-7 shop's CSV export ({} customers, {} purchases)",
        options.customers, options.purchases
    ));
    let params = Params::new(7, options.customers, options.purchases);
    let book = params.book();
    let today = Insights::read(&book).today(params.as_of, None);
    let customers_file = out.join("import-customers.csv");
    let purchases_file = out.join("import-purchases.csv");
    // The customers as Chinese Excel saves them (GBK: the app decodes it with the browser's
    // own decoder), the purchases as the app exports them (UTF-8; with --gbk, GBK too).
    let gbk = |utf8: Vec<u8>| {
        let text = String::from_utf8_lossy(utf8.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&utf8));
        encoding_rs::GBK.encode(&text).0.into_owned()
    };
    let customers = gbk(huike_core::export::customers(&book, &today, Lang::ZhCn));
    let mut purchases = huike_core::export::purchases(&book, Lang::En);
    if options.gbk {
        purchases = gbk(purchases);
    }
    fs::write(&customers_file, &customers)?;
    fs::write(&purchases_file, &purchases)?;
    step.done(format_args!(
        "{:.1} MB and {:.1} MB",
        customers.len() as f64 / 1e6,
        purchases.len() as f64 / 1e6
    ));
    drop((book, today, customers, purchases));

    dev::build_all(repo)?;
    let stack = Stack::start(
        repo,
        Ports { app: 0, worker: 0 },
        Kv::Fresh,
        Output::File(out.join("wrangler.log")),
    )?;
    say(format_args!(
        "app {} · worker {}",
        stack.app.url(),
        stack.worker.url()
    ));
    let driver = Chromedriver::start(&out)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let mut runs = Vec::new();
    for index in 1..=options.runs {
        procs::check_interrupted()?;
        let step = Step::start(format!("import run {index}/{}", options.runs));
        let code = seed::empty_shop(&stack.worker.url())?;
        let profile = tempfile::Builder::new()
            .prefix("profile-")
            .tempdir_in(&out)
            .context("creating a browser profile")?;
        let run = runtime.block_on(one_run(
            &driver,
            &stack.app.url(),
            profile.path(),
            &code,
            (&customers_file, &purchases_file),
            &out,
            index,
        ))?;
        step.done(format_args!(
            "customers: check {:.0} ms, import {:.0} ms; purchases: check {:.0} ms, import {:.0} ms",
            run.customers.check.ms,
            run.customers.import.ms,
            run.purchases.check.ms,
            run.purchases.import.ms
        ));
        for (name, file) in [("customers", &run.customers), ("purchases", &run.purchases)] {
            say(format_args!("{name}: {}", describe(&file.timeline)));
        }
        runs.push(run);
    }
    drop(driver);
    drop(stack);
    print_table(&runs, options);
    let path = out.join("import.json");
    let report = json!({
        "shop": { "seed": 7, "customers": options.customers, "purchases": options.purchases },
        "runs": runs,
    });
    fs::write(&path, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    say(format_args!("wrote {}", path.display()));
    Ok(ExitCode::SUCCESS)
}

/// One run in one profile; the session is closed whatever happens.
async fn one_run(
    driver: &Chromedriver,
    app: &str,
    profile: &Path,
    code: &str,
    files: (&Path, &Path),
    out: &Path,
    index: usize,
) -> Result<ImportRun> {
    let client = driver.session(profile).await?;
    let result = async {
        client
            .goto(&format!("{app}/?lang=en"))
            .await
            .context("opening the app")?;
        fill(&client, "Join shop", "Invite code", code).await?;
        fill(&client, "Join shop", "Your name", "Bench").await?;
        let join = wait_for(&client, &button("Join shop"), Duration::from_secs(20)).await?;
        join.click().await.context("tapping Join shop")?;
        let settings = wait_for(&client, &link("Settings"), Duration::from_secs(60)).await?;
        settings.click().await.context("opening Settings")?;
        let customers = import_file(&client, "Customers", files.0).await?;
        screenshot(&client, &out.join(format!("import{index}-customers.png"))).await;
        let purchases = import_file(&client, "Purchases", files.1).await?;
        screenshot(&client, &out.join(format!("import{index}-purchases.png"))).await;
        // Not measured: both files chosen again, the panel shot while the purchases are
        // checked.
        check_again(&client, "Customers", files.0, None).await?;
        let shot = out.join(format!("import{index}-checking.png"));
        check_again(&client, "Purchases", files.1, Some(&shot)).await?;
        Ok::<_, anyhow::Error>(ImportRun {
            customers,
            purchases,
        })
    }
    .await;
    if result.is_err() {
        screenshot(&client, &out.join(format!("import{index}-failed.png"))).await;
    }
    let _ = client.close().await;
    result
}

/// Imports `file` as a file that holds `holds` (the option's English name).
async fn import_file(client: &Client, holds: &str, file: &Path) -> Result<FileImport> {
    let kind = wait_for(client, &format!("{PANEL}//select"), Duration::from_secs(60)).await?;
    kind.select_by_label(holds)
        .await
        .with_context(|| format!("choosing {holds}"))?;
    let input = wait_for(
        client,
        &format!("{PANEL}//input[@type='file']"),
        Duration::from_secs(20),
    )
    .await?;
    client.execute(FRAME_GAPS, vec![]).await?;
    let chosen = now(client).await?;
    input
        .send_keys(&file.display().to_string())
        .await
        .context("choosing the file")?;
    let checked = mark_after(client, "huike:import-checked", chosen).await?;
    let read = mark_at(client, "huike:import-read", chosen).await?;
    let check_gap = frame_gap(client).await?;
    let plan_path = format!("{PANEL}//p[contains(@class,'import-plan')]");
    let plan = wait_for(client, &plan_path, Duration::from_secs(20))
        .await?
        .text()
        .await?;
    let skip = format!("{PANEL}//label[contains(@class,'check')]//input");
    if let Ok(skip) = client.find(Locator::XPath(&skip)).await {
        into_view(client, &skip).await?;
        skip.click().await.context("ticking Skip the rows")?;
    }
    let import = wait_for(
        client,
        &format!("{PANEL}//button[normalize-space()='Import'][not(@disabled)]"),
        Duration::from_secs(20),
    )
    .await?;
    into_view(client, &import).await?;
    client.execute(FRAME_GAPS, vec![]).await?;
    import.click().await.context("tapping Import")?;
    let clicked = number(client, "return window.__huikeBench.lastClick")
        .await?
        .context("the tap on Import was not seen")?;
    let written = mark_after(client, "huike:import-written", clicked).await?;
    let import_gap = frame_gap(client).await?;
    let result = wait_for(
        client,
        &format!("{PANEL}//p[contains(@class,'imported')]"),
        Duration::from_secs(20),
    )
    .await?
    .text()
    .await?;
    client.execute(FRAME_GAPS, vec![]).await?;
    mark_after(client, "huike:import-checked", written).await?;
    let again = wait_for(client, &plan_path, Duration::from_secs(20))
        .await?
        .text()
        .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let settled = now(client).await?;
    let after_gap = frame_gap(client).await?;
    let events = timeline(client, chosen, settled).await?;
    let stage = |from: f64, to: f64, gap: f64| {
        let long: Vec<f64> = events
            .iter()
            .filter(|e| e.at_ms >= from && e.at_ms <= to)
            .filter_map(|e| e.long_task_ms)
            .collect();
        Stage {
            ms: to - from,
            longest_task_ms: long.iter().copied().fold(0.0, f64::max),
            long_tasks: long.len(),
            longest_frame_gap_ms: gap,
        }
    };
    let memory = client
        .execute(
            r#"return typeof window.huikeMemoryBytes === "function" ? window.huikeMemoryBytes() : null;"#,
            vec![],
        )
        .await?;
    Ok(FileImport {
        read_ms: read.map(|r| r - chosen),
        check: stage(chosen, checked, check_gap),
        import: stage(clicked, written, import_gap),
        after: Stage {
            ms: settled - written,
            ..stage(written, settled, after_gap)
        },
        plan,
        result,
        again,
        memory_bytes: memory.as_f64(),
        timeline: events,
    })
}

/// Scrolls `element` to the middle of the screen (out from under the tab bar).
async fn into_view(client: &Client, element: &Element) -> Result<()> {
    client
        .execute(
            "arguments[0].scrollIntoView({ block: 'center' });",
            vec![serde_json::to_value(element)?],
        )
        .await
        .context("scrolling")?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(())
}

/// Chooses `file` as a file that holds `holds` and waits for its check, shooting the panel
/// into `shot` while it is checked.
async fn check_again(client: &Client, holds: &str, file: &Path, shot: Option<&Path>) -> Result<()> {
    let kind = wait_for(client, &format!("{PANEL}//select"), Duration::from_secs(20)).await?;
    kind.select_by_label(holds).await?;
    let input = wait_for(
        client,
        &format!("{PANEL}//input[@type='file']"),
        Duration::from_secs(20),
    )
    .await?;
    let chosen = now(client).await?;
    input.send_keys(&file.display().to_string()).await?;
    if let Some(shot) = shot {
        client
            .execute(
                &format!(
                    r#"const p = document.evaluate("{PANEL}", document, null, 9, null).singleNodeValue;
                       if (p) p.scrollIntoView({{ block: "end" }});"#
                ),
                vec![],
            )
            .await?;
        wait_for(
            client,
            &format!("{PANEL}//div[contains(@class,'checking')]"),
            Duration::from_secs(20),
        )
        .await?;
        screenshot(client, shot).await;
    }
    mark_after(client, "huike:import-checked", chosen).await?;
    Ok(())
}

/// The longest gap between frames since [`FRAME_GAPS`] last started.
async fn frame_gap(client: &Client) -> Result<f64> {
    Ok(number(client, "return window.__huikeBench.gap || 0")
        .await?
        .unwrap_or(0.0))
}

/// When the app first marked `name` after `after` (ms after navigation), if it did.
async fn mark_at(client: &Client, name: &str, after: f64) -> Result<Option<f64>> {
    number(
        client,
        &format!(
            r#"const m = performance.getEntriesByName("{name}").filter((m) => m.startTime >= {after});
               return m.length ? m[0].startTime : null;"#
        ),
    )
    .await
}

/// [`mark_at`], waiting up to [`LIMIT`] for it.
async fn mark_after(client: &Client, name: &str, after: f64) -> Result<f64> {
    let deadline = Instant::now() + LIMIT;
    let mut last_note = Instant::now();
    loop {
        if let Some(at) = mark_at(client, name, after).await? {
            return Ok(at);
        }
        if Instant::now() > deadline {
            bail!("no {name} within {LIMIT:?}");
        }
        if last_note.elapsed() > Duration::from_secs(15) {
            last_note = Instant::now();
            let status = client
                .execute(
                    &format!(
                        r#"const s = document.evaluate("{PANEL}//*[@role='status']", document, null, 9, null).singleNodeValue;
                           return s ? s.textContent : null;"#
                    ),
                    vec![],
                )
                .await?;
            say(format_args!(
                "waiting for {name}: {}",
                status.as_str().unwrap_or("…")
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The figures of every run, median (min–max).
fn print_table(runs: &[ImportRun], options: &BenchOptions) {
    println!();
    println!(
        "Huike import bench: the seed-7 shop's {} customers and {} purchases as CSV, {} run(s)",
        options.customers,
        options.purchases,
        runs.len()
    );
    println!(
        "{:<52} {:>10} {:>10} {:>10}",
        "measure [ms]", "median", "min", "max"
    );
    type Pick = fn(&FileImport) -> Option<f64>;
    let rows: [(&str, Pick); 11] = [
        ("read the file (choose → sheet)", |f| f.read_ms),
        ("check (choose → report)", |f| Some(f.check.ms)),
        ("  longest task", |f| Some(f.check.longest_task_ms)),
        ("  longest frame gap", |f| {
            Some(f.check.longest_frame_gap_ms)
        }),
        ("import (tap → result line)", |f| Some(f.import.ms)),
        ("  longest task", |f| Some(f.import.longest_task_ms)),
        ("  longest frame gap", |f| {
            Some(f.import.longest_frame_gap_ms)
        }),
        ("after (checked again, +2 s)", |f| Some(f.after.ms)),
        ("  longest task", |f| Some(f.after.longest_task_ms)),
        ("  longest frame gap", |f| {
            Some(f.after.longest_frame_gap_ms)
        }),
        ("wasm memory after [MB]", |f| {
            f.memory_bytes.map(|b| b / 1e6)
        }),
    ];
    for (file, of) in [
        (
            "customers",
            (|r| &r.customers) as fn(&ImportRun) -> &FileImport,
        ),
        ("purchases", |r| &r.purchases),
    ] {
        println!("{file}:");
        for (name, pick) in rows {
            match spread(runs.iter().filter_map(|r| pick(of(r)))) {
                Some(s) => println!(
                    "  {name:<50} {:>10.0} {:>10.0} {:>10.0}",
                    s.median, s.min, s.max
                ),
                None => println!("  {name:<50} {:>10}", "n/a"),
            }
        }
    }
}
