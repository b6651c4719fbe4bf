//! The sync loop, the same for the app and the tests: push this device's outbox batch by
//! batch, then pull the other devices' batches until the server has no more, storing every
//! step before taking the next (so a crash or a lost answer at any point only causes an
//! idempotent retry, never a loss or a duplicate).
//!
//! It talks to the server through a [`Transport`] and changes the replica through a [`Host`]
//! (which stores each step's journal record before applying it). What can go wrong is a
//! [`SyncError`] that says what it means for the user and whether trying again helps.

use crate::codec::snapshot::{Level, SnapshotWriter};
use crate::replica::{Journal, Replica};
use crate::sync::{
    ApiError, Cursor, MAX_BODY_BYTES, PullRequest, PullResponse, PushAck, PushBatch,
    SnapshotCommit, SnapshotHead,
};
use sha2::{Digest, Sha256};

/// Why one request failed.
#[derive(Clone, Debug, PartialEq)]
pub enum CallError {
    /// No answer (offline, server down, timed out).
    Network(String),
    /// The server answered with an error.
    Server {
        /// HTTP status.
        status: u16,
        /// The error body.
        error: ApiError,
        /// Seconds to wait before trying again, when the server said (`Retry-After`).
        retry_after: Option<u64>,
    },
}

impl CallError {
    /// Reads an HTTP answer: the body when the status is 2xx, else the server's error (its
    /// JSON error body, or the start of whatever it sent) with its `Retry-After` seconds.
    pub fn from_answer(
        status: u16,
        retry_after: Option<&str>,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, CallError> {
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let error = serde_json::from_slice(&body).unwrap_or_else(|_| ApiError {
            error: "http".into(),
            message: String::from_utf8_lossy(&body).chars().take(200).collect(),
        });
        Err(CallError::Server {
            status,
            error,
            retry_after: retry_after.and_then(|v| v.trim().parse().ok()),
        })
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Network(m) => write!(f, "network: {m}"),
            CallError::Server { status, error, .. } => {
                write!(f, "{status} {}: {}", error.error, error.message)
            }
        }
    }
}

/// The server, as the loop needs it.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// `PUT /v1/log/{seq}`.
    async fn push(&self, batch: &PushBatch) -> Result<PushAck, CallError>;
    /// `POST /v1/pull`.
    async fn pull(&self, request: &PullRequest) -> Result<PullResponse, CallError>;
    /// `GET /v1/snapshot` (`None`: the shop has none yet).
    async fn snapshot_head(&self) -> Result<Option<SnapshotHead>, CallError>;
    /// `GET /v1/snapshots/{snap}/parts/{n}`.
    async fn snapshot_part(&self, snap: &str, n: u32) -> Result<Vec<u8>, CallError>;
    /// `PUT /v1/snapshots/{snap}/parts/{n}` (owner only).
    async fn put_snapshot_part(&self, snap: &str, n: u32, bytes: &[u8]) -> Result<(), CallError>;
    /// `POST /v1/snapshots/{snap}/commit` (owner only).
    async fn commit_snapshot(&self, snap: &str, commit: &SnapshotCommit) -> Result<(), CallError>;
}

/// The device's replica and its storage, as the loop needs them.
#[allow(async_fn_in_trait)]
pub trait Host {
    /// Plans a change with the replica, stores its journal record, then applies it; an
    /// error means nothing changed.
    async fn change<R>(
        &self,
        plan: impl FnOnce(&mut Replica) -> (R, Option<Journal>),
    ) -> Result<R, String>;
    /// What this device has applied from every other device.
    fn cursor(&self) -> Cursor;
    /// Changes waiting for the server.
    fn pending(&self) -> usize;
    /// True for a device known to be a clerk's (its owner-only changes are not applied).
    fn is_clerk(&self, device: &str) -> bool;
    /// True until the device has caught up with the shop once (a device that just joined).
    fn is_new(&self) -> bool;
    /// How far a long download is (0–1), for a "syncing N%" line.
    fn progress(&self, _done: f64) {}
}

/// Why a sync stopped, in terms of what it means for the user.
#[derive(Clone, Debug, PartialEq)]
pub enum SyncError {
    /// The server or the network did not answer, or asked to wait: changes stay on the device
    /// and go out on a later try.
    Unreachable {
        /// What happened.
        reason: String,
        /// Seconds the server asked to wait, if it did.
        retry_after: Option<u64>,
    },
    /// This device was removed from the shop (or its credentials are no longer valid): it
    /// will never sync again, and `unsent` changes made here never reached the shop.
    Revoked {
        /// Changes that never left this device.
        unsent: usize,
        /// The server's words.
        message: String,
    },
    /// The server refused a change this device is not allowed to make (403).
    Refused {
        /// The server's words.
        message: String,
    },
    /// The server holds a different batch where this device's next one goes: another copy of
    /// this device (a restored backup, a second installation) sent its own changes under the
    /// same name. Trying again cannot help.
    Conflict {
        /// The batch in question.
        seq: u64,
        /// The server's words.
        message: String,
    },
    /// The device could not store a step (storage full or unavailable): nothing was lost, the
    /// step is retried.
    Storage(String),
}

