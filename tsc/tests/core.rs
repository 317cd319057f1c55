//! Transport-level behaviour: auth, retries, timeouts, error mapping, re-sign-in, redaction,
//! concurrency, API version.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::*;
use tsc::{
    ApiVersion, Error, InputError, JwtAuth, PersonalAccessTokenAuth, RetryPolicy, Server,
    TableauAuth, TransportKind,
};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

fn unsigned(mock: &wiremock::MockServer) -> Server {
    Server::builder(mock.uri()).version("3.19").build().unwrap()
}

#[tokio::test]
async fn sign_in_with_password_sends_credentials_and_stores_session() {
    let body = fixture!("auth_sign_in.xml");
    let mock = wiremock::MockServer::start().await;
    on(&mock, "POST", "/api/3.19/auth/signin", xml(body)).await;
    let server = unsigned(&mock);
    let session = server
        .auth()
        .sign_in(TableauAuth::new("admin", "p@ss<word>", "Samples"))
        .await
        .unwrap();
    assert_eq!(session.site_id, "6b7179ba-b82b-4f0f-91ed-812074ac5da6");
    assert_eq!(session.site_content_url, "Samples");
    assert_eq!(session.user_id, "1a96d216-e9b8-497b-a82a-0b899a965e01");
    assert_eq!(session.token.expose(), "eIX6mvFsqyansa4KqEI1UwOpS8ggRs2l");
    assert_eq!(
        server.site_id().as_deref(),
        Some("6b7179ba-b82b-4f0f-91ed-812074ac5da6")
    );
    let req = only_request(&mock).await;
    assert!(req.headers.get("x-tableau-auth").is_none());
    assert_eq!(
        req.headers.get("user-agent").unwrap().to_str().unwrap(),
        concat!("tsc-rust/", env!("CARGO_PKG_VERSION"))
    );
    insta::assert_snapshot!(describe(&req));
}

#[tokio::test]
async fn sign_in_with_impersonation() {
    let body = fixture!("auth_sign_in_impersonate.xml");
    let mock = wiremock::MockServer::start().await;
    on(&mock, "POST", "/api/3.19/auth/signin", xml(body)).await;
    let server = unsigned(&mock);
    server
        .auth()
        .sign_in(
            TableauAuth::new("admin", "pw", "").impersonate("dd2239f6-ddf1-4107-981a-4cf94e415794"),
        )
        .await
        .unwrap();
    insta::assert_snapshot!(describe(&only_request(&mock).await));
}

#[tokio::test]
async fn sign_in_with_pat_and_jwt() {
    let body = fixture!("auth_sign_in.xml");
    let mock = wiremock::MockServer::start().await;
    on(&mock, "POST", "/api/3.19/auth/signin", xml(body)).await;
    let server = unsigned(&mock);
    server
        .auth()
        .sign_in(PersonalAccessTokenAuth::new("ci", "pat-secret", ""))
        .await
        .unwrap();
    server
        .auth()
        .sign_in(JwtAuth::new("eyJ.header.sig", "Samples"))
        .await
        .unwrap();
    let reqs = requests(&mock).await;
    insta::assert_snapshot!("pat", describe(&reqs[0]));
    insta::assert_snapshot!("jwt", describe(&reqs[1]));
}

#[tokio::test]
async fn failed_sign_in_is_a_typed_api_error() {
    let body = fixture!("auth_sign_in_error.xml");
    let mock = wiremock::MockServer::start().await;
    on(
        &mock,
        "POST",
        "/api/3.19/auth/signin",
        xml_status(401, body),
    )
    .await;
    let server = unsigned(&mock);
    let err = server
        .auth()
        .sign_in(TableauAuth::new("admin", "wrong", ""))
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert_eq!(err.code(), Some("401001"));
    assert!(!server.is_signed_in());
    assert!(!err.to_string().contains("wrong"));
}

