//! Today's message for a customer on the follow-up list (docs/segmentation.md, "Messages"): composed from the shop's
//! templates for their top reason, editable, sent by the clerk from their own phone (Copy
//! message, Share, Call, SMS), then one tap logs how the contact went — with the template
//! used and, when the clerk sets one, the next follow-up date.

use super::widgets::TextField;
use crate::platform::local_now;
use crate::state::use_app;
use huike_core::domain::{
    Contact, ContactChannel, Customer, Entry, Outcome, Purpose, Template, parse_date,
};
use huike_core::id::Id;
use huike_core::message::compose;
use huike_core::op::RecordKind;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};

/// The composed message and what logging the contact needs.
#[derive(Clone, Debug, PartialEq)]
struct Draft {
    purpose: Purpose,
    /// The template used (recorded on the contact).
    template: Id,
    /// The text to send (the fallback when the template lacked a value).
    text: String,
    /// Placeholders still without a value (shown, never sent blank).
    missing: Vec<&'static str>,
    phone: Option<String>,
}

/// How a contact can go, in the order they are offered.
pub(super) const OUTCOMES: [Outcome; 5] = [
    Outcome::Reached,
    Outcome::NoAnswer,
    Outcome::Positive,
    Outcome::Negative,
    Outcome::DoNotContact,
];

/// The compose sheet, in a module of its own fetched the first time a message is composed
/// (its templates' words with it).
#[lazy]
pub(super) fn compose_sheet(id: Id) -> AnyView {
    view! { <Compose id /> }.into_any()
}

