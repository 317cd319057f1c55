//! Reading `multipart/mixed` (and `multipart/form-data`) bodies without copying the parts.

use bytes::Bytes;

/// One part of a multipart body; `data` shares the request body's buffer.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub name: Option<String>,
    pub filename: Option<String>,
    pub data: Bytes,
}

/// The `boundary` parameter of a `multipart/*` content type.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().to_ascii_lowercase().starts_with("multipart/") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        if k.trim().eq_ignore_ascii_case("boundary") {
            Some(v.trim().trim_matches('"').to_string())
        } else {
            None
        }
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = *needle.first()?;
    let mut i = from;
    while i + needle.len() <= hay.len() {
        let pos = hay[i..hay.len() - needle.len() + 1]
            .iter()
            .position(|b| *b == first)?;
        let at = i + pos;
        if &hay[at..at + needle.len()] == needle {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

fn header_param(value: &str, name: &str) -> Option<String> {
    value.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        if k.trim().eq_ignore_ascii_case(name) {
            Some(v.trim().trim_matches('"').to_string())
        } else {
            None
        }
    })
}

/// Splits `body` into its parts.
pub(crate) fn parse(body: &Bytes, boundary: &str) -> Result<Vec<Part>, String> {
    let delim = format!("--{boundary}");
    let delim = delim.as_bytes();
    let mut pos = find(body, delim, 0).ok_or("the multipart body has no opening boundary")?;
    let mut parts = Vec::new();
    loop {
        let after = pos + delim.len();
        if body.get(after..after + 2) == Some(b"--") {
            break;
        }
        // Skip the line break after the boundary.
        let head_start = match body.get(after..after + 2) {
            Some(b"\r\n") => after + 2,
            _ if body.get(after) == Some(&b'\n') => after + 1,
            _ => return Err("malformed multipart boundary line".into()),
        };
        let (head_end, data_start) = match find(body, b"\r\n\r\n", head_start) {
            Some(i) => (i, i + 4),
            None => match find(body, b"\n\n", head_start) {
                Some(i) => (i, i + 2),
                None => return Err("a multipart part has no header end".into()),
            },
        };
        let head = String::from_utf8_lossy(&body[head_start..head_end]).into_owned();
        let mut close = Vec::with_capacity(delim.len() + 2);
        close.extend_from_slice(b"\r\n");
        close.extend_from_slice(delim);
        let (data_end, next) = match find(body, &close, data_start) {
            Some(i) => (i, i + 2),
            None => {
                let mut close_lf = Vec::with_capacity(delim.len() + 1);
                close_lf.push(b'\n');
                close_lf.extend_from_slice(delim);
                match find(body, &close_lf, data_start) {
                    Some(i) => (i, i + 1),
                    None => {
                        return Err("the multipart body ends before its closing boundary".into());
                    }
                }
            }
        };
        let mut part = Part {
            name: None,
            filename: None,
            data: body.slice(data_start..data_end),
        };
        for line in head.lines() {
            if let Some((k, v)) = line.split_once(':') {
                if k.trim().eq_ignore_ascii_case("content-disposition") {
                    part.name = header_param(v, "name");
                    part.filename = header_param(v, "filename");
                }
            }
        }
        parts.push(part);
        pos = next;
    }
    Ok(parts)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn splits_parts() {
        let body = Bytes::from_static(
            b"--XyZ\r\nContent-Disposition: name=\"request_payload\"\r\nContent-Type: text/xml\r\n\r\n<tsRequest/>\r\n--XyZ\r\nContent-Disposition: name=\"tableau_workbook\"; filename=\"a b.twbx\"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\r\n--\r\n--XyZ--\r\n",
        );
        let b = boundary("multipart/mixed; boundary=XyZ").unwrap();
        let parts = parse(&body, &b).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name.as_deref(), Some("request_payload"));
        assert_eq!(&parts[0].data[..], b"<tsRequest/>");
        assert_eq!(parts[1].filename.as_deref(), Some("a b.twbx"));
        assert_eq!(&parts[1].data[..], b"\x00\x01\r\n--");
    }

    #[test]
    fn truncated_body_is_an_error() {
        let body = Bytes::from_static(b"--XyZ\r\nContent-Disposition: name=\"a\"\r\n\r\nabc");
        assert!(parse(&body, "XyZ").is_err());
    }
}
