//! One device's copy of the shop: the merged [`Book`], the device's clock, its outbox of ops
//! the server has not acknowledged, and its sync position.
//!
//! Every change is a [`Journal`] record: planned first (`plan_*`, which changes nothing but the
//! clock), stored in the device's log, and only then applied ([`Replica::commit`]) — so a
//! change the device could not store is never shown as made, and the stored replica is always
//! the one in memory. On the next start the log is committed again over the last stored
//! snapshot. The fields are private: there is no other way to change the replica. (The
//! unplanned methods — [`Replica::edit`], [`Replica::receive`], … — commit at once and return the
//! record to store, for tools and tests.)

use crate::book::Book;
use crate::client::state::SyncState;
use crate::codec::DecodeError;
use crate::codec::bytes::{Reader, Writer};
use crate::codec::ops::{decode_ops, encode_ops};
use crate::codec::snapshot::SnapshotReader;
use crate::domain::{Entry, Record};
use crate::hlc::Clock;
use crate::id::Id;
use crate::op::{Change, Op, RecordKind, diff, to_object};
use crate::sync::{Cursor, PushBatch, StoredBatch};
use std::collections::{BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::OnceLock;

/// A device's replica of the shop.
#[derive(Clone, Debug)]
pub struct Replica {
    device: String,
    book: Book,
    outbox: Vec<Op>,
    /// How many of the outbox's ops change each record or entry (by [`touched`]), for
    /// [`Replica::pending_changes`]: made the first time it is asked for, then kept as the
    /// outbox changes (counting an import's 350,000 ops again after each of its chunks was a
    /// long task).
    tally: OnceLock<HashMap<u64, u32>>,
    sync: SyncState,
    clock: Clock,
}

/// What an op changes, for counting changes as a person does: the record (its kind and id)
/// or the entry — as a 64-bit hash (two of an outbox's few hundred thousand sharing one is
/// about as likely as one in a billion, and would only make the count one less).
fn touched(op: &Op) -> u64 {
    let mut hash = DefaultHasher::new();
    match op {
        Op::Set { kind, id, .. } | Op::Delete { kind, id, .. } | Op::Erase { kind, id, .. } => {
            (kind.code(), id.as_str()).hash(&mut hash)
        }
        Op::Append { id, .. } => (u8::MAX, id.as_str()).hash(&mut hash),
        Op::Foreign(_) => (u8::MAX - 1, "").hash(&mut hash),
    }
    hash.finish()
}

/// `ops` counted into `tally` (`add`), or out of it.
fn count<'a>(tally: &mut HashMap<u64, u32>, ops: impl IntoIterator<Item = &'a Op>, add: bool) {
    for op in ops {
        let key = touched(op);
        if add {
            *tally.entry(key).or_insert(0) += 1;
        } else if let Some(n) = tally.get_mut(&key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                tally.remove(&key);
            }
        }
    }
}

/// One replayable step of a replica's history: what the device stores in its log.
#[derive(Clone, Debug, PartialEq)]
pub enum Journal {
    /// Ops made on this device: applied, and queued for the server.
    Local(Vec<Op>),
    /// Ops received from other devices (applied), and the sync state after receiving them.
    Received {
        /// The ops applied.
        ops: Vec<Op>,
        /// The sync state after.
        sync: SyncState,
    },
    /// The sync state changed: a batch was formed, or the server acknowledged one and its
    /// `acked` ops left the front of the outbox.
    Sync {
        /// The sync state after.
        sync: SyncState,
        /// Ops dropped from the front of the outbox.
        acked: usize,
    },
    /// The shop's snapshot (its compressed parts, [`crate::codec::snapshot`]) merged into the
    /// book, and the streams it covers marked applied: how a new device starts, and how one
    /// that was away longer than the server keeps batches catches up.
    Merged {
        /// The snapshot's parts.
        parts: Vec<Vec<u8>>,
        /// The batches it covers.
        cursor: Cursor,
    },
}

const LOCAL: u8 = 0;
const RECEIVED: u8 = 1;
const SYNC: u8 = 2;
const MERGED: u8 = 3;

