//! Settings → Message templates (话术模板, the owner's): the shop's templates and the built-in
//! ones by purpose; editing or adding one (name, purpose, text, fallback) with the
//! placeholders as chips that insert at the cursor, a live preview for a customer of the book
//! (or a sample, 王女士) and the placeholders that would be empty for them. A built-in template
//! edited is saved as a new shop template of its purpose (the shop's come first). Templates
//! are records: every change syncs to the clerks' devices.

use super::contact_form::purpose_name;
use super::widgets::TextField;
use crate::i18n::Lang;
use crate::platform::now_ms;
use crate::state::{AppState, use_app};
use huike_core::domain::{Customer, Purpose, Template};
use huike_core::id::Id;
use huike_core::message::{Placeholder, Values, default_templates, fill, render};
use huike_core::op::RecordKind;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Which template the editor holds.
#[derive(Clone, Debug, PartialEq)]
enum Editing {
    /// A new template.
    New,
    /// A built-in one: saved as a new shop template of its purpose.
    BuiltIn(Template),
    /// One of the shop's, by record id.
    Shop(Id, Template),
}

/// A placeholder as written in a template of the UI language (`{称呼}` in Chinese).
fn token(p: Placeholder, lang: Lang) -> String {
    match (p, lang) {
        (Placeholder::Salutation, Lang::ZhCn) => "{称呼}".to_owned(),
        _ => format!("{{{}}}", p.name()),
    }
}

/// The shop's name for `{shop}`: the shop record's, else the one the device joined with.
pub(super) fn shop_name(app: AppState) -> String {
    app.with_views(|v| v.team().shop.name.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| {
            app.session.with(|s| {
                s.as_ref()
                    .map(|s| s.credentials.shop_name.clone())
                    .unwrap_or_default()
            })
        })
}

/// Whom the preview is for: the first customer of the list with their values, else a sample
/// customer with every value (the bool says it is the sample).
fn sample(app: AppState) -> (String, Values, bool) {
    let lang = app.lang.get();
    let shop = shop_name(app);
    let found = app.today.with(|today| {
        let today = today.as_ref()?;
        app.with_insights(|book, views| {
            let row = views.roster().at(0)?;
            let index = today.analysis.index_of(&row.id)?;
            let customer: Customer = book.get(&row.id)?;
            let values = Values::for_customer(
                &customer,
                &today.analysis.history,
                index,
                None,
                &shop,
                today.analysis.as_of(),
                lang,
            );
            Some((customer.name, values))
        })
        .flatten()
    });
    if let Some((name, values)) = found {
        return (name, values, false);
    }
    let some = |s: &str| Some(s.to_owned());
    let shop = Some(shop).filter(|s| !s.is_empty());
    let values = match lang {
        Lang::ZhCn => Values {
            salutation: some("王女士"),
            name: some("王丽"),
            child: some("乐乐"),
            child_age: some("6个月"),
            last_item: some("奶粉"),
            days_since: some("35"),
            points: some("1200"),
            shop: shop.or_else(|| some("小店")),
        },
        Lang::En => Values {
            salutation: some("Ms Wang"),
            name: some("Wang Li"),
            child: some("Lele"),
            child_age: some("6 months old"),
            last_item: some("milk powder"),
            days_since: some("35"),
            points: some("1200"),
            shop: shop.or_else(|| some("our shop")),
        },
    };
    (values.salutation.clone().unwrap_or_default(), values, true)
}

/// The byte index of UTF-16 offset `units` in `s` (a textarea's cursor), clamped to its end.
fn byte_at(s: &str, units: u32) -> usize {
    let mut seen = 0u32;
    for (at, c) in s.char_indices() {
        if seen >= units {
            return at;
        }
        seen += c.len_utf16() as u32;
    }
    s.len()
}

