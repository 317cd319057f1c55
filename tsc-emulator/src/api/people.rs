//! Users and groups (with membership).

use tsc_raw::{GroupListType, GroupType, SiteRoleType, TsResponse, UserListType, UserType};

use super::{Reply, Req, need, require_admin};
use crate::error::{ApiError, codes};
use crate::query::{ListParams, Val, apply, flag, select};
use crate::store::{Group, State, User, dtxt, new_user_item, s, txt};

pub(crate) fn user_out(u: &User, fields: &Option<Vec<String>>) -> UserType {
    select!(u.item.clone(), fields, UserType, {
        "name" => name, "siteRole" => site_role, "fullName" => full_name, "email" => email,
        "authSetting" => auth_setting, "lastLogin" => last_login, "externalAuthUserId" => external_auth_user_id,
        "domain" => domain, "locale" => locale, "language" => language,
    })
}

fn user_field(u: &User, f: &str) -> Option<Val> {
    Some(match f {
        "name" => Val::s(u.name()),
        "id" | "luid" => Val::s(&u.id),
        "siteRole" => Val::s(u.role()),
        "lastLogin" => Val::s(dtxt(&u.item.last_login)),
        "friendlyName" | "fullName" => Val::s(txt(&u.item.full_name)),
        "email" => Val::s(txt(&u.item.email)),
        "domainName" => Val::s("local"),
        "authSetting" => Val::s(
            u.item
                .auth_setting
                .as_ref()
                .map(|a| a.as_str())
                .unwrap_or(""),
        ),
        "createdAt" => Val::s(&u.created_at),
        _ => return None,
    })
}

pub(crate) fn site_user<'a>(st: &'a State, site: &str, id: &str) -> Result<&'a User, ApiError> {
    st.users
        .get(id)
        .filter(|u| u.site_id == site)
        .ok_or_else(|| ApiError::not_found(codes::USER_NOT_FOUND, "User", id))
}

/// The new owner an update request names (an empty id is none), checked to be a user of `site`.
pub(crate) fn requested_owner(
    st: &State,
    site: &str,
    owner_id: Option<&String>,
) -> Result<Option<String>, ApiError> {
    let owner = owner_id.filter(|o| !o.is_empty()).cloned();
    if let Some(owner) = &owner {
        site_user(st, site, owner)?;
    }
    Ok(owner)
}

fn users_page<'a>(items: impl Iterator<Item = &'a User>, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let paged = apply(items, &p, |u, f| user_field(u, f))?;
    Ok(Reply::ok(TsResponse {
        pagination: paged.pagination(),
        users: Some(Box::new(UserListType {
            user: paged.items.iter().map(|u| user_out(u, &p.fields)).collect(),
        })),
        ..Default::default()
    }))
}

pub(crate) fn list_users(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let site = req.param(0);
    users_page(st.users.iter().filter(|u| u.site_id == site), req)
}

pub(crate) fn get_user(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let u = site_user(st, req.param(0), req.param(1))?;
    if u.id != req.caller()?.user_id && !super::is_admin(st, req) {
        return Err(ApiError::new(
            403,
            codes::QUERY_USER_FORBIDDEN,
            "Query user permissions forbidden",
            "Only an administrator can query other users; sign in as one.",
        ));
    }
    Ok(Reply::ok(TsResponse {
        user: Some(Box::new(user_out(u, &None))),
        ..Default::default()
    }))
}

fn check_role(role: &Option<SiteRoleType>) -> Result<(), ApiError> {
    match role {
        Some(SiteRoleType::Other(r)) => Err(ApiError::new(
            400,
            codes::INVALID_SITE_ROLE,
            "Invalid site role",
            format!("'{r}' is not a site role (for example Viewer, Explorer, Creator)."),
        )),
        _ => Ok(()),
    }
}

