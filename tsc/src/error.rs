//! The crate's error type, split by the phase in which something went wrong.
//!
//! | Phase | Variant | Anything sent? |
//! |---|---|---|
//! | bad input (arguments, item state, API version) | [`Error::InvalidInput`], [`Error::VersionTooLow`], [`Error::NotSignedIn`] | no |
//! | network (connect, TLS, timeout, reset) | [`Error::Transport`] | maybe |
//! | the server answered with an error | [`Error::Api`] | yes |
//! | the server answered something unreadable | [`Error::UnreadableResponse`] | yes |
//! | local files (publish/download) | [`Error::Io`] | maybe |
//!
//! ```
//! # fn demo(err: tsc::Error) {
//! match &err {
//!     e if e.is_not_found() => println!("no such item"),
//!     tsc::Error::Api(api) => println!("Tableau said {} ({})", api.summary, api.code),
//!     other => println!("{other}"),
//! }
//! # }
//! ```

use std::fmt;
use std::path::PathBuf;

use http::{Method, StatusCode};

use crate::server::ApiVersion;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when talking to Tableau.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument or item was rejected before anything was sent. Nothing was lost: fix the input
    /// and call again.
    #[error("invalid input: {0}")]
    InvalidInput(#[from] InputError),

    /// The call needs a newer REST API version than the one this `Server` uses.
    #[error(
        "{what} needs REST API version {required} or later, but this client uses {current}; \
         pin a newer version with ServerBuilder::version or call Server::use_server_version"
    )]
    VersionTooLow {
        /// What was attempted.
        what: &'static str,
        /// Lowest version that supports it.
        required: ApiVersion,
        /// Version in use.
        current: ApiVersion,
    },

    /// The call needs a session but the server is not signed in.
    #[error("not signed in: call server.auth().sign_in(..) (or resume a session) first")]
    NotSignedIn,

    /// The request could not be delivered or the response could not be received: connection
    /// refused, DNS, TLS, timeout, connection reset.
    #[error(
        "{kind} error during {method} {url}: {source}; check the address, network and TLS settings"
    )]
    Transport {
        /// What kind of transport failure.
        kind: TransportKind,
        /// HTTP method of the failed request.
        method: Method,
        /// URL of the failed request (never contains secrets: tokens travel in headers).
        url: String,
        /// Underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// Tableau answered with an error status.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// The server answered, but the response could not be read as the expected Tableau XML.
    #[error(
        "unreadable response to {method} {url} (HTTP {status}): {message}; body starts with: {excerpt:?}"
    )]
    UnreadableResponse {
        /// HTTP method of the request.
        method: Method,
        /// URL of the request.
        url: String,
        /// HTTP status of the response.
        status: StatusCode,
        /// What was wrong.
        message: String,
        /// The first few hundred characters of the body.
        excerpt: String,
    },

    /// A background job ended in failure (finish code 1; TSC's `JobFailedException`). The job
    /// is kept: its `notes` and `status_notes` say why.
    #[error("job {} failed{}", job_id(job), job_notes(job))]
    JobFailed {
        /// The finished job.
        job: Box<crate::JobItem>,
    },

    /// A background job was cancelled (finish code 2; TSC's `JobCancelledException`).
    #[error("job {} was cancelled{}", job_id(job), job_notes(job))]
    JobCancelled {
        /// The finished job.
        job: Box<crate::JobItem>,
    },

    /// A background job did not finish within the time allowed.
    #[error(
        "job {id} did not finish within {waited:?}; it may still be running: check it later with jobs().get_by_id"
    )]
    JobTimedOut {
        /// The job's LUID.
        id: String,
        /// How long the client waited.
        waited: std::time::Duration,
    },

    /// A local file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("reading", "writing", "renaming"...).
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// The kind of a [`Error::Transport`] failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// Connect or request timeout, or the server stopped sending.
    Timeout,
    /// Could not connect (DNS, refused, TLS handshake).
    Connect,
    /// The request body could not be sent or the response body could not be received
    /// (connection reset, stream error).
    Body,
    /// Anything else.
    Other,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Timeout => "timeout",
            TransportKind::Connect => "connection",
            TransportKind::Body => "transfer",
            TransportKind::Other => "transport",
        })
    }
}

