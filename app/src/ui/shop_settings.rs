//! The owner's shop settings (issue 10): message templates (`templates_editor`), rules
//! (`rules_editor`), tags — each with its customer count, renamed, merged into another or
//! deleted as one change of the customers who carry it (core's `insights::tag_edits`) — and
//! the shop's profile (name, time zone, currency). Every change is an ordinary op that syncs,
//! so the clerks' devices get it on their next sync. Rendered by Settings for owners only
//! (clerks cannot change rules, templates or the shop; their batches would be refused).

use super::rules_editor::RulesCard;
use super::templates_editor::TemplatesCard;
use super::widgets::TextField;
use crate::i18n::{Texts, Words};
use crate::platform::now_ms;
use crate::state::use_app;
use huike_core::domain::{Customer, Role, Shop};
use huike_core::id::Id;
use huike_core::insights::tag_edits::{TagChange, TagError, edits_in, new_name, tag_counts};
use huike_core::op::RecordKind;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The owner's settings of the shop: templates, rules, tags and the shop's profile.
#[component]
pub(super) fn ShopSettings() -> impl IntoView {
    let app = use_app();
    let is_owner = move || {
        app.session
            .with(|s| s.as_ref().is_some_and(|s| s.role() == Role::Owner))
    };
    view! {
        <Show when=is_owner>
            <TemplatesCard />
            <RulesCard />
            <TagsCard />
            <ShopCard />
        </Show>
    }
}

/// A tag name's refusal in words.
fn tag_error(e: TagError, t: &Texts) -> String {
    match e {
        TagError::Empty => t.ss_tag_empty,
        TagError::Several => t.ss_tag_several,
        TagError::Unchanged => t.ss_tag_unchanged,
    }
    .to_owned()
}

/// What the tags card is asking about one tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Asking {
    Rename,
    Merge,
    Delete,
}

