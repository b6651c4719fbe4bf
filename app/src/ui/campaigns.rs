//! The owner's campaigns (活动) on the Stats screen (SPEC §1 Campaign, §3 "campaign results";
//! issue 11): the shop's campaigns newest first; **New campaign** (新建活动), whose target is
//! built from the Customers tab's chips with a live count of whom it matches and holds out;
//! **Start campaign** (开始活动), which freezes the targets and the holdout (the clerks' Today
//! then lists the treated ones); the results with the lift over the holdout and its 95 %
//! interval; and the review notes (复盘).
//!
//! The rules are core's: the form as typed → a campaign or each field that is wrong
//! (`domain::CampaignDraft`), whom a target picks, the start, the results and the notes
//! (`insights::campaigns`). Part of the lazily loaded Stats module.

use super::contact_form::{Choice, purpose_name};
use super::filter_chips::FilterChips;
use super::widgets::TextField;
use crate::i18n::{Lang, Texts, Words};
use crate::platform::{now_ms, random};
use crate::state::{AppState, use_app};
use chrono::NaiveDate;
use huike_core::domain::{
    Campaign, CampaignDraft, CampaignError, CampaignErrors, CampaignField, CampaignKind, Contact,
    ContactChannel, DaysSince, Entry, Money, Template, days_since, held_out, holdout_percent,
};
use huike_core::id::Id;
use huike_core::insights::campaigns::{self, Results, ReviewNote, Target};
use huike_core::insights::filter::{self, Filter, Sort};
use huike_core::op::RecordKind;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The kinds, in the order the form lists them (and `Texts::cp_kinds` names them).
const KINDS: [CampaignKind; 4] = [
    CampaignKind::Acquisition,
    CampaignKind::Conversion,
    CampaignKind::Return,
    CampaignKind::Referral,
];

/// The channels, in the order the form lists them (and `Texts::cp_channels` names them).
const CHANNELS: [Option<ContactChannel>; 7] = [
    None,
    Some(ContactChannel::Wechat),
    Some(ContactChannel::Phone),
    Some(ContactChannel::Sms),
    Some(ContactChannel::InPerson),
    Some(ContactChannel::Event),
    Some(ContactChannel::MailedSample),
];

/// The strings of the UI language `en` says.
fn texts(en: bool) -> &'static Texts {
    if en { Lang::En } else { Lang::ZhCn }.t()
}

/// A kind's name: 引流 / Acquisition, …
fn kind_name(kind: CampaignKind, en: bool) -> &'static str {
    texts(en).cp_kinds[KINDS.iter().position(|k| *k == kind).unwrap_or(0)]
}

/// A channel's name (`None`: any).
fn channel_name(channel: Option<ContactChannel>, en: bool) -> &'static str {
    texts(en).cp_channels[CHANNELS.iter().position(|c| *c == channel).unwrap_or(0)]
}

/// Where a campaign stands: draft (not started), running, ended (started, past its end).
fn status(campaign: &Campaign, day: NaiveDate) -> usize {
    if !campaigns::is_started(campaign) {
        0
    } else if campaign.end.is_some_and(|e| e < day) {
        2
    } else {
        1
    }
}

/// A campaign's dates in words.
fn dates(campaign: &Campaign, t: &Texts) -> String {
    match (campaign.start, campaign.end) {
        (Some(s), Some(e)) => t
            .cp_dates
            .replace("{from}", &s.to_string())
            .replace("{to}", &e.to_string()),
        (Some(s), None) => t.cp_from.replace("{from}", &s.to_string()),
        (None, Some(e)) => t
            .cp_dates
            .replace("{from}", "…")
            .replace("{to}", &e.to_string()),
        (None, None) => t.cp_no_dates.to_owned(),
    }
}

/// A refusal of the form in words.
fn refusal(e: CampaignError, t: &Texts) -> String {
    match e {
        CampaignError::Required => t.e_required.to_owned(),
        CampaignError::NotAnAmount => t.e_amount.to_owned(),
        CampaignError::Negative => t.e_negative.to_owned(),
        CampaignError::TooMuchMoney { max } => t
            .cp_e_too_much
            .replace("{max}", &(max.minor() / 100).to_string()),
        CampaignError::NotADate => t.date_invalid.to_owned(),
        CampaignError::BeforeToday => t.cp_e_past.to_owned(),
        CampaignError::EndBeforeStart => t.cp_e_end_before_start.to_owned(),
        CampaignError::NotAWholeNumber => t.e_whole.to_owned(),
        CampaignError::TooManyDays { max } => {
            t.cp_e_too_many_days.replace("{max}", &max.to_string())
        }
        CampaignError::BelowMinimum => t.cp_e_below_min.to_owned(),
        CampaignError::HoldoutOutOfRange { max } => {
            t.cp_e_holdout.replace("{max}", &max.to_string())
        }
    }
}

