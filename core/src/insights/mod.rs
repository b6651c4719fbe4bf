//! What the app keeps beside the book, so that a keystroke in the search box, the customer
//! list or a look at today's follow-ups never walks the whole book: the analytics [`Ledger`],
//! the customers' [`SearchIndex`] and the [`Roster`] (the list in order, customers by phone,
//! the first counts of Stats). They are read once from a book ([`Insights::read`]) and then
//! follow every change the replica reports ([`Insights::follow`] with its [`Delta`]; following
//! a change twice changes nothing).
//!
//! A device stores them as an image beside its book ([`Insights::write_image`],
//! [`Insights::read_image`]), so that it opens without reading every entry and profile again:
//! the list and today's follow-ups show as soon as the image is read.

pub mod campaigns;
pub mod chains;
pub mod complaints;
pub mod filter;
pub mod funnel;
pub mod portraits;
pub mod referrals;
pub mod roster;
pub mod rules_effect;
pub mod staff_work;
pub mod stats;
pub mod tag_edits;
mod team;

pub use team::Team;

use crate::agenda::{Agenda, agenda_with};
use crate::book::Book;
use crate::codec::DecodeError;
use crate::codec::bytes::{Reader, Writer};
use crate::domain::Customer;
use crate::domain::Entry;
use crate::domain::Rules;
use crate::id::Id;
use crate::op::{Change, RecordKind};
use crate::predict::outlook::Outlook;
use crate::replica::Delta;
use crate::search::{Results, SearchIndex};
use crate::segment::history::History;
use crate::segment::ledger::{ImageSteps, Ledger, LedgerReader};
use crate::segment::{Analysis, analyze_history, analyze_ledger};
use crate::workday::Workday;
use chrono::NaiveDate;
use roster::Roster;

/// The views of one book.
#[derive(Clone, Debug, Default)]
pub struct Insights {
    ledger: Ledger,
    index: SearchIndex,
    roster: Roster,
    rules: Rules,
    team: Team,
    /// The started campaigns (few records), for the day's list.
    campaigns: Vec<campaigns::Started>,
}

/// How many of the ledger's facts an [`ImageReader`] step reads (a 200,000-sale shop has
/// about 260,000: a few steps of some 20 ms each in a phone's browser).
pub const FACTS_A_STEP: usize = 64_000;

/// The mark and version of an image of the views.
const IMAGE_MAGIC: &[u8; 4] = b"HKI4";

/// Reads a book's views a slice at a time, so a large book (a new device's first snapshot)
/// is read without holding the screen: call [`InsightsReader::step`] until it says done (the
/// book must not change meanwhile), then [`InsightsReader::finish`].
pub struct InsightsReader {
    phase: Phase,
    ledger: LedgerReader,
    /// The ledger laid out, once the entries are read.
    packed: Option<Ledger>,
    index: SearchIndex,
    listed: Vec<(Id, Customer)>,
    /// The list in order, once the ledger is laid out.
    roster: Option<Roster>,
    rules: Rules,
    team: Team,
    campaigns: Vec<campaigns::Started>,
}

/// Reads an image of the views (what [`Insights::write_image`] wrote) a part at a time — the
/// ledger (its accounts, then its facts [`FACTS_A_STEP`] at a time), the search index, then
/// the list — so that a page can paint between the parts.
pub struct ImageReader<'a> {
    r: Reader<'a>,
    ledger_steps: ImageSteps,
    facts_a_step: usize,
    ledger: Option<Ledger>,
    index: Option<SearchIndex>,
}

