//! Downloads over HTTP against wiremock (and a raw socket for a cut-off body): file names,
//! atomic writes, overwrite rules, writers, preview images.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod publish_common;

use std::path::Path;

use publish_common::*;
use tsc::{DownloadTarget, ViewItem, WorkbookItem};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn content_response(
    disposition: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> ResponseTemplate {
    let mut t = ResponseTemplate::new(200).set_body_raw(body.to_vec(), content_type);
    if let Some(d) = disposition {
        t = t.insert_header("Content-Disposition", d);
    }
    t
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

async fn mount_content(mock: &MockServer, kind: &str, id: &str, t: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(site_path(&format!("{kind}/{id}/content"))))
        .respond_with(t)
        .mount(mock)
        .await;
}

#[tokio::test]
async fn downloads_into_a_folder_under_the_server_name() {
    let mock = MockServer::start().await;
    let data = content(300_000);
    mount_content(
        &mock,
        "workbooks",
        "wb-1",
        content_response(
            Some("name=\"tableau_workbook\"; filename=\"Superstore.twbx\""),
            "application/octet-stream",
            &data,
        ),
    )
    .await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let seen2 = seen.clone();
    let path = server
        .workbooks()
        .download("wb-1", dir.path())
        .on_progress(move |n, total| {
            assert_eq!(total, 300_000);
            seen2.store(n, std::sync::atomic::Ordering::Relaxed);
        })
        .send()
        .await
        .unwrap();
    assert_eq!(path, dir.path().join("Superstore.twbx"));
    assert_eq!(std::fs::read(&path).unwrap(), data);
    assert_eq!(files(dir.path()), vec!["Superstore.twbx"]);
    assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), 300_000);

    let reqs = mock.received_requests().await.unwrap();
    assert_eq!(header(&reqs[0], "x-tableau-auth"), TOKEN);
    assert_eq!(reqs[0].url.query(), None);
}

#[tokio::test]
async fn file_names_from_content_disposition_are_sanitised() {
    let cases: &[(Option<&str>, &str, &str)] = &[
        (
            Some("attachment; filename=\"../../etc/passwd\""),
            "application/octet-stream",
            "passwd",
        ),
        (
            Some("attachment; filename=\"/etc/cron.d/evil.twbx\""),
            "application/octet-stream",
            "evil.twbx",
        ),
        (
            Some("attachment; filename=\"C:\\\\Windows\\\\evil.twbx\""),
            "application/octet-stream",
            "evil.twbx",
        ),
        (
            Some("attachment; filename=\"Q1 \\\"final\\\".twbx\""),
            "application/octet-stream",
            "Q1 _final_.twbx",
        ),
        (
            Some(
                "attachment; filename*=UTF-8''%E5%A3%B2%E4%B8%8A%E3%83%AC%E3%83%9D%E3%83%BC%E3%83%88.twbx",
            ),
            "application/octet-stream",
            "売上レポート.twbx",
        ),
        (
            Some(
                "attachment; filename=\"Ventes.twbx\"; filename*=UTF-8''Ventes%20d%C3%A9taill%C3%A9es.twbx",
            ),
            "application/octet-stream",
            "Ventes détaillées.twbx",
        ),
        (
            Some("attachment; filename*=UTF-8''..%2F..%2Fescape.twb"),
            "application/xml",
            "escape.twb",
        ),
        (
            Some("attachment; filename=\"..\""),
            "application/octet-stream",
            "workbook-wb-1.twbx",
        ),
        (
            Some("attachment; filename=\"a\tb.twb\""),
            "application/xml",
            "ab.twb",
        ),
        (None, "application/octet-stream", "workbook-wb-1.twbx"),
        (None, "application/xml", "workbook-wb-1.twb"),
    ];
    for (disposition, ct, expected) in cases {
        let mock = MockServer::start().await;
        mount_content(
            &mock,
            "workbooks",
            "wb-1",
            content_response(*disposition, ct, b"data"),
        )
        .await;
        let server = server(&mock);
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        let path = server
            .workbooks()
            .download("wb-1", DownloadTarget::Dir(dir.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(path, dir.join(expected), "{disposition:?}");
        assert_eq!(files(&dir), vec![expected.to_string()], "{disposition:?}");
        assert_eq!(
            files(root.path()),
            vec!["out"],
            "nothing outside the folder"
        );
    }
}

#[tokio::test]
async fn datasource_download_to_a_file_path_without_extract() {
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(site_path("datasources/ds-1/content")))
        .and(query_param("includeExtract", "False"))
        .respond_with(content_response(
            Some("attachment; filename=\"server-name.tdsx\""),
            "application/octet-stream",
            b"tdsx",
        ))
        .expect(1)
        .mount(&mock)
        .await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("mine.tdsx");
    let path = server
        .datasources()
        .download("ds-1", &target)
        .include_extract(false)
        .send()
        .await
        .unwrap();
    assert_eq!(path, target);
    assert_eq!(std::fs::read(&target).unwrap(), b"tdsx");
}

#[tokio::test]
async fn an_existing_file_is_kept_unless_overwrite_is_asked() {
    let mock = MockServer::start().await;
    mount_content(
        &mock,
        "workbooks",
        "wb-1",
        content_response(
            Some("attachment; filename=\"a.twbx\""),
            "application/octet-stream",
            b"new",
        ),
    )
    .await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("a.twbx");
    std::fs::write(&existing, b"old").unwrap();

    // folder target: the name is known only from the response
    let err = server
        .workbooks()
        .download("wb-1", dir.path())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err.input_error(), Some(tsc::InputError::FileExists { .. })),
        "{err}"
    );
    // file target: refused before sending
    let before = mock.received_requests().await.unwrap().len();
    let err = server
        .workbooks()
        .download("wb-1", DownloadTarget::File(existing.clone()))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err.input_error(), Some(tsc::InputError::FileExists { .. })),
        "{err}"
    );
    assert_eq!(mock.received_requests().await.unwrap().len(), before);
    assert_eq!(std::fs::read(&existing).unwrap(), b"old");
    assert_eq!(files(dir.path()), vec!["a.twbx"]);

    let path = server
        .workbooks()
        .download("wb-1", dir.path())
        .overwrite(true)
        .send()
        .await
        .unwrap();
    assert_eq!(path, existing);
    assert_eq!(std::fs::read(&existing).unwrap(), b"new");
    assert_eq!(files(dir.path()), vec!["a.twbx"]);
}

