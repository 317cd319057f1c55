//! Workbooks: list, get, publish (single request or upload session), update, delete, views,
//! connections, preview image, download, refresh, tags. Also the publish plumbing shared with
//! data sources.

use bytes::Bytes;
use tsc_raw::{
    ConnectionCredentialsType, ConnectionListType, ConnectionType, JobType, ProjectType, TsRequest,
    TsResponse, UserType, ViewListType, ViewType, WorkbookListType, WorkbookType,
};

use super::people::requested_owner;
use super::sites::site_project;
use super::{Reply, Req, need, parse_bool, parse_ts_request, require_publisher, tag_labels};
use crate::error::{ApiError, codes};
use crate::query::{ListParams, Val, apply, flag, param, select};
use crate::store::{
    Content, ContentItem, Job, State, StoredFile, Table, View, Workbook, content_url_for, dt, dtxt,
    named_in_project, now, project_ref, s, tag_list, tags_of, txt, user_ref,
};

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
    let twb = "<?xml version='1.0' encoding='utf-8' ?><workbook version='18.1'><worksheets><worksheet name='Sheet 1'/></worksheets></workbook>\n";
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

/// A view as listed inside a workbook.
pub(crate) fn view_summary(v: &View) -> ViewType {
    let mut item = v.item.clone();
    item.tags = Some(item.tags.unwrap_or_default());
    item
}

/// The workbook as answered: project and owner names, size, default view (and views).
pub(crate) fn workbook_out(
    st: &State,
    w: &Workbook,
    views: &[&View],
    with_views: bool,
    fields: &Option<Vec<String>>,
) -> WorkbookType {
    let mut item = w.item.clone();
    item.project = Some(ProjectType {
        id: s(w.project_id()),
        name: st
            .projects
            .get(w.project_id())
            .and_then(|p| p.item.name.clone()),
        ..Default::default()
    });
    item.owner = Some(UserType {
        id: s(w.owner_id()),
        name: st.users.get(w.owner_id()).and_then(|u| u.item.name.clone()),
        ..Default::default()
    });
    item.size = Some(size_mb(w.file.len()));
    item.sheet_count = Some(views.len() as u64);
    item.default_view_id = views.first().map(|v| v.id.clone());
    item.webpage_url = s(format!(
        "https://tableau.example.com/#/workbooks/{}",
        txt(&w.item.content_url)
    ));
    item.encrypt_extracts = s("false");
    item.tags = Some(item.tags.unwrap_or_default());
    if with_views {
        item.views = Some(ViewListType {
            view: views.iter().map(|v| view_summary(v)).collect(),
        });
    }
    select!(item, fields, WorkbookType, {
        "name" => name, "description" => description, "contentUrl" => content_url, "webpageUrl" => webpage_url,
        "showTabs" => show_tabs, "size" => size, "createdAt" => created_at, "updatedAt" => updated_at,
        "sheetCount" => sheet_count, "defaultViewId" => default_view_id, "encryptExtracts" => encrypt_extracts,
        "project" => project, "owner" => owner, "tags" => tags, "views" => views, "hasExtracts" => has_extracts,
    })
}

/// The views of every workbook, built once per listing (instead of a scan per workbook).
pub(crate) fn views_by_workbook(st: &State) -> std::collections::HashMap<&str, Vec<&View>> {
    let mut map: std::collections::HashMap<&str, Vec<&View>> = std::collections::HashMap::new();
    for v in st.views.iter() {
        map.entry(v.workbook_id.as_str()).or_default().push(v);
    }
    map
}

/// The views of one workbook.
pub(crate) fn views_of<'a>(st: &'a State, workbook_id: &str) -> Vec<&'a View> {
    st.views
        .iter()
        .filter(|v| v.workbook_id == workbook_id)
        .collect()
}

