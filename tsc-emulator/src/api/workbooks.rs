//! Workbooks: list, get, publish (single request or upload session), update, delete, views,
//! connections, preview image, download, refresh, tags. Also the publish plumbing shared with
//! data sources.

use std::collections::BTreeSet;

use bytes::Bytes;
use http::StatusCode;

use super::{Reply, Req, parse_bool, require_publisher, tag_labels, tags_el};
use crate::error::{ApiError, codes};
use crate::multipart;
use crate::query::{Val, apply, flag, param};
use crate::store::{Connection, Job, State, StoredFile, View, Workbook, content_url_for, now};
use crate::xml::El;

/// A 1x1 transparent PNG, answered for preview and view images.
pub(crate) const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A minimal `.twbx` (a stored zip holding one `.twb` with one worksheet) for seeded workbooks.
pub(crate) fn tiny_twbx_bytes(name: &str) -> Vec<u8> {
    let twb = format!(
        "<?xml version='1.0' encoding='utf-8' ?><workbook version='18.1'><worksheets><worksheet name='Sheet 1'/></worksheets></workbook>\n"
    );
    let fname = format!("{name}.twb");
    let data = twb.as_bytes();
    let crc = crc32(data);
    let mut z = Vec::with_capacity(data.len() + 200);
    let le16 = |v: u16| v.to_le_bytes();
    let le32 = |v: u32| v.to_le_bytes();
    // local file header
    z.extend_from_slice(&le32(0x0403_4b50));
    z.extend_from_slice(&le16(20));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(&le16(0x21));
    z.extend_from_slice(&le32(crc));
    z.extend_from_slice(&le32(data.len() as u32));
    z.extend_from_slice(&le32(data.len() as u32));
    z.extend_from_slice(&le16(fname.len() as u16));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(fname.as_bytes());
    z.extend_from_slice(data);
    let cd_start = z.len();
    // central directory
    z.extend_from_slice(&le32(0x0201_4b50));
    z.extend_from_slice(&le16(20));
    z.extend_from_slice(&le16(20));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(&le16(0x21));
    z.extend_from_slice(&le32(crc));
    z.extend_from_slice(&le32(data.len() as u32));
    z.extend_from_slice(&le32(data.len() as u32));
    z.extend_from_slice(&le16(fname.len() as u16));
    z.extend_from_slice(&[0; 12]);
    z.extend_from_slice(&le32(0));
    z.extend_from_slice(fname.as_bytes());
    let cd_len = z.len() - cd_start;
    z.extend_from_slice(&le32(0x0605_4b50));
    z.extend_from_slice(&[0; 4]);
    z.extend_from_slice(&le16(1));
    z.extend_from_slice(&le16(1));
    z.extend_from_slice(&le32(cd_len as u32));
    z.extend_from_slice(&le32(cd_start as u32));
    z.extend_from_slice(&le16(0));
    z
}

/// Size in whole megabytes, rounded up, as Tableau reports `size`.
pub(crate) fn size_mb(bytes: u64) -> u64 {
    bytes.div_ceil(1024 * 1024)
}

pub(crate) fn connection_el(c: &Connection) -> El {
    El::new("connection")
        .attr("id", c.id.clone())
        .attr("type", c.type_.clone())
        .attr("serverAddress", c.server_address.clone())
        .attr("serverPort", c.server_port.clone())
        .attr("userName", c.user_name.clone())
        .attr("embedPassword", c.embed_password.to_string())
        .child_opt(c.datasource_id.as_ref().map(|id| {
            El::new("datasource")
                .attr("id", id.clone())
                .attr("name", c.datasource_name.clone().unwrap_or_default())
        }))
}

pub(crate) fn view_summary_el(v: &View) -> El {
    El::new("view")
        .attr("id", v.id.clone())
        .attr("name", v.name.clone())
        .attr("contentUrl", v.content_url.clone())
        .attr("createdAt", v.created_at.clone())
        .attr("updatedAt", v.updated_at.clone())
        .attr("sheetType", v.sheet_type.clone())
        .attr(
            "viewUrlName",
            v.content_url.rsplit('/').next().unwrap_or("").to_string(),
        )
        .child(tags_el(&v.tags))
}

