//! `Server::raw_request` / `raw_api_request` (the escape hatch for endpoints `tsc` does not wrap)
//! against a mock server: what is sent, retries, re-sign-in, error mapping, refused paths.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::*;
use tsc::raw_request::segment;
use tsc::{ApiVersion, Error, InputError, Method, Server, TableauAuth};
use tsc_raw::{TsRequest, WorkbookType};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

const JOB: &str = r#"<job id="job-1" mode="Asynchronous" type="RefreshExtract" createdAt="2026-01-02T03:04:05Z"/>"#;

#[tokio::test]
async fn site_post_with_query_and_body_is_sent_with_the_session() {
    let (mock, server) = setup().await;
    on(
        &mock,
        "POST",
        "/api/3.19/sites/site-1/workbooks/wb%201/refresh",
        xml_status(202, ts(JOB)),
    )
    .await;
    let body = TsRequest {
        workbook: Some(Box::new(WorkbookType {
            name: Some("Q1 <draft>".into()),
            ..Default::default()
        })),
        ..Default::default()
    };
    let answer = server
        .raw_request(
            Method::POST,
            format!("workbooks/{}/refresh", segment("wb 1")),
        )
        .query("filter", "name:eq:A B&C")
        .query("asJob", "true")
        .body(&body)
        .send()
        .await
        .unwrap();
    let job = answer.job.unwrap();
    assert_eq!(job.id.as_deref(), Some("job-1"));
    let req = only_request(&mock).await;
    assert_xml_request(&req);
    insta::assert_snapshot!(describe(&req), @r#"
    POST /api/3.19/sites/site-1/workbooks/wb%201/refresh?filter=name:eq:A%20B%26C&asJob=true
    x-tableau-auth: tok-abc123
    content-type: application/xml

    <tsRequest><workbook name="Q1 &lt;draft&gt;"/></tsRequest>
    "#);
}

#[tokio::test]
async fn post_is_not_retried_unless_declared_idempotent() {
    let (mock, server) = setup().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&mock)
        .await;
    on(
        &mock,
        "POST",
        "/api/3.19/sites/site-1/workbooks/w/refresh",
        xml(ts(JOB)),
    )
    .await;
    // default for POST: the 503 comes back
    let err = server
        .raw_request(Method::POST, "workbooks/w/refresh")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(requests(&mock).await.len(), 1);

    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&mock)
        .await;
    // declared safe to repeat: retried after the 429
    let answer = server
        .raw_request(Method::POST, "workbooks/w/refresh")
        .idempotent(true)
        .send()
        .await
        .unwrap();
    assert!(answer.job.is_some());
    assert_eq!(requests(&mock).await.len(), 3);
}

#[tokio::test]
async fn get_from_the_api_root_is_retried_and_errors_are_mapped() {
    let (mock, server) = setup().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"))
        .up_to_n_times(1)
        .mount(&mock)
        .await;
    on(
        &mock,
        "GET",
        "/api/3.19/sites",
        xml(ts(
            r#"<pagination pageNumber="1" pageSize="100" totalAvailable="1"/><sites><site id="s1" name="Default" contentUrl=""/></sites>"#,
        )),
    )
    .await;
    on(
        &mock,
        "GET",
        "/api/3.19/sites/nope",
        xml_status(
            404,
            ts_error("404000", "Resource Not Found", "no site nope"),
        ),
    )
    .await;
    let answer = server
        .raw_api_request(Method::GET, "sites")
        .query("pageSize", "100")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.sites.unwrap().site[0].id.as_deref(), Some("s1"));
    let reqs = requests(&mock).await;
    assert_eq!(reqs.len(), 2);
    insta::assert_snapshot!(describe(&reqs[1]), @r"
    GET /api/3.19/sites?pageSize=100
    x-tableau-auth: tok-abc123
    ");

    let err = server
        .raw_api_request(Method::GET, "sites/nope")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.code(), Some("404000"));
    assert_eq!(err.api().unwrap().detail, "no site nope");
}

#[tokio::test]
async fn delete_with_empty_answer_and_bytes_body_and_unread_response() {
    let (mock, server) = setup().await;
    on(
        &mock,
        "DELETE",
        "/api/3.19/sites/site-1/tags/t1",
        ResponseTemplate::new(204),
    )
    .await;
    on(
        &mock,
        "PUT",
        "/api/3.19/sites/site-1/flows/f1/content",
        ResponseTemplate::new(200).set_body_raw(b"%PDF-1.7".to_vec(), "application/pdf"),
    )
    .await;
    let answer = server
        .raw_request(Method::DELETE, "tags/t1")
        .send()
        .await
        .unwrap();
    assert_eq!(answer, tsc_raw::TsResponse::default());
    let resp = server
        .raw_request(Method::PUT, "flows/f1/content")
        .bytes("application/octet-stream", &b"\x00\x01"[..])
        .no_timeout()
        .send_for_response()
        .await
        .unwrap();
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"%PDF-1.7");
    let reqs = requests(&mock).await;
    assert_auth(&reqs[0]);
    assert_eq!(
        reqs[1].headers.get("content-type").unwrap(),
        "application/octet-stream"
    );
    assert_eq!(reqs[1].body, b"\x00\x01");
}

