//! Sites and projects.

use tsc_raw::{ProjectListType, ProjectType, SiteListType, SiteType, TsResponse, UserType};

use super::{Reply, Req, is_server_admin, need, require_admin};
use crate::error::{ApiError, codes};
use crate::query::{Val, apply, select};
use crate::store::{Project, Site, State, User, dt, dtxt, new_site_item, now, s, txt, user_ref};

fn site_out(x: &Site, fields: &Option<Vec<String>>) -> SiteType {
    select!(x.item.clone(), fields, SiteType, {
        "name" => name, "contentUrl" => content_url, "adminMode" => admin_mode, "state" => state,
        "userQuota" => user_quota, "storageQuota" => storage_quota,
        "revisionHistoryEnabled" => revision_history_enabled, "revisionLimit" => revision_limit,
        "disableSubscriptions" => disable_subscriptions,
    })
}

fn site_field(x: &Site, f: &str) -> Option<Val> {
    Some(match f {
        "name" => Val::s(txt(&x.item.name)),
        "contentUrl" => Val::s(x.content_url()),
        "state" => Val::s(txt(&x.item.state)),
        "adminMode" => Val::s(x.item.admin_mode.as_ref().map(|m| m.as_str()).unwrap_or("")),
        _ => return None,
    })
}

pub(crate) fn list(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let c = req.caller()?;
    let all = is_server_admin(st, req);
    let items = st.sites.iter().filter(|x| all || x.id == c.site_id);
    let paged = apply(items, &p, |x, f| site_field(x, f))?;
    Ok(Reply::ok(TsResponse {
        pagination: paged.pagination(),
        sites: Some(Box::new(SiteListType {
            site: paged.items.iter().map(|x| site_out(x, &p.fields)).collect(),
        })),
        ..Default::default()
    }))
}

/// Finds a site by id, or by name/content URL when `?key=name|contentUrl` is given.
fn find_site<'a>(st: &'a State, req: &Req) -> Result<&'a Site, ApiError> {
    let key = req.param(0);
    let by = crate::query::param(&req.query, "key").unwrap_or("id");
    let found = match by {
        "name" => st.sites.iter().find(|x| txt(&x.item.name) == key),
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

fn one_site(x: &Site) -> Reply {
    Reply::ok(TsResponse {
        site: Some(Box::new(x.item.clone())),
        ..Default::default()
    })
}

pub(crate) fn get(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let site = find_site(st, req)?;
    check_site_access(st, req, site)?;
    Ok(one_site(site))
}

fn apply_site(site: &mut SiteType, from: &SiteType) {
    macro_rules! take {
        ($($f:ident),*) => { $( if from.$f.is_some() { site.$f = from.$f.clone(); } )* };
    }
    if from.name.as_deref().is_some_and(|n| !n.is_empty()) {
        site.name = from.name.clone();
    }
    take!(
        content_url,
        admin_mode,
        state,
        user_quota,
        storage_quota,
        revision_history_enabled,
        revision_limit,
        disable_subscriptions,
        subscribe_others_enabled,
        guest_access_enabled,
        commenting_enabled,
        cache_warmup_enabled,
        flows_enabled,
        editing_flows_enabled,
        scheduling_flows_enabled,
        data_alerts_enabled,
        ask_data_mode,
        time_zone,
        tier_creator_capacity,
        tier_explorer_capacity,
        tier_viewer_capacity,
        request_access_enabled,
        run_now_enabled,
        extract_encryption_mode,
        cataloging_enabled,
        derived_permissions_enabled
    );
}

pub(crate) fn create(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    if !is_server_admin(st, req) {
        return Err(ApiError::forbidden(
            "Only a server administrator can create sites.",
        ));
    }
    let from = need(req.ts_request()?.site, "site")?;
    let name = from
        .name
        .as_deref()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::missing("site name"))?;
    let content_url = from
        .content_url
        .as_deref()
        .ok_or_else(|| ApiError::missing("site contentUrl"))?;
    if st.site_by_content_url(content_url).is_some() {
        return Err(ApiError::conflict(
            codes::SITE_CONFLICT,
            format!("A site with the content URL '{content_url}' already exists."),
        ));
    }
    let id = st.ids.uuid();
    let mut item = new_site_item(&id, name, content_url);
    apply_site(&mut item, &from);
    st.sites.insert(Site {
        id: id.clone(),
        item,
    });
    // The server administrator is a member of every site.
    if let Some((admin_item, password)) = st
        .users
        .get(&st.admin_id)
        .map(|a| (a.item.clone(), a.password.clone()))
    {
        let uid = st.ids.uuid();
        let item = UserType {
            id: s(&uid),
            last_login: None,
            ..admin_item
        };
        st.users.insert(User {
            id: uid,
            site_id: id.clone(),
            item,
            password,
            created_at: now(),
        });
    }
    st.init_site_content(&id);
    let site = st
        .sites
        .get(&id)
        .ok_or_else(|| ApiError::not_found(codes::SITE_NOT_FOUND, "Site", &id))?;
    Ok(Reply::created(TsResponse {
        site: Some(Box::new(site.item.clone())),
        ..Default::default()
    }))
}

