//! A sheet checked against the book a step at a time (issue 10: a 20,000-customer or
//! 200,000-purchase file never freezes the page): each [`CustomersCheck::step`] or
//! [`PurchasesCheck::step`] does at most a given number of units of work — a book customer
//! indexed, a row read and matched, a referrer resolved — and the caller paints between steps.
//! The outcome is the one-shot functions' (`customers::read` then `matching::plan`, or
//! `purchases::read`) however the steps are cut.
//!
//! The book is passed to every step: if it changes between steps (a sync), start the check
//! anew, or a customer added meanwhile may be missed.

use super::Progress;
use super::columns::Field;
use super::customers::{self, Problem};
use super::index::CustomerIndex;
use super::matching::{Plan, Planner};
use super::purchases;
use super::sheet::Sheet;
use crate::book::Book;
use crate::id::Id;
use crate::op::RecordKind;
use chrono::{NaiveDate, NaiveDateTime};

/// The customers of a sheet, read and matched against the book a step at a time.
#[derive(Clone, Debug)]
pub struct CustomersCheck {
    mapping: Vec<Option<Field>>,
    today: NaiveDate,
    planner: Planner,
    problems: Vec<Problem>,
    /// Whether every book customer is indexed.
    indexed: bool,
    /// The next row to read.
    next: usize,
    /// The book's customers, counted at the first step (for the progress).
    book_customers: Option<usize>,
}

/// What a customers check found: the plan, and every bad cell.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CustomersChecked {
    /// What the import will write.
    pub plan: Plan,
    /// Every problem, in row then column order (a row with one is not in the plan).
    pub problems: Vec<Problem>,
}

impl CustomersCheck {
    /// A check of the sheet's rows with `mapping`: birthdays are checked against `today`, new
    /// customers dated `now` and credited to `created_by`.
    pub fn new(
        mapping: Vec<Option<Field>>,
        today: NaiveDate,
        now: NaiveDateTime,
        created_by: Option<Id>,
    ) -> CustomersCheck {
        CustomersCheck {
            mapping,
            today,
            planner: Planner::new(now, created_by),
            problems: Vec::new(),
            indexed: false,
            next: 0,
            book_customers: None,
        }
    }

    /// Does up to `work` units of the check of `sheet` against `book` (the same sheet and book
    /// at every step): book customers indexed, then rows read and matched, then referrers
    /// resolved and edits compared with the book (the first step only counts the book's
    /// customers and makes room for the plan). How far the check is; once finished,
    /// [`CustomersCheck::finish`].
    pub fn step(&mut self, sheet: &Sheet, book: &Book, work: usize) -> Progress {
        let book_customers = match self.book_customers {
            Some(n) => n,
            None => {
                let n = book.records(RecordKind::Customer).count();
                // Room for the whole plan at once, in a step of its own.
                self.planner.reserve(n, sheet.len());
                self.book_customers = Some(n);
                return progress(0, n + 3 * sheet.len() + 1, false);
            }
        };
        let mut left = work.max(1);
        if !self.indexed {
            let before = self.planner.indexed();
            self.indexed = self.planner.index(book, left);
            left = left.saturating_sub(self.planner.indexed() - before);
        }
        if self.indexed && left > 0 && self.next < sheet.len() {
            let end = self.next.saturating_add(left).min(sheet.len());
            let read = customers::read_rows(sheet, &self.mapping, self.today, self.next..end);
            self.planner.add(book, &read.customers);
            self.problems.extend(read.problems);
            left -= end - self.next;
            self.next = end;
        }
        let mut settled = false;
        if self.indexed && left > 0 && self.next >= sheet.len() {
            settled = self.planner.settle(left);
        }
        // What there is to settle is known once every row is read: until then, as much as it
        // can be (so the progress never goes back).
        let to_settle = if self.next >= sheet.len() {
            self.planner.to_settle()
        } else {
            2 * sheet.len() + 1
        };
        progress(
            self.planner.indexed().min(book_customers) + self.next + self.planner.settled(),
            book_customers + sheet.len() + to_settle,
            settled,
        )
    }

    /// What the check found (call it once [`CustomersCheck::step`] says it has finished).
    pub fn finish(self) -> CustomersChecked {
        CustomersChecked {
            plan: self.planner.finish(),
            problems: self.problems,
        }
    }
}

/// The purchases of a sheet, read against the book a step at a time.
#[derive(Clone, Debug)]
pub struct PurchasesCheck {
    mapping: Vec<Option<Field>>,
    customers: CustomerIndex,
    read: purchases::Read,
    /// The next row to read.
    next: usize,
    /// The book's customers, counted at the first step (for the progress).
    book_customers: Option<usize>,
}

impl PurchasesCheck {
    /// A check of the sheet's rows with `mapping`.
    pub fn new(mapping: Vec<Option<Field>>) -> PurchasesCheck {
        PurchasesCheck {
            mapping,
            customers: CustomerIndex::default(),
            read: purchases::Read::default(),
            next: 0,
            book_customers: None,
        }
    }

    /// Does up to `work` units of the check of `sheet` against `book` (the same sheet and book
    /// at every step): book customers indexed, then rows read (the first step only counts the
    /// book's customers and makes room for the purchases). How far the check is; once
    /// finished, [`PurchasesCheck::finish`].
    pub fn step(&mut self, sheet: &Sheet, book: &Book, work: usize) -> Progress {
        let book_customers = match self.book_customers {
            Some(n) => n,
            None => {
                let n = book.records(RecordKind::Customer).count();
                self.customers.reserve(n);
                self.read.purchases.reserve(sheet.len());
                self.book_customers = Some(n);
                return progress(0, n + sheet.len(), false);
            }
        };
        let mut left = work.max(1);
        if !self.customers.finished() {
            let before = self.customers.indexed();
            self.customers.step(book, left);
            left = left.saturating_sub(self.customers.indexed() - before);
        }
        if self.customers.finished() && left > 0 && self.next < sheet.len() {
            let end = self.next.saturating_add(left).min(sheet.len());
            let rows = self.next..end;
            let read = purchases::read_rows(sheet, &self.mapping, book, &self.customers, rows);
            self.read.append(read);
            self.next = end;
        }
        progress(
            self.customers.indexed().min(book_customers) + self.next,
            book_customers + sheet.len(),
            self.customers.finished() && self.next >= sheet.len(),
        )
    }

    /// What the check found (call it once [`PurchasesCheck::step`] says it has finished).
    pub fn finish(self) -> purchases::Read {
        self.read
    }
}

/// `done` of `total`, reaching it when `finished` and only then.
fn progress(done: usize, total: usize, finished: bool) -> Progress {
    Progress {
        done: if finished {
            total
        } else {
            done.min(total.saturating_sub(1))
        },
        total: if finished { total } else { total.max(1) },
    }
}
