//! Small pieces shared by the screens.

use crate::state::use_app;
use leptos::prelude::*;

/// A labelled text input bound to a signal. The label is visible and tied to the input, so
/// the input's accessible name is the label.
#[component]
pub(super) fn TextField(
    /// Visible label.
    label: Signal<&'static str>,
    /// The value.
    value: RwSignal<String>,
    /// HTML input type.
    #[prop(default = "text")]
    kind: &'static str,
    /// Input mode hint for phone keyboards.
    #[prop(default = "text")]
    inputmode: &'static str,
    /// Autocomplete hint.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// Placeholder.
    #[prop(optional)]
    placeholder: &'static str,
    /// What is wrong with the value, shown under the field.
    #[prop(optional, into)]
    error: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let error = error.unwrap_or_else(|| Signal::derive(|| None));
    view! {
        <Labelled label=label error=error>
            <input
                type=kind
                inputmode=inputmode
                autocomplete=autocomplete
                placeholder=placeholder
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                bind:value=value
            />
        </Labelled>
    }
}

/// A field's frame: its visible label (the control's accessible name), the control, and what
/// is wrong with it under it.
#[component]
pub(super) fn Labelled(
    /// Visible label.
    label: Signal<&'static str>,
    /// What is wrong with the value.
    #[prop(optional, into)]
    error: Option<Signal<Option<String>>>,
    /// The control.
    children: Children,
) -> impl IntoView {
    let error = error.unwrap_or_else(|| Signal::derive(|| None));
    view! {
        <label class="field" class:invalid=move || error.with(Option::is_some)>
            <span class="field-label">{label}</span>
            {children()}
            <Show when=move || error.with(Option::is_some)>
                <span class="field-error" role="alert">{move || error.get().unwrap_or_default()}</span>
            </Show>
        </label>
    }
}

/// A storage failure banner (nothing is lost: the change is kept in memory and retried).
#[component]
pub(super) fn StorageBanner() -> impl IntoView {
    let app = use_app();
    view! {
        <Show when=move || app.storage_error.with(Option::is_some)>
            <div class="banner error" role="alert">
                {move || app.t().storage_error} " " {move || app.storage_error.get().unwrap_or_default()}
            </div>
        </Show>
    }
}

/// The "new version available" prompt.
#[component]
pub(super) fn UpdateBanner() -> impl IntoView {
    let app = use_app();
    let reload = move |_| {
        if let Some(w) = web_sys::window() {
            // index.html's service-worker glue activates the waiting worker and reloads.
            let apply = js_sys::Reflect::get(&w, &"huikeApplyUpdate".into()).ok();
            if let Some(f) = apply.and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
                let _ = f.call0(&w);
            } else {
                let _ = w.location().reload();
            }
        }
    };
    view! {
        <Show when=move || app.update_ready.get()>
            <div class="banner info" role="status">
                <span>{move || app.t().new_version}</span>
                <button type="button" on:click=reload>{move || app.t().reload}</button>
            </div>
        </Show>
    }
}

use wasm_bindgen::JsCast;

/// A part of a screen whose module may still be on its way (a `#[lazy]` function's result):
/// the part once it is there, and until then an "Opening…" status.
pub(super) fn later(part: impl Future<Output = AnyView> + Send + 'static) -> AnyView {
    let app = use_app();
    view! {
        <Suspense fallback=move || view! { <p class="empty muted" role="status">{move || app.t().opening}</p> }>
            {Suspend::new(part)}
        </Suspense>
    }
    .into_any()
}

/// `children` drawn a task after the rest of the screen, so that a heavy screen (Stats of a
/// 20,000-customer shop: a 190 ms task at once) is built in several tasks, none long, and the
/// first part paints before the rest is worked out.
#[component]
pub(super) fn AfterPaint(children: ChildrenFn) -> impl IntoView {
    let ready = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        crate::store::yield_now().await;
        // The screen may be gone by then.
        let _ = ready.try_set(true);
    });
    move || ready.get().then(|| children())
}

/// The file chosen in the `<input type="file">` that fired `ev`, if any.
pub(super) fn chosen_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    event_target::<web_sys::HtmlInputElement>(ev)
        .files()
        .and_then(|files| files.get(0))
}

/// Bytes of a chosen file copied into the app at a time.
const FILE_SLICE: f64 = 4.0 * 1024.0 * 1024.0;

/// The bytes of `file` (`None` when the browser cannot read it), read a slice at a time (a
/// 30 MB file copied in at once was a long task).
pub(super) async fn file_bytes(file: &web_sys::File) -> Option<Vec<u8>> {
    let size = file.size();
    let mut bytes = Vec::with_capacity(size as usize);
    let mut at = 0.0;
    while at < size {
        let end = (at + FILE_SLICE).min(size);
        let slice = file.slice_with_f64_and_f64(at, end).ok()?;
        let buffer = wasm_bindgen_futures::JsFuture::from(slice.array_buffer())
            .await
            .ok()?;
        let slice = js_sys::Uint8Array::new(&buffer);
        let from = bytes.len();
        bytes.resize(from + slice.length() as usize, 0);
        slice.copy_to(&mut bytes[from..]);
        at = end;
    }
    Some(bytes)
}
