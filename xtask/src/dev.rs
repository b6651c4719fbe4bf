//! `cargo xtask dev` (and `build`): set up, build, then serve the app and run the worker until
//! Ctrl-C, with the worker's KV kept in `.huike/kv` between runs.

use std::fs;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::build;
use crate::cli::DevOptions;
use crate::precache;
use crate::procs::{self, Output};
use crate::repo::Repo;
use crate::serve::StaticServer;
use crate::setup;
use crate::step::say;
use crate::wrangler::{Worker, WorkerOptions};

/// `cargo xtask build`: set-up and both builds, with `dist/config.json` pointing at the worker
/// `cargo xtask dev` runs by default.
pub fn build(repo: &Repo) -> Result<ExitCode> {
    build_all(repo)?;
    precache::finalize(&repo.dist(), &worker_url(DevOptions::default().worker_port))?;
    Ok(ExitCode::SUCCESS)
}

/// Set-up and both builds, stopping at the first failure (`dist/` is left to finalise).
fn build_all(repo: &Repo) -> Result<()> {
    setup::all(repo)?;
    build::fetch(repo)?;
    build::app(repo)?;
    build::worker(repo)
}

/// Builds, then runs the app and the worker until Ctrl-C / SIGTERM; then stops both.
pub fn run(repo: &Repo, options: DevOptions) -> Result<ExitCode> {
    build_all(repo)?;
    precache::finalize(&repo.dist(), &worker_url(options.worker_port))?;
    let app = StaticServer::start(&repo.dist(), options.app_port)?;
    let kv = repo.dev_kv();
    fs::create_dir_all(&kv).with_context(|| format!("creating {}", kv.display()))?;
    let origins = allowed_origins(options.app_port);
    let mut worker = Worker::start(
        repo,
        WorkerOptions {
            port: options.worker_port,
            persist_to: &kv,
            allowed_origins: &origins,
            output: Output::Prefixed("[worker] "),
            vars: &[],
        },
    )?;
    say(format_args!("app:    {}/", app.url()));
    say(format_args!(
        "worker: {}/  (KV data in {})",
        worker.url(),
        kv.display()
    ));
    say("Ctrl-C stops both");
    while !procs::interrupted() {
        if let Some(status) = worker.exited() {
            bail!("the worker stopped on its own ({status})");
        }
        thread::sleep(Duration::from_millis(200));
    }
    drop(worker);
    drop(app);
    procs::stop_strays();
    say("stopped");
    Ok(ExitCode::SUCCESS)
}

/// The worker's URL on loopback, as written into `dist/config.json`.
pub fn worker_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

/// Both spellings of the local app origin a browser may use.
fn allowed_origins(app_port: u16) -> String {
    format!("http://127.0.0.1:{app_port},http://localhost:{app_port}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_cover_both_loopback_names() {
        assert_eq!(
            allowed_origins(8080),
            "http://127.0.0.1:8080,http://localhost:8080"
        );
        assert_eq!(worker_url(8787), "http://127.0.0.1:8787");
    }
}
