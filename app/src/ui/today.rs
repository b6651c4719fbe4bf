//! The Today tab: whom to contact today.

use crate::state::use_app;
use leptos::prelude::*;

/// Today's follow-ups.
#[component]
pub fn Today() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let today = crate::platform::today();
    view! {
        <section class="page">
            <header class="page-head">
                <h1>{move || t().today}</h1>
                <p class="muted">{today.format("%Y-%m-%d").to_string()}</p>
            </header>
            <div class="empty">
                <p class="empty-title">{move || t().today_empty}</p>
                <p class="muted">{move || t().today_hint}</p>
            </div>
        </section>
    }
}
