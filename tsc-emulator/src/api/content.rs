//! Data sources, views and upload sessions.

use bytes::Bytes;
use tsc_raw::{
    ConnectionListType, ConnectionType, DataSourceListType, DataSourceType, FileUploadType,
    ProjectType, TsResponse, UserType, ViewListType, ViewType, ViewUsage, WorkbookType,
};

use super::workbooks::{
    ContentUpdate, PNG, content_update, download_reply, finished_job, payload_connections,
    publish_ext, publish_project, receive_upload, site_workbook, size_mb, update_stored_connection,
};
use super::{Reply, Req, need, require_publisher, tag_labels};
use crate::error::{ApiError, codes};
use crate::query::{Val, apply, flag, select};
use crate::store::{
    Datasource, State, StoredFile, UploadSession, View, content_url_for, dt, dtxt,
    named_in_project, now, project_ref, s, tag_list, tags_of, txt, user_ref,
};

// ---------------------------------------------------------------------------------------------
// data sources

fn datasource_out(st: &State, d: &Datasource, fields: &Option<Vec<String>>) -> DataSourceType {
    let mut item = d.item.clone();
    item.project = Some(ProjectType {
        id: s(d.project_id()),
        name: st
            .projects
            .get(d.project_id())
            .and_then(|p| p.item.name.clone()),
        ..Default::default()
    });
    item.owner = Some(UserType {
        id: s(d.owner_id()),
        name: st.users.get(d.owner_id()).and_then(|u| u.item.name.clone()),
        ..Default::default()
    });
    item.size = Some(size_mb(d.file.len()));
    item.webpage_url = s(format!(
        "https://tableau.example.com/#/datasources/{}",
        txt(&d.item.content_url)
    ));
    item.encrypt_extracts = s("false");
    item.tags = Some(item.tags.unwrap_or_default());
    select!(item, fields, DataSourceType, {
        "name" => name, "description" => description, "contentUrl" => content_url, "type" => type_,
        "createdAt" => created_at, "updatedAt" => updated_at, "isCertified" => is_certified,
        "certificationNote" => certification_note, "hasExtracts" => has_extracts, "size" => size,
        "webpageUrl" => webpage_url, "encryptExtracts" => encrypt_extracts, "project" => project, "owner" => owner,
        "tags" => tags,
    })
}

fn datasource_field(st: &State, d: &Datasource, f: &str) -> Option<Val> {
    let owner = || st.users.get(d.owner_id());
    Some(match f {
        "name" => Val::s(d.name()),
        "id" => Val::s(&d.id),
        "contentUrl" => Val::s(txt(&d.item.content_url)),
        "createdAt" => Val::s(dtxt(&d.item.created_at)),
        "updatedAt" => Val::s(dtxt(&d.item.updated_at)),
        "type" | "connectionTo" | "connectionType" => Val::s(txt(&d.item.type_)),
        "ownerName" => Val::s(owner().map(|u| u.name().to_string()).unwrap_or_default()),
        "ownerEmail" => Val::s(
            owner()
                .map(|u| txt(&u.item.email).to_string())
                .unwrap_or_default(),
        ),
        "ownerDomain" => Val::s("local"),
        "projectName" => Val::s(
            st.projects
                .get(d.project_id())
                .map(|p| p.name().to_string())
                .unwrap_or_default(),
        ),
        "projectId" => Val::s(d.project_id()),
        "tags" => Val::List(tag_list(&d.item.tags)),
        "isCertified" => Val::Bool(d.item.is_certified.unwrap_or(false)),
        "hasExtracts" => Val::Bool(d.item.has_extracts.unwrap_or(false)),
        "description" => Val::s(txt(&d.item.description)),
        _ => return None,
    })
}

fn site_datasource<'a>(st: &'a State, site: &str, id: &str) -> Result<&'a Datasource, ApiError> {
    st.datasources
        .get(id)
        .filter(|d| d.site_id == site)
        .ok_or_else(|| ApiError::not_found(codes::DATASOURCE_NOT_FOUND, "Data source", id))
}

