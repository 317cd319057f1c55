//! Query-string handling: `pageSize`, `pageNumber`, `filter`, `sort` and `fields`.

use std::cmp::Ordering;

use crate::error::{ApiError, codes};
use tsc_raw::PaginationType;

/// A value a resource exposes for filtering and sorting.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Str(String),
    Num(i64),
    Bool(bool),
    List(Vec<String>),
}

impl Val {
    pub fn s(v: impl Into<String>) -> Val {
        Val::Str(v.into())
    }
    fn as_text(&self) -> String {
        match self {
            Val::Str(s) => s.clone(),
            Val::Num(n) => n.to_string(),
            Val::Bool(b) => b.to_string(),
            Val::List(l) => l.join(","),
        }
    }
    fn cmp_to(&self, raw: &str) -> Option<Ordering> {
        match self {
            Val::Num(n) => raw.trim().parse::<i64>().ok().map(|r| n.cmp(&r)),
            Val::Str(s) => Some(s.as_str().cmp(raw)),
            Val::Bool(b) => raw.parse::<bool>().ok().map(|r| b.cmp(&r)),
            Val::List(_) => None,
        }
    }
    fn sort_cmp(&self, other: &Val) -> Ordering {
        match (self, other) {
            (Val::Num(a), Val::Num(b)) => a.cmp(b),
            (Val::Str(a), Val::Str(b)) => a
                .to_lowercase()
                .cmp(&b.to_lowercase())
                .then_with(|| a.cmp(b)),
            (a, b) => a.as_text().cmp(&b.as_text()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Op {
    Eq,
    CiEq,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    Has,
}

#[derive(Debug, Clone)]
pub(crate) struct FilterExpr {
    pub field: String,
    pub op: Op,
    pub values: Vec<String>,
}

/// Parsed list options.
#[derive(Debug, Clone)]
pub(crate) struct ListParams {
    pub page_size: usize,
    pub page_number: usize,
    pub filters: Vec<FilterExpr>,
    pub sorts: Vec<(String, bool)>,
    pub fields: Option<Vec<String>>,
}

/// Decodes `%XX` escapes and `+` (as a servlet container does).
pub(crate) fn decode(s: &str) -> String {
    let replaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&replaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// Splits a raw query string into decoded pairs.
pub(crate) fn parse_query(raw: Option<&str>) -> Vec<(String, String)> {
    let Some(raw) = raw else { return Vec::new() };
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// The value of a query parameter (parameter names are matched case-insensitively).
pub(crate) fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `true` when a boolean query parameter is set to true.
pub(crate) fn flag(q: &[(String, String)], name: &str) -> bool {
    param(q, name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn bad_filter(detail: String) -> ApiError {
    ApiError::new(400, codes::INVALID_FILTER, "Bad Request", detail)
}

/// Splits on commas that are not inside `[...]`.
fn split_top(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '[' => {
                depth += 1;
                cur.push(c)
            }
            ']' => {
                depth -= 1;
                cur.push(c)
            }
            ',' if depth <= 0 => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

impl ListParams {
    /// Reads and validates the list options of a request.
    pub fn parse(q: &[(String, String)]) -> Result<Self, ApiError> {
        let page_size = match param(q, "pageSize") {
            None => 100,
            Some(v) => match v.trim().parse::<u64>() {
                Ok(n) if (1..=1000).contains(&n) => n as usize,
                Ok(n) if n > 1000 => {
                    return Err(ApiError::new(
                        403,
                        codes::PAGE_SIZE_LIMIT,
                        "Page size limit exceeded",
                        format!("The page size {n} is larger than the maximum page size, 1000."),
                    ));
                }
                _ => {
                    return Err(ApiError::new(
                        400,
                        codes::INVALID_PAGE_SIZE,
                        "Invalid page size",
                        format!("The page size '{v}' is not an integer of at least 1."),
                    ));
                }
            },
        };
        let page_number = match param(q, "pageNumber") {
            None => 1,
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    return Err(ApiError::new(
                        400,
                        codes::INVALID_PAGE_NUMBER,
                        "Bad Request",
                        format!("The page number '{v}' is not an integer of at least 1."),
                    ));
                }
            },
        };
        let mut filters = Vec::new();
        if let Some(f) = param(q, "filter").filter(|f| !f.is_empty()) {
            for expr in split_top(f) {
                let mut parts = expr.splitn(3, ':');
                let (Some(field), Some(op), Some(value)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    return Err(bad_filter(format!(
                        "The filter expression '{expr}' is not of the form field:operator:value."
                    )));
                };
                let op = match op {
                    "eq" => Op::Eq,
                    "cieq" => Op::CiEq,
                    "gt" => Op::Gt,
                    "gte" => Op::Gte,
                    "lt" => Op::Lt,
                    "lte" => Op::Lte,
                    "in" => Op::In,
                    "has" => Op::Has,
                    other => return Err(bad_filter(format!("Unknown filter operator '{other}'."))),
                };
                let values = if op == Op::In {
                    let inner = value.trim_start_matches('[').trim_end_matches(']');
                    inner.split(',').map(str::to_string).collect()
                } else {
                    vec![value.to_string()]
                };
                filters.push(FilterExpr {
                    field: field.to_string(),
                    op,
                    values,
                });
            }
        }
        let mut sorts = Vec::new();
        if let Some(s) = param(q, "sort").filter(|s| !s.is_empty()) {
            for expr in s.split(',') {
                let (field, dir) = expr.split_once(':').unwrap_or((expr, "asc"));
                let asc = match dir {
                    "asc" => true,
                    "desc" => false,
                    other => return Err(bad_filter(format!("Unknown sort direction '{other}'."))),
                };
                sorts.push((field.to_string(), asc));
            }
        }
        let fields = param(q, "fields")
            .filter(|f| !f.is_empty())
            .map(|f| f.split(',').map(str::to_string).collect());
        Ok(ListParams {
            page_size,
            page_number,
            filters,
            sorts,
            fields,
        })
    }
}

fn wildcard_match(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == text;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(pos) => rest = &rest[pos + part.len()..],
                None => return false,
            }
        }
    }
    true
}

fn matches(v: &Val, f: &FilterExpr) -> bool {
    let first = f.values.first().map(String::as_str).unwrap_or("");
    match f.op {
        Op::Eq => match v {
            Val::Str(s) => wildcard_match(first, s),
            Val::List(l) => l.iter().any(|x| x == first),
            other => other.cmp_to(first) == Some(Ordering::Equal),
        },
        Op::CiEq => v.as_text().to_lowercase() == first.to_lowercase(),
        Op::Gt => v.cmp_to(first) == Some(Ordering::Greater),
        Op::Gte => matches!(v.cmp_to(first), Some(Ordering::Greater | Ordering::Equal)),
        Op::Lt => v.cmp_to(first) == Some(Ordering::Less),
        Op::Lte => matches!(v.cmp_to(first), Some(Ordering::Less | Ordering::Equal)),
        Op::In => match v {
            Val::List(l) => l.iter().any(|x| f.values.contains(x)),
            other => {
                let t = other.as_text();
                f.values.contains(&t)
            }
        },
        Op::Has => match v {
            Val::List(l) => l.iter().any(|x| x == first),
            Val::Str(s) => s.contains(first),
            _ => false,
        },
    }
}

/// One page of a listing.
pub(crate) struct Paged<T> {
    pub items: Vec<T>,
    pub total: usize,
    pub page_number: usize,
    pub page_size: usize,
}

impl<T> Paged<T> {
    /// The `<pagination>` element.
    pub fn pagination(&self) -> Option<Box<PaginationType>> {
        Some(Box::new(PaginationType {
            page_number: Some(self.page_number as u64),
            page_size: Some(self.page_size as u64),
            total_available: Some(self.total as u64),
        }))
    }
}

/// Filters, sorts and pages `items`. `field` returns the value of a filterable/sortable field, or
/// `None` when the resource has no such field (an error for the client).
pub(crate) fn apply<T: Clone>(
    items: impl Iterator<Item = T>,
    p: &ListParams,
    field: impl Fn(&T, &str) -> Option<Val>,
) -> Result<Paged<T>, ApiError> {
    // Field names are checked against the first item (an empty set accepts any field).
    let mut all: Vec<T> = Vec::new();
    let check = |item: &T| -> Result<(), ApiError> {
        for f in &p.filters {
            if field(item, &f.field).is_none() {
                return Err(bad_filter(format!(
                    "'{}' is not a valid filter field for this resource.",
                    f.field
                )));
            }
        }
        for (s, _) in &p.sorts {
            if field(item, s).is_none() {
                return Err(bad_filter(format!(
                    "'{s}' is not a valid sort field for this resource."
                )));
            }
        }
        Ok(())
    };
    let mut checked = false;
    for item in items {
        if !checked {
            check(&item)?;
            checked = true;
        }
        let keep = p
            .filters
            .iter()
            .all(|f| field(&item, &f.field).is_some_and(|v| matches(&v, f)));
        if keep {
            all.push(item);
        }
    }
    if !p.sorts.is_empty() {
        let mut keyed: Vec<(Vec<Val>, T)> = all
            .into_iter()
            .map(|it| {
                (
                    p.sorts
                        .iter()
                        .map(|(s, _)| field(&it, s).unwrap_or(Val::Str(String::new())))
                        .collect(),
                    it,
                )
            })
            .collect();
        keyed.sort_by(|(a, _), (b, _)| {
            for (i, (_, asc)) in p.sorts.iter().enumerate() {
                let o = a[i].sort_cmp(&b[i]);
                let o = if *asc { o } else { o.reverse() };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
        all = keyed.into_iter().map(|(_, it)| it).collect();
    }
    let total = all.len();
    let last_page = total.div_ceil(p.page_size).max(1);
    if p.page_number > last_page {
        return Err(ApiError::new(
            400,
            codes::INVALID_PAGE_NUMBER,
            "Bad Request",
            format!(
                "The page number '{}' is past the last page ({last_page}).",
                p.page_number
            ),
        ));
    }
    let start = (p.page_number - 1) * p.page_size;
    let items = all.into_iter().skip(start).take(p.page_size).collect();
    Ok(Paged {
        items,
        total,
        page_number: p.page_number,
        page_size: p.page_size,
    })
}

/// Whether `fields` asks for a subset (not absent, `_all_` or `_default_`).
pub(crate) fn is_subset(fields: &Option<Vec<String>>) -> bool {
    fields
        .as_ref()
        .is_some_and(|f| !f.iter().any(|x| x == "_all_" || x == "_default_"))
}

/// Whether `fields` selects the field `name` (`owner.name` selects `owner`).
pub(crate) fn wants(fields: &[String], name: &str) -> bool {
    fields
        .iter()
        .any(|f| f == name || f.split('.').next() == Some(name))
}

/// Keeps the id and the requested fields of an item:
/// `select!(item, &p.fields, UserType, { "name" => name, ... })`.
macro_rules! select {
    ($item:expr, $fields:expr, $ty:ty, { $($name:literal => $field:ident),* $(,)? }) => {{
        let item: $ty = $item;
        match $fields {
            Some(list) if $crate::query::is_subset($fields) => {
                let mut out = <$ty>::default();
                out.id = item.id.clone();
                $( if $crate::query::wants(list, $name) { out.$field = item.$field.clone(); } )*
                out
            }
            _ => item,
        }
    }};
}
pub(crate) use select;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn q(s: &str) -> Vec<(String, String)> {
        parse_query(Some(s))
    }

    #[test]
    fn parses_filters_with_in_lists_and_sorts() {
        let p = ListParams::parse(&q(
            "filter=name:eq:x,ownerName:in:[a,b]&sort=name:asc,createdAt:desc",
        ))
        .unwrap();
        assert_eq!(p.filters.len(), 2);
        assert_eq!(p.filters[1].values, vec!["a", "b"]);
        assert_eq!(
            p.sorts,
            vec![("name".into(), true), ("createdAt".into(), false)]
        );
    }

    #[test]
    fn rejects_bad_page_size() {
        assert_eq!(
            ListParams::parse(&q("pageSize=1001")).unwrap_err().code,
            codes::PAGE_SIZE_LIMIT
        );
        assert_eq!(
            ListParams::parse(&q("pageSize=0")).unwrap_err().code,
            codes::INVALID_PAGE_SIZE
        );
        assert_eq!(
            ListParams::parse(&q("pageNumber=0")).unwrap_err().code,
            codes::INVALID_PAGE_NUMBER
        );
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("ab*", "abc"));
        assert!(wildcard_match("*bc", "abc"));
        assert!(wildcard_match("*b*", "abc"));
        assert!(!wildcard_match("b*", "abc"));
        assert!(wildcard_match("abc", "abc"));
    }
}
