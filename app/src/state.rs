//! The app's shared state, provided as a Leptos context: the language, this device's session,
//! its replica of the book with the views kept beside it, the database, and the sync status.
//!
//! Every change goes through [`AppState::change`]: the replica plans it, the store writes its
//! journal record, and only then is it applied in memory and shown — so what the screen shows
//! is always on the device's disk.

use crate::i18n::{Lang, Texts, Words};
use crate::platform::mark;
use crate::session::Session;
use crate::store::{
    Progress, STEP_ROWS, Store, StoreError, legacy, migrate, read_snapshot, yield_now,
};
use futures::lock::Mutex;
use huike_core::book::Book;
use huike_core::client::driver::SyncError;
use huike_core::codec::ops::OpsWriter;
use huike_core::domain::Entry;
use huike_core::id::Id;
use huike_core::insights::{ImageWriter, Insights, InsightsReader, Today, TodayWork};
use huike_core::predict::outlook::{Inputs, Outlook};
use huike_core::replica::{Delta, Journal, Replica};
use huike_core::sync::DeviceInfo;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;
use std::sync::Arc;

/// Ops of the outbox encoded a step while the store is compacted.
const OUTBOX_STEP: usize = 20_000;

/// What the sync status line shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncStatus {
    /// A sync is running.
    pub running: bool,
    /// When the last sync completed (Unix ms).
    pub last_ok: Option<f64>,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<SyncError>,
    /// Failed attempts in a row.
    pub failures: u32,
    /// How far a long download (a new device's first sync) is, 0–1.
    pub progress: Option<f64>,
}

impl SyncStatus {
    /// True when the last failure cannot pass by trying again: the app stops syncing on its
    /// own (**Sync now** still tries).
    pub fn stopped(&self) -> bool {
        self.last_error.as_ref().is_some_and(|e| !e.retryable())
    }
}

/// The app's state. `Copy`: every field is a signal or stored value handle.
#[derive(Clone, Copy)]
pub struct AppState {
    /// UI language.
    pub lang: RwSignal<Lang>,
    /// This device's membership, once it created or joined a shop.
    pub session: RwSignal<Option<Session>>,
    /// The book and outbox (None until loaded from the device database). Changing it does
    /// not notify: views follow [`AppState::book_rev`].
    pub replica: RwSignal<Option<Replica>, LocalStorage>,
    /// The analytics ledger and search index, following the book (None until it is loaded).
    pub insights: RwSignal<Option<Insights>, LocalStorage>,
    /// Bumped whenever the book changed.
    pub book_rev: RwSignal<u64>,
    /// Bumped whenever anything in the replica changed (the outbox, the sync state).
    pub replica_rev: RwSignal<u64>,
    /// Whether the browser keeps this site's storage even when space runs short (`None`
    /// until asked; the app asks when the book opens).
    pub persisted: RwSignal<Option<bool>>,
    /// Another tab of the app owns this shop's book; this one waits for it to close.
    pub elsewhere: RwSignal<bool>,
    /// How far opening the book is (None once open).
    pub opening: RwSignal<Option<f64>>,
    /// The shop's calendar day (moves on at midnight, see [`AppState::follow_the_calendar`]).
    pub day: RwSignal<chrono::NaiveDate>,
    /// The shop's time, moved on every minute (a complaint's minutes left count from it).
    pub now: RwSignal<chrono::NaiveDateTime>,
    /// That day's analysis and follow-ups (None until first worked out), worked out anew
    /// after every settled change and when the day moves on.
    pub today: RwSignal<Option<Arc<Today>>>,
    /// The sync server's base URL.
    pub server: RwSignal<String>,
    /// False while the deployment's `/config.json` (which may name the sync server) is being
    /// read at start.
    pub server_known: RwSignal<bool>,
    /// Sync status.
    pub sync: RwSignal<SyncStatus>,
    /// Bumped by every change made on this device (the sync follows it).
    pub local_changes: RwSignal<u64>,
    /// The shop's devices as the server last listed them (refreshed after every sync).
    pub devices: RwSignal<Vec<DeviceInfo>>,
    /// A storage failure to show (the change it refused was not made).
    pub storage_error: RwSignal<Option<String>>,
    /// The browser reports a network connection.
    pub online: RwSignal<bool>,
    /// A new app version is waiting (the service worker found one).
    pub update_ready: RwSignal<bool>,
    db: StoredValue<Option<Rc<Store>>, LocalStorage>,
    /// Held while a change is planned, stored and applied, so changes are stored in the
    /// order they are applied (and a snapshot sees none half done).
    writes: StoredValue<Rc<Mutex<()>>, LocalStorage>,
    compacting: StoredValue<bool>,
    /// The book revision the day's analysis follows: moved on after each local change and at
    /// the end of a sync run (not at every round of it). Nothing subscribes to it.
    settled_rev: StoredValue<u64>,
    /// The latest job working out [`AppState::today`].
    today_job: StoredValue<u64>,
}

