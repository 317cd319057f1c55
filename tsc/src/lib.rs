//! Async Rust client for the Tableau Server REST API, for users of the Python Tableau Server
//! Client (TSC). Built on the generated types of [`tsc_raw`].
//!
//! ```no_run
//! # async fn demo() -> tsc::Result<()> {
//! use futures::TryStreamExt;
//! use tsc::{Field, Filter, Server, Sort, TableauAuth};
//!
//! // No scheme: https:// is used. Write http:// explicitly for a plain-HTTP test server.
//! let server = Server::new("tableau.example.com")?;
//! server.use_server_version().await?;
//! server.auth().sign_in(TableauAuth::new("admin", "secret", "")).await?;
//!
//! // One page (TSC: server.workbooks.get(req_options))
//! let page = server
//!     .workbooks()
//!     .list()
//!     .filter(Filter::eq(Field::OwnerName, "jdoe"))
//!     .sort(Sort::asc(Field::Name))
//!     .page_size(100)
//!     .send()
//!     .await?;
//! println!("{} of {} workbooks", page.items.len(), page.pagination.total_available);
//!
//! // Every item of every page (TSC: Pager), 4 pages in flight
//! let users: Vec<_> = server.users().list().concurrency(4).into_stream().try_collect().await?;
//! # let _ = users;
//! server.auth().sign_out().await?;
//! # Ok(()) }
//! ```
//!
//! # Design
//! - [`Server`] is `Clone + Send + Sync`; clones share the connection pool and the session.
//! - Calls are owned builders or async methods on resource endpoints (`server.workbooks()`...).
//!   List calls return a [`List`] builder: `.send()` gives one [`Page`], `.into_stream()` every
//!   item.
//! - Errors are one enum, [`Error`], split by phase (bad input before sending, transport,
//!   Tableau API error, unreadable response). Transient failures are retried per
//!   [`RetryPolicy`] for requests that are safe to repeat; an expired session (401002) is renewed
//!   once when credentials are held.
//! - Timestamps are `time::OffsetDateTime`: `tsc-raw` already keeps dates with the `time`
//!   crate, so one date library serves both crates, and Tableau's ISO-8601 UTC values map to it
//!   without loss. Unparsable dates become `None` (the raw text stays in `tsc-raw`).
//! - Secrets ([`Secret`]) print as `[redacted]`.
//!
//! # TSC → `tsc`
//!
//! | Python TSC | `tsc` |
//! |---|---|
//! | `TSC.Server(address)` | [`Server::new`]`(address)` or [`Server::builder`]`(address)...build()` |
//! | `server.version = "3.19"` | [`ServerBuilder::version`]`("3.19")` / [`Server::set_version`] |
//! | `server.version` (read), `server.server_address` | [`Server::version`], [`Server::base_url`] |
//! | `server.use_server_version()` | [`Server::use_server_version`]`().await` |
//! | `server.add_http_options({...})` | [`ServerBuilder`] (timeouts, proxy, root certificates, `danger_accept_invalid_certs`, user agent) |
//! | `server.auth`, `.workbooks`, `.datasources`, `.views`, `.users`, `.groups`, `.projects`, `.sites`, `.schedules`, `.server_info`, `.jobs` | [`Server::auth`], [`Server::workbooks`], [`Server::datasources`], [`Server::views`], [`Server::users`], [`Server::groups`], [`Server::projects`], [`Server::sites`], [`Server::schedules`], [`Server::server_info`], [`Server::jobs`] |
//! | `TSC.TableauAuth(user, pw, site_id, user_id_to_impersonate)` | [`TableauAuth::new`]`(user, pw, site).impersonate(id)` |
//! | `TSC.PersonalAccessTokenAuth(name, secret, site)` | [`PersonalAccessTokenAuth::new`] |
//! | `TSC.JWTAuth(jwt, site)` | [`JwtAuth::new`] |
//! | `server.auth.sign_in(auth)` | `server.auth().sign_in(auth).await` ([`AuthEndpoint::sign_in`]) |
//! | `server.auth.sign_out()` | [`AuthEndpoint::sign_out`] |
//! | `server.auth.switch_site(site_item)` | [`AuthEndpoint::switch_site`]`(content_url)` |
//! | (resume a stored token) | [`Server::resume_session`]`(Session { .. })`, [`Server::session`] |
//! | `TSC.ConnectionItem`, `TSC.ConnectionCredentials` | [`ConnectionItem`], [`ConnectionCredentials`] |
//! | `TSC.ConnectionCredentials(name, password, embed, oauth)` | [`ConnectionCredentials::new`]`(name, password, embed).oauth(true)`; the connection's `server_address`/`server_port` are fields of [`ConnectionItem`] |
//! | `server.datasources.get(opts)` | `server.datasources().list()` ... `.send()` / `.into_stream()` |
//! | `TSC.DatasourceItem(project_id, name)` | [`DatasourceItem::new`]`(project_id, name)` |
//! | `server.datasources.get_by_id(id)` | [`DatasourcesEndpoint::get_by_id`] |
//! | `server.datasources.update(item)` | [`DatasourcesEndpoint::update`] |
//! | `server.datasources.delete(id)` | [`DatasourcesEndpoint::delete`] |
//! | `server.datasources.populate_connections(item)` | [`DatasourcesEndpoint::populate_connections`]`(&mut item)` |
//! | `server.datasources.update_connection(item, conn)` | [`DatasourcesEndpoint::update_connection`] |
//! | `server.datasources.publish(item, file, mode)` | `server.datasources().publish(item, file, mode)` ... `.send().await` (module `publish`) |
//! | `server.datasources.download(id, path, include_extract)` | `server.datasources().download(id, target).include_extract(..)` ... `.send().await` (module `download`) |
//! | `TSC.Filter(field, op, value)` | [`Filter::new`]`(Field::.., Operator::.., value)`, [`Filter::eq`], [`Filter::in_list`] |
//! | `TSC.Sort(field, direction)` | [`Sort::new`], [`Sort::asc`], [`Sort::desc`] |
//! | `TSC.RequestOptions(pagenumber, pagesize)` | [`RequestOptions`] or the same methods on every [`List`] builder |
//! | `RequestOptions.Field`, `.Operator`, `.Direction`, `.SelectFields` | [`Field`], [`Operator`], [`Direction`], [`Fields`] |
//! | `TSC.Pager(endpoint, opts)` | `List::into_stream()` (optionally `.concurrency(n)`) |
//! | `TSC.PaginationItem` | [`PaginationItem`] |
//! | `TSC.GroupItem(name)` | [`GroupItem::new`], [`GroupItem::active_directory`] |
//! | `server.groups.get(opts)` | `server.groups().list()` |
//! | `server.groups.create(item)` | [`GroupsEndpoint::create`] |
//! | `server.groups.create_AD_group(item, as_job)` | [`GroupsEndpoint::create_ad_group`], [`GroupsEndpoint::create_ad_group_as_job`] |
//! | `server.groups.update(item, default_site_role)` | [`GroupsEndpoint::update`]`(&item, Some(role))` |
//! | `server.groups.delete(id)` | [`GroupsEndpoint::delete`] |
//! | `server.groups.add_user(item, user_id)` | [`GroupsEndpoint::add_user`] |
//! | `server.groups.remove_user(item, user_id)` | [`GroupsEndpoint::remove_user`] |
//! | `server.groups.populate_users(item)` | [`GroupsEndpoint::populate_users`]`(&mut item)`; [`GroupsEndpoint::users`] for a page/stream |
//! | `TSC.ProjectItem(name, description, content_permissions, parent_id)` | [`ProjectItem::new`]`(name).with_description(..).with_content_permissions(..).with_parent(..)` |
//! | `ProjectItem.ContentPermissions` | [`ContentPermissions`] |
//! | `server.projects.get(opts)` | `server.projects().list()` |
//! | `server.projects.create(item)` | [`ProjectsEndpoint::create`] |
//! | `server.projects.update(item)` | [`ProjectsEndpoint::update`] |
//! | `server.projects.delete(id)` | [`ProjectsEndpoint::delete`] |
//! | `TSC.Server.PublishMode` | `PublishMode` (module `publish`): `CreateNew`, `Overwrite`, `Append`, `Replace` |
//! | `TSC.ServerInfoItem` | [`ServerInfoItem`] |
//! | `server.server_info.get()` | [`ServerInfoEndpoint::get`] |
//! | `TSC.SiteItem(name, content_url, admin_mode, user_quota, ...)` | [`SiteItem::new`]`(name, url).with_admin_mode(..).with_user_quota(..)` |
//! | `SiteItem.AdminMode`, `SiteItem.State` | [`AdminMode`], [`SiteState`] |
//! | `SiteItem(.., storage_quota, disable_subscriptions, subscribe_others_enabled, revision_history_enabled)`, `site.revision_limit` | public fields: `SiteItem { revision_limit: Some(10), ..SiteItem::new(name, url) }` |
//! | `server.sites.create(item)` | [`SitesEndpoint::create`] |
//! | `server.sites.get()` | `server.sites().list()` |
//! | `server.sites.get_by_id(id)` | [`SitesEndpoint::get_by_id`] |
//! | `server.sites.get_by_name(name)` | [`SitesEndpoint::get_by_name`] |
//! | `server.sites.get_by_content_url(url)` | [`SitesEndpoint::get_by_content_url`] |
//! | `server.sites.update(item)` | [`SitesEndpoint::update`] |
//! | `server.sites.delete(id)` | [`SitesEndpoint::delete`] |
//! | `TSC.UserItem(name, site_role, auth_setting)` | [`UserItem::new`]`(name, SiteRole::..).with_auth_setting(..)` |
//! | `UserItem.Roles`, `UserItem.Auth` | [`SiteRole`], [`AuthSetting`] |
//! | `UserItem.Roles.Interactor`, `.Publisher`, `.SiteAdministrator`, `.UnlicensedWithPublish`, `.ViewerWithPublish` (roles before Tableau 2018.1) | `SiteRole::Other("Interactor".into())` ...: read and sent as written |
//! | `server.users.add(item)` | [`UsersEndpoint::add`] |
//! | `server.users.get(opts)` | `server.users().list()` |
//! | `server.users.get_by_id(id)` | [`UsersEndpoint::get_by_id`] |
//! | `server.users.populate_favorites(item)` | [`UsersEndpoint::populate_favorites`]`(&mut item)` |
//! | `server.users.populate_workbooks(item)` | [`UsersEndpoint::populate_workbooks`]`(&mut item)`; [`UsersEndpoint::workbooks`] for a page/stream |
//! | `server.users.populate_groups(item)` | [`UsersEndpoint::populate_groups`]`(&mut item)`; [`UsersEndpoint::groups`] for a page/stream |
//! | `server.users.remove(id, map_assets_to)` | [`UsersEndpoint::remove`], [`UsersEndpoint::remove_and_map_assets`] |
//! | `server.users.update(item, password)` | [`UsersEndpoint::update`], [`UsersEndpoint::update_with_password`] |
//! | `TSC.ViewItem` | [`ViewItem`] |
//! | `server.views.get(opts, usage)` | `server.views().list().include_usage_statistics(usage)` |
//! | `server.views.get_by_id(id)` | [`ViewsEndpoint::get_by_id`] |
//! | `server.views.populate_preview_image(view)` | `server.views().populate_preview_image(&view).await` → PNG bytes (module `download`) |
//! | `TSC.WorkbookItem(project_id, name, show_tabs)` | [`WorkbookItem::new`]`(project_id, name)` |
//! | `server.workbooks.get(opts)` | `server.workbooks().list()` |
//! | `server.workbooks.get_by_id(id)` | [`WorkbooksEndpoint::get_by_id`] |
//! | `server.workbooks.update(item)` | [`WorkbooksEndpoint::update`] |
//! | `server.workbooks.delete(id)` | [`WorkbooksEndpoint::delete`] |
//! | `server.workbooks.populate_views(item, usage)` | [`WorkbooksEndpoint::populate_views`], [`WorkbooksEndpoint::populate_views_with_usage`] |
//! | `server.workbooks.populate_connections(item)` | [`WorkbooksEndpoint::populate_connections`] |
//! | `server.workbooks.populate_preview_image(item)` | `server.workbooks().populate_preview_image(&item).await` → PNG bytes (module `download`) |
//! | `server.workbooks.update_connection(item, conn)` | [`WorkbooksEndpoint::update_connection`] |
//! | `server.workbooks.publish(item, file, mode)` | `server.workbooks().publish(item, file, mode)` ... `.send().await` (module `publish`) |
//! | `server.workbooks.download(id, path, include_extract)` | `server.workbooks().download(id, target).include_extract(..)` ... `.send().await` (module `download`) |
//! | `TSC.ScheduleItem(name, priority, type, execution_order, interval)` | [`ScheduleItem::new`]`(name, priority, ScheduleType::.., Interval::..)` |
//! | `TSC.HourlyInterval`, `DailyInterval`, `WeeklyInterval`, `MonthlyInterval` | [`Interval::Hourly`], [`Interval::Daily`], [`Interval::Weekly`], [`Interval::Monthly`] |
//! | `TSC.HourlyInterval(start, end, (2, "Monday"))` (hours / week-day `interval_value`s) | `Interval::Hourly { start, end, every: Every::Hours2, weekdays: vec![Weekday::Monday] }` |
//! | `TSC.MonthlyInterval(start, (1, 15))`, `MonthlyInterval(start, "LastDay")` | `Interval::Monthly { start, days: vec![MonthDay::Day(1), MonthDay::Day(15)] }`, [`MonthDay::LastDay`] |
//! | `ScheduleItem.Type`, `.ExecutionOrder`, `.State` | [`ScheduleType`], [`ExecutionOrder`], [`ScheduleState`] |
//! | `TSC.DailyInterval(start_time)`; `DailyInterval(start_time, 2, "Monday")` (hours / week-day `interval_value`s) | [`Interval::daily`]`(start)`; `Interval::Daily { start, end, every: Some(Every::Hours2), weekdays: vec![Weekday::Monday] }` |
//! | `server.schedules.get()` | `server.schedules().list()` |
//! | `server.schedules.get_by_id(id)` | [`SchedulesEndpoint::get_by_id`] |
//! | `server.schedules.create(item)` | [`SchedulesEndpoint::create`] |
//! | `server.schedules.update(item)` | [`SchedulesEndpoint::update`] |
//! | `server.schedules.delete(id)` | [`SchedulesEndpoint::delete`] |
//! | `server.schedules.add_to_schedule(id, workbook=..)` / `(id, datasource=..)` | [`SchedulesEndpoint::add_workbook`], [`SchedulesEndpoint::add_datasource`] |
//! | `server.jobs.get_by_id(id)`, `.cancel(id)`, `.wait_for_job(id)` | [`JobsEndpoint::get_by_id`], [`JobsEndpoint::cancel`], [`JobsEndpoint::wait_for_job`] |
//! | `TSC.JobItem` (`id`, `type`, `progress`, `finish_code`, `notes`, `status_notes`, `mode`, `created_at`, `started_at`, `updated_at`, `completed_at`, `workbook_id`, `workbook_name`, `datasource_id`, `datasource_name`) | [`JobItem`] (`job_type`, [`JobMode`], `status_notes`: [`StatusNote`]; the rest by the same names) |
//! | `endpoint.get_request(url)`, `.post_request(url, xml)`, `.put_request(..)`, `.delete_request(url)` (or `requests` with `server.auth_token`) for an endpoint TSC does not wrap | [`Server::raw_request`]`(Method::POST, "workbooks/{id}/refresh")` (site-relative) or [`Server::raw_api_request`] (from `/api/{v}/`), `.query(..)`, `.body(&TsRequest)`, `.idempotent(..)`, `.send().await` → `tsc_raw::TsResponse` (module [`raw_request`]) |
//!
//! # The reference's exceptions
//!
//! | TSC exception | `tsc` |
//! |---|---|
//! | `Datasource ID undefined`, `Group ID undefined`, `Project ID undefined.`, `Site ID undefined.`, `User ID undefined`, `Workbook ID undefined` | [`InputError::EmptyId`] (an empty or blank id argument), before sending |
//! | `Datasource item missing ID...`, `Group item missing ID`, `Project item missing ID.`, `Site item missing ID.`, `User item missing ID.`, `Workbook item missing ID...`, `View item missing ID or workbook ID` | [`InputError::MissingId`] (the item's `id` is `None`), before sending |
//! | `Site Name undefined.` | [`InputError::Empty`], before sending |
//! | `You cannot set admin_mode to ContentOnly and also set a user quota` | [`InputError::UserQuotaWithContentOnly`] from `sites().create/update` (and [`SiteItem::validate`]) |
//! | `Group must be populated with users first.` | impossible: `GroupItem::users` is an `Option` (`None` until populated) and `remove_user` needs only ids |
//! | `JobFailedException`, `JobCancelledException` (`jobs.wait_for_job`) | [`Error::JobFailed`]`{ job }`, [`Error::JobCancelled`]`{ job }` |
//! | `404003 UNKNOWN_RESOURCE` (server info) | [`Error::Api`] with [`Error::is_not_found`] and [`Error::code`]` == Some("404003")` |
//! | `File path does not lead to an existing file.` | [`InputError::FileNotFound`] (publish) |
//! | `Invalid mode defined.` | impossible: `PublishMode` is an enum |
//! | `Workbooks cannot be appended.` | [`InputError::PublishModeNotAllowed`] (publish) |
//! | `Only .twb or twbx files...`, `Only .tds, tdsx, or .tde files...` | [`InputError::UnsupportedFileType`] (publish) |

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
pub mod raw_request;
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
pub use jobs::{JobItem, JobMode, JobType, JobsEndpoint, StatusNote, StatusNoteKind};
pub use pagination::{List, Page, PaginationItem};
pub use projects::{ContentPermissions, ProjectItem, ProjectsEndpoint};
pub use publish::PublishMode;
pub use raw_request::{Method, RawRequest};
pub use request_options::{
    Direction, Field, Fields, Filter, FilterValue, Operator, RequestOptions, Sort,
};
pub use retry::RetryPolicy;
pub use schedules::{
    Every, ExecutionOrder, Interval, MonthDay, ScheduleItem, ScheduleState, ScheduleType,
    SchedulesEndpoint,
};
pub use server::{
    ApiVersion, DEFAULT_API_VERSION, SCHEMA_API_VERSION, Server, ServerBuilder, Session, USER_AGENT,
};
pub use server_info::{ServerInfoEndpoint, ServerInfoItem};
pub use sites::{AdminMode, SiteItem, SiteState, SitesEndpoint};
pub use users::{AuthSetting, Favorites, SiteRole, UserItem, UsersEndpoint};
pub use views::{ViewItem, ViewsEndpoint};
pub use workbooks::{WorkbookItem, WorkbooksEndpoint};
