//! A customer's complaints on their card (SPEC §1; response target one hour): **Open
//! complaint** (记投诉) with what happened and how bad, each complaint with its response and
//! resolution times, **Respond** (回复) and **Resolve** (解决, with how and any compensation).
//! The rules are core's (`domain::Complaint`); an open complaint is first on every Today list.

use super::contact_form::Choice;
use super::widgets::TextField;
use crate::platform::{local_now, now_ms};
use crate::state::{AppState, use_app};
use chrono::Timelike;
use huike_core::domain::{Complaint, ComplaintError, Money, Severity};
use huike_core::id::Id;
use huike_core::insights::complaints::of_customer;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The severities, in the order the form lists them.
const SEVERITIES: [Severity; 3] = [Severity::Medium, Severity::High, Severity::Low];

/// A severity's name in the UI language.
fn severity_name(severity: Severity, en: bool) -> &'static str {
    match (severity, en) {
        (Severity::Low, false) => "轻微",
        (Severity::Medium, false) => "一般",
        (Severity::High, false) => "严重",
        (Severity::Low, true) => "Minor",
        (Severity::Medium, true) => "Moderate",
        (Severity::High, true) => "Serious",
    }
}

/// The complaints section of a customer's card, in a module of its own fetched the first time
/// a card is opened.
#[lazy]
pub(super) fn complaints_section(customer: Id) -> AnyView {
    view! { <Complaints customer=customer /> }.into_any()
}

/// The complaints section of a customer's card.
#[component]
fn Complaints(customer: Id) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let opening = RwSignal::new(false);
    let list = {
        let customer = customer.clone();
        Memo::new(move |_| {
            app.with_book(|book| of_customer(book, &customer))
                .unwrap_or_default()
        })
    };
    view! {
        <section class="complaints" aria-label=move || t().complaints>
            <Show when=move || !opening.get()>
                <button type="button" class="button secondary" on:click=move |_| opening.set(true)>
                    {move || t().open_complaint}
                </button>
            </Show>
            <Show when=move || opening.get()>
                <OpenForm customer=customer.clone() on_done=Callback::new(move |()| opening.set(false)) />
            </Show>
            <ul class="complaint-list">
                <For each=move || list.get() key=|(id, c)| (id.clone(), c.status, c.first_response_at, c.resolved_at) let:item>
                    <ComplaintRow id=item.0 complaint=item.1 />
                </For>
            </ul>
        </section>
    }
}

/// Saves a complaint record (a new one, or a change of `old`).
async fn save(app: AppState, id: Id, old: Option<Complaint>, new: Complaint) -> Result<(), String> {
    app.save_local(|r| r.plan_edit(now_ms(), &id, old.as_ref(), &new))
        .await
        .map_err(|e| format!("{} {e}", app.t().storage_error))
}

/// A complaint rule's refusal in words.
fn refusal(e: ComplaintError, t: &crate::i18n::Texts) -> String {
    match e {
        ComplaintError::NoDescription => t.complaint_needs_description,
        ComplaintError::NoResolution => t.complaint_needs_resolution,
        ComplaintError::NegativeCompensation | ComplaintError::AlreadyResolved => t.amount_invalid,
    }
    .to_owned()
}