#[tokio::test]
async fn version_gate_fails_before_sending() {
    let mock = wiremock::MockServer::start().await;
    let server = Server::builder(mock.uri()).version("3.5").build().unwrap();
    let err = server
        .auth()
        .sign_in(JwtAuth::new("x.y.z", ""))
        .await
        .unwrap_err();
    match &err {
        Error::VersionTooLow {
            required, current, ..
        } => {
            assert_eq!(*required, ApiVersion::new(3, 17));
            assert_eq!(*current, ApiVersion::new(3, 5));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("3.17") && err.to_string().contains("3.5"));
    assert!(requests(&mock).await.is_empty());
}

#[tokio::test]
async fn sign_out_clears_session_and_switch_site_replaces_it() {
    let (mock, server) = setup().await;
    on(
        &mock,
        "POST",
        "/api/3.19/auth/signout",
        ResponseTemplate::new(204),
    )
    .await;
    let switched = ts(
        r#"<credentials token="tok-new"><site id="site-2" contentUrl="Other"/><user id="user-1"/></credentials>"#,
    );
    on(&mock, "POST", "/api/3.19/auth/switchSite", xml(switched)).await;
    let s = server.auth().switch_site("Other").await.unwrap();
    assert_eq!(s.site_id, "site-2");
    assert_eq!(server.session().unwrap().token.expose(), "tok-new");
    server.auth().sign_out().await.unwrap();
    assert!(!server.is_signed_in());
    let reqs = requests(&mock).await;
    insta::assert_snapshot!("switch_site", describe(&reqs[0]));
    assert_eq!(reqs[1].headers.get("x-tableau-auth").unwrap(), "tok-new");
    assert_eq!(reqs[1].url.path(), "/api/3.19/auth/signout");
    // Not signed in any more: calls fail before sending.
    let err = server.workbooks().list().send().await.unwrap_err();
    assert!(matches!(err, Error::NotSignedIn));
}

#[tokio::test]
async fn server_info_and_use_server_version() {
    let body = fixture!("server_info_get.xml");
    let mock = wiremock::MockServer::start().await;
    on(&mock, "GET", "/api/2.4/serverInfo", xml(body.clone())).await;
    on(&mock, "GET", "/api/3.19/serverInfo", xml(body)).await;
    let server = unsigned(&mock);
    let info = server.server_info().get().await.unwrap();
    assert_eq!(info.product_version, "10.1.0");
    assert_eq!(info.build_number, "10100.16.1024.2100");
    assert_eq!(info.rest_api_version, ApiVersion::new(3, 10));
    let v = server.use_server_version().await.unwrap();
    assert_eq!(v, ApiVersion::new(3, 10));
    assert_eq!(server.version(), ApiVersion::new(3, 10));
    let reqs = requests(&mock).await;
    assert!(
        reqs.iter()
            .all(|r| r.headers.get("x-tableau-auth").is_none())
    );
}

#[tokio::test]
async fn newer_server_is_capped_at_schema_version() {
    let mock = wiremock::MockServer::start().await;
    let body = ts(
        "<serverInfo><productVersion build=\"x\">2099.1</productVersion><restApiVersion>9.99</restApiVersion></serverInfo>",
    );
    on(&mock, "GET", "/api/2.4/serverInfo", xml(body)).await;
    let server = unsigned(&mock);
    assert_eq!(
        server.use_server_version().await.unwrap(),
        tsc::server::SCHEMA_API_VERSION
    );
}

#[tokio::test]
async fn server_info_404003_is_not_found() {
    let body = fixture!("server_info_404.xml");
    let mock = wiremock::MockServer::start().await;
    on(&mock, "GET", "/api/3.19/serverInfo", xml_status(404, body)).await;
    let err = unsigned(&mock).server_info().get().await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.code(), Some("404003"));
    let api = err.api().unwrap();
    assert_eq!(api.summary, "Resource Not Found");
    assert_eq!(api.method, http::Method::GET);
    assert!(api.url.ends_with("/api/3.19/serverInfo"));
}

#[tokio::test]
async fn transient_failures_are_retried_for_get() {
    let (mock, server) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/3.19/sites/site-1/workbooks"))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>busy</html>"))
        .up_to_n_times(2)
        .mount(&mock)
        .await;
    on(
        &mock,
        "GET",
        "/api/3.19/sites/site-1/workbooks",
        xml(ts(
            "<pagination pageNumber=\"1\" pageSize=\"100\" totalAvailable=\"0\"/><workbooks/>",
        )),
    )
    .await;
    let page = server.workbooks().list().send().await.unwrap();
    assert!(page.items.is_empty());
    assert_eq!(requests(&mock).await.len(), 3);
}

