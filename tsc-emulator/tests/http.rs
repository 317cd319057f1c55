//! The emulator over HTTP: status codes, error codes, pagination, filters, publishing, downloads
//! and faults, checked with a plain HTTP client and `tsc-raw`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use reqwest::{Method, StatusCode};
use tsc_emulator::{Emulator, Faults, codes};
use tsc_raw::TsResponse;

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
    site: String,
    user: String,
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Answer {
    fn xml(&self) -> TsResponse {
        TsResponse::from_xml(&self.text)
            .unwrap_or_else(|e| panic!("unreadable response {e}: {}", self.text))
    }
    fn error_code(&self) -> u64 {
        self.xml().error.and_then(|e| e.code).unwrap_or(0)
    }
}

fn code(c: &str) -> u64 {
    c.parse().unwrap()
}

fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "emulator-test-boundary";
    let mut body = Vec::new();
    for (name, filename, data) in parts {
        let disposition = match filename {
            Some(f) => format!("form-data; name=\"{name}\"; filename=\"{f}\""),
            None => format!("form-data; name=\"{name}\""),
        };
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/mixed; boundary={boundary}"), body)
}

impl Api {
    fn new(emu: &Emulator) -> Api {
        Api {
            http: reqwest::Client::new(),
            base: format!("{}/api/{}", emu.base_url(), emu.api_version()),
            token: String::new(),
            site: String::new(),
            user: String::new(),
        }
    }

    async fn sign_in_as(emu: &Emulator, name: &str, password: &str) -> Api {
        let mut api = Api::new(emu);
        let body = format!(
            r#"<tsRequest><credentials name="{name}" password="{password}"><site contentUrl=""/></credentials></tsRequest>"#
        );
        let a = api.send(Method::POST, "auth/signin", &body).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        let creds = a.xml().credentials.unwrap();
        api.token = creds.token.unwrap();
        api.site = creds.site.unwrap().id.unwrap();
        api.user = creds.user.unwrap().id.unwrap();
        api
    }

    async fn sign_in(emu: &Emulator) -> Api {
        Api::sign_in_as(emu, "admin", "admin").await
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    async fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> reqwest::Response {
        let mut rq = self.http.request(method, self.url(path)).body(body);
        if !self.token.is_empty() {
            rq = rq.header("X-Tableau-Auth", &self.token);
        }
        if let Some(ct) = content_type {
            rq = rq.header("Content-Type", ct);
        }
        rq.send().await.unwrap()
    }

    async fn answer(r: reqwest::Response) -> Answer {
        let status = r.status();
        let headers = r.headers().clone();
        Answer {
            status,
            headers,
            text: r.text().await.unwrap(),
        }
    }

    async fn send(&self, method: Method, path: &str, body: &str) -> Answer {
        Api::answer(self.raw(method, path, None, body.as_bytes().to_vec()).await).await
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, "").await
    }

    fn site_path(&self, rest: &str) -> String {
        format!("sites/{}/{rest}", self.site)
    }

    /// POSTs a `multipart/mixed` publish request to `sites/{site}/{rest}`.
    async fn publish(
        &self,
        rest: &str,
        payload: &str,
        part: &str,
        filename: &str,
        data: &[u8],
    ) -> Answer {
        let (ct, body) = multipart(&[
            ("request_payload", None, payload.as_bytes()),
            (part, Some(filename), data),
        ]);
        Api::answer(
            self.raw(Method::POST, &self.site_path(rest), Some(&ct), body)
                .await,
        )
        .await
    }

    async fn default_project(&self) -> String {
        let a = self
            .get(&self.site_path("projects?filter=name:eq:default"))
            .await;
        a.xml().projects.unwrap().project[0].id.clone().unwrap()
    }
}

#[tokio::test]
async fn serverinfo_needs_no_token_and_carries_the_namespace() {
    let emu = Emulator::start().await.unwrap();
    let a = Api::new(&emu).get("serverinfo").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.text.contains(r#"xmlns="http://tableau.com/api""#),
        "{}",
        a.text
    );
    assert!(
        a.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xml")
    );
    let info = a.xml().server_info.unwrap();
    assert_eq!(info.rest_api_version.as_deref(), Some("3.28"));
}

#[tokio::test]
async fn sign_in_with_password_pat_and_jwt_and_bad_credentials() {
    let emu = Emulator::start().await.unwrap();
    let api = Api::new(&emu);
    for body in [
        r#"<tsRequest><credentials name="admin" password="admin"><site contentUrl=""/></credentials></tsRequest>"#,
        r#"<tsRequest><credentials personalAccessTokenName="admin-pat" personalAccessTokenSecret="admin-pat-secret"><site contentUrl=""/></credentials></tsRequest>"#,
        // header {"alg":"none"}, payload {"sub":"admin","aud":"tableau"}
        r#"<tsRequest><credentials jwt="eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiIsImF1ZCI6InRhYmxlYXUifQ."><site contentUrl=""/></credentials></tsRequest>"#,
    ] {
        let a = api.send(Method::POST, "auth/signin", body).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        assert!(a.xml().credentials.unwrap().token.is_some());
    }
    for body in [
        r#"<tsRequest><credentials name="admin" password="nope"><site contentUrl=""/></credentials></tsRequest>"#,
        r#"<tsRequest><credentials personalAccessTokenName="admin-pat" personalAccessTokenSecret="x"><site contentUrl=""/></credentials></tsRequest>"#,
        r#"<tsRequest><credentials name="admin" password="admin"><site contentUrl="no-such-site"/></credentials></tsRequest>"#,
        r#"<tsRequest><credentials jwt="not-a-jwt"><site contentUrl=""/></credentials></tsRequest>"#,
    ] {
        let a = api.send(Method::POST, "auth/signin", body).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(a.error_code(), code(codes::SIGNIN_ERROR));
    }
    let a = api
        .send(Method::POST, "auth/signin", "<tsRequest><credentials")
        .await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::BAD_REQUEST, code(codes::BAD_REQUEST))
    );
}

