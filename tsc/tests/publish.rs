//! Publishing over HTTP against wiremock: request shapes, chunked uploads, retries, input errors,
//! cancellation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod publish_common;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use publish_common::*;
use tsc::{ConnectionCredentials, ConnectionItem, DatasourceItem, PublishMode, WorkbookItem};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BOUNDARY: &str = "test-boundary-0123456789";

fn workbook_response(id: &str, name: &str) -> ResponseTemplate {
    xml_status(
        201,
        format!(
            "<tsResponse {NS}><workbook id=\"{id}\" name=\"{name}\" contentUrl=\"{name}\" showTabs=\"true\" size=\"1\">\
             <project id=\"p1\" name=\"Default\"/><owner id=\"user-1\"/></workbook></tsResponse>"
        ),
    )
}

fn datasource_response(id: &str, name: &str) -> ResponseTemplate {
    xml_status(
        201,
        format!(
            "<tsResponse {NS}><datasource id=\"{id}\" name=\"{name}\" type=\"hyper\">\
             <project id=\"p1\" name=\"Default\"/><owner id=\"user-1\"/></datasource></tsResponse>"
        ),
    )
}

fn upload_session(id: &str) -> ResponseTemplate {
    xml_status(
        201,
        format!(
            "<tsResponse {NS}><fileUpload uploadSessionId=\"{id}\" fileSize=\"0\"/></tsResponse>"
        ),
    )
}

fn chunk_ok(id: &str) -> ResponseTemplate {
    xml(format!(
        "<tsResponse {NS}><fileUpload uploadSessionId=\"{id}\" fileSize=\"1\"/></tsResponse>"
    ))
}

fn write_file(dir: &tempfile::TempDir, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, data).unwrap();
    p
}

/// Body as text for snapshots (all test content is ASCII).
/// Body as text for snapshots: CRLF shown as `␍␊` plus a newline, other control bytes as `\xNN`.
fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .replace("\r\n", "␍␊\n")
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' {
                format!("\\x{:02X}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[tokio::test]
async fn single_request_workbook_publish_sends_tsc_shaped_multipart() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(site_path("workbooks")))
        .respond_with(workbook_response("wb-1", "Sales"))
        .expect(1)
        .mount(&mock)
        .await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir, "Sales.twbx", b"PK\x03\x04 pretend zip");

    let conn = ConnectionItem {
        server_address: Some("db.example.com".into()),
        server_port: Some("5432".into()),
        connection_credentials: Some(ConnectionCredentials::new("dbuser", "s3cret", true)),
        ..Default::default()
    };
    let mut item = WorkbookItem::new("p1", "");
    item.description = Some("Quarterly & <annual>".into());
    item.show_tabs = Some(true);
    let wb = server
        .workbooks()
        .publish(item, &file, PublishMode::Overwrite)
        .connection(conn)
        .hidden_views(["Scratch", "Notes"])
        .skip_connection_check(true)
        .multipart_boundary(BOUNDARY)
        .send()
        .await
        .unwrap();
    assert_eq!(wb.id.as_deref(), Some("wb-1"));
    assert_eq!(wb.name, "Sales");

    let reqs = mock.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(
        r.url.query(),
        Some("workbookType=twbx&overwrite=true&skipConnectionCheck=true")
    );
    assert_eq!(header(r, "x-tableau-auth"), TOKEN);
    assert_eq!(
        header(r, "content-type"),
        format!("multipart/mixed; boundary={BOUNDARY}")
    );
    assert_eq!(header(r, "content-length"), r.body.len().to_string());
    insta::assert_snapshot!(text(&r.body));
}

#[tokio::test]
async fn single_request_datasource_publish_with_credentials() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(site_path("datasources")))
        .respond_with(datasource_response("ds-1", "extract"))
        .expect(1)
        .mount(&mock)
        .await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir, "extract.hyper", b"Hyper\x08\x00\x00\x01");

    let ds = server
        .datasources()
        .publish(
            DatasourceItem::new("p1", "Extract"),
            &file,
            PublishMode::Append,
        )
        .connection_credentials(ConnectionCredentials::new("u", "pw", false).oauth(true))
        .multipart_boundary(BOUNDARY)
        .send()
        .await
        .unwrap();
    assert_eq!(ds.id.as_deref(), Some("ds-1"));

    let reqs = mock.received_requests().await.unwrap();
    let r = &reqs[0];
    assert_eq!(r.url.query(), Some("datasourceType=hyper&append=true"));
    insta::assert_snapshot!(text(&r.body));
}

