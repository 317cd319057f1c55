//! Streaming `multipart/mixed` request bodies, as Tableau's publish and file-upload endpoints expect.
//!
//! Tableau reads a publish request as a `multipart/mixed` body whose parts carry form-data style
//! `Content-Disposition` headers: a `request_payload` part with the XML request (`text/xml`) and,
//! for single-request publishes and upload-session chunks, a file part (`tableau_workbook`,
//! `tableau_datasource` or `tableau_file`, `application/octet-stream`). The shape matches the
//! Python TSC byte for byte (boundary aside):
//!
//! ```text
//! --BOUNDARY\r\n
//! Content-Disposition: form-data; name="request_payload"; filename=""\r\n
//! Content-Type: text/xml\r\n
//! \r\n
//! <tsRequest>...</tsRequest>\r\n
//! --BOUNDARY\r\n
//! Content-Disposition: form-data; name="tableau_workbook"; filename="Sales.twbx"\r\n
//! Content-Type: application/octet-stream\r\n
//! \r\n
//! ...file bytes...\r\n
//! --BOUNDARY--\r\n
//! ```
//!
//! Bodies are never assembled in memory: [`MultipartBody::into_stream`] yields the part headers
//! and streams file parts from disk in small reads, and [`MultipartBody::content_length`] gives the
//! exact length up front so the request carries a `Content-Length`.
//!
//! ```
//! use tsc::multipart::MultipartBody;
//!
//! # fn main() -> Result<(), tsc::multipart::InvalidBoundary> {
//! let body = MultipartBody::with_boundary("test-boundary")?
//!     .bytes_part("request_payload", Some(""), "text/xml", "<tsRequest/>")
//!     .bytes_part("tableau_file", Some("file"), "application/octet-stream", &b"data"[..]);
//! assert_eq!(body.content_type(), "multipart/mixed; boundary=test-boundary");
//! # Ok(()) }
//! ```

use std::collections::hash_map::RandomState;
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt, stream};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Size of the reads used to stream a file part from disk (256 KiB).
pub const FILE_READ_BUFFER: usize = 256 * 1024;

/// A callback told how many bytes of the file have been handed to the connection so far, and the
/// total: `(bytes_sent, total_bytes)`. Calls are monotonic (never report fewer bytes than before).
pub type ProgressFn = Arc<dyn Fn(u64, u64) + Send + Sync + 'static>;

/// The boundary given to [`MultipartBody::with_boundary`] is not a valid RFC 2046 boundary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid multipart boundary {0:?}: use 1 to 70 characters from letters, digits and '()+_,-./:=?'"
)]
pub struct InvalidBoundary(pub String);

/// Where a part's content comes from.
#[derive(Debug, Clone)]
enum PartBody {
    /// Content already in memory (XML payloads, upload chunks). Cloning is cheap. `tracked`
    /// parts count as file content for progress and are yielded in slices.
    Bytes { data: Bytes, tracked: bool },
    /// `len` bytes of a file on disk, starting at `offset`, read when the body is streamed.
    File {
        path: PathBuf,
        offset: u64,
        len: u64,
    },
}

impl PartBody {
    fn len(&self) -> u64 {
        match self {
            PartBody::Bytes { data, .. } => data.len() as u64,
            PartBody::File { len, .. } => *len,
        }
    }
}

#[derive(Debug, Clone)]
struct Part {
    header: Bytes,
    body: PartBody,
}

/// A `multipart/mixed` body built from in-memory parts and file parts, streamed on demand.
///
/// The boundary is random (32 hex digits, like the Python TSC) unless set with
/// [`MultipartBody::with_boundary`], which tests use to get deterministic bodies.
#[derive(Debug, Clone)]
pub struct MultipartBody {
    boundary: String,
    parts: Vec<Part>,
}

impl Default for MultipartBody {
    fn default() -> Self {
        Self::new()
    }
}

impl MultipartBody {
    /// An empty body with a fresh random boundary.
    pub fn new() -> Self {
        Self {
            boundary: random_boundary(),
            parts: Vec::new(),
        }
    }

