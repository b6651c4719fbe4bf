//! The screens. [`App`] shows onboarding until this device belongs to a shop, then the shell
//! with its four tabs.

mod campaigns;
mod complaints;
mod compose;
mod contact_form;
mod customer_detail;
mod customer_form;
mod customers;
mod data_panel;
mod entry_form;
mod filter_chips;
mod filter_panel;
mod import_panel;
mod more_form;
mod onboarding;
mod purchase_form;
mod referrer;
mod rules_editor;
mod settings;
mod shell;
mod shop_settings;
mod stats;
mod stats_charts;
mod stats_more;
mod templates_editor;
mod timeline;
mod today;
mod visit_form;
mod wallet;
mod widgets;

use crate::i18n::Words;
use crate::state::use_app;
use leptos::prelude::*;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let app = use_app();
    Effect::new(move |_| {
        let lang = app.lang.get();
        if let Some(el) = document().document_element() {
            let _ = el.set_attribute("lang", lang.tag());
        }
        document().set_title(lang.t().app_name);
    });
    view! {
        <Show when=move || app.session.with(Option::is_some) fallback=onboarding::Onboarding>
            <shell::Shell />
        </Show>
    }
}
