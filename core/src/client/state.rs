//! A device's sync position and the batch it is sending: a pure state machine the app
//! persists (through the replica's journal) after every step.

use crate::codec::DecodeError;
use crate::codec::ops::{decode_payload, encode_payload};
use crate::hlc::Hlc;
use crate::op::{ForeignOp, Op};
use crate::sync::{Cursor, MAX_BATCH_OPS, PushBatch, StoredBatch};
use serde::{Deserialize, Serialize};

/// A device's sync position and its batch awaiting acknowledgement. The app persists it
/// together with the outbox; every method is pure.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// The `seq` the next new batch gets.
    pub next_seq: u64,
    /// A batch sent (or about to be) and not yet acknowledged, with the stamps it covers.
    /// It is resent byte for byte until acknowledged, so a retry is idempotent.
    pub in_flight: Option<InFlight>,
    /// What has been applied from other devices.
    pub cursor: Cursor,
    /// The device has caught up with the shop at least once (pulled to the end, or merged the
    /// shop's snapshot). Until then a sync starts from the snapshot, if the shop has one.
    #[serde(default)]
    pub caught_up: bool,
}

/// A formed batch and the outbox ops it carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlight {
    /// The batch.
    pub batch: PushBatch,
    /// How many ops from the front of the outbox it carries.
    pub count: usize,
}

impl SyncState {
    /// A device that has pushed nothing yet.
    pub fn new() -> Self {
        SyncState {
            next_seq: 1,
            in_flight: None,
            cursor: Cursor::new(),
            caught_up: false,
        }
    }

    /// The batch to push now: the unacknowledged one if any, else a new one made of the first
    /// ops of `outbox` (oldest first). `None` when there is nothing to push.
    pub fn next_batch(&mut self, me: &str, outbox: &[Op]) -> Option<PushBatch> {
        if self.in_flight.is_none() && !outbox.is_empty() {
            let take = outbox.len().min(MAX_BATCH_OPS);
            let ops = &outbox[..take];
            let batch = PushBatch {
                seq: self.next_seq.max(1),
                ops: take as u32,
                payload: encode_payload(ops),
                privileged: crate::privilege::needed(ops, me),
            };
            self.in_flight = Some(InFlight { batch, count: take });
        }
        self.in_flight.as_ref().map(|f| f.batch.clone())
    }

    /// The state as bytes (stored in the device's log and snapshot).
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads what [`SyncState::to_bytes`] wrote.
    pub fn from_bytes(bytes: &[u8]) -> Result<SyncState, DecodeError> {
        serde_json::from_slice(bytes).map_err(|e| DecodeError::message(format!("sync state: {e}")))
    }

    /// The server stored batch `seq`. Returns how many ops to drop from the front of the
    /// outbox (0 if `seq` is not the batch in flight).
    pub fn acknowledged(&mut self, seq: u64) -> usize {
        match &self.in_flight {
            Some(f) if f.batch.seq == seq => {
                let n = f.count;
                self.in_flight = None;
                self.next_seq = seq + 1;
                n
            }
            _ => 0,
        }
    }

    /// Takes pulled batches and returns the ops to apply, advancing the cursor only over
    /// contiguous batches of other devices (a gap waits for the next pull; own batches and
    /// ones already applied are skipped). A batch whose payload this version cannot read at
    /// all (a newer format) is kept whole as one foreign op ([`unreadable_batch`]), so the
    /// pull goes on and nothing is dropped. Owner-only changes in a batch of a device
    /// `is_clerk` names are dropped (the server refuses those it is told about; this catches a
    /// client that declared nothing).
    pub fn receive(
        &mut self,
        me: &str,
        batches: &[StoredBatch],
        is_clerk: &dyn Fn(&str) -> bool,
    ) -> Vec<Op> {
        let mut ops = Vec::new();
        for b in batches {
            if b.device == me {
                continue;
            }
            let last = self.cursor.get(&b.device).copied().unwrap_or(0);
            if b.seq != last + 1 {
                continue;
            }
            match decode_payload(&b.payload) {
                Ok(decoded) if is_clerk(&b.device) => ops.extend(
                    decoded
                        .into_iter()
                        .filter(|op| crate::privilege::of(op, &b.device).is_none()),
                ),
                Ok(decoded) => ops.extend(decoded),
                Err(_) => ops.push(unreadable_batch(b)),
            }
            self.cursor.insert(b.device.clone(), b.seq);
        }
        ops
    }
}