    /// An empty body with the given boundary (1 to 70 characters from RFC 2046's `bchars`, not
    /// ending with a space).
    pub fn with_boundary(boundary: impl Into<String>) -> Result<Self, InvalidBoundary> {
        let boundary = boundary.into();
        let valid = !boundary.is_empty()
            && boundary.len() <= 70
            && boundary
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"'()+_,-./:=?".contains(&b));
        if !valid {
            return Err(InvalidBoundary(boundary));
        }
        Ok(Self {
            boundary,
            parts: Vec::new(),
        })
    }

    /// The boundary in use.
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// The `Content-Type` header value: `multipart/mixed; boundary=...`.
    pub fn content_type(&self) -> String {
        format!("multipart/mixed; boundary={}", self.boundary)
    }

    /// Adds a part whose content is in memory. `filename: Some("")` writes `filename=""` (as
    /// the Python TSC does for `request_payload`); `None` leaves the parameter out.
    pub fn bytes_part(
        self,
        name: &str,
        filename: Option<&str>,
        content_type: &str,
        content: impl Into<Bytes>,
    ) -> Self {
        self.push_bytes(name, filename, content_type, content.into(), false)
    }

    /// Adds an in-memory part that holds file content (an upload chunk): it counts for progress
    /// like a file part and is yielded in [`FILE_READ_BUFFER`]-sized slices (without copying).
    pub fn file_bytes_part(
        self,
        name: &str,
        filename: Option<&str>,
        content_type: &str,
        content: impl Into<Bytes>,
    ) -> Self {
        self.push_bytes(name, filename, content_type, content.into(), true)
    }

    /// Adds an in-memory part; `tracked` parts count for progress as file content.
    fn push_bytes(
        mut self,
        name: &str,
        filename: Option<&str>,
        content_type: &str,
        data: Bytes,
        tracked: bool,
    ) -> Self {
        let header = self.part_header(name, filename, content_type);
        self.parts.push(Part {
            header,
            body: PartBody::Bytes { data, tracked },
        });
        self
    }

    /// Adds a part streamed from `len` bytes of the file at `path`, starting at `offset`. The
    /// file is opened only when the body is streamed; if it then holds fewer bytes the stream
    /// fails with an error instead of sending a short body.
    pub fn file_part(
        mut self,
        name: &str,
        filename: Option<&str>,
        content_type: &str,
        path: impl Into<PathBuf>,
        offset: u64,
        len: u64,
    ) -> Self {
        let header = self.part_header(name, filename, content_type);
        self.parts.push(Part {
            header,
            body: PartBody::File {
                path: path.into(),
                offset,
                len,
            },
        });
        self
    }

    fn part_header(&self, name: &str, filename: Option<&str>, content_type: &str) -> Bytes {
        let mut h = String::with_capacity(160);
        let _ = write!(
            h,
            "--{}\r\nContent-Disposition: form-data; name=\"{}\"",
            self.boundary,
            escape_param(name)
        );
        if let Some(f) = filename {
            let _ = write!(h, "; filename=\"{}\"", escape_param(f));
        }
        let _ = write!(
            h,
            "\r\nContent-Type: {}\r\n\r\n",
            content_type.replace(['\r', '\n'], "")
        );
        Bytes::from(h)
    }

    fn closing(&self) -> Bytes {
        Bytes::from(format!("--{}--\r\n", self.boundary))
    }

    /// The exact number of bytes [`MultipartBody::into_stream`] yields.
    pub fn content_length(&self) -> u64 {
        let parts: u64 = self
            .parts
            .iter()
            .map(|p| p.header.len() as u64 + p.body.len() + 2)
            .sum();
        parts + self.closing().len() as u64
    }

    /// Total length of the file parts (what progress reports count).
    pub fn file_bytes(&self) -> u64 {
        self.parts
            .iter()
            .filter(|p| {
                matches!(
                    p.body,
                    PartBody::File { .. } | PartBody::Bytes { tracked: true, .. }
                )
            })
            .map(|p| p.body.len())
            .sum()
    }

    /// Streams the body: headers and in-memory parts as they are, file parts read from disk in
    /// [`FILE_READ_BUFFER`]-sized pieces, so memory stays constant whatever the file size.
    pub fn into_stream(self) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
        self.into_stream_with_progress(None)
    }

    /// As [`MultipartBody::into_stream`], calling `progress(sent, total)` as file bytes are
    /// yielded (`total` is [`MultipartBody::file_bytes`]).
    pub fn into_stream_with_progress(
        self,
        progress: Option<ProgressFn>,
    ) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
        let total = self.file_bytes();
        let tracker = progress.map(|f| ProgressTracker::new(f, 0, total));
        self.into_tracked_stream(tracker)
    }

    /// Streams the body, counting file content with `tracker`.
    pub(crate) fn into_tracked_stream(
        self,
        tracker: Option<ProgressTracker>,
    ) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
        let closing = self.closing();
        let parts = self.parts.into_iter().map(move |part| {
            let header = stream::once(futures::future::ready(Ok(part.header)));
            let body = match part.body {
                PartBody::Bytes {
                    data,
                    tracked: false,
                } => stream::once(futures::future::ready(Ok(data))).boxed(),
                PartBody::Bytes {
                    data,
                    tracked: true,
                } => bytes_stream_with_progress(data, FILE_READ_BUFFER, tracker.clone()).boxed(),
                PartBody::File { path, offset, len } => {
                    file_section_stream(path, offset, len, tracker.clone()).boxed()
                }
            };
            let crlf = stream::once(futures::future::ready(Ok(Bytes::from_static(b"\r\n"))));
            header.chain(body).chain(crlf)
        });
        stream::iter(parts)
            .flatten()
            .chain(stream::once(futures::future::ready(Ok(closing))))
    }

    /// Collects the whole body in memory. Meant for tests and small bodies.
    pub async fn to_bytes(self) -> io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(usize::try_from(self.content_length()).unwrap_or(0));
        let mut s = std::pin::pin!(self.into_stream());
        while let Some(b) = s.try_next().await? {
            out.extend_from_slice(&b);
        }
        Ok(out)
    }
}

