//! `cargo xtask size`: what a first visit downloads — the wasm, JS, CSS and HTML of `dist/`
//! (the stylesheet is inlined into `index.html`) — raw, gzip (Zopfli) and brotli (quality 11),
//! against the 600 KB gzip budget (README, "Benchmarks") for wasm + JS + CSS; and, apart, what
//! the app fetches only when first used (its lazy modules).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::compress::{Encoding, variant};
use crate::repo::Repo;

/// The budget of the app's download (wasm + JS + CSS, gzip).
pub(crate) const BUDGET_GZIP: u64 = 600 * 1000;

/// One file's sizes in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Sizes {
    /// The file's name under `dist/` (or `total`).
    pub name: String,
    /// As built.
    pub raw: u64,
    /// gzip (Zopfli), as served.
    pub gzip: u64,
    /// brotli, quality 11.
    pub brotli: u64,
}

/// Prints the tables; fails when there is no build.
pub(crate) fn run(repo: &Repo) -> Result<ExitCode> {
    let rows = measure(&repo.dist())?;
    print(&rows);
    if let Some(total) = rows.last() {
        let verdict = if total.gzip <= BUDGET_GZIP {
            "within"
        } else {
            "OVER"
        };
        println!(
            "download (wasm + JS + CSS + HTML): {} KB gzip, {verdict} the {} KB budget",
            kb(total.gzip),
            BUDGET_GZIP / 1000
        );
    }
    let later = measure_later(&repo.dist())?;
    if let Some(total) = later.last() {
        println!();
        print(&later);
        println!(
            "fetched when first used (the app's #[lazy] modules, the model module): {} KB gzip",
            kb(total.gzip)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether the app fetches this file (named as under `dist/`) only when something needs it:
/// the model module (`model/`, after the first screen) and the modules split off at the app's
/// `#[lazy]` functions (every wasm but the main one, see [`crate::app_wasm`]).
fn loads_later(name: &str) -> bool {
    name.starts_with("model/")
        || (name.ends_with(".wasm")
            && !name.ends_with(&format!("/{}_bg.wasm", crate::app_wasm::OUT_NAME)))
}

/// What a first visit downloads: the wasm, JS, CSS and HTML files of `dist`, not the service
/// worker nor what loads later ([`loads_later`]); largest first, and their total, last.
pub(crate) fn measure(dist: &Path) -> Result<Vec<Sizes>> {
    let mut files = Vec::new();
    collect(dist, "", &mut files)?;
    files.retain(|(name, _)| !loads_later(name));
    let rows = table(files)?;
    if rows.len() == 1 {
        bail!(
            "{} holds no wasm, JS or CSS: build first (`cargo xtask build`)",
            dist.display()
        );
    }
    Ok(rows)
}

/// What the app loads when first used ([`loads_later`]), with its total last (empty when
/// there is none).
pub(crate) fn measure_later(dist: &Path) -> Result<Vec<Sizes>> {
    let mut files = Vec::new();
    collect(dist, "", &mut files)?;
    files.retain(|(name, _)| loads_later(name));
    if files.is_empty() {
        return Ok(Vec::new());
    }
    table(files)
}

/// The wasm, JS, CSS and HTML files under `dir` (named from `prefix`), the service worker
/// left out.
fn collect(dir: &Path, prefix: &str, files: &mut Vec<(String, PathBuf)>) -> Result<()> {
    let entries = fs::read_dir(dir).with_context(|| {
        format!(
            "listing {} (build first: `cargo xtask build`)",
            dir.display()
        )
    })?;
    for entry in entries {
        let path = entry?.path();
        let name = format!(
            "{prefix}{}",
            path.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
        );
        if path.is_dir() {
            collect(&path, &format!("{name}/"), files)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("wasm" | "js" | "css" | "html")
        ) && name != crate::precache::SERVICE_WORKER
        {
            files.push((name, path));
        }
    }
    Ok(())
}

/// Each file's sizes, largest first, and their total, last.
fn table(files: Vec<(String, PathBuf)>) -> Result<Vec<Sizes>> {
    let mut rows = Vec::new();
    for (name, path) in files {
        let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let packed = |encoding: Encoding| -> u64 {
            // The build's own variant when it has one, else compressed here alike.
            fs::metadata(variant(&path, encoding))
                .map(|meta| meta.len())
                .unwrap_or_else(|_| encoding.compress(&bytes).len() as u64)
        };
        rows.push(Sizes {
            name,
            raw: bytes.len() as u64,
            gzip: packed(Encoding::Gzip),
            brotli: packed(Encoding::Brotli),
        });
    }
    rows.sort_by_key(|row| std::cmp::Reverse(row.raw));
    let total = Sizes {
        name: "total".into(),
        raw: rows.iter().map(|r| r.raw).sum(),
        gzip: rows.iter().map(|r| r.gzip).sum(),
        brotli: rows.iter().map(|r| r.brotli).sum(),
    };
    rows.push(total);
    Ok(rows)
}

/// Prints the rows as a table.
pub(crate) fn print(rows: &[Sizes]) {
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(0).max(12);
    println!(
        "{:<width$} {:>10} {:>10} {:>10}",
        "file (dist/)", "raw KB", "gzip KB", "brotli KB"
    );
    for row in rows {
        println!(
            "{:<width$} {:>10} {:>10} {:>10}",
            row.name,
            kb(row.raw),
            kb(row.gzip),
            kb(row.brotli)
        );
    }
}

pub(crate) fn kb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_wasm_js_and_css_only_with_a_total() {
        let dist = tempfile::tempdir().unwrap();
        let app = dist.path().join("app-0123456789abcdef");
        fs::create_dir_all(app.join("snippets/app")).unwrap();
        fs::write(app.join("huike-app_bg.wasm"), vec![7u8; 5000]).unwrap();
        fs::write(app.join("huike-app.js"), "let a = 1;\n".repeat(100)).unwrap();
        fs::write(app.join("split_settings.wasm"), vec![3u8; 700]).unwrap();
        fs::write(dist.path().join("main.css"), "a{color:red}\n".repeat(10)).unwrap();
        fs::write(dist.path().join("sw.js"), "x".repeat(99)).unwrap();
        fs::write(dist.path().join("index.html"), "<html>").unwrap();
        fs::write(dist.path().join("icon.png"), "png").unwrap();
        fs::write(app.join("snippets/app/inline0.js"), "export {}").unwrap();
        fs::create_dir_all(dist.path().join("model")).unwrap();
        fs::write(dist.path().join("model/m_bg.wasm"), vec![1u8; 900]).unwrap();
        let later = measure_later(dist.path()).unwrap();
        let later: Vec<&str> = later.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            later,
            [
                "model/m_bg.wasm",
                "app-0123456789abcdef/split_settings.wasm",
                "total"
            ],
            "the lazy modules, largest first, then their total"
        );
        let rows = measure(dist.path()).unwrap();
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "app-0123456789abcdef/huike-app_bg.wasm",
                "app-0123456789abcdef/huike-app.js",
                "main.css",
                "app-0123456789abcdef/snippets/app/inline0.js",
                "index.html",
                "total"
            ]
        );
        assert_eq!(rows[5].raw, 5000 + 1100 + 130 + 9 + 6);
        assert!(rows[0].gzip < 100 && rows[0].brotli < 100);
        assert_eq!(rows[5].gzip, rows[..5].iter().map(|r| r.gzip).sum::<u64>());
        assert!(measure(&dist.path().join("missing")).is_err());
    }

    #[test]
    fn kilobytes_have_one_decimal() {
        assert_eq!(kb(612_345), "612.3");
        assert_eq!(kb(0), "0.0");
    }
}
