//! What the app keeps beside the book, so that a keystroke in the search box or a look at
//! today's follow-ups never walks the whole book: the analytics [`Ledger`] and the customers'
//! [`SearchIndex`]. Both are read once when the book is opened ([`Insights::read`]) and then
//! follow every change the replica reports ([`Insights::follow`] with its [`Delta`]).

use crate::agenda::{Agenda, agenda};
use crate::book::Book;
use crate::domain::Entry;
use crate::domain::Rules;
use crate::id::Id;
use crate::op::{Change, RecordKind};
use crate::replica::Delta;
use crate::search::{Results, SearchIndex};
use crate::segment::ledger::Ledger;
use crate::segment::{Analysis, analyze_ledger};
use chrono::NaiveDate;

/// The ledger and the search index of one book.
#[derive(Clone, Debug, Default)]
pub struct Insights {
    ledger: Ledger,
    index: SearchIndex,
}

/// The analysis of a day and its follow-ups.
#[derive(Clone, Debug, PartialEq)]
pub struct Today {
    /// Every customer's history and grades.
    pub analysis: Analysis,
    /// Whom to contact, highest priority first.
    pub agenda: Agenda,
}

impl Insights {
    /// Reads a whole book (once, when it is opened).
    pub fn read(book: &Book) -> Insights {
        Insights {
            ledger: Ledger::read(book),
            index: SearchIndex::from_book(book),
        }
    }

    /// Brings both up to date with a change already applied to `book`.
    pub fn follow(&mut self, book: &Book, delta: &Delta) {
        for (kind, id) in &delta.records {
            self.ledger.apply(book, &Change::Record(*kind, id.clone()));
            if *kind == RecordKind::Customer {
                self.index.refresh(book, id);
            }
        }
        for id in &delta.entries {
            let change = if delta.replaced.contains(id) {
                Change::EntryReplaced(id.clone())
            } else {
                Change::Entry(id.clone())
            };
            self.ledger.apply(book, &change);
        }
    }

    /// The customers matching a query, best first, at most `limit` (see [`SearchIndex::search`]).
    pub fn search(&self, query: &str, limit: usize) -> Results {
        self.index.search(query, limit)
    }

    /// A customer's key in list order (their name's pinyin), as the search index keeps it.
    pub fn sort_key(&self, customer: &Id) -> Option<&str> {
        self.index.sort_key(customer)
    }

    /// A customer's entries in `book` (purchases, visits, contacts, points…), latest first
    /// (entries at the same minute: the later id first, as on every device).
    pub fn timeline(&self, book: &Book, customer: &Id) -> Vec<(Id, Entry)> {
        let mut ids = self.ledger.entries_of(customer);
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.into_iter()
            .filter_map(|(_, id)| {
                let entry = book.entry(id)?.decode()?;
                (entry.customer() == customer).then(|| (Id::trusted(id), entry))
            })
            .collect()
    }

    /// The analysis as of `day` under the shop's rules, and that day's follow-ups.
    pub fn today(&self, book: &Book, day: NaiveDate) -> Today {
        let rules = Rules::of(book);
        let analysis = analyze_ledger(&self.ledger, day, &rules);
        let agenda = agenda(&analysis, &rules);
        Today { analysis, agenda }
    }
}
