//! Customers from a sheet (issue 10): each row read with the importer's value readers and
//! checked as the customer form checks (a name, a real phone number, a birthday that exists
//! and is not ahead), into a customer — or into the report, row by row and column by column,
//! with what is wrong. Nothing is written here: the caller shows the report, and imports the
//! good rows only once the user has chosen to skip the bad ones.

use super::columns::Field;
use super::sheet::Sheet;
use super::values;
use crate::domain::{Customer, Gender, Source, split_tags, validate_phone};
use chrono::NaiveDate;
use std::ops::Range;

/// One problem in one cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The row's line in the file, as the spreadsheet numbers it (the headers are line 1).
    pub line: usize,
    /// The column's header.
    pub column: String,
    /// What is wrong.
    pub what: CellError,
}

/// What is wrong with a cell.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CellError {
    /// A required value is missing.
    #[error("missing")]
    Missing,
    /// Not a phone number.
    #[error("not a phone number: {0:?}")]
    NotAPhone(String),
    /// Not a date, or one that does not exist.
    #[error("{0}")]
    Value(#[from] values::ValueError),
    /// A birthday ahead of today.
    #[error("a birthday in the future: {0}")]
    InTheFuture(NaiveDate),
    /// Not one of the choices (a gender, a source).
    #[error("not one of the choices: {0:?}")]
    Unknown(String),
}

/// A customer read from a row.
#[derive(Clone, Debug, PartialEq)]
pub struct Incoming {
    /// The row's line in the file.
    pub line: usize,
    /// The customer as the row describes them.
    pub customer: Customer,
    /// The row's customer id column, to match a re-import.
    pub key: Option<String>,
    /// Who introduced them, as written (a name or phone, resolved against the book later).
    pub referrer: Option<String>,
}

/// Every row of a sheet: the customers read and the problems found (a row with a problem
/// gives no customer).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Read {
    /// The good rows.
    pub customers: Vec<Incoming>,
    /// Every problem, in row then column order.
    pub problems: Vec<Problem>,
}

impl Read {
    /// `more` (the rows after these) added to these.
    pub fn append(&mut self, mut more: Read) {
        self.customers.append(&mut more.customers);
        self.problems.append(&mut more.problems);
    }

    /// The lines with at least one problem.
    pub fn bad_lines(&self) -> Vec<usize> {
        let mut lines: Vec<usize> = self.problems.iter().map(|p| p.line).collect();
        lines.dedup();
        lines
    }
}

/// Reads the customers of `sheet` with `mapping` (a field for each column, see
/// [`super::columns::map_headers`]); birthdays are checked against `today`.
pub fn read(sheet: &Sheet, mapping: &[Option<Field>], today: NaiveDate) -> Read {
    read_rows(sheet, mapping, today, 0..sheet.len())
}

/// [`read`] of the rows `rows` only (0-based, clamped to the sheet): the reads of consecutive
/// ranges, [`Read::append`]ed in order, are the read of them all.
pub fn read_rows(
    sheet: &Sheet,
    mapping: &[Option<Field>],
    today: NaiveDate,
    rows: Range<usize>,
) -> Read {
    let mut out = Read::default();
    let name_column = mapping
        .iter()
        .position(|f| *f == Some(Field::Name))
        .and_then(|i| sheet.headers.get(i).cloned())
        .unwrap_or_default();
    for r in rows.start..rows.end.min(sheet.len()) {
        let line = sheet.line(r);
        let mut problems = Vec::new();
        let mut incoming = Incoming {
            line,
            customer: Customer::default(),
            key: None,
            referrer: None,
        };
        for (i, cell) in sheet.row(r).cells().enumerate() {
            let Some(field) = mapping.get(i).copied().flatten() else {
                continue;
            };
            if let Err(what) = put(&mut incoming, field, cell, today) {
                problems.push(Problem {
                    line,
                    column: sheet.headers.get(i).cloned().unwrap_or_default(),
                    what,
                });
            }
        }
        if incoming.customer.name.is_empty() {
            problems.push(Problem {
                line,
                column: name_column.clone(),
                what: CellError::Missing,
            });
        }
        if problems.is_empty() {
            out.customers.push(incoming);
        } else {
            out.problems.extend(problems);
        }
    }
    out
}

/// Puts one cell's value into the customer.
fn put(to: &mut Incoming, field: Field, cell: &str, today: NaiveDate) -> Result<(), CellError> {
    let cell = cell.trim();
    let c = &mut to.customer;
    if cell.is_empty() {
        return Ok(());
    }
    match field {
        Field::Name => c.name = cell.to_owned(),
        Field::Phone => {
            // Several numbers in one cell: the shop's own export joins them with " / ",
            // spreadsheets with commas, 、 or semicolons.
            let parts = cell.split(['/', ',', '，', ';', '；', '、']).map(str::trim);
            for part in parts.filter(|p| !p.is_empty()) {
                let phone =
                    validate_phone(part).map_err(|_| CellError::NotAPhone(cell.to_owned()))?;
                if !c.phones.contains(&phone) {
                    c.phones.push(phone);
                }
            }
        }
        Field::CustomerId => to.key = Some(cell.to_owned()),
        Field::Birthday => {
            let day = values::date(cell)?;
            if day > today {
                return Err(CellError::InTheFuture(day));
            }
            c.birthday = Some(day);
        }
        Field::Gender => c.gender = Some(gender(cell)?),
        Field::Tags => c.tags = split_tags(cell),
        Field::Source => c.source = Some(source(cell)?),
        Field::Referrer => to.referrer = Some(cell.to_owned()),
        Field::Notes => c.notes = cell.to_owned(),
        Field::Wechat => c.wechat = cell.to_owned(),
        // Purchase columns in a customer sheet are not imported.
        Field::Date | Field::Amount | Field::Item | Field::Quantity | Field::Order => {}
    }
    Ok(())
}

