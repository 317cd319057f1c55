//! Tableau error responses: `<tsResponse><error code=".."><summary/><detail/></error></tsResponse>`.

use http::StatusCode;

use tsc_raw::{ErrorType, TsResponse};

/// Tableau error codes the emulator answers with (the first three digits are the HTTP status).
///
/// Each code says where it comes from:
/// - **Confirmed**: the Tableau REST API reference lists this code for this condition in the
///   errors table of the named method, on the named page (for example "Workbooks and Views
///   Methods", Query Workbook).
/// - **Observed**: not in the reference, but quoted from real Tableau Server responses.
/// - **Guess**: the reference lists no code for the condition; the emulator picks one with the
///   right HTTP status that no documented condition uses.
pub mod codes {
    /// The request body or a query parameter could not be read.
    /// Confirmed: "Users and Groups Methods", Create Group (and most methods: bad request).
    pub const BAD_REQUEST: &str = "400000";
    /// `pageNumber` is not an integer, below 1, or past the last page.
    /// Confirmed: "Workbooks and Views Methods", Query Workbooks for Site.
    pub const INVALID_PAGE_NUMBER: &str = "400006";
    /// `pageSize` is not an integer or is below 1.
    /// Confirmed: "Workbooks and Views Methods", Query Workbooks for Site.
    pub const INVALID_PAGE_SIZE: &str = "400007";
    /// A `siteRole` value is not a site role.
    /// Confirmed: "Users and Groups Methods", Add User to Site.
    pub const INVALID_SITE_ROLE: &str = "400013";
    /// A `filter`, `sort` or `fields` expression names an unknown field or operator.
    /// Observed: real servers answer "400065 Bad Request: The filter query contains a key which
    /// is not recognized for this api version" (server-client-python issues #338, #709, #753);
    /// the reference lists no code for it.
    pub const INVALID_FILTER: &str = "400065";
    /// A required attribute (such as a name) is missing from the request.
    /// Confirmed: the reference answers a missing or incomplete request body with 400000
    /// ("Projects Methods", Create Project; "Users and Groups Methods", Add User to Site).
    pub const MISSING_ATTRIBUTE: &str = "400000";
    /// A publish request has a bad file type or a bad multipart body.
    /// Confirmed: "Publishing Methods", Publish Workbook (publishing error).
    pub const BAD_PUBLISH: &str = "400011";
    /// No auth token was sent.
    /// Confirmed: "Authentication Methods", Switch Site.
    pub const NO_CREDENTIALS: &str = "401000";
    /// Sign-in failed: bad user name, password, PAT or JWT.
    /// Confirmed: "Authentication Methods", Sign In.
    pub const SIGNIN_ERROR: &str = "401001";
    /// The auth token is unknown, was signed out, or expired.
    /// Confirmed: "Authentication Methods", Switch Site.
    pub const INVALID_TOKEN: &str = "401002";
    /// Switching to a site the user cannot access.
    /// Confirmed: "Authentication Methods", Switch Site.
    pub const SWITCH_SITE_ERROR: &str = "401003";
    /// The signed-in user's role does not allow the operation.
    /// Confirmed: the reference's generic code for a caller without the permission (e.g.
    /// "Data Sources Methods", Delete Data Source; "Projects Methods", Update Project). Some
    /// methods document a more specific 403 code; the emulator uses this one for all of them.
    pub const FORBIDDEN: &str = "403004";
    /// `pageSize` is above 1000 (HTTP 403, as on Tableau).
    /// Confirmed: "Workbooks and Views Methods", Query Workbooks for Site.
    pub const PAGE_SIZE_LIMIT: &str = "403014";
    /// The site in the URL is not the site the token was issued for.
    /// Guess: the reference documents no code for it (403002, used before, is the documented
    /// "deletion not allowed" of the default site).
    pub const WRONG_SITE: &str = "403000";
    /// Deleting the default site.
    /// Confirmed: "Sites Methods", Delete Site.
    pub const DEFAULT_SITE_DELETION: &str = "403002";
    /// Users may not change their own site role.
    /// Confirmed: "Users and Groups Methods", Update User (licensing update on self forbidden).
    pub const LICENSING_UPDATE_ON_SELF: &str = "403009";
    /// A user who is not an administrator asked for another user.
    /// Confirmed: "Users and Groups Methods", Query User On Site.
    pub const QUERY_USER_FORBIDDEN: &str = "403133";
    /// Switching to the site the token already belongs to.
    /// Confirmed: "Authentication Methods", Switch Site.
    pub const ALREADY_ON_SITE: &str = "403070";
    /// Site not found.
    /// Confirmed: "Sites Methods", Query Site.
    pub const SITE_NOT_FOUND: &str = "404000";
    /// User not found.
    /// Confirmed: "Users and Groups Methods", Query User On Site; "Handling Errors in the REST
    /// API".
    pub const USER_NOT_FOUND: &str = "404002";
    /// Data source not found.
    /// Confirmed: "Data Sources Methods", Query Data Source.
    pub const DATASOURCE_NOT_FOUND: &str = "404004";
    /// Project not found.
    /// Confirmed: "Projects Methods", Update Project and Delete Project.
    pub const PROJECT_NOT_FOUND: &str = "404005";
    /// Workbook not found.
    /// Confirmed: "Workbooks and Views Methods", Query Workbook.
    pub const WORKBOOK_NOT_FOUND: &str = "404006";
    /// Upload session not found.
    /// Confirmed: "Publishing Methods", Append to File Upload and Publish Workbook (404007,
    /// used before, is the documented "tag not found").
    pub const UPLOAD_NOT_FOUND: &str = "404015";
    /// View not found.
    /// Confirmed: "Workbooks and Views Methods", Query View Image and Add Tags to View.
    pub const VIEW_NOT_FOUND: &str = "404011";
    /// Group not found.
    /// Confirmed: "Users and Groups Methods", Get Users in Group and Delete Group.
    pub const GROUP_NOT_FOUND: &str = "404012";
    /// Schedule not found.
    /// Confirmed: "Jobs, Tasks, and Schedules Methods", Update Schedule and Delete Schedule
    /// (404013, used before, is the documented "capability not found").
    pub const SCHEDULE_NOT_FOUND: &str = "404023";
    /// Connection not found.
    /// Confirmed: "Workbooks and Views Methods", Update Workbook Connection.
    pub const CONNECTION_NOT_FOUND: &str = "404020";
    /// Job not found.
    /// Confirmed: "Jobs, Tasks, and Schedules Methods", Query Job (404025, used before, is the
    /// documented "subscription not found").
    pub const JOB_NOT_FOUND: &str = "404018";
    /// Tag not found.
    /// Confirmed: "Workbooks and Views Methods", Delete Tag from Workbook; "Data Sources
    /// Methods", Delete Tag from Data Source (404026, used before, is the documented "task not
    /// found").
    pub const TAG_NOT_FOUND: &str = "404007";
    /// The URL names no resource the server knows.
    /// Confirmed as "resource not found" ("Permissions Methods", Add Default Permissions); the
    /// Python TSC reads it as `UNKNOWN_RESOURCE` for unknown endpoints.
    pub const UNKNOWN_RESOURCE: &str = "404003";
    /// The HTTP method is not allowed on this URL.
    /// Confirmed: every method's errors table (invalid request method).
    pub const METHOD_NOT_ALLOWED: &str = "405000";
    /// A site with this content URL already exists.
    /// Confirmed: "Sites Methods", Create Site (site URL conflict; 409001, used before, is the
    /// site *name* conflict).
    pub const SITE_CONFLICT: &str = "409002";
    /// A user with this name already exists on the site.
    /// Confirmed: "Users and Groups Methods", Add User to Site.
    pub const USER_CONFLICT: &str = "409000";
    /// A project with this name already exists under the same parent.
    /// Confirmed: "Projects Methods", Create Project and Update Project.
    pub const PROJECT_CONFLICT: &str = "409006";
    /// A group with this name already exists on the site.
    /// Confirmed: "Users and Groups Methods", Create Group and Update Group.
    pub const GROUP_CONFLICT: &str = "409009";
    /// The user is already a member of the group.
    /// Confirmed: "Users and Groups Methods", Add User to Group.
    pub const MEMBERSHIP_CONFLICT: &str = "409011";
    /// A schedule with this name already exists.
    /// Confirmed: "Jobs, Tasks, and Schedules Methods", Create Schedule and Update Schedule.
    pub const SCHEDULE_CONFLICT: &str = "409021";
    /// Publishing content whose name exists in the project without `overwrite=true` (HTTP 403).
    /// Confirmed: "Publishing Methods", Publish Workbook and Publish Data Source (overwrite
    /// forbidden).
    pub const OVERWRITE_FORBIDDEN: &str = "403007";
    /// Renaming or moving a workbook onto a name its project already holds.
    /// Observed: real servers answer 409013 "A workbook with the name .. already exists in that
    /// project" (server-client-python issue #211); the reference lists no code for it.
    pub const WORKBOOK_NAME_CONFLICT: &str = "409013";
    /// Renaming or moving a data source onto a name its project already holds.
    /// Confirmed: "Data Sources Methods", Update Data Source (data source name conflict).
    pub const DATASOURCE_NAME_CONFLICT: &str = "409015";
    /// Too many requests (fault injection).
    /// Guess for the REST API, which documents no 429 code; Tableau's VizQL Data Service error
    /// codes page uses 429000.
    pub const TOO_MANY_REQUESTS: &str = "429000";
    /// The service is unavailable (fault injection).
    /// Guess: the reference documents no 503 code.
    pub const UNAVAILABLE: &str = "503000";
}

