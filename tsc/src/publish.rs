//! Publishing workbooks and data sources: single request or chunked upload session.
//!
//! `server.workbooks().publish(item, path, mode)` and `server.datasources().publish(..)` return a
//! builder; [`PublishWorkbook::send`] returns the published item, [`PublishWorkbook::send_as_job`]
//! publishes asynchronously (`asJob=true`) and returns the job.
//!
//! Before anything is sent (typed [`InputError`]s, nothing lost): the mode must suit the resource
//! (workbooks cannot be appended or replaced), the extension must be `.twb`/`.twbx` for workbooks
//! and `.tds`/`.tdsx`/`.tde`/`.hyper` for data sources, the file must exist, and credentials and
//! connections cannot both be given. The item's name defaults to the file's stem.
//!
//! **Single or chunked.** A file smaller than the threshold ([`DEFAULT_CHUNK_THRESHOLD`], 64 MiB
//! like the Python TSC) goes in one `multipart/mixed` request, streamed from disk. A larger one
//! opens an upload session (`POST fileUploads`), appends chunks of [`DEFAULT_CHUNK_SIZE`] (50 MiB
//! like the Python TSC) with `PUT fileUploads/{id}`, each a `multipart/mixed` body, then publishes
//! with `uploadSessionId`. At most two chunks are in memory (the one being sent and the next one,
//! read meanwhile). A chunk failing with a transient error (connect error, timeout, reset, HTTP
//! 429/502/503/504) is sent again per the server's [`RetryPolicy`] (or
//! [`PublishWorkbook::chunk_retry_policy`]), after the server's `Retry-After` when it sends one
//! (capped by the policy's `max_retry_after`), else after the policy's backoff; any other error
//! stops the publish and is returned. Opening the upload session is retried on the same transient
//! failures per the server's policy (it only creates an unused session, so repeating it is
//! harmless).
//!
//! **Cancellation.** Everything happens inside the returned future, in order; dropping it
//! mid-upload stops at once and never sends the final publish request, so nothing is committed
//! (Tableau discards the abandoned upload session).
//!
//! ```no_run
//! use tsc::{PublishMode, WorkbookItem};
//!
//! # async fn demo(server: tsc::Server) -> tsc::Result<()> {
//! let item = WorkbookItem::new("project-id", "");
//! let published = server
//!     .workbooks()
//!     .publish(item, "Sales.twbx", PublishMode::Overwrite)
//!     .show_tabs(true)
//!     .hidden_views(["Scratch"])
//!     .on_progress(|sent, total| eprintln!("{sent}/{total}"))
//!     .send()
//!     .await?;
//! println!("published {:?}", published.id);
//! # Ok(()) }
//! ```

mod endpoints;
mod payload;
mod validate;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;

pub use payload::ChunkReader;
pub use validate::{PublishFile, PublishKind, PublishMode, check_publish_input};

use crate::error::{Error, InputError, Result};
use crate::multipart::{MultipartBody, ProgressFn, ProgressTracker};
use crate::retry::RetryPolicy;
use crate::server::Server;
use crate::transport::ApiRequest;
use payload::{Payload, PayloadConnection, PayloadCredentials, payload_xml};

/// Files smaller than this are published in one request (64 MiB, the Python TSC's limit).
pub const DEFAULT_CHUNK_THRESHOLD: u64 = 64 * 1024 * 1024;

/// Size of each appended chunk in an upload session (50 MiB, the Python TSC's default).
pub const DEFAULT_CHUNK_SIZE: usize = 50 * 1024 * 1024;

/// Most chunks Tableau accepts in one upload session ("A file is limited to 1000 blocks").
pub const MAX_CHUNKS: u64 = 1000;

/// Smallest accepted chunk size (1 byte: meant for tests; Tableau allows at most 1000 chunks).
const MIN_CHUNK_SIZE: usize = 1;

