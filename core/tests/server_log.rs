//! Pushing and pulling batches through the server.

mod server_support;

use huike_core::client::state::SyncState;
use huike_core::domain::Role;
use huike_core::server::{PULL_KV_BUDGET, PULL_MAX_BYTES, Request, log_key};
use huike_core::sync::{
    self, MAX_BATCH_OPS, MAX_BODY_BYTES, MAX_PULL_BATCHES, Privilege, PushAck, PushBatch,
};
use server_support::{Server, assert_error};

/// A shop with an owner and a clerk: (server, owner token, owner id, clerk token, clerk id).
fn shop() -> (Server, String, String, String, String) {
    let s = Server::new();
    let owner = s.create_shop("A");
    let clerk = s.add_device(&owner.token, Role::Clerk, "小王");
    (
        s,
        owner.token,
        owner.device_id,
        clerk.token,
        clerk.device_id,
    )
}

#[test]
fn a_pushed_batch_reaches_the_other_device() {
    let (s, owner, owner_id, clerk, clerk_id) = shop();
    // A real batch from the device-side state machine (a change any device may make).
    let op = huike_core::op::Op::Set {
        at: huike_core::hlc::Hlc { ms: 5, c: 0, n: 1 },
        kind: huike_core::op::RecordKind::Customer,
        id: huike_core::id::Id::parse("c1").unwrap(),
        field: "name".into(),
        value: serde_json::json!("张三"),
    };
    let mut state = SyncState::new();
    let batch = state
        .next_batch("owner", std::slice::from_ref(&op))
        .unwrap();
    let r = s.call(&Request::json("PUT", "/v1/log/1", Some(&clerk), &batch));
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(
        r.parse::<PushAck>().unwrap(),
        PushAck {
            seq: 1,
            stored: true
        }
    );
    assert!(
        s.kv.entry(&log_key(&s_shop(&s, &owner), &clerk_id, 1))
            .is_some()
    );

    let pulled = s.pull(&owner, &[]);
    assert!(!pulled.more);
    assert_eq!(pulled.batches.len(), 1);
    let mut owner_state = SyncState::new();
    assert_eq!(
        owner_state.receive(&owner_id, &pulled.batches, &|_| false),
        vec![op]
    );
    assert_eq!(owner_state.cursor.get(&clerk_id), Some(&1));
    assert!(
        s.pull(&owner, &[(&clerk_id, 1)]).batches.is_empty(),
        "nothing after the cursor"
    );
    assert!(
        s.pull(&clerk, &[]).batches.is_empty(),
        "a device's own stream is not sent back"
    );
}

/// The shop id a token carries.
fn s_shop(_: &Server, token: &str) -> String {
    huike_core::auth::token_shop(token).unwrap().to_owned()
}

#[test]
fn a_retried_push_is_acknowledged_without_a_write_and_different_content_is_refused() {
    let (s, owner, _, clerk, _) = shop();
    assert_eq!(s.push(&clerk, 1, "same").status, 201);
    let writes = s.kv.counts().writes;
    let r = s.push(&clerk, 1, "same");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.parse::<PushAck>().unwrap(),
        PushAck {
            seq: 1,
            stored: false
        }
    );
    assert_eq!(s.kv.counts().writes, writes);
    assert_error(&s.push(&clerk, 1, "different"), 409, "conflict");
    let batch = PushBatch {
        seq: 1,
        ops: 2,
        payload: "same".into(),
        privileged: Vec::new(),
    };
    assert_error(
        &s.call(&Request::json("PUT", "/v1/log/1", Some(&clerk), &batch)),
        409,
        "conflict",
    );
    let pulled = s.pull(&owner, &[]);
    assert_eq!(pulled.batches.len(), 1);
    assert_eq!(
        (pulled.batches[0].payload.as_str(), pulled.batches[0].ops),
        ("same", 1),
        "the stored batch never changed"
    );
}

