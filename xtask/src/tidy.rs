//! `cargo xtask tidy` (also a stage of `cargo xtask test`): the guardrails that keep the tree
//! tidy — formatting (`cargo fmt --check`), lints with warnings as errors (`cargo clippy`,
//! natively and for wasm32), a codemap that names every source file (`docs/ARCHITECTURE.md`),
//! and references to the project's documents that resolve.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::procs;
use crate::repo::Repo;

/// Crates built for wasm32 only (the browser app, the worker) and core, which runs there too.
const WASM_CRATES: [&str; 3] = ["huike-core", "huike-app", "huike-worker"];

/// The folders whose `.rs` files the codemap must name.
const SOURCE_DIRS: [&str; 11] = [
    "core/src",
    "core/tests",
    "core/examples",
    "core/benches",
    "app/src",
    "app/tests",
    "worker/src",
    "xtask/src",
    "tests/src",
    "tests/tests",
    "core/tests/server_support",
];

/// Every check, each reported; fails if any failed.
pub(crate) fn run(repo: &Repo) -> Result<()> {
    let mut failures = Vec::new();
    for (what, check) in [
        ("format", fmt as fn(&Repo) -> Result<()>),
        ("clippy (native)", clippy_native),
        ("clippy (wasm32)", clippy_wasm),
        ("codemap", codemap),
        ("document references", references),
    ] {
        if let Err(e) = check(repo) {
            failures.push(format!("{what}: {e:#}"));
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        bail!("{}", failures.join("\n"))
    }
}

fn fmt(repo: &Repo) -> Result<()> {
    let mut command = procs::command("cargo", repo);
    command.args(["fmt", "--all", "--check"]);
    procs::run("cargo fmt --check", &mut command)
}

fn clippy_native(repo: &Repo) -> Result<()> {
    let mut command = procs::command("cargo", repo);
    command.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    procs::run("cargo clippy (native)", &mut command)
}

fn clippy_wasm(repo: &Repo) -> Result<()> {
    let mut command = procs::command("cargo", repo);
    command.args([
        "clippy",
        "--target",
        "wasm32-unknown-unknown",
        "--all-targets",
    ]);
    for krate in WASM_CRATES {
        command.args(["-p", krate]);
    }
    command.args(["--", "-D", "warnings"]);
    procs::run("cargo clippy (wasm32)", &mut command)
}

/// Every source file is named in `docs/ARCHITECTURE.md` (see [`unnamed_files`]).
fn codemap(repo: &Repo) -> Result<()> {
    let map = fs::read_to_string(repo.root.join("docs/ARCHITECTURE.md"))
        .context("reading docs/ARCHITECTURE.md")?;
    let mut files = Vec::new();
    for dir in SOURCE_DIRS {
        rust_files(&repo.root.join(dir), &mut files)?;
    }
    let files: Vec<String> = files
        .iter()
        .filter_map(|f| f.strip_prefix(&repo.root).ok())
        .map(|f| f.to_string_lossy().replace('\\', "/"))
        .collect();
    let missing = unnamed_files(&map, &files);
    if missing.is_empty() {
        Ok(())
    } else {
        bail!(
            "docs/ARCHITECTURE.md does not name {} (say in the codemap what each is for)",
            missing.join(", ")
        )
    }
}

/// The files of `files` (paths from the repository's root) that `map` does not name. A file
/// is named when the text holds its name as a word, with or without `.rs` (`legacy.rs`,
/// `` `legacy` ``), or its path below its crate's folder (`store/legacy.rs`); a folder's
/// `mod.rs`, a crate's `lib.rs` and `main.rs` are also named by their folder with a slash
/// (`search/`, `app/`).
pub(crate) fn unnamed_files(map: &str, files: &[String]) -> Vec<String> {
    files
        .iter()
        .filter(|path| {
            let parts: Vec<&str> = path.split('/').collect();
            let name = parts[parts.len() - 1];
            let folder = parts
                .get(parts.len().wrapping_sub(2))
                .copied()
                .unwrap_or("");
            let named = |text: &str| contains_word(map, text);
            let inner = parts
                .iter()
                .position(|p| *p == "src" || *p == "tests" || *p == "examples" || *p == "benches")
                .map(|i| parts[i + 1..].join("/"))
                .unwrap_or_default();
            let stem = name.trim_end_matches(".rs");
            let by_name = match name {
                "mod.rs" | "lib.rs" | "main.rs" => {
                    named(&format!("{folder}/")) || named(&inner) || named(name)
                }
                _ => named(name) || named(&inner) || contains_whole_word(map, stem),
            };
            !by_name
        })
        .cloned()
        .collect()
}

/// `needle` occurs in `text` with no letter, digit or `_` right before it.
fn contains_word(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(i, _)| {
        text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
    })
}