/// The first refusal of `field` in `errors`.
fn refusal_of(errors: &CampaignErrors, field: CampaignField) -> Option<CampaignError> {
    errors.iter().find(|(f, _)| *f == field).map(|(_, e)| *e)
}

/// The target of the chips `chosen` and the days since the last purchase.
fn target_of(chosen: &Filter, days: DaysSince) -> Target {
    Target {
        classes: chosen.classes.clone(),
        stages: chosen.stages.clone(),
        types: chosen.types.clone(),
        tags: chosen.tags.clone(),
        min_days_since: days.min,
        max_days_since: days.max,
        ..Target::default()
    }
}

/// `text` with each placeholder replaced by its value in a span of its class (a number a test
/// can read).
fn with_spans(text: &str, values: &[(&str, &'static str, String)]) -> Vec<AnyView> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let next = values
            .iter()
            .filter_map(|v| rest.find(v.0).map(|at| (at, v)))
            .min_by_key(|(at, _)| *at);
        let Some((at, (key, class, value))) = next else {
            out.push(rest.to_owned().into_any());
            return out;
        };
        out.push(rest[..at].to_owned().into_any());
        out.push(view! { <span class=*class>{value.clone()}</span> }.into_any());
        rest = &rest[at + key.len()..];
    }
}

/// Saves a campaign record (a new one, or a change of `old`).
async fn save(app: AppState, id: Id, old: Option<Campaign>, new: Campaign) -> Result<(), String> {
    app.save_local(|r| r.plan_edit(now_ms(), &id, old.as_ref(), &new))
        .await
        .map_err(|e| format!("{} {e}", app.t().storage_error))
}

/// The campaigns card of the Stats screen.
#[component]
pub(super) fn Campaigns() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let creating = RwSignal::new(false);
    // Every live campaign, newest first (ids are made from the device's clock).
    let list = Memo::new(move |_| {
        app.with_book(|book| {
            let mut all: Vec<(Id, Campaign)> = book
                .records(RecordKind::Campaign)
                .filter(|(_, s)| s.deleted.is_none())
                .filter_map(|(id, s)| Some((id.clone(), s.decode::<Campaign>().ok()?)))
                .collect();
            huike_core::sorting::sort_by(&mut all, |a, b| b.0.cmp(&a.0));
            all
        })
        .unwrap_or_default()
    });
    view! {
        <section class="card campaigns-card" aria-labelledby="campaigns-title">
            <div class="campaigns-head">
                <h2 id="campaigns-title">{move || t().cp_title}</h2>
                <Show when=move || !creating.get()>
                    <button type="button" class="button secondary" on:click=move |_| creating.set(true)>
                        {move || t().cp_new}
                    </button>
                </Show>
            </div>
            <Show when=move || creating.get()>
                <NewCampaign on_done=Callback::new(move |()| creating.set(false)) />
            </Show>
            <Show when=move || list.with(Vec::is_empty)>
                <p class="muted campaigns-empty">{move || t().cp_empty}</p>
            </Show>
            <ul class="campaign-list">
                <For each=move || list.get() key=|(id, _)| id.clone() let:item>
                    <CampaignRow id=item.0 list=list />
                </For>
            </ul>
        </section>
    }
}

