//! Paging, filtering, sorting and field selection (TSC's `RequestOptions`, `Filter`, `Sort`).
//!
//! Options are encoded exactly as Tableau expects: `pageSize=100&pageNumber=2`,
//! `filter=name:eq:Sales,ownerName:eq:jo`, `sort=name:asc,createdAt:desc`, `fields=_all_`.
//! Spaces, quotes, `+`, `%` and non-ASCII characters in values are percent-encoded so that Tableau
//! reads them literally. Tableau's filter grammar has no escaping for `,` `&` `:` `[` `]`, so a
//! text value containing one of them is rejected before sending with
//! [`crate::InputError::UnsupportedFilterValue`]; use the
//! wildcard `*` in its place (Tableau Server 2022.1.14+/Cloud) and narrow the results yourself.
//!
//! ```
//! use tsc::{Direction, Field, Filter, Operator, RequestOptions, Sort};
//!
//! let opts = RequestOptions::new()
//!     .page_size(50)
//!     .filter(Filter::new(Field::Name, Operator::Equals, "Sales Q1"))
//!     .filter(Filter::in_list(Field::Tags, ["finance", "eu"]))
//!     .sort(Sort::new(Field::CreatedAt, Direction::Desc));
//! assert_eq!(
//!     opts.to_query_string().unwrap(),
//!     "pageSize=50&filter=name:eq:Sales%20Q1,tags:in:[finance,eu]&sort=createdAt:desc"
//! );
//! ```

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use time::OffsetDateTime;

use crate::error::{InputError, Result};

/// Largest page size Tableau accepts.
pub const MAX_PAGE_SIZE: u32 = 1000;

macro_rules! fields {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// A field to filter or sort on (TSC's `RequestOptions.Field`). [`Field::Other`] takes any
        /// field Tableau documents that is not listed here.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Field {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
            /// Any other field name, sent as given.
            Other(String),
        }

        impl Field {
            /// The name Tableau uses in query strings.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Field::$variant => $name,)*
                    Field::Other(s) => s.as_str(),
                }
            }
        }
    };
}

fields! {
    Args => "args",
    AuthenticationType => "authenticationType",
    Caption => "caption",
    Channel => "channel",
    CompletedAt => "completedAt",
    ConnectedWorkbookType => "connectedWorkbookType",
    ConnectionTo => "connectionTo",
    ConnectionType => "connectionType",
    ContentUrl => "contentUrl",
    CreatedAt => "createdAt",
    DatabaseName => "databaseName",
    DatabaseUserName => "databaseUserName",
    Description => "description",
    DisplayTabs => "displayTabs",
    DomainName => "domainName",
    DomainNickname => "domainNickname",
    Email => "email",
    EndedAt => "endedAt",
    FavoritesTotal => "favoritesTotal",
    Fields => "fields",
    FlowId => "flowId",
    FriendlyName => "friendlyName",
    FullName => "fullName",
    HasAlert => "hasAlert",
    HasAlerts => "hasAlerts",
    HasEmbeddedPassword => "hasEmbeddedPassword",
    HasExtracts => "hasExtracts",
    HitsTotal => "hitsTotal",
    Id => "id",
    IsCertified => "isCertified",
    IsConnectable => "isConnectable",
    IsDefaultPort => "isDefaultPort",
    IsHierarchical => "isHierarchical",
    IsLocal => "isLocal",
    IsPublished => "isPublished",
    JobType => "jobType",
    LastLogin => "lastLogin",
    Luid => "luid",
    MinimumSiteRole => "minimumSiteRole",
    Name => "name",
    Notes => "notes",
    NotificationType => "notificationType",
    OwnerDomain => "ownerDomain",
    OwnerEmail => "ownerEmail",
    OwnerId => "ownerId",
    OwnerName => "ownerName",
    ParentProjectId => "parentProjectId",
    Priority => "priority",
    Progress => "progress",
    ProjectId => "projectId",
    ProjectName => "projectName",
    PublishSamples => "publishSamples",
    ServerName => "serverName",
    ServerPort => "serverPort",
    SheetCount => "sheetCount",
    SheetNumber => "sheetNumber",
    SheetType => "sheetType",
    SiteRole => "siteRole",
    Size => "size",
    StartedAt => "startedAt",
    Status => "status",
    SubscriptionsTotal => "subscriptionsTotal",
    Subtitle => "subtitle",
    TableName => "tableName",
    Tags => "tags",
    Title => "title",
    TopLevelProject => "topLevelProject",
    Type => "type",
    UpdatedAt => "updatedAt",
    UserCount => "userCount",
    UserId => "userId",
    ViewId => "viewId",
    ViewUrlName => "viewUrlName",
    WorkbookDescription => "workbookDescription",
    WorkbookId => "workbookId",
    WorkbookName => "workbookName",
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Field {
    fn from(s: &str) -> Self {
        Field::Other(s.to_owned())
    }
}

impl From<String> for Field {
    fn from(s: String) -> Self {
        Field::Other(s)
    }
}

/// A filter operator (TSC's `RequestOptions.Operator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operator {
    /// `eq`
    Equals,
    /// `cieq` (case-insensitive equals)
    CaseInsensitiveEquals,
    /// `gt`
    GreaterThan,
    /// `gte`
    GreaterThanOrEqual,
    /// `lt`
    LessThan,
    /// `lte`
    LessThanOrEqual,
    /// `in` (the value is a list)
    In,
    /// `has` (tags, etc.)
    Has,
}

