//! The Customers tab's **Filter** (筛选) panel: chips for RFM class, lifecycle stage, customer
//! type and tag, each with how many customers it would show (core's `insights::filter`), and
//! the list's order. The chosen chips live with the list (it shows what they match); the panel
//! is a module of its own, fetched the first time it is opened.

use crate::i18n::Lang;
use crate::state::use_app;
use huike_core::insights::filter::{Filter, Filtered, Sort};
use huike_core::segment::class::{RfmClass, ShopClass};
use huike_core::segment::stage::Stage;
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

/// Adds `value` to `list`, or takes it out when it is there.
fn toggle<T: PartialEq>(list: &mut Vec<T>, value: T) {
    match list.iter().position(|v| *v == value) {
        Some(i) => {
            list.remove(i);
        }
        None => list.push(value),
    }
}

/// One chip: its name and count; pressed when chosen.
#[component]
fn Chip(
    name: Signal<String>,
    count: Signal<usize>,
    pressed: Signal<bool>,
    on_tap: Callback<()>,
) -> impl IntoView {
    view! {
        <button
            type="button"
            class="chip"
            class:on=move || pressed.get()
            aria-pressed=move || if pressed.get() { "true" } else { "false" }
            on:click=move |_| on_tap.run(())
        >
            {name} " " <b>{count}</b>
        </button>
    }
}

/// One chip per value of `all` (named in the UI language, counted by position), toggling the
/// value in the list `field` / `field_mut` pick out of the chosen filter.
fn chip_row<T: Copy + PartialEq + Send + Sync + 'static>(
    all: &'static [T],
    name: fn(T, bool) -> &'static str,
    count: impl Fn(usize) -> usize + Copy + Send + Sync + 'static,
    chosen: RwSignal<Filter>,
    field: fn(&Filter) -> &Vec<T>,
    field_mut: fn(&mut Filter) -> &mut Vec<T>,
) -> Vec<AnyView> {
    let app = use_app();
    all.iter()
        .enumerate()
        .map(|(i, &value)| {
            view! {
                <Chip
                    name=Signal::derive(move || name(value, app.lang.get() == Lang::En).to_owned())
                    count=Signal::derive(move || count(i))
                    pressed=Signal::derive(move || chosen.with(|f| field(f).contains(&value)))
                    on_tap=Callback::new(move |()| chosen.update(|f| toggle(field_mut(f), value)))
                />
            }
            .into_any()
        })
        .collect()
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
    let classes = move || {
        chip_row(
            &RfmClass::ALL,
            |k, en| if en { k.en() } else { k.zh() },
            move |i| facets.with(|f| f.classes[i]),
            chosen,
            |f| &f.classes,
            |f| &mut f.classes,
        )
    };
    let stages = chip_row(
        &Stage::ALL,
        |s, en| if en { s.en() } else { s.zh() },
        move |i| facets.with(|f| f.stages[i]),
        chosen,
        |f| &f.stages,
        |f| &mut f.stages,
    );
    let types = chip_row(
        &ShopClass::ALL,
        |k, en| if en { k.en() } else { k.zh() },
        move |i| facets.with(|f| f.types[i]),
        chosen,
        |f| &f.types,
        |f| &mut f.types,
    );
    // Tags: every tag any listed customer has (a chosen tag stays, even at 0).
    let tags = move || {
        let mut all = facets.with(|f| f.tags.clone());
        chosen.with(|f| {
            for tag in &f.tags {
                if !all.iter().any(|(t, _)| t == tag) {
                    all.push((tag.clone(), 0));
                }
            }
        });
        all
    };
    let sorts = [Sort::Name, Sort::LastPurchase, Sort::Spend];
    let sort_name = move |s: Sort| match s {
        Sort::Name => t().sort_name,
        Sort::LastPurchase => t().sort_last_purchase,
        Sort::Spend => t().sort_spend,
    };
    view! {
        <section class="filter-panel card" aria-label=move || t().filter>
            // RFM classes are ranks among the buyers: with too few, they mean nothing yet.
            <Show when=move || app.today.with(|d| d.as_ref().is_some_and(|d| d.analysis.classes_meaningful()))>
                <h3>{move || t().rfm_class}</h3>
                <div class="chips">{classes()}</div>
            </Show>
            <h3>{move || t().stage}</h3>
            <div class="chips">{stages}</div>
            <h3>{move || t().shop_class}</h3>
            <div class="chips">{types}</div>
            <h3>{move || t().tags}</h3>
            <div class="chips">
                <For each=tags key=|(tag, n)| (tag.clone(), *n) let:item>
                    {
                        let tag = item.0.clone();
                        let (for_pressed, for_tap) = (tag.clone(), tag.clone());
                        view! {
                            <Chip
                                name=Signal::derive(move || tag.clone())
                                count=Signal::derive(move || item.1)
                                pressed=Signal::derive(move || chosen.with(|f| f.tags.contains(&for_pressed)))
                                on_tap=Callback::new(move |()| chosen.update(|f| toggle(&mut f.tags, for_tap.clone())))
                            />
                        }
                    }
                </For>
            </div>
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
