//! Published data sources (TSC's `server.datasources`, `DatasourceItem`).
//!
//! Publishing and downloading are methods of [`DatasourcesEndpoint`] too (see the `publish` and
//! `download` modules).
//!
//! ```no_run
//! # async fn demo(server: tsc::Server) -> tsc::Result<()> {
//! let mut ds = server.datasources().get_by_id("9dbd2263-16b5-46e1-9c43-a76bb8ab65fb").await?;
//! ds.certified = Some(true);
//! ds.certification_note = Some("Reviewed by the data team".into());
//! let ds = server.datasources().update(&ds).await?;
//! # let _ = ds; Ok(()) }
//! ```

use time::OffsetDateTime;

use crate::connections::ConnectionItem;
use crate::convert::{check_text, dt, owner_ref, project_ref, str_bool, tags};
use crate::error::{Result, item_id, require_id};
use crate::pagination::List;
use crate::server::Server;
use crate::transport::ApiRequest;

/// A published data source (TSC's `DatasourceItem`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DatasourceItem {
    /// LUID; `None` until the data source exists on the server.
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// URL name.
    pub content_url: Option<String>,
    /// Address in the web UI.
    pub webpage_url: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// LUID of the project (set it to move the data source).
    pub project_id: Option<String>,
    /// Name of the project.
    pub project_name: Option<String>,
    /// LUID of the owner (set it to change owner).
    pub owner_id: Option<String>,
    /// Type (`"sqlserver"`, `"hyper"`...). TSC: `datasource_type`.
    pub datasource_type: Option<String>,
    /// Whether it is certified.
    pub certified: Option<bool>,
    /// Certification note.
    pub certification_note: Option<String>,
    /// Whether extracts are encrypted.
    pub encrypt_extracts: Option<bool>,
    /// Whether it has extracts.
    pub has_extracts: Option<bool>,
    /// Whether queries go through the remote query agent (Bridge).
    pub use_remote_query_agent: Option<bool>,
    /// Creation time.
    pub created_at: Option<OffsetDateTime>,
    /// Last update time.
    pub updated_at: Option<OffsetDateTime>,
    /// Tags.
    pub tags: Vec<String>,
    /// Connections, after [`DatasourcesEndpoint::populate_connections`] (`None`: not populated).
    pub connections: Option<Vec<ConnectionItem>>,
}

impl DatasourceItem {
    /// A new data source item for `project_id` (for publishing), named `name`.
    pub fn new(project_id: impl Into<String>, name: impl Into<String>) -> Self {
        DatasourceItem {
            project_id: Some(project_id.into()),
            name: name.into(),
            ..Default::default()
        }
    }

    /// Converts from the raw type.
    pub fn from_raw(d: tsc_raw::DataSourceType) -> Self {
        let project = d.project.unwrap_or_default();
        DatasourceItem {
            id: d.id,
            name: d.name.unwrap_or_default(),
            content_url: d.content_url,
            webpage_url: d.webpage_url,
            description: d.description,
            project_id: project.id,
            project_name: project.name,
            owner_id: d.owner.and_then(|o| o.id),
            datasource_type: d.type_,
            certified: d.is_certified,
            certification_note: d.certification_note,
            encrypt_extracts: str_bool(d.encrypt_extracts),
            has_extracts: d.has_extracts,
            use_remote_query_agent: d.use_remote_query_agent,
            created_at: dt(d.created_at),
            updated_at: dt(d.updated_at),
            tags: tags(d.tags),
            connections: None,
        }
    }

    /// The `<datasource>` of an update request.
    pub(crate) fn to_update_raw(&self) -> Result<tsc_raw::DataSourceType> {
        check_text("data source name", &self.name)?;
        if let Some(n) = &self.certification_note {
            check_text("certification note", n)?;
        }
        Ok(tsc_raw::DataSourceType {
            name: (!self.name.is_empty()).then(|| self.name.clone()),
            description: self.description.clone(),
            is_certified: self.certified,
            certification_note: self.certification_note.clone(),
            encrypt_extracts: self.encrypt_extracts.map(|b| b.to_string()),
            use_remote_query_agent: self.use_remote_query_agent,
            project: project_ref(&self.project_id),
            owner: owner_ref(&self.owner_id),
            ..Default::default()
        })
    }
}

