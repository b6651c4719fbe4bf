//! The Today tab: the day's work (core's `workday`) — this staff member's follow-ups, at most
//! the shop's daily capacity, each with every reason and counted by kind; the owner also sees
//! everyone else's list. Tapping an item opens its compose sheet beside the list (on a phone,
//! instead of it); the customer's card is one tap further.

use super::compose::compose_sheet;
use super::widgets::later;
use crate::route::{Link, Screen, use_location};
use crate::state::use_app;
use chrono::NaiveDateTime;
use huike_core::domain::Role;
use huike_core::id::Id;
use huike_core::insights::{Insights, Today as Day};
use huike_core::lang::Lang;
use leptos::prelude::*;

/// One customer on a list, ready to show.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct FollowUp {
    id: Id,
    name: String,
    /// The reasons, highest priority first, as text in the UI language.
    reasons: Vec<String>,
    /// A complaint awaiting its first response: minutes left of the hour (negative: overdue).
    reply_within: Option<i64>,
}

/// What the Today tab shows.
#[derive(Clone, Debug, Default, PartialEq)]
struct Work {
    /// This staff member's list.
    mine: Vec<FollowUp>,
    /// The kinds of the top reasons on it, with how many of each, most first.
    kinds: Vec<(&'static str, usize)>,
    /// For the owner: every other staff member's name and list.
    others: Vec<(String, Vec<FollowUp>)>,
    /// Follow-ups left for the next days.
    waiting: usize,
    /// Contacts this staff member made today, and the day's capacity.
    done: u32,
    capacity: u32,
}

impl Work {
    fn of(
        day: &Day,
        views: &Insights,
        me: Option<&Id>,
        owner: bool,
        lang: Lang,
        now: NaiveDateTime,
    ) -> Work {
        let workday = &day.workday;
        let items = |positions: &[u32]| -> Vec<FollowUp> {
            positions
                .iter()
                .filter_map(|&p| {
                    let item = day.agenda.get(p as usize)?;
                    let id = Id::parse(day.analysis.history.id(item.customer)).ok()?;
                    let name = views
                        .roster()
                        .row(&id)
                        .map(|row| row.name.clone())
                        .unwrap_or_default();
                    let reasons = item.reasons.iter().map(|r| r.describe(lang)).collect();
                    let reply_within = item.top().response_minutes_left(now);
                    Some(FollowUp {
                        id,
                        name,
                        reasons,
                        reply_within,
                    })
                })
                .collect()
        };
        let mine_at = me.map(|me| workday.list_of(me)).unwrap_or_default();
        let mut kinds: Vec<(&'static str, usize)> = Vec::new();
        for &p in &mine_at {
            if let Some(item) = day.agenda.get(p as usize) {
                let label = item.top().label(lang);
                match kinds.iter_mut().find(|(l, _)| *l == label) {
                    Some((_, n)) => *n += 1,
                    None => kinds.push((label, 1)),
                }
            }
        }
        huike_core::sorting::sort_by_key(&mut kinds, |k| std::cmp::Reverse(k.1));
        let others = if owner {
            let team = views.team();
            workday
                .staff()
                .iter()
                .filter(|s| Some(*s) != me)
                .map(|s| {
                    let own: Vec<u32> = workday
                        .list_of(s)
                        .into_iter()
                        .filter(|p| !workday.shared().contains(p))
                        .collect();
                    let name = team.name_of(s.as_str()).unwrap_or(s.as_str()).to_owned();
                    (name, items(&own))
                })
                .collect()
        } else {
            Vec::new()
        };
        Work {
            mine: items(&mine_at),
            kinds,
            others,
            waiting: workday.waiting(),
            done: me.map_or(0, |me| workday.done_by(me)),
            capacity: workday.capacity(),
        }
    }
}

/// Today's work, from the analysis the app keeps up to date.
#[component]
pub(super) fn Today() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let location = use_location();
    let owner = app
        .session
        .with_untracked(|s| s.as_ref().is_some_and(|s| s.role() == Role::Owner));
    let me = app.staff();
    let work = Memo::new(move |_| {
        let (lang, now) = (app.lang.get(), app.now.get());
        app.today.with(|day| {
            let day = day.as_ref()?;
            app.with_views(|views| Work::of(day, views, me.as_ref(), owner, lang, now))
        })
    });
    let selected = Memo::new(move |_| match Screen::of(&location.path()) {
        Screen::Today(Some(id)) => Id::parse(&id).ok(),
        _ => None,
    });
    let total = move || work.with(|w| w.as_ref().map_or(0, |w| w.mine.len()));
    let header = move || {
        work.with(|w| {
            let Some(w) = w else { return String::new() };
            let mut line = app.day.get().to_string();
            if !w.mine.is_empty() {
                line += &format!(" · {} {}", w.mine.len(), t().to_contact);
            }
            line += " · ";
            line += &t()
                .done_today
                .replace("{done}", &w.done.to_string())
                .replace("{capacity}", &w.capacity.to_string());
            line
        })
    };
    let waiting = move || work.with(|w| w.as_ref().map_or(0, |w| w.waiting));
    let list = view! {
        <header class="page-head">
            <h1>{move || t().today}</h1>
            <p class="muted">{header}</p>
        </header>
        <Show
            when=move || { total() > 0 }
            fallback=move || {
                view! {
                    <div class="empty">
                        <p class="empty-title">{move || t().today_empty}</p>
                        <p class="muted">{move || t().today_hint}</p>
                    </div>
                }
            }
        >
            <ul class="kinds" aria-label=move || t().by_reason>
                {move || {
                    work.get()
                        .map(|w| w.kinds)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(label, n)| view! { <li class="tag">{label} " " <b>{n}</b></li> })
                        .collect_view()
                }}
            </ul>
            <FollowUpList items=Signal::derive(move || work.get().map(|w| w.mine).unwrap_or_default()) selected />
        </Show>
        <Show when=move || { waiting() > 0 }>
            <p class="muted small more">
                {move || t().waiting_for_later.replace("{n}", &waiting().to_string())}
            </p>
        </Show>
        <Show when=move || owner>
            <section class="everyone" aria-label=move || t().everyones_lists>
                <h2>{move || t().everyones_lists}</h2>
                {move || {
                    work.get()
                        .map(|w| w.others)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(name, items)| {
                            let n = items.len();
                            view! {
                                <details class="staff-list">
                                    <summary>{name} " · " {n}</summary>
                                    <FollowUpList items=Signal::derive(move || items.clone()) selected />
                                </details>
                            }
                        })
                        .collect_view()
                }}
            </section>
        </Show>
    };
    view! {
        <div class="split" class:detail-open=move || selected.with(Option::is_some)>
            <section class="pane list-pane page">{list}</section>
            <section class="pane detail-pane">
                {move || match selected.get() {
                    Some(id) => view! { <FollowUpSheet id /> }.into_any(),
                    None => view! { <super::customers::NoSelection /> }.into_any(),
                }}
            </section>
        </div>
    }
}

