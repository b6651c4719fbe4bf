//! One device's copy of the shop: the merged [`Book`], the device's clock, its outbox of ops
//! the server has not acknowledged, and its sync position. Every method is pure and returns a
//! [`Delta`] naming exactly what changed, so the app persists just that (in one transaction)
//! before telling the user "saved".

use crate::domain::Entry;
use crate::hlc::Clock;
use crate::id::Id;
use crate::op::{Book, Change, Op, RecordKind, diff, to_object};
use crate::sync::{PushBatch, StoredBatch, SyncState};
use serde::Serialize;
use std::collections::BTreeSet;

/// A device's replica of the shop.
#[derive(Clone, Debug)]
pub struct Replica {
    /// This device's id (its stream on the server).
    pub device: String,
    /// The merged book.
    pub book: Book,
    /// Ops made here and not yet acknowledged by the server, oldest first.
    pub outbox: Vec<Op>,
    /// Sync position and the batch in flight.
    pub sync: SyncState,
    clock: Clock,
}

/// What a change touched, for the app to persist.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Delta {
    /// Records whose state changed.
    pub records: BTreeSet<(RecordKind, Id)>,
    /// Entries added or replaced.
    pub entries: BTreeSet<Id>,
    /// Those of `entries` that replaced an earlier entry under the same id.
    pub replaced: BTreeSet<Id>,
    /// Ops added to the end of the outbox.
    pub outbox_added: Vec<Op>,
    /// Ops removed from the front of the outbox (acknowledged by the server).
    pub outbox_removed: Vec<Op>,
    /// The sync state changed.
    pub sync_changed: bool,
}