/// Options shared by workbook and data source publishes.
#[derive(Clone)]
pub(crate) struct PublishOptions {
    kind: PublishKind,
    path: PathBuf,
    mode: PublishMode,
    payload: Payload,
    skip_connection_check: bool,
    chunk_size: usize,
    threshold: u64,
    progress: Option<ProgressFn>,
    boundary: Option<String>,
    chunk_retry: Option<RetryPolicy>,
    connections_given: bool,
}

impl std::fmt::Debug for PublishOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishOptions")
            .field("kind", &self.kind)
            .field("path", &self.path)
            .field("mode", &self.mode)
            .field("payload", &self.payload)
            .field("skip_connection_check", &self.skip_connection_check)
            .field("chunk_size", &self.chunk_size)
            .field("threshold", &self.threshold)
            .finish_non_exhaustive()
    }
}

impl PublishOptions {
    pub(crate) fn new(
        kind: PublishKind,
        path: PathBuf,
        mode: PublishMode,
        payload: Payload,
    ) -> Self {
        Self {
            kind,
            path,
            mode,
            payload,
            skip_connection_check: false,
            chunk_size: DEFAULT_CHUNK_SIZE,
            threshold: DEFAULT_CHUNK_THRESHOLD,
            progress: None,
            boundary: None,
            chunk_retry: None,
            connections_given: false,
        }
    }

    fn body(&self) -> Result<MultipartBody> {
        match &self.boundary {
            Some(b) => MultipartBody::with_boundary(b.clone()).map_err(|e| {
                InputError::Invalid {
                    what: "multipart boundary",
                    reason: e.to_string(),
                }
                .into()
            }),
            None => Ok(MultipartBody::new()),
        }
    }

