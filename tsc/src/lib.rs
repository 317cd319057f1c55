//! Async Rust client for the Tableau Server REST API (crate docs below are completed with the
//! resources).

pub mod auth;
pub mod download;
pub mod error;
pub mod multipart;
pub mod pagination;
pub mod publish;
pub mod request_options;
pub mod retry;
pub mod server;
pub mod server_info;
pub(crate) mod transport;

pub use auth::{
    AuthEndpoint, AuthToken, Credentials, JwtAuth, PersonalAccessTokenAuth, Secret, TableauAuth,
};
pub use error::{ApiError, Error, InputError, Result, TransportKind};
pub use pagination::{List, Page, PaginationItem};
pub use request_options::{
    Direction, Field, Fields, Filter, FilterValue, Operator, RequestOptions, Sort,
};
pub use retry::RetryPolicy;
pub use server::{ApiVersion, Server, ServerBuilder, Session};
pub use server_info::{ServerInfoEndpoint, ServerInfoItem};
pub use download::{DownloadInfo, DownloadTarget};
pub use publish::{PublishConnection, PublishCredentials, PublishMode};
