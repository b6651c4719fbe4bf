//! Logging a contact on a customer's card (记联系): why, how, how it went, and when to follow
//! up (a follow-up date puts the customer back on Today that day).

use super::compose::{OUTCOMES, outcome_name};
use super::entry_form::{EntryFormFooter, EntrySave};
use super::widgets::TextField;
use crate::i18n::Lang;
use crate::i18n::Words;
use crate::platform::local_now;
use crate::state::use_app;
use huike_core::domain::{Contact, ContactChannel, Entry, Outcome, Purpose, parse_date};
use huike_core::id::Id;
use leptos::prelude::*;

/// Every purpose, in the order the form lists them.
const PURPOSES: [Purpose; 11] = [
    Purpose::Other,
    Purpose::Rebuy,
    Purpose::AfterSale,
    Purpose::NewProduct,
    Purpose::EventInvite,
    Purpose::Points,
    Purpose::Birthday,
    Purpose::ChildMilestone,
    Purpose::HolidayGreeting,
    Purpose::Reactivation,
    Purpose::ComplaintFollowUp,
];

/// The channels the form offers.
const CHANNELS: [ContactChannel; 4] = [
    ContactChannel::Wechat,
    ContactChannel::Phone,
    ContactChannel::Sms,
    ContactChannel::InPerson,
];

/// The purpose's name in the UI language.
pub(super) fn purpose_name(purpose: Purpose, en: bool) -> &'static str {
    let (zh, e) = match purpose {
        Purpose::Birthday => ("生日祝福", "Birthday"),
        Purpose::ChildMilestone => ("宝宝成长", "Child milestone"),
        Purpose::Rebuy => ("复购提醒", "Re-buy"),
        Purpose::NewProduct => ("新品推荐", "New product"),
        Purpose::EventInvite => ("活动邀约", "Event invite"),
        Purpose::Points => ("积分福利", "Points"),
        Purpose::Reactivation => ("唤回", "Win back"),
        Purpose::AfterSale => ("售后回访", "After-sale check"),
        Purpose::ComplaintFollowUp => ("投诉跟进", "Complaint follow-up"),
        Purpose::HolidayGreeting => ("节日问候", "Holiday greeting"),
        Purpose::Other => ("日常联系", "General"),
    };
    if en { e } else { zh }
}

fn outcome_label(outcome: Outcome, en: bool) -> &'static str {
    outcome_name(outcome, if en { Lang::En } else { Lang::ZhCn }.t())
}

fn channel_name(channel: ContactChannel, en: bool) -> &'static str {
    let (zh, e) = match channel {
        ContactChannel::Wechat => ("微信", "WeChat"),
        ContactChannel::Phone => ("电话", "Phone"),
        ContactChannel::Sms => ("短信", "SMS"),
        ContactChannel::InPerson => ("当面", "In person"),
        ContactChannel::Event => ("活动", "Event"),
        ContactChannel::MailedSample => ("寄样", "Mailed sample"),
    };
    if en { e } else { zh }
}

/// A select of `options` labelled `label`, setting `value` (the first option at the start).
#[component]
pub(super) fn Choice<T: Copy + Send + Sync + 'static>(
    label: Signal<&'static str>,
    options: &'static [T],
    value: RwSignal<T>,
    name: fn(T, bool) -> &'static str,
) -> impl IntoView {
    let app = use_app();
    let en = move || app.lang.get() == Lang::En;
    view! {
        <label class="field">
            <span class="field-label">{label}</span>
            <select on:change=move |ev| {
                if let Some(&v) = event_target_value(&ev).parse::<usize>().ok().and_then(|i| options.get(i)) {
                    value.set(v);
                }
            }>
                {options
                    .iter()
                    .enumerate()
                    .map(|(i, &o)| view! { <option value=i.to_string()>{move || name(o, en())}</option> })
                    .collect_view()}
            </select>
        </label>
    }
}

/// The form, in a module of its own fetched the first time a contact is logged on a card.
#[lazy]
pub(super) fn contact_form(customer: Id, on_done: Callback<()>) -> AnyView {
    view! { <ContactForm customer=customer on_done=on_done /> }.into_any()
}

/// The contact form: a contact with `customer`; `on_done` runs once it is durable, or on Cancel.
#[component]
fn ContactForm(customer: Id, on_done: Callback<()>) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let purpose = RwSignal::new(PURPOSES[0]);
    let channel = RwSignal::new(CHANNELS[0]);
    let outcome = RwSignal::new(OUTCOMES[0]);
    let follow_up = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let save = EntrySave::new(on_done);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = follow_up.get();
        let Ok(next_follow_up) = parse_date(&typed) else {
            save.refuse(t().date_invalid);
            return;
        };
        save.save(Entry::Contact(Contact {
            customer: customer.clone(),
            at: local_now(),
            channel: channel.get(),
            purpose: purpose.get(),
            template: None,
            outcome: outcome.get(),
            next_follow_up,
            staff: app.staff(),
            note: note.get().trim().to_owned(),
        }));
    };

    view! {
        <form class="editor entry-form contact-form" on:submit=submit>
            <h3>{move || t().log_contact}</h3>
            <Choice label=Signal::derive(move || t().purpose) options=&PURPOSES value=purpose name=purpose_name />
            <Choice label=Signal::derive(move || t().channel) options=&CHANNELS value=channel name=channel_name />
            <Choice label=Signal::derive(move || t().outcome) options=&OUTCOMES value=outcome name=outcome_label />
            <TextField label=Signal::derive(move || t().next_follow_up) value=follow_up kind="date" />
            <TextField label=Signal::derive(move || t().notes) value=note />
            <EntryFormFooter save=save />
        </form>
    }
}
