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

/// The model's figures for `inputs` (see `huike_core::predict::outlook::figures`), or why
/// there are none: too little data, or the module could not be loaded.
pub async fn figures(inputs: &Inputs) -> Result<Vec<f64>, String> {
    let module = module().await?;
    let run: js_sys::Function = Reflect::get(&module, &"figures".into())
        .map_err(|e| describe(&e))?
        .dyn_into()
        .map_err(|_| "the model module has no figures()".to_owned())?;
    let args = js_sys::Array::of4(
        &Uint32Array::from(&inputs.x[..]),
        &Uint32Array::from(&inputs.t_x_days[..]),
        &Uint32Array::from(&inputs.t_days[..]),
        &Float64Array::from(&inputs.repeat_spend[..]),
    );
    let out = run.apply(&JsValue::NULL, &args).map_err(|e| describe(&e))?;
    Ok(Float64Array::new(&out).to_vec())
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
