//! The set-up both commands start with. Each step checks first and does nothing when the right
//! thing is already there, and prints one line saying what it found and how long it took.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use anyhow::{Context, Result, bail};

use crate::procs;
use crate::repo::Repo;
use crate::step::Step;
use crate::tools::{CARGO_TOOLS, DEBIAN_PACKAGES, RUST_TARGET};

/// A set-up step: its name (for the test summary) and what it does.
pub(crate) type SetupStep = (&'static str, fn(&Repo) -> Result<()>);

/// Every set-up step, in order.
pub(crate) const STEPS: [SetupStep; 4] = [
    ("rust target", rust_target),
    ("cargo tools", cargo_tools),
    ("debian packages", debian_packages),
    ("npm packages", npm_packages),
];

/// Runs every set-up step, stopping at the first failure.
pub(crate) fn all(repo: &Repo) -> Result<()> {
    for (name, run) in STEPS {
        procs::check_interrupted()?;
        run(repo).with_context(|| format!("set-up: {name}"))?;
    }
    Ok(())
}

/// `rustup target add wasm32-unknown-unknown` for the pinned toolchain, when missing.
pub(crate) fn rust_target(repo: &Repo) -> Result<()> {
    let step = Step::start(format!("rust target {RUST_TARGET}"));
    let installed =
        procs::query(procs::command("rustup", repo).args(["target", "list", "--installed"]))
            .context("`rustup target list --installed` failed")?;
    if installed.lines().any(|line| line.trim() == RUST_TARGET) {
        step.done("present");
        return Ok(());
    }
    step.say("adding");
    procs::run(
        "rustup target add",
        procs::command("rustup", repo).args(["target", "add", RUST_TARGET]),
    )?;
    step.done("added");
    Ok(())
}

/// The pinned cargo tools (wasm-bindgen-cli, worker-build), installed when missing or
/// at another version. Tries every tool before reporting failures.
pub(crate) fn cargo_tools(repo: &Repo) -> Result<()> {
    let mut failed = Vec::new();
    for tool in CARGO_TOOLS {
        procs::check_interrupted()?;
        if let Err(error) = tool.ensure(repo) {
            failed.push(format!("{}: {error:#}", tool.package));
        }
    }
    if !failed.is_empty() {
        bail!("{}", failed.join("; "));
    }
    Ok(())
}

/// Chromium, its WebDriver and CJK fonts from Debian, installed when any is missing.
pub(crate) fn debian_packages(repo: &Repo) -> Result<()> {
    let step = Step::start(format!("debian packages {}", DEBIAN_PACKAGES.join(" ")));
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .into_iter()
        .filter(|package| !dpkg_installed(repo, package))
        .collect();
    if missing.is_empty() {
        step.done("present");
        return Ok(());
    }
    step.say(format_args!("installing {}", missing.join(" ")));
    procs::run("apt-get update", &mut as_root(repo, &["apt-get", "update"]))?;
    let mut install = as_root(
        repo,
        &["apt-get", "install", "-y", "--no-install-recommends"],
    );
    install
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive");
    procs::run("apt-get install", &mut install)?;
    step.done("installed");
    Ok(())
}

/// `npm ci` when `node_modules` is missing, older than `package-lock.json`, or lacks a pinned
/// package at its version; then checks that wrangler, wasm-opt, esbuild and lighthouse are
/// there (npm may skip install scripts; they do not need them).
pub(crate) fn npm_packages(repo: &Repo) -> Result<()> {
    let step = Step::start("npm packages (wrangler, binaryen, lighthouse)");
    let lock = repo.root.join("package-lock.json");
    let installed = repo.root.join("node_modules").join(".package-lock.json");
    if is_fresh(&installed, &lock)? && pinned_packages_installed(repo)? {
        step.done("present");
    } else {
        step.say("running `npm ci`");
        procs::run(
            "npm ci",
            procs::command("npm", repo).args(["ci", "--no-audit", "--no-fund"]),
        )?;
        step.done("installed");
    }
    for tool in [
        repo.npm_bin("wrangler"),
        repo.npm_bin("wasm-opt"),
        repo.esbuild(),
        repo.npm_bin("lighthouse"),
    ] {
        if !tool.is_file() {
            bail!("{} is missing after `npm ci`", tool.display());
        }
    }
    Ok(())
}

/// Whether every package `package.json` pins is in `node_modules` at that version (a
/// `node_modules` made from an older lockfile can look fresh by date alone).
fn pinned_packages_installed(repo: &Repo) -> Result<bool> {
    let read = |path: &Path| -> Result<serde_json::Value> {
        let text =
            fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    };
    let manifest = read(&repo.root.join("package.json"))?;
    let pinned = manifest["devDependencies"]
        .as_object()
        .context("package.json has no devDependencies")?;
    for (name, version) in pinned {
        let installed = repo
            .root
            .join("node_modules")
            .join(name)
            .join("package.json");
        let found = installed
            .is_file()
            .then(|| read(&installed))
            .transpose()?
            .and_then(|p| p["version"].as_str().map(str::to_owned));
        if found.as_deref() != version.as_str() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether `output` exists and is not older than `input`.
fn is_fresh(output: &Path, input: &Path) -> Result<bool> {
    let modified = |path: &Path| -> Result<Option<SystemTime>> {
        match fs::metadata(path) {
            Ok(meta) => Ok(Some(meta.modified()?)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error).with_context(|| format!("reading {}", path.display())),
        }
    };
    let input_time = modified(input)?.with_context(|| format!("{} is missing", input.display()))?;
    Ok(modified(output)?.is_some_and(|output_time| output_time >= input_time))
}

fn dpkg_installed(repo: &Repo, package: &str) -> bool {
    procs::query(procs::command("dpkg-query", repo).args(["-W", "-f=${Status}", package]))
        .is_some_and(|status| status.trim() == "install ok installed")
}

/// `args` as root: directly when xtask is root (as in CI), else through `sudo -n`.
fn as_root(repo: &Repo, args: &[&str]) -> Command {
    // SAFETY: geteuid has no preconditions.
    let is_root = unsafe { libc::geteuid() } == 0;
    let mut command = if is_root {
        procs::command(args[0], repo)
    } else {
        let mut sudo = procs::command("sudo", repo);
        sudo.args(["-n", args[0]]);
        sudo
    };
    command.args(&args[1..]);
    command
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn is_fresh_compares_modification_times() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("package-lock.json");
        let output = dir.path().join("installed");
        fs::write(&input, "{}").unwrap();
        assert!(
            !is_fresh(&output, &input).unwrap(),
            "a missing output is not fresh"
        );
        fs::write(&output, "{}").unwrap();
        let now = SystemTime::now();
        fs::File::options()
            .write(true)
            .open(&input)
            .unwrap()
            .set_modified(now)
            .unwrap();
        fs::File::options()
            .write(true)
            .open(&output)
            .unwrap()
            .set_modified(now - Duration::from_secs(60))
            .unwrap();
        assert!(
            !is_fresh(&output, &input).unwrap(),
            "an older output is stale"
        );
        fs::File::options()
            .write(true)
            .open(&output)
            .unwrap()
            .set_modified(now + Duration::from_secs(1))
            .unwrap();
        assert!(is_fresh(&output, &input).unwrap());
    }

    #[test]
    fn is_fresh_fails_without_the_lockfile() {
        let dir = tempfile::tempdir().unwrap();
        let error =
            is_fresh(&dir.path().join("a"), &dir.path().join("package-lock.json")).unwrap_err();
        assert!(error.to_string().contains("package-lock.json"), "{error}");
    }
}
