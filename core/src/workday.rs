//! Today is a day's work, not a backlog (SPEC §2): the day's [`Agenda`] shared out among the
//! shop's staff, at most the shop's daily capacity each ([`Rules::daily_capacity`]).
//!
//! - **Open complaints** are on every staff member's list, first, and do not count against
//!   anyone's capacity: whoever is at the counter answers within the hour (issue 9: "first on
//!   Today for every device of the shop").
//! - **Dated items** (a follow-up date, a pickup, a birthday, a child's date, a due date, a
//!   re-buy) come next, in the agenda's order (rank, then date).
//! - **Regular contact and reactivation** come last, by expected value: CLV × P(alive) when
//!   the shop's model has figures ([`Outlook`]), else the M score, else nothing (then the
//!   agenda's order).
//!
//! Each item goes to one staff member — the one who last served the customer (their latest
//! sale, visit or contact; with none, whoever added them) while they have room, else the one with the most room left, the
//! first in id order on a tie — so two clerks never call the same customer the same day and
//! the rest is spread evenly. Contacts a staff member already made today count against their
//! capacity, so finishing an item does not pull the next day's work forward. What does not fit
//! waits for the next days ([`Workday::waiting`]).
//!
//! The plan depends only on the book (the agenda, the staff's device records, the entries'
//! staff), so every synced device works out the same one.
//!
//! [`Rules::daily_capacity`]: crate::domain::Rules::daily_capacity

use crate::agenda::{Agenda, Reason};
use crate::id::Id;
use crate::predict::outlook::Outlook;
use crate::segment::Analysis;

/// The day's lists: which agenda items (by position in [`Agenda::items`]) each staff member
/// works.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Workday {
    staff: Vec<Id>,
    /// Per staff member (parallel to `staff`): their items, in the order they work them.
    lists: Vec<Vec<u32>>,
    /// Open complaints: on everyone's list.
    shared: Vec<u32>,
    /// Per staff member: customers whose latest contact they made today.
    done: Vec<u32>,
    capacity: u32,
    waiting: usize,
}

/// An item on its way to a list, with the staff member who last served its customer.
struct Pending {
    position: u32,
    preferred: Option<usize>,
}

impl Workday {
    /// Shares out `agenda` (worked out from `analysis`) among `staff` (device ids, any order;
    /// duplicates are ignored), `capacity` items each.
    pub fn plan(
        agenda: &Agenda,
        analysis: &Analysis,
        outlook: &Outlook,
        staff: &[Id],
        capacity: u32,
    ) -> Workday {
        let mut staff = staff.to_vec();
        crate::sorting::sort(&mut staff);
        staff.dedup();
        let history = &analysis.history;
        // History staff index → position in `staff`.
        let seat: Vec<Option<usize>> = history
            .staff
            .iter()
            .map(|id| staff.iter().position(|s| s.as_str() == id))
            .collect();
        let seat_of = |i: Option<u32>| i.and_then(|i| seat.get(i as usize).copied().flatten());
        let mut done = vec![0u32; staff.len()];
        for cust in &history.customers {
            if let Some(last) = &cust.last_contact
                && last.at.date() == analysis.as_of()
                && let Some(s) = seat_of(last.staff)
            {
                done[s] += 1;
            }
        }
        let mut shared = Vec::new();
        let mut dated = Vec::new();
        let mut regular = Vec::new();
        for (position, item) in agenda.items().enumerate() {
            let pending = Pending {
                position: position as u32,
                preferred: seat_of(history.customers[item.customer].served_by),
            };
            match item.top() {
                Reason::Complaint { .. } => shared.push(position as u32),
                Reason::Reactivation { .. } | Reason::Cadence { .. } => {
                    let value = outlook
                        .get(item.customer)
                        .map(|p| p.expected_value())
                        .or_else(|| {
                            let rfm = analysis.segments[item.customer].rfm.as_ref()?;
                            Some(f64::from(rfm.m))
                        })
                        .unwrap_or(0.0);
                    regular.push((value, pending));
                }
                _ => dated.push(pending),
            }
        }
        // Highest value first; the agenda's order on a tie.
        crate::sorting::sort_by(&mut regular, |a, b| {
            b.0.total_cmp(&a.0).then(a.1.position.cmp(&b.1.position))
        });
        let mut room: Vec<u32> = done.iter().map(|d| capacity.saturating_sub(*d)).collect();
        let mut lists = vec![Vec::new(); staff.len()];
        let mut waiting = 0;
        for pending in dated.into_iter().chain(regular.into_iter().map(|(_, p)| p)) {
            let most_room = (0..staff.len())
                .filter(|&s| room[s] > 0)
                .max_by_key(|&s| (room[s], std::cmp::Reverse(s)));
            match pending.preferred.filter(|&s| room[s] > 0).or(most_room) {
                Some(s) => {
                    room[s] -= 1;
                    lists[s].push(pending.position);
                }
                None => waiting += 1,
            }
        }
        Workday {
            staff,
            lists,
            shared,
            done,
            capacity,
            waiting,
        }
    }

    /// The staff members, in id order.
    pub fn staff(&self) -> &[Id] {
        &self.staff
    }

    /// One staff member's list: the open complaints, then their own items, as positions in
    /// [`Agenda::items`] (empty for someone not on the staff).
    pub fn list_of(&self, staff: &Id) -> Vec<u32> {
        let own = self
            .staff
            .iter()
            .position(|s| s == staff)
            .map_or(&[][..], |s| &self.lists[s][..]);
        self.shared.iter().chain(own).copied().collect()
    }

    /// Who works the item at `position` of the agenda: `None` for an open complaint (everyone)
    /// or an item that waits.
    pub fn assignee(&self, position: u32) -> Option<&Id> {
        self.lists
            .iter()
            .position(|list| list.contains(&position))
            .map(|s| &self.staff[s])
    }

    /// How many of their customers a staff member has contacted today.
    pub fn done_by(&self, staff: &Id) -> u32 {
        self.staff
            .iter()
            .position(|s| s == staff)
            .map_or(0, |s| self.done[s])
    }

    /// The items on nobody's list today: they wait for the next days.
    pub fn waiting(&self) -> usize {
        self.waiting
    }

    /// The open complaints (on everyone's list).
    pub fn shared(&self) -> &[u32] {
        &self.shared
    }

    /// Follow-ups a staff member works in a day.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }
}