fn datasource_mut<'a>(st: &'a mut State, id: &str) -> Result<&'a mut Datasource, ApiError> {
    st.datasources
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found(codes::DATASOURCE_NOT_FOUND, "Data source", id))
}

fn one_datasource(st: &State, d: &Datasource) -> TsResponse {
    TsResponse {
        datasource: Some(Box::new(datasource_out(st, d, &None))),
        ..Default::default()
    }
}

pub(crate) fn list_datasources(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let site = req.param(0);
    let st_ref: &State = st;
    let items = st_ref.datasources.iter().filter(|d| d.site_id == site);
    let paged = apply(items, &p, |d, f| datasource_field(st_ref, d, f))?;
    Ok(Reply::ok(TsResponse {
        pagination: paged.pagination(),
        datasources: Some(Box::new(DataSourceListType {
            datasource: paged
                .items
                .iter()
                .map(|d| datasource_out(st_ref, d, &p.fields))
                .collect(),
            ..Default::default()
        })),
        ..Default::default()
    }))
}

pub(crate) fn get_datasource(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let d = site_datasource(st, req.param(0), req.param(1))?;
    Ok(Reply::ok(one_datasource(st, d)))
}

pub(crate) fn publish_datasource(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let site = req.param(0).to_string();
    let up = receive_upload(st, req, "tableau_datasource")?;
    let from = need(up.payload.datasource, "datasource")?;
    let name = from
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::missing("datasource name"))?;
    let ext = publish_ext(req, "datasourceType", up.filename.as_deref());
    if !["tds", "tdsx", "tde", "hyper", "parquet"].contains(&ext.as_str()) {
        return Err(ApiError::new(
            400,
            codes::BAD_PUBLISH,
            "Bad Request",
            format!(
                "The data source type '{ext}' is not valid: use tds, tdsx, tde, hyper or parquet."
            ),
        ));
    }
    if up.chunks.iter().all(|c| c.is_empty()) {
        return Err(ApiError::new(
            400,
            codes::BAD_PUBLISH,
            "Bad Request",
            "The data source file is empty.",
        ));
    }
    let project_id = publish_project(st, &site, from.project.as_ref())?;
    let (overwrite, append) = (flag(&req.query, "overwrite"), flag(&req.query, "append"));
    let existing = named_in_project(&st.datasources, &site, &project_id, &name)
        .next()
        .map(|d| d.id.clone());
    if existing.is_some() && !overwrite && !append {
        return Err(ApiError::overwrite_forbidden("data source", &name));
    }
    let t = now();
    let mut connections = payload_connections(st, None, from.connection_credentials.as_ref());
    let live = ext == "tds";
    let id = match existing {
        Some(id) => {
            let d = datasource_mut(st, &id)?;
            if append {
                d.file.chunks.extend(up.chunks);
            } else {
                d.file = StoredFile {
                    filename: format!("{name}.{ext}"),
                    chunks: up.chunks,
                };
            }
            d.item.updated_at = dt(&t);
            id
        }
        None => {
            let id = st.ids.uuid();
            if connections.is_empty() {
                connections.push(ConnectionType {
                    id: s(st.ids.uuid()),
                    type_: s(if live { "sqlserver" } else { "hyper" }),
                    server_address: s(if live { "db.example.com" } else { "localhost" }),
                    server_port: live.then_some(1433),
                    user_name: s(""),
                    embed_password: Some(false),
                    ..Default::default()
                });
            }
            let caller = req.caller()?.user_id.clone();
            st.datasources.insert(Datasource {
                id: id.clone(),
                site_id: site.clone(),
                item: DataSourceType {
                    id: s(&id),
                    name: Some(name.clone()),
                    content_url: s(content_url_for(&name)),
                    description: Some(from.description.clone().unwrap_or_default()),
                    type_: s(if live { "sqlserver" } else { "hyper" }),
                    is_certified: Some(false),
                    has_extracts: Some(!live),
                    created_at: dt(&t),
                    updated_at: dt(&t),
                    project: project_ref(&project_id),
                    owner: user_ref(&caller),
                    tags: tags_of(Vec::new()),
                    ..Default::default()
                },
                file: StoredFile {
                    filename: format!("{name}.{ext}"),
                    chunks: up.chunks,
                },
                connections,
            });
            id
        }
    };
    if flag(&req.query, "asJob") {
        return Ok(Reply::accepted(finished_job(
            st,
            &site,
            "PublishDatasource",
            None,
            Some(id),
        )));
    }
    let d = site_datasource(st, &site, &id)?;
    Ok(Reply::created(one_datasource(st, d)))
}