#[tokio::test]
async fn expired_session_signs_in_again_and_repeats_the_call() {
    let (mock, server) = setup().await;
    server.set_credentials(TableauAuth::new("admin", "pw", ""));
    on(
        &mock,
        "POST",
        "/api/3.19/auth/signin",
        xml(ts(
            r#"<credentials token="tok-new"><site id="site-1" contentUrl=""/><user id="user-1"/></credentials>"#,
        )),
    )
    .await;
    Mock::given(method("POST"))
        .and(header("x-tableau-auth", TOKEN))
        .respond_with(xml_status(
            401,
            ts_error("401002", "Unauthorized Access", "expired"),
        ))
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/3.19/sites/site-1/workbooks/w/refresh"))
        .and(header("x-tableau-auth", "tok-new"))
        .respond_with(xml(ts(JOB)))
        .mount(&mock)
        .await;
    let answer = server
        .raw_request(Method::POST, "workbooks/w/refresh")
        .send()
        .await
        .unwrap();
    assert!(answer.job.is_some());
    let kinds: Vec<_> = requests(&mock)
        .await
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(
        kinds,
        [
            "POST /api/3.19/sites/site-1/workbooks/w/refresh",
            "POST /api/3.19/auth/signin",
            "POST /api/3.19/sites/site-1/workbooks/w/refresh",
        ]
    );
}

#[tokio::test]
async fn bad_paths_versions_and_missing_sessions_fail_before_sending() {
    let (mock, server) = setup().await;
    for bad in [
        "/workbooks",
        "api/3.19/sites/site-1/workbooks",
        "sites/other/workbooks",
        "workbooks?pageSize=1",
        "workbooks/../../auth/signout",
        "workbooks/%2E%2E",
        "workbooks/a b",
        "https://evil.example.com/steal",
    ] {
        let err = server
            .raw_request(Method::GET, bad)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidInput(InputError::Invalid {
                    what: "request path",
                    ..
                })
            ),
            "{bad}: {err}"
        );
    }
    let err = server
        .raw_request(Method::GET, "metrics")
        .require_version("Query Metrics", ApiVersion::new(3, 23))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::VersionTooLow { .. }), "{err}");
    let unsigned = Server::builder(mock.uri()).version("3.19").build().unwrap();
    let err = unsigned
        .raw_request(Method::GET, "workbooks")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotSignedIn), "{err}");
    assert!(requests(&mock).await.is_empty());
}

#[tokio::test]
async fn escaped_segments_stay_inside_their_path() {
    let (mock, server) = setup().await;
    on(
        &mock,
        "GET",
        "/api/3.19/sites/site-1/workbooks/..%2F..%2Fauth",
        xml(ts("")),
    )
    .await;
    server
        .raw_request(Method::GET, format!("workbooks/{}", segment("../../auth")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        only_request(&mock).await.url.path(),
        "/api/3.19/sites/site-1/workbooks/..%2F..%2Fauth"
    );
}

#[tokio::test]
async fn without_auth_sends_no_token_and_timeouts_apply() {
    let (mock, server) = setup().await;
    on(
        &mock,
        "GET",
        "/api/3.19/serverinfo",
        xml(ts(
            r#"<serverInfo><productVersion build="1">2023.1</productVersion><restApiVersion>3.19</restApiVersion></serverInfo>"#,
        )),
    )
    .await;
    on(
        &mock,
        "GET",
        "/api/3.19/slow",
        xml(ts("")).set_delay(Duration::from_secs(5)),
    )
    .await;
    let answer = server
        .raw_api_request(Method::GET, "serverinfo")
        .without_auth()
        .send()
        .await
        .unwrap();
    assert!(answer.server_info.is_some());
    let reqs = requests(&mock).await;
    assert!(reqs[0].headers.get("x-tableau-auth").is_none());
    let err = server
        .raw_api_request(Method::GET, "slow")
        .timeout(Duration::from_millis(100))
        .idempotent(false)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: tsc::TransportKind::Timeout,
                ..
            }
        ),
        "{err}"
    );
}
