//! The chips of a customer filter — RFM class (once the classes mean something), lifecycle
//! stage, customer type and tag — each with how many customers it would show (core's
//! `insights::filter` facets), toggled into a chosen `Filter`. The Customers tab's Filter panel
//! and a campaign's target both pick customers with them.

use crate::i18n::Lang;
use crate::state::use_app;
use huike_core::insights::filter::{Facets, Filter};
use huike_core::segment::class::{RfmClass, ShopClass};
use huike_core::segment::stage::Stage;
use leptos::prelude::*;

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
    count: fn(&Facets, usize) -> usize,
    facets: Signal<Facets>,
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
                    count=Signal::derive(move || facets.with(|f| count(f, i)))
                    pressed=Signal::derive(move || chosen.with(|f| field(f).contains(&value)))
                    on_tap=Callback::new(move |()| chosen.update(|f| toggle(field_mut(f), value)))
                />
            }
            .into_any()
        })
        .collect()
}

/// The chips over `chosen`, counted from `facets`.
#[component]
pub(super) fn FilterChips(chosen: RwSignal<Filter>, facets: Signal<Facets>) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    // RFM classes are ranks among the buyers: with too few, they mean nothing yet.
    let meaningful = move || {
        app.today
            .with(|d| d.as_ref().is_some_and(|d| d.analysis.classes_meaningful()))
    };
    let classes = move || {
        chip_row(
            &RfmClass::ALL,
            |k, en| if en { k.en() } else { k.zh() },
            |f, i| f.classes[i],
            facets,
            chosen,
            |f| &f.classes,
            |f| &mut f.classes,
        )
    };
    let stages = chip_row(
        &Stage::ALL,
        |s, en| if en { s.en() } else { s.zh() },
        |f, i| f.stages[i],
        facets,
        chosen,
        |f| &f.stages,
        |f| &mut f.stages,
    );
    let types = chip_row(
        &ShopClass::ALL,
        |k, en| if en { k.en() } else { k.zh() },
        |f, i| f.types[i],
        facets,
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
    view! {
        <Show when=meaningful>
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
    }
}
