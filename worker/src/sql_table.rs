//! [`huike_core::server::Table`] over a Durable Object's SQLite database: one table of text
//! rows. SQL calls are synchronous, so a coordinator step stays atomic.
//!
//! The table is created by the first write, so an object that is only read — a request with
//! a made-up shop id in its token — leaves no storage behind.

use std::cell::Cell;

use huike_core::server::{KvError, Table};
use serde::Deserialize;
use worker::{SqlStorage, SqlStorageValue};

/// The coordinator's rows.
pub(crate) struct SqlTable {
    sql: SqlStorage,
    exists: Cell<bool>,
}

#[derive(Deserialize)]
struct Row {
    k: String,
    v: String,
}

fn failed(e: impl std::fmt::Display) -> KvError {
    KvError(format!("coordinator storage: {e}"))
}

impl SqlTable {
    /// The rows of the object whose SQL storage is `sql`.
    pub(crate) fn new(sql: SqlStorage) -> Self {
        let table = SqlTable {
            sql,
            exists: Cell::new(false),
        };
        table.exists();
        table
    }

    /// Whether the table exists; asked again while it does not (another request of the same
    /// object may have created it since).
    fn exists(&self) -> bool {
        if !self.exists.get() {
            let found = self
                .sql
                .exec(
                    "SELECT name AS k, type AS v FROM sqlite_master WHERE type = 'table' AND name = 'rows'",
                    None,
                )
                .and_then(|cursor| cursor.to_array::<Row>())
                .map(|rows| !rows.is_empty())
                .unwrap_or(false);
            self.exists.set(found);
        }
        self.exists.get()
    }

    fn ensure(&self) -> Result<(), KvError> {
        if !self.exists() {
            self.sql
                .exec(
                    "CREATE TABLE IF NOT EXISTS rows (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID",
                    None,
                )
                .map_err(failed)?;
            self.exists.set(true);
        }
        Ok(())
    }

    fn query(&self, sql: &str, bindings: Vec<SqlStorageValue>) -> Result<Vec<Row>, KvError> {
        if !self.exists() {
            return Ok(Vec::new());
        }
        self.sql
            .exec(sql, bindings)
            .and_then(|cursor| cursor.to_array::<Row>())
            .map_err(failed)
    }
}

impl Table for SqlTable {
    fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        let rows = self.query("SELECT k, v FROM rows WHERE k = ?", vec![key.into()])?;
        Ok(rows.into_iter().next().map(|r| r.v))
    }

    fn put(&self, key: &str, value: &str) -> Result<(), KvError> {
        self.ensure()?;
        self.sql
            .exec(
                "INSERT INTO rows (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
                vec![key.into(), value.into()],
            )
            .map(|_| ())
            .map_err(failed)
    }

    fn delete(&self, key: &str) -> Result<(), KvError> {
        if !self.exists() {
            return Ok(());
        }
        self.sql
            .exec("DELETE FROM rows WHERE k = ?", vec![key.into()])
            .map(|_| ())
            .map_err(failed)
    }

    fn scan(&self, prefix: &str, limit: usize) -> Result<Vec<(String, String)>, KvError> {
        // Keys are ASCII below DEL, so every key with the prefix sorts before prefix + DEL.
        let end = format!("{prefix}\u{7f}");
        let limit = i64::try_from(limit.min(1_000_000)).unwrap_or(1_000_000);
        let rows = self.query(
            "SELECT k, v FROM rows WHERE k >= ? AND k < ? ORDER BY k LIMIT ?",
            vec![prefix.into(), end.into(), limit.into()],
        )?;
        Ok(rows.into_iter().map(|r| (r.k, r.v)).collect())
    }
}