#[tokio::test]
async fn tokens_are_checked_on_every_call_and_die_at_sign_out() {
    let emu = Emulator::start().await.unwrap();
    let mut api = Api::sign_in(&emu).await;
    assert_eq!(
        api.get(&api.site_path("users")).await.status,
        StatusCode::OK
    );
    let token = api.token.clone();
    api.token = "bogus".into();
    let a = api.get(&api.site_path("users")).await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::UNAUTHORIZED, code(codes::INVALID_TOKEN))
    );
    api.token = String::new();
    let a = api.get(&api.site_path("users")).await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::UNAUTHORIZED, code(codes::NO_CREDENTIALS))
    );
    api.token = token;
    assert_eq!(
        api.send(Method::POST, "auth/signout", "").await.status,
        StatusCode::NO_CONTENT
    );
    let a = api.get(&api.site_path("users")).await;
    assert_eq!(a.error_code(), code(codes::INVALID_TOKEN));
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_with_tableau_errors() {
    let emu = Emulator::start().await.unwrap();
    let api = Api::sign_in(&emu).await;
    for path in [
        "nothing-here".to_string(),
        api.site_path("widgets"),
        api.site_path("workbooks/x/y/z/w"),
    ] {
        let a = api.get(&path).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(a.error_code(), code(codes::UNKNOWN_RESOURCE));
    }
    let err = api.get("serverInfos").await.xml().error.unwrap();
    assert_eq!(err.code, Some(code(codes::UNKNOWN_RESOURCE)));
    assert_eq!(
        err.detail.as_deref(),
        Some("Unknown resource '/3.28/serverInfos' specified in URI.")
    );
    // The Python TSC asks for `serverInfo`: path words match regardless of case.
    assert_eq!(api.get("serverInfo").await.status, StatusCode::OK);
    let r = reqwest::get(format!("{}/not/api", emu.base_url()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(
        TsResponse::from_xml(&r.text().await.unwrap())
            .unwrap()
            .error
            .is_some()
    );
    let a = api.send(Method::PATCH, &api.site_path("users"), "").await;
    assert_eq!(
        (a.status, a.error_code()),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            code(codes::METHOD_NOT_ALLOWED)
        )
    );
    let a = api
        .get(&api.site_path("workbooks/00000000-0000-4000-8000-000000000000"))
        .await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::NOT_FOUND, code(codes::WORKBOOK_NOT_FOUND))
    );
    let a = api
        .get("sites/00000000-0000-4000-8000-000000000000/users")
        .await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::NOT_FOUND, code(codes::SITE_NOT_FOUND))
    );
}

#[tokio::test]
async fn pagination_over_seeded_users() {
    let emu = Emulator::builder().seed_users(2500).start().await.unwrap();
    let api = Api::sign_in(&emu).await;
    let mut seen = std::collections::HashSet::new();
    for page in 1..=3u64 {
        let a = api
            .get(&api.site_path(&format!("users?pageSize=1000&pageNumber={page}")))
            .await;
        let r = a.xml();
        let p = r.pagination.unwrap();
        assert_eq!(
            (p.page_number, p.page_size, p.total_available),
            (Some(page), Some(1000), Some(2501))
        );
        let users = r.users.unwrap().user;
        assert_eq!(users.len(), if page < 3 { 1000 } else { 501 });
        seen.extend(users.into_iter().map(|u| u.id.unwrap()));
    }
    assert_eq!(seen.len(), 2501);
    let a = api.get(&api.site_path("users?pageSize=1001")).await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::FORBIDDEN, code(codes::PAGE_SIZE_LIMIT))
    );
    let a = api.get(&api.site_path("users?pageSize=0")).await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::BAD_REQUEST, code(codes::INVALID_PAGE_SIZE))
    );
    let a = api
        .get(&api.site_path("users?pageSize=1000&pageNumber=4"))
        .await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::BAD_REQUEST, code(codes::INVALID_PAGE_NUMBER))
    );
    let a = api.get(&api.site_path("users?pageNumber=zero")).await;
    assert_eq!(a.error_code(), code(codes::INVALID_PAGE_NUMBER));
    let r = api.get(&api.site_path("users")).await.xml();
    assert_eq!(
        r.pagination.unwrap().page_size,
        Some(100),
        "default page size"
    );
}