pub(crate) fn add_user(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_admin(st, req)?;
    let site = req.param(0).to_string();
    let from = need(req.ts_request()?.user, "user")?;
    let name = from
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::missing("user name"))?;
    let role = from
        .site_role
        .clone()
        .ok_or_else(|| ApiError::missing("user siteRole"))?;
    check_role(&Some(role.clone()))?;
    if st
        .users
        .iter()
        .any(|u| u.site_id == site && u.name().eq_ignore_ascii_case(&name))
    {
        return Err(ApiError::conflict(
            codes::USER_CONFLICT,
            format!("The user '{name}' is already a member of the site."),
        ));
    }
    let id = st.ids.uuid();
    let mut item = new_user_item(&id, &name, role.as_str());
    if from.auth_setting.is_some() {
        item.auth_setting = from.auth_setting.clone();
    }
    item.full_name = from.full_name.clone().filter(|v| !v.is_empty());
    item.email = from.email.clone().filter(|v| !v.is_empty());
    let out = TsResponse {
        user: Some(Box::new(item.clone())),
        ..Default::default()
    };
    let password = from.password.clone().filter(|p| !p.is_empty());
    st.add_user(User {
        id,
        site_id: site,
        item,
        password,
        created_at: crate::store::now(),
    });
    Ok(Reply::created(out))
}

pub(crate) fn update_user(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_user(st, &site, &id)?;
    let is_self = req.caller()?.user_id == id;
    let admin = super::is_admin(st, req);
    if !is_self && !admin {
        return Err(ApiError::forbidden(
            "Only an administrator can update other users.",
        ));
    }
    let from = need(req.ts_request()?.user, "user")?;
    check_role(&from.site_role)?;
    if from.site_role.is_some() && !admin {
        return Err(ApiError::new(
            403,
            codes::LICENSING_UPDATE_ON_SELF,
            "Forbidden",
            "Users cannot change their own site role.",
        ));
    }
    if let Some(name) = from.name.as_deref().filter(|n| !n.is_empty()) {
        if st
            .users
            .iter()
            .any(|u| u.site_id == site && u.id != id && u.name().eq_ignore_ascii_case(name))
        {
            return Err(ApiError::conflict(
                codes::USER_CONFLICT,
                format!("A user named '{name}' already exists."),
            ));
        }
    }
    let u = st
        .users
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::USER_NOT_FOUND, "User", &id))?;
    if from.name.as_deref().is_some_and(|n| !n.is_empty()) {
        u.item.name = from.name.clone();
    }
    if from.full_name.is_some() {
        u.item.full_name = from.full_name.clone();
    }
    if from.email.is_some() {
        u.item.email = from.email.clone();
    }
    if let Some(p) = from.password.as_deref().filter(|p| !p.is_empty()) {
        u.password = Some(p.to_string());
    }
    if from.site_role.is_some() {
        u.item.site_role = from.site_role.clone();
    }
    if from.auth_setting.is_some() {
        u.item.auth_setting = from.auth_setting.clone();
    }
    // Tableau answers Update User without the id.
    let mut out = user_out(u, &None);
    out.id = None;
    Ok(Reply::ok(TsResponse {
        user: Some(Box::new(out)),
        ..Default::default()
    }))
}

pub(crate) fn remove_user(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_admin(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_user(st, &site, &id)?;
    if id == req.caller()?.user_id {
        return Err(ApiError::forbidden(
            "Users cannot remove themselves from a site.",
        ));
    }
    // Content owned by the user goes to the site's administrator.
    let heir = crate::store::user_ref(&st.admin_owner(&site));
    for w in st.workbooks.iter_mut().filter(|w| w.owner_id() == id) {
        w.item.owner = heir.clone();
    }
    for d in st.datasources.iter_mut().filter(|d| d.owner_id() == id) {
        d.item.owner = heir.clone();
    }
    for p in st.projects.iter_mut().filter(|p| p.owner_id() == id) {
        p.item.owner = heir.clone();
    }
    let heir_id = st.admin_owner(&site);
    for v in st.views.iter_mut().filter(|v| v.owner_id == id) {
        v.owner_id = heir_id.clone();
    }
    for g in st.groups.iter_mut() {
        g.members.remove(&id);
    }
    st.users.remove(&id);
    st.sessions.retain(|x| x.user_id != id);
    Ok(Reply::NoContent)
}

fn groups_page<'a>(
    items: impl Iterator<Item = &'a Group>,
    p: &ListParams,
) -> Result<Reply, ApiError> {
    let paged = apply(items, p, |g, f| group_field(g, f))?;
    Ok(Reply::ok(TsResponse {
        pagination: paged.pagination(),
        groups: Some(Box::new(GroupListType {
            group: paged
                .items
                .iter()
                .map(|g| group_out(g, &p.fields))
                .collect(),
        })),
        ..Default::default()
    }))
}