pub(crate) fn workbook_el(st: &State, w: &Workbook, with_views: bool) -> El {
    let project = st.projects.get(&w.project_id);
    let owner = st.users.get(&w.owner_id);
    let views: Vec<&View> = st.views.iter().filter(|v| v.workbook_id == w.id).collect();
    let mut el = El::new("workbook")
        .attr("id", w.id.clone())
        .attr("name", w.name.clone())
        .attr("description", w.description.clone())
        .attr("contentUrl", w.content_url.clone())
        .attr(
            "webpageUrl",
            format!("https://tableau.example.com/#/workbooks/{}", w.content_url),
        )
        .attr("showTabs", w.show_tabs.to_string())
        .attr("size", size_mb(w.file.len()).to_string())
        .attr("createdAt", w.created_at.clone())
        .attr("updatedAt", w.updated_at.clone())
        .attr("encryptExtracts", "false")
        .attr_opt("defaultViewId", views.first().map(|v| v.id.clone()))
        .child(
            El::new("project")
                .attr("id", w.project_id.clone())
                .attr("name", project.map(|p| p.name.clone()).unwrap_or_default()),
        )
        .child(
            El::new("owner")
                .attr("id", w.owner_id.clone())
                .attr("name", owner.map(|u| u.name.clone()).unwrap_or_default()),
        )
        .child(tags_el(&w.tags));
    if with_views {
        el = el.child(El::new("views").children(views.into_iter().map(view_summary_el)));
    }
    el
}

pub(crate) fn workbook_field(st: &State, w: &Workbook, f: &str) -> Option<Val> {
    let owner = || st.users.get(&w.owner_id);
    Some(match f {
        "name" => Val::s(&w.name),
        "id" => Val::s(&w.id),
        "contentUrl" => Val::s(&w.content_url),
        "createdAt" => Val::s(&w.created_at),
        "updatedAt" | "lastPublishedAt" => Val::s(&w.updated_at),
        "ownerName" => Val::s(owner().map(|u| u.name.clone()).unwrap_or_default()),
        "ownerEmail" => Val::s(owner().and_then(|u| u.email.clone()).unwrap_or_default()),
        "ownerDomain" => Val::s(owner().map(|u| u.domain.clone()).unwrap_or_default()),
        "projectName" => Val::s(
            st.projects
                .get(&w.project_id)
                .map(|p| p.name.clone())
                .unwrap_or_default(),
        ),
        "projectId" => Val::s(&w.project_id),
        "tags" => Val::List(w.tags.iter().cloned().collect()),
        "showTabs" | "displayTabs" => Val::Bool(w.show_tabs),
        "size" => Val::Num(size_mb(w.file.len()) as i64),
        "sheetCount" => Val::Num(st.views.iter().filter(|v| v.workbook_id == w.id).count() as i64),
        "hasAlert" => Val::Bool(false),
        "favoritesTotal" | "subscriptionsTotal" => Val::Num(0),
        _ => return None,
    })
}

pub(crate) fn site_workbook<'a>(
    st: &'a State,
    site: &str,
    id: &str,
) -> Result<&'a Workbook, ApiError> {
    st.workbooks
        .get(id)
        .filter(|w| w.site_id == site)
        .ok_or_else(|| ApiError::not_found(codes::WORKBOOK_NOT_FOUND, "Workbook", id))
}

pub(crate) fn list(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let site = req.param(0);
    let st_ref: &State = st;
    let items = st_ref.workbooks.iter().filter(|w| w.site_id == site);
    let paged = apply(items, &p, |w, f| workbook_field(st_ref, w, f), None)?;
    let els = paged
        .items
        .iter()
        .map(|w| workbook_el(st_ref, w, false))
        .collect();
    Ok(Reply::page(&paged, "workbooks", els, &p.fields))
}

pub(crate) fn get(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let w = site_workbook(st, req.param(0), req.param(1))?;
    Ok(Reply::ok(workbook_el(st, w, true)))
}

/// What a publish request carries: the `tsRequest` payload and the file.
pub(crate) struct Upload {
    pub payload: El,
    pub chunks: Vec<Bytes>,
    pub filename: Option<String>,
}

