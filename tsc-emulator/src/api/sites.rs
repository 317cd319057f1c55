//! Sites and projects.

use super::{Reply, Req, is_server_admin, parse_bool, require_admin};
use crate::error::{ApiError, codes};
use crate::query::{Val, apply};
use crate::store::{Project, Site, State, User, now};
use crate::xml::El;

fn site_el(s: &Site) -> El {
    El::new("site")
        .attr("id", s.id.clone())
        .attr("name", s.name.clone())
        .attr("contentUrl", s.content_url.clone())
        .attr("adminMode", s.admin_mode.clone())
        .attr("state", s.state.clone())
        .attr_opt("userQuota", s.user_quota.map(|q| q.to_string()))
        .attr_opt("storageQuota", s.storage_quota.map(|q| q.to_string()))
        .attr(
            "revisionHistoryEnabled",
            s.revision_history_enabled.to_string(),
        )
        .attr("revisionLimit", s.revision_limit.to_string())
        .attr("disableSubscriptions", s.disable_subscriptions.to_string())
}

fn site_field(s: &Site, f: &str) -> Option<Val> {
    Some(match f {
        "name" => Val::s(&s.name),
        "contentUrl" => Val::s(&s.content_url),
        "state" => Val::s(&s.state),
        "adminMode" => Val::s(&s.admin_mode),
        _ => return None,
    })
}

pub(crate) fn list(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let c = req.caller()?;
    let all = is_server_admin(st, req);
    let items = st.sites.iter().filter(|s| all || s.id == c.site_id);
    let paged = apply(items, &p, |s, f| site_field(s, f), None)?;
    let els = paged.items.iter().map(|s| site_el(s)).collect();
    Ok(Reply::page(&paged, "sites", els, &p.fields))
}

/// Finds a site by id, or by name/content URL when `?key=name|contentUrl` is given.
fn find_site<'a>(st: &'a State, req: &Req) -> Result<&'a Site, ApiError> {
    let key = req.param(0);
    let by = crate::query::param(&req.query, "key").unwrap_or("id");
    let found = match by {
        "name" => st.sites.iter().find(|s| s.name == key),
        "contentUrl" => st.site_by_content_url(key),
        _ => st.sites.get(key),
    };
    found.ok_or_else(|| ApiError::not_found(codes::SITE_NOT_FOUND, "Site", key))
}

fn check_site_access(st: &State, req: &Req, site: &Site) -> Result<(), ApiError> {
    let c = req.caller()?;
    if site.id != c.site_id && !is_server_admin(st, req) {
        return Err(ApiError::new(
            403,
            codes::WRONG_SITE,
            "Forbidden",
            "The auth token was issued for another site. Sign in to that site first.",
        ));
    }
    Ok(())
}

pub(crate) fn get(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let site = find_site(st, req)?;
    check_site_access(st, req, site)?;
    Ok(Reply::ok(site_el(site)))
}

fn apply_site_attrs(site: &mut Site, el: &El) {
    if let Some(v) = el.get_nonempty("name") {
        site.name = v.to_string();
    }
    if let Some(v) = el.get("contentUrl") {
        site.content_url = v.to_string();
    }
    if let Some(v) = el.get_nonempty("adminMode") {
        site.admin_mode = v.to_string();
    }
    if let Some(v) = el.get_nonempty("state") {
        site.state = v.to_string();
    }
    if let Some(v) = el.get_nonempty("userQuota").and_then(|v| v.parse().ok()) {
        site.user_quota = Some(v);
    }
    if let Some(v) = el.get_nonempty("storageQuota").and_then(|v| v.parse().ok()) {
        site.storage_quota = Some(v);
    }
    if let Some(v) = el.get_nonempty("revisionHistoryEnabled") {
        site.revision_history_enabled = parse_bool(v);
    }
    if let Some(v) = el
        .get_nonempty("revisionLimit")
        .and_then(|v| v.parse().ok())
    {
        site.revision_limit = v;
    }
    if let Some(v) = el.get_nonempty("disableSubscriptions") {
        site.disable_subscriptions = parse_bool(v);
    }
}

