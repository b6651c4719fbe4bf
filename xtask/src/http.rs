//! A minimal HTTP/1.1 GET over loopback, enough to probe `/v1/health` without an HTTP client
//! crate (and to test the static server).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// A response: status code, headers (names lower-cased) and the raw body.
#[derive(Debug)]
pub struct Response {
    /// The status code, e.g. 200.
    pub status: u16,
    /// Header names (lower-case) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body as sent (not de-chunked; the static server and health probe send lengths).
    pub body: Vec<u8>,
}

impl Response {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Sends `GET path` to `addr` and reads the whole response (`Connection: close`).
pub fn get(addr: SocketAddr, path: &str, timeout: Duration) -> Result<Response> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .with_context(|| format!("reading the answer of {addr}{path}"))?;
    parse(&raw)
}

fn parse(raw: &[u8]) -> Result<Response> {
    let Some(split) = raw.windows(4).position(|window| window == b"\r\n\r\n") else {
        bail!("incomplete HTTP response ({} bytes)", raw.len());
    };
    let head = std::str::from_utf8(&raw[..split]).context("HTTP head is not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("bad HTTP status line `{status_line}`"))?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Ok(Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_headers_and_body() {
        let response =
            parse(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nX-A: b:c\r\n\r\nnope")
                .unwrap();
        assert_eq!(response.status, 404);
        assert_eq!(response.header("content-type"), Some("text/plain"));
        assert_eq!(response.header("X-A"), Some("b:c"));
        assert_eq!(response.body, b"nope");
    }

    #[test]
    fn refuses_a_truncated_or_garbled_response() {
        assert!(parse(b"HTTP/1.1 200 OK\r\nContent-").is_err());
        assert!(parse(b"HELLO\r\n\r\n").is_err());
    }
}
