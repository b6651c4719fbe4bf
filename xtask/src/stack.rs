//! The app and the worker running together, as `cargo xtask dev` runs them and `bench` and
//! `lighthouse` start them for themselves: the served copy of the app finalised for the
//! worker's URL, and `wrangler dev` allowing the app's origin.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use tempfile::TempDir;

use crate::ports;
use crate::precache;
use crate::procs::Output;
use crate::repo::Repo;
use crate::serve::StaticServer;
use crate::wrangler::{Worker, WorkerOptions};

/// Where the worker keeps its KV data.
pub(crate) enum Kv<'a> {
    /// This folder, kept between runs.
    Kept(&'a Path),
    /// A fresh folder, removed when the stack stops.
    Fresh,
}

/// The ports to run on (0: any free port) and the options that set them (for errors).
pub(crate) struct Ports {
    /// The app's port.
    pub app: u16,
    /// The worker's port.
    pub worker: u16,
}

/// A running app and worker; both stop (and their scratch folders go) when dropped.
pub(crate) struct Stack {
    /// The worker (`wrangler dev`). Declared first: dropped (stopped) first.
    pub worker: Worker,
    /// The static server.
    pub app: StaticServer,
    _site: TempDir,
    _kv: Option<TempDir>,
}

impl Stack {
    /// Stages the built app for the worker's URL, serves it and starts the worker. Ports asked
    /// for that are taken fail with the option's name ([`ports::resolve`]).
    pub(crate) fn start(repo: &Repo, ports: Ports, kv: Kv<'_>, output: Output) -> Result<Stack> {
        let app_port = ports::resolve(ports.app, "--app-port", "the app")?;
        let worker_port = ports::resolve(ports.worker, "--worker-port", "the worker")?;
        let worker_url = url(worker_port);
        fs::create_dir_all(repo.scratch_dir())
            .with_context(|| format!("creating {}", repo.scratch_dir().display()))?;
        let site = tempfile::Builder::new()
            .prefix("site-")
            .tempdir_in(repo.scratch_dir())
            .context("creating a folder for the served app")?;
        precache::stage(&repo.dist(), site.path(), &worker_url)?;
        let app = StaticServer::start(site.path(), app_port)?;
        let (kv_dir, kept) = match kv {
            Kv::Kept(dir) => {
                fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
                (dir.to_path_buf(), None)
            }
            Kv::Fresh => {
                let fresh = tempfile::Builder::new()
                    .prefix("kv-")
                    .tempdir_in(repo.scratch_dir())
                    .context("creating a KV folder")?;
                (fresh.path().to_path_buf(), Some(fresh))
            }
        };
        let worker = Worker::start(
            repo,
            WorkerOptions {
                port: worker_port,
                persist_to: &kv_dir,
                allowed_origins: &allowed_origins(app.addr().port()),
                output,
                vars: &[],
            },
        )?;
        Ok(Stack {
            worker,
            app,
            _site: site,
            _kv: kept,
        })
    }
}

/// A local URL, `http://127.0.0.1:<port>`.
pub(crate) fn url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

/// Both spellings of the local app origin a browser may use.
pub(crate) fn allowed_origins(app_port: u16) -> String {
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
        assert_eq!(url(8787), "http://127.0.0.1:8787");
    }
}