impl SyncError {
    /// True when trying again later can succeed.
    pub fn retryable(&self) -> bool {
        matches!(self, SyncError::Unreachable { .. } | SyncError::Storage(_))
    }
}

impl std::fmt::Display for SyncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SyncError::Unreachable { reason, .. } => {
                write!(f, "cannot reach the sync server: {reason}")
            }
            SyncError::Revoked { unsent, message } => {
                write!(
                    f,
                    "this device was removed from the shop ({message}); {unsent} changes never reached it"
                )
            }
            SyncError::Refused { message } => write!(f, "the server refused a change: {message}"),
            SyncError::Conflict { seq, message } => write!(f, "batch {seq} conflicts: {message}"),
            SyncError::Storage(m) => write!(f, "cannot store on this device: {m}"),
        }
    }
}

/// What one run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Batches this device's server acknowledged.
    pub pushed: usize,
    /// Rounds of pulled batches that changed something.
    pub pulled: usize,
    /// The shop's snapshot was merged.
    pub snapshot: bool,
}

/// Downloads the shop's snapshot (checking its size and hash) and merges it. False when the
/// shop has none.
async fn from_snapshot(host: &impl Host, transport: &impl Transport) -> Result<bool, SyncError> {
    let unreachable = |e| classify(e, None, host.pending());
    let Some(head) = transport.snapshot_head().await.map_err(unreachable)? else {
        return Ok(false);
    };
    let mut parts = Vec::with_capacity(head.parts as usize);
    let mut hash = Sha256::new();
    for n in 0..head.parts {
        let part = transport
            .snapshot_part(&head.snap, n)
            .await
            .map_err(unreachable)?;
        hash.update(&part);
        parts.push(part);
        host.progress(f64::from(n + 1) / f64::from(head.parts.max(1)));
    }
    let bytes: u64 = parts.iter().map(|p| p.len() as u64).sum();
    if bytes != head.bytes || hex::encode(hash.finalize()) != head.sha256 {
        return Err(SyncError::Unreachable {
            reason: "the snapshot arrived damaged".into(),
            retry_after: None,
        });
    }
    let record = Journal::Merged {
        parts,
        cursor: head.cursor,
    };
    host.change(|_| ((), Some(record)))
        .await
        .map_err(SyncError::Storage)?;
    Ok(true)
}

/// Rows in each block of a shop's snapshot: a new device reads a block at a time (a block of
/// 2,000 customers takes a phone's browser about 30–50 ms), and larger blocks make the
/// snapshot only a little smaller (5,000 rows: 5 % smaller, 20,000 rows: 8 %).
pub const SNAPSHOT_STEP_ROWS: usize = 2_000;

/// A writer of a shop's snapshot as every owner device writes it: the compact level, in parts
/// that fit a request body with room to spare. Step it with [`SNAPSHOT_STEP_ROWS`].
pub fn snapshot_writer() -> SnapshotWriter {
    SnapshotWriter::new(Level::Small, MAX_BODY_BYTES - 4096)
}

/// Uploads a snapshot (its compressed parts, covering the streams up to `cursor`) and makes it
/// the shop's head (owner devices only). `snap` names it: letters, digits, `-` and `_`.
pub async fn upload_snapshot(
    transport: &impl Transport,
    snap: &str,
    parts: &[Vec<u8>],
    cursor: Cursor,
) -> Result<(), SyncError> {
    let fail = |e| classify(e, None, 0);
    let mut hash = Sha256::new();
    for (n, part) in parts.iter().enumerate() {
        hash.update(part);
        transport
            .put_snapshot_part(snap, n as u32, part)
            .await
            .map_err(fail)?;
    }
    let commit = SnapshotCommit {
        parts: parts.len() as u32,
        cursor,
        bytes: parts.iter().map(|p| p.len() as u64).sum(),
        sha256: hex::encode(hash.finalize()),
    };
    transport.commit_snapshot(snap, &commit).await.map_err(fail)
}

/// At most this many pushes, and as many pulls, in one run (each carries ≤ 1,000 ops or ≤ 200
/// batches); the next run goes on.
pub const MAX_ROUNDS: usize = 500;

