//! Settings → Rules (规则, the owner's): re-buy cycles per product category, contact cadence
//! per class, lifecycle thresholds, the analysis window and the daily capacity per staff
//! member — each field refused next to it when it is not a number the rules take (core's
//! `insights::rules_effect::RulesDraft`), and the effect of the new rules on today shown
//! before they are saved (`rules_effect::effect`). Saving writes the rules record, which syncs
//! to the clerks' devices.

use super::widgets::TextField;
use crate::i18n::{Lang, Texts};
use crate::platform::now_ms;
use crate::state::use_app;
use huike_core::domain::Rules;
use huike_core::id::Id;
use huike_core::insights::rules_effect::{
    CadenceRow, Effect as RulesEffect, RuleError, RuleField, RulesDraft, effect,
};
use huike_core::segment::class::{RfmClass, ShopClass};
use huike_core::segment::stage::Stage;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// A rule error in words.
fn rule_error(e: RuleError, t: &Texts) -> String {
    match e {
        RuleError::NotWhole => t.ss_e_whole,
        RuleError::TooLarge => t.ss_e_too_large,
        RuleError::NotMultiple => t.ss_e_multiple,
        RuleError::ChurnBeforeDecline => t.ss_e_churn,
        RuleError::NoCategory => t.ss_e_no_category,
        RuleError::DuplicateCategory => t.ss_e_duplicate,
    }
    .to_owned()
}

/// The name of a cadence key's class in the UI language.
fn class_name(key: &str, en: bool) -> String {
    let rfm = RfmClass::ALL
        .iter()
        .find(|c| c.key() == key)
        .map(|c| if en { c.en() } else { c.zh() });
    let shop = ShopClass::ALL
        .iter()
        .find(|c| c.key() == key)
        .map(|c| if en { c.en() } else { c.zh() });
    rfm.or(shop).unwrap_or(key).to_owned()
}

/// A stage's name in the UI language.
fn stage_name(stage: Stage, en: bool) -> &'static str {
    if en { stage.en() } else { stage.zh() }
}

/// The lines saying what the new rules change today.
fn effect_lines(e: &RulesEffect, t: &Texts, en: bool) -> Vec<String> {
    let mut lines: Vec<String> = Stage::ALL
        .iter()
        .filter(|&&s| e.moved_to[s as usize] > 0)
        .map(|&s| {
            t.ss_moves_to
                .replace("{stage}", stage_name(s, en))
                .replace("{n}", &e.moved_to[s as usize].to_string())
        })
        .collect();
    if e.reclassed > 0 {
        lines.push(t.ss_reclassed.replace("{n}", &e.reclassed.to_string()));
    }
    for (what, (old, new)) in [
        (t.ss_rebuy_today, e.rebuy),
        (t.ss_cadence_today, e.cadence),
        (t.ss_reactivation_today, e.reactivation),
        (t.ss_listed_today, e.listed),
    ] {
        if old != new {
            let delta = new as i64 - old as i64;
            lines.push(
                t.ss_change_line
                    .replace("{what}", what)
                    .replace("{old}", &old.to_string())
                    .replace("{new}", &new.to_string())
                    .replace("{delta}", &format!("{delta:+}")),
            );
        }
    }
    lines
}