impl AppState {
    /// Fresh state.
    pub fn new(lang: Lang, session: Option<Session>, server: String) -> Self {
        let replica = RwSignal::new_local(None::<Replica>);
        let insights = RwSignal::new_local(None::<Insights>);
        let day = RwSignal::new(crate::platform::today());
        let now = RwSignal::new(crate::platform::local_now());
        let today = RwSignal::new(None);
        AppState {
            lang: RwSignal::new(lang),
            session: RwSignal::new(session),
            replica,
            insights,
            book_rev: RwSignal::new(0),
            replica_rev: RwSignal::new(0),
            persisted: RwSignal::new(None),
            settled_rev: StoredValue::new(0),
            elsewhere: RwSignal::new(false),
            opening: RwSignal::new(None),
            day,
            now,
            today,
            server: RwSignal::new(server),
            server_known: RwSignal::new(true),
            sync: RwSignal::new(SyncStatus {
                last_ok: crate::session::last_sync(),
                ..SyncStatus::default()
            }),
            devices: RwSignal::new(Vec::new()),
            local_changes: RwSignal::new(0),
            storage_error: RwSignal::new(None),
            online: RwSignal::new(true),
            update_ready: RwSignal::new(false),
            db: StoredValue::new_local(None),
            writes: StoredValue::new_local(Rc::new(Mutex::new(()))),
            compacting: StoredValue::new(false),
            today_job: StoredValue::new(0),
        }
    }

    /// Moves [`AppState::day`] on when the date changes (checked every minute), so an app left
    /// open overnight shows the new day's follow-ups.
    pub async fn follow_the_calendar(self) {
        loop {
            gloo_timers::future::TimeoutFuture::new(60_000).await;
            self.now.set(crate::platform::local_now());
            let now = crate::platform::today();
            if self.day.get_untracked() != now {
                self.day.set(now);
                self.work_out_today();
            }
        }
    }

    /// Reads the book, tracking its revision (so a memo or view built on it follows every
    /// change); `None` until the book is open.
    pub fn with_book<R>(&self, f: impl FnOnce(&Book) -> R) -> Option<R> {
        self.book_rev.track();
        self.replica
            .with_untracked(|r| r.as_ref().map(|r| f(r.book())))
    }

    /// Changes waiting for the server (tracks every change of the replica).
    pub fn pending(&self) -> usize {
        self.replica_rev.track();
        self.replica
            .with_untracked(|r| r.as_ref().map_or(0, Replica::pending_changes))
    }

    /// Reads the book and the views kept beside it, tracking the book's revision.
    pub fn with_insights<R>(&self, f: impl FnOnce(&Book, &Insights) -> R) -> Option<R> {
        self.book_rev.track();
        self.replica.with_untracked(|r| {
            let book = r.as_ref()?.book();
            self.insights.with_untracked(|i| Some(f(book, i.as_ref()?)))
        })
    }

    /// Reads the views kept beside the book, tracking the book's revision. At a start they
    /// are there before the book itself (read from their stored image), so the list, search
    /// and counts show while the book is still being read.
    pub fn with_views<R>(&self, f: impl FnOnce(&Insights) -> R) -> Option<R> {
        self.book_rev.track();
        self.insights.with_untracked(|i| i.as_ref().map(f))
    }

