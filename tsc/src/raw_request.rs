//! An escape hatch for REST endpoints `tsc` does not wrap yet, with the client's session.
//!
//! [`Server::raw_request`] (a path relative to the signed-in site) and
//! [`Server::raw_api_request`] (a path relative to the API root, `/api/{version}/`) build a
//! [`RawRequest`]. It is sent exactly like every call of this crate: with the `X-Tableau-Auth`
//! header of the current session, the server's timeouts, retries of transient failures (see
//! below), automatic re-sign-in on an expired session (401002), and the same [`Error`] mapping
//! (a Tableau `<error>` becomes [`Error::Api`], an HTML proxy page gives status and excerpt).
//! Bodies and answers are the `tsc-raw` types [`tsc_raw::TsRequest`] and
//! [`tsc_raw::TsResponse`].
//!
//! ```no_run
//! # async fn demo(server: tsc::Server, workbook_id: &str) -> tsc::Result<()> {
//! use tsc::Method;
//! use tsc::raw_request::segment;
//!
//! // "Update Workbook Now": POST /api/{v}/sites/{site-id}/workbooks/{id}/refresh
//! let answer = server
//!     .raw_request(Method::POST, format!("workbooks/{}/refresh", segment(workbook_id)))
//!     .body(&tsc_raw::TsRequest::default()) // <tsRequest/>
//!     .send()
//!     .await?;
//! let job_id = answer.job.and_then(|job| job.id);
//!
//! // A path from the API root, with a query:
//! let sites = server
//!     .raw_api_request(Method::GET, "sites")
//!     .query("pageSize", "100")
//!     .send()
//!     .await?;
//! # let _ = (job_id, sites); Ok(()) }
//! ```
//!
//! **Paths.** A path is written without a leading `/` and without a query (use
//! [`RawRequest::query`]); its segments may hold letters, digits, `-._~!$&'()*+,;=:@` and
//! `%XX` escapes, nothing else: `.`/`..` segments, empty segments (`a//b`), `?`, `#`, spaces
//! and non-ASCII are refused before sending with [`InputError::Invalid`]. Put ids and names into
//! a path with [`segment`], which escapes what must be escaped. A site path cannot start with
//! `api/` or `sites/` (that would address `/sites/{site}/sites/..`: use
//! [`Server::raw_api_request`] for paths from the API root).
//!
//! **Retries.** GET, PUT, DELETE and HEAD are retried after transient failures (HTTP 429, 502,
//! 503, 504, connect errors, timeouts, resets) per the server's
//! [`RetryPolicy`](crate::RetryPolicy), honouring `Retry-After`. POST and PATCH are not, since
//! repeating them may do the work twice, unless you state that the call is safe to repeat with
//! [`RawRequest::idempotent`]`(true)`; `idempotent(false)` turns these retries off for any
//! method. Only a request that never reached the server (the connection could not be opened) is
//! sent again whatever the method, as every call of this crate.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
pub use http::Method;

use crate::error::{Error, InputError, Result};
use crate::server::{ApiVersion, Server};
use crate::transport::ApiRequest;

/// Escapes `value` (an id, a name) as one path segment: `/`, `?`, `#`, `%`, spaces, non-ASCII
/// and the other reserved characters become `%XX`. A value of `.` or `..` cannot be a segment
/// (URL parsers resolve it as a relative step even when escaped): a path holding one is refused
/// when sent.
///
/// ```
/// assert_eq!(tsc::raw_request::segment("a/b c"), "a%2Fb%20c");
/// ```
pub fn segment(value: &str) -> String {
    crate::convert::seg(value)
}

/// Where a [`RawRequest`]'s path starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// `/api/{version}/sites/{site-id}/`
    Site,
    /// `/api/{version}/`
    Api,
}

#[derive(Clone)]
enum Body {
    Xml(String),
    Bytes { content_type: String, data: Bytes },
}

/// A request to any REST endpoint, sent with the client's session, retries and error mapping.
/// Build it with [`Server::raw_request`] or [`Server::raw_api_request`]; see the
/// [module docs](self). Nothing is sent until [`RawRequest::send`].
#[must_use = "a request does nothing until .send().await"]
pub struct RawRequest {
    server: Server,
    scope: Scope,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Body>,
    /// First problem found while building; returned by `send` before anything is sent.
    error: Option<Error>,
    idempotent: Option<bool>,
    auth: bool,
    timeout: Option<Option<Duration>>,
    min_version: Option<(&'static str, ApiVersion)>,
}

impl fmt::Debug for RawRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawRequest")
            .field("scope", &self.scope)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("idempotent", &self.idempotent_value())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A request to `path` relative to the signed-in site (`/api/{version}/sites/{site-id}/{path}`,
    /// e.g. `"workbooks/{id}/refresh"`); `""` is the site itself. Needs a session. See
    /// [`raw_request`](crate::raw_request) for the path rules and retries.
    pub fn raw_request(&self, method: Method, path: impl Into<String>) -> RawRequest {
        RawRequest::new(self, Scope::Site, method, path.into())
    }

    /// A request to `path` relative to the API root (`/api/{version}/{path}`, e.g. `"sites"`,
    /// `"serverinfo"`). Sends the session token unless [`RawRequest::without_auth`].
    pub fn raw_api_request(&self, method: Method, path: impl Into<String>) -> RawRequest {
        RawRequest::new(self, Scope::Api, method, path.into())
    }
}

impl RawRequest {
    fn new(server: &Server, scope: Scope, method: Method, path: String) -> Self {
        let error = check_path(scope, &path).err();
        RawRequest {
            server: server.clone(),
            scope,
            method,
            path,
            query: Vec::new(),
            body: None,
            error,
            idempotent: None,
            auth: true,
            timeout: None,
            min_version: None,
        }
    }

