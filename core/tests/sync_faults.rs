//! Fault tests of sync: devices edit and sync with the app's own sync loop
//! (`client::driver::run`) through the real server logic over `MemoryKv`, while the server's
//! store fails, answers are lost after the server stored a push, and the device's own storage
//! refuses writes. Whatever happens, once the faults stop every device converges, no
//! acknowledged or unacknowledged change is lost, no op is stored twice, and each device's
//! stored journal gives back exactly its replica.
// proptest needs OS randomness, which the browser build does not have; these run natively.
#![cfg(not(target_arch = "wasm32"))]

mod server_support;

use huike_core::client::driver::{self, CallError, Host, Transport};
use huike_core::codec::ops::decode_payload;
use huike_core::codec::snapshot::{Level, SnapshotReader, SnapshotWriter};
use huike_core::domain::{Customer, Entry, Money, Purchase, PurchaseKind, Role, SaleChannel};
use huike_core::id::Id;
use huike_core::op::{Op, RawEntry, RecordKind};
use huike_core::replica::{Journal, Replica};
use huike_core::server::Request;
use huike_core::server::{Config, MemoryKv, Response};
use huike_core::sync::{
    Cursor, PullRequest, PullResponse, PushAck, PushBatch, SnapshotCommit, SnapshotHead,
    StoredBatch,
};
use proptest::prelude::*;
use server_support::{Server, block_on};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

/// What goes wrong during one sync.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Nothing.
    None,
    /// The server's store refuses every operation (503s).
    StoreDown,
    /// The server stores each push but its answer never arrives.
    LostResponse,
    /// The device's storage refuses the second write of the run.
    DiskFull,
}

#[derive(Clone, Debug)]
enum Action {
    Edit {
        device: usize,
        customer: u8,
        notes: u8,
    },
    Sell {
        device: usize,
        customer: u8,
        amount: u16,
    },
    Sync {
        device: usize,
        fault: Fault,
    },
    /// The owner uploads a snapshot of its book, and the server compacts at once (retention
    /// zero): every batch the snapshot covers is deleted.
    Snapshot,
    /// A new clerk's device joins the shop (it starts from the snapshot, if there is one).
    Join,
}

fn action() -> impl Strategy<Value = Action> {
    let fault = prop_oneof![
        Just(Fault::None),
        Just(Fault::StoreDown),
        Just(Fault::LostResponse),
        Just(Fault::DiskFull),
    ];
    prop_oneof![
        3 => (0..3usize, 0u8..4, any::<u8>()).prop_map(|(device, customer, notes)| Action::Edit { device, customer, notes }),
        2 => (0..3usize, 0u8..4, 1u16..5000).prop_map(|(device, customer, amount)| Action::Sell { device, customer, amount }),
        3 => (0..3usize, fault).prop_map(|(device, fault)| Action::Sync { device, fault }),
        1 => Just(Action::Snapshot),
        1 => Just(Action::Join),
    ]
}

/// A device: its replica and what it stored (its journal), as the app keeps them.
struct Device {
    token: String,
    replica: RefCell<Replica>,
    journal: RefCell<Vec<Journal>>,
    /// Writes until the storage fails (`None`: never).
    writes_left: Cell<Option<u32>>,
    made: Vec<Op>,
}

impl Device {
    /// A change made on this device, stored then applied (as the app does).
    fn local(&mut self, record: Option<Journal>) {
        let Some(record) = record else { return };
        self.made.extend(record.clone().into_ops());
        self.journal.get_mut().push(record.clone());
        self.replica.get_mut().commit(&record);
    }
}

impl Host for Device {
    async fn change<R>(
        &self,
        plan: impl FnOnce(&mut Replica) -> (R, Option<Journal>),
    ) -> Result<R, String> {
        let (result, record) = plan(&mut self.replica.borrow_mut());
        if let Some(record) = record {
            match self.writes_left.get() {
                Some(0) => return Err("the device's storage is full".into()),
                Some(n) => self.writes_left.set(Some(n - 1)),
                None => {}
            }
            self.journal.borrow_mut().push(record.clone());
            self.replica.borrow_mut().commit(&record);
        }
        Ok(result)
    }

    fn cursor(&self) -> Cursor {
        self.replica.borrow().sync().cursor.clone()
    }

    fn pending(&self) -> usize {
        self.replica.borrow().pending()
    }

