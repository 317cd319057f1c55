//! Shared helpers of the HTTP-level tests: a wiremock server, a signed-in `tsc::Server`, the shared
//! fixtures and a stable text form of the requests received (for insta snapshots).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use tsc::{AuthToken, RetryPolicy, Server, Session};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const TOKEN: &str = "tok-abc123";
pub const SITE: &str = "site-1";
pub const USER: &str = "user-1";

/// A mock server and a `Server` pointed at it, signed in (token [`TOKEN`], site [`SITE`]),
/// pinned to 3.19, with fast retries.
pub async fn setup() -> (MockServer, Server) {
    let mock = MockServer::start().await;
    let server = Server::builder(mock.uri())
        .version("3.19")
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(std::time::Duration::from_millis(1))
                .max_retry_after(std::time::Duration::from_millis(50)),
        )
        .build()
        .unwrap();
    server.resume_session(Session {
        token: AuthToken::new(TOKEN),
        site_id: SITE.into(),
        site_content_url: "".into(),
        user_id: USER.into(),
    });
    (mock, server)
}

/// The shared fixture `name`, or `None` (after printing that the test skips) when the folder is
/// missing. With `CI=true` a missing folder fails the test.
pub fn fixture(name: &str) -> Option<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/tsc-assets");
    if !dir.is_dir() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("fixture folder {} is missing (CI=true)", dir.display());
        }
        eprintln!("skipping: fixture folder {} is missing", dir.display());
        return None;
    }
    let p = dir.join(name);
    Some(std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

/// Reads a fixture or returns from the test (skip).
#[macro_export]
macro_rules! fixture {
    ($name:expr) => {
        match common::fixture($name) {
            Some(x) => x,
            None => return,
        }
    };
}

/// A 200 response with an XML body.
pub fn xml(body: impl Into<String>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.into().into_bytes(), "application/xml")
}

/// A response with status and XML body.
pub fn xml_status(status: u16, body: impl Into<String>) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.into().into_bytes(), "application/xml")
}

/// Mounts `METHOD path` -> `resp`.
pub async fn on(mock: &MockServer, m: &str, p: &str, resp: ResponseTemplate) {
    Mock::given(method(m))
        .and(path(p))
        .respond_with(resp)
        .mount(mock)
        .await;
}

/// `tsResponse` wrapper.
pub fn ts(inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><tsResponse xmlns="http://tableau.com/api">{inner}</tsResponse>"#
    )
}

/// An error response body.
pub fn ts_error(code: &str, summary: &str, detail: &str) -> String {
    ts(&format!(
        r#"<error code="{code}"><summary>{summary}</summary><detail>{detail}</detail></error>"#
    ))
}

/// All requests received.
pub async fn requests(mock: &MockServer) -> Vec<Request> {
    mock.received_requests().await.unwrap_or_default()
}

/// The single request received (fails otherwise).
pub async fn only_request(mock: &MockServer) -> Request {
    let mut r = requests(mock).await;
    assert_eq!(r.len(), 1, "expected exactly one request, got {}", r.len());
    r.remove(0)
}

/// Method, path, query, the headers that matter and the body, as stable text.
pub fn describe(req: &Request) -> String {
    let mut out = format!("{} {}", req.method, req.url.path());
    if let Some(q) = req.url.query() {
        out.push('?');
        out.push_str(q);
    }
    out.push('\n');
    for h in ["x-tableau-auth", "content-type"] {
        if let Some(v) = req.headers.get(h) {
            out.push_str(&format!("{h}: {}\n", v.to_str().unwrap()));
        }
    }
    if !req.body.is_empty() {
        out.push('\n');
        out.push_str(&String::from_utf8_lossy(&req.body));
    }
    out
}

/// Checks the auth header and content type of a request with an XML body.
pub fn assert_xml_request(req: &Request) {
    assert_eq!(
        req.headers.get("x-tableau-auth").unwrap().to_str().unwrap(),
        TOKEN
    );
    assert_eq!(
        req.headers.get("content-type").unwrap().to_str().unwrap(),
        "application/xml"
    );
}

/// Checks the auth header of a request without body.
pub fn assert_auth(req: &Request) {
    assert_eq!(
        req.headers.get("x-tableau-auth").unwrap().to_str().unwrap(),
        TOKEN
    );
    assert!(req.body.is_empty(), "unexpected body");
}
