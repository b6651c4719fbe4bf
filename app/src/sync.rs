//! When the app syncs, and what it tells the user: core's sync loop
//! ([`huike_core::client::driver::run`]) over the worker's API, with this device's replica and
//! store as its [`Host`]. Runs at start, when the browser comes back online, every few minutes,
//! a quiet moment after local changes, and on **Sync now**; after a failure that may pass it
//! retries with growing, jittered waits; after one that cannot (this device was removed, a
//! conflicting copy of it) it stops and says so.

use crate::api::Api;
use crate::state::{AppState, SyncStatus};
use huike_core::client::driver::{self, Host, SyncError, backoff_ms};
use huike_core::domain::Role;
use huike_core::replica::{Journal, Replica};
use huike_core::sync::Cursor;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Quiet period after a local change before an automatic sync, so a busy counter sends about one
/// batch per 30 s (the free plan's write budget) — **Sync now** does not wait.
pub const DEBOUNCE_MS: u32 = 30_000;

/// The app's replica and store, as the sync loop changes them.
impl Host for AppState {
    async fn change<R>(
        &self,
        plan: impl FnOnce(&mut Replica) -> (R, Option<Journal>),
    ) -> Result<R, String> {
        AppState::change(self, plan)
            .await
            .map_err(|e| e.to_string())
    }

    fn cursor(&self) -> Cursor {
        self.replica
            .with_untracked(|r| r.as_ref().map(|r| r.sync().cursor.clone()))
            .unwrap_or_default()
    }

    fn pending(&self) -> usize {
        self.replica
            .with_untracked(|r| r.as_ref().map_or(0, Replica::pending_changes))
    }

    fn is_new(&self) -> bool {
        self.replica
            .with_untracked(|r| r.as_ref().is_some_and(|r| !r.caught_up()))
    }

    fn progress(&self, done: f64) {
        self.sync.update(|s| s.progress = Some(done));
    }

    fn is_clerk(&self, device: &str) -> bool {
        self.devices.with_untracked(|list| {
            list.iter()
                .any(|d| d.device_id == device && d.role == Role::Clerk)
        })
    }
}

/// Runs one full sync now unless one is already running (also after the app stopped
/// retrying on its own: the user asked).
pub fn sync_now(app: AppState) {
    // Nothing to sync before this tab owns an open book (another tab may own it).
    if app.sync.with_untracked(|s| s.running) || app.replica.with_untracked(Option::is_none) {
        return;
    }
    spawn_local(async move {
        app.sync.update(|s| s.running = true);
        let result = run(app).await;
        let now = js_sys::Date::now();
        app.settle();
        app.sync.update(|s| {
            s.running = false;
            s.progress = None;
            match &result {
                Ok(()) => {
                    s.last_ok = Some(now);
                    s.last_error = None;
                    s.failures = 0;
                }
                Err(e) => {
                    s.last_error = Some(e.clone());
                    s.failures += 1;
                }
            }
        });
        match result {
            Ok(()) => {
                crate::session::set_last_sync(now);
                crate::platform::mark("huike:sync-done");
                refresh_devices(app).await;
                if let Err(e) = upload_snapshot_if_due(app).await {
                    leptos::logging::warn!("the shop's snapshot was not uploaded: {e}");
                }
            }
            Err(e) if e.retryable() => {
                let attempt = app.sync.with_untracked(|s| s.failures);
                let wait = backoff_ms(attempt, js_sys::Math::random(), retry_after(&e));
                retry_after_ms(app, wait);
            }
            Err(_) => {}
        }
    });
}

async fn run(app: AppState) -> Result<(), SyncError> {
    let Some(session) = app.session.get_untracked() else {
        return Ok(());
    };
    let api = Api::new(
        &app.server.get_untracked(),
        Some(session.credentials.token.clone()),
    );
    driver::run(&app, &api).await.map(|_| ())
}

fn retry_after(e: &SyncError) -> Option<u64> {
    match e {
        SyncError::Unreachable { retry_after, .. } => *retry_after,
        _ => None,
    }
}