    fn is_clerk(&self, _device: &str) -> bool {
        false
    }

    fn is_new(&self) -> bool {
        !self.replica.borrow().caught_up()
    }
}

/// The server as one device reaches it, with a fault.
struct Link<'a> {
    server: &'a Server,
    token: String,
    fault: Fault,
}

impl Link<'_> {
    fn call<T: serde::de::DeserializeOwned>(&self, req: Request) -> Result<T, CallError> {
        self.answer(req)
            .map(|r| r.parse().expect("a well-formed answer"))
    }

    fn answer(&self, req: Request) -> Result<Response, CallError> {
        let r = self.server.call(&req);
        if (200..300).contains(&r.status) {
            Ok(r)
        } else if r.status == 404 || r.status == 409 {
            Err(CallError::Server {
                status: r.status,
                error: r.parse().expect("an error body"),
                retry_after: None,
            })
        } else {
            assert_eq!(
                r.status,
                503,
                "only the injected failure may refuse: {}",
                r.text()
            );
            Err(CallError::Server {
                status: r.status,
                error: r.parse().expect("an error body"),
                retry_after: None,
            })
        }
    }
}

impl Transport for Link<'_> {
    async fn push(&self, batch: &PushBatch) -> Result<PushAck, CallError> {
        let path = format!("/v1/log/{}", batch.seq);
        let answer = self.call(Request::json("PUT", &path, Some(&self.token), batch));
        match self.fault {
            Fault::LostResponse => Err(CallError::Network("the answer was lost".into())),
            _ => answer,
        }
    }

    async fn pull(&self, request: &PullRequest) -> Result<PullResponse, CallError> {
        self.call(Request::json(
            "POST",
            "/v1/pull",
            Some(&self.token),
            request,
        ))
    }

    async fn snapshot_head(&self) -> Result<Option<SnapshotHead>, CallError> {
        match self.call(Request::empty("GET", "/v1/snapshot", Some(&self.token))) {
            Err(CallError::Server { status: 404, .. }) => Ok(None),
            other => other.map(Some),
        }
    }

    async fn snapshot_part(&self, snap: &str, n: u32) -> Result<Vec<u8>, CallError> {
        let path = format!("/v1/snapshots/{snap}/parts/{n}");
        self.answer(Request::empty("GET", &path, Some(&self.token)))
            .map(|r| r.body)
    }

    async fn put_snapshot_part(&self, snap: &str, n: u32, bytes: &[u8]) -> Result<(), CallError> {
        let path = format!("/v1/snapshots/{snap}/parts/{n}");
        self.answer(Request::bytes(
            "PUT",
            &path,
            Some(&self.token),
            bytes.to_vec(),
        ))
        .map(|_| ())
    }

    async fn commit_snapshot(&self, snap: &str, commit: &SnapshotCommit) -> Result<(), CallError> {
        let path = format!("/v1/snapshots/{snap}/commit");
        self.answer(Request::json("POST", &path, Some(&self.token), commit))
            .map(|_| ())
    }
}

/// One sync of a device as the app runs it; a failure ends it (the app retries later).
fn sync(server: &Server, d: &Device, fault: Fault) -> Option<driver::Report> {
    server.kv.set_failing(matches!(fault, Fault::StoreDown));
    d.writes_left
        .set(matches!(fault, Fault::DiskFull).then_some(1));
    let link = Link {
        server,
        token: d.token.clone(),
        fault,
    };
    let result = block_on(driver::run(d, &link));
    if let Err(e) = &result {
        assert!(e.retryable(), "only retryable failures were injected: {e}");
    }
    d.writes_left.set(None);
    server.kv.set_failing(false);
    result.ok()
}

fn customer_id(n: u8) -> Id {
    Id::parse(&format!("c{n}")).unwrap()
}

/// The owner's snapshot of its book, uploaded, then the server compacts.
fn snapshot(server: &Server, owner: &Device, n: usize) {
    let replica = owner.replica.borrow();
    let mut cursor = replica.sync().cursor.clone();
    let acked = replica.sync().next_seq.saturating_sub(1);
    if acked > 0 {
        cursor.insert(replica.device().to_owned(), acked);
    }
    let parts = SnapshotWriter::write_all(replica.book(), Level::Small, 4096);
    let link = Link {
        server,
        token: owner.token.clone(),
        fault: Fault::None,
    };
    let snap = format!("snap-{n}");
    block_on(driver::upload_snapshot(&link, &snap, &parts, cursor)).expect("the snapshot uploads");
    server.run_alarms();
}

