//! The Customers tab: search, the virtualised list, and (on a tablet) the detail pane beside it.

use crate::state::use_app;
use huike_core::domain::Customer;
use huike_core::id::Id;
use huike_core::op::RecordKind;
use leptos::prelude::*;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::use_location;
use std::collections::HashMap;

/// Height of one list row in CSS pixels (the virtual list positions rows by it).
const ROW_HEIGHT: f64 = 64.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 8;
/// At most this many search results are listed (best first).
const MAX_RESULTS: usize = 1_000;

/// One row of the list.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Customer id.
    pub id: Id,
    /// Name.
    pub name: String,
    /// Main phone.
    pub phone: String,
    /// Tags, joined for display.
    pub tags: String,
}

/// Every customer's row, in name order (pinyin order for Chinese names), and where each is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Roster {
    /// The rows in name order.
    pub rows: Vec<Row>,
    /// A customer's position in `rows`.
    pub by_id: HashMap<Id, usize>,
}

/// The roster of the current book.
pub fn roster() -> Memo<Roster> {
    let app = use_app();
    Memo::new(move |_| {
        app.with_insights(|book, insights| {
            // The search index already holds every name's pinyin key: sort by it.
            let mut keyed: Vec<(&str, Row)> = book
                .records(RecordKind::Customer)
                .filter_map(|(id, s)| s.decode::<Customer>().ok().map(|c| (id, c)))
                .map(|(id, c)| {
                    let row = Row {
                        id: id.clone(),
                        phone: c.phone().unwrap_or_default().to_owned(),
                        tags: c.tags.iter().cloned().collect::<Vec<_>>().join(" · "),
                        name: c.name,
                    };
                    (insights.sort_key(id).unwrap_or_default(), row)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.cmp(b.0).then_with(|| a.1.id.cmp(&b.1.id)));
            let rows: Vec<Row> = keyed.into_iter().map(|(_, row)| row).collect();
            let by_id = rows
                .iter()
                .enumerate()
                .map(|(i, row)| (row.id.clone(), i))
                .collect();
            Roster { rows, by_id }
        })
        .unwrap_or_default()
    })
}

/// List on the left, the selected customer (or the add form) on the right; on a phone only one
/// of the two shows.
#[component]
pub fn CustomersLayout() -> impl IntoView {
    let location = use_location();
    let detail_open = move || {
        let p = location.pathname.get();
        p.trim_end_matches('/') != "/customers"
    };
    view! {
        <div class="split" class:detail-open=detail_open>
            <section class="pane list-pane">
                <CustomerList />
            </section>
            <section class="pane detail-pane">
                <Outlet />
            </section>
        </div>
    }
}

/// The right pane when nothing is selected.
#[component]
pub fn NoSelection() -> impl IntoView {
    let app = use_app();
    view! { <div class="empty detail-empty"><p>{move || app.t().tagline}</p></div> }
}

/// Search box, count, and the virtualised list.
#[component]
fn CustomerList() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let all = roster();
    let query = RwSignal::new(String::new());
    // Name, pinyin (full or initials), phone digits, WeChat id or tag, best match first.
    let filtered = Memo::new(move |_| {
        let q = query.get();
        all.with(|roster| {
            if q.trim().is_empty() {
                return roster.rows.clone();
            }
            app.insights.with(|insights| {
                let Some(insights) = insights else {
                    return Vec::new();
                };
                let hits = insights.search(&q, MAX_RESULTS).hits;
                hits.iter()
                    .filter_map(|hit| roster.by_id.get(&hit.id).map(|&i| roster.rows[i].clone()))
                    .collect()
            })
        })
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
        let n = filtered.with(Vec::len);
        let first = ((scroll_top.get() / ROW_HEIGHT) as usize)
            .saturating_sub(OVERSCAN)
            .min(n);
        let count = (viewport.get() / ROW_HEIGHT).ceil() as usize + 2 * OVERSCAN;
        let last = (first + count).min(n);
        (first, last, n)
    };
    view! {
        <div class="list-head">
            <label class="field search">
                <span class="field-label">{move || t().search}</span>
                <input type="search" bind:value=query placeholder="张三 / zs / 8000" autocomplete="off" />
            </label>
            <A href="/customers/new" attr:class="button primary add">{move || t().add_customer}</A>
        </div>
        <p class="muted small count" aria-live="polite">
            {move || filtered.with(Vec::len)} " " {move || t().customer_count}
        </p>
        <Show
            when=move || !filtered.with(Vec::is_empty)
            fallback=move || {
                view! {
                    <div class="empty">
                        <Show
                            when=move || all.with(|roster| roster.rows.is_empty())
                            fallback=move || view! { <p>{move || t().no_results}</p> }
                        >
                            <p class="empty-title">{move || t().no_customers}</p>
                            <p class="muted">{move || t().no_customers_hint}</p>
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
                        let (first, last, _) = window();
                        filtered.with(|rows| {
                            rows[first..last]
                                .iter()
                                .enumerate()
                                .map(|(i, r)| {
                                    let r = r.clone();
                                    let top = (first + i) as f64 * ROW_HEIGHT;
                                    let href = format!("/customers/{}", r.id);
                                    let initial = r.name.chars().next().unwrap_or('·').to_string();
                                    view! {
                                        <li class="row" style:top=format!("{top}px")>
                                            <A href=href attr:class="row-link">
                                                <span class="avatar" aria-hidden="true">{initial}</span>
                                                <span class="row-main">
                                                    <span class="row-name">{r.name}</span>
                                                    <span class="row-sub">{r.phone}</span>
                                                </span>
                                                <span class="row-tags">{r.tags}</span>
                                            </A>
                                        </li>
                                    }
                                })
                                .collect_view()
                        })
                    }}
                </ul>
            </div>
        </Show>
    }
}
