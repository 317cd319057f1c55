//! Tableau error responses: `<tsResponse><error code=".."><summary/><detail/></error></tsResponse>`.

use http::StatusCode;

use tsc_raw::{ErrorType, TsResponse};

/// Tableau error codes the emulator answers with (the first three digits are the HTTP status).
///
/// Codes Tableau documents (400000, 400006, 400007, 400013, 401000, 401001, 401002, 403014,
/// 403070, 403133, 404000, 404002, 404003, 405000, 409000) are used for the same conditions; for the
/// conditions whose code is not published (for example "group not found") the emulator picks a
/// code with the right HTTP status, marked here as the emulator's choice when it is a guess.
pub mod codes {
    /// The request body or a query parameter could not be read.
    pub const BAD_REQUEST: &str = "400000";
    /// `pageNumber` is not an integer, below 1, or past the last page.
    pub const INVALID_PAGE_NUMBER: &str = "400006";
    /// `pageSize` is not an integer or is below 1.
    pub const INVALID_PAGE_SIZE: &str = "400007";
    /// A `siteRole` value is not a site role.
    pub const INVALID_SITE_ROLE: &str = "400013";
    /// A `filter`, `sort` or `fields` expression names an unknown field or operator.
    pub const INVALID_FILTER: &str = "400065";
    /// A required attribute (such as a name) is missing from the request.
    pub const MISSING_ATTRIBUTE: &str = "400001";
    /// A publish request has a bad file type or a bad multipart body.
    pub const BAD_PUBLISH: &str = "400011";
    /// No auth token was sent.
    pub const NO_CREDENTIALS: &str = "401000";
    /// Sign-in failed: bad user name, password, PAT or JWT.
    pub const SIGNIN_ERROR: &str = "401001";
    /// The auth token is unknown, was signed out, or expired.
    pub const INVALID_TOKEN: &str = "401002";
    /// Switching to a site the user cannot access.
    pub const SWITCH_SITE_ERROR: &str = "401003";
    /// The signed-in user's role does not allow the operation.
    pub const FORBIDDEN: &str = "403000";
    /// `pageSize` is above 1000 (HTTP 403, as on Tableau).
    pub const PAGE_SIZE_LIMIT: &str = "403014";
    /// The site in the URL is not the site the token was issued for (the emulator's choice).
    pub const WRONG_SITE: &str = "403002";
    /// A user who is not an administrator asked for another user.
    pub const QUERY_USER_FORBIDDEN: &str = "403133";
    /// Switching to the site the token already belongs to.
    pub const ALREADY_ON_SITE: &str = "403070";
    /// Site not found.
    pub const SITE_NOT_FOUND: &str = "404000";
    /// User not found.
    pub const USER_NOT_FOUND: &str = "404002";
    /// Data source not found.
    pub const DATASOURCE_NOT_FOUND: &str = "404004";
    /// Project not found.
    pub const PROJECT_NOT_FOUND: &str = "404005";
    /// Workbook not found.
    pub const WORKBOOK_NOT_FOUND: &str = "404006";
    /// Upload session not found.
    pub const UPLOAD_NOT_FOUND: &str = "404007";
    /// View not found.
    pub const VIEW_NOT_FOUND: &str = "404011";
    /// Group not found.
    pub const GROUP_NOT_FOUND: &str = "404012";
    /// Schedule not found.
    pub const SCHEDULE_NOT_FOUND: &str = "404013";
    /// Connection not found.
    pub const CONNECTION_NOT_FOUND: &str = "404020";
    /// Job not found.
    pub const JOB_NOT_FOUND: &str = "404025";
    /// Tag not found.
    pub const TAG_NOT_FOUND: &str = "404026";
    /// The URL names no resource the server knows.
    pub const UNKNOWN_RESOURCE: &str = "404003";
    /// The HTTP method is not allowed on this URL.
    pub const METHOD_NOT_ALLOWED: &str = "405000";
    /// A site with this content URL already exists.
    pub const SITE_CONFLICT: &str = "409001";
    /// A user with this name already exists on the site.
    pub const USER_CONFLICT: &str = "409000";
    /// A project with this name already exists under the same parent.
    pub const PROJECT_CONFLICT: &str = "409006";
    /// A group with this name already exists on the site.
    pub const GROUP_CONFLICT: &str = "409009";
    /// The user is already a member of the group.
    pub const MEMBERSHIP_CONFLICT: &str = "409011";
    /// A schedule with this name already exists.
    pub const SCHEDULE_CONFLICT: &str = "409021";
    /// Content with this name exists in the project and overwrite was not requested (the
    /// emulator's choice).
    pub const CONTENT_CONFLICT: &str = "409090";
    /// Too many requests (fault injection).
    pub const TOO_MANY_REQUESTS: &str = "429000";
    /// The service is unavailable (fault injection).
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
