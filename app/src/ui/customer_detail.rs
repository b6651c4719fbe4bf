//! One customer's card, with editing.

use super::customer_form::{CustomerEditor, source_name};
use crate::i18n::Lang;
use crate::state::use_app;
use huike_core::domain::Customer;
use huike_core::id::Id;
use huike_core::op::RecordKind;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The customer card at `/customers/:id`.
#[component]
pub fn CustomerDetail() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| {
        params
            .with(|p| p.get("id"))
            .and_then(|s| Id::parse(&s).ok())
    });
    let customer = Memo::new(move |_| {
        let id = id.get()?;
        app.replica
            .with(|r| r.as_ref()?.book.get::<Customer>(RecordKind::Customer, &id))
    });
    let editing = RwSignal::new(false);
    // A different customer opens as a card, not in the editor.
    Effect::new(move |_| {
        id.track();
        editing.set(false);
    });
    let done = Callback::new(move |()| editing.set(false));
    let just_added = Signal::derive(move || query.with(|q| q.get("saved").is_some()));
    let not_found = move || view! { <div class="empty"><p>{move || t().not_found}</p><A href="/customers">{move || t().back}</A></div> };
    view! {
        <Show when=move || customer.with(Option::is_some) fallback=not_found>
            <Show
                when=move || editing.get()
                fallback=move || customer.get().map(|c| view! { <Card c=c editing=editing just_added=just_added /> })
            >
                // The editor starts from the record as it is now and is not rebuilt when a
                // sync changes the record meanwhile: saving writes only the fields edited here.
                {move || {
                    let (id, c) = (id.get_untracked(), customer.get_untracked().unwrap_or_default());
                    view! { <CustomerEditor id=id initial=c full=true on_saved=done /> }
                }}
            </Show>
        </Show>
    }
}

#[component]
fn Card(c: Customer, editing: RwSignal<bool>, just_added: Signal<bool>) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let en = move || app.lang.get() == Lang::En;
    let phone = c.phone().unwrap_or_default().to_owned();
    let tel = format!("tel:{phone}");
    let source = c.source;
    let tags: Vec<String> = c.tags.iter().cloned().collect();
    let created = c
        .created_at
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let has_phone = !phone.is_empty();
    let (wechat, notes) = (c.wechat.clone(), c.notes.clone());
    let (has_wechat, has_notes, has_birthday) =
        (!wechat.is_empty(), !notes.is_empty(), c.birthday.is_some());
    let birthday = c.birthday.map(|d| d.to_string()).unwrap_or_default();
    view! {
        <article class="card customer-card">
            <div class="editor-head">
                <A href="/customers" attr:class="button ghost back">{move || t().back}</A>
                <h2 class="customer-name">{c.name.clone()}</h2>
            </div>
            <Show when=move || just_added.get()>
                <p class="banner ok" role="status">{move || t().saved}</p>
            </Show>
            <dl class="facts">
                <dt>{move || t().phone}</dt>
                <dd class="phone">{phone.clone()}</dd>
                <Show when=move || has_wechat>
                    <dt>{move || t().wechat}</dt>
                    <dd>{wechat.clone()}</dd>
                </Show>
                <dt>{move || t().source}</dt>
                <dd>{move || source.map(|s| source_name(s, en())).unwrap_or("—")}</dd>
                <Show when=move || has_birthday>
                    <dt>{move || t().birthday}</dt>
                    <dd>{birthday.clone()}</dd>
                </Show>
                <dt>{move || t().added_on}</dt>
                <dd>{created}</dd>
            </dl>
            <div class="tags" aria-label=move || t().tags>
                {tags.into_iter().map(|tag| view! { <span class="tag">{tag}</span> }).collect_view()}
            </div>
            <Show when=move || has_notes>
                <p class="notes">{notes.clone()}</p>
            </Show>
            <div class="actions">
                <Show when=move || has_phone>
                    <a class="button secondary" href=tel.clone()>{move || t().call}</a>
                </Show>
                <button type="button" class="button secondary" on:click=move |_| editing.set(true)>{move || t().edit}</button>
            </div>
        </article>
    }
}
