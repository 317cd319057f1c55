//! Async Rust client for the Tableau Server REST API (crate docs below are completed with the
//! resources).

pub mod auth;
pub mod connections;
pub(crate) mod convert;
pub mod datasources;
pub mod download;
pub mod error;
pub mod groups;
pub mod jobs;
pub mod multipart;
pub mod pagination;
pub mod projects;
pub mod publish;
pub mod request_options;
pub mod retry;
pub mod schedules;
pub mod server;
pub mod server_info;
pub mod sites;
pub(crate) mod transport;
pub mod users;
pub mod views;
pub mod workbooks;

pub use auth::{
    AuthEndpoint, AuthToken, Credentials, JwtAuth, PersonalAccessTokenAuth, Secret, TableauAuth,
};
pub use connections::{ConnectionCredentials, ConnectionItem};
pub use datasources::{DatasourceItem, DatasourcesEndpoint};
pub use download::{DownloadInfo, DownloadTarget};
pub use error::{ApiError, Error, InputError, Result, TransportKind};
pub use groups::{GroupItem, GroupsEndpoint, LicenseMode};
pub use jobs::{JobItem, JobType, JobsEndpoint};
pub use pagination::{List, Page, PaginationItem};
pub use projects::{ContentPermissions, ProjectItem, ProjectsEndpoint};
pub use publish::PublishMode;
pub use request_options::{
    Direction, Field, Fields, Filter, FilterValue, Operator, RequestOptions, Sort,
};
pub use retry::RetryPolicy;
pub use schedules::{
    Every, ExecutionOrder, Interval, MonthDay, ScheduleItem, ScheduleType, SchedulesEndpoint,
};
pub use server::{ApiVersion, Server, ServerBuilder, Session};
pub use server_info::{ServerInfoEndpoint, ServerInfoItem};
pub use sites::{AdminMode, SiteItem, SiteState, SitesEndpoint};
pub use users::{AuthSetting, Favorites, SiteRole, UserItem, UsersEndpoint};
pub use views::{ViewItem, ViewsEndpoint};
pub use workbooks::{WorkbookItem, WorkbooksEndpoint};
