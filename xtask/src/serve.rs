//! A static file server for the built app, behaving as a static host does: precompressed
//! variants (`.br`, `.gz`, see [`crate::compress`]) chosen by the request's `Accept-Encoding`,
//! correct MIME types, `immutable` caching for content-hashed files and `no-cache` + `ETag` for
//! the rest (`index.html`, `sw.js`, `config.json` must never be stale), and `index.html` for
//! deep links (`/customers/123`) so the app's router can take over.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use anyhow::{Context, Result, anyhow};
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use percent_encoding::percent_decode_str;
use tokio::sync::oneshot;

use crate::compress::{Encoding, compressible, variant};

/// The app's entry page, also the answer for deep links.
const INDEX: &str = "index.html";

/// Files that must be revalidated on every load, or a new build would not be picked up.
const NO_CACHE: [&str; 3] = ["sw.js", INDEX, "config.json"];

/// A running server (hyper, every connection a task of its own, kept alive as browsers
/// expect); stops when dropped. It replaced tiny_http, under which a request now and then
/// waited 20 s or more for its answer (an end-to-end test saw a 1.5 KB file take 20 s, and
/// first loads stay on the boot shell).
pub(crate) struct StaticServer {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    addr: SocketAddr,
}

impl StaticServer {
    /// Serves `root` on 127.0.0.1:`port` (0 picks a free port).
    pub(crate) fn start(root: &Path, port: u16) -> Result<StaticServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .map_err(|error| anyhow!("cannot serve the app on 127.0.0.1:{port}: {error}"))?;
        let addr = listener.local_addr().context("the app server's address")?;
        listener
            .set_nonblocking(true)
            .context("the app server's socket")?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("the app server's runtime")?;
        let (stop, stopped) = oneshot::channel();
        let root = Arc::new(root.to_path_buf());
        let thread = thread::spawn(move || runtime.block_on(serve(listener, root, stopped)));
        Ok(StaticServer {
            stop: Some(stop),
            thread: Some(thread),
            addr,
        })
    }

    /// The address it listens on.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, `http://127.0.0.1:<port>` (also the app's origin).
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Accepts connections until `stopped`, each served on a task of its own.
async fn serve(listener: TcpListener, root: Arc<PathBuf>, mut stopped: oneshot::Receiver<()>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        eprintln!("[app] the app server could not listen");
        return;
    };
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let root = Arc::clone(&root);
                tokio::spawn(async move {
                    let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                        let root = Arc::clone(&root);
                        async move { Ok::<_, Infallible>(answer(&root, request.method(), request.uri().path(), request.headers())) }
                    });
                    // A client that hangs up mid-response is not the server's problem.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}