#[tokio::test]
async fn filters_sorts_and_fields() {
    let emu = Emulator::builder()
        .seed_users(30)
        .seed_workbooks(30)
        .start()
        .await
        .unwrap();
    let api = Api::sign_in(&emu).await;
    let names = |r: TsResponse| -> Vec<String> {
        r.users
            .map(|u| u.user.into_iter().map(|u| u.name.unwrap()).collect())
            .unwrap_or_default()
    };
    let r = api
        .get(&api.site_path("users?filter=name:eq:user00007"))
        .await
        .xml();
    assert_eq!(names(r), ["user00007"]);
    let r = api
        .get(&api.site_path("users?filter=name:in:[user00003,user00001,nobody]&sort=name:desc"))
        .await
        .xml();
    assert_eq!(names(r), ["user00003", "user00001"]);
    let r = api
        .get(&api.site_path("users?filter=name:eq:user0001*,siteRole:eq:Creator&sort=name:asc"))
        .await
        .xml();
    assert_eq!(names(r), ["user00013", "user00018"]);
    let r = api
        .get(&api.site_path("users?filter=name:cieq:USER00002"))
        .await
        .xml();
    assert_eq!(names(r), ["user00002"]);
    let r = api
        .get(&api.site_path("users?filter=name:gte:user00028&sort=name:asc"))
        .await
        .xml();
    assert_eq!(names(r), ["user00028", "user00029", "user00030"]);
    let r = api
        .get(&api.site_path(
            "workbooks?filter=tags:in:[seeded],name:lt:workbook00010&sort=createdAt:desc",
        ))
        .await
        .xml();
    let wbs: Vec<String> = r
        .workbooks
        .unwrap()
        .workbook
        .into_iter()
        .map(|w| w.name.unwrap())
        .collect();
    assert_eq!(wbs, ["workbook00009", "workbook00006", "workbook00003"]);
    let r = api
        .get(&api.site_path("workbooks?filter=name:eq:workbook00001&fields=name"))
        .await
        .xml();
    let w = &r.workbooks.unwrap().workbook[0];
    assert!(w.id.is_some() && w.name.is_some());
    assert!(
        w.project.is_none() && w.created_at.is_none(),
        "only the id and the asked fields"
    );
    let r = api
        .get(&api.site_path("workbooks?filter=name:eq:workbook00001&fields=_all_"))
        .await
        .xml();
    assert!(r.workbooks.unwrap().workbook[0].project.is_some());
    for bad in [
        "users?filter=shoeSize:eq:9",
        "users?sort=shoeSize:asc",
        "users?filter=name:like:x",
        "users?filter=name",
    ] {
        let a = api.get(&api.site_path(bad)).await;
        assert_eq!(
            (a.status, a.error_code()),
            (StatusCode::BAD_REQUEST, code(codes::INVALID_FILTER)),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn create_update_delete_with_tableau_status_codes() {
    let emu = Emulator::start().await.unwrap();
    let api = Api::sign_in(&emu).await;
    let a = api
        .send(
            Method::POST,
            &api.site_path("projects"),
            r#"<tsRequest><project name="Sales" description="d"/></tsRequest>"#,
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let project = a.xml().project.unwrap();
    let pid = project.id.unwrap();
    assert_eq!(
        project.owner.unwrap().id.as_deref(),
        Some(api.user.as_str())
    );
    let child = format!(r#"<tsRequest><project name="EMEA" parentProjectId="{pid}"/></tsRequest>"#);
    let a = api
        .send(Method::POST, &api.site_path("projects"), &child)
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(
        a.xml().project.unwrap().parent_project_id.as_deref(),
        Some(pid.as_str())
    );
    let a = api
        .send(Method::POST, &api.site_path("projects"), &child)
        .await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::CONFLICT, code(codes::PROJECT_CONFLICT))
    );
    let a = api
        .send(
            Method::POST,
            &api.site_path("projects"),
            r#"<tsRequest><project/></tsRequest>"#,
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let update = r#"<tsRequest><project description="new"/></tsRequest>"#;
    let a = api
        .send(
            Method::PUT,
            &api.site_path(&format!("projects/{pid}")),
            update,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.xml().project.unwrap().description.as_deref(), Some("new"));

    let users = api.site_path("users");
    let a = api
        .send(
            Method::POST,
            &users,
            r#"<tsRequest><user name="bob" siteRole="Viewer"/></tsRequest>"#,
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let uid = a.xml().user.unwrap().id.unwrap();
    let a = api
        .send(
            Method::POST,
            &users,
            r#"<tsRequest><user name="BOB" siteRole="Viewer"/></tsRequest>"#,
        )
        .await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::CONFLICT, code(codes::USER_CONFLICT))
    );
    let a = api
        .send(
            Method::POST,
            &users,
            r#"<tsRequest><user name="eve" siteRole="Overlord"/></tsRequest>"#,
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);

    let a = api
        .send(
            Method::POST,
            &api.site_path("groups"),
            r#"<tsRequest><group name="Analysts"/></tsRequest>"#,
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let gid = a.xml().group.unwrap().id.unwrap();
    let add = format!(r#"<tsRequest><user id="{uid}"/></tsRequest>"#);
    let members = api.site_path(&format!("groups/{gid}/users"));
    assert_eq!(
        api.send(Method::POST, &members, &add).await.status,
        StatusCode::OK
    );
    let a = api.send(Method::POST, &members, &add).await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::CONFLICT, code(codes::MEMBERSHIP_CONFLICT))
    );
    let r = api.get(&members).await.xml();
    assert_eq!(r.users.unwrap().user[0].id.as_deref(), Some(uid.as_str()));
    let r = api
        .get(&api.site_path(&format!("users/{uid}/groups")))
        .await
        .xml();
    let groups: Vec<String> = r
        .groups
        .unwrap()
        .group
        .into_iter()
        .map(|g| g.name.unwrap())
        .collect();
    assert_eq!(groups, ["All Users", "Analysts"]);
    let one = api.site_path(&format!("groups/{gid}/users/{uid}"));
    assert_eq!(
        api.send(Method::DELETE, &one, "").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.send(Method::DELETE, &one, "").await.status,
        StatusCode::NOT_FOUND
    );

    // A viewer may not create projects.
    emu.add_user("vera", "secret", "Viewer");
    let viewer = Api::sign_in_as(&emu, "vera", "secret").await;
    let a = viewer
        .get(&viewer.site_path(&format!("users/{}", api.user)))
        .await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::FORBIDDEN, code(codes::QUERY_USER_FORBIDDEN))
    );
    let a = viewer
        .get(&viewer.site_path(&format!("users/{}", viewer.user)))
        .await;
    assert_eq!(a.status, StatusCode::OK, "anyone may read themselves");
    let a = viewer
        .send(
            Method::POST,
            &viewer.site_path("projects"),
            r#"<tsRequest><project name="X"/></tsRequest>"#,
        )
        .await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::FORBIDDEN, code(codes::FORBIDDEN))
    );

    let a = api
        .send(
            Method::DELETE,
            &api.site_path(&format!("projects/{pid}")),
            "",
        )
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let r = api.get(&api.site_path("projects")).await.xml();
    assert_eq!(
        r.projects.unwrap().project.len(),
        1,
        "the child went with its parent"
    );
    let a = api
        .send(Method::DELETE, &api.site_path(&format!("users/{uid}")), "")
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let a = api.get(&api.site_path(&format!("users/{uid}"))).await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::NOT_FOUND, code(codes::USER_NOT_FOUND))
    );
}

