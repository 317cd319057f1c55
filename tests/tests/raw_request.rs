//! The escape hatch for endpoints `tsc` does not wrap (`Server::raw_request`,
//! `Server::raw_api_request`) against the emulator, and retried upload-session opening.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use tsc::raw_request::segment;
use tsc::{Method, PublishMode, WorkbookItem};
use tsc_e2e::{harness, twbx};
use tsc_raw::TsRequest;

#[tokio::test]
async fn raw_requests_use_the_session_retries_and_error_mapping() {
    let (emulator, server) = harness::start_signed_in().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Raw.twbx");
    twbx::write_twbx(&path, &["A"], 0).unwrap();
    let wb = server
        .workbooks()
        .publish(WorkbookItem::new("", ""), &path, PublishMode::CreateNew)
        .send()
        .await
        .unwrap();
    let id = wb.id.clone().unwrap();

    // A site-relative GET reads what the typed call reads.
    let answer = server
        .raw_request(Method::GET, format!("workbooks/{}", segment(&id)))
        .send()
        .await
        .unwrap();
    let raw = answer.workbook.unwrap();
    assert_eq!(raw.name.as_deref(), Some("Raw"));
    assert_eq!(WorkbookItem::from_raw(*raw).id, wb.id);

    // A POST the client does not wrap: "Update Workbook Now" starts a job.
    let answer = server
        .raw_request(Method::POST, format!("workbooks/{}/refresh", segment(&id)))
        .body(&TsRequest::default())
        .send()
        .await
        .unwrap();
    let job_id = answer.job.unwrap().id.unwrap();
    let job = server.jobs().get_by_id(&job_id).await.unwrap();
    assert_eq!(job.id.as_deref(), Some(job_id.as_str()));

    // From the API root, with a query.
    let sites = server
        .raw_api_request(Method::GET, "sites")
        .query("pageSize", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(sites.sites.unwrap().site.len(), 1);
    assert_eq!(sites.pagination.unwrap().page_size, Some(1));

    // Transient refusals: a GET is retried, a POST is not unless declared idempotent.
    emulator.throttle_next(2, 503, Duration::ZERO);
    let before = emulator.request_count();
    server
        .raw_request(Method::GET, format!("workbooks/{}", segment(&id)))
        .send()
        .await
        .unwrap();
    assert_eq!(emulator.request_count() - before, 3);
    emulator.throttle_next(1, 503, Duration::ZERO);
    let before = emulator.request_count();
    let refresh = || {
        server
            .raw_request(Method::POST, format!("workbooks/{}/refresh", segment(&id)))
            .body(&TsRequest::default())
    };
    let err = refresh().send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    assert_eq!(emulator.request_count() - before, 1);
    emulator.throttle_next(1, 429, Duration::ZERO);
    let before = emulator.request_count();
    refresh().idempotent(true).send().await.unwrap();
    assert_eq!(emulator.request_count() - before, 2);

    // An expired session is renewed and the call repeated.
    emulator.expire_all_tokens();
    refresh().send().await.unwrap();

    // Errors are the usual ones; DELETE with an empty answer.
    server
        .raw_request(Method::DELETE, format!("workbooks/{}", segment(&id)))
        .send()
        .await
        .unwrap();
    let err = server
        .raw_request(Method::GET, format!("workbooks/{}", segment(&id)))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(emulator.counts().workbooks, 0);

    // A bad path never reaches the server.
    let before = emulator.request_count();
    assert!(
        server
            .raw_request(Method::DELETE, "workbooks/..")
            .send()
            .await
            .is_err()
    );
    assert_eq!(emulator.request_count(), before);
}

#[tokio::test]
async fn opening_an_upload_session_is_retried_after_throttling() {
    let (emulator, server) = harness::start_signed_in().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Chunked.twbx");
    twbx::write_twbx(&path, &["A"], 0).unwrap();
    // The first request of the publish is POST fileUploads: refused twice, then served.
    emulator.throttle_next(2, 503, Duration::ZERO);
    let wb = server
        .workbooks()
        .publish(WorkbookItem::new("", ""), &path, PublishMode::CreateNew)
        .chunk_threshold(0)
        .chunk_retry_policy(tsc::RetryPolicy::none())
        .send()
        .await
        .unwrap();
    assert_eq!(wb.name, "Chunked");
    assert_eq!(emulator.counts().upload_sessions, 0);
}
