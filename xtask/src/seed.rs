//! `cargo xtask seed-demo`: loads a synthetic shop (`huike_core::synth`) into a running worker
//! the way its three devices would have: the owner creates the shop, invites the two clerks,
//! they join, and every device pushes its own ops as its own stream through the real API
//! (`PUT /v1/log/{seq}`). The batches are made by `huike_core::replica::Replica`, exactly as
//! the app's sync client makes them, so the wire format is core's. Ends with a fresh owner
//! invite code for the device that will try the app.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use huike_core::book::Book;
use huike_core::client::driver::{self, CallError, Transport};
use huike_core::domain::Role;
use huike_core::op::Op;
use huike_core::replica::Replica;
use huike_core::sync::{
    CreateShopRequest, Cursor, DeviceCredentials, Invite, InviteRequest, JoinRequest, PullRequest,
    PullResponse, PushAck, PushBatch, SnapshotCommit, SnapshotHead,
};
use huike_core::synth::Params;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cli::SeedOptions;
use crate::http;
use crate::procs;
use crate::step::{Step, say, seconds};

/// The header a deployment without open sign-up wants on `POST /v1/shops`.
pub(crate) const SIGNUP_SECRET_HEADER: &str = "X-Huike-Signup-Secret";

/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(60);
/// How often a request that failed in a retryable way is tried again.
const ATTEMPTS: u32 = 30;

/// What was loaded.
#[derive(Debug, Clone)]
pub(crate) struct Seeded {
    /// A fresh owner invite code (valid 24 h).
    pub invite_code: String,
    /// The owner device's credentials (to make more invites).
    pub owner: DeviceCredentials,
    /// Ops pushed, over all devices.
    pub ops: usize,
    /// Batches pushed.
    pub batches: usize,
    /// How long the pushes took.
    pub push_time: Duration,
}

/// Generates the shop, loads it, prints progress and, last, `invite code: <code>`.
pub(crate) fn run(options: &SeedOptions) -> Result<Seeded> {
    let seeded = seed(options)?;
    println!("invite code: {}", seeded.invite_code);
    Ok(seeded)
}

