//! An in-memory, stateful emulator of the Tableau Server REST API, for tests, examples and
//! trying automation without a Tableau Server.
//!
//! State is kept as `tsc-raw` types (`UserType`, `WorkbookType`, ...); request bodies are read
//! with `TsRequest::from_xml` and every answer is written with `TsResponse::to_xml`, so answers
//! carry `xmlns="http://tableau.com/api"` as a real server's do.
//!
//! Built-in accounts: user `admin` / password `admin` (server administrator), personal access
//! token `admin-pat` / `admin-pat-secret`, and JWTs whose `sub` claim names a user (signatures
//! are not checked). The default site has the content URL `""` and, like every site, a
//! `default` project and an `All Users` group.
//!
//! # Using it in tests
//!
//! ```
//! use std::time::Duration;
//! use tsc_emulator::{Emulator, Faults};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), tsc_emulator::Error> {
//! // A free port on 127.0.0.1, 250 users and 20 workbooks (deterministic ids for a given seed).
//! let emulator = Emulator::builder().seed_users(250).seed_workbooks(20).start().await?;
//! let url = emulator.base_url(); // "http://127.0.0.1:PORT": give this to your client
//! assert!(url.starts_with("http://127.0.0.1:"));
//! assert_eq!(emulator.api_version(), "3.28"); // URLs are /api/{version}/...
//! assert_eq!(emulator.counts().workbooks, 20);
//!
//! // A user who can sign in with a password, for permission tests.
//! emulator.add_user("viewer", "secret", "Viewer");
//!
//! // Every 2nd request to a workbook URL answers 503 with `Retry-After: 1` ...
//! emulator.set_faults(
//!     Faults::default().throttle(503, 0.5, Duration::from_secs(1)).only_paths_containing("/workbooks"),
//! );
//! // ... or fault just the next requests.
//! emulator.throttle_next(2, 429, Duration::from_secs(0));
//! emulator.drop_next(1); // the next connection drops mid-body (a change is then never applied)
//! emulator.malformed_next(1); // the next XML response is not well-formed
//! emulator.expire_all_tokens(); // the next call with any token gets 401002
//! emulator.set_faults(Faults::default()); // back to normal (queued one-shot faults stay queued)
//! # Ok(())
//! # }
//! // The server stops when `emulator` is dropped.
//! ```
//!
//! With the `tsc` client: `tsc::Server::builder(emulator.base_url())`, then sign in with
//! `admin`/`admin` or the PAT `admin-pat`/`admin-pat-secret` on site `""`.
//!
//! # What it answers
//!
//! Under `/api/{MAJOR.MINOR}/` (any version):
//!
//! | Area | Routes |
//! |------|--------|
//! | server | `GET serverinfo` (no token needed), `GET sessions/current` |
//! | auth | `POST auth/signin` (password, PAT, JWT; 401001 on bad credentials), `POST auth/signout`, `POST auth/switchSite` |
//! | sites | `GET/POST sites`, `GET/PUT/DELETE sites/{id}` (`?key=name\|contentUrl` too) |
//! | projects | `GET/POST sites/{site}/projects`, `PUT/DELETE .../projects/{id}` (deleting removes children and their content) |
//! | users | `GET/POST .../users`, `GET/PUT/DELETE .../users/{id}`, `GET .../users/{id}/groups`, `GET .../users/{id}/workbooks`, `GET .../favorites/{id}` |
//! | groups | `GET/POST .../groups`, `PUT/DELETE .../groups/{id}`, `GET/POST .../groups/{id}/users` (one `<user>` or bulk `<users>`), `PUT .../groups/{id}/users/remove`, `DELETE .../groups/{id}/users/{user}` |
//! | workbooks | `GET .../workbooks`, `POST .../workbooks` (publish), `GET/PUT/DELETE .../workbooks/{id}`, `.../views`, `.../connections`, `PUT .../connections/{id}`, `.../previewImage`, `.../views/{view}/previewImage`, `.../content`, `POST .../refresh`, `PUT .../tags`, `DELETE .../tags/{tag}` |
//! | data sources | the same shapes under `.../datasources` (publish, connections, content, refresh, tags) |
//! | views | `GET .../views`, `GET .../views/{id}`, `.../image`, `.../previewImage`, `.../data`, `.../pdf`, tags |
//! | uploads | `POST .../fileUploads`, `PUT .../fileUploads/{id}` (`multipart/mixed` with a `tableau_file` part) |
//! | schedules | `GET/POST schedules`, `GET/PUT/DELETE schedules/{id}`, `PUT .../schedules/{id}/workbooks`, `PUT .../schedules/{id}/datasources`, `GET .../tasks/extractRefreshes` |
//! | jobs | `GET .../jobs`, `GET .../jobs/{id}`, `PUT .../jobs/{id}` (cancel) |
//!
//! Publishing takes `multipart/mixed` with `request_payload` plus `tableau_workbook` /
//! `tableau_datasource`, or `?uploadSessionId=` after appending chunks to an upload session;
//! `overwrite=true`, `append=true` and `asJob=true` behave as on Tableau. Files are kept in memory
//! as the chunks they arrived in; downloads stream them back with
//! `Content-Disposition: attachment; filename="..."` (plus `filename*=UTF-8''...` for non-ASCII
//! names).
//!
//! Lists page (`pageSize` 1 to 1000, default 100, above 1000 is 403014; `pageNumber` from 1,
//! past the last page is 400006), filter (`filter=name:eq:x,ownerName:in:[a,b]`; operators `eq cieq gt gte lt lte in
//! has`; `*` wildcards in `eq`), sort (`sort=name:asc,createdAt:desc`) and select `fields`
//! (`_all_`, `_default_` or a list). An unknown filter or sort field is 400065.
//!
//! Errors answer with Tableau's HTTP status and `<error code><summary/><detail/></error>`; the
//! codes are in [`codes`], each marked as confirmed by the Tableau REST API reference, observed
//! from real servers, or the emulator's guess. A missing token is 401000, an unknown, signed-out
//! or expired one 401002; a token used on another site's URL 403000 (a guess); a role that may
//! not do something 403004; unknown URLs 404003 and a wrong method 405000. Nothing a client
//! sends makes it panic.
//!
//! # Binary
//!
//! `cargo run --release -p tsc-emulator -- --port 0 --seed-users 100000` prints
//! `listening on http://127.0.0.1:PORT` as its first line and serves until interrupted.
//! `--help` lists the options: `--seed-users`, `--seed-workbooks`, `--seed`, `--latency-ms`,
//! `--throttle-rate`/`--throttle-status`/`--retry-after`, `--token-ttl-requests`,
//! `--token-ttl-secs`, `--drop-rate`, `--malformed-rate`, `--fault-path`, `--api-version`.

