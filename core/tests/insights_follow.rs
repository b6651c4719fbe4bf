//! What the app keeps beside the book (ledger and search index), following the replica's
//! deltas one change at a time, answers exactly as a fresh read of the final book does: the
//! same analysis, the same follow-ups, the same search results.

use chrono::NaiveDate;
use huike_core::domain::{Customer, Entry, Purchase, PurchaseKind, SaleChannel};
use huike_core::hlc::Hlc;
use huike_core::id::Id;
use huike_core::insights::Insights;
use huike_core::op::{Op, RecordKind};
use huike_core::replica::Replica;
use huike_core::synth::Params;

const QUERIES: [&str; 8] = ["z", "zhang", "王", "wf", "138", "0", "wxid", "奶粉"];

fn assert_same(followed: &Insights, replica: &Replica, day: NaiveDate) {
    let fresh = Insights::read(replica.book());
    let (a, b) = (followed.today(day, None), fresh.today(day, None));
    assert_eq!(
        serde_json::to_value(&a.analysis).unwrap(),
        serde_json::to_value(&b.analysis).unwrap()
    );
    assert_eq!(a.agenda, b.agenda);
    assert!(!a.agenda.is_empty(), "a shop this size has follow-ups");
    for q in QUERIES {
        assert_eq!(followed.search(q, 50), fresh.search(q, 50), "query {q:?}");
    }
    let (x, y) = (followed.roster(), fresh.roster());
    assert_eq!(x.len(), y.len());
    assert!(
        (0..x.len()).all(|i| x.at(i) == y.at(i)),
        "the same list in the same order"
    );
    assert_eq!(x.counts(day), y.counts(day));
}

/// A device that opened its book with the first `opened` ops of a synthetic shop in it, then
/// followed the rest change by change.
fn followed(params: &Params, opened: usize) -> (Replica, Insights) {
    let mut replica = Replica::new("device".into());
    let ops = params.ops();
    let (first, rest) = ops.split_at(opened.min(ops.len()));
    replica.local(first.to_vec());
    let mut insights = Insights::read(replica.book());
    for op in rest {
        let delta = replica.local(vec![op.clone()]);
        insights.follow(replica.book(), &delta);
    }
    (replica, insights)
}

#[test]
fn an_image_of_the_views_answers_like_them_and_follows_on() {
    let params = Params::new(11, 300, 3_000);
    let ops = params.ops();
    let (first, rest) = ops.split_at(ops.len() / 2);
    let mut replica = Replica::new("device".into());
    replica.local(first.to_vec());
    let mut views = Insights::read(replica.book());
    let image = views.write_image();
    let mut stored = Insights::read_image(&image).expect("the image reads");
    assert_eq!(stored.clone().write_image(), image, "an image is stable");
    for op in rest {
        let delta = replica.local(vec![op.clone()]);
        stored.follow(replica.book(), &delta);
    }
    assert_same(&stored, &replica, params.as_of);
    assert!(Insights::read_image(&image[..image.len() - 1]).is_err());
    assert!(Insights::read_image(b"HKI9").is_err());
}

#[test]
fn an_image_read_a_few_facts_at_a_time_is_the_image_read_at_once() {
    let params = Params::new(12, 200, 2_000);
    let mut replica = Replica::new("device".into());
    replica.local(params.ops());
    let image = Insights::read(replica.book()).write_image();
    let mut reader = huike_core::insights::ImageReader::with_step(&image, 97).expect("an image");
    let mut steps = 0;
    let mut read = loop {
        steps += 1;
        if let Some(views) = reader.step().expect("the image reads") {
            break views;
        }
    };
    assert!(steps > 20, "the facts were read in slices ({steps} steps)");
    assert_eq!(read.write_image(), image);
    assert_same(&read, &replica, params.as_of);
}