/// The **Rules** card.
#[component]
pub(super) fn RulesCard() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let en = move || app.lang.get() == Lang::En;
    let current = Memo::new(move |_| app.with_views(|v| v.rules().clone()).unwrap_or_default());
    // The fields, as typed. Rows carry a key of their own so a row keeps its inputs (and
    // their focus) while another is added or removed.
    let next_key = StoredValue::new(0u32);
    let rebuy = RwSignal::new(Vec::<(u32, String, String)>::new());
    let cadence = RwSignal::new(Vec::<CadenceRow>::new());
    // The cadence rows' keys: the rows are drawn anew only when these change (on load).
    let cadence_keys = RwSignal::new(Vec::<String>::new());
    // The rules the fields were last filled from.
    let loaded = StoredValue::new(Rules::default());
    let decline = RwSignal::new(String::new());
    let churn = RwSignal::new(String::new());
    let churn_min = RwSignal::new(String::new());
    let window = RwSignal::new(String::new());
    let capacity = RwSignal::new(String::new());
    let status = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let load = move |rules: &Rules| {
        let draft = RulesDraft::of(rules);
        rebuy.set(
            draft
                .rebuy
                .into_iter()
                .map(|(c, d)| {
                    let key = next_key.get_value();
                    next_key.set_value(key + 1);
                    (key, c, d)
                })
                .collect(),
        );
        let keys: Vec<String> = draft.cadence.iter().map(|r| r.key.clone()).collect();
        cadence.set(draft.cadence);
        if cadence_keys.with_untracked(|k| *k != keys) {
            cadence_keys.set(keys);
        }
        decline.set(draft.decline_multiplier);
        churn.set(draft.churn_multiplier);
        churn_min.set(draft.churn_min_days);
        window.set(draft.window_days);
        capacity.set(draft.daily_capacity);
        loaded.set_value(rules.clone());
    };
    load(&current.get_untracked());
    let draft = Memo::new(move |_| RulesDraft {
        rebuy: rebuy.with(|r| r.iter().map(|(_, c, d)| (c.clone(), d.clone())).collect()),
        cadence: cadence.get(),
        decline_multiplier: decline.get(),
        churn_multiplier: churn.get(),
        churn_min_days: churn_min.get(),
        window_days: window.get(),
        daily_capacity: capacity.get(),
    });
    let parsed = Memo::new(move |_| draft.with(|d| current.with(|c| d.rules(c))));
    let error_of = move |field: RuleField| {
        parsed.with(|p| {
            p.as_ref()
                .err()
                .and_then(|errors| errors.iter().find(|(f, _)| *f == field))
                .map(|(_, e)| rule_error(*e, t()))
        })
    };
    let field_error = move |field: RuleField| Signal::derive(move || error_of(field));
    // The shop's rules changed (read late, or synced from another device) while the fields
    // were untouched: show the new ones.
    Effect::new(move |_| {
        let now = current.get();
        let untouched = parsed.with_untracked(|p| p.as_ref().ok() == Some(&loaded.get_value()));
        if untouched && now != loaded.get_value() {
            load(&now);
        }
    });

    // The effect of the rules as typed, worked out a moment after typing stops.
    let effect_of = RwSignal::new(None::<(Rules, RulesEffect)>);
    let job = StoredValue::new(0u64);
    Effect::new(move |_| {
        let wanted = parsed.get();
        let now = current.get();
        let day = app.day.get();
        let mine = job.get_value() + 1;
        job.set_value(mine);
        let Ok(new) = wanted else { return };
        if new == now {
            return;
        }
        spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(300).await;
            if job.get_value() != mine {
                return;
            }
            let worked = app
                .insights
                .with_untracked(|v| v.as_ref().map(|v| effect(v, day, &new)));
            if let Some(e) = worked {
                effect_of.set(Some((new, e)));
            }
        });
    });
    let effect_view = move || {
        let (t, en) = (t(), en());
        let lines = match parsed.get() {
            Err(_) => return view! { <p class="muted small">{t.ss_effect_fix}</p> }.into_any(),
            Ok(new) if new == current.get() => {
                return view! { <p class="muted small">{t.ss_effect_unchanged}</p> }.into_any();
            }
            Ok(new) => effect_of.with(|e| match e {
                Some((for_rules, e)) if *for_rules == new => Some(effect_lines(e, t, en)),
                _ => None,
            }),
        };
        match lines {
            None => view! { <p class="muted small">{t.ss_effect_working}</p> }.into_any(),
            Some(lines) if lines.is_empty() => {
                view! { <p class="ss-effect-none">{t.ss_effect_nothing}</p> }.into_any()
            }
            Some(lines) => view! {
                <ul class="ss-effect-lines">
                    {lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
                </ul>
            }
            .into_any(),
        }
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        status.set(None);
        let Ok(new) = parsed.get_untracked() else {
            return error.set(Some(t().ss_effect_fix.to_owned()));
        };
        let Ok(id) = Id::parse(Rules::ID) else {
            return;
        };
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            let result = app
                .save_local(|r| {
                    let old: Option<Rules> = r.book().get(&id);
                    r.plan_edit(now_ms(), &id, old.as_ref(), &new)
                })
                .await;
            busy.set(false);
            match result {
                Ok(()) => status.set(Some(app.t().saved.to_owned())),
                Err(e) => error.set(Some(format!("{} {e}", app.t().storage_error))),
            }
        });
    };
    let add_category = move |_| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        rebuy.update(|r| r.push((key, String::new(), String::new())));
    };
    let position = move |key: u32| rebuy.with(|r| r.iter().position(|(k, _, _)| *k == key));
    let set_row = move |key: u32, category: Option<String>, days: Option<String>| {
        rebuy.update(|r| {
            if let Some(row) = r.iter_mut().find(|(k, _, _)| *k == key) {
                if let Some(c) = category {
                    row.1 = c;
                }
                if let Some(d) = days {
                    row.2 = d;
                }
            }
        })
    };
    let row_error = move |key: u32, field: fn(usize) -> RuleField| {
        position(key).and_then(|i| error_of(field(i)))
    };

    view! {
        <form class="card editor ss-rules" on:submit=submit>
            <h2>{move || t().ss_rules}</h2>
            <p class="muted small">{move || t().ss_rules_hint}</p>

            <fieldset class="ss-rebuy">
                <legend class="ss-legend">{move || t().ss_rebuy_cycles}</legend>
                <For each=move || rebuy.with(|r| r.iter().map(|(k, _, _)| *k).collect::<Vec<_>>()) key=|k| *k let:key>
                    <div class="ss-rule-row" data-row=key>
                        <label class="field" class:invalid=move || row_error(key, RuleField::Category).is_some()>
                            <span class="field-label">{move || t().category}</span>
                            <input
                                type="text"
                                prop:value=move || rebuy.with(|r| r.iter().find(|(k, _, _)| *k == key).map(|(_, c, _)| c.clone()).unwrap_or_default())
                                on:input=move |ev| set_row(key, Some(event_target_value(&ev)), None)
                            />
                            {move || row_error(key, RuleField::Category).map(|e| view! { <span class="field-error" role="alert">{e}</span> })}
                        </label>
                        <label class="field ss-days" class:invalid=move || row_error(key, RuleField::CycleDays).is_some()>
                            <span class="field-label">{move || t().ss_cycle_days}</span>
                            <input
                                type="text"
                                inputmode="numeric"
                                prop:value=move || rebuy.with(|r| r.iter().find(|(k, _, _)| *k == key).map(|(_, _, d)| d.clone()).unwrap_or_default())
                                on:input=move |ev| set_row(key, None, Some(event_target_value(&ev)))
                            />
                            {move || row_error(key, RuleField::CycleDays).map(|e| view! { <span class="field-error" role="alert">{e}</span> })}
                        </label>
                        <button type="button" class="ghost danger ss-remove" on:click=move |_| rebuy.update(|r| r.retain(|(k, _, _)| *k != key))>
                            {move || t().remove}
                        </button>
                    </div>
                </For>
                <button type="button" class="secondary" on:click=add_category>{move || t().ss_add_category}</button>
            </fieldset>

            <fieldset class="ss-cadence">
                <legend class="ss-legend">{move || t().ss_cadence}</legend>
                <p class="muted small">{move || t().ss_cadence_hint}</p>
                <div class="ss-grid">
                    {move || cadence_keys.get().into_iter().enumerate().map(|(i, key)| {
                        let label = {
                            let key = key.clone();
                            move || class_name(&key, en())
                        };
                        let invalid = move || error_of(RuleField::Cadence(i));
                        view! {
                            <label class="field ss-days" class:invalid=move || invalid().is_some() data-key=key>
                                <span class="field-label">{label}</span>
                                <input
                                    type="text"
                                    inputmode="numeric"
                                    prop:value=move || cadence.with(|c| c.get(i).map(|r| r.days.clone()).unwrap_or_default())
                                    on:input=move |ev| {
                                        let v = event_target_value(&ev);
                                        cadence.update(|c| if let Some(r) = c.get_mut(i) { r.days = v; });
                                    }
                                />
                                {move || invalid().map(|e| view! { <span class="field-error" role="alert">{e}</span> })}
                            </label>
                        }
                    }).collect_view()}
                </div>
            </fieldset>

            <fieldset class="ss-lifecycle">
                <legend class="ss-legend">{move || t().ss_lifecycle}</legend>
                <div class="ss-grid">
                    <TextField label=Signal::derive(move || t().ss_decline_multiple) value=decline inputmode="decimal" error=field_error(RuleField::DeclineMultiple) />
                    <TextField label=Signal::derive(move || t().ss_churn_multiple) value=churn inputmode="decimal" error=field_error(RuleField::ChurnMultiple) />
                    <TextField label=Signal::derive(move || t().ss_churn_min_days) value=churn_min inputmode="numeric" error=field_error(RuleField::ChurnMinDays) />
                </div>
            </fieldset>
            <div class="ss-grid">
                <TextField label=Signal::derive(move || t().ss_window) value=window inputmode="numeric" error=field_error(RuleField::WindowDays) />
                <TextField label=Signal::derive(move || t().ss_capacity) value=capacity inputmode="numeric" error=field_error(RuleField::DailyCapacity) />
            </div>

            <section class="ss-effect" aria-live="polite">
                <h3>{move || t().ss_effect}</h3>
                {effect_view}
            </section>
            <Show when=move || status.with(Option::is_some)>
                <p class="banner ok" role="status">{move || status.get().unwrap_or_default()}</p>
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <p class="banner warn" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.get()>{move || t().ss_save_rules}</button>
                <button type="button" class="ghost" on:click=move |_| { status.set(None); load(&Rules::default()) }>
                    {move || t().ss_restore_defaults}
                </button>
            </div>
        </form>
    }
}