/// [`run`] without the closing line.
pub(crate) fn seed(options: &SeedOptions) -> Result<Seeded> {
    let server = options.server.trim_end_matches('/').to_owned();
    let step = Step::start(format!(
        "synthetic shop (seed {}, {} customers, {} purchases)",
        options.seed, options.customers, options.purchases
    ));
    let ops = Params::new(options.seed, options.customers, options.purchases).ops();
    let mut book = Book::new();
    for op in &ops {
        book.apply(op);
    }
    let streams = split_by_node(ops);
    step.done(format_args!(
        "{} ops from {} devices ({})",
        streams.iter().map(Vec::len).sum::<usize>(),
        streams.len(),
        streams
            .iter()
            .map(|s| s.len().to_string())
            .collect::<Vec<_>>()
            .join(" + ")
    ));

    let api = Api::new(&server);
    let step = Step::start(format!("shop and devices on {server}"));
    let owner: DeviceCredentials = api
        .call(
            "POST",
            "/v1/shops",
            None,
            options.signup_secret.as_deref(),
            &CreateShopRequest {
                shop_name: "好孩子母婴店 (demo)".into(),
                owner_name: "王店长".into(),
            },
            false,
        )
        .context("creating the shop (a deployment without open sign-up needs --signup-secret)")?;
    let mut devices = vec![owner.clone()];
    for i in 1..streams.len() {
        let invite = api.invite(&owner.token, Role::Clerk)?;
        let clerk: DeviceCredentials = api
            .call(
                "POST",
                "/v1/join",
                None,
                None,
                &JoinRequest {
                    code: invite.code,
                    display_name: format!("店员{i}"),
                },
                false,
            )
            .with_context(|| format!("joining clerk {i}"))?;
        devices.push(clerk);
    }
    step.done(format_args!(
        "shop {}, {} devices",
        owner.shop_id,
        devices.len()
    ));

    let step = Step::start("push every device's stream (PUT /v1/log/{seq})");
    let total: usize = streams.iter().map(Vec::len).sum();
    let pushed = AtomicUsize::new(0);
    let batches = AtomicUsize::new(0);
    let started = Instant::now();
    let outcome = thread::scope(|scope| -> Result<Cursor> {
        let workers: Vec<_> = devices
            .iter()
            .zip(streams)
            .map(|(device, ops)| {
                let (api, pushed, batches) = (&api, &pushed, &batches);
                scope.spawn(move || {
                    push_stream(api, device, ops, pushed, batches)
                        .map(|last| (device.device_id.clone(), last))
                })
            })
            .collect();
        let mut last = Instant::now();
        while workers.iter().any(|w| !w.is_finished()) {
            thread::sleep(Duration::from_millis(100));
            if last.elapsed() >= Duration::from_secs(3) {
                last = Instant::now();
                let done = pushed.load(Ordering::Relaxed);
                say(format_args!(
                    "pushed {done} / {total} ops ({} batches, {:.0} ops/s)",
                    batches.load(Ordering::Relaxed),
                    done as f64 / started.elapsed().as_secs_f64()
                ));
            }
        }
        workers
            .into_iter()
            .map(|w| w.join().expect("a push thread panicked"))
            .collect()
    });
    let cursor = outcome?;
    let push_time = started.elapsed();
    step.done(format_args!(
        "{total} ops in {} batches",
        batches.load(Ordering::Relaxed)
    ));
    let step = Step::start("the owner's snapshot (what a new device starts from)");
    let bytes = upload_snapshot(&api, &owner, &book, cursor)?;
    step.done(format_args!("{:.1} MB", bytes as f64 / 1e6));
    let invite = api.invite(&owner.token, Role::Owner)?;
    say(format_args!(
        "open the app, choose Join shop (加入店铺) and enter the invite code below (valid 24 h); pushes took {}",
        seconds(push_time)
    ));
    Ok(Seeded {
        invite_code: invite.code,
        owner,
        ops: total,
        batches: batches.load(Ordering::Relaxed),
        push_time,
    })
}

/// A new shop with its owner only, nothing in it: a fresh owner invite code for the device
/// that will try the app.
pub(crate) fn empty_shop(server: &str) -> Result<String> {
    let api = Api::new(server.trim_end_matches('/'));
    let owner: DeviceCredentials = api
        .call(
            "POST",
            "/v1/shops",
            None,
            None,
            &CreateShopRequest {
                shop_name: "导入测试店 (bench)".into(),
                owner_name: "王店长".into(),
            },
            false,
        )
        .context("creating an empty shop")?;
    Ok(api.invite(&owner.token, Role::Owner)?.code)
}

/// A fresh owner invite code from the shop whose owner has `owner_token`.
pub(crate) fn owner_invite(server: &str, owner_token: &str) -> Result<String> {
    Ok(Api::new(server.trim_end_matches('/'))
        .invite(owner_token, Role::Owner)?
        .code)
}

/// The ops split into one stream per stamping device (`op.at().n`), in the order the devices
/// first wrote (the owner, who creates the shop, first); each stream keeps stamp order.
pub(crate) fn split_by_node(ops: Vec<Op>) -> Vec<Vec<Op>> {
    let mut index: HashMap<u64, usize> = HashMap::new();
    let mut streams: Vec<Vec<Op>> = Vec::new();
    for op in ops {
        let node = op.at().n;
        let i = *index.entry(node).or_insert_with(|| {
            streams.push(Vec::new());
            streams.len() - 1
        });
        streams[i].push(op);
    }
    streams
}