pub(crate) fn update_datasource(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    let current = site_datasource(st, &site, &id)?;
    let from = need(req.ts_request()?.datasource, "datasource")?;
    let ContentUpdate {
        project_id,
        name,
        owner,
    } = content_update(
        st,
        &st.datasources,
        current,
        &from,
        (codes::DATASOURCE_NAME_CONFLICT, "data source"),
    )?;
    let d = datasource_mut(st, &id)?;
    d.item.name = Some(name);
    d.item.project = project_ref(&project_id);
    if from.is_certified.is_some() {
        d.item.is_certified = from.is_certified;
    }
    if from.certification_note.is_some() {
        d.item.certification_note = from.certification_note.clone();
    }
    if from.description.is_some() {
        d.item.description = from.description.clone();
    }
    if let Some(owner) = owner {
        d.item.owner = user_ref(&owner);
    }
    d.item.updated_at = dt(&now());
    let d = site_datasource(st, &site, &id)?;
    Ok(Reply::ok(one_datasource(st, d)))
}

pub(crate) fn delete_datasource(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_datasource(st, &site, &id)?;
    st.remove_datasource(&id);
    Ok(Reply::NoContent)
}

pub(crate) fn datasource_connections(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let d = site_datasource(st, req.param(0), req.param(1))?;
    let connection = d
        .connections
        .iter()
        .map(|c| ConnectionType {
            datasource: Some(DataSourceType {
                id: s(&d.id),
                name: d.item.name.clone(),
                ..Default::default()
            }),
            ..c.clone()
        })
        .collect();
    Ok(Reply::ok(TsResponse {
        connections: Some(Box::new(ConnectionListType { connection })),
        ..Default::default()
    }))
}

pub(crate) fn update_datasource_connection(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id, cid) = (
        req.param(0).to_string(),
        req.param(1).to_string(),
        req.param(2).to_string(),
    );
    site_datasource(st, &site, &id)?;
    let from = need(req.ts_request()?.connection, "connection")?;
    let d = datasource_mut(st, &id)?;
    update_stored_connection(&mut d.connections, &cid, &from)
}

pub(crate) fn download_datasource(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let d = site_datasource(st, req.param(0), req.param(1))?;
    Ok(download_reply(d, "tdsx"))
}

pub(crate) fn refresh_datasource(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let site = req.param(0).to_string();
    let id = site_datasource(st, &site, req.param(1))?.id.clone();
    Ok(Reply::accepted(finished_job(
        st,
        &site,
        "RefreshExtract",
        None,
        Some(id),
    )))
}

pub(crate) fn add_datasource_tags(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_datasource(st, &site, &id)?;
    let labels = tag_labels(req)?;
    let d = datasource_mut(st, &id)?;
    d.item.tags = tags_of(tag_list(&d.item.tags).into_iter().chain(labels));
    Ok(Reply::ok(TsResponse {
        tags: d.item.tags.clone().map(Box::new),
        ..Default::default()
    }))
}

pub(crate) fn delete_datasource_tag(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id, tag) = (
        req.param(0).to_string(),
        req.param(1).to_string(),
        req.param(2).to_string(),
    );
    site_datasource(st, &site, &id)?;
    let d = datasource_mut(st, &id)?;
    let mut labels = tag_list(&d.item.tags);
    let before = labels.len();
    labels.retain(|l| *l != tag);
    if labels.len() == before {
        return Err(ApiError::not_found(codes::TAG_NOT_FOUND, "Tag", &tag));
    }
    d.item.tags = tags_of(labels);
    Ok(Reply::NoContent)
}

// ---------------------------------------------------------------------------------------------
// views

