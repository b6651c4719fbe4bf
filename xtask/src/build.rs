//! The two builds: the app (its page by [`crate::page`] and its wasm by [`crate::app_wasm`] into
//! `dist/`, with the model module beside it in `dist/model/`) and the worker with worker-build (into `worker/build/`), all offline, with the
//! pinned wasm-bindgen and the npm wasm-opt and esbuild, so nothing is downloaded from GitHub.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::compress;
use crate::precache;
use crate::procs;
use crate::repo::Repo;
use crate::step::Step;
use crate::tools::{WASM_BINDGEN, WORKER_BUILD};

/// `cargo fetch`, so the offline builds find every crate.
pub(crate) fn fetch(repo: &Repo) -> Result<()> {
    let step = Step::start("cargo fetch");
    procs::run("cargo fetch", procs::command("cargo", repo).arg("fetch"))?;
    step.done("done");
    Ok(())
}

/// The page ([`crate::page`]: `index.html` with its stylesheet inlined and its files copied)
/// and the app's wasm split at its `#[lazy]` functions ([`crate::app_wasm`]) into a fresh
/// `dist/`, the model module, then the precompressed variants of every text and wasm file (the
/// service worker stays a template until [`crate::precache::finalize`]).
pub(crate) fn app(repo: &Repo) -> Result<()> {
    let step = Step::start("build app");
    if !repo.has_app() {
        bail!("there is no app to build yet (index.html at the repository root and app/)");
    }
    step.say("building the app's wasm (split at its #[lazy] functions)");
    let built = crate::app_wasm::build(repo)?;
    let dist = repo.dist();
    if dist.exists() {
        std::fs::remove_dir_all(&dist).context("clearing dist/")?;
    }
    std::fs::create_dir_all(&dist).context("creating dist/")?;
    crate::page::build(&repo.root, &dist)?;
    if !dist.join(precache::SERVICE_WORKER).is_file() {
        bail!(
            "the build made no dist/{}: the app's index.html must copy it",
            precache::SERVICE_WORKER
        );
    }
    crate::app_wasm::install(&built, &dist)?;
    step.say("building the model module");
    model(repo)?;
    step.say("precompressing (brotli 11, gzip by Zopfli)");
    let compressed = compress::precompress(&repo.dist())?;
    step.done(format_args!(
        "dist/ holds {} KB ({compressed} files also as .br and .gz)",
        folder_size(&repo.dist())? / 1024
    ));
    Ok(())
}

/// The model module (`model/`, loaded by the app after its first screen): built for wasm32 in
/// the app's `wasm-release` profile, bound with the pinned wasm-bindgen (`--target web`, an ES
/// module the app imports) into `dist/model/`, then shrunk by wasm-opt as the app is.
fn model(repo: &Repo) -> Result<()> {
    procs::run(
        "cargo build (model)",
        procs::command("cargo", repo).args([
            "build",
            "-p",
            "huike-model",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
        ]),
    )?;
    let built = repo
        .target
        .join("wasm32-unknown-unknown/wasm-release/huike_model.wasm");
    let out = repo.dist().join("model");
    procs::run(
        "wasm-bindgen (model)",
        procs::command(WASM_BINDGEN.require()?, repo)
            .args(["--target", "web", "--no-typescript", "--out-dir"])
            .arg(&out)
            .arg(&built),
    )?;
    let wasm = out.join("huike_model_bg.wasm");
    procs::run(
        "wasm-opt (model)",
        procs::command(repo.npm_bin("wasm-opt"), repo)
            .args(["-Oz", "--low-memory-unused"])
            .arg(&wasm)
            .arg("-o")
            .arg(&wasm),
    )
}

/// `worker-build --release` in `worker/`.
pub(crate) fn worker(repo: &Repo) -> Result<()> {
    let step = Step::start("build worker (worker-build --release)");
    if !repo.has_worker() {
        bail!("there is no worker to build yet (worker/Cargo.toml and worker/wrangler.toml)");
    }
    let worker_build = WORKER_BUILD.require()?;
    step.say("building");
    let mut command = procs::command(&worker_build, repo);
    command
        .arg("--release")
        .current_dir(repo.worker_dir())
        .envs(worker_tools_env(repo)?)
        .env("PATH", tool_path(repo)?);
    procs::run("worker-build", &mut command)?;
    step.done(format_args!(
        "worker/build/ holds {} KB",
        folder_size(&repo.worker_dir().join("build"))? / 1024
    ));
    Ok(())
}

/// The variables that make worker-build use local tools instead of downloading them; also
/// given to `wrangler dev` in case `wrangler.toml` has a build command.
pub(crate) fn worker_tools_env(repo: &Repo) -> Result<Vec<(&'static str, PathBuf)>> {
    Ok(vec![
        ("WASM_BINDGEN_BIN", WASM_BINDGEN.require()?),
        ("WASM_OPT_BIN", repo.npm_bin("wasm-opt")),
        ("ESBUILD_BIN", repo.esbuild()),
    ])
}

/// `PATH` with the pinned wasm-bindgen's folder and `node_modules/.bin` (wasm-opt 132) first,
/// for the tools that look them up there.
pub(crate) fn tool_path(repo: &Repo) -> Result<std::ffi::OsString> {
    let wasm_bindgen = WASM_BINDGEN.require()?;
    let bindgen_dir = wasm_bindgen
        .parent()
        .context("wasm-bindgen has no folder")?
        .to_path_buf();
    repo.path_with(&[bindgen_dir, repo.root.join("node_modules").join(".bin")])
}

fn folder_size(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            folder_size(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}
