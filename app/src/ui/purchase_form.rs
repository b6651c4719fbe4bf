//! Recording a purchase on a customer's card (记一笔): amount, what was bought, the day.

use super::widgets::TextField;
use crate::platform::{local_now, new_id, today};
use crate::state::use_app;
use huike_core::domain::{Entry, LineItem, Money, Purchase, PurchaseKind, SaleChannel};
use huike_core::id::Id;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The purchase form. Saves a sale for `customer` and calls `on_done` once it is durable (or
/// when cancelled).
#[component]
pub fn PurchaseForm(customer: Id, on_done: Callback<()>) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let amount = RwSignal::new(String::new());
    let item = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let day = RwSignal::new(today().to_string());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // One id for this purchase: saving twice (a retry after a storage error) cannot double it.
    let entry_id = new_id();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let total = match Money::parse_major(&amount.get()) {
            Ok(total) if total > Money::ZERO => total,
            _ => {
                error.set(Some(t().amount_invalid.into()));
                return;
            }
        };
        let Ok(on) = day.get().parse::<chrono::NaiveDate>() else {
            error.set(Some(t().date_invalid.into()));
            return;
        };
        let (product, category) = (
            item.get().trim().to_owned(),
            category.get().trim().to_owned(),
        );
        let items = if product.is_empty() && category.is_empty() {
            Vec::new()
        } else {
            vec![LineItem {
                product,
                category,
                quantity: 1,
                amount: total,
            }]
        };
        let entry = Entry::Purchase(Purchase {
            customer: customer.clone(),
            at: on.and_time(local_now().time()),
            total,
            items,
            staff: app.staff(),
            channel: SaleChannel::Store,
            kind: PurchaseKind::Sale,
            corrects: None,
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
        <form class="editor entry-form purchase-form" on:submit=submit>
            <h3>{move || t().record_purchase}</h3>
            <TextField label=Signal::derive(move || t().amount) value=amount inputmode="decimal" placeholder="268.00" />
            <TextField label=Signal::derive(move || t().item) value=item placeholder="金装奶粉 3段" />
            <TextField label=Signal::derive(move || t().category) value=category placeholder="奶粉" />
            <TextField label=Signal::derive(move || t().date) value=day kind="date" />
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
