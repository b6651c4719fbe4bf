//! A customer's points, stored value and pickup plans on their card (SPEC §1 Ledger entry):
//! the balances, each plan with its pickups, **Picked up** (已领取) for a pickup that is due,
//! **Points** (积分: earn or redeem) and **Top up** (充值: top up or spend, optionally with a
//! pickup plan — "top up 500, get 500 back as 10 monthly pickups of 50"). The rules are core's
//! (`domain::ledger_form`, `domain::wallet`): a redemption or spend never exceeds the balance,
//! each form saves under its own entry ids, and a pickup under an id made from its plan and
//! date, so a double tap or a retried save never counts twice.

use super::contact_form::Choice;
use super::entry_form::{EntryFormFooter, EntrySave};
use super::widgets::TextField;
use crate::i18n::Texts;
use crate::platform::{local_now, today};
use crate::state::{AppState, use_app};
use huike_core::domain::{
    Entry, LedgerEntry, LedgerError, LedgerField, LedgerKind, Money, PickupPlanDraft, PointsAction,
    StoredValueAction, Wallet, parse_date, pickup_entry_id, points_change, stored_value_change,
};
use huike_core::id::Id;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The wallet section of a customer's card, in a module of its own fetched the first time a
/// card is opened.
#[lazy]
pub(super) fn wallet_section(customer: Id) -> AnyView {
    view! { <WalletSection customer=customer /> }.into_any()
}

/// The customer's wallet, as their ledger entries make it now.
fn wallet_of(app: AppState, customer: &Id) -> Wallet {
    app.with_insights(|book, insights| {
        let entries = insights.timeline(book, customer);
        Wallet::of(entries.iter().filter_map(|(id, e)| match e {
            Entry::Ledger(l) => Some((id, l)),
            _ => None,
        }))
    })
    .unwrap_or_default()
}

/// Which of the section's forms is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Open {
    Points,
    TopUp,
}

#[component]
fn WalletSection(customer: Id) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let wallet = {
        let customer = customer.clone();
        Memo::new(move |_| wallet_of(app, &customer))
    };
    let open = RwSignal::new(None::<Open>);
    let done = Callback::new(move |()| open.set(None));
    let (for_points, for_top_up, for_plans) = (customer.clone(), customer.clone(), customer);
    view! {
        <section class="wallet" aria-label=move || t().wallet>
            <Show when=move || wallet.with(|w| w.any)>
                <dl class="facts">
                    <dt>{move || t().points}</dt>
                    <dd class="points-balance">{move || wallet.with(|w| w.points)}</dd>
                    <dt>{move || t().stored_value}</dt>
                    <dd class="stored-value-balance">{move || wallet.with(|w| w.stored_value.with_sign("¥"))}</dd>
                </dl>
            </Show>
            <Plans customer=for_plans wallet=wallet />
            <div class="actions">
                <button type="button" class="button secondary" on:click=move |_| open.set(Some(Open::Points))>{move || t().points}</button>
                <button type="button" class="button secondary" on:click=move |_| open.set(Some(Open::TopUp))>{move || t().top_up}</button>
            </div>
            <Show when=move || open.get() == Some(Open::Points)>
                <PointsForm customer=for_points.clone() wallet=wallet on_done=done />
            </Show>
            <Show when=move || open.get() == Some(Open::TopUp)>
                <TopUpForm customer=for_top_up.clone() wallet=wallet on_done=done />
            </Show>
        </section>
    }
}

/// A ledger refusal in words.
fn refusal(e: LedgerError, t: &Texts) -> String {
    match e {
        LedgerError::Required => t.e_required.to_owned(),
        LedgerError::NotAWholeNumber => t.e_whole.to_owned(),
        LedgerError::NotAnAmount => t.e_amount.to_owned(),
        LedgerError::NotPositive => t.e_positive.to_owned(),
        LedgerError::Negative => t.e_negative.to_owned(),
        LedgerError::TooManyPoints { max } => t.e_too_many_points.replace("{n}", &max.to_string()),
        LedgerError::TooMuchMoney { max } => t.e_too_much.replace("{n}", &max.to_string()),
        LedgerError::NotEnoughPoints { balance } => {
            t.e_not_enough_points.replace("{n}", &balance.to_string())
        }
        LedgerError::NotEnoughStoredValue { balance } => {
            t.e_not_enough_value.replace("{n}", &balance.to_string())
        }
        LedgerError::CountOutOfRange { max } => t.e_count.replace("{n}", &max.to_string()),
        LedgerError::IntervalOutOfRange { max } => t.e_interval.replace("{n}", &max.to_string()),
        LedgerError::DatesOutOfRange => t.e_dates.to_owned(),
    }
}