/// Reads a publish request: `multipart/mixed` with `request_payload` and `file_part`, or (with
/// `uploadSessionId`) a payload plus the file assembled in an upload session.
pub(crate) fn receive_upload(
    st: &mut State,
    req: &Req,
    file_part: &str,
) -> Result<Upload, ApiError> {
    let site = req.param(0).to_string();
    let session = param(&req.query, "uploadSessionId").map(str::to_string);
    let mut payload_bytes: Option<Bytes> = None;
    let mut file: Option<(Bytes, Option<String>)> = None;
    if let Some(b) = multipart::boundary(&req.content_type) {
        let parts = multipart::parse(&req.body, &b).map_err(|e| {
            ApiError::new(
                400,
                codes::BAD_PUBLISH,
                "Bad Request",
                format!("The multipart body could not be read: {e}."),
            )
        })?;
        for part in parts {
            match part.name.as_deref() {
                Some("request_payload") => payload_bytes = Some(part.data),
                Some(n) if n == file_part || n == "tableau_file" => {
                    file = Some((part.data, part.filename))
                }
                _ => {}
            }
        }
    } else if session.is_some() {
        payload_bytes = Some(req.body.clone());
    } else {
        return Err(ApiError::new(
            400,
            codes::BAD_PUBLISH,
            "Bad Request",
            "Publishing needs a multipart/mixed body with request_payload and the file, or an uploadSessionId.",
        ));
    }
    let payload_bytes = payload_bytes.ok_or_else(|| ApiError::missing("request_payload part"))?;
    let text = std::str::from_utf8(&payload_bytes)
        .map_err(|_| ApiError::bad_request("The request_payload is not UTF-8."))?;
    let payload = El::parse(text).map_err(|e| {
        ApiError::bad_request(format!("The request_payload could not be read: {e}."))
    })?;
    if let Some(sid) = session {
        let ok = st.uploads.get(&sid).is_some_and(|u| u.site_id == site);
        if !ok {
            return Err(ApiError::not_found(
                codes::UPLOAD_NOT_FOUND,
                "Upload session",
                &sid,
            ));
        }
        let up = st
            .uploads
            .remove(&sid)
            .ok_or_else(|| ApiError::not_found(codes::UPLOAD_NOT_FOUND, "Upload session", &sid))?;
        return Ok(Upload {
            payload,
            chunks: up.chunks,
            filename: None,
        });
    }
    let (data, filename) = file.ok_or_else(|| {
        ApiError::new(
            400,
            codes::BAD_PUBLISH,
            "Bad Request",
            format!("The publish request has no '{file_part}' part."),
        )
    })?;
    Ok(Upload {
        payload,
        chunks: vec![data],
        filename,
    })
}