    /// The current language's strings (tracks the language signal).
    pub fn t(&self) -> &'static Texts {
        self.lang.get().t()
    }

    /// Opens the device database for the session: first the views stored beside the book
    /// (the list and today's follow-ups show at once), then the book a part at a time, then
    /// the changes stored since (migrating a book stored by the first version of the app).
    pub async fn open_book(&self, session: &Session) -> Result<(), StoreError> {
        // One tab at a time owns the book (its writes and its sync); others wait here.
        let lock = format!("huike-book-{}", session.credentials.shop_id);
        let elsewhere = self.elsewhere;
        crate::platform::hold_book_lock(&lock, move || elsewhere.set(true)).await;
        elsewhere.set(false);
        mark("huike:book-locked");
        self.opening.set(Some(0.0));
        let store = Rc::new(Store::open(&session.database()).await?);
        let device = session.credentials.device_id.clone();
        let migrated = migrate(
            &store,
            &legacy::database(&session.credentials.shop_id),
            &device,
        )
        .await?;
        let views = match migrated {
            Some(_) => None,
            None => store.load_views().await,
        };
        if views.is_some() {
            mark("huike:views-read");
            self.insights.set(views);
            self.book_rev.update(|n| *n += 1);
            self.settle();
        }
        let opening = self.opening;
        let progress = move |p: Progress| opening.set(Some(p.done));
        let mut replica = match migrated {
            Some(replica) => replica,
            None => store.load_book(device, &progress).await?,
        };
        mark("huike:book-read");
        if self.insights.with_untracked(Option::is_none) {
            let views = read_views(|step| step(replica.book())).await;
            self.insights.set(Some(views));
        }
        let journal = store.journal().await?;
        mark("huike:journal-read");
        let mut rebuilt = false;
        for (i, record) in journal.iter().enumerate() {
            let snapshot = read_merged(record).await;
            let delta = replica.commit_read(record, snapshot);
            rebuilt |= delta.rebuilt;
            self.insights.update_untracked(|v| {
                if let (Some(v), false) = (v, rebuilt) {
                    v.follow(replica.book(), &delta);
                }
            });
            if i % 200 == 199 {
                yield_now().await;
            }
        }
        if rebuilt {
            // A snapshot merged as a whole (the device closed before its store was compacted):
            // the views are read from the book it made.
            let views = read_views(|step| step(replica.book())).await;
            self.insights.set(Some(views));
        }
        mark("huike:journal-replayed");
        self.db.set_value(Some(store));
        self.replica.set(Some(replica));
        self.replica_rev.update(|n| *n += 1);
        self.opening.set(None);
        self.persisted.set(crate::platform::persist_storage().await);
        self.book_rev.update(|n| *n += 1);
        self.settle();
        Ok(())
    }

    /// Plans a change on the replica with `plan`, stores its journal record and only then
    /// applies it. Resolves `Ok` once the change is on the device's disk; on failure nothing
    /// changed and the error is shown.
    pub async fn change<R>(
        &self,
        plan: impl FnOnce(&mut Replica) -> (R, Option<Journal>),
    ) -> Result<R, StoreError> {
        // The work is in `commit`, which is not generic: one copy of it in the wasm, not one
        // per caller (each a large state machine).
        let mut plan = Some(plan);
        let mut result = None;
        self.commit(&mut |r| {
            let (value, record) = plan.take()?(r);
            result = Some(value);
            record
        })
        .await?;
        result.ok_or_else(|| StoreError("the book is not open yet".into()))
    }

    /// [`AppState::change`] without its result: `plan` is called at most once.
    async fn commit(
        &self,
        plan: &mut dyn FnMut(&mut Replica) -> Option<Journal>,
    ) -> Result<(), StoreError> {
        let lock = self.writes.get_value();
        let _held = lock.lock().await;
        let mut planned = None;
        self.replica.update_untracked(|r| {
            if let Some(r) = r {
                planned = Some(plan(r));
            }
        });
        let record = planned.ok_or_else(|| StoreError("the book is not open yet".into()))?;
        let Some(record) = record else {
            return Ok(());
        };
        let db = self
            .db
            .get_value()
            .ok_or_else(|| StoreError("the device database is not open".into()))?;
        if let Err(e) = db.append(std::slice::from_ref(&record)).await {
            self.storage_error.set(Some(e.to_string()));
            return Err(e);
        }
        self.storage_error.set(None);
        // Nothing else changes the replica while this change holds the lock.
        let snapshot = read_merged(&record).await;
        let mut delta = Delta::default();
        self.replica.update_untracked(|r| {
            if let Some(r) = r {
                delta = r.commit_read(&record, snapshot);
            }
        });
        self.replica_rev.update(|n| *n += 1);
        if delta.rebuilt {
            // A whole new book (a new device's snapshot): its views are read anew, a slice at
            // a time (nothing else changes the book while this change holds the lock).
            let replica = self.replica;
            let views = read_views(|step| {
                replica
                    .with_untracked(|r| r.as_ref().map(|r| step(r.book())))
                    .unwrap_or(true)
            })
            .await;
            mark("huike:views-built");
            // Showing them is a task of its own (the last step of reading filled this one).
            yield_now().await;
            self.insights.set(Some(views));
            // What shows the book follows its revision, not the views' signal.
            self.book_rev.update(|n| *n += 1);
        } else if delta.changed_book() {
            self.replica.with_untracked(|r| {
                if let Some(r) = r {
                    self.insights.update_untracked(|i| {
                        if let Some(i) = i {
                            i.follow(r.book(), &delta);
                        }
                    });
                }
            });
            self.book_rev.update(|n| *n += 1);
        }
        // A merged snapshot is a large record: fold it into the store's own snapshot (with the
        // views) at once, so the next start reads both instead of merging it again.
        if db.wants_compaction() || matches!(record, Journal::Merged { .. }) {
            self.compact(db);
        }
        Ok(())
    }

    /// Stores and applies a change that returns nothing.
    pub async fn save(
        &self,
        plan: impl FnOnce(&mut Replica) -> Option<Journal>,
    ) -> Result<(), StoreError> {
        self.change(|r| ((), plan(r))).await
    }

    /// The analysis follows the book as it is now (after a local change, or a sync run).
    pub fn settle(&self) {
        // A run that changed nothing recomputes nothing.
        let rev = self.book_rev.get_untracked();
        if self.settled_rev.get_value() != rev {
            self.settled_rev.set_value(rev);
            self.work_out_today();
        }
    }

    /// Works out the day's analysis and follow-ups in the background, a part at a time after
    /// what is showing now has painted (so opening Today only draws them); a newer call
    /// supersedes a running one.
    fn work_out_today(&self) {
        let app = *self;
        let job = self.today_job.get_value() + 1;
        self.today_job.set_value(job);
        spawn_local(async move {
            // The shop's calendar day, in the shop's time zone.
            if let Some(zone) = app
                .insights
                .with_untracked(|v| v.as_ref().map(|v| v.team().shop.time_zone.clone()))
            {
                crate::platform::set_time_zone(&zone);
                let now = crate::platform::today();
                if app.day.get_untracked() != now {
                    app.day.set(now);
                }
            }
            let mut work = TodayWork::new(app.day.get_untracked(), app.staff());
            loop {
                yield_now().await;
                if app.today_job.get_value() != job {
                    return;
                }
                if let Some(analysis) = work.needs_outlook() {
                    let (customers, inputs) = (analysis.segments.len(), Inputs::of(analysis));
                    let figures = crate::model::figures(&inputs).await;
                    work.give_outlook(Outlook::new(customers, &inputs, figures));
                    continue;
                }
                let done = app
                    .insights
                    .with_untracked(|v| v.as_ref().map(|v| work.step(v)));
                match done {
                    None => return,
                    Some(true) => break,
                    Some(false) => {}
                }
            }
            app.today.set(work.finish().map(Arc::new));
            mark("huike:today-worked-out");
        });
    }

    /// Saves a change made on this screen: stored, shown, then synced after a quiet moment.
    pub async fn save_local(
        &self,
        plan: impl FnOnce(&mut Replica) -> Option<Journal>,
    ) -> Result<(), StoreError> {
        self.save(plan).await?;
        self.settle();
        self.local_changes.update(|n| *n += 1);
        Ok(())
    }

    /// Appends an entry (a purchase, visit, contact…) made on this device under `id` (keep one
    /// id per form, so saving again cannot add it twice), durably, then schedules a sync.
    pub async fn append(&self, id: Id, entry: Entry) -> Result<(), StoreError> {
        self.save_local(|r| r.plan_append(crate::platform::now_ms(), id, &entry))
            .await
    }

    /// A fresh id for a record or entry made on this device.
    pub fn new_id(&self) -> Id {
        let mut id = None;
        self.replica.update_untracked(|r| {
            id = r.as_mut().map(|r| r.new_id(crate::platform::now_ms()));
        });
        id.unwrap_or_else(crate::platform::new_id)
    }

    /// The sync server's base URL once it is known (after `/config.json` is read at start,
    /// or has had 10 s to be).
    pub async fn server_url(&self) -> String {
        for _ in 0..200 {
            if self.server_known.get_untracked() {
                break;
            }
            gloo_timers::future::TimeoutFuture::new(50).await;
        }
        self.server.get_untracked()
    }

    /// The device id as the staff member recorded on entries.
    pub fn staff(&self) -> Option<Id> {
        self.session.with_untracked(|s| {
            s.as_ref()
                .and_then(|s| Id::parse(&s.credentials.device_id).ok())
        })
    }

    /// Folds the journal into a new snapshot in the background (once at a time).
    fn compact(&self, db: Rc<Store>) {
        if self.compacting.get_value() {
            return;
        }
        self.compacting.set_value(true);
        let app = *self;
        spawn_local(async move {
            let lock = app.writes.get_value();
            // The journal's end, the outbox and the sync state at one moment (nothing is half
            // stored while the lock is held): the snapshot stands for that moment, and every
            // record stored after it is replayed over it on the next start.
            let (start, outbox, sync) = {
                let _held = lock.lock().await;
                let (ops, sync) = app
                    .replica
                    .with_untracked(|r| r.as_ref().map(|r| (r.outbox().len(), r.sync().clone())))
                    .unwrap_or_default();
                // Nothing changes the outbox while the lock is held: it is encoded a slice at
                // a time (after an import it holds a few hundred thousand ops).
                let mut outbox = OpsWriter::new(ops);
                let mut done = 0;
                while done < ops {
                    let end = (done + OUTBOX_STEP).min(ops);
                    let written = app.replica.with_untracked(|r| {
                        let slice = r.as_ref().and_then(|r| r.outbox().get(done..end));
                        slice.map(|ops| outbox.write(ops)).is_some()
                    });
                    if !written {
                        app.compacting.set_value(false);
                        return;
                    }
                    done = end;
                    yield_now().await;
                }
                (db.journal_end(), outbox.finish(), sync)
            };
            let result = async {
                let Some(parts) = write_parts(app.replica).await else {
                    return Ok(());
                };
                // The views as they are now, a slice at a time: they hold everything the parts
                // hold (and maybe more, which the journal replays to no effect). The ledger and
                // the list are written a slice at a time (a 200,000-purchase ledger at once was
                // a long task): nothing changes them while the lock is held.
                let views = {
                    let _held = lock.lock().await;
                    write_views(app.insights).await
                };
                db.install(&parts, views.as_deref(), &outbox, &sync, start)
                    .await
            }
            .await;
            match result {
                Ok(()) => mark("huike:compacted"),
                Err(e) => leptos::logging::warn!("compaction failed (the journal is kept): {e}"),
            }
            app.compacting.set_value(false);
        });
    }
}

