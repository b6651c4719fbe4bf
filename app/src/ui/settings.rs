//! The Settings tab: language, sync status, devices and invitations, and (the owner's)
//! templates, rules, tags and shop profile (`shop_settings`), import, export and backup.

use crate::api::Api;
use crate::i18n::Lang;
use crate::i18n::Words;
use crate::platform::format_time;
use crate::state::{AppState, use_app};
use huike_core::domain::Role;
use huike_core::sync::Invite;
use leptos::prelude::*;
use leptos::task::spawn_local;
use qrcode::QrCode;
use qrcode::render::svg;

/// Settings.
#[component]
pub(super) fn Settings() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let is_owner = move || {
        app.session
            .with(|s| s.as_ref().is_some_and(|s| s.role() == Role::Owner))
    };
    let shop = move || {
        app.session.with(|s| {
            s.as_ref()
                .map(|s| s.credentials.shop_name.clone())
                .unwrap_or_default()
        })
    };
    let me = move || {
        app.session.with(|s| {
            s.as_ref()
                .map(|s| s.display_name.clone())
                .unwrap_or_default()
        })
    };
    let set_lang = move |ev: leptos::ev::Event| {
        if let Some(l) = Lang::parse(&event_target_value(&ev)) {
            crate::session::set_lang(l);
            app.lang.set(l);
        }
    };
    view! {
        <section class="page settings">
            <header class="page-head"><h1>{move || t().settings}</h1></header>
            <div class="card">
                <h2>{move || t().shop}</h2>
                <p class="shop-name">{shop}</p>
                <p class="muted small">{move || t().this_device} ": " {me} " · " {move || if is_owner() { t().owner } else { t().clerk }}</p>
                <label class="field">
                    <span class="field-label">{move || t().language}</span>
                    <select on:change=set_lang prop:value=move || app.lang.get().tag()>
                        <option value="zh-CN" selected=move || app.lang.get() == Lang::ZhCn>"简体中文"</option>
                        <option value="en" selected=move || app.lang.get() == Lang::En>"English"</option>
                    </select>
                </label>
            </div>
            <SyncPanel />
            <Show when=is_owner>
                <InvitePanel />
                <DevicesPanel />
                <super::shop_settings::ShopSettings />
                <super::import_panel::ImportPanel />
                <super::data_panel::DataPanel />
            </Show>
        </section>
    }
}

/// Last sync, pending changes, last error, and **Sync now**.
#[component]
fn SyncPanel() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let pending = move || app.pending();
    let last = move || {
        app.sync
            .with(|s| s.last_ok.map(format_time))
            .unwrap_or_else(|| t().never.to_owned())
    };
    view! {
        <div class="card sync-panel">
            <h2>{move || t().sync}</h2>
            <dl class="facts">
                <dt>{move || t().last_sync}</dt>
                <dd class="last-sync">{last}</dd>
                <dt>{move || t().pending}</dt>
                <dd class="pending-count">{pending}</dd>
                <dt>{move || t().server}</dt>
                <dd class="server small">{move || app.server.get()}</dd>
                <dt>{move || t().storage}</dt>
                <dd class="storage small">
                    {move || match app.persisted.get() {
                        Some(true) => t().storage_persistent,
                        Some(false) => t().storage_best_effort,
                        None => "—",
                    }}
                </dd>
                <Show when=move || app.sync.with(|s| s.last_error.is_some())>
                    <dt>{move || t().last_error}</dt>
                    <dd class="last-error">
                        {move || app.sync.with(|s| s.last_error.as_ref().map(|e| app.lang.get().sync_error(e))).unwrap_or_default()}
                    </dd>
                </Show>
            </dl>
            <p class="muted small" role="status">
                {move || {
                    let (running, failed, stopped) =
                        app.sync.with(|s| (s.running, s.last_error.is_some(), s.stopped()));
                    if running {
                        let p = app.sync.with(|s| s.progress);
                        return format!("{}{}", t().syncing, p.map(|p| format!(" {:.0}%", p * 100.0)).unwrap_or_default());
                    }
                    if stopped {
                        t().sync_stopped
                    } else if !app.online.get() {
                        t().offline
                    } else if failed && app.sync.with(|s| matches!(s.last_error, Some(huike_core::client::driver::SyncError::Storage(_)))) {
                        t().storage_error
                    } else if failed {
                        t().unreachable
                    } else {
                        t().online
                    }
                    .to_owned()
                }}
            </p>
            <button type="button" class="primary" on:click=move |_| crate::sync::sync_now(app)>{move || t().sync_now}</button>
        </div>
    }
}

