//! `cargo xtask bench`: the app measured in headless Chromium (phone viewport, English) as a
//! shop uses it, against its own worker and app on free ports with a fresh KV store, loaded
//! by `seed-demo`. Measurements, not tests: it prints a table and writes
//! `target/bench/bench.json`, and fails only when a step cannot be done at all.
//!
//! Each run uses a new browser profile:
//! 1. **first sync** — open the app, *Join shop* with a fresh invite code, and time from the
//!    tap to the moment the customer list shows every customer and a sync run has completed
//!    with nothing pending (the app's `huike:sync-done` mark; without it, the list's count),
//!    then on to the book stored compactly (`huike:compacted`), as a phone left open would;
//! 2. **cold start** — a new browser process on the same profile loads `/customers`: time
//!    from navigation to the first painted customer row (`huike:list-painted`, else the
//!    first frame after a named row appears);
//! 3. **keystroke** — typing into *Search* (and erasing it again), each key to the first frame
//!    after the list changed (a key that changes nothing in the list is not counted);
//! 4. **tab switch** — tapping *Today*, *Customers*, *Stats*, *Settings*: tap to the frame after
//!    which the page stays still;
//! 5. in each phase the longest main-thread task (a `longtask` observer installed before the
//!    app loads), and after phases 1 and 2 the IndexedDB bytes (`navigator.storage.estimate`)
//!    and the wasm memory (`window.huikeMemoryBytes()`, else the module's memory).

use std::fs;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde::Serialize;
use serde_json::{Value, json};

use crate::bench_import;
use crate::cli::{BenchOptions, LighthouseOptions, SeedOptions};
use crate::dev;
use crate::lighthouse;
use crate::ports;
use crate::procs::{self, Group, Output};
use crate::repo::Repo;
use crate::seed;
use crate::size;
use crate::stack::{Kv, Ports, Stack};
use crate::step::{Step, say};
use crate::tools::CHROMEDRIVER;

/// The phone viewport (docs/product.md: 360×740).
const VIEWPORT: (u32, u32) = (360, 740);
/// What is typed into Search, one key at a time, then erased with Backspace key by key.
const QUERY: &str = "zhang";
/// WebDriver's Backspace key.
const BACKSPACE: &str = "\u{E003}";
/// The tabs, by their English names, in the order they are tapped.
const TABS: [&str; 5] = ["Today", "Customers", "Stats", "Settings", "Customers"];
/// How long a first sync may take before the run gives up on it.
const FIRST_SYNC_LIMIT: Duration = Duration::from_secs(900);
/// How long a cold start may take.
const COLD_START_LIMIT: Duration = Duration::from_secs(180);
/// How long the bench waits, after a first sync, for the app to store the book compactly
/// (as a phone left open for a moment would) before it closes the browser.
const COMPACTION_LIMIT: Duration = Duration::from_secs(120);
/// A page that shows nothing new for this long has settled.
const QUIET_MS: f64 = 300.0;

/// Installed before any script of every page: long tasks, frames after DOM changes (all, and
/// those of the customer list), the first named row, the counts the list has shown, the wasm
/// module once the start-up script has started it, and the last input and click.
const INSTRUMENT: &str = r#"(() => {
  const H = window.__huikeBench = { longtasks: [], frames: [], listFrames: [], firstRow: null,
    countAt: {}, wasmStarted: null, wasm: null, lastInput: null, lastClick: null };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) H.longtasks.push([e.startTime, e.duration]);
    }).observe({ type: "longtask", buffered: true });
  } catch (e) { H.longtaskError = String(e); }
  // What a long frame spent its time on: the longest script (what called it) and layout.
  H.loafs = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const top = (e.scripts || []).reduce((a, b) => (b.duration > (a ? a.duration : -1) ? b : a), null);
        const layoutFrom = e.styleAndLayoutStart || e.renderStart || 0;
        H.loafs.push([e.startTime, e.duration,
          top ? [top.duration, top.invoker || top.invokerType || "?", top.sourceFunctionName || ""] : null,
          layoutFrom ? e.startTime + e.duration - layoutFrom : 0]);
      }
    }).observe({ type: "long-animation-frame", buffered: true });
  } catch (e) { H.loafError = String(e); }
  addEventListener("huike-app-started", (e) => {
    H.wasmStarted = performance.now();
    H.wasm = e.detail && e.detail.wasm;
  });
  let pending = false, pendingList = false;
  const inList = (node) => {
    const el = node && (node.nodeType === 1 ? node : node.parentElement);
    return !!(el && el.closest && el.closest(".customer-list, .count, .list-scroll"));
  };
  new MutationObserver((records) => {
    const now = performance.now();
    if (H.firstRow === null && !H.firstRowSeen) {
      const row = document.querySelector(".row-link .row-name");
      if (row && row.textContent.trim()) {
        H.firstRowSeen = now;
        requestAnimationFrame((t) => { H.firstRow = t; });
      }
    }
    const count = document.querySelector(".count");
    if (count) {
      const n = parseInt(count.textContent.replace(/[^0-9]/g, ""), 10);
      if (!isNaN(n) && !(n in H.countAt)) H.countAt[n] = now;
    }
    if (!pending) { pending = true; requestAnimationFrame((t) => { pending = false; H.frames.push(t); }); }
    if (!pendingList && records.some((r) => inList(r.target))) {
      pendingList = true;
      requestAnimationFrame((t) => { pendingList = false; H.listFrames.push(t); });
    }
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  document.addEventListener("input", (e) => { H.lastInput = e.timeStamp; }, true);
  document.addEventListener("click", (e) => { H.lastClick = e.timeStamp; }, true);
})();"#;