/// `needle` occurs in `text` as a whole word (no letter, digit or `_` on either side).
fn contains_whole_word(text: &str, needle: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(needle).any(|(i, _)| {
        text[..i].chars().next_back().is_none_or(|c| !word(c))
            && text[i + needle.len()..]
                .chars()
                .next()
                .is_none_or(|c| !word(c))
    })
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            if !SOURCE_DIRS.iter().any(|d| path.ends_with(d)) {
                rust_files(&path, out)?;
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// Every `docs/….md`, `docs/….yaml` or `README.md` a source file or document mentions exists.
fn references(repo: &Repo) -> Result<()> {
    let mut files = Vec::new();
    for dir in SOURCE_DIRS {
        rust_files(&repo.root.join(dir), &mut files)?;
    }
    for doc in ["README.md", "docs"] {
        let path = repo.root.join(doc);
        if path.is_dir() {
            for entry in fs::read_dir(&path)? {
                files.push(entry?.path());
            }
        } else {
            files.push(path);
        }
    }
    let mut broken = Vec::new();
    for file in files {
        let Ok(text) = fs::read_to_string(&file) else {
            continue;
        };
        for target in document_references(&text) {
            if !repo.root.join(&target).exists() {
                broken.push(format!("{} → {target}", file.display()));
            }
        }
    }
    if broken.is_empty() {
        Ok(())
    } else {
        bail!("references to missing documents: {}", broken.join(", "))
    }
}

/// The project documents `text` refers to: `docs/<name>.md` / `.yaml` paths.
pub(crate) fn document_references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("docs/") {
        let rest = &text[i..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || "/_-.".contains(c)))
            .unwrap_or(rest.len());
        let path = rest[..end].trim_end_matches('.');
        if path.ends_with(".md") || path.ends_with(".yaml") {
            out.push(path.to_owned());
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_named_by_its_name_or_its_path_in_its_crate() {
        let map = "`store.rs` (IndexedDB; `store/legacy.rs`), `search/` — index; `lib.rs`; `rfm`";
        let files: Vec<String> = [
            "app/src/store.rs",
            "app/src/store/legacy.rs",
            "core/src/search/mod.rs",
            "core/src/search/image.rs",
            "app/src/lib.rs",
            "core/src/segment/rfm.rs",
            "core/src/restore.rs",
            "core/src/segment/rfm_scores.rs",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            unnamed_files(map, &files),
            vec![
                "core/src/search/image.rs".to_owned(),
                "core/src/restore.rs".to_owned(),
                "core/src/segment/rfm_scores.rs".to_owned(),
            ],
            "`restore.rs` is not named by `store.rs` inside it"
        );
    }

    #[test]
    fn document_references_are_found_without_trailing_punctuation() {
        let text =
            "see docs/sync.md. Also `docs/openapi.yaml` and docs/ARCHITECTURE.md, not docs/ alone";
        assert_eq!(
            document_references(text),
            vec!["docs/ARCHITECTURE.md", "docs/openapi.yaml", "docs/sync.md"]
        );
    }
}
