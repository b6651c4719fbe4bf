//! A static file server for the built app (`dist/`): correct MIME types, `no-cache` for the
//! files that must never be stale (`sw.js`, `index.html`, `config.json`), and `index.html`
//! for deep links (`/customers/123`) so the app's router can take over.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use anyhow::{Result, anyhow};
use percent_encoding::percent_decode_str;
use tiny_http::{Header, Method, Request, Response, Server};

/// How many requests are served at once (a browser opens several connections).
const THREADS: usize = 4;

/// The app's entry page, also the answer for deep links.
const INDEX: &str = "index.html";

/// Files that must be revalidated on every load, or a new build would not be picked up.
const NO_CACHE: [&str; 3] = ["sw.js", INDEX, "config.json"];

/// A running server; stops when dropped.
pub struct StaticServer {
    server: Arc<Server>,
    threads: Vec<JoinHandle<()>>,
    addr: SocketAddr,
}

impl StaticServer {
    /// Serves `root` on 127.0.0.1:`port` (0 picks a free port).
    pub fn start(root: &Path, port: u16) -> Result<StaticServer> {
        let server = Server::http((Ipv4Addr::LOCALHOST, port))
            .map_err(|error| anyhow!("cannot serve the app on 127.0.0.1:{port}: {error}"))?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| anyhow!("the app server has no IP address"))?;
        let server = Arc::new(server);
        let threads = (0..THREADS)
            .map(|_| {
                let server = Arc::clone(&server);
                let root = root.to_path_buf();
                thread::spawn(move || {
                    while let Ok(request) = server.recv() {
                        handle(&root, request);
                    }
                })
            })
            .collect();
        Ok(StaticServer {
            server,
            threads,
            addr,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, `http://127.0.0.1:<port>` (also the app's origin).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        for _ in &self.threads {
            self.server.unblock();
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// What a request path is answered with.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    /// This file under the root.
    File(PathBuf),
    /// `index.html`: a deep link into the app.
    App,
    /// 404: a missing asset (a name with an extension) or a hidden file.
    NotFound,
    /// 400: a path that is not valid UTF-8 or tries to leave the root.
    BadRequest,
}

/// Decides how to answer `url` given which files exist (`is_file` is asked about paths
/// relative to the root).
pub fn route(url: &str, is_file: impl Fn(&Path) -> bool) -> Route {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let Ok(path) = percent_decode_str(path).decode_utf8() else {
        return Route::BadRequest;
    };
    let segments: Vec<&str> = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    if segments
        .iter()
        .any(|segment| matches!(*segment, "." | "..") || segment.contains(['\\', '\0']))
    {
        return Route::BadRequest;
    }
    if segments.iter().any(|segment| segment.starts_with('.')) {
        return Route::NotFound;
    }
    let mut file: PathBuf = segments.iter().collect();
    if path.ends_with('/') || segments.is_empty() {
        file.push(INDEX);
    }
    if is_file(&file) {
        Route::File(file)
    } else if segments.last().is_some_and(|last| looks_like_asset(last)) {
        Route::NotFound
    } else {
        Route::App
    }
}

/// A last segment with an extension (`app.js`, `icon.png`) names a file, so a miss is a 404;
/// anything else is a route of the app.
fn looks_like_asset(segment: &str) -> bool {
    segment
        .rsplit_once('.')
        .is_some_and(|(stem, extension)| !stem.is_empty() && !extension.is_empty())
}

/// The `Content-Type` for a file, with `charset=utf-8` for text.
pub fn content_type(path: &Path) -> String {
    let mime = mime_guess::from_path(path)
        .first_raw()
        .unwrap_or("application/octet-stream");
    let textual = mime.starts_with("text/")
        || matches!(
            mime,
            "application/json" | "application/manifest+json" | "application/javascript"
        );
    if textual {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_owned()
    }
}

/// The `Cache-Control` for a file: `no-cache` for the entry points, none for the rest (their
/// names carry content hashes).
pub fn cache_control(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?;
    NO_CACHE.contains(&name).then_some("no-cache")
}

fn handle(root: &Path, request: Request) {
    let url = request.url().to_owned();
    let result = match request.method() {
        Method::Get | Method::Head => match route(&url, |file| root.join(file).is_file()) {
            Route::File(file) => send_file(request, root, &file),
            Route::App => send_file(request, root, Path::new(INDEX)),
            Route::NotFound => send_status(request, 404, &url),
            Route::BadRequest => send_status(request, 400, &url),
        },
        _ => {
            let allow = Header::from_bytes("Allow", "GET, HEAD").expect("a valid header");
            request.respond(Response::empty(405).with_header(allow))
        }
    };
    // A client that hangs up mid-response is not the server's problem.
    drop(result);
}

fn send_file(request: Request, root: &Path, file: &Path) -> std::io::Result<()> {
    let Ok(opened) = File::open(root.join(file)) else {
        return send_status(request, 404, &file.to_string_lossy());
    };
    // Whole files with a Content-Length, never chunked: the size is known.
    let mut response = Response::from_file(opened)
        .with_chunked_threshold(usize::MAX)
        .with_header(header("Content-Type", &content_type(file)));
    if let Some(cache) = cache_control(file) {
        response.add_header(header("Cache-Control", cache));
    }
    request.respond(response)
}

fn send_status(request: Request, status: u16, what: &str) -> std::io::Result<()> {
    eprintln!("[app] {status} {what}");
    request.respond(Response::from_string(format!("{status}\n")).with_status_code(status))
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name, value).expect("header names and values here are ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http;
    use std::fs;
    use std::time::Duration;

    fn exists(list: &'static [&'static str]) -> impl Fn(&Path) -> bool {
        move |path| list.iter().any(|file| Path::new(file) == path)
    }

    #[test]
    fn routes_files_and_the_root() {
        let files = exists(&["index.html", "app-1.js", "icons/a b.png"]);
        assert_eq!(route("/", &files), Route::File("index.html".into()));
        assert_eq!(
            route("/app-1.js?v=2", &files),
            Route::File("app-1.js".into())
        );
        assert_eq!(
            route("/icons/a%20b.png", &files),
            Route::File("icons/a b.png".into())
        );
    }

    #[test]
    fn deep_links_get_the_app_and_missing_assets_a_404() {
        let files = exists(&["index.html"]);
        assert_eq!(route("/customers/0190a1b2-7c3d", &files), Route::App);
        assert_eq!(route("/today", &files), Route::App);
        assert_eq!(route("/missing.js", &files), Route::NotFound);
        assert_eq!(route("/customers/x/photo.png", &files), Route::NotFound);
        assert_eq!(route("/.env", &files), Route::NotFound);
    }

    #[test]
    fn paths_leaving_the_root_are_refused() {
        let files = exists(&["index.html"]);
        assert_eq!(route("/../etc/passwd", &files), Route::BadRequest);
        assert_eq!(
            route("/a/%2e%2e/%2e%2e/etc/passwd", &files),
            Route::BadRequest
        );
        assert_eq!(route("/a%5c..%5cb", &files), Route::BadRequest);
        assert_eq!(route("/%ff", &files), Route::BadRequest);
    }

    #[test]
    fn mime_types_fit_what_browsers_require() {
        assert_eq!(content_type(Path::new("app_bg.wasm")), "application/wasm");
        assert_eq!(
            content_type(Path::new("app.js")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("manifest.webmanifest")),
            "application/manifest+json; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("index.html")),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("style.css")),
            "text/css; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("config.json")),
            "application/json; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("icon.svg")), "image/svg+xml");
        assert_eq!(content_type(Path::new("icon-192.png")), "image/png");
        assert_eq!(content_type(Path::new("blob")), "application/octet-stream");
    }

    #[test]
    fn entry_points_are_never_cached() {
        assert_eq!(cache_control(Path::new("sw.js")), Some("no-cache"));
        assert_eq!(cache_control(Path::new("index.html")), Some("no-cache"));
        assert_eq!(cache_control(Path::new("config.json")), Some("no-cache"));
        assert_eq!(cache_control(Path::new("huike-app-1f2e.js")), None);
    }

    #[test]
    fn serves_a_folder_over_http() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("index.html"), "<p>huike</p>").unwrap();
        fs::write(root.path().join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        fs::write(root.path().join("big.js"), "x".repeat(100_000)).unwrap();
        let server = StaticServer::start(root.path(), 0).unwrap();
        let get = |path: &str| http::get(server.addr(), path, Duration::from_secs(5)).unwrap();

        let wasm = get("/app_bg.wasm");
        assert_eq!(wasm.status, 200);
        assert_eq!(wasm.header("content-type"), Some("application/wasm"));
        assert_eq!(wasm.body, b"\0asm\x01\0\0\0");
        assert_eq!(wasm.header("cache-control"), None);

        let big = get("/big.js");
        assert_eq!(big.header("content-length"), Some("100000"));
        assert_eq!(big.body.len(), 100_000);

        let deep = get("/customers/42");
        assert_eq!(deep.status, 200);
        assert_eq!(deep.body, b"<p>huike</p>");
        assert_eq!(deep.header("cache-control"), Some("no-cache"));
        assert_eq!(
            deep.header("content-type"),
            Some("text/html; charset=utf-8")
        );

        assert_eq!(get("/gone.js").status, 404);
        assert_eq!(get("/../Cargo.toml").status, 400);
        assert!(server.url().starts_with("http://127.0.0.1:"));
    }
}