/// The kind byte of a foreign op that holds a whole batch this version could not read.
pub const UNREADABLE_BATCH: u8 = 0xff;

/// A batch this version cannot read, as a foreign op: kind [`UNREADABLE_BATCH`], a stamp unique
/// to the batch (time 0, counter = its seq, node of its device), then its device, seq and
/// payload. A later version that can read the payload finds it here (and in snapshots).
pub fn unreadable_batch(b: &StoredBatch) -> Op {
    use crate::codec::bytes::Writer;
    let at = Hlc {
        ms: 0,
        c: u32::try_from(b.seq).unwrap_or(u32::MAX),
        n: crate::auth::node_id(&b.device),
    };
    let mut w = Writer::new();
    w.u8(UNREADABLE_BATCH);
    crate::codec::ops::encode_stamp(&mut w, at);
    w.bytes(b.device.as_bytes());
    w.varint(b.seq);
    w.bytes(b.payload.as_bytes());
    Op::Foreign(ForeignOp {
        at,
        bytes: w.into_bytes(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::Id;
    use crate::op::RecordKind;

    fn op(n: u64) -> Op {
        Op::Set {
            at: Hlc { ms: n, c: 0, n: 1 },
            kind: RecordKind::Customer,
            id: Id::parse("c1").unwrap(),
            field: "name".into(),
            value: serde_json::json!(format!("v{n}")),
        }
    }

    #[test]
    fn a_batch_is_resent_identically_until_acknowledged() {
        let mut s = SyncState::new();
        let outbox: Vec<Op> = (1..=3).map(op).collect();
        let first = s.next_batch("me", &outbox).unwrap();
        assert_eq!(first.seq, 1);
        assert_eq!(first.ops, 3);
        // More ops arrive, but the retry carries exactly the same batch.
        let more: Vec<Op> = (1..=5).map(op).collect();
        assert_eq!(s.next_batch("me", &more), Some(first.clone()));
        assert_eq!(s.acknowledged(7), 0, "not the batch in flight");
        assert_eq!(s.acknowledged(1), 3);
        let second = s.next_batch("me", &more[3..]).unwrap();
        assert_eq!((second.seq, second.ops), (2, 2));
        assert_eq!(decode_payload(&second.payload).unwrap(), more[3..].to_vec());
    }

    #[test]
    fn batches_are_capped_at_the_limit() {
        let mut s = SyncState::new();
        let outbox: Vec<Op> = (1..=(MAX_BATCH_OPS as u64 + 5)).map(op).collect();
        assert_eq!(
            s.next_batch("me", &outbox).unwrap().ops as usize,
            MAX_BATCH_OPS
        );
        assert_eq!(
            s.next_batch("me", &[]).unwrap().ops as usize,
            MAX_BATCH_OPS,
            "in flight survives"
        );
        assert!(SyncState::new().next_batch("me", &[]).is_none());
    }

    #[test]
    fn receive_applies_only_contiguous_batches_of_others() {
        let mut s = SyncState::new();
        let b = |device: &str, seq: u64| StoredBatch {
            device: device.into(),
            seq,
            ops: 1,
            payload: encode_payload(&[op(seq)]),
        };
        let ops = s.receive(
            "me",
            &[
                b("me", 1),
                b("a", 1),
                b("a", 3),
                b("b", 1),
                b("b", 2),
                b("a", 1),
            ],
            &|_| false,
        );
        assert_eq!(
            ops.len(),
            3,
            "a1, b1, b2; a3 waits for a2; a1 again is skipped"
        );
        assert_eq!(s.cursor.get("a"), Some(&1));
        assert_eq!(s.cursor.get("b"), Some(&2));
        assert!(!s.cursor.contains_key("me"));
        let newer = StoredBatch {
            device: "c".into(),
            seq: 1,
            ops: 1,
            payload: "hk7.from-a-later-version".into(),
        };
        let kept = s.receive("me", std::slice::from_ref(&newer), &|_| false);
        assert_eq!(
            s.cursor.get("c"),
            Some(&1),
            "an unreadable batch does not stop the pull"
        );
        assert_eq!(kept, vec![unreadable_batch(&newer)]);
        let Op::Foreign(f) = &kept[0] else { panic!() };
        assert!(
            f.bytes
                .windows(newer.payload.len())
                .any(|w| w == newer.payload.as_bytes())
        );
    }
}
