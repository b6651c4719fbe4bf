//! The app's addresses (headless Chromium, as the app runs them): which screen each path
//! shows, which links are marked current, and query values.
#![cfg(target_arch = "wasm32")]

use huike_app::route::{Pane, Screen, is_current, query_value};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn each_path_shows_its_screen() {
    let card = |id: &str| Screen::Customers(Pane::Card(id.into()));
    for (path, screen) in [
        ("/", Screen::Today(None)),
        ("", Screen::Today(None)),
        ("/today", Screen::Today(None)),
        ("/today/", Screen::Today(None)),
        ("/today/c-1", Screen::Today(Some("c-1".into()))),
        ("/customers", Screen::Customers(Pane::Nothing)),
        ("/customers/", Screen::Customers(Pane::Nothing)),
        ("/customers/new", Screen::Customers(Pane::New)),
        ("/customers/01JD3K7Q", card("01JD3K7Q")),
        ("/customers/01JD3K7Q/", card("01JD3K7Q")),
        ("/stats", Screen::Stats),
        ("/settings", Screen::Settings),
        ("/customers/01JD3K7Q/edit", Screen::NotFound),
        ("/todayx", Screen::NotFound),
        ("/settings/x", Screen::NotFound),
        ("/客户", Screen::NotFound),
    ] {
        assert_eq!(Screen::of(path), screen, "{path:?}");
    }
}

#[wasm_bindgen_test]
fn a_link_is_current_on_its_page_and_the_pages_below_it_only() {
    assert!(is_current("/customers", "/customers"));
    assert!(is_current("/customers", "/customers/"));
    assert!(is_current("/customers", "/customers/01JD3K7Q"));
    assert!(is_current("/customers/01JD3K7Q", "/customers/01JD3K7Q"));
    assert!(!is_current("/customers/01JD3K7Q", "/customers"));
    assert!(!is_current("/customers/01JD3K7Q", "/customers/01JD3K7QX"));
    assert!(!is_current("/stats", "/statsx"));
    assert!(!is_current("/today", "/customers"));
}

#[wasm_bindgen_test]
fn query_values_are_decoded_and_missing_ones_are_none() {
    assert_eq!(query_value("?saved=1", "saved").as_deref(), Some("1"));
    assert_eq!(
        query_value("?a=1&name=%E5%BC%A0%E4%B8%89", "name").as_deref(),
        Some("张三")
    );
    assert_eq!(query_value("", "saved"), None);
    assert_eq!(query_value("?saved", "saved").as_deref(), Some(""));
    assert_eq!(query_value("?other=1", "saved"), None);
}
