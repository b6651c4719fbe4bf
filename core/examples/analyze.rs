//! `analyze`: the shop analytics of docs/segmentation.md on a plain transactions file.
//!
//! ```text
//! cargo run --release -p huike-core --example analyze -- \
//!     --transactions FILE --as-of YYYY-MM-DD --unit weeks|days --horizon-days N \
//!     --out OUT.csv --model MODEL.json
//! ```
//!
//! `FILE` is a CSV with the header `customer_id,date,amount` (in any order; other columns are
//! ignored): one row per transaction, the date as `YYYY-MM-DD`, the amount a non-negative
//! decimal in major units (`12.5`, `1,234.00`). Several transactions of a customer on one day
//! make one purchase day; transactions after the as-of date are ignored.
//!
//! `OUT.csv` has one row per customer with at least one purchase on or before the as-of date,
//! in customer-id order: `customer_id, recency_days, frequency, monetary_cents, r_score,
//! f_score, m_score, rfm_class, stage, p_alive, expected_purchases, clv_12m` — RFM, class and
//! lifecycle stage as the app computes them (`huike_core::segment::analyze`, default rules),
//! then the BG/NBD + Gamma-Gamma forecast (`huike_core::predict::Model`, fitted in `--unit`):
//! the probability of being alive, the expected purchase days in the next `--horizon-days`
//! days and the 12-month CLV in major units.
//!
//! `MODEL.json` is `{"unit", "bgnbd": {"r", "alpha", "a", "b", "log_likelihood"},
//! "gamma_gamma": {"p", "q", "v"}}`: `alpha` in the chosen unit, `v` in major units (as
//! published for CDNOW), `log_likelihood` the full BG/NBD log-likelihood.
//!
//! Exit status: 0 on success; 2 for bad arguments or a bad input file (the message names the
//! line); 1 when the model cannot be fitted (fewer than 30 repeat customers, …) or an output
//! cannot be written. Outputs are written only when everything succeeded.

use chrono::NaiveDate;
use huike_core::book::Book;
use huike_core::domain::{Entry, Money, Purchase, PurchaseKind, Rules, SaleChannel};
use huike_core::hlc::Clock;
use huike_core::id::Id;
use huike_core::op::{Op, RecordKind};
use huike_core::predict::{CustomerSummary, Model, PredictError, TimeUnit};
use huike_core::segment;
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: analyze --transactions FILE --as-of YYYY-MM-DD --unit weeks|days \
                     --horizon-days N --out OUT.csv --model MODEL.json";

/// The columns of the transactions file.
const COLUMNS: [&str; 3] = ["customer_id", "date", "amount"];

/// The columns of `OUT.csv`.
pub const OUT_HEADER: [&str; 12] = [
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
    "clv_12m",
];