pub(crate) fn create(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    if !is_server_admin(st, req) {
        return Err(ApiError::forbidden(
            "Only a server administrator can create sites.",
        ));
    }
    let el = req.body_child("site")?;
    let name = el
        .get_nonempty("name")
        .ok_or_else(|| ApiError::missing("site name"))?;
    let content_url = el
        .get("contentUrl")
        .ok_or_else(|| ApiError::missing("site contentUrl"))?;
    if st.site_by_content_url(content_url).is_some() {
        return Err(ApiError::conflict(
            codes::SITE_CONFLICT,
            format!("A site with the content URL '{content_url}' already exists."),
        ));
    }
    let mut site = Site {
        id: st.ids.uuid(),
        name: name.to_string(),
        content_url: content_url.to_string(),
        admin_mode: "ContentAndUsers".into(),
        state: "Active".into(),
        user_quota: None,
        storage_quota: None,
        revision_history_enabled: true,
        revision_limit: 25,
        disable_subscriptions: false,
    };
    apply_site_attrs(&mut site, &el);
    let site_id = site.id.clone();
    st.sites.insert(site);
    // The server administrator is a member of every site.
    let admin = st.users.get(&st.admin_id).cloned();
    if let Some(admin) = admin {
        let id = st.ids.uuid();
        st.users.insert(User {
            id,
            site_id: site_id.clone(),
            created_at: now(),
            last_login: None,
            ..admin
        });
    }
    st.init_site_content(&site_id);
    let site = st
        .sites
        .get(&site_id)
        .ok_or_else(|| ApiError::bad_request("site vanished"))?;
    Ok(Reply::created(site_el(site)))
}

pub(crate) fn update(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let id = find_site(st, req)?.id.clone();
    {
        let site = st
            .sites
            .get(&id)
            .ok_or_else(|| ApiError::not_found(codes::SITE_NOT_FOUND, "Site", &id))?;
        check_site_access(st, req, site)?;
    }
    require_admin(st, req)?;
    let el = req.body_child("site")?;
    if let Some(cu) = el.get("contentUrl") {
        if st
            .sites
            .iter()
            .any(|s| s.id != id && s.content_url.eq_ignore_ascii_case(cu))
        {
            return Err(ApiError::conflict(
                codes::SITE_CONFLICT,
                format!("A site with the content URL '{cu}' already exists."),
            ));
        }
    }
    let site = st
        .sites
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::SITE_NOT_FOUND, "Site", &id))?;
    apply_site_attrs(site, &el);
    Ok(Reply::ok(site_el(site)))
}

pub(crate) fn delete(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    if !is_server_admin(st, req) {
        return Err(ApiError::forbidden(
            "Only a server administrator can delete sites.",
        ));
    }
    let id = find_site(st, req)?.id.clone();
    if id == st.default_site_id {
        return Err(ApiError::forbidden("The default site cannot be deleted."));
    }
    st.sites.remove(&id);
    st.users.retain(|x| x.site_id != id);
    st.groups.retain(|x| x.site_id != id);
    st.projects.retain(|x| x.site_id != id);
    st.workbooks.retain(|x| x.site_id != id);
    st.datasources.retain(|x| x.site_id != id);
    st.views.retain(|x| x.site_id != id);
    st.tasks.retain(|x| x.site_id != id);
    st.jobs.retain(|x| x.site_id != id);
    st.uploads.retain(|x| x.site_id != id);
    st.sessions.retain(|x| x.site_id != id);
    Ok(Reply::NoContent)
}

// ---------------------------------------------------------------------------------------------
// projects

pub(crate) fn project_el(st: &State, p: &Project) -> El {
    let owner = st.users.get(&p.owner_id);
    El::new("project")
        .attr("id", p.id.clone())
        .attr("name", p.name.clone())
        .attr("description", p.description.clone())
        .attr("createdAt", p.created_at.clone())
        .attr("updatedAt", p.updated_at.clone())
        .attr("contentPermissions", p.content_permissions.clone())
        .attr_opt("parentProjectId", p.parent_id.clone())
        .child(
            El::new("owner")
                .attr("id", p.owner_id.clone())
                .attr_opt("name", owner.map(|u| u.name.clone())),
        )
}

fn project_field(st: &State, p: &Project, f: &str) -> Option<Val> {
    let owner = || st.users.get(&p.owner_id);
    Some(match f {
        "name" => Val::s(&p.name),
        "id" => Val::s(&p.id),
        "description" => Val::s(&p.description),
        "createdAt" => Val::s(&p.created_at),
        "updatedAt" => Val::s(&p.updated_at),
        "parentProjectId" => Val::s(p.parent_id.clone().unwrap_or_default()),
        "topLevelProject" => Val::Bool(p.parent_id.is_none()),
        "ownerName" => Val::s(owner().map(|u| u.name.clone()).unwrap_or_default()),
        "ownerEmail" => Val::s(owner().and_then(|u| u.email.clone()).unwrap_or_default()),
        "ownerDomain" => Val::s(owner().map(|u| u.domain.clone()).unwrap_or_default()),
        _ => return None,
    })
}

pub(crate) fn list_projects(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let site = req.param(0);
    let st_ref: &State = st;
    let items = st_ref.projects.iter().filter(|x| x.site_id == site);
    let paged = apply(items, &p, |x, f| project_field(st_ref, x, f), None)?;
    let els = paged.items.iter().map(|x| project_el(st_ref, x)).collect();
    Ok(Reply::page(&paged, "projects", els, &p.fields))
}

