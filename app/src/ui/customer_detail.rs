//! One customer's card, with editing.

use super::compose::compose_sheet;
use super::contact_form::contact_form;
use super::customer_form::{customer_editor, source_name};
use super::purchase_form::PurchaseForm;
use super::timeline::timeline_section;
use super::visit_form::visit_form;
use super::widgets::later;
use crate::i18n::Lang;
use crate::route::Link;
use crate::route::{Pane, Screen, use_location};
use crate::state::use_app;
use huike_core::domain::{Customer, Role, anniversary_lines, child_line};
use huike_core::id::Id;
use huike_core::insights::referrals::referrals;
use huike_core::op::RecordKind;
use huike_core::segment::MIN_BUYERS_FOR_CLASSES;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The customer card at `/customers/:id`.
#[component]
pub(super) fn CustomerDetail() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let location = use_location();
    let id = Memo::new(move |_| match Screen::of(&location.path()) {
        Screen::Customers(Pane::Card(id)) => Id::parse(&id).ok(),
        _ => None,
    });
    let customer = Memo::new(move |_| {
        let id = id.get()?;
        app.with_book(|book| book.get::<Customer>(&id)).flatten()
    });
    let editing = RwSignal::new(false);
    // A different customer opens as a card, not in the editor.
    Effect::new(move |_| {
        id.track();
        editing.set(false);
    });
    let done = Callback::new(move |()| editing.set(false));
    let just_added = Signal::derive(move || location.query("saved").is_some());
    // While the book is still opening (the list shows already), the card waits for it.
    let not_found = move || {
        if app.opening.with(Option::is_some) {
            view! { <div class="empty"><p role="status">{move || t().opening_book}</p></div> }
                .into_any()
        } else {
            view! { <div class="empty"><p>{move || t().not_found}</p><Link href="/customers">{move || t().back}</Link></div> }.into_any()
        }
    };
    view! {
        <Show when=move || customer.with(Option::is_some) fallback=not_found>
            <Show
                when=move || editing.get()
                fallback=move || {
                    let id = id.get()?;
                    customer.get().map(|c| view! { <Card id=id c=c editing=editing just_added=just_added /> })
                }
            >
                // The editor starts from the record as it is now and is not rebuilt when a
                // sync changes the record meanwhile: saving writes only the fields edited here.
                {move || {
                    let (id, c) = (id.get_untracked(), customer.get_untracked().unwrap_or_default());
                    later(customer_editor(id, c, true, Some(done)))
                }}
            </Show>
        </Show>
    }
}

/// Which entry form is open on the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Recording {
    Purchase,
    Visit,
    Contact,
}

