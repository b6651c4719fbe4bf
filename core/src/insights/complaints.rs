//! A customer's complaints, for the card's complaints section and its history.

use crate::book::Book;
use crate::domain::Complaint;
use crate::id::Id;
use crate::op::RecordKind;

/// The live complaints about `customer`, the latest opened first.
pub fn of_customer(book: &Book, customer: &Id) -> Vec<(Id, Complaint)> {
    let mut all: Vec<(Id, Complaint)> = book
        .records(RecordKind::Complaint)
        .filter(|(_, s)| s.deleted.is_none())
        .filter(|(_, s)| {
            s.fields
                .get("customer")
                .is_some_and(|r| r.value.as_str() == Some(customer.as_str()))
        })
        .filter_map(|(id, s)| Some((id.clone(), s.decode::<Complaint>().ok()?)))
        .collect();
    crate::sorting::sort_by_key(&mut all, |(_, c)| std::cmp::Reverse(c.opened_at));
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replica::Replica;
    use chrono::NaiveDate;

    #[test]
    fn a_customer_s_live_complaints_latest_first() {
        let mut replica = Replica::new("device".into());
        let (wang, zhao) = (Id::v7(1, [1; 10]), Id::v7(2, [1; 10]));
        let at = |d: u32| NaiveDate::from_ymd_opt(2026, 3, d).and_then(|d| d.and_hms_opt(10, 0, 0));
        let mut open = |n: u64, customer: &Id, day: u32, what: &str| {
            let id = Id::v7(100 + n, [2; 10]);
            let complaint = Complaint {
                customer: Some(customer.clone()),
                opened_at: at(day),
                description: what.into(),
                ..Complaint::default()
            };
            let journal = replica.plan_edit(100 + n, &id, None, &complaint).unwrap();
            replica.commit(&journal);
            id
        };
        let first = open(1, &wang, 2, "奶粉结块");
        let _other = open(2, &zhao, 3, "等太久");
        let second = open(3, &wang, 5, "送错货");
        let found = of_customer(replica.book(), &wang);
        let ids: Vec<&Id> = found.iter().map(|(id, _)| id).collect();
        assert_eq!(ids, [&second, &first]);
        assert_eq!(found[0].1.description, "送错货");
        let journal = replica
            .plan_delete(200, RecordKind::Complaint, second)
            .unwrap();
        replica.commit(&journal);
        assert_eq!(of_customer(replica.book(), &wang).len(), 1);
    }
}
