//! The worker, run locally by `wrangler dev` (workerd with KV persisted on disk), in its own
//! process group so its node and workerd processes stop together and free the port.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::ExitStatus;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::build;
use crate::http;
use crate::ports;
use crate::procs::{self, Group, Output};
use crate::repo::Repo;
use crate::step::Step;

/// How long a start may take (the first request also compiles the wasm).
const READY_TIMEOUT: Duration = Duration::from_secs(120);

/// The health endpoint that answers 200 once the worker is up.
const HEALTH: &str = "/v1/health";

/// How to run the worker.
pub(crate) struct WorkerOptions<'a> {
    /// The port on 127.0.0.1.
    pub port: u16,
    /// Where KV data is kept.
    pub persist_to: &'a Path,
    /// The app origins allowed by CORS (`ALLOWED_ORIGINS`, comma-separated).
    pub allowed_origins: &'a str,
    /// Where wrangler's output goes.
    pub output: Output,
    /// Variables set on top of `worker/wrangler.toml`'s, as `NAME`, `value`.
    pub vars: &'a [(&'a str, &'a str)],
}

/// A running `wrangler dev`; stopped (the whole process group) when dropped.
pub(crate) struct Worker {
    group: Group,
    addr: SocketAddr,
}

impl Worker {
    /// Starts `wrangler dev` for `worker/` and waits until `/v1/health` answers 200. Its
    /// inspector (9229 unless told otherwise) gets a free port, so another `wrangler dev` on
    /// the machine does not stop it from starting.
    pub(crate) fn start(repo: &Repo, options: WorkerOptions<'_>) -> Result<Worker> {
        let step = Step::start(format!("worker on 127.0.0.1:{}", options.port));
        let port = options.port.to_string();
        let inspector = ports::free()?.to_string();
        let persist_to = options
            .persist_to
            .to_str()
            .context("the KV folder's path is not UTF-8")?;
        let mut command = procs::command(repo.npm_bin("wrangler"), repo);
        command
            .args([
                "dev",
                "--cwd",
                "worker",
                "--ip",
                "127.0.0.1",
                "--port",
                &port,
                "--persist-to",
                persist_to,
                "--inspector-port",
                &inspector,
            ])
            .args(["--show-interactive-dev-session=false", "--var"])
            .arg(format!("ALLOWED_ORIGINS:{}", options.allowed_origins));
        for (name, value) in options.vars {
            command.arg("--var").arg(format!("{name}:{value}"));
        }
        command
            .env("WRANGLER_SEND_METRICS", "false")
            .env("WRANGLER_HIDE_BANNER", "true")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .envs(build::worker_tools_env(repo)?)
            .env("PATH", build::tool_path(repo)?);
        let group = Group::spawn("wrangler dev", &mut command, options.output)?;
        let mut worker = Worker {
            group,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, options.port)),
        };
        worker.wait_until_healthy()?;
        step.done("ready");
        Ok(worker)
    }

    /// Its base URL, `http://127.0.0.1:<port>`.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// wrangler's exit status if it has stopped on its own.
    pub(crate) fn exited(&mut self) -> Option<ExitStatus> {
        self.group.exited()
    }

    fn wait_until_healthy(&mut self) -> Result<()> {
        let started = Instant::now();
        loop {
            procs::check_interrupted()?;
            if let Some(status) = self.exited() {
                bail!("wrangler dev exited ({status}) before {HEALTH} answered");
            }
            let url = format!("{}{HEALTH}", self.url());
            let last = match http::get(&url, &[], Duration::from_secs(10)) {
                Ok(response) if response.status == 200 => return Ok(()),
                Ok(response) => format!("{HEALTH} answered {}", response.status),
                Err(error) => format!("{error}"),
            };
            if started.elapsed() > READY_TIMEOUT {
                bail!("the worker was not ready after {READY_TIMEOUT:?} ({last})");
            }
            thread::sleep(Duration::from_millis(250));
        }
    }
}
