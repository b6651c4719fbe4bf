//! A TCP proxy in front of the worker that a test can cut and restore, to play "the network
//! to the sync server is down" for one browser while the app itself stays served.

use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A running proxy. Dropping it stops it.
pub struct Proxy {
    addr: SocketAddr,
    online: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Starts a proxy on a free loopback port forwarding to `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> std::io::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (online, watcher) = watch::channel(true);
        let upstream: Arc<str> = upstream.into();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if !*watcher.borrow() {
                    drop(client); // refused: the network is "down"
                    continue;
                }
                tokio::spawn(forward(client, upstream.clone(), watcher.clone()));
            }
        });
        Ok(Proxy { addr, online, task })
    }

    /// The proxy's base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Cuts (`false`) or restores (`true`) the connection. Cutting also drops every open
    /// connection, so kept-alive ones fail too.
    pub fn set_online(&self, online: bool) {
        self.online.send_replace(online);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(mut client: TcpStream, upstream: Arc<str>, mut online: watch::Receiver<bool>) {
    let Ok(mut server) = TcpStream::connect(&*upstream).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = online.wait_for(|up| !*up) => {}
    }
}
