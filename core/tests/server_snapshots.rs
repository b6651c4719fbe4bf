//! Snapshots and compaction through the server: write-once parts, commits that never go
//! backwards, deletion only of what a head has covered for the retention window, within the
//! daily budget, `snapshot_required` instead of a gap, and erasure from KV.

mod server_support;

use huike_core::domain::Role;
use huike_core::server::shop::ABANDONED_AFTER_MS;
use huike_core::server::{Config, MemoryKv, Request, Response, log_key, part_key};
use huike_core::sync::{
    DeviceCredentials, PartAck, Privilege, PushBatch, SnapshotCommit, SnapshotHead,
};
use server_support::{Server, assert_error};
use sha2::{Digest, Sha256};

const DAY_MS: u64 = 86_400_000;

fn put_part(s: &Server, token: &str, snap: &str, n: u32, bytes: &[u8]) -> Response {
    s.call(&Request::bytes(
        "PUT",
        &format!("/v1/snapshots/{snap}/parts/{n}"),
        Some(token),
        bytes.to_vec(),
    ))
}

fn get_part(s: &Server, token: &str, snap: &str, n: u32) -> Response {
    s.call(&Request::empty(
        "GET",
        &format!("/v1/snapshots/{snap}/parts/{n}"),
        Some(token),
    ))
}

fn commit(s: &Server, token: &str, snap: &str, body: &SnapshotCommit) -> Response {
    s.call(&Request::json(
        "POST",
        &format!("/v1/snapshots/{snap}/commit"),
        Some(token),
        body,
    ))
}

/// The commit of `parts` (uploaded in order) covering `cursor`.
fn commit_of(parts: &[&[u8]], cursor: &[(&str, u64)]) -> SnapshotCommit {
    let mut hash = Sha256::new();
    for p in parts {
        hash.update(p);
    }
    SnapshotCommit {
        parts: parts.len() as u32,
        cursor: cursor.iter().map(|(d, s)| (d.to_string(), *s)).collect(),
        bytes: parts.iter().map(|p| p.len() as u64).sum(),
        sha256: hex::encode(hash.finalize()),
    }
}

/// Uploads `parts` as snapshot `snap` and commits it; asserts 201 and returns the head.
fn snapshot(
    s: &Server,
    token: &str,
    snap: &str,
    parts: &[&[u8]],
    cursor: &[(&str, u64)],
) -> SnapshotHead {
    for (n, part) in parts.iter().enumerate() {
        let r = put_part(s, token, snap, n as u32, part);
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let r = commit(s, token, snap, &commit_of(parts, cursor));
    assert_eq!(r.status, 201, "{}", r.text());
    r.parse().unwrap()
}

fn shop(s: &Server) -> (DeviceCredentials, DeviceCredentials) {
    let owner = s.create_shop("A");
    let clerk = s.add_device(&owner.token, Role::Clerk, "c");
    (owner, clerk)
}

fn head(s: &Server, token: &str) -> Response {
    s.call(&Request::empty("GET", "/v1/snapshot", Some(token)))
}

#[test]
fn parts_are_raw_write_once_bytes_the_owner_uploads_and_every_device_reads() {
    let s = Server::new();
    let (owner, clerk) = shop(&s);
    let bytes: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let r = put_part(&s, &owner.token, "s1", 0, &bytes);
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(
        r.parse::<PartAck>().unwrap(),
        PartAck {
            snap: "s1".into(),
            part: 0,
            stored: true
        }
    );
    let writes = s.kv.counts().writes;
    let again = put_part(&s, &owner.token, "s1", 0, &bytes);
    assert_eq!(again.status, 200);
    assert!(!again.parse::<PartAck>().unwrap().stored);
    assert_eq!(s.kv.counts().writes, writes, "a retry writes nothing");
    assert_error(
        &put_part(&s, &owner.token, "s1", 0, b"other"),
        409,
        "conflict",
    );
    assert_error(&put_part(&s, &clerk.token, "s1", 1, b"x"), 403, "forbidden");
    assert_error(&put_part(&s, &owner.token, "s1", 1, b""), 400, "empty_body");
    assert_error(
        &put_part(&s, &owner.token, "s1", 1000, b"x"),
        400,
        "invalid_part",
    );
    assert_error(
        &put_part(&s, &owner.token, "s.1", 0, b"x"),
        400,
        "invalid_snapshot_id",
    );
    let json = Request::json("PUT", "/v1/snapshots/s1/parts/1", Some(&owner.token), &"x");
    assert_error(&s.call(&json), 415, "unsupported_media_type");
    let too_big = vec![0u8; huike_core::sync::MAX_BODY_BYTES + 1];
    assert_error(
        &put_part(&s, &owner.token, "s1", 1, &too_big),
        413,
        "body_too_large",
    );

    let r = get_part(&s, &clerk.token, "s1", 0);
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type.as_deref(), Some("application/octet-stream"));
    assert_eq!(r.body, bytes);
    assert_error(&get_part(&s, &clerk.token, "s1", 1), 404, "part_not_found");
    let other = s.create_shop("B");
    assert_error(&get_part(&s, &other.token, "s1", 0), 404, "part_not_found");
}

