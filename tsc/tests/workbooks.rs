//! Workbooks, data sources, views and connections against a mock server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use futures::TryStreamExt;
use tsc::{ConnectionItem, DatasourceItem, Field, Fields, Filter, InputError, Sort, WorkbookItem};

const WB: &str = "3cc6cd06-89ce-4fdc-b935-5294135d6d42";

fn missing_id(err: tsc::Error, resource: &str) {
    match err.input_error() {
        Some(InputError::MissingId { resource: r }) => assert_eq!(*r, resource),
        other => panic!("expected MissingId for {resource}, got {other:?}"),
    }
    assert!(
        err.to_string()
            .contains("must be retrieved from the server first"),
        "{err}"
    );
}

fn empty_id(err: tsc::Error, resource: &str) {
    match err.input_error() {
        Some(InputError::EmptyId { resource: r }) => assert_eq!(*r, resource),
        other => panic!("expected EmptyId for {resource}, got {other:?}"),
    }
    assert!(err.to_string().contains("ID undefined"), "{err}");
}

#[tokio::test]
async fn workbooks_list_with_options() {
    let body = fixture!("workbook_get.xml");
    let (mock, server) = setup().await;
    on(&mock, "GET", "/api/3.19/sites/site-1/workbooks", xml(body)).await;
    let page = server
        .workbooks()
        .list()
        .filter(Filter::eq(Field::Name, "Super store"))
        .filter(Filter::in_list(Field::Tags, ["a", "b"]))
        .sort(Sort::desc(Field::UpdatedAt))
        .fields(Fields::All)
        .page_size(50)
        .page_number(1)
        .send()
        .await
        .unwrap();
    assert_eq!(page.pagination.total_available, 2);
    assert_eq!(page.items.len(), 2);
    let wb = &page.items[1];
    assert_eq!(wb.id.as_deref(), Some(WB));
    assert_eq!(wb.name, "SafariSample");
    assert_eq!(wb.show_tabs, Some(false));
    assert_eq!(wb.size, Some(26));
    assert_eq!(wb.project_name.as_deref(), Some("default"));
    assert_eq!(
        wb.owner_id.as_deref(),
        Some("5de011f8-5aa9-4d5b-b991-f462c8dd6bb7")
    );
    assert_eq!(wb.tags, vec!["Safari", "Sample"]);
    assert_eq!(
        wb.created_at,
        Some(time::macros::datetime!(2016-07-26 20:34:56 UTC))
    );
    let req = only_request(&mock).await;
    assert_auth(&req);
    insta::assert_snapshot!(describe(&req));
}

#[tokio::test]
async fn workbooks_stream_all_pages() {
    let p1 = fixture!("workbook_get_page_1.xml");
    let p2 = fixture!("workbook_get_page_2.xml");
    let (mock, server) = setup().await;
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::query_param("pageNumber", "1"))
        .respond_with(xml(p1))
        .mount(&mock)
        .await;
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::query_param("pageNumber", "2"))
        .respond_with(xml(p2))
        .mount(&mock)
        .await;
    let p3 = ts(
        r#"<pagination pageNumber="3" pageSize="1" totalAvailable="3"/><workbooks><workbook id="w3" name="Page3Workbook"/></workbooks>"#,
    );
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::query_param("pageNumber", "3"))
        .respond_with(xml(p3))
        .mount(&mock)
        .await;
    for concurrency in [1, 3] {
        let before = requests(&mock).await.len();
        let all: Vec<WorkbookItem> = server
            .workbooks()
            .list()
            .concurrency(concurrency)
            .into_stream()
            .try_collect()
            .await
            .unwrap();
        let names: Vec<_> = all.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["Page1Workbook", "Page2Workbook", "Page3Workbook"]
        );
        let mut pages: Vec<_> = requests(&mock).await[before..]
            .iter()
            .map(|r| r.url.query().unwrap().to_owned())
            .collect();
        pages.sort();
        assert_eq!(pages, vec!["pageNumber=1", "pageNumber=2", "pageNumber=3"]);
    }
}

#[tokio::test]
async fn workbook_get_by_id_and_empty_id() {
    let body = fixture!("workbook_get_by_id.xml");
    let (mock, server) = setup().await;
    on(
        &mock,
        "GET",
        &format!("/api/3.19/sites/site-1/workbooks/{WB}"),
        xml(body),
    )
    .await;
    let wb = server.workbooks().get_by_id(WB).await.unwrap();
    assert_eq!(wb.name, "SafariSample");
    let views = wb.views.unwrap();
    assert_eq!(views[0].name, "ENDANGERED SAFARI");
    assert_auth(&only_request(&mock).await);
    empty_id(
        server.workbooks().get_by_id("").await.unwrap_err(),
        "Workbook",
    );
    empty_id(
        server.workbooks().delete(" ").await.unwrap_err(),
        "Workbook",
    );
    assert_eq!(requests(&mock).await.len(), 1);
}