    fn check_text(&self) -> Result<()> {
        let p = &self.payload;
        let has_ctl = |s: &str| {
            s.chars()
                .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        };
        let mut fields: Vec<(&'static str, &str)> = vec![("name", p.name.as_str())];
        if let Some(d) = &p.description {
            fields.push(("description", d));
        }
        for v in &p.hidden_views {
            fields.push(("hidden view name", v));
        }
        for (what, v) in fields {
            if has_ctl(v) {
                return Err(InputError::ControlCharacter { what }.into());
            }
        }
        if p.credentials.is_some() && self.connections_given {
            return Err(InputError::Invalid {
                what: "publish options",
                reason: "you cannot set both connections and connection credentials; \
                         put the credentials on each connection instead"
                    .into(),
            }
            .into());
        }
        if p.connections.iter().any(|c| c.server_address.is_empty()) {
            return Err(InputError::Invalid {
                what: "connection",
                reason: "connection must have a server address".into(),
            }
            .into());
        }
        Ok(())
    }

    /// Runs the publish and returns Tableau's response.
    pub(crate) async fn run(
        mut self,
        server: &Server,
        as_job: bool,
    ) -> Result<tsc_raw::TsResponse> {
        let file = check_publish_input(self.kind, &self.path, self.mode).await?;
        if self.payload.name.trim().is_empty() {
            self.payload.name = file.stem.clone();
        }
        self.check_text()?;
        let xml = payload_xml(self.kind, &self.payload);

        let mut query: Vec<(String, String)> =
            vec![(self.kind.type_param().into(), file.extension.clone())];
        if let Some(param) = self.kind.mode_param(self.mode) {
            query.push((param.into(), "true".into()));
        }
        if as_job {
            query.push(("asJob".into(), "true".into()));
        }
        if self.skip_connection_check && self.kind == PublishKind::Workbook {
            query.push(("skipConnectionCheck".into(), "true".into()));
        }
        let endpoint = self.kind.endpoint();
        let base = |query: &[(String, String)]| -> Result<ApiRequest> {
            let mut req = ApiRequest::post(server.site_path(endpoint)?)
                .query_pairs(query.to_vec())
                .no_timeout();
            if as_job {
                req = req.require_version("publishing as a job", crate::ApiVersion::new(3, 0));
            }
            Ok(req)
        };
        let tracker = self
            .progress
            .clone()
            .map(|f| ProgressTracker::new(f, 0, file.size));

        let ts = if file.size < self.threshold {
            tracing::info!(file = %file.path.display(), size = file.size, "publishing in one request");
            let body = self
                .body()?
                .bytes_part("request_payload", Some(""), "text/xml", xml)
                .file_part(
                    self.kind.file_part_name(),
                    Some(&file.file_name),
                    "application/octet-stream",
                    &file.path,
                    0,
                    file.size,
                );
            // The body is re-read from disk if the session expired and a re-sign-in is possible.
            send_with_reauth(server, || {
                Ok(stream_request(
                    base(&query)?,
                    body.clone(),
                    tracker.as_ref().map(|t| t.rebased(0)),
                ))
            })
            .await?
        } else {
            tracing::info!(
                file = %file.path.display(),
                size = file.size,
                chunk_size = self.chunk_size,
                "publishing through an upload session"
            );
            let chunks = file
                .size
                .div_ceil(self.chunk_size.max(MIN_CHUNK_SIZE) as u64);
            if chunks > MAX_CHUNKS {
                return Err(InputError::Invalid {
                    what: "chunk size",
                    reason: format!(
                        "{} bytes in chunks of {} bytes make {chunks} chunks, but Tableau accepts \
                         at most {MAX_CHUNKS} per upload; raise chunk_size to at least {} bytes",
                        file.size,
                        self.chunk_size,
                        file.size.div_ceil(MAX_CHUNKS)
                    ),
                }
                .into());
            }
            let session = self.upload(server, &file, tracker.clone()).await?;
            let body = self
                .body()?
                .bytes_part("request_payload", Some(""), "text/xml", xml);
            let ct = body.content_type();
            let data = Bytes::from(body.to_bytes().await.map_err(|e| Error::Io {
                action: "building the publish request for",
                path: file.path.clone(),
                source: e,
            })?);
            query.push(("uploadSessionId".into(), session));
            server.send(base(&query)?.bytes(ct, data)).await?
        };
        if let Some(t) = &tracker {
            t.report(file.size);
        }
        Ok(ts)
    }

    /// Opens an upload session and appends the file in chunks; returns the session id.
    async fn upload(
        &self,
        server: &Server,
        file: &PublishFile,
        tracker: Option<ProgressTracker>,
    ) -> Result<String> {
        // Opening a session only creates an unused upload session, so repeating it after a
        // transient failure is harmless: the transport retries it like a GET.
        let initiate = ApiRequest::post(server.site_path("fileUploads")?).idempotent(true);
        let ts = server.send(initiate).await?;
        let session = ts
            .file_upload
            .and_then(|f| f.upload_session_id)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::UnreadableResponse {
                method: http::Method::POST,
                url: "fileUploads".into(),
                status: http::StatusCode::CREATED,
                message: "the response to Initiate File Upload has no uploadSessionId".into(),
                excerpt: String::new(),
            })?;
        let path = server.site_path(&format!("fileUploads/{}", crate::convert::seg(&session)))?;
        let read_err = |e: std::io::Error| Error::Io {
            action: "reading",
            path: file.path.clone(),
            source: e,
        };
        let mut reader = ChunkReader::open(&file.path, self.chunk_size.max(MIN_CHUNK_SIZE))
            .await
            .map_err(read_err)?;
        let policy = self
            .chunk_retry
            .clone()
            .unwrap_or_else(|| server.retry_policy().clone());
        let mut current = reader.next_chunk().await.map_err(read_err)?;
        let mut offset = 0u64;
        let mut index = 0u32;
        while let Some(chunk) = current {
            let len = chunk.len() as u64;
            let send = self.append_chunk(
                server,
                &path,
                chunk.clone(),
                offset,
                index,
                &policy,
                tracker.as_ref(),
            );
            // Read the next chunk while this one is being sent.
            let (sent, next) = tokio::join!(send, reader.next_chunk());
            sent?;
            current = next.map_err(read_err)?;
            reader.recycle(chunk);
            offset += len;
            index += 1;
        }
        if offset != file.size {
            return Err(read_err(std::io::Error::other(format!(
                "the file changed while it was being uploaded ({} bytes when checked, {offset} read); \
                 do not modify a file while publishing it",
                file.size
            ))));
        }
        Ok(session)
    }

