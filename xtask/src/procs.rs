//! Child processes. Each one runs in its own process group, so a tool and everything it starts
//! (wrangler's node and two workerd, `cargo test`'s test binaries, chromedriver and Chromium)
//! is stopped together: SIGTERM to the group, a grace period, then SIGKILL. xtask is also the
//! "subreaper" of everything it starts, so orphans come back to it and are stopped at the end.
//! Ctrl-C (SIGINT) and SIGTERM stop every running group.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::repo::Repo;
use crate::step::say;

/// How long a group gets to exit after SIGTERM before it gets SIGKILL.
const GRACE: Duration = Duration::from_secs(5);

/// Process groups that are running now (their ids), for the signal handler.
static LIVE: Mutex<Vec<i32>> = Mutex::new(Vec::new());
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Makes xtask the reaper of its orphaned descendants and stops every running group on
/// Ctrl-C / SIGTERM. Call once, first.
pub(crate) fn init() -> Result<()> {
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER only sets a flag on this process.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } != 0 {
        say(format_args!(
            "warning: cannot become subreaper ({}); stray processes may outlive xtask",
            std::io::Error::last_os_error()
        ));
    }
    ctrlc::set_handler(|| {
        INTERRUPTED.store(true, Ordering::SeqCst);
        say("interrupted: stopping child processes");
        for &pgid in lock_live().iter() {
            signal_group(pgid, libc::SIGTERM);
        }
    })
    .context("installing the Ctrl-C handler")
}

/// Whether Ctrl-C / SIGTERM was received.
pub(crate) fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Fails with "interrupted" once Ctrl-C / SIGTERM was received (checked between steps).
pub(crate) fn check_interrupted() -> Result<()> {
    if interrupted() {
        bail!("interrupted");
    }
    Ok(())
}

/// A command run from the repository root with stdin closed, the shared cargo target folder,
/// and none of the per-package variables `cargo run` gave xtask (they would confuse nested
/// cargo runs and tools).
pub(crate) fn command(program: impl AsRef<OsStr>, repo: &Repo) -> Command {
    let mut command = Command::new(program);
    command
        .current_dir(&repo.root)
        .stdin(Stdio::null())
        .env("CARGO_TARGET_DIR", &repo.target);
    for (key, _) in std::env::vars_os() {
        let key_text = key.to_string_lossy();
        let per_package = key_text.starts_with("CARGO_PKG_")
            || matches!(
                &*key_text,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
            );
        if per_package {
            command.env_remove(&key);
        }
    }
    command
}

/// Runs a command to completion in its own group with its output shown, failing on a
/// non-zero exit.
pub(crate) fn run(name: &str, command: &mut Command) -> Result<()> {
    let status = Group::spawn(name, command, Output::Inherit)?.wait()?;
    check_interrupted()?;
    if !status.success() {
        bail!("{name} failed ({status})");
    }
    Ok(())
}

