//! Streaming downloads of workbooks and data sources.
//!
//! The body is streamed to disk in constant memory, never read whole. Saving to a folder or a
//! file path writes a temporary file in the target folder (`.<name>.<random>.part`) and renames it
//! when the body is complete, so an interrupted or failed download never leaves a truncated file
//! under the final name; an existing file is not replaced unless
//! [`Download::overwrite`] is set. The file name comes from the `Content-Disposition` header
//! ([`parse_content_disposition`], RFC 6266 and RFC 5987 `filename*=UTF-8''…`) and is
//! sanitised ([`sanitize_file_name`]); without one the name is built from the item id and the
//! content type ([`fallback_file_name`]).
//!
//! ```no_run
//! # async fn demo(server: tsc::Server) -> tsc::Result<()> {
//! // into a folder, under the server's file name:
//! let path = server.workbooks().download("wb-id", "downloads/").send().await?;
//! // to an exact path, without the extract, replacing an older copy:
//! let path = server
//!     .datasources()
//!     .download("ds-id", tsc::DownloadTarget::File("sales.tdsx".into()))
//!     .include_extract(false)
//!     .overwrite(true)
//!     .send()
//!     .await?;
//! // into any AsyncWrite:
//! let mut buf = Vec::new();
//! let info = server.workbooks().download_to_writer("wb-id", &mut buf).send().await?;
//! println!("{} bytes, server name {:?}", info.bytes, info.file_name);
//! # let _ = path; Ok(()) }
//! ```

mod atomic;
mod endpoints;
mod names;

use std::path::{Path, PathBuf};

use futures::TryStreamExt;
use tokio::io::{AsyncWrite, AsyncWriteExt};

pub use atomic::AtomicFile;
pub use names::{ContentKind, fallback_file_name, parse_content_disposition, sanitize_file_name};

use crate::error::{Error, InputError, Result, TransportKind};
use crate::multipart::ProgressFn;
use crate::server::Server;
use crate::transport::ApiRequest;

/// Where a download goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownloadTarget {
    /// Into this folder (created if missing), under the sanitised server-supplied file name.
    Dir(PathBuf),
    /// Exactly this file path (its folder must exist).
    File(PathBuf),
    /// A folder if the path is an existing directory or ends with a path separator, else a file
    /// path, which gets the server file's extension when it has none (`"out/sales"` ->
    /// `out/sales.twbx`, as the Python TSC). This is what a `&str`, `String`, `&Path` or
    /// `PathBuf` converts to.
    Auto(PathBuf),
}

impl From<&str> for DownloadTarget {
    fn from(p: &str) -> Self {
        DownloadTarget::Auto(PathBuf::from(p))
    }
}
impl From<String> for DownloadTarget {
    fn from(p: String) -> Self {
        DownloadTarget::Auto(PathBuf::from(p))
    }
}
impl From<&Path> for DownloadTarget {
    fn from(p: &Path) -> Self {
        DownloadTarget::Auto(p.to_path_buf())
    }
}
impl From<PathBuf> for DownloadTarget {
    fn from(p: PathBuf) -> Self {
        DownloadTarget::Auto(p)
    }
}
impl From<&PathBuf> for DownloadTarget {
    fn from(p: &PathBuf) -> Self {
        DownloadTarget::Auto(p.clone())
    }
}

impl DownloadTarget {
    /// The final file path for a download whose (sanitised) name is `file_name`.
    async fn resolve(&self, file_name: &str) -> Result<PathBuf> {
        let dir = match self {
            DownloadTarget::File(p) => return Ok(p.clone()),
            DownloadTarget::Dir(d) => d.clone(),
            DownloadTarget::Auto(p) => {
                let looks_dir = p.as_os_str().to_string_lossy().ends_with(['/', '\\'])
                    || p.as_os_str().is_empty();
                let is_dir = tokio::fs::metadata(p)
                    .await
                    .map(|m| m.is_dir())
                    .unwrap_or(false);
                if !(looks_dir || is_dir) {
                    // As the Python TSC: a path without extension gets the server file's one.
                    let mut out = p.clone();
                    if out.extension().is_none() {
                        if let Some(ext) = Path::new(file_name).extension() {
                            out.set_extension(ext);
                        }
                    }
                    return Ok(out);
                }
                p.clone()
            }
        };
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|source| Error::Io {
                action: "creating the download folder",
                path: dir.clone(),
                source,
            })?;
        Ok(dir.join(file_name))
    }
}

/// What a download to a writer received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadInfo {
    /// The sanitised file name the server suggested, if any.
    pub file_name: Option<String>,
    /// The response's content type.
    pub content_type: Option<String>,
    /// Bytes written.
    pub bytes: u64,
}

