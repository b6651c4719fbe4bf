//! Adding and editing a customer: one editor for both, so quick add and the full edit agree.

use super::more_form::more_section;
use super::referrer::referrer_picker;
use super::widgets::{TextField, later};
use crate::i18n::{Lang, Texts};
use crate::platform::{local_now, now_ms, today};
use crate::route::Link;
use crate::route::use_location;
use crate::state::use_app;
use huike_core::domain::{
    Customer, CustomerDraft, DraftError, DraftField, MoreDraft, Source, normalize_phone, source_key,
};
use huike_core::id::Id;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The Add customer screen.
#[component]
pub(super) fn NewCustomer() -> impl IntoView {
    later(customer_editor(None, Customer::default(), false, None))
}

/// The editor, in a module of its own fetched the first time a customer is added or edited.
#[lazy]
pub(super) fn customer_editor(
    id: Option<Id>,
    initial: Customer,
    full: bool,
    on_saved: Option<Callback<()>>,
) -> AnyView {
    view! { <CustomerEditor id=id initial=initial full=full on_saved=on_saved /> }.into_any()
}

/// Source names in the UI language.
pub(super) fn source_name(source: Source, en: bool) -> &'static str {
    let (zh, e) = match source {
        Source::WalkIn => ("自然进店", "Walk-in"),
        Source::Douyin => ("抖音", "Douyin"),
        Source::Wechat => ("微信", "WeChat"),
        Source::Xiaohongshu => ("小红书", "Xiaohongshu"),
        Source::Referral => ("老客介绍", "Referral"),
        Source::Phone => ("电话", "Phone"),
        Source::Event => ("活动", "Event"),
        Source::Partner => ("异业合作", "Partner"),
        Source::Other => ("其他", "Other"),
    };
    if en { e } else { zh }
}

/// What is wrong with a field, in words.
pub(super) fn draft_error(t: &Texts, e: &DraftError) -> &'static str {
    match e {
        DraftError::Required => t.name_required,
        DraftError::NotAPhone => t.phone_invalid,
        DraftError::NotADate => t.date_invalid,
        DraftError::InTheFuture => t.date_in_future,
        DraftError::TooFarAhead => t.date_too_far_ahead,
        DraftError::NotAnAmount | DraftError::BelowMinimum => t.amount_invalid,
        DraftError::Unknown => t.choice_invalid,
    }
}