/// **New campaign**: the form, saved as a draft campaign.
#[component]
fn NewCampaign(on_done: Callback<()>) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new(KINDS[0]);
    let goal = RwSignal::new(String::new());
    let budget = RwSignal::new(String::new());
    let start = RwSignal::new(String::new());
    let end = RwSignal::new(String::new());
    let min_days = RwSignal::new(String::new());
    let max_days = RwSignal::new(String::new());
    let template = RwSignal::new(None::<Id>);
    let channel = RwSignal::new(CHANNELS[0]);
    let holdout = RwSignal::new(Campaign::DEFAULT_HOLDOUT_PERCENT.to_string());
    let chosen = RwSignal::new(Filter::default());
    let errors = RwSignal::new(CampaignErrors::new());
    let banner = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // One record id per form: a second tap on Save cannot make a second campaign.
    let id = StoredValue::new(app.new_id());

    // The days are checked as they are typed (the count below follows them).
    let days = Memo::new(move |_| days_since(&min_days.get(), &max_days.get()));
    let error_of = move |field: CampaignField| {
        Signal::derive(move || {
            let found = match field {
                CampaignField::MinDaysSince | CampaignField::MaxDaysSince => {
                    days.with(|d| d.as_ref().err().and_then(|e| refusal_of(e, field)))
                }
                _ => errors.with(|e| refusal_of(e, field)),
            };
            found.map(|e| refusal(e, t()))
        })
    };

    // The chips' counts and whom the target matches, graded as the day's analysis grades them.
    let facets = Memo::new(move |_| {
        let chips = chosen.get();
        let today = app.today.get()?;
        app.with_views(|v| filter::filter(v.roster(), &today.analysis, &chips, Sort::Name).facets)
    });
    let matched = Memo::new(move |_| {
        let target = target_of(&chosen.get(), days.get().unwrap_or_default());
        let today = app.today.get()?;
        app.with_views(|v| campaigns::targets(&today.analysis, v.roster(), &target).len())
    });
    let match_line = move || {
        matched.get().map(|n| {
            let held = holdout_percent(&holdout.get())
                .map_or_else(|_| "—".to_owned(), |p| held_out(n, p).to_string());
            with_spans(
                t().cp_match,
                &[
                    ("{n}", "campaign-match-count", n.to_string()),
                    ("{m}", "campaign-match-held", held),
                ],
            )
        })
    };
    // The shop's templates, then the built-in ones in the UI language, those for the kind's
    // purpose first (`builtin:<language>:<n>`, as `campaigns::template_of` reads them).
    let templates = Memo::new(move |_| {
        let lang = app.lang.get();
        let en = lang == Lang::En;
        let wanted = campaigns::purpose(
            &Campaign {
                kind: kind.get(),
                ..Campaign::default()
            },
            None,
        );
        let mut out: Vec<(Option<Id>, String)> =
            vec![(None, lang.t().cp_template_by_kind.to_owned())];
        app.with_book(|book| {
            for (id, state) in book
                .records(RecordKind::Template)
                .filter(|(_, s)| s.deleted.is_none())
            {
                if let Ok(tpl) = state.decode::<Template>() {
                    let label = format!("{} · {}", purpose_name(tpl.purpose, en), tpl.name);
                    out.push((Some(id.clone()), label));
                }
            }
        });
        let built_in: Vec<(usize, Template)> = huike_core::message::default_templates(lang)
            .into_iter()
            .enumerate()
            .collect();
        let (first, rest): (Vec<_>, Vec<_>) =
            built_in.into_iter().partition(|(_, t)| t.purpose == wanted);
        for (n, tpl) in first.into_iter().chain(rest) {
            if let Ok(id) = Id::parse(&format!("builtin:{}:{n}", lang.tag())) {
                let label = format!(
                    "{} · {} ({})",
                    purpose_name(tpl.purpose, en),
                    tpl.name,
                    lang.t().cp_built_in
                );
                out.push((Some(id), label));
            }
        }
        out
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let draft = CampaignDraft {
            name: name.get_untracked(),
            kind: kind.get_untracked(),
            goal: goal.get_untracked(),
            budget: budget.get_untracked(),
            start: start.get_untracked(),
            end: end.get_untracked(),
            min_days_since: min_days.get_untracked(),
            max_days_since: max_days.get_untracked(),
            template: template.get_untracked(),
            channel: channel.get_untracked(),
            holdout_percent: holdout.get_untracked(),
        };
        let (mut campaign, range) = match draft.campaign(app.day.get_untracked()) {
            Ok(ok) => ok,
            Err(e) => {
                errors.set(e);
                banner.set(Some(t().fix_fields.to_owned()));
                return;
            }
        };
        errors.set(Vec::new());
        banner.set(None);
        campaign.target = chosen.with_untracked(|c| target_of(c, range)).to_value();
        busy.set(true);
        spawn_local(async move {
            let result = save(app, id.get_value(), None, campaign).await;
            busy.set(false);
            match result {
                Ok(()) => on_done.run(()),
                Err(e) => banner.set(Some(e)),
            }
        });
    };

    view! {
        <form class="editor campaign-form" on:submit=submit>
            <h3>{move || t().cp_new}</h3>
            <TextField label=Signal::derive(move || t().cp_name) value=name error=error_of(CampaignField::Name) />
            <Choice label=Signal::derive(move || t().cp_kind) options=&KINDS value=kind name=kind_name />
            <TextField label=Signal::derive(move || t().cp_goal) value=goal />
            <TextField
                label=Signal::derive(move || t().cp_budget)
                value=budget
                inputmode="decimal"
                placeholder="¥"
                error=error_of(CampaignField::Budget)
            />
            <p class="small muted field-hint">{move || t().cp_budget_hint}</p>
            <div class="picks">
                <TextField label=Signal::derive(move || t().cp_start) value=start kind="date" error=error_of(CampaignField::Start) />
                <TextField label=Signal::derive(move || t().cp_end) value=end kind="date" error=error_of(CampaignField::End) />
            </div>
            <p class="small muted field-hint">{move || t().cp_dates_hint}</p>
            <fieldset class="campaign-target">
                <legend>{move || t().cp_target}</legend>
                <p class="small muted">{move || t().cp_target_hint}</p>
                <FilterChips chosen=chosen facets=Signal::derive(move || facets.get().unwrap_or_default()) />
                <div class="picks">
                    <TextField
                        label=Signal::derive(move || t().cp_min_days)
                        value=min_days
                        inputmode="numeric"
                        error=error_of(CampaignField::MinDaysSince)
                    />
                    <TextField
                        label=Signal::derive(move || t().cp_max_days)
                        value=max_days
                        inputmode="numeric"
                        error=error_of(CampaignField::MaxDaysSince)
                    />
                </div>
                <p class="campaign-match" role="status" aria-live="polite">
                    {move || match_line().unwrap_or_else(|| vec![t().working.into_any()])}
                </p>
            </fieldset>
            <label class="field">
                <span class="field-label">{move || t().cp_template}</span>
                <select on:change=move |ev| {
                    let at = event_target_value(&ev).parse::<usize>().ok();
                    if let Some(picked) = at.and_then(|i| templates.with_untracked(|l| l.get(i).map(|(id, _)| id.clone()))) {
                        template.set(picked);
                    }
                }>
                    {move || {
                        templates
                            .get()
                            .into_iter()
                            .enumerate()
                            .map(|(i, (tid, label))| {
                                view! {
                                    <option value=i.to_string() selected=move || template.with(|t| *t == tid)>{label}</option>
                                }
                            })
                            .collect_view()
                    }}
                </select>
            </label>
            <Choice label=Signal::derive(move || t().cp_channel) options=&CHANNELS value=channel name=channel_name />
            <TextField
                label=Signal::derive(move || t().cp_holdout)
                value=holdout
                inputmode="numeric"
                error=error_of(CampaignField::Holdout)
            />
            <p class="small muted field-hint">{move || t().cp_holdout_hint}</p>
            <Show when=move || banner.with(Option::is_some)>
                <p class="banner warn" role="alert">{move || banner.get().unwrap_or_default()}</p>
            </Show>
            <div class="actions">
                <button type="submit" class="button primary" disabled=move || busy.get()>{move || t().save}</button>
                <button type="button" class="button ghost" on:click=move |_| on_done.run(())>{move || t().cancel}</button>
            </div>
        </form>
    }
}

