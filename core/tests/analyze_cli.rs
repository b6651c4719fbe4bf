//! The `analyze` example end to end: the real binary on the CDNOW sample (published figures
//! reproduced, one consistent row per customer), and on bad input (exit status 2, the message
//! names the line, no output written).
//!
//! The binary is built by `cargo test` with the tests' own profile and target directory (or by
//! this file, with the `cargo` that runs it, when a filtered `cargo test --test analyze_cli`
//! did not build examples).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The path of the `analyze` example, built if needed.
fn analyze_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        // This test runs from <target>/<profile>/deps/; examples live in <target>/<profile>/examples/.
        let exe = std::env::current_exe().expect("test executable path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>");
        let bin = profile_dir
            .join("examples")
            .join(format!("analyze{}", std::env::consts::EXE_SUFFIX));
        if !bin.exists() {
            let profile = profile_dir
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("debug");
            let profile = if profile == "debug" { "dev" } else { profile };
            let target_dir = profile_dir.parent().expect("target directory");
            let status = Command::new(env!("CARGO"))
                .args([
                    "build",
                    "--quiet",
                    "-p",
                    "huike-core",
                    "--example",
                    "analyze",
                    "--profile",
                    profile,
                ])
                .arg("--target-dir")
                .arg(target_dir)
                .status()
                .expect("cargo runs");
            assert!(status.success(), "building the analyze example failed");
        }
        bin
    })
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("huike-analyze-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Runs `analyze` on `csv` (written to a file) with the given as-of date and unit.
fn analyze(dir: &Path, csv: &str, extra: &[&str]) -> (Output, PathBuf, PathBuf) {
    let input = dir.join("transactions.csv");
    std::fs::write(&input, csv).unwrap();
    let (out, model) = (dir.join("out.csv"), dir.join("model.json"));
    let mut cmd = Command::new(analyze_bin());
    cmd.arg("--transactions")
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .arg("--model")
        .arg(&model);
    let output = cmd.args(extra).output().expect("analyze runs");
    (output, out, model)
}

const CDNOW_ARGS: [&str; 6] = [
    "--as-of",
    "1997-09-30",
    "--unit",
    "weeks",
    "--horizon-days",
    "273",
];

/// The CDNOW 1/10 sample as `customer_id,date,amount`.
fn cdnow_csv() -> String {
    let mut csv = String::from("customer_id,date,amount\n");
    for line in include_str!("fixtures/cdnow/CDNOW_sample.txt").lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if let [_, id, date, _, dollars] = f[..] {
            let id: u32 = id.parse().unwrap();
            csv.push_str(&format!(
                "{id},{}-{}-{},{dollars}\n",
                &date[..4],
                &date[4..6],
                &date[6..]
            ));
        }
    }
    csv
}

fn rounds_to(value: f64, published: f64, decimals: i32) -> bool {
    let scale = 10f64.powi(decimals);
    (value * scale).round() == (published * scale).round()
}

#[test]
fn cdnow_reproduces_the_published_model_and_scores_every_customer() {
    let dir = scratch("cdnow");
    let (output, out, model) = analyze(&dir, &cdnow_csv(), &CDNOW_ARGS);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model).unwrap()).unwrap();
    assert_eq!(model["unit"], "weeks");
    let bg = &model["bgnbd"];
    let num = |v: &serde_json::Value| v.as_f64().expect("a number");
    for (key, published) in [("r", 0.243), ("alpha", 4.414), ("a", 0.793), ("b", 2.426)] {
        assert!(
            rounds_to(num(&bg[key]), published, 3),
            "{key} = {}",
            bg[key]
        );
    }
    assert!((num(&bg["log_likelihood"]) - -9582.4).abs() < 0.05);
    let gg = &model["gamma_gamma"];
    for (key, published) in [("p", 6.25), ("q", 3.74), ("v", 15.44)] {
        assert!(
            rounds_to(num(&gg[key]), published, 2),
            "{key} = {}",
            gg[key]
        );
    }

    let mut reader = csv::Reader::from_path(out).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "customer_id",
            "recency_days",
            "frequency",
            "monetary_cents",
            "r_score",
            "f_score",
            "m_score",
            "rfm_class",
            "stage",
            "p_alive",
            "expected_purchases",
            "clv_12m"
        ]
    );
    let rows: BTreeMap<String, csv::StringRecord> = reader
        .records()
        .map(|r| r.unwrap())
        .map(|r| (r[0].to_owned(), r))
        .collect();
    assert_eq!(rows.len(), 2357, "one row per customer");
    let classes: BTreeSet<&str> = [
        "key_value",
        "key_develop",
        "key_keep",
        "key_win_back",
        "regular_value",
        "regular_develop",
        "regular_keep",
        "regular_win_back",
    ]
    .into();
    let stages: BTreeSet<&str> =
        ["introduction", "growth", "maturity", "decline", "churned"].into();
    for r in rows.values() {
        assert!(classes.contains(&r[7]) && stages.contains(&r[8]), "{r:?}");
        for score in 4..7 {
            assert!(matches!(&r[score], "1" | "2" | "3" | "4" | "5"), "{r:?}");
        }
        let p_alive: f64 = r[9].parse().unwrap();
        let expected: f64 = r[10].parse().unwrap();
        assert!((0.0..=1.0).contains(&p_alive) && expected >= 0.0, "{r:?}");
        assert!(
            huike_core::domain::Money::parse_major(&r[11])
                .unwrap()
                .minor()
                >= 0
        );
    }
    // Customer 1 bought on 1997-01-01, 01-18 and 08-02 (x = 2, t_x = 30.43, T = 38.86 weeks):
    // the published forecast is 1.226 purchases in the next 39 weeks.
    let one = &rows["1"];
    assert_eq!((&one[1], &one[2], &one[3]), ("59", "3", "7402"));
    assert!(rounds_to(one[10].parse().unwrap(), 1.226, 3), "{one:?}");
    // A one-time buyer is alive with probability 1 under BG/NBD.
    let one_time = rows.values().find(|r| &r[2] == "1").unwrap();
    assert_eq!(&one_time[9], "1.000000");
}