/// A form over a customer's fields. `id: None` adds a new customer; `full` shows every field
/// (quick add shows name, phone, tags and source). Saving writes only the fields that changed,
/// so edits made elsewhere to other fields survive.
#[component]
fn CustomerEditor(
    /// The customer being edited, or None for a new one.
    id: Option<Id>,
    /// The values the form starts from.
    initial: Customer,
    /// Show every field.
    full: bool,
    /// Called after a successful save of an existing customer.
    on_saved: Option<Callback<()>>,
) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let en = move || app.lang.get() == Lang::En;
    let name = RwSignal::new(initial.name.clone());
    let phone = RwSignal::new(initial.phones.first().cloned().unwrap_or_default());
    let wechat = RwSignal::new(initial.wechat.clone());
    let tags = RwSignal::new(initial.tags.iter().cloned().collect::<Vec<_>>().join(" "));
    let notes = RwSignal::new(initial.notes.clone());
    let birthday = RwSignal::new(initial.birthday.map(|d| d.to_string()).unwrap_or_default());
    let source = RwSignal::new(initial.source.map(source_key).unwrap_or_default());
    // The More section: its draft lives here (Save checks it); its fields load when opened.
    let more = RwSignal::new(MoreDraft::default());
    let more_problems = RwSignal::new(Vec::new());
    let more_open = RwSignal::new(false);
    // The referrer, as picked (their name from the kept list).
    let referrer = RwSignal::new(initial.referrer.clone().map(|id| {
        let name = app
            .with_views(|v| v.roster().row(&id).map(|r| r.name.clone()))
            .flatten()
            .unwrap_or_else(|| id.to_string());
        (id, name)
    }));
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let location = use_location();
    let this_id = id.clone();

    // Another customer with this number (looked up in the list kept beside the book).
    let duplicate = Memo::new(move |_| {
        let typed = phone.get();
        if normalize_phone(&typed).len() < 7 {
            return None;
        }
        app.with_views(|insights| {
            insights
                .roster()
                .with_phone(&typed, this_id.as_ref())
                .first()
                .map(|row| (row.id.clone(), row.name.clone()))
        })
        .flatten()
    });

    // What is wrong with each field, after a save was tried.
    let problems = RwSignal::new(Vec::<(DraftField, DraftError)>::new());
    let problem = move |field: DraftField| {
        Signal::derive(move || {
            problems.with(|p| {
                p.iter()
                    .find(|(f, _)| *f == field)
                    .map(|(_, e)| draft_error(t(), e).to_owned())
            })
        })
    };
    let picker = referrer_picker(referrer, id.clone());
    let before = initial.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let draft = CustomerDraft {
            name: name.get(),
            phone: phone.get(),
            tags: tags.get(),
            source: source.get(),
            wechat: full.then(|| wechat.get()),
            birthday: full.then(|| birthday.get()),
            notes: full.then(|| notes.get()),
        };
        let mut c = match draft.apply(&before, local_now()) {
            Ok(c) => c,
            Err(found) => {
                error.set(Some(t().fix_fields.into()));
                problems.set(found);
                return;
            }
        };
        problems.set(Vec::new());
        c.referrer = referrer.get_untracked().map(|(id, _)| id);
        let (record, old) = match &id {
            Some(id) => (id.clone(), Some(before.clone())),
            None => {
                c.created_at = Some(local_now());
                c.created_by = app.session.with_untracked(|s| {
                    s.as_ref()
                        .and_then(|s| Id::parse(&s.credentials.device_id).ok())
                });
                (app.new_id(), None)
            }
        };
        error.set(None);
        busy.set(true);
        let more_typed = more_open.get_untracked().then(|| more.get_untracked());
        spawn_local(async move {
            // The More section, once opened, is checked by core's `MoreDraft::apply`.
            if let Some(typed) = more_typed {
                match typed.apply(&c, today()) {
                    Ok(checked) => c = checked,
                    Err(found) => {
                        more_problems.set(found);
                        error.set(Some(t().fix_fields.into()));
                        busy.set(false);
                        return;
                    }
                }
            }
            more_problems.set(Vec::new());
            let result = app
                .save_local(|r| r.plan_edit(now_ms(), &record, old.as_ref(), &c))
                .await;
            busy.set(false);
            match result {
                Ok(()) => {
                    saved.set(true);
                    if old.is_none() {
                        location.navigate(&format!("/customers/{record}?saved=1"));
                    } else if let Some(cb) = on_saved {
                        cb.run(());
                    }
                }
                Err(e) => error.set(Some(format!("{} {e}", t().storage_error))),
            }
        });
    };

    view! {
        <form class="editor card" on:submit=submit>
            <div class="editor-head">
                <Link href="/customers" attr:class="button ghost back">{move || t().back}</Link>
                <h2>{move || if full { t().edit } else { t().add_customer }}</h2>
            </div>
            <TextField label=Signal::derive(move || t().name) value=name autocomplete="off" error=problem(DraftField::Name) />
            <TextField label=Signal::derive(move || t().phone) value=phone kind="tel" inputmode="tel" autocomplete="off" error=problem(DraftField::Phone) />
            <Show when=move || duplicate.with(Option::is_some)>
                <p class="banner warn" role="status">
                    {move || t().duplicate_phone} " "
                    {move || duplicate.get().map(|(id, name)| view! { <Link href=format!("/customers/{id}")>{name}</Link> })}
                </p>
            </Show>
            <TextField label=Signal::derive(move || t().tags) value=tags placeholder="VIP 奶粉 二胎" />
            <label class="field">
                <span class="field-label">{move || t().source}</span>
                <select on:change=move |ev| source.set(event_target_value(&ev)) prop:value=move || source.get()>
                    <option value="">"—"</option>
                    {Source::ALL
                        .into_iter()
                        .map(|s| {
                            let key = source_key(s);
                            view! { <option value=key.clone() selected=move || source.get() == key>{move || source_name(s, en())}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            {picker}
            <Show when=move || full>
                <TextField label=Signal::derive(move || t().wechat) value=wechat />
                <TextField label=Signal::derive(move || t().birthday) value=birthday kind="date" error=problem(DraftField::Birthday) />
                <label class="field">
                    <span class="field-label">{move || t().notes}</span>
                    <textarea rows="3" bind:value=notes></textarea>
                </label>
            </Show>
            <Show when=move || !more_open.get()>
                <button type="button" class="button secondary" on:click=move |_| more_open.set(true)>{move || t().more}</button>
            </Show>
            <Show when=move || more_open.get()>
                {more_section(more, more_problems, initial.clone())}
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <p class="banner error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <Show when=move || saved.get() && !busy.get()>
                <p class="banner ok" role="status">{move || t().saved}</p>
            </Show>
            <button type="submit" class="primary" disabled=move || busy.get()>{move || t().save}</button>
        </form>
    }
}