/// One campaign: what, when, where it stands; Start on a draft, the results once started, and
/// the review notes.
#[component]
fn CampaignRow(id: Id, list: Memo<Vec<(Id, Campaign)>>) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let en = move || app.lang.get() == Lang::En;
    let campaign = {
        let id = id.clone();
        Memo::new(move |_| list.with(|l| l.iter().find(|(i, _)| *i == id).map(|(_, c)| c.clone())))
    };
    let started =
        Memo::new(move |_| campaign.with(|c| c.as_ref().is_some_and(campaigns::is_started)));
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let show = move |f: fn(&Campaign, &'static Texts, bool) -> String| {
        move || campaign.with(|c| c.as_ref().map(|c| f(c, t(), en())).unwrap_or_default())
    };
    let state = move || {
        let day = app.day.get();
        campaign.with(|c| c.as_ref().map_or(0, |c| status(c, day)))
    };
    let facts = show(|c, t, en| {
        let mut parts = Vec::new();
        if c.budget.minor() > 0 {
            parts.push(format!("{} {}", t.cp_budget, c.budget.with_sign("¥")));
        }
        let holdout = campaigns::holdout_percent(c);
        parts.push(format!("{} {holdout}%", t.cp_holdout));
        if c.channel.is_some() {
            parts.push(format!("{} {}", t.cp_channel, channel_name(c.channel, en)));
        }
        parts.join(" · ")
    });

    let start_it = {
        let id = id.clone();
        move |_| {
            if busy.get_untracked() {
                return;
            }
            let Some(old) = campaign.get_untracked() else {
                return;
            };
            let not_ready = || error.set(Some(t().cp_not_ready.to_owned()));
            let Some(today) = app.today.get_untracked() else {
                return not_ready();
            };
            let day = today.analysis.as_of();
            if old.end.is_some_and(|e| e < day) {
                return error.set(Some(t().cp_end_passed.to_owned()));
            }
            // A window never reaches back before the day the targets are frozen.
            let mut planned = old.clone();
            if planned.start.is_some_and(|s| s < day) {
                planned.start = Some(day);
            }
            let seed = u64::from_le_bytes(random::<8>());
            let next = app.insights.with_untracked(|v| {
                v.as_ref()
                    .map(|v| campaigns::start(&planned, &today.analysis, v.roster(), seed))
            });
            let Some(next) = next else {
                return not_ready();
            };
            if !campaigns::is_started(&next) {
                return error.set(Some(t().cp_no_targets.to_owned()));
            }
            error.set(None);
            busy.set(true);
            let id = id.clone();
            spawn_local(async move {
                let result = save(app, id, Some(old), next).await;
                busy.set(false);
                if let Err(e) = result {
                    error.set(Some(e));
                }
            });
        }
    };

    view! {
        <li class="campaign" data-status=move || ["draft", "running", "ended"][state()]>
            <div class="campaign-top">
                <h3 class="campaign-name">{show(|c, _, _| c.name.clone())}</h3>
                <span class="campaign-status">{move || t().cp_statuses[state()]}</span>
            </div>
            <p class="small muted">
                <span class="campaign-kind">{show(|c, _, en| kind_name(c.kind, en).to_owned())}</span>
                " · "
                <span class="campaign-dates">{show(|c, t, _| dates(c, t))}</span>
            </p>
            {move || {
                let goal = campaign.with(|c| c.as_ref().map(|c| c.goal.clone()).unwrap_or_default());
                (!goal.is_empty()).then(|| view! { <p class="campaign-goal">{move || t().cp_goal} ": " {goal}</p> })
            }}
            <p class="small muted campaign-facts">{facts}</p>
            <Show when=move || !started.get()>
                <p class="small muted">{move || t().cp_start_hint}</p>
                <button type="button" class="button primary" disabled=move || busy.get() on:click=start_it.clone()>
                    {move || t().cp_start_campaign}
                </button>
            </Show>
            <Show when=move || started.get()>
                <CampaignResults campaign=campaign />
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <p class="banner warn" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <ReviewNotes id=id.clone() campaign=campaign />
            <DeleteCampaign id=id.clone() />
        </li>
    }
}

