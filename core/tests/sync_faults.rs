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
use huike_core::domain::{Customer, Entry, Money, Purchase, PurchaseKind, Role, SaleChannel};
use huike_core::id::Id;
use huike_core::op::{Op, RecordKind};
use huike_core::replica::{Journal, Replica};
use huike_core::server::Request;
use huike_core::sync::{Cursor, PullRequest, PullResponse, PushAck, PushBatch, StoredBatch};
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
}

/// The server as one device reaches it, with a fault.
struct Link<'a> {
    server: RefCell<&'a mut Server>,
    token: String,
    fault: Fault,
}

impl Link<'_> {
    fn call<T: serde::de::DeserializeOwned>(&self, req: Request) -> Result<T, CallError> {
        let r = self.server.borrow_mut().call(&req);
        if (200..300).contains(&r.status) {
            Ok(r.parse().expect("a well-formed answer"))
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
}

/// One sync of a device as the app runs it; a failure ends it (the app retries later).
fn sync(server: &mut Server, d: &Device, fault: Fault) {
    server.kv.set_failing(matches!(fault, Fault::StoreDown));
    d.writes_left
        .set(matches!(fault, Fault::DiskFull).then_some(1));
    let link = Link {
        server: RefCell::new(server),
        token: d.token.clone(),
        fault,
    };
    let result = block_on(driver::run(d, &link));
    if let Err(e) = &result {
        assert!(e.retryable(), "only retryable failures were injected: {e}");
    }
    d.writes_left.set(None);
    link.server.borrow().kv.set_failing(false);
}

fn customer_id(n: u8) -> Id {
    Id::parse(&format!("c{n}")).unwrap()
}

fn run(actions: &[Action]) {
    let mut server = Server::new();
    let owner = server.create_shop("好孩子母婴店");
    let clerks = [
        server.add_device(&owner.token, Role::Clerk, "小李"),
        server.add_device(&owner.token, Role::Clerk, "小王"),
    ];
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
                let before: Option<Customer> =
                    d.replica.get_mut().book().get(RecordKind::Customer, &id);
                let mut after = before.clone().unwrap_or_else(|| Customer {
                    name: format!("顾客{customer}"),
                    ..Customer::default()
                });
                after.notes = format!("note {notes} from {device}");
                let record = d.replica.get_mut().plan_edit(
                    now,
                    RecordKind::Customer,
                    &id,
                    before.as_ref(),
                    &after,
                    Customer::SET_FIELDS,
                );
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
            Action::Sync { device, fault } => sync(&mut server, &devices[device], fault),
        }
    }
    // The network heals: two clean rounds bring everyone up to date.
    for _ in 0..2 {
        for d in &devices {
            sync(&mut server, d, Fault::None);
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