/// A ledger entry for `customer` now, by this device's staff member.
fn entry(app: AppState, customer: &Id, kind: LedgerKind) -> Entry {
    Entry::Ledger(LedgerEntry {
        customer: customer.clone(),
        at: local_now(),
        kind,
        note: String::new(),
        staff: app.staff(),
    })
}

const POINTS_ACTIONS: [PointsAction; 2] = [PointsAction::Earn, PointsAction::Redeem];

fn points_action_name(action: PointsAction, en: bool) -> &'static str {
    let t = if en {
        &crate::i18n::EN
    } else {
        &crate::i18n::ZH
    };
    match action {
        PointsAction::Earn => t.earn,
        PointsAction::Redeem => t.redeem,
    }
}

/// **Points**: earn or redeem.
#[component]
fn PointsForm(customer: Id, wallet: Memo<Wallet>, on_done: Callback<()>) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let action = RwSignal::new(PointsAction::Earn);
    let amount = RwSignal::new(String::new());
    let wrong = RwSignal::new(None::<String>);
    let save = EntrySave::new(on_done);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let balance = wallet.with_untracked(|w| w.points);
        match points_change(action.get(), &amount.get(), balance) {
            Ok(kind) => {
                wrong.set(None);
                save.save(entry(app, &customer, kind));
            }
            Err(e) => wrong.set(Some(refusal(e, t()))),
        }
    };
    view! {
        <form class="editor entry-form points-form" on:submit=submit>
            <h3>{move || t().points}</h3>
            <Choice label=Signal::derive(move || t().ledger_action) options=&POINTS_ACTIONS value=action name=points_action_name />
            <TextField label=Signal::derive(move || t().points) value=amount inputmode="numeric" placeholder="100" error=wrong />
            <EntryFormFooter save=save />
        </form>
    }
}

const VALUE_ACTIONS: [StoredValueAction; 2] = [StoredValueAction::TopUp, StoredValueAction::Spend];

fn value_action_name(action: StoredValueAction, en: bool) -> &'static str {
    let t = if en {
        &crate::i18n::EN
    } else {
        &crate::i18n::ZH
    };
    match action {
        StoredValueAction::TopUp => t.top_up,
        StoredValueAction::Spend => t.spend,
    }
}

/// **Top up**: top up or spend stored value; a top-up may come with a pickup plan.
#[component]
fn TopUpForm(customer: Id, wallet: Memo<Wallet>, on_done: Callback<()>) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let action = RwSignal::new(StoredValueAction::TopUp);
    let amount = RwSignal::new(String::new());
    let with_plan = RwSignal::new(false);
    let each = RwSignal::new(String::new());
    let count = RwSignal::new("10".to_owned());
    let first = RwSignal::new(today().to_string());
    let what = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<(LedgerField, String)>::new());
    let error_of = move |field: LedgerField| {
        Signal::derive(move || {
            errors.with(|all| {
                all.iter()
                    .find(|(f, _)| *f == field)
                    .map(|(_, m)| m.clone())
            })
        })
    };
    let planning = move || with_plan.get() && action.get() == StoredValueAction::TopUp;
    // The plan as typed, for the summary line and the save.
    let draft = move || PickupPlanDraft {
        top_up: amount.get(),
        pickup_amount: each.get(),
        count: count.get(),
        description: what.get(),
        first_due: parse_date(&first.get()).ok().flatten(),
        interval_months: 1,
    };
    let summary = move || {
        draft().plan().ok().map(|plan| {
            t().plan_summary
                .replace("{n}", &plan.due.len().to_string())
                .replace("{total}", &plan.total().to_string())
        })
    };
    let save = EntrySave::new(on_done);
    // The plan's second entry (the reward, after the top-up) has an id of its own, fixed with
    // the form like the first.
    let reward_id = StoredValue::new(app.new_id());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = |e| refusal(e, t());
        if !planning() {
            let balance = wallet.with_untracked(|w| w.stored_value);
            match stored_value_change(action.get(), &amount.get(), balance) {
                Ok(kind) => {
                    errors.set(Vec::new());
                    save.save(entry(app, &customer, kind));
                }
                Err(e) => errors.set(vec![(LedgerField::Amount, text(e))]),
            }
            return;
        }
        let mut plan_draft = draft();
        if plan_draft.description.trim().is_empty() {
            plan_draft.description = t().default_pickup_what.to_owned();
        }
        let plan = match plan_draft.plan() {
            Ok(plan) => plan,
            Err(all) => {
                return errors.set(
                    all.into_iter()
                        .map(|(f, e)| {
                            // The top-up is typed in the form's Amount field.
                            let f = if f == LedgerField::TopUp {
                                LedgerField::Amount
                            } else {
                                f
                            };
                            (f, text(e))
                        })
                        .collect(),
                );
            }
        };
        errors.set(Vec::new());
        let mut kinds = plan.into_kinds();
        let reward = kinds.pop().expect("a plan always has its reward");
        let customer = customer.clone();
        let reward_id = reward_id.get_value();
        // The reward first (its own id), then the top-up through the form (closing it).
        spawn_local(async move {
            match app.append(reward_id, entry(app, &customer, reward)).await {
                Ok(()) => match kinds.pop() {
                    Some(top_up) => save.save(entry(app, &customer, top_up)),
                    None => on_done.run(()),
                },
                Err(e) => save.refuse(&format!("{} {e}", app.t().storage_error)),
            }
        });
    };
    view! {
        <form class="editor entry-form top-up-form" on:submit=submit>
            <h3>{move || t().top_up}</h3>
            <Choice label=Signal::derive(move || t().ledger_action) options=&VALUE_ACTIONS value=action name=value_action_name />
            <TextField label=Signal::derive(move || t().amount) value=amount inputmode="decimal" placeholder="500" error=error_of(LedgerField::Amount) />
            <Show when=move || action.get() == StoredValueAction::TopUp>
                <label class="check">
                    <input type="checkbox" prop:checked=move || with_plan.get() on:change=move |ev| with_plan.set(event_target_checked(&ev)) />
                    <span>{move || t().pickup_plan}</span>
                </label>
            </Show>
            <Show when=planning>
                <TextField label=Signal::derive(move || t().each_pickup) value=each inputmode="decimal" placeholder="50" error=error_of(LedgerField::PickupAmount) />
                <TextField label=Signal::derive(move || t().pickup_count) value=count inputmode="numeric" placeholder="10" error=error_of(LedgerField::Count) />
                <TextField label=Signal::derive(move || t().first_pickup) value=first kind="date" error=error_of(LedgerField::FirstDate) />
                <TextField label=Signal::derive(move || t().pickup_what) value=what placeholder="奶粉 1 罐" />
                <p class="muted small plan-summary">{summary}</p>
            </Show>
            <EntryFormFooter save=save />
        </form>
    }
}