impl TransportKind {
    pub(crate) fn of(err: &reqwest::Error) -> Self {
        if err.is_timeout() {
            TransportKind::Timeout
        } else if err.is_connect() {
            TransportKind::Connect
        } else if err.is_body() || err.is_request() || err.is_decode() {
            TransportKind::Body
        } else {
            TransportKind::Other
        }
    }
}

/// Tableau's answer to a failed call: HTTP status plus the `<error code=".."><summary/><detail/>`
/// of the response.
///
/// `Default` gives an empty error (HTTP 200, GET, no `Retry-After`) to fill with
/// `..Default::default()`, so code building one keeps compiling when fields are added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Tableau error code such as `"404003"` (empty when the body had none).
    pub code: String,
    /// Short summary (`"Resource Not Found"`).
    pub summary: String,
    /// Longer detail.
    pub detail: String,
    /// HTTP method of the request.
    pub method: Method,
    /// URL of the request (tokens travel in headers, so this carries no secret).
    pub url: String,
    /// The server's `Retry-After` (seconds or HTTP date, read as a delay from when the answer
    /// arrived), when it sent one, typically with 429 or 503. `None` otherwise, and for errors
    /// carried in a successful answer.
    pub retry_after: Option<std::time::Duration>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Tableau error {} (HTTP {})",
            self.code,
            self.status.as_u16()
        )?;
        if !self.summary.is_empty() {
            write!(f, ": {}", self.summary)?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        write!(f, " [{} {}]", self.method, self.url)
    }
}

impl std::error::Error for ApiError {}

/// Tableau error code for an expired or invalid session token.
pub const SESSION_EXPIRED_CODE: &str = "401002";

impl Error {
    /// The Tableau API error, if this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The Tableau error code (`"404003"`...), if the server sent one.
    pub fn code(&self) -> Option<&str> {
        self.api()
            .map(|e| e.code.as_str())
            .filter(|c| !c.is_empty())
    }

    /// The HTTP status of a server answer, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::UnreadableResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How long the server asked to wait before trying again (its `Retry-After`, typically with
    /// 429 or 503), if it said.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.api().and_then(|e| e.retry_after)
    }

    /// The item does not exist (HTTP 404).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// The session is missing, expired or the credentials are wrong (HTTP 401).
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(StatusCode::UNAUTHORIZED)
    }

    /// The signed-in user may not do this (HTTP 403).
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(StatusCode::FORBIDDEN)
    }

    /// The item conflicts with an existing one, e.g. a duplicate name (HTTP 409).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(StatusCode::CONFLICT)
    }

    /// The session token expired (Tableau code 401002).
    pub fn is_session_expired(&self) -> bool {
        self.code() == Some(SESSION_EXPIRED_CODE)
    }

    /// A request timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            Error::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        )
    }

    /// The input was rejected before sending.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Error::InvalidInput(_) | Error::VersionTooLow { .. })
    }

    /// The [`InputError`], if the input was rejected before sending.
    pub fn input_error(&self) -> Option<&InputError> {
        match self {
            Error::InvalidInput(e) => Some(e),
            _ => None,
        }
    }
}

