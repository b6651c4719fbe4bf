//! Snapshots against the real runtime: parts as raw bytes, commits, the head, and compaction
//! by the shop's Durable Object alarm. `cargo xtask test` runs the worker with
//! `RETENTION_DAYS=0`, so a commit makes what it covers deletable at once.

use std::time::{Duration, Instant};

use huike_core::domain::Role;
use huike_core::sync::{PartAck, PushAck, SnapshotCommit, SnapshotHead};
use huike_tests::api::{Api, error, ok};
use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};

fn commit_of(parts: &[&[u8]], cursor: serde_json::Value) -> SnapshotCommit {
    let mut hash = Sha256::new();
    for p in parts {
        hash.update(p);
    }
    SnapshotCommit {
        parts: parts.len() as u32,
        cursor: serde_json::from_value(cursor).unwrap(),
        bytes: parts.iter().map(|p| p.len() as u64).sum(),
        sha256: hex::encode(hash.finalize()),
    }
}

/// Polls until `check` is true (the alarm runs shortly after a commit), at most 20 s.
async fn eventually<F, Fut>(what: &str, check: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < Duration::from_secs(20), "never: {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_new_device_starts_from_the_snapshot_after_compaction() {
    let api = Api::new();
    let owner = api.create_shop("快照").await;
    let clerk = api.add_clerk(&owner.token, "c").await;
    for seq in 1..=3 {
        ok::<PushAck>(
            api.push(&clerk.token, seq, 1, &format!("c{seq} 13800138000"))
                .await,
            StatusCode::CREATED,
        )
        .await;
    }
    error(
        api.head_raw(&clerk.token).await,
        StatusCode::NOT_FOUND,
        "no_snapshot",
    )
    .await;

    // Binary parts: every byte value, twice over, and a second part.
    let part0: Vec<u8> = (0..=255u8).cycle().take(512).collect();
    let part1 = b"the rest of the book".to_vec();
    let ack: PartAck = ok(
        api.put_part(&owner.token, "s1", 0, part0.clone()).await,
        StatusCode::CREATED,
    )
    .await;
    assert!(ack.stored);
    let again: PartAck = ok(
        api.put_part(&owner.token, "s1", 0, part0.clone()).await,
        StatusCode::OK,
    )
    .await;
    assert!(!again.stored);
    error(
        api.put_part(&owner.token, "s1", 0, b"other".to_vec()).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    error(
        api.put_part(&clerk.token, "s1", 1, part1.clone()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let cursor = json!({ &clerk.device_id: 2 });
    let parts: [&[u8]; 2] = [&part0, &part1];
    error(
        api.commit(&owner.token, "s1", &commit_of(&parts, cursor.clone()))
            .await,
        StatusCode::CONFLICT,
        "snapshot_incomplete",
    )
    .await;
    ok::<PartAck>(
        api.put_part(&owner.token, "s1", 1, part1.clone()).await,
        StatusCode::CREATED,
    )
    .await;
    let head: SnapshotHead = ok(
        api.commit(&owner.token, "s1", &commit_of(&parts, cursor.clone()))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(api.head(&clerk.token).await, head);

    // A new device: its pull from nothing is told to start from the snapshot (once the
    // alarm has compacted batches 1 and 2 of the clerk), never given a stream with a hole.
    let newcomer = api.add_clerk(&owner.token, "new").await;
    eventually(
        "compaction makes a pull from nothing answer snapshot_required",
        || async {
            api.pull_raw(&newcomer.token, json!({})).await.status() == StatusCode::CONFLICT
        },
    )
    .await;
    error(
        api.pull_raw(&newcomer.token, json!({})).await,
        StatusCode::CONFLICT,
        "snapshot_required",
    )
    .await;
    let head = api.head(&newcomer.token).await;
    let mut bytes = Vec::new();
    for n in 0..head.parts {
        let r = api.get_part(&newcomer.token, &head.snap, n).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            r.headers().get("content-type").unwrap(),
            "application/octet-stream"
        );
        bytes.extend_from_slice(&r.bytes().await.unwrap());
    }
    assert_eq!(hex::encode(Sha256::digest(&bytes)), head.sha256);
    let rest = api
        .pull(&newcomer.token, serde_json::to_value(&head.cursor).unwrap())
        .await;
    assert_eq!(
        rest.batches
            .iter()
            .map(|b| b.payload.as_str())
            .collect::<Vec<_>>(),
        ["c3 13800138000"]
    );

    // A snapshot behind the head is refused; a newer one replaces it, and the old one's
    // parts are deleted by the next compaction.
    ok::<PartAck>(
        api.put_part(&owner.token, "s2", 0, b"older".to_vec()).await,
        StatusCode::CREATED,
    )
    .await;
    error(
        api.commit(
            &owner.token,
            "s2",
            &commit_of(&[b"older"], json!({ &clerk.device_id: 1 })),
        )
        .await,
        StatusCode::CONFLICT,
        "stale_snapshot",
    )
    .await;
    ok::<PartAck>(
        api.put_part(&owner.token, "s3", 0, b"newer".to_vec()).await,
        StatusCode::CREATED,
    )
    .await;
    ok::<SnapshotHead>(
        api.commit(
            &owner.token,
            "s3",
            &commit_of(&[b"newer"], json!({ &clerk.device_id: 3 })),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    eventually("the replaced snapshot's parts are deleted", || async {
        api.get_part(&clerk.token, "s1", 0).await.status() == StatusCode::NOT_FOUND
    })
    .await;
    error(
        api.get_part(&clerk.token, "s1", 0).await,
        StatusCode::NOT_FOUND,
        "part_not_found",
    )
    .await;
    assert_eq!(api.head(&clerk.token).await.snap, "s3");
    let from_head = api.pull(&clerk.token, json!({ &clerk.device_id: 3 })).await;
    assert!(from_head.batches.is_empty(), "the owner pushed nothing");
    let invite = api.invite(&owner.token, Role::Clerk).await;
    assert!(!invite.code.is_empty());
}