/// A list of follow-ups; each opens its compose sheet.
#[component]
fn FollowUpList(items: Signal<Vec<FollowUp>>, selected: Memo<Option<Id>>) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    view! {
        <ol class="follow-ups">
            <For each=move || items.get() key=|f| f.clone() let:item>
                <li class="follow-up">
                    <Link
                        href=format!("/today/{}", item.id)
                        attr:class="follow-up-link"
                        attr:aria-current=move || {
                            (selected.get().as_ref() == Some(&item.id)).then_some("true")
                        }
                    >
                        <span class="avatar" aria-hidden="true">
                            {item.name.chars().next().unwrap_or('·').to_string()}
                        </span>
                        <span class="row-main">
                            <span class="row-name">{item.name.clone()}</span>
                            {item.reply_within.map(|left| {
                                let text = if left >= 0 {
                                    t().reply_within.replace("{n}", &left.to_string())
                                } else {
                                    t().reply_overdue.replace("{n}", &(-left).to_string())
                                };
                                view! { <span class="reply-within" class:overdue=left < 0>{text}</span> }
                            })}
                            <span class="reasons">
                                {item
                                    .reasons
                                    .iter()
                                    .enumerate()
                                    .map(|(i, reason)| {
                                        view! {
                                            <span class="reason" class:top=i == 0>
                                                {reason.clone()}
                                            </span>
                                        }
                                    })
                                    .collect_view()}
                            </span>
                        </span>
                    </Link>
                </li>
            </For>
        </ol>
    }
}

/// The compose sheet of one follow-up, with the way back to the list and on to the card.
#[component]
fn FollowUpSheet(id: Id) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let name = {
        let id = id.clone();
        move || {
            app.with_views(|v| v.roster().row(&id).map(|r| r.name.clone()))
                .flatten()
                .unwrap_or_default()
        }
    };
    // A pickup that is due is marked on the sheet (the card's wallet section).
    let pickup = {
        let id = id.clone();
        app.today.with_untracked(|today| {
            today.as_ref().is_some_and(|today| {
                today
                    .analysis
                    .index_of(&id)
                    .and_then(|c| today.agenda.of_customer(c))
                    .is_some_and(|item| {
                        item.reasons
                            .iter()
                            .any(|r| matches!(r, huike_core::agenda::Reason::Pickup { .. }))
                    })
            })
        })
    };
    let wallet = pickup.then(|| later(super::wallet::wallet_section(id.clone())));
    view! {
        <article class="card follow-up-sheet">
            <div class="editor-head">
                <Link href="/today" attr:class="button ghost back">{move || t().back}</Link>
                <h2 class="customer-name">{name}</h2>
            </div>
            <Link href=format!("/customers/{id}") attr:class="button secondary">{move || t().open_card}</Link>
            {wallet}
            {later(compose_sheet(id))}
        </article>
    }
}
