//! Users and groups (with membership).

use super::{Reply, Req, require_admin};
use crate::error::{ApiError, codes};
use crate::query::{Val, apply};
use crate::store::{Group, State, User, now};
use crate::xml::El;

const SITE_ROLES: &[&str] = &[
    "Creator",
    "Explorer",
    "ExplorerCanPublish",
    "SiteAdministratorExplorer",
    "SiteAdministratorCreator",
    "Unlicensed",
    "Viewer",
    "ServerAdministrator",
    "SiteAdministrator",
    "Publisher",
    "Interactor",
    "ViewerWithPublish",
    "UnlicensedWithPublish",
    "ReadOnly",
    "Guest",
    "SupportUser",
];

pub(crate) fn user_el(u: &User) -> El {
    El::new("user")
        .attr("id", u.id.clone())
        .attr("name", u.name.clone())
        .attr("siteRole", u.site_role.clone())
        .attr_opt("fullName", u.full_name.clone())
        .attr_opt("email", u.email.clone())
        .attr_opt("authSetting", u.auth_setting.clone())
        .attr_opt("lastLogin", u.last_login.clone())
        .attr("externalAuthUserId", "")
        .child(El::new("domain").attr("name", u.domain.clone()))
}

fn user_field(u: &User, f: &str) -> Option<Val> {
    Some(match f {
        "name" => Val::s(&u.name),
        "id" | "luid" => Val::s(&u.id),
        "siteRole" => Val::s(&u.site_role),
        "lastLogin" => Val::s(u.last_login.clone().unwrap_or_default()),
        "friendlyName" | "fullName" => Val::s(u.full_name.clone().unwrap_or_default()),
        "email" => Val::s(u.email.clone().unwrap_or_default()),
        "domainName" => Val::s(&u.domain),
        "authSetting" => Val::s(u.auth_setting.clone().unwrap_or_default()),
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

pub(crate) fn list_users(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let site = req.param(0);
    let items = st.users.iter().filter(|u| u.site_id == site);
    let paged = apply(items, &p, |u, f| user_field(u, f), None)?;
    let els = paged.items.iter().map(|u| user_el(u)).collect();
    Ok(Reply::page(&paged, "users", els, &p.fields))
}

pub(crate) fn get_user(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let u = site_user(st, req.param(0), req.param(1))?;
    Ok(Reply::ok(user_el(u)))
}

fn check_role(role: &str) -> Result<(), ApiError> {
    if SITE_ROLES.contains(&role) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "'{role}' is not a valid site role."
        )))
    }
}

pub(crate) fn add_user(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_admin(st, req)?;
    let site = req.param(0).to_string();
    let el = req.body_child("user")?;
    let name = el
        .get_nonempty("name")
        .ok_or_else(|| ApiError::missing("user name"))?
        .to_string();
    let role = el
        .get_nonempty("siteRole")
        .ok_or_else(|| ApiError::missing("user siteRole"))?
        .to_string();
    check_role(&role)?;
    if st
        .users
        .iter()
        .any(|u| u.site_id == site && u.name.eq_ignore_ascii_case(&name))
    {
        return Err(ApiError::conflict(
            codes::USER_CONFLICT,
            format!("The user '{name}' is already a member of the site."),
        ));
    }
    let user = User {
        id: st.ids.uuid(),
        site_id: site,
        name,
        full_name: el.get_nonempty("fullName").map(str::to_string),
        email: el.get_nonempty("email").map(str::to_string),
        site_role: role,
        auth_setting: Some(
            el.get_nonempty("authSetting")
                .unwrap_or("ServerDefault")
                .to_string(),
        ),
        password: el.get_nonempty("password").map(str::to_string),
        last_login: None,
        created_at: now(),
        domain: "local".into(),
    };
    let out = user_el(&user);
    st.add_user(user);
    Ok(Reply::created(out))
}