#[tokio::test]
async fn sites_are_scoped_by_the_token() {
    let emu = Emulator::start().await.unwrap();
    let mut api = Api::sign_in(&emu).await;
    let a = api
        .send(
            Method::POST,
            "sites",
            r#"<tsRequest><site name="Other" contentUrl="other"/></tsRequest>"#,
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let other = a.xml().site.unwrap().id.unwrap();
    let a = api
        .send(
            Method::POST,
            "sites",
            r#"<tsRequest><site name="Again" contentUrl="other"/></tsRequest>"#,
        )
        .await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::CONFLICT, code(codes::SITE_CONFLICT))
    );
    let a = api.get(&format!("sites/{other}/users")).await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::FORBIDDEN, code(codes::WRONG_SITE))
    );
    let a = api
        .send(
            Method::POST,
            "auth/switchSite",
            r#"<tsRequest><site contentUrl="other"/></tsRequest>"#,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let creds = a.xml().credentials.unwrap();
    api.token = creds.token.unwrap();
    api.site = creds.site.unwrap().id.unwrap();
    assert_eq!(api.site, other);
    let r = api.get(&api.site_path("projects")).await.xml();
    assert_eq!(
        r.projects.unwrap().project[0].name.as_deref(),
        Some("default")
    );
    let a = api.get("sites/other?key=contentUrl").await;
    assert_eq!(a.xml().site.unwrap().id.as_deref(), Some(other.as_str()));
}

#[tokio::test]
async fn publish_then_download_with_content_disposition() {
    let emu = Emulator::start().await.unwrap();
    let api = Api::sign_in(&emu).await;
    let project = api.default_project().await;
    let twb: &[u8] = b"<?xml version='1.0'?><workbook><worksheets><worksheet name='Sales'/><worksheet name='Costs'/></worksheets></workbook>";
    let payload = format!(
        r#"<tsRequest><workbook name="Caf&#233; Report" showTabs="true"><project id="{project}"/></workbook></tsRequest>"#
    );
    let a = api
        .publish(
            "workbooks?workbookType=twb",
            &payload,
            "tableau_workbook",
            "cafe.twb",
            twb,
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let wb = a.xml().workbook.unwrap();
    let id = wb.id.unwrap();
    let views: Vec<String> = wb
        .views
        .unwrap()
        .view
        .into_iter()
        .map(|v| v.name.unwrap())
        .collect();
    assert_eq!(views, ["Sales", "Costs"]);
    let a = api
        .publish(
            "workbooks?workbookType=twb",
            &payload,
            "tableau_workbook",
            "cafe.twb",
            twb,
        )
        .await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::FORBIDDEN, code(codes::OVERWRITE_FORBIDDEN))
    );
    let a = api
        .publish(
            "workbooks?workbookType=twb&overwrite=true",
            &payload,
            "tableau_workbook",
            "cafe.twb",
            b"<v2/>",
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(
        a.xml().workbook.unwrap().id.as_deref(),
        Some(id.as_str()),
        "overwrite keeps the workbook"
    );
    let a = api
        .publish(
            "workbooks?workbookType=exe",
            &payload,
            "tableau_workbook",
            "x.exe",
            b"MZ",
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);

    let r = api
        .raw(
            Method::GET,
            &api.site_path(&format!("workbooks/{id}/content")),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        cd,
        "attachment; filename=\"Caf_ Report.twb\"; filename*=UTF-8''Caf%C3%A9%20Report.twb"
    );
    assert_eq!(&r.bytes().await.unwrap()[..], b"<v2/>");

    let r = api
        .get(&api.site_path(&format!("workbooks/{id}/connections")))
        .await
        .xml();
    assert_eq!(r.connections.unwrap().connection.len(), 1);
    let img = api
        .raw(
            Method::GET,
            &api.site_path(&format!("workbooks/{id}/previewImage")),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(img.headers()["content-type"], "image/png");
    assert_eq!(&img.bytes().await.unwrap()[..4], b"\x89PNG");
    let a = api
        .send(
            Method::DELETE,
            &api.site_path(&format!("workbooks/{id}")),
            "",
        )
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    assert_eq!(emu.counts().workbooks, 0);
    assert_eq!(emu.counts().views, 0);
}

#[tokio::test]
async fn chunked_publish_through_an_upload_session() {
    let emu = Emulator::start().await.unwrap();
    let api = Api::sign_in(&emu).await;
    let a = api
        .send(Method::POST, &api.site_path("fileUploads"), "")
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let session = a.xml().file_upload.unwrap().upload_session_id.unwrap();
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    for chunk in data.chunks(1_000_000) {
        let (ct, body) = multipart(&[
            ("request_payload", None, b""),
            ("tableau_file", Some("file"), chunk),
        ]);
        let r = api
            .raw(
                Method::PUT,
                &api.site_path(&format!("fileUploads/{session}")),
                Some(&ct),
                body,
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let payload = r#"<tsRequest><datasource name="Big"/></tsRequest>"#;
    let (ct, body) = multipart(&[("request_payload", None, payload.as_bytes())]);
    let path = api.site_path(&format!(
        "datasources?datasourceType=hyper&uploadSessionId={session}"
    ));
    let a = Api::answer(api.raw(Method::POST, &path, Some(&ct), body.clone()).await).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let ds = a.xml().datasource.unwrap();
    assert_eq!(emu.counts().upload_sessions, 0, "the session is used up");
    let r = api
        .raw(
            Method::GET,
            &api.site_path(&format!("datasources/{}/content", ds.id.unwrap())),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"Big.hyper\""
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), data);
    let a = Api::answer(api.raw(Method::POST, &path, Some(&ct), body).await).await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::NOT_FOUND, code(codes::UPLOAD_NOT_FOUND))
    );
}