#[test]
fn an_image_written_while_the_views_follow_changes_reads_back_right_after_a_replay() {
    let params = Params::new(13, 200, 2_000);
    let ops = params.ops();
    let (first, rest) = ops.split_at(ops.len() / 2);
    let mut replica = Replica::new("device".into());
    replica.local(first.to_vec());
    let mut views = Insights::read(replica.book());
    // The ledger is written, then changes land before the index and list are.
    let mut writer = huike_core::insights::ImageWriter::new();
    assert!(!writer.step(&mut views));
    let mut deltas = Vec::new();
    for op in rest {
        let delta = replica.local(vec![op.clone()]);
        views.follow(replica.book(), &delta);
        deltas.push(delta);
    }
    while !writer.step(&mut views) {}
    let mut stored = Insights::read_image(&writer.finish()).expect("the image reads");
    // The next start replays every change stored after the snapshot began.
    for delta in &deltas {
        stored.follow(replica.book(), delta);
    }
    assert_same(&stored, &replica, params.as_of);
}

#[test]
fn the_day_worked_out_in_parts_is_the_day_worked_out_at_once() {
    let params = Params::new(15, 300, 3_000);
    let mut replica = Replica::new("device".into());
    replica.local(params.ops());
    let views = Insights::read(replica.book());
    let mut work = huike_core::insights::TodayWork::new(params.as_of, None);
    let mut steps = 1;
    while !work.step(&views) {
        if let Some(analysis) = work.needs_outlook() {
            let outlook = huike_core::predict::outlook::Outlook::of(analysis);
            work.give_outlook(outlook);
        }
        steps += 1;
    }
    assert_eq!(
        steps, 3,
        "histories; grades (then the model's figures, given); follow-ups"
    );
    let today = work.finish().expect("worked out");
    assert!(!today.agenda.is_empty());
    // Without the model's figures the work waits for them.
    let mut waiting = huike_core::insights::TodayWork::new(params.as_of, None);
    for _ in 0..5 {
        assert!(!waiting.step(&views));
    }
    assert!(waiting.needs_outlook().is_some());
    assert_eq!(today, views.today(params.as_of, None));
}

#[test]
fn reading_in_slices_equals_reading_at_once() {
    let params = Params::new(14, 250, 2_500);
    let mut replica = Replica::new("device".into());
    replica.local(params.ops());
    for budget in [9, 100] {
        let mut reader = huike_core::insights::InsightsReader::new(replica.book());
        let mut steps = 0;
        while !reader.step(replica.book(), budget) {
            steps += 1;
        }
        assert!(
            steps > 2_500 / budget.max(100),
            "the work was cut in slices"
        );
        assert_same(&reader.finish(), &replica, params.as_of);
    }
}

#[test]
fn following_a_change_twice_changes_nothing() {
    // As when a device restarts from views stored after some of its journal was written.
    let params = Params::new(12, 200, 2_000);
    let mut replica = Replica::new("device".into());
    let mut insights = Insights::read(replica.book());
    for op in params.ops() {
        let delta = replica.local(vec![op]);
        insights.follow(replica.book(), &delta);
        insights.follow(replica.book(), &delta);
    }
    assert_same(&insights, &replica, params.as_of);
}

#[test]
fn following_every_delta_equals_reading_the_final_book() {
    let params = Params::new(5, 400, 4_000);
    // Half the shop already on the device when it opens, the rest arriving change by change.
    let (mut replica, mut insights) = followed(&params, params.ops().len() / 2);
    assert_same(&insights, &replica, params.as_of);

    // A renamed customer is found by the new name only; a deleted one disappears.
    let (id, state) = replica
        .book()
        .records(RecordKind::Customer)
        .nth(3)
        .expect("a customer");
    let (id, mut customer): (Id, Customer) = (id.clone(), state.decode().expect("decodes"));
    let before = customer.clone();
    customer.name = "欧阳娜娜".into();
    let delta = replica.edit(1_800_000_000_000, &id, Some(&before), &customer);
    insights.follow(replica.book(), &delta);
    assert_eq!(
        insights.search("oyn", 5).hits.first().map(|h| &h.id),
        Some(&id)
    );
    let gone = replica
        .book()
        .records(RecordKind::Customer)
        .nth(7)
        .map(|(id, _)| id.clone())
        .expect("a customer");
    let delta = replica.delete(1_800_000_000_001, RecordKind::Customer, gone.clone());
    insights.follow(replica.book(), &delta);
    assert!(
        insights
            .today(params.as_of, None)
            .analysis
            .index_of(&gone)
            .is_none()
    );
    assert_same(&insights, &replica, params.as_of);
}

