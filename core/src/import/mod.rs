//! Reading a shop's existing records from a spreadsheet (issue 10, SPEC §3 Import / export):
//! the file as a sheet of text whatever its encoding ([`sheet`]), the values as Chinese and
//! English spreadsheets write them ([`values`]), the columns recognised by their headers
//! ([`columns`]), customers read from the rows with a report of every bad cell
//! ([`customers`]), matched against the book so a re-import never doubles anyone
//! ([`matching`]), and purchases read and identified so a re-import never doubles one
//! ([`purchases`]). Everything here is pure and total: any input
//! gives a value or a clear refusal, never a panic (property-tested on arbitrary text).
//!
//! A large file is read and checked a step at a time ([`sheet::SheetReader`], [`check`]), so
//! the app can paint and take input between steps: each step does a bounded amount of work
//! and the result is the same however the work is cut.

pub mod check;
pub mod columns;
pub mod customers;
pub mod index;
pub mod matching;
pub mod purchases;
pub mod sheet;
pub mod values;

/// How far a stepwise reading or check is: `done` of `total` (bytes, or rows and records).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Work done.
    pub done: usize,
    /// All the work (`done == total` once finished).
    pub total: usize,
}

impl Progress {
    /// Whether the work is finished.
    pub fn finished(&self) -> bool {
        self.done >= self.total
    }

    /// The work done in percent, rounded down (100 only once finished).
    pub fn percent(&self) -> usize {
        if self.finished() {
            100
        } else {
            (self.done.saturating_mul(100) / self.total.max(1)).min(99)
        }
    }
}