/// The book of a snapshot record (a new device's download), read a step at a time before the
/// record is committed (the rest of a commit is quick).
async fn read_merged(record: &Journal) -> Option<Book> {
    let Journal::Merged { parts, .. } = record else {
        return None;
    };
    let book = read_snapshot(parts).await;
    mark("huike:snapshot-read");
    book
}

/// A book's views, read a slice at a time: `with_book` runs a step on the book.
async fn read_views(with_book: impl Fn(&dyn Fn(&Book) -> bool) -> bool) -> Insights {
    let reader = std::cell::RefCell::new(None::<InsightsReader>);
    loop {
        let done = with_book(&|book| {
            let mut reader = reader.borrow_mut();
            reader
                .get_or_insert_with(|| InsightsReader::new(book))
                .step(book, 2_000)
        });
        if done {
            break;
        }
        yield_now().await;
    }
    reader
        .into_inner()
        .map(InsightsReader::finish)
        .unwrap_or_default()
}

/// An image of the views, written a part at a time (None without views).
async fn write_views(insights: RwSignal<Option<Insights>, LocalStorage>) -> Option<Vec<u8>> {
    let mut writer = ImageWriter::new();
    loop {
        let done = insights
            .try_update_untracked(|v| v.as_mut().map(|v| writer.step(v)))
            .flatten()?;
        if done {
            return Some(writer.finish());
        }
        yield_now().await;
    }
}

/// The replica's book as snapshot parts, written a slice at a time.
async fn write_parts(replica: RwSignal<Option<Replica>, LocalStorage>) -> Option<Vec<Vec<u8>>> {
    let mut writer = crate::store::snapshot_writer();
    loop {
        let done =
            replica.with_untracked(|r| r.as_ref().map(|r| writer.step(r.book(), STEP_ROWS)))?;
        if done {
            return Some(writer.finish());
        }
        yield_now().await;
    }
}

/// The app state from context.
pub fn use_app() -> AppState {
    expect_context::<AppState>()
}
