//! The Customers tab: search, the virtualised list, and (on a tablet) the detail pane beside it.

use super::filter_panel::filter_panel;
use super::widgets::later;
use super::{customer_detail, customer_form};
use crate::i18n::Words;
use crate::route::{Link, Pane, Screen, use_location};
use crate::state::use_app;
use huike_core::id::Id;
use huike_core::insights::filter::{Filter, Sort, filter};
use huike_core::insights::roster::Row;
use huike_core::insights::stats::in_rf_cell;
use leptos::prelude::*;

/// Height of one list row in CSS pixels (the virtual list positions rows by it).
const ROW_HEIGHT: f64 = 64.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 8;
/// At most this many search results are listed (best first).
const MAX_RESULTS: usize = 1_000;

/// What the list shows: everybody in list order, or a search's best matches.
#[derive(Clone, Debug, PartialEq)]
enum Shown {
    /// Every customer (this many), in list order.
    All(usize),
    /// The best matches, best first, and how many matched in all.
    Matches(Vec<Id>, usize),
}

impl Shown {
    fn len(&self) -> usize {
        match self {
            Shown::All(n) => *n,
            Shown::Matches(ids, _) => ids.len(),
        }
    }

    /// How many customers the count line reports.
    fn total(&self) -> usize {
        match self {
            Shown::All(n) => *n,
            Shown::Matches(_, total) => *total,
        }
    }
}

/// "Syncing 42%" while a sync runs (a new device's first one fills the book).
#[component]
pub(super) fn SyncProgress() -> impl IntoView {
    let app = use_app();
    move || {
        app.sync.with(|s| {
            s.running.then(|| {
                let percent = s.progress.map(|p| format!(" {:.0}%", p * 100.0)).unwrap_or_default();
                view! { <p class="muted sync-progress" role="status">{app.t().syncing} {percent}</p> }
            })
        })
    }
}

/// List on the left, the selected customer (or the add form) on the right; on a phone only one
/// of the two shows.
#[component]
pub(super) fn CustomersLayout() -> impl IntoView {
    let location = use_location();
    // Which pane shows (a different customer's card is the card's business: it follows the
    // address itself).
    let pane = Memo::new(move |_| match Screen::of(&location.path()) {
        Screen::Customers(Pane::New) => Pane::New,
        Screen::Customers(Pane::Card(_)) => Pane::Card(String::new()),
        _ => Pane::Nothing,
    });
    let detail_open = move || pane.with(|p| *p != Pane::Nothing);
    let shown = move || match pane.get() {
        Pane::Nothing => view! { <NoSelection /> }.into_any(),
        Pane::New => view! { <customer_form::NewCustomer /> }.into_any(),
        Pane::Card(_) => view! { <customer_detail::CustomerDetail /> }.into_any(),
    };
    view! {
        <div class="split" class:detail-open=detail_open>
            <section class="pane list-pane">
                <CustomerList />
            </section>
            <section class="pane detail-pane">
                {shown}
            </section>
        </div>
    }
}

/// The right pane when nothing is selected.
#[component]
pub(super) fn NoSelection() -> impl IntoView {
    let app = use_app();
    view! { <div class="empty detail-empty"><p>{move || app.t().tagline}</p></div> }
}