pub(crate) fn update(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let id = find_site(st, req)?.id.clone();
    if let Some(site) = st.sites.get(&id) {
        check_site_access(st, req, site)?;
    }
    require_admin(st, req)?;
    let from = need(req.ts_request()?.site, "site")?;
    if let Some(cu) = from.content_url.as_deref() {
        if st
            .sites
            .iter()
            .any(|x| x.id != id && x.content_url().eq_ignore_ascii_case(cu))
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
    apply_site(&mut site.item, &from);
    Ok(one_site(site))
}

pub(crate) fn delete(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    if !is_server_admin(st, req) {
        return Err(ApiError::forbidden(
            "Only a server administrator can delete sites.",
        ));
    }
    let id = find_site(st, req)?.id.clone();
    if id == st.default_site_id {
        return Err(ApiError::new(
            403,
            codes::DEFAULT_SITE_DELETION,
            "Forbidden",
            "The default site cannot be deleted.",
        ));
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

/// The project as answered: owner name and `topLevelProject` filled in.
pub(crate) fn project_out(st: &State, p: &Project, fields: &Option<Vec<String>>) -> ProjectType {
    let mut item = p.item.clone();
    if let Some(owner) = item.owner.as_mut() {
        if let Some(u) = st.users.get(p.owner_id()) {
            owner.name = u.item.name.clone();
        }
    }
    item.top_level_project = Some(p.parent_id().is_none());
    select!(item, fields, ProjectType, {
        "name" => name, "description" => description, "createdAt" => created_at, "updatedAt" => updated_at,
        "contentPermissions" => content_permissions, "parentProjectId" => parent_project_id,
        "owner" => owner, "topLevelProject" => top_level_project,
    })
}

fn project_field(st: &State, p: &Project, f: &str) -> Option<Val> {
    let owner = || st.users.get(p.owner_id());
    Some(match f {
        "name" => Val::s(p.name()),
        "id" => Val::s(&p.id),
        "description" => Val::s(txt(&p.item.description)),
        "createdAt" => Val::s(dtxt(&p.item.created_at)),
        "updatedAt" => Val::s(dtxt(&p.item.updated_at)),
        "parentProjectId" => Val::s(p.parent_id().unwrap_or("")),
        "topLevelProject" => Val::Bool(p.parent_id().is_none()),
        "ownerName" => Val::s(owner().map(|u| u.name().to_string()).unwrap_or_default()),
        "ownerEmail" => Val::s(
            owner()
                .map(|u| txt(&u.item.email).to_string())
                .unwrap_or_default(),
        ),
        "ownerDomain" => Val::s("local"),
        _ => return None,
    })
}

pub(crate) fn list_projects(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let site = req.param(0);
    let st_ref: &State = st;
    let items = st_ref.projects.iter().filter(|x| x.site_id == site);
    let paged = apply(items, &p, |x, f| project_field(st_ref, x, f))?;
    Ok(Reply::ok(TsResponse {
        pagination: paged.pagination(),
        projects: Some(Box::new(ProjectListType {
            project: paged
                .items
                .iter()
                .map(|x| project_out(st_ref, x, &p.fields))
                .collect(),
        })),
        ..Default::default()
    }))
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
            && x.name().eq_ignore_ascii_case(name)
            && x.parent_id() == parent
    });
    if dup {
        return Err(ApiError::conflict(
            codes::PROJECT_CONFLICT,
            format!("A project named '{name}' already exists in the same parent project."),
        ));
    }
    Ok(())
}

fn one_project(st: &State, p: &Project, created: bool) -> Reply {
    let r = TsResponse {
        project: Some(Box::new(project_out(st, p, &None))),
        ..Default::default()
    };
    if created {
        Reply::created(r)
    } else {
        Reply::ok(r)
    }
}

pub(crate) fn create_project(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_admin(st, req)?;
    let site = req.param(0).to_string();
    let from = need(req.ts_request()?.project, "project")?;
    let name = from
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::missing("project name"))?;
    let parent = from.parent_project_id.clone().filter(|p| !p.is_empty());
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
    let id = st.ids.uuid();
    let project = Project {
        id: id.clone(),
        site_id: site,
        item: ProjectType {
            id: s(&id),
            name: Some(name),
            description: Some(from.description.clone().unwrap_or_default()),
            content_permissions: Some(
                from.content_permissions
                    .clone()
                    .unwrap_or(tsc_raw::ProjectContentPermissions::ManagedByOwner),
            ),
            parent_project_id: parent,
            owner: user_ref(&owner),
            created_at: dt(&t),
            updated_at: dt(&t),
            ..Default::default()
        },
    };
    let out = one_project(st, &project, true);
    st.projects.insert(project);
    Ok(out)
}

