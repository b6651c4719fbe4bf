//! Settings → **Export** (导出) and **Backup** (备份) for the owner (SPEC §3, §5: clerks cannot
//! take the whole book away): customers (with class, stage, P(alive), CLV), purchases and
//! contacts as CSV that Excel opens with Chinese intact, a backup file of the whole book, and
//! **Restore** from one — a merge that never wipes or doubles anything. The files are core's
//! (`export`, `backup`); this screen makes them downloads and reads the chosen file.

use super::widgets::{chosen_file, file_bytes};
use crate::platform::today;
use crate::state::{AppState, use_app};
use huike_core::{backup, export};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};

/// A file the owner can save: its name and its `blob:` address.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Download {
    name: String,
    href: String,
}

/// `bytes` as a `blob:` address of `mime` type.
fn blob_url(bytes: &[u8], mime: &str) -> Result<String, JsValue> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    web_sys::Url::create_object_url_with_blob(&blob)
}

/// Which file to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Customers,
    Purchases,
    Contacts,
    Backup,
}

/// The file's bytes, name and type, from the book as it is now (None while it is opening).
fn make(app: AppState, kind: Kind) -> Option<(Vec<u8>, String, &'static str)> {
    let lang = app.lang.get_untracked();
    let day = today();
    let csv = "text/csv;charset=utf-8";
    match kind {
        Kind::Customers => {
            let grades = app.today.get_untracked()?;
            app.with_book(|book| export::customers(book, &grades, lang))
                .map(|b| (b, format!("huike-customers-{day}.csv"), csv))
        }
        Kind::Purchases => app
            .with_book(|book| export::purchases(book, lang))
            .map(|b| (b, format!("huike-purchases-{day}.csv"), csv)),
        Kind::Contacts => app
            .with_book(|book| export::contacts(book, lang))
            .map(|b| (b, format!("huike-contacts-{day}.csv"), csv)),
        Kind::Backup => app.with_book(backup::write).map(|b| {
            (
                b,
                format!("huike-backup-{day}.huike"),
                "application/octet-stream",
            )
        }),
    }
}

/// Export and backup, for the owner.
#[component]
pub(super) fn DataPanel() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let ready = RwSignal::new(None::<Download>);
    let error = RwSignal::new(None::<String>);
    let prepare = move |kind: Kind| {
        error.set(None);
        let Some((bytes, name, mime)) = make(app, kind) else {
            return error.set(Some(t().opening_book.to_owned()));
        };
        match blob_url(&bytes, mime) {
            Ok(href) => {
                if let Some(old) = ready.get_untracked() {
                    let _ = web_sys::Url::revoke_object_url(&old.href);
                }
                // Start the download at once; the link stays for another try.
                if let Some(link) = document()
                    .create_element("a")
                    .ok()
                    .and_then(|el| el.dyn_into::<web_sys::HtmlAnchorElement>().ok())
                {
                    link.set_href(&href);
                    link.set_download(&name);
                    link.click();
                }
                ready.set(Some(Download { name, href }));
            }
            Err(_) => error.set(Some(t().storage_error.to_owned())),
        }
    };
    view! {
        <div class="card data-panel">
            <h2>{move || t().export}</h2>
            <div class="actions">
                <button type="button" class="button secondary" on:click=move |_| prepare(Kind::Customers)>{move || t().export_customers}</button>
                <button type="button" class="button secondary" on:click=move |_| prepare(Kind::Purchases)>{move || t().export_purchases}</button>
                <button type="button" class="button secondary" on:click=move |_| prepare(Kind::Contacts)>{move || t().export_contacts}</button>
                <button type="button" class="button secondary" on:click=move |_| prepare(Kind::Backup)>{move || t().back_up}</button>
            </div>
            {move || ready.get().map(|d| view! {
                <p class="small"><a class="download" href=d.href download=d.name.clone()>{d.name.clone()}</a></p>
            })}
            <Show when=move || error.with(Option::is_some)>
                <p class="banner error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <Restore />
        </div>
    }
}

/// **Restore** from a backup file: its changes merged into the book and sent to the shop.
#[component]
fn Restore() -> impl IntoView {
    let app = use_app();
    let t = move || app.t();
    let outcome = RwSignal::new(None::<Result<usize, String>>);
    let busy = RwSignal::new(false);
    let chosen = move |ev: leptos::ev::Event| {
        let Some(file) = chosen_file(&ev) else {
            return;
        };
        busy.set(true);
        outcome.set(None);
        spawn_local(async move {
            let result = restore(app, &file).await;
            busy.set(false);
            outcome.set(Some(result));
        });
    };
    view! {
        <label class="field restore">
            <span class="field-label">{move || t().restore}</span>
            <input type="file" accept=".huike,application/octet-stream" disabled=move || busy.get() on:change=chosen />
        </label>
        {move || outcome.get().map(|o| match o {
            Ok(n) => view! { <p class="banner ok restored" role="status">{t().restored.replace("{n}", &n.to_string())}</p> }.into_any(),
            Err(e) => view! { <p class="banner error" role="alert">{e}</p> }.into_any(),
        })}
    }
}

/// Reads `file` and merges its changes; how many changes it held.
async fn restore(app: AppState, file: &web_sys::File) -> Result<usize, String> {
    let t = app.t();
    let bytes = file_bytes(file)
        .await
        .ok_or_else(|| t.restore_unreadable.to_owned())?;
    let ops = backup::read(&bytes).map_err(|e| match e {
        backup::BackupError::NotABackup => t.not_a_backup.to_owned(),
        backup::BackupError::Damaged(_) => t.backup_damaged.to_owned(),
    })?;
    let n = ops.len();
    app.save_local(|r| r.plan_local(ops))
        .await
        .map_err(|e| format!("{} {e}", t.storage_error))?;
    Ok(n)
}
