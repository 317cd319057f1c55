//! Sites (TSC's `server.sites`, `SiteItem`, `SiteItem.AdminMode`, `SiteItem.State`).
//!
//! ```no_run
//! # async fn demo(server: tsc::Server) -> tsc::Result<()> {
//! use tsc::{AdminMode, SiteItem};
//!
//! let site = SiteItem::new("Sales", "sales").with_admin_mode(AdminMode::ContentAndUsers).with_user_quota(50);
//! let site = server.sites().create(&site).await?;
//! let again = server.sites().get_by_name("Sales").await?;
//! assert_eq!(site.id, again.id);
//! # Ok(()) }
//! ```
//!
//! A site cannot be in `ContentOnly` admin mode with a user quota; `create` and `update` reject
//! that before sending ([`InputError::UserQuotaWithContentOnly`]).

use std::fmt;

pub use tsc_raw::SiteAdminMode as AdminMode;

use crate::convert::{check_text, seg};
use crate::error::{InputError, Result, item_id, require_id};
use crate::pagination::List;
use crate::server::Server;
use crate::transport::ApiRequest;

/// Whether a site is active (TSC's `SiteItem.State`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SiteState {
    /// `Active`.
    Active,
    /// `Suspended`.
    Suspended,
    /// Any other value, kept as sent.
    Other(String),
}