mod api;
mod error;
mod faults;
mod multipart;
mod query;
mod store;

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use tokio::sync::oneshot;

pub use error::codes;
pub use faults::Faults;

use api::{Reply, TokenPolicy};
use error::ApiError;
use faults::{FaultState, Fire};
use store::State;

/// Errors starting the emulator.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The listening socket could not be bound (port in use, no permission).
    #[error("could not listen on {addr}: {source}; pick another port or use port 0 for a free one")]
    Bind {
        /// The address that could not be bound.
        addr: SocketAddr,
        /// The operating-system error.
        source: std::io::Error,
    },
}

/// Counts of what the emulator holds (for assertions in tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Sites, including the default site.
    pub sites: usize,
    /// Users on all sites.
    pub users: usize,
    /// Groups on all sites.
    pub groups: usize,
    /// Projects on all sites.
    pub projects: usize,
    /// Workbooks on all sites.
    pub workbooks: usize,
    /// Data sources on all sites.
    pub datasources: usize,
    /// Views on all sites.
    pub views: usize,
    /// Upload sessions not yet used by a publish.
    pub upload_sessions: usize,
    /// Signed-in sessions (valid tokens).
    pub sessions: usize,
    /// Jobs.
    pub jobs: usize,
    /// Schedules.
    pub schedules: usize,
}