#[tokio::test]
async fn workbook_update_sends_changed_fields() {
    let (mock, server) = setup().await;
    let resp = ts(&format!(
        r#"<workbook id="{WB}" name="Renamed" showTabs="true"><project id="p2"/><owner id="o2"/></workbook>"#
    ));
    on(
        &mock,
        "PUT",
        &format!("/api/3.19/sites/site-1/workbooks/{WB}"),
        xml(resp),
    )
    .await;
    let item = WorkbookItem {
        id: Some(WB.into()),
        name: "Renamed".into(),
        show_tabs: Some(true),
        project_id: Some("p2".into()),
        owner_id: Some("o2".into()),
        description: Some("new & improved".into()),
        ..Default::default()
    };
    let wb = server.workbooks().update(&item).await.unwrap();
    assert_eq!(wb.name, "Renamed");
    assert_eq!(wb.show_tabs, Some(true));
    assert_eq!(wb.project_id.as_deref(), Some("p2"));
    let req = only_request(&mock).await;
    assert_xml_request(&req);
    insta::assert_snapshot!(describe(&req));
    missing_id(
        server
            .workbooks()
            .update(&WorkbookItem::new("p", "x"))
            .await
            .unwrap_err(),
        "Workbook",
    );
}

#[tokio::test]
async fn workbook_delete() {
    let (mock, server) = setup().await;
    on(
        &mock,
        "DELETE",
        &format!("/api/3.19/sites/site-1/workbooks/{WB}"),
        wiremock::ResponseTemplate::new(204),
    )
    .await;
    server.workbooks().delete(WB).await.unwrap();
    let req = only_request(&mock).await;
    assert_auth(&req);
    assert_eq!(req.method.as_str(), "DELETE");
}

#[tokio::test]
async fn workbook_populate_views_and_connections() {
    let views = fixture!("workbook_populate_views.xml");
    let conns = fixture!("workbook_populate_connections.xml");
    let (mock, server) = setup().await;
    on(
        &mock,
        "GET",
        &format!("/api/3.19/sites/site-1/workbooks/{WB}/views"),
        xml(views),
    )
    .await;
    on(
        &mock,
        "GET",
        &format!("/api/3.19/sites/site-1/workbooks/{WB}/connections"),
        xml(conns),
    )
    .await;
    let mut wb = WorkbookItem {
        id: Some(WB.into()),
        ..Default::default()
    };
    server
        .workbooks()
        .populate_views_with_usage(&mut wb, true)
        .await
        .unwrap();
    server
        .workbooks()
        .populate_connections(&mut wb)
        .await
        .unwrap();
    let views = wb.views.as_ref().unwrap();
    assert_eq!(views.len(), 3);
    assert_eq!(views[1].name, "Country ranks");
    let conns = wb.connections.as_ref().unwrap();
    assert_eq!(conns[0].connection_type.as_deref(), Some("dataengine"));
    assert_eq!(
        conns[0].datasource_name.as_deref(),
        Some("World Indicators")
    );
    let reqs = requests(&mock).await;
    assert_eq!(reqs[0].url.query(), Some("includeUsageStatistics=true"));
    assert_auth(&reqs[1]);
    let mut no_id = WorkbookItem::default();
    missing_id(
        server
            .workbooks()
            .populate_views(&mut no_id)
            .await
            .unwrap_err(),
        "Workbook",
    );
    missing_id(
        server
            .workbooks()
            .populate_connections(&mut no_id)
            .await
            .unwrap_err(),
        "Workbook",
    );
}