fn extract_list(ts: tsc_raw::TsResponse) -> Result<Vec<DatasourceItem>> {
    Ok(ts
        .datasources
        .map(|l| {
            l.datasource
                .into_iter()
                .map(DatasourceItem::from_raw)
                .collect()
        })
        .unwrap_or_default())
}

/// Data source calls (TSC's `server.datasources`). Get it with [`Server::datasources`].
#[derive(Debug, Clone)]
pub struct DatasourcesEndpoint {
    pub(crate) server: Server,
}

impl Server {
    /// Data source calls (TSC's `server.datasources`).
    pub fn datasources(&self) -> DatasourcesEndpoint {
        DatasourcesEndpoint {
            server: self.clone(),
        }
    }
}

impl DatasourcesEndpoint {
    /// Lists the site's data sources (TSC's `datasources.get`; `.into_stream()` for `Pager`).
    pub fn list(&self) -> List<DatasourceItem> {
        List::new(
            &self.server,
            self.server.site_path("datasources"),
            extract_list,
        )
    }

    /// One data source by LUID (TSC's `datasources.get_by_id`; empty id: "Datasource ID
    /// undefined").
    pub async fn get_by_id(&self, id: impl Into<String>) -> Result<DatasourceItem> {
        let id = id.into();
        let id = require_id("Datasource", &id)?;
        let req = ApiRequest::get(self.server.site_path(&format!("datasources/{id}"))?);
        let raw = self
            .server
            .send_expect(req, "datasource", |ts| ts.datasource)
            .await?;
        Ok(DatasourceItem::from_raw(raw))
    }

    pub(crate) fn update_request(&self, item: &DatasourceItem) -> Result<ApiRequest> {
        let id = item_id("Datasource", &item.id)?;
        let body = tsc_raw::TsRequest {
            datasource: Some(item.to_update_raw()?.into()),
            ..Default::default()
        };
        ApiRequest::put(self.server.site_path(&format!("datasources/{id}"))?).xml(&body)
    }

    /// Updates name, description, certification, encryption, project and owner (TSC's
    /// `datasources.update`; without id: "Datasource item missing ID").
    pub async fn update(&self, item: &DatasourceItem) -> Result<DatasourceItem> {
        let raw = self
            .server
            .send_expect(self.update_request(item)?, "datasource", |ts| ts.datasource)
            .await?;
        Ok(DatasourceItem::from_raw(raw))
    }

    /// Deletes a data source (TSC's `datasources.delete`; empty id: "Datasource ID undefined").
    pub async fn delete(&self, id: impl Into<String>) -> Result<()> {
        let id = id.into();
        let id = require_id("Datasource", &id)?;
        let req = ApiRequest::delete(self.server.site_path(&format!("datasources/{id}"))?);
        self.server.send_empty(req).await
    }

    /// Fetches the connections into `item.connections` (TSC's `datasources.populate_connections`).
    pub async fn populate_connections(&self, item: &mut DatasourceItem) -> Result<()> {
        let id = item_id("Datasource", &item.id)?;
        let req = ApiRequest::get(
            self.server
                .site_path(&format!("datasources/{id}/connections"))?,
        );
        let ts = self.server.send(req).await?;
        let conns = ts.connections.map(|c| c.connection).unwrap_or_default();
        item.connections = Some(conns.into_iter().map(ConnectionItem::from_raw).collect());
        Ok(())
    }

    /// Updates one connection (TSC's `datasources.update_connection`).
    pub async fn update_connection(
        &self,
        item: &DatasourceItem,
        connection: &ConnectionItem,
    ) -> Result<ConnectionItem> {
        let id = item_id("Datasource", &item.id)?;
        let cid = item_id("Connection", &connection.id)?;
        let body = tsc_raw::TsRequest {
            connection: Some(connection.to_update_raw()?.into()),
            ..Default::default()
        };
        let req = ApiRequest::put(
            self.server
                .site_path(&format!("datasources/{id}/connections/{cid}"))?,
        )
        .xml(&body)?;
        let raw = self
            .server
            .send_expect(req, "connection", |ts| ts.connection)
            .await?;
        Ok(ConnectionItem::from_raw(raw))
    }
}
