//! The REST API: a route table, authentication and the shared request/reply types.

pub(crate) mod auth;
pub(crate) mod content;
pub(crate) mod people;
pub(crate) mod sites;
pub(crate) mod tasks;
pub(crate) mod workbooks;

use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode};
use tsc_raw::{TsRequest, TsResponse};

use crate::error::{ApiError, codes};
use crate::query::{ListParams, parse_query};
use crate::store::State;

/// What a handler answers.
pub(crate) enum Reply {
    /// A `tsResponse` document, written with `tsc-raw`.
    Xml(StatusCode, Box<TsResponse>),
    /// 204 No Content.
    NoContent,
    /// A stored file, streamed with `Content-Disposition: attachment`.
    File {
        filename: String,
        content_type: &'static str,
        chunks: Vec<Bytes>,
    },
    /// Raw bytes (images, CSV, PDF).
    Raw {
        content_type: &'static str,
        data: Bytes,
    },
}

impl Reply {
    /// 200 with this response.
    pub fn ok(r: TsResponse) -> Self {
        Reply::Xml(StatusCode::OK, Box::new(r))
    }
    /// 201 with this response.
    pub fn created(r: TsResponse) -> Self {
        Reply::Xml(StatusCode::CREATED, Box::new(r))
    }
    /// 202 with this response.
    pub fn accepted(r: TsResponse) -> Self {
        Reply::Xml(StatusCode::ACCEPTED, Box::new(r))
    }
}

/// The signed-in session behind a request.
#[derive(Clone)]
pub(crate) struct Caller {
    pub token: String,
    pub user_id: String,
    pub site_id: String,
}

/// One request as the handlers see it.
pub(crate) struct Req {
    /// Path parameters in order of appearance.
    pub p: Vec<String>,
    pub query: Vec<(String, String)>,
    pub body: Bytes,
    /// The parts of a `multipart/*` body, split before the state was locked.
    pub parts: Option<Result<Vec<crate::multipart::Part>, String>>,
    pub caller: Option<Caller>,
}

/// A request as it arrives, before routing.
pub(crate) struct Incoming {
    pub method: Method,
    /// The `{version}` of `/api/{version}/`.
    pub version: String,
    /// Decoded path segments after `/api/{version}/`.
    pub segs: Vec<String>,
    pub raw_query: Option<String>,
    pub token: Option<String>,
    pub body: Bytes,
    pub parts: Option<Result<Vec<crate::multipart::Part>, String>>,
}

/// Reads a `tsRequest` document (an empty body is an empty request).
pub(crate) fn parse_ts_request(body: &[u8]) -> Result<TsRequest, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("The request body is not valid UTF-8."))?;
    if text.trim().is_empty() {
        return Ok(TsRequest::default());
    }
    TsRequest::from_xml(text)
        .map_err(|e| ApiError::bad_request(format!("The request body could not be read: {e}.")))
}

impl Req {
    /// The `tsRequest` body, parsed with `tsc-raw`.
    pub fn ts_request(&self) -> Result<TsRequest, ApiError> {
        parse_ts_request(&self.body)
    }

    pub fn list_params(&self) -> Result<ListParams, ApiError> {
        ListParams::parse(&self.query)
    }

    /// The signed-in caller (every authenticated route has one).
    pub fn caller(&self) -> Result<&Caller, ApiError> {
        self.caller.as_ref().ok_or_else(ApiError::invalid_token)
    }

    /// The path parameter at `i`.
    pub fn param(&self, i: usize) -> &str {
        self.p.get(i).map(String::as_str).unwrap_or("")
    }
}

/// Takes a required element out of a request: `need(body.user, "user")?`.
pub(crate) fn need<T>(v: Option<Box<T>>, name: &str) -> Result<T, ApiError> {
    v.map(|b| *b)
        .ok_or_else(|| ApiError::missing(&format!("<{name}> element")))
}

type Handler = fn(&mut State, &Req) -> Result<Reply, ApiError>;