#[test]
fn transactions_after_the_as_of_date_are_ignored_and_days_unit_works() {
    let dir = scratch("later");
    let mut csv = cdnow_csv();
    csv.push_str("late-customer,1998-01-01,10.00\n");
    let (output, out, model) = analyze(
        &dir,
        &csv,
        &[
            "--as-of",
            "1997-09-30",
            "--unit",
            "days",
            "--horizon-days",
            "30",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = csv::Reader::from_path(out).unwrap().records().count();
    assert_eq!(
        rows, 2357,
        "the customer who first bought after the as-of date has no row"
    );
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model).unwrap()).unwrap();
    assert_eq!(model["unit"], "days");
    // alpha scales with the unit: days = 7 × weeks.
    assert!(
        rounds_to(model["bgnbd"]["alpha"].as_f64().unwrap() / 7.0, 4.414, 2),
        "{}",
        model["bgnbd"]["alpha"]
    );
}

/// Runs `analyze` on bad input and checks it fails with status 2, naming `needle`, writing nothing.
fn rejects(name: &str, csv: &str, args: &[&str], needle: &str) {
    let dir = scratch(name);
    let (output, out, model) = analyze(&dir, csv, args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
    assert!(
        stderr.contains(needle),
        "{name}: {stderr:?} should mention {needle:?}"
    );
    assert!(
        !out.exists() && !model.exists(),
        "{name}: nothing is written"
    );
}

#[test]
fn bad_input_exits_2_and_names_the_line() {
    let ok = "customer_id,date,amount\na,2026-01-01,10\n";
    rejects(
        "missing-column",
        "customer_id,date,total\na,2026-01-01,10\n",
        &CDNOW_ARGS,
        "line 1: missing column \"amount\"",
    );
    rejects(
        "bad-date",
        "customer_id,date,amount\na,2026-01-01,10\nb,2026-02-30,5\n",
        &CDNOW_ARGS,
        "line 3: date \"2026-02-30\"",
    );
    rejects(
        "slash-date",
        "customer_id,date,amount\na,2026/01/01,10\n",
        &CDNOW_ARGS,
        "line 2: date",
    );
    rejects(
        "negative",
        "customer_id,date,amount\na,2026-01-01,-3.50\n",
        &CDNOW_ARGS,
        "line 2: amount -3.50 is negative",
    );
    rejects(
        "not-a-number",
        "customer_id,date,amount\na,2026-01-01,ten\n",
        &CDNOW_ARGS,
        "line 2: amount \"ten\" is not a number",
    );
    rejects(
        "three-decimals",
        "customer_id,date,amount\na,2026-01-01,1.005\n",
        &CDNOW_ARGS,
        "line 2: amount",
    );
    rejects(
        "empty-id",
        "customer_id,date,amount\n,2026-01-01,1\n",
        &CDNOW_ARGS,
        "line 2: customer_id",
    );
    rejects(
        "short-row",
        "customer_id,date,amount\na,2026-01-01\n",
        &CDNOW_ARGS,
        "line 2: 2 fields where the header has 3",
    );
    rejects("empty-file", "", &CDNOW_ARGS, "empty");
    rejects(
        "header-only",
        "customer_id,date,amount\n",
        &CDNOW_ARGS,
        "no transactions",
    );
    rejects(
        "bad-unit",
        ok,
        &[
            "--as-of",
            "2026-01-31",
            "--unit",
            "months",
            "--horizon-days",
            "30",
        ],
        "--unit",
    );
    rejects(
        "bad-as-of",
        ok,
        &[
            "--as-of",
            "31/01/2026",
            "--unit",
            "days",
            "--horizon-days",
            "30",
        ],
        "--as-of",
    );
    rejects(
        "bad-horizon",
        ok,
        &[
            "--as-of",
            "2026-01-31",
            "--unit",
            "days",
            "--horizon-days",
            "-1",
        ],
        "--horizon-days",
    );
    rejects(
        "missing-arg",
        ok,
        &["--as-of", "2026-01-31", "--unit", "days"],
        "missing --horizon-days",
    );
    rejects(
        "unknown-arg",
        ok,
        &[
            "--as-of",
            "2026-01-31",
            "--unit",
            "days",
            "--horizon-days",
            "1",
            "--verbose",
            "x",
        ],
        "--verbose",
    );
}

#[test]
fn too_little_data_for_the_model_exits_1_and_says_so() {
    let dir = scratch("too-little");
    let csv = "customer_id,date,amount\na,2026-01-01,10\na,2026-01-05,12\nb,2026-01-02,8\n";
    let (output, out, _) = analyze(
        &dir,
        csv,
        &[
            "--as-of",
            "2026-01-31",
            "--unit",
            "days",
            "--horizon-days",
            "30",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("too little data"), "{stderr}");
    assert!(!out.exists());
}
