//! `cargo xtask`: the project's commands (`cargo xtask --help` lists them).
//!
//! - `dev` installs what is missing, builds the app and the worker, then serves the app on
//!   127.0.0.1:8080 and runs the worker (`wrangler dev`, KV kept in `.huike/kv`) on
//!   127.0.0.1:8787 until Ctrl-C (`--app-port`, `--worker-port`; 0 picks a free port).
//! - `test` does the same set-up and builds, then runs every test (native, wasm in headless
//!   Chromium, and the system tests against a fresh worker and app on free ports), prints a
//!   summary and exits non-zero if anything failed.
//! - `build` is the set-up and the builds alone (`dist/` ready for a static host).
//! - `tidy` checks formatting, lints (native and wasm32, warnings as errors), that the
//!   codemap names every source file and that references to documents resolve (also a stage
//!   of `test`).
//! - `seed-demo` loads a synthetic shop into a running worker; `bench` measures the app in
//!   headless Chromium with such a shop (`bench --import`: importing its CSV files instead);
//!   `size` prints the download's sizes; `lighthouse`
//!   scores a first visit.

mod app_wasm;
mod bench;
mod bench_import;
mod build;
mod cli;
mod compress;
mod dev;
mod http;
mod lighthouse;
mod page;
mod ports;
mod precache;
mod procs;
mod repo;
mod seed;
mod serve;
mod setup;
mod size;
mod stack;
mod step;
mod test;
mod tidy;
mod tools;
mod wrangler;

use std::process::ExitCode;

use clap::Parser;
use cli::{Cli, Command};
use repo::Repo;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("[xtask] error: {error:#}");
            procs::stop_strays();
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    let repo = Repo::locate()?;
    procs::init()?;
    match command {
        Command::Dev(options) => dev::run(&repo, options),
        Command::Build => dev::build(&repo),
        Command::Test => Ok(test::run(&repo)),
        Command::Tidy => tidy::run(&repo).map(|()| ExitCode::SUCCESS),
        Command::SeedDemo(options) => seed::run(&options).map(|_| ExitCode::SUCCESS),
        Command::Bench(options) => bench::run(&repo, &options),
        Command::Size => size::run(&repo),
        Command::Lighthouse(options) => lighthouse::run(&repo, &options),
    }
}