#[tokio::test]
async fn workbook_update_connection() {
    let body = fixture!("datasource_connection_update.xml");
    let (mock, server) = setup().await;
    let cid = "be786ae0-d2bf-4a4b-9b34-e2de8d2d4488";
    on(
        &mock,
        "PUT",
        &format!("/api/3.19/sites/site-1/workbooks/{WB}/connections/{cid}"),
        xml(body),
    )
    .await;
    let wb = WorkbookItem {
        id: Some(WB.into()),
        ..Default::default()
    };
    let conn = ConnectionItem {
        id: Some(cid.into()),
        server_address: Some("bar".into()),
        server_port: Some("9876".into()),
        username: Some("foo".into()),
        password: Some("s3cret".into()),
        embed_password: Some(true),
        ..Default::default()
    };
    let updated = server
        .workbooks()
        .update_connection(&wb, &conn)
        .await
        .unwrap();
    assert_eq!(updated.server_address.as_deref(), Some("bar"));
    assert_eq!(updated.server_port.as_deref(), Some("9876"));
    assert_eq!(updated.username.as_deref(), Some("foo"));
    assert!(!format!("{conn:?}").contains("s3cret"));
    let req = only_request(&mock).await;
    assert_xml_request(&req);
    insta::assert_snapshot!(describe(&req));
    let bad_port = ConnectionItem {
        id: Some(cid.into()),
        server_port: Some("http".into()),
        ..Default::default()
    };
    assert!(
        server
            .workbooks()
            .update_connection(&wb, &bad_port)
            .await
            .unwrap_err()
            .is_invalid_input()
    );
    missing_id(
        server
            .workbooks()
            .update_connection(&wb, &ConnectionItem::default())
            .await
            .unwrap_err(),
        "Connection",
    );
}

#[tokio::test]
async fn datasources_list_get_update_delete() {
    let list = fixture!("datasource_get.xml");
    let updated = fixture!("datasource_update.xml");
    let one = fixture!("datasource_get_by_id.xml");
    let (mock, server) = setup().await;
    let id = "9dbd2263-16b5-46e1-9c43-a76bb8ab65fb";
    on(
        &mock,
        "GET",
        "/api/3.19/sites/site-1/datasources",
        xml(list),
    )
    .await;
    on(
        &mock,
        "GET",
        &format!("/api/3.19/sites/site-1/datasources/{id}"),
        xml(one),
    )
    .await;
    on(
        &mock,
        "PUT",
        &format!("/api/3.19/sites/site-1/datasources/{id}"),
        xml(updated),
    )
    .await;
    on(
        &mock,
        "DELETE",
        &format!("/api/3.19/sites/site-1/datasources/{id}"),
        wiremock::ResponseTemplate::new(204),
    )
    .await;
    let page = server.datasources().list().send().await.unwrap();
    assert_eq!(page.items.len(), 2);
    let ds = &page.items[1];
    assert_eq!(ds.name, "Sample datasource");
    assert_eq!(ds.datasource_type.as_deref(), Some("dataengine"));
    assert_eq!(ds.encrypt_extracts, Some(true));
    assert_eq!(ds.use_remote_query_agent, Some(true));
    assert_eq!(ds.tags, vec!["world", "indicators", "sample"]);
    let got = server.datasources().get_by_id(id).await.unwrap();
    assert_eq!(got.id.as_deref(), Some(id));
    let mut item = DatasourceItem {
        id: Some(id.into()),
        ..Default::default()
    };
    item.certified = Some(true);
    item.certification_note = Some("Warning, here be dragons.".into());
    item.owner_id = Some("dd2239f6-ddf1-4107-981a-4cf94e415794".into());
    let after = server.datasources().update(&item).await.unwrap();
    assert_eq!(after.certified, Some(true));
    assert_eq!(
        after.certification_note.as_deref(),
        Some("Warning, here be dragons.")
    );
    server.datasources().delete(id).await.unwrap();
    let reqs = requests(&mock).await;
    assert_eq!(reqs.len(), 4);
    assert_xml_request(&reqs[2]);
    insta::assert_snapshot!("datasource_update", describe(&reqs[2]));
    assert_auth(&reqs[3]);
    empty_id(
        server.datasources().get_by_id("").await.unwrap_err(),
        "Datasource",
    );
    empty_id(
        server.datasources().delete("").await.unwrap_err(),
        "Datasource",
    );
    missing_id(
        server
            .datasources()
            .update(&DatasourceItem::default())
            .await
            .unwrap_err(),
        "Datasource",
    );
}

#[tokio::test]
async fn datasource_connections() {
    let conns = fixture!("datasource_populate_connections.xml");
    let upd = fixture!("datasource_connection_update.xml");
    let (mock, server) = setup().await;
    let id = "ds1";
    let cid = "be786ae0-d2bf-4a4b-9b34-e2de8d2d4488";
    on(
        &mock,
        "GET",
        "/api/3.19/sites/site-1/datasources/ds1/connections",
        xml(conns),
    )
    .await;
    on(
        &mock,
        "PUT",
        &format!("/api/3.19/sites/site-1/datasources/ds1/connections/{cid}"),
        xml(upd),
    )
    .await;
    let mut ds = DatasourceItem {
        id: Some(id.into()),
        ..Default::default()
    };
    server
        .datasources()
        .populate_connections(&mut ds)
        .await
        .unwrap();
    let conns = ds.connections.clone().unwrap();
    assert_eq!(conns.len(), 2);
    assert_eq!(conns[0].server_address.as_deref(), Some("forty-two.net"));
    assert_eq!(conns[0].embed_password, Some(true));
    assert_eq!(conns[1].connection_type.as_deref(), Some("sqlserver"));
    let mut c = conns[0].clone();
    c.server_address = Some("bar".into());
    c.server_port = Some("9876".into());
    c.username = Some("foo".into());
    c.query_tagging = Some(false);
    let updated = server
        .datasources()
        .update_connection(&ds, &c)
        .await
        .unwrap();
    assert_eq!(updated.server_port.as_deref(), Some("9876"));
    let reqs = requests(&mock).await;
    assert_xml_request(&reqs[1]);
    insta::assert_snapshot!("datasource_update_connection", describe(&reqs[1]));
    missing_id(
        server
            .datasources()
            .populate_connections(&mut DatasourceItem::default())
            .await
            .unwrap_err(),
        "Datasource",
    );
}

