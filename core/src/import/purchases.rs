//! Purchases from a sheet (issue 10): each row's date (and time), amount, what was bought and
//! how many, and whose it is — by phone, by the id column customers were imported under, or by
//! our own id — into a purchase, or into the report. A purchase's entry id is made from its
//! order number when the sheet has one, else from (customer, date-time, amount, items), so
//! importing the same file twice appends the same entries and the book keeps each once.

use super::columns::Field;
use super::customers::{CellError, Problem};
use super::index::CustomerIndex;
use super::sheet::Sheet;
use super::values;
use crate::book::Book;
use crate::domain::{Entry, LineItem, Purchase, PurchaseKind, SaleChannel, normalize_phone};
use crate::id::Id;
use crate::op::RecordKind;
use sha2::{Digest, Sha256};
use std::ops::Range;

/// A purchase read from a row, with the entry id that makes a re-import harmless.
#[derive(Clone, Debug, PartialEq)]
pub struct Incoming {
    /// The row's line in the file.
    pub line: usize,
    /// The entry id (from the order number, or the purchase's own fields).
    pub id: Id,
    /// The purchase.
    pub purchase: Purchase,
}

/// The purchases of a sheet and the problems found (a row with a problem gives none).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Read {
    /// The good rows.
    pub purchases: Vec<Incoming>,
    /// Every problem, in row then column order.
    pub problems: Vec<Problem>,
    /// Rows whose purchase the book already holds (a re-import).
    pub already: usize,
}

impl Read {
    /// `more` (the rows after these) added to these.
    pub fn append(&mut self, mut more: Read) {
        self.purchases.append(&mut more.purchases);
        self.problems.append(&mut more.problems);
        self.already += more.already;
    }
}

/// Reads the purchases of `sheet` with `mapping`, finding each row's customer in `book`, in one
/// go.
pub fn read(sheet: &Sheet, mapping: &[Option<Field>], book: &Book) -> Read {
    read_rows(
        sheet,
        mapping,
        book,
        &CustomerIndex::of(book),
        0..sheet.len(),
    )
}

/// [`read`] of the rows `rows` only (0-based, clamped to the sheet), with the book's
/// customers indexed (`customers`, of `book`): the reads of consecutive ranges,
/// [`Read::append`]ed in order, are the read of them all.
pub fn read_rows(
    sheet: &Sheet,
    mapping: &[Option<Field>],
    book: &Book,
    customers: &CustomerIndex,
    rows: Range<usize>,
) -> Read {
    let column = |field: Field| mapping.iter().position(|f| *f == Some(field));
    let header = |i: Option<usize>| {
        i.and_then(|i| sheet.headers.get(i).cloned())
            .unwrap_or_default()
    };
    let (date, amount, item, quantity, order) = (
        column(Field::Date),
        column(Field::Amount),
        column(Field::Item),
        column(Field::Quantity),
        column(Field::Order),
    );
    let who = [Field::Phone, Field::CustomerId, Field::Name].map(column);
    let mut out = Read::default();
    for r in rows.start..rows.end.min(sheet.len()) {
        let line = sheet.line(r);
        let cells = sheet.row(r);
        let cell = |i: Option<usize>| i.map_or("", |i| cells.cell(i));
        let mut problems = Vec::new();
        let mut problem = |i: Option<usize>, what: CellError| {
            problems.push(Problem {
                line,
                column: header(i),
                what,
            })
        };
        let at = required(cell(date), values::date_time)
            .map_err(|e| problem(date, e))
            .ok();
        let total = required(cell(amount), values::amount)
            .map_err(|e| problem(amount, e))
            .ok();
        let count = match cell(quantity) {
            "" => 1,
            text => text.parse::<u32>().unwrap_or_else(|_| {
                problem(quantity, CellError::Unknown(text.to_owned()));
                1
            }),
        };
        let customer = find(book, customers, cell(who[0]), cell(who[1]));
        if customer.is_none() {
            let asked = who.into_iter().flatten().next();
            let what = cell(who[0]).to_owned() + cell(who[1]);
            problem(
                asked,
                if what.is_empty() {
                    CellError::Missing
                } else {
                    CellError::Unknown(what)
                },
            );
        }
        let (Some(at), Some(total), Some(customer), true) =
            (at, total, customer, problems.is_empty())
        else {
            out.problems.extend(problems);
            continue;
        };
        let items = match cell(item) {
            "" => Vec::new(),
            what => vec![LineItem {
                product: what.to_owned(),
                category: what.to_owned(),
                quantity: count,
                amount: total,
            }],
        };
        let purchase = Purchase {
            customer,
            at,
            total,
            items,
            staff: None,
            channel: SaleChannel::Store,
            kind: if total.0 < 0 {
                PurchaseKind::Refund
            } else {
                PurchaseKind::Sale
            },
            corrects: None,
        };
        let id = entry_id(cell(order), &purchase);
        if book.entry(id.as_str()).is_some() {
            out.already += 1;
            continue;
        }
        out.purchases.push(Incoming { line, id, purchase });
    }
    out
}

