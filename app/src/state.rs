//! The app's shared state, provided as a Leptos context: the language, this device's session,
//! its replica of the book, the database, and the sync status.

use crate::i18n::{Lang, Texts};
use crate::session::Session;
use crate::store::{Rows, Store, StoreError};
use huike_core::domain::Entry;
use huike_core::id::Id;
use huike_core::insights::{Insights, Today};
use huike_core::replica::{Delta, Replica};
use leptos::prelude::*;
use std::rc::Rc;
use std::sync::Arc;

/// What the sync status line shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncStatus {
    /// A sync is running.
    pub running: bool,
    /// When the last sync completed (Unix ms).
    pub last_ok: Option<f64>,
    /// The last failure, if the last attempt failed.
    pub last_error: Option<String>,
}

/// The app's state. `Copy`: every field is a signal or stored value handle.
#[derive(Clone, Copy)]
pub struct AppState {
    /// UI language.
    pub lang: RwSignal<Lang>,
    /// This device's membership, once it created or joined a shop.
    pub session: RwSignal<Option<Session>>,
    /// The book and outbox (None until loaded from the device database).
    pub replica: RwSignal<Option<Replica>>,
    /// The analytics ledger and search index, following the book (None until it is loaded).
    pub insights: RwSignal<Option<Insights>, LocalStorage>,
    /// The shop's calendar day (moves on at midnight, see [`AppState::follow_the_calendar`]).
    pub day: RwSignal<chrono::NaiveDate>,
    /// That day's analysis and follow-ups, recomputed after every change (None until loaded).
    pub today: Memo<Option<Arc<Today>>>,
    /// The sync server's base URL.
    pub server: RwSignal<String>,
    /// Sync status.
    pub sync: RwSignal<SyncStatus>,
    /// A storage failure to show (nothing is lost: the change stays in memory and is retried).
    pub storage_error: RwSignal<Option<String>>,
    /// The browser reports a network connection.
    pub online: RwSignal<bool>,
    /// A new app version is waiting (the service worker found one).
    pub update_ready: RwSignal<bool>,
    db: StoredValue<Option<Rc<Store>>, LocalStorage>,
    unsaved: StoredValue<Delta>,
}

impl AppState {
    /// Fresh state.
    pub fn new(lang: Lang, session: Option<Session>, server: String) -> Self {
        let replica = RwSignal::new(None::<Replica>);
        let insights = RwSignal::new_local(None::<Insights>);
        let day = RwSignal::new(crate::platform::today());
        let today = Memo::new(move |_| {
            let day = day.get();
            replica.with(|r| {
                let book = &r.as_ref()?.book;
                insights.with(|i| Some(Arc::new(i.as_ref()?.today(book, day))))
            })
        });
        AppState {
            lang: RwSignal::new(lang),
            session: RwSignal::new(session),
            replica,
            insights,
            day,
            today,
            server: RwSignal::new(server),
            sync: RwSignal::new(SyncStatus {
                last_ok: crate::session::last_sync(),
                ..SyncStatus::default()
            }),
            storage_error: RwSignal::new(None),
            online: RwSignal::new(true),
            update_ready: RwSignal::new(false),
            db: StoredValue::new_local(None),
            unsaved: StoredValue::new(Delta::default()),
        }
    }

    /// Moves [`AppState::day`] on when the date changes (checked every minute), so an app left
    /// open overnight shows the new day's follow-ups.
    pub async fn follow_the_calendar(self) {
        loop {
            gloo_timers::future::TimeoutFuture::new(60_000).await;
            let now = crate::platform::today();
            if self.day.get_untracked() != now {
                self.day.set(now);
            }
        }
    }

    /// The current language's strings (tracks the language signal).
    pub fn t(&self) -> &'static Texts {
        self.lang.get().t()
    }

    /// Opens the device database for the session and loads the replica from it.
    pub async fn open_book(&self, session: &Session) -> Result<(), StoreError> {
        let store = Rc::new(Store::open(&session.database()).await?);
        let replica = store.load(session.credentials.device_id.clone()).await?;
        self.db.set_value(Some(store));
        self.insights.set(Some(Insights::read(&replica.book)));
        self.replica.set(Some(replica));
        Ok(())
    }

    /// Changes the replica with `f` and makes the change durable. Resolves `Ok` only once the
    /// device database has committed it. On failure the change stays in memory, the error is
    /// shown, and the next change writes it again (rows are always taken from the current
    /// state, so a retry never writes an older value over a newer one).
    pub async fn change<R>(
        &self,
        f: impl FnOnce(&mut Replica) -> (R, Delta),
    ) -> Result<R, StoreError> {
        let mut out = None;
        self.replica.update(|r| {
            if let Some(r) = r {
                out = Some(f(r));
            }
        });
        let (result, delta) = out.ok_or_else(|| StoreError("the book is not open yet".into()))?;
        self.replica.with_untracked(|r| {
            if let Some(r) = r {
                self.insights.update(|i| {
                    if let Some(i) = i {
                        i.follow(&r.book, &delta);
                    }
                });
            }
        });
        self.persist(delta).await?;
        Ok(result)
    }

    /// Appends an entry (a purchase, visit, contact…) made on this device under `id` (keep one
    /// id per form, so saving again cannot add it twice), durably, then schedules a sync.
    pub async fn append(&self, id: Id, entry: Entry) -> Result<(), StoreError> {
        self.change(|r| ((), r.append(crate::platform::now_ms(), id, entry)))
            .await?;
        crate::sync::schedule(*self);
        Ok(())
    }

    /// The device id as the staff member recorded on entries.
    pub fn staff(&self) -> Option<Id> {
        self.session.with_untracked(|s| {
            s.as_ref()
                .and_then(|s| Id::parse(&s.credentials.device_id).ok())
        })
    }

    /// Writes `delta` (and any earlier change whose write failed) in one transaction.
    async fn persist(&self, delta: Delta) -> Result<(), StoreError> {
        let mut all = self
            .unsaved
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        all.absorb(delta);
        let written = async {
            let rows = self
                .replica
                .with_untracked(|r| r.as_ref().map(|r| Rows::of(r, &all)))
                .ok_or_else(|| StoreError("the book is not open yet".into()))??;
            let db = self
                .db
                .get_value()
                .ok_or_else(|| StoreError("the device database is not open".into()))?;
            db.write(&rows).await
        }
        .await;
        match written {
            Ok(()) => {
                self.storage_error.set(None);
                Ok(())
            }
            Err(e) => {
                self.unsaved.update_value(|u| {
                    let newer = std::mem::take(u);
                    *u = all;
                    u.absorb(newer);
                });
                self.storage_error.set(Some(e.to_string()));
                Err(e)
            }
        }
    }
}

/// The app state from context.
pub fn use_app() -> AppState {
    expect_context::<AppState>()
}