impl Operator {
    /// The name Tableau uses in query strings.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Equals => "eq",
            Operator::CaseInsensitiveEquals => "cieq",
            Operator::GreaterThan => "gt",
            Operator::GreaterThanOrEqual => "gte",
            Operator::LessThan => "lt",
            Operator::LessThanOrEqual => "lte",
            Operator::In => "in",
            Operator::Has => "has",
        }
    }
}

/// Sort direction (TSC's `RequestOptions.Direction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `asc`
    Asc,
    /// `desc`
    Desc,
}

impl Direction {
    /// The name Tableau uses in query strings.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Asc => "asc",
            Direction::Desc => "desc",
        }
    }
}

/// The value of a filter. Build it with `From`: `&str`/`String`, `bool`, integers,
/// `time::OffsetDateTime` (sent as UTC `2024-01-31T12:00:00Z`), or a list of strings (only with
/// [`Operator::In`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterValue {
    /// Text, sent percent-encoded.
    Text(String),
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A point in time, sent in UTC.
    DateTime(OffsetDateTime),
    /// A list (for [`Operator::In`]), sent as `[a,b,c]`.
    List(Vec<String>),
}

impl From<&str> for FilterValue {
    fn from(v: &str) -> Self {
        FilterValue::Text(v.to_owned())
    }
}
impl From<String> for FilterValue {
    fn from(v: String) -> Self {
        FilterValue::Text(v)
    }
}
impl From<&String> for FilterValue {
    fn from(v: &String) -> Self {
        FilterValue::Text(v.clone())
    }
}
impl From<bool> for FilterValue {
    fn from(v: bool) -> Self {
        FilterValue::Bool(v)
    }
}
impl From<i64> for FilterValue {
    fn from(v: i64) -> Self {
        FilterValue::Int(v)
    }
}
impl From<i32> for FilterValue {
    fn from(v: i32) -> Self {
        FilterValue::Int(v.into())
    }
}
impl From<u32> for FilterValue {
    fn from(v: u32) -> Self {
        FilterValue::Int(v.into())
    }
}
impl From<OffsetDateTime> for FilterValue {
    fn from(v: OffsetDateTime) -> Self {
        FilterValue::DateTime(v)
    }
}
impl<S: Into<String>> From<Vec<S>> for FilterValue {
    fn from(v: Vec<S>) -> Self {
        FilterValue::List(v.into_iter().map(Into::into).collect())
    }
}

/// One `field:operator:value` clause (TSC's `Filter`). Several filters are ANDed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Field filtered on.
    pub field: Field,
    /// Operator.
    pub operator: Operator,
    /// Value.
    pub value: FilterValue,
}