/// Pushes one device's ops as its stream: the replica forms each batch, the server
/// acknowledges it, the replica drops it from its outbox; a failed push is retried with the
/// very same batch.
fn push_stream(
    api: &Api,
    device: &DeviceCredentials,
    ops: Vec<Op>,
    pushed: &AtomicUsize,
    batches: &AtomicUsize,
) -> Result<u64> {
    let mut replica = Replica::new(device.device_id.clone());
    replica.local(ops);
    loop {
        procs::check_interrupted()?;
        let (batch, _) = replica.next_batch();
        let Some(batch) = batch else {
            return Ok(replica.sync().next_seq.saturating_sub(1));
        };
        let ack: PushAck = api
            .call(
                "PUT",
                &format!("/v1/log/{}", batch.seq),
                Some(&device.token),
                None,
                &batch,
                true,
            )
            .with_context(|| {
                format!("pushing batch {} of device {}", batch.seq, device.device_id)
            })?;
        if ack.seq != batch.seq {
            bail!(
                "the server acknowledged batch {} for batch {}",
                ack.seq,
                batch.seq
            );
        }
        replica.acknowledged(ack.seq);
        pushed.fetch_add(batch_len(&batch), Ordering::Relaxed);
        batches.fetch_add(1, Ordering::Relaxed);
    }
}

fn batch_len(batch: &PushBatch) -> usize {
    batch.ops as usize
}

/// The worker's API over ureq.
struct Api {
    agent: ureq::Agent,
    base: String,
}

impl Api {
    fn new(base: &str) -> Api {
        Api {
            agent: http::agent(TIMEOUT),
            base: base.to_owned(),
        }
    }

    fn invite(&self, owner_token: &str, role: Role) -> Result<Invite> {
        self.call(
            "POST",
            "/v1/invites",
            Some(owner_token),
            None,
            &InviteRequest { role },
            false,
        )
        .with_context(|| format!("creating a {role:?} invite"))
    }

    /// One JSON call (see [`Api::send`]).
    fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        signup_secret: Option<&str>,
        body: &B,
        idempotent: bool,
    ) -> Result<T> {
        let answer = self.send(
            method,
            path,
            token,
            signup_secret,
            ("application/json", serde_json::to_vec(body)?),
            idempotent,
        )?;
        serde_json::from_slice(&answer).with_context(|| {
            format!(
                "{method} {path}: unreadable answer {}",
                String::from_utf8_lossy(&answer)
            )
        })
    }

    /// One call with a body of the given type; the answer's body. `429` is waited out
    /// (`Retry-After`) and retried, as is any failure of an `idempotent` call that may be
    /// passing (`5xx`, a network error, `409 gap`: the stream's previous batch not visible
    /// yet); anything else fails with the server's words.
    fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        signup_secret: Option<&str>,
        (content_type, body): (&str, Vec<u8>),
        idempotent: bool,
    ) -> Result<Vec<u8>> {
        let url = format!("{}{path}", self.base);
        let mut backoff = Duration::from_millis(250);
        for attempt in 1..=ATTEMPTS {
            let mut request = ureq::http::Request::builder()
                .method(method)
                .uri(&url)
                .header("Content-Type", content_type);
            if let Some(token) = token {
                request = request.header("Authorization", format!("Bearer {token}"));
            }
            if let Some(secret) = signup_secret {
                request = request.header(SIGNUP_SECRET_HEADER, secret);
            }
            let request = request.body(body.clone()).context("forming a request")?;
            let failure = match self
                .agent
                .run(request)
                .map_err(anyhow::Error::from)
                .and_then(|r| Ok(http::read(r)?))
            {
                Ok(response) if (200..300).contains(&response.status) => return Ok(response.body),
                Ok(response) => {
                    let text = String::from_utf8_lossy(&response.body).into_owned();
                    let retry = match response.status {
                        429 => Some(retry_after(response.header("retry-after")).unwrap_or(backoff)),
                        409 if idempotent && text.contains("\"gap\"") => Some(backoff),
                        500.. if idempotent => Some(backoff),
                        _ => None,
                    };
                    match retry {
                        Some(wait) => (format!("{} {text}", response.status), wait),
                        None => bail!("{method} {path} answered {}: {text}", response.status),
                    }
                }
                Err(error) if idempotent => (format!("{error:#}"), backoff),
                Err(error) => return Err(error.context(format!("{method} {url}"))),
            };
            let (why, wait) = failure;
            if attempt == ATTEMPTS {
                bail!("{method} {path} still failing after {ATTEMPTS} attempts: {why}");
            }
            say(format_args!(
                "{method} {path}: {why}; again in {:.1} s",
                wait.as_secs_f64()
            ));
            procs::check_interrupted()?;
            thread::sleep(wait);
            backoff = (backoff * 2).min(Duration::from_secs(10));
        }
        unreachable!("the loop returns or fails on its last attempt")
    }
}

