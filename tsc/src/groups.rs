//! Groups (TSC's `server.groups`, `GroupItem`).
//!
//! ```no_run
//! # async fn demo(server: tsc::Server) -> tsc::Result<()> {
//! use tsc::GroupItem;
//!
//! let group = server.groups().create(&GroupItem::new("Analysts")).await?;
//! server.groups().add_user(&group, "59a8a7b6-be3a-4d2d-1e9e-08a7b6b5b4ba").await?;
//! let mut group = group;
//! server.groups().populate_users(&mut group).await?;
//! for user in group.users.as_deref().unwrap_or_default() {
//!     println!("{}", user.name);
//! }
//! # Ok(()) }
//! ```
//!
//! TSC's "Group must be populated with users first" cannot happen: `users` is an `Option`, `None`
//! until [`GroupsEndpoint::populate_users`] fills it, and no call needs it populated.

use futures::TryStreamExt;

pub use tsc_raw::ImportDirectiveGrantLicenseMode as LicenseMode;

use crate::convert::check_text;
use crate::error::{InputError, Result, item_id, require_id};
use crate::jobs::JobItem;
use crate::pagination::List;
use crate::server::Server;
use crate::transport::ApiRequest;
use crate::users::{SiteRole, UserItem, extract_users};

/// A group (TSC's `GroupItem`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupItem {
    /// LUID; `None` until created.
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// Active Directory domain, `"local"` (or `None`) for a local group.
    pub domain_name: Option<String>,
    /// Site role given to members on sign-in/sync (TSC: `minimum_site_role`).
    pub minimum_site_role: Option<SiteRole>,
    /// When members get their license (`OnLogin`, `OnSync`).
    pub license_mode: Option<LicenseMode>,
    /// Number of members, as reported by the server.
    pub user_count: Option<u64>,
    /// Members, after [`GroupsEndpoint::populate_users`] (`None`: not populated).
    pub users: Option<Vec<UserItem>>,
}

impl GroupItem {
    /// A new local group.
    pub fn new(name: impl Into<String>) -> Self {
        GroupItem {
            name: name.into(),
            ..Default::default()
        }
    }

    /// A new group imported from Active Directory `domain_name`.
    pub fn active_directory(name: impl Into<String>, domain_name: impl Into<String>) -> Self {
        GroupItem {
            name: name.into(),
            domain_name: Some(domain_name.into()),
            ..Default::default()
        }
    }

    /// Converts from the raw type.
    pub fn from_raw(g: tsc_raw::GroupType) -> Self {
        let import = g.import.unwrap_or_default();
        GroupItem {
            id: g.id,
            name: g.name.unwrap_or_default(),
            domain_name: g.domain.and_then(|d| d.name).or(import.domain_name),
            minimum_site_role: g.minimum_site_role.or(import.site_role),
            license_mode: import.grant_license_mode,
            user_count: g.user_count,
            users: None,
        }
    }

    fn is_local(&self) -> bool {
        self.domain_name
            .as_deref()
            .is_none_or(|d| d.is_empty() || d == "local")
    }
}

pub(crate) fn extract_groups(ts: tsc_raw::TsResponse) -> Result<Vec<GroupItem>> {
    extract_list(ts)
}

fn extract_list(ts: tsc_raw::TsResponse) -> Result<Vec<GroupItem>> {
    Ok(ts
        .groups
        .map(|l| l.group.into_iter().map(GroupItem::from_raw).collect())
        .unwrap_or_default())
}

/// Group calls (TSC's `server.groups`). Get it with [`Server::groups`].
#[derive(Debug, Clone)]
pub struct GroupsEndpoint {
    server: Server,
}

impl Server {
    /// Group calls (TSC's `server.groups`).
    pub fn groups(&self) -> GroupsEndpoint {
        GroupsEndpoint {
            server: self.clone(),
        }
    }
}

impl GroupsEndpoint {
    /// Lists the site's groups (TSC's `groups.get`; `.into_stream()` for `Pager`).
    pub fn list(&self) -> List<GroupItem> {
        List::new(&self.server, self.server.site_path("groups"), extract_list)
    }

    fn check_name(item: &GroupItem) -> Result<()> {
        if item.name.trim().is_empty() {
            return Err(InputError::Empty { what: "Group name" }.into());
        }
        check_text("group name", &item.name)
    }

    pub(crate) fn create_request(&self, item: &GroupItem) -> Result<ApiRequest> {
        Self::check_name(item)?;
        let group = tsc_raw::GroupType {
            name: Some(item.name.clone()),
            minimum_site_role: item.minimum_site_role.clone(),
            ..Default::default()
        };
        let body = tsc_raw::TsRequest {
            group: Some(group.into()),
            ..Default::default()
        };
        ApiRequest::post(self.server.site_path("groups")?).xml(&body)
    }

    /// Creates a local group (TSC's `groups.create`).
    pub async fn create(&self, item: &GroupItem) -> Result<GroupItem> {
        let raw = self
            .server
            .send_expect(self.create_request(item)?, "group", |ts| ts.group)
            .await?;
        Ok(GroupItem::from_raw(raw))
    }

    fn import_raw(item: &GroupItem, site_role: Option<SiteRole>) -> Result<tsc_raw::GroupType> {
        Self::check_name(item)?;
        let domain = item
            .domain_name
            .clone()
            .filter(|d| !d.trim().is_empty())
            .ok_or(InputError::Empty {
                what: "Active Directory domain name of the group",
            })?;
        let site_role =
            site_role
                .or_else(|| item.minimum_site_role.clone())
                .ok_or(InputError::Empty {
                    what: "minimum site role for an Active Directory group",
                })?;
        Ok(tsc_raw::GroupType {
            name: Some(item.name.clone()),
            import: Some(tsc_raw::ImportDirectiveType {
                source: Some(tsc_raw::ImportSourceType::ActiveDirectory),
                domain_name: Some(domain),
                site_role: Some(site_role),
                grant_license_mode: item.license_mode.clone(),
            }),
            ..Default::default()
        })
    }

