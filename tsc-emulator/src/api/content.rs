//! Data sources, views and upload sessions.

use std::collections::BTreeSet;

use bytes::Bytes;
use http::StatusCode;

use super::workbooks::{
    PNG, apply_connection_update, connection_el, finished_job, payload_connections,
    publish_project, receive_upload, site_workbook, size_mb,
};
use super::{Reply, Req, require_publisher, tag_labels, tags_el};
use crate::error::{ApiError, codes};
use crate::multipart;
use crate::query::{Val, apply, flag, param};
use crate::store::{
    Connection, Datasource, State, StoredFile, UploadSession, View, content_url_for, now,
};
use crate::xml::El;

// ---------------------------------------------------------------------------------------------
// data sources

fn datasource_el(st: &State, d: &Datasource) -> El {
    let project = st.projects.get(&d.project_id);
    let owner = st.users.get(&d.owner_id);
    El::new("datasource")
        .attr("id", d.id.clone())
        .attr("name", d.name.clone())
        .attr("description", d.description.clone())
        .attr("contentUrl", d.content_url.clone())
        .attr("type", d.type_.clone())
        .attr("createdAt", d.created_at.clone())
        .attr("updatedAt", d.updated_at.clone())
        .attr("isCertified", d.is_certified.to_string())
        .attr_opt("certificationNote", d.certification_note.clone())
        .attr("hasExtracts", d.has_extracts.to_string())
        .attr("encryptExtracts", "false")
        .attr("size", size_mb(d.file.len()).to_string())
        .attr(
            "webpageUrl",
            format!(
                "https://tableau.example.com/#/datasources/{}",
                d.content_url
            ),
        )
        .child(
            El::new("project")
                .attr("id", d.project_id.clone())
                .attr("name", project.map(|p| p.name.clone()).unwrap_or_default()),
        )
        .child(
            El::new("owner")
                .attr("id", d.owner_id.clone())
                .attr("name", owner.map(|u| u.name.clone()).unwrap_or_default()),
        )
        .child(tags_el(&d.tags))
}

fn datasource_field(st: &State, d: &Datasource, f: &str) -> Option<Val> {
    let owner = || st.users.get(&d.owner_id);
    Some(match f {
        "name" => Val::s(&d.name),
        "id" => Val::s(&d.id),
        "contentUrl" => Val::s(&d.content_url),
        "createdAt" => Val::s(&d.created_at),
        "updatedAt" => Val::s(&d.updated_at),
        "type" | "connectionTo" | "connectionType" => Val::s(&d.type_),
        "ownerName" => Val::s(owner().map(|u| u.name.clone()).unwrap_or_default()),
        "ownerEmail" => Val::s(owner().and_then(|u| u.email.clone()).unwrap_or_default()),
        "ownerDomain" => Val::s(owner().map(|u| u.domain.clone()).unwrap_or_default()),
        "projectName" => Val::s(
            st.projects
                .get(&d.project_id)
                .map(|p| p.name.clone())
                .unwrap_or_default(),
        ),
        "projectId" => Val::s(&d.project_id),
        "tags" => Val::List(d.tags.iter().cloned().collect()),
        "isCertified" => Val::Bool(d.is_certified),
        "hasExtracts" => Val::Bool(d.has_extracts),
        "description" => Val::s(&d.description),
        _ => return None,
    })
}

fn site_datasource<'a>(st: &'a State, site: &str, id: &str) -> Result<&'a Datasource, ApiError> {
    st.datasources
        .get(id)
        .filter(|d| d.site_id == site)
        .ok_or_else(|| ApiError::not_found(codes::DATASOURCE_NOT_FOUND, "Data source", id))
}

pub(crate) fn list_datasources(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let site = req.param(0);
    let st_ref: &State = st;
    let items = st_ref.datasources.iter().filter(|d| d.site_id == site);
    let paged = apply(items, &p, |d, f| datasource_field(st_ref, d, f), None)?;
    let els = paged
        .items
        .iter()
        .map(|d| datasource_el(st_ref, d))
        .collect();
    Ok(Reply::page(&paged, "datasources", els, &p.fields))
}

pub(crate) fn get_datasource(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let d = site_datasource(st, req.param(0), req.param(1))?;
    Ok(Reply::ok(datasource_el(st, d)))
}

