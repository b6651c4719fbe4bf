//! The synthetic shop generator: deterministic, the requested sizes, and a realistic shop.

use chrono::{Datelike, NaiveDate};
use huike_core::book::Book;
use huike_core::domain::{
    Complaint, ComplaintStatus, Customer, Entry, LedgerKind, Outcome, PurchaseKind,
};
use huike_core::id::Id;
use huike_core::op::{Op, RecordKind};
use huike_core::synth::{self, Params};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

/// One mid-sized shop shared by the tests (generation takes a moment in debug builds).
fn shop() -> &'static (Params, Vec<Op>, Book) {
    static SHOP: OnceLock<(Params, Vec<Op>, Book)> = OnceLock::new();
    SHOP.get_or_init(|| {
        let params = Params::new(42, 2_000, 20_000);
        let ops = params.ops();
        let mut book = Book::new();
        for op in &ops {
            book.apply(op);
        }
        (params, ops, book)
    })
}

fn customers(book: &Book) -> BTreeMap<Id, Customer> {
    book.records(RecordKind::Customer)
        .map(|(id, s)| (id.clone(), s.decode().expect("decodes")))
        .collect()
}

/// Per customer: the distinct days of their sales.
fn sale_days(book: &Book) -> HashMap<Id, BTreeSet<NaiveDate>> {
    let mut days: HashMap<Id, BTreeSet<NaiveDate>> = HashMap::new();
    for (_, e) in book.decoded_entries() {
        if let Entry::Purchase(p) = e
            && p.kind == PurchaseKind::Sale
        {
            days.entry(p.customer.clone())
                .or_default()
                .insert(p.at.date());
        }
    }
    days
}

#[test]
fn the_same_seed_gives_the_same_ops_and_another_seed_does_not() {
    let a = Params::new(7, 150, 1_200).ops();
    let b = Params::new(7, 150, 1_200).ops();
    let c = Params::new(8, 150, 1_200).ops();
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    assert_ne!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&c).unwrap()
    );
    assert_eq!(
        synth::generate(7, 150, 1_200),
        Params::new(7, 150, 1_200).book()
    );
}

#[test]
fn the_book_has_the_requested_customers_and_sales() {
    let (params, _, book) = shop();
    assert_eq!(customers(book).len(), params.customers);
    let (mut sales, mut refunds) = (0, 0);
    for (_, e) in book.decoded_entries() {
        if let Entry::Purchase(p) = e {
            match p.kind {
                PurchaseKind::Sale => sales += 1,
                PurchaseKind::Refund => refunds += 1,
                PurchaseKind::Adjustment => {}
            }
        }
    }
    assert_eq!(sales, params.purchases);
    assert!(
        (50..=400).contains(&refunds),
        "about 1% refunds, got {refunds}"
    );
}

#[test]
fn sizes_that_do_not_divide_evenly_and_tiny_shops_still_get_exact_counts() {
    for (customers, purchases) in [(37, 211), (5, 0), (0, 0), (300, 10)] {
        let book = Params::new(3, customers, purchases).book();
        assert_eq!(book.records(RecordKind::Customer).count(), customers);
        let sales = book
            .decoded_entries()
            .filter(|(_, e)| matches!(e, Entry::Purchase(p) if p.kind == PurchaseKind::Sale))
            .count();
        assert_eq!(
            sales, purchases,
            "{customers} customers, {purchases} purchases"
        );
    }
}

#[test]
fn phone_numbers_are_unique_mainland_mobiles() {
    let (_, _, book) = shop();
    let all = customers(book);
    let phones: Vec<&String> = all.values().flat_map(|c| &c.phones).collect();
    let unique: HashSet<&&String> = phones.iter().collect();
    assert_eq!(unique.len(), phones.len(), "no number is shared");
    for p in &phones {
        assert_eq!(p.len(), 11, "{p}");
        assert!(
            p.starts_with('1') && p.bytes().all(|b| b.is_ascii_digit()),
            "{p}"
        );
    }
    let with_phone = all.values().filter(|c| !c.phones.is_empty()).count();
    assert!(
        with_phone * 100 >= all.len() * 90,
        "most customers left a number"
    );
    assert!(all.values().any(|c| c.phones.len() == 2), "some left two");
}

