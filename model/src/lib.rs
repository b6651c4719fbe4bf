//! The shop's customer-base model as a wasm module of its own. The fit and the per-customer
//! figures (`huike_core::predict::outlook::figures`) are about 12 KB gzip of code that the
//! first screen does not need, so the app keeps them out of its own wasm (SPEC §6: the first
//! load stays within 600 KB gzip) and loads this module once the day's grades are worked out
//! (`app/src/model.rs`); the service worker precaches it for offline use.
//!
//! The interface is columns of plain numbers in and out, so nothing but typed arrays crosses
//! between the two modules' memories.

use wasm_bindgen::prelude::*;

/// P(alive) and 12-month CLV (minor units) per row, interleaved, for the rows `x`, `t_x`
/// and `T` in days and the repeat spend in minor units; the error's message when the model
/// cannot be fitted (for instance fewer than 30 repeat customers).
#[wasm_bindgen]
pub fn figures(
    x: &[u32],
    t_x_days: &[u32],
    t_days: &[u32],
    repeat_spend: &[f64],
) -> Result<Vec<f64>, JsValue> {
    huike_core::predict::outlook::figures(x, t_x_days, t_days, repeat_spend)
        .map_err(|e| JsValue::from_str(&e.to_string()))
}
