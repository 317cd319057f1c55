//! Users (TSC's `server.users`, `UserItem`, `UserItem.Roles`, `UserItem.Auth`).
//!
//! ```no_run
//! # async fn demo(server: tsc::Server) -> tsc::Result<()> {
//! use tsc::{SiteRole, UserItem};
//!
//! let user = server.users().add(&UserItem::new("jdoe", SiteRole::Explorer)).await?;
//! let mut user = server.users().get_by_id(user.id.clone().unwrap_or_default()).await?;
//! user.email = Some("jdoe@example.com".into());
//! let user = server.users().update_with_password(&user, "n3w-passw0rd").await?;
//! server.users().populate_workbooks(&mut user.clone()).await?;
//! # Ok(()) }
//! ```

use futures::TryStreamExt;
use time::OffsetDateTime;

pub use tsc_raw::SiteRoleType as SiteRole;
pub use tsc_raw::SiteUserAuthSettingType as AuthSetting;

use crate::convert::{check_text, dt};
use crate::datasources::DatasourceItem;
use crate::error::{InputError, Result, item_id, require_id};
use crate::pagination::List;
use crate::projects::ProjectItem;
use crate::server::{ApiVersion, Server};
use crate::transport::ApiRequest;
use crate::views::ViewItem;
use crate::workbooks::WorkbookItem;

/// A user (TSC's `UserItem`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserItem {
    /// LUID; `None` until added.
    pub id: Option<String>,
    /// User name (sign-in name).
    pub name: String,
    /// Site role (TSC's `UserItem.Roles`); `None` when not reported.
    pub site_role: Option<SiteRole>,
    /// Authentication (TSC's `UserItem.Auth`: `SAML`, `OpenID`, `ServerDefault`).
    pub auth_setting: Option<AuthSetting>,
    /// Display name. TSC: `fullname`.
    pub full_name: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Last sign-in.
    pub last_login: Option<OffsetDateTime>,
    /// Domain name (Active Directory), `"local"` otherwise.
    pub domain_name: Option<String>,
    /// External authentication id.
    pub external_auth_user_id: Option<String>,
    /// Locale.
    pub locale: Option<String>,
    /// Language.
    pub language: Option<String>,
    /// Workbooks owned, after [`UsersEndpoint::populate_workbooks`] (`None`: not populated).
    pub workbooks: Option<Vec<WorkbookItem>>,
    /// Favorites, after [`UsersEndpoint::populate_favorites`] (`None`: not populated).
    pub favorites: Option<Favorites>,
    /// Groups the user belongs to, after [`UsersEndpoint::populate_groups`] (`None`: not
    /// populated).
    pub groups: Option<Vec<crate::groups::GroupItem>>,
}

/// A user's favorites, by kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Favorites {
    /// Favorite workbooks.
    pub workbooks: Vec<WorkbookItem>,
    /// Favorite views.
    pub views: Vec<ViewItem>,
    /// Favorite data sources.
    pub datasources: Vec<DatasourceItem>,
    /// Favorite projects.
    pub projects: Vec<ProjectItem>,
}

impl UserItem {
    /// A new user `name` with `site_role` (to add to the site).
    pub fn new(name: impl Into<String>, site_role: SiteRole) -> Self {
        UserItem {
            name: name.into(),
            site_role: Some(site_role),
            ..Default::default()
        }
    }

    /// Sets the authentication setting.
    pub fn with_auth_setting(mut self, a: AuthSetting) -> Self {
        self.auth_setting = Some(a);
        self
    }

    /// Converts from the raw type.
    pub fn from_raw(u: tsc_raw::UserType) -> Self {
        UserItem {
            id: u.id,
            name: u.name.unwrap_or_default(),
            site_role: u.site_role,
            auth_setting: u.auth_setting,
            full_name: u.full_name,
            email: u.email,
            last_login: dt(u.last_login),
            domain_name: u.domain.and_then(|d| d.name),
            external_auth_user_id: u.external_auth_user_id,
            locale: u.locale,
            language: u.language,
            workbooks: None,
            favorites: None,
            groups: None,
        }
    }
}