/// Sheet names found in a `.twb` (or a `.twbx` whose `.twb` is stored uncompressed).
fn sheet_names(chunks: &[Bytes]) -> Vec<String> {
    let Some(first) = chunks.first() else {
        return Vec::new();
    };
    let hay = &first[..first.len().min(16 * 1024 * 1024)];
    let text = String::from_utf8_lossy(hay);
    let mut names = Vec::new();
    for marker in [
        "<worksheet name='",
        "<worksheet name=\"",
        "<dashboard name='",
        "<dashboard name=\"",
    ] {
        let quote = marker.chars().last().unwrap_or('\'');
        let mut rest: &str = &text;
        while let Some(i) = rest.find(marker) {
            rest = &rest[i + marker.len()..];
            if let Some(end) = rest.find(quote) {
                let n = rest[..end].to_string();
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
    }
    names
}

/// Connections from `<connections><connection serverAddress ...>` in a publish payload.
pub(crate) fn payload_connections(st: &mut State, item: &El) -> Vec<Connection> {
    let mut out = Vec::new();
    if let Some(conns) = item.find("connections") {
        for c in conns.find_all("connection") {
            let creds = c.find("connectionCredentials");
            out.push(Connection {
                id: st.ids.uuid(),
                type_: c.get_nonempty("type").unwrap_or("sqlserver").to_string(),
                server_address: c.get("serverAddress").unwrap_or("").to_string(),
                server_port: c.get("serverPort").unwrap_or("").to_string(),
                user_name: creds
                    .and_then(|x| x.get("name"))
                    .or_else(|| c.get("userName"))
                    .unwrap_or("")
                    .to_string(),
                embed_password: creds.and_then(|x| x.get("embed")).is_some_and(parse_bool),
                datasource_id: None,
                datasource_name: None,
            });
        }
    }
    if let Some(c) = item.find("connectionCredentials") {
        out.push(Connection {
            id: st.ids.uuid(),
            type_: "sqlserver".into(),
            server_address: String::new(),
            server_port: String::new(),
            user_name: c.get("name").unwrap_or("").to_string(),
            embed_password: c.get("embed").is_some_and(parse_bool),
            datasource_id: None,
            datasource_name: None,
        });
    }
    out
}

/// The project a publish goes to (the site's default project when none is named).
pub(crate) fn publish_project(st: &State, site: &str, item: &El) -> Result<String, ApiError> {
    match item.find("project").and_then(|p| p.get_nonempty("id")) {
        Some(pid) => {
            if st.projects.get(pid).is_none_or(|p| p.site_id != site) {
                return Err(ApiError::not_found(
                    codes::PROJECT_NOT_FOUND,
                    "Project",
                    pid,
                ));
            }
            Ok(pid.to_string())
        }
        None => st
            .default_project(site)
            .map(|p| p.id.clone())
            .ok_or_else(|| ApiError::not_found(codes::PROJECT_NOT_FOUND, "Project", "default")),
    }
}

/// A finished job of `type_` (publish and refresh complete at once in the emulator).
pub(crate) fn finished_job(
    st: &mut State,
    site: &str,
    type_: &str,
    wb: Option<String>,
    ds: Option<String>,
) -> El {
    let t = now();
    let job = Job {
        id: st.ids.uuid(),
        site_id: site.to_string(),
        type_: type_.to_string(),
        mode: "Asynchronous".into(),
        progress: 100,
        created_at: t.clone(),
        started_at: Some(t.clone()),
        completed_at: Some(t),
        finish_code: 0,
        workbook_id: wb,
        datasource_id: ds,
    };
    let el = super::tasks::job_el(st, &job);
    st.jobs.insert(job);
    el
}

pub(crate) fn publish(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let site = req.param(0).to_string();
    let up = receive_upload(st, req, "tableau_workbook")?;
    let item = up
        .payload
        .find("workbook")
        .cloned()
        .ok_or_else(|| ApiError::missing("<workbook> element"))?;
    let name = item
        .get_nonempty("name")
        .ok_or_else(|| ApiError::missing("workbook name"))?
        .to_string();
    let ext = param(&req.query, "workbookType")
        .map(str::to_string)
        .or_else(|| {
            up.filename
                .as_deref()
                .and_then(|f| f.rsplit_once('.'))
                .map(|(_, e)| e.to_string())
        })
        .unwrap_or_default()
        .to_ascii_lowercase();
    if ext != "twb" && ext != "twbx" {
        return Err(ApiError::new(
            400,
            codes::BAD_PUBLISH,
            "Bad Request",
            format!("The workbook type '{ext}' is not valid: use twb or twbx."),
        ));
    }
    if up.chunks.iter().all(|c| c.is_empty()) {
        return Err(ApiError::new(
            400,
            codes::BAD_PUBLISH,
            "Bad Request",
            "The workbook file is empty.",
        ));
    }
    let project_id = publish_project(st, &site, &item)?;
    let overwrite = flag(&req.query, "overwrite");
    let existing = st
        .workbooks
        .iter()
        .find(|w| {
            w.site_id == site && w.project_id == project_id && w.name.eq_ignore_ascii_case(&name)
        })
        .map(|w| w.id.clone());
    if existing.is_some() && !overwrite {
        return Err(ApiError::conflict(
            codes::CONTENT_CONFLICT,
            format!(
                "A workbook named '{name}' already exists in the project. Publish with overwrite=true to replace it."
            ),
        ));
    }
    let caller = req.caller()?.user_id.clone();
    let t = now();
    let file = StoredFile {
        filename: format!("{name}.{ext}"),
        chunks: up.chunks,
    };
    let mut connections = payload_connections(st, &item);
    let show_tabs = item.get("showTabs").is_some_and(parse_bool);
    let description = item.get("description").unwrap_or("").to_string();
    let id = match existing {
        Some(id) => {
            let w = st
                .workbooks
                .get_mut(&id)
                .ok_or_else(|| ApiError::not_found(codes::WORKBOOK_NOT_FOUND, "Workbook", &id))?;
            w.file = file;
            w.show_tabs = show_tabs;
            w.updated_at = t;
            if !connections.is_empty() {
                w.connections = connections;
            }
            id
        }
        None => {
            let id = st.ids.uuid();
            let mut content_url = content_url_for(&name);
            let mut n = 1;
            while st
                .workbooks
                .iter()
                .any(|w| w.site_id == site && w.content_url == content_url)
            {
                content_url = format!("{}_{n}", content_url_for(&name));
                n += 1;
            }
            let mut sheets = sheet_names(&file.chunks);
            if sheets.is_empty() {
                sheets.push("Sheet 1".into());
            }
            for sheet in sheets {
                let vid = st.ids.uuid();
                st.views.insert(View {
                    id: vid,
                    site_id: site.clone(),
                    workbook_id: id.clone(),
                    content_url: format!("{content_url}/sheets/{}", content_url_for(&sheet)),
                    name: sheet,
                    sheet_type: "worksheet".into(),
                    owner_id: caller.clone(),
                    project_id: project_id.clone(),
                    tags: BTreeSet::new(),
                    created_at: t.clone(),
                    updated_at: t.clone(),
                    total_views: 0,
                });
            }
            if connections.is_empty() {
                connections.push(Connection {
                    id: st.ids.uuid(),
                    type_: "dataengine".into(),
                    server_address: String::new(),
                    server_port: String::new(),
                    user_name: String::new(),
                    embed_password: false,
                    datasource_id: None,
                    datasource_name: None,
                });
            }
            st.workbooks.insert(Workbook {
                id: id.clone(),
                site_id: site.clone(),
                name,
                description,
                content_url,
                show_tabs,
                project_id,
                owner_id: caller,
                tags: BTreeSet::new(),
                created_at: t.clone(),
                updated_at: t,
                file,
                connections,
            });
            id
        }
    };
    if flag(&req.query, "asJob") {
        let job = finished_job(st, &site, "PublishWorkbook", Some(id), None);
        return Ok(Reply::Xml(
            StatusCode::ACCEPTED,
            El::new("tsResponse").child(job),
        ));
    }
    let w = site_workbook(st, &site, &id)?;
    Ok(Reply::created(workbook_el(st, w, true)))
}

pub(crate) fn update(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    let current = site_workbook(st, &site, &id)?.clone();
    let el = req.body_child("workbook")?;
    let project_id = match el.find("project").and_then(|p| p.get_nonempty("id")) {
        Some(pid) => {
            if st.projects.get(pid).is_none_or(|p| p.site_id != site) {
                return Err(ApiError::not_found(
                    codes::PROJECT_NOT_FOUND,
                    "Project",
                    pid,
                ));
            }
            pid.to_string()
        }
        None => current.project_id.clone(),
    };
    let name = el.get_nonempty("name").unwrap_or(&current.name).to_string();
    if st.workbooks.iter().any(|w| {
        w.site_id == site
            && w.id != id
            && w.project_id == project_id
            && w.name.eq_ignore_ascii_case(&name)
    }) {
        return Err(ApiError::conflict(
            codes::CONTENT_CONFLICT,
            format!("A workbook named '{name}' already exists in the target project."),
        ));
    }
    if let Some(owner) = el.find("owner").and_then(|o| o.get_nonempty("id")) {
        super::people::site_user(st, &site, owner)?;
    }
    let w = st
        .workbooks
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::WORKBOOK_NOT_FOUND, "Workbook", &id))?;
    w.name = name;
    w.project_id = project_id.clone();
    if let Some(v) = el.get("showTabs") {
        w.show_tabs = parse_bool(v);
    }
    if let Some(v) = el.get("description") {
        w.description = v.to_string();
    }
    if let Some(owner) = el.find("owner").and_then(|o| o.get_nonempty("id")) {
        w.owner_id = owner.to_string();
    }
    w.updated_at = now();
    for v in st.views.iter_mut().filter(|v| v.workbook_id == id) {
        v.project_id = project_id.clone();
    }
    let w = site_workbook(st, &site, &id)?;
    Ok(Reply::ok(workbook_el(st, w, true)))
}