#[tokio::test]
async fn name_defaults_to_the_file_stem_and_create_new_adds_no_mode_for_workbooks() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(site_path("workbooks")))
        .and(query_param("workbookType", "twb"))
        .and(query_param_is_missing("overwrite"))
        .respond_with(workbook_response("wb-2", "Regional Sales"))
        .expect(1)
        .mount(&mock)
        .await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(
        &dir,
        "Regional Sales.twb",
        b"<?xml version='1.0'?><workbook/>",
    );
    server
        .workbooks()
        .publish(WorkbookItem::new("p1", ""), &file, PublishMode::CreateNew)
        .send()
        .await
        .unwrap();
    let reqs = mock.received_requests().await.unwrap();
    let ct = header(&reqs[0], "content-type");
    let parts = parse_multipart(&ct, &reqs[0].body);
    assert_eq!(parts.len(), 2);
    let xml = String::from_utf8(parts[0].body.clone()).unwrap();
    assert!(xml.contains("<workbook name=\"Regional Sales\">"), "{xml}");
    assert_eq!(
        parts[1].headers[0],
        "Content-Disposition: form-data; name=\"tableau_workbook\"; filename=\"Regional Sales.twb\""
    );
    assert_eq!(parts[1].body, b"<?xml version='1.0'?><workbook/>");
}

/// Mounts an upload session whose appends are recorded; returns the recorder.
async fn mount_upload(
    mock: &MockServer,
    session: &str,
    script: Vec<(u16, ResponseTemplate)>,
) -> Scripted {
    Mock::given(method("POST"))
        .and(path(site_path("fileUploads")))
        .respond_with(upload_session(session))
        .expect(1)
        .mount(mock)
        .await;
    let recorder = Scripted::new(script);
    Mock::given(method("PUT"))
        .and(path(site_path(&format!("fileUploads/{session}"))))
        .respond_with(recorder.clone())
        .mount(mock)
        .await;
    recorder
}

/// Reassembles the file from the accepted append bodies, checking each chunk's shape.
fn reassemble(recorder: &Scripted, chunk_size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let accepted = recorder.accepted.lock().unwrap();
    for (i, (ct, body)) in accepted.iter().enumerate() {
        let parts = parse_multipart(ct, body);
        assert_eq!(parts.len(), 2, "chunk {i}");
        assert_eq!(
            parts[0].headers,
            vec![
                "Content-Disposition: form-data; name=\"request_payload\"; filename=\"\"",
                "Content-Type: text/xml"
            ]
        );
        assert!(parts[0].body.is_empty());
        assert_eq!(
            parts[1].headers,
            vec![
                "Content-Disposition: form-data; name=\"tableau_file\"; filename=\"file\"",
                "Content-Type: application/octet-stream"
            ]
        );
        assert!(parts[1].body.len() <= chunk_size);
        out.extend_from_slice(&parts[1].body);
    }
    out
}

#[tokio::test]
async fn chunked_publish_appends_every_byte_in_order_then_commits_with_the_session() {
    let mock = MockServer::start().await;
    let recorder = mount_upload(&mock, "sess-1", vec![(200, chunk_ok("sess-1"))]).await;
    Mock::given(method("POST"))
        .and(path(site_path("workbooks")))
        .and(query_param("uploadSessionId", "sess-1"))
        .respond_with(workbook_response("wb-3", "Big"))
        .expect(1)
        .mount(&mock)
        .await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let data = content(10_000);
    let file = write_file(&dir, "Big.twbx", &data);
    let progress = Arc::new(Mutex::new(Vec::new()));
    let p2 = progress.clone();

    let wb = server
        .workbooks()
        .publish(WorkbookItem::new("p1", ""), &file, PublishMode::Overwrite)
        .chunk_size(999)
        .chunk_threshold(1000)
        .on_progress(move |sent, total| p2.lock().unwrap().push((sent, total)))
        .multipart_boundary(BOUNDARY)
        .send()
        .await
        .unwrap();
    assert_eq!(wb.id.as_deref(), Some("wb-3"));

    // byte for byte on the receiving side, 11 chunks of at most 999 bytes
    assert_eq!(recorder.accepted.lock().unwrap().len(), 11);
    assert_eq!(reassemble(&recorder, 999), data);

    // the commit carries only the XML payload
    let reqs = mock.received_requests().await.unwrap();
    let commit = reqs.last().unwrap();
    assert_eq!(commit.method.as_str(), "POST");
    assert_eq!(
        commit.url.query(),
        Some("workbookType=twbx&overwrite=true&uploadSessionId=sess-1")
    );
    insta::assert_snapshot!(text(&commit.body));

    // order: initiate, 11 appends, commit
    let methods: Vec<&str> = reqs.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(methods.first(), Some(&"POST"));
    assert!(methods[1..12].iter().all(|m| *m == "PUT"));

    let progress = progress.lock().unwrap();
    assert_eq!(progress.last(), Some(&(10_000, 10_000)));
    assert!(progress.windows(2).all(|w| w[0].0 < w[1].0), "monotonic");
    assert!(progress.iter().all(|(_, t)| *t == 10_000));
}