/// A download to a folder or file path. Built by `workbooks().download(..)` /
/// `datasources().download(..)`; run with [`Download::send`].
#[must_use = "a download does nothing until .send().await"]
pub struct Download {
    server: Server,
    kind: ContentKind,
    id: String,
    target: DownloadTarget,
    include_extract: bool,
    overwrite: bool,
    progress: Option<ProgressFn>,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("kind", &self.kind)
            .field("id", &self.id)
            .field("target", &self.target)
            .field("include_extract", &self.include_extract)
            .field("overwrite", &self.overwrite)
            .finish_non_exhaustive()
    }
}

impl Download {
    pub(crate) fn new(
        server: Server,
        kind: ContentKind,
        id: String,
        target: DownloadTarget,
    ) -> Self {
        Self {
            server,
            kind,
            id,
            target,
            include_extract: true,
            overwrite: false,
            progress: None,
        }
    }

    /// Include the extract (default `true`). `false` sends `includeExtract=False` (REST API 2.5+).
    pub fn include_extract(mut self, yes: bool) -> Self {
        self.include_extract = yes;
        self
    }

    /// Replace an existing file with the same name (default `false`: fail with
    /// [`InputError::FileExists`]).
    pub fn overwrite(mut self, yes: bool) -> Self {
        self.overwrite = yes;
        self
    }

    /// Called with `(bytes_received, total)` as the body arrives; `total` is the
    /// `Content-Length`, or 0 when the server did not send one.
    pub fn on_progress(mut self, f: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(std::sync::Arc::new(f));
        self
    }

    /// Downloads and returns the final path.
    pub async fn send(self) -> Result<PathBuf> {
        // An explicit file target that exists is refused before anything is sent.
        if let DownloadTarget::File(p) = &self.target {
            if !self.overwrite && tokio::fs::symlink_metadata(p).await.is_ok() {
                return Err(InputError::FileExists { path: p.clone() }.into());
            }
        }
        let resp = open(&self.server, self.kind, &self.id, self.include_extract).await?;
        let (file_name, content_type) = response_names(&resp, self.kind, &self.id);
        let final_path = self.target.resolve(&file_name).await?;
        let _ = content_type;
        let mut out = AtomicFile::create(&final_path, self.overwrite)
            .await
            .map_err(|e| file_error(e, &final_path, "creating a temporary file beside"))?;
        let temp = out.temp_path().to_path_buf();
        let std_file = out
            .take_std()
            .await
            .map_err(|e| file_error(e, &temp, "writing"))?;
        let mut sink = Sink::<tokio::io::Sink>::File(FileSink::new(std_file));
        copy_body(resp, &mut sink, &temp, self.progress.as_ref()).await?;
        if let Sink::File(f) = sink {
            let std_file = f
                .finish()
                .await
                .map_err(|e| file_error(e, &temp, "writing"))?;
            out.restore_std(std_file);
        }
        out.commit()
            .await
            .map_err(|e| file_error(e, &final_path, "renaming the download to"))
    }
}

/// A download into any [`AsyncWrite`]. Built by `download_to_writer`; run with
/// [`DownloadToWriter::send`].
#[must_use = "a download does nothing until .send().await"]
pub struct DownloadToWriter<W> {
    server: Server,
    kind: ContentKind,
    id: String,
    writer: W,
    include_extract: bool,
    progress: Option<ProgressFn>,
}

impl<W> std::fmt::Debug for DownloadToWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadToWriter")
            .field("kind", &self.kind)
            .field("id", &self.id)
            .field("include_extract", &self.include_extract)
            .finish_non_exhaustive()
    }
}

impl<W: AsyncWrite + Unpin + Send> DownloadToWriter<W> {
    pub(crate) fn new(server: Server, kind: ContentKind, id: String, writer: W) -> Self {
        Self {
            server,
            kind,
            id,
            writer,
            include_extract: true,
            progress: None,
        }
    }

    /// Include the extract (default `true`).
    pub fn include_extract(mut self, yes: bool) -> Self {
        self.include_extract = yes;
        self
    }

    /// Called with `(bytes_received, total)` as the body arrives (`total` 0 when unknown).
    pub fn on_progress(mut self, f: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(std::sync::Arc::new(f));
        self
    }

    /// Streams the body into the writer (flushed at the end). On error the writer may hold part
    /// of the body: it is the caller's to discard.
    pub async fn send(mut self) -> Result<DownloadInfo> {
        let resp = open(&self.server, self.kind, &self.id, self.include_extract).await?;
        let file_name = resp
            .headers()
            .get(http::header::CONTENT_DISPOSITION)
            .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
            .and_then(parse_content_disposition)
            .and_then(|n| sanitize_file_name(&n));
        let content_type = content_type_of(&resp);
        let label = PathBuf::from("<writer>");
        let mut sink = Sink::Writer(&mut self.writer);
        let bytes = copy_body(resp, &mut sink, &label, self.progress.as_ref()).await?;
        self.writer
            .flush()
            .await
            .map_err(|e| file_error(e, &label, "writing"))?;
        Ok(DownloadInfo {
            file_name,
            content_type,
            bytes,
        })
    }
}

