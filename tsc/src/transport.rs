//! Requests as plain values, and the one place they are sent.
//!
//! Every call first builds an [`ApiRequest`] without any I/O (method, path, query, headers,
//! body); its `Display` gives a stable text form used in snapshot tests. Sending it adds the
//! `X-Tableau-Auth` header of the current session, retries transient failures per the
//! [`RetryPolicy`](crate::RetryPolicy), signs in again on an expired session (401002) when allowed,
//! and maps failures to [`Error`](crate::Error).
//!
//! # Crate-internal API (used by `publish.rs` and `download.rs`)
//!
//! ```text
//! // Build
//! let path = server.site_path("workbooks")?;            // "/api/{v}/sites/{site_id}/workbooks"
//! let path = server.api_path("serverinfo");              // "/api/{v}/serverinfo"
//! let req  = ApiRequest::post(path)
//!     .query("overwrite", "true")                          // raw value, encoded when sent
//!     .stream_body("multipart/mixed; boundary=xyz", reqwest::Body::wrap_stream(s))
//!     .no_timeout();                                       // only the read timeout applies
//! // other bodies: .xml(&TsRequest)?, .xml_text(String), .bytes(content_type, Bytes)
//! // .idempotent(true) lets a POST be retried; GET/PUT/DELETE are idempotent by default;
//! // .require_version("what", ApiVersion::new(3, 5)) fails before sending on older versions.
//!
//! // Send
//! let ts: tsc_raw::TsResponse = server.send(req).await?;      // parsed body
//! let wb: tsc_raw::WorkbookType =                             // one element, or UnreadableResponse
//!     server.send_expect(req, "workbook", |ts| ts.workbook).await?;
//! server.send_empty(req).await?;                              // success, body ignored
//! let resp: reqwest::Response = server.send_raw(req).await?;  // 2xx only; stream it yourself
//!
//! // Retry policy for chunk retries:
//! server.retry_policy().delay(retry_index, retry_after)       // Option<Duration>
//! RetryPolicy::is_transient_status(status) / is_transient_error(&reqwest::Error)
//! ```
//! `send_raw` maps non-2xx answers to `Error::Api` (XML or not) exactly like `send`, so a caller
//! only ever sees successful responses.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode};

use crate::error::{ApiError, Error, Result, TransportKind, excerpt};
use crate::request_options::encode_query;
use crate::retry::{RetryPolicy, retry_after};
use crate::server::{ApiVersion, Server};

/// Content type of XML request bodies.
pub(crate) const XML_CONTENT_TYPE: &str = "application/xml";

/// Header carrying the session token.
pub(crate) const AUTH_HEADER: &str = "X-Tableau-Auth";

/// The body of an [`ApiRequest`].
pub(crate) enum RequestBody {
    /// No body.
    Empty,
    /// A `tsRequest` document (sent as `application/xml`).
    Xml(String),
    /// Bytes with a content type; can be replayed.
    Bytes { content_type: String, data: Bytes },
    /// A streaming body; sent once, never replayed.
    Stream {
        content_type: String,
        body: Option<reqwest::Body>,
    },
}

impl fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestBody::Empty => f.write_str("Empty"),
            RequestBody::Xml(x) => write!(f, "Xml({} bytes)", x.len()),
            RequestBody::Bytes { content_type, data } => {
                write!(f, "Bytes({content_type}, {} bytes)", data.len())
            }
            RequestBody::Stream { content_type, .. } => write!(f, "Stream({content_type})"),
        }
    }
}