fn main() -> ExitCode {
    match run(std::env::args_os().skip(1)) {
        Ok(report) => {
            eprintln!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("analyze: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Why `analyze` failed.
#[derive(Debug)]
pub enum Error {
    /// Bad command line.
    Usage(String),
    /// The transactions file is unreadable or malformed (`line` 0 when no line is to blame).
    Input {
        file: PathBuf,
        line: u64,
        message: String,
    },
    /// The model could not be fitted or used.
    Model(String),
    /// An output could not be written.
    Output(PathBuf, std::io::Error),
}

impl Error {
    /// The process exit status: 2 for bad arguments or input, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) | Error::Input { .. } => 2,
            Error::Model(_) | Error::Output(..) => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) => write!(f, "{m}\n{USAGE}"),
            Error::Input {
                file,
                line: 0,
                message,
            } => write!(f, "{}: {message}", file.display()),
            Error::Input {
                file,
                line,
                message,
            } => write!(f, "{} line {line}: {message}", file.display()),
            Error::Model(m) => write!(f, "cannot fit the model: {m}"),
            Error::Output(path, e) => write!(f, "cannot write {}: {e}", path.display()),
        }
    }
}

/// The command line.
#[derive(Debug)]
pub struct Args {
    pub transactions: PathBuf,
    pub as_of: NaiveDate,
    pub unit: TimeUnit,
    pub horizon_days: u32,
    pub out: PathBuf,
    pub model: PathBuf,
}

/// Parses the command line (without the program name).
pub fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Args, Error> {
    use lexopt::Arg::Long;
    let usage = |m: String| Error::Usage(m);
    let mut parser = lexopt::Parser::from_args(args);
    let (mut transactions, mut as_of, mut unit, mut horizon, mut out, mut model) =
        (None, None, None, None, None, None);
    while let Some(arg) = parser.next().map_err(|e| usage(e.to_string()))? {
        let Long(name) = arg else {
            return Err(usage(arg.unexpected().to_string()));
        };
        let name = name.to_owned();
        let value = parser.value().map_err(|e| usage(e.to_string()))?;
        let text = || {
            value
                .clone()
                .into_string()
                .map_err(|_| usage(format!("--{name}: not valid UTF-8")))
        };
        match name.as_str() {
            "transactions" => transactions = Some(PathBuf::from(&value)),
            "out" => out = Some(PathBuf::from(&value)),
            "model" => model = Some(PathBuf::from(&value)),
            "as-of" => {
                let t = text()?;
                as_of =
                    Some(parse_date(&t).ok_or_else(|| {
                        usage(format!("--as-of: {t:?} is not a date YYYY-MM-DD"))
                    })?);
            }
            "unit" => {
                unit = Some(match text()?.as_str() {
                    "weeks" => TimeUnit::Weeks,
                    "days" => TimeUnit::Days,
                    other => {
                        return Err(usage(format!(
                            "--unit: {other:?} is neither weeks nor days"
                        )));
                    }
                });
            }
            "horizon-days" => {
                let t = text()?;
                horizon = Some(t.parse().map_err(|_| {
                    usage(format!(
                        "--horizon-days: {t:?} is not a whole number of days"
                    ))
                })?);
            }
            _ => return Err(usage(format!("unknown option --{name}"))),
        }
    }
    let missing = |what: &str| usage(format!("missing --{what}"));
    Ok(Args {
        transactions: transactions.ok_or_else(|| missing("transactions"))?,
        as_of: as_of.ok_or_else(|| missing("as-of"))?,
        unit: unit.ok_or_else(|| missing("unit"))?,
        horizon_days: horizon.ok_or_else(|| missing("horizon-days"))?,
        out: out.ok_or_else(|| missing("out"))?,
        model: model.ok_or_else(|| missing("model"))?,
    })
}

/// A strict `YYYY-MM-DD` date.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    (t.len() == 10)
        .then(|| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
        .flatten()
}

/// One row of the transactions file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transaction {
    pub customer: Id,
    pub date: NaiveDate,
    pub amount: Money,
}

/// Reads and checks the transactions file.
pub fn read_transactions(path: &Path) -> Result<Vec<Transaction>, Error> {
    let bad = |line: u64, message: String| Error::Input {
        file: path.to_owned(),
        line,
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| bad(0, e.to_string()))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(file);
    let csv_error = |e: csv::Error| {
        let line = e.position().map_or(0, |p| p.line());
        let message = match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => {
                format!("{len} fields where the header has {expected_len}")
            }
            csv::ErrorKind::Utf8 { .. } => "not valid UTF-8 text".to_owned(),
            _ => e.to_string(),
        };
        bad(line, message)
    };
    let header = reader.headers().map_err(csv_error)?.clone();
    if header.iter().all(str::is_empty) {
        return Err(bad(
            0,
            format!(
                "the file is empty: expected the header {}",
                COLUMNS.join(",")
            ),
        ));
    }
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    let column = |name: &str| {
        names.iter().position(|n| n == name).ok_or_else(|| {
            bad(
                1,
                format!(
                    "missing column {name:?}: the header must name {} (it has {})",
                    COLUMNS.join(","),
                    names.join(",")
                ),
            )
        })
    };
    let (id_col, date_col, amount_col) = (
        column(COLUMNS[0])?,
        column(COLUMNS[1])?,
        column(COLUMNS[2])?,
    );
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(0, |p| p.line());
        let (id, date, amount) = (&record[id_col], &record[date_col], &record[amount_col]);
        let customer = Id::parse(id).map_err(|e| bad(line, format!("customer_id: {e}")))?;
        let date = parse_date(date)
            .ok_or_else(|| bad(line, format!("date {date:?} is not a date YYYY-MM-DD")))?;
        let amount = Money::parse_major(amount)
            .map_err(|_| bad(line, format!("amount {amount:?} is not a number")))?;
        if amount < Money::ZERO {
            return Err(bad(line, format!("amount {amount} is negative")));
        }
        rows.push(Transaction {
            customer,
            date,
            amount,
        });
    }
    if rows.is_empty() {
        return Err(bad(0, "no transactions after the header".to_owned()));
    }
    Ok(rows)
}