struct Shared {
    state: Mutex<State>,
    faults: Mutex<FaultState>,
    requests: AtomicU64,
    max_body: usize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Configures and starts an [`Emulator`].
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    port: u16,
    seed: u64,
    seed_users: usize,
    seed_workbooks: usize,
    faults: Faults,
    api_version: Option<String>,
    max_body_bytes: usize,
    job_duration: Duration,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        EmulatorBuilder {
            port: 0,
            seed: 42,
            seed_users: 0,
            seed_workbooks: 0,
            faults: Faults::default(),
            api_version: None,
            max_body_bytes: 4 * 1024 * 1024 * 1024,
            job_duration: Duration::ZERO,
        }
    }
}

impl EmulatorBuilder {
    /// Port on 127.0.0.1 to listen on; 0 (the default) picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
    /// Seed for ids and tokens (the same seed and the same requests give the same ids).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Adds `n` users `user00001`... (roles cycle through Viewer, Explorer, ExplorerCanPublish,
    /// Creator, SiteAdministratorExplorer) to the default site.
    pub fn seed_users(mut self, n: usize) -> Self {
        self.seed_users = n;
        self
    }
    /// Adds `n` workbooks `workbook00001`... (one view each, a tiny `.twbx` stored) to the default
    /// project of the default site.
    pub fn seed_workbooks(mut self, n: usize) -> Self {
        self.seed_workbooks = n;
        self
    }
    /// The fault configuration to start with.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }
    /// Adds `latency` to every request (same as `Faults::latency`).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.faults.latency = latency;
        self
    }
    /// The `restApiVersion` reported by `serverinfo` (default `3.28`).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }
    /// How long jobs (extract refreshes, publishes with `asJob=true`) stay in progress before
    /// they complete successfully (default zero: they complete at once). A job can be cancelled
    /// while in progress.
    pub fn job_duration(mut self, duration: Duration) -> Self {
        self.job_duration = duration;
        self
    }
    /// Largest request body accepted (default 4 GiB).
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// Binds the port, seeds the state and starts serving in the background.
    pub async fn start(self) -> Result<Emulator, Error> {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| Error::Bind { addr, source })?;
        let mut state = State::new(self.seed);
        if let Some(v) = self.api_version {
            state.api_version = v;
        }
        state.job_duration = self.job_duration;
        state.seed_users(self.seed_users);
        state.seed_workbooks(self.seed_workbooks);
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            faults: Mutex::new(FaultState::new(self.faults)),
            requests: AtomicU64::new(0),
            max_body: self.max_body_bytes,
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Emulator {
            addr: local,
            shared,
            shutdown: Some(tx),
        })
    }
}