/// Runs a short query and returns its standard output (`None` if it cannot start or fails).
pub(crate) fn query(command: &mut Command) -> Option<String> {
    let output = command
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Where a group's output goes.
pub(crate) enum Output {
    /// Straight through to xtask's own stdout/stderr.
    Inherit,
    /// Each line to stderr behind a prefix such as `[worker] `.
    Prefixed(&'static str),
    /// Both streams into a log file (created or truncated).
    File(PathBuf),
}

/// A child process leading its own process group; the group is stopped when this is dropped.
pub(crate) struct Group {
    name: String,
    child: Child,
    pgid: i32,
    leader_status: Option<ExitStatus>,
    copiers: Vec<JoinHandle<()>>,
}

impl Group {
    /// Starts `command` as the leader of a new process group.
    pub(crate) fn spawn(name: &str, command: &mut Command, output: Output) -> Result<Group> {
        command.process_group(0);
        match &output {
            Output::Inherit => {}
            Output::Prefixed(_) => {
                command.stdout(Stdio::piped()).stderr(Stdio::piped());
            }
            Output::File(path) => {
                let log =
                    File::create(path).with_context(|| format!("creating {}", path.display()))?;
                command.stdout(log.try_clone()?).stderr(log);
            }
        }
        let mut live = lock_live();
        check_interrupted()?;
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {name} ({:?})", command.get_program()))?;
        let pgid = i32::try_from(child.id()).context("process id out of range")?;
        live.push(pgid);
        drop(live);
        let mut copiers = Vec::new();
        if let Output::Prefixed(prefix) = output {
            if let Some(stdout) = child.stdout.take() {
                copiers.push(copy_lines(stdout, prefix));
            }
            if let Some(stderr) = child.stderr.take() {
                copiers.push(copy_lines(stderr, prefix));
            }
        }
        Ok(Group {
            name: name.to_owned(),
            child,
            pgid,
            leader_status: None,
            copiers,
        })
    }

    /// The leader's exit status if it has exited (does not wait).
    pub(crate) fn exited(&mut self) -> Option<ExitStatus> {
        if self.leader_status.is_none() {
            self.leader_status = self.child.try_wait().ok().flatten();
        }
        self.leader_status
    }

    /// Waits for the leader to exit, then stops whatever it left behind in its group.
    pub(crate) fn wait(mut self) -> Result<ExitStatus> {
        let status = self
            .child
            .wait()
            .with_context(|| format!("waiting for {}", self.name))?;
        self.leader_status = Some(status);
        self.stop();
        Ok(status)
    }

    /// Stops the whole group (SIGTERM, grace period, SIGKILL) and reaps it. Idempotent.
    pub(crate) fn stop(&mut self) {
        lock_live().retain(|&pgid| pgid != self.pgid);
        if self.pgid <= 1 {
            return;
        }
        let mut signalled = None;
        let mut killed = false;
        let started = Instant::now();
        loop {
            self.exited();
            reap_group(self.pgid);
            if !group_alive(self.pgid) {
                break;
            }
            match signalled {
                None => {
                    signal_group(self.pgid, libc::SIGTERM);
                    signalled = Some(Instant::now());
                }
                Some(at) if !killed && at.elapsed() > GRACE => {
                    say(format_args!(
                        "{} did not stop within {GRACE:?}: killing it",
                        self.name
                    ));
                    signal_group(self.pgid, libc::SIGKILL);
                    killed = true;
                }
                Some(_) if started.elapsed() > 3 * GRACE => {
                    say(format_args!(
                        "warning: {} (process group {}) is still there",
                        self.name, self.pgid
                    ));
                    break;
                }
                Some(_) => {}
            }
            thread::sleep(Duration::from_millis(50));
        }
        self.pgid = 0;
        for copier in self.copiers.drain(..) {
            let _ = copier.join();
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Stops every process still parented to xtask (orphans that left their group, e.g. a browser
/// that started its own session), reporting what it found.
pub(crate) fn stop_strays() {
    for _round in 0..3 {
        let strays = own_children();
        if strays.is_empty() {
            return;
        }
        let names: Vec<String> = strays
            .iter()
            .map(|(pid, name)| format!("{name} ({pid})"))
            .collect();
        say(format_args!(
            "stopping stray processes: {}",
            names.join(", ")
        ));
        let pids: Vec<i32> = strays.iter().map(|&(pid, _)| pid).collect();
        for &pid in &pids {
            signal_process(pid, libc::SIGTERM);
        }
        let deadline = Instant::now() + GRACE;
        while Instant::now() < deadline && pids.iter().any(|&pid| !reap(pid)) {
            thread::sleep(Duration::from_millis(50));
        }
        for &pid in &pids {
            if !reap(pid) {
                signal_process(pid, libc::SIGKILL);
            }
        }
        thread::sleep(Duration::from_millis(100));
        pids.iter().for_each(|&pid| {
            reap(pid);
        });
    }
}

fn lock_live() -> std::sync::MutexGuard<'static, Vec<i32>> {
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn copy_lines(stream: impl Read + Send + 'static, prefix: &'static str) -> JoinHandle<()> {
    thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut line = Vec::new();
        while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
            if !line.ends_with(b"\n") {
                line.push(b'\n');
            }
            let mut err = std::io::stderr().lock();
            let _ = err
                .write_all(prefix.as_bytes())
                .and_then(|()| err.write_all(&line));
            line.clear();
        }
    })
}

/// Sends `signal` to every process in group `pgid`; never to "all processes" (`pgid` ≤ 1).
fn signal_group(pgid: i32, signal: i32) -> bool {
    // SAFETY: kill has no memory effects; the guard keeps -1 / 0 (everyone / our own group) out.
    pgid > 1 && unsafe { libc::kill(-pgid, signal) } == 0
}

fn signal_process(pid: i32, signal: i32) -> bool {
    // SAFETY: as above, for one process.
    pid > 1 && unsafe { libc::kill(pid, signal) } == 0
}

/// Whether any process of group `pgid` is still running. Zombies do not count: they hold no
/// port or file, and the ones handed to another subreaper (an outer xtask) are not ours to reap.
fn group_alive(pgid: i32) -> bool {
    pgid > 1
        && processes()
            .iter()
            .any(|process| process.pgrp == pgid && process.state != 'Z')
}

/// Reaps the members of `pgid` that have exited and are xtask's children (directly, or as
/// orphans handed to the subreaper).
fn reap_group(pgid: i32) {
    let mut status = 0;
    // SAFETY: waitpid writes only into `status`.
    while unsafe { libc::waitpid(-pgid, &mut status, libc::WNOHANG) } > 0 {}
}

/// Reaps `pid` if it has exited; true when it is gone.
fn reap(pid: i32) -> bool {
    let mut status = 0;
    // SAFETY: waitpid writes only into `status`.
    let result = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
    result == pid || (result < 0 && !signal_process(pid, 0))
}

/// The running processes whose parent is xtask: (pid, command name). Children that have
/// already exited (zombies, e.g. orphans handed to the subreaper) are reaped on the way.
fn own_children() -> Vec<(i32, String)> {
    let me = std::process::id() as i32;
    processes()
        .into_iter()
        .filter(|process| process.ppid == me && !(process.state == 'Z' && reap(process.pid)))
        .map(|process| (process.pid, process.name))
        .collect()
}

/// One line of `/proc/<pid>/stat`, the fields xtask needs.
#[derive(Debug, PartialEq, Eq)]
struct ProcStat {
    pid: i32,
    name: String,
    state: char,
    ppid: i32,
    pgrp: i32,
}

/// Every process on the machine, as far as `/proc` shows it right now.
fn processes() -> Vec<ProcStat> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?))
        .collect()
}

