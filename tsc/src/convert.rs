//! Small helpers to move between `tsc-raw` types and the item models.

use time::OffsetDateTime;

use crate::error::Result;

/// A `tsc_raw::DateTime` as `OffsetDateTime`; an unparsable value becomes `None`.
pub(crate) fn dt(d: Option<tsc_raw::DateTime>) -> Option<OffsetDateTime> {
    d.and_then(|d| d.to_offset_date_time())
}

/// The labels of a tag list.
pub(crate) fn tags(t: Option<tsc_raw::TagListType>) -> Vec<String> {
    t.map(|t| t.tag.into_iter().filter_map(|t| t.label).collect())
        .unwrap_or_default()
}

/// `"true"`/`"false"` as bool (Tableau writes some booleans as strings in the schema).
pub(crate) fn str_bool(s: Option<String>) -> Option<bool> {
    s.and_then(|s| match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    })
}

/// A raw element with only an id (`<project id=".."/>`).
pub(crate) fn project_ref(id: &Option<String>) -> Option<tsc_raw::ProjectType> {
    id.as_ref().map(|id| tsc_raw::ProjectType {
        id: Some(id.clone()),
        ..Default::default()
    })
}

/// A raw `<owner id=".."/>`.
pub(crate) fn owner_ref(id: &Option<String>) -> Option<tsc_raw::UserType> {
    id.as_ref().map(|id| tsc_raw::UserType {
        id: Some(id.clone()),
        ..Default::default()
    })
}

/// Rejects XML-unsafe control characters in text sent to the server.
pub(crate) fn check_text(what: &'static str, v: &str) -> Result<()> {
    if v.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(crate::InputError::ControlCharacter { what }.into());
    }
    Ok(())
}

/// Characters percent-encoded in a path segment.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `s` percent-encoded as one path segment (`/`, `?`, `#`, `%`, spaces... encoded; `.` and `..`
/// encoded too so they cannot walk up the path).
pub(crate) fn seg(s: &str) -> String {
    if s == "." || s == ".." {
        return s.replace('.', "%2E");
    }
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

/// Takes a value out of a `Box` or returns it as is, so that code reads the generated types the
/// same way whether a field is boxed (recursive types) or not.
pub(crate) trait Unbox<T> {
    /// The value.
    fn unbox(self) -> T;
}

impl<T> Unbox<T> for Box<T> {
    fn unbox(self) -> T {
        *self
    }
}

impl<T> Unbox<T> for T {
    fn unbox(self) -> T {
        self
    }
}
