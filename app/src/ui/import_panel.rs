//! Settings → **Import** (导入) for the owner (issue 10, SPEC §3): a CSV file of customers or
//! of purchases read whatever its encoding, a preview of its first rows with each column's
//! field (recognised from its header, changeable by hand), what the import would do and every
//! bad cell by line and column — and nothing written until the owner presses **Import**
//! (after choosing to skip the bad rows, if there are any). The writes go a chunk at a time
//! with a progress bar and **Cancel**; each chunk is stored as one change, so a cancelled or
//! interrupted import leaves whole rows, and importing the file again carries on without
//! doubling anything. Reading, checking and matching are core's (`import`).

use super::widgets::{chosen_file, file_bytes};
use crate::i18n::Texts;
use crate::platform::{local_now, now_ms, today};
use crate::state::{AppState, use_app};
use crate::store::yield_now;
use huike_core::domain::{Customer, Entry};
use huike_core::id::Id;
use huike_core::import::columns::{Field, map_headers};
use huike_core::import::customers::{CellError, Problem};
use huike_core::import::sheet::{Encoding, Sheet};
use huike_core::import::values::ValueError;
use huike_core::import::{customers, matching, purchases, sheet};
use leptos::prelude::*;
use leptos::task::spawn_local;
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

/// GB18030 (GBK) text as the browser decodes it (`None` when the bytes are not): the
/// browser's own decoder, whose tables cost the app no download.
fn gb18030(bytes: &[u8]) -> Option<String> {
    let options = web_sys::TextDecoderOptions::new();
    options.set_fatal(true);
    web_sys::TextDecoder::new_with_label_and_options("gb18030", &options)
        .ok()?
        .decode_with_u8_array(bytes)
        .ok()
}

/// The whole file as a sheet.
fn read_sheet(bytes: Vec<u8>) -> Result<Sheet, sheet::SheetError> {
    let mut reader = sheet::SheetReader::new(bytes, gb18030)?;
    while !reader.step(usize::MAX)?.finished() {}
    Ok(reader.finish())
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

/// What the rows would write, worked out from the book as it is.
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
    fn problems(&self) -> &[Problem] {
        match self {
            Check::Customers { problems, .. } => problems,
            Check::Purchases { read, .. } => &read.problems,
        }
    }

    fn bad_rows(&self) -> usize {
        match self {
            Check::Customers { bad_rows, .. } | Check::Purchases { bad_rows, .. } => *bad_rows,
        }
    }

    /// How many writes (customers or purchases) the import makes.
    fn writes(&self) -> usize {
        match self {
            Check::Customers { plan, .. } => plan.edits.len(),
            Check::Purchases { read, .. } => read.purchases.len(),
        }
    }

    /// The line saying what the import would do.
    fn summary(&self, t: &Texts) -> String {
        match self {
            Check::Customers { plan, .. } => t
                .plan_customers
                .replace("{new}", &plan.new_customers().to_string())
                .replace("{updated}", &plan.updated().to_string())
                .replace("{unchanged}", &(plan.unchanged + plan.merged).to_string()),
            Check::Purchases { read, .. } => t
                .plan_purchases
                .replace("{n}", &read.purchases.len().to_string())
                .replace("{already}", &read.already.to_string()),
        }
    }
}

/// Checks `sheet`'s rows with `mapping` against the book.
fn check(app: AppState, what: What, sheet: &Sheet, mapping: &[Option<Field>]) -> Option<Check> {
    let lines = |problems: &[Problem]| {
        let mut lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        lines.dedup();
        lines.len()
    };
    match what {
        What::Customers => {
            let read = customers::read(sheet, mapping, today());
            let staff = app.staff();
            let plan = app.with_book(|book| {
                matching::plan(book, &read.customers, local_now(), staff.as_ref())
            })?;
            Some(Check::Customers {
                plan,
                bad_rows: lines(&read.problems),
                problems: read.problems,
            })
        }
        What::Purchases => {
            let read = app.with_book(|book| purchases::read(sheet, mapping, book))?;
            Some(Check::Purchases {
                bad_rows: lines(&read.problems),
                read,
            })
        }
    }
}