/// A cell that must hold a value, read with `parse`.
fn required<T>(
    cell: &str,
    parse: fn(&str) -> Result<T, values::ValueError>,
) -> Result<T, CellError> {
    if cell.is_empty() {
        return Err(CellError::Missing);
    }
    Ok(parse(cell)?)
}

/// The entry id of an imported purchase: from its order number, else from its fields.
fn entry_id(order: &str, p: &Purchase) -> Id {
    let mut hash = Sha256::new();
    if order.is_empty() {
        let items: Vec<String> = p
            .items
            .iter()
            .map(|l| format!("{}×{}", l.product, l.quantity))
            .collect();
        hash.update(format!(
            "{}|{}|{}|{}",
            p.customer,
            p.at,
            p.total.0,
            items.join(",")
        ));
    } else {
        hash.update(format!("order|{order}"));
    }
    let digest = hex::encode(hash.finalize());
    Id::parse(&format!("imp-{}", &digest[..32])).unwrap_or_else(|_| p.customer.clone())
}

/// The customer of a phone number, else of an id column (theirs, or ours).
fn find(book: &Book, customers: &CustomerIndex, phone: &str, key: &str) -> Option<Id> {
    let by_phone = (!phone.is_empty())
        .then(|| customers.phone(&normalize_phone(phone)).cloned())
        .flatten();
    by_phone
        .or_else(|| customers.key(key).cloned())
        .or_else(|| {
            let id = Id::parse(key).ok()?;
            let live = book
                .record_state(RecordKind::Customer, &id)
                .is_some_and(|s| s.deleted.is_none());
            live.then_some(id)
        })
}

impl Incoming {
    /// As the entry to append.
    pub fn entry(&self) -> Entry {
        Entry::Purchase(self.purchase.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Money;
    use crate::hlc::Clock;
    use crate::import::{columns, sheet};
    use crate::op::Op;
    use crate::test_shop::import_book;

    const FILE: &str = "日期,手机号,编号,实付,商品,数量\n\
        2024/3/5 14:30,138 0013 8000,,¥268.50,金装奶粉,2\n\
        2024年3月6日,,A-2,99,纸尿裤,\n\
        2024-03-07,,A-2,,湿巾,1\n\
        2024-03-08,13900000000,,10,湿巾,1\n\
        2024-03-09,138 0013 8000,,-20,,\n";

    fn read_into(book: &Book) -> Read {
        let sheet = sheet::read(FILE.as_bytes()).unwrap();
        read(&sheet, &columns::map_headers(&sheet.headers), book)
    }

    #[test]
    fn rows_become_purchases_of_their_customers_or_the_report() {
        let book = import_book();
        let read = read_into(&book);
        assert_eq!(read.purchases.len(), 3);
        let first = &read.purchases[0].purchase;
        assert_eq!(first.customer.as_str(), "c1");
        assert_eq!(first.total, Money(26_850));
        assert_eq!(first.items[0].category, "金装奶粉");
        assert_eq!(first.items[0].quantity, 2);
        assert_eq!(
            read.purchases[1].purchase.customer.as_str(),
            "c2",
            "by the id column"
        );
        assert_eq!(read.purchases[2].purchase.kind, PurchaseKind::Refund);
        // Line 4 has no amount, line 5 a phone nobody has.
        let lines: Vec<usize> = read.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [4, 5]);
        assert_eq!(read.problems[0].column, "实付");
    }

    #[test]
    fn importing_the_same_purchases_twice_keeps_each_once() {
        let mut book = import_book();
        let mut clock = Clock::new(4);
        let first = read_into(&book);
        for p in &first.purchases {
            book.apply(&Op::append(
                clock.tick(1_800_000_000_100),
                p.id.clone(),
                &p.entry(),
            ));
        }
        let entries = book.entry_count();
        assert_eq!(entries, 3);
        let again = read_into(&book);
        assert!(again.purchases.is_empty());
        assert_eq!(again.already, 3);
        // Even applied again (another device importing the same file), nothing doubles.
        for p in &first.purchases {
            book.apply(&Op::append(
                clock.tick(1_800_000_000_200),
                p.id.clone(),
                &p.entry(),
            ));
        }
        assert_eq!(book.entry_count(), entries);
    }
}