#[tokio::test]
async fn a_chunk_failing_transiently_is_sent_again() {
    let mock = MockServer::start().await;
    let recorder = mount_upload(
        &mock,
        "sess-2",
        vec![
            (200, chunk_ok("sess-2")),
            (503, tableau_error(503, "", "Service Unavailable", "busy")),
            (
                502,
                ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"),
            ),
            (200, chunk_ok("sess-2")),
        ],
    )
    .await;
    Mock::given(method("POST"))
        .and(path(site_path("datasources")))
        .and(query_param("uploadSessionId", "sess-2"))
        .respond_with(datasource_response("ds-2", "big"))
        .expect(1)
        .mount(&mock)
        .await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let data = content(2_500);
    let file = write_file(&dir, "big.tdsx", &data);

    server
        .datasources()
        .publish(DatasourceItem::new("p1", ""), &file, PublishMode::CreateNew)
        .chunk_size(1000)
        .chunk_threshold(0)
        .chunk_retry_policy(
            tsc::RetryPolicy::default()
                .max_retries(2)
                .initial_backoff(Duration::from_millis(1))
                .jitter(false),
        )
        .send()
        .await
        .unwrap();
    // 3 chunks accepted, 2 rejected attempts of the second one
    let puts = mock
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == "PUT")
        .count();
    assert_eq!(puts, 5);
    assert_eq!(reassemble(&recorder, 1000), data);
}

#[tokio::test]
async fn a_permanent_chunk_error_stops_the_publish_without_committing() {
    let mock = MockServer::start().await;
    mount_upload(
        &mock,
        "sess-3",
        vec![
            (200, chunk_ok("sess-3")),
            (
                400,
                tableau_error(400, "400011", "Bad Request", "chunk rejected"),
            ),
        ],
    )
    .await;
    Mock::given(method("POST"))
        .and(path(site_path("workbooks")))
        .respond_with(workbook_response("never", "never"))
        .expect(0)
        .mount(&mock)
        .await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir, "w.twbx", &content(3000));
    let err = server
        .workbooks()
        .publish(WorkbookItem::new("p1", ""), &file, PublishMode::CreateNew)
        .chunk_size(1000)
        .chunk_threshold(0)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("400011"), "{err}");
    assert_eq!(err.api().unwrap().detail, "chunk rejected");
    // the local file is only read
    assert_eq!(std::fs::read(&file).unwrap(), content(3000));
}

#[tokio::test]
async fn retries_are_bounded() {
    let mock = MockServer::start().await;
    mount_upload(
        &mock,
        "sess-4",
        vec![(503, tableau_error(503, "", "Service Unavailable", "down"))],
    )
    .await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir, "w.twbx", &content(10));
    let err = server
        .workbooks()
        .publish(WorkbookItem::new("p1", ""), &file, PublishMode::CreateNew)
        .chunk_threshold(0)
        .chunk_retry_policy(
            tsc::RetryPolicy::default()
                .max_retries(3)
                .initial_backoff(Duration::from_millis(1)),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    let puts = mock
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == "PUT")
        .count();
    assert_eq!(puts, 4, "first attempt + 3 retries");
}

