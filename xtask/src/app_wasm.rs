//! The app's wasm, split where the code says `#[lazy]`: what the first screen needs is one
//! module, and each screen or tool that only some people open (the owner's settings, the
//! importer, Stats) is a module of its own, fetched the first time it is opened.
//!
//! The steps are those of `cargo leptos --split`: the release build linked with its
//! relocations (`--emit-relocs`), [`wasm_split_cli_support`] cutting it at the `#[lazy]`
//! functions (it writes the lazy modules and the JS that loads them), wasm-bindgen on the main
//! part (keeping the linker's exports the lazy modules import), then wasm-opt on every module.
//! Everything lands in one folder named by a hash of its contents, `dist/app-<hash>/`, so a
//! new build is new addresses (the files are served as immutable) and the modules find each
//! other by relative paths.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use crate::procs;
use crate::repo::Repo;
use crate::tools::WASM_BINDGEN;

/// The app's package and binary.
const PACKAGE: &str = "huike-app";
/// What the JS glue and the main wasm are called inside the app's folder.
pub(crate) const OUT_NAME: &str = "huike-app";
/// The JS that loads the lazy modules (the main wasm imports its loaders from it).
const LINK_NAME: &str = "__wasm_split.js";
/// The app's folder under `dist/` starts with this, then the hash.
pub(crate) const FOLDER_PREFIX: &str = "app-";
/// Where `index.html` asks for the start-up script (see [`start_script`]).
const SCRIPT_MARKER: &str = "<!-- huike:start-app -->";

/// Builds the app's wasm into a fresh `app-<hash>/` under the target folder and returns it
/// (see [`install`]).
pub(crate) fn build(repo: &Repo) -> Result<PathBuf> {
    let linked = link(repo)?;
    let work = repo.target.join("app-wasm");
    if work.exists() {
        fs::remove_dir_all(&work)?;
    }
    let staging = work.join("staging");
    fs::create_dir_all(&staging)?;
    let main = split(&linked, &staging)?;
    bindgen(repo, &main, &staging)?;
    // What the first load is made of, for `twiggy top target/app-wasm/main-named.wasm`.
    fs::rename(&main, work.join("main-named.wasm"))?;
    optimise(repo, &staging)?;
    let folder = work.join(format!("{FOLDER_PREFIX}{}", folder_hash(&staging)?));
    fs::rename(&staging, &folder)?;
    Ok(folder)
}

/// Moves the built `app-<hash>/` into `dist` and puts the script that starts it into
/// `dist/index.html` (where the page has [`SCRIPT_MARKER`]).
pub(crate) fn install(built: &Path, dist: &Path) -> Result<()> {
    let name = built
        .file_name()
        .and_then(|n| n.to_str())
        .context("the app's wasm folder has no name")?;
    fs::rename(built, dist.join(name))
        .with_context(|| format!("moving {} into dist/", built.display()))?;
    let index = dist.join("index.html");
    let html = fs::read_to_string(&index).context("reading dist/index.html")?;
    fs::write(&index, with_start_script(&html, name)?)?;
    Ok(())
}

/// `cargo rustc` for the app in the `wasm-release` profile, linked with its relocations (the
/// splitter needs them to move code between modules); only the final link differs from a
/// plain build, so the dependencies' builds are shared.
fn link(repo: &Repo) -> Result<PathBuf> {
    procs::run(
        "cargo rustc (app)",
        procs::command("cargo", repo).args([
            "rustc",
            "-p",
            PACKAGE,
            "--bin",
            PACKAGE,
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
            "--",
            "-C",
            "link-arg=--emit-relocs",
        ]),
    )?;
    Ok(repo
        .target
        .join("wasm32-unknown-unknown/wasm-release")
        .join(format!("{PACKAGE}.wasm")))
}

/// Cuts the linked wasm at its `#[lazy]` functions: the lazy modules and their loader
/// ([`LINK_NAME`]) into `out`; returns the main part, still to be bound.
fn split(linked: &Path, out: &Path) -> Result<PathBuf> {
    let input = fs::read(linked).with_context(|| format!("reading {}", linked.display()))?;
    let main = out.join(format!("{OUT_NAME}_split.wasm"));
    let link_name = format!("./{LINK_NAME}");
    let main_module = format!("./{OUT_NAME}.js");
    let mut options = wasm_split_cli_support::Options::new(&input);
    options.output_dir = out;
    options.main_out_path = &main;
    options.link_name = &link_name;
    options.main_module = &main_module;
    wasm_split_cli_support::transform(options)
        .map_err(|error| anyhow::anyhow!("splitting the app's wasm: {error:?}"))?;
    Ok(main)
}

