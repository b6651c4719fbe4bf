//! A proxy in front of the worker that a test can cut and restore, to play "the network to the
//! sync server is down" for one browser while the app itself stays served — and that can make
//! single requests misbehave the ways a real network does ([`Fault`]): fail them with a 503,
//! hold them, or forward them and lose the answer after the worker has acted on it.
//!
//! It speaks just enough HTTP/1.1 to see each request's method and path and where each message
//! ends (`Content-Length` or chunked). Every connection carries one request and is closed after
//! its answer (`Connection: close`), so the browser opens a fresh connection for each request:
//! a dropped answer then reaches the app as a failed request, never as a quiet resend by the
//! browser's connection pool (which retries on a *reused* connection that closes early). CORS
//! preflights (`OPTIONS`) always pass: faults hit the requests the app itself makes.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// How a request misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answered at once with `503 unavailable` (with the CORS headers, so the app reads it as
    /// the server's answer); the worker never sees the request.
    Fail,
    /// Held this long, then forwarded (cutting the proxy meanwhile drops it).
    Delay(Duration),
    /// Forwarded; the worker's whole answer is read (so whatever the request changed is
    /// stored), then thrown away and the connection closed without a byte: a lost response.
    DropResponse,
}

/// Which requests a fault applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// The method (`""`: any).
    pub method: &'static str,
    /// The start of the path.
    pub path_prefix: &'static str,
}

impl Route {
    /// Pushes of a batch (`PUT /v1/log/{seq}`).
    pub const PUSH: Route = Route {
        method: "PUT",
        path_prefix: "/v1/log/",
    };
    /// Pulls (`POST /v1/pull`).
    pub const PULL: Route = Route {
        method: "POST",
        path_prefix: "/v1/pull",
    };
    /// Every request but a CORS preflight.
    pub const ANY: Route = Route {
        method: "",
        path_prefix: "/",
    };

    fn matches(&self, method: &str, path: &str) -> bool {
        method != "OPTIONS"
            && (self.method.is_empty() || self.method == method)
            && path.starts_with(self.path_prefix)
    }
}

/// One request the proxy saw (CORS preflights are not logged).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    /// Its method.
    pub method: String,
    /// Its path (with the query).
    pub path: String,
    /// The fault applied to it, if any.
    pub fault: Option<Fault>,
    /// The worker's status, when the request reached the worker and its answer came back.
    pub upstream: Option<u16>,
    /// The status the client was given (`None`: the connection closed without an answer).
    pub answered: Option<u16>,
}

impl Seen {
    /// True when the request is one of `route`.
    pub fn is(&self, route: Route) -> bool {
        route.matches(&self.method, &self.path)
    }
}

#[derive(Debug)]
struct Rule {
    fault: Fault,
    route: Route,
    /// Requests it still applies to (`None`: until healed).
    left: Option<u32>,
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    log: Vec<Seen>,
}

