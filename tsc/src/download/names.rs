//! `Content-Disposition` parsing (RFC 6266 with RFC 5987 extended values) and file-name
//! sanitising for downloads.

use percent_encoding::percent_decode;

/// Reads the file name from a `Content-Disposition` header value.
///
/// Follows RFC 6266: `filename*` (RFC 5987/8187 `charset'lang'percent-encoded`, UTF-8 or
/// ISO-8859-1) wins over `filename` when both are present and decodable; `filename` may be a
/// token or a quoted string with backslash escapes. The disposition type may be missing (Tableau
/// sends `name="tableau_workbook"; filename="Superstore.twbx"`). Parameter names are
/// case-insensitive. Returns the name **unsanitised** (see [`sanitize_file_name`]), or `None`
/// when the header has no usable file name.
///
/// ```
/// use tsc::download::parse_content_disposition;
///
/// assert_eq!(
///     parse_content_disposition("attachment; filename=\"a.twbx\"; filename*=UTF-8''%E5%A3%B2%E4%B8%8A.twbx"),
///     Some("売上.twbx".to_string())
/// );
/// assert_eq!(parse_content_disposition("inline"), None);
/// ```
pub fn parse_content_disposition(value: &str) -> Option<String> {
    let mut plain: Option<String> = None;
    let mut extended: Option<String> = None;
    for (name, raw) in parameters(value) {
        if name.eq_ignore_ascii_case("filename*") {
            if extended.is_none() {
                extended = decode_ext_value(&raw);
            }
        } else if name.eq_ignore_ascii_case("filename") && plain.is_none() {
            plain = Some(raw);
        }
    }
    extended.or(plain).filter(|s| !s.is_empty())
}

/// Splits `type; a=b; c="d;e"` into `(name, value)` pairs, unquoting quoted strings. A leading
/// disposition type (a segment without `=`) is skipped.
fn parameters(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let bytes: Vec<char> = value.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        // skip separators and whitespace
        while i < bytes.len() && (bytes[i] == ';' || bytes[i].is_whitespace()) {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i] != '=' && bytes[i] != ';' {
            i += 1;
        }
        let name: String = bytes[start..i]
            .iter()
            .collect::<String>()
            .trim()
            .to_string();
        if i >= bytes.len() || bytes[i] == ';' {
            // a disposition type or a bare word: no value
            continue;
        }
        i += 1; // '='
        while i < bytes.len() && bytes[i].is_whitespace() {
            i += 1;
        }
        let mut val = String::new();
        if i < bytes.len() && bytes[i] == '"' {
            i += 1;
            while i < bytes.len() && bytes[i] != '"' {
                if bytes[i] == '\\' && i + 1 < bytes.len() {
                    i += 1;
                }
                val.push(bytes[i]);
                i += 1;
            }
            i += 1; // closing quote (or end)
            while i < bytes.len() && bytes[i] != ';' {
                i += 1;
            }
        } else {
            let s = i;
            while i < bytes.len() && bytes[i] != ';' {
                i += 1;
            }
            val = bytes[s..i].iter().collect::<String>().trim().to_string();
        }
        if !name.is_empty() {
            out.push((name, val));
        }
    }
    out
}

/// Decodes an RFC 5987 `ext-value`: `charset'[language]'pct-encoded`.
fn decode_ext_value(raw: &str) -> Option<String> {
    let mut it = raw.splitn(3, '\'');
    let charset = it.next()?.trim();
    let _language = it.next()?;
    let encoded = it.next()?;
    let bytes: Vec<u8> = percent_decode(encoded.as_bytes()).collect();
    if charset.eq_ignore_ascii_case("utf-8") {
        String::from_utf8(bytes).ok()
    } else if charset.eq_ignore_ascii_case("iso-8859-1") {
        Some(bytes.iter().map(|&b| char::from(b)).collect())
    } else {
        None
    }
}

/// Longest file name kept, in bytes (most file systems allow 255).
const MAX_NAME_BYTES: usize = 200;

/// Makes a server-supplied file name safe to create inside a chosen folder.
///
/// Keeps only the last path component (both `/` and `\` count as separators, so
/// `../../etc/passwd` gives `passwd` and `C:\x\y.twbx` gives `y.twbx`), drops control characters,
/// replaces characters Windows forbids (`<>:"|?*`) with `_`, trims spaces and dots at both ends (no
/// hidden files, no `.`/`..`), prefixes Windows device names (`CON`, `NUL`, `COM1`...) with `_`
/// and shortens very long names while keeping the extension. Returns `None` when nothing usable
/// remains.
///
/// ```
/// use tsc::download::sanitize_file_name;
///
/// assert_eq!(sanitize_file_name("../../etc/passwd").as_deref(), Some("passwd"));
/// assert_eq!(sanitize_file_name("/abs/Sales.twbx").as_deref(), Some("Sales.twbx"));
/// assert_eq!(sanitize_file_name("..").as_deref(), None);
/// ```
pub fn sanitize_file_name(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            c => c,
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| c == '.' || c.is_whitespace());
    if trimmed.is_empty() {
        return None;
    }
    let mut out = trimmed.to_string();
    let stem_upper = out.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(stem_upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem_upper.starts_with("COM") || stem_upper.starts_with("LPT"))
            && stem_upper.len() == 4
            && stem_upper.as_bytes()[3].is_ascii_digit());
    if reserved {
        out.insert(0, '_');
    }
    if out.len() > MAX_NAME_BYTES {
        out = shorten(&out, MAX_NAME_BYTES);
    }
    Some(out)
}

