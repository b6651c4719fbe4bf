//! Seeded synthetic shops for benchmarks, tests and demos.
//!
//! [`generate`] (or [`Params::ops`] / [`Params::book`]) makes a mother-and-baby shop of any
//! size, as the ops its devices would have written, from a seed alone: the same seed and sizes
//! give the same ops, byte for byte, on every platform (it uses integer arithmetic only and a
//! portable ChaCha generator, no clock and no OS randomness, so it runs in the browser too).
//!
//! What is in it:
//! - three devices (the owner and two clerks) whose clocks stamp every op in time order;
//! - the shop record and its rules (re-buy cycles per category from the catalogue);
//! - customers with Chinese names (common and compound surnames, polyphonic ones such as
//!   曾 and 单, and `朵朵妈妈`-style names), unique 11-digit mainland mobile numbers (some have
//!   two), WeChat ids, genders, birthdays (a few on 29 February), children with birthdays or
//!   due dates, tags, areas, sources, referrers (referral chains: the referred refer others)
//!   and the other profile fields now and then;
//! - a lifecycle mix: leads who never came, visitors who never bought, one-time buyers,
//!   regulars, loyal big spenders, decliners and churned customers (see [`Params::ops`]);
//! - sales with line items from the catalogue (奶粉, 纸尿裤, 辅食, 洗护, 童装, 玩具, 营养品,
//!   用品) and about 1% refunds; visits with the reason nothing was bought; contacts with
//!   outcomes and next follow-up dates (a few customers ask not to be contacted again);
//!   complaints at every stage of handling; points, stored value and scheduled-reward pickups.

mod vocab;

use crate::book::Book;
use crate::domain::{
    Child, Complaint, ComplaintStatus, Connection, Contact, ContactChannel, Customer, Device,
    Entry, Gender, ImportantDate, Intent, LedgerEntry, LedgerKind, LineItem, Money,
    NotBoughtReason, Outcome, Purchase, PurchaseKind, Purpose, Record, Role, Rules, SaleChannel,
    Severity, Shop, Source, Visit,
};
use crate::hlc::Clock;
use crate::id::Id;
use crate::op::{self, Op, RecordKind};
use crate::search;
use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap, HashSet};
use vocab::{CATALOG, Category};

/// How many days of history a synthetic shop has before its as-of date.
pub const HISTORY_DAYS: u32 = 1095;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    /// The seed: the same seed and sizes give the same shop.
    pub seed: u64,
    /// Number of customers.
    pub customers: usize,
    /// Number of sales (refunds, about 1% of sales, come on top). Spread over the customers
    /// who buy; if there are fewer sales than buyers, some of them end up never buying, and a
    /// shop too small to have any repeat buyer gets one sale per buyer only.
    pub purchases: usize,
    /// The shop's "today": nothing happens after it, the history starts [`HISTORY_DAYS`] before.
    pub as_of: NaiveDate,
}

impl Params {
    /// Parameters with the default as-of date ([`default_as_of`]).
    pub fn new(seed: u64, customers: usize, purchases: usize) -> Self {
        Params {
            seed,
            customers,
            purchases,
            as_of: default_as_of(),
        }
    }

    /// The shop as the ops its devices wrote, in stamp order.
    ///
    /// Customers' lifecycles are drawn as: 6% leads (never came, often referred), 10% visitors
    /// who never bought, 25% one-time buyers, 27% regulars (still buying at their usual
    /// interval), 5% loyal big spenders, 12% decliners (last purchase 2.3–3.7 intervals ago)
    /// and 15% churned (last purchase more than max(180 days, 5 intervals) ago).
    pub fn ops(&self) -> Vec<Op> {
        Generator::new(self).run()
    }

    /// The shop as a merged book.
    pub fn book(&self) -> Book {
        let mut book = Book::new();
        for op in self.ops() {
            book.apply(&op);
        }
        book
    }
}

/// The default as-of date of a synthetic shop: 2026-06-30.
pub fn default_as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default()
}

/// A synthetic shop's book: `customers` customers and `purchases` sales, from `seed`.
pub fn generate(seed: u64, customers: usize, purchases: usize) -> Book {
    Params::new(seed, customers, purchases).book()
}

/// A customer's lifecycle, which shapes everything generated for them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Life {
    Lead,
    Visitor,
    OneTime,
    Regular,
    Loyal,
    Decliner,
    Churned,
}

impl Life {
    /// Lifecycles with their share in permille.
    const MIX: [(Life, u32); 7] = [
        (Life::Lead, 60),
        (Life::Visitor, 100),
        (Life::OneTime, 250),
        (Life::Regular, 270),
        (Life::Loyal, 50),
        (Life::Decliner, 120),
        (Life::Churned, 150),
    ];

