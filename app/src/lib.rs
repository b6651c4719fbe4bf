//! Huike's app: Leptos (client-side rendering) compiled to wasm.
//!
//! - [`state`]: the shared state (language, session, replica, sync status) as a context;
//! - [`store`]: the book in IndexedDB; [`session`]: small state in localStorage;
//! - [`api`], [`sync`]: the worker's HTTP API and the sync client; [`fetch`]: the browser's
//!   `fetch` under them;
//! - [`ui`]: the screens; [`i18n`]: their strings in 简体中文 and English; [`route`]: which
//!   screen the address shows;
//! - [`platform`]: time, randomness and the query string from the browser;
//! - [`model`]: the customer-base model, a wasm module of its own loaded after the first screen.
//!
//! All domain logic is in `huike-core`; this crate adapts it to the browser.

pub mod api;
pub mod fetch;
pub mod i18n;
pub mod model;
pub mod platform;
pub mod route;
pub mod session;
pub mod state;
pub mod store;
pub mod sync;
#[allow(
    unreachable_pub,
    reason = "Leptos's #[component] gives each component a public props struct"
)]
pub mod ui;

use i18n::Lang;
use state::AppState;

/// Where the app syncs when nothing else says: the local worker of `cargo xtask dev`.
const DEFAULT_SERVER: &str = "http://127.0.0.1:8787";

/// Starts the app: reads the language and server choices, mounts the UI.
pub fn run() {
    console_error_panic_hook::set_once();
    let lang = match platform::query_param("lang")
        .as_deref()
        .and_then(Lang::parse)
    {
        Some(l) => {
            session::set_lang(l);
            l
        }
        None => session::lang().unwrap_or_default(),
    };
    let explicit_server = platform::query_param("server");
    if let Some(s) = &explicit_server {
        session::set_server(s);
    }
    let server = session::server().unwrap_or_else(|| DEFAULT_SERVER.to_owned());
    platform::expose_memory_size();
    let app = AppState::new(lang, session::load(), server);
    watch_for_updates(app);
    leptos::mount::mount_to_body(move || {
        leptos::prelude::provide_context(app);
        ui::App()
    });
    // Tasks only after mounting: mounting sets up the executor they run on (spawning before
    // it panics in a release build).
    if explicit_server.is_none() && session::server().is_none() {
        leptos::prelude::Set::set(&app.server_known, false);
        leptos::task::spawn_local(read_config(app));
    }
    leptos::task::spawn_local(app.follow_the_calendar());
}

/// Reads `/config.json` (written at deploy time) for the default sync server; the server is
/// known after it, whatever it found.
async fn read_config(app: AppState) {
    use leptos::prelude::Set;
    find_server(app).await;
    app.server_known.set(true);
}

async fn find_server(app: AppState) {
    #[derive(serde::Deserialize)]
    struct Config {
        sync_url: String,
    }
    let Some(origin) = web_sys::window().and_then(|w| w.location().origin().ok()) else {
        return;
    };
    let url = format!("{origin}/config.json");
    let call = fetch::Call {
        method: "GET",
        url: &url,
        headers: Vec::new(),
        body: None,
        timeout_ms: 10_000,
    };
    let Ok(answer) = call.send().await else {
        return;
    };
    if answer.status == 200
        && let Ok(cfg) = serde_json::from_slice::<Config>(&answer.body)
        && !cfg.sync_url.is_empty()
    {
        use leptos::prelude::Set;
        app.server
            .set(cfg.sync_url.trim_end_matches('/').to_owned());
    }
}

/// Shows the "new version available" prompt when index.html's service-worker glue reports one.
fn watch_for_updates(app: AppState) {
    use leptos::prelude::Set;
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return;
    };
    let ready = js_sys::Reflect::get(&window, &"huikeUpdateReady".into())
        .ok()
        .and_then(|v| v.as_bool());
    if ready == Some(true) {
        app.update_ready.set(true);
    }
    let on_update =
        wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || app.update_ready.set(true));
    let _ =
        window.add_event_listener_with_callback("huike-update", on_update.as_ref().unchecked_ref());
    on_update.forget();
}
