//! Settings → **Import** (导入) for the owner (issue 10, SPEC §3): a CSV file of customers or
//! of purchases read whatever its encoding, a preview of its first rows with each column's
//! field (recognised from its header, changeable by hand), what the import would do and every
//! bad cell by line and column — and nothing written until the owner presses **Import**
//! (after choosing to skip the bad rows, if there are any). The writes go a chunk at a time
//! with a progress bar and **Cancel**; each chunk is stored as one change, so a cancelled or
//! interrupted import leaves whole rows, and importing the file again carries on without
//! doubling anything. Reading, checking and matching are core's (`import`), done here a slice
//! of steps at a time with a progress line, so a 200,000-row file never freezes the page; a
//! check stops when the file, its kind or the mapping changes, and starts again if the book
//! changes under it. A check's outcome is large (every customer or purchase to write): it is
//! kept out of the views, which get its report, and freed a slice at a time.

use super::widgets::{chosen_file, file_bytes};
use crate::i18n::Texts;
use crate::platform::{local_now, mark, now_ms, today};
use crate::state::{AppState, use_app};
use crate::store::yield_now;
use huike_core::book::Book;
use huike_core::domain::{Customer, Entry};
use huike_core::id::Id;
use huike_core::import::check::{CustomersCheck, PurchasesCheck};
use huike_core::import::columns::{Field, map_headers};
use huike_core::import::customers::{CellError, Problem};
use huike_core::import::sheet::{Encoding, Sheet};
use huike_core::import::values::ValueError;
use huike_core::import::{Progress, matching, purchases, sheet};
use huike_core::replica::{Journal, Replica};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::ops::Range;
use std::sync::Arc;

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum What {
    Customers,
    Purchases,
}

impl What {
    /// The fields a column can be imported as.
    fn fields(self) -> &'static [Field] {
        match self {
            What::Customers => &[
                Field::Name,
                Field::Phone,
                Field::CustomerId,
                Field::Birthday,
                Field::Gender,
                Field::Tags,
                Field::Source,
                Field::Referrer,
                Field::Notes,
                Field::Wechat,
            ],
            What::Purchases => &[
                Field::Date,
                Field::Amount,
                Field::Item,
                Field::Quantity,
                Field::Order,
                Field::Phone,
                Field::CustomerId,
            ],
        }
    }

    /// The fields a file of this kind cannot do without (the purchases' customer: a phone or
    /// an id column).
    fn missing(self, mapping: &[Option<Field>]) -> Vec<Field> {
        let has = |f: Field| mapping.contains(&Some(f));
        match self {
            What::Customers => [Field::Name].into_iter().filter(|f| !has(*f)).collect(),
            What::Purchases => {
                let mut missing: Vec<Field> = [Field::Date, Field::Amount]
                    .into_iter()
                    .filter(|f| !has(*f))
                    .collect();
                if !has(Field::Phone) && !has(Field::CustomerId) {
                    missing.push(Field::Phone);
                }
                missing
            }
        }
    }
}

/// A field's name on screen.
fn field_name(t: &Texts, field: Field) -> &'static str {
    match field {
        Field::Name => t.name,
        Field::Phone => t.phone,
        Field::CustomerId => t.customer_id,
        Field::Birthday => t.birthday,
        Field::Gender => t.gender,
        Field::Tags => t.tags,
        Field::Source => t.source,
        Field::Referrer => t.referrer,
        Field::Notes => t.notes,
        Field::Wechat => t.wechat,
        Field::Date => t.date,
        Field::Amount => t.amount,
        Field::Item => t.item,
        Field::Quantity => t.quantity,
        Field::Order => t.order_number,
    }
}

/// GB18030 (GBK) as the browser decodes it, a piece of the file at a time (`None` once the
/// bytes are not GB18030): the browser's own decoder, whose tables cost the app no download.
fn gb18030() -> sheet::Gb18030 {
    let options = web_sys::TextDecoderOptions::new();
    options.set_fatal(true);
    let decoder = web_sys::TextDecoder::new_with_label_and_options("gb18030", &options).ok();
    Box::new(move |bytes, last| {
        let options = web_sys::TextDecodeOptions::new();
        options.set_stream(!last);
        decoder
            .as_ref()?
            .decode_with_u8_array_and_options(bytes, &options)
            .ok()
    })
}