/// What a request path is answered with.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Route {
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
pub(crate) fn route(url: &str, is_file: impl Fn(&Path) -> bool) -> Route {
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
pub(crate) fn content_type(path: &Path) -> String {
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

/// The `Cache-Control` for a file: a year and `immutable` for the files whose name, or a
/// folder's name on their path, carries a content hash (a new build has new names: the app's
/// `app-<hash>/`, or a file named like `main-<hash>.css`), `no-cache` (revalidate with the ETag every time)
/// for everything else: the entry points `index.html`, `sw.js`, `config.json`, and the unhashed
/// icons and manifest.
pub(crate) fn cache_control(path: &Path) -> &'static str {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let hashed = path.iter().any(|part| part.to_str().is_some_and(is_hashed));
    if NO_CACHE.contains(&name) || !hashed {
        "no-cache"
    } else {
        "public, max-age=31536000, immutable"
    }
}

/// Whether a file or folder name carries a content hash: `name-<hex>.ext`, e.g.
/// `app-9f86d081884c7d65`, `huike-app-9f86d081884c7d65_bg.wasm`, `main-2c26b46b68ffc68f.css`.
pub(crate) fn is_hashed(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(base, hash)| {
        !base.is_empty() && hash.len() >= 8 && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// The encodings the client accepts, best first, from its `Accept-Encoding` header: those
/// with a non-zero `q` (a `*` stands for every encoding not named), ordered by `q`, brotli
/// before gzip when equal.
pub(crate) fn accepted(accept_encoding: Option<&str>) -> Vec<Encoding> {
    let mut weights: Vec<(Encoding, f32)> = Vec::new();
    let mut wildcard = None;
    for item in accept_encoding.unwrap_or_default().split(',') {
        let mut parts = item.split(';');
        let token = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").map(str::to_owned))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match token.as_str() {
            "*" => wildcard = Some(q),
            _ => {
                if let Some(encoding) = Encoding::ALL.into_iter().find(|e| e.token() == token) {
                    weights.push((encoding, q));
                }
            }
        }
    }
    let mut list: Vec<(Encoding, f32)> = Encoding::ALL
        .into_iter()
        .filter_map(|encoding| {
            let named = weights
                .iter()
                .find(|(e, _)| *e == encoding)
                .map(|(_, q)| *q);
            named.or(wildcard).map(|q| (encoding, q))
        })
        .filter(|(_, q)| *q > 0.0)
        .collect();
    // Stable: equal weights keep brotli first.
    list.sort_by(|a, b| b.1.total_cmp(&a.1));
    list.into_iter().map(|(encoding, _)| encoding).collect()
}

/// The answer to one request.
fn answer(root: &Path, method: &Method, path: &str, headers: &HeaderMap) -> Response<Full<Bytes>> {
    match *method {
        Method::GET | Method::HEAD => match route(path, |file| root.join(file).is_file()) {
            Route::File(file) => send_file(root, &file, headers),
            Route::App => send_file(root, Path::new(INDEX), headers),
            Route::NotFound => send_status(StatusCode::NOT_FOUND, path),
            Route::BadRequest => send_status(StatusCode::BAD_REQUEST, path),
        },
        _ => {
            let mut response = send_status(StatusCode::METHOD_NOT_ALLOWED, path);
            response
                .headers_mut()
                .insert("Allow", HeaderValue::from_static("GET, HEAD"));
            response
        }
    }
}

fn request_header<'r>(headers: &'r HeaderMap, name: &'static str) -> Option<&'r str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Sends `file` (relative to `root`) as a static host does: the precompressed variant the
/// client accepts best (`Content-Encoding`, `Vary: Accept-Encoding`), the original's
/// `Content-Type`, a `Content-Length`, `Cache-Control`, and an `ETag` answered with 304.
fn send_file(root: &Path, file: &Path, request: &HeaderMap) -> Response<Full<Bytes>> {
    let original = root.join(file);
    let negotiated = compressible(file);
    let choice = if negotiated {
        accepted(request_header(request, "Accept-Encoding"))
            .into_iter()
            .map(|encoding| (Some(encoding), variant(&original, encoding)))
            .find(|(_, path)| path.is_file())
    } else {
        None
    };
    let (encoding, path) = choice.unwrap_or((None, original));
    let Ok(meta) = std::fs::metadata(&path) else {
        return send_status(StatusCode::NOT_FOUND, &file.to_string_lossy());
    };
    let tag = etag(&meta, encoding);
    let mut headers = vec![
        ("Content-Type", content_type(file)),
        ("Cache-Control", cache_control(file).to_owned()),
        ("ETag", tag.clone()),
    ];
    if negotiated {
        headers.push(("Vary", "Accept-Encoding".to_owned()));
    }
    if let Some(encoding) = encoding {
        headers.push(("Content-Encoding", encoding.token().to_owned()));
    }
    let matches = request_header(request, "If-None-Match").is_some_and(|wanted| {
        wanted
            .split(',')
            .any(|w| w.trim() == tag || w.trim() == "*")
    });
    let (status, body) = if matches {
        headers.retain(|(name, _)| *name != "Content-Type");
        (StatusCode::NOT_MODIFIED, Bytes::new())
    } else {
        match std::fs::read(&path) {
            Ok(bytes) => (StatusCode::OK, Bytes::from(bytes)),
            Err(_) => return send_status(StatusCode::NOT_FOUND, &file.to_string_lossy()),
        }
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// A strong validator for one variant of a file: its size and modification time, and the
/// encoding (each variant has its own bytes, so its own tag).
fn etag(meta: &std::fs::Metadata, encoding: Option<Encoding>) -> String {
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let suffix = encoding
        .map(|e| format!("-{}", e.token()))
        .unwrap_or_default();
    format!("\"{:x}-{modified:x}{suffix}\"", meta.len())
}

fn send_status(status: StatusCode, what: &str) -> Response<Full<Bytes>> {
    eprintln!("[app] {} {what}", status.as_u16());
    let mut response = Response::new(Full::new(Bytes::from(format!("{}\n", status.as_u16()))));
    *response.status_mut() = status;
    response
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
    fn hashed_files_are_immutable_entry_points_and_the_rest_revalidate() {
        for name in [
            "huike-app-9f86d081884c7d65_bg.wasm",
            "huike-app-9f86d081884c7d65.js",
            "main-2c26b46b68ffc68f.css",
            "app-9f86d081884c7d65/huike-app_bg.wasm",
            "app-9f86d081884c7d65/split_settings.wasm",
            "app-9f86d081884c7d65/snippets/huike-app-0/inline0.js",
        ] {
            assert_eq!(
                cache_control(Path::new(name)),
                "public, max-age=31536000, immutable",
                "{name}"
            );
        }
        for name in [
            "sw.js",
            "index.html",
            "config.json",
            "icon-192.png",
            "manifest.webmanifest",
            "huike-app.js",
            "a-b.css",
            "model/huike_model_bg.wasm",
        ] {
            assert_eq!(cache_control(Path::new(name)), "no-cache", "{name}");
        }
    }

    #[test]
    fn accept_encoding_is_read_like_a_static_host_does() {
        use Encoding::{Brotli, Gzip};
        assert_eq!(accepted(Some("gzip, deflate, br, zstd")), [Brotli, Gzip]);
        assert_eq!(accepted(Some("gzip")), [Gzip]);
        assert_eq!(accepted(Some("br;q=0.5, gzip;q=0.8")), [Gzip, Brotli]);
        assert_eq!(accepted(Some("br;q=0, *")), [Gzip]);
        assert_eq!(accepted(Some("identity")), []);
        assert_eq!(accepted(Some("*;q=0")), []);
        assert_eq!(accepted(None), []);
    }

    #[test]
    fn serves_a_folder_over_http_with_precompressed_variants() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("index.html"), "<p>huike</p>".repeat(50)).unwrap();
        fs::write(
            root.path().join("app-0123456789abcdef_bg.wasm"),
            b"\0asm\x01\0\0\0".repeat(100),
        )
        .unwrap();
        fs::write(root.path().join("big.js"), "x".repeat(100_000)).unwrap();
        fs::write(root.path().join("icon.png"), [0x89u8; 300]).unwrap();
        crate::compress::precompress(root.path()).unwrap();
        let server = StaticServer::start(root.path(), 0).unwrap();
        let get = |path: &str, headers: &[(&str, &str)]| {
            http::get(
                &format!("{}{path}", server.url()),
                headers,
                Duration::from_secs(5),
            )
            .unwrap()
        };

        let plain = get("/app-0123456789abcdef_bg.wasm", &[]);
        assert_eq!(plain.status, 200);
        assert_eq!(plain.header("content-type"), Some("application/wasm"));
        assert_eq!(plain.header("content-encoding"), None);
        assert_eq!(plain.header("vary"), Some("Accept-Encoding"));
        assert_eq!(
            plain.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(plain.body.len(), 800);

        let br = get(
            "/app-0123456789abcdef_bg.wasm",
            &[("Accept-Encoding", "gzip, deflate, br")],
        );
        assert_eq!(br.header("content-encoding"), Some("br"));
        assert_eq!(br.header("content-type"), Some("application/wasm"));
        let expected = fs::read(root.path().join("app-0123456789abcdef_bg.wasm.br")).unwrap();
        assert_eq!(br.body, expected);
        assert_eq!(
            br.header("content-length"),
            Some(expected.len().to_string().as_str())
        );

        let gz = get("/big.js", &[("Accept-Encoding", "gzip")]);
        assert_eq!(gz.header("content-encoding"), Some("gzip"));
        assert_eq!(
            gz.header("content-type"),
            Some("text/javascript; charset=utf-8")
        );
        assert!(gz.body.len() < 1_000);
        let big = get("/big.js", &[]);
        assert_eq!(big.header("content-length"), Some("100000"));
        assert_eq!(big.body.len(), 100_000);

        // Revalidation: the same variant's ETag gives 304 and no body.
        let tag = gz.header("etag").unwrap().to_owned();
        assert_ne!(
            Some(tag.as_str()),
            big.header("etag"),
            "each variant has its own tag"
        );
        let again = get(
            "/big.js",
            &[("Accept-Encoding", "gzip"), ("If-None-Match", &tag)],
        );
        assert_eq!(again.status, 304);
        assert!(again.body.is_empty());

        let png = get("/icon.png", &[("Accept-Encoding", "br")]);
        assert_eq!(png.header("content-encoding"), None);
        assert_eq!(png.header("vary"), None);

        let deep = get("/customers/42", &[("Accept-Encoding", "br")]);
        assert_eq!(deep.status, 200);
        assert_eq!(deep.header("content-encoding"), Some("br"));
        assert_eq!(deep.header("cache-control"), Some("no-cache"));
        assert_eq!(
            deep.header("content-type"),
            Some("text/html; charset=utf-8")
        );

        assert_eq!(get("/gone.js", &[]).status, 404);
        assert_eq!(get("/../Cargo.toml", &[]).status, 400);
        assert!(server.url().starts_with("http://127.0.0.1:"));
    }
}
