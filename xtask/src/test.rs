//! `cargo xtask test`: the set-up and builds, then every test — native, wasm in headless
//! Chromium, and the system tests against a fresh worker and the served app — running on past
//! failures, then a summary; non-zero exit if anything failed.

use std::fmt::Display;
use std::fs;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::build;
use crate::ports;
use crate::precache;
use crate::procs::{self, Output};
use crate::repo::Repo;
use crate::serve::StaticServer;
use crate::setup;
use crate::stack;
use crate::step::{say, seconds};
use crate::tools::CHROMEDRIVER;
use crate::wrangler::{Worker, WorkerOptions};

/// Crates the native run leaves out: the system tests need the running services and the app
/// and worker only build for wasm.
const NOT_NATIVE: [&str; 3] = ["huike-tests", "huike-app", "huike-worker"];

/// Crates whose tests also run as wasm in headless Chromium, when they are in the workspace.
const WASM_TESTED: [&str; 2] = ["huike-core", "huike-app"];

/// Variables of the worker under test: compaction deletes what a new snapshot covers at once,
/// so the tests can see it happen.
const WORKER_TEST_VARS: &[(&str, &str)] = &[("RETENTION_DAYS", "0")];

/// The crate of system tests run against the worker and the app.
const SYSTEM_TESTS: &str = "huike-tests";

