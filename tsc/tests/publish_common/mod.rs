//! Helpers shared by the publish and download tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use wiremock::{MockServer, Request, Respond, ResponseTemplate};

pub const SITE: &str = "site-1";
pub const TOKEN: &str = "test-token";
pub const NS: &str = "xmlns=\"http://tableau.com/api\"";

/// A `Server` signed in (resumed session) against the mock server, API 3.19, fast retries.
pub fn server(mock: &MockServer) -> tsc::Server {
    let server = tsc::Server::builder(mock.uri())
        .version("3.19")
        .retry_policy(
            tsc::RetryPolicy::default()
                .initial_backoff(std::time::Duration::from_millis(1))
                .jitter(false),
        )
        .build()
        .unwrap();
    server.resume_session(tsc::Session {
        token: tsc::AuthToken::new(TOKEN),
        site_id: SITE.into(),
        site_content_url: String::new(),
        user_id: "user-1".into(),
    });
    server
}

/// `/api/3.19/sites/site-1/{rest}`.
pub fn site_path(rest: &str) -> String {
    format!("/api/3.19/sites/{SITE}/{rest}")
}

pub fn xml(body: impl Into<String>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.into(), "application/xml;charset=UTF-8")
}

pub fn xml_status(status: u16, body: impl Into<String>) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.into(), "application/xml;charset=UTF-8")
}

pub fn tableau_error(status: u16, code: &str, summary: &str, detail: &str) -> ResponseTemplate {
    xml_status(
        status,
        format!(
            "<tsResponse {NS}><error code=\"{code}\"><summary>{summary}</summary><detail>{detail}</detail></error></tsResponse>"
        ),
    )
}

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub headers: Vec<String>,
    pub body: Vec<u8>,
}

/// Splits a multipart body by its boundary (taken from the content type).
pub fn parse_multipart(content_type: &str, body: &[u8]) -> Vec<Part> {
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .expect("boundary in content type")
        .trim();
    let delim = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut positions = Vec::new();
    let mut i = 0;
    while i + delim.len() <= body.len() {
        if body[i..].starts_with(&delim) && (i == 0 || body[..i].ends_with(b"\r\n")) {
            positions.push(i);
            i += delim.len();
        } else {
            i += 1;
        }
    }
    for w in positions.windows(2) {
        let start = w[0] + delim.len() + 2; // CRLF after the delimiter
        let end = w[1] - 2; // CRLF before the next delimiter
        let section = &body[start..end];
        let split = section
            .windows(4)
            .position(|x| x == b"\r\n\r\n")
            .expect("header end");
        let headers = String::from_utf8(section[..split].to_vec())
            .unwrap()
            .split("\r\n")
            .map(str::to_owned)
            .collect();
        parts.push(Part {
            headers,
            body: section[split + 4..].to_vec(),
        });
    }
    let last = *positions.last().expect("closing delimiter");
    assert_eq!(&body[last..], format!("--{boundary}--\r\n").as_bytes());
    parts
}

pub fn header(req: &Request, name: &str) -> String {
    req.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Deterministic test content.
pub fn content(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8)
        .collect()
}

/// Content type and body of each accepted request.
pub type Accepted = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A responder that answers each call with the next template of a script (the last one
/// repeats) and records the bodies of the calls answered with a 2xx.
#[derive(Clone)]
pub struct Scripted {
    pub script: Arc<Mutex<Vec<ResponseTemplate>>>,
    pub accepted: Accepted,
    pub statuses: Arc<Mutex<Vec<u16>>>,
}

impl Scripted {
    pub fn new(script: Vec<(u16, ResponseTemplate)>) -> Self {
        let statuses = script.iter().map(|(s, _)| *s).collect();
        Scripted {
            script: Arc::new(Mutex::new(script.into_iter().map(|(_, t)| t).collect())),
            accepted: Arc::default(),
            statuses: Arc::new(Mutex::new(statuses)),
        }
    }
}

impl Respond for Scripted {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut script = self.script.lock().unwrap();
        let mut statuses = self.statuses.lock().unwrap();
        let (t, s) = if script.len() > 1 {
            (script.remove(0), statuses.remove(0))
        } else {
            (script[0].clone(), statuses[0])
        };
        if (200..300).contains(&s) {
            self.accepted
                .lock()
                .unwrap()
                .push((header(req, "content-type"), req.body.clone()));
        }
        t
    }
}
