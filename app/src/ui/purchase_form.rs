//! Recording a purchase on a customer's card (记一笔): amount, what was bought, the day.

use super::entry_form::{EntryFormFooter, EntrySave};
use super::widgets::TextField;
use crate::platform::{local_now, today};
use crate::state::use_app;
use huike_core::domain::{Entry, LineItem, Money, Purchase, PurchaseKind, SaleChannel};
use huike_core::id::Id;
use leptos::prelude::*;

/// The purchase form: a sale for `customer`; `on_done` runs once it is durable, or on Cancel.
#[component]
pub(super) fn PurchaseForm(customer: Id, on_done: Callback<()>) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let amount = RwSignal::new(String::new());
    let item = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let day = RwSignal::new(today().to_string());
    let save = EntrySave::new(on_done);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let total = match Money::parse_major(&amount.get()) {
            Ok(total) if total > Money::ZERO => total,
            _ => {
                save.refuse(t().amount_invalid);
                return;
            }
        };
        let Some(on) = save.day(&day.get()) else {
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
        save.save(entry);
    };

    view! {
        <form class="editor entry-form purchase-form" on:submit=submit>
            <h3>{move || t().record_purchase}</h3>
            <TextField label=Signal::derive(move || t().amount) value=amount inputmode="decimal" placeholder="268.00" />
            <TextField label=Signal::derive(move || t().item) value=item placeholder="金装奶粉 3段" />
            <TextField label=Signal::derive(move || t().category) value=category placeholder="奶粉" />
            <TextField label=Signal::derive(move || t().date) value=day kind="date" />
            <EntryFormFooter save=save />
        </form>
    }
}