/// `(method, pattern, handler)`; `:x` segments are parameters. Routes whose pattern starts with
/// `sites/:site/` are checked against the token's site.
const ROUTES: &[(&str, &str, Handler)] = &[
    ("GET", "serverinfo", auth::server_info),
    ("POST", "auth/signin", auth::sign_in),
    ("POST", "auth/signout", auth::sign_out),
    ("POST", "auth/switchSite", auth::switch_site),
    ("GET", "sessions/current", auth::current_session),
    // sites
    ("GET", "sites", sites::list),
    ("POST", "sites", sites::create),
    ("GET", "sites/:site", sites::get),
    ("PUT", "sites/:site", sites::update),
    ("DELETE", "sites/:site", sites::delete),
    // projects
    ("GET", "sites/:site/projects", sites::list_projects),
    ("POST", "sites/:site/projects", sites::create_project),
    ("PUT", "sites/:site/projects/:id", sites::update_project),
    ("DELETE", "sites/:site/projects/:id", sites::delete_project),
    // users
    ("GET", "sites/:site/users", people::list_users),
    ("POST", "sites/:site/users", people::add_user),
    ("GET", "sites/:site/users/:id", people::get_user),
    ("PUT", "sites/:site/users/:id", people::update_user),
    ("DELETE", "sites/:site/users/:id", people::remove_user),
    ("GET", "sites/:site/users/:id/groups", people::user_groups),
    (
        "GET",
        "sites/:site/users/:id/workbooks",
        people::user_workbooks,
    ),
    ("GET", "sites/:site/favorites/:id", people::user_favorites),
    // groups
    ("GET", "sites/:site/groups", people::list_groups),
    ("POST", "sites/:site/groups", people::create_group),
    ("PUT", "sites/:site/groups/:id", people::update_group),
    ("DELETE", "sites/:site/groups/:id", people::delete_group),
    ("GET", "sites/:site/groups/:id/users", people::group_users),
    (
        "POST",
        "sites/:site/groups/:id/users",
        people::add_group_users,
    ),
    (
        "PUT",
        "sites/:site/groups/:id/users/remove",
        people::remove_group_users,
    ),
    (
        "DELETE",
        "sites/:site/groups/:id/users/:user",
        people::remove_group_user,
    ),
    // workbooks
    ("GET", "sites/:site/workbooks", workbooks::list),
    ("POST", "sites/:site/workbooks", workbooks::publish),
    ("GET", "sites/:site/workbooks/:id", workbooks::get),
    ("PUT", "sites/:site/workbooks/:id", workbooks::update),
    ("DELETE", "sites/:site/workbooks/:id", workbooks::delete),
    ("GET", "sites/:site/workbooks/:id/views", workbooks::views),
    (
        "GET",
        "sites/:site/workbooks/:id/connections",
        workbooks::connections,
    ),
    (
        "PUT",
        "sites/:site/workbooks/:id/connections/:conn",
        workbooks::update_connection,
    ),
    (
        "GET",
        "sites/:site/workbooks/:id/previewImage",
        workbooks::preview_image,
    ),
    (
        "GET",
        "sites/:site/workbooks/:id/views/:view/previewImage",
        content::view_preview_image,
    ),
    (
        "GET",
        "sites/:site/workbooks/:id/content",
        workbooks::download,
    ),
    (
        "GET",
        "sites/:site/workbooks/:id/pdf",
        content::workbook_pdf,
    ),
    (
        "POST",
        "sites/:site/workbooks/:id/refresh",
        workbooks::refresh,
    ),
    ("PUT", "sites/:site/workbooks/:id/tags", workbooks::add_tags),
    (
        "DELETE",
        "sites/:site/workbooks/:id/tags/:tag",
        workbooks::delete_tag,
    ),
    // data sources
    ("GET", "sites/:site/datasources", content::list_datasources),
    (
        "POST",
        "sites/:site/datasources",
        content::publish_datasource,
    ),
    (
        "GET",
        "sites/:site/datasources/:id",
        content::get_datasource,
    ),
    (
        "PUT",
        "sites/:site/datasources/:id",
        content::update_datasource,
    ),
    (
        "DELETE",
        "sites/:site/datasources/:id",
        content::delete_datasource,
    ),
    (
        "GET",
        "sites/:site/datasources/:id/connections",
        content::datasource_connections,
    ),
    (
        "PUT",
        "sites/:site/datasources/:id/connections/:conn",
        content::update_datasource_connection,
    ),
    (
        "GET",
        "sites/:site/datasources/:id/content",
        content::download_datasource,
    ),
    (
        "POST",
        "sites/:site/datasources/:id/refresh",
        content::refresh_datasource,
    ),
    (
        "PUT",
        "sites/:site/datasources/:id/tags",
        content::add_datasource_tags,
    ),
    (
        "DELETE",
        "sites/:site/datasources/:id/tags/:tag",
        content::delete_datasource_tag,
    ),
    // views
    ("GET", "sites/:site/views", content::list_views),
    ("GET", "sites/:site/views/:id", content::get_view),
    ("GET", "sites/:site/views/:id/image", content::view_image),
    (
        "GET",
        "sites/:site/views/:id/previewImage",
        content::view_preview_image_direct,
    ),
    ("GET", "sites/:site/views/:id/data", content::view_data),
    ("GET", "sites/:site/views/:id/pdf", content::view_pdf),
    ("PUT", "sites/:site/views/:id/tags", content::add_view_tags),
    (
        "DELETE",
        "sites/:site/views/:id/tags/:tag",
        content::delete_view_tag,
    ),
    // uploads
    ("POST", "sites/:site/fileUploads", content::initiate_upload),
    ("PUT", "sites/:site/fileUploads/:id", content::append_upload),
    // schedules, tasks and jobs
    ("GET", "schedules", tasks::list_schedules),
    ("POST", "schedules", tasks::create_schedule),
    ("GET", "schedules/:id", tasks::get_schedule),
    ("PUT", "schedules/:id", tasks::update_schedule),
    ("DELETE", "schedules/:id", tasks::delete_schedule),
    (
        "PUT",
        "sites/:site/schedules/:id/workbooks",
        tasks::add_workbook_to_schedule,
    ),
    (
        "PUT",
        "sites/:site/schedules/:id/datasources",
        tasks::add_datasource_to_schedule,
    ),
    (
        "GET",
        "sites/:site/tasks/extractRefreshes",
        tasks::list_extract_tasks,
    ),
    ("GET", "sites/:site/jobs", tasks::list_jobs),
    ("GET", "sites/:site/jobs/:id", tasks::get_job),
    ("PUT", "sites/:site/jobs/:id", tasks::cancel_job),
];

