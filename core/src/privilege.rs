//! Which changes only an owner may make: deleting a customer, changing the rules, the
//! templates, the shop or another device's record, erasing a customer's personal data. A
//! device declares the kinds its batch holds ([`crate::sync::PushBatch::privileged`]) so the
//! server can refuse a clerk's batch without reading it; devices receiving a clerk's batch
//! drop such changes too, in case a client declared nothing.

use crate::op::{Op, RecordKind};
use crate::sync::Privilege;

/// The privilege `op`, made by device `device`, needs (`None`: any device may make it).
pub fn of(op: &Op, device: &str) -> Option<Privilege> {
    let (kind, id, deletes) = match op {
        Op::Set { kind, id, .. } => (*kind, id, false),
        Op::Delete { kind, id, .. } => (*kind, id, true),
        Op::Erase { .. } => return Some(Privilege::Erase),
        Op::Append { .. } | Op::Foreign(_) => return None,
    };
    match kind {
        RecordKind::Customer if deletes => Some(Privilege::DeleteCustomer),
        RecordKind::Rules => Some(Privilege::Rules),
        RecordKind::Template => Some(Privilege::Templates),
        RecordKind::Shop => Some(Privilege::Staff),
        // A device names itself (its display name, at join); every other device record is
        // staff management.
        RecordKind::Device if id.as_str() != device || deletes => Some(Privilege::Staff),
        RecordKind::Customer
        | RecordKind::Complaint
        | RecordKind::Campaign
        | RecordKind::Device => None,
    }
}

/// The privileges a list of ops made by `device` needs, each once, in order.
pub fn needed(ops: &[Op], device: &str) -> Vec<Privilege> {
    let mut out: Vec<Privilege> = ops.iter().filter_map(|op| of(op, device)).collect();
    crate::sorting::sort(&mut out);
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hlc::Hlc;
    use crate::id::Id;
    use serde_json::json;

    fn set(kind: RecordKind, id: &str) -> Op {
        Op::Set {
            at: Hlc::ZERO,
            kind,
            id: Id::parse(id).unwrap(),
            field: "x".into(),
            value: json!(1),
        }
    }

    #[test]
    fn owner_only_changes_are_named() {
        let del = |kind| Op::Delete {
            at: Hlc::ZERO,
            kind,
            id: Id::parse("c").unwrap(),
        };
        assert_eq!(
            of(&del(RecordKind::Customer), "me"),
            Some(Privilege::DeleteCustomer)
        );
        assert_eq!(of(&set(RecordKind::Customer, "c"), "me"), None);
        assert_eq!(of(&del(RecordKind::Complaint), "me"), None);
        assert_eq!(
            of(&set(RecordKind::Rules, "rules"), "me"),
            Some(Privilege::Rules)
        );
        assert_eq!(
            of(&set(RecordKind::Template, "t"), "me"),
            Some(Privilege::Templates)
        );
        assert_eq!(
            of(&set(RecordKind::Device, "me"), "me"),
            None,
            "naming oneself"
        );
        assert_eq!(
            of(&set(RecordKind::Device, "other"), "me"),
            Some(Privilege::Staff)
        );
        assert_eq!(
            needed(
                &[
                    set(RecordKind::Rules, "r"),
                    set(RecordKind::Customer, "c"),
                    set(RecordKind::Rules, "r")
                ],
                "me"
            ),
            vec![Privilege::Rules]
        );
    }
}