/// One REST call, built without I/O.
#[derive(Debug)]
pub(crate) struct ApiRequest {
    pub(crate) method: Method,
    /// Path from the server's base URL, starting with `/api/`.
    pub(crate) path: String,
    /// Query pairs, raw (encoded when sent).
    pub(crate) query: Vec<(String, String)>,
    /// Extra headers.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: RequestBody,
    /// Sends the session token (false only for sign-in and serverinfo).
    pub(crate) auth: bool,
    /// Safe to repeat after a transient failure.
    pub(crate) idempotent: bool,
    /// `None`: server default; `Some(None)`: no whole-request timeout; `Some(Some(d))`: `d`.
    pub(crate) timeout: Option<Option<Duration>>,
    /// Lowest API version supporting the call, with a description for the error.
    pub(crate) min_version: Option<(&'static str, ApiVersion)>,
    /// The response carries a secret (sign-in): never quote it in errors.
    pub(crate) secret_response: bool,
}

#[allow(dead_code)]
impl ApiRequest {
    /// A request with `method` for `path`.
    pub(crate) fn new(method: Method, path: impl Into<String>) -> Self {
        let idempotent = matches!(
            method,
            Method::GET | Method::PUT | Method::DELETE | Method::HEAD
        );
        ApiRequest {
            method,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: RequestBody::Empty,
            auth: true,
            idempotent,
            timeout: None,
            min_version: None,
            secret_response: false,
        }
    }

    /// GET `path`.
    pub(crate) fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    /// POST `path`.
    pub(crate) fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    /// PUT `path`.
    pub(crate) fn put(path: impl Into<String>) -> Self {
        Self::new(Method::PUT, path)
    }

    /// DELETE `path`.
    pub(crate) fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path)
    }

    /// Adds a query pair (raw value).
    pub(crate) fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Adds query pairs (raw values).
    pub(crate) fn query_pairs(mut self, pairs: Vec<(String, String)>) -> Self {
        self.query.extend(pairs);
        self
    }

    /// Adds a header.
    pub(crate) fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Serialises `req` as the XML body.
    pub(crate) fn xml(mut self, req: &tsc_raw::TsRequest) -> Result<Self> {
        let text = req.to_xml().map_err(|e| {
            Error::from(crate::InputError::Invalid {
                what: "request body",
                reason: e.to_string(),
            })
        })?;
        self.body = RequestBody::Xml(text);
        Ok(self)
    }

    /// Uses `text` as the XML body.
    pub(crate) fn xml_text(mut self, text: impl Into<String>) -> Self {
        self.body = RequestBody::Xml(text.into());
        self
    }

    /// Uses bytes as the body.
    pub(crate) fn bytes(mut self, content_type: impl Into<String>, data: Bytes) -> Self {
        self.body = RequestBody::Bytes {
            content_type: content_type.into(),
            data,
        };
        self
    }

    /// Uses a stream as the body (never replayed, so never retried).
    pub(crate) fn stream_body(
        mut self,
        content_type: impl Into<String>,
        body: reqwest::Body,
    ) -> Self {
        self.body = RequestBody::Stream {
            content_type: content_type.into(),
            body: Some(body),
        };
        self
    }

    /// Marks the request as safe (or not) to repeat.
    pub(crate) fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = yes;
        self
    }

    /// Sends no session token.
    pub(crate) fn without_auth(mut self) -> Self {
        self.auth = false;
        self
    }

    /// No whole-request timeout (the read timeout still applies): for uploads and downloads.
    pub(crate) fn no_timeout(mut self) -> Self {
        self.timeout = Some(None);
        self
    }

    /// Whole-request timeout for this call.
    pub(crate) fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(Some(d));
        self
    }

    /// Fails before sending when the API version in use is older than `version`.
    pub(crate) fn require_version(mut self, what: &'static str, version: ApiVersion) -> Self {
        self.min_version = Some((what, version));
        self
    }

    /// The response holds a secret (a session token): errors never quote its body.
    pub(crate) fn secret_response(mut self) -> Self {
        self.secret_response = true;
        self
    }

    /// Path plus encoded query.
    pub(crate) fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, encode_query(&self.query))
        }
    }

    fn replayable(&self) -> bool {
        !matches!(self.body, RequestBody::Stream { .. })
    }

    /// The content type the body is sent with.
    pub(crate) fn content_type(&self) -> Option<&str> {
        match &self.body {
            RequestBody::Empty => None,
            RequestBody::Xml(_) => Some(XML_CONTENT_TYPE),
            RequestBody::Bytes { content_type, .. } | RequestBody::Stream { content_type, .. } => {
                Some(content_type)
            }
        }
    }
}