/// Search box, count, and the virtualised list (only the rows in view are rendered; they
/// come from the list kept in core's views, never from decoding the book).
#[component]
fn CustomerList() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let query = RwSignal::new(String::new());
    // The filter chips and the order (the panel that sets them loads when first opened).
    let chosen = RwSignal::new(Filter::default());
    let sort = RwSignal::new(Sort::Name);
    let panel = RwSignal::new(false);
    let filtered = Memo::new(move |_| {
        let (f, s) = (chosen.get(), sort.get());
        if !panel.get() && f == Filter::default() && s == Sort::Name {
            return None;
        }
        app.today.with(|today| {
            let analysis = &today.as_ref()?.analysis;
            app.with_views(|insights| filter(insights.roster(), analysis, &f, s))
        })
    });
    let narrowing = move || chosen.with(|f| *f != Filter::default()) || sort.get() != Sort::Name;
    // An R × F cell of Stats (`?rf=3-4`): exactly its customers.
    let location = use_location();
    let rf_cell = move || {
        let cell = location.query("rf")?;
        let (r, f) = cell.split_once('-')?;
        Some((r.parse::<u8>().ok()?, f.parse::<u8>().ok()?))
    };
    // Name, pinyin (full or initials), phone digits, WeChat id or tag, best match first —
    // among the customers the chips show.
    let shown = Memo::new(move |_| {
        let q = query.get();
        let only = match rf_cell() {
            Some((r, f)) => app
                .today
                .with(|d| d.as_ref().map(|d| in_rf_cell(&d.analysis, r, f))),
            None => narrowing()
                .then(|| filtered.with(|f| f.as_ref().map(|f| f.ids.clone())))
                .flatten(),
        };
        app.with_views(|insights| match (q.trim().is_empty(), only) {
            (true, None) => Shown::All(insights.roster().len()),
            (true, Some(ids)) => {
                let n = ids.len();
                Shown::Matches(ids, n)
            }
            (false, only) => {
                let results = insights.search(&q, MAX_RESULTS);
                let keep: Option<std::collections::HashSet<Id>> =
                    only.map(|ids| ids.into_iter().collect());
                let hits: Vec<Id> = results
                    .hits
                    .into_iter()
                    .map(|h| h.id)
                    .filter(|id| keep.as_ref().is_none_or(|k| k.contains(id)))
                    .collect();
                let total = if keep.is_some() {
                    hits.len()
                } else {
                    results.total
                };
                Shown::Matches(hits, total)
            }
        })
        .unwrap_or(Shown::All(0))
    });
    let scroll_top = RwSignal::new(0.0_f64);
    let viewport = RwSignal::new(740.0_f64);
    let scroller = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = scroller.get() {
            let h = f64::from(el.client_height());
            if h > 0.0 {
                viewport.set(h);
            }
        }
    });
    let window = move || {
        let n = shown.with(Shown::len);
        let first = ((scroll_top.get() / ROW_HEIGHT) as usize)
            .saturating_sub(OVERSCAN)
            .min(n);
        let count = (viewport.get() / ROW_HEIGHT).ceil() as usize + 2 * OVERSCAN;
        let last = (first + count).min(n);
        (first, last, n)
    };
    let rows = Memo::new(move |_| {
        let (first, last, _) = window();
        shown.with(|shown| {
            app.with_views(|insights| {
                let roster = insights.roster();
                (first..last)
                    .filter_map(|i| match shown {
                        Shown::All(_) => roster.at(i),
                        Shown::Matches(ids, _) => roster.row(&ids[i]),
                    })
                    .cloned()
                    .collect::<Vec<Row>>()
            })
            .unwrap_or_default()
        })
    });
    // Tell a benchmark (and nobody else) when the list first shows rows.
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let painted = rows.with(|r| !r.is_empty());
        if painted {
            crate::platform::mark("huike:list-painted");
        }
        painted
    });
    view! {
        <div class="list-head">
            <label class="field search">
                <span class="field-label">{move || t().search}</span>
                <input type="search" bind:value=query placeholder="张三 / zs / 8000" autocomplete="off" />
            </label>
            <Link href="/customers/new" attr:class="button primary add">{move || t().add_customer}</Link>
        </div>
        {move || rf_cell().map(|(r, f)| view! {
            <p class="rf-cell-chip"><span class="tag">{format!("R{r} F{f}")}</span> " " <Link href="/customers">{move || t().clear_filters}</Link></p>
        })}
        <button type="button" class="button ghost filter-toggle" class:on=narrowing aria-expanded=move || if panel.get() { "true" } else { "false" } on:click=move |_| panel.update(|open| *open = !*open)>
            {move || t().filter}
        </button>
        <Show when=move || panel.get()>
            {later(filter_panel(chosen, sort, filtered))}
        </Show>
        <p class="muted small count" aria-live="polite">
            {move || app.lang.get().customers(shown.with(Shown::total))}
        </p>
        <Show
            when=move || shown.with(|s| s.len() > 0)
            fallback=move || {
                view! {
                    <div class="empty">
                        <Show
                            when=move || shown.with(|s| matches!(s, Shown::All(0)))
                            fallback=move || view! { <p>{move || t().no_results}</p> }
                        >
                        <Show
                            when=move || app.replica.with(Option::is_some)
                            fallback=move || view! { <p class="muted" role="status">{move || t().opening_book}</p> }
                        >
                            <p class="empty-title">{move || t().no_customers}</p>
                            <p class="muted">{move || t().no_customers_hint}</p>
                            <SyncProgress />
                        </Show>
                        </Show>
                    </div>
                }
            }
        >
            <div
                class="list-scroll"
                node_ref=scroller
                on:scroll=move |ev| scroll_top.set(f64::from(event_target::<web_sys::HtmlElement>(&ev).scroll_top()))
            >
                <ul
                    class="customer-list"
                    style:height=move || format!("{}px", window().2 as f64 * ROW_HEIGHT)
                >
                    {move || {
                        let (first, _, _) = window();
                        rows.get()
                                .into_iter()
                                .enumerate()
                                .map(|(i, r)| {
                                    let top = (first + i) as f64 * ROW_HEIGHT;
                                    let href = format!("/customers/{}", r.id);
                                    let initial = r.name.chars().next().unwrap_or('·').to_string();
                                    let tags = r.tags_text();
                                    view! {
                                        <li class="row" style:top=format!("{top}px")>
                                            <Link href=href attr:class="row-link">
                                                <span class="avatar" aria-hidden="true">{initial}</span>
                                                <span class="row-main">
                                                    <span class="row-name">{r.name}</span>
                                                    <span class="row-sub">{r.phone}</span>
                                                </span>
                                                <span class="row-tags">{tags}</span>
                                            </Link>
                                        </li>
                                    }
                                })
                                .collect_view()
                    }}
                </ul>
            </div>
        </Show>
    }
}