/// Parses `/proc/<pid>/stat` ("pid (name) state ppid pgrp …"; the name may itself hold
/// spaces and parentheses).
fn parse_stat(stat: &str) -> Option<ProcStat> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let pid = stat.get(..open)?.trim().parse().ok()?;
    let name = stat.get(open + 1..close)?.to_owned();
    let mut rest = stat.get(close + 1..)?.split_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    let pgrp = rest.next()?.parse().ok()?;
    Some(ProcStat {
        pid,
        name,
        state,
        ppid,
        pgrp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_stat_handles_names_with_spaces_and_parentheses() {
        let stat = |pid, name: &str, state, ppid, pgrp| {
            Some(ProcStat {
                pid,
                name: name.into(),
                state,
                ppid,
                pgrp,
            })
        };
        assert_eq!(
            parse_stat("123 (workerd) S 77 120 120 0 -1"),
            stat(123, "workerd", 'S', 77, 120)
        );
        assert_eq!(
            parse_stat("9 (a (b) c) Z 1 9 9"),
            stat(9, "a (b) c", 'Z', 1, 9)
        );
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("1 (x) S"), None);
    }

    #[test]
    fn processes_include_this_one() {
        let me = std::process::id() as i32;
        let mine = processes()
            .into_iter()
            .find(|process| process.pid == me)
            .expect("this process is listed");
        // SAFETY: getpgrp has no preconditions.
        assert_eq!(mine.pgrp, unsafe { libc::getpgrp() });
        assert_ne!(mine.state, 'Z');
    }

    #[test]
    fn the_group_guard_refuses_everyone_and_own_group() {
        assert!(!signal_group(-1, 0));
        assert!(!signal_group(0, 0));
        assert!(!signal_group(1, 0));
    }

    fn test_repo() -> Repo {
        Repo {
            root: std::env::temp_dir(),
            target: std::env::temp_dir(),
        }
    }

    #[test]
    fn stop_ends_the_leader_and_everything_it_started() {
        let dir = tempfile::tempdir().unwrap();
        let pids = dir.path().join("pids");
        let script = format!(
            "sleep 300 & echo $! > {0}; sleep 300 & echo $! >> {0}; wait",
            pids.display()
        );
        let mut group = Group::spawn(
            "sleepers",
            command("sh", &test_repo()).args(["-c", &script]),
            Output::Inherit,
        )
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::fs::read_to_string(&pids).map_or(true, |text| text.lines().count() < 2) {
            assert!(
                Instant::now() < deadline,
                "the script did not start its children"
            );
            thread::sleep(Duration::from_millis(20));
        }
        let pgid = group.pgid;
        assert!(group_alive(pgid));
        group.stop();
        assert!(!group_alive(pgid), "the group outlived stop()");
        let running = processes();
        for pid in std::fs::read_to_string(&pids).unwrap().lines() {
            let pid: i32 = pid.parse().unwrap();
            // Gone, or a zombie waiting for whoever reaps orphans here.
            assert!(
                running
                    .iter()
                    .all(|process| process.pid != pid || process.state == 'Z'),
                "sleep {pid} survived"
            );
        }
        assert!(!lock_live().contains(&pgid));
    }

    #[test]
    fn run_reports_a_failing_command_by_name() {
        let repo = test_repo();
        run("true", command("sh", &repo).args(["-c", "exit 0"])).unwrap();
        let error = run(
            "the failing step",
            command("sh", &repo).args(["-c", "exit 3"]),
        )
        .unwrap_err();
        assert!(error.to_string().contains("the failing step"), "{error}");
    }

    #[test]
    fn file_output_captures_both_streams() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let script = "echo out; echo err >&2";
        let status = Group::spawn(
            "echo",
            command("sh", &test_repo()).args(["-c", script]),
            Output::File(log.clone()),
        )
        .unwrap()
        .wait()
        .unwrap();
        assert!(status.success());
        let text = std::fs::read_to_string(log).unwrap();
        assert!(text.contains("out") && text.contains("err"), "{text}");
    }

    #[test]
    fn command_drops_cargo_package_variables() {
        let command = command("env", &test_repo());
        let removed: Vec<_> = command
            .get_envs()
            .filter(|(_, value)| value.is_none())
            .map(|(key, _)| key.to_owned())
            .collect();
        // `cargo test` sets these for the test binary, as `cargo run` does for xtask.
        assert!(
            removed.iter().any(|key| key == "CARGO_PKG_NAME"),
            "{removed:?}"
        );
        assert!(
            removed.iter().any(|key| key == "CARGO_MANIFEST_DIR"),
            "{removed:?}"
        );
        assert!(
            command
                .get_envs()
                .any(|(key, value)| key == "CARGO_TARGET_DIR" && value.is_some())
        );
    }
}
