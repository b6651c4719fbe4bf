//! `cargo xtask`: the project's two commands.
//!
//! - `cargo xtask dev` installs what is missing, builds the app and the worker, then serves the
//!   app on 127.0.0.1:8080 and runs the worker (`wrangler dev`, KV kept in `.huike/kv`) on
//!   127.0.0.1:8787 until Ctrl-C.
//! - `cargo xtask test` does the same set-up and builds, then runs every test (native, wasm in
//!   headless Chromium, and the system tests against a freshly started worker and app), prints
//!   a summary and exits non-zero if anything failed.
//! - `cargo xtask build` is the set-up and the builds alone.

mod build;
mod cli;
mod dev;
mod http;
mod precache;
mod procs;
mod repo;
mod serve;
mod setup;
mod step;
mod test;
mod tools;
mod wrangler;

use std::process::ExitCode;

use cli::Command;
use repo::Repo;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match cli::parse(&args) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("xtask: {message}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    if command == Command::Help {
        println!("{}", cli::USAGE);
        return ExitCode::SUCCESS;
    }
    match run(command) {
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
        Command::Help => Ok(ExitCode::SUCCESS),
    }
}
