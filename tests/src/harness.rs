//! Helpers shared by the end-to-end tests: an emulator with a signed-in [`Server`], a retry
//! policy with millisecond delays, and a TCP proxy that cuts a request off mid-body.
//!
//! ```no_run
//! # async fn demo() -> Result<(), tsc_e2e::harness::BoxError> {
//! let (emulator, server) = tsc_e2e::harness::start_signed_in().await?;
//! let info = server.server_info().get().await?;
//! assert_eq!(info.rest_api_version.to_string(), emulator.api_version());
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tsc::{RetryPolicy, Server, TableauAuth};
use tsc_emulator::Emulator;

/// The emulator's built-in administrator.
pub const ADMIN_USER: &str = "admin";
/// Password of [`ADMIN_USER`].
pub const ADMIN_PASSWORD: &str = "admin";
/// The emulator's built-in personal access token name.
pub const ADMIN_PAT_NAME: &str = "admin-pat";
/// Secret of [`ADMIN_PAT_NAME`].
pub const ADMIN_PAT_SECRET: &str = "admin-pat-secret";

/// Anything a test helper can fail with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Up to 3 retries after 1 ms, 2 ms, 4 ms (no jitter), and `Retry-After` capped at 50 ms, so
/// that fault tests take milliseconds.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(3)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(10))
        .max_retry_after(Duration::from_millis(50))
        .jitter(false)
}

/// A [`Server`] for `emulator` with [`fast_retries`], not signed in, at the emulator's API
/// version.
pub async fn server_for(emulator: &Emulator) -> Result<Server, BoxError> {
    let server = Server::builder(emulator.base_url())
        .retry_policy(fast_retries())
        .build()?;
    server.use_server_version().await?;
    Ok(server)
}

/// A [`Server`] for `emulator`, signed in as the administrator on the default site.
pub async fn signed_in(emulator: &Emulator) -> Result<Server, BoxError> {
    let server = server_for(emulator).await?;
    server
        .auth()
        .sign_in(TableauAuth::new(ADMIN_USER, ADMIN_PASSWORD, ""))
        .await?;
    Ok(server)
}

/// Starts an emulator with default settings and signs in to it as the administrator.
pub async fn start_signed_in() -> Result<(Emulator, Server), BoxError> {
    let emulator = Emulator::start().await?;
    let server = signed_in(&emulator).await?;
    Ok((emulator, server))
}

/// A TCP proxy in front of `upstream` that forwards at most `limit` bytes of each client
/// connection upstream, then closes both sides: a request cut off mid-body, as when a network
/// link drops during an upload. Responses are passed through unchanged. Stops when dropped.
#[derive(Debug)]
pub struct CuttingProxy {
    addr: SocketAddr,
    forwarded: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for CuttingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl CuttingProxy {
    /// Listens on a free port of 127.0.0.1.
    pub async fn start(upstream: SocketAddr, limit: u64) -> std::io::Result<CuttingProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let forwarded = Arc::new(AtomicU64::new(0));
        let counter = forwarded.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let counter = counter.clone();
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(upstream).await {
                        pipe(client, server, limit, counter).await;
                    }
                });
            }
        });
        Ok(CuttingProxy {
            addr,
            forwarded,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`: the address to give a client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Request bytes forwarded upstream so far (all connections).
    pub fn forwarded(&self) -> u64 {
        self.forwarded.load(Ordering::Relaxed)
    }
}

async fn pipe(client: TcpStream, server: TcpStream, limit: u64, counter: Arc<AtomicU64>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upstream = async {
        let mut buf = vec![0u8; 16 * 1024];
        let mut sent = 0u64;
        while sent < limit {
            let want = buf.len().min((limit - sent) as usize);
            let n = match client_read.read(&mut buf[..want]).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if server_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
            sent += n as u64;
            counter.fetch_add(n as u64, Ordering::Relaxed);
        }
    };
    let downstream = tokio::io::copy(&mut server_read, &mut client_write);
    // Whichever ends first ends the connection: when the request is cut, both sockets close.
    tokio::select! {
        _ = upstream => {}
        _ = downstream => {}
    }
}