impl Filter {
    /// `field:operator:value`.
    pub fn new(field: impl Into<Field>, operator: Operator, value: impl Into<FilterValue>) -> Self {
        Filter {
            field: field.into(),
            operator,
            value: value.into(),
        }
    }

    /// `field:eq:value`.
    pub fn eq(field: impl Into<Field>, value: impl Into<FilterValue>) -> Self {
        Self::new(field, Operator::Equals, value)
    }

    /// `field:in:[a,b,...]`.
    pub fn in_list<I, S>(field: impl Into<Field>, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Filter {
            field: field.into(),
            operator: Operator::In,
            value: FilterValue::List(values.into_iter().map(Into::into).collect()),
        }
    }

    /// The clause as Tableau reads it after URL decoding (`name:eq:Sales Q1`), or why it cannot be
    /// expressed.
    pub fn encode(&self) -> Result<String> {
        let field = self.field.as_str();
        check_name("filter field", field)?;
        let bad = |value: &str, reason: &'static str| -> crate::Error {
            InputError::UnsupportedFilterValue {
                field: field.to_owned(),
                value: value.to_owned(),
                reason,
            }
            .into()
        };
        let value = match (&self.value, self.operator) {
            (FilterValue::List(items), Operator::In) => {
                if items.is_empty() {
                    return Err(bad("[]", "an `in` filter needs at least one value"));
                }
                for item in items {
                    check_text(item).map_err(|reason| bad(item, reason))?;
                }
                format!("[{}]", items.join(","))
            }
            (FilterValue::List(items), _) => {
                return Err(bad(
                    &items.join(","),
                    "a list of values can only be used with the `in` operator",
                ));
            }
            (other, Operator::In) => {
                let single = match other {
                    FilterValue::Text(t) => {
                        check_text(t).map_err(|reason| bad(t, reason))?;
                        t.clone()
                    }
                    v => scalar(v),
                };
                format!("[{single}]")
            }
            (FilterValue::Text(t), _) => {
                check_text(t).map_err(|reason| bad(t, reason))?;
                t.clone()
            }
            (v, _) => scalar(v),
        };
        Ok(format!("{field}:{}:{value}", self.operator.as_str()))
    }
}

fn scalar(v: &FilterValue) -> String {
    match v {
        FilterValue::Bool(b) => b.to_string(),
        FilterValue::Int(i) => i.to_string(),
        FilterValue::DateTime(d) => format_utc(*d),
        FilterValue::Text(t) => t.clone(),
        FilterValue::List(l) => l.join(","),
    }
}

/// Formats a timestamp as Tableau expects in filters: `2024-01-31T12:00:00Z`.
pub(crate) fn format_utc(d: OffsetDateTime) -> String {
    let d = d.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

fn check_text(value: &str) -> std::result::Result<(), &'static str> {
    if value.is_empty() {
        return Err("an empty value matches nothing reliably");
    }
    if value.contains(',') {
        return Err("`,` separates filter clauses and list values");
    }
    if value.contains('&') {
        return Err("`&` separates query parameters");
    }
    if value.contains(':') {
        return Err("`:` separates field, operator and value");
    }
    if value.contains('[') || value.contains(']') {
        return Err("`[` and `]` delimit `in` lists");
    }
    if value.chars().any(char::is_control) {
        return Err("control characters cannot be sent");
    }
    Ok(())
}

fn check_name(what: &'static str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err(InputError::Invalid {
            what,
            reason: format!("{name:?} is not a field name (letters, digits, `_`, `.`, `-`)"),
        }
        .into())
    }
}

/// One `field:direction` sort clause (TSC's `Sort`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    /// Field sorted on.
    pub field: Field,
    /// Direction.
    pub direction: Direction,
}

impl Sort {
    /// `field:direction`.
    pub fn new(field: impl Into<Field>, direction: Direction) -> Self {
        Sort {
            field: field.into(),
            direction,
        }
    }

    /// `field:asc`.
    pub fn asc(field: impl Into<Field>) -> Self {
        Self::new(field, Direction::Asc)
    }