pub(crate) fn publish_datasource(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let site = req.param(0).to_string();
    let up = receive_upload(st, req, "tableau_datasource")?;
    let item = up
        .payload
        .find("datasource")
        .cloned()
        .ok_or_else(|| ApiError::missing("<datasource> element"))?;
    let name = item
        .get_nonempty("name")
        .ok_or_else(|| ApiError::missing("datasource name"))?
        .to_string();
    let ext = param(&req.query, "datasourceType")
        .map(str::to_string)
        .or_else(|| {
            up.filename
                .as_deref()
                .and_then(|f| f.rsplit_once('.'))
                .map(|(_, e)| e.to_string())
        })
        .unwrap_or_default()
        .to_ascii_lowercase();
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
    let project_id = publish_project(st, &site, &item)?;
    let overwrite = flag(&req.query, "overwrite");
    let append = flag(&req.query, "append");
    let existing = st
        .datasources
        .iter()
        .find(|d| {
            d.site_id == site && d.project_id == project_id && d.name.eq_ignore_ascii_case(&name)
        })
        .map(|d| d.id.clone());
    if existing.is_some() && !overwrite && !append {
        return Err(ApiError::conflict(
            codes::CONTENT_CONFLICT,
            format!(
                "A data source named '{name}' already exists in the project. Publish with overwrite=true to replace it."
            ),
        ));
    }
    let t = now();
    let connections = payload_connections(st, &item);
    let id = match existing {
        Some(id) => {
            let d = st.datasources.get_mut(&id).ok_or_else(|| {
                ApiError::not_found(codes::DATASOURCE_NOT_FOUND, "Data source", &id)
            })?;
            if append {
                d.file.chunks.extend(up.chunks);
            } else {
                d.file = StoredFile {
                    filename: format!("{name}.{ext}"),
                    chunks: up.chunks,
                };
            }
            d.updated_at = t;
            id
        }
        None => {
            let id = st.ids.uuid();
            let conn_id = st.ids.uuid();
            let mut connections = connections;
            if connections.is_empty() {
                connections.push(Connection {
                    id: conn_id,
                    type_: if ext == "tds" {
                        "sqlserver".into()
                    } else {
                        "hyper".into()
                    },
                    server_address: if ext == "tds" {
                        "db.example.com".into()
                    } else {
                        "localhost".into()
                    },
                    server_port: if ext == "tds" {
                        "1433".into()
                    } else {
                        String::new()
                    },
                    user_name: String::new(),
                    embed_password: false,
                    datasource_id: None,
                    datasource_name: None,
                });
            }
            let caller = req.caller()?.user_id.clone();
            st.datasources.insert(Datasource {
                id: id.clone(),
                site_id: site.clone(),
                content_url: content_url_for(&name),
                description: item.get("description").unwrap_or("").to_string(),
                name: name.clone(),
                type_: if ext == "tds" {
                    "sqlserver".into()
                } else {
                    "hyper".into()
                },
                project_id,
                owner_id: caller,
                tags: BTreeSet::new(),
                is_certified: false,
                certification_note: None,
                has_extracts: ext != "tds",
                created_at: t.clone(),
                updated_at: t,
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
        let job = finished_job(st, &site, "PublishDatasource", None, Some(id));
        return Ok(Reply::Xml(
            StatusCode::ACCEPTED,
            El::new("tsResponse").child(job),
        ));
    }
    let d = site_datasource(st, &site, &id)?;
    Ok(Reply::created(datasource_el(st, d)))
}

pub(crate) fn update_datasource(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    let current = site_datasource(st, &site, &id)?.clone();
    let el = req.body_child("datasource")?;
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
    if st.datasources.iter().any(|d| {
        d.site_id == site
            && d.id != id
            && d.project_id == project_id
            && d.name.eq_ignore_ascii_case(&name)
    }) {
        return Err(ApiError::conflict(
            codes::CONTENT_CONFLICT,
            format!("A data source named '{name}' already exists in the target project."),
        ));
    }
    if let Some(owner) = el.find("owner").and_then(|o| o.get_nonempty("id")) {
        super::people::site_user(st, &site, owner)?;
    }
    let d = st
        .datasources
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::DATASOURCE_NOT_FOUND, "Data source", &id))?;
    d.name = name;
    d.project_id = project_id;
    if let Some(v) = el.get_nonempty("isCertified") {
        d.is_certified = super::parse_bool(v);
    }
    if let Some(v) = el.get("certificationNote") {
        d.certification_note = Some(v.to_string());
    }
    if let Some(v) = el.get("description") {
        d.description = v.to_string();
    }
    if let Some(owner) = el.find("owner").and_then(|o| o.get_nonempty("id")) {
        d.owner_id = owner.to_string();
    }
    d.updated_at = now();
    let d = site_datasource(st, &site, &id)?;
    Ok(Reply::ok(datasource_el(st, d)))
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
    let els = d.connections.iter().map(|c| {
        let mut c = c.clone();
        c.datasource_id = Some(d.id.clone());
        c.datasource_name = Some(d.name.clone());
        connection_el(&c)
    });
    Ok(Reply::ok(El::new("connections").children(els)))
}

pub(crate) fn update_datasource_connection(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id, cid) = (
        req.param(0).to_string(),
        req.param(1).to_string(),
        req.param(2).to_string(),
    );
    site_datasource(st, &site, &id)?;
    let el = req.body_child("connection")?;
    let d = st
        .datasources
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::DATASOURCE_NOT_FOUND, "Data source", &id))?;
    let c = d
        .connections
        .iter_mut()
        .find(|c| c.id == cid)
        .ok_or_else(|| ApiError::not_found(codes::CONNECTION_NOT_FOUND, "Connection", &cid))?;
    apply_connection_update(c, &el);
    Ok(Reply::ok(connection_el(c)))
}