impl fmt::Display for ApiRequest {
    /// `METHOD /path?query`, extra headers, then the XML body if any: stable for snapshots.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} {}", self.method, self.path_and_query())?;
        if let Some(ct) = self.content_type() {
            writeln!(f, "content-type: {ct}")?;
        }
        for (k, v) in &self.headers {
            writeln!(f, "{k}: {v}")?;
        }
        match &self.body {
            RequestBody::Xml(x) => write!(f, "\n{x}"),
            RequestBody::Bytes { data, .. } => write!(f, "\n<{} bytes>", data.len()),
            RequestBody::Stream { .. } => write!(f, "\n<stream>"),
            RequestBody::Empty => Ok(()),
        }
    }
}

impl Server {
    /// `/api/{version}/{rest}`.
    pub(crate) fn api_path(&self, rest: &str) -> String {
        format!("/api/{}/{}", self.version(), rest.trim_start_matches('/'))
    }

    /// `/api/{version}/sites/{site_id}/{rest}` for the signed-in site.
    pub(crate) fn site_path(&self, rest: &str) -> Result<String> {
        let session = self.current_session().ok_or(Error::NotSignedIn)?;
        let rest = rest.trim_start_matches('/');
        if rest.is_empty() {
            return Ok(format!("/api/{}/sites/{}", self.version(), session.site_id));
        }
        Ok(format!(
            "/api/{}/sites/{}/{}",
            self.version(),
            session.site_id,
            rest
        ))
    }

    fn url_for(&self, req: &ApiRequest) -> Result<reqwest::Url> {
        let pq = req.path_and_query();
        self.inner
            .base_url
            .join(pq.trim_start_matches('/'))
            .map_err(|e| {
                crate::InputError::Invalid {
                    what: "request path",
                    reason: format!("{pq}: {e}"),
                }
                .into()
            })
    }

    /// Sends `req` and parses the body as a `tsResponse`.
    pub(crate) async fn send(&self, req: ApiRequest) -> Result<tsc_raw::TsResponse> {
        let method = req.method.clone();
        let url = self.url_for(&req)?.to_string();
        let secret = req.secret_response;
        let resp = self.send_raw(req).await?;
        let status = resp.status();
        let body = resp.text().await.map_err(|source| Error::Transport {
            kind: TransportKind::of(&source),
            method: method.clone(),
            url: url.clone(),
            source,
        })?;
        parse_response(&method, &url, status, &body).map_err(|e| match e {
            Error::UnreadableResponse {
                method,
                url,
                status,
                message,
                ..
            } if secret => Error::UnreadableResponse {
                method,
                url,
                status,
                message,
                excerpt: "[redacted: the response may hold a session token]".into(),
            },
            other => other,
        })
    }

    /// Sends `req` and takes the element the call returns (`what`, e.g. `"workbook"`) out of the
    /// response; a response without it is [`Error::UnreadableResponse`].
    pub(crate) async fn send_expect<B, T>(
        &self,
        req: ApiRequest,
        what: &'static str,
        pick: impl FnOnce(tsc_raw::TsResponse) -> Option<B>,
    ) -> Result<T>
    where
        B: crate::convert::Unbox<T>,
    {
        let method = req.method.clone();
        let url = self.url_for(&req)?.to_string();
        let ts = self.send(req).await?;
        match pick(ts) {
            Some(b) => Ok(b.unbox()),
            None => Err(Error::UnreadableResponse {
                method,
                url,
                status: StatusCode::OK,
                message: format!("the response has no <{what}> element"),
                excerpt: String::new(),
            }),
        }
    }

    /// Sends `req`; success status is all that matters.
    pub(crate) async fn send_empty(&self, req: ApiRequest) -> Result<()> {
        let resp = self.send_raw(req).await?;
        // Drain the body so the connection can be reused.
        let _ = resp.bytes().await;
        Ok(())
    }