pub(crate) fn delete(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_workbook(st, &site, &id)?;
    st.remove_workbook(&id);
    Ok(Reply::NoContent)
}

pub(crate) fn views(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let w = site_workbook(st, req.param(0), req.param(1))?;
    let els = st
        .views
        .iter()
        .filter(|v| v.workbook_id == w.id)
        .map(view_summary_el);
    Ok(Reply::ok(El::new("views").children(els)))
}

pub(crate) fn connections(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let w = site_workbook(st, req.param(0), req.param(1))?;
    Ok(Reply::ok(
        El::new("connections").children(w.connections.iter().map(connection_el)),
    ))
}

/// Applies a `<connection>` update body to a connection.
pub(crate) fn apply_connection_update(c: &mut Connection, el: &El) {
    if let Some(v) = el.get("serverAddress") {
        c.server_address = v.to_string();
    }
    if let Some(v) = el.get("serverPort") {
        c.server_port = v.to_string();
    }
    if let Some(v) = el.get("userName") {
        c.user_name = v.to_string();
    }
    if let Some(v) = el.get("embedPassword") {
        c.embed_password = parse_bool(v);
    }
}

pub(crate) fn update_connection(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id, cid) = (
        req.param(0).to_string(),
        req.param(1).to_string(),
        req.param(2).to_string(),
    );
    site_workbook(st, &site, &id)?;
    let el = req.body_child("connection")?;
    let w = st
        .workbooks
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::WORKBOOK_NOT_FOUND, "Workbook", &id))?;
    let c = w
        .connections
        .iter_mut()
        .find(|c| c.id == cid)
        .ok_or_else(|| ApiError::not_found(codes::CONNECTION_NOT_FOUND, "Connection", &cid))?;
    apply_connection_update(c, &el);
    Ok(Reply::ok(connection_el(c)))
}