#[test]
fn streams_have_no_gaps() {
    let (s, _, _, clerk, _) = shop();
    let e = assert_error(&s.push(&clerk, 2, "x"), 409, "gap");
    assert!(e.message.contains("batch 1"), "{}", e.message);
    assert_eq!(s.push(&clerk, 1, "a").status, 201);
    assert_eq!(s.push(&clerk, 2, "b").status, 201);
    assert_error(&s.push(&clerk, 4, "d"), 409, "gap");
    assert_eq!(s.push(&clerk, 3, "c").status, 201);
}

#[test]
fn each_device_has_its_own_stream() {
    let (s, owner, owner_id, clerk, clerk_id) = shop();
    assert_eq!(s.push(&owner, 1, "owner-1").status, 201);
    assert_eq!(
        s.push(&clerk, 1, "clerk-1").status,
        201,
        "the same seq in another stream"
    );
    let to_clerk = s.pull(&clerk, &[]);
    assert_eq!(
        to_clerk
            .batches
            .iter()
            .map(|b| (b.device.as_str(), b.payload.as_str()))
            .collect::<Vec<_>>(),
        [(owner_id.as_str(), "owner-1")]
    );
    let to_owner = s.pull(&owner, &[]);
    assert_eq!(
        to_owner
            .batches
            .iter()
            .map(|b| (b.device.as_str(), b.payload.as_str()))
            .collect::<Vec<_>>(),
        [(clerk_id.as_str(), "clerk-1")]
    );
}

#[test]
fn bad_seqs_are_refused() {
    let (s, _, _, clerk, _) = shop();
    let put = |path: &str, seq: u64| {
        Request::json(
            "PUT",
            path,
            Some(&clerk),
            &PushBatch {
                seq,
                ops: 1,
                payload: "x".into(),
                privileged: Vec::new(),
            },
        )
    };
    assert_error(&s.call(&put("/v1/log/0", 0)), 400, "invalid_seq");
    assert_error(&s.call(&put("/v1/log/one", 1)), 400, "invalid_seq");
    assert_error(&s.call(&put("/v1/log/-1", 1)), 400, "invalid_seq");
    assert_error(
        &s.call(&put("/v1/log/99999999999999999999999", 1)),
        400,
        "invalid_seq",
    );
    let e = assert_error(&s.call(&put("/v1/log/1", 2)), 400, "seq_mismatch");
    assert!(e.message.contains('1') && e.message.contains('2'));
    let e = assert_error(
        &s.call(&Request::json(
            "PUT",
            "/v1/log/1",
            Some(&clerk),
            &serde_json::json!({"seq": 1, "ops": 1}),
        )),
        400,
        "invalid_json",
    );
    assert!(e.message.contains("payload"), "{}", e.message);
    assert_error(
        &s.call(&Request::json(
            "PUT",
            "/v1/log/1",
            Some(&clerk),
            &serde_json::json!({"seq": 1, "ops": -1, "payload": ""}),
        )),
        400,
        "invalid_json",
    );
    assert!(
        s.kv.keys().iter().all(|k| !k.contains("/log/")),
        "nothing written"
    );
}

#[test]
fn batch_and_body_limits_are_enforced() {
    let (s, _, _, clerk, _) = shop();
    let batch = |ops: u32, payload: String| {
        Request::json(
            "PUT",
            "/v1/log/1",
            Some(&clerk),
            &PushBatch {
                seq: 1,
                ops,
                payload,
                privileged: Vec::new(),
            },
        )
    };
    let e = assert_error(
        &s.call(&batch(MAX_BATCH_OPS as u32 + 1, "x".into())),
        413,
        "too_many_ops",
    );
    assert!(e.message.contains("1001"));
    assert_error(&s.call(&batch(0, "x".into())), 400, "invalid_field");
    let e = assert_error(
        &s.call(&batch(1, "x".repeat(MAX_BODY_BYTES))),
        413,
        "body_too_large",
    );
    assert!(e.message.contains(&MAX_BODY_BYTES.to_string()));
    assert!(
        s.kv.keys().iter().all(|k| !k.contains("/log/")),
        "nothing written"
    );
    let envelope = serde_json::to_vec(&PushBatch {
        seq: 1,
        ops: 1000,
        payload: String::new(),
        privileged: Vec::new(),
    })
    .unwrap()
    .len();
    let r = s.call(&batch(
        MAX_BATCH_OPS as u32,
        "y".repeat(MAX_BODY_BYTES - envelope),
    ));
    assert_eq!(
        r.status,
        201,
        "exactly at both limits is fine: {}",
        &r.text()[..r.body.len().min(200)]
    );
}