#[test]
fn an_entry_replaced_under_its_id_is_followed_as_a_replacement() {
    let params = Params::new(9, 200, 2_000);
    let mut replica = Replica::new("device-b".into());
    replica.local(params.ops());
    let mut insights = Insights::read(replica.book());
    let (entry_id, customer) = replica
        .book()
        .entries()
        .find_map(|stored| {
            let e = stored.decode()?;
            matches!(&e, Entry::Purchase(p) if p.kind == PurchaseKind::Sale)
                .then(|| (Id::parse(stored.id).unwrap(), e.customer().clone()))
        })
        .expect("a sale");
    let other = replica
        .book()
        .records(RecordKind::Customer)
        .map(|(id, _)| id.clone())
        .find(|id| *id != customer)
        .expect("another customer");
    let entry = Entry::Purchase(Purchase {
        customer: other,
        at: params.as_of.and_hms_opt(10, 0, 0).expect("a time"),
        total: huike_core::domain::Money(12_300),
        items: vec![],
        staff: None,
        channel: SaleChannel::Store,
        kind: PurchaseKind::Sale,
        corrects: None,
    });
    let delta = replica.local(vec![Op::Append {
        at: Hlc {
            ms: u64::MAX / 2,
            c: 0,
            n: 1,
        },
        id: entry_id.clone(),
        entry: entry.into(),
    }]);
    assert!(delta.replaced.contains(&entry_id));
    insights.follow(replica.book(), &delta);
    assert_same(&insights, &replica, params.as_of);
}

/// When an entry happened (a visit: its day at midnight), as the timeline orders them.
fn when(entry: &Entry) -> chrono::NaiveDateTime {
    match entry {
        Entry::Purchase(p) => p.at,
        Entry::Visit(v) => v.on.and_time(chrono::NaiveTime::MIN),
        Entry::Contact(c) => c.at,
        Entry::Ledger(l) => l.at,
    }
}

#[test]
fn a_customers_timeline_is_every_entry_of_theirs_latest_first() {
    let params = Params::new(13, 300, 3_000);
    let (replica, insights) = followed(&params, params.ops().len() / 3);
    let mut checked = 0;
    for (customer, _) in replica.book().records(RecordKind::Customer).step_by(17) {
        let mut expected: Vec<(Id, chrono::NaiveDateTime)> = replica
            .book()
            .entries()
            .map(|e| (Id::parse(e.id).unwrap(), e.decode().unwrap()))
            .filter(|(_, e)| e.customer() == customer)
            .map(|(id, e)| (id, when(&e)))
            .collect();
        expected.sort_by(|a, b| (b.1, &b.0).cmp(&(a.1, &a.0)));
        let timeline: Vec<(Id, chrono::NaiveDateTime)> = insights
            .timeline(replica.book(), customer)
            .into_iter()
            .map(|(id, e)| (id, when(&e)))
            .collect();
        assert_eq!(timeline, expected);
        checked += usize::from(!expected.is_empty());
    }
    assert!(checked > 5, "customers with entries were checked");
    let nobody = Id::parse("no-such-customer").unwrap();
    assert!(insights.timeline(replica.book(), &nobody).is_empty());
}

#[test]
fn the_team_is_the_book_s_shop_and_devices_and_survives_the_image() {
    let params = Params::new(3, 60, 400);
    let book = params.book();
    let mut views = Insights::read(&book);
    let team = views.team().clone();
    // The reference: the records decoded whole.
    let devices: Vec<(Id, huike_core::domain::Device)> = book
        .records(RecordKind::Device)
        .map(|(id, s)| (id.clone(), s.decode().unwrap()))
        .collect();
    assert_eq!(team.devices, devices);
    assert_eq!(
        team.devices.len(),
        3,
        "the synthetic shop's owner and two clerks"
    );
    let shop: huike_core::domain::Shop = book
        .records(RecordKind::Shop)
        .map(|(_, s)| s.decode().unwrap())
        .next()
        .unwrap();
    assert_eq!(team.shop, shop);
    assert_eq!(team.working().count(), 3);
    let (first, device) = &team.devices[0];
    assert_eq!(
        team.name_of(first.as_str()),
        Some(device.display_name.as_str())
    );
    let image = views.write_image();
    assert_eq!(Insights::read_image(&image).unwrap().team(), &team);
}
