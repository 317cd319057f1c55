//! Views (TSC's `server.views`, `ViewItem`).
//!
//! ```no_run
//! # async fn demo(server: tsc::Server) -> tsc::Result<()> {
//! use futures::TryStreamExt;
//! let popular: Vec<_> = server
//!     .views()
//!     .list()
//!     .include_usage_statistics(true)
//!     .into_stream()
//!     .try_filter(|v| futures::future::ready(v.total_views.unwrap_or(0) > 100))
//!     .try_collect()
//!     .await?;
//! # let _ = popular; Ok(()) }
//! ```

use time::OffsetDateTime;

use crate::convert::{dt, tags};
use crate::error::{Result, require_id};
use crate::pagination::List;
use crate::server::Server;
use crate::transport::ApiRequest;

/// A view (TSC's `ViewItem`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ViewItem {
    /// LUID.
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// Content URL (`workbook/sheets/view`).
    pub content_url: Option<String>,
    /// LUID of the workbook.
    pub workbook_id: Option<String>,
    /// LUID of the owner.
    pub owner_id: Option<String>,
    /// LUID of the project.
    pub project_id: Option<String>,
    /// Sheet type (`"dashboard"`, `"worksheet"`, `"story"`).
    pub sheet_type: Option<String>,
    /// Total views, when asked for usage statistics.
    pub total_views: Option<u64>,
    /// Whether the view is hidden.
    pub hidden: Option<bool>,
    /// Creation time.
    pub created_at: Option<OffsetDateTime>,
    /// Last update time.
    pub updated_at: Option<OffsetDateTime>,
    /// Tags.
    pub tags: Vec<String>,
}

impl ViewItem {
    /// Converts from the raw type.
    pub fn from_raw(v: tsc_raw::ViewType) -> Self {
        ViewItem {
            id: v.id,
            name: v.name.unwrap_or_default(),
            content_url: v.content_url,
            workbook_id: v.workbook.and_then(|w| w.id),
            owner_id: v.owner.and_then(|o| o.id),
            project_id: v.project.and_then(|p| p.id),
            sheet_type: v.sheet_type,
            total_views: v.usage.and_then(|u| u.total_view_count),
            hidden: v.hidden,
            created_at: dt(v.created_at),
            updated_at: dt(v.updated_at),
            tags: tags(v.tags),
        }
    }
}

fn extract_list(ts: tsc_raw::TsResponse) -> Result<Vec<ViewItem>> {
    Ok(ts
        .views
        .map(|l| l.view.into_iter().map(ViewItem::from_raw).collect())
        .unwrap_or_default())
}

impl List<ViewItem> {
    /// Asks for usage statistics (`includeUsageStatistics=true`, fills `total_views`).
    pub fn include_usage_statistics(self, yes: bool) -> Self {
        if yes {
            self.extra_query("includeUsageStatistics", "true")
        } else {
            self
        }
    }
}

/// View calls (TSC's `server.views`). Get it with [`Server::views`].
#[derive(Debug, Clone)]
pub struct ViewsEndpoint {
    pub(crate) server: Server,
}

impl Server {
    /// View calls (TSC's `server.views`).
    pub fn views(&self) -> ViewsEndpoint {
        ViewsEndpoint {
            server: self.clone(),
        }
    }
}

impl ViewsEndpoint {
    /// Lists the site's views (TSC's `views.get`; `.into_stream()` for `Pager`).
    pub fn list(&self) -> List<ViewItem> {
        List::new(&self.server, self.server.site_path("views"), extract_list)
    }

    /// One view by LUID (TSC's `views.get_by_id`, REST API 3.1+).
    pub async fn get_by_id(&self, id: impl Into<String>) -> Result<ViewItem> {
        let id = id.into();
        let id = require_id("View", &id)?;
        let req = ApiRequest::get(self.server.site_path(&format!("views/{id}"))?)
            .require_version("views.get_by_id", crate::ApiVersion::new(3, 1));
        let raw = self.server.send_expect(req, "view", |ts| ts.view).await?;
        Ok(ViewItem::from_raw(raw))
    }
}