pub(crate) fn workbook_field(st: &State, w: &Workbook, f: &str) -> Option<Val> {
    let owner = || st.users.get(w.owner_id());
    Some(match f {
        "name" => Val::s(w.name()),
        "id" => Val::s(&w.id),
        "contentUrl" => Val::s(txt(&w.item.content_url)),
        "createdAt" => Val::s(dtxt(&w.item.created_at)),
        "updatedAt" | "lastPublishedAt" => Val::s(dtxt(&w.item.updated_at)),
        "ownerName" => Val::s(owner().map(|u| u.name().to_string()).unwrap_or_default()),
        "ownerEmail" => Val::s(
            owner()
                .map(|u| txt(&u.item.email).to_string())
                .unwrap_or_default(),
        ),
        "ownerDomain" => Val::s("local"),
        "projectName" => Val::s(
            st.projects
                .get(w.project_id())
                .map(|p| p.name().to_string())
                .unwrap_or_default(),
        ),
        "projectId" => Val::s(w.project_id()),
        "tags" => Val::List(w.tags()),
        "showTabs" | "displayTabs" => Val::Bool(parse_bool(txt(&w.item.show_tabs))),
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

/// One page of `items` (filtered, sorted and paged by `p`) as a `<workbooks>` answer.
pub(crate) fn workbooks_page<'a>(
    st: &'a State,
    items: impl Iterator<Item = &'a Workbook>,
    p: &ListParams,
) -> Result<Reply, ApiError> {
    let paged = apply(items, p, |w, f| workbook_field(st, w, f))?;
    let index = views_by_workbook(st);
    Ok(Reply::ok(TsResponse {
        pagination: paged.pagination(),
        workbooks: Some(Box::new(WorkbookListType {
            workbook: paged
                .items
                .iter()
                .map(|w| {
                    let views = index
                        .get(w.id.as_str())
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    workbook_out(st, w, views, false, &p.fields)
                })
                .collect(),
        })),
        ..Default::default()
    }))
}

pub(crate) fn list(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let site = req.param(0);
    let items = st.workbooks.iter().filter(|w| w.site_id == site);
    workbooks_page(st, items, &p)
}

fn one_workbook(st: &State, w: &Workbook) -> TsResponse {
    TsResponse {
        workbook: Some(Box::new(workbook_out(
            st,
            w,
            &views_of(st, &w.id),
            true,
            &None,
        ))),
        ..Default::default()
    }
}

pub(crate) fn get(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let w = site_workbook(st, req.param(0), req.param(1))?;
    Ok(Reply::ok(one_workbook(st, w)))
}

/// What a publish request carries: the `tsRequest` payload and the file.
pub(crate) struct Upload {
    pub payload: TsRequest,
    pub chunks: Vec<Bytes>,
    pub filename: Option<String>,
}

fn bad_publish(detail: impl Into<String>) -> ApiError {
    ApiError::new(400, codes::BAD_PUBLISH, "Bad Request", detail)
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
    if let Some(parts) = &req.parts {
        let parts = parts
            .clone()
            .map_err(|e| bad_publish(format!("The multipart body could not be read: {e}.")))?;
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
        return Err(bad_publish(
            "Publishing needs a multipart/mixed body with request_payload and the file, or an uploadSessionId.",
        ));
    }
    let payload_bytes = payload_bytes.ok_or_else(|| ApiError::missing("request_payload part"))?;
    let payload = parse_ts_request(&payload_bytes)?;
    if let Some(sid) = session {
        if st.uploads.get(&sid).is_none_or(|u| u.site_id != site) {
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
    let (data, filename) =
        file.ok_or_else(|| bad_publish(format!("The publish request has no '{file_part}' part.")))?;
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
    let hay = &first[..first.len().min(4 * 1024 * 1024)];
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

/// Connections named in a publish payload (`<connections>` or `<connectionCredentials>`).
pub(crate) fn payload_connections(
    st: &mut State,
    list: Option<&ConnectionListType>,
    creds: Option<&ConnectionCredentialsType>,
) -> Vec<ConnectionType> {
    let mut out = Vec::new();
    for c in list.map(|l| l.connection.as_slice()).unwrap_or_default() {
        let cc = c.connection_credentials.as_ref();
        out.push(ConnectionType {
            id: s(st.ids.uuid()),
            type_: c.type_.clone().or_else(|| s("sqlserver")),
            server_address: c.server_address.clone(),
            server_port: c.server_port,
            user_name: cc
                .and_then(|x| x.name.clone())
                .or_else(|| c.user_name.clone()),
            embed_password: Some(cc.and_then(|x| x.embed.as_deref()).is_some_and(parse_bool)),
            ..Default::default()
        });
    }
    if let Some(cc) = creds {
        out.push(ConnectionType {
            id: s(st.ids.uuid()),
            type_: s("sqlserver"),
            user_name: cc.name.clone(),
            embed_password: Some(cc.embed.as_deref().is_some_and(parse_bool)),
            ..Default::default()
        });
    }
    out
}

/// The project a publish goes to (the site's default project when none is named).
pub(crate) fn publish_project(
    st: &State,
    site: &str,
    project: Option<&ProjectType>,
) -> Result<String, ApiError> {
    match project
        .and_then(|p| p.id.as_deref())
        .filter(|p| !p.is_empty())
    {
        Some(pid) => Ok(site_project(st, site, pid)?.id.clone()),
        None => st
            .default_project(site)
            .map(|p| p.id.clone())
            .ok_or_else(|| ApiError::not_found(codes::PROJECT_NOT_FOUND, "Project", "default")),
    }
}

/// Where an updated workbook or data source goes: see [`content_update`].
pub(crate) struct ContentUpdate {
    pub project_id: String,
    pub name: String,
    pub owner: Option<String>,
}

/// The project, name and owner an Update Workbook or Update Data Source request asks for (each
/// defaulting to the current one), checked in this order: the project is on the item's
/// site, no other item of `table` in that project has the name (409 with `name_conflict`,
/// "A {kind} named .. already exists"), and the new owner is a user of the site.
pub(crate) fn content_update<T: ContentItem>(
    st: &State,
    table: &Table<Content<T>>,
    current: &Content<T>,
    requested: &T,
    (name_conflict, kind): (&'static str, &str),
) -> Result<ContentUpdate, ApiError> {
    let site = current.site_id.as_str();
    let project_id = match requested.project_id().filter(|p| !p.is_empty()) {
        Some(pid) => site_project(st, site, pid)?.id.clone(),
        None => current.project_id().to_string(),
    };
    let name = requested
        .name()
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| current.name().to_string());
    if named_in_project(table, site, &project_id, &name).any(|c| c.id != current.id) {
        return Err(ApiError::conflict(
            name_conflict,
            format!("A {kind} named '{name}' already exists in the target project."),
        ));
    }
    let owner = requested_owner(st, site, requested.owner_id())?;
    Ok(ContentUpdate {
        project_id,
        name,
        owner,
    })
}

/// A job of `type_`: finished at once, or running for the emulator's job duration.
pub(crate) fn finished_job(
    st: &mut State,
    site: &str,
    type_: &str,
    wb: Option<String>,
    ds: Option<String>,
) -> TsResponse {
    let t = now();
    let id = st.ids.uuid();
    let instant = st.job_duration.is_zero();
    let job = Job {
        id: id.clone(),
        site_id: site.to_string(),
        item: JobType {
            id: s(&id),
            mode: Some(tsc_raw::JobMode::Asynchronous),
            type_: Some(crate::store::en(type_)),
            progress: Some(if instant { 100 } else { 0 }),
            created_at: dt(&t),
            started_at: dt(&t),
            completed_at: if instant { dt(&t) } else { None },
            finish_code: if instant { Some(0) } else { None },
            ..Default::default()
        },
        workbook_id: wb,
        datasource_id: ds,
        started: std::time::Instant::now(),
    };
    let out = super::tasks::job_out(st, &job);
    st.jobs.insert(job);
    TsResponse {
        job: Some(Box::new(out)),
        ..Default::default()
    }
}

/// The file extension asked for by `?{param}=` or taken from the uploaded file name.
pub(crate) fn publish_ext(req: &Req, type_param: &str, filename: Option<&str>) -> String {
    param(&req.query, type_param)
        .map(str::to_string)
        .or_else(|| {
            filename
                .and_then(|f| f.rsplit_once('.'))
                .map(|(_, e)| e.to_string())
        })
        .unwrap_or_default()
        .to_ascii_lowercase()
}

pub(crate) fn publish(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let site = req.param(0).to_string();
    let up = receive_upload(st, req, "tableau_workbook")?;
    let from = need(up.payload.workbook, "workbook")?;
    let name = from
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::missing("workbook name"))?;
    let ext = publish_ext(req, "workbookType", up.filename.as_deref());
    if ext != "twb" && ext != "twbx" {
        return Err(bad_publish(format!(
            "The workbook type '{ext}' is not valid: use twb or twbx."
        )));
    }
    if up.chunks.iter().all(|c| c.is_empty()) {
        return Err(bad_publish("The workbook file is empty."));
    }
    let project_id = publish_project(st, &site, from.project.as_ref())?;
    let overwrite = flag(&req.query, "overwrite");
    let existing = named_in_project(&st.workbooks, &site, &project_id, &name)
        .next()
        .map(|w| w.id.clone());
    if existing.is_some() && !overwrite {
        return Err(ApiError::overwrite_forbidden("workbook", &name));
    }
    let caller = req.caller()?.user_id.clone();
    let t = now();
    let file = StoredFile {
        filename: format!("{name}.{ext}"),
        chunks: up.chunks,
    };
    let mut connections = payload_connections(
        st,
        from.connections.as_ref(),
        from.connection_credentials.as_ref(),
    );
    let show_tabs = s(parse_bool(txt(&from.show_tabs)).to_string());
    let id = match existing {
        Some(id) => {
            let w = st
                .workbooks
                .get_mut(&id)
                .ok_or_else(|| ApiError::not_found(codes::WORKBOOK_NOT_FOUND, "Workbook", &id))?;
            w.file = file;
            w.item.show_tabs = show_tabs;
            w.item.updated_at = dt(&t);
            if !connections.is_empty() {
                w.connections = connections;
            }
            id
        }
        None => {
            let id = st.ids.uuid();
            let base = content_url_for(&name);
            let mut content_url = base.clone();
            let mut n = 1;
            while st
                .workbooks
                .iter()
                .any(|w| w.site_id == site && txt(&w.item.content_url) == content_url)
            {
                content_url = format!("{base}_{n}");
                n += 1;
            }
            let mut sheets = sheet_names(&file.chunks);
            if sheets.is_empty() {
                sheets.push("Sheet 1".into());
            }
            for sheet in sheets {
                let vid = st.ids.uuid();
                let url_name = content_url_for(&sheet);
                st.views.insert(View {
                    id: vid.clone(),
                    site_id: site.clone(),
                    workbook_id: id.clone(),
                    item: ViewType {
                        id: s(&vid),
                        name: s(&sheet),
                        content_url: s(format!("{content_url}/sheets/{url_name}")),
                        view_url_name: s(url_name),
                        sheet_type: s("worksheet"),
                        created_at: dt(&t),
                        updated_at: dt(&t),
                        ..Default::default()
                    },
                    owner_id: caller.clone(),
                    project_id: project_id.clone(),
                    total_views: 0,
                });
            }
            if connections.is_empty() {
                connections.push(ConnectionType {
                    id: s(st.ids.uuid()),
                    type_: s("dataengine"),
                    server_address: s(""),
                    user_name: s(""),
                    embed_password: Some(false),
                    ..Default::default()
                });
            }
            st.workbooks.insert(Workbook {
                id: id.clone(),
                site_id: site.clone(),
                item: WorkbookType {
                    id: s(&id),
                    name: Some(name),
                    description: Some(from.description.clone().unwrap_or_default()),
                    content_url: Some(content_url),
                    show_tabs,
                    created_at: dt(&t),
                    updated_at: dt(&t),
                    project: project_ref(&project_id),
                    owner: user_ref(&caller),
                    tags: tags_of(Vec::new()),
                    ..Default::default()
                },
                file,
                connections,
            });
            id
        }
    };
    if flag(&req.query, "asJob") {
        return Ok(Reply::accepted(finished_job(
            st,
            &site,
            "PublishWorkbook",
            Some(id),
            None,
        )));
    }
    let w = site_workbook(st, &site, &id)?;
    Ok(Reply::created(one_workbook(st, w)))
}

pub(crate) fn update(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    let current = site_workbook(st, &site, &id)?;
    let from = need(req.ts_request()?.workbook, "workbook")?;
    let ContentUpdate {
        project_id,
        name,
        owner,
    } = content_update(
        st,
        &st.workbooks,
        current,
        &from,
        (codes::WORKBOOK_NAME_CONFLICT, "workbook"),
    )?;
    let w = st
        .workbooks
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::WORKBOOK_NOT_FOUND, "Workbook", &id))?;
    w.item.name = Some(name);
    w.item.project = project_ref(&project_id);
    if let Some(v) = from.show_tabs.as_deref() {
        w.item.show_tabs = s(parse_bool(v).to_string());
    }
    if from.description.is_some() {
        w.item.description = from.description.clone();
    }
    if let Some(owner) = owner {
        w.item.owner = user_ref(&owner);
    }
    w.item.updated_at = dt(&now());
    for v in st.views.iter_mut().filter(|v| v.workbook_id == id) {
        v.project_id = project_id.clone();
    }
    let w = site_workbook(st, &site, &id)?;
    Ok(Reply::ok(one_workbook(st, w)))
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
    let usage = flag(&req.query, "includeUsageStatistics");
    let view = st
        .views
        .iter()
        .filter(|v| v.workbook_id == w.id)
        .map(|v| {
            let mut item = view_summary(v);
            if usage {
                item.usage = Some(tsc_raw::ViewUsage {
                    total_view_count: Some(v.total_views),
                });
            }
            item
        })
        .collect();
    Ok(Reply::ok(TsResponse {
        views: Some(Box::new(ViewListType { view })),
        ..Default::default()
    }))
}

pub(crate) fn connections(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let w = site_workbook(st, req.param(0), req.param(1))?;
    Ok(Reply::ok(TsResponse {
        connections: Some(Box::new(ConnectionListType {
            connection: w.connections.clone(),
        })),
        ..Default::default()
    }))
}

/// Update Workbook Connection / Update Data Source Connection: applies `from` to the stored
/// connection `cid` and answers it.
pub(crate) fn update_stored_connection(
    connections: &mut [ConnectionType],
    cid: &str,
    from: &ConnectionType,
) -> Result<Reply, ApiError> {
    let c = connections
        .iter_mut()
        .find(|c| c.id.as_deref() == Some(cid))
        .ok_or_else(|| ApiError::not_found(codes::CONNECTION_NOT_FOUND, "Connection", cid))?;
    apply_connection_update(c, from);
    Ok(Reply::ok(TsResponse {
        connection: Some(Box::new(c.clone())),
        ..Default::default()
    }))
}

/// Applies a `<connection>` update to a stored connection.
fn apply_connection_update(c: &mut ConnectionType, from: &ConnectionType) {
    if from.server_address.is_some() {
        c.server_address = from.server_address.clone();
    }
    if from.server_port.is_some() {
        c.server_port = from.server_port;
    }
    if from.user_name.is_some() {
        c.user_name = from.user_name.clone();
    }
    if from.embed_password.is_some() {
        c.embed_password = from.embed_password;
    }
    if from.query_tagging_enabled.is_some() {
        c.query_tagging_enabled = from.query_tagging_enabled;
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
    let from = need(req.ts_request()?.connection, "connection")?;
    let w = st
        .workbooks
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::WORKBOOK_NOT_FOUND, "Workbook", &id))?;
    update_stored_connection(&mut w.connections, &cid, &from)
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
    Ok(download_reply(w, "twbx"))
}

/// The stored file of a workbook or data source as a download named after the item, keeping
/// the published file's extension (`default_ext` when it had none).
pub(crate) fn download_reply<T: ContentItem>(c: &Content<T>, default_ext: &str) -> Reply {
    let ext = c
        .file
        .filename
        .rsplit_once('.')
        .map(|(_, e)| e)
        .unwrap_or(default_ext);
    Reply::File {
        filename: format!("{}.{ext}", c.name()),
        content_type: "application/octet-stream",
        chunks: c.file.chunks.clone(),
    }
}

pub(crate) fn refresh(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let site = req.param(0).to_string();
    let id = site_workbook(st, &site, req.param(1))?.id.clone();
    Ok(Reply::accepted(finished_job(
        st,
        &site,
        "RefreshExtract",
        Some(id),
        None,
    )))
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
    w.item.tags = tags_of(tag_list(&w.item.tags).into_iter().chain(labels));
    Ok(Reply::ok(TsResponse {
        tags: w.item.tags.clone().map(Box::new),
        ..Default::default()
    }))
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
    let mut labels = tag_list(&w.item.tags);
    let before = labels.len();
    labels.retain(|l| *l != tag);
    if labels.len() == before {
        return Err(ApiError::not_found(codes::TAG_NOT_FOUND, "Tag", &tag));
    }
    w.item.tags = tags_of(labels);
    Ok(Reply::NoContent)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
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