impl<'a> ImageReader<'a> {
    /// A reader of `bytes`; an image of another version is an error (the caller reads the
    /// views from the book instead).
    pub fn new(bytes: &'a [u8]) -> Result<ImageReader<'a>, DecodeError> {
        ImageReader::with_step(bytes, FACTS_A_STEP)
    }

    /// A reader of `bytes` that reads the ledger's facts `facts` at a time.
    pub fn with_step(bytes: &'a [u8], facts: usize) -> Result<ImageReader<'a>, DecodeError> {
        let mut r = Reader::new(bytes);
        if r.raw(4)? != IMAGE_MAGIC {
            return Err(DecodeError::new(
                "not an image of the views of this version",
                0,
            ));
        }
        Ok(ImageReader {
            r,
            ledger_steps: ImageSteps::default(),
            facts_a_step: facts,
            ledger: None,
            index: None,
        })
    }

    /// Reads the next part; returns the views once the last part is read (the reader is done
    /// then).
    pub fn step(&mut self) -> Result<Option<Insights>, DecodeError> {
        let r = &mut self.r;
        let (Some(ledger), Some(index)) = (&mut self.ledger, &mut self.index) else {
            if self.ledger.is_none() {
                self.ledger = self.ledger_steps.step(r, self.facts_a_step)?;
            } else {
                self.index = Some(SearchIndex::read_image(r)?);
            }
            return Ok(None);
        };
        let insights = Insights {
            ledger: std::mem::take(ledger),
            index: std::mem::take(index),
            roster: Roster::read_image(r)?,
            rules: crate::codec::image::get_serde(r)?,
            team: Team::read_image(r)?,
            campaigns: crate::codec::image::get_serde(r)?,
        };
        if !r.is_empty() {
            return Err(r.error("bytes after the views"));
        }
        Ok(Some(insights))
    }
}

/// Writes an image of the views a part at a time — the ledger (its facts a slice a step), the
/// search index, then the list (a slice of rows a step) and rules — so that a page can paint
/// between the parts. The ledger and the list must not change while their slices are written
/// (the app holds its write lock meanwhile). Between the parts the views may follow changes:
/// each part then holds at least what the one before it held, and following a change again
/// changes nothing, so replaying the journal over the image at the next start gives the same
/// views.
pub struct ImageWriter {
    w: Writer,
    /// The part being written: the ledger, the search index, the list; 3 once all are.
    part: u8,
    ledger: crate::segment::ledger::ImageAt,
    /// Rows of the list written (`None` before its head).
    rows: Option<usize>,
    /// Ledger facts and rows of the list written a step.
    slices: (usize, usize),
}

/// Ledger facts written a step.
const FACTS_WRITTEN_A_STEP: usize = 25_000;
/// Rows of the list written a step.
const ROWS_A_STEP: usize = 4_000;

impl ImageWriter {
    /// A writer of a new image.
    pub fn new() -> ImageWriter {
        ImageWriter::with_slices(FACTS_WRITTEN_A_STEP, ROWS_A_STEP)
    }

    /// A writer of a new image, `facts` ledger facts and `rows` rows of the list a step.
    fn with_slices(facts: usize, rows: usize) -> ImageWriter {
        let mut w = Writer::with_capacity(1 << 20);
        w.raw(IMAGE_MAGIC);
        ImageWriter {
            w,
            part: 0,
            ledger: Default::default(),
            rows: None,
            slices: (facts.max(1), rows.max(1)),
        }
    }

    /// Writes the next slice of `views`; returns true once every part is written.
    pub fn step(&mut self, views: &mut Insights) -> bool {
        match self.part {
            0 if views
                .ledger
                .write_image_step(&mut self.w, &mut self.ledger, self.slices.0) =>
            {
                self.part = 1;
            }
            0 => {}
            1 => {
                views.index.write_image(&mut self.w);
                self.part = 2;
            }
            2 => {
                let from = match self.rows {
                    Some(n) => n,
                    None => {
                        views.roster.write_image_head(&mut self.w);
                        0
                    }
                };
                let to = from.saturating_add(self.slices.1).min(views.roster.len());
                views.roster.write_image_rows(&mut self.w, from..to);
                self.rows = Some(to);
                if to == views.roster.len() {
                    crate::codec::image::put_serde(&mut self.w, &views.rules);
                    views.team.write_image(&mut self.w);
                    crate::codec::image::put_serde(&mut self.w, &views.campaigns);
                    self.part = 3;
                }
            }
            _ => {}
        }
        self.part == 3
    }

    /// The image.
    pub fn finish(self) -> Vec<u8> {
        self.w.into_bytes()
    }
}

impl Default for ImageWriter {
    fn default() -> Self {
        ImageWriter::new()
    }
}

/// A day's analysis and follow-ups ([`Insights::today`]) worked out a part at a time — the
/// customers' histories, their grades, then (once the caller has given the model's figures for
/// the grades, [`TodayWork::needs_outlook`]) the follow-ups shared out among the staff — so
/// that a page can paint between the parts. The model's figures are the caller's to work out
/// ([`Outlook::of`] here, or in a module loaded apart, as the app does), so this work does not
/// hold the model's code. Only the first step reads the views: they may change after it.
pub struct TodayWork {
    day: NaiveDate,
    me: Option<Id>,
    /// The rules, the staff and the started campaigns, as the first step read them.
    settings: Option<(Rules, Vec<Id>, Vec<campaigns::Started>)>,
    history: Option<History>,
    analysis: Option<Analysis>,
    outlook: Option<Outlook>,
    today: Option<Today>,
}

impl TodayWork {
    /// The work for `day`; `me` (this device) works the list even before its own device record
    /// is in the book.
    pub fn new(day: NaiveDate, me: Option<Id>) -> TodayWork {
        TodayWork {
            day,
            me,
            settings: None,
            history: None,
            analysis: None,
            outlook: None,
            today: None,
        }
    }

    /// Does the next part (the first reads `views`); returns true once the day is worked out.
    /// While [`TodayWork::needs_outlook`] asks for the model's figures, it does nothing.
    pub fn step(&mut self, views: &Insights) -> bool {
        if self.today.is_some() {
            return true;
        }
        let (rules, staff, started) = self.settings.get_or_insert_with(|| {
            let staff = views.team.working().chain(&self.me).cloned().collect();
            (views.rules.clone(), staff, views.campaigns.clone())
        });
        if let Some(history) = self.history.take() {
            self.analysis = Some(analyze_history(history, self.day, rules));
            return false;
        }
        let Some(analysis) = self.analysis.take() else {
            self.history = Some(History::from_ledger(&views.ledger, self.day));
            return false;
        };
        let Some(outlook) = self.outlook.take() else {
            self.analysis = Some(analysis);
            return false;
        };
        self.today = Some(Today::plan(analysis, outlook, rules, staff, started));
        true
    }

    /// The graded analysis whose model figures the next step waits for, if it waits.
    pub fn needs_outlook(&self) -> Option<&Analysis> {
        self.analysis.as_ref().filter(|_| self.outlook.is_none())
    }

    /// Gives the model's figures for [`TodayWork::needs_outlook`]'s analysis.
    pub fn give_outlook(&mut self, outlook: Outlook) {
        self.outlook = Some(outlook);
    }

    /// The day's analysis and follow-ups, once [`TodayWork::step`] said done.
    pub fn finish(self) -> Option<Today> {
        self.today
    }
}

/// Where an [`InsightsReader`] is.
enum Phase {
    Customers(Option<Id>),
    Complaints,
    Entries(Option<String>),
    /// Laying out the ledger's facts per customer (one step).
    Pack,
    /// Putting the list in order (one step).
    List,
    Done,
}

impl InsightsReader {
    /// A reader of `book`'s views.
    pub fn new(book: &Book) -> InsightsReader {
        InsightsReader {
            phase: Phase::Customers(None),
            ledger: LedgerReader::new(book.entry_count()),
            packed: None,
            index: SearchIndex::new(),
            listed: Vec::new(),
            roster: None,
            rules: book.rules(),
            team: Team::of(book),
            campaigns: campaigns::started(book),
        }
    }

    /// Reads up to `budget` customers or entries. Returns true once everything is read.
    pub fn step(&mut self, book: &Book, budget: usize) -> bool {
        let budget = budget.max(1);
        match std::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Customers(after) => {
                let start = after.map(|id| (RecordKind::Customer, id));
                let mut last = None;
                let mut n = 0;
                for ((kind, id), state) in book
                    .records_after(start.as_ref().or(Some(&(RecordKind::Customer, Id::MIN))))
                    .take_while(|((kind, _), _)| *kind == RecordKind::Customer)
                    .take(budget)
                {
                    debug_assert_eq!(*kind, RecordKind::Customer);
                    n += 1;
                    last = Some(id.clone());
                    if state.deleted.is_some() {
                        continue;
                    }
                    self.ledger.customer(id, state);
                    if let Ok(customer) = state.decode::<Customer>() {
                        self.index.upsert(id, &customer);
                        self.listed.push((id.clone(), customer));
                    }
                }
                self.phase = if n == budget {
                    Phase::Customers(last)
                } else {
                    Phase::Complaints
                };
            }
            Phase::Complaints => {
                for (id, state) in book.records(RecordKind::Complaint) {
                    self.ledger.complaint(id, state);
                }
                self.phase = Phase::Entries(None);
            }
            Phase::Entries(after) => {
                let mut last = None;
                let mut n = 0;
                for e in book.entries_after(after.as_deref()).take(budget) {
                    n += 1;
                    last = Some(e.id.to_owned());
                    self.ledger.entry(e);
                }
                self.phase = if n == budget {
                    Phase::Entries(last)
                } else {
                    Phase::Pack
                };
            }
            Phase::Pack => {
                let reader = std::mem::replace(&mut self.ledger, LedgerReader::new(0));
                self.packed = Some(reader.finish());
                self.phase = Phase::List;
            }
            Phase::List => {
                self.roster = Some(list(&self.listed, &self.index));
                self.phase = Phase::Done;
            }
            Phase::Done => {}
        }
        matches!(self.phase, Phase::Done)
    }

    /// The views, once [`InsightsReader::step`] said done (what it has not done yet is done
    /// now, at once).
    pub fn finish(self) -> Insights {
        let roster = self
            .roster
            .unwrap_or_else(|| list(&self.listed, &self.index));
        Insights {
            ledger: self.packed.unwrap_or_else(|| self.ledger.finish()),
            index: self.index,
            roster,
            rules: self.rules,
            team: self.team,
            campaigns: self.campaigns,
        }
    }
}

/// The customer list of `listed`, in the search index's order.
fn list(listed: &[(Id, Customer)], index: &SearchIndex) -> Roster {
    let mut roster = Roster::default();
    roster.extend(
        listed
            .iter()
            .map(|(id, c)| (id, c, index.sort_key(id).unwrap_or_default())),
    );
    roster
}

/// The analysis of a day and its follow-ups.
#[derive(Clone, Debug, PartialEq)]
pub struct Today {
    /// Every customer's history and grades.
    pub analysis: Analysis,
    /// The model's figures for each customer (P(alive), CLV), when the shop has enough data.
    pub outlook: Outlook,
    /// Whom to contact, highest priority first.
    pub agenda: Agenda,
    /// The agenda shared out among the staff: the day's work.
    pub workday: Workday,
}

impl Today {
    /// The follow-ups of an analysis (with the targets of the campaigns running that day)
    /// and their sharing out among `staff`.
    fn plan(
        analysis: Analysis,
        outlook: Outlook,
        rules: &Rules,
        staff: &[Id],
        started: &[campaigns::Started],
    ) -> Today {
        let running = campaigns::due_all(started, &analysis);
        let agenda = agenda_with(&analysis, rules, &running);
        let workday = Workday::plan(&agenda, &analysis, &outlook, staff, rules.daily_capacity);
        Today {
            analysis,
            outlook,
            agenda,
            workday,
        }
    }
}

impl Insights {
    /// Reads a whole book (once, when it is opened and no image of its views is stored).
    pub fn read(book: &Book) -> Insights {
        let mut reader = InsightsReader::new(book);
        while !reader.step(book, usize::MAX) {}
        reader.finish()
    }

