//! The pinned tools — the one table of versions besides `rust-toolchain.toml` (Rust) and
//! `package.json` (wrangler, binaryen) — and how to find or install them.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Result, bail};

use crate::procs;
use crate::repo::Repo;
use crate::step::Step;

/// The wasm target every browser and worker build needs.
pub(crate) const RUST_TARGET: &str = "wasm32-unknown-unknown";

/// Debian packages: the browser and driver for wasm and end-to-end tests, and CJK fonts so
/// Chinese text renders in screenshots.
pub(crate) const DEBIAN_PACKAGES: [&str; 3] = ["chromium", "chromium-driver", "fonts-noto-cjk"];

/// The WebDriver for headless Chromium (from the `chromium-driver` package).
pub(crate) const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A tool installed with `cargo install`, pinned to one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CargoTool {
    /// The crate on crates.io.
    pub package: &'static str,
    /// The exact version (must agree with the `wasm-bindgen` pin in the root `Cargo.toml`).
    pub version: &'static str,
    /// The executable whose `--version` is checked.
    pub bin: &'static str,
    /// Whether to install with the crate's own lockfile (`--locked`).
    pub locked: bool,
}

/// wasm-bindgen's CLI (also provides `wasm-bindgen-test-runner`). Not `--locked`: its
/// lockfile wants a webpki-roots version the registry no longer has.
pub(crate) const WASM_BINDGEN: CargoTool = CargoTool {
    package: "wasm-bindgen-cli",
    version: "0.2.130",
    bin: "wasm-bindgen",
    locked: false,
};
/// Builds the worker (matches the `worker` crate version).
pub(crate) const WORKER_BUILD: CargoTool = CargoTool {
    package: "worker-build",
    version: "0.8.7",
    bin: "worker-build",
    locked: true,
};

/// Every pinned cargo tool, in install order (quickest first).
pub(crate) const CARGO_TOOLS: [CargoTool; 2] = [WASM_BINDGEN, WORKER_BUILD];

impl CargoTool {
    /// The `cargo install` arguments for this pin.
    pub(crate) fn install_args(&self) -> Vec<&'static str> {
        let mut args = vec!["install"];
        if self.locked {
            args.push("--locked");
        }
        args.extend([self.package, "--version", self.version]);
        args
    }

    /// The first `bin` on PATH or in cargo's install folders that reports the pinned version.
    pub(crate) fn locate(&self) -> Option<PathBuf> {
        candidates(self.bin)
            .into_iter()
            .find(|path| self.reports_pinned_version(path))
    }

    /// Like [`CargoTool::locate`], failing with a clear message when absent.
    pub(crate) fn require(&self) -> Result<PathBuf> {
        match self.locate() {
            Some(path) => Ok(path),
            None => bail!(
                "{} {} is not installed (the set-up step installs it)",
                self.bin,
                self.version
            ),
        }
    }

    /// Finds the pinned version or installs it with `cargo install`; returns the executable.
    pub(crate) fn ensure(&self, repo: &Repo) -> Result<PathBuf> {
        let step = Step::start(format!("{} {}", self.package, self.version));
        if let Some(path) = self.locate() {
            step.done(format_args!("present at {}", path.display()));
            return Ok(path);
        }
        let found = candidates(self.bin)
            .first()
            .and_then(|path| version_of(path))
            .unwrap_or_else(|| "none".into());
        let args = self.install_args();
        step.say(format_args!(
            "found {found}; running `cargo {}` (takes minutes)",
            args.join(" ")
        ));
        procs::run(
            &format!("cargo install {}", self.package),
            procs::command("cargo", repo).args(&args),
        )?;
        let Some(path) = self.locate() else {
            bail!(
                "`cargo install` finished but no {} {} was found on PATH or in cargo's bin folder",
                self.bin,
                self.version
            );
        };
        step.done("installed");
        Ok(path)
    }

    fn reports_pinned_version(&self, path: &Path) -> bool {
        version_of(path).as_deref() == Some(self.version)
    }
}