/// What is wrong with a cell, in the screen's language.
fn cell_error(t: &Texts, what: &CellError) -> String {
    let with = |text: &str, v: &str| text.replace("{v}", v);
    match what {
        CellError::Missing => t.cell_missing.to_owned(),
        CellError::NotAPhone(v) => with(t.cell_not_phone, v),
        CellError::Value(ValueError::NotAnAmount(v)) => with(t.cell_not_amount, v),
        CellError::Value(ValueError::NotADate(v)) => with(t.cell_not_date, v),
        CellError::Value(ValueError::NotATime(v)) => with(t.cell_not_time, v),
        CellError::InTheFuture(day) => with(t.cell_future, &day.to_string()),
        CellError::Unknown(v) => with(t.cell_unknown, v),
    }
}

/// The field of a `<select>` value (the field's position in [`What::fields`]; "" for none).
fn parse_choice(what: What, value: &str) -> Option<Field> {
    value
        .parse::<usize>()
        .ok()
        .and_then(|i| what.fields().get(i).copied())
}

/// How long a slice of reading or checking runs before the page paints and takes input
/// again (ms): the steps below take a few ms each in a phone's browser.
const SLICE_MS: u64 = 30;
/// Lines of the file read a step.
const READ_LINES: usize = 500;
/// Units of check work a step (core's `import::check`: a book customer indexed, a row read and
/// matched, a referrer resolved).
const CHECK_WORK: usize = 250;
/// Items freed a slice (dropping 200,000 purchases at once would be one long task).
const FREE_A_SLICE: usize = 5_000;

/// Runs `step` — one bounded step of work, its progress (`None`: stop) — a slice of steps at a
/// time, letting the page paint and take input between slices and showing the progress; true
/// once the work is finished, false if stopped.
async fn in_slices(
    mut step: impl FnMut() -> Option<Progress>,
    mut show: impl FnMut(Progress),
) -> bool {
    loop {
        let start = now_ms();
        let progress = loop {
            let Some(progress) = step() else {
                return false;
            };
            if progress.finished() || now_ms().saturating_sub(start) >= SLICE_MS {
                break progress;
            }
        };
        show(progress);
        if progress.finished() {
            return true;
        }
        yield_now().await;
    }
}

/// Frees `items` a slice at a time.
async fn free_slowly<T>(mut items: Vec<T>) {
    while !items.is_empty() {
        items.truncate(items.len().saturating_sub(FREE_A_SLICE));
        yield_now().await;
    }
}

/// The file read as a sheet, a slice at a time while `current` (None once it is not).
async fn read_sheet(
    bytes: Vec<u8>,
    current: impl Fn() -> bool,
    show: impl FnMut(Progress),
) -> Option<Result<Sheet, sheet::SheetError>> {
    let mut reader = match sheet::SheetReader::new(bytes, gb18030()) {
        Ok(reader) => reader,
        Err(e) => return Some(Err(e)),
    };
    let mut failed = None;
    let read = in_slices(
        || {
            if !current() {
                return None;
            }
            reader.step(READ_LINES).map_err(|e| failed = Some(e)).ok()
        },
        show,
    )
    .await;
    match failed {
        Some(e) => Some(Err(e)),
        None => read.then(|| Ok(reader.finish())),
    }
}

/// A check under way.
enum Checking {
    Customers(Box<CustomersCheck>),
    Purchases(Box<PurchasesCheck>),
}

impl Checking {
    /// A check of the rows with `mapping` against the book as it is.
    fn new(app: AppState, what: What, mapping: Vec<Option<Field>>) -> Checking {
        match what {
            What::Customers => Checking::Customers(Box::new(CustomersCheck::new(
                mapping,
                today(),
                local_now(),
                app.staff(),
            ))),
            What::Purchases => Checking::Purchases(Box::new(PurchasesCheck::new(mapping))),
        }
    }