#[tokio::test]
async fn throttling_answers_429_and_503_with_retry_after() {
    let emu = Emulator::start().await.unwrap();
    let api = Api::sign_in(&emu).await;
    emu.throttle_next(2, 429, Duration::from_secs(3));
    for _ in 0..2 {
        let a = api.get(&api.site_path("users")).await;
        assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(a.headers["retry-after"], "3");
        assert_eq!(a.error_code(), code(codes::TOO_MANY_REQUESTS));
    }
    assert_eq!(
        api.get(&api.site_path("users")).await.status,
        StatusCode::OK
    );
    emu.set_faults(
        Faults::default()
            .throttle(503, 0.5, Duration::from_secs(1))
            .only_paths_containing("/users"),
    );
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(api.get(&api.site_path("users")).await.status.as_u16());
    }
    assert_eq!(statuses, [200, 503, 200, 503]);
    assert_eq!(
        api.get(&api.site_path("groups")).await.status,
        StatusCode::OK,
        "other paths are not throttled"
    );
}

#[tokio::test]
async fn tokens_expire_after_n_requests_or_a_time() {
    let emu = Emulator::builder()
        .faults(Faults::default().token_ttl_requests(3))
        .start()
        .await
        .unwrap();
    let api = Api::sign_in(&emu).await;
    for _ in 0..3 {
        assert_eq!(
            api.get(&api.site_path("users")).await.status,
            StatusCode::OK
        );
    }
    let a = api.get(&api.site_path("users")).await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::UNAUTHORIZED, code(codes::INVALID_TOKEN))
    );
    let api = Api::sign_in(&emu).await;
    assert_eq!(
        api.get(&api.site_path("users")).await.status,
        StatusCode::OK,
        "a new sign-in works again"
    );

    emu.set_faults(Faults::default().token_ttl(Duration::from_millis(50)));
    let api = Api::sign_in(&emu).await;
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert_eq!(
        api.get(&api.site_path("users")).await.error_code(),
        code(codes::INVALID_TOKEN)
    );

    emu.set_faults(Faults::default());
    let api = Api::sign_in(&emu).await;
    emu.expire_all_tokens();
    assert_eq!(
        api.get(&api.site_path("users")).await.error_code(),
        code(codes::INVALID_TOKEN)
    );
}

#[tokio::test]
async fn a_dropped_connection_cuts_the_body() {
    let emu = Emulator::builder().seed_workbooks(1).start().await.unwrap();
    let api = Api::sign_in(&emu).await;
    let r = api.get(&api.site_path("workbooks")).await.xml();
    let id = r.workbooks.unwrap().workbook[0].id.clone().unwrap();
    emu.drop_next(1);
    let r = api
        .raw(
            Method::GET,
            &api.site_path(&format!("workbooks/{id}/content")),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "headers arrive");
    assert!(r.bytes().await.is_err(), "the body is cut off");
    emu.drop_next(1);
    let r = api
        .http
        .get(api.url(&api.site_path("users")))
        .header("X-Tableau-Auth", &api.token)
        .send()
        .await;
    if let Ok(r) = r {
        assert!(r.text().await.is_err(), "the XML body is cut off");
    }
    assert_eq!(
        api.get(&api.site_path("users")).await.status,
        StatusCode::OK,
        "later requests are whole"
    );
}

