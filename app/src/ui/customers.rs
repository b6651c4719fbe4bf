//! The Customers tab: search, the virtualised list, and (on a tablet) the detail pane beside it.

use crate::state::use_app;
use huike_core::domain::Customer;
use huike_core::id::Id;
use huike_core::op::RecordKind;
use leptos::prelude::*;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::use_location;

/// Height of one list row in CSS pixels (the virtual list positions rows by it).
const ROW_HEIGHT: f64 = 64.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 8;

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

/// The list's rows, sorted by name, from the current book.
pub fn rows() -> Memo<Vec<Row>> {
    let app = use_app();
    Memo::new(move |_| {
        app.replica.with(|r| {
            let Some(r) = r else { return Vec::new() };
            let mut rows: Vec<Row> = r
                .book
                .records(RecordKind::Customer)
                .filter_map(|(id, s)| s.decode::<Customer>().ok().map(|c| (id, c)))
                .map(|(id, c)| Row {
                    id: id.clone(),
                    phone: c.phone().unwrap_or_default().to_owned(),
                    tags: c.tags.iter().cloned().collect::<Vec<_>>().join(" · "),
                    name: c.name,
                })
                .collect();
            rows.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
            rows
        })
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
    let all = rows();
    let query = RwSignal::new(String::new());
    let filtered = Memo::new(move |_| {
        let q = query.get().trim().to_lowercase();
        all.with(|rows| {
            if q.is_empty() {
                rows.clone()
            } else {
                rows.iter()
                    .filter(|r| {
                        r.name.to_lowercase().contains(&q)
                            || r.phone.contains(&q)
                            || r.tags.to_lowercase().contains(&q)
                    })
                    .cloned()
                    .collect()
            }
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
                            when=move || all.with(Vec::is_empty)
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