/// Why an input was rejected before anything was sent. Each of the Python TSC's client-side
/// exceptions maps to one of these (see the crate docs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// An id argument was empty (TSC: "Workbook ID undefined", "User ID undefined"...).
    #[error("{resource} ID undefined: pass a non-empty id")]
    EmptyId {
        /// The kind of item ("Workbook", "Datasource"...).
        resource: &'static str,
    },

    /// An item needs an id for this call but has none (TSC: "Workbook item missing ID. Workbook
    /// must be retrieved from server first.").
    #[error(
        "{resource} item missing ID: {resource} must be retrieved from the server first (get / get_by_id) or have its id set"
    )]
    MissingId {
        /// The kind of item ("Workbook", "Site"...).
        resource: &'static str,
    },

    /// A required argument was empty (TSC: "Site Name undefined.").
    #[error("{what} undefined: pass a non-empty value")]
    Empty {
        /// What was empty.
        what: &'static str,
    },

    /// A site cannot be in `ContentOnly` admin mode and have a user quota.
    #[error(
        "you cannot set admin_mode to ContentOnly and also set a user quota: use AdminMode::ContentAndUsers or remove the user quota"
    )]
    UserQuotaWithContentOnly,

    /// A filter value cannot be expressed in Tableau's filter syntax.
    #[error(
        "filter value {value:?} for field {field}: {reason}. Tableau's filter syntax has no escaping; \
         replace the character with the wildcard `*` and narrow the results client-side"
    )]
    UnsupportedFilterValue {
        /// Field of the filter.
        field: String,
        /// The rejected value.
        value: String,
        /// Why.
        reason: &'static str,
    },

    /// A page size or page number outside what Tableau accepts.
    #[error("{what} must be between 1 and {max}, got {got}")]
    OutOfRange {
        /// What was out of range.
        what: &'static str,
        /// Largest accepted value.
        max: u64,
        /// Value given.
        got: u64,
    },

    /// A value that cannot be sent in an XML request (control characters).
    #[error("{what} contains a control character that cannot be sent in XML")]
    ControlCharacter {
        /// Which value.
        what: &'static str,
    },

    /// A value was not understood (a version string, an address...).
    #[error("{what}: {reason}")]
    Invalid {
        /// What was wrong.
        what: &'static str,
        /// Why.
        reason: String,
    },

    /// The file to publish does not exist (TSC: "File path does not lead to an existing file.").
    #[error("file path does not lead to an existing file: {}", path.display())]
    FileNotFound {
        /// The path given.
        path: PathBuf,
    },

    /// The file extension is not accepted for this resource (TSC: "Only .twb or twbx files can be
    /// published as workbooks.").
    #[error("only {expected} files can be published as {resource}, got {}", path.display())]
    UnsupportedFileType {
        /// The path given.
        path: PathBuf,
        /// The accepted extensions.
        expected: &'static str,
        /// "workbooks", "datasources".
        resource: &'static str,
    },

    /// The publish mode is not valid for this resource (TSC: "Workbooks cannot be appended.").
    #[error("{resource} cannot be published with mode {mode}: {hint}")]
    PublishModeNotAllowed {
        /// "Workbooks"...
        resource: &'static str,
        /// The mode given.
        mode: String,
        /// What to use instead.
        hint: &'static str,
    },

    /// The target file of a download already exists and overwriting was not asked for.
    #[error("{} already exists: remove it or allow overwriting", path.display())]
    FileExists {
        /// The existing file.
        path: PathBuf,
    },

    /// Any other rejected input, described in the message.
    #[error("{0}")]
    Other(String),
}

/// Returns `Err(EmptyId)` when `id` is empty or only whitespace, else the id percent-encoded as
/// one path segment (so an id can never change the path).
pub(crate) fn require_id(resource: &'static str, id: &str) -> Result<String> {
    if id.trim().is_empty() {
        return Err(InputError::EmptyId { resource }.into());
    }
    dot_id(resource, id)?;
    Ok(crate::convert::seg(id))
}

/// Refuses `.` and `..` as ids: URL parsers resolve them (even escaped as `%2E`) as relative
/// path steps, so `workbooks/..` would address the site itself.
fn dot_id(resource: &'static str, id: &str) -> Result<()> {
    if id == "." || id == ".." {
        return Err(InputError::Invalid {
            what: "id",
            reason: format!(
                "{resource} id {id:?} would be read as a relative path step; give the item's LUID"
            ),
        }
        .into());
    }
    Ok(())
}

/// Returns the item's id, percent-encoded as one path segment, or `Err(MissingId)`.
pub(crate) fn item_id(resource: &'static str, id: &Option<String>) -> Result<String> {
    match id.as_deref() {
        Some(id) if !id.trim().is_empty() => {
            dot_id(resource, id)?;
            Ok(crate::convert::seg(id))
        }
        _ => Err(InputError::MissingId { resource }.into()),
    }
}

/// Keeps at most `max` characters of `text` for error excerpts.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

fn job_id(job: &crate::JobItem) -> &str {
    job.id.as_deref().unwrap_or("(no id)")
}

fn job_notes(job: &crate::JobItem) -> String {
    let notes: Vec<&str> = job
        .notes
        .iter()
        .map(String::as_str)
        .chain(job.status_notes.iter().filter_map(|n| n.text.as_deref()))
        .collect();
    if notes.is_empty() {
        String::new()
    } else {
        format!(": {}", notes.join("; "))
    }
}