    /// Indexes and lists one customer.
    fn list(&mut self, id: &Id, customer: &Customer) {
        self.index.upsert(id, customer);
        let key = self.index.sort_key(id).unwrap_or_default().to_owned();
        self.roster.upsert(id, customer, &key);
    }

    /// Brings every view up to date with a change already applied to `book`. A rebuilt book
    /// ([`Delta::rebuilt`]) is not followed: read its views anew ([`InsightsReader`]).
    pub fn follow(&mut self, book: &Book, delta: &Delta) {
        for (kind, id) in &delta.records {
            self.ledger.apply(book, &Change::Record(*kind, id.clone()));
            match kind {
                RecordKind::Rules => self.rules = book.rules(),
                RecordKind::Shop | RecordKind::Device => self.team = Team::of(book),
                RecordKind::Campaign | RecordKind::Template => {
                    self.campaigns = campaigns::started(book)
                }
                _ => {}
            }
            if *kind == RecordKind::Customer {
                match book.get::<Customer>(id) {
                    Some(customer) => self.list(id, &customer),
                    None => {
                        self.index.remove(id);
                        self.roster.remove(id);
                    }
                }
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

    /// The customer list in order, customers by phone, first counts.
    pub fn roster(&self) -> &Roster {
        &self.roster
    }

    /// The views as bytes (the ledger's recent facts are packed in first); [`ImageWriter`]
    /// writes them a part at a time.
    pub fn write_image(&mut self) -> Vec<u8> {
        let mut writer = ImageWriter::new();
        while !writer.step(self) {}
        writer.finish()
    }

    /// Reads what [`Insights::write_image`] wrote (an image of another version is an error:
    /// the caller reads the views from the book instead). [`ImageReader`] reads it a part at
    /// a time.
    pub fn read_image(bytes: &[u8]) -> Result<Insights, DecodeError> {
        let mut reader = ImageReader::new(bytes)?;
        loop {
            if let Some(insights) = reader.step()? {
                return Ok(insights);
            }
        }
    }

    /// A customer's entries in `book` (purchases, visits, contacts, points…), latest first
    /// (entries at the same minute: the later id first, as on every device).
    pub fn timeline(&self, book: &Book, customer: &Id) -> Vec<(Id, Entry)> {
        let mut ids = self.ledger.entries_of(customer);
        crate::sorting::sort_by(&mut ids, |a, b| b.cmp(a));
        ids.into_iter()
            .filter_map(|(_, id)| {
                let entry = book.entry(id)?.decode()?;
                (entry.customer() == customer).then(|| (Id::trusted(id), entry))
            })
            .collect()
    }

    /// The analysis as of `day` under the shop's rules, and that day's follow-ups shared out
    /// among the staff (`me` included; [`TodayWork`] works them out a part at a time).
    pub fn today(&self, day: NaiveDate, me: Option<&Id>) -> Today {
        let analysis = analyze_ledger(&self.ledger, day, &self.rules);
        let outlook = Outlook::of(&analysis);
        let staff: Vec<Id> = self.team.working().chain(me).cloned().collect();
        Today::plan(analysis, outlook, &self.rules, &staff, &self.campaigns)
    }

    /// The shop's rules, as the book holds them.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The shop's profile and staff, as the book holds them.
    pub fn team(&self) -> &Team {
        &self.team
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_written_in_small_slices_is_the_same_image() {
        let ops = crate::synth::Params::new(3, 300, 3_000).ops();
        let (first, rest) = ops.split_at(ops.len() * 9 / 10);
        let mut replica = crate::replica::Replica::new("t".into());
        replica.local(first.to_vec());
        let mut views = Insights::read(replica.book());
        // Followed changes: recent facts, packed in when the image is written.
        for chunk in rest.chunks(200) {
            let delta = replica.local(chunk.to_vec());
            views.follow(replica.book(), &delta);
        }
        let whole = views.clone().write_image();
        let mut writer = ImageWriter::with_slices(7, 3);
        let mut steps = 0;
        while !writer.step(&mut views) {
            steps += 1;
        }
        assert!(steps > 300, "{steps} steps");
        assert_eq!(writer.finish(), whole);
        let read = Insights::read_image(&whole).map(|mut v| v.write_image());
        assert_eq!(read.ok(), Some(whole), "read back, the same image");
    }
}