/// **Delete campaign** (删除活动), confirmed: its customers leave Today; the contacts and
/// purchases already recorded stay.
#[component]
fn DeleteCampaign(id: Id) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let asking = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let delete = move |_| {
        let id = id.clone();
        spawn_local(async move {
            let result = app
                .save_local(|r| r.plan_delete(now_ms(), RecordKind::Campaign, id))
                .await;
            if let Err(e) = result {
                error.set(Some(format!("{} {e}", app.t().storage_error)));
            }
        });
    };
    view! {
        <div class="actions campaign-delete">
            <Show
                when=move || asking.get()
                fallback=move || view! {
                    <button type="button" class="button ghost danger" on:click=move |_| asking.set(true)>{move || t().cp_delete}</button>
                }
            >
                <p class="small muted">{move || t().cp_delete_hint}</p>
                <button type="button" class="button danger-fill" on:click=delete.clone()>{move || t().confirm_delete}</button>
                <button type="button" class="button secondary" on:click=move |_| asking.set(false)>{move || t().cancel}</button>
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <p class="banner error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </div>
    }
}

/// A rate as a whole percentage (`—` for an empty group).
fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.0}%", r * 100.0))
}

/// A difference of rates in whole percentage points.
fn points(x: f64) -> i64 {
    (x * 100.0).round() as i64
}

