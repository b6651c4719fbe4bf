//! `cargo xtask lighthouse`: Lighthouse 12 (npm, pinned in `package.json`) with its mobile
//! defaults (a mid-range phone on slow 4G, simulated) on a first visit of the app as
//! `cargo xtask dev` serves it — precompressed, with the service worker — against a fresh
//! worker on free ports, or on `--url`. Prints the performance, accessibility and
//! best-practices scores and the paint timings of the run with the median performance score
//! (of `--runs`, 3 by default: the simulated figures vary from run to run with the machine's
//! load); the reports go to `target/bench/lighthouse-<run>.report.{html,json}`.

use std::fs;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::Value;

use crate::cli::LighthouseOptions;
use crate::dev;
use crate::procs::{self, Output};
use crate::repo::Repo;
use crate::stack::{Kv, Ports, Stack};
use crate::step::{Step, say};

/// The browser Lighthouse drives.
const CHROME: &str = "/usr/bin/chromium";

/// What one Lighthouse run found.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Scores {
    /// The page audited.
    pub url: String,
    /// Lighthouse's version.
    pub version: String,
    /// Category scores, 0–100.
    pub performance: Option<f64>,
    /// Accessibility, 0–100.
    pub accessibility: Option<f64>,
    /// Best practices, 0–100.
    pub best_practices: Option<f64>,
    /// First contentful paint, ms (simulated).
    pub fcp_ms: Option<f64>,
    /// Largest contentful paint, ms (simulated).
    pub lcp_ms: Option<f64>,
    /// Total blocking time, ms.
    pub tbt_ms: Option<f64>,
    /// Speed index, ms.
    pub speed_index_ms: Option<f64>,
    /// Cumulative layout shift.
    pub cls: Option<f64>,
    /// The audits that lost accessibility or best-practices points.
    pub failed_audits: Vec<String>,
    /// The HTML report of this run.
    pub report: String,
    /// The performance score of every run, in run order (this one is their median).
    pub runs_performance: Vec<f64>,
}

/// Builds, starts what is needed, runs Lighthouse, prints the scores.
pub(crate) fn run(repo: &Repo, options: &LighthouseOptions) -> Result<ExitCode> {
    let scores = measure(repo, options)?;
    print(&scores);
    Ok(ExitCode::SUCCESS)
}

/// Runs Lighthouse on `options.url`, or on a freshly built and started app and worker.
pub(crate) fn measure(repo: &Repo, options: &LighthouseOptions) -> Result<Scores> {
    let out = repo.bench_dir();
    fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let (url, stack) = match &options.url {
        Some(url) => (url.clone(), None),
        None => {
            dev::build_all(repo)?;
            let stack = Stack::start(
                repo,
                Ports { app: 0, worker: 0 },
                Kv::Fresh,
                Output::File(out.join("wrangler-lighthouse.log")),
            )?;
            (format!("{}/", stack.app.url()), Some(stack))
        }
    };
    let lighthouse = repo.npm_bin("lighthouse");
    if !lighthouse.is_file() {
        bail!(
            "{} is missing: the set-up's `npm ci` installs it",
            lighthouse.display()
        );
    }
    let mut all = Vec::new();
    for run in 1..=options.runs.max(1) {
        procs::check_interrupted()?;
        let step = Step::start(format!(
            "lighthouse (mobile) on {url}, run {run}/{}",
            options.runs.max(1)
        ));
        let base = out.join(format!("lighthouse-{run}"));
        let mut command = procs::command(&lighthouse, repo);
        command
            .arg(&url)
            .args([
                "--only-categories=performance,accessibility,best-practices",
                "--output=json",
                "--output=html",
                "--quiet",
                "--chrome-flags=--headless=new --no-sandbox --disable-dev-shm-usage",
            ])
            .arg(format!("--output-path={}", base.display()))
            .env("CHROME_PATH", CHROME);
        procs::run("lighthouse", &mut command)?;
        let report = base.with_extension("report.json");
        let text =
            fs::read_to_string(&report).with_context(|| format!("reading {}", report.display()))?;
        let mut scores = scores(
            &serde_json::from_str(&text).context("Lighthouse wrote no JSON")?,
            &url,
        );
        scores.report = base.with_extension("report.html").display().to_string();
        step.done(format_args!(
            "performance {}, LCP {:.0} ms, TBT {:.0} ms",
            score(scores.performance),
            scores.lcp_ms.unwrap_or(f64::NAN),
            scores.tbt_ms.unwrap_or(f64::NAN)
        ));
        all.push(scores);
    }
    drop(stack);
    Ok(median_run(all))
}

