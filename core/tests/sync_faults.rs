//! Fault tests of sync (SPEC §7): devices edit and sync through the real server logic over
//! `MemoryKv` while the store fails, pushes fail, and responses are lost after the server
//! stored the batch. Whatever happens, once the faults stop every device converges, no
//! acknowledged or unacknowledged change is lost, and no op is stored twice.
// proptest needs OS randomness, which the browser build does not have; these run natively.
#![cfg(not(target_arch = "wasm32"))]

mod server_support;

use huike_core::domain::{Customer, Entry, Money, Purchase, PurchaseKind, Role, SaleChannel};
use huike_core::id::Id;
use huike_core::op::{Op, RecordKind};
use huike_core::replica::Replica;
use huike_core::server::Request;
use huike_core::sync::{PullRequest, PullResponse, StoredBatch, decode_payload};
use proptest::prelude::*;
use server_support::Server;
use std::collections::BTreeMap;

/// What goes wrong during one sync.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Nothing.
    None,
    /// The store refuses every operation (503s).
    StoreDown,
    /// The server stores the push but the answer never arrives.
    LostResponse,
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
        Just(Fault::LostResponse)
    ];
    prop_oneof![
        3 => (0..3usize, 0u8..4, any::<u8>()).prop_map(|(device, customer, notes)| Action::Edit { device, customer, notes }),
        2 => (0..3usize, 0u8..4, 1u16..5000).prop_map(|(device, customer, amount)| Action::Sell { device, customer, amount }),
        3 => (0..3usize, fault).prop_map(|(device, fault)| Action::Sync { device, fault }),
    ]
}

struct Device {
    token: String,
    replica: Replica,
    made: Vec<Op>,
}

/// One sync as the app runs it: push batches until the outbox is empty, then pull until done.
/// Stops at the first failure (the app retries on its next sync).
fn sync(server: &mut Server, d: &mut Device, fault: Fault) {
    server.kv.set_failing(matches!(fault, Fault::StoreDown));
    loop {
        let (batch, _) = d.replica.next_batch();
        let Some(batch) = batch else { break };
        let r = server.call(&Request::json(
            "PUT",
            &format!("/v1/log/{}", batch.seq),
            Some(&d.token),
            &batch,
        ));
        if matches!(fault, Fault::LostResponse) {
            server.kv.set_failing(false);
            return; // stored (or not), but the device never hears back
        }
        if !(200..300).contains(&r.status) {
            assert_eq!(
                r.status,
                503,
                "only the injected failure may refuse a push: {}",
                r.text()
            );
            server.kv.set_failing(false);
            return;
        }
        d.replica.acknowledged(batch.seq);
    }
    loop {
        let body = PullRequest {
            cursor: d.replica.sync.cursor.clone(),
        };
        let r = server.call(&Request::json("POST", "/v1/pull", Some(&d.token), &body));
        if r.status != 200 {
            assert_eq!(r.status, 503, "{}", r.text());
            break;
        }
        let answer: PullResponse = r.parse().unwrap();
        d.replica.receive(&answer.batches).unwrap();
        if !answer.more {
            break;
        }
    }
    server.kv.set_failing(false);
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
            replica: Replica::new(c.device_id.clone()),
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
                let before: Option<Customer> = d.replica.book.get(RecordKind::Customer, &id);
                let mut after = before.clone().unwrap_or_else(|| Customer {
                    name: format!("顾客{customer}"),
                    ..Customer::default()
                });
                after.notes = format!("note {notes} from {device}");
                let delta = d.replica.edit(
                    now,
                    RecordKind::Customer,
                    &id,
                    before.as_ref(),
                    &after,
                    Customer::SET_FIELDS,
                );
                d.made.extend(delta.outbox_added);
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
                let delta =
                    d.replica
                        .append(now, Id::parse(&format!("sale-{sales}")).unwrap(), sale);
                d.made.extend(delta.outbox_added);
            }
            Action::Sync { device, fault } => sync(&mut server, &mut devices[device], fault),
        }
    }
    // The network heals: two clean rounds bring everyone up to date.
    for _ in 0..2 {
        for d in devices.iter_mut() {
            sync(&mut server, d, Fault::None);
        }
    }
    for d in &devices {
        assert_eq!(
            d.replica.pending(),
            0,
            "every change was acknowledged in the end"
        );
        assert_eq!(
            d.replica.book, devices[0].replica.book,
            "all devices converge"
        );
    }
    let purchases = devices[0]
        .replica
        .book
        .entries()
        .filter(|(_, e)| matches!(e, Entry::Purchase(_)))
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
        let mut got = stored.remove(&d.replica.device).unwrap_or_default();
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