    pub(crate) fn create_ad_request(&self, item: &GroupItem, as_job: bool) -> Result<ApiRequest> {
        let body = tsc_raw::TsRequest {
            group: Some(Self::import_raw(item, None)?.into()),
            ..Default::default()
        };
        ApiRequest::post(self.server.site_path("groups")?)
            .query("asJob", as_job.to_string())
            .xml(&body)
    }

    /// Imports a group from Active Directory and waits for the import (TSC's
    /// `groups.create_AD_group(group, asJob=False)`). Needs `domain_name` and `minimum_site_role`.
    pub async fn create_ad_group(&self, item: &GroupItem) -> Result<GroupItem> {
        let raw = self
            .server
            .send_expect(self.create_ad_request(item, false)?, "group", |ts| ts.group)
            .await?;
        Ok(GroupItem::from_raw(raw))
    }

    /// Starts an Active Directory import as a background job (TSC's
    /// `groups.create_AD_group(group, asJob=True)`).
    pub async fn create_ad_group_as_job(&self, item: &GroupItem) -> Result<JobItem> {
        let raw = self
            .server
            .send_expect(self.create_ad_request(item, true)?, "job", |ts| ts.job)
            .await?;
        Ok(JobItem::from_raw(raw))
    }

    pub(crate) fn update_request(
        &self,
        item: &GroupItem,
        default_site_role: Option<SiteRole>,
    ) -> Result<ApiRequest> {
        let id = item_id("Group", &item.id)?;
        let group = if item.is_local() {
            Self::check_name(item)?;
            tsc_raw::GroupType {
                name: Some(item.name.clone()),
                minimum_site_role: item.minimum_site_role.clone(),
                ..Default::default()
            }
        } else {
            Self::import_raw(item, default_site_role)?
        };
        let body = tsc_raw::TsRequest {
            group: Some(group.into()),
            ..Default::default()
        };
        ApiRequest::put(self.server.site_path(&format!("groups/{id}"))?).xml(&body)
    }

    /// Updates a group (TSC's `groups.update`). A local group gets its name (and minimum site
    /// role) updated; an Active Directory group is synchronised from its domain, giving new
    /// members `default_site_role` (or the group's `minimum_site_role`). Without id: "Group
    /// item missing ID".
    pub async fn update(
        &self,
        item: &GroupItem,
        default_site_role: Option<SiteRole>,
    ) -> Result<GroupItem> {
        let raw = self
            .server
            .send_expect(
                self.update_request(item, default_site_role)?,
                "group",
                |ts| ts.group,
            )
            .await?;
        let mut g = GroupItem::from_raw(raw);
        if g.id.is_none() {
            g.id = item.id.clone();
        }
        Ok(g)
    }

    /// Deletes a group (TSC's `groups.delete`; empty id: "Group ID undefined").
    pub async fn delete(&self, id: impl Into<String>) -> Result<()> {
        let id = id.into();
        let id = require_id("Group", &id)?;
        let req = ApiRequest::delete(self.server.site_path(&format!("groups/{id}"))?);
        self.server.send_empty(req).await
    }

    pub(crate) fn add_user_request(&self, group: &GroupItem, user_id: &str) -> Result<ApiRequest> {
        let gid = item_id("Group", &group.id)?;
        require_id("User", user_id)?;
        let body = tsc_raw::TsRequest {
            user: Some(
                tsc_raw::UserType {
                    id: Some(user_id.to_owned()),
                    ..Default::default()
                }
                .into(),
            ),
            ..Default::default()
        };
        ApiRequest::post(self.server.site_path(&format!("groups/{gid}/users"))?).xml(&body)
    }

    /// Adds a user to a group (TSC's `groups.add_user`). Returns the user as the server reports
    /// it.
    pub async fn add_user(
        &self,
        group: &GroupItem,
        user_id: impl Into<String>,
    ) -> Result<UserItem> {
        let raw = self
            .server
            .send_expect(
                self.add_user_request(group, &user_id.into())?,
                "user",
                |ts| ts.user,
            )
            .await?;
        Ok(UserItem::from_raw(raw))
    }

    /// Removes a user from a group (TSC's `groups.remove_user`). The group needs an id, not its
    /// users.
    pub async fn remove_user(&self, group: &GroupItem, user_id: impl Into<String>) -> Result<()> {
        let gid = item_id("Group", &group.id)?;
        let uid = user_id.into();
        let uid = require_id("User", &uid)?;
        let req = ApiRequest::delete(
            self.server
                .site_path(&format!("groups/{gid}/users/{uid}"))?,
        );
        self.server.send_empty(req).await
    }

    /// The members of a group as a list builder (one page or a stream).
    pub fn users(&self, group: &GroupItem) -> List<UserItem> {
        let path = item_id("Group", &group.id)
            .and_then(|gid| self.server.site_path(&format!("groups/{gid}/users")));
        List::new(&self.server, path, extract_users)
    }

    /// Fetches every member into `group.users` (TSC's `groups.populate_users`).
    pub async fn populate_users(&self, group: &mut GroupItem) -> Result<()> {
        let users = self.users(group).into_stream().try_collect().await?;
        group.users = Some(users);
        Ok(())
    }
}