/// A running emulator. It stops serving when dropped (open connections are closed once their
/// current response is done).
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Emulator {
    /// Starts an emulator with the defaults on a free port.
    pub async fn start() -> Result<Emulator, Error> {
        EmulatorBuilder::default().start().await
    }

    /// A builder for seeding, faults, port and version.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// `http://127.0.0.1:PORT` (no trailing slash): the server address to give a client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The socket address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The `restApiVersion` the emulator reports (use it in `/api/{version}/...` URLs).
    pub fn api_version(&self) -> String {
        lock(&self.shared.state).api_version.clone()
    }

    /// The id of the default site (content URL `""`).
    pub fn default_site_id(&self) -> String {
        lock(&self.shared.state).default_site_id.clone()
    }

    /// Replaces the fault configuration (one-shot faults already queued stay queued).
    pub fn set_faults(&self, faults: Faults) {
        lock(&self.shared.faults).config = faults;
    }

    /// The current fault configuration.
    pub fn faults(&self) -> Faults {
        lock(&self.shared.faults).config.clone()
    }

    /// Answers the next `n` eligible requests with `status` (429 or 503) and `Retry-After`.
    pub fn throttle_next(&self, n: u64, status: u16, retry_after: Duration) {
        let mut f = lock(&self.shared.faults);
        f.throttle_next = n;
        f.throttle_next_status = if status == 503 { 503 } else { 429 };
        f.throttle_next_retry_after = retry_after.as_secs();
    }

    /// Drops the connection of the next `n` eligible requests: a GET's answer is cut off halfway
    /// through its body; any other request is cut off while its body arrives and is not handled
    /// (nothing is stored).
    pub fn drop_next(&self, n: u64) {
        lock(&self.shared.faults).drop_next = n;
    }

    /// Answers the next `n` eligible XML responses with malformed XML.
    pub fn malformed_next(&self, n: u64) {
        lock(&self.shared.faults).malformed_next = n;
    }

    /// Makes every current token invalid (the next call with one gets 401002).
    pub fn expire_all_tokens(&self) {
        lock(&self.shared.state).sessions.retain(|_| false);
    }

    /// Requests received so far (including faulted ones).
    pub fn request_count(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// Adds a user with a password to the default site and returns its id.
    pub fn add_user(&self, name: &str, password: &str, site_role: &str) -> String {
        let mut st = lock(&self.shared.state);
        let id = st.ids.uuid();
        let site_id = st.default_site_id.clone();
        let item = store::new_user_item(&id, name, site_role);
        let created_at = store::now();
        st.add_user(store::User {
            id: id.clone(),
            site_id,
            item,
            password: Some(password.to_string()),
            created_at,
        });
        id
    }

    /// Adds a personal access token for the user `user_name`.
    pub fn add_personal_access_token(&self, name: &str, secret: &str, user_name: &str) {
        lock(&self.shared.state).pats.insert(
            name.to_string(),
            (secret.to_string(), user_name.to_string()),
        );
    }

    /// What the emulator holds now.
    pub fn counts(&self) -> Counts {
        let st = lock(&self.shared.state);
        Counts {
            sites: st.sites.len(),
            users: st.users.len(),
            groups: st.groups.len(),
            projects: st.projects.len(),
            workbooks: st.workbooks.len(),
            datasources: st.datasources.len(),
            views: st.views.len(),
            upload_sessions: st.uploads.len(),
            sessions: st.sessions.len(),
            jobs: st.jobs.len(),
            schedules: st.schedules.len(),
        }
    }
}

fn xml_response(status: StatusCode, body: String) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml;charset=utf-8"),
    );
    r
}

fn error_response(e: &ApiError) -> Response<Body> {
    match e.to_response().to_xml() {
        Ok(doc) => xml_response(e.status, doc),
        Err(_) => fallback_error(e),
    }
}

/// An error body written by hand, for when `tsc-raw` cannot write one.
fn fallback_error(e: &ApiError) -> Response<Body> {
    let esc = |t: &str| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let doc = format!(
        "<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns=\"http://tableau.com/api\"><error code=\"{}\"><summary>{}</summary><detail>{}</detail></error></tsResponse>",
        e.code,
        esc(&e.summary),
        esc(&e.detail)
    );
    xml_response(e.status, doc)
}

/// `attachment; filename="..."` plus `filename*=UTF-8''...` when the name is not plain ASCII.
fn content_disposition(filename: &str) -> HeaderValue {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                if c == '"' || c == '\\' { '_' } else { c }
            } else {
                '_'
            }
        })
        .collect();
    let value = if ascii == filename {
        format!("attachment; filename=\"{ascii}\"")
    } else {
        const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~');
        let encoded = percent_encoding::utf8_percent_encode(filename, SET);
        format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
    };
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// A body that sends the first half of `chunks`, waits until that has been flushed, then fails,
/// which makes hyper abort the connection mid-body.
fn dropped_body(chunks: Vec<Bytes>) -> Body {
    use futures::StreamExt;
    let total: usize = chunks.iter().map(Bytes::len).sum();
    let mut budget = total / 2;
    let mut sent: Vec<Result<Bytes, std::io::Error>> = Vec::new();
    for c in chunks {
        if budget == 0 {
            break;
        }
        let take = c.len().min(budget);
        sent.push(Ok(c.slice(..take)));
        budget -= take;
    }
    let fail = futures::stream::once(async {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "fault injection: connection dropped",
        ))
    });
    Body::from_stream(futures::stream::iter(sent).chain(fail))
}