#[tokio::test]
async fn a_failed_download_leaves_no_file() {
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(site_path("workbooks/gone/content")))
        .respond_with(tableau_error(
            404,
            "404006",
            "Resource Not Found",
            "Workbook 'gone' could not be found.",
        ))
        .mount(&mock)
        .await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let err = server
        .workbooks()
        .download("gone", dir.path())
        .send()
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.code(), Some("404006"));
    assert!(files(dir.path()).is_empty());

    let err = server
        .workbooks()
        .download("", dir.path())
        .send()
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
}

/// A server that promises `promised` bytes and sends only `sent`, then closes.
async fn truncating_server(promised: usize, sent: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = vec![0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                 Content-Disposition: attachment; filename=\"cut.twbx\"\r\nContent-Length: {promised}\r\n\r\n"
            );
            let _ = sock.write_all(head.as_bytes()).await;
            let _ = sock.write_all(&content(sent)).await;
            let _ = sock.shutdown().await;
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_truncated_download_leaves_nothing_under_the_final_name() {
    let url = truncating_server(1_000_000, 200_000).await;
    let server = tsc::Server::builder(url).version("3.19").build().unwrap();
    server.resume_session(tsc::Session {
        token: tsc::AuthToken::new(TOKEN),
        site_id: SITE.into(),
        site_content_url: String::new(),
        user_id: "u".into(),
    });
    let dir = tempfile::tempdir().unwrap();
    let err = server
        .workbooks()
        .download("wb-1", dir.path())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, tsc::Error::Transport { .. } | tsc::Error::Io { .. }),
        "{err:?}"
    );
    assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));

    // into a writer: the error is reported too
    let mut sink = Vec::new();
    let err = server
        .workbooks()
        .download_to_writer("wb-1", &mut sink)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, tsc::Error::Transport { .. } | tsc::Error::Io { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn downloads_into_any_async_writer() {
    let mock = MockServer::start().await;
    let data = content(70_000);
    mount_content(
        &mock,
        "workbooks",
        "wb-1",
        content_response(
            Some("attachment; filename*=UTF-8''%C3%89t%C3%A9.twbx"),
            "application/octet-stream",
            &data,
        ),
    )
    .await;
    let server = server(&mock);
    let mut sink: Vec<u8> = Vec::new();
    let info = server
        .workbooks()
        .download_to_writer("wb-1", &mut sink)
        .send()
        .await
        .unwrap();
    assert_eq!(sink, data);
    assert_eq!(info.bytes, 70_000);
    assert_eq!(info.file_name.as_deref(), Some("Été.twbx"));
    assert_eq!(
        info.content_type.as_deref(),
        Some("application/octet-stream")
    );
}

#[tokio::test]
async fn preview_images_are_returned_as_png_bytes() {
    let mock = MockServer::start().await;
    let png = b"\x89PNG\r\n\x1a\nfake".to_vec();
    Mock::given(method("GET"))
        .and(path(site_path("workbooks/wb-1/previewImage")))
        .and(query_param_is_missing("x"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(png.clone(), "image/png"))
        .expect(1)
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path(site_path("workbooks/wb-1/views/v-1/previewImage")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(png.clone(), "image/png"))
        .expect(1)
        .mount(&mock)
        .await;
    let server = server(&mock);

    let wb = WorkbookItem {
        id: Some("wb-1".into()),
        ..Default::default()
    };
    assert_eq!(
        server
            .workbooks()
            .populate_preview_image(&wb)
            .await
            .unwrap(),
        png
    );

    let mut view = ViewItem {
        id: Some("v-1".into()),
        workbook_id: Some("wb-1".into()),
        ..Default::default()
    };
    assert_eq!(
        server.views().populate_preview_image(&view).await.unwrap(),
        png
    );

    // missing ids are rejected before sending
    let err = server
        .workbooks()
        .populate_preview_image(&WorkbookItem::default())
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    view.workbook_id = None;
    let err = server
        .views()
        .populate_preview_image(&view)
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    assert_eq!(mock.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_file_path_without_extension_gets_the_server_files_extension() {
    let mock = MockServer::start().await;
    mount_content(
        &mock,
        "workbooks",
        "wb-1",
        content_response(
            Some("attachment; filename=\"Server Name.twbx\""),
            "application/octet-stream",
            b"x",
        ),
    )
    .await;
    let server = server(&mock);
    let dir = tempfile::tempdir().unwrap();
    let path = server
        .workbooks()
        .download("wb-1", dir.path().join("mine"))
        .send()
        .await
        .unwrap();
    assert_eq!(path, dir.path().join("mine.twbx"));
    // a missing folder given with a trailing separator is created
    let sub = format!("{}/new/", dir.path().display());
    let path = server
        .workbooks()
        .download("wb-1", sub.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(path, dir.path().join("new").join("Server Name.twbx"));
}
