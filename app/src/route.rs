//! The app's addresses: which screen a path shows ([`Screen`]), the address as signals
//! ([`Location`], following the browser's back and forward), and [`Link`], an `<a>` that
//! changes the address without reloading the page.
//!
//! Six screens do not need a router crate: leptos_router (with the `url` crate it parses
//! addresses with) was about 30 KB gzip of the app's download.

use leptos::prelude::*;
use web_sys::MouseEvent;

/// What the address shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// `/today` (and `/`, which is redirected there); `/today/<id>`: the compose sheet of a
    /// customer on the list (the id as written in the address).
    Today(Option<String>),
    /// `/customers…`: the list, with its right-hand pane.
    Customers(Pane),
    /// `/stats`.
    Stats,
    /// `/settings`.
    Settings,
    /// Anything else.
    NotFound,
}

/// The right-hand pane of Customers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pane {
    /// `/customers`: nothing selected.
    Nothing,
    /// `/customers/new`: the add form.
    New,
    /// `/customers/<id>`: a customer's card (the id as written in the address).
    Card(String),
}

impl Screen {
    /// The screen for a path (`/customers/abc/` is `/customers/abc`).
    pub fn of(path: &str) -> Screen {
        let path = path.trim_end_matches('/');
        let mut parts = path.split('/').skip(1);
        match (parts.next(), parts.next(), parts.next()) {
            (None | Some("today"), None, _) => Screen::Today(None),
            (Some("today"), Some(id), None) if !id.is_empty() => Screen::Today(Some(id.to_owned())),
            (Some("customers"), None, _) => Screen::Customers(Pane::Nothing),
            (Some("customers"), Some("new"), None) => Screen::Customers(Pane::New),
            (Some("customers"), Some(id), None) if !id.is_empty() => {
                Screen::Customers(Pane::Card(id.to_owned()))
            }
            (Some("stats"), None, _) => Screen::Stats,
            (Some("settings"), None, _) => Screen::Settings,
            _ => Screen::NotFound,
        }
    }
}

/// Whether a link to `href` is the current page's, or a page above it (the Customers tab on a
/// customer's card): it is then marked `aria-current="page"`.
pub fn is_current(href: &str, path: &str) -> bool {
    let (href, path) = (href.trim_end_matches('/'), path.trim_end_matches('/'));
    path == href
        || path
            .strip_prefix(href)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The value of `name` in a query string (`?saved=1&x=2`), decoded.
pub fn query_value(query: &str, name: &str) -> Option<String> {
    web_sys::UrlSearchParams::new_with_str(query)
        .ok()?
        .get(name)
}

/// The address as the app sees it: path and query, as signals (a context of the shell).
#[derive(Clone, Copy)]
pub struct Location {
    path: RwSignal<String>,
    query: RwSignal<String>,
}

impl Location {
    /// The browser's address now, kept up to date on back and forward while the calling
    /// component lives; `/` becomes `/today`.
    pub fn follow_browser() -> Location {
        let (path, query) = browser_address();
        let location = Location {
            path: RwSignal::new(path),
            query: RwSignal::new(query),
        };
        if location.path.with_untracked(|p| p == "/") {
            location.go("/today", false);
        }
        let back_or_forward = window_event_listener(leptos::ev::popstate, move |_| {
            let (path, query) = browser_address();
            location.path.set(path);
            location.query.set(query);
        });
        on_cleanup(move || back_or_forward.remove());
        location
    }

    /// The path (tracked).
    pub fn path(&self) -> String {
        self.path.get()
    }

    /// A query parameter (tracked).
    pub fn query(&self, name: &str) -> Option<String> {
        self.query.with(|q| query_value(q, name))
    }

    /// Goes to `href` (a path with an optional query) as a new history entry, at the top of
    /// the page.
    pub fn navigate(&self, href: &str) {
        self.go(href, true);
        window().scroll_to_with_x_and_y(0.0, 0.0);
    }

    fn go(&self, href: &str, push: bool) {
        if let Ok(history) = window().history() {
            let _ = if push {
                history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(href))
            } else {
                history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(href))
            };
        }
        let (path, query) = href.split_once('?').unwrap_or((href, ""));
        self.path.set(path.to_owned());
        self.query.set(if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        });
    }
}

/// The shell's [`Location`].
pub fn use_location() -> Location {
    expect_context::<Location>()
}

fn browser_address() -> (String, String) {
    let location = window().location();
    (
        location.pathname().unwrap_or_else(|_| "/".into()),
        location.search().unwrap_or_default(),
    )
}

/// A link inside the app: a plain `<a href>` (so it can be opened in a new tab) that, on an
/// ordinary click, changes the address without a reload. Extra attributes (`attr:class`) go
/// on the `<a>`.
#[component]
pub fn Link(
    /// Where it goes: a path, optionally with a query.
    #[prop(into)]
    href: String,
    /// What the link shows.
    children: Children,
) -> impl IntoView {
    let location = use_location();
    let current = {
        let href = href.clone();
        move || {
            location
                .path
                .with(|p| is_current(&href, p))
                .then_some("page")
        }
    };
    let target = href.clone();
    let follow = move |ev: MouseEvent| {
        let plain =
            ev.button() == 0 && !(ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key());
        if plain && !ev.default_prevented() {
            ev.prevent_default();
            location.navigate(&target);
        }
    };
    view! { <a href=href aria-current=current on:click=follow>{children()}</a> }
}