/// Pushes, then pulls, until there is nothing left on either side (or [`MAX_ROUNDS`]). A new
/// device starts from the shop's snapshot; a device whose cursor is older than what the
/// server still keeps (`409 snapshot_required`) merges the snapshot and pulls on from it.
pub async fn run(host: &impl Host, transport: &impl Transport) -> Result<Report, SyncError> {
    let mut report = Report::default();
    for _ in 0..MAX_ROUNDS {
        let batch = host
            .change(|r| r.plan_next_batch())
            .await
            .map_err(SyncError::Storage)?;
        let Some(batch) = batch else { break };
        let ack = transport
            .push(&batch)
            .await
            .map_err(|e| classify(e, Some(batch.seq), host.pending()))?;
        host.change(|r| ((), r.plan_acknowledged(ack.seq)))
            .await
            .map_err(SyncError::Storage)?;
        report.pushed += 1;
    }
    if host.is_new() {
        report.snapshot = from_snapshot(host, transport).await?;
    }
    for _ in 0..MAX_ROUNDS {
        let request = PullRequest {
            cursor: host.cursor(),
        };
        let answer = match transport.pull(&request).await {
            Ok(answer) => answer,
            Err(CallError::Server {
                status: 409, error, ..
            }) if error.error == "snapshot_required" && !report.snapshot => {
                report.snapshot = from_snapshot(host, transport).await?;
                if !report.snapshot {
                    return Err(SyncError::Unreachable {
                        reason: "the server asks for a snapshot it does not have".into(),
                        retry_after: None,
                    });
                }
                continue;
            }
            Err(e) => return Err(classify(e, None, host.pending())),
        };
        let changed = host
            .change(|r| {
                let record = r.plan_receive(&answer.batches, &|d| host.is_clerk(d));
                (record.is_some(), record)
            })
            .await
            .map_err(SyncError::Storage)?;
        report.pulled += usize::from(changed);
        if !answer.more {
            host.change(|r| ((), r.plan_caught_up()))
                .await
                .map_err(SyncError::Storage)?;
            break;
        }
    }
    Ok(report)
}

/// What a failed request means.
fn classify(e: CallError, seq: Option<u64>, pending: usize) -> SyncError {
    match e {
        CallError::Network(reason) => SyncError::Unreachable {
            reason,
            retry_after: None,
        },
        CallError::Server {
            status: 401, error, ..
        } => SyncError::Revoked {
            unsent: pending,
            message: error.message,
        },
        CallError::Server {
            status: 403, error, ..
        } => SyncError::Refused {
            message: error.message,
        },
        CallError::Server {
            status: 409, error, ..
        } if error.error == "conflict" => SyncError::Conflict {
            seq: seq.unwrap_or(0),
            message: error.message,
        },
        CallError::Server {
            status,
            error,
            retry_after,
        } => SyncError::Unreachable {
            reason: format!("{status} {}: {}", error.error, error.message),
            retry_after,
        },
    }
}

/// How long to wait before try `attempt` (1, 2, …) after a retryable failure: exponential
/// from 2 s up to 5 minutes, with full jitter (`random` in 0..1) so devices that failed
/// together do not come back together; at least what the server asked for.
pub fn backoff_ms(attempt: u32, random: f64, retry_after_s: Option<u64>) -> u64 {
    let cap = 300_000f64;
    let ceiling = (2_000f64 * 2f64.powi(attempt.saturating_sub(1).min(16) as i32)).min(cap);
    let jittered = (ceiling * random.clamp(0.0, 1.0)).max(1_000.0) as u64;
    jittered.max(retry_after_s.unwrap_or(0).saturating_mul(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_reads_as_its_body_or_the_servers_error() {
        assert_eq!(
            CallError::from_answer(200, None, b"ok".to_vec()).unwrap(),
            b"ok"
        );
        let Err(CallError::Server {
            status,
            error,
            retry_after,
        }) = CallError::from_answer(
            429,
            Some(" 30 "),
            br#"{"error":"rate_limited","message":"too many"}"#.to_vec(),
        )
        else {
            panic!("a 429 is the server's error");
        };
        assert_eq!(
            (status, error.error.as_str(), retry_after),
            (429, "rate_limited", Some(30))
        );
        let Err(CallError::Server { error, .. }) =
            CallError::from_answer(502, Some("soon"), "网关".repeat(300).into_bytes())
        else {
            panic!("a 502 is the server's error");
        };
        assert_eq!(error.error, "http", "a body that is not our JSON error");
        assert_eq!(error.message.chars().count(), 200, "only its start is kept");
    }

    #[test]
    fn backoff_grows_is_jittered_capped_and_honours_the_server() {
        assert_eq!(backoff_ms(1, 1.0, None), 2_000);
        assert_eq!(backoff_ms(3, 1.0, None), 8_000);
        assert_eq!(backoff_ms(30, 1.0, None), 300_000);
        assert_eq!(backoff_ms(3, 0.5, None), 4_000);
        assert_eq!(backoff_ms(3, 0.0, None), 1_000, "never hammering");
        assert_eq!(backoff_ms(1, 1.0, Some(60)), 60_000);
    }

    #[test]
    fn failures_are_told_apart_by_what_they_mean() {
        let server = |status, code: &str| CallError::Server {
            status,
            error: ApiError {
                error: code.into(),
                message: "m".into(),
            },
            retry_after: None,
        };
        assert!(matches!(
            classify(server(401, "revoked"), None, 4),
            SyncError::Revoked { unsent: 4, .. }
        ));
        assert!(matches!(
            classify(server(403, "forbidden"), None, 0),
            SyncError::Refused { .. }
        ));
        assert!(matches!(
            classify(server(409, "conflict"), Some(7), 0),
            SyncError::Conflict { seq: 7, .. }
        ));
        for retry in [
            server(409, "gap"),
            server(503, "storage_unavailable"),
            server(429, "rate_limited"),
            CallError::Network("x".into()),
        ] {
            assert!(classify(retry, Some(1), 0).retryable());
        }
        assert!(!classify(server(401, "revoked"), None, 0).retryable());
    }
}
