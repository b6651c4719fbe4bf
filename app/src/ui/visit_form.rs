//! Recording a visit without a purchase on a customer's card (记到店), with why nothing was
//! bought (未成交原因): what a shop learns most from.

use super::widgets::TextField;
use crate::platform::{new_id, today};
use crate::state::use_app;
use huike_core::domain::{Entry, NotBoughtReason, Visit};
use huike_core::id::Id;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Every reason, in the order the form lists them.
const REASONS: [NotBoughtReason; 6] = [
    NotBoughtReason::JustLooking,
    NotBoughtReason::Price,
    NotBoughtReason::OutOfStock,
    NotBoughtReason::Size,
    NotBoughtReason::WillComeBack,
    NotBoughtReason::Other,
];

/// The reason's name in the UI language.
pub fn reason_name(reason: NotBoughtReason, en: bool) -> &'static str {
    let (zh, e) = match reason {
        NotBoughtReason::Price => ("嫌贵", "Price"),
        NotBoughtReason::OutOfStock => ("缺货", "Out of stock"),
        NotBoughtReason::JustLooking => ("随便看看", "Just looking"),
        NotBoughtReason::Size => ("尺码不合适", "Size"),
        NotBoughtReason::WillComeBack => ("改天再来", "Will come back"),
        NotBoughtReason::Other => ("其他", "Other"),
    };
    if en { e } else { zh }
}

/// The visit form. Saves a visit for `customer` and calls `on_done` once it is durable (or
/// when cancelled).
#[component]
pub fn VisitForm(customer: Id, on_done: Callback<()>) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let en = move || app.lang.get() == crate::i18n::Lang::En;
    let day = RwSignal::new(today().to_string());
    let reason = RwSignal::new(None::<NotBoughtReason>);
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // One id for this visit: saving again after a storage error cannot record it twice.
    let entry_id = new_id();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(on) = day.get().parse::<chrono::NaiveDate>() else {
            error.set(Some(t().date_invalid.into()));
            return;
        };
        let entry = Entry::Visit(Visit {
            customer: customer.clone(),
            on,
            note: note.get().trim().to_owned(),
            reason: reason.get(),
            staff: app.staff(),
        });
        error.set(None);
        busy.set(true);
        let id = entry_id.clone();
        spawn_local(async move {
            let result = app.append(id, entry).await;
            busy.set(false);
            match result {
                Ok(()) => on_done.run(()),
                Err(e) => error.set(Some(format!("{} {e}", t().storage_error))),
            }
        });
    };

    view! {
        <form class="editor entry-form" on:submit=submit>
            <h3>{move || t().record_visit}</h3>
            <TextField label=Signal::derive(move || t().date) value=day kind="date" />
            <label class="field">
                <span class="field-label">{move || t().not_bought_reason}</span>
                <select on:change=move |ev| {
                    let i: Option<usize> = event_target_value(&ev).parse().ok();
                    reason.set(i.and_then(|i| REASONS.get(i).copied()));
                }>
                    <option value="">"—"</option>
                    {REASONS
                        .into_iter()
                        .enumerate()
                        .map(|(i, r)| view! { <option value=i.to_string()>{move || reason_name(r, en())}</option> })
                        .collect_view()}
                </select>
            </label>
            <TextField label=Signal::derive(move || t().notes) value=note />
            <Show when=move || error.with(Option::is_some)>
                <p class="banner error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.get()>{move || t().save}</button>
                <button type="button" class="button ghost" on:click=move |_| on_done.run(())>{move || t().cancel}</button>
            </div>
        </form>
    }
}