pub(crate) fn user_groups(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_user(st, &site, &id)?;
    let items = st
        .groups
        .iter()
        .filter(|g| g.site_id == site && g.members.contains(&id));
    groups_page(items, &p)
}

pub(crate) fn user_workbooks(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_user(st, &site, &id)?;
    let items = st
        .workbooks
        .iter()
        .filter(|w| w.site_id == site && w.owner_id() == id);
    super::workbooks::workbooks_page(st, items, &p)
}

/// A user's favorites: the emulator keeps none, so the list is empty.
pub(crate) fn user_favorites(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    site_user(st, req.param(0), req.param(1))?;
    Ok(Reply::ok(TsResponse {
        favorites: Some(Box::new(tsc_raw::FavoriteListType::default())),
        ..Default::default()
    }))
}

// ---------------------------------------------------------------------------------------------
// groups

fn group_out(g: &Group, fields: &Option<Vec<String>>) -> GroupType {
    let mut item = g.item.clone();
    item.user_count = Some(g.members.len() as u64);
    select!(item, fields, GroupType, {
        "name" => name, "domain" => domain, "minimumSiteRole" => minimum_site_role, "userCount" => user_count,
        "import" => import,
    })
}

fn group_field(g: &Group, f: &str) -> Option<Val> {
    let domain = g
        .item
        .domain
        .as_ref()
        .map(|d| txt(&d.name).to_string())
        .unwrap_or_default();
    Some(match f {
        "name" => Val::s(txt(&g.item.name)),
        "id" => Val::s(&g.id),
        "domainName" | "domainNickname" => Val::s(domain.as_str()),
        "isLocal" => Val::Bool(domain == "local"),
        "minimumSiteRole" => Val::s(
            g.item
                .minimum_site_role
                .as_ref()
                .map(|r| r.as_str())
                .unwrap_or(""),
        ),
        "userCount" => Val::Num(g.members.len() as i64),
        _ => return None,
    })
}

fn site_group<'a>(st: &'a State, site: &str, id: &str) -> Result<&'a Group, ApiError> {
    st.groups
        .get(id)
        .filter(|g| g.site_id == site)
        .ok_or_else(|| ApiError::not_found(codes::GROUP_NOT_FOUND, "Group", id))
}

pub(crate) fn list_groups(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let site = req.param(0);
    let items = st.groups.iter().filter(|g| g.site_id == site);
    groups_page(items, &p)
}

fn check_group_name(st: &State, site: &str, id: Option<&str>, name: &str) -> Result<(), ApiError> {
    if st.groups.iter().any(|g| {
        g.site_id == site
            && Some(g.id.as_str()) != id
            && txt(&g.item.name).eq_ignore_ascii_case(name)
    }) {
        return Err(ApiError::conflict(
            codes::GROUP_CONFLICT,
            format!("A group named '{name}' already exists on the site."),
        ));
    }
    Ok(())
}

fn one_group(g: &Group, created: bool) -> Reply {
    let r = TsResponse {
        group: Some(Box::new(group_out(g, &None))),
        ..Default::default()
    };
    if created {
        Reply::created(r)
    } else {
        Reply::ok(r)
    }
}

pub(crate) fn create_group(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_admin(st, req)?;
    let site = req.param(0).to_string();
    let from = need(req.ts_request()?.group, "group")?;
    let name = from
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::missing("group name"))?;
    check_group_name(st, &site, None, &name)?;
    let minimum = from
        .minimum_site_role
        .clone()
        .or_else(|| from.import.as_ref().and_then(|i| i.site_role.clone()));
    check_role(&minimum)?;
    let domain = from
        .import
        .as_ref()
        .and_then(|i| i.domain_name.clone())
        .unwrap_or_else(|| "local".into());
    let id = st.ids.uuid();
    let group = Group {
        id: id.clone(),
        site_id: site,
        item: GroupType {
            id: s(&id),
            name: Some(name),
            minimum_site_role: minimum,
            domain: Some(tsc_raw::DomainDirectiveType {
                name: Some(domain),
                ..Default::default()
            }),
            import: from.import.clone(),
            ..Default::default()
        },
        members: Default::default(),
    };
    let imported = group.item.import.is_some();
    let out = one_group(&group, true);
    st.groups.insert(group);
    // An Active Directory import with `asJob=true` runs in the background: 202 with a
    // `GroupImport` job (Tableau ignores `asJob` for local groups).
    if imported && flag(&req.query, "asJob") {
        return Ok(Reply::accepted(super::workbooks::finished_job(
            st,
            req.param(0),
            "GroupImport",
            None,
            None,
        )));
    }
    Ok(out)
}