/// What one phase of one run measured (milliseconds, bytes).
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Phase {
    /// The phase's main figure in ms (None when it could not be measured).
    pub ms: Option<f64>,
    /// Where the figure came from: the app's mark, or DOM polling.
    pub source: &'static str,
    /// The longest main-thread task during the phase, ms.
    pub longest_task_ms: f64,
    /// Long tasks (> 50 ms) during the phase.
    pub long_tasks: usize,
    /// IndexedDB bytes after the phase (when measured).
    pub indexeddb_bytes: Option<f64>,
    /// wasm memory bytes after the phase (when measured).
    pub memory_bytes: Option<f64>,
    /// When the app's wasm had started, ms after navigation (page loads only).
    pub wasm_started_ms: Option<f64>,
    /// First sync only: from the tap to the book stored compactly (the app's
    /// `huike:compacted` mark: the downloaded snapshot folded into the device's own), ms.
    pub compacted_ms: Option<f64>,
    /// Customers the app reported (first sync).
    pub customers: Option<u64>,
    /// Why the phase has no figure, if it has none.
    pub error: Option<String>,
    /// The app's marks and the long tasks during the phase, in order.
    pub timeline: Vec<Event>,
}

/// An app's mark or a long task, ms after navigation.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Event {
    pub at_ms: f64,
    /// The mark's name, or "long task".
    pub what: String,
    /// How long, for a long task.
    pub long_task_ms: Option<f64>,
    /// For a long task, what the long animation frame around it spent its time on (its
    /// longest script and what called it, then style and layout), when the browser says.
    pub cause: Option<String>,
}

/// One run: a new profile through every phase.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Run {
    /// Join → every customer listed and synced.
    pub first_sync: Phase,
    /// Navigation → first painted customer row, in a new browser process.
    pub cold_start: Phase,
    /// Each key typed into Search → the first frame after the list changed.
    pub keystrokes_ms: Vec<Option<f64>>,
    /// The longest task while typing.
    pub keystroke_longest_task_ms: f64,
    /// Each tab tap → the page settled.
    pub tabs_ms: Vec<(String, Option<f64>)>,
    /// The longest task while switching tabs.
    pub tabs_longest_task_ms: f64,
    /// The taps on the tabs, the app's marks and the long tasks while switching tabs.
    pub tabs_timeline: Vec<Event>,
}