#[component]
fn Card(id: Id, c: Customer, editing: RwSignal<bool>, just_added: Signal<bool>) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let en = move || app.lang.get() == Lang::En;
    let phone = c.phone().unwrap_or_default().to_owned();
    let tel = format!("tel:{phone}");
    let source = c.source;
    let tags: Vec<String> = c.tags.iter().cloned().collect();
    let created = c
        .created_at
        .map(|d| d.date().to_string())
        .unwrap_or_default();
    let has_phone = !phone.is_empty();
    let (wechat, notes) = (c.wechat.clone(), c.notes.clone());
    let (has_wechat, has_notes, has_birthday) =
        (!wechat.is_empty(), !notes.is_empty(), c.birthday.is_some());
    let birthday = c.birthday.map(|d| d.to_string()).unwrap_or_default();
    // Each child's age or due date and the anniversaries, as of the shop's today.
    let key_dates = {
        let c = c.clone();
        move || {
            let (day, lang) = (app.day.get(), app.lang.get());
            let children: Vec<String> = c
                .children
                .iter()
                .map(|k| child_line(k, day, lang))
                .collect();
            (children, anniversary_lines(&c, day, lang))
        }
    };
    let (vip, do_not_contact) = (c.vip, c.do_not_contact);
    // Who comes along with them (连带资源): "张阿姨（婆婆）", "张阿姨 (婆婆)" in English.
    let connections: Vec<String> = c
        .connections
        .iter()
        .map(|k| match (k.relation.as_str(), app.lang.get_untracked()) {
            ("", _) => k.name.clone(),
            (relation, Lang::ZhCn) => format!("{}（{relation}）", k.name),
            (relation, Lang::En) => format!("{} ({relation})", k.name),
        })
        .collect();
    let has_connections = !connections.is_empty();
    // Who brought this customer, and whom they brought (names from the kept list).
    let name_of = move |id: &Id| {
        app.with_views(|v| v.roster().row(id).map(|r| r.name.clone()))
            .flatten()
            .unwrap_or_else(|| id.to_string())
    };
    let referred_by = c.referrer.clone().map(|rid| {
        let name = name_of(&rid);
        (format!("/customers/{rid}"), name)
    });
    let referred = {
        let id = id.clone();
        Memo::new(move |_| {
            app.with_book(|book| referrals(book, &id))
                .unwrap_or_default()
                .iter()
                .map(|rid| (format!("/customers/{rid}"), name_of(rid)))
                .collect::<Vec<_>>()
        })
    };
    let recording = RwSignal::new(None::<Recording>);
    let recorded = Callback::new(move |()| recording.set(None));
    let (for_purchase, for_visit, for_contact) = (id.clone(), id.clone(), id.clone());
    let (for_compose, for_timeline, for_delete) = (id.clone(), id.clone(), id.clone());
    let (for_complaints, for_wallet) = (id.clone(), id.clone());
    let owner = app
        .session
        .with_untracked(|s| s.as_ref().is_some_and(|s| s.role() == Role::Owner));
    view! {
        <article class="card customer-card">
            <div class="editor-head">
                <Link href="/customers" attr:class="button ghost back">{move || t().back}</Link>
                <h2 class="customer-name">{c.name.clone()}</h2>
            </div>
            <Show when=move || just_added.get()>
                <p class="banner ok" role="status">{move || t().saved}</p>
            </Show>
            <dl class="facts">
                <dt>{move || t().phone}</dt>
                <dd class="phone">{phone.clone()}</dd>
                <Show when=move || has_wechat>
                    <dt>{move || t().wechat}</dt>
                    <dd>{wechat.clone()}</dd>
                </Show>
                <dt>{move || t().source}</dt>
                <dd>{move || source.map(|s| source_name(s, en())).unwrap_or("—")}</dd>
                <Show when=move || has_birthday>
                    <dt>{move || t().birthday}</dt>
                    <dd>{birthday.clone()}</dd>
                </Show>
                <dt>{move || t().added_on}</dt>
                <dd>{created}</dd>
                {referred_by.map(|(href, name)| view! {
                    <dt>{move || t().referred_by}</dt>
                    <dd class="referred-by"><Link href=href>{name}</Link></dd>
                })}
                <Show when=move || referred.with(|r| !r.is_empty())>
                    <dt>{move || t().referrals}</dt>
                    <dd class="referrals">
                        {move || referred.get().into_iter().map(|(href, name)| view! { <span class="line"><Link href=href>{name}</Link></span> }).collect_view()}
                    </dd>
                </Show>
                {move || {
                    let (children, anniversaries) = key_dates();
                    let list = |lines: Vec<String>| lines.into_iter().map(|l| view! { <span class="line">{l}</span> }).collect_view();
                    view! {
                        <Show when={let any = !children.is_empty(); move || any}>
                            <dt>{move || t().children}</dt>
                            <dd class="children">{list(children.clone())}</dd>
                        </Show>
                        <Show when={let any = !anniversaries.is_empty(); move || any}>
                            <dt>{move || t().anniversaries}</dt>
                            <dd class="anniversaries">{list(anniversaries.clone())}</dd>
                        </Show>
                    }
                }}
                <Show when=move || has_connections>
                    <dt>{move || t().connections}</dt>
                    <dd class="connections">
                        {connections.iter().map(|l| view! { <span class="line">{l.clone()}</span> }).collect_view()}
                    </dd>
                </Show>
            </dl>
            <Grades id=id />
            <div class="tags" aria-label=move || t().tags>
                <Show when=move || vip><span class="tag vip">"VIP"</span></Show>
                <Show when=move || do_not_contact><span class="tag dnc">{move || t().do_not_contact}</span></Show>
                {tags.into_iter().map(|tag| view! { <span class="tag">{tag}</span> }).collect_view()}
            </div>
            <Show when=move || has_notes>
                <p class="notes">{notes.clone()}</p>
            </Show>
            <div class="actions">
                <button type="button" class="button primary" on:click=move |_| recording.set(Some(Recording::Purchase))>{move || t().record_purchase}</button>
                <button type="button" class="button secondary" on:click=move |_| recording.set(Some(Recording::Visit))>{move || t().record_visit}</button>
                <button type="button" class="button secondary" on:click=move |_| recording.set(Some(Recording::Contact))>{move || t().log_contact}</button>
                <Show when=move || has_phone>
                    <a class="button secondary" href=tel.clone()>{move || t().call}</a>
                </Show>
                <button type="button" class="button secondary" on:click=move |_| editing.set(true)>{move || t().edit}</button>
            </div>
            <Show when=move || recording.get() == Some(Recording::Purchase)>
                <PurchaseForm customer=for_purchase.clone() on_done=recorded />
            </Show>
            <Show when=move || recording.get() == Some(Recording::Visit)>
                {later(visit_form(for_visit.clone(), recorded))}
            </Show>
            <Show when=move || recording.get() == Some(Recording::Contact)>
                {later(contact_form(for_contact.clone(), recorded))}
            </Show>
            {later(super::wallet::wallet_section(for_wallet))}
            {later(compose_sheet(for_compose))}
            {later(super::complaints::complaints_section(for_complaints))}
            {later(timeline_section(for_timeline))}
            // Clerks cannot delete customers (the server refuses it too).
            <Show when=move || owner>
                <DeleteCustomer id=for_delete.clone() />
            </Show>
        </article>
    }
}