    #[allow(clippy::too_many_arguments)]
    async fn append_chunk(
        &self,
        server: &Server,
        path: &str,
        chunk: Bytes,
        offset: u64,
        index: u32,
        policy: &RetryPolicy,
        tracker: Option<&ProgressTracker>,
    ) -> Result<()> {
        let mut retry = 0u32;
        loop {
            let body = self
                .body()?
                .bytes_part("request_payload", Some(""), "text/xml", Bytes::new())
                .file_bytes_part(
                    "tableau_file",
                    Some("file"),
                    "application/octet-stream",
                    chunk.clone(),
                );
            let req = || {
                Ok(stream_request(
                    ApiRequest::put(path.to_owned()),
                    body.clone(),
                    tracker.map(|t| t.rebased(offset)),
                )
                .no_timeout())
            };
            match send_with_reauth(server, req).await {
                Ok(_) => return Ok(()),
                Err(e) if is_transient(&e) => match policy.delay(retry, server_retry_after(&e)) {
                    Some(delay) => {
                        tracing::warn!(chunk = index, retry = retry + 1, error = %e, "chunk failed, retrying");
                        retry += 1;
                        tokio::time::sleep(delay).await;
                    }
                    None => return Err(e),
                },
                Err(e) => return Err(e),
            }
        }
    }
}

/// Sends a request built by `build`; when the session expired (401002) and the server may sign
/// in again, signs in and sends a freshly built request once more. Streaming bodies cannot be
/// replayed by the transport, but a publish body can be rebuilt from the file on disk.
async fn send_with_reauth(
    server: &Server,
    build: impl Fn() -> Result<ApiRequest>,
) -> Result<tsc_raw::TsResponse> {
    let mut reauthed = false;
    loop {
        let token = server.current_session().map(|s| s.token.clone());
        match server.send(build()?).await {
            Err(e) if e.is_session_expired() && !reauthed && server.inner.auto_reauth => {
                let Some(t) = token else { return Err(e) };
                if !server.reauthenticate(t).await? {
                    return Err(e);
                }
                reauthed = true;
            }
            other => return other,
        }
    }
}

/// The server's `Retry-After` carried by a failed chunk's error, if any.
fn server_retry_after(e: &Error) -> Option<std::time::Duration> {
    match e {
        Error::Api(api) => api.retry_after,
        _ => None,
    }
}

/// Whether a chunk failure is worth sending the chunk again.
fn is_transient(e: &Error) -> bool {
    match e {
        Error::Transport { .. } => true,
        Error::Api(api) => RetryPolicy::is_transient_status(api.status),
        _ => false,
    }
}

fn stream_request(
    req: ApiRequest,
    body: MultipartBody,
    tracker: Option<ProgressTracker>,
) -> ApiRequest {
    let ct = body.content_type();
    let len = body.content_length();
    let stream = body.into_tracked_stream(tracker);
    req.header(http::header::CONTENT_LENGTH.as_str(), len.to_string())
        .stream_body(ct, reqwest::Body::wrap_stream(stream))
}

