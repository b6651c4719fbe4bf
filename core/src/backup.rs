//! A full backup of the book (issue 10, SPEC §3): every write the book holds as the op that
//! made it, with its original stamp — register values, entries, deletions, erasures, and ops
//! from newer versions kept as they came — encoded and compressed behind a version mark. A
//! restore applies those ops: the merge is idempotent, so a backup restored into any device's
//! book (a fresh one, or one that already holds some or all of it) adds what is missing, never
//! wipes nor duplicates anything, and restoring it twice changes nothing. The ops also go to
//! the sync server as the restoring device's changes, so every device gets them.

use crate::book::Book;
use crate::codec::ops::{decode_ops, encode_ops};
use crate::codec::{DecodeError, compress, decompress};
use crate::op::{Op, RawEntry};

/// The first bytes of a backup file of this version.
pub const MAGIC: &[u8] = b"HUIKE-BACKUP-1\n";

/// The largest book a backup may unpack to (a 20,000-customer shop's ops are about 30 MB).
const MAX_BYTES: usize = 512 << 20;

/// Why a file cannot be restored.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BackupError {
    /// Not a Huike backup (or one from a later version).
    #[error("this is not a Huike backup file (or one made by a newer version)")]
    NotABackup,
    /// The file is damaged.
    #[error("the backup file is damaged: {0}")]
    Damaged(#[from] DecodeError),
}

/// Every write in the book as the op that made it.
pub fn ops_of(book: &Book) -> Vec<Op> {
    let mut ops = Vec::new();
    for (kind, id, state) in book.all_records() {
        for (field, reg) in &state.fields {
            ops.push(Op::Set {
                at: reg.at,
                kind,
                id: id.clone(),
                field: field.clone(),
                value: reg.value.clone(),
            });
        }
        if let Some(at) = state.deleted {
            ops.push(Op::Delete {
                at,
                kind,
                id: id.clone(),
            });
        }
        if let Some(at) = state.erased {
            ops.push(Op::Erase {
                at,
                kind,
                id: id.clone(),
            });
        }
    }
    for e in book.entries() {
        // The book only holds entries that were checked when they came in.
        if let (Ok(entry), Ok(id)) = (RawEntry::from_bytes(e.raw), crate::id::Id::parse(e.id)) {
            ops.push(Op::Append {
                at: e.at,
                id,
                entry,
            });
        }
    }
    ops.extend(book.foreign().cloned().map(Op::Foreign));
    ops
}

/// The backup file of a book.
pub fn write(book: &Book) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend(compress(&encode_ops(&ops_of(book))));
    out
}

/// The ops a backup file holds, to apply (see the module doc).
pub fn read(bytes: &[u8]) -> Result<Vec<Op>, BackupError> {
    let packed = bytes.strip_prefix(MAGIC).ok_or(BackupError::NotABackup)?;
    Ok(decode_ops(&decompress(packed, MAX_BYTES)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::Change;
    use crate::synth::Params;

    /// An entry as compared: id, stamp, bytes.
    type EntryRow = (String, String, Vec<u8>);

    /// A book's content, comparable: every record state and every entry.
    fn content(book: &Book) -> (Vec<String>, Vec<EntryRow>) {
        let records = book
            .all_records()
            .map(|(k, id, s)| format!("{k:?} {id} {s:?}"))
            .collect();
        let entries = book
            .entries()
            .map(|e| (e.id.to_owned(), format!("{:?}", e.at), e.raw.to_vec()))
            .collect();
        (records, entries)
    }

    #[test]
    fn a_backup_restored_on_a_fresh_device_is_the_same_book() {
        let book = Params::new(4, 200, 1_500).book();
        let file = write(&book);
        assert!(file.starts_with(MAGIC));
        let mut fresh = Book::new();
        for op in read(&file).unwrap() {
            fresh.apply(&op);
        }
        assert_eq!(content(&fresh), content(&book));
    }

    #[test]
    fn restoring_merges_never_wipes_and_twice_changes_nothing() {
        let old = Params::new(4, 200, 1_500).book();
        let mut device = Params::new(5, 50, 300).book();
        let own_records: Vec<_> = device
            .all_records()
            .map(|(k, id, _)| (k, id.clone()))
            .collect();
        let own_entries: Vec<String> = device.entries().map(|e| e.id.to_owned()).collect();
        let ops = read(&write(&old)).unwrap();
        for op in &ops {
            device.apply(op);
        }
        // Nothing of the device's own is gone; everything of the backup is there.
        for (k, id) in &own_records {
            assert!(device.record_state(*k, id).is_some());
        }
        for id in &own_entries {
            assert!(device.entry(id).is_some());
        }
        for e in old.entries() {
            assert!(device.entry(e.id).is_some());
        }
        assert_eq!(
            device.entry_count(),
            own_entries.len() + old.entry_count(),
            "two shops' entries, none twice"
        );
        let again: Vec<Change> = ops.iter().map(|op| device.apply(op)).collect();
        assert!(
            again.iter().all(|c| *c == Change::None),
            "a second restore changes nothing"
        );
    }

    #[test]
    fn a_file_that_is_not_a_backup_is_refused() {
        assert_eq!(read(b"name,phone\n"), Err(BackupError::NotABackup));
        let mut damaged = MAGIC.to_vec();
        damaged.extend(b"\x00\x01garbage");
        assert!(matches!(read(&damaged), Err(BackupError::Damaged(_))));
    }
}