/// The pinned wasm-bindgen on the main part: an ES module (`--target web`) keeping the
/// linker's exports (the lazy modules share the main module's memory, table and functions).
fn bindgen(repo: &Repo, main: &Path, out: &Path) -> Result<()> {
    procs::run(
        "wasm-bindgen (app)",
        procs::command(WASM_BINDGEN.require()?, repo)
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--keep-lld-exports",
                "--no-demangle",
                "--out-name",
                OUT_NAME,
                "--out-dir",
            ])
            .arg(out)
            .arg(main),
    )
}

/// wasm-opt -Oz on every module of the folder (the lowest 1 KB of memory is unused: the
/// stack's far end; see README).
fn optimise(repo: &Repo, dir: &Path) -> Result<()> {
    for wasm in files(dir)?
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "wasm"))
    {
        procs::run(
            "wasm-opt (app)",
            procs::command(repo.npm_bin("wasm-opt"), repo)
                .args(["-Oz", "--low-memory-unused"])
                .arg(&wasm)
                .arg("-o")
                .arg(&wasm),
        )?;
    }
    Ok(())
}

/// Every file under `dir`, sorted by path.
fn files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// 16 hex digits of a SHA-256 over every file's path and contents.
fn folder_hash(dir: &Path) -> Result<String> {
    let mut hash = Sha256::new();
    for file in files(dir)? {
        let relative = file.strip_prefix(dir).unwrap_or(&file);
        hash.update(relative.to_string_lossy().as_bytes());
        hash.update([0]);
        hash.update(fs::read(&file)?);
    }
    Ok(hex::encode(&hash.finalize()[..8]))
}

/// How the app starts: the page first paints its boot shell (index.html), and only then are
/// the JS glue and the wasm fetched and the app started. Fetched earlier, they would share the
/// first moments of a slow connection with the page itself, and Lighthouse's simulation counts
/// every request started before the largest paint as holding that paint back. The event is
/// the app's own (`cargo xtask bench` listens for it).
fn start_script(folder: &str) -> String {
    format!(
        r#"<script type="module">
await new Promise((painted) => {{
  requestAnimationFrame(() => requestAnimationFrame(painted));
  setTimeout(painted, 200);
}});
const {{ default: init }} = await import("/{folder}/{OUT_NAME}.js");
const wasm = await init({{ module_or_path: "/{folder}/{OUT_NAME}_bg.wasm" }});
dispatchEvent(new CustomEvent("huike-app-started", {{ detail: {{ wasm }} }}));
</script>"#
    )
}

/// `html` with [`SCRIPT_MARKER`] replaced by the start-up script for `folder`.
fn with_start_script(html: &str, folder: &str) -> Result<String> {
    if html.matches(SCRIPT_MARKER).count() != 1 {
        bail!("dist/index.html must hold `{SCRIPT_MARKER}` exactly once (index.html keeps it)");
    }
    Ok(html.replace(SCRIPT_MARKER, &start_script(folder)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_goes_where_the_marker_was_and_names_the_folder() {
        let html = format!("<head>{SCRIPT_MARKER}</head>");
        let done = with_start_script(&html, "app-0123456789abcdef").unwrap();
        assert!(!done.contains(SCRIPT_MARKER));
        assert!(done.contains(r#"import("/app-0123456789abcdef/huike-app.js")"#));
        assert!(done.contains(r#""/app-0123456789abcdef/huike-app_bg.wasm""#));
        assert!(with_start_script("<head></head>", "app-1").is_err());
    }

    #[test]
    fn the_folder_hash_changes_with_any_content_or_name() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.wasm"), "one").unwrap();
        let first = folder_hash(dir.path()).unwrap();
        assert_eq!(first.len(), 16);
        fs::write(dir.path().join("a.wasm"), "two").unwrap();
        let second = folder_hash(dir.path()).unwrap();
        assert_ne!(first, second);
        fs::rename(dir.path().join("a.wasm"), dir.path().join("b.wasm")).unwrap();
        assert_ne!(second, folder_hash(dir.path()).unwrap());
    }
}
