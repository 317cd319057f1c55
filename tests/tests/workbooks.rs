//! Workbooks: publish (single request, chunked, overwrite, as a job), get, list, update,
//! views, connections, preview images, download, delete.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::{Arc, Mutex};

use tsc::{
    ConnectionCredentials, ConnectionItem, DownloadTarget, Field, Filter, InputError, PublishMode,
    Secret, Server, Sort, WorkbookItem,
};
use tsc_e2e::{harness, twbx};

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

async fn publish(server: &Server, dir: &Path, name: &str, sheets: &[&str]) -> WorkbookItem {
    let path = dir.join(format!("{name}.twbx"));
    twbx::write_twbx(&path, sheets, 0).unwrap();
    server
        .workbooks()
        .publish(WorkbookItem::new("", ""), &path, PublishMode::CreateNew)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn publish_get_update_delete() {
    let (emulator, server) = harness::start_signed_in().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let project = server
        .projects()
        .create(&tsc::ProjectItem::new("Reports"))
        .await
        .unwrap();
    let project_id = project.id.clone().unwrap();
    let path = dir.path().join("Quarterly.twbx");
    twbx::write_twbx(&path, &["Summary", "Detail"], 0).unwrap();

    let published = server
        .workbooks()
        .publish(
            WorkbookItem::new(&project_id, ""),
            &path,
            PublishMode::CreateNew,
        )
        .description("Numbers")
        .show_tabs(true)
        .send()
        .await
        .unwrap();
    let id = published.id.clone().unwrap();
    // The name defaults to the file's stem.
    assert_eq!(published.name, "Quarterly");
    assert_eq!(published.project_id.as_deref(), Some(project_id.as_str()));
    assert_eq!(emulator.counts().workbooks, 1);
    assert_eq!(emulator.counts().views, 2);

    let got = server.workbooks().get_by_id(&id).await.unwrap();
    assert_eq!(got.name, "Quarterly");
    assert_eq!(got.description.as_deref(), Some("Numbers"));
    assert_eq!(got.show_tabs, Some(true));
    assert_eq!(got.project_name.as_deref(), Some("Reports"));
    assert_eq!(got.owner_id, server.user_id());
    assert_eq!(got.sheet_count, Some(2));
    assert!(got.created_at.is_some());

    // Publishing the same name again: CreateNew is refused, Overwrite replaces in place.
    let err = server
        .workbooks()
        .publish(
            WorkbookItem::new(&project_id, ""),
            &path,
            PublishMode::CreateNew,
        )
        .send()
        .await
        .unwrap_err();
    // Tableau forbids it: HTTP 403, code 403007 ("overwrite forbidden").
    assert!(err.is_forbidden(), "{err:?}");
    assert_eq!(err.code(), Some("403007"), "{err:?}");
    let again = server
        .workbooks()
        .publish(
            WorkbookItem::new(&project_id, ""),
            &path,
            PublishMode::Overwrite,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(again.id.as_deref(), Some(id.as_str()));
    assert_eq!(emulator.counts().workbooks, 1);

    let mut changed = got.clone();
    changed.name = "Quarterly (final)".into();
    changed.show_tabs = Some(false);
    changed.description = Some("Final numbers".into());
    let updated = server.workbooks().update(&changed).await.unwrap();
    assert_eq!(updated.name, "Quarterly (final)");
    assert_eq!(updated.show_tabs, Some(false));
    let got = server.workbooks().get_by_id(&id).await.unwrap();
    assert_eq!(got.name, "Quarterly (final)");
    assert_eq!(got.description.as_deref(), Some("Final numbers"));

    server.workbooks().delete(&id).await.unwrap();
    assert!(
        server
            .workbooks()
            .get_by_id(&id)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        server
            .workbooks()
            .delete(&id)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert_eq!(emulator.counts().workbooks, 0);
    assert_eq!(emulator.counts().views, 0);
}

#[tokio::test]
async fn plain_twb_and_input_checks() {
    let (emulator, server) = harness::start_signed_in().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let twb = dir.path().join("Plain.twb");
    twbx::write_twb(&twb, &["One"]).unwrap();
    let wb = server
        .workbooks()
        .publish(
            WorkbookItem::new("", "Plain workbook"),
            &twb,
            PublishMode::CreateNew,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(wb.name, "Plain workbook");

    let before = emulator.request_count();
    let err = server
        .workbooks()
        .publish(WorkbookItem::new("", ""), &twb, PublishMode::Append)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.input_error(),
            Some(InputError::PublishModeNotAllowed { .. })
        ),
        "{err:?}"
    );
    let csv = dir.path().join("data.csv");
    std::fs::write(&csv, "a,b\n").unwrap();
    let err = server
        .workbooks()
        .publish(WorkbookItem::new("", ""), &csv, PublishMode::CreateNew)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.input_error(),
            Some(InputError::UnsupportedFileType { .. })
        ),
        "{err:?}"
    );
    let err = server
        .workbooks()
        .publish(
            WorkbookItem::new("", ""),
            dir.path().join("missing.twbx"),
            PublishMode::CreateNew,
        )
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err.input_error(), Some(InputError::FileNotFound { .. })),
        "{err:?}"
    );
    assert_eq!(emulator.request_count(), before, "nothing was sent");
}