/// The owner device's view of the worker, as core's sync loop sees a server (the snapshot
/// upload goes through core, as in the app).
struct Owner<'a> {
    api: &'a Api,
    token: &'a str,
}

impl Owner<'_> {
    fn fail(e: anyhow::Error) -> CallError {
        CallError::Network(format!("{e:#}"))
    }

    fn get_bytes(&self, path: &str) -> Result<Vec<u8>, CallError> {
        let empty = ("application/json", Vec::new());
        self.api
            .send("GET", path, Some(self.token), None, empty, true)
            .map_err(Owner::fail)
    }
}

impl Transport for Owner<'_> {
    async fn push(&self, batch: &PushBatch) -> Result<PushAck, CallError> {
        let path = format!("/v1/log/{}", batch.seq);
        self.api
            .call("PUT", &path, Some(self.token), None, batch, true)
            .map_err(Owner::fail)
    }

    async fn pull(&self, request: &PullRequest) -> Result<PullResponse, CallError> {
        self.api
            .call("POST", "/v1/pull", Some(self.token), None, request, true)
            .map_err(Owner::fail)
    }

    async fn snapshot_head(&self) -> Result<Option<SnapshotHead>, CallError> {
        let body = self.get_bytes("/v1/snapshot")?;
        serde_json::from_slice(&body)
            .map(Some)
            .map_err(|e| CallError::Network(e.to_string()))
    }

    async fn snapshot_part(&self, snap: &str, n: u32) -> Result<Vec<u8>, CallError> {
        self.get_bytes(&format!("/v1/snapshots/{snap}/parts/{n}"))
    }

    async fn put_snapshot_part(&self, snap: &str, n: u32, bytes: &[u8]) -> Result<(), CallError> {
        let path = format!("/v1/snapshots/{snap}/parts/{n}");
        let body = ("application/octet-stream", bytes.to_vec());
        self.api
            .send("PUT", &path, Some(self.token), None, body, true)
            .map(|_| ())
            .map_err(Owner::fail)
    }

    async fn commit_snapshot(&self, snap: &str, commit: &SnapshotCommit) -> Result<(), CallError> {
        let path = format!("/v1/snapshots/{snap}/commit");
        self.api
            .call::<_, serde_json::Value>("POST", &path, Some(self.token), None, commit, true)
            .map(|_| ())
            .map_err(Owner::fail)
    }
}

/// The owner uploads the shop's snapshot (covering every stream up to `cursor`), as the app
/// does after a sync: what a new device starts from. Returns its parts' bytes.
fn upload_snapshot(
    api: &Api,
    owner: &DeviceCredentials,
    book: &Book,
    cursor: Cursor,
) -> Result<usize> {
    let mut writer = driver::snapshot_writer();
    while !writer.step(book, driver::SNAPSHOT_STEP_ROWS) {}
    let parts = writer.finish();
    let link = Owner {
        api,
        token: &owner.token,
    };
    let snap = format!("seed-{}", std::process::id());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .context("a runtime for the upload")?;
    runtime
        .block_on(driver::upload_snapshot(&link, &snap, &parts, cursor))
        .map_err(|e| anyhow::anyhow!("uploading the snapshot: {e}"))?;
    Ok(parts.iter().map(Vec::len).sum())
}