pub(crate) fn site_project<'a>(
    st: &'a State,
    site: &str,
    id: &str,
) -> Result<&'a Project, ApiError> {
    st.projects
        .get(id)
        .filter(|x| x.site_id == site)
        .ok_or_else(|| ApiError::not_found(codes::PROJECT_NOT_FOUND, "Project", id))
}

pub(crate) fn update_project(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_admin(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    let current = site_project(st, &site, &id)?;
    let current_name = current.name().to_string();
    let current_parent = current.parent_id().map(str::to_string);
    let from = need(req.ts_request()?.project, "project")?;
    let name = from
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or(current_name);
    let parent = match from.parent_project_id.as_deref() {
        None => current_parent,
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
                cursor = st
                    .projects
                    .get(&c)
                    .and_then(|x| x.parent_id().map(str::to_string));
            }
            Some(pid.to_string())
        }
    };
    check_project_name(st, &site, Some(&id), &name, parent.as_deref())?;
    let new_owner =
        super::people::requested_owner(st, &site, from.owner.as_ref().and_then(|o| o.id.as_ref()))?;
    let project = st
        .projects
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::PROJECT_NOT_FOUND, "Project", &id))?;
    project.item.name = Some(name);
    project.item.parent_project_id = parent;
    if from.description.is_some() {
        project.item.description = from.description.clone();
    }
    if from.content_permissions.is_some() {
        project.item.content_permissions = from.content_permissions.clone();
    }
    if let Some(owner) = new_owner {
        project.item.owner = user_ref(&owner);
    }
    project.item.updated_at = dt(&now());
    let project = site_project(st, &site, &id)?;
    Ok(one_project(st, project, false))
}

pub(crate) fn delete_project(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_admin(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_project(st, &site, &id)?;
    // The project and all its descendants.
    let mut doomed = vec![id];
    let mut i = 0;
    while i < doomed.len() {
        let parent = doomed[i].clone();
        doomed.extend(
            st.projects
                .iter()
                .filter(|x| x.parent_id() == Some(parent.as_str()))
                .map(|x| x.id.clone()),
        );
        i += 1;
    }
    let in_doomed = |pid: &str| doomed.iter().any(|d| d == pid);
    let wbs: Vec<String> = st
        .workbooks
        .iter()
        .filter(|w| in_doomed(w.project_id()))
        .map(|w| w.id.clone())
        .collect();
    let dss: Vec<String> = st
        .datasources
        .iter()
        .filter(|d| in_doomed(d.project_id()))
        .map(|d| d.id.clone())
        .collect();
    for w in wbs {
        st.remove_workbook(&w);
    }
    for d in dss {
        st.remove_datasource(&d);
    }
    st.projects.retain(|x| !doomed.contains(&x.id));
    Ok(Reply::NoContent)
}