fn view_out(st: &State, v: &View, usage: bool, fields: &Option<Vec<String>>) -> ViewType {
    let mut item = v.item.clone();
    item.workbook = Some(WorkbookType {
        id: s(&v.workbook_id),
        name: st
            .workbooks
            .get(&v.workbook_id)
            .and_then(|w| w.item.name.clone()),
        ..Default::default()
    });
    item.owner = Some(UserType {
        id: s(&v.owner_id),
        name: st.users.get(&v.owner_id).and_then(|u| u.item.name.clone()),
        ..Default::default()
    });
    item.project = Some(ProjectType {
        id: s(&v.project_id),
        name: st
            .projects
            .get(&v.project_id)
            .and_then(|p| p.item.name.clone()),
        ..Default::default()
    });
    item.tags = Some(item.tags.unwrap_or_default());
    if usage {
        item.usage = Some(ViewUsage {
            total_view_count: Some(v.total_views),
        });
    }
    select!(item, fields, ViewType, {
        "name" => name, "contentUrl" => content_url, "createdAt" => created_at, "updatedAt" => updated_at,
        "sheetType" => sheet_type, "viewUrlName" => view_url_name, "workbook" => workbook, "owner" => owner,
        "project" => project, "tags" => tags, "usage" => usage,
    })
}

fn view_field(st: &State, v: &View, f: &str) -> Option<Val> {
    Some(match f {
        "name" | "title" | "caption" => Val::s(txt(&v.item.name)),
        "id" => Val::s(&v.id),
        "contentUrl" => Val::s(txt(&v.item.content_url)),
        "viewUrlName" => Val::s(txt(&v.item.view_url_name)),
        "createdAt" => Val::s(dtxt(&v.item.created_at)),
        "updatedAt" => Val::s(dtxt(&v.item.updated_at)),
        "sheetType" => Val::s(txt(&v.item.sheet_type)),
        "ownerName" => Val::s(
            st.users
                .get(&v.owner_id)
                .map(|u| u.name().to_string())
                .unwrap_or_default(),
        ),
        "projectName" => Val::s(
            st.projects
                .get(&v.project_id)
                .map(|p| p.name().to_string())
                .unwrap_or_default(),
        ),
        "workbookName" => Val::s(
            st.workbooks
                .get(&v.workbook_id)
                .map(|w| w.name().to_string())
                .unwrap_or_default(),
        ),
        "workbookId" => Val::s(&v.workbook_id),
        "tags" => Val::List(tag_list(&v.item.tags)),
        "hitsTotal" => Val::Num(v.total_views as i64),
        _ => return None,
    })
}

fn site_view<'a>(st: &'a State, site: &str, id: &str) -> Result<&'a View, ApiError> {
    st.views
        .get(id)
        .filter(|v| v.site_id == site)
        .ok_or_else(|| ApiError::not_found(codes::VIEW_NOT_FOUND, "View", id))
}

fn view_mut<'a>(st: &'a mut State, id: &str) -> Result<&'a mut View, ApiError> {
    st.views
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found(codes::VIEW_NOT_FOUND, "View", id))
}

pub(crate) fn list_views(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let site = req.param(0);
    let usage = flag(&req.query, "includeUsageStatistics");
    let st_ref: &State = st;
    let items = st_ref.views.iter().filter(|v| v.site_id == site);
    let paged = apply(items, &p, |v, f| view_field(st_ref, v, f))?;
    Ok(Reply::ok(TsResponse {
        pagination: paged.pagination(),
        views: Some(Box::new(ViewListType {
            view: paged
                .items
                .iter()
                .map(|v| view_out(st_ref, v, usage, &p.fields))
                .collect(),
        })),
        ..Default::default()
    }))
}

pub(crate) fn get_view(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let v = site_view(st, req.param(0), req.param(1))?;
    Ok(Reply::ok(TsResponse {
        view: Some(Box::new(view_out(st, v, true, &None))),
        ..Default::default()
    }))
}

pub(crate) fn view_image(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    site_view(st, req.param(0), req.param(1))?;
    Ok(Reply::Raw {
        content_type: "image/png",
        data: Bytes::from_static(PNG),
    })
}

pub(crate) fn view_preview_image_direct(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    view_image(st, req)
}