#[test]
fn a_commit_needs_every_part_the_right_size_and_a_cursor_within_the_streams() {
    let s = Server::new();
    let (owner, clerk) = shop(&s);
    for seq in 1..=3 {
        assert_eq!(s.push(&clerk.token, seq, &format!("c{seq}")).status, 201);
    }
    assert_error(&head(&s, &clerk.token), 404, "no_snapshot");
    let parts: [&[u8]; 2] = [b"first part", b"second"];
    let cursor = [(clerk.device_id.as_str(), 3)];
    assert_eq!(put_part(&s, &owner.token, "s1", 0, parts[0]).status, 201);
    let e = assert_error(
        &commit(&s, &owner.token, "s1", &commit_of(&parts, &cursor)),
        409,
        "snapshot_incomplete",
    );
    assert!(e.message.contains("part 1"), "{}", e.message);
    assert_eq!(put_part(&s, &owner.token, "s1", 1, parts[1]).status, 201);
    let mut wrong_size = commit_of(&parts, &cursor);
    wrong_size.bytes += 1;
    assert_error(
        &commit(&s, &owner.token, "s1", &wrong_size),
        400,
        "snapshot_mismatch",
    );
    let beyond = commit_of(&parts, &[(clerk.device_id.as_str(), 4)]);
    assert_error(
        &commit(&s, &owner.token, "s1", &beyond),
        400,
        "invalid_cursor",
    );
    let stranger = commit_of(&parts, &[("someone", 1)]);
    assert_error(
        &commit(&s, &owner.token, "s1", &stranger),
        400,
        "invalid_cursor",
    );
    let mut bad_hash = commit_of(&parts, &cursor);
    bad_hash.sha256 = "ABC".into();
    assert_error(
        &commit(&s, &owner.token, "s1", &bad_hash),
        400,
        "invalid_field",
    );
    assert_error(
        &commit(&s, &clerk.token, "s1", &commit_of(&parts, &cursor)),
        403,
        "forbidden",
    );
    assert_error(&head(&s, &clerk.token), 404, "no_snapshot");

    let good = commit_of(&parts, &cursor);
    let r = commit(&s, &owner.token, "s1", &good);
    assert_eq!(r.status, 201, "{}", r.text());
    let committed: SnapshotHead = r.parse().unwrap();
    assert_eq!(
        (
            committed.parts,
            committed.bytes,
            committed.created_by.as_str()
        ),
        (2, 16, owner.device_id.as_str())
    );
    assert_eq!(
        head(&s, &clerk.token).parse::<SnapshotHead>().unwrap(),
        committed
    );
    assert_eq!(commit(&s, &owner.token, "s1", &good).status, 200, "a retry");
    let mut other = good.clone();
    other.cursor.clear();
    assert_error(&commit(&s, &owner.token, "s1", &other), 409, "conflict");
    assert_error(
        &put_part(&s, &owner.token, "s1", 2, b"late"),
        409,
        "stale_snapshot",
    );
    assert_eq!(
        put_part(&s, &owner.token, "s1", 1, parts[1]).status,
        200,
        "a retried part is fine"
    );

    // A snapshot behind the head for some device is refused; one at least as far is fine.
    assert_eq!(
        put_part(&s, &owner.token, "s2", 0, b"older book").status,
        201
    );
    let behind = commit_of(&[b"older book"], &[(clerk.device_id.as_str(), 2)]);
    let e = assert_error(
        &commit(&s, &owner.token, "s2", &behind),
        409,
        "stale_snapshot",
    );
    assert!(e.message.contains("s1"), "{}", e.message);
    let level = commit_of(&[b"older book"], &cursor);
    assert_eq!(commit(&s, &owner.token, "s2", &level).status, 201);
    assert_error(
        &commit(&s, &owner.token, "s1", &good),
        409,
        "stale_snapshot",
    );
}