/// Reports progress monotonically: `base + bytes counted`, never less than already reported.
#[derive(Clone)]
pub(crate) struct ProgressTracker {
    callback: ProgressFn,
    base: u64,
    total: u64,
    counted: Arc<AtomicU64>,
    reported: Arc<AtomicU64>,
}

impl ProgressTracker {
    pub(crate) fn new(callback: ProgressFn, base: u64, total: u64) -> Self {
        Self {
            callback,
            base,
            total,
            counted: Arc::new(AtomicU64::new(0)),
            reported: Arc::new(AtomicU64::new(0)),
        }
    }

    /// A tracker sharing the callback and the "already reported" high-water mark, counting
    /// from `base` (used per chunk, and per retry of a chunk).
    pub(crate) fn rebased(&self, base: u64) -> Self {
        Self {
            callback: self.callback.clone(),
            base,
            total: self.total,
            counted: Arc::new(AtomicU64::new(0)),
            reported: self.reported.clone(),
        }
    }

    pub(crate) fn add(&self, n: u64) {
        let counted = self.counted.fetch_add(n, Ordering::Relaxed) + n;
        self.report(self.base + counted);
    }

    pub(crate) fn report(&self, value: u64) {
        let value = value.min(self.total);
        let prev = self.reported.fetch_max(value, Ordering::Relaxed);
        if value > prev {
            (self.callback)(value, self.total);
        }
    }
}

/// Splits in-memory content into pieces of at most `piece` bytes (zero-copy), reporting
/// progress as each piece is yielded.
fn bytes_stream_with_progress(
    content: Bytes,
    piece: usize,
    tracker: Option<ProgressTracker>,
) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
    let piece = piece.max(1);
    let n = content.len().div_ceil(piece);
    stream::iter((0..n).map(move |i| {
        let start = i * piece;
        let end = (start + piece).min(content.len());
        let b = content.slice(start..end);
        if let Some(t) = &tracker {
            t.add(b.len() as u64);
        }
        Ok(b)
    }))
}

fn file_section_stream(
    path: PathBuf,
    offset: u64,
    len: u64,
    tracker: Option<ProgressTracker>,
) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
    struct State {
        path: PathBuf,
        offset: u64,
        file: Option<tokio::fs::File>,
        remaining: u64,
        tracker: Option<ProgressTracker>,
    }
    let state = State {
        path,
        offset,
        file: None,
        remaining: len,
        tracker,
    };
    stream::try_unfold(state, |mut st| async move {
        if st.remaining == 0 {
            return Ok(None);
        }
        if st.file.is_none() {
            let mut f = tokio::fs::File::open(&st.path).await?;
            if st.offset > 0 {
                f.seek(io::SeekFrom::Start(st.offset)).await?;
            }
            st.file = Some(f);
        }
        let Some(file) = st.file.as_mut() else {
            return Ok(None);
        };
        let want = usize::try_from(st.remaining)
            .unwrap_or(usize::MAX)
            .min(FILE_READ_BUFFER);
        let mut buf = bytes::BytesMut::with_capacity(want);
        while buf.len() < want {
            let n = file.read_buf(&mut buf).await?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "{} became shorter while it was being uploaded ({} bytes missing); \
                         do not modify a file while publishing it",
                        st.path.display(),
                        st.remaining - buf.len() as u64
                    ),
                ));
            }
        }
        st.remaining -= buf.len() as u64;
        if let Some(t) = &st.tracker {
            t.add(buf.len() as u64);
        }
        Ok(Some((buf.freeze(), st)))
    })
}