    /// Adds a query parameter. Give the value as Tableau reads it (`"name:eq:Sales"`); it is
    /// percent-encoded when sent.
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Sends `request` as the XML body (`Content-Type: application/xml`). A request that cannot
    /// be written as XML makes [`send`](Self::send) fail before sending.
    pub fn body(mut self, request: &tsc_raw::TsRequest) -> Self {
        match request.to_xml() {
            Ok(xml) => self.body = Some(Body::Xml(xml)),
            Err(e) => {
                self.error.get_or_insert_with(|| {
                    InputError::Invalid {
                        what: "request body",
                        reason: e.to_string(),
                    }
                    .into()
                });
            }
        }
        self
    }

    /// Sends `data` as the body with `content_type` (for the few endpoints that take something
    /// else than a `tsRequest`).
    pub fn bytes(mut self, content_type: impl Into<String>, data: impl Into<Bytes>) -> Self {
        self.body = Some(Body::Bytes {
            content_type: content_type.into(),
            data: data.into(),
        });
        self
    }

    /// States whether the call is safe to repeat after a transient failure. Default: `true` for
    /// GET, PUT, DELETE and HEAD, `false` otherwise. Say `true` for a POST only when doing it
    /// twice does no harm.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = Some(yes);
        self
    }

    /// Sends no session token (for the few calls that need none, such as `serverinfo`). Only for
    /// [`Server::raw_api_request`]; a site path needs the session anyway.
    pub fn without_auth(mut self) -> Self {
        self.auth = false;
        self
    }

    /// A whole-request timeout for this call instead of the server's.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(Some(d));
        self
    }

    /// No whole-request timeout (the read timeout still applies): for large answers read with
    /// [`send_for_response`](Self::send_for_response).
    pub fn no_timeout(mut self) -> Self {
        self.timeout = Some(None);
        self
    }

    /// Fails with [`Error::VersionTooLow`] before sending when the API version in use is older
    /// than `version`; `what` names the call in the message.
    pub fn require_version(mut self, what: &'static str, version: ApiVersion) -> Self {
        self.min_version = Some((what, version));
        self
    }

    fn idempotent_value(&self) -> bool {
        self.idempotent.unwrap_or(matches!(
            self.method,
            Method::GET | Method::PUT | Method::DELETE | Method::HEAD
        ))
    }

    /// Whether the request will be retried after transient failures.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent_value()
    }

    fn build(self) -> Result<(Server, ApiRequest)> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let path = match self.scope {
            Scope::Site => self.server.site_path(&self.path)?,
            Scope::Api => self.server.api_path(&self.path),
        };
        let idempotent = self.idempotent_value();
        let mut req = ApiRequest::new(self.method, path)
            .query_pairs(self.query)
            .idempotent(idempotent);
        req = match self.body {
            None => req,
            Some(Body::Xml(x)) => req.xml_text(x),
            Some(Body::Bytes { content_type, data }) => req.bytes(content_type, data),
        };
        if !self.auth && self.scope == Scope::Api {
            req = req.without_auth();
        }
        req.timeout = self.timeout;
        if let Some((what, v)) = self.min_version {
            req = req.require_version(what, v);
        }
        Ok((self.server, req))
    }

    /// Sends the request and reads the answer as a `tsResponse` (an empty body, as for most
    /// DELETEs, gives an empty [`tsc_raw::TsResponse`]). An error status or an `<error>` in the
    /// answer is [`Error::Api`].
    pub async fn send(self) -> Result<tsc_raw::TsResponse> {
        let (server, req) = self.build()?;
        server.send(req).await
    }

    /// Sends the request and returns the successful response unread, for answers that are not
    /// XML (images, PDFs, CSV, files) or that you want to stream. Error statuses are mapped to
    /// [`Error::Api`] exactly as by [`send`](Self::send).
    pub async fn send_for_response(self) -> Result<reqwest::Response> {
        let (server, req) = self.build()?;
        server.send_raw(req).await
    }
}

impl fmt::Display for RawRequest {
    /// The method and the path as given, with its scope: `POST {site}/workbooks/x/refresh`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let root = match self.scope {
            Scope::Site => "{site}/",
            Scope::Api => "{api}/",
        };
        write!(f, "{} {root}{}", self.method, self.path)
    }
}

/// Characters allowed in a path segment besides ASCII letters and digits (RFC 3986 `pchar`).
const SEGMENT_PUNCTUATION: &str = "-._~!$&'()*+,;=:@";