/// The compose sheet for a customer on today's list (on Today and on their card); shows only
/// while they are on it.
#[component]
fn Compose(id: Id) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let customer_id = id.clone();
    let draft = Memo::new(move |_| {
        let lang = app.lang.get();
        let shop = app.session.with(|s| {
            s.as_ref()
                .map(|s| s.credentials.shop_name.clone())
                .unwrap_or_default()
        });
        app.today.with(|today| {
            let today = today.as_ref()?;
            let index = today.analysis.index_of(&id)?;
            let item = today.agenda.of_customer(index)?;
            app.with_book(|book| {
                let customer: Customer = book.get(&id)?;
                let templates: Vec<(Id, Template)> = book
                    .records(RecordKind::Template)
                    .filter(|(_, s)| s.deleted.is_none())
                    .filter_map(|(id, s)| Some((id.clone(), s.decode().ok()?)))
                    .collect();
                let history = &today.analysis.history;
                let composed = compose(
                    &templates,
                    &customer,
                    history,
                    index,
                    item.reasons,
                    &shop,
                    today.analysis.as_of(),
                    lang,
                )?;
                let rendered = composed.rendered;
                Some(Draft {
                    purpose: composed.purpose,
                    template: composed.template,
                    text: rendered.sendable().unwrap_or(&rendered.text).to_owned(),
                    missing: if rendered.sendable().is_some() {
                        Vec::new()
                    } else {
                        rendered.missing.iter().map(|p| p.name()).collect()
                    },
                    phone: customer.phone().map(str::to_owned),
                })
            })
            .flatten()
        })
    });
    let text = RwSignal::new(String::new());
    Effect::new(move |_| {
        text.set(draft.with(|d| d.as_ref().map(|d| d.text.clone()).unwrap_or_default()))
    });
    let channel = RwSignal::new(ContactChannel::Wechat);
    let follow_up = RwSignal::new(String::new());
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let copy = move |_| {
        channel.set(ContactChannel::Wechat);
        let Some(clipboard) = web_sys::window().map(|w| w.navigator().clipboard()) else {
            return;
        };
        let promise = clipboard.write_text(&text.get_untracked());
        spawn_local(async move {
            let copied = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            status.set(Some(
                if copied { t().copied } else { t().copy_failed }.to_owned(),
            ));
        });
    };
    let share = move |_| {
        channel.set(ContactChannel::Wechat);
        if !share_text(&text.get_untracked()) {
            status.set(Some(t().share_unavailable.to_owned()));
        }
    };
    let log = Callback::new(move |outcome: Outcome| {
        let Some((purpose, template)) =
            draft.with_untracked(|d| d.as_ref().map(|d| (d.purpose, d.template.clone())))
        else {
            return;
        };
        let Ok(next_follow_up) = parse_date(&follow_up.get_untracked()) else {
            status.set(Some(t().date_invalid.to_owned()));
            return;
        };
        let entry = Entry::Contact(Contact {
            customer: customer_id.clone(),
            at: local_now(),
            channel: channel.get_untracked(),
            purpose,
            template: Some(template),
            outcome,
            next_follow_up,
            staff: app.staff(),
            note: String::new(),
        });
        busy.set(true);
        spawn_local(async move {
            let result = app.append(app.new_id(), entry).await;
            busy.set(false);
            match result {
                Ok(()) => status.set(Some(t().contact_logged.to_owned())),
                Err(e) => status.set(Some(format!("{} {e}", t().storage_error))),
            }
        });
    });

    view! {
        <Show when=move || draft.with(Option::is_some)>
            <section class="compose" aria-label=move || t().message>
                <h3>{move || t().message}</h3>
                <label class="field message-field">
                    <span class="field-label">{move || t().message}</span>
                    <textarea class="message" rows="5" bind:value=text></textarea>
                </label>
                <Show when=move || draft.with(|d| d.as_ref().is_some_and(|d| !d.missing.is_empty()))>
                    <p class="banner warn" role="status">
                        {move || {
                            let missing = draft.with(|d| d.as_ref().map(|d| d.missing.join("、")).unwrap_or_default());
                            t().missing_values.replace("{list}", &missing)
                        }}
                    </p>
                </Show>
                <div class="actions send">
                    <button type="button" class="button primary" on:click=copy>{move || t().copy_message}</button>
                    <button type="button" class="button secondary" on:click=share>{move || t().share}</button>
                    {move || {
                        draft.get().and_then(|d| d.phone).map(|phone| {
                            let body = String::from(js_sys::encode_uri_component(&text.get()));
                            view! {
                                <a class="button secondary" href=format!("tel:{phone}") on:click=move |_| channel.set(ContactChannel::Phone)>{move || t().call}</a>
                                <a class="button secondary" href=format!("sms:{phone}?body={body}") on:click=move |_| channel.set(ContactChannel::Sms)>{move || t().sms}</a>
                            }
                        })
                    }}
                </div>
                <TextField label=Signal::derive(move || t().next_follow_up) value=follow_up kind="date" />
                <p class="small muted">{move || t().how_did_it_go}</p>
                <div class="actions outcomes">
                    {OUTCOMES
                        .into_iter()
                        .map(|outcome| {
                            view! {
                                <button type="button" class="button ghost" disabled=move || busy.get() on:click=move |_| log.run(outcome)>
                                    {move || outcome_name(outcome, t())}
                                </button>
                            }
                        })
                        .collect_view()}
                </div>
            </section>
        </Show>
        <Show when=move || status.with(Option::is_some)>
            <p class="banner ok" role="status">{move || status.get().unwrap_or_default()}</p>
        </Show>
    }
}

/// The outcome's label.
pub(super) fn outcome_name(outcome: Outcome, t: &crate::i18n::Texts) -> &'static str {
    match outcome {
        Outcome::Reached => t.outcome_reached,
        Outcome::NoAnswer => t.outcome_no_answer,
        Outcome::Positive => t.outcome_positive,
        Outcome::Negative => t.outcome_negative,
        Outcome::DoNotContact => t.outcome_do_not_contact,
    }
}

/// Opens the phone's share sheet (Web Share API) with `text`; false where there is none.
fn share_text(text: &str) -> bool {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return false;
    };
    let Ok(share) = js_sys::Reflect::get(&navigator, &JsValue::from_str("share")) else {
        return false;
    };
    let Some(share) = share.dyn_ref::<js_sys::Function>() else {
        return false;
    };
    let data = js_sys::Object::new();
    if js_sys::Reflect::set(&data, &JsValue::from_str("text"), &JsValue::from_str(text)).is_err() {
        return false;
    }
    // The promise rejects when the clerk closes the sheet; nothing to do then.
    share.call1(&navigator, &data).is_ok()
}
