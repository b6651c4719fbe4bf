//! The few browser facts the app needs: time, randomness, the page's query string.

use chrono::{NaiveDate, NaiveDateTime};
use huike_core::id::Id;

/// Unix time in milliseconds.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

thread_local! {
    /// The shop's IANA time zone (its Shop record), once the views are read.
    static TIME_ZONE: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Sets the shop's time zone (an IANA name such as `Asia/Shanghai`); the app's dates and
/// times are the shop's calendar from then on, whatever zone the device is set to.
pub fn set_time_zone(zone: &str) {
    TIME_ZONE.with(|z| {
        if *z.borrow() != zone {
            *z.borrow_mut() = zone.to_owned();
        }
    });
}

/// The shop's local date and time: in the shop's time zone when it is set and the browser
/// knows it (`Intl`), else the device's.
pub fn local_now() -> NaiveDateTime {
    let d = js_sys::Date::new_0();
    TIME_ZONE
        .with(|z| in_zone(&d, &z.borrow()))
        .unwrap_or_else(|| {
            NaiveDate::from_ymd_opt(d.get_full_year() as i32, d.get_month() + 1, d.get_date())
                .and_then(|day| day.and_hms_opt(d.get_hours(), d.get_minutes(), d.get_seconds()))
                .unwrap_or_default()
        })
}

/// `date`'s wall-clock time in `zone`, through `toLocaleString` in the Swedish locale (which
/// writes `2026-11-30 08:15:00`); `None` for an empty or unknown zone.
fn in_zone(date: &js_sys::Date, zone: &str) -> Option<NaiveDateTime> {
    use wasm_bindgen::{JsCast, JsValue};
    if zone.is_empty() {
        return None;
    }
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"timeZone".into(), &zone.into()).ok()?;
    js_sys::Reflect::set(&options, &"hourCycle".into(), &"h23".into()).ok()?;
    let format: js_sys::Function = js_sys::Reflect::get(date, &"toLocaleString".into())
        .ok()?
        .dyn_into()
        .ok()?;
    // An unknown zone throws a RangeError: `call2` returns it as an error.
    let text = format
        .call2(date, &JsValue::from_str("sv-SE"), &options)
        .ok()?
        .as_string()?;
    // `2026-11-30 08:15:00`, read by hand (chrono's parser is several KB of the download).
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<u32>().ok();
    NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)?.and_hms_opt(
        number(11..13)?,
        number(14..16)?,
        number(17..19)?,
    )
}

/// Today's date in the shop's calendar.
pub fn today() -> NaiveDate {
    local_now().date()
}

/// Cryptographically random bytes from the browser.
pub fn random<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        // getRandomValues only fails for more than 65,536 bytes.
        let _ = crypto.get_random_values_with_u8_array(&mut buf);
    }
    buf
}

/// A new record id.
pub fn new_id() -> Id {
    Id::v7(now_ms(), random::<10>())
}

/// A query-string parameter of the current page.
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
        .filter(|v| !v.is_empty())
}

/// Formats a Unix-ms time as local `YYYY-MM-DD HH:MM`.
pub fn format_time(ms: f64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// A `performance.mark` with a name (for measurements: a benchmark reads them).
pub fn mark(name: &str) {
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        let _ = perf.mark(name);
    }
}

/// Exposes `window.huikeMemoryBytes()`, the size of the app's wasm memory (for measurements).
pub fn expose_memory_size() {
    use wasm_bindgen::JsCast;
    let size = wasm_bindgen::closure::Closure::<dyn Fn() -> f64>::new(|| {
        wasm_bindgen::memory()
            .dyn_into::<js_sys::WebAssembly::Memory>()
            .map(|m| {
                f64::from(
                    m.buffer()
                        .unchecked_into::<js_sys::ArrayBuffer>()
                        .byte_length(),
                )
            })
            .unwrap_or(0.0)
    });
    if let Some(window) = web_sys::window() {
        let _ = js_sys::Reflect::set(&window, &"huikeMemoryBytes".into(), size.as_ref());
    }
    size.forget();
}

/// Asks the browser to keep this site's storage (`navigator.storage.persist()`); whether it
/// does, or `None` when the browser cannot say.
pub async fn persist_storage() -> Option<bool> {
    let storage = web_sys::window()?.navigator().storage();
    let promise = storage.persist().ok()?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()?
        .as_bool()
}

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
export function holdLock(name, onWaiting) {
  return new Promise((granted) => {
    if (!navigator.locks) { granted(true); return; }
    const hold = () => { granted(true); return new Promise(() => {}); };
    navigator.locks.request(name, { ifAvailable: true }, (lock) => {
      if (lock) { return hold(); }
      onWaiting();
      navigator.locks.request(name, hold);
      return undefined;
    });
  });
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = holdLock)]
    fn hold_lock(name: &str, on_waiting: &js_sys::Function) -> js_sys::Promise;
}

/// Takes the browser-wide lock `name` (Web Locks) and keeps it for as long as this page lives;
/// while another tab of the app holds it, calls `waiting` once and resolves when that tab
/// closes. One tab at a time owns the book: two tabs never write or sync one device's book at
/// the same time.
pub async fn hold_book_lock(name: &str, waiting: impl Fn() + 'static) {
    let waiting = wasm_bindgen::closure::Closure::<dyn Fn()>::new(waiting);
    use wasm_bindgen::JsCast;
    let promise = hold_lock(name, waiting.as_ref().unchecked_ref());
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    drop(waiting);
}