#[tokio::test]
async fn bad_input_is_rejected_before_anything_is_sent() {
    let mock = MockServer::start().await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let twbx = write_file(&dir, "a.twbx", b"x");
    let txt = write_file(&dir, "a.txt", b"x");
    let tdsx = write_file(&dir, "a.tdsx", b"x");

    let wb = || WorkbookItem::new("p1", "");
    let ds = || DatasourceItem::new("p1", "");
    let cases: Vec<(tsc::Error, &str)> = vec![
        (
            server
                .workbooks()
                .publish(wb(), &twbx, PublishMode::Append)
                .send()
                .await
                .unwrap_err(),
            "PublishModeNotAllowed",
        ),
        (
            server
                .workbooks()
                .publish(wb(), &twbx, PublishMode::Replace)
                .send()
                .await
                .unwrap_err(),
            "PublishModeNotAllowed",
        ),
        (
            server
                .workbooks()
                .publish(wb(), &txt, PublishMode::CreateNew)
                .send()
                .await
                .unwrap_err(),
            "UnsupportedFileType",
        ),
        (
            server
                .workbooks()
                .publish(wb(), &tdsx, PublishMode::CreateNew)
                .send()
                .await
                .unwrap_err(),
            "UnsupportedFileType",
        ),
        (
            server
                .datasources()
                .publish(ds(), &twbx, PublishMode::CreateNew)
                .send()
                .await
                .unwrap_err(),
            "UnsupportedFileType",
        ),
        (
            server
                .workbooks()
                .publish(
                    wb(),
                    dir.path().join("missing.twbx"),
                    PublishMode::CreateNew,
                )
                .send()
                .await
                .unwrap_err(),
            "FileNotFound",
        ),
        (
            // a folder named like a workbook is not a file
            server
                .workbooks()
                .publish(wb(), dir.path(), PublishMode::CreateNew)
                .send()
                .await
                .unwrap_err(),
            "UnsupportedFileType",
        ),
        (
            server
                .datasources()
                .publish(ds(), &tdsx, PublishMode::CreateNew)
                .connection_credentials(ConnectionCredentials::new("u", "p", true))
                .connection(ConnectionItem {
                    server_address: Some("db".into()),
                    ..Default::default()
                })
                .send()
                .await
                .unwrap_err(),
            "Invalid",
        ),
        (
            server
                .workbooks()
                .publish(wb(), &twbx, PublishMode::CreateNew)
                .connection(ConnectionItem::default())
                .send()
                .await
                .unwrap_err(),
            "Invalid",
        ),
    ];
    for (err, kind) in &cases {
        assert!(err.is_invalid_input(), "{err}");
        let dbg = format!("{:?}", err.input_error().unwrap());
        assert!(dbg.starts_with(kind), "{dbg} should be {kind}");
    }
    let msgs: Vec<String> = cases.iter().map(|(e, _)| e.to_string()).collect();
    assert!(msgs[0].contains("cannot be appended"), "{}", msgs[0]);
    assert!(msgs[2].contains(".twb or .twbx"), "{}", msgs[2]);
    assert!(
        msgs[4].contains(".tds, .tdsx, .tde or .hyper"),
        "{}",
        msgs[4]
    );
    assert!(
        !msgs.iter().any(|m| m.contains("\"p\"")),
        "no password in messages"
    );
    assert!(mock.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn as_job_returns_the_job() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(site_path("workbooks")))
        .and(query_param("asJob", "true"))
        .respond_with(xml_status(
            202,
            format!("<tsResponse {NS}><job id=\"job-1\" mode=\"Asynchronous\" type=\"PublishWorkbook\" createdAt=\"2024-01-02T03:04:05Z\"/></tsResponse>"),
        ))
        .expect(1)
        .mount(&mock)
        .await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir, "a.twbx", b"x");
    let job = server
        .workbooks()
        .publish(WorkbookItem::new("p1", ""), &file, PublishMode::CreateNew)
        .send_as_job()
        .await
        .unwrap();
    assert_eq!(job.id.as_deref(), Some("job-1"));
}