#[test]
fn a_pull_stops_at_the_batch_limit_and_resumes_from_the_cursor() {
    let (s, owner, _, clerk, clerk_id) = shop();
    let total = MAX_PULL_BATCHES as u64 + 5;
    for seq in 1..=total {
        assert_eq!(s.push(&clerk, seq, &format!("b{seq}")).status, 201);
    }
    let first = s.pull(&owner, &[]);
    assert!(first.more);
    assert_eq!(first.batches.len(), MAX_PULL_BATCHES);
    assert!(
        first
            .batches
            .iter()
            .enumerate()
            .all(|(i, b)| b.seq == i as u64 + 1 && b.payload == format!("b{}", i + 1)),
        "in seq order"
    );
    let second = s.pull(&owner, &[(&clerk_id, MAX_PULL_BATCHES as u64)]);
    assert!(!second.more);
    assert_eq!(
        second.batches.iter().map(|b| b.seq).collect::<Vec<_>>(),
        (MAX_PULL_BATCHES as u64 + 1..=total).collect::<Vec<_>>()
    );
}

#[test]
fn a_pull_stops_at_the_byte_limit_but_always_returns_one_batch() {
    let (s, owner, _, clerk, clerk_id) = shop();
    let big = "z".repeat(MAX_BODY_BYTES - 200);
    let per_pull = PULL_MAX_BYTES / big.len();
    for seq in 1..=per_pull as u64 + 1 {
        assert_eq!(s.push(&clerk, seq, &big).status, 201);
    }
    let first = s.pull(&owner, &[]);
    assert!(first.more);
    assert_eq!(first.batches.len(), per_pull);
    let rest = s.pull(&owner, &[(&clerk_id, per_pull as u64)]);
    assert_eq!((rest.batches.len(), rest.more), (1, false));
}

#[test]
fn a_pull_of_a_full_shop_stays_well_under_a_thousand_operations() {
    let (mut s, owner, _, _, _) = shop();
    let mut clerks = Vec::new();
    for i in 2..huike_core::server::MAX_DEVICES {
        s.now_ms += 60_000; // within the invite and join rate limits
        clerks.push(s.add_device(&owner, Role::Clerk, &format!("c{i}")).token);
    }
    for (i, token) in clerks.iter().enumerate().take(3) {
        for seq in 1..=100 {
            assert_eq!(s.push(token, seq, &format!("{i}-{seq}")).status, 201);
        }
    }
    let before = s.kv.counts().total();
    let pulled = s.pull(&owner, &[]);
    let used = s.kv.counts().total() - before;
    assert_eq!(pulled.batches.len(), MAX_PULL_BATCHES);
    assert!(pulled.more);
    assert!(used <= u64::from(PULL_KV_BUDGET), "{used} operations");
    assert_eq!(
        used, MAX_PULL_BATCHES as u64,
        "one read per batch: keys past a stream's end are never read"
    );
}

#[test]
fn cursor_entries_for_unknown_devices_and_huge_seqs_are_harmless() {
    let (s, owner, _, clerk, clerk_id) = shop();
    assert_eq!(s.push(&clerk, 1, "a").status, 201);
    let pulled = s.pull(&owner, &[("someone-else", 7), (&clerk_id, u64::MAX)]);
    assert!(pulled.batches.is_empty() && !pulled.more);
    let e = assert_error(
        &s.call(&Request::json(
            "POST",
            "/v1/pull",
            Some(&owner),
            &serde_json::json!({"cursor": {"x": "one"}}),
        )),
        400,
        "invalid_json",
    );
    assert!(e.message.contains("invalid type"));
    assert_eq!(
        s.pull(&owner, &[]).batches.len(),
        1,
        "an empty cursor is everything"
    );
}