/// The version an executable reports with `--version` (`worker-build 0.8.7` → `0.8.7`).
fn version_of(path: &Path) -> Option<String> {
    let output = procs::query(Command::new(path).arg("--version"))?;
    parse_version(&output).map(str::to_owned)
}

/// The first word of `text` that is a version number `x.y.z` (an optional leading `v` and a
/// `-pre` / `+build` suffix are allowed): `wasm-bindgen 0.2.130` → `0.2.130`.
pub(crate) fn parse_version(text: &str) -> Option<&str> {
    text.split_whitespace()
        .map(|word| word.strip_prefix('v').unwrap_or(word))
        .find(|word| {
            let core = word.split(['-', '+']).next().unwrap_or_default();
            let parts: Vec<&str> = core.split('.').collect();
            parts.len() == 3
                && parts
                    .iter()
                    .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// Where `bin` may be: each PATH entry, then cargo's install folders (`$CARGO_INSTALL_ROOT/bin`,
/// `$CARGO_HOME/bin`, `~/.cargo/bin`), existing files only, without repeats.
fn candidates(bin: &str) -> Vec<PathBuf> {
    let path_dirs = env::var_os("PATH")
        .map(|path| env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    let cargo_dirs = ["CARGO_INSTALL_ROOT", "CARGO_HOME"]
        .iter()
        .filter_map(|var| env::var_os(var).map(|dir| PathBuf::from(dir).join("bin")))
        .chain(env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo/bin")));
    let mut found: Vec<PathBuf> = Vec::new();
    for dir in path_dirs.into_iter().chain(cargo_dirs) {
        let file = dir.join(bin);
        if file.is_file() && !found.contains(&file) {
            found.push(file);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_version_reads_each_tools_output() {
        assert_eq!(parse_version("wasm-bindgen 0.2.130\n"), Some("0.2.130"));
        assert_eq!(parse_version("worker-build 0.8.7"), Some("0.8.7"));
        assert_eq!(parse_version("worker-build v0.8.7 (abc)"), Some("0.8.7"));
        assert_eq!(parse_version("tool 1.2.3-beta.1"), Some("1.2.3-beta.1"));
    }

    #[test]
    fn parse_version_ignores_words_that_are_not_versions() {
        assert_eq!(parse_version("wasm-opt version 132 (version_132)"), None);
        assert_eq!(parse_version("1.2 and 3..4 and a.b.c"), None);
        assert_eq!(parse_version(""), None);
    }

    #[test]
    fn install_args_follow_each_pin() {
        assert_eq!(
            WASM_BINDGEN.install_args(),
            ["install", "wasm-bindgen-cli", "--version", "0.2.130"]
        );
        assert_eq!(
            WORKER_BUILD.install_args(),
            ["install", "--locked", "worker-build", "--version", "0.8.7"]
        );
    }

    #[test]
    fn wasm_bindgen_pin_matches_the_workspace_crate_pin() {
        let manifest =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml")).unwrap();
        let pin = format!("wasm-bindgen = \"={}\"", WASM_BINDGEN.version);
        assert!(
            manifest.contains(&pin),
            "the root Cargo.toml must pin `{pin}`"
        );
    }

    #[test]
    fn locate_checks_the_reported_version() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("fake-tool");
        std::fs::write(&fake, "#!/bin/sh\necho fake-tool 9.9.9\n").unwrap();
        std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        // Another test thread forking while the script was open for writing can make the
        // first exec fail with ETXTBSY; that race is the test's, not the code's.
        let reported = (0..5).find_map(|_| {
            version_of(&fake).or_else(|| {
                std::thread::sleep(std::time::Duration::from_millis(50));
                None
            })
        });
        assert_eq!(reported.as_deref(), Some("9.9.9"));
        let pinned = CargoTool {
            package: "fake-tool",
            version: "9.9.9",
            bin: "fake-tool",
            locked: true,
        };
        let other = CargoTool {
            version: "1.0.0",
            ..pinned
        };
        assert!(pinned.reports_pinned_version(&fake));
        assert!(!other.reports_pinned_version(&fake));
    }
}