#[tokio::test]
async fn malformed_xml_is_served_on_request() {
    let emu = Emulator::start().await.unwrap();
    let api = Api::sign_in(&emu).await;
    emu.malformed_next(1);
    let a = api.get(&api.site_path("users")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(TsResponse::from_xml(&a.text).is_err(), "{}", a.text);
    assert!(TsResponse::from_xml(&api.get(&api.site_path("users")).await.text).is_ok());
}

#[tokio::test]
async fn latency_delays_answers() {
    let emu = Emulator::builder()
        .latency(Duration::from_millis(30))
        .start()
        .await
        .unwrap();
    let api = Api::new(&emu);
    let start = std::time::Instant::now();
    api.get("serverinfo").await;
    assert!(start.elapsed() >= Duration::from_millis(30));
}

#[tokio::test]
async fn a_publish_cut_off_mid_body_creates_nothing() {
    use tokio::io::AsyncWriteExt;
    let emu = Emulator::start().await.unwrap();
    let api = Api::sign_in(&emu).await;
    let mut sock = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    let head = format!(
        "POST /api/{}/sites/{}/workbooks?workbookType=twbx HTTP/1.1\r\nHost: x\r\nX-Tableau-Auth: {}\r\nContent-Type: multipart/mixed; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\nContent-Disposition: name=\"request_payload\"\r\n\r\n<tsRequest><workbook name=\"Cut\"/></tsRequest>\r\n--b\r\nContent-Disposition: name=\"tableau_workbook\"; filename=\"c.twbx\"\r\n\r\nPK",
        emu.api_version(),
        api.site,
        api.token
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    drop(sock);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(emu.counts().workbooks, 0);
    assert_eq!(
        api.get(&api.site_path("workbooks")).await.status,
        StatusCode::OK,
        "the server goes on"
    );
}

#[tokio::test]
async fn seeding_is_deterministic_and_scales() {
    async fn first_ids(emu: &Emulator) -> Vec<String> {
        let api = Api::sign_in(emu).await;
        let r = api
            .get(&api.site_path("users?pageSize=5&sort=name:asc"))
            .await
            .xml();
        r.users
            .unwrap()
            .user
            .into_iter()
            .map(|u| u.id.unwrap())
            .collect()
    }
    let a = Emulator::builder()
        .seed(7)
        .seed_users(100)
        .start()
        .await
        .unwrap();
    let b = Emulator::builder()
        .seed(7)
        .seed_users(100)
        .start()
        .await
        .unwrap();
    assert_eq!(first_ids(&a).await, first_ids(&b).await);
    let big = Emulator::builder()
        .seed_users(100_000)
        .start()
        .await
        .unwrap();
    assert_eq!(big.counts().users, 100_001);
    let api = Api::sign_in(&big).await;
    let r = api
        .get(&api.site_path("users?filter=name:eq:user100000"))
        .await
        .xml();
    assert_eq!(r.users.unwrap().user.len(), 1);
}

#[tokio::test]
async fn every_route_answers_readable_tsc_raw_documents() {
    let emu = Emulator::builder()
        .seed_users(3)
        .seed_workbooks(3)
        .start()
        .await
        .unwrap();
    let api = Api::sign_in(&emu).await;
    let r = api.get(&api.site_path("workbooks")).await.xml();
    let wb = r.workbooks.unwrap().workbook[0].id.clone().unwrap();
    let r = api.get(&api.site_path("views")).await.xml();
    let view = r.views.unwrap().view[0].id.clone().unwrap();
    let a = api
        .send(
            Method::POST,
            &api.site_path(&format!("workbooks/{wb}/refresh")),
            "<tsRequest/>",
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    let job = a.xml().job.unwrap().id.unwrap();
    let r = api.get("schedules").await.xml();
    let schedule = r.schedules.unwrap().schedule[0].id.clone().unwrap();
    let task = format!(
        r#"<tsRequest><task><extractRefresh><workbook id="{wb}"/></extractRefresh></task></tsRequest>"#
    );
    let a = api
        .send(
            Method::PUT,
            &api.site_path(&format!("schedules/{schedule}/workbooks")),
            &task,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let tags = r#"<tsRequest><tags><tag label="a"/><tag label="b"/></tags></tsRequest>"#;
    let a = api
        .send(
            Method::PUT,
            &api.site_path(&format!("workbooks/{wb}/tags")),
            tags,
        )
        .await;
    assert_eq!(a.xml().tags.unwrap().tag.len(), 2);
    for path in [
        "sites".to_string(),
        format!("sites/{}", api.site),
        api.site_path("projects"),
        api.site_path("users"),
        api.site_path("groups"),
        api.site_path(&format!("users/{}", api.user)),
        api.site_path(&format!("users/{}/workbooks", api.user)),
        api.site_path(&format!("workbooks/{wb}")),
        api.site_path(&format!("workbooks/{wb}/views")),
        api.site_path(&format!("views/{view}")),
        api.site_path("views?includeUsageStatistics=true"),
        api.site_path("datasources"),
        api.site_path("jobs"),
        api.site_path(&format!("jobs/{job}")),
        api.site_path("tasks/extractRefreshes"),
        format!("schedules/{schedule}"),
        "sessions/current".to_string(),
    ] {
        let a = api.get(&path).await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.text);
        assert!(a.xml().error.is_none(), "{path}");
        assert!(
            a.text.contains(r#"xmlns="http://tableau.com/api""#),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_server_stops_when_the_handle_is_dropped() {
    let emu = Emulator::start().await.unwrap();
    let addr = emu.addr();
    drop(emu);
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "the port still accepts connections");
}

#[test]
fn the_binary_prints_its_address_first() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tsc-emulator"))
        .args(["--port", "0", "--seed-users", "10", "--latency-ms", "1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
    let port: u16 = line.trim().rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0);
}

#[test]
fn the_binary_rejects_unknown_options() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tsc-emulator"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown option '--bogus'"));
}

#[tokio::test]
async fn jobs_run_for_the_configured_duration_and_can_be_cancelled() {
    let emu = Emulator::builder()
        .seed_workbooks(1)
        .job_duration(Duration::from_millis(1500))
        .start()
        .await
        .unwrap();
    let api = Api::sign_in(&emu).await;
    let r = api.get(&api.site_path("workbooks")).await.xml();
    let wb = r.workbooks.unwrap().workbook[0].id.clone().unwrap();
    let refresh = api.site_path(&format!("workbooks/{wb}/refresh"));
    let job = api
        .send(Method::POST, &refresh, "<tsRequest/>")
        .await
        .xml()
        .job
        .unwrap();
    assert!(
        job.completed_at.is_none() && job.finish_code.is_none(),
        "in progress"
    );
    let id = job.id.unwrap();
    let r = api.get(&api.site_path("jobs")).await.xml();
    let listed = &r.background_jobs.unwrap().background_job[0];
    assert_eq!(
        listed.status,
        Some(tsc_raw::BackgroundJobStatus::InProgress)
    );
    tokio::time::sleep(Duration::from_millis(1700)).await;
    let job = api
        .get(&api.site_path(&format!("jobs/{id}")))
        .await
        .xml()
        .job
        .unwrap();
    assert_eq!((job.finish_code, job.progress), (Some(0), Some(100)));
    assert!(job.completed_at.is_some());

    let other = api
        .send(Method::POST, &refresh, "<tsRequest/>")
        .await
        .xml()
        .job
        .unwrap()
        .id
        .unwrap();
    let job = api
        .send(Method::PUT, &api.site_path(&format!("jobs/{other}")), "")
        .await
        .xml()
        .job
        .unwrap();
    assert_eq!(job.finish_code, Some(2), "cancelled");
    let a = api
        .get(&api.site_path("jobs/00000000-0000-4000-8000-000000000000"))
        .await;
    assert_eq!(
        (a.status, a.error_code()),
        (StatusCode::NOT_FOUND, code(codes::JOB_NOT_FOUND))
    );
}

#[tokio::test]
async fn a_dropped_upload_stores_nothing() {
    let emu = Emulator::start().await.unwrap();
    let api = Api::sign_in(&emu).await;
    let data = vec![7u8; 2_000_000];
    let payload = r#"<tsRequest><workbook name="Dropped"/></tsRequest>"#;
    let (ct, body) = multipart(&[
        ("request_payload", None, payload.as_bytes()),
        ("tableau_workbook", Some("d.twbx"), &data),
    ]);
    emu.drop_next(1);
    let sent = api
        .http
        .post(api.url(&api.site_path("workbooks?workbookType=twbx")))
        .header("X-Tableau-Auth", &api.token)
        .header("Content-Type", &ct)
        .body(body.clone())
        .send()
        .await;
    assert!(sent.is_err(), "the connection drops without an answer");
    assert_eq!(emu.counts().workbooks, 0, "nothing was published");
    let a = Api::answer(
        api.raw(
            Method::POST,
            &api.site_path("workbooks?workbookType=twbx"),
            Some(&ct),
            body,
        )
        .await,
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "the retry goes through");
    assert_eq!(emu.counts().workbooks, 1);
}

#[tokio::test]
async fn active_directory_import_as_job_answers_202_with_a_group_import_job() {
    let emu = Emulator::start().await.unwrap();
    let api = Api::sign_in(&emu).await;
    let groups = api.site_path("groups");
    let ad = |name: &str| {
        format!(
            r#"<tsRequest><group name="{name}"><import source="ActiveDirectory" domainName="example.com" siteRole="Viewer"/></group></tsRequest>"#
        )
    };

    let a = api
        .send(
            Method::POST,
            &format!("{groups}?asJob=true"),
            &ad("Sales APAC"),
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text);
    let r = a.xml();
    assert!(r.group.is_none(), "{}", a.text);
    let job = r.job.unwrap();
    assert_eq!(
        job.type_.map(|t| t.to_string()).as_deref(),
        Some("GroupImport")
    );
    assert_eq!(job.mode, Some(tsc_raw::JobMode::Asynchronous));
    let id = job.id.unwrap();
    let done = api
        .get(&api.site_path(&format!("jobs/{id}")))
        .await
        .xml()
        .job
        .unwrap();
    assert_eq!(done.finish_code, Some(0));
    // The group exists once the job is done.
    let listed = api
        .get(&format!("{groups}?filter=name:eq:Sales%20APAC"))
        .await
        .xml();
    assert_eq!(listed.groups.unwrap().group.len(), 1);

    // asJob=false (and no asJob) keep the synchronous answer: 201 with the group.
    let a = api
        .send(
            Method::POST,
            &format!("{groups}?asJob=false"),
            &ad("Sales EMEA"),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    assert_eq!(a.xml().group.unwrap().name.as_deref(), Some("Sales EMEA"));
    // A local group is created at once whatever asJob says.
    let a = api
        .send(
            Method::POST,
            &format!("{groups}?asJob=true"),
            r#"<tsRequest><group name="Local"/></tsRequest>"#,
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    assert!(a.xml().group.is_some());
}

#[tokio::test]
async fn workbook_views_carry_usage_statistics_when_asked() {
    let emu = Emulator::builder().seed_workbooks(2).start().await.unwrap();
    let api = Api::sign_in(&emu).await;
    let r = api.get(&api.site_path("workbooks")).await.xml();
    let wb = r.workbooks.unwrap().workbook[1].id.clone().unwrap();
    let path = api.site_path(&format!("workbooks/{wb}/views"));

    let views = api.get(&path).await.xml().views.unwrap().view;
    assert!(!views.is_empty());
    assert!(
        views.iter().all(|v| v.usage.is_none()),
        "no usage unless asked"
    );

    let a = api
        .get(&format!("{path}?includeUsageStatistics=true"))
        .await;
    assert!(a.text.contains("<usage totalViewCount="), "{}", a.text);
    let with_usage = a.xml().views.unwrap().view;
    assert_eq!(with_usage.len(), views.len());
    // The same counts as GET views answers for the same views.
    let all = api
        .get(&api.site_path("views?includeUsageStatistics=true&pageSize=1000"))
        .await
        .xml()
        .views
        .unwrap()
        .view;
    for v in &with_usage {
        let count = v.usage.as_ref().and_then(|u| u.total_view_count);
        assert!(count.is_some(), "{v:?}");
        let same = all.iter().find(|o| o.id == v.id).unwrap();
        assert_eq!(count, same.usage.as_ref().and_then(|u| u.total_view_count));
    }
}

/// The codes Tableau's REST API reference documents for these conditions, written out (not taken
/// from `codes`) so a wrong constant fails here.
#[tokio::test]
async fn error_codes_match_the_tableau_reference() {
    let emu = Emulator::builder().seed_workbooks(2).start().await.unwrap();
    let api = Api::sign_in(&emu).await;
    let none = "00000000-0000-4000-8000-000000000000";
    let check = |a: Answer, status: u16, code: u64, what: &str| {
        assert_eq!(
            (a.status.as_u16(), a.error_code()),
            (status, code),
            "{what}: {}",
            a.text
        );
    };

    check(
        api.get(&api.site_path(&format!("jobs/{none}"))).await,
        404,
        404018,
        "job",
    );
    check(
        api.get(&format!("schedules/{none}")).await,
        404,
        404023,
        "schedule",
    );
    check(
        api.send(
            Method::PUT,
            &api.site_path(&format!("fileUploads/{none}")),
            "",
        )
        .await,
        404,
        404015,
        "upload session",
    );
    let r = api.get(&api.site_path("workbooks")).await.xml();
    let wbs = r.workbooks.unwrap().workbook;
    let (first, second) = (&wbs[0], &wbs[1]);
    let wb = second.id.clone().unwrap();
    check(
        api.send(
            Method::DELETE,
            &api.site_path(&format!("workbooks/{wb}/tags/nope")),
            "",
        )
        .await,
        404,
        404007,
        "tag",
    );
    // Renaming a workbook onto a name its project holds.
    let rename = format!(
        r#"<tsRequest><workbook name="{}"><project id="{}"/></workbook></tsRequest>"#,
        first.name.as_deref().unwrap(),
        first.project.as_ref().unwrap().id.as_deref().unwrap()
    );
    check(
        api.send(
            Method::PUT,
            &api.site_path(&format!("workbooks/{wb}")),
            &rename,
        )
        .await,
        409,
        409013,
        "workbook name conflict",
    );
    // The same for data sources.
    let project = api.default_project().await;
    let mut ds_ids = Vec::new();
    for name in ["One", "Two"] {
        let payload = format!(
            r#"<tsRequest><datasource name="{name}"><project id="{project}"/></datasource></tsRequest>"#
        );
        let a = api
            .publish(
                "datasources?datasourceType=tds",
                &payload,
                "tableau_datasource",
                "d.tds",
                b"<datasource/>",
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
        ds_ids.push(a.xml().datasource.unwrap().id.unwrap());
    }
    check(
        api.send(
            Method::PUT,
            &api.site_path(&format!("datasources/{}", ds_ids[1])),
            r#"<tsRequest><datasource name="One"/></tsRequest>"#,
        )
        .await,
        409,
        409015,
        "data source name conflict",
    );
    // Publishing onto an existing data source name without overwrite is 403007, as on Tableau.
    let payload = format!(
        r#"<tsRequest><datasource name="One"><project id="{project}"/></datasource></tsRequest>"#
    );
    check(
        api.publish(
            "datasources?datasourceType=tds",
            &payload,
            "tableau_datasource",
            "d.tds",
            b"<datasource/>",
        )
        .await,
        403,
        403007,
        "overwrite forbidden",
    );

    // Sites: a content URL taken is 409002; the default site cannot be deleted (403002).
    let site = r#"<tsRequest><site name="Codes" contentUrl="codes"/></tsRequest>"#;
    assert_eq!(
        api.send(Method::POST, "sites", site).await.status,
        StatusCode::CREATED
    );
    let again = r#"<tsRequest><site name="Codes again" contentUrl="codes"/></tsRequest>"#;
    check(
        api.send(Method::POST, "sites", again).await,
        409,
        409002,
        "site URL",
    );
    check(
        api.send(Method::DELETE, &format!("sites/{}", api.site), "")
            .await,
        403,
        403002,
        "default site deletion",
    );
    // A missing name is a bad request body (400000).
    check(
        api.send(
            Method::POST,
            &api.site_path("groups"),
            "<tsRequest><group/></tsRequest>",
        )
        .await,
        400,
        400000,
        "missing name",
    );

    // A viewer: 403004 for what the role does not allow, 403009 for its own site role.
    emu.add_user("vic", "secret", "Viewer");
    let viewer = Api::sign_in_as(&emu, "vic", "secret").await;
    check(
        viewer
            .send(
                Method::POST,
                &viewer.site_path("projects"),
                r#"<tsRequest><project name="No"/></tsRequest>"#,
            )
            .await,
        403,
        403004,
        "role",
    );
    check(
        viewer
            .send(
                Method::PUT,
                &viewer.site_path(&format!("users/{}", viewer.user)),
                r#"<tsRequest><user siteRole="Creator"/></tsRequest>"#,
            )
            .await,
        403,
        403009,
        "own site role",
    );
}