/// The **Tags** card: every tag with its customer count, and **Rename**, **Merge into…** and
/// **Delete**, each confirmed first.
#[component]
fn TagsCard() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let counts = Memo::new(move |_| {
        app.with_views(|v| tag_counts(v.roster()))
            .unwrap_or_default()
    });
    let asking = RwSignal::new(None::<(String, Asking)>);
    let new_tag = RwSignal::new(String::new());
    let merge_into = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let ask = move |tag: String, what: Asking| {
        problem.set(None);
        status.set(None);
        new_tag.set(tag.clone());
        let other = counts.with_untracked(|c| {
            c.iter()
                .map(|(t, _)| t.clone())
                .find(|t| *t != tag)
                .unwrap_or_default()
        });
        merge_into.set(other);
        asking.set(Some((tag, what)));
    };
    let apply = move |change: TagChange| {
        busy.set(true);
        spawn_local(async move {
            let result = app
                .change(|r| {
                    let edits = edits_in(r.book(), &change);
                    let n = edits.len();
                    let record = r.plan_edits::<Customer>(
                        now_ms(),
                        edits
                            .iter()
                            .map(|(id, before, after)| (id, Some(before), after)),
                    );
                    (n, record)
                })
                .await;
            busy.set(false);
            match result {
                Ok(n) => {
                    app.settle();
                    app.local_changes.update(|c| *c += 1);
                    asking.set(None);
                    let who = app.lang.get_untracked().customers(n);
                    status.set(Some(app.t().ss_tags_updated.replace("{customers}", &who)));
                }
                Err(e) => problem.set(Some(format!("{} {e}", app.t().storage_error))),
            }
        });
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((tag, what)) = asking.get_untracked() else {
            return;
        };
        let change = match what {
            Asking::Rename => match new_name(&tag, &new_tag.get_untracked()) {
                Ok(to) => TagChange::Rename { from: tag, to },
                Err(e) => return problem.set(Some(tag_error(e, t()))),
            },
            Asking::Merge => {
                let into = merge_into.get_untracked();
                if into.is_empty() || into == tag {
                    return problem.set(Some(t().ss_no_other_tags.to_owned()));
                }
                TagChange::Merge { from: tag, into }
            }
            Asking::Delete => TagChange::Delete { tag },
        };
        apply(change);
    };
    let form = move |tag: String, what: Asking, n: usize| {
        let lang = app.lang.get_untracked();
        let others: Vec<String> = counts.with_untracked(|c| {
            c.iter()
                .map(|(t, _)| t.clone())
                .filter(|t| *t != tag)
                .collect()
        });
        let body = match what {
            Asking::Rename => view! {
                <TextField label=Signal::derive(move || t().ss_new_name) value=new_tag />
            }
            .into_any(),
            Asking::Merge if others.is_empty() => {
                view! { <p class="muted small">{move || t().ss_no_other_tags}</p> }.into_any()
            }
            Asking::Merge => {
                let note = {
                    let tag = tag.clone();
                    move || {
                        t().ss_merge_confirm
                            .replace("{from}", &tag)
                            .replace("{customers}", &lang.customers(n))
                            .replace("{into}", &merge_into.get())
                    }
                };
                view! {
                    <label class="field">
                        <span class="field-label">{move || t().ss_merge_target}</span>
                        <select on:change=move |ev| merge_into.set(event_target_value(&ev))>
                            {others.iter().map(|o| {
                                let o = o.clone();
                                let value = o.clone();
                                view! { <option value=value.clone() selected=move || merge_into.get() == value>{o}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    <p class="small">{note}</p>
                }
                .into_any()
            }
            Asking::Delete => {
                let tag = tag.clone();
                view! {
                    <p>{move || t().ss_delete_tag_confirm.replace("{tag}", &tag).replace("{customers}", &lang.customers(n))}</p>
                }
                .into_any()
            }
        };
        let button = move || match what {
            Asking::Rename => t().ss_confirm_rename,
            Asking::Merge => t().ss_confirm_merge,
            Asking::Delete => t().confirm_delete,
        };
        view! {
            <form class="editor ss-tag-form" on:submit=confirm>
                {body}
                <Show when=move || problem.with(Option::is_some)>
                    <p class="banner warn" role="alert">{move || problem.get().unwrap_or_default()}</p>
                </Show>
                <div class="actions">
                    <button type="submit" class="primary" class:danger-fill=what == Asking::Delete disabled=move || busy.get()>{button}</button>
                    <button type="button" class="ghost" on:click=move |_| asking.set(None)>{move || t().cancel}</button>
                </div>
            </form>
        }
    };
    view! {
        <div class="card ss-tags">
            <h2>{move || t().tags}</h2>
            <p class="muted small">{move || t().ss_tags_hint}</p>
            <Show when=move || status.with(Option::is_some)>
                <p class="banner ok" role="status">{move || status.get().unwrap_or_default()}</p>
            </Show>
            <Show when=move || counts.with(Vec::is_empty)>
                <p class="muted">{move || t().ss_no_tags}</p>
            </Show>
            <ul class="ss-tag-list">
                <For each=move || counts.get() key=|row| row.clone() let:row>
                    {
                        let (tag, n) = row;
                        let asked = {
                            let tag = tag.clone();
                            move || asking.with(|a| a.as_ref().filter(|(t, _)| *t == tag).map(|(_, w)| *w))
                        };
                        let lang = move || app.lang.get();
                        let button = |what: Asking| {
                            let tag = tag.clone();
                            move |_| ask(tag.clone(), what)
                        };
                        let tag_name = tag.clone();
                        view! {
                            <li class="ss-tag" data-tag=tag.clone()>
                                <div class="ss-tag-head">
                                    <span class="tag ss-tag-name">{tag.clone()}</span>
                                    <span class="muted small ss-tag-count">{move || lang().customers(n)}</span>
                                </div>
                                <div class="actions">
                                    <button type="button" class="ghost" on:click=button(Asking::Rename)>{move || t().ss_rename}</button>
                                    <button type="button" class="ghost" on:click=button(Asking::Merge)>{move || t().ss_merge_into}</button>
                                    <button type="button" class="ghost danger" on:click=button(Asking::Delete)>{move || t().ss_delete}</button>
                                </div>
                                {move || asked().map(|what| form(tag_name.clone(), what, n))}
                            </li>
                        }
                    }
                </For>
            </ul>
        </div>
    }
}

/// Common time zones offered while typing (any IANA name is taken).
const ZONES: [&str; 12] = [
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Macau",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Kuala_Lumpur",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Europe/London",
    "Europe/Paris",
    "America/New_York",
    "America/Los_Angeles",
];

/// Currencies offered (all with cents: amounts are kept in hundredths).
const CURRENCIES: [&str; 11] = [
    "CNY", "HKD", "MOP", "TWD", "SGD", "MYR", "USD", "EUR", "GBP", "AUD", "CAD",
];

/// The IANA time zone `zone` names, as the browser spells it (`asia/shanghai` →
/// `Asia/Shanghai`); `None` for an empty or unknown one. Asks `Intl.DateTimeFormat`, which
/// throws a RangeError for an unknown zone (as `platform::set_time_zone`'s clock does).
fn known_zone(zone: &str) -> Option<String> {
    use wasm_bindgen::JsCast;
    let zone = zone.trim();
    if zone.is_empty() {
        return None;
    }
    let intl = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let make: js_sys::Function = js_sys::Reflect::get(&intl, &"DateTimeFormat".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"timeZone".into(), &zone.into()).ok()?;
    let args = js_sys::Array::of2(&"en".into(), &options);
    let format = js_sys::Reflect::construct(&make, &args).ok()?;
    let resolve: js_sys::Function = js_sys::Reflect::get(&format, &"resolvedOptions".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let resolved = resolve.call0(&format).ok()?;
    js_sys::Reflect::get(&resolved, &"timeZone".into())
        .ok()?
        .as_string()
}

/// The **Shop profile** card: name, time zone, currency → the shop record.
#[component]
fn ShopCard() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let stored = move || {
        app.with_views(|v| v.team().shop.clone())
            .unwrap_or_default()
    };
    let start = stored();
    let name = RwSignal::new(if start.name.is_empty() {
        super::templates_editor::shop_name(app)
    } else {
        start.name.clone()
    });
    let zone = RwSignal::new(if start.time_zone.is_empty() {
        "Asia/Shanghai".to_owned()
    } else {
        start.time_zone.clone()
    });
    let currency = RwSignal::new(if start.currency.is_empty() {
        "CNY".to_owned()
    } else {
        start.currency.clone()
    });
    let name_error = RwSignal::new(None::<String>);
    let zone_error = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let currencies = move || {
        let mut all: Vec<String> = CURRENCIES.iter().map(|c| (*c).to_owned()).collect();
        let mine = currency.get();
        if !mine.is_empty() && !all.contains(&mine) {
            all.insert(0, mine);
        }
        all
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        status.set(None);
        let shop_name = name.get_untracked().trim().to_owned();
        name_error.set(
            shop_name
                .is_empty()
                .then(|| t().ss_shop_name_required.to_owned()),
        );
        let time_zone = known_zone(&zone.get_untracked());
        zone_error.set(time_zone.is_none().then(|| t().ss_unknown_zone.to_owned()));
        let (Some(time_zone), false) = (time_zone, shop_name.is_empty()) else {
            return;
        };
        zone.set(time_zone.clone());
        let shop = Shop {
            name: shop_name,
            time_zone,
            currency: currency.get_untracked(),
        };
        busy.set(true);
        spawn_local(async move {
            let result = app
                .save_local(|r| {
                    // The shop's one record: the one the book holds, else under the shop's id.
                    let existing = r
                        .book()
                        .records(RecordKind::Shop)
                        .next()
                        .map(|(id, state)| (id.clone(), state.decode::<Shop>().ok()));
                    let (id, old) = match existing {
                        Some((id, old)) => (id, old),
                        None => {
                            let id = app
                                .session
                                .with_untracked(|s| {
                                    s.as_ref()
                                        .and_then(|s| Id::parse(&s.credentials.shop_id).ok())
                                })
                                .unwrap_or_else(|| r.new_id(now_ms()));
                            (id, None)
                        }
                    };
                    r.plan_edit(now_ms(), &id, old.as_ref(), &shop)
                })
                .await;
            busy.set(false);
            match result {
                Ok(()) => status.set(Some(app.t().saved.to_owned())),
                Err(e) => error.set(Some(format!("{} {e}", app.t().storage_error))),
            }
        });
    };
    view! {
        <form class="card editor ss-shop" on:submit=submit>
            <h2>{move || t().ss_shop_profile}</h2>
            <TextField label=Signal::derive(move || t().shop_name) value=name error=Signal::derive(move || name_error.get()) />
            <label class="field" class:invalid=move || zone_error.with(Option::is_some)>
                <span class="field-label">{move || t().ss_time_zone}</span>
                <input
                    type="text"
                    list="ss-zones"
                    autocomplete="off"
                    autocapitalize="off"
                    spellcheck="false"
                    aria-invalid=move || zone_error.with(Option::is_some).then_some("true")
                    bind:value=zone
                />
                <datalist id="ss-zones">
                    {ZONES.iter().map(|z| view! { <option value=*z></option> }).collect_view()}
                </datalist>
                <span class="muted small">{move || t().ss_time_zone_hint}</span>
                <Show when=move || zone_error.with(Option::is_some)>
                    <span class="field-error" role="alert">{move || zone_error.get().unwrap_or_default()}</span>
                </Show>
            </label>
            <label class="field">
                <span class="field-label">{move || t().ss_currency}</span>
                <select on:change=move |ev| currency.set(event_target_value(&ev))>
                    {move || currencies().into_iter().map(|c| {
                        let (value, label) = (c.clone(), c.clone());
                        view! { <option value=c selected=move || currency.get() == value>{label}</option> }
                    }).collect_view()}
                </select>
            </label>
            <Show when=move || status.with(Option::is_some)>
                <p class="banner ok" role="status">{move || status.get().unwrap_or_default()}</p>
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <p class="banner error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <button type="submit" class="primary" disabled=move || busy.get()>{move || t().ss_save_shop}</button>
        </form>
    }
}