    /// How long ago (in days before the as-of date) such a customer may have been added.
    fn age_range(self) -> (u32, u32) {
        match self {
            Life::Lead => (0, 120),
            Life::Visitor => (0, 365),
            Life::OneTime => (10, HISTORY_DAYS),
            Life::Regular => (60, HISTORY_DAYS),
            Life::Loyal => (180, HISTORY_DAYS),
            Life::Decliner => (120, HISTORY_DAYS),
            Life::Churned => (300, HISTORY_DAYS),
        }
    }

    /// Relative share of the repeat purchases (0: buys at most once).
    fn purchase_weight(self) -> u32 {
        match self {
            Life::Loyal => 50,
            Life::Regular => 20,
            Life::Decliner => 12,
            Life::Churned => 8,
            Life::Lead | Life::Visitor | Life::OneTime => 0,
        }
    }

    fn buys(self) -> bool {
        !matches!(self, Life::Lead | Life::Visitor)
    }
}

/// One customer's plan before their details are drawn.
struct Plan {
    life: Life,
    created: NaiveDateTime,
    purchases: u32,
}

/// Something that happened, to be stamped in time order.
struct Event {
    at: NaiveDateTime,
    device: usize,
    what: What,
}

enum What {
    /// Fields of a record set at this time (a new record, or a later edit).
    Fields {
        kind: RecordKind,
        id: Id,
        fields: Map<String, Value>,
    },
    /// An entry appended.
    Entry { id: Id, entry: Entry },
}

/// What the purchases of one customer left behind, for the entries that depend on them.
struct Bought {
    days: Vec<NaiveDateTime>,
    totals: Vec<Money>,
    favourite: usize,
}

struct Generator<'a> {
    params: &'a Params,
    rng: ChaCha8Rng,
    devices: Vec<Id>,
    /// The three devices' node ids (their clocks stamp with them).
    nodes: [u64; 3],
    /// Ids made so far per device and millisecond.
    id_counters: HashMap<(usize, u64), u32>,
    phones: HashSet<u64>,
    events: Vec<Event>,
    customers: Vec<Id>,
    promoters: Vec<usize>,
}

/// Milliseconds since the Unix epoch of a shop-local (UTC+8) time.
fn unix_ms(at: NaiveDateTime) -> u64 {
    u64::try_from(at.and_utc().timestamp_millis() - 8 * 3_600_000).unwrap_or(0)
}

fn add_days(day: NaiveDate, days: u32) -> NaiveDate {
    day.checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(day)
}

fn sub_days(day: NaiveDate, days: u32) -> NaiveDate {
    day.checked_sub_days(Days::new(u64::from(days)))
        .unwrap_or(day)
}

fn days_from(from: NaiveDate, to: NaiveDate) -> u32 {
    u32::try_from((to - from).num_days()).unwrap_or(0)
}

impl<'a> Generator<'a> {
    fn new(params: &'a Params) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
        let nodes = [rng.next_u64(), rng.next_u64(), rng.next_u64()];
        Generator {
            params,
            rng,
            nodes,
            id_counters: HashMap::new(),
            devices: Vec::new(),
            phones: HashSet::new(),
            events: Vec::new(),
            customers: Vec::new(),
            promoters: Vec::new(),
        }
    }

    // ---- random helpers (integers only, so every platform draws the same) ----

    /// A uniform integer in `lo..=hi`.
    fn int(&mut self, lo: u32, hi: u32) -> u32 {
        if hi <= lo {
            lo
        } else {
            self.rng.random_range(lo..=hi)
        }
    }

    /// True with probability `permille`/1000.
    fn chance(&mut self, permille: u32) -> bool {
        self.rng.random_range(0..1000u32) < permille
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        let len = u32::try_from(items.len()).unwrap_or(u32::MAX);
        items[self.rng.random_range(0..len) as usize]
    }