/// Escapes a `Content-Disposition` parameter value the way browsers and urllib3 do (HTML5):
/// `"` as `%22`, CR as `%0D`, LF as `%0A`; other characters (non-ASCII included) are kept.
fn escape_param(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => out.push_str("%22"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 && c != '\u{1b}' => {
                let _ = write!(out, "%{:02X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// 32 random hex digits, like the boundaries the Python TSC (urllib3) generates.
fn random_boundary() -> String {
    use std::sync::atomic::AtomicU64;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut out = String::with_capacity(32);
    for i in 0..2u64 {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u64(i);
        if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            h.write_u128(d.as_nanos());
        }
        let _ = write!(out, "{:016x}", h.finish());
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn random_boundaries_are_32_hex_digits_and_differ() {
        let a = random_boundary();
        let b = random_boundary();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert!(MultipartBody::with_boundary(a).is_ok());
    }

    #[test]
    fn invalid_boundaries_are_rejected() {
        for b in ["", "has space", "quote\"", &"x".repeat(71), "crlf\r\n"] {
            assert!(MultipartBody::with_boundary(b).is_err(), "{b:?}");
        }
    }

    #[tokio::test]
    async fn body_is_byte_identical_to_python_tsc() {
        // Body produced by the Python TSC 0.42 (`Fileupload.chunk_req(b"CHUNK")`) with this boundary.
        let expected = b"--1a00ebafefb85edde3e6767da7ba7358\r\n\
Content-Disposition: form-data; name=\"request_payload\"; filename=\"\"\r\n\
Content-Type: text/xml\r\n\r\n\r\n\
--1a00ebafefb85edde3e6767da7ba7358\r\n\
Content-Disposition: form-data; name=\"tableau_file\"; filename=\"file\"\r\n\
Content-Type: application/octet-stream\r\n\r\n\
CHUNK\r\n\
--1a00ebafefb85edde3e6767da7ba7358--\r\n";
        let body = MultipartBody::with_boundary("1a00ebafefb85edde3e6767da7ba7358")
            .unwrap()
            .bytes_part("request_payload", Some(""), "text/xml", Bytes::new())
            .bytes_part(
                "tableau_file",
                Some("file"),
                "application/octet-stream",
                &b"CHUNK"[..],
            );
        assert_eq!(body.content_length(), expected.len() as u64);
        let got = body.to_bytes().await.unwrap();
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(expected)
        );
    }

    #[tokio::test]
    async fn file_parts_stream_the_requested_section_with_progress() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.twbx");
        let data: Vec<u8> = (0..(FILE_READ_BUFFER * 2 + 17))
            .map(|i| (i % 253) as u8)
            .collect();
        std::fs::write(&path, &data).unwrap();
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen2 = seen.clone();
        let progress: ProgressFn = Arc::new(move |a, b| seen2.lock().unwrap().push((a, b)));
        let len = data.len() as u64 - 10;
        let body = MultipartBody::with_boundary("b").unwrap().file_part(
            "tableau_workbook",
            Some("f.twbx"),
            "application/octet-stream",
            &path,
            5,
            len,
        );
        let expected_len = body.content_length();
        let mut out = Vec::new();
        let mut s = std::pin::pin!(body.into_stream_with_progress(Some(progress)));
        while let Some(b) = s.try_next().await.unwrap() {
            out.extend_from_slice(&b);
        }
        assert_eq!(out.len() as u64, expected_len);
        let header = b"--b\r\nContent-Disposition: form-data; name=\"tableau_workbook\"; filename=\"f.twbx\"\r\nContent-Type: application/octet-stream\r\n\r\n";
        assert!(out.starts_with(header));
        assert_eq!(
            &out[header.len()..header.len() + len as usize],
            &data[5..data.len() - 5]
        );
        assert!(out.ends_with(b"\r\n--b--\r\n"));
        let seen = seen.lock().unwrap();
        assert_eq!(seen.last(), Some(&(len, len)));
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[tokio::test]
    async fn a_file_that_shrank_fails_instead_of_sending_a_short_body() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.twb");
        std::fs::write(&path, b"short").unwrap();
        let body = MultipartBody::with_boundary("b").unwrap().file_part(
            "tableau_workbook",
            Some("f.twb"),
            "application/octet-stream",
            &path,
            0,
            100,
        );
        let err = body.to_bytes().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn parameters_are_escaped() {
        assert_eq!(escape_param("a\"b\r\nc\\d é"), "a%22b%0D%0Ac\\\\d é");
    }
}