fn extract_list(ts: tsc_raw::TsResponse) -> Result<Vec<UserItem>> {
    Ok(ts
        .users
        .map(|l| l.user.into_iter().map(UserItem::from_raw).collect())
        .unwrap_or_default())
}

pub(crate) fn extract_users(ts: tsc_raw::TsResponse) -> Result<Vec<UserItem>> {
    extract_list(ts)
}

/// User calls (TSC's `server.users`). Get it with [`Server::users`].
#[derive(Debug, Clone)]
pub struct UsersEndpoint {
    server: Server,
}

impl Server {
    /// User calls (TSC's `server.users`).
    pub fn users(&self) -> UsersEndpoint {
        UsersEndpoint {
            server: self.clone(),
        }
    }
}

impl UsersEndpoint {
    /// Lists the site's users (TSC's `users.get`; `.into_stream()` for `Pager`).
    pub fn list(&self) -> List<UserItem> {
        List::new(&self.server, self.server.site_path("users"), extract_list)
    }

    /// One user by LUID (TSC's `users.get_by_id`; empty id: "User ID undefined").
    pub async fn get_by_id(&self, id: impl Into<String>) -> Result<UserItem> {
        let id = id.into();
        let id = require_id("User", &id)?;
        let req = ApiRequest::get(self.server.site_path(&format!("users/{id}"))?);
        let raw = self.server.send_expect(req, "user", |ts| ts.user).await?;
        Ok(UserItem::from_raw(raw))
    }

    pub(crate) fn add_request(&self, item: &UserItem) -> Result<ApiRequest> {
        if item.name.trim().is_empty() {
            return Err(InputError::Empty { what: "User name" }.into());
        }
        check_text("user name", &item.name)?;
        let Some(role) = &item.site_role else {
            return Err(InputError::Empty {
                what: "User site role",
            }
            .into());
        };
        let user = tsc_raw::UserType {
            name: Some(item.name.clone()),
            site_role: Some(role.clone()),
            auth_setting: item.auth_setting.clone(),
            ..Default::default()
        };
        let body = tsc_raw::TsRequest {
            user: Some(user.into()),
            ..Default::default()
        };
        ApiRequest::post(self.server.site_path("users")?).xml(&body)
    }

    /// Adds a user to the site (TSC's `users.add`). Needs a name and a site role.
    pub async fn add(&self, item: &UserItem) -> Result<UserItem> {
        let raw = self
            .server
            .send_expect(self.add_request(item)?, "user", |ts| ts.user)
            .await?;
        Ok(UserItem::from_raw(raw))
    }

    pub(crate) fn update_request(
        &self,
        item: &UserItem,
        password: Option<&str>,
    ) -> Result<ApiRequest> {
        let id = item_id("User", &item.id)?;
        for (what, v) in [("full name", &item.full_name), ("email", &item.email)] {
            if let Some(v) = v {
                check_text(what, v)?;
            }
        }
        if let Some(p) = password {
            if p.is_empty() {
                return Err(InputError::Empty { what: "password" }.into());
            }
            check_text("password", p)?;
        }
        let user = tsc_raw::UserType {
            full_name: item.full_name.clone(),
            email: item.email.clone(),
            site_role: item.site_role.clone(),
            auth_setting: item.auth_setting.clone(),
            password: password.map(str::to_owned),
            ..Default::default()
        };
        let body = tsc_raw::TsRequest {
            user: Some(user.into()),
            ..Default::default()
        };
        ApiRequest::put(self.server.site_path(&format!("users/{id}"))?).xml(&body)
    }

    /// Updates full name, email, site role and auth setting (TSC's `users.update`; without id:
    /// "User item missing ID").
    pub async fn update(&self, item: &UserItem) -> Result<UserItem> {
        self.update_inner(item, None).await
    }

    /// Like [`update`](Self::update) and also sets the password (TSC's
    /// `users.update(user, password=...)`).
    pub async fn update_with_password(&self, item: &UserItem, password: &str) -> Result<UserItem> {
        self.update_inner(item, Some(password)).await
    }