fn match_pattern(pattern: &str, segs: &[String]) -> Option<Vec<String>> {
    let pat: Vec<&str> = pattern.split('/').collect();
    if pat.len() != segs.len() {
        return None;
    }
    let mut params = Vec::new();
    for (p, s) in pat.iter().zip(segs) {
        if p.starts_with(':') {
            if s.is_empty() {
                return None;
            }
            params.push(s.clone());
        } else if !p.eq_ignore_ascii_case(s) {
            return None;
        }
    }
    Some(params)
}

/// Token lifetime settings taken from the fault configuration.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TokenPolicy {
    pub ttl_requests: Option<u64>,
    pub ttl: Option<Duration>,
}

/// Routes and answers one request. `segs` are the decoded path segments after `/api/{version}/`.
pub(crate) fn dispatch(
    st: &mut State,
    incoming: Incoming,
    policy: TokenPolicy,
) -> Result<Reply, ApiError> {
    let Incoming {
        method,
        version,
        segs,
        raw_query,
        token,
        body,
        parts,
    } = incoming;
    let segs = segs.as_slice();
    let token = token.as_deref();
    let mut found = None;
    let mut other_method = false;
    for (m, pattern, handler) in ROUTES {
        if let Some(params) = match_pattern(pattern, segs) {
            if m.eq_ignore_ascii_case(method.as_str()) {
                found = Some((*pattern, *handler, params));
                break;
            }
            other_method = true;
        }
    }
    let Some((pattern, handler, params)) = found else {
        if other_method {
            return Err(ApiError::new(
                405,
                codes::METHOD_NOT_ALLOWED,
                "Method Not Allowed",
                format!("The method {method} is not allowed on this resource."),
            ));
        }
        return Err(unknown_resource(&format!("/{version}/{}", segs.join("/"))));
    };
    let public = pattern == "serverinfo" || pattern == "auth/signin";
    let caller = if public {
        None
    } else {
        Some(authenticate(st, token, policy)?)
    };
    if let (Some(c), true) = (&caller, pattern.starts_with("sites/:site/")) {
        let site = params.first().map(String::as_str).unwrap_or("");
        if st.sites.get(site).is_none() {
            return Err(ApiError::not_found(codes::SITE_NOT_FOUND, "Site", site));
        }
        if site != c.site_id {
            return Err(ApiError::new(
                403,
                codes::WRONG_SITE,
                "Forbidden",
                format!(
                    "The auth token was issued for another site than '{site}'. Sign in to that site first."
                ),
            ));
        }
    }
    let req = Req {
        p: params,
        query: parse_query(raw_query.as_deref()),
        body,
        parts,
        caller,
    };
    handler(st, &req)
}

