//! The shop's customer-base model as a wasm module of its own. The fit and the per-customer
//! figures (`huike_core::predict::outlook::Fitted`) are about 12 KB gzip of code that the
//! first screen does not need, so the app keeps them out of its own wasm (SPEC §6: the first
//! load stays within 600 KB gzip) and loads this module once the day's grades are worked out
//! (`app/src/model.rs`); the service worker precaches it for offline use.
//!
//! The interface is columns of plain numbers in and out, so nothing but typed arrays crosses
//! between the two modules' memories: [`fit`] once, then [`figures`] a part of the rows at a
//! time, so the page can paint between the parts.

use huike_core::predict::outlook::Fitted;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    /// The latest fit, with its rows.
    static FITTED: RefCell<Option<Fitted>> = const { RefCell::new(None) };
}

/// Fits the model on the rows `x`, `t_x` and `T` in days and the repeat spend in minor units,
/// and keeps it for [`figures`]; the error's message when it cannot be fitted (for instance
/// fewer than 30 repeat customers).
#[wasm_bindgen]
pub fn fit(
    x: &[u32],
    t_x_days: &[u32],
    t_days: &[u32],
    repeat_spend: &[f64],
) -> Result<(), JsValue> {
    let fitted = Fitted::new(x, t_x_days, t_days, repeat_spend);
    let result = fitted
        .as_ref()
        .map(|_| ())
        .map_err(|e| JsValue::from_str(&e.to_string()));
    FITTED.with(|f| *f.borrow_mut() = fitted.ok());
    result
}

/// P(alive) and 12-month CLV (minor units) of the rows `from..to` of the latest fit,
/// interleaved; empty without a fit.
#[wasm_bindgen]
pub fn figures(from: u32, to: u32) -> Vec<f64> {
    FITTED.with(|f| {
        f.borrow()
            .as_ref()
            .map(|fitted| fitted.figures(from as usize, to as usize))
            .unwrap_or_default()
    })
}
