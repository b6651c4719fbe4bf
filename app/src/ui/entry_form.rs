//! What every form that records an entry on a customer's card shares: one entry id per form
//! (saving again after a storage error cannot record it twice), the busy state, the error
//! shown, and the Save / Cancel footer.

use crate::platform::today;
use crate::state::{AppState, use_app};
use chrono::NaiveDate;
use huike_core::domain::{DraftError, Entry, parse_past_date};
use huike_core::id::Id;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The saving state of one entry form.
#[derive(Clone, Copy)]
pub(super) struct EntrySave {
    app: AppState,
    id: StoredValue<Id>,
    busy: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    on_done: Callback<()>,
}

impl EntrySave {
    /// A form's saving state; `on_done` runs once the entry is durable, or on Cancel.
    pub(super) fn new(on_done: Callback<()>) -> EntrySave {
        let app = use_app();
        EntrySave {
            app,
            id: StoredValue::new(app.new_id()),
            busy: RwSignal::new(false),
            error: RwSignal::new(None),
            on_done,
        }
    }

    /// Shows why the form cannot be saved (nothing is written).
    pub(super) fn refuse(&self, message: &str) {
        self.error.set(Some(message.to_owned()));
    }

    /// The entry's day as typed: a date that does not exist, or lies ahead, is refused with
    /// its reason shown (None then).
    pub(super) fn day(&self, text: &str) -> Option<NaiveDate> {
        let t = self.app.t();
        match parse_past_date(text, today()) {
            Ok(Some(on)) => Some(on),
            Ok(None) | Err(DraftError::NotADate) => {
                self.refuse(t.date_invalid);
                None
            }
            Err(_) => {
                self.refuse(t.date_in_future);
                None
            }
        }
    }

    /// Saves the entry under the form's id; closes the form once it is durable.
    pub(super) fn save(&self, entry: Entry) {
        let (this, app) = (*self, self.app);
        this.error.set(None);
        this.busy.set(true);
        spawn_local(async move {
            let result = app.append(this.id.get_value(), entry).await;
            this.busy.set(false);
            match result {
                Ok(()) => this.on_done.run(()),
                Err(e) => this
                    .error
                    .set(Some(format!("{} {e}", app.t().storage_error))),
            }
        });
    }
}

/// The error (if any), then Save and Cancel.
#[component]
pub(super) fn EntryFormFooter(save: EntrySave) -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    view! {
        <Show when=move || save.error.with(Option::is_some)>
            <p class="banner error" role="alert">{move || save.error.get().unwrap_or_default()}</p>
        </Show>
        <div class="actions">
            <button type="submit" class="primary" disabled=move || save.busy.get()>{move || t().save}</button>
            <button type="button" class="button ghost" on:click=move |_| save.on_done.run(())>{move || t().cancel}</button>
        </div>
    }
}