/// The run with the median performance score (Lighthouse's own advice for noisy figures),
/// with every run's performance score beside it.
fn median_run(mut runs: Vec<Scores>) -> Scores {
    let performances: Vec<f64> = runs.iter().filter_map(|s| s.performance).collect();
    runs.sort_by(|a, b| {
        a.performance
            .unwrap_or(0.0)
            .total_cmp(&b.performance.unwrap_or(0.0))
    });
    let mut median = runs.swap_remove(runs.len() / 2);
    median.runs_performance = performances;
    median
}

/// The figures of a Lighthouse JSON report.
pub(crate) fn scores(report: &Value, url: &str) -> Scores {
    let category = |name: &str| {
        report["categories"][name]["score"]
            .as_f64()
            .map(|s| (s * 100.0).round())
    };
    let audit = |name: &str| report["audits"][name]["numericValue"].as_f64();
    let mut failed_audits = Vec::new();
    for name in ["accessibility", "best-practices"] {
        for item in report["categories"][name]["auditRefs"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let id = item["id"].as_str().unwrap_or_default();
            let weight = item["weight"].as_f64().unwrap_or(0.0);
            let score = report["audits"][id]["score"].as_f64();
            if weight > 0.0 && score.is_some_and(|s| s < 1.0) {
                failed_audits.push(format!("{name}: {id}"));
            }
        }
    }
    Scores {
        url: url.to_owned(),
        version: report["lighthouseVersion"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        performance: category("performance"),
        accessibility: category("accessibility"),
        best_practices: category("best-practices"),
        fcp_ms: audit("first-contentful-paint"),
        lcp_ms: audit("largest-contentful-paint"),
        tbt_ms: audit("total-blocking-time"),
        speed_index_ms: audit("speed-index"),
        cls: audit("cumulative-layout-shift"),
        failed_audits,
        report: String::new(),
        runs_performance: Vec::new(),
    }
}

/// Prints the scores.
pub(crate) fn print(scores: &Scores) {
    println!();
    println!(
        "Lighthouse {} (mobile, first visit) on {}: the median of {} run(s), performance {:?}",
        scores.version,
        scores.url,
        scores.runs_performance.len(),
        scores.runs_performance
    );
    println!(
        "performance {} · accessibility {} · best practices {}",
        score(scores.performance),
        score(scores.accessibility),
        score(scores.best_practices)
    );
    let ms = |v: Option<f64>| v.map_or("n/a".to_owned(), |v| format!("{:.0} ms", v));
    println!(
        "FCP {} · LCP {} · TBT {} · Speed Index {} · CLS {}",
        ms(scores.fcp_ms),
        ms(scores.lcp_ms),
        ms(scores.tbt_ms),
        ms(scores.speed_index_ms),
        scores.cls.map_or("n/a".to_owned(), |v| format!("{v:.3}"))
    );
    for audit in &scores.failed_audits {
        say(format_args!("lost points: {audit}"));
    }
    say(format_args!("report: {}", scores.report));
}

fn score(value: Option<f64>) -> String {
    value.map_or("n/a".to_owned(), |v| format!("{v:.0}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_scores_and_timings_from_a_report() {
        let report = serde_json::json!({
            "lighthouseVersion": "12.8.2",
            "categories": {
                "performance": { "score": 0.914 },
                "accessibility": { "score": 1.0, "auditRefs": [{ "id": "color-contrast", "weight": 7 }] },
                "best-practices": { "score": 0.96, "auditRefs": [{ "id": "errors-in-console", "weight": 1 }, { "id": "x", "weight": 0 }] }
            },
            "audits": {
                "largest-contentful-paint": { "numericValue": 1234.5 },
                "first-contentful-paint": { "numericValue": 900.0 },
                "color-contrast": { "score": 1 },
                "errors-in-console": { "score": 0 },
                "x": { "score": 0 }
            }
        });
        let s = scores(&report, "http://a/");
        assert_eq!(s.performance, Some(91.0));
        assert_eq!(s.accessibility, Some(100.0));
        assert_eq!(s.best_practices, Some(96.0));
        assert_eq!(s.lcp_ms, Some(1234.5));
        assert_eq!(s.tbt_ms, None);
        assert_eq!(s.failed_audits, ["best-practices: errors-in-console"]);
    }

    #[test]
    fn the_median_run_is_reported_with_every_score() {
        let run = |p: f64| Scores {
            performance: Some(p),
            ..scores(&serde_json::json!({}), "u")
        };
        let median = median_run(vec![run(91.0), run(72.0), run(99.0)]);
        assert_eq!(median.performance, Some(91.0));
        assert_eq!(median.runs_performance, [91.0, 72.0, 99.0]);
        assert_eq!(median_run(vec![run(50.0)]).performance, Some(50.0));
    }
}
