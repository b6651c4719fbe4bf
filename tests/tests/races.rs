//! Races against the real runtime (`wrangler dev`: workerd, Durable Objects, KV): requests
//! released at the same instant by a barrier, as two phones or two tabs would send them.
//! Each test repeats its race and prints what it measured.

use std::sync::Arc;

use futures_util::future::join_all;
use huike_core::domain::Role;
use huike_core::sync::{DeviceCredentials, PushAck};
use huike_tests::api::{Api, error, ok};
use reqwest::StatusCode;
use serde_json::json;
use tokio::sync::Barrier;

/// Runs `n` tasks that each wait at one barrier, then do `work(i)` at the same instant.
async fn at_once<T, F, Fut>(n: usize, work: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let barrier = barrier.clone();
            let job = work(i);
            tokio::spawn(async move {
                barrier.wait().await;
                job.await
            })
        })
        .collect();
    join_all(tasks)
        .await
        .into_iter()
        .map(|r| r.expect("a task panicked"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn simultaneous_joins_all_appear_and_all_their_batches_are_pulled() {
    const JOINERS: usize = 12;
    const BATCHES: u64 = 3;
    let api = Api::new();
    let owner = api.create_shop("同时加入").await;
    let mut codes = Vec::new();
    for _ in 0..JOINERS {
        codes.push(api.invite(&owner.token, Role::Clerk).await.code);
    }
    // Each clerk joins from its own phone at the same instant, then pushes its batches.
    let joined: Vec<DeviceCredentials> = at_once(JOINERS, |i| {
        let api = api.elsewhere();
        let code = codes[i].clone();
        async move {
            let clerk: DeviceCredentials = ok(
                api.join(&code, &format!("店员{i}")).await,
                StatusCode::CREATED,
            )
            .await;
            for seq in 1..=BATCHES {
                let payload = format!("{}-{seq}", clerk.device_id);
                ok::<PushAck>(
                    api.push(&clerk.token, seq, 1, &payload).await,
                    StatusCode::CREATED,
                )
                .await;
            }
            clerk
        }
    })
    .await;
    let listed = api.devices(&owner.token).await;
    println!(
        "{JOINERS} simultaneous joins: {} devices listed (owner included)",
        listed.devices.len()
    );
    assert_eq!(listed.devices.len(), JOINERS + 1, "{listed:?}");
    for clerk in &joined {
        assert!(
            listed
                .devices
                .iter()
                .any(|d| d.device_id == clerk.device_id),
            "{} is missing",
            clerk.device_id
        );
    }
    let pulled = api.pull_all(&owner.token).await;
    println!(
        "pulled {} of {} acknowledged batches",
        pulled.len(),
        JOINERS as u64 * BATCHES
    );
    for clerk in &joined {
        for seq in 1..=BATCHES {
            let want = (
                clerk.device_id.clone(),
                seq,
                format!("{}-{seq}", clerk.device_id),
            );
            assert!(
                pulled.contains(&want),
                "{want:?} was acknowledged but not pulled"
            );
        }
    }
    assert_eq!(pulled.len(), JOINERS * BATCHES as usize);
    // Every clerk sees every other clerk's batches too.
    let seen_by_first = api.pull_all(&joined[0].token).await;
    assert_eq!(seen_by_first.len(), (JOINERS - 1) * BATCHES as usize);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn one_code_raced_by_many_admits_exactly_one_device() {
    const RACERS: usize = 10;
    const ROUNDS: usize = 5;
    let api = Api::new();
    let owner = api.create_shop("一码一机").await;
    let mut joined_per_round = Vec::new();
    for round in 0..ROUNDS {
        let code = api.invite(&owner.token, Role::Clerk).await.code;
        let answers: Vec<(StatusCode, String)> = at_once(RACERS, |i| {
            let api = api.elsewhere();
            let code = code.clone();
            async move {
                let r = api.join(&code, &format!("r{round}-{i}")).await;
                (r.status(), r.text().await.unwrap())
            }
        })
        .await;
        let created = answers
            .iter()
            .filter(|(s, _)| *s == StatusCode::CREATED)
            .count();
        for (status, body) in &answers {
            assert!(
                *status == StatusCode::CREATED
                    || (*status == StatusCode::NOT_FOUND && body.contains("invite_not_found")),
                "{status}: {body}"
            );
        }
        joined_per_round.push(created);
    }
    println!(
        "{RACERS} clients racing one code, {ROUNDS} rounds: devices joined per round {joined_per_round:?}"
    );
    assert!(
        joined_per_round.iter().all(|n| *n == 1),
        "{joined_per_round:?}"
    );
    assert_eq!(api.devices(&owner.token).await.devices.len(), 1 + ROUNDS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn two_batches_raced_at_one_seq_give_one_201_and_one_409_and_every_pull_agrees() {
    const ROUNDS: u64 = 20;
    let api = Api::new();
    let owner = api.create_shop("同号竞争").await;
    let clerk = api.add_clerk(&owner.token, "两个标签页").await;
    let reader = api.add_clerk(&owner.token, "另一台").await;
    let mut winners = Vec::new();
    let mut outcomes = Vec::new();
    for seq in 1..=ROUNDS {
        let answers: Vec<(StatusCode, String)> = at_once(2, |tab| {
            let api = api.elsewhere();
            let token = clerk.token.clone();
            async move {
                let r = api
                    .push(&token, seq, 1, &format!("tab{tab}-seq{seq}"))
                    .await;
                (r.status(), r.text().await.unwrap())
            }
        })
        .await;
        let mut statuses: Vec<u16> = answers.iter().map(|(s, _)| s.as_u16()).collect();
        statuses.sort();
        outcomes.push(statuses.clone());
        assert_eq!(statuses, [201, 409], "{answers:?}");
        let loser = answers
            .iter()
            .find(|(s, _)| *s == StatusCode::CONFLICT)
            .unwrap();
        assert!(loser.1.contains("\"conflict\""), "{}", loser.1);
        let winner = answers
            .iter()
            .position(|(s, _)| *s == StatusCode::CREATED)
            .unwrap();
        winners.push(format!("tab{winner}-seq{seq}"));
    }
    println!("two different batches raced at one seq, {ROUNDS} rounds: {outcomes:?}");
    for token in [&owner.token, &reader.token] {
        let pulled: Vec<String> = api
            .pull_all(token)
            .await
            .into_iter()
            .filter(|(device, _, _)| *device == clerk.device_id)
            .map(|(_, _, payload)| payload)
            .collect();
        assert_eq!(
            pulled, winners,
            "every pull returns the stored batch of each seq"
        );
    }
    // The same batch from two tabs at once: one stores it, the other is told it is stored.
    let seq = ROUNDS + 1;
    let answers: Vec<StatusCode> = at_once(2, |_| {
        let api = api.elsewhere();
        let token = clerk.token.clone();
        async move { api.push(&token, seq, 1, "same in both tabs").await.status() }
    })
    .await;
    let mut sorted: Vec<u16> = answers.iter().map(|s| s.as_u16()).collect();
    sorted.sort();
    assert_eq!(sorted, [200, 201]);
    error(
        api.push(&clerk.token, seq, 1, "a third version").await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let last = api
        .pull(&owner.token, json!({ &clerk.device_id: ROUNDS }))
        .await;
    assert_eq!(last.batches.len(), 1);
    assert_eq!(last.batches[0].payload, "same in both tabs");
}