/// The **Message templates** card.
#[component]
pub(super) fn TemplatesCard() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let en = move || app.lang.get() == Lang::En;
    let shop_templates = Memo::new(move |_| {
        app.with_book(|book| {
            book.records(RecordKind::Template)
                .filter_map(|(id, s)| Some((id.clone(), s.decode::<Template>().ok()?)))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
    });
    let editing = RwSignal::new(None::<Editing>);
    let deleting = RwSignal::new(None::<Id>);
    let status = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let open = move |e: Editing| {
        status.set(None);
        deleting.set(None);
        editing.set(Some(e));
    };
    let delete = move |id: Id| {
        spawn_local(async move {
            let result = app
                .save_local(|r| r.plan_delete(now_ms(), RecordKind::Template, id))
                .await;
            deleting.set(None);
            match result {
                Ok(()) => status.set(Some(app.t().saved.to_owned())),
                Err(e) => error.set(Some(format!("{} {e}", app.t().storage_error))),
            }
        });
    };
    let groups = move || {
        let builtin = default_templates(app.lang.get());
        let own = shop_templates.get();
        Purpose::ALL
            .iter()
            .filter_map(|&p| {
                let own: Vec<(Id, Template)> = own
                    .iter()
                    .filter(|(_, t)| t.purpose == p)
                    .cloned()
                    .collect();
                let built: Vec<Template> =
                    builtin.iter().filter(|t| t.purpose == p).cloned().collect();
                (!own.is_empty() || !built.is_empty()).then_some((p, own, built))
            })
            .collect::<Vec<_>>()
    };
    let row = move |shop: Option<Id>, tpl: Template| {
        let kind = if shop.is_some() { "shop" } else { "builtin" };
        let edit = {
            let (shop, tpl) = (shop.clone(), tpl.clone());
            move |_| {
                open(match &shop {
                    Some(id) => Editing::Shop(id.clone(), tpl.clone()),
                    None => Editing::BuiltIn(tpl.clone()),
                })
            }
        };
        let (name, shown, data_name) = (tpl.name.clone(), tpl.name.clone(), tpl.name.clone());
        let own = shop.is_some();
        view! {
            <li class="ss-template" data-kind=kind data-name=data_name>
                <div class="ss-template-head">
                    <b class="ss-template-name">{shown}</b>
                    <span class="tag" class:muted=!own>
                        {move || if own { t().ss_shop_template } else { t().ss_builtin }}
                    </span>
                </div>
                <p class="ss-template-text small muted">{tpl.text.clone()}</p>
                <div class="actions">
                    <button type="button" class="ghost" on:click=edit>{move || t().edit}</button>
                    {shop.map(move |id| {
                        let ask = id.clone();
                        view! {
                            <button type="button" class="ghost danger" on:click=move |_| deleting.set(Some(ask.clone()))>
                                {move || t().ss_delete}
                            </button>
                            <Show when={
                                let id = id.clone();
                                move || deleting.with(|d| d.as_ref() == Some(&id))
                            }>
                                <div class="ss-confirm" role="alert">
                                    <p>{
                                        let name = name.clone();
                                        move || t().ss_delete_template_confirm.replace("{name}", &name)
                                    }</p>
                                    <div class="actions">
                                        <button type="button" class="primary danger-fill" on:click={
                                            let id = id.clone();
                                            move |_| delete(id.clone())
                                        }>{move || t().confirm_delete}</button>
                                        <button type="button" class="ghost" on:click=move |_| deleting.set(None)>{move || t().cancel}</button>
                                    </div>
                                </div>
                            </Show>
                        }
                    })}
                </div>
            </li>
        }
    };
    view! {
        <div class="card ss-templates">
            <h2>{move || t().ss_templates}</h2>
            <p class="muted small">{move || t().ss_templates_hint}</p>
            <Show when=move || status.with(Option::is_some)>
                <p class="banner ok" role="status">{move || status.get().unwrap_or_default()}</p>
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <p class="banner error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            {move || match editing.get() {
                Some(e) => view! {
                    <TemplateForm
                        editing=e
                        on_done=Callback::new(move |saved: bool| {
                            editing.set(None);
                            if saved {
                                status.set(Some(app.t().saved.to_owned()));
                            }
                        })
                    />
                }
                .into_any(),
                None => view! {
                    <button type="button" class="secondary ss-add-template" on:click=move |_| open(Editing::New)>
                        {move || t().ss_add_template}
                    </button>
                }
                .into_any(),
            }}
            {move || groups().into_iter().map(|(p, own, built)| view! {
                <section class="ss-purpose" data-purpose=format!("{p:?}")>
                    <h3>{move || purpose_name(p, en())}</h3>
                    <ul class="ss-template-list">
                        {own.into_iter().map(|(id, tpl)| row(Some(id), tpl)).collect_view()}
                        {built.into_iter().map(|tpl| row(None, tpl)).collect_view()}
                    </ul>
                </section>
            }).collect_view()}
        </div>
    }
}

