//! The sync client: pushes this device's outbox as batches, then pulls other devices'
//! batches, persisting every step before the next (so a crash or a lost response at any point
//! only causes an idempotent retry, never a loss or a duplicate).

use crate::api::Api;
use crate::state::AppState;
use huike_core::sync::PullRequest;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// At most this many rounds per sync (each round is a push or a pull of ≤ 1,000 ops / 200 batches).
const MAX_ROUNDS: usize = 500;

/// Quiet period after a local change before an automatic sync, so a busy counter sends about one
/// batch per 30 s (the free plan's write budget) — **Sync now** does not wait.
pub const DEBOUNCE_MS: u32 = 30_000;

/// Runs one full sync now unless one is already running.
pub fn sync_now(app: AppState) {
    if app.sync.with_untracked(|s| s.running) {
        return;
    }
    spawn_local(async move {
        app.sync.update(|s| s.running = true);
        let result = run(app).await;
        let now = js_sys::Date::now();
        app.sync.update(|s| {
            s.running = false;
            match result {
                Ok(()) => {
                    s.last_ok = Some(now);
                    s.last_error = None;
                }
                Err(e) => s.last_error = Some(e),
            }
        });
        if app.sync.with_untracked(|s| s.last_error.is_none()) {
            crate::session::set_last_sync(now);
            crate::platform::mark("huike:sync-done");
        }
    });
}

async fn run(app: AppState) -> Result<(), String> {
    let Some(session) = app.session.get_untracked() else {
        return Ok(());
    };
    let api = Api::new(
        &app.server.get_untracked(),
        Some(session.credentials.token.clone()),
    );
    for _ in 0..MAX_ROUNDS {
        let batch = app
            .change(|r| r.plan_next_batch())
            .await
            .map_err(|e| e.to_string())?;
        let Some(batch) = batch else { break };
        api.push(&batch).await.map_err(|e| e.to_string())?;
        app.save(|r| r.plan_acknowledged(batch.seq))
            .await
            .map_err(|e| e.to_string())?;
    }
    for _ in 0..MAX_ROUNDS {
        let cursor = app
            .replica
            .with_untracked(|r| r.as_ref().map(|r| r.sync().cursor.clone()))
            .unwrap_or_default();
        let answer = api
            .pull(&PullRequest { cursor })
            .await
            .map_err(|e| e.to_string())?;
        app.save(|r| r.plan_receive(&answer.batches))
            .await
            .map_err(|e| e.to_string())?;
        if !answer.more {
            break;
        }
    }
    app.settle();
    Ok(())
}

/// Starts automatic sync: now, whenever the browser comes back online, every few minutes, and
/// [`DEBOUNCE_MS`] after local changes (see [`schedule`]).
pub fn start(app: AppState) {
    sync_now(app);
    let window = web_sys::window().expect("a window");
    let on_online = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
        app.online.set(true);
        sync_now(app);
    });
    let on_offline = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || app.online.set(false));
    use wasm_bindgen::JsCast;
    let _ = window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
    let _ = window.add_event_listener_with_callback("offline", on_offline.as_ref().unchecked_ref());
    on_online.forget();
    on_offline.forget();
    app.online.set(window.navigator().on_line());
    spawn_local(async move {
        loop {
            gloo_timers::future::TimeoutFuture::new(180_000).await;
            sync_now(app);
        }
    });
}

/// Asks for a sync after the quiet period; later calls within it are folded into one.
pub fn schedule(app: AppState) {
    thread_local! {
        static GENERATION: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }
    let generation = GENERATION.with(|g| {
        g.set(g.get() + 1);
        g.get()
    });
    spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(DEBOUNCE_MS).await;
        if GENERATION.with(|g| g.get()) == generation {
            sync_now(app);
        }
    });
}