fn to_response(reply: Reply, fault: Option<Fire>) -> Response<Body> {
    let drop = fault == Some(Fire::Drop);
    match reply {
        Reply::Xml(status, resp) => {
            let mut doc = match resp.to_xml() {
                Ok(d) => d,
                Err(e) => {
                    let e = ApiError::new(
                        500,
                        "500000",
                        "Internal Server Error",
                        format!("The response could not be written: {e}."),
                    );
                    return fallback_error(&e);
                }
            };
            if fault == Some(Fire::Malformed) {
                let cut = doc.len() / 2;
                let mut cut_at = cut;
                while !doc.is_char_boundary(cut_at) {
                    cut_at -= 1;
                }
                doc.truncate(cut_at);
                doc.push_str("<<not xml&");
            }
            if drop {
                let len = doc.len();
                let mut r = Response::new(dropped_body(vec![Bytes::from(doc)]));
                *r.status_mut() = status;
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/xml;charset=utf-8"),
                );
                r.headers_mut()
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
                return r;
            }
            xml_response(status, doc)
        }
        Reply::NoContent => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            r
        }
        Reply::File {
            filename,
            content_type,
            chunks,
        } => {
            let len: u64 = chunks.iter().map(|c| c.len() as u64).sum();
            let body = if drop {
                dropped_body(chunks)
            } else {
                Body::from_stream(futures::stream::iter(
                    chunks.into_iter().map(Ok::<Bytes, std::io::Error>),
                ))
            };
            let mut r = Response::new(body);
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            r.headers_mut()
                .insert(header::CONTENT_DISPOSITION, content_disposition(&filename));
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            r
        }
        Reply::Raw { content_type, data } => {
            let len = data.len();
            let body = if drop {
                dropped_body(vec![data])
            } else {
                Body::from(data)
            };
            let mut r = Response::new(body);
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            r
        }
    }
}

/// Reads about half of a request body, then answers with a body that fails at once, so that
/// hyper closes the connection without sending a response: the client sees the connection drop
/// while it uploads, and the request is never handled.
async fn abort_mid_body(body: Body, hint: Option<usize>) -> Response<Body> {
    use futures::StreamExt;
    let half = hint.map(|h| h / 2);
    let mut stream = body.into_data_stream();
    let mut got = 0usize;
    while let Some(Ok(frame)) = stream.next().await {
        got += frame.len();
        if half.is_some_and(|h| got >= h) {
            break;
        }
    }
    let fail = futures::stream::once(async {
        Err::<Bytes, _>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "fault injection: connection dropped",
        ))
    });
    Response::new(Body::from_stream(fail))
}