fn check_project_name(
    st: &State,
    site: &str,
    id: Option<&str>,
    name: &str,
    parent: Option<&str>,
) -> Result<(), ApiError> {
    let dup = st.projects.iter().any(|x| {
        x.site_id == site
            && Some(x.id.as_str()) != id
            && x.name.eq_ignore_ascii_case(name)
            && x.parent_id.as_deref() == parent
    });
    if dup {
        return Err(ApiError::conflict(
            codes::PROJECT_CONFLICT,
            format!("A project named '{name}' already exists in the same parent project."),
        ));
    }
    Ok(())
}

pub(crate) fn create_project(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_admin(st, req)?;
    let site = req.param(0).to_string();
    let el = req.body_child("project")?;
    let name = el
        .get_nonempty("name")
        .ok_or_else(|| ApiError::missing("project name"))?
        .to_string();
    let parent = el.get_nonempty("parentProjectId").map(str::to_string);
    if let Some(pid) = &parent {
        if st.projects.get(pid).is_none_or(|x| x.site_id != site) {
            return Err(ApiError::not_found(
                codes::PROJECT_NOT_FOUND,
                "Project",
                pid,
            ));
        }
    }
    check_project_name(st, &site, None, &name, parent.as_deref())?;
    let t = now();
    let owner = req.caller()?.user_id.clone();
    let project = Project {
        id: st.ids.uuid(),
        site_id: site,
        name,
        description: el.get("description").unwrap_or("").to_string(),
        content_permissions: el
            .get_nonempty("contentPermissions")
            .unwrap_or("ManagedByOwner")
            .to_string(),
        parent_id: parent,
        owner_id: owner,
        created_at: t.clone(),
        updated_at: t,
    };
    let out = project_el(st, &project);
    st.projects.insert(project);
    Ok(Reply::created(out))
}

fn site_project<'a>(st: &'a State, site: &str, id: &str) -> Result<&'a Project, ApiError> {
    st.projects
        .get(id)
        .filter(|x| x.site_id == site)
        .ok_or_else(|| ApiError::not_found(codes::PROJECT_NOT_FOUND, "Project", id))
}

pub(crate) fn update_project(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_admin(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    let current = site_project(st, &site, &id)?.clone();
    let el = req.body_child("project")?;
    let name = el
        .get_nonempty("name")
        .map(str::to_string)
        .unwrap_or(current.name.clone());
    let parent = match el.get("parentProjectId") {
        None => current.parent_id.clone(),
        Some("") => None,
        Some(pid) => {
            site_project(st, &site, pid)?;
            // Refuse cycles: the new parent may not be the project or one of its descendants.
            let mut cursor = Some(pid.to_string());
            while let Some(c) = cursor {
                if c == id {
                    return Err(ApiError::bad_request(
                        "A project cannot be moved under itself or its children.",
                    ));
                }
                cursor = st.projects.get(&c).and_then(|x| x.parent_id.clone());
            }
            Some(pid.to_string())
        }
    };
    check_project_name(st, &site, Some(&id), &name, parent.as_deref())?;
    if let Some(owner) = el.find("owner").and_then(|o| o.get_nonempty("id")) {
        if st.users.get(owner).is_none_or(|u| u.site_id != site) {
            return Err(ApiError::not_found(codes::USER_NOT_FOUND, "User", owner));
        }
    }
    let project = st
        .projects
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::PROJECT_NOT_FOUND, "Project", &id))?;
    project.name = name;
    project.parent_id = parent;
    if let Some(v) = el.get("description") {
        project.description = v.to_string();
    }
    if let Some(v) = el.get_nonempty("contentPermissions") {
        project.content_permissions = v.to_string();
    }
    if let Some(owner) = el.find("owner").and_then(|o| o.get_nonempty("id")) {
        project.owner_id = owner.to_string();
    }
    project.updated_at = now();
    let project = project.clone();
    Ok(Reply::ok(project_el(st, &project)))
}

pub(crate) fn delete_project(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_admin(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_project(st, &site, &id)?;
    // Collect the project and all its descendants.
    let mut doomed = vec![id];
    let mut i = 0;
    while i < doomed.len() {
        let parent = doomed[i].clone();
        doomed.extend(
            st.projects
                .iter()
                .filter(|x| x.parent_id.as_deref() == Some(&parent))
                .map(|x| x.id.clone()),
        );
        i += 1;
    }
    let wbs: Vec<String> = st
        .workbooks
        .iter()
        .filter(|w| doomed.contains(&w.project_id))
        .map(|w| w.id.clone())
        .collect();
    for w in wbs {
        st.remove_workbook(&w);
    }
    let dss: Vec<String> = st
        .datasources
        .iter()
        .filter(|d| doomed.contains(&d.project_id))
        .map(|d| d.id.clone())
        .collect();
    for d in dss {
        st.remove_datasource(&d);
    }
    st.projects.retain(|x| !doomed.contains(&x.id));
    Ok(Reply::NoContent)
}
