//! The customer-base model, in a wasm module of its own (`model/`, built by `cargo xtask
//! build` into `dist/model/`): imported on first use — after the first screen, when the day's
//! grades are worked out — and kept. Only columns of numbers cross between the two modules.

use huike_core::predict::outlook::Inputs;
use js_sys::{Float64Array, Reflect, Uint32Array};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Where the build puts the module's JS glue (its wasm sits beside it).
const MODULE: &str = "/model/huike_model.js";

#[wasm_bindgen(
    inline_js = "export function import_model(url) { return import(url).then(async (m) => { await m.default(); return m; }); }"
)]
extern "C" {
    /// Imports the module at `url` and instantiates its wasm; resolves to the module.
    fn import_model(url: &str) -> js_sys::Promise;
}

thread_local! {
    /// The module, once imported.
    static LOADED: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// The module, imported on the first call (a failed import is tried again next time).
async fn module() -> Result<JsValue, String> {
    if let Some(module) = LOADED.with(|m| m.borrow().clone()) {
        return Ok(module);
    }
    let module = JsFuture::from(import_model(MODULE))
        .await
        .map_err(|e| describe(&e))?;
    LOADED.with(|m| *m.borrow_mut() = Some(module.clone()));
    Ok(module)
}

/// How many rows' figures one call works out (a 20,000-customer shop: four calls of some
/// 15 ms each in a phone's browser, the page painting between them).
const ROWS_A_CALL: usize = 4_000;

/// The model's figures for `inputs` (see `huike_core::predict::outlook::figures`), worked out
/// a part at a time with the page free between the parts; or why there are none: too little
/// data, or the module could not be loaded.
pub async fn figures(inputs: &Inputs) -> Result<Vec<f64>, String> {
    let module = module().await?;
    let function = |name: &str| -> Result<js_sys::Function, String> {
        Reflect::get(&module, &name.into())
            .map_err(|e| describe(&e))?
            .dyn_into()
            .map_err(|_| format!("the model module has no {name}()"))
    };
    let (fit, figures) = (function("fit")?, function("figures")?);
    let args = js_sys::Array::of4(
        &Uint32Array::from(&inputs.x[..]),
        &Uint32Array::from(&inputs.t_x_days[..]),
        &Uint32Array::from(&inputs.t_days[..]),
        &Float64Array::from(&inputs.repeat_spend[..]),
    );
    fit.apply(&JsValue::NULL, &args).map_err(|e| describe(&e))?;
    let rows = inputs.x.len();
    let mut out = Vec::with_capacity(2 * rows);
    for from in (0..rows).step_by(ROWS_A_CALL) {
        crate::store::yield_now().await;
        let to = (from + ROWS_A_CALL).min(rows);
        let part = figures
            .call2(&JsValue::NULL, &(from as u32).into(), &(to as u32).into())
            .map_err(|e| describe(&e))?;
        out.extend(Float64Array::new(&part).to_vec());
    }
    Ok(out)
}

/// A thrown value as text.
fn describe(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| "the model could not be loaded".to_owned())
}