/// Each pickup plan: what, how much, how many taken, the next date; **Picked up** for each
/// pickup due by today.
#[component]
fn Plans(customer: Id, wallet: Memo<Wallet>) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let plans = move || wallet.with(|w| w.plans.clone());
    view! {
        <ul class="plans">
            <For each=plans key=|p| (p.reward.clone(), p.taken()) let:plan>
                {
                    let line = t()
                        .plan_line
                        .replace("{what}", &plan.description)
                        .replace("{amount}", &plan.amount.to_string())
                        .replace("{n}", &plan.pickups.len().to_string())
                        .replace("{taken}", &plan.taken().to_string());
                    let next = plan
                        .next()
                        .map(|d| t().next_pickup.replace("{date}", &d.to_string()))
                        .unwrap_or_default();
                    let waiting: Vec<_> = plan.waiting(today()).collect();
                    let (reward, amount) = (plan.reward.clone(), plan.amount);
                    let customer = customer.clone();
                    view! {
                        <li class="plan">
                            <p>{line}</p>
                            <p class="muted small">{next}</p>
                            {waiting
                                .into_iter()
                                .map(|due| view! {
                                    <PickupDue customer=customer.clone() reward=reward.clone() due=due amount=amount />
                                })
                                .collect_view()}
                        </li>
                    }
                }
            </For>
        </ul>
    }
}

/// One pickup that is due: its date and amount, and **Picked up**.
#[component]
fn PickupDue(customer: Id, reward: Id, due: chrono::NaiveDate, amount: Money) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let text = t()
        .pickup_due
        .replace("{date}", &due.to_string())
        .replace("{amount}", &amount.to_string());
    let pick = move |_| {
        let (customer, reward) = (customer.clone(), reward.clone());
        busy.set(true);
        spawn_local(async move {
            let id = pickup_entry_id(&reward, due);
            let kind = LedgerKind::Pickup { reward, due };
            if let Err(e) = app.append(id, entry(app, &customer, kind)).await {
                error.set(Some(format!("{} {e}", app.t().storage_error)));
            }
            busy.set(false);
        });
    };
    view! {
        <div class="pickup-due">
            <span>{text}</span>
            <button type="button" class="button secondary" disabled=move || busy.get() on:click=pick>{move || t().picked_up}</button>
            <Show when=move || error.with(Option::is_some)>
                <p class="banner error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </div>
    }
}