#[tokio::test]
async fn views_list_with_usage_and_get_by_id() {
    let body = fixture!("view_get_usage.xml");
    let (mock, server) = setup().await;
    on(&mock, "GET", "/api/3.19/sites/site-1/views", xml(body)).await;
    let page = server
        .views()
        .list()
        .include_usage_statistics(true)
        .page_size(10)
        .send()
        .await
        .unwrap();
    assert!(!page.items.is_empty());
    assert!(page.items.iter().any(|v| v.total_views.is_some()));
    assert!(page.items[0].workbook_id.is_some());
    let req = only_request(&mock).await;
    assert_auth(&req);
    insta::assert_snapshot!(describe(&req));
    let one = ts(
        r#"<view id="v1" name="Sheet 1" contentUrl="wb/sheets/Sheet1" sheetType="worksheet"><workbook id="w1"/><owner id="o1"/><project id="p1"/><tags><tag label="t"/></tags></view>"#,
    );
    on(&mock, "GET", "/api/3.19/sites/site-1/views/v1", xml(one)).await;
    let v = server.views().get_by_id("v1").await.unwrap();
    assert_eq!(
        (
            v.name.as_str(),
            v.workbook_id.as_deref(),
            v.sheet_type.as_deref()
        ),
        ("Sheet 1", Some("w1"), Some("worksheet"))
    );
    assert_eq!(v.tags, vec!["t"]);
}

#[tokio::test]
async fn response_without_the_expected_element_is_unreadable() {
    let (mock, server) = setup().await;
    on(
        &mock,
        "PUT",
        &format!("/api/3.19/sites/site-1/workbooks/{WB}"),
        xml(ts("")),
    )
    .await;
    let item = WorkbookItem {
        id: Some(WB.into()),
        name: "x".into(),
        ..Default::default()
    };
    match server.workbooks().update(&item).await.unwrap_err() {
        tsc::Error::UnreadableResponse {
            method,
            url,
            message,
            ..
        } => {
            assert_eq!(method, http::Method::PUT);
            assert!(url.ends_with(&format!("/workbooks/{WB}")), "{url}");
            assert!(message.contains("<workbook>"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn populated_views_know_their_workbook() {
    let (mock, server) = setup().await;
    let listing = ts(
        r#"<views><view id="v1" name="A" contentUrl="wb/sheets/A"/><view id="v2" name="B"><workbook id="other"/></view></views>"#,
    );
    on(
        &mock,
        "GET",
        &format!("/api/3.19/sites/site-1/workbooks/{WB}/views"),
        xml(listing),
    )
    .await;
    let mut wb = WorkbookItem {
        id: Some(WB.into()),
        ..Default::default()
    };
    server.workbooks().populate_views(&mut wb).await.unwrap();
    let views = wb.views.as_ref().unwrap();
    // a view without <workbook> gets the workbook's id; one the server names keeps its own
    assert_eq!(views[0].workbook_id.as_deref(), Some(WB));
    assert_eq!(views[1].workbook_id.as_deref(), Some("other"));
    server
        .workbooks()
        .populate_views_with_usage(&mut wb, true)
        .await
        .unwrap();
    assert_eq!(
        wb.views.as_ref().unwrap()[0].workbook_id.as_deref(),
        Some(WB)
    );
}

#[test]
fn views_inside_a_workbook_know_it() {
    let ts = tsc_raw::TsResponse::from_xml(&ts(
        r#"<workbook id="wb-9" name="W"><views><view id="v1" name="A"/></views></workbook>"#,
    ))
    .unwrap();
    let wb = WorkbookItem::from_raw(*ts.workbook.unwrap());
    assert_eq!(wb.views.unwrap()[0].workbook_id.as_deref(), Some("wb-9"));
}