    fn step(&mut self, sheet: &Sheet, book: &Book) -> Progress {
        match self {
            Checking::Customers(c) => c.step(sheet, book, CHECK_WORK),
            Checking::Purchases(c) => c.step(sheet, book, CHECK_WORK),
        }
    }

    /// What the check found (so far, if it has not finished).
    fn finish(self) -> Check {
        match self {
            Checking::Customers(c) => {
                let checked = (*c).finish();
                Check::Customers {
                    bad_rows: bad_rows(&checked.problems),
                    plan: checked.plan,
                    problems: checked.problems,
                }
            }
            Checking::Purchases(c) => {
                let read = (*c).finish();
                Check::Purchases {
                    bad_rows: bad_rows(&read.problems),
                    read,
                }
            }
        }
    }
}

/// How many rows have a problem.
fn bad_rows(problems: &[Problem]) -> usize {
    let mut lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
    lines.dedup();
    lines.len()
}

/// What the rows would write, worked out from the book as it was checked.
enum Check {
    Customers {
        plan: matching::Plan,
        problems: Vec<Problem>,
        bad_rows: usize,
    },
    Purchases {
        read: purchases::Read,
        bad_rows: usize,
    },
}

impl Check {
    /// How many writes (customers or purchases) the import makes.
    fn writes(&self) -> usize {
        match self {
            Check::Customers { plan, .. } => plan.edits.len(),
            Check::Purchases { read, .. } => read.purchases.len(),
        }
    }

    /// What the report shows.
    fn report(&self, t: &Texts) -> Report {
        let (problems, bad_rows) = match self {
            Check::Customers {
                problems, bad_rows, ..
            } => (problems, *bad_rows),
            Check::Purchases { read, bad_rows } => (&read.problems, *bad_rows),
        };
        let summary = match self {
            Check::Customers { plan, .. } => t
                .plan_customers
                .replace("{new}", &plan.new_customers().to_string())
                .replace("{updated}", &plan.updated().to_string())
                .replace("{unchanged}", &(plan.unchanged + plan.merged).to_string()),
            Check::Purchases { read, .. } => t
                .plan_purchases
                .replace("{n}", &read.purchases.len().to_string())
                .replace("{already}", &read.already.to_string()),
        };
        let unknown = match self {
            Check::Customers { plan, .. } => plan
                .unknown_referrers
                .iter()
                .take(REPORT_ROWS)
                .map(|u| {
                    let what = if u.ambiguous {
                        t.referrer_ambiguous
                    } else {
                        t.referrer_unknown
                    };
                    format!(
                        "{} · {}",
                        t.line_n.replace("{n}", &u.line.to_string()),
                        what.replace("{v}", &u.written)
                    )
                })
                .collect(),
            Check::Purchases { .. } => Vec::new(),
        };
        Report {
            summary,
            writes: self.writes(),
            bad_rows,
            listed: problems
                .iter()
                .take(REPORT_ROWS)
                .map(|p| (p.line, p.column.clone(), cell_error(t, &p.what)))
                .collect(),
            more: problems.len().saturating_sub(REPORT_ROWS),
            unknown,
        }
    }

    /// Frees it a slice at a time.
    async fn free(self) {
        match self {
            Check::Customers { plan, problems, .. } => {
                free_slowly(plan.edits).await;
                free_slowly(plan.unknown_referrers).await;
                free_slowly(problems).await;
            }
            Check::Purchases { read, .. } => {
                free_slowly(read.purchases).await;
                free_slowly(read.problems).await;
            }
        }
    }
}

/// What the report shows of a check: a few lines, whatever the file's size.
#[derive(Clone, Debug, PartialEq)]
struct Report {
    /// What the import would do.
    summary: String,
    /// How many writes it makes.
    writes: usize,
    /// Rows with a problem.
    bad_rows: usize,
    /// The first problems: line, column, what is wrong.
    listed: Vec<(usize, String, String)>,
    /// Problems not listed.
    more: usize,
    /// Referrers that name nobody or several, as lines.
    unknown: Vec<String>,
}

