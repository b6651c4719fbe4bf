//! The wasm entry point Trunk builds.
fn main() {
    huike_app::run();
}