/// How many customers, or purchases, one stored change of an import holds.
const CUSTOMERS_A_CHUNK: usize = 500;
const PURCHASES_A_CHUNK: usize = 2_000;

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
    let mut done = 0;
    let mut step = |n: usize| {
        done += n;
        run.set(Some(Run::Going { done, total }));
    };
    let cancelled = |done: usize| {
        Run::Done(
            t.import_cancelled
                .replace("{done}", &done.to_string())
                .replace("{total}", &total.to_string()),
        )
    };
    let failed = |e: crate::store::StoreError| Run::Failed(format!("{} {e}", t.storage_error));
    match check {
        Check::Customers { plan, .. } => {
            // Every new customer's id first, so a referrer new in the same file is linked.
            let edits = plan.with_ids(|| app.new_id());
            for chunk in edits.chunks(CUSTOMERS_A_CHUNK) {
                if cancel.get_value() {
                    return cancelled(done);
                }
                let saved = app
                    .save(|r| {
                        r.plan_edits::<Customer>(
                            now_ms(),
                            chunk
                                .iter()
                                .map(|(id, before, after)| (id, before.as_ref(), after)),
                        )
                    })
                    .await;
                if let Err(e) = saved {
                    return failed(e);
                }
                step(chunk.len());
                yield_now().await;
            }
            Run::Done(
                t.imported_customers
                    .replace("{new}", &plan.new_customers().to_string())
                    .replace("{updated}", &plan.updated().to_string()),
            )
        }
        Check::Purchases { read, .. } => {
            for chunk in read.purchases.chunks(PURCHASES_A_CHUNK) {
                if cancel.get_value() {
                    return cancelled(done);
                }
                let entries: Vec<(Id, Entry)> =
                    chunk.iter().map(|p| (p.id.clone(), p.entry())).collect();
                let saved = app
                    .save(|r| {
                        r.plan_appends(now_ms(), entries.iter().map(|(id, e)| (id.clone(), e)))
                    })
                    .await;
                if let Err(e) = saved {
                    return failed(e);
                }
                step(chunk.len());
                yield_now().await;
            }
            Run::Done(
                t.imported_purchases
                    .replace("{n}", &read.purchases.len().to_string()),
            )
        }
    }
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
    let checked = RwSignal::new(None::<Arc<Check>>);
    let skip_bad = RwSignal::new(false);
    let run = RwSignal::new(None::<Run>);
    let cancel = StoredValue::new(false);
    let check_job = StoredValue::new(0u64);

    // Whenever the file, its kind or the mapping changes: check again after a paint.
    let recheck = move || {
        checked.set(None);
        skip_bad.set(false);
        let job = check_job.get_value() + 1;
        check_job.set_value(job);
        let Some(s) = sheet.get_untracked() else {
            return;
        };
        let (w, m) = (what.get_untracked(), mapping.get_untracked());
        if !w.missing(&m).is_empty() {
            return;
        }
        spawn_local(async move {
            yield_now().await;
            if check_job.get_value() != job {
                return;
            }
            checked.set(check(app, w, &s, &m).map(Arc::new));
        });
    };
    let chosen = move |ev: leptos::ev::Event| {
        let Some(file) = chosen_file(&ev) else {
            return;
        };
        file_error.set(None);
        sheet.set(None);
        run.set(None);
        spawn_local(async move {
            let t = app.t();
            let read = match file_bytes(&file).await {
                Some(bytes) => read_sheet(bytes).map_err(|e| match e {
                    sheet::SheetError::NotText => t.import_not_text.to_owned(),
                    sheet::SheetError::Empty => t.import_empty.to_owned(),
                    sheet::SheetError::Broken { line } => {
                        t.import_broken.replace("{n}", &line.to_string())
                    }
                }),
                None => Err(t.restore_unreadable.to_owned()),
            };
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
                Err(e) => file_error.set(Some(e)),
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
        let Some(c) = checked.get_untracked() else {
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
            recheck();
        });
    };
    let going = move || matches!(run.get(), Some(Run::Going { .. }));
    let ready = move || {
        checked.with(|c| {
            c.as_ref()
                .is_some_and(|c| c.writes() > 0 && (c.bad_rows() == 0 || skip_bad.get()))
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
            {move || (sheet.with(Option::is_some) && checked.with(Option::is_none) && what.get().missing(&mapping.get()).is_empty() && !going())
                .then(|| view! { <p class="muted" role="status">{t().checking_rows}</p> })}
            {move || checked.get().map(|c| view! { <Report check=c skip_bad=skip_bad /> })}
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
fn Report(check: Arc<Check>, skip_bad: RwSignal<bool>) -> impl IntoView {
    let app = use_app();
    let t = app.t();
    let problems = check.problems();
    let bad = check.bad_rows();
    let listed: Vec<(usize, String, String)> = problems
        .iter()
        .take(REPORT_ROWS)
        .map(|p| (p.line, p.column.clone(), cell_error(t, &p.what)))
        .collect();
    let more = problems.len().saturating_sub(REPORT_ROWS);
    let unknown: Vec<String> = match &*check {
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
    view! {
        <p class="import-plan" role="status">{check.summary(t)}</p>
        {(check.writes() == 0 && bad == 0).then(|| view! { <p class="muted">{t.nothing_to_import}</p> })}
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