/// The template editor: name, purpose, text and fallback with placeholder chips, the live
/// preview and **Save template**. `on_done(true)` once saved, `on_done(false)` on Cancel.
#[component]
fn TemplateForm(editing: Editing, on_done: Callback<bool>) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let en = move || app.lang.get() == Lang::En;
    let start = match &editing {
        Editing::New => Template::default(),
        Editing::BuiltIn(tpl) | Editing::Shop(_, tpl) => tpl.clone(),
    };
    let name = RwSignal::new(start.name.clone());
    let purpose = RwSignal::new(start.purpose);
    let text = RwSignal::new(start.text.clone());
    let fallback = RwSignal::new(start.fallback.clone());
    let in_fallback = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let text_ref = NodeRef::<leptos::html::Textarea>::new();
    let fallback_ref = NodeRef::<leptos::html::Textarea>::new();
    // One record id per form: a retried save cannot add the template twice.
    let record = StoredValue::new(app.new_id());
    let (shop_id, old) = match &editing {
        Editing::Shop(id, tpl) => (Some(id.clone()), Some(tpl.clone())),
        _ => (None, None),
    };
    let title = {
        let editing = editing.clone();
        move || match editing {
            Editing::New => t().ss_new_template,
            _ => t().ss_edit_template,
        }
    };
    let is_builtin = matches!(editing, Editing::BuiltIn(_));

    let insert = move |p: Placeholder| {
        let token = token(p, app.lang.get_untracked());
        let (value, node) = if in_fallback.get_untracked() {
            (fallback, fallback_ref)
        } else {
            (text, text_ref)
        };
        let current = value.get_untracked();
        let el = node.get_untracked();
        let cursor = el.as_ref().map(|el| {
            (
                el.selection_start().ok().flatten(),
                el.selection_end().ok().flatten(),
            )
        });
        let (from, to) = match cursor {
            Some((Some(s), Some(e))) => (byte_at(&current, s), byte_at(&current, e)),
            _ => (current.len(), current.len()),
        };
        let to = to.max(from);
        let next = format!("{}{token}{}", &current[..from], &current[to..]);
        let caret = (current[..from].encode_utf16().count() + token.encode_utf16().count()) as u32;
        if let Some(el) = el {
            el.set_value(&next);
            let _ = el.focus();
            let _ = el.set_selection_range(caret, caret);
        }
        value.set(next);
    };

    let who = Memo::new(move |_| sample(app));
    let draft = move || Template {
        purpose: purpose.get(),
        name: name.get(),
        text: text.get(),
        fallback: fallback.get(),
    };
    let rendered = Memo::new(move |_| who.with(|(_, values, _)| render(&draft(), values)));
    let fallback_unknown =
        Memo::new(move |_| who.with(|(_, values, _)| fallback.with(|f| fill(f, values).2)));
    let lang_list = move |items: Vec<String>| items.join(if en() { ", " } else { "、" });
    let missing_note = move || {
        let missing = rendered.with(|r| r.missing.clone());
        if missing.is_empty() {
            return None;
        }
        let lang = app.lang.get();
        let list = lang_list(missing.iter().map(|&p| token(p, lang)).collect());
        let name = who.with(|(n, _, _)| n.clone());
        let then = if rendered.with(|r| r.fallback.is_some()) {
            t().ss_fallback_used
        } else {
            t().ss_no_fallback
        };
        Some(format!(
            "{} {then}",
            t().ss_missing_for
                .replace("{name}", &name)
                .replace("{list}", &list)
        ))
    };
    let unknown = move || {
        let mut all = rendered.with(|r| r.unknown.clone());
        for u in fallback_unknown.get() {
            if !all.contains(&u) {
                all.push(u);
            }
        }
        all
    };
    let unknown_note = move || {
        let all = unknown();
        (!all.is_empty()).then(|| {
            let list = lang_list(all.iter().map(|u| format!("{{{u}}}")).collect());
            t().ss_unknown.replace("{list}", &list)
        })
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut tpl = Template {
            purpose: purpose.get_untracked(),
            name: name.get_untracked().trim().to_owned(),
            text: text.get_untracked().trim().to_owned(),
            fallback: fallback.get_untracked().trim().to_owned(),
        };
        if tpl.text.is_empty() {
            return error.set(Some(t().ss_text_required.to_owned()));
        }
        if !unknown().is_empty() {
            return error.set(Some(t().ss_unknown_refused.to_owned()));
        }
        if tpl.name.is_empty() {
            tpl.name = purpose_name(tpl.purpose, en()).to_owned();
        }
        error.set(None);
        busy.set(true);
        let id = shop_id.clone().unwrap_or_else(|| record.get_value());
        let old = old.clone();
        spawn_local(async move {
            let result = app
                .save_local(|r| r.plan_edit(now_ms(), &id, old.as_ref(), &tpl))
                .await;
            busy.set(false);
            match result {
                Ok(()) => on_done.run(true),
                Err(e) => error.set(Some(format!("{} {e}", app.t().storage_error))),
            }
        });
    };
    let set_purpose = move |ev: leptos::ev::Event| {
        if let Some(&p) = event_target_value(&ev)
            .parse::<usize>()
            .ok()
            .and_then(|i| Purpose::ALL.get(i))
        {
            purpose.set(p);
        }
    };
    view! {
        <form class="editor ss-template-form" on:submit=submit>
            <h3>{title}</h3>
            <Show when=move || is_builtin>
                <p class="muted small">{move || t().ss_builtin_saved_as_new}</p>
            </Show>
            <TextField label=Signal::derive(move || t().ss_template_name) value=name />
            <label class="field">
                <span class="field-label">{move || t().ss_template_purpose}</span>
                <select on:change=set_purpose>
                    {Purpose::ALL
                        .iter()
                        .enumerate()
                        .map(|(i, &p)| view! {
                            <option value=i.to_string() selected=move || purpose.get() == p>
                                {move || purpose_name(p, en())}
                            </option>
                        })
                        .collect_view()}
                </select>
            </label>
            <label class="field">
                <span class="field-label">{move || t().ss_template_text}</span>
                <textarea rows="4" node_ref=text_ref bind:value=text on:focus=move |_| in_fallback.set(false)></textarea>
            </label>
            <div class="ss-placeholders" role="group" aria-label=move || t().ss_placeholders>
                <span class="field-label">{move || t().ss_placeholders}</span>
                <div class="chips">
                    {Placeholder::ALL
                        .iter()
                        .map(|&p| view! {
                            <button
                                type="button"
                                class="chip ss-chip"
                                data-placeholder=p.name()
                                on:mousedown=|ev| ev.prevent_default()
                                on:click=move |_| insert(p)
                            >
                                {move || token(p, app.lang.get())}
                            </button>
                        })
                        .collect_view()}
                </div>
            </div>
            <label class="field">
                <span class="field-label">{move || t().ss_fallback}</span>
                <textarea rows="3" node_ref=fallback_ref bind:value=fallback on:focus=move |_| in_fallback.set(true)></textarea>
            </label>
            <div class="ss-preview" aria-live="polite">
                <p class="field-label">
                    {move || t().ss_preview_for.replace("{name}", &who.with(|(n, _, _)| n.clone()))}
                    {move || who.with(|(_, _, s)| *s).then(|| t().ss_sample_note)}
                </p>
                <p class="ss-preview-text">{move || rendered.with(|r| r.text.clone())}</p>
                {move || missing_note().map(|note| view! { <p class="banner warn ss-missing" role="status">{note}</p> })}
                {move || rendered.with(|r| r.fallback.clone()).map(|f| view! {
                    <p class="ss-preview-text ss-preview-fallback">{f}</p>
                })}
                {move || unknown_note().map(|note| view! { <p class="banner warn ss-unknown" role="status">{note}</p> })}
            </div>
            <Show when=move || error.with(Option::is_some)>
                <p class="banner warn" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.get()>{move || t().ss_save_template}</button>
                <button type="button" class="ghost" on:click=move |_| on_done.run(false)>{move || t().cancel}</button>
            </div>
        </form>
    }
}