#[tokio::test]
async fn dropping_the_future_mid_upload_never_commits() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(site_path("fileUploads")))
        .respond_with(upload_session("sess-5"))
        .mount(&mock)
        .await;
    Mock::given(method("PUT"))
        .and(path(site_path("fileUploads/sess-5")))
        .respond_with(chunk_ok("sess-5").set_delay(Duration::from_millis(150)))
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path(site_path("workbooks")))
        .respond_with(workbook_response("never", "never"))
        .expect(0)
        .mount(&mock)
        .await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir, "w.twbx", &content(10_000));
    let publish = server
        .workbooks()
        .publish(WorkbookItem::new("p1", ""), &file, PublishMode::CreateNew)
        .chunk_size(1000)
        .chunk_threshold(0)
        .send();
    // 10 chunks at 150 ms each cannot finish in 400 ms: the future is dropped mid-upload.
    let res = tokio::time::timeout(Duration::from_millis(400), publish).await;
    assert!(res.is_err(), "timed out");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let reqs = mock.received_requests().await.unwrap();
    let puts = reqs.iter().filter(|r| r.method.as_str() == "PUT").count();
    assert!(
        (1..10).contains(&puts),
        "{puts} chunks sent before the drop"
    );
    assert!(
        !reqs
            .iter()
            .any(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/workbooks")),
        "no commit"
    );
}

#[tokio::test]
async fn a_server_error_on_single_publish_is_returned_as_the_tableau_error() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(site_path("workbooks")))
        .respond_with(tableau_error(409, "409004", "Conflict", "name in use"))
        .expect(1)
        .mount(&mock)
        .await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir, "a.twbx", b"x");
    let err = server
        .workbooks()
        .publish(WorkbookItem::new("p1", ""), &file, PublishMode::CreateNew)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_conflict());
    assert_eq!(err.code(), Some("409004"));
}

#[tokio::test]
async fn more_than_1000_chunks_is_rejected_before_sending() {
    let mock = MockServer::start().await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir, "w.twbx", &content(2001));
    let err = server
        .workbooks()
        .publish(WorkbookItem::new("p1", ""), &file, PublishMode::CreateNew)
        .chunk_size(2)
        .chunk_threshold(0)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    assert!(err.to_string().contains("at least 3 bytes"), "{err}");
    assert!(mock.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_expired_session_is_renewed_and_the_file_sent_again() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/3.19/auth/signin"))
        .respond_with(xml(format!(
            "<tsResponse {NS}><credentials token=\"fresh-token\"><site id=\"{SITE}\" contentUrl=\"\"/><user id=\"user-1\"/></credentials></tsResponse>"
        )))
        .expect(1)
        .mount(&mock)
        .await;
    let recorder = Scripted::new(vec![
        (
            401,
            tableau_error(
                401,
                "401002",
                "Unauthorized Access",
                "Invalid authentication credentials were provided.",
            ),
        ),
        (201, workbook_response("wb-9", "a")),
    ]);
    Mock::given(method("POST"))
        .and(path(site_path("workbooks")))
        .respond_with(recorder.clone())
        .expect(2)
        .mount(&mock)
        .await;
    let server = server(&mock);
    server.set_credentials(tsc::TableauAuth::new("admin", "admin", ""));
    let dir = tempfile::tempdir().unwrap();
    let data = content(5000);
    let file = write_file(&dir, "a.twbx", &data);
    let wb = server
        .workbooks()
        .publish(WorkbookItem::new("p1", ""), &file, PublishMode::CreateNew)
        .send()
        .await
        .unwrap();
    assert_eq!(wb.id.as_deref(), Some("wb-9"));
    let reqs = mock.received_requests().await.unwrap();
    let publishes: Vec<_> = reqs
        .iter()
        .filter(|r| r.url.path().ends_with("/workbooks"))
        .collect();
    assert_eq!(header(publishes[1], "x-tableau-auth"), "fresh-token");
    let (ct, body) = recorder.accepted.lock().unwrap()[0].clone();
    assert_eq!(parse_multipart(&ct, &body)[1].body, data);
}