pub(crate) fn preview_image(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    site_workbook(st, req.param(0), req.param(1))?;
    Ok(Reply::Raw {
        content_type: "image/png",
        data: Bytes::from_static(PNG),
    })
}

pub(crate) fn download(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let w = site_workbook(st, req.param(0), req.param(1))?;
    let ext = w
        .file
        .filename
        .rsplit_once('.')
        .map(|(_, e)| e)
        .unwrap_or("twbx");
    Ok(Reply::File {
        filename: format!("{}.{ext}", w.name),
        content_type: "application/octet-stream",
        chunks: w.file.chunks.clone(),
    })
}

pub(crate) fn refresh(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let site = req.param(0).to_string();
    let id = site_workbook(st, &site, req.param(1))?.id.clone();
    let job = finished_job(st, &site, "RefreshExtract", Some(id), None);
    Ok(Reply::Xml(
        StatusCode::ACCEPTED,
        El::new("tsResponse").child(job),
    ))
}

pub(crate) fn add_tags(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_workbook(st, &site, &id)?;
    let labels = tag_labels(req)?;
    let w = st
        .workbooks
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::WORKBOOK_NOT_FOUND, "Workbook", &id))?;
    w.tags.extend(labels);
    Ok(Reply::ok(tags_el(&w.tags)))
}

pub(crate) fn delete_tag(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id, tag) = (
        req.param(0).to_string(),
        req.param(1).to_string(),
        req.param(2).to_string(),
    );
    site_workbook(st, &site, &id)?;
    let w = st
        .workbooks
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::WORKBOOK_NOT_FOUND, "Workbook", &id))?;
    if !w.tags.remove(&tag) {
        return Err(ApiError::not_found(codes::TAG_NOT_FOUND, "Tag", &tag));
    }
    Ok(Reply::NoContent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_known_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn tiny_twbx_is_a_zip_with_one_sheet() {
        let z = tiny_twbx_bytes("wb");
        assert_eq!(&z[..4], b"PK\x03\x04");
        assert_eq!(sheet_names(&[Bytes::from(z)]), vec!["Sheet 1".to_string()]);
    }
}