/// Whole percentage points with their sign (`+12`, `-3`, `0`).
fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

/// A started campaign's results, worked out once per change of the book, the day's analysis or
/// the campaign.
#[component]
fn CampaignResults(campaign: Memo<Option<Campaign>>) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    // `None` until the analysis and the book are there; `Some(None)` before the start date.
    let results = Memo::new(move |_| {
        let today = app.today.get()?;
        let campaign = campaign.get()?;
        app.with_insights(|book, views| {
            let template = campaign
                .template
                .as_ref()
                .and_then(|id| campaigns::template_of(book, id));
            let purpose = campaigns::purpose(&campaign, template.as_ref());
            // Only the targets' contacts: a customer's entries are kept together.
            let contacts: Vec<Contact> = campaign
                .targeted
                .iter()
                .flat_map(|id| views.timeline(book, id))
                .filter_map(|(_, e)| match e {
                    Entry::Contact(c) => Some(c),
                    _ => None,
                })
                .collect();
            campaigns::results(&campaign, purpose, &today.analysis, &contacts)
        })
    });
    view! {
        <div class="campaign-results">
            <h4>{move || t().cp_results}</h4>
            {move || match results.get() {
                None => view! { <p class="small muted" role="status">{t().working}</p> }.into_any(),
                Some(None) => view! { <p class="small muted campaign-not-yet">{t().cp_not_yet}</p> }.into_any(),
                Some(Some(r)) => results_view(r, t()).into_any(),
            }}
        </div>
    }
}

/// The figures of `r`, each number in an element of its own class.
fn results_view(r: Results, t: &'static Texts) -> impl IntoView {
    let money = |m: Money| m.with_sign("¥");
    let window = t
        .cp_window
        .replace("{from}", &r.from.to_string())
        .replace("{through}", &r.through.to_string());
    let on_spend = r
        .return_on_spend
        .map_or_else(|| "—".to_owned(), |x| format!("{x:.2}"));
    let lift = r.lift.map(|l| {
        let (d, lo, hi) = (points(l.difference), points(l.low), points(l.high));
        let template = match d {
            d if d > 0 => t.cp_lift_more,
            d if d < 0 => t.cp_lift_less,
            _ => t.cp_lift_same,
        };
        let line = template
            .replace("{d}", &d.abs().to_string())
            .replace("{lo}", &lo.to_string())
            .replace("{hi}", &hi.to_string());
        let unsure = (l.low <= 0.0 && l.high >= 0.0).then_some(t.cp_lift_unsure);
        (d, lo, hi, line, unsure)
    });
    let incremental = r.incremental_revenue;
    let holdout_contacted = r.holdout_contacted;
    view! {
        <p class="small muted campaign-window">{window}</p>
        <dl class="campaign-figures">
            <div><dt>{t.cp_treated}</dt><dd class="campaign-treated">{r.treated.size}</dd></div>
            <div><dt>{t.cp_held_out}</dt><dd class="campaign-holdout">{r.holdout.size}</dd></div>
            <div><dt>{t.cp_contacted}</dt><dd class="campaign-contacted">{r.contacted}</dd></div>
            <div><dt>{t.cp_reached}</dt><dd class="campaign-reached">{r.reached}</dd></div>
            <div>
                <dt>{t.cp_came_back}</dt>
                <dd>
                    <span class="campaign-came-back">{r.treated.came_back}</span>
                    " (" <span class="campaign-came-back-rate">{percent(r.treated.rate())}</span> ")"
                </dd>
            </div>
            <div>
                <dt>{t.cp_held_out} " · " {t.cp_came_back}</dt>
                <dd>
                    <span class="campaign-holdout-came-back">{r.holdout.came_back}</span>
                    " (" <span class="campaign-holdout-rate">{percent(r.holdout.rate())}</span> ")"
                </dd>
            </div>
            <div><dt>{t.cp_contacted_came_back}</dt><dd class="campaign-contacted-came-back">{r.contacted_came_back}</dd></div>
            <div><dt>{t.cp_revenue}</dt><dd class="campaign-revenue">{money(r.treated.revenue)}</dd></div>
            <div><dt>{t.cp_cost}</dt><dd class="campaign-cost">{money(r.cost)}</dd></div>
            <div><dt>{t.cp_return}</dt><dd class="campaign-return">{on_spend}</dd></div>
            {incremental.map(|m| view! {
                <div><dt>{t.cp_incremental}</dt><dd class="campaign-incremental">{money(m)}</dd></div>
            })}
            <div class="campaign-lift-figure">
                <dt>{t.cp_lift}</dt>
                <dd>
                    {match &lift {
                        Some((d, lo, hi, _, _)) => view! {
                            {with_spans(t.cp_points, &[("{n}", "campaign-lift", signed(*d))])}
                            " (95%: " <span class="campaign-lift-low">{lo.to_string()}</span>
                            " … " <span class="campaign-lift-high">{hi.to_string()}</span> ")"
                        }
                        .into_any(),
                        None => view! { <span class="campaign-lift campaign-no-lift">"—"</span> }.into_any(),
                    }}
                </dd>
            </div>
        </dl>
        {match lift {
            Some((_, _, _, line, unsure)) => view! {
                <p class="campaign-lift-line">{line}</p>
                {unsure.map(|u| view! { <p class="small muted campaign-lift-unsure">{u}</p> })}
            }
            .into_any(),
            None => view! { <p class="campaign-lift-line campaign-no-lift">{t.cp_no_lift}</p> }.into_any(),
        }}
        {(holdout_contacted > 0).then(|| view! {
            <p class="small muted campaign-holdout-contacted">
                {t.cp_holdout_contacted.replace("{n}", &holdout_contacted.to_string())}
            </p>
        })}
    }
}