#[test]
fn the_pull_answer_is_the_wire_type() {
    let (s, owner, _, clerk, _) = shop();
    let tricky = "\"quotes\", \\backslashes\\, 中文, \n newlines, </script>";
    assert_eq!(s.push(&clerk, 1, tricky).status, 201);
    let r = s.call(&Request::json(
        "POST",
        "/v1/pull",
        Some(&owner),
        &sync::PullRequest::default(),
    ));
    let parsed: sync::PullResponse = r.parse().unwrap();
    assert_eq!(parsed.batches[0].payload, tricky);
    let value: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        value.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["batches", "more"]
    );
}

fn privileged_batch(seq: u64, privileged: Vec<Privilege>) -> PushBatch {
    PushBatch {
        seq,
        ops: 1,
        payload: "delete c1".into(),
        privileged,
    }
}

#[test]
fn a_clerks_batch_declaring_a_privileged_change_is_refused_and_nothing_is_stored() {
    let (s, owner, _, clerk, clerk_id) = shop();
    for privilege in [
        Privilege::DeleteCustomer,
        Privilege::Rules,
        Privilege::Templates,
        Privilege::Staff,
        Privilege::Erase,
    ] {
        let batch = privileged_batch(1, vec![privilege]);
        let r = s.call(&Request::json("PUT", "/v1/log/1", Some(&clerk), &batch));
        let e = assert_error(&r, 403, "forbidden");
        assert!(e.message.contains(privilege.as_str()), "{}", e.message);
    }
    assert!(s.kv.keys().is_empty(), "nothing stored");
    assert!(s.pull(&owner, &[]).batches.is_empty());
    assert_eq!(
        s.push(&clerk, 1, "an ordinary batch").status,
        201,
        "the refused batch claimed nothing: seq 1 is still free"
    );
    assert_eq!(s.pull(&owner, &[]).batches[0].device, clerk_id);
}

#[test]
fn an_owners_privileged_batch_is_stored_with_its_declaration() {
    let (s, owner, owner_id, clerk, _) = shop();
    let batch = privileged_batch(1, vec![Privilege::Erase, Privilege::DeleteCustomer]);
    let r = s.call(&Request::json("PUT", "/v1/log/1", Some(&owner), &batch));
    assert_eq!(r.status, 201, "{}", r.text());
    let stored =
        s.kv.entry(&log_key(&s_shop(&s, &owner), &owner_id, 1))
            .unwrap()
            .text();
    assert!(
        stored.contains(r#""privileged":["erase","delete_customer"]"#),
        "{stored}"
    );
    let r = s.call(&Request::json(
        "POST",
        "/v1/pull",
        Some(&clerk),
        &sync::PullRequest::default(),
    ));
    assert!(
        r.text()
            .contains(r#""privileged":["erase","delete_customer"]"#)
    );
    let pulled: sync::PullResponse = r.parse().unwrap();
    assert_eq!(pulled.batches[0].payload, "delete c1");
    // Ordinary batches keep the old shape: no `privileged` field at all.
    assert_eq!(s.push(&owner, 2, "plain").status, 201);
    let plain =
        s.kv.entry(&log_key(&s_shop(&s, &owner), &owner_id, 2))
            .unwrap()
            .text();
    assert!(!plain.contains("privileged"), "{plain}");
}

#[test]
fn an_unknown_privilege_is_named_in_a_400() {
    let (s, owner, _, _, _) = shop();
    let e = assert_error(
        &s.call(&Request::json(
            "PUT",
            "/v1/log/1",
            Some(&owner),
            &serde_json::json!({"seq": 1, "ops": 1, "payload": "x", "privileged": ["export"]}),
        )),
        400,
        "invalid_json",
    );
    assert!(e.message.contains("export"), "{}", e.message);
}