fn content_path(kind: ContentKind) -> &'static str {
    match kind {
        ContentKind::Workbook => "workbooks",
        ContentKind::Datasource => "datasources",
    }
}

fn resource_name(kind: ContentKind) -> &'static str {
    match kind {
        ContentKind::Workbook => "Workbook",
        ContentKind::Datasource => "Datasource",
    }
}

async fn open(
    server: &Server,
    kind: ContentKind,
    id: &str,
    include_extract: bool,
) -> Result<reqwest::Response> {
    let id = crate::error::require_id(resource_name(kind), id)?;
    let path = server.site_path(&format!("{}/{id}/content", content_path(kind)))?;
    let mut req = ApiRequest::get(path).no_timeout();
    if !include_extract {
        req = req.query("includeExtract", "False").require_version(
            "downloading without the extract",
            crate::server::ApiVersion::new(2, 5),
        );
    }
    server.send_raw(req).await
}

fn content_type_of(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The sanitised file name for a response, or the fallback name.
fn response_names(
    resp: &reqwest::Response,
    kind: ContentKind,
    id: &str,
) -> (String, Option<String>) {
    let content_type = content_type_of(resp);
    let name = resp
        .headers()
        .get(http::header::CONTENT_DISPOSITION)
        .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
        .and_then(parse_content_disposition)
        .and_then(|n| sanitize_file_name(&n))
        .unwrap_or_else(|| fallback_file_name(kind, id, content_type.as_deref()));
    (name, content_type)
}

/// Streams the body into `w`; fails when the body ends early (connection cut, or fewer bytes
/// than `Content-Length`).
async fn copy_body<W: AsyncWrite + Unpin>(
    resp: reqwest::Response,
    w: &mut Sink<'_, W>,
    path: &Path,
    progress: Option<&ProgressFn>,
) -> Result<u64> {
    let expected = resp.content_length();
    let url = resp.url().to_string();
    let mut stream = resp.bytes_stream();
    let mut n: u64 = 0;
    loop {
        let chunk = match stream.try_next().await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(source) => {
                return Err(Error::Transport {
                    kind: TransportKind::Body,
                    method: http::Method::GET,
                    url,
                    source,
                });
            }
        };
        w.write_all(&chunk)
            .await
            .map_err(|e| file_error(e, path, "writing"))?;
        n += chunk.len() as u64;
        if let Some(p) = progress {
            p(n, expected.unwrap_or(0));
        }
    }
    if let Some(len) = expected {
        if n != len {
            return Err(Error::Io {
                action: "downloading",
                path: path.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("the server sent {n} of {len} bytes; try again"),
                ),
            });
        }
    }
    Ok(n)
}

/// Where a body goes: a caller's writer, or a file written in large batches on the blocking pool.
enum Sink<'a, W> {
    Writer(&'a mut W),
    File(FileSink),
}

impl<W: AsyncWrite + Unpin> Sink<'_, W> {
    async fn write_all(&mut self, data: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::Writer(w) => w.write_all(data).await,
            Sink::File(f) => f.write_all(data).await,
        }
    }
}

/// Size of the batches written to disk. A download owns exactly two buffers of this size: one
/// filling while the other is written.
const WRITE_BATCH: usize = 1024 * 1024;

/// Writes a file in [`WRITE_BATCH`]-sized batches from one blocking thread.
///
/// Backpressure is by construction: there are only two buffers. A full buffer goes to the
/// writer thread through a channel of depth 1 and the next one is the buffer the writer hands
/// back once written, so the body is not read further while both are in use (at most 2 MiB of
/// body held here, plus the HTTP client's own read buffer). One `spawn_blocking` loop for the
/// whole download instead of one task per batch: no per-batch task, no blocking-pool thread
/// churn (each new thread can bring a new glibc malloc arena).
struct FileSink {
    buf: Vec<u8>,
    full_tx: Option<tokio::sync::mpsc::Sender<Vec<u8>>>,
    empty_rx: tokio::sync::mpsc::Receiver<Vec<u8>>,
    writer: Option<tokio::task::JoinHandle<std::io::Result<std::fs::File>>>,
}