#[tokio::test]
async fn retry_after_is_honoured_and_429_retried() {
    let (mock, server) = setup().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .mount(&mock)
        .await;
    on(
        &mock,
        "GET",
        "/api/3.19/sites/site-1/users/u1",
        xml(ts(r#"<user id="u1" name="a" siteRole="Viewer"/>"#)),
    )
    .await;
    let u = server.users().get_by_id("u1").await.unwrap();
    assert_eq!(u.name, "a");
    assert_eq!(requests(&mock).await.len(), 2);
}

#[tokio::test]
async fn post_is_not_retried() {
    let (mock, server) = setup().await;
    on(
        &mock,
        "POST",
        "/api/3.19/sites/site-1/projects",
        ResponseTemplate::new(503),
    )
    .await;
    let err = server
        .projects()
        .create(&tsc::ProjectItem::new("p"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(requests(&mock).await.len(), 1);
}

#[tokio::test]
async fn retries_can_be_switched_off_and_are_bounded() {
    let mock = wiremock::MockServer::start().await;
    on(
        &mock,
        "GET",
        "/api/3.19/serverInfo",
        ResponseTemplate::new(502),
    )
    .await;
    let none = Server::builder(mock.uri())
        .version("3.19")
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    assert!(none.server_info().get().await.is_err());
    assert_eq!(requests(&mock).await.len(), 1);
    mock.reset().await;
    on(
        &mock,
        "GET",
        "/api/3.19/serverInfo",
        ResponseTemplate::new(502),
    )
    .await;
    let two = Server::builder(mock.uri())
        .version("3.19")
        .retry_policy(
            RetryPolicy::none()
                .max_retries(2)
                .initial_backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let err = two.server_info().get().await.unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::BAD_GATEWAY));
    assert_eq!(requests(&mock).await.len(), 3);
}

#[tokio::test]
async fn non_xml_error_body_gives_status_and_excerpt() {
    let (mock, server) = setup().await;
    let html = format!(
        "<html><head><title>502 Bad Gateway</title></head><body>{}</body></html>",
        "proxy says no ".repeat(100)
    );
    on(
        &mock,
        "GET",
        "/api/3.19/sites/site-1/views",
        ResponseTemplate::new(500).set_body_string(html),
    )
    .await;
    let err = server.views().list().send().await.unwrap_err();
    let api = err.api().expect("api error");
    assert_eq!(api.status, http::StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(api.code, "");
    assert!(api.detail.contains("502 Bad Gateway"), "{}", api.detail);
    assert!(api.detail.chars().count() <= 201);
}

#[tokio::test]
async fn unreadable_success_body_is_reported() {
    let (mock, server) = setup().await;
    on(
        &mock,
        "GET",
        "/api/3.19/sites/site-1/views",
        ResponseTemplate::new(200).set_body_string("{\"json\": true}"),
    )
    .await;
    let err = server.views().list().send().await.unwrap_err();
    match err {
        Error::UnreadableResponse {
            status, excerpt, ..
        } => {
            assert_eq!(status, http::StatusCode::OK);
            assert!(excerpt.contains("json"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn request_timeout_is_a_transport_timeout() {
    let mock = wiremock::MockServer::start().await;
    on(
        &mock,
        "GET",
        "/api/3.19/serverInfo",
        ResponseTemplate::new(200).set_delay(Duration::from_secs(5)),
    )
    .await;
    let server = Server::builder(mock.uri())
        .version("3.19")
        .request_timeout(Some(Duration::from_millis(200)))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = server.server_info().get().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(matches!(
        err,
        Error::Transport {
            kind: TransportKind::Timeout,
            ..
        }
    ));
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    let server = Server::builder("http://127.0.0.1:9")
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = server.server_info().get().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn expired_session_signs_in_again_once() {
    let body = fixture!("auth_sign_in.xml");
    let mock = wiremock::MockServer::start().await;
    on(&mock, "POST", "/api/3.19/auth/signin", xml(body)).await;
    let expired = ts_error(
        "401002",
        "Unauthorized Access",
        "Invalid authentication credentials were provided.",
    );
    Mock::given(method("GET"))
        .and(header("x-tableau-auth", "eIX6mvFsqyansa4KqEI1UwOpS8ggRs2l"))
        .respond_with(xml_status(401, expired.clone()))
        .up_to_n_times(1)
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/api/3.19/sites/6b7179ba-b82b-4f0f-91ed-812074ac5da6/users/u1",
        ))
        .respond_with(xml(ts(r#"<user id="u1" name="a" siteRole="Viewer"/>"#)))
        .mount(&mock)
        .await;
    let server = unsigned(&mock);
    server
        .auth()
        .sign_in(TableauAuth::new("admin", "pw", "Samples"))
        .await
        .unwrap();
    let u = server.users().get_by_id("u1").await.unwrap();
    assert_eq!(u.id.as_deref(), Some("u1"));
    let reqs = requests(&mock).await;
    let kinds: Vec<_> = reqs
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| k.ends_with("/auth/signin")).count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(reqs.len(), 4);
}

#[tokio::test]
async fn expired_session_without_credentials_is_returned() {
    let (mock, server) = setup().await;
    let expired = ts_error("401002", "Unauthorized Access", "expired");
    on(
        &mock,
        "GET",
        "/api/3.19/sites/site-1/users/u1",
        xml_status(401, expired),
    )
    .await;
    let err = server.users().get_by_id("u1").await.unwrap_err();
    assert!(err.is_session_expired());
    assert_eq!(requests(&mock).await.len(), 1);
}

#[tokio::test]
async fn secrets_never_show_in_debug_or_errors() {
    let (_mock, server) = setup().await;
    let dbg = format!("{server:?} {:?}", server.session().unwrap());
    assert!(!dbg.contains(TOKEN), "{dbg}");
    assert!(dbg.contains("[redacted]"));
    let auth = TableauAuth::new("bob", "hunter2", "");
    assert!(!format!("{auth:?}").contains("hunter2"));
    assert!(
        !format!("{:?}", PersonalAccessTokenAuth::new("n", "pat-secret", ""))
            .contains("pat-secret")
    );
    assert!(!format!("{:?}", JwtAuth::new("eyJ.a.b", "")).contains("eyJ"));
}

#[tokio::test]
async fn many_tasks_share_one_server() {
    let (mock, server) = setup().await;
    on(
        &mock,
        "GET",
        "/api/3.19/sites/site-1/users/u1",
        xml(ts(r#"<user id="u1" name="a" siteRole="Viewer"/>"#)),
    )
    .await;
    let mut handles = Vec::new();
    for _ in 0..32 {
        let s = server.clone();
        handles.push(tokio::spawn(async move { s.users().get_by_id("u1").await }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap().unwrap().name, "a");
    }
    let reqs = requests(&mock).await;
    assert_eq!(reqs.len(), 32);
    assert!(
        reqs.iter()
            .all(|r| r.headers.get("x-tableau-auth").unwrap() == TOKEN)
    );
}

#[tokio::test]
async fn ids_cannot_escape_their_path_segment() {
    let (mock, server) = setup().await;
    on(
        &mock,
        "GET",
        "/api/3.19/sites/site-1/workbooks/..%2F..%2Fsites%3Fx",
        xml(ts("<workbook id=\"w\" name=\"n\"/>")),
    )
    .await;
    server.workbooks().get_by_id("../../sites?x").await.unwrap();
    assert_eq!(
        only_request(&mock).await.url.path(),
        "/api/3.19/sites/site-1/workbooks/..%2F..%2Fsites%3Fx"
    );
}

#[tokio::test]
async fn dot_ids_are_refused_before_sending() {
    let (mock, server) = setup().await;
    // `workbooks/..` (even escaped as %2E%2E) would resolve to the site itself
    for id in [".", ".."] {
        let err = server.workbooks().delete(id).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidInput(InputError::Invalid { what: "id", .. })
            ),
            "{err}"
        );
        let item = tsc::WorkbookItem {
            id: Some(id.into()),
            ..Default::default()
        };
        assert!(server.workbooks().update(&item).await.is_err());
    }
    assert!(requests(&mock).await.is_empty());
}

#[test]
fn address_without_scheme_gets_https() {
    assert_eq!(
        Server::new("tableau.example.com").unwrap().base_url(),
        "https://tableau.example.com/"
    );
    assert!(Server::new("").is_err());
}

#[test]
fn builder_options_build() {
    let cert = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2qc\n-----END CERTIFICATE-----\n";
    let _ = reqwest::Certificate::from_pem(cert.as_bytes());
    let server = Server::builder("https://t.example.com")
        .connect_timeout(Duration::from_secs(3))
        .read_timeout(Duration::from_secs(30))
        .request_timeout(None)
        .proxy(reqwest::Proxy::all("http://127.0.0.1:3128").unwrap())
        .danger_accept_invalid_certs(true)
        .user_agent("custom/1")
        .auto_reauth(false)
        .build();
    assert!(server.is_ok());
}

#[tokio::test]
async fn concurrent_expiry_signs_in_once() {
    let body = fixture!("auth_sign_in.xml");
    let mock = wiremock::MockServer::start().await;
    on(&mock, "POST", "/api/3.19/auth/signin", xml(body)).await;
    // The first token is expired for every request made with it.
    let expired = ts_error("401002", "Unauthorized Access", "expired");
    Mock::given(method("GET"))
        .and(header("x-tableau-auth", "old-token"))
        .respond_with(xml_status(401, expired))
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(header("x-tableau-auth", "eIX6mvFsqyansa4KqEI1UwOpS8ggRs2l"))
        .respond_with(xml(ts(r#"<user id="u1" name="a" siteRole="Viewer"/>"#)))
        .mount(&mock)
        .await;
    let server = unsigned(&mock);
    server.set_credentials(TableauAuth::new("admin", "pw", "Samples"));
    server.resume_session(tsc::Session {
        token: tsc::AuthToken::new("old-token"),
        site_id: "6b7179ba-b82b-4f0f-91ed-812074ac5da6".into(),
        site_content_url: "Samples".into(),
        user_id: "x".into(),
    });
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let s = server.clone();
            tokio::spawn(async move { s.users().get_by_id("u1").await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().name, "a");
    }
    let sign_ins = requests(&mock)
        .await
        .iter()
        .filter(|r| r.url.path().ends_with("/auth/signin"))
        .count();
    assert_eq!(sign_ins, 1, "one re-sign-in for all tasks");
}

#[tokio::test]
async fn auto_reauth_can_be_switched_off() {
    let body = fixture!("auth_sign_in.xml");
    let mock = wiremock::MockServer::start().await;
    on(&mock, "POST", "/api/3.19/auth/signin", xml(body)).await;
    on(
        &mock,
        "GET",
        "/api/3.19/sites/6b7179ba-b82b-4f0f-91ed-812074ac5da6/users/u1",
        xml_status(401, ts_error("401002", "Unauthorized Access", "expired")),
    )
    .await;
    let server = Server::builder(mock.uri())
        .version("3.19")
        .auto_reauth(false)
        .build()
        .unwrap();
    server
        .auth()
        .sign_in(TableauAuth::new("admin", "pw", "Samples"))
        .await
        .unwrap();
    let err = server.users().get_by_id("u1").await.unwrap_err();
    assert!(err.is_session_expired());
    assert_eq!(requests(&mock).await.len(), 2);
}

#[tokio::test]
async fn list_filter_values_reach_the_server_encoded() {
    let (mock, server) = setup().await;
    on(
        &mock,
        "GET",
        "/api/3.19/sites/site-1/users",
        xml(ts(
            "<pagination pageNumber=\"1\" pageSize=\"100\" totalAvailable=\"0\"/><users/>",
        )),
    )
    .await;
    let when = time::macros::datetime!(2024-01-31 12:00 UTC);
    server
        .users()
        .list()
        .filter(tsc::Filter::eq(tsc::Field::Name, "José \"Pepe\" O'Neil+1"))
        .filter(tsc::Filter::new(
            tsc::Field::LastLogin,
            tsc::Operator::GreaterThanOrEqual,
            when,
        ))
        .send()
        .await
        .unwrap();
    let req = only_request(&mock).await;
    assert_eq!(
        req.url.query(),
        Some(
            "filter=name:eq:Jos%C3%A9%20%22Pepe%22%20O%27Neil%2B1,lastLogin:gte:2024-01-31T12:00:00Z"
        )
    );
    let pairs: Vec<_> = req.url.query_pairs().collect();
    assert_eq!(
        pairs[0].1,
        "name:eq:José \"Pepe\" O'Neil+1,lastLogin:gte:2024-01-31T12:00:00Z"
    );
    // A comma cannot be expressed: rejected before sending.
    let err = server
        .users()
        .list()
        .filter(tsc::Filter::eq(tsc::Field::Name, "Doe, John"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    assert_eq!(requests(&mock).await.len(), 1);
}

#[tokio::test]
async fn requests_go_through_the_configured_proxy() {
    let proxy = wiremock::MockServer::start().await;
    on(&proxy, "GET", "/api/3.19/serverInfo", xml(ts("<serverInfo><productVersion build=\"b\">2024.2</productVersion><restApiVersion>3.23</restApiVersion></serverInfo>"))).await;
    let server = Server::builder("http://tableau.invalid")
        .version("3.19")
        .proxy(reqwest::Proxy::http(proxy.uri()).unwrap())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let info = server.server_info().get().await.unwrap();
    assert_eq!(info.rest_api_version, ApiVersion::new(3, 23));
    let req = only_request(&proxy).await;
    assert_eq!(req.headers.get("host").unwrap(), "tableau.invalid");
}

#[tokio::test]
async fn waiting_for_a_job_is_bounded() {
    let (mock, server) = setup().await;
    on(
        &mock,
        "GET",
        "/api/3.19/sites/site-1/jobs/j1",
        xml(ts(r#"<job id="j1" type="RefreshExtract" progress="10"/>"#)),
    )
    .await;
    let err = server
        .jobs()
        .wait_for_job_with_timeout("j1", Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::JobTimedOut { .. }), "{err:?}");
    assert!(requests(&mock).await.len() >= 2);
}

#[tokio::test]
async fn unreadable_sign_in_response_is_not_quoted() {
    let mock = wiremock::MockServer::start().await;
    on(
        &mock,
        "POST",
        "/api/3.19/auth/signin",
        ResponseTemplate::new(200)
            .set_body_string("<tsResponse><credentials token=\"SECRET-TOKEN\"><site"),
    )
    .await;
    let err = unsigned(&mock)
        .auth()
        .sign_in(TableauAuth::new("a", "b", ""))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnreadableResponse { .. }), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("SECRET-TOKEN"), "{text}");
}

#[tokio::test]
async fn connection_dropped_mid_request_is_retried_for_get() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = served.clone();
    tokio::spawn(async move {
        loop {
            let (mut sock, _) = listener.accept().await.unwrap();
            let n = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buf = vec![0u8; 4096];
            let _ = sock.read(&mut buf).await;
            if n == 0 {
                // Drop the connection without answering: a reset from the client's view.
                drop(sock);
                continue;
            }
            let body = "<tsResponse><serverInfo><productVersion build=\"b\">2024.2</productVersion><restApiVersion>3.23</restApiVersion></serverInfo></tsResponse>";
            let resp = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            sock.write_all(resp.as_bytes()).await.unwrap();
        }
    });
    let server = Server::builder(format!("http://{addr}"))
        .version("3.19")
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    let info = server.server_info().get().await.unwrap();
    assert_eq!(info.rest_api_version, ApiVersion::new(3, 23));
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test]
async fn connection_dropped_after_a_post_was_sent_is_not_retried() {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = served.clone();
    tokio::spawn(async move {
        loop {
            let (mut sock, _) = listener.accept().await.unwrap();
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buf = vec![0u8; 4096];
            let _ = sock.read(&mut buf).await;
            drop(sock);
        }
    });
    let server = Server::builder(format!("http://{addr}"))
        .version("3.19")
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    server.resume_session(tsc::Session {
        token: tsc::AuthToken::new("t"),
        site_id: "s".into(),
        site_content_url: String::new(),
        user_id: "u".into(),
    });
    let err = server
        .projects()
        .create(&tsc::ProjectItem::new("p"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn api_errors_carry_the_servers_retry_after() {
    let (mock, server) = setup().await;
    on(
        &mock,
        "POST",
        "/api/3.19/sites/site-1/projects",
        ResponseTemplate::new(429).insert_header("Retry-After", "7"),
    )
    .await;
    on(
        &mock,
        "GET",
        "/api/3.19/sites/site-1/projects",
        xml_status(404, ts_error("404000", "Not Found", "gone")),
    )
    .await;
    // a POST is not retried, so the 429 comes back with the server's wait
    let err = server
        .projects()
        .create(&tsc::ProjectItem::new("p"))
        .await
        .unwrap_err();
    assert_eq!(err.api().unwrap().retry_after, Some(Duration::from_secs(7)));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    let err = server.projects().list().send().await.unwrap_err();
    assert_eq!(err.api().unwrap().retry_after, None);
}