/// One stored change of an import.
enum Chunk<'a> {
    /// The plan's edits in a range, under the customers' ids.
    Customers(&'a matching::Plan, &'a [Id], Range<usize>),
    Purchases(&'a [purchases::Incoming]),
}

impl Chunk<'_> {
    fn len(&self) -> usize {
        match self {
            Chunk::Customers(_, _, range) => range.len(),
            Chunk::Purchases(entries) => entries.len(),
        }
    }

    /// Its ops, planned on the replica.
    fn plan(&self, r: &mut Replica) -> Option<Journal> {
        match self {
            Chunk::Customers(plan, ids, range) => {
                let edits = plan.edits_with_ids(ids, range.clone());
                r.plan_edits::<Customer>(
                    now_ms(),
                    edits
                        .iter()
                        .map(|(id, before, after)| (id, before.as_ref(), after)),
                )
            }
            Chunk::Purchases(purchases) => {
                let entries: Vec<(Id, Entry)> = purchases
                    .iter()
                    .map(|p| (p.id.clone(), p.entry()))
                    .collect();
                r.plan_appends(now_ms(), entries.iter().map(|(id, e)| (id.clone(), e)))
            }
        }
    }
}

/// How many customers, or purchases, one stored change of an import holds.
const CUSTOMERS_A_CHUNK: usize = 500;
const PURCHASES_A_CHUNK: usize = 1_000;

/// Where an import stands.
#[derive(Clone, Debug, PartialEq)]
enum Run {
    Going { done: usize, total: usize },
    Done(String),
    Failed(String),
}

/// Writes what `check` found, a chunk at a time, while `cancel` is not set; the line to show
/// when it ends.
async fn import(
    app: AppState,
    check: &Check,
    run: RwSignal<Option<Run>>,
    cancel: StoredValue<bool>,
) -> Run {
    let t = app.t();
    let total = check.writes();
    // Every new customer's id first, so a referrer new in the same file is linked: a slice at
    // a time (20,000 at once were most of a 70 ms task on the tap).
    let mut ids = Vec::new();
    if let Check::Customers { plan, .. } = check {
        while ids.len() < plan.edits.len() {
            let from = ids.len();
            ids.extend(plan.ids(from..from + CUSTOMERS_A_CHUNK, || app.new_id()));
            yield_now().await;
        }
    }
    let chunks: Vec<Chunk<'_>> = match check {
        Check::Customers { plan, .. } => (0..plan.edits.len())
            .step_by(CUSTOMERS_A_CHUNK)
            .map(|from| {
                let to = (from + CUSTOMERS_A_CHUNK).min(plan.edits.len());
                Chunk::Customers(plan, &ids, from..to)
            })
            .collect(),
        Check::Purchases { read, .. } => read
            .purchases
            .chunks(PURCHASES_A_CHUNK)
            .map(Chunk::Purchases)
            .collect(),
    };
    let mut done = 0;
    let mut stopped = None;
    for chunk in chunks {
        if cancel.get_value() {
            stopped = Some(Run::Done(
                t.import_cancelled
                    .replace("{done}", &done.to_string())
                    .replace("{total}", &total.to_string()),
            ));
            break;
        }
        if let Err(e) = app.save(|r| chunk.plan(r)).await {
            stopped = Some(Run::Failed(format!("{} {e}", t.storage_error)));
            break;
        }
        done += chunk.len();
        run.set(Some(Run::Going { done, total }));
        yield_now().await;
    }
    if let Some(stopped) = stopped {
        return stopped;
    }
    Run::Done(match check {
        Check::Customers { plan, .. } => t
            .imported_customers
            .replace("{new}", &plan.new_customers().to_string())
            .replace("{updated}", &plan.updated().to_string()),
        Check::Purchases { read, .. } => t
            .imported_purchases
            .replace("{n}", &read.purchases.len().to_string()),
    })
}