struct Shared {
    upstream: String,
    online: watch::Sender<bool>,
    state: Mutex<State>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The fault for this request (spending one of its rule's uses).
    fn take_fault(&self, method: &str, path: &str) -> Option<Fault> {
        let mut state = self.state();
        let rule = state
            .rules
            .iter_mut()
            .find(|r| r.left != Some(0) && r.route.matches(method, path))?;
        if let Some(left) = &mut rule.left {
            *left -= 1;
        }
        Some(rule.fault)
    }

    fn log(&self, seen: Seen) {
        self.state().log.push(seen);
    }
}

/// A running proxy. Dropping it stops it.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Starts a proxy on a free loopback port forwarding to `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> std::io::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (online, _) = watch::channel(true);
        let shared = Arc::new(Shared {
            upstream: upstream.to_owned(),
            online,
            state: Mutex::new(State::default()),
        });
        let serving = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if !*serving.online.borrow() {
                    drop(client); // refused: the network is "down"
                    continue;
                }
                let mut down = serving.online.subscribe();
                let shared = serving.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        _ = serve(client, &shared) => {}
                        _ = down.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Ok(Proxy { addr, shared, task })
    }

    /// The proxy's base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Cuts (`false`) or restores (`true`) the connection. Cutting also drops every open
    /// connection, so requests under way (and held ones) fail too.
    pub fn set_online(&self, online: bool) {
        self.shared.online.send_replace(online);
    }

    /// Applies `fault` to the next `times` requests of `route` (after the faults added before
    /// it are spent, for requests both match).
    pub fn inject(&self, fault: Fault, route: Route, times: u32) {
        self.shared.state().rules.push(Rule {
            fault,
            route,
            left: Some(times),
        });
    }

    /// Applies `fault` to every request of `route` until [`Proxy::heal`].
    pub fn inject_always(&self, fault: Fault, route: Route) {
        self.shared.state().rules.push(Rule {
            fault,
            route,
            left: None,
        });
    }

    /// Drops every fault not spent yet: the network is good again.
    pub fn heal(&self) {
        self.shared.state().rules.clear();
    }

    /// True when every fault injected with a count has been spent.
    pub fn faults_spent(&self) -> bool {
        self.shared
            .state()
            .rules
            .iter()
            .all(|r| r.left.is_none_or(|left| left == 0))
    }

    /// Every request seen so far, oldest first.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.state().log.clone()
    }

    /// Waits (at most `timeout`) until `check` holds for the requests seen; them.
    pub async fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        check: impl Fn(&[Seen]) -> bool,
    ) -> Vec<Seen> {
        let deadline = Instant::now() + timeout;
        loop {
            let seen = self.seen();
            if check(&seen) {
                return seen;
            }
            if Instant::now() >= deadline {
                panic!(
                    "proxy {}: after {timeout:?}, still not {what}; requests seen:\n{}",
                    self.url(),
                    describe(&seen)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The requests, one a line, for failure messages.
pub fn describe(seen: &[Seen]) -> String {
    seen.iter()
        .map(|s| {
            format!(
                "  {} {} fault={:?} worker={:?} client={:?}",
                s.method, s.path, s.fault, s.upstream, s.answered
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        // Connections still open end too.
        self.set_online(false);
    }
}

/// How long the worker may take to answer one forwarded request.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(120);
/// The largest message head accepted.
const MAX_HEAD: usize = 64 * 1024;

/// Serves one connection: one request, one answer (or none), then close.
async fn serve(mut client: TcpStream, shared: &Shared) {
    let mut from_client = Reader::new();
    let Ok(request) = from_client.message(&mut client, None).await else {
        return;
    };
    let (method, path) = request.request_line();
    let fault = shared.take_fault(&method, &path);
    let mut seen = Seen {
        method: method.clone(),
        path,
        fault,
        upstream: None,
        answered: None,
    };
    let preflight = method == "OPTIONS";
    if fault == Some(Fault::Fail) {
        let answer = unavailable(request.header("origin"));
        if client.write_all(&answer).await.is_ok() {
            seen.answered = Some(503);
        }
        let _ = client.shutdown().await;
        shared.log(seen);
        return;
    }
    if let Some(Fault::Delay(pause)) = fault {
        tokio::time::sleep(pause).await;
    }
    let answer = tokio::time::timeout(UPSTREAM_TIMEOUT, forward(&shared.upstream, &request)).await;
    let Ok(Ok(answer)) = answer else {
        // The worker did not answer: the client gets nothing either.
        if !preflight {
            shared.log(seen);
        }
        return;
    };
    seen.upstream = Some(answer.status());
    if fault != Some(Fault::DropResponse) && client.write_all(&answer.closing()).await.is_ok() {
        seen.answered = seen.upstream;
    }
    let _ = client.shutdown().await;
    if !preflight {
        shared.log(seen);
    }
}

/// Sends `request` to the worker on a connection of its own; its whole answer.
async fn forward(upstream: &str, request: &Message) -> std::io::Result<Message> {
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(&request.head).await?;
    server.write_all(&request.body).await?;
    let (method, _) = request.request_line();
    Reader::new().message(&mut server, Some(&method)).await
}

/// The proxy's own `503` (what a worker or a load balancer in trouble says).
fn unavailable(origin: Option<String>) -> Vec<u8> {
    let body = r#"{"error":"unavailable","message":"the test proxy failed this request"}"#;
    let mut head = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\nVary: Origin\r\n",
        body.len()
    );
    if let Some(origin) = origin {
        head.push_str(&format!("Access-Control-Allow-Origin: {origin}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    bytes
}

/// One HTTP/1.1 message: its head (start line and headers, with the blank line) and its body
/// as it came (chunked framing included).
struct Message {
    head: Vec<u8>,
    body: Vec<u8>,
}

impl Message {
    fn head_text(&self) -> String {
        String::from_utf8_lossy(&self.head).into_owned()
    }

    /// A request's method and path.
    fn request_line(&self) -> (String, String) {
        let text = self.head_text();
        let mut words = text.lines().next().unwrap_or_default().split(' ');
        let method = words.next().unwrap_or_default().to_owned();
        let path = words.next().unwrap_or_default().to_owned();
        (method, path)
    }

    /// A response's status.
    fn status(&self) -> u16 {
        self.head_text()
            .lines()
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    /// The value of header `name` (any case).
    fn header(&self, name: &str) -> Option<String> {
        self.head_text().lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }

    /// The message with `Connection: close` in place of any `Connection` header.
    fn closing(&self) -> Vec<u8> {
        let text = self.head_text();
        let mut lines: Vec<&str> = text
            .trim_end_matches("\r\n")
            .split("\r\n")
            .filter(|line| {
                !line
                    .split_once(':')
                    .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case("connection"))
            })
            .collect();
        lines.push("Connection: close");
        let mut bytes = lines.join("\r\n").into_bytes();
        bytes.extend_from_slice(b"\r\n\r\n");
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// Reads messages off a stream, keeping what arrived beyond the current one.
struct Reader {
    buf: Vec<u8>,
}

fn bad(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned())
}

impl Reader {
    fn new() -> Reader {
        Reader { buf: Vec::new() }
    }

    /// Reads more bytes; false at the end of the stream.
    async fn fill(&mut self, stream: &mut TcpStream) -> std::io::Result<bool> {
        let mut chunk = [0u8; 16 * 1024];
        let n = stream.read(&mut chunk).await?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    /// Takes bytes up to and including the first `pattern`.
    async fn until(&mut self, stream: &mut TcpStream, pattern: &[u8]) -> std::io::Result<Vec<u8>> {
        loop {
            if let Some(at) = self.buf.windows(pattern.len()).position(|w| w == pattern) {
                return Ok(self.buf.drain(..at + pattern.len()).collect());
            }
            if self.buf.len() > MAX_HEAD {
                return Err(bad("a line or head too long"));
            }
            if !self.fill(stream).await? {
                return Err(bad("the stream ended in a head"));
            }
        }
    }

    /// Takes exactly `n` bytes.
    async fn exactly(&mut self, stream: &mut TcpStream, n: usize) -> std::io::Result<Vec<u8>> {
        while self.buf.len() < n {
            if !self.fill(stream).await? {
                return Err(bad("the stream ended in a body"));
            }
        }
        Ok(self.buf.drain(..n).collect())
    }

    /// Reads one message; `request_method` is set when it is the answer to a request with that
    /// method (answers to `HEAD`, and 1xx / 204 / 304 answers, have no body).
    async fn message(
        &mut self,
        stream: &mut TcpStream,
        request_method: Option<&str>,
    ) -> std::io::Result<Message> {
        let head = self.until(stream, b"\r\n\r\n").await?;
        let mut message = Message {
            head,
            body: Vec::new(),
        };
        if let Some(method) = request_method {
            let status = message.status();
            if method == "HEAD" || status < 200 || status == 204 || status == 304 {
                return Ok(message);
            }
        }
        let chunked = message
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        if chunked {
            loop {
                let line = self.until(stream, b"\r\n").await?;
                let size_text = String::from_utf8_lossy(&line);
                let size_text = size_text.trim().split(';').next().unwrap_or_default();
                let size = usize::from_str_radix(size_text.trim(), 16)
                    .map_err(|_| bad("a bad chunk size"))?;
                message.body.extend_from_slice(&line);
                if size == 0 {
                    // Trailers, up to the blank line.
                    loop {
                        let line = self.until(stream, b"\r\n").await?;
                        message.body.extend_from_slice(&line);
                        if line == b"\r\n" {
                            return Ok(message);
                        }
                    }
                }
                let data = self.exactly(stream, size + 2).await?;
                message.body.extend_from_slice(&data);
            }
        }
        match message.header("content-length") {
            Some(length) => {
                let n = length.parse().map_err(|_| bad("a bad Content-Length"))?;
                message.body = self.exactly(stream, n).await?;
            }
            None if request_method.is_some() => {
                // An answer without a length ends with the connection.
                while self.fill(stream).await? {}
                message.body = std::mem::take(&mut self.buf);
            }
            None => {} // a request without a body
        }
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny upstream: answers `GET /chunked` with a chunked body, anything else with a
    /// `Content-Length` body naming the request; counts the requests it read.
    async fn upstream() -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let got = Arc::new(Mutex::new(Vec::new()));
        let log = got.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let mut reader = Reader::new();
                    // Keep-alive, like workerd: answer requests until the client closes.
                    while let Ok(request) = reader.message(&mut stream, None).await {
                        let (method, path) = request.request_line();
                        let body = String::from_utf8_lossy(&request.body).into_owned();
                        log.lock().unwrap().push(format!("{method} {path} {body}"));
                        let answer = if path == "/chunked" {
                            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=1\r\n world\r\n0\r\n\r\n".to_owned()
                        } else {
                            let text = format!("{method} {path} {body}");
                            format!(
                                "HTTP/1.1 201 Created\r\nContent-Length: {}\r\n\r\n{text}",
                                text.len()
                            )
                        };
                        if stream.write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (addr, got)
    }

    #[tokio::test]
    async fn forwards_fails_holds_and_loses_answers_as_told() {
        let (addr, got) = upstream().await;
        let proxy = Proxy::start(&addr).await.unwrap();
        let http = reqwest::Client::new();
        let put = |path: &str, body: &str| {
            http.put(format!("{}{path}", proxy.url()))
                .header("origin", "http://app.test")
                .body(body.to_owned())
                .send()
        };

        // Passed through, both framings; the connection is closed after each answer.
        let r = put("/v1/log/1", "one").await.unwrap();
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["connection"], "close");
        assert_eq!(r.text().await.unwrap(), "PUT /v1/log/1 one");
        let r = http
            .get(format!("{}/chunked", proxy.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.text().await.unwrap(), "hello world");

        // Failed: a 503 the browser can read, and the worker never sees it.
        proxy.inject(Fault::Fail, Route::PUSH, 1);
        let r = put("/v1/log/2", "two").await.unwrap();
        assert_eq!(r.status(), 503);
        assert_eq!(
            r.headers()["access-control-allow-origin"],
            "http://app.test"
        );
        assert!(r.text().await.unwrap().contains("\"unavailable\""));
        // Lost: the worker acted on it, the client got nothing.
        proxy.inject(Fault::DropResponse, Route::PUSH, 1);
        assert!(put("/v1/log/2", "two").await.is_err());
        // Held, then forwarded.
        proxy.inject(Fault::Delay(Duration::from_millis(300)), Route::ANY, 1);
        let started = Instant::now();
        assert_eq!(put("/v1/log/3", "three").await.unwrap().status(), 201);
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert!(proxy.faults_spent());
        // Until healed.
        proxy.inject_always(Fault::Fail, Route::PULL);
        assert_eq!(put("/v1/log/4", "four").await.unwrap().status(), 201);
        let pull = || {
            http.post(format!("{}/v1/pull", proxy.url()))
                .body("{}")
                .send()
        };
        assert_eq!(pull().await.unwrap().status(), 503);
        assert_eq!(pull().await.unwrap().status(), 503);
        proxy.heal();
        assert_eq!(pull().await.unwrap().status(), 201);

        assert_eq!(
            *got.lock().unwrap(),
            [
                "PUT /v1/log/1 one",
                "GET /chunked ",
                "PUT /v1/log/2 two",
                "PUT /v1/log/3 three",
                "PUT /v1/log/4 four",
                "POST /v1/pull {}",
            ]
        );
        let seen: Vec<(Option<Fault>, Option<u16>, Option<u16>)> = proxy
            .seen()
            .iter()
            .map(|s| (s.fault, s.upstream, s.answered))
            .collect();
        assert_eq!(
            seen,
            [
                (None, Some(201), Some(201)),
                (None, Some(200), Some(200)),
                (Some(Fault::Fail), None, Some(503)),
                (Some(Fault::DropResponse), Some(201), None),
                (
                    Some(Fault::Delay(Duration::from_millis(300))),
                    Some(201),
                    Some(201)
                ),
                (None, Some(201), Some(201)),
                (Some(Fault::Fail), None, Some(503)),
                (Some(Fault::Fail), None, Some(503)),
                (None, Some(201), Some(201)),
            ]
        );

        // Cut: refused until restored.
        proxy.set_online(false);
        assert!(put("/v1/log/5", "five").await.is_err());
        proxy.set_online(true);
        assert_eq!(put("/v1/log/5", "five").await.unwrap().status(), 201);
    }
}