/// The review notes (复盘) of a campaign, with who wrote each, and **Add note**.
#[component]
fn ReviewNotes(id: Id, campaign: Memo<Option<Campaign>>) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let notes = Memo::new(move |_| {
        campaign.with(|c| c.as_ref().map(campaigns::review_notes).unwrap_or_default())
    });
    // The staff's names by device.
    let names = Memo::new(move |_| {
        app.with_views(|v| {
            v.team()
                .devices
                .iter()
                .map(|(id, d)| (id.clone(), d.display_name.clone()))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
    });
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let typed = text.get_untracked();
        let typed = typed.trim();
        if typed.is_empty() {
            return error.set(Some(t().cp_note_required.to_owned()));
        }
        let Some(old) = campaign.get_untracked() else {
            return;
        };
        let note = ReviewNote {
            on: app.day.get_untracked(),
            by: app.staff(),
            text: typed.to_owned(),
        };
        // One more member of the set: notes written on two devices at once both survive.
        let mut new = old.clone();
        let member = note.member();
        if !new.review_notes.contains(&member) {
            new.review_notes.push(member);
        }
        error.set(None);
        busy.set(true);
        let id = id.clone();
        spawn_local(async move {
            let result = save(app, id, Some(old), new).await;
            busy.set(false);
            match result {
                Ok(()) => text.set(String::new()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="campaign-review">
            <h4>{move || t().cp_review}</h4>
            <Show when=move || notes.with(Vec::is_empty)>
                <p class="small muted">{move || t().cp_no_notes}</p>
            </Show>
            <ul class="review-notes">
                <For each=move || notes.get() key=ReviewNote::member let:note>
                    {
                        let by = note.by.clone();
                        let author = move || {
                            by.as_ref()
                                .and_then(|b| names.with(|n| n.iter().find(|(i, _)| i == b).map(|(_, d)| d.clone())))
                                .filter(|name| !name.is_empty())
                                .unwrap_or_else(|| t().cp_unknown_author.to_owned())
                        };
                        view! {
                            <li class="review-note">
                                <p class="small muted">
                                    <span class="review-note-date">{note.on.to_string()}</span>
                                    " · "
                                    <span class="review-note-author">{author}</span>
                                </p>
                                <p class="review-note-text">{note.text.clone()}</p>
                            </li>
                        }
                    }
                </For>
            </ul>
            <form class="review-form" on:submit=add>
                <label class="field">
                    <span class="field-label">{move || t().cp_note}</span>
                    <textarea rows="3" bind:value=text></textarea>
                </label>
                <Show when=move || error.with(Option::is_some)>
                    <p class="banner warn" role="alert">{move || error.get().unwrap_or_default()}</p>
                </Show>
                <button type="submit" class="button secondary" disabled=move || busy.get()>
                    {move || t().cp_add_note}
                </button>
            </form>
        </div>
    }
}