    /// `field:desc`.
    pub fn desc(field: impl Into<Field>) -> Self {
        Self::new(field, Direction::Desc)
    }
}

/// Which fields the server returns (`fields=` query, TSC's `RequestOptions.SelectFields`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Fields {
    /// `_all_`: every field.
    All,
    /// `_default_`: the default set (combine with named fields to add some).
    Default,
    /// A named field such as `workbook.name` or `owner.email`.
    Named(String),
}

impl Fields {
    /// A named field.
    pub fn named(name: impl Into<String>) -> Self {
        Fields::Named(name.into())
    }

    fn as_str(&self) -> &str {
        match self {
            Fields::All => "_all_",
            Fields::Default => "_default_",
            Fields::Named(n) => n,
        }
    }
}

/// Paging, filters, sorts and fields for a list call (TSC's `RequestOptions`).
///
/// Every list builder (`server.workbooks().list()`...) has the same methods; use this type to
/// build options once and pass them with `.options(..)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOptions {
    /// 1-based page number (`pageNumber`); `None` lets the server choose (page 1).
    pub page_number: Option<u32>,
    /// Page size (`pageSize`, 1..=1000); `None` lets the server choose (100).
    pub page_size: Option<u32>,
    /// Filters, ANDed, sent in this order.
    pub filters: Vec<Filter>,
    /// Sorts, applied in this order.
    pub sorts: Vec<Sort>,
    /// Field selection.
    pub fields: Vec<Fields>,
}

impl RequestOptions {
    /// No options: first page, server default page size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the page number (1-based).
    pub fn page_number(mut self, n: u32) -> Self {
        self.page_number = Some(n);
        self
    }

    /// Sets the page size (1..=1000).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n);
        self
    }

    /// Adds a filter.
    pub fn filter(mut self, f: Filter) -> Self {
        self.filters.push(f);
        self
    }

    /// Adds a sort.
    pub fn sort(mut self, s: Sort) -> Self {
        self.sorts.push(s);
        self
    }

    /// Adds a field selection.
    pub fn field(mut self, f: Fields) -> Self {
        self.fields.push(f);
        self
    }

    /// Query pairs as Tableau reads them after URL decoding, or why they cannot be sent.
    pub fn to_query_pairs(&self) -> Result<Vec<(String, String)>> {
        let mut q = Vec::new();
        if let Some(n) = self.page_size {
            if n == 0 || n > MAX_PAGE_SIZE {
                return Err(InputError::OutOfRange {
                    what: "page size",
                    max: MAX_PAGE_SIZE.into(),
                    got: n.into(),
                }
                .into());
            }
            q.push(("pageSize".to_owned(), n.to_string()));
        }
        if let Some(n) = self.page_number {
            if n == 0 {
                return Err(InputError::OutOfRange {
                    what: "page number",
                    max: u32::MAX.into(),
                    got: 0,
                }
                .into());
            }
            q.push(("pageNumber".to_owned(), n.to_string()));
        }
        if !self.filters.is_empty() {
            let parts = self
                .filters
                .iter()
                .map(Filter::encode)
                .collect::<Result<Vec<_>>>()?;
            q.push(("filter".to_owned(), parts.join(",")));
        }
        if !self.sorts.is_empty() {
            let mut parts = Vec::new();
            for s in &self.sorts {
                check_name("sort field", s.field.as_str())?;
                parts.push(format!("{}:{}", s.field.as_str(), s.direction.as_str()));
            }
            q.push(("sort".to_owned(), parts.join(",")));
        }
        if !self.fields.is_empty() {
            let value = if self.fields.contains(&Fields::All) {
                "_all_".to_owned()
            } else {
                let mut parts = Vec::new();
                for f in &self.fields {
                    check_name("field selection", f.as_str())?;
                    if !parts.contains(&f.as_str()) {
                        parts.push(f.as_str());
                    }
                }
                parts.join(",")
            };
            q.push(("fields".to_owned(), value));
        }
        Ok(q)
    }

    /// The encoded query string (without `?`).
    pub fn to_query_string(&self) -> Result<String> {
        Ok(encode_query(&self.to_query_pairs()?))
    }
}