impl Journal {
    /// The ops the record applies (none for a sync state change).
    pub fn into_ops(self) -> Vec<Op> {
        match self {
            Journal::Local(ops) | Journal::Received { ops, .. } => ops,
            Journal::Sync { .. } | Journal::Merged { .. } => Vec::new(),
        }
    }

    /// The record as bytes (the device's log stores these).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        match self {
            Journal::Local(ops) => {
                w.u8(LOCAL);
                w.raw(&encode_ops(ops));
            }
            Journal::Received { ops, sync } => {
                w.u8(RECEIVED);
                w.bytes(&sync.to_bytes());
                w.raw(&encode_ops(ops));
            }
            Journal::Sync { sync, acked } => {
                w.u8(SYNC);
                w.bytes(&sync.to_bytes());
                w.len_prefix(*acked);
            }
            Journal::Merged { parts, cursor } => {
                w.u8(MERGED);
                w.bytes(&serde_json::to_vec(cursor).unwrap_or_default());
                w.len_prefix(parts.len());
                for part in parts {
                    w.bytes(part);
                }
            }
        }
        w.into_bytes()
    }

    /// Reads a record written by [`Journal::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Journal, DecodeError> {
        let mut r = Reader::new(bytes);
        let kind = r.u8()?;
        Ok(match kind {
            LOCAL => Journal::Local(decode_ops(&bytes[r.position()..])?),
            RECEIVED => {
                let sync = SyncState::from_bytes(r.bytes()?)?;
                Journal::Received {
                    ops: decode_ops(&bytes[r.position()..])?,
                    sync,
                }
            }
            SYNC => {
                let sync = SyncState::from_bytes(r.bytes()?)?;
                let acked = r.varint()? as usize;
                Journal::Sync { sync, acked }
            }
            MERGED => {
                let cursor = serde_json::from_slice(r.bytes()?)
                    .map_err(|e| DecodeError::message(format!("merged cursor: {e}")))?;
                let parts = (0..r.len_prefix()?)
                    .map(|_| r.bytes().map(<[u8]>::to_vec))
                    .collect::<Result<_, _>>()?;
                Journal::Merged { parts, cursor }
            }
            _ => return Err(r.error("unknown journal record")),
        })
    }
}

/// What a change touched: for the views kept beside the book, and the journal to store.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Delta {
    /// Records whose state changed.
    pub records: BTreeSet<(RecordKind, Id)>,
    /// Entries added or replaced.
    pub entries: BTreeSet<Id>,
    /// Those of `entries` that replaced an earlier entry under the same id.
    pub replaced: BTreeSet<Id>,
    /// The book was replaced as a whole (by a larger snapshot merged with it, as on a new
    /// device): views kept beside it must be read from it again rather than follow `records`
    /// and `entries`.
    pub rebuilt: bool,
    /// The records to append to the device's log, in order (empty: nothing to store).
    pub journal: Vec<Journal>,
}

impl Delta {
    /// True when there is nothing to store.
    pub fn is_empty(&self) -> bool {
        self.journal.is_empty()
    }

    /// True when the book changed (records or entries).
    pub fn changed_book(&self) -> bool {
        self.rebuilt || !self.records.is_empty() || !self.entries.is_empty()
    }

    /// Adds `later` to this delta, as if both had happened in one.
    pub fn absorb(&mut self, later: Delta) {
        self.records.extend(later.records);
        self.entries.extend(later.entries);
        self.replaced.extend(later.replaced);
        self.rebuilt |= later.rebuilt;
        self.journal.extend(later.journal);
    }

    fn note(&mut self, change: Change) {
        match change {
            Change::None | Change::Foreign => {}
            Change::Record(kind, id) => {
                self.records.insert((kind, id));
            }
            Change::Entry(id) => {
                self.entries.insert(id);
            }
            Change::EntryReplaced(id) => {
                self.entries.insert(id.clone());
                self.replaced.insert(id);
            }
        }
    }
}

