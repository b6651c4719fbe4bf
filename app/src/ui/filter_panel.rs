//! The Customers tab's **Filter** (筛选) panel: chips for RFM class, lifecycle stage, customer
//! type and tag, each with how many customers it would show (core's `insights::filter`), and
//! the list's order. The chosen chips live with the list (it shows what they match); the panel
//! is a module of its own, fetched the first time it is opened.

use super::filter_chips::FilterChips;
use crate::state::use_app;
use huike_core::insights::filter::{Filter, Filtered, Sort};
use leptos::prelude::*;

/// The panel over the list's `chosen` chips and `sort`, counting from `filtered`.
#[lazy]
pub(super) fn filter_panel(
    chosen: RwSignal<Filter>,
    sort: RwSignal<Sort>,
    filtered: Memo<Option<Filtered>>,
) -> AnyView {
    view! { <FilterPanel chosen=chosen sort=sort filtered=filtered /> }.into_any()
}

#[component]
fn FilterPanel(
    chosen: RwSignal<Filter>,
    sort: RwSignal<Sort>,
    filtered: Memo<Option<Filtered>>,
) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let facets =
        move || filtered.with(|f| f.as_ref().map(|f| f.facets.clone()).unwrap_or_default());
    let facets = Signal::derive(facets);
    let sorts = [Sort::Name, Sort::LastPurchase, Sort::Spend];
    let sort_name = move |s: Sort| match s {
        Sort::Name => t().sort_name,
        Sort::LastPurchase => t().sort_last_purchase,
        Sort::Spend => t().sort_spend,
    };
    view! {
        <section class="filter-panel card" aria-label=move || t().filter>
            <FilterChips chosen=chosen facets=facets />
            <div class="filter-foot">
                <label class="field">
                    <span class="field-label">{move || t().sort}</span>
                    <select on:change=move |ev| {
                        if let Some(&s) = event_target_value(&ev).parse::<usize>().ok().and_then(|i| sorts.get(i)) {
                            sort.set(s);
                        }
                    }>
                        {sorts
                            .into_iter()
                            .enumerate()
                            .map(|(i, s)| view! { <option value=i.to_string() selected=move || sort.get() == s>{move || sort_name(s)}</option> })
                            .collect_view()}
                    </select>
                </label>
                <button type="button" class="button ghost" on:click=move |_| { chosen.set(Filter::default()); sort.set(Sort::Name); }>
                    {move || t().clear_filters}
                </button>
            </div>
        </section>
    }
}
