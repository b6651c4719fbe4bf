//! Who brought whom (SPEC §1 Customer, `referrer`): the customers a customer referred, for the
//! card's **Referrals** (介绍的顾客) beside its **Referred by** (介绍人).

use crate::book::Book;
use crate::id::Id;
use crate::op::RecordKind;
use serde_json::Value;

/// The live customers whose referrer is `referrer`, in id order (the order they were added).
/// Reads the one field of each customer, not the whole record: a scan of 20,000 customers
/// stays well under a frame.
pub fn referrals(book: &Book, referrer: &Id) -> Vec<Id> {
    book.records(RecordKind::Customer)
        .filter(|(_, state)| state.deleted.is_none())
        .filter(|(_, state)| {
            matches!(state.field("referrer"), Some(Value::String(r)) if r == referrer.as_str())
        })
        .map(|(id, _)| id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Customer;
    use crate::replica::Replica;

    #[test]
    fn a_customer_s_referrals_are_the_live_customers_naming_them() {
        let mut replica = Replica::new("device".into());
        let mut add = |name: &str, referrer: Option<&Id>, at: u64| {
            let id = Id::v7(at, [1; 10]);
            let customer = Customer {
                name: name.into(),
                referrer: referrer.cloned(),
                ..Customer::default()
            };
            let journal = replica.plan_edit(at, &id, None, &customer).unwrap();
            replica.commit(&journal);
            id
        };
        let wang = add("王芳", None, 1_000);
        let zhao = add("赵敏", Some(&wang), 2_000);
        let qian = add("钱七", Some(&wang), 3_000);
        let _sun = add("孙八", Some(&zhao), 4_000);
        assert_eq!(
            referrals(replica.book(), &wang),
            [zhao.clone(), qian.clone()]
        );
        assert_eq!(referrals(replica.book(), &qian), Vec::<Id>::new());
        let journal = replica
            .plan_delete(5_000, RecordKind::Customer, qian.clone())
            .unwrap();
        replica.commit(&journal);
        assert_eq!(referrals(replica.book(), &wang), [zhao]);
    }
}