impl FileSink {
    fn new(mut file: std::fs::File) -> Self {
        let (full_tx, mut full_rx) = tokio::sync::mpsc::channel::<Vec<u8>>(1);
        let (empty_tx, empty_rx) = tokio::sync::mpsc::channel::<Vec<u8>>(2);
        // The second buffer starts on the "empty" side.
        let _ = empty_tx.try_send(Vec::with_capacity(WRITE_BATCH));
        let writer = tokio::task::spawn_blocking(move || {
            use std::io::Write;
            while let Some(mut buf) = full_rx.blocking_recv() {
                file.write_all(&buf)?;
                buf.clear();
                // The receiver is gone only when the download was dropped; stop quietly.
                if empty_tx.blocking_send(buf).is_err() {
                    break;
                }
            }
            Ok(file)
        });
        Self {
            buf: Vec::with_capacity(WRITE_BATCH),
            full_tx: Some(full_tx),
            empty_rx,
            writer: Some(writer),
        }
    }

    async fn write_all(&mut self, mut data: &[u8]) -> std::io::Result<()> {
        while !data.is_empty() {
            let n = (WRITE_BATCH - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.buf.len() == WRITE_BATCH {
                self.flush_batch().await?;
            }
        }
        Ok(())
    }

    /// Hands the full buffer to the writer and takes the other one back once it is written.
    async fn flush_batch(&mut self) -> std::io::Result<()> {
        let Some(next) = self.empty_rx.recv().await else {
            return Err(self.writer_failure().await);
        };
        let full = std::mem::replace(&mut self.buf, next);
        let sent = match &self.full_tx {
            Some(tx) => tx.send(full).await.is_ok(),
            None => false,
        };
        if sent {
            Ok(())
        } else {
            Err(self.writer_failure().await)
        }
    }

    /// The writer thread stopped early: its error.
    async fn writer_failure(&mut self) -> std::io::Error {
        self.full_tx = None;
        match self.writer.take() {
            Some(h) => match h.await {
                Ok(Err(e)) => e,
                Ok(Ok(_)) => std::io::Error::other("the download writer stopped early"),
                Err(e) => std::io::Error::other(e),
            },
            None => std::io::Error::other("the download file is already closed"),
        }
    }

    /// Writes what is left and returns the file.
    async fn finish(mut self) -> std::io::Result<std::fs::File> {
        if !self.buf.is_empty() {
            let last = std::mem::take(&mut self.buf);
            let sent = match &self.full_tx {
                Some(tx) => tx.send(last).await.is_ok(),
                None => false,
            };
            if !sent {
                return Err(self.writer_failure().await);
            }
        }
        // Closing the channel ends the writer loop once the last buffer is written.
        self.full_tx = None;
        match self.writer.take() {
            Some(h) => h.await.map_err(std::io::Error::other)?,
            None => Err(std::io::Error::other("the download file is already closed")),
        }
    }
}

fn file_error(e: std::io::Error, path: &Path, action: &'static str) -> Error {
    if e.kind() == std::io::ErrorKind::AlreadyExists {
        return InputError::FileExists {
            path: path.to_path_buf(),
        }
        .into();
    }
    Error::Io {
        action,
        path: path.to_path_buf(),
        source: e,
    }
}

async fn fetch_bytes(server: &Server, req: ApiRequest) -> Result<bytes::Bytes> {
    let resp = server.send_raw(req).await?;
    let url = resp.url().to_string();
    resp.bytes().await.map_err(|source| Error::Transport {
        kind: TransportKind::of(&source),
        method: http::Method::GET,
        url,
        source,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn file_sink_writes_every_byte_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        let file = std::fs::File::create(&path).unwrap();
        let data: Vec<u8> = (0..(3 * WRITE_BATCH + 12_345))
            .map(|i| (i % 251) as u8)
            .collect();
        let mut sink = FileSink::new(file);
        // Odd-sized pieces, as a network body arrives.
        for piece in data.chunks(65_521) {
            sink.write_all(piece).await.unwrap();
        }
        let file = tokio::time::timeout(Duration::from_secs(30), sink.finish())
            .await
            .expect("finish hung")
            .unwrap();
        drop(file);
        assert_eq!(std::fs::read(&path).unwrap(), data);
    }

    #[tokio::test]
    async fn file_sink_reports_a_write_error_without_hanging() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("read-only.bin");
        std::fs::write(&path, b"").unwrap();
        // Opened for reading only: every write fails.
        let file = std::fs::File::open(&path).unwrap();
        let mut sink = FileSink::new(file);
        let data = vec![7u8; 3 * WRITE_BATCH + 10];
        let outcome = tokio::time::timeout(Duration::from_secs(30), async {
            match sink.write_all(&data).await {
                Err(e) => Err(e),
                Ok(()) => sink.finish().await.map(drop),
            }
        })
        .await
        .expect("the sink hung after a write error");
        assert!(outcome.is_err());
    }
}