pub(crate) fn download_datasource(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let d = site_datasource(st, req.param(0), req.param(1))?;
    let ext = d
        .file
        .filename
        .rsplit_once('.')
        .map(|(_, e)| e)
        .unwrap_or("tdsx");
    Ok(Reply::File {
        filename: format!("{}.{ext}", d.name),
        content_type: "application/octet-stream",
        chunks: d.file.chunks.clone(),
    })
}

pub(crate) fn refresh_datasource(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let site = req.param(0).to_string();
    let id = site_datasource(st, &site, req.param(1))?.id.clone();
    let job = finished_job(st, &site, "RefreshExtract", None, Some(id));
    Ok(Reply::Xml(
        StatusCode::ACCEPTED,
        El::new("tsResponse").child(job),
    ))
}

pub(crate) fn add_datasource_tags(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_datasource(st, &site, &id)?;
    let labels = tag_labels(req)?;
    let d = st
        .datasources
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::DATASOURCE_NOT_FOUND, "Data source", &id))?;
    d.tags.extend(labels);
    Ok(Reply::ok(tags_el(&d.tags)))
}

pub(crate) fn delete_datasource_tag(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id, tag) = (
        req.param(0).to_string(),
        req.param(1).to_string(),
        req.param(2).to_string(),
    );
    site_datasource(st, &site, &id)?;
    let d = st
        .datasources
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::DATASOURCE_NOT_FOUND, "Data source", &id))?;
    if !d.tags.remove(&tag) {
        return Err(ApiError::not_found(codes::TAG_NOT_FOUND, "Tag", &tag));
    }
    Ok(Reply::NoContent)
}

// ---------------------------------------------------------------------------------------------
// views

fn view_el(st: &State, v: &View, usage: bool) -> El {
    let wb = st.workbooks.get(&v.workbook_id);
    let owner = st.users.get(&v.owner_id);
    let project = st.projects.get(&v.project_id);
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
        .child(
            El::new("workbook")
                .attr("id", v.workbook_id.clone())
                .attr_opt("name", wb.map(|w| w.name.clone())),
        )
        .child(
            El::new("owner")
                .attr("id", v.owner_id.clone())
                .attr_opt("name", owner.map(|u| u.name.clone())),
        )
        .child(
            El::new("project")
                .attr("id", v.project_id.clone())
                .attr_opt("name", project.map(|p| p.name.clone())),
        )
        .child(tags_el(&v.tags))
        .child_opt(
            usage.then(|| El::new("usage").attr("totalViewCount", v.total_views.to_string())),
        )
}

