//! The customer form's **More** (更多) section (SPEC §1 Customer): gender, second phone,
//! children (**Add child**: nickname, gender, birthday or due date), anniversaries, who comes
//! along (**Add person**: name and relation, 连带资源), occupation,
//! income band, area, preferred contact, **Do not contact**, **VIP**, budget, products of
//! interest, purchase intent, expected next purchase, communication style, appearance. It edits
//! a `MoreDraft` the form owns; the form checks it with core's `MoreDraft::apply` on Save and
//! hands back each refusal, shown here next to its field. Part of the customer editor's module
//! (fetched the first time a customer is added or edited).

use super::customer_form::draft_error;
use super::widgets::Labelled;
use crate::state::use_app;
use huike_core::domain::{ChildDraft, Customer, DraftError, MoreDraft, MoreField};
use leptos::prelude::*;

/// A refusal of the More section: which field, and why.
pub(super) type MoreProblems = RwSignal<Vec<(MoreField, DraftError)>>;

/// The section over `draft` (filled from `customer` as it opens), showing `problems`.
pub(super) fn more_section(
    draft: RwSignal<MoreDraft>,
    problems: MoreProblems,
    customer: Customer,
) -> AnyView {
    draft.set(MoreDraft::of(&customer));
    view! { <MoreSection draft=draft problems=problems /> }.into_any()
}

/// A field's refusal in words, if any.
fn problem_of(problems: MoreProblems, field: MoreField) -> Signal<Option<String>> {
    let app = use_app();
    Signal::derive(move || {
        problems.with(|all| {
            all.iter()
                .find(|(f, _)| *f == field)
                .map(|(_, e)| draft_error(app.t(), e).to_owned())
        })
    })
}

/// A labelled input over one text of the draft.
#[component]
fn Text(
    label: Signal<&'static str>,
    draft: RwSignal<MoreDraft>,
    get: fn(&MoreDraft) -> String,
    set: fn(&mut MoreDraft, String),
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "text")] inputmode: &'static str,
    #[prop(optional, into)] error: Option<Signal<Option<String>>>,
) -> impl IntoView {
    view! {
        <Labelled label=label error=error.unwrap_or_else(|| Signal::derive(|| None))>
            <input
                type=kind
                inputmode=inputmode
                autocomplete="off"
                prop:value=move || draft.with(get)
                on:input=move |ev| draft.update(|d| set(d, event_target_value(&ev)))
            />
        </Labelled>
    }
}

/// A labelled select over one choice of the draft: `(key, name)` options, "—" first.
#[component]
fn Pick(
    label: Signal<&'static str>,
    options: Signal<Vec<(&'static str, &'static str)>>,
    value: Signal<String>,
    set: Callback<String>,
    #[prop(optional, into)] error: Option<Signal<Option<String>>>,
) -> impl IntoView {
    view! {
        <Labelled label=label error=error.unwrap_or_else(|| Signal::derive(|| None))>
            <select on:change=move |ev| set.run(event_target_value(&ev)) prop:value=move || value.get()>
                <option value="">"—"</option>
                {move || options
                    .get()
                    .into_iter()
                    .map(|(key, name)| view! { <option value=key selected=move || value.get() == key>{name}</option> })
                    .collect_view()}
            </select>
        </Labelled>
    }
}

/// A labelled checkbox over one flag of the draft.
#[component]
fn Flag(
    label: Signal<&'static str>,
    draft: RwSignal<MoreDraft>,
    get: fn(&MoreDraft) -> bool,
    set: fn(&mut MoreDraft, bool),
) -> impl IntoView {
    view! {
        <label class="check">
            <input type="checkbox" prop:checked=move || draft.with(get) on:change=move |ev| draft.update(|d| set(d, event_target_checked(&ev))) />
            <span>{label}</span>
        </label>
    }
}