/// **Open complaint**: what happened and how bad.
#[component]
fn OpenForm(customer: Id, on_done: Callback<()>) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let description = RwSignal::new(String::new());
    let severity = RwSignal::new(Severity::Medium);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // One record id per form: a retried save cannot open the complaint twice.
    let id = StoredValue::new(app.new_id());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let opened = Complaint::open(
            customer.clone(),
            local_now(),
            &description.get(),
            severity.get(),
        );
        let complaint = match opened {
            Ok(c) => c,
            Err(e) => return error.set(Some(refusal(e, t()))),
        };
        busy.set(true);
        spawn_local(async move {
            let result = save(app, id.get_value(), None, complaint).await;
            busy.set(false);
            match result {
                Ok(()) => on_done.run(()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <form class="editor entry-form complaint-form" on:submit=submit>
            <h3>{move || t().open_complaint}</h3>
            <label class="field">
                <span class="field-label">{move || t().complaint_description}</span>
                <textarea rows="3" bind:value=description></textarea>
            </label>
            <Choice label=Signal::derive(move || t().severity) options=&SEVERITIES value=severity name=severity_name />
            <Show when=move || error.with(Option::is_some)>
                <p class="banner warn" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <div class="actions">
                <button type="submit" class="button primary" disabled=move || busy.get()>{move || t().save}</button>
                <button type="button" class="button ghost" on:click=move |_| on_done.run(())>{move || t().cancel}</button>
            </div>
        </form>
    }
}

/// One complaint: what, when, its times, and the next step.
#[component]
fn ComplaintRow(id: Id, complaint: Complaint) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let en = move || app.lang.get() == crate::i18n::Lang::En;
    let resolving = RwSignal::new(false);
    let resolution = RwSignal::new(String::new());
    let compensation = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let opened = complaint
        .opened_at
        // `2026-03-10 09:05` without chrono's formatter (several KB of the download).
        .map(|at| format!("{} {:02}:{:02}", at.date(), at.hour(), at.minute()))
        .unwrap_or_default();
    let times = {
        let c = complaint.clone();
        move || {
            let mut parts = Vec::new();
            if let Some(m) = c.response_minutes() {
                parts.push(t().replied_after.replace("{n}", &m.to_string()));
            }
            if let Some(m) = c.resolution_minutes() {
                parts.push(t().resolved_after.replace("{n}", &m.to_string()));
            }
            parts.join(" · ")
        }
    };
    let (answered, resolved) = (
        complaint.first_response_at.is_some(),
        complaint.is_resolved(),
    );
    let severity = complaint.severity;
    let respond = {
        let (id, c) = (id.clone(), complaint.clone());
        Callback::new(move |()| {
            let (id, old) = (id.clone(), c.clone());
            let new = old.respond(local_now());
            spawn_local(async move {
                if let Err(e) = save(app, id, Some(old), new).await {
                    error.set(Some(e));
                }
            });
        })
    };
    let resolve = {
        let c = complaint.clone();
        Callback::new(move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let typed = compensation.get();
            let money = match typed.trim() {
                "" => None,
                text => match Money::parse_major(text) {
                    Ok(m) => Some(m),
                    Err(_) => return error.set(Some(t().amount_invalid.to_owned())),
                },
            };
            let new = match c.resolve(local_now(), &resolution.get(), money) {
                Ok(new) => new,
                Err(e) => return error.set(Some(refusal(e, t()))),
            };
            let (id, old) = (id.clone(), c.clone());
            spawn_local(async move {
                match save(app, id, Some(old), new).await {
                    Ok(()) => resolving.set(false),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    view! {
        <li class="complaint" class:open=!resolved>
            <p>
                <b>{move || severity_name(severity, en())}</b> " · " {opened} " · "
                {move || if resolved { t().resolved } else if answered { t().replied } else { t().awaiting_reply }}
            </p>
            <p>{complaint.description.clone()}</p>
            <p class="small muted">{times}</p>
            <Show when=move || !resolved>
                <div class="actions">
                    <Show when=move || !answered>
                        <button type="button" class="button secondary" on:click=move |_| respond.run(())>{move || t().respond}</button>
                    </Show>
                    <button type="button" class="button secondary" on:click=move |_| resolving.set(true)>{move || t().resolve}</button>
                </div>
            </Show>
            <Show when=move || resolving.get()>
                <form class="editor" on:submit=move |ev| resolve.run(ev)>
                    <TextField label=Signal::derive(move || t().resolution) value=resolution />
                    <TextField label=Signal::derive(move || t().compensation) value=compensation inputmode="decimal" />
                    <button type="submit" class="button primary">{move || t().resolve}</button>
                </form>
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <p class="banner warn" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </li>
    }
}
