//! Data sources (publish single and chunked, get, list, update, connections, download, delete)
//! and views (list, filter, usage statistics, get, preview image).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures::TryStreamExt;
use tsc::{
    ConnectionCredentials, DatasourceItem, DownloadTarget, Field, Filter, PublishMode, Sort,
    WorkbookItem,
};
use tsc_e2e::{harness, twbx};
use tsc_emulator::Emulator;

const TDS: &str = "<?xml version='1.0' encoding='utf-8' ?>\n<datasource formatted-name='orders' inline='true' version='18.1'>\n  <connection class='postgres' dbname='shop' server='db.example.com' port='5432' username='reader' />\n</datasource>\n";

#[tokio::test]
async fn datasources_crud_connections_and_download() {
    let (emulator, server) = harness::start_signed_in().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tds = dir.path().join("Orders.tds");
    std::fs::write(&tds, TDS).unwrap();
    let project = server
        .projects()
        .create(&tsc::ProjectItem::new("Data"))
        .await
        .unwrap();
    let project_id = project.id.clone().unwrap();

    let ds = server
        .datasources()
        .publish(
            DatasourceItem::new(&project_id, ""),
            &tds,
            PublishMode::CreateNew,
        )
        .description("All orders")
        .connection_credentials(ConnectionCredentials::new("reader", "pw", true))
        .send()
        .await
        .unwrap();
    let id = ds.id.clone().unwrap();
    assert_eq!(ds.name, "Orders");
    assert_eq!(ds.project_id.as_deref(), Some(project_id.as_str()));
    assert_eq!(emulator.counts().datasources, 1);

    let err = server
        .datasources()
        .publish(
            DatasourceItem::new(&project_id, ""),
            &tds,
            PublishMode::CreateNew,
        )
        .send()
        .await
        .unwrap_err();
    // Tableau forbids it: HTTP 403, code 403007 ("overwrite forbidden").
    assert!(err.is_forbidden(), "{err:?}");
    assert_eq!(err.code(), Some("403007"), "{err:?}");
    // Data sources, unlike workbooks, may be appended to.
    let appended = server
        .datasources()
        .publish(
            DatasourceItem::new(&project_id, ""),
            &tds,
            PublishMode::Append,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(appended.id.as_deref(), Some(id.as_str()));

    let mut got = server.datasources().get_by_id(&id).await.unwrap();
    assert_eq!(got.name, "Orders");
    assert_eq!(got.project_name.as_deref(), Some("Data"));
    assert_eq!(got.owner_id, server.user_id());

    got.name = "Orders (certified)".into();
    got.certified = Some(true);
    got.certification_note = Some("Checked".into());
    let updated = server.datasources().update(&got).await.unwrap();
    assert_eq!(updated.name, "Orders (certified)");
    assert_eq!(updated.certified, Some(true));
    assert_eq!(updated.certification_note.as_deref(), Some("Checked"));

    server
        .datasources()
        .populate_connections(&mut got)
        .await
        .unwrap();
    let conns = got.connections.clone().unwrap();
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0].username.as_deref(), Some("reader"));
    assert_eq!(conns[0].embed_password, Some(true));
    let mut conn = conns[0].clone();
    conn.server_address = Some("replica.example.com".into());
    conn.server_port = Some("5433".into());
    let changed = server
        .datasources()
        .update_connection(&got, &conn)
        .await
        .unwrap();
    assert_eq!(
        changed.server_address.as_deref(),
        Some("replica.example.com")
    );
    assert_eq!(changed.server_port.as_deref(), Some("5433"));

    let listed = server
        .datasources()
        .list()
        .filter(Filter::eq(Field::ProjectName, "Data"))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.pagination.total_available, 1);
    assert_eq!(listed.items[0].name, "Orders (certified)");

    let out = tempfile::tempdir().unwrap();
    let saved = server
        .datasources()
        .download(&id, DownloadTarget::Dir(out.path().to_path_buf()))
        .include_extract(false)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.extension().and_then(|e| e.to_str()), Some("tds"));
    assert!(
        std::fs::read_to_string(&saved)
            .unwrap()
            .starts_with("<?xml version='1.0' encoding='utf-8' ?>\n<datasource")
    );

    server.datasources().delete(&id).await.unwrap();
    assert!(
        server
            .datasources()
            .get_by_id(&id)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert_eq!(emulator.counts().datasources, 0);
}

#[tokio::test]
async fn chunked_datasource_publish_and_job() {
    let (_emulator, server) = harness::start_signed_in().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tdsx = dir.path().join("Events.tdsx");
    // A .tdsx is a zip like a .twbx; the content does not matter to the emulator.
    std::fs::write(&tdsx, twbx::twbx_bytes("Events", &[], 300 * 1024)).unwrap();
    let original = std::fs::read(&tdsx).unwrap();

    let ds = server
        .datasources()
        .publish(DatasourceItem::new("", ""), &tdsx, PublishMode::CreateNew)
        .chunk_threshold(0)
        .chunk_size(100 * 1024)
        .send()
        .await
        .unwrap();
    let mut back = Vec::new();
    let info = server
        .datasources()
        .download_to_writer(ds.id.unwrap(), &mut back)
        .send()
        .await
        .unwrap();
    assert_eq!(info.file_name.as_deref(), Some("Events.tdsx"));
    assert_eq!(back, original);

    let job = server
        .datasources()
        .publish(
            DatasourceItem::new("", "Events again"),
            &tdsx,
            PublishMode::CreateNew,
        )
        .send_as_job()
        .await
        .unwrap();
    let done = server
        .jobs()
        .wait_for_job(job.id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(done.finish_code, Some(0));
}

#[tokio::test]
async fn views_list_filter_usage_and_get() {
    let emulator = Emulator::builder()
        .seed_workbooks(12)
        .start()
        .await
        .unwrap();
    let server = harness::signed_in(&emulator).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Dash.twbx");
    twbx::write_twbx(&path, &["Alpha", "Beta", "Gamma"], 0).unwrap();
    let wb = server
        .workbooks()
        .publish(WorkbookItem::new("", ""), &path, PublishMode::CreateNew)
        .send()
        .await
        .unwrap();

    let all: Vec<_> = server
        .views()
        .list()
        .page_size(5)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 15);
    assert_eq!(emulator.counts().views, 15);

    let mine = server
        .views()
        .list()
        .filter(Filter::eq(Field::WorkbookId, wb.id.clone().unwrap()))
        .sort(Sort::desc(Field::Name))
        .include_usage_statistics(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        mine.items
            .iter()
            .map(|v| v.name.as_str())
            .collect::<Vec<_>>(),
        ["Gamma", "Beta", "Alpha"]
    );
    assert!(mine.items.iter().all(|v| v.total_views == Some(0)));
    assert!(mine.items.iter().all(|v| v.workbook_id == wb.id));

    let beta = &mine.items[1];
    let got = server
        .views()
        .get_by_id(beta.id.clone().unwrap())
        .await
        .unwrap();
    assert_eq!(got.name, "Beta");
    assert_eq!(got.workbook_id, wb.id);
    assert!(
        got.content_url
            .as_deref()
            .unwrap()
            .ends_with("/sheets/Beta")
    );
    let png = server.views().populate_preview_image(&got).await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let err = server
        .views()
        .get_by_id("00000000-0000-0000-0000-000000000000")
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}