/// What the panel is busy with before a report: reading the file, or checking its rows (the
/// percent done).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Busy {
    Reading(usize),
    Checking(usize),
}

/// Import, for the owner.
#[component]
pub(super) fn ImportPanel() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let what = RwSignal::new(What::Customers);
    let file_error = RwSignal::new(None::<String>);
    let sheet = RwSignal::new(None::<Arc<Sheet>>);
    let mapping = RwSignal::new(Vec::<Option<Field>>::new());
    // The check's outcome (large: never in a view) and what the report shows of it.
    let checked = StoredValue::new_local(None::<Check>);
    let report = RwSignal::new(None::<Arc<Report>>);
    let busy = RwSignal::new(None::<Busy>);
    let skip_bad = RwSignal::new(false);
    let run = RwSignal::new(None::<Run>);
    let cancel = StoredValue::new(false);
    let file_job = StoredValue::new(0u64);
    let check_job = StoredValue::new(0u64);

    // Whenever the file, its kind or the mapping changes: check again after a paint, a slice
    // at a time (a check under way stops; one the book changed under starts again).
    let recheck = move || {
        if let Some(old) = checked.try_update_value(Option::take).flatten() {
            spawn_local(old.free());
        }
        report.set(None);
        skip_bad.set(false);
        let job = check_job.get_value() + 1;
        check_job.set_value(job);
        if busy
            .get_untracked()
            .is_some_and(|b| matches!(b, Busy::Checking(_)))
        {
            busy.set(None);
        }
        let Some(s) = sheet.get_untracked() else {
            return;
        };
        let (w, m) = (what.get_untracked(), mapping.get_untracked());
        if !w.missing(&m).is_empty() {
            return;
        }
        busy.set(Some(Busy::Checking(0)));
        spawn_local(async move {
            let current = move || check_job.get_value() == job;
            let check = loop {
                yield_now().await;
                let rev = app.book_rev.get_untracked();
                let mut checking = Checking::new(app, w, m.clone());
                let finished = in_slices(
                    || {
                        if !current() || app.book_rev.get_untracked() != rev {
                            return None;
                        }
                        app.replica
                            .with_untracked(|r| r.as_ref().map(|r| checking.step(&s, r.book())))
                    },
                    |p| busy.set(Some(Busy::Checking(p.percent()))),
                )
                .await;
                if finished {
                    break checking.finish();
                }
                checking.finish().free().await;
                if !current() || app.replica.with_untracked(Option::is_none) {
                    return;
                }
                // The book changed meanwhile (a sync): check against it anew.
            };
            report.set(Some(Arc::new(check.report(app.t()))));
            checked.set_value(Some(check));
            busy.set(None);
            mark("huike:import-checked");
        });
    };
    let chosen = move |ev: leptos::ev::Event| {
        let Some(file) = chosen_file(&ev) else {
            return;
        };
        let job = file_job.get_value() + 1;
        file_job.set_value(job);
        file_error.set(None);
        sheet.set(None);
        run.set(None);
        recheck();
        busy.set(Some(Busy::Reading(0)));
        spawn_local(async move {
            let t = app.t();
            let current = move || file_job.get_value() == job;
            let Some(bytes) = file_bytes(&file).await else {
                if current() {
                    busy.set(None);
                    file_error.set(Some(t.restore_unreadable.to_owned()));
                }
                return;
            };
            let read = read_sheet(bytes, current, |p| {
                busy.set(Some(Busy::Reading(p.percent())))
            })
            .await;
            let Some(read) = read.filter(|_| current()) else {
                return;
            };
            busy.set(None);
            mark("huike:import-read");
            match read {
                Ok(s) => {
                    let fields = what.get_untracked().fields();
                    mapping.set(
                        map_headers(&s.headers)
                            .into_iter()
                            .map(|f| f.filter(|f| fields.contains(f)))
                            .collect(),
                    );
                    sheet.set(Some(Arc::new(s)));
                    recheck();
                }
                Err(e) => file_error.set(Some(match e {
                    sheet::SheetError::NotText => t.import_not_text.to_owned(),
                    sheet::SheetError::Empty => t.import_empty.to_owned(),
                    sheet::SheetError::Broken { line } => {
                        t.import_broken.replace("{n}", &line.to_string())
                    }
                })),
            }
        });
    };
    let set_what = move |ev: leptos::ev::Event| {
        let w = if event_target_value(&ev) == "purchases" {
            What::Purchases
        } else {
            What::Customers
        };
        what.set(w);
        if let Some(s) = sheet.get_untracked() {
            mapping.set(
                map_headers(&s.headers)
                    .into_iter()
                    .map(|f| f.filter(|f| w.fields().contains(f)))
                    .collect(),
            );
        }
        recheck();
    };
    let set_field = move |column: usize, field: Option<Field>| {
        mapping.update(|m| {
            for (i, f) in m.iter_mut().enumerate() {
                if i == column {
                    *f = field;
                } else if field.is_some() && *f == field {
                    // A field goes to one column only.
                    *f = None;
                }
            }
        });
        recheck();
    };
    let start = move |_| {
        let Some(c) = checked.try_update_value(Option::take).flatten() else {
            return;
        };
        cancel.set_value(false);
        run.set(Some(Run::Going {
            done: 0,
            total: c.writes(),
        }));
        spawn_local(async move {
            let end = import(app, &c, run, cancel).await;
            // Sync and the day's list follow the book now.
            let _ = app.save_local(|_| None).await;
            run.set(Some(end));
            mark("huike:import-written");
            spawn_local(c.free());
            recheck();
        });
    };
    let going = move || matches!(run.get(), Some(Run::Going { .. }));
    let ready = move || {
        report.with(|r| {
            r.as_ref()
                .is_some_and(|r| r.writes > 0 && (r.bad_rows == 0 || skip_bad.get()))
        }) && !going()
    };

    view! {
        <div class="card import-panel">
            <h2>{move || t().import}</h2>
            <p class="muted small">{move || t().import_hint}</p>
            <label class="field">
                <span class="field-label">{move || t().import_what}</span>
                <select on:change=set_what disabled=going>
                    <option value="customers" selected=move || what.get() == What::Customers>{move || t().customers}</option>
                    <option value="purchases" selected=move || what.get() == What::Purchases>{move || t().import_purchases}</option>
                </select>
            </label>
            <label class="field">
                <span class="field-label">{move || t().choose_csv}</span>
                <input type="file" accept=".csv,.txt,text/csv" disabled=going on:change=chosen />
            </label>
            <Show when=move || file_error.with(Option::is_some)>
                <p class="banner error" role="alert">{move || file_error.get().unwrap_or_default()}</p>
            </Show>
            {move || sheet.get().map(|s| view! {
                <Preview sheet=s what=what mapping=mapping set_field=set_field />
            })}
            {move || {
                let missing = what.get().missing(&mapping.get());
                (sheet.with(Option::is_some) && !missing.is_empty()).then(|| {
                    let names: Vec<&str> = missing.iter().map(|f| field_name(t(), *f)).collect();
                    view! { <p class="banner error" role="alert">{t().import_needs.replace("{fields}", &names.join(", "))}</p> }
                })
            }}
            {move || busy.get().map(|b| {
                let (line, percent) = match b {
                    Busy::Reading(p) => (t().reading_file, p),
                    Busy::Checking(p) => (t().checking_rows, p),
                };
                view! {
                    <div class="import-progress checking" role="status">
                        <progress max=100 value=percent></progress>
                        <p class="small">{format!("{line} {percent}%")}</p>
                    </div>
                }
            })}
            {move || report.get().map(|r| view! { <ReportView report=r skip_bad=skip_bad /> })}
            <div class="actions">
                <button type="button" class="button primary" disabled=move || !ready() on:click=start>{move || t().import}</button>
                <Show when=going>
                    <button type="button" class="button secondary" on:click=move |_| cancel.set_value(true)>{move || t().cancel}</button>
                </Show>
            </div>
            {move || run.get().map(|r| match r {
                Run::Going { done, total } => view! {
                    <div class="import-progress" role="status">
                        <progress max=total.max(1) value=done></progress>
                        <p class="small">{t().importing_progress.replace("{done}", &done.to_string()).replace("{total}", &total.to_string())}</p>
                    </div>
                }.into_any(),
                Run::Done(line) => view! { <p class="banner ok imported" role="status">{line}</p> }.into_any(),
                Run::Failed(line) => view! { <p class="banner error" role="alert">{line}</p> }.into_any(),
            })}
        </div>
    }
}

