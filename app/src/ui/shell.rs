//! The shell: the tab bar (bottom on a phone, a side rail on a tablet) and the routes.

use super::widgets::{StorageBanner, UpdateBanner};
use super::{customer_detail, customer_form, customers, settings, stats, today};
use crate::state::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::path;

/// The app once this device belongs to a shop.
#[component]
pub(super) fn Shell() -> impl IntoView {
    let app = use_app();
    let load_error = RwSignal::new(None::<String>);
    if app.replica.with_untracked(Option::is_none) {
        spawn_local(async move {
            let Some(session) = app.session.get_untracked() else {
                return;
            };
            match app.open_book(&session).await {
                Ok(()) => crate::sync::start(app),
                Err(e) => load_error.set(Some(e.to_string())),
            }
        });
    } else {
        crate::sync::start(app);
    }
    let t = move || app.t();
    view! {
        <Router>
            <div class="shell">
                <nav class="tabbar" aria-label=move || t().app_name>
                    <div class="rail-brand" aria-hidden="true">
                        <span class="logo small">"回"</span>
                        <span>{move || app.session.with(|s| s.as_ref().map(|s| s.credentials.shop_name.clone()).unwrap_or_default())}</span>
                    </div>
                    <A href="/today" attr:class="tab" attr:data-icon="◎">{move || t().today}</A>
                    <A href="/customers" attr:class="tab" attr:data-icon="☺">{move || t().customers}</A>
                    <A href="/stats" attr:class="tab" attr:data-icon="▤">{move || t().stats}</A>
                    <A href="/settings" attr:class="tab" attr:data-icon="⚙">{move || t().settings}</A>
                </nav>
                <div class="content">
                    <UpdateBanner />
                    <StorageBanner />
                    <Show when=move || app.elsewhere.get()>
                        <p class="banner warn" role="status">{move || t().open_elsewhere}</p>
                    </Show>
                    <Show when=move || load_error.with(Option::is_some)>
                        <p class="banner error" role="alert">{move || t().storage_error} " " {move || load_error.get().unwrap_or_default()}</p>
                    </Show>
                    <Routes fallback=move || view! { <p class="empty">{move || t().not_found}</p> }>
                        <Route path=path!("/") view=|| view! { <Redirect path="/today" /> } />
                        <Route path=path!("/today") view=today::Today />
                        <ParentRoute path=path!("/customers") view=customers::CustomersLayout>
                            <Route path=path!("") view=customers::NoSelection />
                            <Route path=path!("new") view=customer_form::NewCustomer />
                            <Route path=path!(":id") view=customer_detail::CustomerDetail />
                        </ParentRoute>
                        <Route path=path!("/stats") view=stats::Stats />
                        <Route path=path!("/settings") view=settings::Settings />
                    </Routes>
                </div>
            </div>
        </Router>
    }
}