impl Replica {
    /// A replica restored from what the device stored (its last snapshot, before the log).
    pub fn restore(device: String, book: Book, outbox: Vec<Op>, sync: SyncState) -> Self {
        let mut clock = Clock::new(crate::auth::node_id(&device));
        clock.observe(book.latest_stamp());
        for op in &outbox {
            clock.observe(op.at());
        }
        Replica {
            device,
            book,
            outbox,
            tally: OnceLock::new(),
            sync,
            clock,
        }
    }

    /// A new, empty replica for `device`.
    pub fn new(device: String) -> Self {
        Replica::restore(device, Book::new(), Vec::new(), SyncState::new())
    }

    /// This device's id (its stream on the server).
    pub fn device(&self) -> &str {
        &self.device
    }

    /// The merged book.
    pub fn book(&self) -> &Book {
        &self.book
    }

    /// Ops made here and not yet acknowledged by the server, oldest first.
    pub fn outbox(&self) -> &[Op] {
        &self.outbox
    }

    /// Sync position and the batch in flight.
    pub fn sync(&self) -> &SyncState {
        &self.sync
    }

    /// Ops waiting for the server.
    pub fn pending(&self) -> usize {
        self.outbox.len()
    }

    /// Changes waiting for the server as a person counts them: each record or entry changed
    /// here once, however many of its fields changed.
    pub fn pending_changes(&self) -> usize {
        self.tally
            .get_or_init(|| {
                let mut tally = HashMap::new();
                count(&mut tally, &self.outbox, true);
                tally
            })
            .len()
    }

    /// Has this device caught up with the shop at least once?
    pub fn caught_up(&self) -> bool {
        self.sync.caught_up
    }

    /// Marks the device caught up (it pulled to the end): from now on a sync pulls instead of
    /// starting from the shop's snapshot.
    pub fn plan_caught_up(&self) -> Option<Journal> {
        (!self.sync.caught_up).then(|| Journal::Sync {
            sync: SyncState {
                caught_up: true,
                ..self.sync.clone()
            },
            acked: 0,
        })
    }

    /// A fresh id for a new record or entry made on this device (see [`Id::from_stamp`]).
    pub fn new_id(&mut self, now_ms: u64) -> Id {
        Id::from_stamp(self.clock.tick(now_ms))
    }

    /// Applies a journal record: one planned by a `plan_*` method once it is stored, or one
    /// read back from the device's log on start. Returns what changed in the book.
    pub fn commit(&mut self, record: &Journal) -> Delta {
        let snapshot = match record {
            Journal::Merged { parts, .. } => {
                SnapshotReader::read_all(parts.iter().map(Vec::as_slice)).ok()
            }
            _ => None,
        };
        self.commit_read(record, snapshot)
    }

    /// [`Replica::commit`] for a caller that has read a [`Journal::Merged`] record's parts
    /// itself, a step at a time with [`SnapshotReader`] (`None`: they could not be read); for
    /// other records `snapshot` is ignored.
    pub fn commit_read(&mut self, record: &Journal, snapshot: Option<Book>) -> Delta {
        match record {
            Journal::Local(ops) => {
                let delta = self.apply_all(ops);
                if let Some(tally) = self.tally.get_mut() {
                    count(tally, ops, true);
                }
                self.outbox.extend(ops.iter().cloned());
                delta
            }
            Journal::Received { ops, sync } => {
                self.sync = sync.clone();
                self.apply_all(ops)
            }
            Journal::Sync { sync, acked } => {
                self.sync = sync.clone();
                let n = (*acked).min(self.outbox.len());
                if let Some(tally) = self.tally.get_mut() {
                    count(tally, &self.outbox[..n], false);
                }
                self.outbox.drain(..n);
                Delta::default()
            }
            Journal::Merged { cursor, .. } => {
                // A snapshot that cannot be read (damaged, or of a newer format) merges
                // nothing and moves no cursor: the streams are pulled instead.
                let Some(snapshot) = snapshot else {
                    return Delta::default();
                };
                for (device, seq) in cursor {
                    if *device != self.device {
                        let mine = self.sync.cursor.entry(device.clone()).or_insert(0);
                        *mine = (*mine).max(*seq);
                    }
                }
                self.clock.observe(snapshot.latest_stamp());
                // Merging is a join (the same book either way round), so the smaller book is
                // merged into the larger: a new device's first changes into the shop's
                // snapshot, not a whole shop into them a record at a time.
                if self.book.size() <= snapshot.size() {
                    let mine = std::mem::replace(&mut self.book, snapshot);
                    self.book.merge(&mine);
                    return Delta {
                        rebuilt: true,
                        ..Delta::default()
                    };
                }
                let mut delta = Delta::default();
                for change in self.book.merge(&snapshot) {
                    delta.note(change);
                }
                delta
            }
        }
    }