fn new_device(server: &Server, owner_token: &str, name: &str) -> Device {
    let c = server.add_device(owner_token, Role::Clerk, name);
    Device {
        replica: RefCell::new(Replica::new(c.device_id.clone())),
        journal: RefCell::new(Vec::new()),
        writes_left: Cell::new(None),
        token: c.token,
        made: Vec::new(),
    }
}

fn run(actions: &[Action]) {
    let server = Server::with(
        MemoryKv::new(),
        Config {
            retention_ms: 0,
            ..Config::open()
        },
    );
    let owner = server.create_shop("好孩子母婴店");
    let clerks = [
        server.add_device(&owner.token, Role::Clerk, "小李"),
        server.add_device(&owner.token, Role::Clerk, "小王"),
    ];
    let owner_token = owner.token.clone();
    let mut compacted = false;
    let mut snapshots = 0;
    let mut devices: Vec<Device> = std::iter::once(owner)
        .chain(clerks)
        .map(|c| Device {
            replica: RefCell::new(Replica::new(c.device_id.clone())),
            journal: RefCell::new(Vec::new()),
            writes_left: Cell::new(None),
            token: c.token,
            made: Vec::new(),
        })
        .collect();
    let mut now = 1_000u64;
    let mut sales = 0u32;
    for a in actions {
        now += 7;
        match *a {
            Action::Edit {
                device,
                customer,
                notes,
            } => {
                let d = &mut devices[device];
                let id = customer_id(customer);
                let before: Option<Customer> = d.replica.get_mut().book().get(&id);
                let mut after = before.clone().unwrap_or_else(|| Customer {
                    name: format!("顾客{customer}"),
                    ..Customer::default()
                });
                after.notes = format!("note {notes} from {device}");
                let record = d
                    .replica
                    .get_mut()
                    .plan_edit(now, &id, before.as_ref(), &after);
                d.local(record);
            }
            Action::Sell {
                device,
                customer,
                amount,
            } => {
                sales += 1;
                let d = &mut devices[device];
                let sale = Entry::Purchase(Purchase {
                    customer: customer_id(customer),
                    at: "2026-11-23T10:00:00".parse().unwrap(),
                    total: Money(i64::from(amount)),
                    items: vec![],
                    staff: None,
                    channel: SaleChannel::Store,
                    kind: PurchaseKind::Sale,
                    corrects: None,
                });
                let record = d.replica.get_mut().plan_append(
                    now,
                    Id::parse(&format!("sale-{sales}")).unwrap(),
                    &sale,
                );
                d.local(record);
            }
            Action::Sync { device, fault } => {
                sync(&server, &devices[device], fault);
            }
            Action::Snapshot => {
                snapshots += 1;
                snapshot(&server, &devices[0], snapshots);
                compacted = true;
            }
            Action::Join => {
                let d = new_device(&server, &owner_token, &format!("新店员{}", devices.len()));
                sync(&server, &d, Fault::None);
                devices.push(d);
            }
        }
    }
    // The network heals: two clean rounds bring everyone up to date.
    for _ in 0..2 {
        for d in &devices {
            sync(&server, d, Fault::None);
        }
    }
    for d in &devices {
        let replica = d.replica.borrow();
        assert_eq!(
            replica.pending(),
            0,
            "every change was acknowledged in the end"
        );
        assert!(
            replica.book() == devices[0].replica.borrow().book(),
            "all devices converge"
        );
        // A restart: the stored journal gives back the replica exactly.
        let mut restarted = Replica::new(replica.device().to_owned());
        for record in d.journal.borrow().iter() {
            restarted.commit(record);
        }
        assert!(restarted.book() == replica.book());
        assert_eq!(restarted.outbox(), replica.outbox());
        assert_eq!(restarted.sync(), replica.sync());
    }
    let purchases = devices[0]
        .replica
        .borrow()
        .book()
        .entries()
        .filter(|e| matches!(e.decode(), Some(Entry::Purchase(_))))
        .count();
    assert_eq!(
        purchases, sales as usize,
        "every sale is there exactly once"
    );
    if compacted {
        // The streams were cut by compaction: what they held is in the snapshot (checked by
        // the convergence above).
        return;
    }
    // Each device's stream holds every op it made, each exactly once, in contiguous batches.
    let mut stored: BTreeMap<String, Vec<Op>> = BTreeMap::new();
    for key in server.kv.keys().iter().filter(|k| k.contains("/log/")) {
        let batch: StoredBatch =
            serde_json::from_slice(&server.kv.entry(key).unwrap().value).unwrap();
        stored
            .entry(batch.device.clone())
            .or_default()
            .extend(decode_payload(&batch.payload).unwrap());
    }
    for d in &devices {
        let mut got = stored
            .remove(d.replica.borrow().device())
            .unwrap_or_default();
        got.sort_by_key(Op::at);
        assert_eq!(got, d.made, "no op lost, none stored twice");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn sync_survives_store_failures_and_lost_responses(actions in proptest::collection::vec(action(), 1..40)) {
        run(&actions);
    }
}

#[test]
fn devices_start_from_the_snapshot_once_compaction_has_cut_the_streams() {
    let server = Server::with(
        MemoryKv::new(),
        Config {
            retention_ms: 0,
            ..Config::open()
        },
    );
    let owner = server.create_shop("好孩子母婴店");
    let owner_token = owner.token.clone();
    let mut devices: Vec<Device> = vec![
        Device {
            replica: RefCell::new(Replica::new(owner.device_id.clone())),
            journal: RefCell::new(Vec::new()),
            writes_left: Cell::new(None),
            token: owner.token,
            made: Vec::new(),
        },
        new_device(&server, &owner_token, "小李"),
        new_device(&server, &owner_token, "小王"),
    ];
    let edit = |d: &mut Device, customer: u8| {
        let id = customer_id(customer);
        let c = Customer {
            name: format!("顾客{customer}"),
            ..Customer::default()
        };
        let record = d.replica.get_mut().plan_edit(1_000, &id, None, &c);
        d.local(record);
    };
    edit(&mut devices[1], 1);
    edit(&mut devices[2], 2);
    assert!(!sync(&server, &devices[1], Fault::None).unwrap().snapshot);
    assert!(!sync(&server, &devices[0], Fault::None).unwrap().snapshot);
    snapshot(&server, &devices[0], 1);
    // Device 2 never pulled: clerk 1's batch it needs is gone, so it merges the snapshot.
    assert_eq!(
        sync(&server, &devices[2], Fault::DiskFull).map(|r| r.snapshot),
        None,
        "the first try cannot store the snapshot"
    );
    assert!(sync(&server, &devices[2], Fault::None).unwrap().snapshot);
    // A device that joins now starts from it too.
    let late = new_device(&server, &owner_token, "新店员");
    assert!(sync(&server, &late, Fault::None).unwrap().snapshot);
    devices.push(late);
    for d in &devices {
        sync(&server, d, Fault::None);
    }
    for d in &devices {
        assert!(d.replica.borrow().book() == devices[0].replica.borrow().book());
        assert_eq!(d.replica.borrow().pending(), 0);
        let name = |c| {
            d.replica
                .borrow()
                .book()
                .get::<Customer>(&customer_id(c))
                .map(|c| c.name)
        };
        assert_eq!(
            (name(1), name(2)),
            (Some("顾客1".into()), Some("顾客2".into()))
        );
    }
}

/// Every KV value that holds `text`: in the ops of a stored batch, or in a record or an entry
/// of a stored snapshot (both compressed, so they are decoded first).
fn server_values_holding(server: &Server, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut parts: BTreeMap<String, Vec<(u32, Vec<u8>)>> = BTreeMap::new();
    for key in server.kv.keys() {
        let value = server.kv.entry(&key).unwrap().value;
        if key.contains("/log/") {
            let batch: StoredBatch = serde_json::from_slice(&value).unwrap();
            let ops = decode_payload(&batch.payload).unwrap();
            if ops
                .iter()
                .any(|op| serde_json::to_string(op).unwrap().contains(text))
            {
                found.push(key);
            }
        } else if let Some((snap, n)) = key.rsplit_once('/').filter(|(k, _)| k.contains("/snap/")) {
            parts
                .entry(snap.to_owned())
                .or_default()
                .push((n.parse().unwrap(), value));
        }
    }
    for (snap, mut snap_parts) in parts {
        snap_parts.sort();
        let book = SnapshotReader::read_all(snap_parts.iter().map(|(_, p)| p.as_slice())).unwrap();
        let in_records = book.all_records().any(|(_, _, s)| {
            s.fields
                .values()
                .any(|r| r.value.to_string().contains(text))
        });
        let in_entries = book.entries().any(|e| {
            RawEntry::from_bytes(e.raw)
                .unwrap()
                .to_value()
                .to_string()
                .contains(text)
        });
        if in_records || in_entries {
            found.push(snap);
        }
    }
    found
}

#[test]
fn an_erased_customer_leaves_every_device_and_after_a_snapshot_the_server() {
    let server = Server::with(
        MemoryKv::new(),
        Config {
            retention_ms: 0,
            ..Config::open()
        },
    );
    let owner = server.create_shop("好孩子母婴店");
    let owner_token = owner.token.clone();
    let mut devices = vec![
        Device {
            replica: RefCell::new(Replica::new(owner.device_id.clone())),
            journal: RefCell::new(Vec::new()),
            writes_left: Cell::new(None),
            token: owner.token,
            made: Vec::new(),
        },
        new_device(&server, &owner_token, "小李"),
    ];
    let (phone, note) = ("13812345678", "住幸福小区3栋，老公姓王");
    let id = customer_id(9);
    let c = Customer {
        name: "李梅".into(),
        phones: vec![phone.into()],
        notes: note.into(),
        ..Customer::default()
    };
    let record = devices[1].replica.get_mut().plan_edit(1_000, &id, None, &c);
    devices[1].local(record);
    let sale = Entry::Purchase(Purchase {
        customer: id.clone(),
        at: "2026-11-23T10:00:00".parse().unwrap(),
        total: Money(26_800),
        items: vec![],
        staff: None,
        channel: SaleChannel::Store,
        kind: PurchaseKind::Sale,
        corrects: None,
    });
    let record =
        devices[1]
            .replica
            .get_mut()
            .plan_append(1_001, Id::parse("sale-9").unwrap(), &sale);
    devices[1].local(record);
    sync(&server, &devices[1], Fault::None).unwrap();
    sync(&server, &devices[0], Fault::None).unwrap();
    assert!(
        !server_values_holding(&server, phone).is_empty(),
        "the server holds the number"
    );

    let record = devices[0].replica.get_mut().plan_erase(2_000, id.clone());
    devices[0].local(record);
    sync(&server, &devices[0], Fault::None).unwrap();
    sync(&server, &devices[1], Fault::None).unwrap();
    for d in &devices {
        let replica = d.replica.borrow();
        let state = replica
            .book()
            .record_state(RecordKind::Customer, &id)
            .unwrap();
        assert!(
            state.fields.is_empty() && state.erased.is_some(),
            "erased on every device"
        );
        assert_eq!(
            replica.book().entry_count(),
            1,
            "the sale still counts in the shop's figures"
        );
    }
    // A late write from a device that had not heard of the erasure is ignored everywhere.
    let mut stale = c.clone();
    stale.notes = "又来了".into();
    let record = devices[1]
        .replica
        .get_mut()
        .plan_edit(3_000, &id, Some(&c), &stale);
    devices[1].local(record);
    assert!(
        devices[1]
            .replica
            .borrow()
            .book()
            .record_state(RecordKind::Customer, &id)
            .unwrap()
            .fields
            .is_empty()
    );

    snapshot(&server, &devices[0], 1);
    assert_eq!(server_values_holding(&server, phone), Vec::<String>::new());
    assert_eq!(server_values_holding(&server, note), Vec::<String>::new());
}

#[test]
fn a_push_whose_answer_was_lost_is_acknowledged_on_retry_without_a_second_copy() {
    run(&[
        Action::Edit {
            device: 1,
            customer: 1,
            notes: 1,
        },
        Action::Sync {
            device: 1,
            fault: Fault::LostResponse,
        },
        Action::Edit {
            device: 1,
            customer: 1,
            notes: 2,
        },
        Action::Sync {
            device: 1,
            fault: Fault::LostResponse,
        },
        Action::Sync {
            device: 1,
            fault: Fault::None,
        },
        Action::Sync {
            device: 0,
            fault: Fault::None,
        },
    ]);
}