/// The 404 for a URL no route matches.
pub(crate) fn unknown_resource(path: &str) -> ApiError {
    ApiError::new(
        404,
        codes::UNKNOWN_RESOURCE,
        "Resource Not Found",
        format!("Unknown resource '{path}' specified in URI."),
    )
}

fn authenticate(
    st: &mut State,
    token: Option<&str>,
    policy: TokenPolicy,
) -> Result<Caller, ApiError> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Err(ApiError::new(
            401,
            codes::NO_CREDENTIALS,
            "Unauthorized Access",
            "No authentication credentials were provided. Sign in and send the token in X-Tableau-Auth.",
        ));
    };
    let Some(session) = st.sessions.get_mut(token) else {
        return Err(ApiError::invalid_token());
    };
    let expired_by_count = policy.ttl_requests.is_some_and(|n| session.requests >= n);
    let expired_by_time = policy
        .ttl
        .is_some_and(|ttl| session.created.elapsed() >= ttl);
    if expired_by_count || expired_by_time {
        st.sessions.remove(token);
        return Err(ApiError::invalid_token());
    }
    session.requests += 1;
    let caller = Caller {
        token: token.to_string(),
        user_id: session.user_id.clone(),
        site_id: session.site_id.clone(),
    };
    if st.users.get(&caller.user_id).is_none() {
        st.sessions.remove(token);
        return Err(ApiError::invalid_token());
    }
    Ok(caller)
}

/// Whether the caller administers its site (server or site administrator).
pub(crate) fn is_admin(st: &State, req: &Req) -> bool {
    req.caller
        .as_ref()
        .and_then(|c| st.users.get(&c.user_id))
        .is_some_and(|u| {
            u.role() == "ServerAdministrator" || u.role().starts_with("SiteAdministrator")
        })
}

/// Whether the caller is a server administrator.
pub(crate) fn is_server_admin(st: &State, req: &Req) -> bool {
    req.caller
        .as_ref()
        .and_then(|c| st.users.get(&c.user_id))
        .is_some_and(|u| u.role() == "ServerAdministrator")
}

/// 403 unless the caller administers its site.
pub(crate) fn require_admin(st: &State, req: &Req) -> Result<(), ApiError> {
    if is_admin(st, req) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "Only a server or site administrator can do this.",
        ))
    }
}

/// 403 unless the caller may publish (Creator, ExplorerCanPublish, Publisher or an administrator).
pub(crate) fn require_publisher(st: &State, req: &Req) -> Result<(), ApiError> {
    let role = req
        .caller
        .as_ref()
        .and_then(|c| st.users.get(&c.user_id))
        .map(|u| u.role())
        .unwrap_or("");
    if is_admin(st, req) || matches!(role, "Creator" | "ExplorerCanPublish" | "Publisher") {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "The site role '{role}' does not allow publishing or changing content."
        )))
    }
}

/// Parses a boolean leniently (`true`, `True`, `1`).
pub(crate) fn parse_bool(v: &str) -> bool {
    v.eq_ignore_ascii_case("true") || v == "1"
}

/// Labels from a `<tsRequest><tags><tag label/></tags></tsRequest>` body.
pub(crate) fn tag_labels(req: &Req) -> Result<Vec<String>, ApiError> {
    let body = req.ts_request()?;
    let tags = need(body.tags, "tags")?;
    Ok(tags
        .tag
        .into_iter()
        .filter_map(|t| t.label)
        .filter(|l| !l.is_empty())
        .collect())
}