    /// Sends `req` and returns the successful response unread (for streaming downloads). Errors
    /// (non-2xx) are mapped like [`Server::send`].
    pub(crate) async fn send_raw(&self, mut req: ApiRequest) -> Result<reqwest::Response> {
        if let Some((what, required)) = req.min_version {
            self.require_version(what, required)?;
        }
        let url = self.url_for(&req)?;
        let url_text = url.to_string();
        let policy: &RetryPolicy = &self.inner.retry;
        let mut retry = 0u32;
        let mut reauthed = false;
        loop {
            let token = if req.auth {
                let s = self.current_session().ok_or(Error::NotSignedIn)?;
                Some(s.token.clone())
            } else {
                None
            };
            let mut rb = self.inner.client.request(req.method.clone(), url.clone());
            if let Some(t) = &token {
                rb = rb.header(AUTH_HEADER, t.expose());
            }
            if let Some(ct) = req.content_type() {
                rb = rb.header(http::header::CONTENT_TYPE, ct.to_owned());
            }
            for (k, v) in &req.headers {
                rb = rb.header(k.as_str(), v.as_str());
            }
            if let Some(d) = req.timeout.unwrap_or(self.inner.request_timeout) {
                rb = rb.timeout(d);
            }
            rb = match &mut req.body {
                RequestBody::Empty => rb,
                RequestBody::Xml(x) => rb.body(x.clone()),
                RequestBody::Bytes { data, .. } => rb.body(data.clone()),
                RequestBody::Stream { body, .. } => match body.take() {
                    Some(b) => rb.body(b),
                    None => {
                        return Err(crate::InputError::Other(
                            "a streaming request body can only be sent once".into(),
                        )
                        .into());
                    }
                },
            };
            let can_retry = req.idempotent && req.replayable();
            tracing::debug!(method = %req.method, url = %url_text, "sending");
            let result = rb.send().await;
            let resp = match result {
                Err(source) => {
                    // A connect failure means nothing reached the server, so even a POST can be
                    // sent again; other transient errors only for idempotent requests.
                    let retryable = (can_retry && RetryPolicy::is_transient_error(&source))
                        || (req.replayable() && source.is_connect());
                    if retryable {
                        if let Some(d) = policy.delay(retry, None) {
                            tracing::warn!(method = %req.method, url = %url_text, error = %source, delay_ms = d.as_millis() as u64, "transient failure, retrying");
                            retry += 1;
                            tokio::time::sleep(d).await;
                            continue;
                        }
                    }
                    return Err(Error::Transport {
                        kind: TransportKind::of(&source),
                        method: req.method.clone(),
                        url: url_text,
                        source,
                    });
                }
                Ok(r) => r,
            };
            let status = resp.status();
            if status.is_success() {
                return Ok(resp);
            }
            if can_retry && RetryPolicy::is_transient_status(status) {
                if let Some(d) = policy.delay(retry, retry_after(resp.headers())) {
                    tracing::warn!(method = %req.method, url = %url_text, status = status.as_u16(), delay_ms = d.as_millis() as u64, "transient status, retrying");
                    retry += 1;
                    drop(resp);
                    tokio::time::sleep(d).await;
                    continue;
                }
            }
            let wait = retry_after(resp.headers());
            let body = resp.text().await.unwrap_or_default();
            let mut err = error_from_body(&req.method, &url_text, status, &body);
            if let Error::Api(api) = &mut err {
                api.retry_after = wait;
            }
            if err.is_session_expired()
                && req.auth
                && req.replayable()
                && !reauthed
                && self.inner.auto_reauth
            {
                if let Some(t) = token {
                    if self.reauthenticate(t).await? {
                        reauthed = true;
                        continue;
                    }
                }
            }
            return Err(err);
        }
    }
}