impl Delta {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
            && self.entries.is_empty()
            && self.outbox_added.is_empty()
            && self.outbox_removed.is_empty()
            && !self.sync_changed
    }

    /// Adds `later` to this delta, as if both had happened in one (for retrying a failed save).
    pub fn absorb(&mut self, later: Delta) {
        self.records.extend(later.records);
        self.entries.extend(later.entries);
        self.replaced.extend(later.replaced);
        self.outbox_added.extend(later.outbox_added);
        self.outbox_removed.extend(later.outbox_removed);
        self.sync_changed |= later.sync_changed;
    }

    fn note(&mut self, change: Change) {
        match change {
            Change::None => {}
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

/// The key an outbox op is stored under: its stamp, so keys sort oldest first.
pub fn outbox_key(op: &Op) -> String {
    let at = op.at();
    format!("{:016x}{:08x}", at.ms, at.c)
}

impl Replica {
    /// A replica restored from what the device stored.
    pub fn restore(device: String, book: Book, mut outbox: Vec<Op>, sync: SyncState) -> Self {
        outbox.sort_by_key(Op::at);
        let mut clock = Clock::new(crate::auth::node_id(&device));
        clock.observe(book.latest_stamp());
        Replica {
            device,
            book,
            outbox,
            sync,
            clock,
        }
    }

    /// A new, empty replica for `device`.
    pub fn new(device: String) -> Self {
        Replica::restore(device, Book::new(), Vec::new(), SyncState::new())
    }

    /// Applies ops made on this device and queues them for the server.
    pub fn local(&mut self, ops: Vec<Op>) -> Delta {
        let mut delta = Delta::default();
        for op in ops {
            self.clock.observe(op.at());
            delta.note(self.book.apply(&op));
            self.outbox.push(op.clone());
            delta.outbox_added.push(op);
        }
        delta
    }

    /// Writes a record: one op per field that differs between `before` (None for a new record)
    /// and `after`. `sets` names the set-valued fields (e.g. [`crate::domain::Customer::SET_FIELDS`]).
    pub fn edit<T: Serialize>(
        &mut self,
        now_ms: u64,
        kind: RecordKind,
        id: &Id,
        before: Option<&T>,
        after: &T,
        sets: &[&str],
    ) -> Delta {
        let before = before.map(to_object).unwrap_or_default();
        let ops = diff(
            &mut self.clock,
            now_ms,
            kind,
            id,
            &before,
            &to_object(after),
            sets,
        );
        self.local(ops)
    }

    /// Appends an immutable entry under `id` (reusing an id makes a retry idempotent).
    pub fn append(&mut self, now_ms: u64, id: Id, entry: Entry) -> Delta {
        let at = self.clock.tick(now_ms);
        self.local(vec![Op::Append { at, id, entry }])
    }

    /// Deletes a record.
    pub fn delete(&mut self, now_ms: u64, kind: RecordKind, id: Id) -> Delta {
        let at = self.clock.tick(now_ms);
        self.local(vec![Op::Delete { at, kind, id }])
    }

    /// The batch to push now, if any (the unacknowledged one is resent unchanged).
    pub fn next_batch(&mut self) -> (Option<PushBatch>, Delta) {
        let before = self.sync.clone();
        let batch = self.sync.next_batch(&self.outbox);
        let delta = Delta {
            sync_changed: before != self.sync,
            ..Delta::default()
        };
        (batch, delta)
    }

    /// The server stored batch `seq`: drops its ops from the outbox.
    pub fn acknowledged(&mut self, seq: u64) -> Delta {
        let n = self.sync.acknowledged(seq).min(self.outbox.len());
        if n == 0 {
            return Delta::default();
        }
        let removed: Vec<Op> = self.outbox.drain(..n).collect();
        Delta {
            outbox_removed: removed,
            sync_changed: true,
            ..Delta::default()
        }
    }

    /// Applies batches pulled from the server (other devices' streams, contiguous only).
    pub fn receive(&mut self, batches: &[StoredBatch]) -> Result<Delta, serde_json::Error> {
        let before = self.sync.cursor.clone();
        let mut sync = self.sync.clone();
        let ops = sync.receive(&self.device, batches)?;
        self.sync = sync;
        let mut delta = Delta {
            sync_changed: before != self.sync.cursor,
            ..Delta::default()
        };
        for op in &ops {
            self.clock.observe(op.at());
            delta.note(self.book.apply(op));
        }
        Ok(delta)
    }

    /// Ops waiting for the server.
    pub fn pending(&self) -> usize {
        self.outbox.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let id = Id::parse("c1").unwrap();
        let zs = customer("张三", "13800138000");
        let d = phone.edit(
            1_000,
            RecordKind::Customer,
            &id,
            None,
            &zs,
            Customer::SET_FIELDS,
        );
        assert!(d.records.contains(&(RecordKind::Customer, id.clone())));
        assert_eq!(
            d.outbox_added.len(),
            2,
            "name and phones; blank defaults are not written"
        );
        let (batch, d) = phone.next_batch();
        let batch = batch.unwrap();
        assert!(d.sync_changed);
        let stored = StoredBatch {
            device: "phone".into(),
            seq: batch.seq,
            ops: batch.ops,
            payload: batch.payload,
        };
        let got = tablet.receive(std::slice::from_ref(&stored)).unwrap();
        assert_eq!(got.records.len(), 1);
        assert_eq!(
            tablet.book.get::<Customer>(RecordKind::Customer, &id),
            Some(zs)
        );
        assert!(
            tablet.receive(&[stored]).unwrap().records.is_empty(),
            "a batch applies once"
        );
        assert_eq!(phone.pending(), 2);
        let acked = phone.acknowledged(1);
        assert_eq!(acked.outbox_removed.len(), 2);
        assert_eq!(phone.pending(), 0);
        assert!(phone.next_batch().0.is_none());
    }

    #[test]
    fn a_restored_replica_stamps_after_everything_it_stored() {
        let mut a = Replica::new("a".into());
        let id = Id::parse("c1").unwrap();
        a.edit(
            5_000,
            RecordKind::Customer,
            &id,
            None,
            &customer("李四", "13900000000"),
            &[],
        );
        let mut again =
            Replica::restore("a".into(), a.book.clone(), a.outbox.clone(), a.sync.clone());
        let before = customer("李四", "13900000000");
        let mut after = before.clone();
        after.notes = "wall clock went back".into();
        let d = again.edit(10, RecordKind::Customer, &id, Some(&before), &after, &[]);
        assert!(d.outbox_added[0].at() > a.book.latest_stamp());
        assert_eq!(
            again.book.get::<Customer>(RecordKind::Customer, &id),
            Some(after)
        );
    }
}