fn view_field(st: &State, v: &View, f: &str) -> Option<Val> {
    Some(match f {
        "name" | "title" | "caption" => Val::s(&v.name),
        "id" => Val::s(&v.id),
        "contentUrl" => Val::s(&v.content_url),
        "viewUrlName" => Val::s(v.content_url.rsplit('/').next().unwrap_or("")),
        "createdAt" => Val::s(&v.created_at),
        "updatedAt" => Val::s(&v.updated_at),
        "sheetType" => Val::s(&v.sheet_type),
        "ownerName" => Val::s(
            st.users
                .get(&v.owner_id)
                .map(|u| u.name.clone())
                .unwrap_or_default(),
        ),
        "projectName" => Val::s(
            st.projects
                .get(&v.project_id)
                .map(|p| p.name.clone())
                .unwrap_or_default(),
        ),
        "workbookName" => Val::s(
            st.workbooks
                .get(&v.workbook_id)
                .map(|w| w.name.clone())
                .unwrap_or_default(),
        ),
        "workbookId" => Val::s(&v.workbook_id),
        "tags" => Val::List(v.tags.iter().cloned().collect()),
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

pub(crate) fn list_views(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let site = req.param(0);
    let usage = flag(&req.query, "includeUsageStatistics");
    let st_ref: &State = st;
    let items = st_ref.views.iter().filter(|v| v.site_id == site);
    let paged = apply(items, &p, |v, f| view_field(st_ref, v, f), None)?;
    let els = paged
        .items
        .iter()
        .map(|v| view_el(st_ref, v, usage))
        .collect();
    Ok(Reply::page(&paged, "views", els, &p.fields))
}

pub(crate) fn get_view(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let v = site_view(st, req.param(0), req.param(1))?;
    Ok(Reply::ok(view_el(st, v, true)))
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
    let csv = format!("Sheet,Value\n{},1\n{},2\n", v.name, v.name);
    Ok(Reply::Raw {
        content_type: "text/csv",
        data: Bytes::from(csv),
    })
}

pub(crate) fn view_pdf(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    site_view(st, req.param(0), req.param(1))?;
    Ok(Reply::Raw {
        content_type: "application/pdf",
        data: Bytes::from_static(b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"),
    })
}

pub(crate) fn add_view_tags(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_view(st, &site, &id)?;
    let labels = tag_labels(req)?;
    let v = st
        .views
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::VIEW_NOT_FOUND, "View", &id))?;
    v.tags.extend(labels);
    Ok(Reply::ok(tags_el(&v.tags)))
}

pub(crate) fn delete_view_tag(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let (site, id, tag) = (
        req.param(0).to_string(),
        req.param(1).to_string(),
        req.param(2).to_string(),
    );
    site_view(st, &site, &id)?;
    let v = st
        .views
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::VIEW_NOT_FOUND, "View", &id))?;
    if !v.tags.remove(&tag) {
        return Err(ApiError::not_found(codes::TAG_NOT_FOUND, "Tag", &tag));
    }
    Ok(Reply::NoContent)
}

// ---------------------------------------------------------------------------------------------
// upload sessions

fn upload_el(u: &UploadSession) -> El {
    let bytes: u64 = u.chunks.iter().map(|c| c.len() as u64).sum();
    El::new("fileUpload")
        .attr("uploadSessionId", u.id.clone())
        .attr("fileSize", size_mb(bytes).to_string())
}

pub(crate) fn initiate_upload(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_publisher(st, req)?;
    let u = UploadSession {
        id: st.ids.uuid(),
        site_id: req.param(0).to_string(),
        chunks: Vec::new(),
    };
    let out = upload_el(&u);
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
    let b = multipart::boundary(&req.content_type).ok_or_else(|| {
        ApiError::new(
            400,
            codes::BAD_PUBLISH,
            "Bad Request",
            "Append to Upload needs a multipart/mixed body with a tableau_file part.",
        )
    })?;
    let parts = multipart::parse(&req.body, &b).map_err(|e| {
        ApiError::new(
            400,
            codes::BAD_PUBLISH,
            "Bad Request",
            format!("The multipart body could not be read: {e}."),
        )
    })?;
    let data = parts
        .into_iter()
        .find(|p| p.name.as_deref() == Some("tableau_file"))
        .map(|p| p.data)
        .ok_or_else(|| {
            ApiError::new(
                400,
                codes::BAD_PUBLISH,
                "Bad Request",
                "The body has no tableau_file part.",
            )
        })?;
    let u = st
        .uploads
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::UPLOAD_NOT_FOUND, "Upload session", &id))?;
    u.chunks.push(data);
    Ok(Reply::ok(upload_el(u)))
}
