//! The races of simultaneous requests, over a store that behaves like Workers KV seen from
//! elsewhere (writes visible only some operations later; every storage access a point where
//! the concurrent requests interleave): simultaneous joins, one code raced by many, two
//! batches raced at one `seq`. The coordinators decide, so KV's lag never changes an outcome;
//! it only delays what a pull sees, and a pull never skips.

mod server_support;

use huike_core::domain::Role;
use huike_core::server::{Config, MemoryKv, Request};
use huike_core::sync::{DeviceCredentials, DeviceList};
use server_support::{Server, assert_error, from_ip};

/// Writes become visible this many storage operations later.
const LAG: u64 = 7;

fn lagging() -> Server {
    Server::with(MemoryKv::lagging(LAG), Config::open())
}

fn devices(s: &Server, token: &str) -> DeviceList {
    s.call(&Request::empty("GET", "/v1/devices", Some(token)))
        .parse()
        .unwrap()
}

/// Asserts that, per device, the pulled `seq`s are 1, 2, … with no hole.
fn no_holes(pulled: &[(String, u64, String)]) {
    let mut last: std::collections::BTreeMap<&str, u64> = Default::default();
    for (device, seq, _) in pulled {
        let before = last.insert(device, *seq).unwrap_or(0);
        assert_eq!(*seq, before + 1, "a pull skipped a batch of {device}");
    }
}

#[test]
fn simultaneous_joins_all_appear_at_once_and_all_their_batches_are_pulled() {
    const JOINERS: usize = 10;
    let s = lagging();
    let owner = s.create_shop("A");
    let codes: Vec<String> = (0..JOINERS)
        .map(|_| s.invite(&owner.token, Role::Clerk).code)
        .collect();
    let answers = s.call_together(
        codes
            .iter()
            .enumerate()
            .map(|(i, code)| Server::join_request(code, &format!("c{i}")))
            .collect(),
    );
    let clerks: Vec<DeviceCredentials> = answers
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{}", r.text());
            r.parse().unwrap()
        })
        .collect();
    let listed = devices(&s, &owner.token);
    assert_eq!(
        listed.devices.len(),
        JOINERS + 1,
        "every join is listed at once"
    );
    for seq in 1..=3u64 {
        let pushes = s.call_together(
            clerks
                .iter()
                .map(|c| Server::push_request(&c.token, seq, &format!("{}-{seq}", c.device_id)))
                .collect(),
        );
        assert!(
            pushes.iter().all(|r| r.status == 201),
            "{:?}",
            pushes[0].text()
        );
    }
    // Before KV has caught up, a pull returns a prefix of each stream, never skipping.
    let early = s.pull_all(&owner.token);
    no_holes(&early);
    s.kv.settle();
    let pulled = s.pull_all(&owner.token);
    no_holes(&pulled);
    assert_eq!(pulled.len(), JOINERS * 3);
    for c in &clerks {
        for seq in 1..=3 {
            assert!(pulled.contains(&(c.device_id.clone(), seq, format!("{}-{seq}", c.device_id))));
        }
    }
}

#[test]
fn one_code_raced_by_many_admits_exactly_one_device() {
    let s = lagging();
    let owner = s.create_shop("A");
    for round in 0..5 {
        let code = s.invite(&owner.token, Role::Clerk).code;
        let answers = s.call_together(
            (0..10)
                .map(|i| {
                    let join = Server::join_request(&code, &format!("r{round}-{i}"));
                    from_ip(join, &format!("10.0.{round}.{i}"))
                })
                .collect(),
        );
        let created = answers.iter().filter(|r| r.status == 201).count();
        assert_eq!(created, 1, "round {round}");
        for r in answers.iter().filter(|r| r.status != 201) {
            assert_error(r, 404, "invite_not_found");
        }
    }
    assert_eq!(devices(&s, &owner.token).devices.len(), 6);
}

#[test]
fn two_batches_raced_at_one_seq_give_one_201_and_one_409_and_every_pull_agrees() {
    let s = lagging();
    let owner = s.create_shop("A");
    let clerk = s.add_device(&owner.token, Role::Clerk, "two tabs");
    let reader = s.add_device(&owner.token, Role::Clerk, "reader");
    let mut winners = Vec::new();
    for seq in 1..=20u64 {
        // Alternate which tab's request starts first.
        let tabs: Vec<String> = if seq % 2 == 0 {
            vec![format!("a{seq}"), format!("b{seq}")]
        } else {
            vec![format!("b{seq}"), format!("a{seq}")]
        };
        let answers = s.call_together(
            tabs.iter()
                .map(|p| Server::push_request(&clerk.token, seq, p))
                .collect(),
        );
        let mut statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
        statuses.sort();
        assert_eq!(statuses, [201, 409], "seq {seq}");
        let loser = answers.iter().find(|r| r.status == 409).unwrap();
        assert_error(loser, 409, "conflict");
        let winner = answers.iter().position(|r| r.status == 201).unwrap();
        winners.push(tabs[winner].clone());
        // Before KV has caught up, a pull may not see the batch yet, but never the loser's.
        for token in [&owner.token, &reader.token] {
            for (_, _, payload) in s.pull_all(token) {
                assert!(
                    winners.contains(&payload),
                    "{payload} was refused, yet pulled"
                );
            }
        }
    }
    s.kv.settle();
    for token in [&owner.token, &reader.token] {
        let payloads: Vec<String> = s
            .pull_all(token)
            .into_iter()
            .filter(|(d, _, _)| *d == clerk.device_id)
            .map(|(_, _, p)| p)
            .collect();
        assert_eq!(payloads, winners);
    }
}

#[test]
fn a_device_revoked_while_others_push_is_refused_at_once() {
    let s = lagging();
    let owner = s.create_shop("A");
    let clerk = s.add_device(&owner.token, Role::Clerk, "c");
    let revoke = Request::empty(
        "POST",
        &format!("/v1/devices/{}/revoke", clerk.device_id),
        Some(&owner.token),
    );
    assert_eq!(s.call(&revoke).status, 200);
    // No KV write has to land first: the coordinator holds the flag.
    assert_error(&s.push(&clerk.token, 1, "after"), 401, "revoked");
}
