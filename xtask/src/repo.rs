//! Where things are: the repository root, the one cargo target directory every build shares,
//! the npm tools and the generated folders.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The checked-out repository and its shared cargo target directory.
#[derive(Debug, Clone)]
pub(crate) struct Repo {
    /// The workspace root (the folder holding the root `Cargo.toml`).
    pub root: PathBuf,
    /// `CARGO_TARGET_DIR` when set, else `<root>/target`; passed to every cargo run.
    pub target: PathBuf,
}

impl Repo {
    /// Finds the repository from this crate's manifest folder (`<root>/xtask`).
    pub(crate) fn locate() -> Result<Repo> {
        let manifest_dir = env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        let root = manifest_dir
            .parent()
            .with_context(|| format!("{} has no parent folder", manifest_dir.display()))?
            .to_path_buf();
        let cwd = env::current_dir().context("reading the current folder")?;
        let target = target_dir(&root, env::var_os("CARGO_TARGET_DIR"), &cwd);
        Ok(Repo { root, target })
    }

    /// The built app.
    pub(crate) fn dist(&self) -> PathBuf {
        self.root.join("dist")
    }

    /// The worker crate.
    pub(crate) fn worker_dir(&self) -> PathBuf {
        self.root.join("worker")
    }

    /// Whether the app has been written yet (its page `index.html` and its crate `app/`).
    pub(crate) fn has_app(&self) -> bool {
        self.root.join("index.html").is_file() && self.root.join("app/Cargo.toml").is_file()
    }

    /// Whether the worker has been written yet.
    pub(crate) fn has_worker(&self) -> bool {
        self.worker_dir().join("wrangler.toml").is_file()
            && self.worker_dir().join("Cargo.toml").is_file()
    }

    /// An executable installed by `npm ci` (`node_modules/.bin/<name>`).
    pub(crate) fn npm_bin(&self, name: &str) -> PathBuf {
        self.root.join("node_modules").join(".bin").join(name)
    }

    /// The esbuild binary that comes with wrangler (worker-build would download one otherwise).
    pub(crate) fn esbuild(&self) -> PathBuf {
        self.root
            .join("node_modules/@esbuild/linux-x64/bin/esbuild")
    }

    /// Where `cargo xtask dev` keeps the worker's KV data between runs (gitignored).
    pub(crate) fn dev_kv(&self) -> PathBuf {
        self.root.join(".huike").join("kv")
    }

    /// Where the end-to-end tests put their screenshots and `cargo xtask test` its worker log.
    pub(crate) fn e2e_dir(&self) -> PathBuf {
        self.target.join("e2e")
    }

    /// Where `cargo xtask bench` and `cargo xtask lighthouse` put their reports and screenshots.
    pub(crate) fn bench_dir(&self) -> PathBuf {
        self.target.join("bench")
    }

    /// Scratch space of xtask itself (temporary KV folders).
    pub(crate) fn scratch_dir(&self) -> PathBuf {
        self.target.join("xtask")
    }

    /// `PATH` with the given folders in front, so child tools find the pinned binaries first.
    pub(crate) fn path_with(&self, dirs: &[PathBuf]) -> Result<OsString> {
        let current = env::var_os("PATH").unwrap_or_default();
        let mut all: Vec<PathBuf> = Vec::new();
        for dir in dirs.iter().cloned().chain(env::split_paths(&current)) {
            if !all.contains(&dir) {
                all.push(dir);
            }
        }
        env::join_paths(all).context("building PATH")
    }
}

/// Resolves the cargo target directory the way cargo does: the environment variable (relative
/// to the current folder) when set and non-empty, else `target` under the workspace root.
fn target_dir(root: &Path, from_env: Option<OsString>, cwd: &Path) -> PathBuf {
    match from_env {
        Some(dir) if !dir.is_empty() => cwd.join(dir),
        _ => root.join("target"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_dir_defaults_to_the_workspace_target() {
        let root = Path::new("/repo");
        assert_eq!(
            target_dir(root, None, Path::new("/elsewhere")),
            PathBuf::from("/repo/target")
        );
        assert_eq!(
            target_dir(root, Some("".into()), Path::new("/x")),
            PathBuf::from("/repo/target")
        );
    }

    #[test]
    fn target_dir_respects_the_environment_like_cargo() {
        let root = Path::new("/repo");
        assert_eq!(
            target_dir(root, Some("/t".into()), Path::new("/x")),
            PathBuf::from("/t")
        );
        assert_eq!(
            target_dir(root, Some("out".into()), Path::new("/x")),
            PathBuf::from("/x/out")
        );
    }

    #[test]
    fn path_with_puts_new_folders_first_once() {
        let repo = Repo {
            root: "/repo".into(),
            target: "/repo/target".into(),
        };
        let path = repo
            .path_with(&[
                PathBuf::from("/a"),
                PathBuf::from("/a"),
                PathBuf::from("/b"),
            ])
            .unwrap();
        let dirs: Vec<PathBuf> = env::split_paths(&path).collect();
        assert_eq!(dirs[..2], [PathBuf::from("/a"), PathBuf::from("/b")]);
        assert_eq!(
            dirs.iter()
                .filter(|d| d.as_path() == Path::new("/a"))
                .count(),
            1
        );
    }
}
