//! First launch: create a shop (this device becomes the owner's) or join one with an invite code.

use super::widgets::TextField;
use crate::api::{Api, CallError};
use crate::platform::{new_id, now_ms};
use crate::session::{self, Session};
use crate::state::{AppState, use_app};
use huike_core::auth::parse_invite_code;
use huike_core::domain::{Device, Shop};
use huike_core::id::Id;
use huike_core::replica::Journal;
use huike_core::sync::DeviceCredentials;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The first-launch screen.
#[component]
pub(super) fn Onboarding() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let shop_name = RwSignal::new(String::new());
    let owner_name = RwSignal::new(String::new());
    let code = RwSignal::new(crate::platform::query_param("join").unwrap_or_default());
    let joiner_name = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let server = app.server;
    // Only a deployment with closed sign-up asks for it (its operator hands it out).
    let signup_code = RwSignal::new(String::new());

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (shop, owner) = (
            shop_name.get().trim().to_owned(),
            owner_name.get().trim().to_owned(),
        );
        if shop.is_empty() || owner.is_empty() {
            error.set(Some(format!(
                "{} / {}: {}",
                t().shop_name,
                t().your_name,
                t().required
            )));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let api = Api::new(&app.server_url().await, None);
            let secret =
                Some(signup_code.get_untracked().trim().to_owned()).filter(|s| !s.is_empty());
            let result = api.create_shop(&shop, &owner, secret.as_deref()).await;
            finish(app, result, owner, Some(shop), busy, error).await;
        });
    };
    let join = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = joiner_name.get().trim().to_owned();
        let parsed = parse_invite_code(&code.get());
        let c = match parsed {
            Ok(c) if !name.is_empty() => c,
            Ok(_) => {
                error.set(Some(format!("{}: {}", t().your_name, t().required)));
                return;
            }
            Err(e) => {
                error.set(Some(format!("{}: {e}", t().invite_code)));
                return;
            }
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let api = Api::new(&app.server_url().await, None);
            let result = api.join(&c, &name).await;
            finish(app, result, name, None, busy, error).await;
        });
    };

    view! {
        <main class="onboarding">
            <header class="brand">
                <div class="logo" aria-hidden="true">"回"</div>
                <h1>{move || t().welcome}</h1>
                <p class="muted">{move || t().welcome_body}</p>
            </header>
            <Show when=move || error.with(Option::is_some)>
                <p class="banner error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <div class="onboarding-cards">
                <form class="card" on:submit=create>
                    <h2>{move || t().create_shop}</h2>
                    <TextField label=Signal::derive(move || t().shop_name) value=shop_name placeholder="好孩子母婴店" />
                    <TextField label=Signal::derive(move || t().your_name) value=owner_name autocomplete="name" />
                    <button type="submit" class="primary" disabled=move || busy.get()>{move || t().create_shop}</button>
                </form>
                <form class="card" on:submit=join>
                    <h2>{move || t().join_shop}</h2>
                    <p class="muted small">{move || t().or_join}</p>
                    <TextField label=Signal::derive(move || t().invite_code) value=code placeholder="XXXX-XXXX-XXXX" />
                    <TextField label=Signal::derive(move || t().your_name) value=joiner_name autocomplete="name" />
                    <button type="submit" class="secondary" disabled=move || busy.get()>{move || t().join_shop}</button>
                </form>
            </div>
            <details class="advanced">
                <summary>{move || t().server}</summary>
                <TextField label=Signal::derive(move || t().server) value=server kind="url" inputmode="url" />
                <TextField label=Signal::derive(move || t().signup_code) value=signup_code autocomplete="off" />
            </details>
            <Show when=move || busy.get()>
                <p class="muted" role="status">{move || t().working}</p>
            </Show>
        </main>
    }
}

/// Stores the new credentials, opens the book and records this device (and, for a new shop,
/// the shop) in it, then starts syncing.
async fn finish(
    app: AppState,
    result: Result<DeviceCredentials, CallError>,
    display_name: String,
    new_shop: Option<String>,
    busy: RwSignal<bool>,
    error: RwSignal<Option<String>>,
) {
    busy.set(false);
    let creds = match result {
        Ok(c) => c,
        Err(e) => {
            error.set(Some(e.to_string()));
            return;
        }
    };
    session::set_server(&app.server.get_untracked());
    let s = Session {
        credentials: creds.clone(),
        display_name: display_name.clone(),
    };
    if let Err(e) = session::store(&s) {
        error.set(Some(format!("{} {e}", app.t().storage_error)));
        return;
    }
    if let Err(e) = app.open_book(&s).await {
        error.set(Some(format!("{} {e}", app.t().storage_error)));
        return;
    }
    let device_id = Id::parse(&creds.device_id).unwrap_or_else(|_| new_id());
    let me = Device {
        display_name,
        role: creds.role,
        revoked: false,
    };
    let shop_id = Id::parse(&creds.shop_id).unwrap_or_else(|_| new_id());
    let shop = new_shop.map(|name| Shop {
        name,
        time_zone: "Asia/Shanghai".into(),
        currency: "CNY".into(),
    });
    let saved = app
        .save(|r| {
            let mut ops = r
                .plan_edit(now_ms(), &device_id, None, &me)
                .map(Journal::into_ops)
                .unwrap_or_default();
            if let Some(shop) = &shop {
                ops.extend(
                    r.plan_edit(now_ms(), &shop_id, None, shop)
                        .map(Journal::into_ops)
                        .unwrap_or_default(),
                );
            }
            r.plan_local(ops)
        })
        .await;
    if let Err(e) = saved {
        error.set(Some(format!("{} {e}", app.t().storage_error)));
    }
    app.session.set(Some(s));
}
