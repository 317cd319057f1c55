//! Workbooks (TSC's `server.workbooks`, `WorkbookItem`).
//!
//! Publishing, downloading and preview images live in the `publish`/`download` modules and are
//! methods of [`WorkbooksEndpoint`] too.
//!
//! ```no_run
//! # async fn demo(server: tsc::Server) -> tsc::Result<()> {
//! use tsc::{Field, Filter, Sort};
//!
//! let page = server
//!     .workbooks()
//!     .list()
//!     .filter(Filter::eq(Field::ProjectName, "Finance"))
//!     .sort(Sort::desc(Field::UpdatedAt))
//!     .page_size(20)
//!     .send()
//!     .await?;
//! let mut wb = page.items.into_iter().next().expect("one workbook");
//! wb.show_tabs = Some(true);
//! let wb = server.workbooks().update(&wb).await?;
//! # let _ = wb; Ok(()) }
//! ```

use time::OffsetDateTime;

use crate::connections::ConnectionItem;
use crate::convert::{check_text, dt, owner_ref, project_ref, str_bool, tags};
use crate::error::{Result, item_id, require_id};
use crate::pagination::List;
use crate::server::Server;
use crate::transport::ApiRequest;
use crate::views::ViewItem;

/// A workbook (TSC's `WorkbookItem`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkbookItem {
    /// LUID; `None` until the workbook exists on the server.
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// URL name used in view URLs.
    pub content_url: Option<String>,
    /// Address of the workbook in the web UI.
    pub webpage_url: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// LUID of the project holding it (set it to move the workbook).
    pub project_id: Option<String>,
    /// Name of the project holding it.
    pub project_name: Option<String>,
    /// LUID of the owner (set it to change owner).
    pub owner_id: Option<String>,
    /// Whether views show as tabs.
    pub show_tabs: Option<bool>,
    /// Size in bytes (as reported; Tableau reports megabytes on some versions).
    pub size: Option<u64>,
    /// Number of sheets.
    pub sheet_count: Option<u64>,
    /// Whether it has extracts.
    pub has_extracts: Option<bool>,
    /// Whether its extracts are encrypted.
    pub encrypt_extracts: Option<bool>,
    /// LUID of the default view.
    pub default_view_id: Option<String>,
    /// Creation time.
    pub created_at: Option<OffsetDateTime>,
    /// Last update time.
    pub updated_at: Option<OffsetDateTime>,
    /// Tags.
    pub tags: Vec<String>,
    /// Views, after [`WorkbooksEndpoint::populate_views`] (`None`: not populated).
    pub views: Option<Vec<ViewItem>>,
    /// Connections, after [`WorkbooksEndpoint::populate_connections`] (`None`: not populated).
    pub connections: Option<Vec<ConnectionItem>>,
}

impl WorkbookItem {
    /// A new workbook item for `project_id` (for publishing), named `name`.
    pub fn new(project_id: impl Into<String>, name: impl Into<String>) -> Self {
        WorkbookItem {
            project_id: Some(project_id.into()),
            name: name.into(),
            ..Default::default()
        }
    }

    /// Converts from the raw type.
    pub fn from_raw(w: tsc_raw::WorkbookType) -> Self {
        let project = w.project.unwrap_or_default();
        WorkbookItem {
            id: w.id.clone(),
            name: w.name.unwrap_or_default(),
            content_url: w.content_url,
            webpage_url: w.webpage_url,
            description: w.description,
            project_id: project.id,
            project_name: project.name,
            owner_id: w.owner.and_then(|o| o.id),
            show_tabs: str_bool(w.show_tabs),
            size: w.size,
            sheet_count: w.sheet_count,
            has_extracts: w.has_extracts,
            encrypt_extracts: str_bool(w.encrypt_extracts),
            default_view_id: w.default_view_id,
            created_at: dt(w.created_at),
            updated_at: dt(w.updated_at),
            tags: tags(w.tags),
            // Views listed inside a workbook belong to it, like those of `populate_views`.
            views: w.views.map(|v| {
                v.view
                    .into_iter()
                    .map(|raw| {
                        let mut view = ViewItem::from_raw(raw);
                        if view.workbook_id.is_none() {
                            view.workbook_id.clone_from(&w.id);
                        }
                        view
                    })
                    .collect()
            }),
            connections: w.connections.map(|c| {
                c.connection
                    .into_iter()
                    .map(ConnectionItem::from_raw)
                    .collect()
            }),
        }
    }

    /// The `<workbook>` of an update request: name, description, show tabs, project and owner.
    pub(crate) fn to_update_raw(&self) -> Result<tsc_raw::WorkbookType> {
        check_text("workbook name", &self.name)?;
        Ok(tsc_raw::WorkbookType {
            name: (!self.name.is_empty()).then(|| self.name.clone()),
            description: self.description.clone(),
            show_tabs: self.show_tabs.map(|b| b.to_string()),
            project: project_ref(&self.project_id),
            owner: owner_ref(&self.owner_id),
            ..Default::default()
        })
    }
}

fn extract_list(ts: tsc_raw::TsResponse) -> Result<Vec<WorkbookItem>> {
    Ok(ts
        .workbooks
        .map(|l| l.workbook.into_iter().map(WorkbookItem::from_raw).collect())
        .unwrap_or_default())
}

/// Workbook calls (TSC's `server.workbooks`). Get it with [`Server::workbooks`].
#[derive(Debug, Clone)]
pub struct WorkbooksEndpoint {
    pub(crate) server: Server,
}

impl Server {
    /// Workbook calls (TSC's `server.workbooks`).
    pub fn workbooks(&self) -> WorkbooksEndpoint {
        WorkbooksEndpoint {
            server: self.clone(),
        }
    }
}