/// Characters percent-encoded in query values: everything except unreserved characters and the
/// delimiters of Tableau's filter grammar, which must reach the server as-is.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b':')
    .remove(b',')
    .remove(b'[')
    .remove(b']')
    .remove(b'*');

/// Encodes query pairs as `k=v&k=v`.
pub(crate) fn encode_query(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, QUERY_VALUE),
                utf8_percent_encode(v, QUERY_VALUE)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_tableau() {
        let o = RequestOptions::new()
            .page_number(2)
            .page_size(1000)
            .filter(Filter::eq(Field::Name, "Sales"))
            .filter(Filter::eq(Field::OwnerName, "x"))
            .sort(Sort::asc(Field::Name))
            .field(Fields::All);
        assert_eq!(
            o.to_query_string().unwrap(),
            "pageSize=1000&pageNumber=2&filter=name:eq:Sales,ownerName:eq:x&sort=name:asc&fields=_all_"
        );
    }

    #[test]
    fn encodes_typed_values() {
        let when = time::macros::datetime!(2024-01-31 13:00 +01:00);
        let o = RequestOptions::new()
            .filter(Filter::new(
                Field::CreatedAt,
                Operator::GreaterThanOrEqual,
                when,
            ))
            .filter(Filter::new(Field::IsCertified, Operator::Equals, true))
            .filter(Filter::new(Field::UserCount, Operator::LessThan, 10))
            .filter(Filter::new(Field::Name, Operator::In, "single"));
        assert_eq!(
            o.to_query_string().unwrap(),
            "filter=createdAt:gte:2024-01-31T12:00:00Z,isCertified:eq:true,userCount:lt:10,name:in:[single]"
        );
    }

    #[test]
    fn percent_encodes_spaces_quotes_plus_and_unicode() {
        let o = RequestOptions::new().filter(Filter::eq(Field::Name, "Q1 \"draft\" + 東京 100%"));
        assert_eq!(
            o.to_query_string().unwrap(),
            "filter=name:eq:Q1%20%22draft%22%20%2B%20%E6%9D%B1%E4%BA%AC%20100%25"
        );
    }

    #[test]
    fn rejects_delimiters_in_values() {
        for v in ["a,b", "a&b", "a:b", "a[b", "a]b", "", "a\nb"] {
            let err = Filter::eq(Field::Name, v).encode().unwrap_err();
            assert!(
                matches!(
                    err.input_error(),
                    Some(InputError::UnsupportedFilterValue { .. })
                ),
                "{v:?}: {err}"
            );
        }
        let err = Filter::in_list(Field::Tags, ["ok", "no,pe"])
            .encode()
            .unwrap_err();
        assert!(err.to_string().contains("wildcard"), "{err}");
    }

    #[test]
    fn list_only_with_in() {
        let err = Filter::new(Field::Tags, Operator::Equals, vec!["a", "b"])
            .encode()
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("only be used with the `in` operator"),
            "{err}"
        );
        let err = Filter::in_list(Field::Tags, Vec::<String>::new())
            .encode()
            .unwrap_err();
        assert!(err.is_invalid_input());
    }

    #[test]
    fn rejects_bad_pages_and_names() {
        assert!(RequestOptions::new().page_size(0).to_query_pairs().is_err());
        assert!(
            RequestOptions::new()
                .page_size(1001)
                .to_query_pairs()
                .is_err()
        );
        assert!(
            RequestOptions::new()
                .page_number(0)
                .to_query_pairs()
                .is_err()
        );
        assert!(
            RequestOptions::new()
                .sort(Sort::asc("na me"))
                .to_query_pairs()
                .is_err()
        );
        assert!(
            RequestOptions::new()
                .filter(Filter::eq("a&b", "x"))
                .to_query_pairs()
                .is_err()
        );
    }

    #[test]
    fn fields_named_and_default() {
        let o = RequestOptions::new()
            .field(Fields::Default)
            .field(Fields::named("owner.email"))
            .field(Fields::named("owner.email"));
        assert_eq!(o.to_query_string().unwrap(), "fields=_default_,owner.email");
    }
}
