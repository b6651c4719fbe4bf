//! `cargo xtask size`: what a first visit downloads — the wasm, JS, CSS and HTML of `dist/`
//! (the stylesheet is inlined into `index.html`) — raw, gzip (Zopfli) and brotli (quality 11),
//! against the 600 KB gzip budget (README, "Benchmarks") for wasm + JS + CSS.

use std::fs;
use std::path::Path;
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

/// Prints the table; fails when there is no build.
pub(crate) fn run(repo: &Repo) -> Result<ExitCode> {
    let rows = measure(&repo.dist())?;
    print(&rows);
    Ok(ExitCode::SUCCESS)
}

/// The wasm, JS, CSS and HTML files of `dist` (largest first; not the service worker) and
/// their total, last.
pub(crate) fn measure(dist: &Path) -> Result<Vec<Sizes>> {
    let mut rows = Vec::new();
    let entries = fs::read_dir(dist).with_context(|| {
        format!(
            "listing {} (build first: `cargo xtask build`)",
            dist.display()
        )
    })?;
    for entry in entries {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if !matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("wasm" | "js" | "css" | "html")
        ) || name == crate::precache::SERVICE_WORKER
        {
            continue;
        }
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
    if rows.is_empty() {
        bail!(
            "{} holds no wasm, JS or CSS: build first (`cargo xtask build`)",
            dist.display()
        );
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

/// Prints the rows as a table, with the verdict against the budget.
pub(crate) fn print(rows: &[Sizes]) {
    println!(
        "{:<44} {:>10} {:>10} {:>10}",
        "file (dist/)", "raw KB", "gzip KB", "brotli KB"
    );
    for row in rows {
        println!(
            "{:<44} {:>10} {:>10} {:>10}",
            row.name,
            kb(row.raw),
            kb(row.gzip),
            kb(row.brotli)
        );
    }
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
}

/// Bytes as kilobytes (1 KB = 1,000 bytes) with one decimal.
pub(crate) fn kb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_wasm_js_and_css_only_with_a_total() {
        let dist = tempfile::tempdir().unwrap();
        fs::write(dist.path().join("app_bg.wasm"), vec![7u8; 5000]).unwrap();
        fs::write(dist.path().join("app.js"), "let a = 1;\n".repeat(100)).unwrap();
        fs::write(dist.path().join("main.css"), "a{color:red}\n".repeat(10)).unwrap();
        fs::write(dist.path().join("sw.js"), "x".repeat(99)).unwrap();
        fs::write(dist.path().join("index.html"), "<html>").unwrap();
        fs::write(dist.path().join("icon.png"), "png").unwrap();
        let rows = measure(dist.path()).unwrap();
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["app_bg.wasm", "app.js", "main.css", "index.html", "total"]
        );
        assert_eq!(rows[4].raw, 5000 + 1100 + 130 + 6);
        assert!(rows[0].gzip < 100 && rows[0].brotli < 100);
        assert_eq!(rows[4].gzip, rows[..4].iter().map(|r| r.gzip).sum::<u64>());
        assert!(measure(&dist.path().join("missing")).is_err());
    }

    #[test]
    fn kilobytes_have_one_decimal() {
        assert_eq!(kb(612_345), "612.3");
        assert_eq!(kb(0), "0.0");
    }
}