pub(crate) fn update_group(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_admin(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_group(st, &site, &id)?;
    let from = need(req.ts_request()?.group, "group")?;
    check_role(&from.minimum_site_role)?;
    let new_name = from.name.clone().filter(|n| !n.is_empty());
    if let Some(name) = &new_name {
        check_group_name(st, &site, Some(&id), name)?;
    }
    let g = st
        .groups
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::GROUP_NOT_FOUND, "Group", &id))?;
    if let Some(name) = new_name {
        if g.item.name.as_deref() == Some("All Users") && name != "All Users" {
            return Err(ApiError::forbidden(
                "The All Users group cannot be renamed.",
            ));
        }
        g.item.name = Some(name);
    }
    if from.minimum_site_role.is_some() {
        g.item.minimum_site_role = from.minimum_site_role.clone();
    }
    Ok(one_group(g, false))
}

pub(crate) fn delete_group(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_admin(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    if site_group(st, &site, &id)?.item.name.as_deref() == Some("All Users") {
        return Err(ApiError::forbidden(
            "The All Users group cannot be deleted.",
        ));
    }
    st.groups.remove(&id);
    Ok(Reply::NoContent)
}

pub(crate) fn group_users(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    let g = site_group(st, &site, &id)?;
    users_page(g.members.iter().filter_map(|m| st.users.get(m)), req)
}

/// The user ids of a membership request and whether it was the bulk (`<users>`) form.
fn member_ids(req: &Req) -> Result<(Vec<String>, bool), ApiError> {
    let body = req.ts_request()?;
    if let Some(users) = body.users {
        return Ok((
            users
                .user
                .into_iter()
                .filter_map(|u| u.id)
                .filter(|i| !i.is_empty())
                .collect(),
            true,
        ));
    }
    let id = body
        .user
        .and_then(|u| u.id)
        .filter(|i| !i.is_empty())
        .ok_or_else(|| ApiError::missing("<user id> element"))?;
    Ok((vec![id], false))
}

pub(crate) fn add_group_users(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_admin(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_group(st, &site, &id)?;
    let (ids, bulk) = member_ids(req)?;
    for uid in &ids {
        site_user(st, &site, uid)?;
        if st.groups.get(&id).is_some_and(|g| g.members.contains(uid)) {
            return Err(ApiError::conflict(
                codes::MEMBERSHIP_CONFLICT,
                format!("The user '{uid}' is already a member of the group."),
            ));
        }
    }
    if let Some(g) = st.groups.get_mut(&id) {
        g.members.extend(ids.iter().cloned());
    }
    let users: Vec<UserType> = ids
        .iter()
        .filter_map(|u| st.users.get(u))
        .map(|u| user_out(u, &None))
        .collect();
    if bulk {
        Ok(Reply::ok(TsResponse {
            users: Some(Box::new(UserListType { user: users })),
            ..Default::default()
        }))
    } else {
        let user = users
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::missing("user"))?;
        Ok(Reply::ok(TsResponse {
            user: Some(Box::new(user)),
            ..Default::default()
        }))
    }
}

fn remove_members(st: &mut State, site: &str, id: &str, ids: &[String]) -> Result<(), ApiError> {
    site_group(st, site, id)?;
    for uid in ids {
        site_user(st, site, uid)?;
        if !st.groups.get(id).is_some_and(|g| g.members.contains(uid)) {
            return Err(ApiError::not_found(
                codes::USER_NOT_FOUND,
                "Group member",
                uid,
            ));
        }
    }
    if let Some(g) = st.groups.get_mut(id) {
        for uid in ids {
            g.members.remove(uid);
        }
    }
    Ok(())
}

pub(crate) fn remove_group_user(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_admin(st, req)?;
    remove_members(st, req.param(0), req.param(1), &[req.param(2).to_string()])?;
    Ok(Reply::NoContent)
}

pub(crate) fn remove_group_users(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_admin(st, req)?;
    let (ids, _) = member_ids(req)?;
    remove_members(st, req.param(0), req.param(1), &ids)?;
    Ok(Reply::NoContent)
}
