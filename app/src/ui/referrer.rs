//! The customer form's **Referrer** (介绍人): picked by searching the shop's customers (name,
//! pinyin, phone digits), as the seeds' shops reward the customer who brought a friend. Part of
//! the customer editor's module.

use crate::state::use_app;
use huike_core::id::Id;
use leptos::prelude::*;

/// How many matches the picker offers.
const OFFERED: usize = 5;

/// The picker over `picked` (the referrer's id and name), never offering `this` customer.
pub(super) fn referrer_picker(picked: RwSignal<Option<(Id, String)>>, this: Option<Id>) -> AnyView {
    view! { <ReferrerPicker picked=picked this=this /> }.into_any()
}

#[component]
fn ReferrerPicker(picked: RwSignal<Option<(Id, String)>>, this: Option<Id>) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let query = RwSignal::new(String::new());
    let offers = Memo::new(move |_| {
        let q = query.get();
        if q.trim().is_empty() {
            return Vec::new();
        }
        app.with_views(|insights| {
            insights
                .search(&q, OFFERED + 1)
                .hits
                .into_iter()
                .filter(|hit| Some(&hit.id) != this.as_ref())
                .take(OFFERED)
                .filter_map(|hit| {
                    insights
                        .roster()
                        .row(&hit.id)
                        .map(|r| (r.id.clone(), r.name.clone(), r.phone.clone()))
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
    });
    view! {
        <Show
            when=move || picked.with(Option::is_some)
            fallback=move || view! {
                <label class="field referrer">
                    <span class="field-label">{move || t().referrer}</span>
                    <input type="search" autocomplete="off" placeholder="王芳 / wf / 5678" bind:value=query />
                </label>
                <ul class="offers">
                    <For each=move || offers.get() key=|(id, _, _)| id.clone() let:offer>
                        {
                            let (id, name, phone) = offer;
                            let label = format!("{name} {phone}");
                            view! {
                                <li>
                                    <button type="button" class="button ghost offer" on:click=move |_| {
                                        picked.set(Some((id.clone(), name.clone())));
                                        query.set(String::new());
                                    }>{label}</button>
                                </li>
                            }
                        }
                    </For>
                </ul>
            }
        >
            <div class="field referrer">
                <span class="field-label">{move || t().referrer}</span>
                <p class="picked">
                    <span class="referrer-name">{move || picked.with(|p| p.as_ref().map(|(_, n)| n.clone()).unwrap_or_default())}</span>
                    <button type="button" class="button ghost" on:click=move |_| picked.set(None)>{move || t().remove}</button>
                </p>
            </div>
        </Show>
    }
}