/// Sets up, builds, starts the app and a fresh worker, seeds it, measures, prints and writes
/// `target/bench/bench.json`.
pub(crate) fn run(repo: &Repo, options: &BenchOptions) -> Result<ExitCode> {
    if options.runs == 0 {
        bail!("--runs must be at least 1");
    }
    if options.import {
        return bench_import::run(repo, options);
    }
    dev::build_all(repo)?;
    let out = repo.bench_dir();
    fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let download = size::measure(&repo.dist())?;
    let stack = Stack::start(
        repo,
        Ports { app: 0, worker: 0 },
        Kv::Fresh,
        Output::File(out.join("wrangler.log")),
    )?;
    say(format_args!(
        "app {} · worker {} (log in {})",
        stack.app.url(),
        stack.worker.url(),
        out.join("wrangler.log").display()
    ));
    let seed_options = SeedOptions {
        customers: options.customers,
        purchases: options.purchases,
        seed: 7,
        server: stack.worker.url(),
        signup_secret: None,
    };
    let seeded = seed::seed(&seed_options)?;
    let driver = Chromedriver::start(&out)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let mut runs = Vec::new();
    for index in 1..=options.runs {
        procs::check_interrupted()?;
        let step = Step::start(format!("bench run {index}/{}", options.runs));
        let code = if index == 1 {
            seeded.invite_code.clone()
        } else {
            seed::owner_invite(&stack.worker.url(), &seeded.owner.token)?
        };
        let profile = tempfile::Builder::new()
            .prefix("profile-")
            .tempdir_in(&out)
            .context("creating a browser profile")?;
        let run = runtime.block_on(one_run(
            &driver,
            &stack.app.url(),
            profile.path(),
            &code,
            options.customers as u64,
            &out,
            index,
        ))?;
        step.done(format_args!(
            "first sync {}, cold start {}",
            ms(run.first_sync.ms),
            ms(run.cold_start.ms)
        ));
        for (name, timeline) in [
            ("first sync", &run.first_sync.timeline),
            ("cold start", &run.cold_start.timeline),
            ("tabs", &run.tabs_timeline),
        ] {
            say(format_args!("{name}: {}", describe(timeline)));
        }
        runs.push(run);
    }
    drop(driver);
    // A first visit of the same served app (Lighthouse's browser has its own fresh profile).
    let lighthouse = if options.lighthouse {
        Some(lighthouse::measure(
            repo,
            &LighthouseOptions {
                url: Some(format!("{}/", stack.app.url())),
                runs: options.runs,
            },
        )?)
    } else {
        None
    };
    drop(stack);
    let summary = summarize(&runs);
    print_table(&summary, &download, lighthouse.as_ref(), options);
    let report = json!({
        "shop": { "seed": 7, "customers": options.customers, "purchases": options.purchases,
                  "ops": seeded.ops, "batches": seeded.batches,
                  "seed_push_seconds": seeded.push_time.as_secs_f64() },
        "viewport": { "width": VIEWPORT.0, "height": VIEWPORT.1 },
        "download": download,
        "summary": summary,
        "runs": runs,
        "lighthouse": lighthouse,
    });
    let path = out.join("bench.json");
    fs::write(&path, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    say(format_args!("wrote {}", path.display()));
    Ok(ExitCode::SUCCESS)
}

/// One run in one profile: the first sync in one browser process, then cold start, typing and
/// tabs in a new one. Sessions are closed whatever happens.
async fn one_run(
    driver: &Chromedriver,
    app: &str,
    profile: &Path,
    code: &str,
    customers: u64,
    out: &Path,
    index: usize,
) -> Result<Run> {
    let mut run = Run::default();
    let client = driver.session(profile).await?;
    let result = first_sync(&client, app, code, customers).await;
    screenshot(&client, &out.join(format!("run{index}-1-first-sync.png"))).await;
    let _ = client.close().await;
    run.first_sync = result?;

    let client = driver.session(profile).await?;
    let result = async {
        let cold = cold_start(&client, app).await?;
        screenshot(&client, &out.join(format!("run{index}-2-cold-start.png"))).await;
        let (keys, keys_task) =
            keystrokes(&client, &out.join(format!("run{index}-3-search.png"))).await?;
        let tabs = tab_switches(&client).await?;
        Ok::<_, anyhow::Error>((cold, keys, keys_task, tabs))
    }
    .await;
    let _ = client.close().await;
    let (cold, keys, keys_task, (tabs, tabs_task, tabs_timeline)) = result?;
    run.cold_start = cold;
    run.keystrokes_ms = keys;
    run.keystroke_longest_task_ms = keys_task;
    run.tabs_ms = tabs;
    run.tabs_longest_task_ms = tabs_task;
    run.tabs_timeline = tabs_timeline;
    Ok(run)
}

async fn first_sync(client: &Client, app: &str, code: &str, customers: u64) -> Result<Phase> {
    client
        .goto(&format!("{app}/?lang=en"))
        .await
        .context("opening the app")?;
    fill(client, "Join shop", "Invite code", code).await?;
    fill(client, "Join shop", "Your name", "Bench").await?;
    let join = wait_for(client, &button("Join shop"), Duration::from_secs(20)).await?;
    join.click().await.context("tapping Join shop")?;
    let started: f64 = number(client, "return window.__huikeBench.lastClick")
        .await?
        .context("the tap on Join shop was not seen")?;
    // The list of customers, as the issue's measurement had it open.
    let customers_tab = wait_for(client, &link("Customers"), Duration::from_secs(60)).await?;
    customers_tab.click().await.context("opening Customers")?;
    let deadline = Instant::now() + FIRST_SYNC_LIMIT;
    let mut last_note = Instant::now();
    loop {
        let state = client
            .execute(
                r#"const H = window.__huikeBench;
                   const marks = performance.getEntriesByName("huike:sync-done")
                     .map((m) => [m.startTime, m.detail ? m.detail.customers : null, m.detail ? m.detail.pending : null]);
                   return { marks, countAt: H.countAt, now: performance.now() };"#,
                vec![],
            )
            .await
            .context("reading the page's progress")?;
        let listed_at = state["countAt"][customers.to_string()].as_f64();
        let marks: Vec<SyncMark> = state["marks"]
            .as_array()
            .map(|marks| {
                marks
                    .iter()
                    .filter_map(|m| {
                        Some(SyncMark {
                            at: m[0].as_f64()?,
                            customers: m[1].as_u64(),
                            pending: m[2].as_u64(),
                        })
                    })
                    .filter(|m| m.at >= started)
                    .collect()
            })
            .unwrap_or_default();
        let now = state["now"].as_f64().unwrap_or(0.0);
        let done = first_sync_done(listed_at, &marks, now, customers);
        if let Some((at, source)) = done {
            let compacted = compacted_after(client, started).await?;
            let mut phase = measure_after(client, started, compacted.unwrap_or(at).max(at)).await?;
            phase.ms = Some(at - started);
            phase.compacted_ms = compacted.map(|c| c - started);
            phase.source = source;
            phase.customers = state["marks"]
                .as_array()
                .and_then(|m| m.last())
                .and_then(|m| m[1].as_u64())
                .or(Some(customers));
            return Ok(phase);
        }
        if Instant::now() > deadline {
            let mut phase = measure_after(client, started, f64::MAX).await?;
            phase.error = Some(format!(
                "not complete after {FIRST_SYNC_LIMIT:?} (counts seen: {}, marks: {})",
                state["countAt"], state["marks"]
            ));
            return Ok(phase);
        }
        if last_note.elapsed() > Duration::from_secs(10) {
            last_note = Instant::now();
            let most = state["countAt"]
                .as_object()
                .and_then(|m| m.keys().filter_map(|k| k.parse::<u64>().ok()).max());
            say(format_args!(
                "first sync: {:.0} s, the list has shown up to {} of {customers} customers",
                (state["now"].as_f64().unwrap_or(started) - started) / 1000.0,
                most.map_or("none".to_owned(), |n| n.to_string())
            ));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// When the app marked `huike:compacted` after `started` (ms after navigation), waiting up to
/// [`COMPACTION_LIMIT`] for it; None if it did not within that time.
async fn compacted_after(client: &Client, started: f64) -> Result<Option<f64>> {
    let deadline = Instant::now() + COMPACTION_LIMIT;
    loop {
        let at = number(
            client,
            &format!(
                r#"const m = performance.getEntriesByName("huike:compacted")
                     .filter((m) => m.startTime >= {started});
                   return m.length ? m[0].startTime : null;"#
            ),
        )
        .await?;
        if at.is_some() || Instant::now() > deadline {
            return Ok(at);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn cold_start(client: &Client, app: &str) -> Result<Phase> {
    client
        .goto(&format!("{app}/customers?lang=en"))
        .await
        .context("opening /customers")?;
    let deadline = Instant::now() + COLD_START_LIMIT;
    loop {
        let state = client
            .execute(
                r#"const H = window.__huikeBench;
                   const mark = performance.getEntriesByName("huike:list-painted")[0];
                   return { mark: mark ? mark.startTime : null, row: H.firstRow, wasm: H.wasmStarted };"#,
                vec![],
            )
            .await
            .context("reading the page's progress")?;
        let found = match (state["mark"].as_f64(), state["row"].as_f64()) {
            (Some(mark), _) => Some((mark, "mark")),
            (None, Some(row)) => Some((row, "DOM")),
            _ => None,
        };
        if let Some((at, source)) = found {
            // Let the start finish, so its long tasks are all seen.
            tokio::time::sleep(Duration::from_millis(1500)).await;
            let mut phase = measure_after(client, 0.0, at + 1000.0).await?;
            phase.ms = Some(at);
            phase.source = source;
            phase.wasm_started_ms = state["wasm"].as_f64();
            return Ok(phase);
        }
        if Instant::now() > deadline {
            bail!("no customer row painted {COLD_START_LIMIT:?} after opening /customers");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Types [`QUERY`] into Search one key at a time, then erases it with Backspace: each key's
/// time to the first frame after the list changed (None: the list did not change within 5 s),
/// and the longest task meanwhile. Screenshots the full query's results on the way.
async fn keystrokes(client: &Client, shot: &Path) -> Result<(Vec<Option<f64>>, f64)> {
    let search = field(client, "", "Search").await?;
    search.click().await.context("focusing Search")?;
    let from = now(client).await?;
    let keys: Vec<String> = QUERY
        .chars()
        .map(String::from)
        .chain(QUERY.chars().map(|_| BACKSPACE.to_owned()))
        .collect();
    let mut times = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        client
            .execute(
                "window.__huikeBench.listFrames = []; window.__huikeBench.lastInput = null;",
                vec![],
            )
            .await?;
        search.send_keys(key).await.context("typing into Search")?;
        let deadline = Instant::now() + Duration::from_secs(5);
        let time = loop {
            let state = client
                .execute("const H = window.__huikeBench; return { input: H.lastInput, frames: H.listFrames };", vec![])
                .await?;
            if let Some(input) = state["input"].as_f64() {
                let frame = state["frames"]
                    .as_array()
                    .and_then(|f| f.iter().filter_map(Value::as_f64).find(|t| *t >= input));
                if let Some(frame) = frame {
                    break Some(frame - input);
                }
            }
            if Instant::now() > deadline {
                break None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        times.push(time);
        tokio::time::sleep(Duration::from_millis(400)).await;
        if i + 1 == QUERY.chars().count() {
            screenshot(client, shot).await;
        }
    }
    let (longest, _) = long_tasks(client, from, f64::MAX).await?;
    Ok((times, longest))
}

/// Taps each tab of [`TABS`]; tap to the frame after which nothing changed for [`QUIET_MS`].
async fn tab_switches(client: &Client) -> Result<(Vec<(String, Option<f64>)>, f64, Vec<Event>)> {
    let from = now(client).await?;
    let (mut times, mut taps) = (Vec::new(), Vec::new());
    for tab in TABS {
        client
            .execute(
                "window.__huikeBench.frames = []; window.__huikeBench.lastClick = null;",
                vec![],
            )
            .await?;
        let el = wait_for(client, &link(tab), Duration::from_secs(20)).await?;
        el.click().await.with_context(|| format!("tapping {tab}"))?;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let state = client
            .execute(
                "const H = window.__huikeBench; return { click: H.lastClick, frames: H.frames };",
                vec![],
            )
            .await?;
        let time = state["click"].as_f64().and_then(|click| {
            let frames: Vec<f64> = state["frames"]
                .as_array()
                .map(|f| {
                    f.iter()
                        .filter_map(Value::as_f64)
                        .filter(|t| *t >= click)
                        .collect()
                })
                .unwrap_or_default();
            settled(&frames).map(|at| at - click)
        });
        if let Some(at_ms) = state["click"].as_f64() {
            taps.push(Event {
                at_ms,
                what: format!("tap {tab}"),
                ..Event::default()
            });
        }
        times.push((tab.to_owned(), time));
    }
    let mut events = timeline(client, from, f64::MAX).await?;
    let longest = events
        .iter()
        .filter_map(|e| e.long_task_ms)
        .fold(0.0, f64::max);
    events.extend(taps);
    events.sort_by(|a, b| a.at_ms.total_cmp(&b.at_ms));
    Ok((times, longest, events))
}

/// A `huike:sync-done` mark: when, and its detail (`customers`, `pending`) if it has one.
#[derive(Debug, Clone, Copy, PartialEq)]
struct SyncMark {
    at: f64,
    customers: Option<u64>,
    pending: Option<u64>,
}

/// When a first sync was complete, and by what sign, given when the list first showed
/// `customers` customers (`listed`), the sync marks since the tap, and the time now:
/// - marks with a detail: the first with every customer and nothing pending (and the list
///   showing them all, unless it never reads exactly `customers`: then the mark, 5 s on);
/// - marks without a detail: the first sync run ending after the list showed them all (a run
///   may end just before its last changes are painted: up to 1 s before counts);
/// - no mark at all: the list's count, once it has stayed put for 3 s.
fn first_sync_done(
    listed: Option<f64>,
    marks: &[SyncMark],
    now: f64,
    customers: u64,
) -> Option<(f64, &'static str)> {
    let detailed = marks.iter().any(|m| m.customers.is_some());
    let synced = if detailed {
        marks
            .iter()
            .find(|m| m.customers.is_some_and(|c| c >= customers) && m.pending == Some(0))
            .map(|m| m.at)
    } else {
        listed.and_then(|listed| marks.iter().find(|m| m.at >= listed - 1000.0).map(|m| m.at))
    };
    match (listed, synced) {
        (Some(listed), Some(synced)) => Some((listed.max(synced), "mark")),
        (None, Some(synced)) if now - synced > 5000.0 => Some((synced, "mark")),
        (Some(listed), None) if marks.is_empty() && now - listed > 3000.0 => Some((listed, "DOM")),
        _ => None,
    }
}

/// The first frame of `frames` (ascending) after which none follows within [`QUIET_MS`].
fn settled(frames: &[f64]) -> Option<f64> {
    let mut last = *frames.first()?;
    for &frame in &frames[1..] {
        if frame - last > QUIET_MS {
            break;
        }
        last = frame;
    }
    Some(last)
}

/// The long tasks between `from` and `to`, IndexedDB bytes and wasm memory now.
async fn measure_after(client: &Client, from: f64, to: f64) -> Result<Phase> {
    let timeline = timeline(client, from, to).await?;
    let long: Vec<f64> = timeline.iter().filter_map(|e| e.long_task_ms).collect();
    let (longest, count) = (long.iter().copied().fold(0.0, f64::max), long.len());
    let storage = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               navigator.storage.estimate()
                 .then((e) => done((e.usageDetails && e.usageDetails.indexedDB) || e.usage || null))
                 .catch(() => done(null));"#,
            vec![],
        )
        .await
        .context("reading navigator.storage.estimate()")?;
    let memory = client
        .execute(
            r#"if (typeof window.huikeMemoryBytes === "function") return window.huikeMemoryBytes();
               const w = window.__huikeBench.wasm;
               return w && w.memory ? w.memory.buffer.byteLength : null;"#,
            vec![],
        )
        .await
        .context("reading the wasm memory")?;
    Ok(Phase {
        longest_task_ms: longest,
        long_tasks: count,
        timeline,
        indexeddb_bytes: storage.as_f64(),
        memory_bytes: memory.as_f64(),
        ..Phase::default()
    })
}

/// The longest task and the number of long tasks that started between `from` and `to`.
async fn long_tasks(client: &Client, from: f64, to: f64) -> Result<(f64, usize)> {
    let durations: Vec<f64> = timeline(client, from, to)
        .await?
        .into_iter()
        .filter_map(|e| e.long_task_ms)
        .collect();
    Ok((
        durations.iter().copied().fold(0.0, f64::max),
        durations.len(),
    ))
}

/// What happened between `from` and `to`, in order: the app's `huike:*` marks (its steps,
/// e.g. of opening the book) and the long tasks, so a long task can be placed between two
/// steps.
pub(crate) async fn timeline(client: &Client, from: f64, to: f64) -> Result<Vec<Event>> {
    let got = client
        .execute(
            r#"const marks = performance.getEntriesByType("mark")
                 .filter((m) => m.name.startsWith("huike:"))
                 .map((m) => [m.startTime, m.name, null]);
               const H = window.__huikeBench;
               const cause = (at) => {
                 const f = (H.loafs || []).find(([s, d]) => s <= at + 1 && at < s + d);
                 if (!f) return null;
                 const [, , top, layout] = f;
                 const parts = [];
                 if (top) parts.push(`script ${Math.round(top[0])} ms: ${top[1]}${top[2] ? " " + top[2] : ""}`);
                 if (layout >= 1) parts.push(`style and layout ${Math.round(layout)} ms`);
                 return parts.length ? parts.join(", ") : null;
               };
               const tasks = H.longtasks.map(([at, ms]) => [at, "long task", ms, cause(at)]);
               return marks.concat(tasks);"#,
            vec![],
        )
        .await
        .context("reading the marks and long tasks")?;
    let mut events: Vec<Event> = got
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(|e| {
                    Some(Event {
                        at_ms: e[0].as_f64()?,
                        what: e[1].as_str()?.to_owned(),
                        long_task_ms: e[2].as_f64(),
                        cause: e[3].as_str().map(str::to_owned),
                    })
                })
                .filter(|e| e.at_ms >= from && e.at_ms <= to)
                .collect()
        })
        .unwrap_or_default();
    events.sort_by(|a, b| a.at_ms.total_cmp(&b.at_ms));
    Ok(events)
}

/// A timeline on one line: `312 huike:views-read · 640 long task 180 ms · …`.
pub(crate) fn describe(timeline: &[Event]) -> String {
    let events: Vec<String> = timeline
        .iter()
        .map(|e| match e.long_task_ms {
            Some(d) => match &e.cause {
                Some(cause) => format!("{:.0} {} {d:.0} ms ({cause})", e.at_ms, e.what),
                None => format!("{:.0} {} {d:.0} ms", e.at_ms, e.what),
            },
            None => format!("{:.0} {}", e.at_ms, e.what),
        })
        .collect();
    events.join(" · ")
}

pub(crate) async fn now(client: &Client) -> Result<f64> {
    number(client, "return performance.now()")
        .await?
        .context("performance.now() gave no number")
}

pub(crate) async fn number(client: &Client, script: &str) -> Result<Option<f64>> {
    Ok(client.execute(script, vec![]).await?.as_f64())
}

pub(crate) async fn screenshot(client: &Client, path: &Path) {
    if let Ok(png) = client.screenshot().await {
        let _ = fs::write(path, png);
    }
}

/// XPath string literal for any text.
fn lit(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else {
        format!("concat('{}')", text.replace('\'', "', \"'\", '"))
    }
}

pub(crate) fn button(name: &str) -> String {
    format!("//button[normalize-space()={}]", lit(name))
}

pub(crate) fn link(name: &str) -> String {
    format!("//a[normalize-space()={}]", lit(name))
}

/// The input labelled `label` (in the form with a button `form_button`, when given), found as
/// a person finds it: by its visible label.
async fn field(client: &Client, form_button: &str, label: &str) -> Result<Element> {
    let scope = if form_button.is_empty() {
        String::new()
    } else {
        format!("//form[.//button[normalize-space()={}]]", lit(form_button))
    };
    let xpath = format!(
        "{scope}//label[.//*[normalize-space()={l}] or normalize-space(text())={l}]//*[self::input or self::textarea or self::select]",
        l = lit(label)
    );
    wait_for(client, &xpath, Duration::from_secs(30)).await
}

pub(crate) async fn fill(
    client: &Client,
    form_button: &str,
    label: &str,
    text: &str,
) -> Result<()> {
    let input = field(client, form_button, label).await?;
    input
        .clear()
        .await
        .with_context(|| format!("clearing {label}"))?;
    input
        .send_keys(text)
        .await
        .with_context(|| format!("typing into {label}"))
}

pub(crate) async fn wait_for(client: &Client, xpath: &str, limit: Duration) -> Result<Element> {
    client
        .wait()
        .at_most(limit)
        .for_element(Locator::XPath(xpath))
        .await
        .with_context(|| format!("nothing matches {xpath} within {limit:?}"))
}

/// chromedriver in its own process group (Chromium's processes stop with it).
pub(crate) struct Chromedriver {
    _group: Group,
    port: u16,
}

impl Chromedriver {
    pub(crate) fn start(out: &Path) -> Result<Chromedriver> {
        let port = ports::free()?;
        let mut command = std::process::Command::new(CHROMEDRIVER);
        command
            .arg(format!("--port={port}"))
            .stdin(std::process::Stdio::null());
        let group = Group::spawn(
            "chromedriver",
            &mut command,
            Output::File(out.join("chromedriver.log")),
        )?;
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("chromedriver did not start on port {port}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(Chromedriver {
            _group: group,
            port,
        })
    }

    /// A headless Chromium with the phone viewport, `profile` as its user data folder, and
    /// [`INSTRUMENT`] installed for every page it opens.
    pub(crate) async fn session(&self, profile: &Path) -> Result<Client> {
        let (width, height) = VIEWPORT;
        let caps = json!({
            "goog:chromeOptions": {
                "binary": std::env::var("CHROME").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.display()),
                ],
                "mobileEmulation": {
                    "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0, "touch": true, "mobile": true }
                }
            }
        });
        let caps = caps.as_object().cloned().expect("an object");
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .map_err(|e| anyhow!("starting a browser session: {e}"))?;
        if let Err(error) = cdp(
            &client,
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": INSTRUMENT }),
        )
        .await
        {
            let _ = client.close().await;
            return Err(error);
        }
        Ok(client)
    }
}

/// A Chrome DevTools Protocol command through chromedriver's bridge.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

async fn cdp(client: &Client, cmd: &'static str, params: Value) -> Result<Value> {
    client
        .issue_cmd(Cdp { cmd, params })
        .await
        .with_context(|| format!("CDP {cmd}"))
}

/// Median, minimum and maximum of the figures that were measured.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Spread {
    /// Middle value (mean of the two middle ones for an even count).
    pub median: f64,
    /// Smallest.
    pub min: f64,
    /// Largest.
    pub max: f64,
    /// How many figures.
    pub n: usize,
}

/// The spread of `values`, or None when there are none.
pub(crate) fn spread(values: impl IntoIterator<Item = f64>) -> Option<Spread> {
    let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    Some(Spread {
        median,
        min: v[0],
        max: v[n - 1],
        n,
    })
}

/// Each measure over all runs, by name, in table order.
fn summarize(runs: &[Run]) -> Vec<(String, &'static str, Option<Spread>)> {
    let all = |f: &dyn Fn(&Run) -> Vec<f64>| spread(runs.iter().flat_map(f));
    let one = |f: fn(&Run) -> Option<f64>| move |r: &Run| f(r).into_iter().collect::<Vec<f64>>();
    let mut rows = vec![
        (
            "first sync (Join → all customers listed, synced)".to_owned(),
            "ms",
            all(&one(|r| r.first_sync.ms)),
        ),
        (
            "  then the book stored compactly".to_owned(),
            "ms",
            all(&one(|r| r.first_sync.compacted_ms)),
        ),
        (
            "  longest task during first sync and storing".to_owned(),
            "ms",
            all(&one(|r| Some(r.first_sync.longest_task_ms))),
        ),
        (
            "  IndexedDB after first sync".to_owned(),
            "MB",
            all(&one(|r| r.first_sync.indexeddb_bytes.map(mb))),
        ),
        (
            "  wasm memory after first sync".to_owned(),
            "MB",
            all(&one(|r| r.first_sync.memory_bytes.map(mb))),
        ),
        (
            "cold start (load /customers → first row painted)".to_owned(),
            "ms",
            all(&one(|r| r.cold_start.ms)),
        ),
        (
            "  wasm started".to_owned(),
            "ms",
            all(&one(|r| r.cold_start.wasm_started_ms)),
        ),
        (
            "  longest task during cold start".to_owned(),
            "ms",
            all(&one(|r| Some(r.cold_start.longest_task_ms))),
        ),
        (
            "  wasm memory after cold start".to_owned(),
            "MB",
            all(&one(|r| r.cold_start.memory_bytes.map(mb))),
        ),
        (
            format!("keystroke → list frame ('{QUERY}', erased)"),
            "ms",
            all(&|r: &Run| r.keystrokes_ms.iter().flatten().copied().collect()),
        ),
        (
            "  longest task while typing".to_owned(),
            "ms",
            all(&one(|r| Some(r.keystroke_longest_task_ms))),
        ),
    ];
    for tab in ["Today", "Customers", "Stats", "Settings"] {
        rows.push((
            format!("tab switch → {tab} settled"),
            "ms",
            all(&|r: &Run| {
                r.tabs_ms
                    .iter()
                    .filter(|(t, _)| t == tab)
                    .filter_map(|(_, ms)| *ms)
                    .collect()
            }),
        ));
    }
    rows.push((
        "  longest task while switching tabs".to_owned(),
        "ms",
        all(&one(|r| Some(r.tabs_longest_task_ms))),
    ));
    rows
}

fn print_table(
    rows: &[(String, &'static str, Option<Spread>)],
    download: &[size::Sizes],
    lighthouse: Option<&lighthouse::Scores>,
    options: &BenchOptions,
) {
    println!();
    println!(
        "Huike bench: {} customers, {} purchases (seed 7), {} run(s), headless Chromium {}×{}",
        options.customers, options.purchases, options.runs, VIEWPORT.0, VIEWPORT.1
    );
    println!(
        "{:<54} {:>10} {:>10} {:>10}",
        "measure", "median", "min", "max"
    );
    for (name, unit, spread) in rows {
        match spread {
            Some(s) => println!(
                "{:<54} {:>10} {:>10} {:>10}",
                format!("{name} [{unit}]"),
                format!("{:.1}", s.median),
                format!("{:.1}", s.min),
                format!("{:.1}", s.max)
            ),
            None => println!("{:<54} {:>10}", format!("{name} [{unit}]"), "n/a"),
        }
    }
    if let Some(total) = download.last() {
        println!(
            "{:<54} {:>10}",
            "download wasm + JS + HTML/CSS [KB raw / gzip / brotli]",
            format!(
                "{} / {} / {}",
                size::kb(total.raw),
                size::kb(total.gzip),
                size::kb(total.brotli)
            )
        );
    }
    if let Some(scores) = lighthouse {
        lighthouse::print(scores);
    }
}

pub(crate) fn mb(bytes: f64) -> f64 {
    bytes / 1_000_000.0
}

pub(crate) fn ms(value: Option<f64>) -> String {
    value.map_or("n/a".to_owned(), |v| format!("{v:.0} ms"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_gives_median_min_max() {
        let s = spread([3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.n), (2.0, 1.0, 3.0, 3));
        assert_eq!(spread([4.0, 1.0]).unwrap().median, 2.5);
        assert!(spread([]).is_none());
        assert!(spread([f64::NAN]).is_none());
    }

    #[test]
    fn a_first_sync_is_done_by_the_marks_the_app_gives_or_by_the_list() {
        let mark = |at, customers, pending| SyncMark {
            at,
            customers,
            pending,
        };
        // Detailed marks: the complete one, and the list showing everyone.
        let detailed = [
            mark(10.0, Some(500), Some(0)),
            mark(60.0, Some(1000), Some(0)),
        ];
        assert_eq!(
            first_sync_done(Some(55.0), &detailed, 70.0, 1000),
            Some((60.0, "mark"))
        );
        assert_eq!(first_sync_done(None, &detailed, 70.0, 1000), None);
        assert_eq!(
            first_sync_done(None, &detailed, 6000.0, 1000),
            Some((60.0, "mark"))
        );
        // Plain marks: the run ending after the list showed everyone (or just before).
        let plain = [
            mark(10.0, None, None),
            mark(2000.0, None, None),
            mark(9000.0, None, None),
        ];
        assert_eq!(
            first_sync_done(Some(2500.0), &plain, 3000.0, 1000),
            Some((2500.0, "mark"))
        );
        assert_eq!(
            first_sync_done(Some(5000.0), &plain, 6000.0, 1000),
            Some((9000.0, "mark"))
        );
        assert_eq!(
            first_sync_done(Some(9500.0), &plain, 9600.0, 1000),
            Some((9500.0, "mark"))
        );
        assert_eq!(first_sync_done(Some(12000.0), &plain, 12500.0, 1000), None);
        // No marks: the count, once it has stayed for 3 s.
        assert_eq!(first_sync_done(Some(100.0), &[], 2000.0, 1000), None);
        assert_eq!(
            first_sync_done(Some(100.0), &[], 3200.0, 1000),
            Some((100.0, "DOM"))
        );
    }

    #[test]
    fn settled_is_the_last_frame_before_a_quiet_gap() {
        assert_eq!(settled(&[10.0, 26.0, 42.0, 900.0]), Some(42.0));
        assert_eq!(settled(&[10.0]), Some(10.0));
        assert_eq!(settled(&[]), None);
    }
}