#[test]
fn compaction_deletes_covered_batches_after_the_retention_window_and_pulls_are_told() {
    let config = Config {
        retention_ms: DAY_MS,
        ..Config::open()
    };
    let mut s = Server::with(MemoryKv::new(), config);
    let (owner, clerk) = shop(&s);
    let shop_id = owner.shop_id.clone();
    for seq in 1..=5 {
        assert_eq!(s.push(&clerk.token, seq, &format!("c{seq}")).status, 201);
    }
    assert_eq!(s.push(&owner.token, 1, "o1").status, 201);
    let covered = [(clerk.device_id.as_str(), 3), (owner.device_id.as_str(), 1)];
    snapshot(&s, &owner.token, "s1", &[b"book at c3 o1"], &covered);
    assert_eq!(s.coord.alarm(&shop_id), Some(s.now_ms + DAY_MS));

    // Within the retention window nothing is deleted and old cursors still pull.
    s.now_ms += DAY_MS - 1;
    assert_eq!(s.run_alarms(), 0, "not due yet");
    assert_eq!(s.pull_all(&owner.token).len(), 5);

    s.now_ms += 1;
    assert_eq!(s.run_alarms(), 1);
    for seq in 1..=5 {
        let gone =
            s.kv.entry(&log_key(&shop_id, &clerk.device_id, seq))
                .is_none();
        assert_eq!(gone, seq <= 3, "batch {seq}");
    }
    assert!(
        s.kv.entry(&log_key(&shop_id, &owner.device_id, 1))
            .is_none()
    );
    let newcomer = s.add_device(&owner.token, Role::Clerk, "new");
    let e = assert_error(&s.pull_raw(&newcomer.token, &[]), 409, "snapshot_required");
    assert!(e.message.contains("snapshot"), "{}", e.message);
    assert_error(
        &s.pull_raw(&owner.token, &[(clerk.device_id.as_str(), 2)]),
        409,
        "snapshot_required",
    );
    let head: SnapshotHead = head(&s, &newcomer.token).parse().unwrap();
    let cursor: Vec<(&str, u64)> = head.cursor.iter().map(|(d, s)| (d.as_str(), *s)).collect();
    let rest = s.pull(&newcomer.token, &cursor);
    assert_eq!(
        rest.batches
            .iter()
            .map(|b| b.payload.as_str())
            .collect::<Vec<_>>(),
        ["c4", "c5"],
        "from the snapshot's cursor the streams go on"
    );
    assert_eq!(
        s.push(&clerk.token, 2, "c2").status,
        200,
        "a late retry of a compacted batch is still acknowledged"
    );
    assert_error(&s.push(&clerk.token, 2, "other"), 409, "conflict");
    assert_eq!(s.coord.alarm(&shop_id), None, "nothing more is due");
}

#[test]
fn replaced_snapshots_are_deleted_after_the_window_and_the_head_is_kept() {
    let config = Config {
        retention_ms: DAY_MS,
        ..Config::open()
    };
    let mut s = Server::with(MemoryKv::new(), config);
    let (owner, clerk) = shop(&s);
    let shop_id = owner.shop_id.clone();
    assert_eq!(s.push(&clerk.token, 1, "c1").status, 201);
    snapshot(&s, &owner.token, "s1", &[b"one", b"two"], &[]);
    s.now_ms += 1000;
    snapshot(
        &s,
        &owner.token,
        "s2",
        &[b"three"],
        &[(clerk.device_id.as_str(), 1)],
    );
    s.now_ms += DAY_MS;
    s.run_alarms();
    assert!(s.kv.entry(&part_key(&shop_id, "s1", 0)).is_none());
    assert!(s.kv.entry(&part_key(&shop_id, "s1", 1)).is_none());
    assert!(
        s.kv.entry(&part_key(&shop_id, "s2", 0)).is_some(),
        "the head stays"
    );
    assert_error(&get_part(&s, &clerk.token, "s1", 0), 404, "part_not_found");
    assert_eq!(get_part(&s, &clerk.token, "s2", 0).body, b"three");
    assert_error(
        &put_part(&s, &owner.token, "s1", 0, b"one"),
        409,
        "stale_snapshot",
    );
    assert!(
        s.kv.entry(&log_key(&shop_id, &clerk.device_id, 1))
            .is_none()
    );
}

#[test]
fn an_abandoned_upload_is_deleted_a_day_after_its_last_part() {
    let mut s = Server::new();
    let (owner, _) = shop(&s);
    assert_eq!(
        put_part(&s, &owner.token, "never", 0, b"half a book").status,
        201
    );
    let key = part_key(&owner.shop_id, "never", 0);
    assert_eq!(
        s.coord.alarm(&owner.shop_id),
        Some(s.now_ms + ABANDONED_AFTER_MS)
    );
    s.now_ms += ABANDONED_AFTER_MS;
    s.run_alarms();
    assert!(s.kv.entry(&key).is_none());
}