/// An owner device uploads the shop's snapshot (what new devices start from, and what lets
/// the server delete old batches) at most once a day, when at least this many batches came
/// since the last one.
const SNAPSHOT_AFTER_BATCHES: u64 = 20;
const SNAPSHOT_EVERY_MS: f64 = 86_400_000.0;

/// Uploads a snapshot of the book when this is an owner device and one is due.
async fn upload_snapshot_if_due(app: AppState) -> Result<(), SyncError> {
    let Some(session) = app.session.get_untracked() else {
        return Ok(());
    };
    if session.role() != Role::Owner {
        return Ok(());
    }
    // What the snapshot covers: every stream as far as this device applied it, its own as far
    // as the server acknowledged it (taken before the book is read: the book holds at least that).
    let Some(cursor) = app.replica.with_untracked(|r| {
        r.as_ref().map(|r| {
            let mut cursor = r.sync().cursor.clone();
            let own = r.sync().next_seq.saturating_sub(1);
            if own > 0 {
                cursor.insert(r.device().to_owned(), own);
            }
            cursor
        })
    }) else {
        return Ok(());
    };
    let batches: u64 = cursor.values().sum();
    let last = crate::session::last_snapshot();
    let now = js_sys::Date::now();
    let due = match last {
        None => batches > 0,
        Some((at, covered)) => {
            now - at >= SNAPSHOT_EVERY_MS && batches >= covered + SNAPSHOT_AFTER_BATCHES
        }
    };
    if !due {
        return Ok(());
    }
    let mut writer = driver::snapshot_writer();
    loop {
        let done = app.replica.with_untracked(|r| {
            r.as_ref()
                .map(|r| writer.step(r.book(), driver::SNAPSHOT_STEP_ROWS))
        });
        match done {
            Some(true) => break,
            Some(false) => crate::store::yield_now().await,
            None => return Ok(()),
        }
    }
    let parts = writer.finish();
    let api = Api::new(&app.server.get_untracked(), Some(session.credentials.token));
    let snap = app.new_id().to_string();
    driver::upload_snapshot(&api, &snap, &parts, cursor).await?;
    crate::session::set_last_snapshot(now, batches);
    Ok(())
}

/// The shop's devices as the server lists them now (the owner sees a clerk who just joined).
async fn refresh_devices(app: AppState) {
    let Some(session) = app.session.get_untracked() else {
        return;
    };
    let api = Api::new(&app.server.get_untracked(), Some(session.credentials.token));
    if let Ok(devices) = api.devices().await {
        app.devices.set(devices);
    }
}

/// Starts automatic sync: now, whenever the browser comes back online, every few minutes, and
/// [`DEBOUNCE_MS`] after local changes (see [`schedule`]).
pub fn start(app: AppState) {
    thread_local! {
        static STARTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    // Once per page, however often the shell mounts.
    if STARTED.with(|s| s.replace(true)) {
        sync_now(app);
        return;
    }
    sync_now(app);
    // A change made on this device: sync once things are quiet.
    Effect::new(move |seen: Option<u64>| {
        let changes = app.local_changes.get();
        if seen.is_some_and(|seen| seen != changes) {
            schedule(app);
        }
        changes
    });
    let window = web_sys::window().expect("a window");
    let on_online = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
        app.online.set(true);
        if !app.sync.with_untracked(SyncStatus::stopped) {
            sync_now(app);
        }
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
            if !app.sync.with_untracked(SyncStatus::stopped) {
                sync_now(app);
            }
        }
    });
}

/// Asks for a sync after the quiet period; later calls within it are folded into one.
pub fn schedule(app: AppState) {
    retry_after_ms(app, u64::from(DEBOUNCE_MS));
}

/// Syncs after `ms` unless another request for a sync came meanwhile (the latest wins).
fn retry_after_ms(app: AppState, ms: u64) {
    thread_local! {
        static GENERATION: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }
    let generation = GENERATION.with(|g| {
        g.set(g.get() + 1);
        g.get()
    });
    spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(u32::try_from(ms).unwrap_or(u32::MAX)).await;
        if GENERATION.with(|g| g.get()) == generation
            && !app.sync.with_untracked(SyncStatus::stopped)
        {
            sync_now(app);
        }
    });
}