#[tokio::test]
async fn chunked_publish_reports_progress_and_stores_every_byte() {
    let (emulator, server) = harness::start_signed_in().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Big.twbx");
    let size = twbx::write_twbx(&path, &["History", "Trend"], 700 * 1024).unwrap();
    let seen: Arc<Mutex<Vec<(u64, u64)>>> = Arc::default();
    let sink = seen.clone();
    let before = emulator.request_count();

    let wb = server
        .workbooks()
        .publish(WorkbookItem::new("", ""), &path, PublishMode::CreateNew)
        .chunk_threshold(0)
        .chunk_size(256 * 1024)
        .on_progress(move |sent, total| sink.lock().unwrap().push((sent, total)))
        .send()
        .await
        .unwrap();

    assert_eq!(wb.name, "Big");
    // initiate + 3 chunks (256 + 256 + ~190 KiB) + publish
    assert_eq!(emulator.request_count() - before, 5);
    assert_eq!(
        emulator.counts().upload_sessions,
        0,
        "the session was used up"
    );
    let seen = seen.lock().unwrap().clone();
    assert!(seen.iter().all(|&(_, total)| total == size));
    assert!(
        seen.windows(2).all(|w| w[0].0 <= w[1].0),
        "progress never goes back"
    );
    assert_eq!(seen.last(), Some(&(size, size)));
    assert!(seen.len() >= 3);

    let mut back = Vec::new();
    let info = server
        .workbooks()
        .download_to_writer(wb.id.unwrap(), &mut back)
        .send()
        .await
        .unwrap();
    assert_eq!(info.bytes, size);
    assert_eq!(info.file_name.as_deref(), Some("Big.twbx"));
    assert_eq!(back, std::fs::read(&path).unwrap());
    // The views come from the sheets of the uploaded file.
    assert_eq!(emulator.counts().views, 2);
}

#[tokio::test]
async fn publish_as_job_then_wait_for_it() {
    let (_emulator, server) = harness::start_signed_in().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Async.twbx");
    twbx::write_twbx(&path, &["S"], 0).unwrap();

    let job = server
        .workbooks()
        .publish(WorkbookItem::new("", ""), &path, PublishMode::CreateNew)
        .send_as_job()
        .await
        .unwrap();
    let job_id = job.id.clone().unwrap();

    let got = server.jobs().get_by_id(&job_id).await.unwrap();
    assert_eq!(got.id.as_deref(), Some(job_id.as_str()));
    let done = server.jobs().wait_for_job(&job_id).await.unwrap();
    assert!(done.is_finished());
    assert_eq!(done.finish_code, Some(0));
    assert!(done.completed_at.is_some());
    let found = server
        .workbooks()
        .list()
        .filter(Filter::eq(Field::Name, "Async"))
        .send()
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
}

