//! `publish` on the workbook and data source endpoints.

use std::path::Path;

use super::*;

fn missing(what: &str, kind: PublishKind) -> Error {
    Error::UnreadableResponse {
        method: http::Method::POST,
        url: kind.endpoint().to_owned(),
        status: http::StatusCode::CREATED,
        message: format!("the publish response has no <{what}> element"),
        excerpt: String::new(),
    }
}

impl crate::workbooks::WorkbooksEndpoint {
    /// Publishes a `.twb`/`.twbx` file (TSC: `workbooks.publish`). `item` gives the project
    /// (`project_id`), the name (empty: the file's stem), `description` and `show_tabs`; the
    /// builder adds connections, hidden views, chunking and progress. See [`crate::publish`].
    pub fn publish(
        &self,
        item: crate::WorkbookItem,
        file: impl AsRef<Path>,
        mode: PublishMode,
    ) -> PublishWorkbook {
        let payload = Payload {
            name: item.name,
            project_id: item.project_id,
            description: item.description,
            show_tabs: item.show_tabs,
            ..Default::default()
        };
        PublishWorkbook::with_payload(
            self.server.clone(),
            file.as_ref().to_path_buf(),
            mode,
            payload,
        )
    }
}

impl crate::datasources::DatasourcesEndpoint {
    /// Publishes a `.tds`/`.tdsx`/`.tde`/`.hyper` file (TSC: `datasources.publish`). `item`
    /// gives the project (`project_id`), the name (empty: the file's stem) and `description`.
    /// See [`crate::publish`].
    pub fn publish(
        &self,
        item: crate::DatasourceItem,
        file: impl AsRef<Path>,
        mode: PublishMode,
    ) -> PublishDatasource {
        let payload = Payload {
            name: item.name,
            project_id: item.project_id,
            description: item.description,
            ..Default::default()
        };
        PublishDatasource::with_payload(
            self.server.clone(),
            file.as_ref().to_path_buf(),
            mode,
            payload,
        )
    }
}

impl PublishWorkbook {
    /// Publishes and returns the new (or overwritten) workbook.
    pub async fn send(self) -> Result<crate::WorkbookItem> {
        let ts = self.send_raw(false).await?;
        ts.workbook
            .map(|w| crate::WorkbookItem::from_raw(*w))
            .ok_or_else(|| missing("workbook", PublishKind::Workbook))
    }
}

impl PublishWorkbook {
    /// Publishes asynchronously (`asJob=true`, REST API 3.0+) and returns the job; the workbook
    /// appears when the job finishes (poll it with `server.jobs()`).
    pub async fn send_as_job(self) -> Result<crate::JobItem> {
        let ts = self.send_raw(true).await?;
        ts.job
            .map(|j| crate::JobItem::from_raw(*j))
            .ok_or_else(|| missing("job", PublishKind::Workbook))
    }
}

impl PublishDatasource {
    /// Publishes asynchronously (`asJob=true`, REST API 3.0+) and returns the job.
    pub async fn send_as_job(self) -> Result<crate::JobItem> {
        let ts = self.send_raw(true).await?;
        ts.job
            .map(|j| crate::JobItem::from_raw(*j))
            .ok_or_else(|| missing("job", PublishKind::Datasource))
    }
}

impl PublishDatasource {
    /// Publishes and returns the new (or overwritten) data source.
    pub async fn send(self) -> Result<crate::DatasourceItem> {
        let ts = self.send_raw(false).await?;
        ts.datasource
            .map(|d| crate::DatasourceItem::from_raw(*d))
            .ok_or_else(|| missing("datasource", PublishKind::Datasource))
    }
}

fn payload_credentials(c: &crate::ConnectionCredentials) -> PayloadCredentials {
    PayloadCredentials {
        name: c.name.clone(),
        password: c.password.expose().to_owned(),
        embed: c.embed,
        oauth: c.oauth,
    }
}

/// As the Python TSC: explicit `connection_credentials` win; otherwise user name, password and
/// embed flag together make credentials.
fn payload_connection(c: &crate::ConnectionItem) -> PayloadConnection {
    let credentials = match (
        &c.connection_credentials,
        &c.username,
        &c.password,
        c.embed_password,
    ) {
        (Some(cc), _, _, _) => Some(payload_credentials(cc)),
        (None, Some(name), Some(password), Some(embed)) => Some(PayloadCredentials {
            name: name.clone(),
            password: password.expose().to_owned(),
            embed,
            oauth: false,
        }),
        _ => None,
    };
    PayloadConnection {
        server_address: c.server_address.clone().unwrap_or_default(),
        server_port: c.server_port.clone(),
        database_name: None,
        credentials,
    }
}

macro_rules! connection_options {
    () => {
        /// A connection of the published content (TSC: an item of `connections`): its
        /// `server_address` (required), `server_port`, and `connection_credentials` (or
        /// `username` + `password` + `embed_password`). May be called several times.
        pub fn connection(mut self, connection: crate::ConnectionItem) -> Self {
            self.opts
                .payload
                .connections
                .push(payload_connection(&connection));
            self.opts.connections_given = true;
            self
        }

        /// Several connections at once (TSC: `connections=[...]`).
        pub fn connections(
            mut self,
            connections: impl IntoIterator<Item = crate::ConnectionItem>,
        ) -> Self {
            for c in connections {
                self = self.connection(c);
            }
            self
        }
    };
}

impl PublishWorkbook {
    connection_options!();
}

impl PublishDatasource {
    connection_options!();

    /// Credentials for the data source's connection (TSC: `connection_credentials`; not together
    /// with [`PublishDatasource::connection`]).
    pub fn connection_credentials(mut self, credentials: crate::ConnectionCredentials) -> Self {
        self.opts.payload.credentials = Some(payload_credentials(&credentials));
        self
    }
}
