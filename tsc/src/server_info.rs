//! Server version information (TSC's `server.server_info`).
//!
//! ```no_run
//! # async fn demo(server: tsc::Server) -> tsc::Result<()> {
//! let info = server.server_info().get().await?;
//! println!("Tableau {} (build {}), REST API {}", info.product_version, info.build_number, info.rest_api_version);
//! # Ok(()) }
//! ```

use crate::error::{Error, Result};
use crate::server::{ApiVersion, Server};
use crate::transport::ApiRequest;

/// Product and REST API versions of a server (TSC's `ServerInfoItem`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfoItem {
    /// Product version such as `"2023.1.0"`.
    pub product_version: String,
    /// Build number such as `"20231.23.0324.0840"`.
    pub build_number: String,
    /// Newest REST API version the server supports.
    pub rest_api_version: ApiVersion,
}

impl ServerInfoItem {
    pub(crate) fn from_response(ts: tsc_raw::TsResponse) -> Result<Self> {
        let info = ts
            .server_info
            .ok_or_else(|| unreadable("no <serverInfo> element"))?;
        let product = info.product_version.unwrap_or_default();
        let rest = info
            .rest_api_version
            .ok_or_else(|| unreadable("no <restApiVersion>"))?;
        Ok(ServerInfoItem {
            product_version: product.value.unwrap_or_default().trim().to_owned(),
            build_number: product.build.unwrap_or_default(),
            rest_api_version: rest
                .trim()
                .parse()
                .map_err(|_| unreadable(&format!("restApiVersion {rest:?} is not MAJOR.MINOR")))?,
        })
    }
}

fn unreadable(message: &str) -> Error {
    Error::UnreadableResponse {
        method: http::Method::GET,
        url: "serverInfo".into(),
        status: http::StatusCode::OK,
        message: format!("server info response: {message}"),
        excerpt: String::new(),
    }
}

/// Server information calls. Get it with [`Server::server_info`].
#[derive(Debug, Clone)]
pub struct ServerInfoEndpoint {
    server: Server,
}

impl Server {
    /// Server information calls (TSC's `server.server_info`).
    pub fn server_info(&self) -> ServerInfoEndpoint {
        ServerInfoEndpoint {
            server: self.clone(),
        }
    }
}

impl ServerInfoEndpoint {
    pub(crate) fn get_request(&self) -> ApiRequest {
        ApiRequest::get(self.server.api_path("serverInfo"))
            .without_auth()
            .require_version("server_info.get", ApiVersion::new(2, 4))
    }

    /// Product and REST API versions (TSC's `server_info.get()`, REST API 2.4+, no sign-in
    /// needed). A server that does not know the endpoint answers 404 (Tableau code 404003,
    /// TSC's `ServerInfoEndpointNotFoundError`): check [`Error::is_not_found`].
    pub async fn get(&self) -> Result<ServerInfoItem> {
        let ts = self.server.send(self.get_request()).await?;
        ServerInfoItem::from_response(ts)
    }

    /// Like `get` but always asks version 2.4, the oldest that has the endpoint, so it works
    /// before the version is known.
    pub(crate) async fn get_unversioned(&self) -> Result<ServerInfoItem> {
        let req = ApiRequest::get("/api/2.4/serverInfo").without_auth();
        let ts = self.server.send(req).await?;
        ServerInfoItem::from_response(ts)
    }
}