fn check_path(scope: Scope, path: &str) -> Result<()> {
    let bad = |reason: String| -> Result<()> {
        Err(InputError::Invalid {
            what: "request path",
            reason: format!("{path:?}: {reason}"),
        }
        .into())
    };
    let example = match scope {
        Scope::Site => "\"workbooks/{id}/refresh\"",
        Scope::Api => "\"sites\"",
    };
    if path.is_empty() {
        return match scope {
            Scope::Site => Ok(()),
            Scope::Api => bad(format!("give a path such as {example}")),
        };
    }
    if path.starts_with('/') {
        return bad(format!(
            "write the path without a leading '/', such as {example}; the client adds /api/{{version}}/"
        ));
    }
    if path.contains("://") {
        return bad("give a path, not a URL: requests always go to this server".into());
    }
    let first = path.split('/').next().unwrap_or_default();
    if first == "api" {
        return bad(format!(
            "the client adds /api/{{version}}/ itself; write the path such as {example}"
        ));
    }
    if scope == Scope::Site && first == "sites" {
        return bad(
            "this path is relative to the signed-in site; for a path from the API root \
             (sites/{id}/...) use Server::raw_api_request"
                .into(),
        );
    }
    for seg in path.split('/') {
        if seg.is_empty() {
            return bad("empty path segment ('//' or a trailing '/')".into());
        }
        // URL parsers resolve `%2E` like `.`, so escaped dots are relative steps too.
        let unescaped = seg.to_ascii_lowercase().replace("%2e", ".");
        if unescaped == "." || unescaped == ".." {
            return bad("'.' and '..' segments (escaped or not) are not allowed".into());
        }
        let bytes = seg.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            if c == b'%' {
                let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
                if !(hex(i + 1) && hex(i + 2)) {
                    return bad("'%' must start a %XX escape".into());
                }
                i += 3;
                continue;
            }
            if !(c.is_ascii_alphanumeric() || SEGMENT_PUNCTUATION.as_bytes().contains(&c)) {
                let shown = seg[i..].chars().next().unwrap_or('?');
                return bad(format!(
                    "{shown:?} is not allowed in a path (queries go in .query(..)); \
                     escape ids and names with tsc::raw_request::segment"
                ));
            }
            i += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_checked() {
        for ok in [
            "workbooks/abc-123/refresh",
            "workbooks/a%2Fb/views",
            "users/x:y@z",
        ] {
            assert!(check_path(Scope::Site, ok).is_ok(), "{ok}");
        }
        assert!(check_path(Scope::Site, "").is_ok());
        assert!(check_path(Scope::Api, "sites/abc/users").is_ok());
        for (scope, bad, why) in [
            (Scope::Site, "/workbooks", "leading '/'"),
            (Scope::Site, "api/3.19/workbooks", "adds /api"),
            (Scope::Api, "api/3.19/sites", "adds /api"),
            (Scope::Site, "sites/abc/workbooks", "raw_api_request"),
            (Scope::Site, "workbooks?pageSize=1", "'?'"),
            (Scope::Site, "workbooks#x", "'#'"),
            (Scope::Site, "workbooks/../users", "'..'"),
            (Scope::Site, "workbooks/./x", "'..'"),
            (Scope::Site, "workbooks/%2e%2E/x", "'..'"),
            (Scope::Site, "workbooks/%2E", "'..'"),
            (Scope::Site, "workbooks//x", "empty path segment"),
            (Scope::Site, "workbooks/", "empty path segment"),
            (Scope::Site, "workbooks/a b", "' '"),
            (Scope::Site, "workbooks/é", "'é'"),
            (Scope::Site, "workbooks/%zz", "%XX"),
            (Scope::Site, "https://evil.example.com/x", "not a URL"),
            (Scope::Api, "", "give a path"),
        ] {
            let err = check_path(scope, bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn segments_escape_everything_a_path_treats_specially() {
        assert_eq!(segment("a/b?c#d e%"), "a%2Fb%3Fc%23d%20e%25");
        assert!(check_path(Scope::Site, &format!("workbooks/{}", segment(".."))).is_err());
        assert!(check_path(Scope::Site, &format!("workbooks/{}", segment("../x y/é"))).is_ok());
    }

    #[test]
    fn idempotency_is_explicit_for_post() {
        let s = Server::new("https://x").unwrap();
        assert!(s.raw_request(Method::GET, "workbooks").is_idempotent());
        assert!(s.raw_request(Method::DELETE, "workbooks/1").is_idempotent());
        assert!(
            !s.raw_request(Method::POST, "workbooks/1/refresh")
                .is_idempotent()
        );
        assert!(!s.raw_request(Method::PATCH, "x").is_idempotent());
        assert!(
            s.raw_request(Method::POST, "fileUploads")
                .idempotent(true)
                .is_idempotent()
        );
        assert!(
            !s.raw_request(Method::PUT, "x")
                .idempotent(false)
                .is_idempotent()
        );
        assert_eq!(
            s.raw_request(Method::POST, "workbooks/1/refresh")
                .to_string(),
            "POST {site}/workbooks/1/refresh"
        );
    }
}
