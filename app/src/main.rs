//! The wasm entry point (`cargo xtask build` builds it: xtask/src/app_wasm.rs).
fn main() {
    huike_app::run();
}