#[component]
fn MoreSection(draft: RwSignal<MoreDraft>, problems: MoreProblems) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let label = move |f: fn(&crate::i18n::Texts) -> &'static str| Signal::derive(move || f(t()));
    let genders = Signal::derive(move || vec![("female", t().female), ("male", t().male)]);
    let channels = Signal::derive(move || {
        let en = app.lang.get() == crate::i18n::Lang::En;
        let pick = |zh, e| if en { e } else { zh };
        vec![
            ("phone", pick("电话", "Phone")),
            ("sms", pick("短信", "SMS")),
            ("wechat", pick("微信", "WeChat")),
            ("in_person", pick("到店面谈", "In person")),
            ("event", pick("活动", "Event")),
            ("mailed_sample", pick("寄送小样", "Mailed sample")),
        ]
    });
    let intents = Signal::derive(move || {
        vec![
            ("high", t().intent_high),
            ("medium", t().intent_medium),
            ("low", t().intent_low),
        ]
    });
    let children = move || draft.with(|d| (0..d.children.len()).collect::<Vec<_>>());
    let anniversaries = move || draft.with(|d| (0..d.anniversaries.len()).collect::<Vec<_>>());
    let connections = move || draft.with(|d| (0..d.connections.len()).collect::<Vec<_>>());
    view! {
        <fieldset class="more">
            <legend>{move || t().more}</legend>
            <Pick label=label(|t| t.gender) options=genders
                value=Signal::derive(move || draft.with(|d| d.gender.clone()))
                set=Callback::new(move |v| draft.update(|d| d.gender = v))
                error=problem_of(problems, MoreField::Gender) />
            <Text label=label(|t| t.second_phone) draft=draft kind="tel" inputmode="tel"
                get=|d| d.second_phone.clone() set=|d, v| d.second_phone = v
                error=problem_of(problems, MoreField::SecondPhone) />
            <h4>{move || t().children}</h4>
            <For each=children key=|i| *i let:i>
                <Child draft=draft index=i problems=problems />
            </For>
            <button type="button" class="button secondary" on:click=move |_| draft.update(|d| d.children.push(ChildDraft::default()))>
                {move || t().add_child}
            </button>
            <h4>{move || t().anniversaries}</h4>
            <For each=anniversaries key=|i| *i let:i>
                <div class="group">
                    <label class="field">
                        <span class="field-label">{move || t().anniversary_what}</span>
                        <input type="text" prop:value=move || draft.with(|d| d.anniversaries.get(i).map(|a| a.0.clone()).unwrap_or_default())
                            on:input=move |ev| draft.update(|d| if let Some(a) = d.anniversaries.get_mut(i) { a.0 = event_target_value(&ev) }) />
                    </label>
                    <Labelled label=label(|t| t.anniversary_date) error=problem_of(problems, MoreField::Anniversary(i))>
                        <input type="date" prop:value=move || draft.with(|d| d.anniversaries.get(i).map(|a| a.1.clone()).unwrap_or_default())
                            on:input=move |ev| draft.update(|d| if let Some(a) = d.anniversaries.get_mut(i) { a.1 = event_target_value(&ev) }) />
                    </Labelled>
                </div>
            </For>
            <button type="button" class="button secondary" on:click=move |_| draft.update(|d| d.anniversaries.push(Default::default()))>
                {move || t().add_anniversary}
            </button>
            <h4>{move || t().connections}</h4>
            <For each=connections key=|i| *i let:i>
                <div class="group connection">
                    <Labelled label=label(|t| t.connection_name) error=problem_of(problems, MoreField::Connection(i))>
                        <input type="text" prop:value=move || draft.with(|d| d.connections.get(i).map(|c| c.0.clone()).unwrap_or_default())
                            on:input=move |ev| draft.update(|d| if let Some(c) = d.connections.get_mut(i) { c.0 = event_target_value(&ev) }) />
                    </Labelled>
                    <label class="field">
                        <span class="field-label">{move || t().connection_relation}</span>
                        <input type="text" prop:value=move || draft.with(|d| d.connections.get(i).map(|c| c.1.clone()).unwrap_or_default())
                            on:input=move |ev| draft.update(|d| if let Some(c) = d.connections.get_mut(i) { c.1 = event_target_value(&ev) }) />
                    </label>
                </div>
            </For>
            <button type="button" class="button secondary" on:click=move |_| draft.update(|d| d.connections.push(Default::default()))>
                {move || t().add_connection}
            </button>
            <Text label=label(|t| t.occupation) draft=draft get=|d| d.occupation.clone() set=|d, v| d.occupation = v />
            <Text label=label(|t| t.income_band) draft=draft get=|d| d.income_band.clone() set=|d, v| d.income_band = v />
            <Text label=label(|t| t.area) draft=draft get=|d| d.area.clone() set=|d, v| d.area = v />
            <Pick label=label(|t| t.preferred_contact) options=channels
                value=Signal::derive(move || draft.with(|d| d.preferred_contact.clone()))
                set=Callback::new(move |v| draft.update(|d| d.preferred_contact = v))
                error=problem_of(problems, MoreField::PreferredContact) />
            <Flag label=label(|t| t.do_not_contact) draft=draft get=|d| d.do_not_contact set=|d, v| d.do_not_contact = v />
            <Flag label=label(|t| t.vip) draft=draft get=|d| d.vip set=|d, v| d.vip = v />
            <Text label=label(|t| t.budget_min) draft=draft inputmode="decimal" get=|d| d.budget_min.clone() set=|d, v| d.budget_min = v
                error=problem_of(problems, MoreField::BudgetMin) />
            <Text label=label(|t| t.budget_max) draft=draft inputmode="decimal" get=|d| d.budget_max.clone() set=|d, v| d.budget_max = v
                error=problem_of(problems, MoreField::BudgetMax) />
            <Text label=label(|t| t.interests) draft=draft get=|d| d.interests.clone() set=|d, v| d.interests = v />
            <Pick label=label(|t| t.intent) options=intents
                value=Signal::derive(move || draft.with(|d| d.intent.clone()))
                set=Callback::new(move |v| draft.update(|d| d.intent = v))
                error=problem_of(problems, MoreField::Intent) />
            <Text label=label(|t| t.next_purchase) draft=draft kind="date" get=|d| d.next_purchase.clone() set=|d, v| d.next_purchase = v
                error=problem_of(problems, MoreField::NextPurchase) />
            <Text label=label(|t| t.communication_style) draft=draft get=|d| d.communication_style.clone() set=|d, v| d.communication_style = v />
            <Text label=label(|t| t.appearance) draft=draft get=|d| d.appearance.clone() set=|d, v| d.appearance = v />
        </fieldset>
    }
}

