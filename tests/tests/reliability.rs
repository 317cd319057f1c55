//! Reliability against the emulator's fault injection: one `Server` shared by 50 tasks,
//! re-sign-in after token expiry, retries after 429/503, malformed XML, and publishes and
//! downloads cut off by dropped connections leaving nothing behind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures::future::join_all;
use tsc::{DownloadTarget, Error, Field, Filter, ProjectItem, PublishMode, Server, WorkbookItem};
use tsc_e2e::harness::{self, CuttingProxy};
use tsc_e2e::twbx;
use tsc_emulator::{Emulator, Faults};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_server_shared_by_50_tasks() {
    let emulator = Emulator::builder()
        .seed_users(120)
        .latency(Duration::from_millis(2))
        .start()
        .await
        .unwrap();
    let server = harness::signed_in(&emulator).await.unwrap();
    let token = server.session().unwrap().token;

    let tasks = (0..50).map(|i| {
        let server = server.clone();
        tokio::spawn(async move {
            let project = server
                .projects()
                .create(&ProjectItem::new(format!("task {i:02}")))
                .await
                .unwrap();
            let users = server
                .users()
                .list()
                .page_size(10)
                .page_number(i % 12 + 1)
                .send()
                .await
                .unwrap();
            let got = server
                .projects()
                .list()
                .filter(Filter::eq(Field::Name, format!("task {i:02}")))
                .send()
                .await
                .unwrap();
            (
                project.id.unwrap(),
                users.items.len(),
                got.items[0].id.clone().unwrap(),
            )
        })
    });
    let results: Vec<_> = join_all(tasks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();

    let mut ids: Vec<_> = results.iter().map(|r| r.0.clone()).collect();
    for (created, users, found) in &results {
        assert_eq!(created, found);
        assert_eq!(*users, 10);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 50);
    // One session throughout: nobody signed in again.
    assert_eq!(server.session().unwrap().token, token);
    assert_eq!(emulator.counts().sessions, 1);
}

#[tokio::test]
async fn expired_tokens_are_renewed_once_and_the_call_repeated() {
    let emulator = Emulator::builder()
        .seed_users(30)
        .faults(Faults::default().token_ttl_requests(4))
        .start()
        .await
        .unwrap();
    let server = harness::signed_in(&emulator).await.unwrap();
    let first = server.session().unwrap().token;

    for n in 1..=10u32 {
        let page = server
            .users()
            .list()
            .page_size(3)
            .page_number(n)
            .send()
            .await
            .unwrap();
        assert_eq!(page.items.len(), 3);
    }
    let token = server.session().unwrap().token;
    assert_ne!(token, first, "signed in again");

    // Expire every token at once: the next call signs in again and succeeds.
    emulator.expire_all_tokens();
    let page = server.users().list().page_size(5).send().await.unwrap();
    assert_eq!(page.pagination.total_available, 31);
    assert_ne!(server.session().unwrap().token, token);
}

#[tokio::test]
async fn expired_tokens_with_concurrent_callers_sign_in_once() {
    let emulator = Emulator::builder()
        .latency(Duration::from_millis(1))
        .start()
        .await
        .unwrap();
    let server = harness::signed_in(&emulator).await.unwrap();
    emulator.expire_all_tokens();
    let results = join_all((0..20).map(|_| {
        let server = server.clone();
        async move { server.projects().list().send().await.map(|p| p.items.len()) }
    }))
    .await;
    assert!(results.iter().all(|r| matches!(r, Ok(1))), "{results:?}");
    assert_eq!(emulator.counts().sessions, 1, "one new session, not 20");
}

#[tokio::test]
async fn without_auto_reauth_expiry_is_reported() {
    let emulator = Emulator::start().await.unwrap();
    let server = Server::builder(emulator.base_url())
        .auto_reauth(false)
        .build()
        .unwrap();
    server.use_server_version().await.unwrap();
    server
        .auth()
        .sign_in(tsc::TableauAuth::new("admin", "admin", ""))
        .await
        .unwrap();
    emulator.expire_all_tokens();
    let err = server.users().list().send().await.unwrap_err();
    assert!(err.is_session_expired(), "{err:?}");
    assert_eq!(err.code(), Some("401002"));
}

#[tokio::test]
async fn throttled_requests_are_retried() {
    let (emulator, server) = harness::start_signed_in().await.unwrap();
    for status in [429, 503] {
        emulator.throttle_next(2, status, Duration::ZERO);
        let before = emulator.request_count();
        let page = server.projects().list().send().await.unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(
            emulator.request_count() - before,
            3,
            "two refusals, then success"
        );
    }

    // A rate: every second request to /projects is refused, with `Retry-After: 1` (capped to
    // 50 ms by the test's retry policy). Six listings: the first passes, each later one is
    // refused once and retried.
    emulator.set_faults(
        Faults::default()
            .throttle(503, 0.5, Duration::from_secs(1))
            .only_paths_containing("/projects"),
    );
    let before = emulator.request_count();
    for _ in 0..6 {
        let listed = server.projects().list().send().await.unwrap();
        assert_eq!(listed.items.len(), 1);
    }
    assert_eq!(emulator.request_count() - before, 11);
    emulator.set_faults(Faults::default());

    // Creating is not safe to repeat: a refused create is reported, not sent again.
    emulator.throttle_next(1, 503, Duration::ZERO);
    let before = emulator.request_count();
    let err = server
        .projects()
        .create(&ProjectItem::new("once"))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    assert_eq!(emulator.request_count() - before, 1);
    assert_eq!(emulator.counts().projects, 1);

    // More refusals than retries: the last error is returned, after 1 + 3 attempts.
    emulator.throttle_next(10, 429, Duration::ZERO);
    let before = emulator.request_count();
    let err = server.projects().list().send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429), "{err:?}");
    assert_eq!(emulator.request_count() - before, 4);
    emulator.throttle_next(0, 429, Duration::ZERO);
}