/// An error answered as Tableau does.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub summary: String,
    pub detail: String,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, summary: &str, detail: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code,
            summary: summary.to_string(),
            detail: detail.into(),
        }
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(400, codes::BAD_REQUEST, "Bad Request", detail)
    }
    pub fn missing(what: &str) -> Self {
        Self::new(
            400,
            codes::MISSING_ATTRIBUTE,
            "Bad Request",
            format!("The request is missing '{what}'."),
        )
    }
    pub fn not_found(code: &'static str, kind: &str, id: &str) -> Self {
        Self::new(
            404,
            code,
            "Resource Not Found",
            format!("{kind} '{id}' could not be found."),
        )
    }
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(409, code, "Conflict", detail)
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(403, codes::FORBIDDEN, "Forbidden", detail)
    }
    /// Publishing onto the name of an existing `kind` ("workbook", "data source") without
    /// `overwrite=true`.
    pub fn overwrite_forbidden(kind: &str, name: &str) -> Self {
        Self::new(
            403,
            codes::OVERWRITE_FORBIDDEN,
            "Forbidden",
            format!(
                "A {kind} named '{name}' already exists in the project. Publish with overwrite=true to replace it."
            ),
        )
    }
    pub fn invalid_token() -> Self {
        Self::new(
            401,
            codes::INVALID_TOKEN,
            "Unauthorized Access",
            "Invalid authentication credentials were provided.",
        )
    }

    /// The error document.
    pub fn to_response(&self) -> TsResponse {
        TsResponse {
            error: Some(Box::new(ErrorType {
                code: self.code.parse().ok(),
                summary: Some(self.summary.clone()),
                detail: Some(self.detail.clone()),
                ..Default::default()
            })),
            ..Default::default()
        }
    }
}