/// One child of the draft: nickname, gender, birthday or due date, and Remove.
#[component]
fn Child(draft: RwSignal<MoreDraft>, index: usize, problems: MoreProblems) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let get = move |f: fn(&ChildDraft) -> &String| {
        move || {
            draft.with(|d| {
                d.children
                    .get(index)
                    .map(|c| f(c).clone())
                    .unwrap_or_default()
            })
        }
    };
    let set = move |f: fn(&mut ChildDraft, String)| {
        move |ev: leptos::ev::Event| {
            draft.update(|d| {
                if let Some(c) = d.children.get_mut(index) {
                    f(c, event_target_value(&ev));
                }
            });
        }
    };
    let error = move |field: MoreField| problem_of(problems, field);
    let (birthday_error, due_error, gender_error) = (
        error(MoreField::ChildBirthday(index)),
        error(MoreField::DueDate(index)),
        error(MoreField::ChildGender(index)),
    );
    view! {
        <div class="group child">
            <label class="field">
                <span class="field-label">{move || t().nickname}</span>
                <input type="text" prop:value=get(|c| &c.nickname) on:input=set(|c, v| c.nickname = v) />
            </label>
            <Labelled label=Signal::derive(move || t().child_gender) error=gender_error>
                <select prop:value=get(|c| &c.gender) on:change=set(|c, v| c.gender = v)>
                    <option value="">"—"</option>
                    <option value="female">{move || t().female}</option>
                    <option value="male">{move || t().male}</option>
                </select>
            </Labelled>
            <Labelled label=Signal::derive(move || t().child_birthday) error=birthday_error>
                <input type="date" prop:value=get(|c| &c.birthday) on:input=set(|c, v| c.birthday = v) />
            </Labelled>
            <Labelled label=Signal::derive(move || t().due_date) error=due_error>
                <input type="date" prop:value=get(|c| &c.due_date) on:input=set(|c, v| c.due_date = v) />
            </Labelled>
            <button type="button" class="button ghost" on:click=move |_| draft.update(|d| { if index < d.children.len() { d.children.remove(index); } })>
                {move || t().remove}
            </button>
        </div>
    }
}