macro_rules! common_options {
    () => {
        /// Skip Tableau's connection check at publish time (`skipConnectionCheck=true`,
        /// workbooks only).
        pub fn skip_connection_check(mut self, yes: bool) -> Self {
            self.opts.skip_connection_check = yes;
            self
        }

        /// Size of each chunk in an upload session (default [`DEFAULT_CHUNK_SIZE`], 50 MiB;
        /// values below 1 byte count as 1). At most two chunks are held in memory.
        pub fn chunk_size(mut self, bytes: usize) -> Self {
            self.opts.chunk_size = bytes.max(MIN_CHUNK_SIZE);
            self
        }

        /// Files of at least this many bytes go through an upload session (default
        /// [`DEFAULT_CHUNK_THRESHOLD`], 64 MiB). `0` always uses an upload session.
        pub fn chunk_threshold(mut self, bytes: u64) -> Self {
            self.opts.threshold = bytes;
            self
        }

        /// Retry policy for failed chunks (default: the server's policy).
        pub fn chunk_retry_policy(mut self, policy: crate::RetryPolicy) -> Self {
            self.opts.chunk_retry = Some(policy);
            self
        }

        /// Called with `(bytes_sent, total_bytes)` of the file as it is sent; never goes
        /// backwards, ends with `(total, total)` once published.
        pub fn on_progress(mut self, f: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
            self.opts.progress = Some(Arc::new(f));
            self
        }

        /// Item description.
        pub fn description(mut self, text: impl Into<String>) -> Self {
            self.opts.payload.description = Some(text.into());
            self
        }

        /// Item name (default: the item's name, else the file's stem).
        pub fn name(mut self, name: impl Into<String>) -> Self {
            self.opts.payload.name = name.into();
            self
        }

        /// Uses this multipart boundary instead of a random one (for reproducible bodies in
        /// tests).
        #[doc(hidden)]
        pub fn multipart_boundary(mut self, boundary: impl Into<String>) -> Self {
            self.opts.boundary = Some(boundary.into());
            self
        }
    };
}

/// A workbook publish, built by `server.workbooks().publish(item, path, mode)`.
#[must_use = "a publish does nothing until .send().await"]
#[derive(Debug)]
pub struct PublishWorkbook {
    server: Server,
    opts: PublishOptions,
}

impl PublishWorkbook {
    pub(crate) fn with_payload(
        server: Server,
        path: PathBuf,
        mode: PublishMode,
        payload: Payload,
    ) -> Self {
        Self {
            server,
            opts: PublishOptions::new(PublishKind::Workbook, path, mode, payload),
        }
    }

    common_options!();

    /// Show views as tabs (`showTabs="true"`).
    pub fn show_tabs(mut self, yes: bool) -> Self {
        self.opts.payload.show_tabs = Some(yes);
        self
    }

    /// Views to hide, by name (may be called several times).
    pub fn hidden_views<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.opts
            .payload
            .hidden_views
            .extend(names.into_iter().map(Into::into));
        self
    }

    /// Generate thumbnails as this user (`thumbnailsUserId`).
    pub fn thumbnails_user_id(mut self, id: impl Into<String>) -> Self {
        self.opts.payload.thumbnails_user_id = Some(id.into());
        self
    }

    /// Generate thumbnails as this group (`thumbnailsGroupId`; ignored when a user is set).
    pub fn thumbnails_group_id(mut self, id: impl Into<String>) -> Self {
        self.opts.payload.thumbnails_group_id = Some(id.into());
        self
    }

    /// Path of the file to publish.
    pub fn path(&self) -> &Path {
        &self.opts.path
    }

    /// Publishes and returns Tableau's answer as raw XML types (`ts.workbook`).
    pub(crate) async fn send_raw(self, as_job: bool) -> Result<tsc_raw::TsResponse> {
        self.opts.run(&self.server, as_job).await
    }
}

/// A data source publish, built by `server.datasources().publish(item, path, mode)`.
#[must_use = "a publish does nothing until .send().await"]
#[derive(Debug)]
pub struct PublishDatasource {
    server: Server,
    opts: PublishOptions,
}

impl PublishDatasource {
    pub(crate) fn with_payload(
        server: Server,
        path: PathBuf,
        mode: PublishMode,
        payload: Payload,
    ) -> Self {
        Self {
            server,
            opts: PublishOptions::new(PublishKind::Datasource, path, mode, payload),
        }
    }

    common_options!();

    /// Path of the file to publish.
    pub fn path(&self) -> &Path {
        &self.opts.path
    }

    /// Publishes and returns Tableau's answer as raw XML types (`ts.datasource`).
    pub(crate) async fn send_raw(self, as_job: bool) -> Result<tsc_raw::TsResponse> {
        self.opts.run(&self.server, as_job).await
    }
}