#[test]
fn entries_are_consistent_with_the_customers_and_the_as_of_date() {
    let (params, _, book) = shop();
    let all = customers(book);
    let sales: HashMap<Id, huike_core::domain::Purchase> = book
        .decoded_entries()
        .filter_map(|(id, e)| match e {
            Entry::Purchase(p) if p.kind == PurchaseKind::Sale => Some((id, p)),
            _ => None,
        })
        .collect();
    for (_, e) in book.decoded_entries() {
        assert!(
            all.contains_key(e.customer()),
            "entry of an unknown customer"
        );
        let day = match &e {
            Entry::Purchase(p) => {
                assert_eq!(
                    p.total,
                    p.items.iter().map(|i| i.amount).sum(),
                    "total is the sum of the lines"
                );
                match p.kind {
                    PurchaseKind::Sale => assert!(p.total.minor() > 0 && !p.items.is_empty()),
                    _ => {
                        assert!(p.total.minor() < 0);
                        let sale = &sales[p.corrects.as_ref().expect("a refund names its sale")];
                        assert_eq!(sale.customer, p.customer);
                        assert!(sale.at < p.at);
                    }
                }
                p.at.date()
            }
            Entry::Visit(v) => v.on,
            Entry::Contact(c) => c.at.date(),
            Entry::Ledger(l) => l.at.date(),
        };
        assert!(day <= params.as_of, "nothing happens after the as-of date");
        let created = all[e.customer()].created_at.expect("created_at").date();
        assert!(
            day >= created,
            "nothing happens before the customer was added"
        );
    }
}

#[test]
fn the_lifecycle_mix_has_every_kind_of_customer() {
    let (params, _, book) = shop();
    let all = customers(book);
    let days = sale_days(book);
    let visited: HashSet<Id> = book
        .decoded_entries()
        .filter(|(_, e)| matches!(e, Entry::Visit(_)))
        .map(|(_, e)| e.customer().clone())
        .collect();
    let count = |f: &dyn Fn(&Id) -> bool| all.keys().filter(|id| f(id)).count();
    let n_days = |id: &Id| days.get(id).map_or(0, BTreeSet::len);
    let since = |id: &Id| {
        days.get(id)
            .and_then(|d| d.last())
            .map(|last| (params.as_of - *last).num_days())
    };
    let leads = count(&|id| n_days(id) == 0 && !visited.contains(id));
    let visitors = count(&|id| n_days(id) == 0 && visited.contains(id));
    let one_time = count(&|id| n_days(id) == 1);
    let regulars = count(&|id| n_days(id) >= 4 && since(id).is_some_and(|s| s <= 30));
    let churned = count(&|id| n_days(id) >= 2 && since(id).is_some_and(|s| s > 180));
    let n = all.len();
    for (what, got, lo, hi) in [
        ("leads", leads, 2, 12),
        ("visitors", visitors, 5, 16),
        ("one-time buyers", one_time, 15, 35),
        ("recent regulars", regulars, 15, 45),
        ("churned repeat buyers", churned, 5, 25),
    ] {
        assert!(
            got * 100 >= n * lo && got * 100 <= n * hi,
            "{what}: {got} of {n}"
        );
    }
}

