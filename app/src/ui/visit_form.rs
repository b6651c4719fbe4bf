//! Recording a visit without a purchase on a customer's card (记到店), with why nothing was
//! bought (未成交原因): what a shop learns most from.

use super::entry_form::{EntryFormFooter, EntrySave};
use super::widgets::TextField;
use crate::platform::today;
use crate::state::use_app;
use huike_core::domain::{Entry, NotBoughtReason, Visit};
use huike_core::id::Id;
use leptos::prelude::*;

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
pub(super) fn reason_name(reason: NotBoughtReason, en: bool) -> &'static str {
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

/// The form, in a module of its own fetched the first time a visit is recorded on a card.
#[lazy]
pub(super) fn visit_form(customer: Id, on_done: Callback<()>) -> AnyView {
    view! { <VisitForm customer=customer on_done=on_done /> }.into_any()
}

/// The visit form: a visit for `customer`; `on_done` runs once it is durable, or on Cancel.
#[component]
fn VisitForm(customer: Id, on_done: Callback<()>) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let en = move || app.lang.get() == crate::i18n::Lang::En;
    let day = RwSignal::new(today().to_string());
    let reason = RwSignal::new(None::<NotBoughtReason>);
    let note = RwSignal::new(String::new());
    let save = EntrySave::new(on_done);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(on) = save.day(&day.get()) else {
            return;
        };
        let entry = Entry::Visit(Visit {
            customer: customer.clone(),
            on,
            note: note.get().trim().to_owned(),
            reason: reason.get(),
            staff: app.staff(),
        });
        save.save(entry);
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
            <EntryFormFooter save=save />
        </form>
    }
}