    async fn update_inner(&self, item: &UserItem, password: Option<&str>) -> Result<UserItem> {
        let raw = self
            .server
            .send_expect(self.update_request(item, password)?, "user", |ts| ts.user)
            .await?;
        let mut updated = UserItem::from_raw(raw);
        // The update response omits the id and name; keep what the caller had.
        if updated.id.is_none() {
            updated.id = item.id.clone();
        }
        if updated.name.is_empty() {
            updated.name = item.name.clone();
        }
        Ok(updated)
    }

    /// Removes a user from the site (TSC's `users.remove`; empty id: "User ID undefined").
    pub async fn remove(&self, id: impl Into<String>) -> Result<()> {
        self.remove_inner(id.into(), None).await
    }

    /// Removes a user and gives their content to `map_assets_to` (TSC's
    /// `users.remove(id, map_assets_to)`).
    pub async fn remove_and_map_assets(
        &self,
        id: impl Into<String>,
        map_assets_to: impl Into<String>,
    ) -> Result<()> {
        self.remove_inner(id.into(), Some(map_assets_to.into()))
            .await
    }

    async fn remove_inner(&self, id: String, map_to: Option<String>) -> Result<()> {
        let id = require_id("User", &id)?;
        let mut req = ApiRequest::delete(self.server.site_path(&format!("users/{id}"))?);
        if let Some(m) = map_to {
            require_id("User (map_assets_to)", &m)?;
            req = req.query("mapAssetsTo", m);
        }
        self.server.send_empty(req).await
    }

    /// The workbooks a user owns, as a list builder (one page or a stream).
    pub fn workbooks(&self, user_id: impl Into<String>) -> List<WorkbookItem> {
        let id = user_id.into();
        let list = self.server.workbooks().list_for_user(&id);
        if id.trim().is_empty() {
            return List::new(
                &self.server,
                Err(InputError::EmptyId { resource: "User" }.into()),
                |_| Ok(Vec::new()),
            );
        }
        list
    }

    /// Fetches every workbook the user owns into `item.workbooks` (TSC's
    /// `users.populate_workbooks`; without id: "User item missing ID").
    pub async fn populate_workbooks(&self, item: &mut UserItem) -> Result<()> {
        let id = item_id("User", &item.id)?.to_owned();
        let all = self.workbooks(id).into_stream().try_collect().await?;
        item.workbooks = Some(all);
        Ok(())
    }

    /// Fetches the user's favorites into `item.favorites` (TSC's `users.populate_favorites`,
    /// REST API 2.5+).
    pub async fn populate_favorites(&self, item: &mut UserItem) -> Result<()> {
        let id = item_id("User", &item.id)?;
        let req = ApiRequest::get(self.server.site_path(&format!("favorites/{id}"))?)
            .require_version("users.populate_favorites", ApiVersion::new(2, 5));
        let ts = self.server.send(req).await?;
        let mut fav = Favorites::default();
        for f in ts.favorites.map(|f| f.favorite).unwrap_or_default() {
            if let Some(w) = f.workbook {
                fav.workbooks.push(WorkbookItem::from_raw(w));
            }
            if let Some(v) = f.view {
                fav.views.push(ViewItem::from_raw(v));
            }
            if let Some(d) = f.datasource {
                fav.datasources.push(DatasourceItem::from_raw(d));
            }
            if let Some(p) = f.project {
                fav.projects.push(ProjectItem::from_raw(p));
            }
        }
        item.favorites = Some(fav);
        Ok(())
    }

    /// The groups of a user as a list builder (one page or a stream; REST API 3.7+).
    pub fn groups(&self, user: &UserItem) -> List<crate::groups::GroupItem> {
        let path = item_id("User", &user.id)
            .and_then(|id| self.server.site_path(&format!("users/{id}/groups")));
        List::new(&self.server, path, crate::groups::extract_groups)
            .require_version("users.populate_groups", ApiVersion::new(3, 7))
    }

    /// Fetches every group of the user into `item.groups` (TSC's `users.populate_groups`,
    /// REST API 3.7+).
    pub async fn populate_groups(&self, item: &mut UserItem) -> Result<()> {
        let groups = self.groups(item).into_stream().try_collect().await?;
        item.groups = Some(groups);
        Ok(())
    }
}