/// Parses a successful body as a `tsResponse`; an embedded `<error>` becomes [`Error::Api`].
pub(crate) fn parse_response(
    method: &Method,
    url: &str,
    status: StatusCode,
    body: &str,
) -> Result<tsc_raw::TsResponse> {
    let unreadable = |message: String| Error::UnreadableResponse {
        method: method.clone(),
        url: url.to_owned(),
        status,
        message,
        excerpt: excerpt(body, 200),
    };
    if body.trim().is_empty() {
        return Ok(tsc_raw::TsResponse::default());
    }
    let ts = tsc_raw::TsResponse::from_xml(body).map_err(|e| unreadable(e.to_string()))?;
    if let Some(e) = &ts.error {
        return Err(api_error(method, url, status, e));
    }
    Ok(ts)
}

fn api_error(method: &Method, url: &str, status: StatusCode, e: &tsc_raw::ErrorType) -> Error {
    Error::Api(Box::new(ApiError {
        status,
        code: e.code.as_ref().map(|c| c.to_string()).unwrap_or_default(),
        summary: e.summary.clone().unwrap_or_default().trim().to_owned(),
        detail: e.detail.clone().unwrap_or_default().trim().to_owned(),
        method: method.clone(),
        url: url.to_owned(),
        retry_after: None,
    }))
}

/// Maps an error answer to [`Error::Api`]: from the Tableau `<error>` when the body is one, else
/// with the status reason and an excerpt of the body (an HTML proxy page, a 503 page...).
pub(crate) fn error_from_body(method: &Method, url: &str, status: StatusCode, body: &str) -> Error {
    if body.trim_start().starts_with('<') {
        if let Ok(ts) = tsc_raw::TsResponse::from_xml(body) {
            if let Some(e) = &ts.error {
                return api_error(method, url, status, e);
            }
        }
    }
    let text: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    Error::Api(Box::new(ApiError {
        status,
        code: String::new(),
        summary: status.canonical_reason().unwrap_or("error").to_owned(),
        detail: excerpt(&text, 200),
        method: method.clone(),
        url: url.to_owned(),
        retry_after: None,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{Session, WorkbookItem};

    fn server() -> Server {
        let s = Server::builder("https://tableau.example.com")
            .version("3.19")
            .build()
            .unwrap();
        s.resume_session(Session {
            token: crate::Secret::new("t"),
            site_id: "s1".into(),
            site_content_url: String::new(),
            user_id: "u".into(),
        });
        s
    }

    #[test]
    fn requests_are_plain_values() {
        let s = server();
        let wb = WorkbookItem {
            id: Some("w 1".into()),
            name: "Q1 <draft>".into(),
            show_tabs: Some(false),
            ..Default::default()
        };
        let req = s.workbooks().update_request(&wb).unwrap();
        assert_eq!(
            req.to_string(),
            "PUT /api/3.19/sites/s1/workbooks/w%201\ncontent-type: application/xml\n\n\
             <tsRequest><workbook name=\"Q1 &lt;draft&gt;\" showTabs=\"false\"/></tsRequest>"
        );
        assert!(req.idempotent);
        let list = s.workbooks().list().page_size(5).request(Some(2)).unwrap();
        assert_eq!(
            list.to_string(),
            "GET /api/3.19/sites/s1/workbooks?pageSize=5&pageNumber=2\n"
        );
        let post = ApiRequest::post(s.api_path("auth/signout"));
        assert!(!post.idempotent);
    }

    #[test]
    fn error_bodies_map_to_api_errors() {
        let xml = r#"<tsResponse><error code="409009"><summary>Conflict</summary><detail>exists</detail></error></tsResponse>"#;
        let e = error_from_body(&Method::POST, "u", StatusCode::CONFLICT, xml);
        assert!(e.is_conflict());
        assert_eq!(e.code(), Some("409009"));
        let e = error_from_body(
            &Method::GET,
            "u",
            StatusCode::BAD_GATEWAY,
            "<html>\n  <h1>Bad   gateway</h1></html>",
        );
        let api = e.api().unwrap();
        assert_eq!(
            (api.code.as_str(), api.summary.as_str()),
            ("", "Bad Gateway")
        );
        assert_eq!(api.detail, "<html> <h1>Bad gateway</h1></html>");
    }
}