/// **Delete customer** (owner only), optionally erasing their personal data everywhere.
#[component]
fn DeleteCustomer(id: Id) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let asking = RwSignal::new(false);
    let erase = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let location = use_location();
    let confirm = move |_| {
        let id = id.clone();
        spawn_local(async move {
            let now = crate::platform::now_ms();
            let result = if erase.get_untracked() {
                app.save_local(|r| r.plan_erase(now, id)).await
            } else {
                app.save_local(|r| r.plan_delete(now, RecordKind::Customer, id))
                    .await
            };
            match result {
                Ok(()) => location.navigate("/customers"),
                Err(e) => error.set(Some(format!("{} {e}", t().storage_error))),
            }
        });
    };
    view! {
        <div class="danger-zone">
            <Show
                when=move || asking.get()
                fallback=move || view! {
                    <button type="button" class="ghost danger" on:click=move |_| asking.set(true)>{move || t().delete_customer}</button>
                }
            >
                <label class="check">
                    <input type="checkbox" prop:checked=move || erase.get() on:change=move |ev| erase.set(event_target_checked(&ev)) />
                    <span>{move || t().erase_personal_data}</span>
                </label>
                <div class="actions">
                    <button type="button" class="danger" on:click=confirm.clone()>{move || t().confirm_delete}</button>
                    <button type="button" class="ghost" on:click=move |_| asking.set(false)>{move || t().cancel}</button>
                </div>
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <p class="banner error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </div>
    }
}

/// What the analysis says about one customer today: RFM class and scores, customer type,
/// lifecycle stage, and why to contact them today (if they are on the list).
#[derive(Clone, Debug, PartialEq)]
struct Grading {
    /// The RFM class, or why it is not shown yet.
    class: String,
    shop_class: &'static str,
    stage: &'static str,
    rfm: Option<String>,
    /// P(alive) and 12-month CLV, or why there are none (`None`: not a buyer).
    outlook: Option<Result<(String, String), &'static str>>,
    reasons: Vec<String>,
}

#[component]
fn Grades(id: Id) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let grading = Memo::new(move |_| {
        let lang = app.lang.get();
        let pick = |zh: &'static str, en: &'static str| if lang == Lang::En { en } else { zh };
        app.today.with(|today| {
            let today = today.as_ref()?;
            let c = today.analysis.index_of(&id)?;
            let seg = &today.analysis.segments[c];
            let item = today.agenda.of_customer(c);
            let meaningful = today.analysis.classes_meaningful();
            let class = if meaningful {
                seg.class.map_or("—", |k| pick(k.zh(), k.en())).to_owned()
            } else {
                t().too_few_buyers
                    .replace("{n}", &today.analysis.buyers().to_string())
                    .replace("{min}", &MIN_BUYERS_FOR_CLASSES.to_string())
            };
            let outlook = seg.rfm.map(|_| match today.outlook.get(c) {
                Some(p) => Ok((format!("{:.0}%", p.p_alive * 100.0), p.clv.with_sign("¥"))),
                None => Err(t().not_enough_data),
            });
            Some(Grading {
                class,
                shop_class: pick(seg.shop_class.zh(), seg.shop_class.en()),
                stage: pick(seg.lifecycle.stage.zh(), seg.lifecycle.stage.en()),
                rfm: seg
                    .rfm
                    .filter(|_| meaningful)
                    .map(|r| format!("R{} F{} M{}", r.r, r.f, r.m)),
                outlook,
                reasons: item
                    .map(|i| i.reasons.iter().map(|r| r.describe(lang)).collect())
                    .unwrap_or_default(),
            })
        })
    });
    move || {
        grading.get().map(|g| {
            let has_reasons = !g.reasons.is_empty();
            view! {
                <dl class="facts grades">
                    <dt>{move || t().rfm_class}</dt>
                    <dd class="rfm-class">{g.class}</dd>
                    <dt>{move || t().shop_class}</dt>
                    <dd class="shop-class">{g.shop_class}</dd>
                    <dt>{move || t().stage}</dt>
                    <dd class="stage">{g.stage}</dd>
                    {g.rfm.map(|rfm| view! { <dt>"RFM"</dt><dd class="rfm">{rfm}</dd> })}
                    {g.outlook.map(|outlook| match outlook {
                        Ok((p_alive, clv)) => view! {
                            <dt>{move || t().p_alive}</dt>
                            <dd class="p-alive">{p_alive}</dd>
                            <dt>{move || t().clv}</dt>
                            <dd class="clv">{clv}</dd>
                        }.into_any(),
                        Err(why) => view! {
                            <dt>{move || t().p_alive}</dt>
                            <dd class="p-alive muted">{why}</dd>
                        }.into_any(),
                    })}
                </dl>
                <Show when=move || has_reasons>
                    <p class="small muted">{move || t().to_contact_today}</p>
                    <div class="reasons today-reasons">
                        {g.reasons.iter().enumerate().map(|(i, r)| view! { <span class="reason" class:top=i == 0>{r.clone()}</span> }).collect_view()}
                    </div>
                </Show>
            }
        })
    }
}
