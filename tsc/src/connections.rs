//! Data connections of workbooks and data sources: [`ConnectionItem`] and
//! [`ConnectionCredentials`] (TSC's `ConnectionItem`, `ConnectionCredentials`).
//!
//! ```no_run
//! # async fn demo(server: tsc::Server) -> tsc::Result<()> {
//! let mut wb = server.workbooks().get_by_id("1f951daf-4061-451a-9df1-69a8062664f2").await?;
//! server.workbooks().populate_connections(&mut wb).await?;
//! let mut conn = wb.connections.clone().unwrap_or_default().remove(0);
//! conn.username = Some("analyst".into());
//! conn.password = Some("new-password".into());
//! conn.embed_password = Some(true);
//! let updated = server.workbooks().update_connection(&wb, &conn).await?;
//! println!("{:?}", updated.server_address);
//! # Ok(()) }
//! ```

use crate::auth::Secret;
use crate::convert::check_text;
use crate::error::Result;

/// One data connection (TSC's `ConnectionItem`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionItem {
    /// Connection LUID.
    pub id: Option<String>,
    /// LUID of the data source behind the connection.
    pub datasource_id: Option<String>,
    /// Name of the data source behind the connection.
    pub datasource_name: Option<String>,
    /// Connection type (`"sqlserver"`, `"postgres"`...). TSC: `connection_type`.
    pub connection_type: Option<String>,
    /// Server address.
    pub server_address: Option<String>,
    /// Server port (a string: Tableau accepts names of ports in some connectors).
    pub server_port: Option<String>,
    /// Database user name.
    pub username: Option<String>,
    /// Database password to set (write-only; redacted in `Debug`).
    pub password: Option<Secret>,
    /// Whether the password is embedded.
    pub embed_password: Option<bool>,
    /// Whether query tagging is on.
    pub query_tagging: Option<bool>,
    /// Authentication type.
    pub auth_type: Option<String>,
    /// Credentials to publish with (publishing only).
    pub connection_credentials: Option<ConnectionCredentials>,
}

impl ConnectionItem {
    pub(crate) fn from_raw(c: tsc_raw::ConnectionType) -> Self {
        let ds = c.datasource.unwrap_or_default();
        ConnectionItem {
            id: c.id,
            datasource_id: ds.id,
            datasource_name: ds.name,
            connection_type: c.type_,
            server_address: c.server_address,
            server_port: c.server_port.map(|p| p.to_string()),
            username: c.user_name,
            password: None,
            embed_password: c.embed_password,
            query_tagging: c.query_tagging_enabled,
            auth_type: c.authentication_type,
            connection_credentials: None,
        }
    }

    /// The `<connection>` of an update-connection request: only what is set.
    pub(crate) fn to_update_raw(&self) -> Result<tsc_raw::ConnectionType> {
        let mut c = tsc_raw::ConnectionType::default();
        if let Some(a) = &self.server_address {
            check_text("server address", a)?;
            c.server_address = Some(a.clone());
        }
        if let Some(p) = &self.server_port {
            let port: u64 = p.trim().parse().map_err(|_| {
                crate::Error::from(crate::InputError::Invalid {
                    what: "server port",
                    reason: format!("{p:?} is not a port number"),
                })
            })?;
            c.server_port = Some(port);
        }
        if let Some(u) = &self.username {
            check_text("user name", u)?;
            c.user_name = Some(u.clone());
        }
        if let Some(p) = &self.password {
            check_text("password", p.expose())?;
            c.password = Some(p.expose().to_owned());
        }
        c.embed_password = self.embed_password;
        c.query_tagging_enabled = self.query_tagging;
        Ok(c)
    }

    /// The `<connection>` of a publish request.
    pub fn to_publish_raw(&self) -> Result<tsc_raw::ConnectionType> {
        let mut c = self.to_update_raw()?;
        c.connection_credentials = self.connection_credentials.as_ref().map(|cc| cc.to_raw());
        Ok(c)
    }
}

/// Credentials for a connection when publishing (TSC's `ConnectionCredentials`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionCredentials {
    /// User name.
    pub name: String,
    /// Password (redacted in `Debug`).
    pub password: Secret,
    /// Embed the credentials in the published content.
    pub embed: bool,
    /// The credentials are an OAuth token.
    pub oauth: bool,
}

impl ConnectionCredentials {
    /// Credentials `name`/`password`, embedded when `embed`.
    pub fn new(name: impl Into<String>, password: impl Into<Secret>, embed: bool) -> Self {
        ConnectionCredentials {
            name: name.into(),
            password: password.into(),
            embed,
            oauth: false,
        }
    }

    /// Marks the credentials as OAuth.
    pub fn oauth(mut self, yes: bool) -> Self {
        self.oauth = yes;
        self
    }

    /// The raw `<connectionCredentials>` element.
    pub fn to_raw(&self) -> tsc_raw::ConnectionCredentialsType {
        tsc_raw::ConnectionCredentialsType {
            name: Some(self.name.clone()),
            password: Some(self.password.expose().to_owned()),
            embed: Some(self.embed.to_string()),
            o_auth: self.oauth.then(|| "true".to_owned()),
        }
    }
}
