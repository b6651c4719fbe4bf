//! `cargo xtask dev` (and `build`): set up, build, then serve the app and run the worker until
//! Ctrl-C, with the worker's KV kept in `.huike/kv` between runs.

use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::{Result, bail};

use crate::build;
use crate::cli::DevOptions;
use crate::ports;
use crate::precache;
use crate::procs::{self, Output};
use crate::repo::Repo;
use crate::setup;
use crate::stack::{self, Kv, Ports, Stack};
use crate::step::say;

/// `cargo xtask build`: set-up and both builds, with `dist/` finalised for the worker
/// `cargo xtask dev` runs by default and precompressed, ready for a static host.
pub(crate) fn build(repo: &Repo) -> Result<ExitCode> {
    build_all(repo)?;
    precache::finalize(&repo.dist(), &stack::url(DevOptions::default().worker_port))?;
    Ok(ExitCode::SUCCESS)
}

/// Set-up and both builds, stopping at the first failure (`dist/` is left to finalise).
pub(crate) fn build_all(repo: &Repo) -> Result<()> {
    setup::all(repo)?;
    build::fetch(repo)?;
    build::app(repo)?;
    build::worker(repo)
}

/// Builds, then runs the app and the worker until Ctrl-C / SIGTERM; then stops both.
pub(crate) fn run(repo: &Repo, options: DevOptions) -> Result<ExitCode> {
    // A busy port fails before the build, not after it.
    let app = ports::resolve(options.app_port, "--app-port", "the app")?;
    let worker = ports::resolve(options.worker_port, "--worker-port", "the worker")?;
    if app == worker {
        bail!("the app and the worker cannot share port {app}");
    }
    build_all(repo)?;
    let kv = repo.dev_kv();
    let stack = Stack::start(
        repo,
        Ports { app, worker },
        Kv::Kept(&kv),
        Output::Prefixed("[worker] "),
    )?;
    say(format_args!("app:    {}/", stack.app.url()));
    say(format_args!(
        "worker: {}/  (KV data in {})",
        stack.worker.url(),
        kv.display()
    ));
    say("Ctrl-C stops both");
    let mut stack = stack;
    while !procs::interrupted() {
        if let Some(status) = stack.worker.exited() {
            bail!("the worker stopped on its own ({status})");
        }
        thread::sleep(Duration::from_millis(200));
    }
    drop(stack);
    procs::stop_strays();
    say("stopped");
    Ok(ExitCode::SUCCESS)
}