impl WorkbooksEndpoint {
    /// Lists the site's workbooks (TSC's `workbooks.get`; `.into_stream()` for `Pager`).
    pub fn list(&self) -> List<WorkbookItem> {
        List::new(
            &self.server,
            self.server.site_path("workbooks"),
            extract_list,
        )
    }

    /// Lists the workbooks of a user (TSC's `users.populate_workbooks`).
    pub(crate) fn list_for_user(&self, user_id: &str) -> List<WorkbookItem> {
        List::new(
            &self.server,
            self.server
                .site_path(&format!("users/{}/workbooks", crate::convert::seg(user_id))),
            extract_list,
        )
    }

    pub(crate) fn get_by_id_request(&self, id: &str) -> Result<ApiRequest> {
        let id = require_id("Workbook", id)?;
        Ok(ApiRequest::get(
            self.server.site_path(&format!("workbooks/{id}"))?,
        ))
    }

    /// One workbook by LUID (TSC's `workbooks.get_by_id`). An empty id is rejected
    /// (TSC: "Workbook ID undefined").
    pub async fn get_by_id(&self, id: impl Into<String>) -> Result<WorkbookItem> {
        let req = self.get_by_id_request(&id.into())?;
        let raw = self
            .server
            .send_expect(req, "workbook", |ts| ts.workbook)
            .await?;
        Ok(WorkbookItem::from_raw(raw))
    }

    pub(crate) fn update_request(&self, item: &WorkbookItem) -> Result<ApiRequest> {
        let id = item_id("Workbook", &item.id)?;
        let body = tsc_raw::TsRequest {
            workbook: Some(item.to_update_raw()?.into()),
            ..Default::default()
        };
        ApiRequest::put(self.server.site_path(&format!("workbooks/{id}"))?).xml(&body)
    }

    /// Updates name, description, show tabs, project and owner of a workbook that has an id
    /// (TSC's `workbooks.update`; without id: "Workbook item missing ID").
    pub async fn update(&self, item: &WorkbookItem) -> Result<WorkbookItem> {
        let raw = self
            .server
            .send_expect(self.update_request(item)?, "workbook", |ts| ts.workbook)
            .await?;
        Ok(WorkbookItem::from_raw(raw))
    }

    pub(crate) fn delete_request(&self, id: &str) -> Result<ApiRequest> {
        let id = require_id("Workbook", id)?;
        Ok(ApiRequest::delete(
            self.server.site_path(&format!("workbooks/{id}"))?,
        ))
    }

    /// Deletes a workbook (TSC's `workbooks.delete`; empty id: "Workbook ID undefined").
    pub async fn delete(&self, id: impl Into<String>) -> Result<()> {
        self.server
            .send_empty(self.delete_request(&id.into())?)
            .await
    }

    /// Fetches the workbook's views into `item.views` (TSC's `workbooks.populate_views`).
    pub async fn populate_views(&self, item: &mut WorkbookItem) -> Result<()> {
        self.populate_views_with_usage(item, false).await
    }

    /// Like [`populate_views`](Self::populate_views), with usage statistics (`total_views`) when
    /// `usage` (TSC's `populate_views(item, usage=True)`).
    pub async fn populate_views_with_usage(
        &self,
        item: &mut WorkbookItem,
        usage: bool,
    ) -> Result<()> {
        let id = item_id("Workbook", &item.id)?;
        let mut req = ApiRequest::get(self.server.site_path(&format!("workbooks/{id}/views"))?);
        if usage {
            req = req.query("includeUsageStatistics", "true");
        }
        let ts = self.server.send(req).await?;
        let views = ts.views.map(|v| v.view).unwrap_or_default();
        // The listing's views do not name their workbook; they belong to this one (as in the
        // Python TSC), so `views().populate_preview_image(&view)` works on them.
        let workbook_id = item.id.clone();
        item.views = Some(
            views
                .into_iter()
                .map(|v| {
                    let mut view = ViewItem::from_raw(v);
                    if view.workbook_id.is_none() {
                        view.workbook_id = workbook_id.clone();
                    }
                    view
                })
                .collect(),
        );
        Ok(())
    }

    /// Fetches the workbook's connections into `item.connections` (TSC's
    /// `workbooks.populate_connections`).
    pub async fn populate_connections(&self, item: &mut WorkbookItem) -> Result<()> {
        let id = item_id("Workbook", &item.id)?;
        let req = ApiRequest::get(
            self.server
                .site_path(&format!("workbooks/{id}/connections"))?,
        );
        let ts = self.server.send(req).await?;
        let conns = ts.connections.map(|c| c.connection).unwrap_or_default();
        item.connections = Some(conns.into_iter().map(ConnectionItem::from_raw).collect());
        Ok(())
    }

    pub(crate) fn update_connection_request(
        &self,
        item: &WorkbookItem,
        connection: &ConnectionItem,
    ) -> Result<ApiRequest> {
        let id = item_id("Workbook", &item.id)?;
        let cid = item_id("Connection", &connection.id)?;
        let body = tsc_raw::TsRequest {
            connection: Some(connection.to_update_raw()?.into()),
            ..Default::default()
        };
        ApiRequest::put(
            self.server
                .site_path(&format!("workbooks/{id}/connections/{cid}"))?,
        )
        .xml(&body)
    }

    /// Updates server address, port, user name, password, embedding and query tagging of one
    /// connection (TSC's `workbooks.update_connection`).
    pub async fn update_connection(
        &self,
        item: &WorkbookItem,
        connection: &ConnectionItem,
    ) -> Result<ConnectionItem> {
        let raw = self
            .server
            .send_expect(
                self.update_connection_request(item, connection)?,
                "connection",
                |ts| ts.connection,
            )
            .await?;
        Ok(ConnectionItem::from_raw(raw))
    }
}