/// The transactions as a book: one customer record per id, one sale per transaction.
pub fn book_of(transactions: &[Transaction]) -> Book {
    let mut clock = Clock::new(1);
    let mut book = Book::new();
    let customers: BTreeSet<&Id> = transactions.iter().map(|t| &t.customer).collect();
    for id in customers {
        let name = serde_json::Value::String(id.to_string());
        book.apply(&Op::Set {
            at: clock.tick(0),
            kind: RecordKind::Customer,
            id: id.clone(),
            field: "name".into(),
            value: name,
        });
    }
    for (i, t) in transactions.iter().enumerate() {
        let at = t.date.and_hms_opt(12, 0, 0).unwrap_or_default();
        let mut random = [0u8; 10];
        random[..8].copy_from_slice(&(i as u64).to_be_bytes());
        let ms = u64::try_from(at.and_utc().timestamp_millis()).unwrap_or(0);
        let sale = Purchase {
            customer: t.customer.clone(),
            at,
            total: t.amount,
            items: Vec::new(),
            staff: None,
            channel: SaleChannel::Store,
            kind: PurchaseKind::Sale,
            corrects: None,
        };
        book.apply(&Op::Append {
            at: clock.tick(0),
            id: Id::v7(ms, random),
            entry: Entry::Purchase(sale).into(),
        });
    }
    book
}

/// Runs the whole analysis and writes the outputs; returns a one-line report.
pub fn run(args: impl IntoIterator<Item = OsString>) -> Result<String, Error> {
    let args = parse_args(args)?;
    let transactions = read_transactions(&args.transactions)?;
    let book = book_of(&transactions);
    let analysis = segment::analyze(&book, args.as_of, &Rules::default());
    let scored: Vec<usize> = (0..analysis.segments.len())
        .filter(|&c| analysis.segments[c].rfm.is_some())
        .collect();
    let summaries = scored
        .iter()
        .map(|&c| CustomerSummary::from_days(analysis.history.days(c), args.as_of))
        .collect::<Result<Vec<_>, PredictError>>()
        .map_err(|e| Error::Model(e.to_string()))?;
    let model = Model::fit(&summaries, args.unit).map_err(|e| Error::Model(e.to_string()))?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let written = |e: csv::Error| Error::Output(args.out.clone(), std::io::Error::other(e));
    out.write_record(OUT_HEADER).map_err(written)?;
    for (&c, summary) in scored.iter().zip(&summaries) {
        let segment = &analysis.segments[c];
        let (Some(rfm), Some(class)) = (&segment.rfm, segment.class) else {
            continue;
        };
        let id = analysis.history.id(c);
        let forecast = model
            .forecast(summary, f64::from(args.horizon_days))
            .map_err(|e| Error::Model(format!("customer {id}: {e}")))?;
        out.write_record([
            id.to_string(),
            rfm.recency_days.to_string(),
            rfm.frequency.to_string(),
            rfm.monetary.minor().to_string(),
            rfm.r.to_string(),
            rfm.f.to_string(),
            rfm.m.to_string(),
            class.key().to_owned(),
            segment.lifecycle.stage.key().to_owned(),
            format!("{:.6}", forecast.p_alive),
            format!("{:.6}", forecast.expected_purchases),
            forecast.clv_12_months.to_string(),
        ])
        .map_err(written)?;
    }
    let csv_bytes = out
        .into_inner()
        .map_err(|e| Error::Output(args.out.clone(), std::io::Error::other(e.to_string())))?;
    let (bg, gg) = (model.bgnbd(), model.gamma_gamma());
    let model_json = serde_json::json!({
        "unit": match args.unit { TimeUnit::Weeks => "weeks", TimeUnit::Days => "days" },
        "bgnbd": {
            "r": bg.params.r,
            "alpha": bg.params.alpha,
            "a": bg.params.a,
            "b": bg.params.b,
            "log_likelihood": bg.log_likelihood,
        },
        "gamma_gamma": { "p": gg.params.p, "q": gg.params.q, "v": gg.params.v / 100.0 },
    });
    let model_text = serde_json::to_string_pretty(&model_json).unwrap_or_default() + "\n";
    write_file(&args.out, &csv_bytes)?;
    write_file(&args.model, model_text.as_bytes())?;
    Ok(format!(
        "analyze: {} transactions, {} customers with a purchase by {}; BG/NBD r={:.4} alpha={:.4} a={:.4} b={:.4} \
         (LL {:.2}); Gamma-Gamma p={:.4} q={:.4} v={:.4}",
        transactions.len(),
        summaries.len(),
        args.as_of,
        bg.params.r,
        bg.params.alpha,
        bg.params.a,
        bg.params.b,
        bg.log_likelihood,
        gg.params.p,
        gg.params.q,
        gg.params.v / 100.0,
    ))
}

/// Writes a file whole: to a temporary name beside it, then renamed over it.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| Error::Output(path.to_owned(), e))
}