/// `Retry-After` in seconds (the HTTP-date form is not used by the worker).
fn retry_after(value: Option<&str>) -> Option<Duration> {
    let seconds: f64 = value?.trim().parse().ok()?;
    (seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(300.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_synthetic_shop_splits_into_three_streams_owner_first() {
        let ops = Params::new(7, 30, 60).ops();
        let first_node = ops[0].at().n;
        let count = ops.len();
        let streams = split_by_node(ops);
        assert_eq!(streams.len(), 3);
        assert_eq!(streams[0][0].at().n, first_node);
        assert_eq!(streams.iter().map(Vec::len).sum::<usize>(), count);
        for stream in &streams {
            let node = stream[0].at().n;
            assert!(stream.iter().all(|op| op.at().n == node));
            assert!(
                stream.windows(2).all(|w| w[0].at() <= w[1].at()),
                "stamp order kept"
            );
        }
    }

    #[test]
    fn retry_after_reads_seconds() {
        assert_eq!(retry_after(Some("2")), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(Some(" 0.5 ")), Some(Duration::from_millis(500)));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
        assert_eq!(retry_after(None), None);
    }

    /// A fake of the worker's API (shop, invites, join, push) that answers the first push of
    /// every third batch with 429, of every fifth with 503, and stores every seventh but loses
    /// the answer (tiny_http answers a dropped request with a 500): seed-demo must still store
    /// every batch exactly once, in order, with the content core's replica made.
    #[test]
    fn seeds_through_rate_limits_server_errors_and_lost_answers() {
        use std::collections::{BTreeMap, HashSet};
        use std::sync::{Arc, Mutex};

        #[derive(Default)]
        struct Fake {
            devices: Vec<String>,
            codes: HashSet<String>,
            batches: BTreeMap<(String, u64), serde_json::Value>,
            faults: HashSet<(String, u64)>,
            secret_seen: bool,
            parts: BTreeMap<u32, Vec<u8>>,
            commit: Option<SnapshotCommit>,
        }
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let addr = server.server_addr().to_ip().unwrap();
        let state = Arc::new(Mutex::new(Fake::default()));
        let (srv, st) = (Arc::clone(&server), Arc::clone(&state));
        let handler = thread::spawn(move || {
            while let Ok(mut request) = srv.recv() {
                let mut bytes = Vec::new();
                request.as_reader().read_to_end(&mut bytes).unwrap();
                let body = String::from_utf8_lossy(&bytes).into_owned();
                let token = request
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("Authorization"))
                    .map(|h| h.value.as_str().trim_start_matches("Bearer ").to_owned());
                let secret = request
                    .headers()
                    .iter()
                    .any(|h| h.field.equiv(SIGNUP_SECRET_HEADER));
                let url = request.url().to_owned();
                let mut fake = st.lock().unwrap();
                let credentials = |device: String, role: Role| DeviceCredentials {
                    shop_id: "shop".into(),
                    shop_name: "demo".into(),
                    token: format!("token-{device}"),
                    device_id: device,
                    role,
                };
                let (status, answer) = match (request.method().as_str(), url.as_str()) {
                    ("POST", "/v1/shops") => {
                        fake.secret_seen = secret;
                        fake.devices.push("d0".into());
                        (
                            201,
                            serde_json::to_string(&credentials("d0".into(), Role::Owner)).unwrap(),
                        )
                    }
                    ("POST", "/v1/invites") => {
                        let role: InviteRequest = serde_json::from_str(&body).unwrap();
                        let code = format!("CODE-{:04}", fake.codes.len());
                        fake.codes.insert(code.clone());
                        let invite = Invite {
                            code,
                            expires_at: 0,
                            role: role.role,
                        };
                        (201, serde_json::to_string(&invite).unwrap())
                    }
                    ("POST", "/v1/join") => {
                        let join: JoinRequest = serde_json::from_str(&body).unwrap();
                        assert!(fake.codes.remove(&join.code), "a code is used once");
                        let device = format!("d{}", fake.devices.len());
                        fake.devices.push(device.clone());
                        (
                            201,
                            serde_json::to_string(&credentials(device, Role::Clerk)).unwrap(),
                        )
                    }
                    ("PUT", path) if path.starts_with("/v1/snapshots/") => {
                        let n: u32 = path.rsplit('/').next().unwrap().parse().unwrap();
                        fake.parts.insert(n, bytes);
                        (201, "{}".to_owned())
                    }
                    ("POST", path) if path.ends_with("/commit") => {
                        fake.commit = Some(serde_json::from_str(&body).unwrap());
                        (201, "{}".to_owned())
                    }
                    ("PUT", path) => {
                        let seq: u64 = path.trim_start_matches("/v1/log/").parse().unwrap();
                        let device = token.unwrap().trim_start_matches("token-").to_owned();
                        let key = (device.clone(), seq);
                        let first_try = fake.faults.insert(key.clone());
                        if first_try && seq.is_multiple_of(3) {
                            drop(fake);
                            let _ = request.respond(
                                tiny_http::Response::from_string(
                                    "{\"error\":\"rate_limited\",\"message\":\"slow\"}",
                                )
                                .with_status_code(429)
                                .with_header(
                                    tiny_http::Header::from_bytes("Retry-After", "0").unwrap(),
                                ),
                            );
                            continue;
                        }
                        if first_try && seq.is_multiple_of(5) {
                            drop(fake);
                            let _ = request.respond(
                                tiny_http::Response::from_string("{}").with_status_code(503),
                            );
                            continue;
                        }
                        let batch: serde_json::Value = serde_json::from_str(&body).unwrap();
                        assert_eq!(batch["seq"], seq);
                        if seq > 1 {
                            assert!(
                                fake.batches.contains_key(&(device.clone(), seq - 1)),
                                "in order"
                            );
                        }
                        let stored = match fake.batches.get(&key) {
                            Some(existing) => {
                                assert_eq!(*existing, batch, "a retry is the very same batch");
                                false
                            }
                            None => {
                                fake.batches.insert(key, batch);
                                true
                            }
                        };
                        if first_try && seq.is_multiple_of(7) {
                            // Stored, but the answer is lost on the way (dropped: a 500).
                            continue;
                        }
                        (
                            if stored { 201 } else { 200 },
                            serde_json::to_string(&PushAck { seq, stored }).unwrap(),
                        )
                    }
                    other => panic!("unexpected request {other:?}"),
                };
                drop(fake);
                let _ = request
                    .respond(tiny_http::Response::from_string(answer).with_status_code(status));
            }
        });

        let options = SeedOptions {
            customers: 1000,
            purchases: 8000,
            seed: 7,
            server: format!("http://{addr}/"),
            signup_secret: Some("s3cret".into()),
        };
        let seeded = seed(&options).unwrap();
        let expected = Params::new(7, 1000, 8000).ops();
        assert_eq!(seeded.ops, expected.len());
        assert!(seeded.invite_code.starts_with("CODE-"));
        let fake = state.lock().unwrap();
        assert!(fake.secret_seen, "the sign-up secret is sent");
        assert_eq!(fake.devices.len(), 3);
        assert!(
            seeded.batches >= 7,
            "enough batches to meet every fault: {}",
            seeded.batches
        );
        // Every device's stream is exactly the batches a replica of that device makes.
        let streams = split_by_node(expected);
        for (device, ops) in fake.devices.iter().zip(streams) {
            let pushed: Vec<&serde_json::Value> = fake
                .batches
                .range((device.clone(), 0)..(device.clone(), u64::MAX))
                .map(|(_, batch)| batch)
                .collect();
            let mut replica = Replica::new(device.clone());
            replica.local(ops);
            let mut made = Vec::new();
            while let (Some(batch), _) = replica.next_batch() {
                replica.acknowledged(batch.seq);
                made.push(serde_json::to_value(&batch).unwrap());
            }
            assert_eq!(pushed.len(), made.len(), "batches of {device}");
            assert!(pushed.into_iter().eq(made.iter()), "stream of {device}");
        }
        // The owner's snapshot covers every stream and holds the whole shop.
        let commit = fake.commit.as_ref().expect("the snapshot was committed");
        assert_eq!(commit.parts as usize, fake.parts.len());
        for device in &fake.devices {
            let batches = fake
                .batches
                .range((device.clone(), 0)..(device.clone(), u64::MAX))
                .count();
            assert_eq!(commit.cursor.get(device).copied(), Some(batches as u64));
        }
        let book = huike_core::codec::snapshot::SnapshotReader::read_all(
            fake.parts.values().map(Vec::as_slice),
        )
        .unwrap();
        assert!(book == Params::new(7, 1000, 8000).book());
        drop(fake);
        server.unblock();
        handler.join().unwrap();
    }
}