#[tokio::test]
async fn opening_the_upload_session_is_retried_on_transient_failures() {
    let mock = MockServer::start().await;
    // 503 then 429 (the transport's own retries), then the session
    let initiate = Scripted::new(vec![
        (503, tableau_error(503, "", "Service Unavailable", "busy")),
        (429, ResponseTemplate::new(429)),
        (201, upload_session("sess-7")),
    ]);
    Mock::given(method("POST"))
        .and(path(site_path("fileUploads")))
        .respond_with(initiate)
        .expect(3)
        .mount(&mock)
        .await;
    let recorder = Scripted::new(vec![(200, chunk_ok("sess-7"))]);
    Mock::given(method("PUT"))
        .and(path(site_path("fileUploads/sess-7")))
        .respond_with(recorder.clone())
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path(site_path("workbooks")))
        .and(query_param("uploadSessionId", "sess-7"))
        .respond_with(workbook_response("wb-7", "Big"))
        .expect(1)
        .mount(&mock)
        .await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let data = content(1_500);
    let file = write_file(&dir, "Big.twbx", &data);
    let wb = server
        .workbooks()
        .publish(WorkbookItem::new("p1", ""), &file, PublishMode::CreateNew)
        .chunk_size(1000)
        .chunk_threshold(0)
        .send()
        .await
        .unwrap();
    assert_eq!(wb.id.as_deref(), Some("wb-7"));
    assert_eq!(reassemble(&recorder, 1000), data);
    let reqs = mock.received_requests().await.unwrap();
    let initiates: Vec<_> = reqs
        .iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/fileUploads"))
        .collect();
    assert_eq!(initiates.len(), 3);
    for r in initiates {
        assert_eq!(header(r, "x-tableau-auth"), TOKEN);
        assert!(r.body.is_empty());
    }
}

#[tokio::test]
async fn opening_the_upload_session_is_not_retried_on_a_permanent_error() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(site_path("fileUploads")))
        .respond_with(tableau_error(
            403,
            "403004",
            "Forbidden",
            "no upload for you",
        ))
        .expect(1)
        .mount(&mock)
        .await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir, "Big.twbx", &content(1_500));
    let err = server
        .workbooks()
        .publish(WorkbookItem::new("p1", ""), &file, PublishMode::CreateNew)
        .chunk_threshold(0)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("403004"));
}

#[tokio::test]
async fn a_chunk_retry_waits_for_the_servers_retry_after() {
    let mock = MockServer::start().await;
    let recorder = mount_upload(
        &mock,
        "sess-8",
        vec![
            (
                503,
                tableau_error(503, "", "Service Unavailable", "busy")
                    .insert_header("Retry-After", "1"),
            ),
            (200, chunk_ok("sess-8")),
        ],
    )
    .await;
    Mock::given(method("POST"))
        .and(path(site_path("workbooks")))
        .and(query_param("uploadSessionId", "sess-8"))
        .respond_with(workbook_response("wb-8", "Big"))
        .expect(1)
        .mount(&mock)
        .await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let data = content(500);
    let file = write_file(&dir, "Big.twbx", &data);
    let started = std::time::Instant::now();
    server
        .workbooks()
        .publish(WorkbookItem::new("p1", ""), &file, PublishMode::CreateNew)
        .chunk_size(1000)
        .chunk_threshold(0)
        // without Retry-After the retry would come after 1 ms
        .chunk_retry_policy(
            tsc::RetryPolicy::default()
                .max_retries(1)
                .initial_backoff(Duration::from_millis(1))
                .jitter(false),
        )
        .send()
        .await
        .unwrap();
    // a lower bound only: the retry came no earlier than the server asked
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "retried after {:?}",
        started.elapsed()
    );
    assert_eq!(reassemble(&recorder, 1000), data);
}

#[tokio::test]
async fn a_chunk_retry_after_is_capped_by_the_policy() {
    let mock = MockServer::start().await;
    mount_upload(
        &mock,
        "sess-9",
        vec![
            (
                429,
                ResponseTemplate::new(429).insert_header("Retry-After", "3600"),
            ),
            (200, chunk_ok("sess-9")),
        ],
    )
    .await;
    Mock::given(method("POST"))
        .and(path(site_path("workbooks")))
        .respond_with(workbook_response("wb-9", "Big"))
        .mount(&mock)
        .await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir, "Big.twbx", &content(500));
    // an hour's Retry-After is capped to 10 ms: the publish finishes (the test would hang otherwise)
    server
        .workbooks()
        .publish(WorkbookItem::new("p1", ""), &file, PublishMode::CreateNew)
        .chunk_threshold(0)
        .chunk_retry_policy(
            tsc::RetryPolicy::default()
                .max_retries(1)
                .max_retry_after(Duration::from_millis(10)),
        )
        .send()
        .await
        .unwrap();
}
