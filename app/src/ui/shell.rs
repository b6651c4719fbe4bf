//! The shell: the tab bar (bottom on a phone, a side rail on a tablet) and the routes.

use super::widgets::{StorageBanner, UpdateBanner, later};
use super::{customers, settings, stats, today};
use crate::route::{Link, Location, Screen};
use crate::state::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The Stats screen, in a module of its own fetched the first time it is opened.
#[lazy]
fn stats_screen() -> AnyView {
    view! { <stats::Stats /> }.into_any()
}

/// The Settings screen, in a module of its own fetched the first time it is opened (most of it
/// is the owner's).
#[lazy]
fn settings_screen() -> AnyView {
    view! { <settings::Settings /> }.into_any()
}

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
    let location = Location::follow_browser();
    provide_context(location);
    // Which tab's screen shows (a different customer or pane is the Customers and Today
    // screens' business: their list stays as it is).
    let tab = Memo::new(move |_| match Screen::of(&location.path()) {
        Screen::Customers(_) => None,
        Screen::Today(_) => Some(Screen::Today(None)),
        other => Some(other),
    });
    let screen = move || match tab.get() {
        None => view! { <customers::CustomersLayout /> }.into_any(),
        Some(Screen::Today(_)) => view! { <today::Today /> }.into_any(),
        Some(Screen::Stats) => later(stats_screen()),
        Some(Screen::Settings) => later(settings_screen()),
        Some(_) => view! { <p class="empty">{move || t().not_found}</p> }.into_any(),
    };
    view! {
        <div class="shell">
            <nav class="tabbar" aria-label=move || t().app_name>
                <div class="rail-brand" aria-hidden="true">
                    <span class="logo small">"回"</span>
                    <span>{move || app.session.with(|s| s.as_ref().map(|s| s.credentials.shop_name.clone()).unwrap_or_default())}</span>
                </div>
                <Link href="/today" attr:class="tab" attr:data-icon="◎">{move || t().today}</Link>
                <Link href="/customers" attr:class="tab" attr:data-icon="☺">{move || t().customers}</Link>
                <Link href="/stats" attr:class="tab" attr:data-icon="▤">{move || t().stats}</Link>
                <Link href="/settings" attr:class="tab" attr:data-icon="⚙">{move || t().settings}</Link>
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
                {screen}
            </div>
        </div>
    }
}