#[test]
fn profiles_look_like_a_mother_and_baby_shops() {
    let (params, _, book) = shop();
    let all = customers(book);
    assert!(
        all.values()
            .all(|c| !c.name.is_empty() && c.created_at.is_some() && c.created_by.is_some())
    );
    assert!(
        all.values().any(|c| c.name.ends_with("妈妈")),
        "some are recorded as X妈妈"
    );
    let compound = [
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟", "长孙",
    ];
    assert!(
        all.values()
            .any(|c| compound.iter().any(|s| c.name.starts_with(s))),
        "compound surnames"
    );
    assert!(
        all.values().any(|c| c.name.starts_with('曾')),
        "polyphonic surnames"
    );
    let women = all
        .values()
        .filter(|c| c.gender == Some(huike_core::domain::Gender::Female))
        .count();
    assert!(women * 100 > all.len() * 75, "mostly mothers: {women}");
    assert!(
        all.values()
            .any(|c| c.birthday.is_some_and(|b| b.month() == 2 && b.day() == 29)),
        "leap-day birthdays"
    );
    let kids = all.values().flat_map(|c| &c.children);
    let (mut born, mut due) = (0, 0);
    for k in kids {
        born += usize::from(k.birthday.is_some());
        due += usize::from(k.due_date.is_some_and(|d| d > params.as_of));
    }
    assert!(
        born > all.len() / 2 && due > 0,
        "children born {born}, expected {due}"
    );
    assert!(
        all.values().filter(|c| !c.wechat.is_empty()).count() * 2 > all.len(),
        "most have WeChat"
    );
    assert!(
        all.values().filter(|c| !c.tags.is_empty()).count() * 2 > all.len(),
        "most are tagged"
    );
    assert!(all.values().any(|c| c.vip));
}

#[test]
fn referrers_were_added_earlier_and_form_chains() {
    let (_, _, book) = shop();
    let all = customers(book);
    let mut referred = 0;
    for c in all.values() {
        if let Some(r) = &c.referrer {
            referred += 1;
            assert!(
                all[r].created_at <= c.created_at,
                "a referrer was a customer first"
            );
        }
    }
    assert!(referred * 100 > all.len() * 8, "referrals: {referred}");
    let chain = all.values().any(|c| {
        c.referrer
            .as_ref()
            .is_some_and(|r| all[r].referrer.is_some())
    });
    assert!(chain, "someone referred was referred");
}

#[test]
fn do_not_contact_customers_asked_for_it_and_follow_ups_are_scheduled() {
    let (_, _, book) = shop();
    let all = customers(book);
    let asked: HashSet<Id> = book
        .decoded_entries()
        .filter(|(_, e)| matches!(e, Entry::Contact(c) if c.outcome == Outcome::DoNotContact))
        .map(|(_, e)| e.customer().clone())
        .collect();
    let dnc: HashSet<Id> = all
        .iter()
        .filter(|(_, c)| c.do_not_contact)
        .map(|(id, _)| (*id).clone())
        .collect();
    assert!(!dnc.is_empty());
    assert_eq!(dnc, asked);
    let follow_ups = book
        .decoded_entries()
        .filter(|(_, e)| matches!(e, Entry::Contact(c) if c.next_follow_up.is_some()))
        .count();
    assert!(follow_ups > 0);
}

#[test]
fn complaints_and_ledger_entries_are_there_and_consistent() {
    let (_, _, book) = shop();
    let complaints: Vec<Complaint> = book
        .records(RecordKind::Complaint)
        .map(|(_, s)| s.decode().unwrap())
        .collect();
    assert!(!complaints.is_empty());
    assert!(
        complaints
            .iter()
            .any(|c| c.status == ComplaintStatus::Resolved && c.resolved_at.is_some())
    );
    for c in &complaints {
        if let (Some(opened), Some(first)) = (c.opened_at, c.first_response_at) {
            assert!(first > opened);
        }
    }
    let rewards: HashSet<Id> = book
        .decoded_entries()
        .filter(|(_, e)| matches!(e, Entry::Ledger(l) if matches!(l.kind, LedgerKind::ScheduledReward { .. })))
        .map(|(id, _)| id)
        .collect();
    let mut kinds = HashSet::new();
    for (_, e) in book.decoded_entries() {
        if let Entry::Ledger(l) = e {
            kinds.insert(std::mem::discriminant(&l.kind));
            if let LedgerKind::Pickup { reward, .. } = &l.kind {
                assert!(rewards.contains(reward), "a pickup settles a known reward");
            }
        }
    }
    assert_eq!(kinds.len(), 4, "points, stored value, rewards and pickups");
}

#[test]
fn each_devices_stamps_increase_in_op_order() {
    let (_, ops, _) = shop();
    let mut last = HashMap::new();
    for op in ops {
        let at = op.at();
        if let Some(prev) = last.insert(at.n, at) {
            assert!(prev < at);
        }
    }
    assert_eq!(last.len(), 3, "three devices");
}