/// How many of the file's rows the preview shows.
const PREVIEW_ROWS: usize = 5;

/// The file's first rows under its headers, with each column's field to choose.
#[component]
fn Preview(
    sheet: Arc<Sheet>,
    what: RwSignal<What>,
    mapping: RwSignal<Vec<Option<Field>>>,
    set_field: impl Fn(usize, Option<Field>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let encoding = match sheet.encoding {
        Encoding::Utf8 => "UTF-8",
        Encoding::Gb18030 => "GB18030 / GBK",
    };
    let size = t()
        .rows_in_file
        .replace("{n}", &sheet.len().to_string())
        .replace("{encoding}", encoding);
    let headers = sheet.headers.clone();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .take(PREVIEW_ROWS)
        .map(|r| r.cells().map(str::to_owned).collect())
        .collect();
    view! {
        <p class="small import-size">{size}</p>
        <div class="table-scroll">
            <table class="data-table import-preview">
                <thead>
                    <tr>
                        {headers.into_iter().enumerate().map(|(i, h)| view! {
                            <th scope="col">
                                <span class="import-header">{h.clone()}</span>
                                <select aria-label=move || format!("{} {}: {}", t().column_header, h, t().imported_as)
                                    on:change=move |ev| set_field(i, parse_choice(what.get_untracked(), &event_target_value(&ev)))>
                                    <option value="" selected=move || mapping.with(|m| m.get(i).copied().flatten().is_none())>{move || t().not_imported}</option>
                                    {move || what.get().fields().iter().enumerate().map(|(k, f)| {
                                        let f = *f;
                                        view! {
                                            <option value=k.to_string() selected=move || mapping.with(|m| m.get(i).copied().flatten() == Some(f))>{field_name(t(), f)}</option>
                                        }
                                    }).collect_view()}
                                </select>
                            </th>
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|cells| view! {
                        <tr>{cells.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// How many problems the report lists (the rest are counted).
const REPORT_ROWS: usize = 200;

/// What the import would do, and every bad cell.
#[component]
fn ReportView(report: Arc<Report>, skip_bad: RwSignal<bool>) -> impl IntoView {
    let app = use_app();
    let t = app.t();
    let bad = report.bad_rows;
    let listed = report.listed.clone();
    let unknown = report.unknown.clone();
    let more = report.more;
    view! {
        <p class="import-plan" role="status">{report.summary.clone()}</p>
        {(report.writes == 0 && bad == 0).then(|| view! { <p class="muted">{t.nothing_to_import}</p> })}
        {(!unknown.is_empty()).then(|| view! {
            <ul class="problems referrer-warnings">
                {unknown.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
            </ul>
        })}
        {(bad > 0).then(|| view! {
            <div class="import-report">
                <p class="banner error">{t.rows_with_problems.replace("{n}", &bad.to_string())}</p>
                <ul class="problems">
                    {listed.into_iter().map(|(line, column, what)| view! {
                        <li><strong>{t.line_n.replace("{n}", &line.to_string())}</strong>" · "{column}": "{what}</li>
                    }).collect_view()}
                </ul>
                {(more > 0).then(|| view! { <p class="small muted">{t.and_more.replace("{n}", &more.to_string())}</p> })}
                <label class="check">
                    <input type="checkbox" prop:checked=move || skip_bad.get() on:change=move |ev| skip_bad.set(event_target_checked(&ev)) />
                    <span>{t.skip_bad_rows.replace("{n}", &bad.to_string())}</span>
                </label>
            </div>
        })}
    }
}
