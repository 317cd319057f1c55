//! Projects (TSC's `server.projects`, `ProjectItem`, `ProjectItem.ContentPermissions`).
//!
//! ```no_run
//! # async fn demo(server: tsc::Server) -> tsc::Result<()> {
//! use tsc::{ContentPermissions, ProjectItem};
//!
//! let parent = server.projects().create(&ProjectItem::new("Finance")).await?;
//! let child = ProjectItem::new("Quarterly")
//!     .with_parent(parent.id.clone().unwrap_or_default())
//!     .with_content_permissions(ContentPermissions::LockedToProject);
//! let child = server.projects().create(&child).await?;
//! # let _ = child; Ok(()) }
//! ```

use time::OffsetDateTime;

pub use tsc_raw::ProjectContentPermissions as ContentPermissions;

use crate::convert::{check_text, dt, owner_ref};
use crate::error::{InputError, Result, item_id, require_id};
use crate::pagination::List;
use crate::server::Server;
use crate::transport::ApiRequest;

/// A project (TSC's `ProjectItem`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectItem {
    /// LUID; `None` until created.
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Who controls permissions of the content (`LockedToProject`, `ManagedByOwner`...).
    pub content_permissions: Option<ContentPermissions>,
    /// LUID of the parent project (`None`: top level).
    pub parent_id: Option<String>,
    /// LUID of the owner.
    pub owner_id: Option<String>,
    /// Whether it is a top-level project.
    pub top_level_project: Option<bool>,
    /// Whether the signed-in user can write to it.
    pub writeable: Option<bool>,
    /// Creation time.
    pub created_at: Option<OffsetDateTime>,
    /// Last update time.
    pub updated_at: Option<OffsetDateTime>,
}

impl ProjectItem {
    /// A new project named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        ProjectItem {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Sets the description.
    pub fn with_description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }

    /// Sets the parent project.
    pub fn with_parent(mut self, parent_id: impl Into<String>) -> Self {
        self.parent_id = Some(parent_id.into());
        self
    }

    /// Sets the content permissions.
    pub fn with_content_permissions(mut self, p: ContentPermissions) -> Self {
        self.content_permissions = Some(p);
        self
    }

    /// Converts from the raw type.
    pub fn from_raw(p: tsc_raw::ProjectType) -> Self {
        ProjectItem {
            id: p.id,
            name: p.name.unwrap_or_default(),
            description: p.description,
            content_permissions: p.content_permissions,
            parent_id: p.parent_project_id,
            owner_id: p.owner.and_then(|o| o.id),
            top_level_project: p.top_level_project,
            writeable: p.writeable,
            created_at: dt(p.created_at),
            updated_at: dt(p.updated_at),
        }
    }

    fn to_raw(&self, with_owner: bool) -> Result<tsc_raw::ProjectType> {
        check_text("project name", &self.name)?;
        if let Some(d) = &self.description {
            check_text("project description", d)?;
        }
        Ok(tsc_raw::ProjectType {
            name: (!self.name.is_empty()).then(|| self.name.clone()),
            description: self.description.clone(),
            content_permissions: self.content_permissions.clone(),
            parent_project_id: self.parent_id.clone(),
            owner: if with_owner {
                owner_ref(&self.owner_id)
            } else {
                None
            },
            ..Default::default()
        })
    }
}

fn extract_list(ts: tsc_raw::TsResponse) -> Result<Vec<ProjectItem>> {
    Ok(ts
        .projects
        .map(|l| l.project.into_iter().map(ProjectItem::from_raw).collect())
        .unwrap_or_default())
}

/// Project calls (TSC's `server.projects`). Get it with [`Server::projects`].
#[derive(Debug, Clone)]
pub struct ProjectsEndpoint {
    server: Server,
}

impl Server {
    /// Project calls (TSC's `server.projects`).
    pub fn projects(&self) -> ProjectsEndpoint {
        ProjectsEndpoint {
            server: self.clone(),
        }
    }
}

impl ProjectsEndpoint {
    /// Lists the site's projects (TSC's `projects.get`; `.into_stream()` for `Pager`).
    pub fn list(&self) -> List<ProjectItem> {
        List::new(
            &self.server,
            self.server.site_path("projects"),
            extract_list,
        )
    }

    pub(crate) fn create_request(
        &self,
        item: &ProjectItem,
        publish_samples: bool,
    ) -> Result<ApiRequest> {
        if item.name.trim().is_empty() {
            return Err(InputError::Empty {
                what: "Project name",
            }
            .into());
        }
        let body = tsc_raw::TsRequest {
            project: Some(item.to_raw(false)?.into()),
            ..Default::default()
        };
        let mut req = ApiRequest::post(self.server.site_path("projects")?).xml(&body)?;
        if publish_samples {
            req = req.query("publishSamples", "true");
        }
        Ok(req)
    }

    /// Creates a project (TSC's `projects.create`). Returns it with its id.
    pub async fn create(&self, item: &ProjectItem) -> Result<ProjectItem> {
        let raw = self
            .server
            .send_expect(self.create_request(item, false)?, "project", |ts| {
                ts.project
            })
            .await?;
        Ok(ProjectItem::from_raw(raw))
    }

    /// Creates a project with Tableau's sample workbooks in it (`publishSamples=true`).
    pub async fn create_with_samples(&self, item: &ProjectItem) -> Result<ProjectItem> {
        let raw = self
            .server
            .send_expect(self.create_request(item, true)?, "project", |ts| ts.project)
            .await?;
        Ok(ProjectItem::from_raw(raw))
    }

    pub(crate) fn update_request(&self, item: &ProjectItem) -> Result<ApiRequest> {
        let id = item_id("Project", &item.id)?;
        let body = tsc_raw::TsRequest {
            project: Some(item.to_raw(true)?.into()),
            ..Default::default()
        };
        ApiRequest::put(self.server.site_path(&format!("projects/{id}"))?).xml(&body)
    }

    /// Updates name, description, content permissions, parent and owner (TSC's
    /// `projects.update`; without id: "Project item missing ID").
    pub async fn update(&self, item: &ProjectItem) -> Result<ProjectItem> {
        let raw = self
            .server
            .send_expect(self.update_request(item)?, "project", |ts| ts.project)
            .await?;
        Ok(ProjectItem::from_raw(raw))
    }

    /// Deletes a project and everything in it (TSC's `projects.delete`; empty id: "Project ID
    /// undefined").
    pub async fn delete(&self, id: impl Into<String>) -> Result<()> {
        let id = id.into();
        let id = require_id("Project", &id)?;
        let req = ApiRequest::delete(self.server.site_path(&format!("projects/{id}"))?);
        self.server.send_empty(req).await
    }
}
