//! A customer's history on their card: purchases, visits, contacts, points and stored value,
//! and complaints, latest first — in a module of its own fetched the first time a card opens.

use super::contact_form::purpose_name;
use super::visit_form::reason_name;
use crate::i18n::{Lang, Texts};
use crate::state::use_app;
use huike_core::domain::{Complaint, ComplaintStatus, Entry, LedgerKind, Money, PurchaseKind};
use huike_core::id::Id;
use huike_core::insights::complaints::of_customer;
use leptos::prelude::*;

/// One line of the history, ready to show.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Line {
    id: String,
    day: String,
    what: String,
    amount: String,
}

impl Line {
    fn of(id: &Id, entry: &Entry, t: &Texts, en: bool) -> Line {
        let (day, what, amount) = match entry {
            Entry::Purchase(p) => {
                let names: Vec<&str> = p
                    .items
                    .iter()
                    .map(|l| {
                        if l.product.is_empty() {
                            l.category.as_str()
                        } else {
                            l.product.as_str()
                        }
                    })
                    .filter(|n| !n.is_empty())
                    .collect();
                let what = match p.kind {
                    PurchaseKind::Sale if names.is_empty() => t.purchase.to_owned(),
                    PurchaseKind::Sale => names.join("、"),
                    PurchaseKind::Refund => t.refund.to_owned(),
                    PurchaseKind::Adjustment => t.adjustment.to_owned(),
                };
                (p.at.date(), what, p.total.with_sign("¥"))
            }
            Entry::Visit(v) => {
                let why = v
                    .reason
                    .map(|r| format!(" · {}", reason_name(r, en)))
                    .unwrap_or_default();
                (v.on, format!("{}{why}", t.visit), String::new())
            }
            Entry::Contact(c) => (
                c.at.date(),
                format!("{} · {}", t.contact, purpose_name(c.purpose, en)),
                String::new(),
            ),
            Entry::Ledger(l) => {
                let (what, amount) = match &l.kind {
                    LedgerKind::Points { delta } => (t.points.to_owned(), format!("{delta:+}")),
                    LedgerKind::StoredValue { delta } if *delta >= Money::ZERO => {
                        (t.top_up.to_owned(), delta.with_sign("¥"))
                    }
                    LedgerKind::StoredValue { delta } => (t.spend.to_owned(), delta.with_sign("¥")),
                    LedgerKind::ScheduledReward {
                        description,
                        amount,
                        due,
                    } => (
                        format!("{} · {description}", t.pickup_plan),
                        format!("{} × {}", amount.with_sign("¥"), due.len()),
                    ),
                    LedgerKind::Pickup { due, .. } => {
                        (format!("{} · {due}", t.picked_up), String::new())
                    }
                };
                (l.at.date(), what, amount)
            }
        };
        Line {
            id: id.to_string(),
            day: day.to_string(),
            what,
            amount,
        }
    }

    /// A complaint's line: what happened and where it stands, with the compensation given.
    fn complaint(id: &Id, c: &Complaint, t: &Texts) -> Line {
        let status = match c.status {
            ComplaintStatus::Resolved => t.resolved,
            _ if c.first_response_at.is_some() => t.replied,
            _ => t.awaiting_reply,
        };
        Line {
            id: id.to_string(),
            day: c
                .opened_at
                .map(|at| at.date().to_string())
                .unwrap_or_default(),
            what: format!("{} · {} · {status}", t.complaint, c.description),
            amount: c.compensation.map(|m| m.with_sign("¥")).unwrap_or_default(),
        }
    }
}

/// The history section of a card, in a module of its own.
#[lazy]
pub(super) fn timeline_section(customer: Id) -> AnyView {
    view! { <Timeline customer /> }.into_any()
}

/// The customer's history.
#[component]
fn Timeline(customer: Id) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let lines = Memo::new(move |_| {
        let (texts, en) = (app.t(), app.lang.get() == Lang::En);
        app.with_insights(|book, insights| {
            let mut lines: Vec<Line> = insights
                .timeline(book, &customer)
                .iter()
                .map(|(id, e)| Line::of(id, e, texts, en))
                .collect();
            // Complaints among the entries by day (the entries are latest first already; a
            // stable sort keeps their order within a day).
            lines.extend(
                of_customer(book, &customer)
                    .iter()
                    .map(|(id, c)| Line::complaint(id, c, texts)),
            );
            huike_core::sorting::sort_by_key(&mut lines, |l| std::cmp::Reverse(l.day.clone()));
            lines
        })
        .unwrap_or_default()
    });
    view! {
        <section class="timeline">
            <h3>{move || t().history}</h3>
            <Show
                when=move || !lines.with(Vec::is_empty)
                fallback=move || view! { <p class="muted small">{move || t().no_history}</p> }
            >
                <ol class="entries">
                    <For each=move || lines.get() key=|line| line.clone() let:line>
                        <li class="entry">
                            <span class="entry-day">{line.day}</span>
                            <span class="entry-what">{line.what}</span>
                            <span class="entry-amount">{line.amount}</span>
                        </li>
                    </For>
                </ol>
            </Show>
        </section>
    }
}