/// Shortens `name` to at most `max` bytes on a character boundary, keeping a short extension.
fn shorten(name: &str, max: usize) -> String {
    let (stem, ext) = match name.rfind('.') {
        Some(i) if name.len() - i <= 16 && i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    let budget = max.saturating_sub(ext.len());
    let mut end = budget.min(stem.len());
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{}", &stem[..end], ext)
}

/// What is downloaded, for fallback file names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentKind {
    /// A workbook (`.twbx` when packaged, `.twb` when XML).
    Workbook,
    /// A data source (`.tdsx` when packaged, `.tds` when XML).
    Datasource,
}

/// The file name used when the server sends no usable `Content-Disposition`: the item kind and
/// id plus an extension from the content type (`workbook-<id>.twbx`, `datasource-<id>.tds`...).
///
/// ```
/// use tsc::download::{fallback_file_name, ContentKind};
///
/// assert_eq!(fallback_file_name(ContentKind::Workbook, "42", Some("application/xml")), "workbook-42.twb");
/// assert_eq!(fallback_file_name(ContentKind::Datasource, "7", None), "datasource-7.tdsx");
/// ```
pub fn fallback_file_name(kind: ContentKind, id: &str, content_type: Option<&str>) -> String {
    let mime = content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let xml = mime.ends_with("/xml") || mime.ends_with("+xml");
    let (prefix, ext) = match (kind, xml) {
        (ContentKind::Workbook, true) => ("workbook", "twb"),
        (ContentKind::Workbook, false) => ("workbook", "twbx"),
        (ContentKind::Datasource, true) => ("datasource", "tds"),
        (ContentKind::Datasource, false) => ("datasource", "tdsx"),
    };
    let id = sanitize_file_name(id).unwrap_or_else(|| "download".to_string());
    format!("{prefix}-{id}.{ext}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn cd(v: &str) -> Option<String> {
        parse_content_disposition(v)
    }

    #[test]
    fn plain_quoted_and_token_names() {
        assert_eq!(
            cd("attachment; filename=\"Sales.twbx\"").as_deref(),
            Some("Sales.twbx")
        );
        assert_eq!(
            cd("attachment; filename=Sales.twbx").as_deref(),
            Some("Sales.twbx")
        );
        assert_eq!(
            cd("name=\"tableau_workbook\"; filename=\"Superstore.twbx\"").as_deref(),
            Some("Superstore.twbx")
        );
        assert_eq!(
            cd("attachment; FILENAME=\"a;b \\\"c\\\".twbx\"").as_deref(),
            Some("a;b \"c\".twbx")
        );
    }

    #[test]
    fn extended_names_win() {
        assert_eq!(
            cd("attachment; filename*=UTF-8''%E6%97%A5%E6%9C%AC.twbx").as_deref(),
            Some("日本.twbx")
        );
        assert_eq!(
            cd("attachment; filename*=UTF-8''Caf%C3%A9.tdsx; filename=\"Cafe.tdsx\"").as_deref(),
            Some("Café.tdsx")
        );
        assert_eq!(
            cd("attachment; filename*=iso-8859-1'en'%E9t%E9.twb").as_deref(),
            Some("été.twb")
        );
        // undecodable extended value falls back to the plain one
        assert_eq!(
            cd("attachment; filename=\"ok.twb\"; filename*=UTF-8''%FF%FE.twb").as_deref(),
            Some("ok.twb")
        );
        assert_eq!(
            cd("attachment; filename=\"ok.twb\"; filename*=koi8-r''x.twb").as_deref(),
            Some("ok.twb")
        );
    }

    #[test]
    fn missing_names() {
        assert_eq!(cd(""), None);
        assert_eq!(cd("attachment"), None);
        assert_eq!(cd("attachment; filename=\"\""), None);
        assert_eq!(cd("attachment; name=\"x\""), None);
    }

    #[test]
    fn sanitising() {
        let s = |n: &str| sanitize_file_name(n);
        assert_eq!(s("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(s("..\\..\\win.ini").as_deref(), Some("win.ini"));
        assert_eq!(s("/etc/shadow").as_deref(), Some("shadow"));
        assert_eq!(s("C:\\Users\\x\\a.twbx").as_deref(), Some("a.twbx"));
        assert_eq!(s("C:a.twbx").as_deref(), Some("C_a.twbx"));
        assert_eq!(s("a\u{0}b\nc\r\u{7f}.twb").as_deref(), Some("abc.twb"));
        assert_eq!(s(".hidden").as_deref(), Some("hidden"));
        assert_eq!(s("..").as_deref(), None);
        assert_eq!(s("../").as_deref(), None);
        assert_eq!(s("   ").as_deref(), None);
        assert_eq!(s("a\"b?.twbx").as_deref(), Some("a_b_.twbx"));
        assert_eq!(s("CON.twbx").as_deref(), Some("_CON.twbx"));
        assert_eq!(s("com1").as_deref(), Some("_com1"));
        assert_eq!(s("売上 2024.twbx").as_deref(), Some("売上 2024.twbx"));
        let long = format!("{}.twbx", "é".repeat(300));
        let out = s(&long).unwrap_or_default();
        assert!(
            out.len() <= MAX_NAME_BYTES && out.ends_with(".twbx"),
            "{out}"
        );
    }

    #[test]
    fn fallbacks() {
        assert_eq!(
            fallback_file_name(
                ContentKind::Workbook,
                "abc",
                Some("application/octet-stream")
            ),
            "workbook-abc.twbx"
        );
        assert_eq!(
            fallback_file_name(
                ContentKind::Datasource,
                "abc",
                Some("text/xml; charset=utf-8")
            ),
            "datasource-abc.tds"
        );
        assert_eq!(
            fallback_file_name(ContentKind::Workbook, "../x", None),
            "workbook-x.twbx"
        );
    }
}