#[tokio::test]
async fn views_connections_and_preview_images() {
    let (_emulator, server) = harness::start_signed_in().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Connected.twbx");
    twbx::write_twbx(&path, &["Map", "Table"], 0).unwrap();
    let mut wb = server
        .workbooks()
        .publish(WorkbookItem::new("", ""), &path, PublishMode::CreateNew)
        .connection(ConnectionItem {
            server_address: Some("db.example.com".into()),
            server_port: Some("5432".into()),
            connection_credentials: Some(ConnectionCredentials::new("reporter", "pw", true)),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();

    server.workbooks().populate_views(&mut wb).await.unwrap();
    let views = wb.views.clone().unwrap();
    assert_eq!(
        views.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
        ["Map", "Table"]
    );
    server
        .workbooks()
        .populate_views_with_usage(&mut wb, true)
        .await
        .unwrap();
    assert_eq!(wb.views.as_ref().unwrap().len(), 2);

    server
        .workbooks()
        .populate_connections(&mut wb)
        .await
        .unwrap();
    let conns = wb.connections.clone().unwrap();
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0].server_address.as_deref(), Some("db.example.com"));
    assert_eq!(conns[0].server_port.as_deref(), Some("5432"));
    assert_eq!(conns[0].username.as_deref(), Some("reporter"));
    assert_eq!(conns[0].embed_password, Some(true));

    let mut conn = conns[0].clone();
    conn.server_address = Some("db2.example.com".into());
    conn.server_port = Some("6543".into());
    conn.username = Some("analyst".into());
    conn.password = Some(Secret::new("pw2"));
    conn.embed_password = Some(true);
    let updated = server
        .workbooks()
        .update_connection(&wb, &conn)
        .await
        .unwrap();
    assert_eq!(updated.server_address.as_deref(), Some("db2.example.com"));
    assert_eq!(updated.server_port.as_deref(), Some("6543"));
    assert_eq!(updated.username.as_deref(), Some("analyst"));
    server
        .workbooks()
        .populate_connections(&mut wb)
        .await
        .unwrap();
    assert_eq!(
        wb.connections.as_ref().unwrap()[0]
            .server_address
            .as_deref(),
        Some("db2.example.com")
    );

    let png = server
        .workbooks()
        .populate_preview_image(&wb)
        .await
        .unwrap();
    assert!(png.starts_with(PNG_SIGNATURE));
    // A view as listed by views().list() knows its workbook.
    let listed = server.views().list().send().await.unwrap().items;
    let map = listed.iter().find(|v| v.name == "Map").unwrap();
    assert_eq!(map.workbook_id, wb.id);
    let view_png = server.views().populate_preview_image(map).await.unwrap();
    assert!(view_png.starts_with(PNG_SIGNATURE));
}