impl SiteState {
    /// The value Tableau uses.
    pub fn as_str(&self) -> &str {
        match self {
            SiteState::Active => "Active",
            SiteState::Suspended => "Suspended",
            SiteState::Other(s) => s,
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "Active" => SiteState::Active,
            "Suspended" => SiteState::Suspended,
            other => SiteState::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for SiteState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A site (TSC's `SiteItem`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SiteItem {
    /// LUID; `None` until created.
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// Content URL (`""` for the default site).
    pub content_url: String,
    /// Who administers the site (TSC's `SiteItem.AdminMode`).
    pub admin_mode: Option<AdminMode>,
    /// Largest number of users (not with `AdminMode::ContentOnly`).
    pub user_quota: Option<u32>,
    /// Storage quota in megabytes.
    pub storage_quota: Option<u64>,
    /// Active or suspended (TSC's `SiteItem.State`).
    pub state: Option<SiteState>,
    /// Whether subscriptions are disabled.
    pub disable_subscriptions: Option<bool>,
    /// Whether users may subscribe others.
    pub subscribe_others_enabled: Option<bool>,
    /// Whether revision history is kept.
    pub revision_history_enabled: Option<bool>,
    /// How many revisions of a workbook or data source are kept (TSC's `revision_limit`;
    /// the server accepts 2 to 10000, and `-1` for no limit).
    pub revision_limit: Option<i64>,
    /// Whether data alerts are enabled.
    pub data_alerts_enabled: Option<bool>,
    /// Whether commenting is enabled.
    pub commenting_enabled: Option<bool>,
    /// Whether the catalog is enabled.
    pub cataloging_enabled: Option<bool>,
    /// Whether "run now" is allowed.
    pub run_now_enabled: Option<bool>,
    /// Time zone.
    pub time_zone: Option<String>,
}

impl SiteItem {
    /// A new site `name` at `content_url`.
    pub fn new(name: impl Into<String>, content_url: impl Into<String>) -> Self {
        SiteItem {
            name: name.into(),
            content_url: content_url.into(),
            ..Default::default()
        }
    }

    /// Sets the admin mode.
    pub fn with_admin_mode(mut self, m: AdminMode) -> Self {
        self.admin_mode = Some(m);
        self
    }

    /// Sets the user quota.
    pub fn with_user_quota(mut self, q: u32) -> Self {
        self.user_quota = Some(q);
        self
    }

    /// Converts from the raw type.
    pub fn from_raw(s: tsc_raw::SiteType) -> Self {
        SiteItem {
            id: s.id,
            name: s.name.unwrap_or_default(),
            content_url: s.content_url.unwrap_or_default(),
            admin_mode: s.admin_mode,
            user_quota: s.user_quota.and_then(|q| q.trim().parse().ok()),
            storage_quota: s.storage_quota.and_then(|q| q.trim().parse().ok()),
            state: s.state.as_deref().map(SiteState::parse),
            disable_subscriptions: s.disable_subscriptions,
            subscribe_others_enabled: s.subscribe_others_enabled,
            revision_history_enabled: s.revision_history_enabled,
            revision_limit: s.revision_limit,
            data_alerts_enabled: s.data_alerts_enabled,
            commenting_enabled: s.commenting_enabled,
            cataloging_enabled: s.cataloging_enabled,
            run_now_enabled: s.run_now_enabled,
            time_zone: s.time_zone,
        }
    }

    /// Checks the admin mode / user quota rule.
    pub fn validate(&self) -> Result<()> {
        if self.admin_mode == Some(AdminMode::ContentOnly) && self.user_quota.is_some() {
            return Err(InputError::UserQuotaWithContentOnly.into());
        }
        check_text("site name", &self.name)?;
        check_text("site content URL", &self.content_url)
    }

    fn to_raw(&self) -> tsc_raw::SiteType {
        tsc_raw::SiteType {
            name: (!self.name.is_empty()).then(|| self.name.clone()),
            content_url: Some(self.content_url.clone()),
            admin_mode: self.admin_mode.clone(),
            user_quota: self.user_quota.map(|q| q.to_string()),
            storage_quota: self.storage_quota.map(|q| q.to_string()),
            state: self.state.as_ref().map(|s| s.as_str().to_owned()),
            disable_subscriptions: self.disable_subscriptions,
            subscribe_others_enabled: self.subscribe_others_enabled,
            revision_history_enabled: self.revision_history_enabled,
            revision_limit: self.revision_limit,
            data_alerts_enabled: self.data_alerts_enabled,
            commenting_enabled: self.commenting_enabled,
            cataloging_enabled: self.cataloging_enabled,
            run_now_enabled: self.run_now_enabled,
            time_zone: self.time_zone.clone(),
            ..Default::default()
        }
    }
}

fn extract_list(ts: tsc_raw::TsResponse) -> Result<Vec<SiteItem>> {
    Ok(ts
        .sites
        .map(|l| l.site.into_iter().map(SiteItem::from_raw).collect())
        .unwrap_or_default())
}

/// Site calls (TSC's `server.sites`). Get it with [`Server::sites`].
#[derive(Debug, Clone)]
pub struct SitesEndpoint {
    server: Server,
}

impl Server {
    /// Site calls (TSC's `server.sites`).
    pub fn sites(&self) -> SitesEndpoint {
        SitesEndpoint {
            server: self.clone(),
        }
    }
}

impl SitesEndpoint {
    /// Lists the sites the user can see (TSC's `sites.get`; `.into_stream()` for `Pager`).
    pub fn list(&self) -> List<SiteItem> {
        let path = if self.server.is_signed_in() {
            Ok(self.server.api_path("sites"))
        } else {
            Err(crate::Error::NotSignedIn)
        };
        List::new(&self.server, path, extract_list)
    }

    async fn get_one(&self, req: ApiRequest) -> Result<SiteItem> {
        let raw = self.server.send_expect(req, "site", |ts| ts.site).await?;
        Ok(SiteItem::from_raw(raw))
    }

    /// One site by LUID (TSC's `sites.get_by_id`; empty id: "Site ID undefined").
    pub async fn get_by_id(&self, id: impl Into<String>) -> Result<SiteItem> {
        let id = require_id("Site", &id.into())?;
        self.get_one(ApiRequest::get(
            self.server.api_path(&format!("sites/{id}")),
        ))
        .await
    }

    /// One site by name (TSC's `sites.get_by_name`; empty name: "Site Name undefined").
    pub async fn get_by_name(&self, name: impl Into<String>) -> Result<SiteItem> {
        let name = name.into();
        if name.trim().is_empty() {
            return Err(InputError::Empty { what: "Site Name" }.into());
        }
        let req = ApiRequest::get(self.server.api_path(&format!("sites/{}", seg(&name))))
            .query("key", "name");
        self.get_one(req).await
    }

    /// One site by content URL (TSC's `sites.get_by_content_url`). `""` is the default site.
    pub async fn get_by_content_url(&self, content_url: impl Into<String>) -> Result<SiteItem> {
        let url = content_url.into();
        let req = ApiRequest::get(self.server.api_path(&format!("sites/{}", seg(&url))))
            .query("key", "contentUrl");
        self.get_one(req).await
    }

    pub(crate) fn create_request(&self, item: &SiteItem) -> Result<ApiRequest> {
        item.validate()?;
        if item.name.trim().is_empty() {
            return Err(InputError::Empty { what: "Site Name" }.into());
        }
        let body = tsc_raw::TsRequest {
            site: Some(item.to_raw().into()),
            ..Default::default()
        };
        ApiRequest::post(self.server.api_path("sites")).xml(&body)
    }

    /// Creates a site (TSC's `sites.create`; server administrators only).
    pub async fn create(&self, item: &SiteItem) -> Result<SiteItem> {
        self.get_one(self.create_request(item)?).await
    }

    pub(crate) fn update_request(&self, item: &SiteItem) -> Result<ApiRequest> {
        let id = item_id("Site", &item.id)?;
        item.validate()?;
        let body = tsc_raw::TsRequest {
            site: Some(item.to_raw().into()),
            ..Default::default()
        };
        ApiRequest::put(self.server.api_path(&format!("sites/{id}"))).xml(&body)
    }

    /// Updates a site (TSC's `sites.update`; without id: "Site item missing ID"; `ContentOnly`
    /// with a user quota: [`InputError::UserQuotaWithContentOnly`]).
    pub async fn update(&self, item: &SiteItem) -> Result<SiteItem> {
        self.get_one(self.update_request(item)?).await
    }

    /// Deletes a site (TSC's `sites.delete`; empty id: "Site ID Undefined"). Deleting the
    /// signed-in site ends the session.
    pub async fn delete(&self, id: impl Into<String>) -> Result<()> {
        let raw_id = id.into();
        let id = require_id("Site", &raw_id)?;
        let req = ApiRequest::delete(self.server.api_path(&format!("sites/{id}")));
        self.server.send_empty(req).await?;
        if self.server.site_id().as_deref() == Some(raw_id.as_str()) {
            self.server.set_session(None);
        }
        Ok(())
    }
}