    /// An item drawn with probability proportional to its weight.
    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        items[self.weighted_index(items.iter().map(|(_, w)| *w))].0
    }

    /// An index drawn with probability proportional to the weights.
    fn weighted_index(&mut self, weights: impl Iterator<Item = u32> + Clone) -> usize {
        let total: u32 = weights.clone().sum();
        let mut roll = self.rng.random_range(0..total.max(1));
        let mut last = 0;
        for (i, w) in weights.enumerate() {
            if roll < w {
                return i;
            }
            roll -= w;
            last = i;
        }
        last
    }

    /// A new id as `device` would make it at `at` ([`Id::from_stamp`]: its time, a counter
    /// within that millisecond, its node).
    fn id(&mut self, at: NaiveDateTime, device: usize) -> Id {
        let ms = unix_ms(at);
        let c = self.id_counters.entry((device, ms)).or_insert(0);
        let stamp = crate::hlc::Hlc {
            ms,
            c: *c,
            n: self.nodes[device],
        };
        *c += 1;
        Id::from_stamp(stamp)
    }

    /// A time of day during opening hours on `day`.
    fn during_hours(&mut self, day: NaiveDate) -> NaiveDateTime {
        let (h, m) = (self.int(9, 20), self.int(0, 59));
        day.and_time(NaiveTime::from_hms_opt(h, m, self.int(0, 59)).unwrap_or_default())
    }

    /// A day in `from..=to` (or `from` when the range is empty).
    fn day_between(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let span = days_from(from, to);
        add_days(from, self.int(0, span))
    }

    /// A catalogue category (its index), by how often it is bought.
    fn category(&mut self) -> usize {
        self.weighted_index(CATALOG.iter().map(|c| c.weight))
    }

    fn staff(&mut self) -> usize {
        self.weighted(&[(0, 40), (1, 30), (2, 30)])
    }

    fn push(&mut self, at: NaiveDateTime, device: usize, what: What) {
        self.events.push(Event { at, device, what });
    }

    // ---- the shop ----

    fn run(mut self) -> Vec<Op> {
        let start = sub_days(self.params.as_of, HISTORY_DAYS + 1);
        self.open_shop(start.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default()));
        let plans = self.plan();
        for plan in &plans {
            self.customer(plan);
        }
        self.stamp()
    }

    fn open_shop(&mut self, at: NaiveDateTime) {
        for (name, role) in [
            ("王姐", Role::Owner),
            ("小李", Role::Clerk),
            ("小周", Role::Clerk),
        ] {
            let id = self.id(at, self.devices.len());
            let device = Device {
                display_name: name.into(),
                role,
                revoked: false,
            };
            self.devices.push(id.clone());
            self.push(
                at,
                0,
                What::Fields {
                    kind: RecordKind::Device,
                    id,
                    fields: op::to_object(&device),
                },
            );
        }
        let shop = Shop {
            name: "贝贝母婴生活馆".into(),
            time_zone: "Asia/Shanghai".into(),
            currency: "CNY".into(),
        };
        let id = self.id(at, 0);
        self.push(
            at,
            0,
            What::Fields {
                kind: RecordKind::Shop,
                id,
                fields: op::to_object(&shop),
            },
        );
        let mut rules = Rules::default();
        for c in CATALOG.iter().filter(|c| c.rebuy_days > 0) {
            rules.rebuy_days.insert(c.name.into(), c.rebuy_days);
        }
        let id = Id::parse(Rules::ID).expect("a valid id");
        self.push(
            at,
            0,
            What::Fields {
                kind: RecordKind::Rules,
                id,
                fields: op::to_object(&rules),
            },
        );
    }

    /// Lifecycles, creation times (in order) and purchase counts.
    fn plan(&mut self) -> Vec<Plan> {
        let as_of = self.params.as_of;
        let mut plans: Vec<Plan> = (0..self.params.customers)
            .map(|_| {
                let life = self.weighted(&Life::MIX);
                let (lo, hi) = life.age_range();
                // Customers who never came back are more often recent ones (a shop keeps growing).
                let age = match life {
                    Life::Lead | Life::Visitor | Life::OneTime => {
                        self.int(lo, hi).min(self.int(lo, hi))
                    }
                    _ => self.int(lo, hi),
                };
                let day = sub_days(as_of, age);
                Plan {
                    life,
                    created: self.during_hours(day),
                    purchases: 0,
                }
            })
            .collect();
        plans.sort_by_key(|p| p.created);
        // Every buyer gets one sale, repeat buyers a second, then the rest by weight.
        let mut left = self.params.purchases;
        for round in 0..2 {
            for p in plans
                .iter_mut()
                .filter(|p| p.life.buys() && (round == 0 || p.life.purchase_weight() > 0))
            {
                if left > 0 {
                    p.purchases += 1;
                    left -= 1;
                }
            }
        }
        // A skewed spread (1, 8, 27, … 216 times the lifecycle's weight): many repeat buyers
        // come back only once or twice, a few very often.
        let weights: Vec<u64> = plans
            .iter()
            .map(|p| u64::from(p.life.purchase_weight()) * u64::from(self.int(1, 6)).pow(3))
            .collect();
        let total: u64 = weights.iter().sum();
        let extra = left as u64;
        for (p, w) in plans.iter_mut().zip(&weights) {
            let share = (extra * w).checked_div(total).unwrap_or(0);
            p.purchases += u32::try_from(share).unwrap_or(u32::MAX);
            left -= share as usize;
        }
        // The rounding remainder, one each to the first repeat buyers (none without them).
        let repeat: Vec<usize> = (0..plans.len()).filter(|&i| weights[i] > 0).collect();
        for i in repeat.iter().cycle().take(left) {
            plans[*i].purchases += 1;
        }
        plans
    }

    // ---- one customer ----

    fn customer(&mut self, plan: &Plan) {
        let at = plan.created;
        let device = self.staff();
        let id = self.id(at, device);
        let index = self.customers.len();
        self.customers.push(id.clone());
        let favourite = self.category();
        let mut customer = self.profile(plan, device);
        customer
            .interests
            .insert(CATALOG[favourite].name.to_owned());
        self.push(
            at,
            device,
            What::Fields {
                kind: RecordKind::Customer,
                id: id.clone(),
                fields: op::to_object(&customer),
            },
        );
        let bought = self.purchases(&id, plan, &customer, favourite);
        if let Some(&last) = bought.days.last()
            && plan.life == Life::Regular
            && self.chance(200)
        {
            let next = add_days(last.date(), CATALOG[bought.favourite].rebuy_days.max(20));
            let fields = Map::from_iter([("next_purchase".to_owned(), serde_json::json!(next))]);
            self.push(
                last,
                device,
                What::Fields {
                    kind: RecordKind::Customer,
                    id: id.clone(),
                    fields,
                },
            );
        }
        self.visits(&id, plan, &bought);
        self.contacts(&id, plan);
        self.complaint(&id, &bought);
        self.ledger(&id, plan, &customer, &bought);
        if matches!(plan.life, Life::Regular | Life::Loyal)
            || (customer.referrer.is_some() && self.chance(300))
        {
            self.promoters.push(index);
        }
    }

    fn profile(&mut self, plan: &Plan, device: usize) -> Customer {
        let as_of = self.params.as_of;
        let created = plan.created.date();
        let children = self.children(created);
        let mama_name = !children.is_empty() && self.chance(90);
        let gender = if mama_name || self.chance(850) {
            Gender::Female
        } else {
            Gender::Male
        };
        let name = match children.first() {
            Some(child) if mama_name => format!("{}妈妈", child.nickname),
            _ => self.name(gender),
        };
        let phones = self.phones();
        let wechat = if self.chance(650) {
            self.wechat(&name)
        } else {
            String::new()
        };
        let source = match plan.life {
            Life::Lead => self.weighted(&[
                (Source::Referral, 40),
                (Source::Douyin, 25),
                (Source::Event, 20),
                (Source::Partner, 15),
            ]),
            _ => self.weighted(&[
                (Source::WalkIn, 35),
                (Source::Wechat, 15),
                (Source::Douyin, 12),
                (Source::Xiaohongshu, 8),
                (Source::Referral, 15),
                (Source::Phone, 3),
                (Source::Event, 7),
                (Source::Partner, 3),
                (Source::Other, 2),
            ]),
        };
        let referrer = if source == Source::Referral {
            self.referrer()
        } else {
            None
        };
        let tag_count = self.weighted(&[(0, 30), (1, 35), (2, 25), (3, 10)]);
        let mut tags = BTreeSet::new();
        for _ in 0..tag_count {
            tags.insert(self.pick(vocab::TAGS).to_owned());
        }
        if children.len() > 1 {
            tags.insert("二胎".to_owned());
        }
        let birthday = self.chance(850).then(|| self.birthday());
        let mut c = Customer {
            name,
            phones,
            wechat,
            gender: Some(gender),
            birthday,
            source: Some(source),
            referrer,
            tags,
            children,
            area: if self.chance(700) {
                self.pick(vocab::AREAS).to_owned()
            } else {
                String::new()
            },
            vip: match plan.life {
                Life::Loyal => self.chance(500),
                Life::Regular => self.chance(30),
                _ => false,
            },
            preferred_contact: self.weighted(&[
                (Some(ContactChannel::Wechat), 60),
                (Some(ContactChannel::Phone), 25),
                (Some(ContactChannel::Sms), 5),
                (None, 10),
            ]),
            intent: match plan.life {
                Life::Lead | Life::Visitor => self.weighted(&[
                    (Some(Intent::High), 20),
                    (Some(Intent::Medium), 50),
                    (Some(Intent::Low), 30),
                ]),
                _ => None,
            },
            created_by: Some(self.devices[device].clone()),
            created_at: Some(plan.created),
            ..Customer::default()
        };
        if self.chance(500) {
            c.occupation = self.pick(vocab::OCCUPATIONS).to_owned();
        }
        if self.chance(100) {
            c.notes = self.pick(vocab::NOTES).to_owned();
        }
        if self.chance(100) {
            c.communication_style = self.pick(vocab::STYLES).to_owned();
        }
        if self.chance(80) {
            c.appearance = self.pick(vocab::APPEARANCES).to_owned();
        }
        if self.chance(150) {
            let relation = self.pick(vocab::RELATIONS).to_owned();
            c.connections.push(Connection {
                name: self.name(Gender::Female),
                relation,
            });
        }
        if self.chance(100) {
            let date = sub_days(as_of, self.int(365, 365 * 12));
            c.important_dates.push(ImportantDate {
                label: "结婚纪念日".into(),
                date: Some(date),
            });
        }
        if self.chance(100) {
            let min = i64::from(self.int(1, 5)) * 10_000;
            c.budget_min = Some(Money(min));
            c.budget_max = Some(Money(min * 3));
        }
        c
    }

    fn name(&mut self, gender: Gender) -> String {
        let surname = if self.chance(5) {
            self.pick(vocab::COMPOUND_SURNAMES)
        } else {
            self.weighted(vocab::SURNAMES)
        };
        let given = if gender == Gender::Female {
            vocab::GIVEN_FEMALE
        } else {
            vocab::GIVEN_MALE
        };
        let mut name = surname.to_owned();
        name.push_str(self.pick(given));
        if self.chance(750) {
            name.push_str(self.pick(given));
        }
        name
    }

    /// One unique mainland mobile number, and now and then a second.
    fn phones(&mut self) -> Vec<String> {
        let count = self.weighted(&[(0, 30), (1, 920), (2, 50)]);
        (0..count)
            .map(|_| {
                loop {
                    let number = u64::from(self.pick(vocab::PHONE_PREFIXES)) * 100_000_000
                        + u64::from(self.rng.random_range(0..100_000_000u32));
                    if self.phones.insert(number) {
                        break number.to_string();
                    }
                }
            })
            .collect()
    }

    fn wechat(&mut self, name: &str) -> String {
        match self.int(0, 3) {
            0 => format!("{}{}", search::full_pinyin(name), self.int(80, 99)),
            1 => format!("{}{:04}", search::initials(name), self.int(0, 9999)),
            2 => format!("{}_{}", search::full_pinyin(name), self.int(1, 999)),
            _ => {
                let tail: String = (0..10)
                    .map(|_| {
                        char::from(
                            b"abcdefghijklmnopqrstuvwxyz0123456789"[self.int(0, 35) as usize],
                        )
                    })
                    .collect();
                format!("wxid_{tail}")
            }
        }
    }

    /// A mother's birthday, 1980–2000; a few on 29 February.
    fn birthday(&mut self) -> NaiveDate {
        if self.chance(5) {
            let year = 1980 + 4 * self.int(0, 5) as i32;
            return NaiveDate::from_ymd_opt(year, 2, 29).unwrap_or_default();
        }
        let jan1 = NaiveDate::from_ymd_opt(1980 + self.int(0, 20) as i32, 1, 1).unwrap_or_default();
        add_days(jan1, self.int(0, 364))
    }

    /// Children: most customers have one or two, born in the last six years (more of them
    /// young); customers added recently may be expecting instead.
    fn children(&mut self, created: NaiveDate) -> Vec<Child> {
        let as_of = self.params.as_of;
        let mut kids = Vec::new();
        if days_from(created, as_of) < 250 && self.chance(300) {
            let due = add_days(created, self.int(30, 280));
            kids.push(Child {
                nickname: "宝宝".into(),
                due_date: Some(due),
                ..Child::default()
            });
            return kids;
        }
        let count = self.weighted(&[(0, 10), (1, 70), (2, 20)]);
        for _ in 0..count {
            let birthday = if self.chance(4) {
                NaiveDate::from_ymd_opt(2024, 2, 29).unwrap_or_default()
            } else {
                sub_days(as_of, self.int(0, 2190).min(self.int(0, 2190)))
            };
            let gender = if self.chance(500) {
                Gender::Female
            } else {
                Gender::Male
            };
            let nickname = self.pick(vocab::CHILD_NICKNAMES).to_owned();
            kids.push(Child {
                nickname,
                gender: Some(gender),
                birthday: Some(birthday),
                due_date: None,
            });
        }
        kids
    }

    /// Someone added earlier: often a regular or a referred customer (so chains form).
    fn referrer(&mut self) -> Option<Id> {
        if !self.promoters.is_empty() && self.chance(600) {
            let last = u32::try_from(self.promoters.len() - 1).unwrap_or(0);
            let pick = self.int(0, last) as usize;
            let i = self.promoters[pick];
            return Some(self.customers[i].clone());
        }
        let earlier = self.customers.len().saturating_sub(1);
        (earlier > 0).then(|| {
            let i = self.int(0, u32::try_from(earlier - 1).unwrap_or(0)) as usize;
            self.customers[i].clone()
        })
    }

    // ---- purchases ----

    /// The days a customer bought on, shaped by their lifecycle: regular spacing with jitter,
    /// ending recently (regulars), a few intervals ago (decliners) or long ago (churned).
    fn purchase_days(&mut self, plan: &Plan) -> Vec<NaiveDate> {
        let first = plan.created.date();
        let n = plan.purchases;
        if n <= 1 {
            return if n == 1 { vec![first] } else { Vec::new() };
        }
        let age = days_from(first, self.params.as_of);
        let steps = n - 1;
        let (gap, since) = match plan.life {
            Life::Decliner => {
                let k10 = self.int(23, 37);
                let gap = age * 10 / (steps * 10 + k10);
                (gap, age - steps * gap)
            }
            Life::Churned => {
                let k10 = self.int(50, 100);
                let gap = age * 10 / (steps * 10 + k10);
                match age - steps * gap {
                    since if since > 180 => (gap, since),
                    _ => {
                        let since = (181 + self.int(0, 60)).min(age);
                        ((age - since) / steps, since)
                    }
                }
            }
            _ => {
                let since = self.int(0, (age / steps).min(30));
                ((age - since) / steps, since)
            }
        };
        let last = sub_days(self.params.as_of, since);
        let mut days: Vec<NaiveDate> = (0..n)
            .map(|k| match k {
                0 => first,
                k if k == steps => last,
                k => {
                    let jitter = self.int(0, 2 * (gap / 3));
                    let day = add_days(first, k * gap + jitter).min(last);
                    sub_days(day, gap / 3).max(first)
                }
            })
            .collect();
        days.sort();
        days
    }

    fn purchases(&mut self, id: &Id, plan: &Plan, customer: &Customer, favourite: usize) -> Bought {
        let delivers = customer.tags.contains("需要送货");
        let mut bought = Bought {
            days: Vec::new(),
            totals: Vec::new(),
            favourite,
        };
        for day in self.purchase_days(plan) {
            let at = if day == plan.created.date() {
                plan.created
            } else {
                self.during_hours(day)
            };
            let items = self.line_items(favourite);
            let total: Money = items.iter().map(|i| i.amount).sum();
            let channel = if delivers && self.chance(600) {
                SaleChannel::Delivery
            } else {
                self.weighted(&[
                    (SaleChannel::Store, 88),
                    (SaleChannel::Online, 7),
                    (SaleChannel::Delivery, 5),
                ])
            };
            let staff = self.staff();
            let sale_id = self.id(at, staff);
            if self.chance(10) {
                self.refund(id, &sale_id, at, &items[0], staff);
            }
            let sale = Purchase {
                customer: id.clone(),
                at,
                total,
                items,
                staff: Some(self.devices[staff].clone()),
                channel,
                kind: PurchaseKind::Sale,
                corrects: None,
            };
            self.push(
                at,
                staff,
                What::Entry {
                    id: sale_id,
                    entry: Entry::Purchase(sale),
                },
            );
            bought.days.push(at);
            bought.totals.push(total);
        }
        bought
    }

    fn line_items(&mut self, favourite: usize) -> Vec<LineItem> {
        let count = self.weighted(&[(1, 55), (2, 30), (3, 15)]);
        (0..count)
            .map(|k| {
                let cat: &Category = &CATALOG[if k == 0 && self.chance(600) {
                    favourite
                } else {
                    self.category()
                }];
                let product = self.pick(cat.products);
                let quantity = self
                    .int(1, cat.max_quantity)
                    .min(self.int(1, cat.max_quantity));
                let mut amount = product.price * i64::from(quantity);
                if self.chance(80) {
                    amount -= amount / 10;
                }
                LineItem {
                    product: product.name.into(),
                    category: cat.name.into(),
                    quantity,
                    amount: Money(amount),
                }
            })
            .collect()
    }

    /// A refund of one line of a sale, a few days later (unless that is after the as-of date).
    fn refund(
        &mut self,
        customer: &Id,
        sale: &Id,
        sold: NaiveDateTime,
        item: &LineItem,
        staff: usize,
    ) {
        let day = add_days(sold.date(), self.int(1, 7));
        if day > self.params.as_of {
            return;
        }
        let at = self.during_hours(day);
        let id = self.id(at, staff);
        let line = LineItem {
            amount: -item.amount,
            ..item.clone()
        };
        let refund = Purchase {
            customer: customer.clone(),
            at,
            total: -item.amount,
            items: vec![line],
            staff: Some(self.devices[staff].clone()),
            channel: SaleChannel::Store,
            kind: PurchaseKind::Refund,
            corrects: Some(sale.clone()),
        };
        self.push(
            at,
            staff,
            What::Entry {
                id,
                entry: Entry::Purchase(refund),
            },
        );
    }

    // ---- visits, contacts, complaints, ledger ----

    fn visits(&mut self, id: &Id, plan: &Plan, bought: &Bought) {
        let count = match plan.life {
            Life::Visitor => self.int(1, 3),
            Life::Lead => 0,
            _ => (0..bought.days.len()).filter(|_| self.chance(70)).count() as u32,
        };
        for _ in 0..count {
            let day = self.day_between(plan.created.date(), self.params.as_of);
            let at = self.during_hours(day);
            let reason = self.weighted(&[
                (NotBoughtReason::Price, 25),
                (NotBoughtReason::OutOfStock, 15),
                (NotBoughtReason::JustLooking, 30),
                (NotBoughtReason::Size, 10),
                (NotBoughtReason::WillComeBack, 15),
                (NotBoughtReason::Other, 5),
            ]);
            let staff = self.staff();
            let visit = Visit {
                customer: id.clone(),
                on: day,
                note: String::new(),
                reason: Some(reason),
                staff: Some(self.devices[staff].clone()),
            };
            let entry_id = self.id(at, staff);
            self.push(
                at,
                staff,
                What::Entry {
                    id: entry_id,
                    entry: Entry::Visit(visit),
                },
            );
        }
    }

    fn contacts(&mut self, id: &Id, plan: &Plan) {
        let (lo, hi) = match plan.life {
            Life::Lead => (0, 1),
            Life::Loyal => (1, 4),
            Life::Regular => (0, 3),
            _ => (0, 2),
        };
        let count = self.int(lo, hi);
        let mut times: Vec<NaiveDateTime> = (0..count)
            .map(|_| {
                let day = self.day_between(plan.created.date(), self.params.as_of);
                self.during_hours(day)
            })
            .collect();
        times.sort();
        for at in times {
            let purpose = match plan.life {
                Life::Decliner | Life::Churned if self.chance(600) => Purpose::Reactivation,
                _ => self.weighted(&[
                    (Purpose::Rebuy, 30),
                    (Purpose::Birthday, 10),
                    (Purpose::ChildMilestone, 10),
                    (Purpose::NewProduct, 15),
                    (Purpose::EventInvite, 15),
                    (Purpose::HolidayGreeting, 10),
                    (Purpose::AfterSale, 8),
                    (Purpose::Points, 2),
                ]),
            };
            let outcome = self.weighted(&[
                (Outcome::Reached, 70),
                (Outcome::NoAnswer, 50),
                (Outcome::Positive, 50),
                (Outcome::Negative, 24),
                (Outcome::DoNotContact, 3),
            ]);
            let follow_up = matches!(
                outcome,
                Outcome::Reached | Outcome::NoAnswer | Outcome::Positive
            ) && self.chance(300);
            let channel = self.weighted(&[
                (ContactChannel::Wechat, 50),
                (ContactChannel::Phone, 30),
                (ContactChannel::Sms, 10),
                (ContactChannel::InPerson, 8),
                (ContactChannel::MailedSample, 2),
            ]);
            let staff = self.staff();
            let contact = Contact {
                customer: id.clone(),
                at,
                channel,
                purpose,
                template: None,
                outcome,
                next_follow_up: if follow_up {
                    Some(add_days(at.date(), self.int(3, 21)))
                } else {
                    None
                },
                staff: Some(self.devices[staff].clone()),
                note: String::new(),
            };
            let entry_id = self.id(at, staff);
            self.push(
                at,
                staff,
                What::Entry {
                    id: entry_id,
                    entry: Entry::Contact(contact),
                },
            );
            if outcome == Outcome::DoNotContact {
                let fields = Map::from_iter([("do_not_contact".to_owned(), Value::Bool(true))]);
                self.push(
                    at,
                    staff,
                    What::Fields {
                        kind: RecordKind::Customer,
                        id: id.clone(),
                        fields,
                    },
                );
                break;
            }
        }
    }

    /// Now and then a complaint after a purchase: opened, answered, resolved — each step an
    /// edit at its own time; recent ones may still be open.
    fn complaint(&mut self, id: &Id, bought: &Bought) {
        if bought.days.is_empty() || !self.chance(6) {
            return;
        }
        let sold = self.pick(&bought.days);
        let opened_day = add_days(sold.date(), self.int(0, 5)).min(self.params.as_of);
        let opened = self.during_hours(opened_day);
        let device = self.staff();
        let complaint_id = self.id(opened, device);
        let complaint = Complaint {
            customer: Some(id.clone()),
            opened_at: Some(opened),
            description: self
                .pick(&[
                    "奶粉罐有凹陷",
                    "纸尿裤漏尿",
                    "童装洗后褪色",
                    "送货晚了两天",
                    "店员态度不好",
                ])
                .into(),
            severity: self.weighted(&[
                (Severity::Low, 40),
                (Severity::Medium, 45),
                (Severity::High, 15),
            ]),
            ..Complaint::default()
        };
        let record = |f| What::Fields {
            kind: RecordKind::Complaint,
            id: complaint_id.clone(),
            fields: f,
        };
        self.push(opened, device, record(op::to_object(&complaint)));
        let end_of_day = self
            .params
            .as_of
            .and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default());
        if self.chance(100) {
            return;
        }
        let responded = opened + chrono::Duration::minutes(i64::from(self.int(10, 180)));
        if responded > end_of_day {
            return;
        }
        let mut answer = Map::new();
        answer.insert("first_response_at".into(), serde_json::json!(responded));
        answer.insert(
            "status".into(),
            serde_json::json!(ComplaintStatus::Responded),
        );
        self.push(responded, device, record(answer));
        let resolved = responded + chrono::Duration::days(i64::from(self.int(1, 5)));
        if resolved > end_of_day || self.chance(100) {
            return;
        }
        let mut resolution = Map::new();
        resolution.insert("resolved_at".into(), serde_json::json!(resolved));
        resolution.insert(
            "status".into(),
            serde_json::json!(ComplaintStatus::Resolved),
        );
        if self.chance(300) {
            resolution.insert(
                "compensation".into(),
                serde_json::json!(Money(i64::from(self.int(2, 10)) * 1000)),
            );
        }
        self.push(resolved, device, record(resolution));
    }

    /// Points for members, stored value for a few regulars (spent on the next purchases),
    /// and "top up 500, get 500 back as 10 monthly pickups of 50" for some of those.
    fn ledger(&mut self, id: &Id, plan: &Plan, customer: &Customer, bought: &Bought) {
        if customer.tags.contains("会员") {
            for (at, total) in bought.days.iter().zip(&bought.totals).take(30) {
                self.ledger_entry(
                    id,
                    *at,
                    LedgerKind::Points {
                        delta: total.minor() / 100,
                    },
                    "消费积分",
                );
            }
        }
        let saver = matches!(plan.life, Life::Regular | Life::Loyal)
            && bought.days.len() >= 2
            && self.chance(40);
        if !saver {
            return;
        }
        let first = self.int(0, u32::try_from(bought.days.len() - 2).unwrap_or(0)) as usize;
        let topped = bought.days[first];
        let mut balance = Money(50_000);
        self.ledger_entry(
            id,
            topped,
            LedgerKind::StoredValue { delta: balance },
            "充值",
        );
        for (at, total) in bought
            .days
            .iter()
            .zip(&bought.totals)
            .skip(first + 1)
            .take(3)
        {
            let spend = (*total).min(balance);
            if spend > Money::ZERO {
                balance = balance - spend;
                self.ledger_entry(
                    id,
                    *at,
                    LedgerKind::StoredValue { delta: -spend },
                    "储值消费",
                );
            }
        }
        if self.chance(330) {
            let due: Vec<NaiveDate> = (1..=10).map(|k| add_days(topped.date(), 30 * k)).collect();
            let reward = LedgerKind::ScheduledReward {
                description: "充500送500：每月领50元".into(),
                amount: Money(5_000),
                due: due.clone(),
            };
            let reward_id =
                self.ledger_entry(id, topped + chrono::Duration::minutes(1), reward, "");
            for day in due {
                let taken = add_days(day, self.int(0, 3));
                if taken <= self.params.as_of && self.chance(850) {
                    let at = self.during_hours(taken);
                    self.ledger_entry(
                        id,
                        at,
                        LedgerKind::Pickup {
                            reward: reward_id.clone(),
                            due: day,
                        },
                        "领取",
                    );
                }
            }
        }
    }

    /// Appends one ledger entry; returns its id.
    fn ledger_entry(
        &mut self,
        customer: &Id,
        at: NaiveDateTime,
        kind: LedgerKind,
        note: &str,
    ) -> Id {
        let staff = self.staff();
        let entry = LedgerEntry {
            customer: customer.clone(),
            at,
            kind,
            note: note.to_owned(),
            staff: Some(self.devices[staff].clone()),
        };
        let id = self.id(at, staff);
        self.push(
            at,
            staff,
            What::Entry {
                id: id.clone(),
                entry: Entry::Ledger(entry),
            },
        );
        id
    }

    // ---- stamping ----

    /// Turns the events, in time order, into ops stamped by their devices' clocks.
    fn stamp(mut self) -> Vec<Op> {
        self.events.sort_by_key(|e| e.at);
        let mut clocks: Vec<Clock> = self.nodes.iter().map(|&n| Clock::new(n)).collect();
        let mut ops = Vec::with_capacity(self.events.len() * 4);
        for event in self.events {
            let ms = unix_ms(event.at);
            let clock = &mut clocks[event.device];
            match event.what {
                What::Fields { kind, id, fields } => {
                    let sets = if kind == RecordKind::Customer {
                        <Customer as Record>::SETS
                    } else {
                        &[]
                    };
                    ops.extend(op::diff(clock, ms, kind, &id, &Map::new(), &fields, sets));
                }
                What::Entry { id, entry } => ops.push(Op::append(clock.tick(ms), id, &entry)),
            }
        }
        ops
    }
}