#[tokio::test]
async fn list_filter_sort_and_downloads() {
    let (_emulator, server) = harness::start_signed_in().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    for name in ["Beta", "Alpha", "Gamma", "Alpha Two"] {
        publish(&server, dir.path(), name, &["S"]).await;
    }

    let names = |items: Vec<WorkbookItem>| items.into_iter().map(|w| w.name).collect::<Vec<_>>();
    let page = server
        .workbooks()
        .list()
        .sort(Sort::desc(Field::Name))
        .send()
        .await
        .unwrap();
    assert_eq!(names(page.items), ["Gamma", "Beta", "Alpha Two", "Alpha"]);
    let page = server
        .workbooks()
        .list()
        .filter(Filter::in_list(Field::Name, ["Alpha", "Gamma"]))
        .sort(Sort::asc(Field::Name))
        .send()
        .await
        .unwrap();
    assert_eq!(names(page.items), ["Alpha", "Gamma"]);
    let page = server
        .workbooks()
        .list()
        .filter(Filter::new(
            Field::Name,
            tsc::Operator::GreaterThanOrEqual,
            "Beta",
        ))
        .sort(Sort::asc(Field::Name))
        .send()
        .await
        .unwrap();
    assert_eq!(names(page.items), ["Beta", "Gamma"]);

    let alpha = server
        .workbooks()
        .list()
        .filter(Filter::eq(Field::Name, "Alpha"))
        .send()
        .await
        .unwrap()
        .items
        .remove(0);
    let alpha_id = alpha.id.clone().unwrap();
    let original = std::fs::read(dir.path().join("Alpha.twbx")).unwrap();

    // Into a folder, under the server's file name.
    let out = tempfile::tempdir().unwrap();
    let saved = server
        .workbooks()
        .download(&alpha_id, DownloadTarget::Dir(out.path().join("wb")))
        .send()
        .await
        .unwrap();
    assert_eq!(saved, out.path().join("wb").join("Alpha.twbx"));
    assert_eq!(std::fs::read(&saved).unwrap(), original);

    // To an exact path: refused when it exists, replaced with overwrite(true).
    let exact = out.path().join("copy.twbx");
    std::fs::write(&exact, b"old").unwrap();
    let err = server
        .workbooks()
        .download(&alpha_id, DownloadTarget::File(exact.clone()))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err.input_error(), Some(InputError::FileExists { .. })),
        "{err:?}"
    );
    assert_eq!(std::fs::read(&exact).unwrap(), b"old");
    let progress = Arc::new(Mutex::new(0u64));
    let p = progress.clone();
    let saved = server
        .workbooks()
        .download(&alpha_id, DownloadTarget::File(exact.clone()))
        .overwrite(true)
        .include_extract(false)
        .on_progress(move |got, _| *p.lock().unwrap() = got)
        .send()
        .await
        .unwrap();
    assert_eq!(saved, exact);
    assert_eq!(std::fs::read(&exact).unwrap(), original);
    assert_eq!(*progress.lock().unwrap(), original.len() as u64);

    let err = server
        .workbooks()
        .download("00000000-0000-0000-0000-000000000000", out.path())
        .send()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn workbook_views_with_usage_statistics() {
    let (_emulator, server) = harness::start_signed_in().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut wb = publish(&server, dir.path(), "Usage", &["A", "B"]).await;
    server
        .workbooks()
        .populate_views_with_usage(&mut wb, true)
        .await
        .unwrap();
    assert!(wb.views.unwrap().iter().all(|v| v.total_views == Some(0)));
}

#[tokio::test]
async fn views_from_populate_views_know_their_workbook() {
    let (_emulator, server) = harness::start_signed_in().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut wb = publish(&server, dir.path(), "Parent", &["A"]).await;
    server.workbooks().populate_views(&mut wb).await.unwrap();
    let view = &wb.views.as_ref().unwrap()[0];
    assert_eq!(view.workbook_id, wb.id);
    let png = server.views().populate_preview_image(view).await.unwrap();
    assert!(png.starts_with(PNG_SIGNATURE));
}

#[tokio::test]
async fn field_selection_and_publish_options() {
    let (_emulator, server) = harness::start_signed_in().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Options.twbx");
    twbx::write_twbx(&path, &["Shown", "Scratch"], 0).unwrap();
    let wb = server
        .workbooks()
        .publish(WorkbookItem::new("", ""), &path, PublishMode::CreateNew)
        .name("With options")
        .hidden_views(["Scratch"])
        .skip_connection_check(true)
        .thumbnails_user_id(server.user_id().unwrap())
        .chunk_retry_policy(tsc::RetryPolicy::none())
        .send()
        .await
        .unwrap();
    assert_eq!(wb.name, "With options");

    let only_names = server
        .workbooks()
        .list()
        .fields(tsc::Fields::Named("name".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(only_names.items.len(), 1);
    assert_eq!(only_names.items[0].name, "With options");
    assert_eq!(
        only_names.items[0].project_id, None,
        "only the selected field"
    );

    let all = server
        .workbooks()
        .list()
        .fields(tsc::Fields::All)
        .send()
        .await
        .unwrap();
    assert!(all.items[0].project_id.is_some());
    assert!(all.items[0].id.is_some());
}
