//! A lossless `xs:dateTime`.

use std::fmt;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// An `xs:dateTime` as the server sent it.
///
/// The raw text is kept, so a value that is not a valid timestamp (servers do send
/// `2016-06-31T…`) is neither lost nor an error; [`DateTime::to_offset_date_time`] gives the
/// parsed timestamp when there is one.
///
/// ```
/// let d = tsc_raw::DateTime::new("2016-08-16T23:17:39Z");
/// assert_eq!(d.to_offset_date_time().map(|t| t.year()), Some(2016));
/// assert_eq!(tsc_raw::DateTime::new("2016-06-31T00:00:00Z").to_offset_date_time(), None);
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateTime(String);

impl DateTime {
    /// Wraps a raw `xs:dateTime` text.
    pub fn new(raw: impl Into<String>) -> Self {
        DateTime(raw.into())
    }

    /// The text as sent or given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The timestamp, when the text is a valid RFC 3339 date-time (a missing offset is read as
    /// UTC, as Tableau means it).
    pub fn to_offset_date_time(&self) -> Option<OffsetDateTime> {
        let s = self.0.trim();
        if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
            return Some(t);
        }
        OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339).ok()
    }
}

impl From<OffsetDateTime> for DateTime {
    /// Formats as RFC 3339 in UTC, e.g. `2024-01-02T03:04:05Z`.
    fn from(t: OffsetDateTime) -> Self {
        let t = t
            .to_offset(time::UtcOffset::UTC)
            .replace_nanosecond(0)
            .unwrap_or(t);
        DateTime(t.format(&Rfc3339).unwrap_or_default())
    }
}

impl From<&str> for DateTime {
    fn from(s: &str) -> Self {
        DateTime(s.to_string())
    }
}

impl From<String> for DateTime {
    fn from(s: String) -> Self {
        DateTime(s)
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DateTime({:?})", self.0)
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