fn api(app: AppState) -> Api {
    Api::new(
        &app.server.get_untracked(),
        app.session
            .with_untracked(|s| s.as_ref().map(|s| s.credentials.token.clone())),
    )
}

/// **Invite device**: a one-time code and its QR code.
#[component]
fn InvitePanel() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let role = RwSignal::new(Role::Clerk);
    let invite = RwSignal::new(None::<Invite>);
    let error = RwSignal::new(None::<String>);
    let create = move |_| {
        error.set(None);
        let r = role.get();
        spawn_local(async move {
            match api(app).invite(r).await {
                Ok(i) => invite.set(Some(i)),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let qr = move || {
        invite.get().map(|i| {
            let origin = web_sys::window()
                .and_then(|w| w.location().origin().ok())
                .unwrap_or_default();
            let server = js_sys::encode_uri_component(&app.server.get_untracked());
            let url = format!("{origin}/?join={}&server={server}", i.code);
            QrCode::new(url.as_bytes())
                .map(|q| {
                    q.render::<svg::Color<'_>>()
                        .min_dimensions(180, 180)
                        .quiet_zone(true)
                        .build()
                })
                .unwrap_or_default()
        })
    };
    view! {
        <div class="card invite">
            <h2>{move || t().invite_device}</h2>
            <fieldset class="roles">
                <legend class="field-label">{move || t().role}</legend>
                <label class="radio">
                    <input type="radio" name="role" checked=move || role.get() == Role::Clerk on:change=move |_| role.set(Role::Clerk) />
                    {move || t().clerk}
                </label>
                <label class="radio">
                    <input type="radio" name="role" checked=move || role.get() == Role::Owner on:change=move |_| role.set(Role::Owner) />
                    {move || t().owner}
                </label>
            </fieldset>
            <button type="button" class="secondary" on:click=create>{move || t().invite_device}</button>
            <Show when=move || error.with(Option::is_some)>
                <p class="banner error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            {move || invite.get().map(|i| view! {
                <div class="invite-code">
                    <p class="muted small">{move || t().invite_code}</p>
                    <p class="code" aria-label=move || t().invite_code>{i.code.clone()}</p>
                    <div class="qr" inner_html=qr().unwrap_or_default()></div>
                    <p class="muted small">{move || t().expires} " " {format_time(i.expires_at as f64)}</p>
                    <p class="muted small">{move || t().invite_hint}</p>
                </div>
            })}
        </div>
    }
}

/// The shop's devices, each with **Revoke**.
#[component]
fn DevicesPanel() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    // Refreshed here and after every sync (so a clerk who just joined shows up).
    let devices = app.devices;
    let error = RwSignal::new(None::<String>);
    let me = app
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.credentials.device_id.clone()))
        .unwrap_or_default();
    let load = move || {
        spawn_local(async move {
            match api(app).devices().await {
                Ok(d) => {
                    devices.set(d);
                    error.set(None);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        })
    };
    load();
    let revoke = move |id: String| {
        spawn_local(async move {
            match api(app).revoke(&id).await {
                Ok(_) => load(),
                Err(e) => error.set(Some(e.to_string())),
            }
        })
    };
    view! {
        <div class="card devices">
            <h2>{move || t().devices}</h2>
            <Show when=move || error.with(Option::is_some)>
                <p class="muted small">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <ul class="device-list">
                {move || devices.get().into_iter().map(|d| {
                    let mine = d.device_id == me;
                    let id = d.device_id.clone();
                    let role = d.role;
                    view! {
                        <li class="device">
                            <span class="device-name">{d.display_name.clone()}</span>
                            <span class="muted small">{move || if role == Role::Owner { t().owner } else { t().clerk }}</span>
                            {if d.revoked {
                                view! { <span class="tag muted">{move || t().revoked}</span> }.into_any()
                            } else if mine {
                                view! { <span class="tag">{move || t().this_device}</span> }.into_any()
                            } else {
                                let id = id.clone();
                                view! { <button type="button" class="ghost danger" on:click=move |_| revoke(id.clone())>{move || t().revoke}</button> }.into_any()
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}