    fn apply_all(&mut self, ops: &[Op]) -> Delta {
        let mut delta = Delta::default();
        for op in ops {
            self.clock.observe(op.at());
            delta.note(self.book.apply(op));
        }
        delta
    }

    /// Commits `record` and returns the delta with it as the journal to store (for callers
    /// that store after applying: tools and tests).
    fn run(&mut self, record: Option<Journal>) -> Delta {
        match record {
            Some(record) => {
                let mut delta = self.commit(&record);
                delta.journal.push(record);
                delta
            }
            None => Delta::default(),
        }
    }

    // ---- planning: what a change would store, without applying it ----

    /// Ops made on this device, to apply and queue for the server.
    pub fn plan_local(&mut self, ops: Vec<Op>) -> Option<Journal> {
        (!ops.is_empty()).then_some(Journal::Local(ops))
    }

    /// The ops of a record edit: one per field that differs between `before` (None for a new
    /// record) and `after` (one per changed member of a set-valued field).
    pub fn plan_edit<T: Record>(
        &mut self,
        now_ms: u64,
        id: &Id,
        before: Option<&T>,
        after: &T,
    ) -> Option<Journal> {
        self.plan_edits(now_ms, [(id, before, after)])
    }

    /// Many record edits as one change (a chunk of an import): the ops of each
    /// `(id, before, after)` as [`Replica::plan_edit`] makes them.
    pub fn plan_edits<'a, T: Record + 'a>(
        &mut self,
        now_ms: u64,
        edits: impl IntoIterator<Item = (&'a Id, Option<&'a T>, &'a T)>,
    ) -> Option<Journal> {
        let mut ops = Vec::new();
        for (id, before, after) in edits {
            let before = before.map(to_object).unwrap_or_default();
            ops.extend(diff(
                &mut self.clock,
                now_ms,
                T::KIND,
                id,
                &before,
                &to_object(after),
                T::SETS,
            ));
        }
        self.plan_local(ops)
    }

    /// An immutable entry under `id` (reusing an id makes a retry idempotent).
    pub fn plan_append(&mut self, now_ms: u64, id: Id, entry: &Entry) -> Option<Journal> {
        self.plan_appends(now_ms, [(id, entry)])
    }

    /// Many entries as one change (a chunk of an import), each under its id.
    pub fn plan_appends<'a>(
        &mut self,
        now_ms: u64,
        entries: impl IntoIterator<Item = (Id, &'a Entry)>,
    ) -> Option<Journal> {
        let ops = entries
            .into_iter()
            .map(|(id, entry)| Op::append(self.clock.tick(now_ms), id, entry))
            .collect();
        self.plan_local(ops)
    }

    /// A record's tombstone.
    pub fn plan_delete(&mut self, now_ms: u64, kind: RecordKind, id: Id) -> Option<Journal> {
        let at = self.clock.tick(now_ms);
        self.plan_local(vec![Op::Delete { at, kind, id }])
    }

    /// Erasing a customer's personal data (see [`Op::Erase`]; owner devices only): their
    /// record and the complaints about them this device knows of.
    pub fn plan_erase(&mut self, now_ms: u64, id: Id) -> Option<Journal> {
        let complaints: Vec<Id> = self
            .book
            .records(RecordKind::Complaint)
            .filter(|(_, s)| {
                s.fields
                    .get("customer")
                    .is_some_and(|r| r.value.as_str() == Some(id.as_str()))
            })
            .map(|(c, _)| c.clone())
            .collect();
        let mut ops = vec![Op::Erase {
            at: self.clock.tick(now_ms),
            kind: RecordKind::Customer,
            id,
        }];
        for c in complaints {
            ops.push(Op::Erase {
                at: self.clock.tick(now_ms),
                kind: RecordKind::Complaint,
                id: c,
            });
        }
        self.plan_local(ops)
    }

    /// The batch to push now, if any (the unacknowledged one is resent unchanged), and the
    /// journal record that forms it when it is new.
    pub fn plan_next_batch(&self) -> (Option<PushBatch>, Option<Journal>) {
        let mut sync = self.sync.clone();
        let batch = sync.next_batch(&self.device, &self.outbox);
        let record = (sync != self.sync).then_some(Journal::Sync { sync, acked: 0 });
        (batch, record)
    }

    /// What the server's acknowledgement of batch `seq` changes (its ops leave the outbox).
    pub fn plan_acknowledged(&self, seq: u64) -> Option<Journal> {
        let mut sync = self.sync.clone();
        let acked = sync.acknowledged(seq).min(self.outbox.len());
        (acked > 0).then_some(Journal::Sync { sync, acked })
    }

    /// What batches pulled from the server change (other devices' streams, contiguous only;
    /// owner-only changes from devices `is_clerk` names are left out).
    pub fn plan_receive(
        &self,
        batches: &[StoredBatch],
        is_clerk: &dyn Fn(&str) -> bool,
    ) -> Option<Journal> {
        let mut sync = self.sync.clone();
        let ops = sync.receive(&self.device, batches, is_clerk);
        (sync.cursor != self.sync.cursor).then_some(Journal::Received { ops, sync })
    }

    // ---- planning and committing in one (the journal comes back in the delta) ----

    /// Applies ops made on this device and queues them for the server.
    pub fn local(&mut self, ops: Vec<Op>) -> Delta {
        let record = self.plan_local(ops);
        self.run(record)
    }

    /// Writes a record (see [`Replica::plan_edit`]).
    pub fn edit<T: Record>(
        &mut self,
        now_ms: u64,
        id: &Id,
        before: Option<&T>,
        after: &T,
    ) -> Delta {
        let record = self.plan_edit(now_ms, id, before, after);
        self.run(record)
    }

    /// Appends an immutable entry under `id`.
    pub fn append(&mut self, now_ms: u64, id: Id, entry: &Entry) -> Delta {
        let record = self.plan_append(now_ms, id, entry);
        self.run(record)
    }

    /// Erases a customer's personal data.
    pub fn erase(&mut self, now_ms: u64, id: Id) -> Delta {
        let record = self.plan_erase(now_ms, id);
        self.run(record)
    }

    /// Deletes a record.
    pub fn delete(&mut self, now_ms: u64, kind: RecordKind, id: Id) -> Delta {
        let record = self.plan_delete(now_ms, kind, id);
        self.run(record)
    }

    /// The batch to push now, if any.
    pub fn next_batch(&mut self) -> (Option<PushBatch>, Delta) {
        let (batch, record) = self.plan_next_batch();
        (batch, self.run(record))
    }

    /// The server stored batch `seq`: drops its ops from the outbox.
    pub fn acknowledged(&mut self, seq: u64) -> Delta {
        let record = self.plan_acknowledged(seq);
        self.run(record)
    }

    /// Applies batches pulled from the server (from devices all trusted with every change).
    pub fn receive(&mut self, batches: &[StoredBatch]) -> Delta {
        let record = self.plan_receive(batches, &|_| false);
        self.run(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::snapshot::{Level, SnapshotWriter};
    use crate::domain::Customer;

    fn customer(name: &str, phone: &str) -> Customer {
        Customer {
            name: name.into(),
            phones: vec![phone.into()],
            ..Customer::default()
        }
    }

    #[test]
    fn an_edit_on_one_device_reaches_another_through_batches() {
        let mut phone = Replica::new("phone".into());
        let mut tablet = Replica::new("tablet".into());
        let id = phone.new_id(1_000);
        let zs = customer("张三", "13800138000");
        let d = phone.edit(1_000, &id, None, &zs);
        assert!(d.records.contains(&(RecordKind::Customer, id.clone())));
        assert_eq!(
            phone.pending(),
            2,
            "name and phones; blank defaults are not written"
        );
        let (batch, d) = phone.next_batch();
        let batch = batch.unwrap();
        assert!(!d.is_empty(), "the formed batch is stored");
        let stored = StoredBatch {
            device: "phone".into(),
            seq: batch.seq,
            ops: batch.ops,
            payload: batch.payload,
        };
        let got = tablet.receive(std::slice::from_ref(&stored));
        assert_eq!(got.records.len(), 1);
        assert_eq!(tablet.book().get::<Customer>(&id), Some(zs));
        assert!(tablet.receive(&[stored]).is_empty(), "a batch applies once");
        let acked = phone.acknowledged(1);
        assert!(!acked.is_empty());
        assert_eq!(phone.pending(), 0);
        assert!(phone.next_batch().0.is_none());
    }

    /// Changes waiting, counted the plain way: each record or entry of the outbox once.
    fn counted(r: &Replica) -> usize {
        let mut touched: Vec<(u8, &str)> = r
            .outbox()
            .iter()
            .map(|op| match op {
                Op::Set { kind, id, .. }
                | Op::Delete { kind, id, .. }
                | Op::Erase { kind, id, .. } => (kind.code(), id.as_str()),
                Op::Append { id, .. } => (u8::MAX, id.as_str()),
                Op::Foreign(_) => (u8::MAX - 1, ""),
            })
            .collect();
        touched.sort_unstable();
        touched.dedup();
        touched.len()
    }

    #[test]
    fn pending_changes_follow_the_outbox_as_it_grows_and_batches_leave() {
        let mut phone = Replica::new("phone".into());
        let mut ids = Vec::new();
        for (n, name) in ["张三", "李四", "王五"].into_iter().enumerate() {
            let id = phone.new_id(1_000 + n as u64);
            phone.edit(1_000, &id, None, &customer(name, "13800138000"));
            ids.push(id);
        }
        // Counted once asked, then kept as the outbox changes.
        assert_eq!(phone.pending_changes(), 3);
        let before = customer("张三", "13800138000");
        phone.edit(
            2_000,
            &ids[0],
            Some(&before),
            &customer("张三丰", "13800138000"),
        );
        assert_eq!(phone.pending_changes(), 3, "the same customer again");
        for n in 0..crate::sync::MAX_BATCH_OPS as u64 {
            let entry = Entry::Purchase(crate::domain::Purchase {
                customer: ids[1].clone(),
                at: chrono::DateTime::from_timestamp(1_700_000_000, 0)
                    .unwrap_or_default()
                    .naive_utc(),
                total: crate::domain::Money(100),
                items: Vec::new(),
                staff: None,
                channel: crate::domain::SaleChannel::Store,
                kind: crate::domain::PurchaseKind::Sale,
                corrects: None,
            });
            let id = phone.new_id(3_000 + n);
            let at = phone.clock.tick(3_000 + n);
            phone.local(vec![Op::append(at, id, &entry)]);
        }
        assert_eq!(phone.pending_changes(), counted(&phone));
        assert_eq!(phone.pending_changes(), 3 + crate::sync::MAX_BATCH_OPS);
        // A batch leaves the front: its customers and some entries are no longer waiting.
        let (batch, _) = phone.next_batch();
        phone.acknowledged(batch.unwrap().seq);
        assert!(phone.pending_changes() < 3 + crate::sync::MAX_BATCH_OPS);
        assert_eq!(phone.pending_changes(), counted(&phone));
        let fresh = Replica::restore(
            "phone".into(),
            phone.book().clone(),
            phone.outbox().to_vec(),
            phone.sync().clone(),
        );
        assert_eq!(fresh.pending_changes(), phone.pending_changes());
        while let (Some(batch), _) = phone.next_batch() {
            phone.acknowledged(batch.seq);
        }
        assert_eq!((phone.pending_changes(), counted(&phone)), (0, 0));
    }

    #[test]
    fn a_device_with_its_own_changes_merges_a_larger_snapshot_as_a_whole() {
        // The shop's book: two customers on the tablet.
        let mut tablet = Replica::new("tablet".into());
        for (n, name) in ["张三", "李四"].into_iter().enumerate() {
            let id = tablet.new_id(1_000 + n as u64);
            tablet.edit(1_000 + n as u64, &id, None, &customer(name, "13800138000"));
        }
        let parts = SnapshotWriter::write_all(tablet.book(), Level::Small, 1 << 20);
        let cursor: Cursor = [("tablet".to_owned(), 3)].into();
        // A new phone recorded one customer before its first sync.
        let mut phone = Replica::new("phone".into());
        let mine = phone.new_id(2_000);
        phone.edit(2_000, &mine, None, &customer("王五", "13900000000"));
        let record = Journal::Merged { parts, cursor };
        let mut joined = tablet.book().clone();
        joined.merge(phone.book());
        let d = phone.commit(&record);
        assert!(d.rebuilt, "the views are read anew from the merged book");
        assert_eq!(
            phone.book(),
            &joined,
            "the same join as the other way round"
        );
        assert_eq!(phone.book().records(RecordKind::Customer).count(), 3);
        assert_eq!(
            phone.pending(),
            2,
            "its own change still waits for the server"
        );
        assert_eq!(phone.sync.cursor.get("tablet"), Some(&3));
        // A later, smaller snapshot is merged into the book instead.
        let small = Replica::new("owner".into());
        let parts = SnapshotWriter::write_all(small.book(), Level::Small, 1 << 20);
        let d = phone.commit(&Journal::Merged {
            parts,
            cursor: Cursor::new(),
        });
        assert!(!d.rebuilt);
        assert_eq!(phone.book(), &joined);
    }

    #[test]
    fn replaying_the_journal_over_the_start_gives_the_same_replica() {
        let mut a = Replica::new("a".into());
        let start = a.clone();
        let mut journal = Vec::new();
        let id = a.new_id(5_000);
        journal.extend(
            a.edit(5_000, &id, None, &customer("李四", "13900000000"))
                .journal,
        );
        let (batch, d) = a.next_batch();
        journal.extend(d.journal);
        journal.extend(a.acknowledged(batch.unwrap().seq).journal);
        let entry_id = a.new_id(6_000);
        journal.extend(
            a.append(
                6_000,
                entry_id,
                &Entry::Visit(crate::domain::Visit {
                    customer: id.clone(),
                    on: "2026-01-01".parse().unwrap(),
                    note: String::new(),
                    reason: None,
                    staff: None,
                }),
            )
            .journal,
        );
        let mut again = start;
        for record in &journal {
            let bytes = record.encode();
            let back = Journal::decode(&bytes).unwrap();
            assert_eq!(&back, record);
            again.commit(&back);
        }
        assert_eq!(again.book(), a.book());
        assert_eq!(again.outbox(), a.outbox());
        assert_eq!(again.sync(), a.sync());
        assert_eq!(again.pending(), 1);
    }

    #[test]
    fn a_restored_replica_stamps_after_everything_it_stored() {
        let mut a = Replica::new("a".into());
        let id = Id::parse("c1").unwrap();
        a.edit(5_000, &id, None, &customer("李四", "13900000000"));
        let mut again = Replica::restore(
            "a".into(),
            a.book().clone(),
            a.outbox().to_vec(),
            a.sync().clone(),
        );
        let before = customer("李四", "13900000000");
        let mut after = before.clone();
        after.notes = "wall clock went back".into();
        let d = again.edit(10, &id, Some(&before), &after);
        let Journal::Local(ops) = &d.journal[0] else {
            panic!("a local change")
        };
        assert!(ops[0].at() > a.book().latest_stamp());
        assert_eq!(again.book().get::<Customer>(&id), Some(after));
    }
}