pub(crate) fn update_user(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_user(st, &site, &id)?;
    let is_self = req.caller()?.user_id == id;
    if !is_self {
        require_admin(st, req)?;
    }
    let el = req.body_child("user")?;
    if let Some(role) = el.get_nonempty("siteRole") {
        check_role(role)?;
        if is_self && !super::is_admin(st, req) {
            return Err(ApiError::forbidden(
                "Users cannot change their own site role.",
            ));
        }
    }
    if let Some(name) = el.get_nonempty("name") {
        if st
            .users
            .iter()
            .any(|u| u.site_id == site && u.id != id && u.name.eq_ignore_ascii_case(name))
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
    if let Some(v) = el.get_nonempty("name") {
        u.name = v.to_string();
    }
    if let Some(v) = el.get("fullName") {
        u.full_name = Some(v.to_string());
    }
    if let Some(v) = el.get("email") {
        u.email = Some(v.to_string());
    }
    if let Some(v) = el.get_nonempty("password") {
        u.password = Some(v.to_string());
    }
    if let Some(v) = el.get_nonempty("siteRole") {
        u.site_role = v.to_string();
    }
    if let Some(v) = el.get_nonempty("authSetting") {
        u.auth_setting = Some(v.to_string());
    }
    // Tableau answers Update User without the id.
    let mut out = user_el(u);
    out.attrs.retain(|(k, _)| k != "id");
    Ok(Reply::ok(out))
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
    // Content owned by the user goes to the site's administrator, as when Tableau reassigns it.
    let heir = st.admin_owner(&site);
    for w in st.workbooks.iter_mut().filter(|w| w.owner_id == id) {
        w.owner_id = heir.clone();
    }
    for d in st.datasources.iter_mut().filter(|d| d.owner_id == id) {
        d.owner_id = heir.clone();
    }
    for p in st.projects.iter_mut().filter(|p| p.owner_id == id) {
        p.owner_id = heir.clone();
    }
    for v in st.views.iter_mut().filter(|v| v.owner_id == id) {
        v.owner_id = heir.clone();
    }
    for g in st.groups.iter_mut() {
        g.members.remove(&id);
    }
    st.users.remove(&id);
    st.sessions.retain(|s| s.user_id != id);
    Ok(Reply::NoContent)
}

pub(crate) fn user_groups(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_user(st, &site, &id)?;
    let items = st
        .groups
        .iter()
        .filter(|g| g.site_id == site && g.members.contains(&id));
    let paged = apply(items, &p, |g, f| group_field(g, f), None)?;
    let els = paged.items.iter().map(|g| group_el(g)).collect();
    Ok(Reply::page(&paged, "groups", els, &p.fields))
}

pub(crate) fn user_workbooks(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_user(st, &site, &id)?;
    let st_ref: &State = st;
    let items = st_ref
        .workbooks
        .iter()
        .filter(|w| w.site_id == site && w.owner_id == id);
    let paged = apply(
        items,
        &p,
        |w, f| super::workbooks::workbook_field(st_ref, w, f),
        None,
    )?;
    let els = paged
        .items
        .iter()
        .map(|w| super::workbooks::workbook_el(st_ref, w, false))
        .collect();
    Ok(Reply::page(&paged, "workbooks", els, &p.fields))
}

// ---------------------------------------------------------------------------------------------
// groups

pub(crate) fn group_el(g: &Group) -> El {
    El::new("group")
        .attr("id", g.id.clone())
        .attr("name", g.name.clone())
        .attr_opt("minimumSiteRole", g.minimum_site_role.clone())
        .attr("userCount", g.members.len().to_string())
        .child(El::new("domain").attr("name", g.domain.clone()))
}

fn group_field(g: &Group, f: &str) -> Option<Val> {
    Some(match f {
        "name" => Val::s(&g.name),
        "id" => Val::s(&g.id),
        "domainName" | "domainNickname" => Val::s(&g.domain),
        "isLocal" => Val::Bool(g.domain == "local"),
        "minimumSiteRole" => Val::s(g.minimum_site_role.clone().unwrap_or_default()),
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
    let paged = apply(items, &p, |g, f| group_field(g, f), None)?;
    let els = paged.items.iter().map(|g| group_el(g)).collect();
    Ok(Reply::page(&paged, "groups", els, &p.fields))
}

fn check_group_name(st: &State, site: &str, id: Option<&str>, name: &str) -> Result<(), ApiError> {
    if st.groups.iter().any(|g| {
        g.site_id == site && Some(g.id.as_str()) != id && g.name.eq_ignore_ascii_case(name)
    }) {
        return Err(ApiError::conflict(
            codes::GROUP_CONFLICT,
            format!("A group named '{name}' already exists on the site."),
        ));
    }
    Ok(())
}

pub(crate) fn create_group(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_admin(st, req)?;
    let site = req.param(0).to_string();
    let el = req.body_child("group")?;
    let name = el
        .get_nonempty("name")
        .ok_or_else(|| ApiError::missing("group name"))?
        .to_string();
    check_group_name(st, &site, None, &name)?;
    let import = el.find("import");
    let minimum = el
        .get_nonempty("minimumSiteRole")
        .or_else(|| import.and_then(|i| i.get_nonempty("siteRole")))
        .map(str::to_string);
    if let Some(r) = &minimum {
        check_role(r)?;
    }
    let group = Group {
        id: st.ids.uuid(),
        site_id: site,
        name,
        domain: import
            .and_then(|i| i.get_nonempty("domainName"))
            .unwrap_or("local")
            .to_string(),
        minimum_site_role: minimum,
        members: Default::default(),
    };
    let out = group_el(&group);
    st.groups.insert(group);
    Ok(Reply::created(out))
}

pub(crate) fn update_group(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_admin(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_group(st, &site, &id)?;
    let el = req.body_child("group")?;
    if let Some(name) = el.get_nonempty("name") {
        check_group_name(st, &site, Some(&id), name)?;
    }
    let g = st
        .groups
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::GROUP_NOT_FOUND, "Group", &id))?;
    if let Some(name) = el.get_nonempty("name") {
        if g.name == "All Users" && name != "All Users" {
            return Err(ApiError::forbidden(
                "The All Users group cannot be renamed.",
            ));
        }
        g.name = name.to_string();
    }
    if let Some(r) = el.get_nonempty("minimumSiteRole") {
        g.minimum_site_role = Some(r.to_string());
    }
    Ok(Reply::ok(group_el(g)))
}

pub(crate) fn delete_group(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_admin(st, req)?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    if site_group(st, &site, &id)?.name == "All Users" {
        return Err(ApiError::forbidden(
            "The All Users group cannot be deleted.",
        ));
    }
    st.groups.remove(&id);
    Ok(Reply::NoContent)
}

pub(crate) fn group_users(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    let g = site_group(st, &site, &id)?;
    let items = g.members.iter().filter_map(|m| st.users.get(m));
    let paged = apply(items, &p, |u, f| user_field(u, f), None)?;
    let els = paged.items.iter().map(|u| user_el(u)).collect();
    Ok(Reply::page(&paged, "users", els, &p.fields))
}

fn member_ids(req: &Req) -> Result<(Vec<String>, bool), ApiError> {
    let root = req.body_el()?;
    if let Some(users) = root.find("users") {
        let ids: Vec<String> = users
            .find_all("user")
            .filter_map(|u| u.get_nonempty("id").map(str::to_string))
            .collect();
        return Ok((ids, true));
    }
    let id = root
        .find("user")
        .and_then(|u| u.get_nonempty("id"))
        .ok_or_else(|| ApiError::missing("<user id> element"))?;
    Ok((vec![id.to_string()], false))
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
    let els: Vec<El> = ids
        .iter()
        .filter_map(|u| st.users.get(u))
        .map(user_el)
        .collect();
    if bulk {
        Ok(Reply::ok(El::new("users").children(els)))
    } else {
        let el = els
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::missing("user"))?;
        Ok(Reply::ok(el))
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