/// A gender as written: 女 / 男, 女士 / 先生, female / male, F / M.
fn gender(cell: &str) -> Result<Gender, CellError> {
    match cell.to_lowercase().as_str() {
        "女" | "女士" | "female" | "f" | "w" | "woman" => Ok(Gender::Female),
        "男" | "先生" | "male" | "m" | "man" => Ok(Gender::Male),
        _ => Err(CellError::Unknown(cell.to_owned())),
    }
}

/// A source channel as written, in Chinese or English (or its key).
fn source(cell: &str) -> Result<Source, CellError> {
    let s = cell.to_lowercase().replace([' ', '-', '_'], "");
    Ok(match s.as_str() {
        "到店" | "自然到店" | "进店" | "路过" | "walkin" => Source::WalkIn,
        "抖音" | "douyin" | "tiktok" => Source::Douyin,
        "微信" | "朋友圈" | "wechat" => Source::Wechat,
        "小红书" | "xiaohongshu" | "red" => Source::Xiaohongshu,
        "转介绍" | "介绍" | "老带新" | "referral" => Source::Referral,
        "电话" | "phone" => Source::Phone,
        "活动" | "event" => Source::Event,
        "合作" | "异业合作" | "partner" => Source::Partner,
        "其他" | "other" => Source::Other,
        _ => return Err(CellError::Unknown(cell.to_owned())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{columns, sheet};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    #[test]
    fn a_thousand_rows_with_three_bad_ones_name_exactly_those() {
        let mut file = String::from("\u{FEFF}姓名,手机号,生日,性别,标签,来源,介绍人\r\n");
        for i in 0..1000 {
            let (name, phone, birthday, gender) = match i {
                100 => (format!("顾客{i}"), "12345".to_owned(), String::new(), "女"),
                500 => (
                    format!("顾客{i}"),
                    format!("139{i:08}"),
                    "1990-02-30".into(),
                    "女",
                ),
                900 => (String::new(), format!("139{i:08}"), String::new(), "男"),
                _ => (
                    format!("顾客{i}"),
                    format!("139{i:08}"),
                    "1990/3/5".into(),
                    "女",
                ),
            };
            file += &format!("{name},{phone},{birthday},{gender},奶粉 二胎,抖音,张三\r\n");
        }
        let sheet = sheet::read(file.as_bytes()).unwrap();
        let mapping = columns::map_headers(&sheet.headers);
        let read = read(&sheet, &mapping, today());
        assert_eq!(read.customers.len(), 997);
        assert_eq!(
            read.bad_lines(),
            [102, 502, 902],
            "data row i is line i + 2"
        );
        let columns: Vec<&str> = read.problems.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(columns, ["手机号", "生日", "姓名"]);
        let first = &read.customers[0];
        assert_eq!(first.customer.name, "顾客0");
        assert_eq!(first.customer.phones, ["13900000000"]);
        assert_eq!(first.customer.birthday, NaiveDate::from_ymd_opt(1990, 3, 5));
        assert_eq!(first.customer.gender, Some(Gender::Female));
        assert_eq!(first.customer.source, Some(Source::Douyin));
        assert_eq!(first.customer.tags.len(), 2);
        assert_eq!(first.referrer.as_deref(), Some("张三"));
    }

    #[test]
    fn a_cell_with_several_phone_numbers_gives_them_all() {
        let file = "姓名,手机号\n甲,139 1234 5678 / 13800138000\n乙,13700001111、13700001111\n丙,13700001111 / 12345\n";
        let sheet = sheet::read(file.as_bytes()).unwrap();
        let read = read(&sheet, &columns::map_headers(&sheet.headers), today());
        assert_eq!(
            read.customers[0].customer.phones,
            ["13912345678", "13800138000"]
        );
        assert_eq!(read.customers[1].customer.phones, ["13700001111"]);
        assert_eq!(read.bad_lines(), [4], "one of them is not a phone number");
    }

    #[test]
    fn future_birthdays_and_unknown_choices_are_refused() {
        let file = "姓名,生日,性别,来源\n甲,2030-01-01,女,抖音\n乙,1990-01-01,机器人,抖音\n丙,1990-01-01,男,火星\n";
        let sheet = sheet::read(file.as_bytes()).unwrap();
        let read = read(&sheet, &columns::map_headers(&sheet.headers), today());
        assert!(read.customers.is_empty());
        assert_eq!(read.bad_lines(), [2, 3, 4]);
        assert!(matches!(read.problems[0].what, CellError::InTheFuture(_)));
        assert_eq!(read.problems[1].what, CellError::Unknown("机器人".into()));
    }
}