/// `workbooks/{id}/views/{view}/previewImage`.
pub(crate) fn view_preview_image(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    site_workbook(st, req.param(0), req.param(1))?;
    let v = site_view(st, req.param(0), req.param(2))?;
    if v.workbook_id != req.param(1) {
        return Err(ApiError::not_found(
            codes::VIEW_NOT_FOUND,
            "View",
            req.param(2),
        ));
    }
    Ok(Reply::Raw {
        content_type: "image/png",
        data: Bytes::from_static(PNG),
    })
}

pub(crate) fn view_data(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let v = site_view(st, req.param(0), req.param(1))?;
    let name = txt(&v.item.name);
    let csv = format!("Sheet,Value\n{name},1\n{name},2\n");
    Ok(Reply::Raw {
        content_type: "text/csv",
        data: Bytes::from(csv),
    })
}

/// A minimal PDF document, answered for view and workbook PDFs.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

pub(crate) fn view_pdf(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    site_view(st, req.param(0), req.param(1))?;
    Ok(Reply::Raw {
        content_type: "application/pdf",
        data: Bytes::from_static(PDF),
    })
}

/// `workbooks/{id}/pdf`.
pub(crate) fn workbook_pdf(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    site_workbook(st, req.param(0), req.param(1))?;
    Ok(Reply::Raw {
        content_type: "application/pdf",
        data: Bytes::from_static(PDF),
    })
}

pub(crate) fn add_view_tags(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_view(st, &site, &id)?;
    let labels = tag_labels(req)?;
    let v = view_mut(st, &id)?;
    v.item.tags = tags_of(tag_list(&v.item.tags).into_iter().chain(labels));
    Ok(Reply::ok(TsResponse {
        tags: v.item.tags.clone().map(Box::new),
        ..Default::default()
    }))
}

pub(crate) fn delete_view_tag(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id, tag) = (
        req.param(0).to_string(),
        req.param(1).to_string(),
        req.param(2).to_string(),
    );
    site_view(st, &site, &id)?;
    let v = view_mut(st, &id)?;
    let mut labels = tag_list(&v.item.tags);
    let before = labels.len();
    labels.retain(|l| *l != tag);
    if labels.len() == before {
        return Err(ApiError::not_found(codes::TAG_NOT_FOUND, "Tag", &tag));
    }
    v.item.tags = tags_of(labels);
    Ok(Reply::NoContent)
}

// ---------------------------------------------------------------------------------------------
// upload sessions

fn upload_out(u: &UploadSession) -> TsResponse {
    let bytes: u64 = u.chunks.iter().map(|c| c.len() as u64).sum();
    TsResponse {
        file_upload: Some(Box::new(FileUploadType {
            upload_session_id: s(&u.id),
            file_size: s(size_mb(bytes).to_string()),
            ..Default::default()
        })),
        ..Default::default()
    }
}

pub(crate) fn initiate_upload(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let u = UploadSession {
        id: st.ids.uuid(),
        site_id: req.param(0).to_string(),
        chunks: Vec::new(),
    };
    let out = upload_out(&u);
    st.uploads.insert(u);
    Ok(Reply::created(out))
}

pub(crate) fn append_upload(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    if st.uploads.get(&id).is_none_or(|u| u.site_id != site) {
        return Err(ApiError::not_found(
            codes::UPLOAD_NOT_FOUND,
            "Upload session",
            &id,
        ));
    }
    let bad = |d: String| ApiError::new(400, codes::BAD_PUBLISH, "Bad Request", d);
    let parts = req
        .parts
        .clone()
        .ok_or_else(|| {
            bad("Append to Upload needs a multipart/mixed body with a tableau_file part.".into())
        })?
        .map_err(|e| bad(format!("The multipart body could not be read: {e}.")))?;
    let data = parts
        .into_iter()
        .find(|p| p.name.as_deref() == Some("tableau_file"))
        .map(|p| p.data)
        .ok_or_else(|| bad("The body has no tableau_file part.".into()))?;
    let u = st
        .uploads
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::UPLOAD_NOT_FOUND, "Upload session", &id))?;
    u.chunks.push(data);
    Ok(Reply::ok(upload_out(u)))
}