#[test]
fn compaction_keeps_within_its_daily_budget_and_goes_on_the_next_day() {
    let config = Config {
        retention_ms: 0,
        deletes_per_day: 5,
        ..Config::open()
    };
    let mut s = Server::with(MemoryKv::new(), config);
    let (owner, clerk) = shop(&s);
    s.now_ms = 1_700_000_000_000 / DAY_MS * DAY_MS + 3_600_000; // 01:00 UTC
    for seq in 1..=12 {
        s.now_ms += 1;
        assert_eq!(s.push(&clerk.token, seq, &format!("c{seq}")).status, 201);
    }
    snapshot(
        &s,
        &owner.token,
        "s1",
        &[b"all"],
        &[(clerk.device_id.as_str(), 12)],
    );
    let left = |s: &Server| {
        (1..=12)
            .filter(|seq| {
                s.kv.entry(&log_key(&owner.shop_id, &clerk.device_id, *seq))
                    .is_some()
            })
            .count()
    };
    s.run_alarms();
    assert_eq!(left(&s), 7);
    let tomorrow = (s.now_ms / DAY_MS + 1) * DAY_MS;
    assert_eq!(s.coord.alarm(&owner.shop_id), Some(tomorrow));
    assert_eq!(s.run_alarms(), 0, "no more today");
    s.now_ms = tomorrow;
    s.run_alarms();
    assert_eq!(left(&s), 2);
    s.now_ms += DAY_MS;
    s.run_alarms();
    assert_eq!(left(&s), 0);
    assert_error(&s.pull_raw(&owner.token, &[]), 409, "snapshot_required");
}

#[test]
fn after_erasure_no_key_holds_the_customers_data() {
    let phone = "13800138000";
    let config = Config {
        retention_ms: 0,
        ..Config::open()
    };
    let mut s = Server::with(MemoryKv::new(), config);
    let (owner, clerk) = shop(&s);
    // The customer's data reaches the server in both streams and in a snapshot.
    assert_eq!(
        s.push(&clerk.token, 1, &format!("add 李女士 {phone}"))
            .status,
        201
    );
    assert_eq!(
        s.push(&owner.token, 1, &format!("note about {phone}"))
            .status,
        201
    );
    let with_phone = format!("book: 李女士 {phone}");
    snapshot(
        &s,
        &owner.token,
        "before",
        &[with_phone.as_bytes()],
        &[(clerk.device_id.as_str(), 1)],
    );
    s.now_ms += 1000;
    s.run_alarms();
    // The owner erases her: the erase travels as a privileged batch; the next snapshot of the
    // owner's book no longer holds her, and covers every batch that did.
    let erase = PushBatch {
        seq: 2,
        ops: 1,
        payload: "erase customer 7".into(),
        privileged: vec![Privilege::Erase],
    };
    let r = s.call(&Request::json(
        "PUT",
        "/v1/log/2",
        Some(&owner.token),
        &erase,
    ));
    assert_eq!(r.status, 201, "{}", r.text());
    s.now_ms += 1000;
    snapshot(
        &s,
        &owner.token,
        "after",
        &[b"book: (customer 7 erased)"],
        &[(clerk.device_id.as_str(), 1), (owner.device_id.as_str(), 2)],
    );
    s.run_alarms();
    let holding: Vec<String> =
        s.kv.keys()
            .into_iter()
            .filter(|k| {
                let value = s.kv.entry(k).unwrap().value;
                k.contains(phone) || value.windows(phone.len()).any(|w| w == phone.as_bytes())
            })
            .collect();
    assert!(
        holding.is_empty(),
        "still holding the phone number: {holding:?}"
    );
    for (key, value) in s.shop_table(&owner.shop_id).rows() {
        assert!(!key.contains(phone) && !value.contains(phone), "{key}");
    }
    assert!(!s.kv.keys().is_empty(), "the new snapshot is there");
}

#[test]
fn compaction_never_deletes_what_no_snapshot_covers() {
    let config = Config {
        retention_ms: 0,
        ..Config::open()
    };
    let s = Server::with(MemoryKv::new(), config);
    let (owner, clerk) = shop(&s);
    for seq in 1..=4 {
        assert_eq!(s.push(&clerk.token, seq, &format!("c{seq}")).status, 201);
    }
    assert_eq!(s.push(&owner.token, 1, "o1").status, 201);
    snapshot(
        &s,
        &owner.token,
        "s1",
        &[b"x"],
        &[(clerk.device_id.as_str(), 2)],
    );
    s.run_alarms();
    let kept: Vec<String> =
        s.kv.keys()
            .into_iter()
            .filter(|k| k.contains("/log/"))
            .collect();
    assert_eq!(kept.len(), 3, "c3, c4 and o1 stay: {kept:?}");
    let pulled = s.pull(&clerk.token, &[]);
    assert_eq!(
        pulled.batches.len(),
        1,
        "the owner's stream, never covered, is whole"
    );
}
