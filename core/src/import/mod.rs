//! Reading a shop's existing records from a spreadsheet (issue 10, SPEC §3 Import / export):
//! the file as a sheet of text whatever its encoding ([`sheet`]), the values as Chinese and
//! English spreadsheets write them ([`values`]), the columns recognised by their headers
//! ([`columns`]), customers read from the rows with a report of every bad cell
//! ([`customers`]), matched against the book so a re-import never doubles anyone
//! ([`matching`]), and purchases read and identified so a re-import never doubles one
//! ([`purchases`]). Everything here is pure and total: any input
//! gives a value or a clear refusal, never a panic (property-tested on arbitrary text).

pub mod columns;
pub mod customers;
pub mod matching;
pub mod purchases;
pub mod sheet;
pub mod values;