/// Reads a request body into one buffer, sized from `Content-Length` up front so that each byte
/// is copied once (a 1 GiB publish needs 1 GiB, not 2).
async fn read_body(body: Body, max: usize, hint: Option<usize>) -> Result<Bytes, ApiError> {
    use futures::StreamExt;
    let too_large = || {
        ApiError::new(
            413,
            codes::BAD_REQUEST,
            "Payload Too Large",
            format!(
                "The request body is larger than the {max} bytes the emulator accepts; publish in chunks."
            ),
        )
    };
    if hint.is_some_and(|h| h > max) {
        return Err(too_large());
    }
    let mut stream = body.into_data_stream();
    let mut first: Option<Bytes> = None;
    let mut buf: Option<bytes::BytesMut> = None;
    while let Some(frame) = stream.next().await {
        let frame = frame.map_err(|e| {
            ApiError::bad_request(format!(
                "The request body could not be read ({e}); the connection may have dropped."
            ))
        })?;
        // A body that arrives in one frame is kept as it is, without a copy.
        match (&mut buf, first.take()) {
            (None, None) => first = Some(frame),
            (None, Some(prev)) => {
                let mut b =
                    bytes::BytesMut::with_capacity(hint.unwrap_or(0).max(prev.len() + frame.len()));
                b.extend_from_slice(&prev);
                b.extend_from_slice(&frame);
                buf = Some(b);
            }
            (Some(b), _) => b.extend_from_slice(&frame),
        }
        let len = buf
            .as_ref()
            .map(|b| b.len())
            .or(first.as_ref().map(|f| f.len()))
            .unwrap_or(0);
        if len > max {
            return Err(too_large());
        }
    }
    Ok(match (buf, first) {
        (Some(b), _) => b.freeze(),
        (None, Some(f)) => f,
        (None, None) => Bytes::new(),
    })
}

fn is_version(s: &str) -> bool {
    let mut parts = s.split('.');
    let ok =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

async fn handle(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
    req: Request,
) -> Response<Body> {
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let changes = !matches!(parts.method, http::Method::GET | http::Method::HEAD);
    let (latency, before, policy) = {
        let mut f = lock(&shared.faults);
        let policy = TokenPolicy {
            ttl_requests: f.config.token_ttl_requests,
            ttl: f.config.token_ttl,
        };
        (f.config.latency, f.before(&path, changes), policy)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let hint = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if before == Some(Fire::Drop) {
        return abort_mid_body(body, hint).await;
    }
    let body = match read_body(body, shared.max_body, hint).await {
        Ok(b) => b,
        Err(e) => return error_response(&e),
    };
    if let Some(Fire::Throttle {
        status,
        retry_after_secs,
    }) = before
    {
        let e = if status == 503 {
            ApiError::new(
                503,
                codes::UNAVAILABLE,
                "Service Unavailable",
                "The server is temporarily unavailable. Retry later.",
            )
        } else {
            ApiError::new(
                429,
                codes::TOO_MANY_REQUESTS,
                "Too Many Requests",
                "Too many requests. Retry later.",
            )
        };
        let mut r = error_response(&e);
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        return r;
    }
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(query::decode)
        .collect();
    let reply = if segs.len() < 3 || segs[0] != "api" || !is_version(&segs[1]) {
        Err(api::unknown_resource(&path))
    } else {
        let token = parts
            .headers
            .get("x-tableau-auth")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        // Multipart bodies (publishes, upload chunks) are split before the state is locked, off
        // the async threads: a 1 GiB body takes a while to scan.
        let multipart_parts = match multipart::boundary(&content_type) {
            Some(b) => {
                let data = body.clone();
                let split = tokio::task::spawn_blocking(move || multipart::parse(&data, &b)).await;
                Some(split.unwrap_or_else(|e| Err(format!("the body could not be split: {e}"))))
            }
            None => None,
        };
        let incoming = api::Incoming {
            method: parts.method.clone(),
            version: segs[1].clone(),
            segs: segs[2..].to_vec(),
            raw_query: parts.uri.query().map(str::to_string),
            token,
            body,
            parts: multipart_parts,
        };
        let mut st = lock(&shared.state);
        std::panic::catch_unwind(AssertUnwindSafe(|| {
            api::dispatch(&mut st, incoming, policy)
        }))
        .unwrap_or_else(|_| {
            Err(ApiError::new(
                500,
                "500000",
                "Internal Server Error",
                "The emulator failed on this request; please report it.",
            ))
        })
    };
    let reply = reply.unwrap_or_else(|e| Reply::Xml(e.status, Box::new(e.to_response())));
    let is_xml = matches!(reply, Reply::Xml(..));
    let fault = lock(&shared.faults).after(&path, is_xml, changes);
    to_response(reply, fault)
}