/// Runs everything and returns the exit code (0 only if every stage passed).
pub(crate) fn run(repo: &Repo) -> ExitCode {
    let mut report = Report::default();
    for (name, step) in setup::STEPS {
        report.stage(format!("set-up: {name}"), || step(repo));
    }
    report.stage("cargo fetch", || build::fetch(repo));
    report.stage("tidy", || crate::tidy::run(repo));
    let app_built = report.stage("build: app", || build::app(repo)).is_some();
    let worker_built = report
        .stage("build: worker", || build::worker(repo))
        .is_some();
    match report.stage("cargo metadata", || workspace_members(repo)) {
        Some(members) => {
            report.stage("tests: native", || {
                cargo_test(repo, &native_test_args(&members), &[])
            });
            for krate in WASM_TESTED {
                if members.iter().any(|member| member == krate) {
                    report.stage(format!("tests: wasm {krate}"), || wasm_test(repo, krate));
                }
            }
        }
        None => report.skip("tests", "the workspace could not be read"),
    }
    system_tests(repo, &mut report, app_built, worker_built);
    procs::stop_strays();
    report.print();
    if procs::interrupted() {
        ExitCode::from(130)
    } else if report.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Starts the app server and a fresh worker on free ports (so it runs beside a
/// `cargo xtask dev`), runs the system tests against them, and stops both (also when anything
/// fails).
fn system_tests(repo: &Repo, report: &mut Report, app_built: bool, worker_built: bool) {
    let e2e = repo.e2e_dir();
    let worker_port = match report.stage("system: prepare", || {
        fs::create_dir_all(&e2e).with_context(|| format!("creating {}", e2e.display()))?;
        fs::create_dir_all(repo.scratch_dir())
            .with_context(|| format!("creating {}", repo.scratch_dir().display()))?;
        ports::free()
    }) {
        Some(port) => port,
        None => return,
    };
    // Served even when the app did not build, so the worker's allowed origin and
    // HUIKE_APP_URL are always the same (the end-to-end tests then fail on their own). The
    // served copy is this run's own: `dist/` may be rebuilt by another run meanwhile.
    let site = report.stage("system: serve app", || {
        let site = tempfile::Builder::new()
            .prefix("site-")
            .tempdir_in(repo.scratch_dir())
            .context("creating a folder for the served app")?;
        if app_built {
            precache::stage(&repo.dist(), site.path(), &stack::url(worker_port))?;
        }
        let server = StaticServer::start(site.path(), 0)?;
        Ok((server, site))
    });
    let app_url = site.as_ref().map(|(server, _)| server.url());
    let log = e2e.join("wrangler.log");
    // Declared before the worker, so it is removed only after the worker has stopped.
    let kv = report.stage("system: KV folder", || {
        tempfile::Builder::new()
            .prefix("kv-")
            .tempdir_in(repo.scratch_dir())
            .context("creating a KV folder")
    });
    let worker = match (&kv, worker_built) {
        (Some(kv), true) => report.stage("system: start worker", || {
            say(format_args!("worker log: {}", log.display()));
            let origin = app_url
                .clone()
                .context("the app is not served, so it has no origin")?;
            Worker::start(
                repo,
                WorkerOptions {
                    port: worker_port,
                    persist_to: kv.path(),
                    allowed_origins: &origin,
                    output: Output::File(log.clone()),
                    vars: WORKER_TEST_VARS,
                },
            )
        }),
        _ => {
            report.skip("system: start worker", "the worker did not build");
            None
        }
    };
    match &worker {
        Some(worker) => {
            let mut env = vec![
                ("HUIKE_WORKER_URL".to_owned(), worker.url()),
                ("CHROMEDRIVER".to_owned(), CHROMEDRIVER.to_owned()),
                (
                    "HUIKE_E2E_SCREENSHOTS".to_owned(),
                    e2e.display().to_string(),
                ),
            ];
            env.extend(app_url.map(|url| ("HUIKE_APP_URL".to_owned(), url)));
            let passed = report.stage(format!("tests: {SYSTEM_TESTS}"), || {
                cargo_test(repo, &["-p".into(), SYSTEM_TESTS.into()], &env)
            });
            if passed.is_none() && !procs::interrupted() {
                show_tail(&log, 40);
            }
        }
        None => report.skip(
            format!("tests: {SYSTEM_TESTS}"),
            "the worker is not running",
        ),
    }
    drop(worker);
    drop(site);
    drop(kv);
}

/// The package names of the workspace members (`cargo metadata`).
fn workspace_members(repo: &Repo) -> Result<Vec<String>> {
    let json = procs::query(procs::command("cargo", repo).args([
        "metadata",
        "--no-deps",
        "--format-version",
        "1",
    ]))
    .context("`cargo metadata` failed")?;
    member_names(&json)
}

/// Reads the package names out of `cargo metadata --no-deps` output.
fn member_names(metadata: &str) -> Result<Vec<String>> {
    let value: serde_json::Value =
        serde_json::from_str(metadata).context("`cargo metadata` printed no JSON")?;
    let packages = value["packages"]
        .as_array()
        .context("`cargo metadata` lists no packages")?;
    Ok(packages
        .iter()
        .filter_map(|package| package["name"].as_str().map(str::to_owned))
        .collect())
}

/// `test --workspace` leaving out the members in [`NOT_NATIVE`] that exist.
fn native_test_args(members: &[String]) -> Vec<String> {
    let mut args = vec!["--workspace".to_owned()];
    for name in NOT_NATIVE
        .iter()
        .filter(|name| members.iter().any(|member| member == *name))
    {
        args.extend(["--exclude".to_owned(), (*name).to_owned()]);
    }
    args
}

fn wasm_test(repo: &Repo, krate: &str) -> Result<()> {
    let env = [
        ("CHROMEDRIVER".to_owned(), CHROMEDRIVER.to_owned()),
        ("WASM_BINDGEN_TEST_TIMEOUT".to_owned(), "120".to_owned()),
    ];
    let args = [
        "-p".to_owned(),
        krate.to_owned(),
        "--target".to_owned(),
        "wasm32-unknown-unknown".to_owned(),
    ];
    cargo_test(repo, &args, &env)
}

/// `cargo test --no-fail-fast <args>` (every test binary runs even after a failure) with the
/// pinned tools on PATH (the wasm runner is
/// `wasm-bindgen-test-runner`) and `env` set.
fn cargo_test(repo: &Repo, args: &[String], env: &[(String, String)]) -> Result<()> {
    let mut command = procs::command("cargo", repo);
    command
        .args(["test", "--no-fail-fast"])
        .args(args)
        .envs(env.iter().map(|(key, value)| (key, value)));
    if let Ok(path) = build::tool_path(repo) {
        command.env("PATH", path);
    }
    procs::run(&format!("cargo test {}", args.join(" ")), &mut command)
}

fn show_tail(log: &std::path::Path, lines: usize) {
    let Ok(text) = fs::read_to_string(log) else {
        return;
    };
    let all: Vec<&str> = text.lines().collect();
    say(format_args!("last lines of {}:", log.display()));
    for line in &all[all.len().saturating_sub(lines)..] {
        eprintln!("[worker] {line}");
    }
}

/// How a stage ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Passed,
    Failed(String),
    Skipped(String),
}

/// The stages run so far, for the closing summary.
#[derive(Debug, Default)]
struct Report {
    rows: Vec<(String, Outcome, Duration)>,
}

impl Report {
    /// Runs a stage (unless interrupted), records how it ended, and returns its value if it
    /// passed.
    fn stage<T>(&mut self, name: impl Into<String>, run: impl FnOnce() -> Result<T>) -> Option<T> {
        let name = name.into();
        if procs::interrupted() {
            self.skip(name, "interrupted");
            return None;
        }
        let started = Instant::now();
        let result = run();
        let took = started.elapsed();
        match result {
            Ok(value) => {
                self.rows.push((name, Outcome::Passed, took));
                Some(value)
            }
            Err(error) => {
                say(format_args!("{name}: FAILED: {error:#}"));
                self.rows
                    .push((name, Outcome::Failed(format!("{error:#}")), took));
                None
            }
        }
    }

    /// Records a stage that could not run.
    fn skip(&mut self, name: impl Into<String>, why: impl Display) {
        self.rows.push((
            name.into(),
            Outcome::Skipped(why.to_string()),
            Duration::ZERO,
        ));
    }

    /// True when no stage failed or was skipped.
    fn all_passed(&self) -> bool {
        self.rows
            .iter()
            .all(|(_, outcome, _)| *outcome == Outcome::Passed)
    }

    fn print(&self) {
        eprintln!();
        say("summary");
        for line in self.lines() {
            say(line);
        }
    }

    fn lines(&self) -> Vec<String> {
        let width = self
            .rows
            .iter()
            .map(|(name, _, _)| name.chars().count())
            .max()
            .unwrap_or(0);
        let mut lines: Vec<String> = self
            .rows
            .iter()
            .map(|(name, outcome, took)| {
                let (label, detail) = match outcome {
                    Outcome::Passed => ("ok", String::new()),
                    Outcome::Failed(error) => ("FAILED", first_line(error)),
                    Outcome::Skipped(why) => ("skipped", why.clone()),
                };
                format!(
                    "  {label:<7} {name:<width$}  {:>8}  {detail}",
                    seconds(*took)
                )
                .trim_end()
                .to_owned()
            })
            .collect();
        let count = |wanted: fn(&Outcome) -> bool| {
            self.rows
                .iter()
                .filter(|(_, outcome, _)| wanted(outcome))
                .count()
        };
        let failed = count(|outcome| matches!(outcome, Outcome::Failed(_)));
        let skipped = count(|outcome| matches!(outcome, Outcome::Skipped(_)));
        let passed = count(|outcome| *outcome == Outcome::Passed);
        let total: Duration = self.rows.iter().map(|(_, _, took)| *took).sum();
        let verdict = if failed + skipped == 0 {
            "all passed"
        } else {
            "NOT all passed"
        };
        lines.push(format!(
            "{verdict}: {passed} ok, {failed} failed, {skipped} skipped in {}",
            seconds(total)
        ));
        lines
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::anyhow;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn native_tests_exclude_only_members_that_exist() {
        assert_eq!(
            native_test_args(&names(&["huike-core", "xtask"])),
            ["--workspace"]
        );
        assert_eq!(
            native_test_args(&names(&["huike-core", "huike-tests", "xtask", "huike-app"])),
            [
                "--workspace",
                "--exclude",
                "huike-tests",
                "--exclude",
                "huike-app"
            ]
        );
    }

    #[test]
    fn member_names_come_from_cargo_metadata() {
        let json = r#"{"packages":[{"name":"huike-core","version":"0.1.0"},{"name":"xtask"}],"workspace_members":[]}"#;
        assert_eq!(member_names(json).unwrap(), ["huike-core", "xtask"]);
        assert!(member_names("warning: nothing").is_err());
        assert!(member_names("{}").is_err());
    }

    #[test]
    fn the_report_runs_on_past_failures_and_counts_them() {
        let mut report = Report::default();
        assert_eq!(report.stage("first", || Ok(1)), Some(1));
        assert_eq!(
            report.stage("second", || Err::<(), _>(anyhow!("boom\ndetails"))),
            None
        );
        assert_eq!(report.stage("third", || Ok("still ran")), Some("still ran"));
        report.skip("fourth", "needs second");
        assert!(!report.all_passed());
        let lines = report.lines();
        assert_eq!(lines.len(), 5);
        assert!(lines[0].starts_with("  ok      first"), "{}", lines[0]);
        assert!(
            lines[1].starts_with("  FAILED  second") && lines[1].ends_with("boom"),
            "{}",
            lines[1]
        );
        assert!(
            lines[3].contains("skipped") && lines[3].ends_with("needs second"),
            "{}",
            lines[3]
        );
        assert!(
            lines[4].starts_with("NOT all passed: 2 ok, 1 failed, 1 skipped"),
            "{}",
            lines[4]
        );
    }

    #[test]
    fn a_report_of_passes_only_passes() {
        let mut report = Report::default();
        report.stage("only", || Ok(()));
        assert!(report.all_passed());
        assert!(report.lines()[1].starts_with("all passed: 1 ok, 0 failed, 0 skipped"));
    }
}
