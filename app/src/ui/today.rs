//! The Today tab: whom to contact today, highest priority first, each with every reason.

use crate::route::Link;
use crate::state::use_app;
use huike_core::domain::Customer;
use huike_core::id::Id;
use leptos::prelude::*;

/// How many follow-ups the list shows (the rest are counted): a day's work, not the backlog.
const SHOWN: usize = 100;

/// One customer on today's list, ready to show.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct FollowUp {
    id: Id,
    name: String,
    /// The reasons, highest priority first, as text in the UI language.
    reasons: Vec<String>,
}

/// Today's follow-ups, from the analysis the app keeps up to date.
#[component]
pub(super) fn Today() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let list = Memo::new(move |_| {
        let lang = app.lang.get();
        app.today.with(|day| {
            let Some(day) = day else {
                return (Vec::new(), 0);
            };
            app.with_book(|book| {
                let shown = day
                    .agenda
                    .items()
                    .take(SHOWN)
                    .filter_map(|item| {
                        let id = Id::parse(day.analysis.history.id(item.customer)).ok()?;
                        let name = book
                            .get::<Customer>(&id)
                            .map(|c| c.name)
                            .unwrap_or_default();
                        let reasons = item
                            .reasons
                            .iter()
                            .map(|reason| reason.describe(lang))
                            .collect();
                        Some(FollowUp { id, name, reasons })
                    })
                    .collect();
                (shown, day.agenda.len())
            })
            .unwrap_or_default()
        })
    });
    let total = move || list.with(|(_, total)| *total);
    let more = move || total().saturating_sub(SHOWN);
    view! {
        <section class="page">
            <header class="page-head">
                <h1>{move || t().today}</h1>
                <p class="muted">
                    {move || app.day.get().to_string()}
                    <Show when=move || { total() > 0 }>
                        " · " {total} " " {move || t().to_contact}
                    </Show>
                </p>
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
                <ol class="follow-ups">
                    <For each=move || list.get().0 key=|f| f.clone() let:item>
                        <li class="follow-up">
                            <Link href=format!("/customers/{}", item.id) attr:class="follow-up-link">
                                <span class="avatar" aria-hidden="true">
                                    {item.name.chars().next().unwrap_or('·').to_string()}
                                </span>
                                <span class="row-main">
                                    <span class="row-name">{item.name.clone()}</span>
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
                <Show when=move || { more() > 0 }>
                    <p class="muted small more">
                        {move || t().more_to_contact.replace("{n}", &more().to_string())}
                    </p>
                </Show>
            </Show>
        </section>
    }
}