#[tokio::test]
async fn malformed_xml_is_an_unreadable_response() {
    let (emulator, server) = harness::start_signed_in().await.unwrap();
    emulator.malformed_next(1);
    let err = server.projects().list().send().await.unwrap_err();
    assert!(matches!(err, Error::UnreadableResponse { .. }), "{err:?}");
    // The next call is fine.
    assert_eq!(
        server.projects().list().send().await.unwrap().items.len(),
        1
    );
}

#[tokio::test]
async fn publish_cut_off_mid_body_leaves_no_workbook() {
    let (emulator, server) = harness::start_signed_in().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Cut.twbx");
    let size = twbx::write_twbx(&path, &["S"], 2 * 1024 * 1024).unwrap();

    // The same session, through a link that drops after half of the file.
    let proxy = CuttingProxy::start(emulator.addr(), size / 2)
        .await
        .unwrap();
    let cut = Server::builder(proxy.base_url())
        .retry_policy(harness::fast_retries())
        .build()
        .unwrap();
    cut.set_version(server.version());
    cut.resume_session(server.session().unwrap());

    let err = cut
        .workbooks()
        .publish(WorkbookItem::new("", ""), &path, PublishMode::CreateNew)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(proxy.forwarded() <= size / 2);

    assert_eq!(emulator.counts().workbooks, 0);
    let listed = server
        .workbooks()
        .list()
        .filter(Filter::eq(Field::Name, "Cut"))
        .send()
        .await
        .unwrap();
    assert!(listed.items.is_empty());
}

#[tokio::test]
async fn chunked_publish_with_dropped_chunk_connections_leaves_no_workbook() {
    let (emulator, server) = harness::start_signed_in().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Chunks.twbx");
    twbx::write_twbx(&path, &["S"], 200 * 1024).unwrap();
    // Every answer to an appended chunk loses its connection halfway.
    emulator.set_faults(
        Faults::default()
            .drop_connection_rate(1.0)
            .only_paths_containing("/fileUploads/"),
    );

    let err = server
        .workbooks()
        .publish(WorkbookItem::new("", ""), &path, PublishMode::CreateNew)
        .chunk_threshold(0)
        .chunk_size(64 * 1024)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(
        emulator.counts().workbooks,
        0,
        "the publish was never committed"
    );

    // With the link healthy again the same publish goes through.
    emulator.set_faults(Faults::default());
    let wb = server
        .workbooks()
        .publish(WorkbookItem::new("", ""), &path, PublishMode::CreateNew)
        .chunk_threshold(0)
        .chunk_size(64 * 1024)
        .send()
        .await
        .unwrap();
    assert_eq!(wb.name, "Chunks");
    assert_eq!(emulator.counts().workbooks, 1);
}

#[tokio::test]
async fn download_cut_off_leaves_no_file() {
    let emulator = Emulator::builder().seed_workbooks(1).start().await.unwrap();
    let server = harness::signed_in(&emulator).await.unwrap();
    let wb = server
        .workbooks()
        .list()
        .send()
        .await
        .unwrap()
        .items
        .remove(0);
    let id = wb.id.unwrap();
    emulator.set_faults(
        Faults::default()
            .drop_connection_rate(1.0)
            .only_paths_containing("/content"),
    );
    let out = tempfile::tempdir().unwrap();

    let err = server
        .workbooks()
        .download(&id, DownloadTarget::Dir(out.path().to_path_buf()))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let exact = out.path().join("exact.twbx");
    let err = server
        .workbooks()
        .download(&id, DownloadTarget::File(exact.clone()))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");

    let left: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.is_empty(),
        "no file and no temporary file left: {left:?}"
    );

    emulator.set_faults(Faults::default());
    let saved = server
        .workbooks()
        .download(&id, DownloadTarget::File(exact.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(saved, exact);
    assert!(std::fs::metadata(&exact).unwrap().len() > 100);
}
